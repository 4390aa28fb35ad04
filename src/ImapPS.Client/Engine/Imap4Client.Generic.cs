using System;
using System.Collections.Generic;
using System.Linq;
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
        /// <summary>Any command by name, with imaplib2's argument quoting (for extensions this client does not know).</summary>
        public ImapResponse Xatom(string name, params string[] args) => Sync(XatomAsync(name, args));

        /// <summary>XATOM in imaplib2's callback style.</summary>
        public ImapResponse Xatom(string name, string[] args, ImapCallback? callback, object? callbackArgument = null)
            => Call(XatomAsync(name, args), callback, callbackArgument);

        /// <inheritdoc cref="Xatom(string, string[])"/>
        /// <exception cref="ArgumentException">The command changes the session's state and has a method of its own (see <see cref="ImapCommandNames.ChangesSessionState"/>).</exception>
        public Task<ImapResponse> XatomAsync(string name, params string[] args)
            => RunGenericAsync(name.ToUpperInvariant(), args.Select(a => (ImapArgument)a).ToArray(), null, exclusive: true);

        /// <summary>
        /// Any command with typed arguments; <paramref name="collects"/> names the untagged responses that are its results.
        /// ENABLE and COMPRESS get the engine's own handling; the other state-changing commands are refused.
        /// </summary>
        /// <exception cref="ArgumentException">The command changes the session's state and has a method of its own (see <see cref="ImapCommandNames.ChangesSessionState"/>).</exception>
        public Task<ImapResponse> ExecuteAsync(string command, IReadOnlyList<ImapArgument> arguments, IReadOnlyList<string>? collects = null, bool exclusive = true)
            => RunGenericAsync(command, arguments.ToArray(), collects?.Select(c => c.ToUpperInvariant()).ToArray(), exclusive);

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
