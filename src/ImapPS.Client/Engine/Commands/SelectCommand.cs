using System.Globalization;
using System.Linq;
using System.Threading.Tasks;
using ImapPS.Client.Protocol;

namespace ImapPS.Client
{
    /// <summary>
    /// SELECT and EXAMINE. State-changing: it waits for every command in flight, resets the mailbox
    /// state when it is written (commands ahead of it still see the old mailbox), and at its tagged
    /// response either enters the mailbox or, when refused, leaves none selected (RFC 3501 6.3.1).
    /// Its result, as imaplib2's, is the message count.
    /// </summary>
    internal sealed class SelectCommand : ImapCommand
    {
        private static readonly string[] MailboxResponses = { "EXISTS", "RECENT", "FLAGS" };
        private readonly string _mailbox;
        private readonly bool _readOnly;

        public SelectCommand(string mailbox, bool readOnly)
            : base(readOnly ? "EXAMINE" : "SELECT", Authenticated, MailboxResponses, ImapArgument.Mailbox(mailbox))
        {
            _mailbox = mailbox;
            _readOnly = readOnly;
        }

        public override bool Exclusive => true;

        public override void BeforeSend(Imap4Client client) => client.ResetMailboxLocked();

        public override void OnTagged(Imap4Client client, PendingCommand pending, ServerResponse tagged)
        {
            if (tagged.Status == ResponseStatus.Ok) client.EnterMailboxLocked(_mailbox, _readOnly || tagged.CodeName == "READ-ONLY");
            else client.LeaveMailboxLocked();
        }

        public override bool HasFollowUp => true;

        public override Task<ImapResponse> FinishAsync(Imap4Client client, ImapResponse response)
        {
            if (!response.IsOk) return Task.FromResult(response);
            string count = response.Untagged.LastOrDefault(u => u.Name == "EXISTS")?.Number.ToString(CultureInfo.InvariantCulture)
                ?? client.Exists.ToString(CultureInfo.InvariantCulture);
            return Task.FromResult(new ImapResponse("OK", response.Tagged, response.Untagged, null, new[] { new ImapDataItem(count) }));
        }
    }
}
