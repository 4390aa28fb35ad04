using ImapPS.Client.Protocol;

namespace ImapPS.Client
{
    /// <summary>CREATE, DELETE, RENAME, SUBSCRIBE, UNSUBSCRIBE: a tagged answer and nothing else; they run beside any command.</summary>
    internal sealed class MailboxAdminCommand : ImapCommand
    {
        private MailboxAdminCommand(string name, params ImapArgument[] arguments)
            : base(name, Authenticated, null, arguments)
        {
        }

        public static MailboxAdminCommand Create(string mailbox) => new MailboxAdminCommand("CREATE", ImapArgument.Mailbox(mailbox));

        public static MailboxAdminCommand Delete(string mailbox) => new MailboxAdminCommand("DELETE", ImapArgument.Mailbox(mailbox));

        public static MailboxAdminCommand Rename(string from, string to) => new MailboxAdminCommand("RENAME", ImapArgument.Mailbox(from), ImapArgument.Mailbox(to));

        public static MailboxAdminCommand Subscribe(string mailbox) => new MailboxAdminCommand("SUBSCRIBE", ImapArgument.Mailbox(mailbox));

        public static MailboxAdminCommand Unsubscribe(string mailbox) => new MailboxAdminCommand("UNSUBSCRIBE", ImapArgument.Mailbox(mailbox));
    }
}
