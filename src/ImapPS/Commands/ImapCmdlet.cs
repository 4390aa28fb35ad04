using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
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
        protected internal CancellationToken StopToken => _stopping.Token;

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
        protected internal void FlushTrace()
        {
            // Every wait of the cmdlets calls this on the pipeline thread: it also runs what the engine
            // posted for a runspace's thread (a token script block at a reconnect).
            var work = SessionWork;
            if (work != null) while (work.TryTake(out var posted)) posted();
            while (_trace.TryDequeue(out var line))
            {
                if (_verbose && line.Level <= 2 && line.Text.StartsWith("> ", StringComparison.Ordinal))
                    WriteVerbose(line.Text.Substring(2));
                else if (_debug)
                    WriteDebug(line.Text);
            }
        }

        /// <summary>Waits for an engine task on the pipeline thread, writing trace lines meanwhile (see <see cref="ImapSession.Wait"/>).</summary>
        protected T Await<T>(Task<T> task)
        {
            var work = SessionWork;
            return ImapSession.Wait(task, StopToken, _traced != null || work != null ? FlushTrace : (Action?)null, work);
        }

        /// <summary>What the engine posted for the pipeline thread of a cmdlet working on this session (see <see cref="ImapSession.PipelineWork"/>), or null.</summary>
        internal virtual BlockingCollection<Action>? SessionWork => null;

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
        protected internal static ErrorRecord ErrorFor(Exception ex, object? target, string? id = null, ErrorCategory? category = null)
        {
            if (id == null)
            {
                switch (ex)
                {
                    case ImapMailboxException mb when mb.IsNotFound:
                        id = "MailboxNotFound"; category ??= ErrorCategory.ObjectNotFound; break;
                    case ImapMailboxException _:
                        id = "MailboxUnavailable"; category ??= ErrorCategory.ResourceUnavailable; break;
                    case ImapReconnectFailedException _:
                        id = "ReconnectFailed"; category ??= ErrorCategory.ConnectionError; break;
                    case ImapUidValidityChangedException _:
                        id = "UidValidityChanged"; category ??= ErrorCategory.InvalidData; break;
                    case ImapOutcomeUnknownException _:
                        id = "OutcomeUnknown"; category ??= ErrorCategory.OperationStopped; break;
                    case ImapSecurityException _:
                        id = "SecurityError"; category ??= ErrorCategory.SecurityError; break;
                    case ImapAbortException abort when abort.InnerException is ImapSecurityException:
                        id = "SecurityError"; category ??= ErrorCategory.SecurityError; break;
                    case ImapReadOnlyException _:
                        id = "MailboxReadOnly"; category ??= ErrorCategory.PermissionDenied; break;
                    case ImapCapabilityException _:
                        id = "CapabilityMissing"; category ??= ErrorCategory.NotImplemented; break;
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
                    case ImapDeadlineException _:
                        id = "CommandDeadline"; category ??= ErrorCategory.OperationTimeout; break;
                    case ImapCommandException _:
                        id = "CommandFailed"; category ??= ErrorCategory.InvalidOperation; break;
                    case ImapException _:
                        id = "CommandFailed"; category ??= ErrorCategory.InvalidOperation; break;
                    case ArgumentException _:
                        // InvalidMailboxNameException and the engine's other refusals of an argument: nothing was sent.
                        id = "InvalidArgument"; category ??= ErrorCategory.InvalidArgument; break;
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
        protected internal static bool IsFatal(Exception ex) => ex is ImapAbortException || ex is ImapUidValidityChangedException || ex is PipelineStoppedException || ex is OperationCanceledException;

        /// <summary>
        /// The -Include/-Exclude rule of the archive cmdlets: true when some pattern of
        /// <paramref name="include"/> matches one of <paramref name="names"/> (or there is none) and
        /// no pattern of <paramref name="exclude"/> does (wildcards, case-insensitive).
        /// </summary>
        internal static bool SelectedByPatterns(string[]? include, string[]? exclude, params string[] names)
        {
            bool Matches(string[] patterns) => patterns.Any(p =>
            {
                var wildcard = new WildcardPattern(p, WildcardOptions.IgnoreCase);
                return names.Any(wildcard.IsMatch);
            });
            if (include != null && include.Length > 0 && !Matches(include)) return false;
            return exclude == null || !Matches(exclude);
        }
    }

    /// <summary>
    /// A cmdlet that works on a session: -Session, bound by property name (a message or mailbox
    /// carries its session along the pipeline), or a session object piped in itself; by default
    /// the session the last Connect-Imap made.
    /// </summary>
    public abstract class ImapSessionCmdlet : ImapCmdlet
    {
        private HashSet<string>? _commandLine;
        private Dictionary<PropertyInfo, object?>? _pipelineDefaults;
        private bool _sessionFromPipe;

        /// <summary>
        /// The session to use (an object, a session name or an Id); by default the one the last
        /// Connect-Imap made. Binds the Session of piped objects, or their SessionName (rows read
        /// back with Import-Csv or ConvertFrom-Json).
        /// </summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("SessionName")]
        [SessionArgument]
        [ArgumentCompleter(typeof(SessionNameCompleter))]
        [ValidateNotNull]
        public ImapSession? Session { get; set; }

        /// <summary>
        /// A session piped in itself (Connect-Imap … | Search-ImapMessage). Hidden: it exists so
        /// the cmdlet can tell a piped session from a piped message or mailbox, whose Session
        /// property binds -Session. Users pass sessions with -Session or the pipeline.
        /// </summary>
        [Parameter(ValueFromPipeline = true, DontShow = true)]
        public ImapSession? InputSession { get; set; }

        /// <summary>
        /// The Id of the session the piped object was read on (bound from the SessionId of piped
        /// messages, mailboxes and IDLE events). A UID or a mailbox name means something only within its own account, so an
        /// object of another session is refused (SessionMismatch) instead of being applied to the
        /// session of -Session.
        /// </summary>
        [Parameter(ValueFromPipelineByPropertyName = true, DontShow = true)]
        public int? SessionId { get; set; }

        /// <summary>
        /// False (after writing a non-terminating SessionMismatch) when the piped object was read on
        /// another session than <paramref name="session"/>.
        /// </summary>
        internal bool FromSameSession(ImapSession session, object? target)
        {
            if (!SessionId.HasValue || SessionId.Value == session.Id) return true;
            var origin = SessionRegistry.All.FirstOrDefault(s => s.Id == SessionId.Value);
            string from = origin != null ? "'" + origin.Name + "' (Id " + origin.Id + ")" : "Id " + SessionId.Value;
            WriteError(new ErrorRecord(new InvalidOperationException("The piped object was read on session " + from + ", but this command works on session '" +
                    session.Name + "' (Id " + session.Id + "). A UID or mailbox name means something only in the account it was read from, so it is not applied to another one. " +
                    "Leave out -Session to use the object's own session, or find it again on '" + session.Name + "'."),
                "SessionMismatch", ErrorCategory.InvalidArgument, target));
            return false;
        }

        /// <summary>Notes which parameters came from the command line, then calls <see cref="BeginInput"/>.</summary>
        protected sealed override void BeginProcessing()
        {
            // Only the command line (and $PSDefaultParameterValues) is bound yet: what is bound
            // later for a record came from that record.
            _commandLine = new HashSet<string>(MyInvocation.BoundParameters.Keys, StringComparer.OrdinalIgnoreCase);
            _pipelineDefaults = new Dictionary<PropertyInfo, object?>();
            foreach (var property in PipelineParameters(GetType()))
                if (!_commandLine.Contains(property.Name)) _pipelineDefaults[property] = property.GetValue(this);
            BeginInput();
        }

        private static readonly ConcurrentDictionary<Type, PropertyInfo[]> s_pipelineParameters = new ConcurrentDictionary<Type, PropertyInfo[]>();

        /// <summary>The parameters of a cmdlet type, other than the session ones, that take pipeline input.</summary>
        private static PropertyInfo[] PipelineParameters(Type type) => s_pipelineParameters.GetOrAdd(type, t => t
            .GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.Name != nameof(Session) && p.Name != nameof(InputSession) &&
                p.GetCustomAttributes(typeof(ParameterAttribute), true).Cast<ParameterAttribute>().Any(a => a.ValueFromPipeline || a.ValueFromPipelineByPropertyName))
            .ToArray());

        /// <summary>Checks the command-line parameters before any input (BeginProcessing).</summary>
        protected virtual void BeginInput() { }

        /// <summary>
        /// The session given, piped, or the default one; terminates with NoSession when there is
        /// none and SessionClosed when it is closed, saying why. Never switches to another session.
        /// </summary>
        protected ImapSession ResolveSession()
        {
            if (InputSession != null) TakePipedSession(InputSession);
            else if (_sessionFromPipe && !MyInvocation.BoundParameters.ContainsKey(nameof(Session)))
            {
                // The session piped with an earlier record is not this record's.
                Session = null;
                _sessionFromPipe = false;
            }
            var session = Session;
            string? noDefault = null;
            bool isDefault = session == null;
            if (session == null) session = SessionRegistry.GetDefault(out noDefault);
            if (session == null)
                ThrowTerminatingError(new ErrorRecord(new InvalidOperationException((noDefault ?? "There is no IMAP session.") +
                        " Connect with Connect-Imap, or pass a session with -Session (or pipe it in)."),
                    "NoSession", ErrorCategory.ConnectionError, null));
            if (session!.NeedsReconnect) ReconnectSession(session);
            if (!session!.IsConnected)
                ThrowTerminatingError(new ErrorRecord(new InvalidOperationException((isDefault ? "The default IMAP session '" : "The IMAP session '") + session.Name + "' is closed. " +
                        session.CloseReason + (isDefault ? " Commands without -Session do not switch to another session: connect again with Connect-Imap, or pass -Session." : " Connect again with Connect-Imap.")),
                    "SessionClosed", ErrorCategory.ConnectionError, session));
            Trace(session);
            _resolved = session;
            return session;
        }

        private ImapSession? _resolved;

        /// <inheritdoc />
        internal override BlockingCollection<Action>? SessionWork => _resolved?.PipelineWork;

        /// <summary>
        /// Re-establishes the lost connection of a -Reconnect session before the command uses it;
        /// terminates when the policy is spent or the selected mailbox's UIDVALIDITY changed.
        /// </summary>
        internal void ReconnectSession(ImapSession session)
        {
            WriteVerbose("The connection of session '" + session.Name + "' is lost; reconnecting (" + session.ReconnectPolicy + ").");
            try
            {
                session.Reconnect(StopToken);
            }
            catch (OperationCanceledException) when (StopToken.IsCancellationRequested)
            {
                throw new PipelineStoppedException();
            }
            catch (ImapException ex)
            {
                WriteSessionNotices(session);
                ThrowTerminatingError(ErrorFor(ex, session));
            }
            WriteSessionNotices(session);
        }

        /// <summary>Writes what happened to the session's connection (reconnects, failed attempts) as warnings. Call on the pipeline thread.</summary>
        internal void WriteSessionNotices(ImapSession? session)
        {
            if (session == null) return;
            foreach (var notice in session.TakeNotices()) WriteWarning(notice);
        }

        /// <summary>
        /// Whether a command may be sent again after the connection was lost while it ran, by the
        /// command name that starts the "what" given to <see cref="TryCommand(Func{System.Threading.Tasks.Task{ImapResponse}}, string, object?, out ImapResponse, string?)"/> (the engine's rule:
        /// <see cref="ImapCommandNames.SafetyOf"/>).
        /// </summary>
        internal static ImapOperationSafety SafetyOf(string what) => ImapCommandNames.SafetyOf(what);


        /// <summary>
        /// A session object was piped in: it is the session, and nothing else. PowerShell also
        /// binds its properties by name (its Name to -Mailbox or -Name, say), and would coerce it
        /// to strings for -Path: those values are undone here, so a piped session never becomes
        /// a mailbox name. A mandatory parameter that only the session supplied terminates.
        /// </summary>
        private void TakePipedSession(ImapSession piped)
        {
            var given = Session;
            if (given != null && !ReferenceEquals(given, piped) && _commandLine!.Contains(nameof(Session)))
                ThrowTerminatingError(new ErrorRecord(new ArgumentException("A session was piped in ('" + piped.Name + "') and -Session names another ('" + given.Name +
                    "'). Give one session only."), "SessionConflict", ErrorCategory.InvalidArgument, piped));
            Session = piped;
            _sessionFromPipe = !_commandLine!.Contains(nameof(Session));
            foreach (var pair in _pipelineDefaults!)
            {
                var name = pair.Key.Name;
                if (!MyInvocation.BoundParameters.ContainsKey(name)) continue;
                if (pair.Key.GetCustomAttributes(typeof(ParameterAttribute), true).Cast<ParameterAttribute>()
                        .Any(p => p.Mandatory && (p.ParameterSetName == ParameterAttribute.AllParameterSets || p.ParameterSetName == ParameterSetName)))
                    ThrowTerminatingError(new ErrorRecord(new ArgumentException("A session ('" + piped.Name + "') was piped into " + MyInvocation.MyCommand.Name +
                            ", which also needs -" + name + ": a session is not a value for -" + name + ". Give -" + name + " and pass the session with -Session or the pipeline."),
                        "SessionPipedAsValue", ErrorCategory.InvalidArgument, piped));
                pair.Key.SetValue(this, pair.Value);
                MyInvocation.BoundParameters.Remove(name);
            }
        }

        /// <summary>
        /// Runs one server operation for one item: a NO/BAD or logical error becomes a
        /// non-terminating error carrying the server's text; a lost connection terminates.
        /// </summary>
        /// <param name="operation">The work.</param>
        /// <param name="target">The error's target object.</param>
        /// <param name="result">The work's result.</param>
        /// <param name="ifCut">
        /// What is known and what is uncertain when the connection is lost during this operation
        /// (what earlier steps did, that this one was sent with an unknown outcome, what to check
        /// before retrying); it is added to the terminating error.
        /// </param>
        protected bool TryRun<T>(Func<T> operation, object? target, out T result, string? ifCut = null)
        {
            try
            {
                result = operation();
                return true;
            }
            catch (Exception ex) when (!(ex is PipelineStoppedException) && !(ex is PipelineClosedException))
            {
                FlushTrace();
                if (ex is OperationCanceledException && StopToken.IsCancellationRequested) throw new PipelineStoppedException();
                if (ex is ImapAbortException && !(ex is ImapReconnectFailedException) && _resolved?.Reconnects == true)
                    ifCut = (ifCut != null ? ifCut + " " : "") + "The session reconnects at its next command; this one was not repeated (it is not safe to repeat blindly, or it was cut while its results were being written).";
                if (IsFatal(ex)) ThrowTerminatingError(ErrorFor(ifCut != null && ex is ImapAbortException ? new ImapAbortException(ex.Message.TrimEnd('.') + ". " + ifCut, ex) : ex, target));
                WriteError(ErrorFor(ex, target));
                result = default!;
                return false;
            }
        }

        /// <summary>Runs a command and checks that the server answered OK (see <see cref="TryRun{T}"/>).</summary>
        /// <remarks>
        /// On a -Reconnect session a read or idempotent command (<see cref="SafetyOf"/>) whose
        /// connection is lost is sent again on the re-established connection; any other fails as
        /// before, and the next command reconnects.
        /// </remarks>
        protected bool TryCommand(Func<System.Threading.Tasks.Task<ImapResponse>> command, string what, object? target, out ImapResponse response, string? ifCut = null)
            => TryCommand(command, SafetyOf(what), what, target, out response, ifCut);

        /// <summary>Runs a command whose <paramref name="safety"/> the caller states (see <see cref="TryCommand(Func{System.Threading.Tasks.Task{ImapResponse}}, string, object?, out ImapResponse, string?)"/>).</summary>
        protected bool TryCommand(Func<System.Threading.Tasks.Task<ImapResponse>> command, ImapOperationSafety safety, string what, object? target, out ImapResponse response, string? ifCut = null)
        {
            var session = _resolved;
            var run = command;
            if (session?.Reconnector is ImapReconnectingClient reconnector && safety != ImapOperationSafety.NotIdempotent)
            {
                var stop = StopToken;
                run = () => reconnector.RunAsync(safety, what, _ => command(), stop);
            }
            try
            {
                return TryRun(() => Check(Await(run()), what), target, out response, ifCut);
            }
            finally
            {
                WriteSessionNotices(session);
            }
        }

        /// <summary>
        /// Writes an InvalidArgument error and returns false when <paramref name="name"/> holds CR, LF or NUL
        /// (no server accepts such a name); for cmdlets that do server work before they send the name.
        /// </summary>
        protected bool IsValidMailboxName(string? name, string parameterName)
        {
            if (name == null) return true;
            try
            {
                InvalidMailboxNameException.ThrowIfInvalid(name, parameterName);
                return true;
            }
            catch (InvalidMailboxNameException ex)
            {
                WriteError(ErrorFor(ex, name));
                return false;
            }
        }

        /// <summary>
        /// The server's name for a mailbox path as the user wrote it (<c>/</c> between levels, no
        /// namespace prefix needed; see <see cref="ImapPS.MailboxPaths"/>); null stays null. What
        /// was changed is said under -Verbose. Terminates when the server cannot be asked.
        /// </summary>
        internal string? MailboxPath(ImapSession session, string? path) => MailboxPath(session, path, pattern: false);

        /// <summary><see cref="MailboxPath(ImapSession, string)"/> for each of <paramref name="paths"/>.</summary>
        internal string[] MailboxPath(ImapSession session, string[] paths) => paths.Select(p => MailboxPath(session, p)!).ToArray();

        /// <summary><see cref="MailboxPath(ImapSession, string)"/> for LIST patterns (a leading wildcard is not put under the prefix).</summary>
        internal string[] MailboxPattern(ImapSession session, string[] patterns) => patterns.Select(p => MailboxPath(session, p, pattern: true)!).ToArray();

        private string? MailboxPath(ImapSession session, string? path, bool pattern)
        {
            if (string.IsNullOrEmpty(path)) return path;
            // RFC 3501 5.1: INBOX, in any case, is the same everywhere; no need to ask the server.
            if (string.Equals(path, "INBOX", StringComparison.OrdinalIgnoreCase)) return "INBOX";
            MailboxPaths paths;
            try
            {
                paths = session.GetMailboxPaths(StopToken);
            }
            catch (Exception ex) when (!(ex is PipelineStoppedException))
            {
                FlushTrace();
                if (ex is OperationCanceledException && StopToken.IsCancellationRequested) throw new PipelineStoppedException();
                ThrowTerminatingError(ErrorFor(ex, path));
                throw;
            }
            string name = pattern ? paths.ToServerPattern(path!, out var note) : paths.ToServerName(path!, out note);
            if (note != null) WriteVerbose(note);
            return name;
        }

        /// <summary>Leases <paramref name="mailbox"/> (selecting it if needed); terminates with MailboxNotFound when it does not exist.</summary>
        internal MailboxLease? TryUseMailbox(ImapSession session, string mailbox, bool readOnly, bool reselect = false)
        {
            try
            {
                return session.UseMailbox(mailbox, readOnly, StopToken, reselect);
            }
            catch (Exception ex) when (!(ex is PipelineStoppedException))
            {
                FlushTrace();
                if (ex is OperationCanceledException && StopToken.IsCancellationRequested) throw new PipelineStoppedException();
                if (IsFatal(ex)) ThrowTerminatingError(ErrorFor(ex, mailbox));
                WriteError(ErrorFor(ex, mailbox));
                return null;
            }
        }
    }
}
