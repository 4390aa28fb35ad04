using System;
using System.Collections.Concurrent;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using ImapPS.Client;

namespace ImapPS.Commands
{
    /// <summary>
    /// What every ImapPS cmdlet shares: Ctrl+C cancels waits (StopProcessing), engine trace lines
    /// become -Verbose (commands sent, already redacted) and -Debug output, written on the pipeline
    /// thread only, and engine failures become ErrorRecords with stable ids.
    /// </summary>
    public abstract class ImapCmdlet : PSCmdlet, IDisposable
    {
        private readonly CancellationTokenSource _stopping = new CancellationTokenSource();
        private readonly ConcurrentQueue<(int Level, string Text)> _trace = new ConcurrentQueue<(int, string)>();
        private Imap4Client? _traced;
        private bool _verbose;
        private bool _debug;

        /// <summary>Cancelled when the pipeline is stopped (Ctrl+C, Select-Object -First).</summary>
        protected CancellationToken Stopping => _stopping.Token;

        /// <inheritdoc />
        protected override void StopProcessing() => _stopping.Cancel();

        /// <summary>Shows the engine's trace of <paramref name="session"/> as verbose/debug output, when asked for.</summary>
        protected void Trace(ImapSession session) => Trace(session.Client);

        /// <summary>Shows the engine's trace of <paramref name="client"/> as verbose/debug output, when asked for.</summary>
        protected void Trace(Imap4Client client)
        {
            if (_traced != null) return;
            _verbose = IsPreferenceOn("Verbose", "VerbosePreference");
            _debug = IsPreferenceOn("Debug", "DebugPreference");
            if (!_verbose && !_debug) return;
            _traced = client;
            _traced.DebugLine += OnDebugLine;
        }

        private bool IsPreferenceOn(string parameter, string variable)
        {
            if (MyInvocation.BoundParameters.TryGetValue(parameter, out var value))
                return value is SwitchParameter sw ? sw.IsPresent : LanguagePrimitives.IsTrue(value);
            var preference = GetVariableValue(variable);
            return preference is ActionPreference p && p != ActionPreference.SilentlyContinue && p != ActionPreference.Ignore;
        }

        private void OnDebugLine(int level, string text)
        {
            // Only this command's own trace would be ideal; the engine has one trace per
            // connection, so parallel commands on a shared session see each other's lines.
            if (_trace.Count < 10000) _trace.Enqueue((level, text));
        }

        /// <summary>Writes queued trace lines. Call on the pipeline thread.</summary>
        protected void FlushTrace()
        {
            while (_trace.TryDequeue(out var line))
            {
                if (_verbose && line.Level <= 2 && line.Text.StartsWith("> ", StringComparison.Ordinal))
                    WriteVerbose(line.Text.Substring(2));
                else if (_debug)
                    WriteDebug(line.Text);
            }
        }

        /// <summary>Waits for an engine task on the pipeline thread, writing trace lines meanwhile.</summary>
        protected T Await<T>(Task<T> task)
        {
            if (_traced != null)
            {
                while (!task.Wait(50, Stopping)) FlushTrace();
                FlushTrace();
            }
            return ImapSession.Wait(task, Stopping);
        }

        /// <summary>Waits for a task without a result.</summary>
        protected void Await(Task task) => Await(task.ContinueWith(t => { t.GetAwaiter().GetResult(); return true; }, TaskScheduler.Default));

        /// <inheritdoc />
        protected override void EndProcessing() => FlushTrace();

        /// <summary>Detaches from the engine's trace.</summary>
        public void Dispose()
        {
            if (_traced != null) _traced.DebugLine -= OnDebugLine;
            _traced = null;
            _stopping.Dispose();
        }

        /// <summary>Throws when the server answered NO or BAD.</summary>
        protected static ImapResponse Check(ImapResponse response, string what)
        {
            if (!response.IsOk) throw new ImapCommandException(what, response);
            return response;
        }

        /// <summary>An ErrorRecord for an engine failure: ids and categories that scripts can test for.</summary>
        protected static ErrorRecord ErrorFor(Exception ex, object? target, string? id = null, ErrorCategory? category = null)
        {
            if (id == null)
            {
                switch (ex)
                {
                    case ImapMailboxException mb when mb.IsNotFound:
                        id = "MailboxNotFound"; category ??= ErrorCategory.ObjectNotFound; break;
                    case ImapMailboxException _:
                        id = "MailboxUnavailable"; category ??= ErrorCategory.ResourceUnavailable; break;
                    case ImapSecurityException _:
                        id = "SecurityError"; category ??= ErrorCategory.SecurityError; break;
                    case ImapAbortException _:
                        id = "ConnectionLost"; category ??= ErrorCategory.ConnectionError; break;
                    case ImapCommandException cmd when cmd.IsNonExistent:
                        id = "MailboxNotFound"; category ??= ErrorCategory.ObjectNotFound; break;
                    case ImapCommandException cmd when cmd.ResponseCode == "ALREADYEXISTS":
                        id = "MailboxExists"; category ??= ErrorCategory.ResourceExists; break;
                    case ImapCommandException cmd when cmd.ResponseCode == "OVERQUOTA":
                        id = "OverQuota"; category ??= ErrorCategory.QuotaExceeded; break;
                    case ImapCommandException cmd when cmd.ResponseCode == "NOPERM":
                        id = "PermissionDenied"; category ??= ErrorCategory.PermissionDenied; break;
                    case ImapCommandException _:
                        id = "CommandFailed"; category ??= ErrorCategory.InvalidOperation; break;
                    case ImapException _:
                        id = "CommandFailed"; category ??= ErrorCategory.InvalidOperation; break;
                    case OperationCanceledException _:
                        id = "OperationStopped"; category ??= ErrorCategory.OperationStopped; break;
                    case TimeoutException _:
                        id = "OperationTimeout"; category ??= ErrorCategory.OperationTimeout; break;
                    default:
                        id = "UnexpectedError"; category ??= ErrorCategory.NotSpecified; break;
                }
            }
            return new ErrorRecord(ex, id, category ?? ErrorCategory.NotSpecified, target);
        }

        /// <summary>True for failures after which the connection cannot be used: the command must stop.</summary>
        protected static bool IsFatal(Exception ex) => ex is ImapAbortException || ex is PipelineStoppedException || ex is OperationCanceledException;
    }

    /// <summary>A cmdlet that works on a session: -Session, bound by property name, defaulting to the runspace's default session.</summary>
    public abstract class ImapSessionCmdlet : ImapCmdlet
    {
        /// <summary>
        /// The session to use (an object, a session name or an Id); by default the last session
        /// opened in this runspace. Binds the Session of piped objects, or their SessionName (rows
        /// read back with Import-Csv or ConvertFrom-Json).
        /// </summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("SessionName")]
        [SessionArgument]
        [ArgumentCompleter(typeof(SessionNameCompleter))]
        [ValidateNotNull]
        public ImapSession? Session { get; set; }

        /// <summary>The session given, or the default one; terminates when there is none or it is closed.</summary>
        protected ImapSession ResolveSession()
        {
            var session = Session ?? SessionRegistry.Default;
            if (session == null)
                ThrowTerminatingError(new ErrorRecord(new InvalidOperationException("There is no IMAP session. Connect with Connect-Imap, or pass -Session."),
                    "NoSession", ErrorCategory.ConnectionError, null));
            if (!session!.IsConnected)
                ThrowTerminatingError(new ErrorRecord(new InvalidOperationException("The IMAP session '" + session.Name + "' is closed" +
                    (session.Client.AbortError != null ? ": " + session.Client.AbortError.Message : ".")),
                    "SessionClosed", ErrorCategory.ConnectionError, session));
            Trace(session);
            return session;
        }

        /// <summary>
        /// Runs one server operation for one item: a NO/BAD or logical error becomes a
        /// non-terminating error carrying the server's text; a lost connection terminates.
        /// </summary>
        protected bool TryRun<T>(Func<T> operation, object? target, out T result)
        {
            try
            {
                result = operation();
                return true;
            }
            catch (Exception ex) when (!(ex is PipelineStoppedException) && !(ex is PipelineClosedException))
            {
                FlushTrace();
                if (ex is OperationCanceledException && Stopping.IsCancellationRequested) throw new PipelineStoppedException();
                if (IsFatal(ex)) ThrowTerminatingError(ErrorFor(ex, target));
                WriteError(ErrorFor(ex, target));
                result = default!;
                return false;
            }
        }

        /// <summary>Runs a command and checks that the server answered OK (see <see cref="TryRun{T}"/>).</summary>
        protected bool TryCommand(Func<System.Threading.Tasks.Task<ImapResponse>> command, string what, object? target, out ImapResponse response)
            => TryRun(() => Check(Await(command()), what), target, out response);

        /// <summary>Leases <paramref name="mailbox"/> (selecting it if needed); terminates with MailboxNotFound when it does not exist.</summary>
        internal MailboxLease? TryUseMailbox(ImapSession session, string mailbox, bool readOnly, bool reselect = false)
        {
            try
            {
                return session.UseMailbox(mailbox, readOnly, Stopping, reselect);
            }
            catch (Exception ex) when (!(ex is PipelineStoppedException))
            {
                FlushTrace();
                if (ex is OperationCanceledException && Stopping.IsCancellationRequested) throw new PipelineStoppedException();
                if (IsFatal(ex)) ThrowTerminatingError(ErrorFor(ex, mailbox));
                WriteError(ErrorFor(ex, mailbox));
                return null;
            }
        }
    }

    /// <summary>The server answered a command with NO or BAD.</summary>
    public sealed class ImapCommandException : ImapException
    {
        internal ImapCommandException(string what, ImapResponse response)
            : base(what + " failed: " + (response.Type.Length > 0 ? response.Type + " " : "") + response.Text)
        {
            ResponseType = response.Type;
            ResponseCode = response.Tagged?.CodeName;
            ServerText = response.Text;
        }

        /// <summary>NO or BAD.</summary>
        public string ResponseType { get; }

        /// <summary>The response code (e.g. NONEXISTENT, ALREADYEXISTS, OVERQUOTA), if any.</summary>
        public string? ResponseCode { get; }

        /// <summary>The server's text.</summary>
        public string ServerText { get; }

        // Servers without RFC 5530 codes only say it in words.
        internal bool IsNonExistent => ResponseCode == "NONEXISTENT" || ResponseCode == "TRYCREATE" ||
            ServerText.IndexOf("doesn't exist", StringComparison.OrdinalIgnoreCase) >= 0 ||
            ServerText.IndexOf("does not exist", StringComparison.OrdinalIgnoreCase) >= 0 ||
            ServerText.IndexOf("no such mailbox", StringComparison.OrdinalIgnoreCase) >= 0;
    }
}
