using System;
using System.Threading.Tasks;
using ImapPS.Client.Protocol;

namespace ImapPS.Client
{
    // The generic entry points (Xatom, ExecuteAsync) and the state-changing commands they share
    // with the typed methods. A command given by name goes out only when the engine can keep its
    // view of the session true afterwards: ENABLE and COMPRESS get the same handling as their
    // methods; every other state-changing command is refused before anything is written, so the
    // client never believes a mailbox is selected that is not (a raw "SELECT INBOX" would leave
    // SelectedMailbox naming the previous mailbox, and the next expunge would hit INBOX).
    public partial class Imap4Client
    {
        private Task<ImapResponse> RunGenericAsync(string command, ImapArgument[] arguments, string[]? collects, bool exclusive)
        {
            if (command is null) throw new ArgumentNullException(nameof(command));
            string name = ImapCommandNames.NameOf(command);
            bool uid = !command.TrimStart().StartsWith(name, StringComparison.OrdinalIgnoreCase);
            if (!uid && name == "ENABLE") return Issue(new EnableCommand(command, arguments, requireCapability: false));
            if (!uid && name == "COMPRESS") return Issue(new CompressCommand(command, arguments, checkedCall: false));
            // imaplib2 style: Xatom("UID", "SELECT", …) puts the sub-command in the first argument.
            bool subcommandChanges = name == "UID" && arguments.Length > 0 && arguments[0].Value is string sub && ImapCommandNames.ChangesSessionState(sub);
            if (subcommandChanges) name = ImapCommandNames.NameOf((string)arguments[0].Value!);
            if (subcommandChanges || ImapCommandNames.ChangesSessionState(command))
                throw new ArgumentException(name + " changes the session's state (selected mailbox, authentication or transport) and cannot be sent as a raw command: " +
                    "the client would no longer know the session's true state. Use its own method (Select, Examine, Close, Unselect, Login, Authenticate, StartTls, Idle, Logout).", nameof(command));
            return Issue(new GenericCommand(command, arguments, collects, exclusive));
        }
    }
}
