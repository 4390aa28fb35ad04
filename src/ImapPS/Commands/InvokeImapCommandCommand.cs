using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading.Tasks;
using ImapPS.Client;
using ImapPS.Client.Protocol;

namespace ImapPS.Commands
{
    /// <summary>
    /// <para type="synopsis">Sends any IMAP command and returns the raw response.</para>
    /// </summary>
    [Cmdlet(VerbsLifecycle.Invoke, "ImapCommand", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(ImapCommandResult))]
    public sealed class InvokeImapCommandCommand : ImapSessionCmdlet
    {
        /// <summary>The command name, e.g. NOOP, GETQUOTAROOT, FETCH, XLIST.</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string Command { get; set; } = "";

        /// <summary>Arguments, quoted as imaplib2 does (atoms as they are, strings quoted, CR/LF/8-bit text as literals); byte arrays become literals.</summary>
        [Parameter(Position = 1, ValueFromRemainingArguments = true)]
        public object[]? Argument { get; set; }

        /// <summary>Sends the UID form (UID FETCH, UID STORE, …).</summary>
        [Parameter]
        public SwitchParameter Uid { get; set; }

        /// <summary>Selects this mailbox first (for commands of the selected state).</summary>
        [Parameter]
        [ArgumentCompleter(typeof(MailboxNameCompleter))]
        public string? Mailbox { get; set; }

        /// <summary>The untagged response names that are this command's results (default: the command's name, e.g. FETCH for UID FETCH).</summary>
        [Parameter]
        public string[]? Collect { get; set; }

        /// <summary>Runs the command alone on the connection (waits for commands in flight; none start until it completes). Use it for commands that change the session's state.</summary>
        [Parameter]
        public SwitchParameter Exclusive { get; set; }

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            var session = ResolveSession();
            Mailbox = MailboxPath(session, Mailbox);
            // The guard reads the command's name (its first word, or the one after UID), whatever its
            // case, arguments or spacing: "select INBOX" or "UID Select" must not slip through, or the
            // module would go on believing another mailbox is selected and act on the wrong one.
            string name = ImapCommandNames.NameOf(Command);
            // "-Command UID -Argument SELECT, INBOX" names the command in its first argument.
            if (name == "UID" && Argument?.Length > 0 && (Argument[0] is PSObject p ? p.BaseObject : Argument[0]) is string sub) name = ImapCommandNames.NameOf(sub);
            if (ImapCommandNames.ChangesSessionState(name))
            {
                WriteError(new ErrorRecord(new InvalidOperationException(name + " changes the session's state behind the module's back; use the cmdlet for it (Connect-Imap, Disconnect-Imap, Select-ImapMailbox, Close-ImapMailbox, Invoke-ImapIdle). " +
                    "Refused, with or without UID and in any case: " + string.Join(", ", ImapCommandNames.StateChangingCommands.OrderBy(n => n, StringComparer.Ordinal)) + "."),
                    "CommandNotAllowed", ErrorCategory.InvalidOperation, Command));
                return;
            }
            string command = Command.Trim().ToUpperInvariant();
            string full = (Uid ? "UID " : "") + command;
            var args = (Argument ?? Array.Empty<object>()).Select(ToArgument).ToList();
            var collect = Collect ?? new[] { name };
            if (!ShouldProcess(session.Name, full + (args.Count > 0 ? " " + string.Join(" ", args.Select(a => a.ToString())) : ""))) return;
            Task<ImapResponse> task;
            MailboxLease? lease = null;
            try
            {
                if (!string.IsNullOrEmpty(Mailbox))
                {
                    lease = TryUseMailbox(session, Mailbox!, false);
                    if (lease == null) return;
                }
                // The engine refuses a malformed command name or argument before sending: an InvalidArgument error.
                if (!TryRun(() => session.Client.ExecuteAsync(full, args, collect, exclusive: Exclusive), full, out task)) return;
            }
            finally
            {
                lease?.Dispose();
            }
            if (!TryRun(() => Await(task), full, out var response)) return;
            if (!response.IsOk)
                WriteError(ErrorFor(new ImapCommandException(full, response), full));
            WriteObject(new ImapCommandResult(session, full, response));
        }

        private static ImapArgument ToArgument(object value)
        {
            var v = value is PSObject p ? p.BaseObject : value;
            switch (v)
            {
                case byte[] bytes: return ImapArgument.Literal(bytes);
                case int i: return ImapArgument.FromNumber(i);
                case long l: return ImapArgument.FromNumber(l);
                case uint u: return ImapArgument.FromNumber(u);
                case string s when SequenceSet.IsValid(s): return ImapArgument.FromSequenceSet(s);
                default: return (ImapArgument)(v?.ToString() ?? "NIL");
            }
        }
    }
}
