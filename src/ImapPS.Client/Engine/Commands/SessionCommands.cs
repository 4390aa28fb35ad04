using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using ImapPS.Client.Protocol;

namespace ImapPS.Client
{
    /// <summary>CAPABILITY: the capabilities it collects replace the client's at its tagged OK, before any later command is admitted.</summary>
    internal sealed class CapabilityCommand : ImapCommand
    {
        private static readonly string[] CapabilityResponses = { "CAPABILITY" };

        public CapabilityCommand()
            : base("CAPABILITY", AnyState, CapabilityResponses)
        {
        }

        public override void OnTagged(Imap4Client client, PendingCommand pending, ServerResponse tagged)
        {
            if (tagged.Status != ResponseStatus.Ok) return;
            var caps = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var u in pending.Untagged)
                if (u.Name == "CAPABILITY")
                    foreach (var v in u.DataItems) Imap4Client.AddCapability(caps, v);
            client.SetCapabilitiesLocked(caps);
        }
    }

    /// <summary>
    /// NOOP and CHECK: nothing of their own; what the server reports meanwhile goes to the pool and
    /// the events. A poll is a NOOP that takes the selected mailbox's changes as its result instead:
    /// state-changing, so no other command's data can be among them.
    /// </summary>
    internal sealed class NoopCommand : ImapCommand
    {
        private static readonly string[] MailboxChanges = { "EXISTS", "RECENT", "EXPUNGE", "FETCH", "VANISHED" };
        private readonly bool _poll;

        private NoopCommand(string name, ImapState[] states, string[]? collects = null, bool poll = false)
            : base(name, states, collects)
        {
            _poll = poll;
        }

        public static NoopCommand Noop() => new NoopCommand("NOOP", AnyState);

        public static NoopCommand Check() => new NoopCommand("CHECK", Selected);

        /// <summary>NOOP collecting EXISTS, RECENT, EXPUNGE, FETCH and VANISHED as its result.</summary>
        public static NoopCommand Poll() => new NoopCommand("NOOP", Selected, MailboxChanges, poll: true);

        public override bool Exclusive => _poll;
    }

    /// <summary>
    /// LOGOUT: state-changing, and the last command: later ones are refused. The server's BYE is
    /// expected then (not an abort), and the end of the stream completes it when the tagged OK never
    /// comes. Its result, as imaplib2's, is the BYE with the server's text.
    /// </summary>
    internal sealed class LogoutCommand : ImapCommand
    {
        private static readonly string[] ByeResponses = { "BYE" };

        public LogoutCommand()
            : base("LOGOUT", null, ByeResponses)
        {
        }

        public override bool Exclusive => true;

        public override bool HasFollowUp => true;

        public override Task<ImapResponse> FinishAsync(Imap4Client client, ImapResponse response)
            => Task.FromResult(new ImapResponse("BYE", response.Tagged, response.Untagged, null, new[] { new ImapDataItem(client.PooledText("BYE") ?? response.Text) }));
    }

    /// <summary>CLOSE and UNSELECT (RFC 3691): leave the selected mailbox at their tagged OK.</summary>
    internal sealed class DeselectCommand : ImapCommand
    {
        public DeselectCommand(bool expunge)
            : base(expunge ? "CLOSE" : "UNSELECT", Selected, null)
        {
            if (!expunge) Require("UNSELECT", "UNSELECT");
        }

        public override bool Exclusive => true;

        public override void OnTagged(Imap4Client client, PendingCommand pending, ServerResponse tagged)
        {
            if (tagged.Status == ResponseStatus.Ok) client.LeaveMailboxLocked();
        }
    }

    /// <summary>
    /// EXPUNGE, and UID EXPUNGE (UIDPLUS: only the given UIDs). State-changing, since sequence
    /// numbers shift under any command beside it; its results are the EXPUNGE (or VANISHED) responses.
    /// </summary>
    internal sealed class ExpungeCommand : ImapCommand
    {
        private static readonly string[] ExpungeResponses = { "EXPUNGE", "VANISHED" };

        private ExpungeCommand(string name, ImapArgument[] arguments)
            : base(name, Selected, ExpungeResponses, arguments)
        {
        }

        public static ExpungeCommand All() => new ExpungeCommand("EXPUNGE", Array.Empty<ImapArgument>());

        public static ExpungeCommand Uids(string set)
        {
            var command = new ExpungeCommand("UID EXPUNGE", new[] { SetArgument(set) });
            command.Require("UID EXPUNGE", "UIDPLUS");
            return command;
        }

        public override bool Exclusive => true;

        public override bool Modifies => true;
    }
}
