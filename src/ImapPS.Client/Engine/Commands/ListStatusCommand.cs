using System;
using System.Collections.Generic;
using ImapPS.Client.Protocol;

namespace ImapPS.Client
{
    /// <summary>
    /// LIST, LSUB and LIST-EXTENDED (RFC 5258): their results are LIST (or LSUB) responses, and
    /// with <c>RETURN (STATUS …)</c> also STATUS responses; imaplib2's data are the LIST lines.
    /// </summary>
    internal sealed class ListCommand : ImapCommand
    {
        private static readonly string[] ListResponses = { "LIST" };
        private static readonly string[] LsubResponses = { "LSUB" };
        private static readonly string[] ListStatusResponses = { "LIST", "STATUS" };
        private readonly bool _extended;

        private ListCommand(string name, string[] collects, bool extended, ImapArgument[] arguments)
            : base(name, Authenticated, collects, arguments)
        {
            _extended = extended;
        }

        public static ListCommand List(string reference, string pattern) => new ListCommand("LIST", ListResponses, false, new[] { MailboxPattern(reference), MailboxPattern(pattern) });

        public static ListCommand Lsub(string reference, string pattern) => new ListCommand("LSUB", LsubResponses, false, new[] { MailboxPattern(reference), MailboxPattern(pattern) });

        /// <summary>LIST with selection options before and return options after the names; the arguments are checked before the capability.</summary>
        public static ListCommand Extended(string? selectionOptions, string reference, string pattern, string? returnOptions)
        {
            var args = new List<ImapArgument>();
            if (!string.IsNullOrEmpty(selectionOptions)) args.Add(ImapArgument.Raw(selectionOptions!));
            args.Add(MailboxPattern(reference));
            args.Add(MailboxPattern(pattern));
            if (!string.IsNullOrEmpty(returnOptions)) { args.Add(ImapArgument.Atom("RETURN")); args.Add(ImapArgument.Raw(returnOptions!)); }
            var command = new ListCommand("LIST", ListStatusResponses, true, args.ToArray());
            command.Require("LIST-EXTENDED", "LIST-EXTENDED");
            return command;
        }

        public override string? DataName => _extended ? "LIST" : null;

        private static ImapArgument MailboxPattern(string name)
            => name == "\"\"" || name.Length == 0 ? ImapArgument.Quoted("") : ImapArgument.Mailbox(name);
    }

    /// <summary>
    /// STATUS: its result is the STATUS response naming its mailbox, so STATUS commands on
    /// different mailboxes run in parallel and each takes only its own answer.
    /// </summary>
    internal sealed class StatusCommand : ImapCommand
    {
        private static readonly string[] StatusResponses = { "STATUS" };

        public StatusCommand(string mailbox, string items)
            : base("STATUS", Authenticated, StatusResponses, ImapArgument.Mailbox(mailbox), ParenList(items))
        {
            Mailbox = mailbox;
        }

        /// <summary>The mailbox asked about (decoded name).</summary>
        public string Mailbox { get; }

        public override bool Claims(UntaggedRoute route)
        {
            if (route.Name != "STATUS") return false;
            var wire = route.Response.Data.AsString();
            return wire != null && string.Equals(route.Client.DecodeMailbox(wire), Mailbox, StringComparison.Ordinal);
        }

        protected override bool Distinguishes(ImapCommand other, string name)
            => name == "STATUS" && other is StatusCommand s && !string.Equals(s.Mailbox, Mailbox, StringComparison.Ordinal);
    }
}
