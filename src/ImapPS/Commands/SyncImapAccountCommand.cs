using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Net.Security;
using System.Security;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;
using ImapPS.Client;

namespace ImapPS.Commands
{
    /// <summary>
    /// <para type="synopsis">Synchronises whole accounts one way, many at once: one row (a source and a destination account) per input object, up to -ThrottleLimit accounts in parallel, one result per account.</para>
    /// </summary>
    /// <remarks>
    /// The pipeline thread binds the rows, runs every script block (credentials, -MapFolder,
    /// -CertificateValidation) and writes all output; workers (one thread per running account) connect,
    /// run <see cref="MailboxSync"/> (Sync-ImapMailbox's own work) and hand whatever must reach the
    /// pipeline to it through one queue, waiting for an answer where one is needed (ShouldProcess).
    /// </remarks>
    [Cmdlet(VerbsData.Sync, "ImapAccount", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(ImapAccountSyncResult))]
    public sealed class SyncImapAccountCommand : ImapCmdlet, IDisposable
    {
        private const int OverallActivity = 7110;
        private const int FirstAccountActivity = 7111;

        /// <summary>The source server's host name or address.</summary>
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [Alias("Host1")]
        [ValidateNotNullOrEmpty]
        public string SourceServer { get; set; } = "";

        /// <summary>The source port; by default 993 (Auto, Ssl) or 143 (StartTls, None).</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("Port1")]
        [ValidateRange(0, 65535)]
        public int SourcePort { get; set; }

        /// <summary>The source user name.</summary>
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [Alias("User1")]
        [ValidateNotNullOrEmpty]
        public string SourceUser { get; set; } = "";

        /// <summary>Auto (default), Ssl, StartTls or None for the source; empty means Auto.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [AllowEmptyString]
        public string? SourceSecurity { get; set; }

        /// <summary>A file whose first line is the source password (imapsync's --passfile1).</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("PassFile1")]
        [AllowEmptyString]
        public string? SourcePasswordFile { get; set; }

        /// <summary>The source password in clear (discouraged: use -SourceCredential or SourcePasswordFile).</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("Password1")]
        [AllowEmptyString]
        public string? SourcePassword { get; set; }

        /// <summary>The destination server's host name or address.</summary>
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [Alias("Host2")]
        [ValidateNotNullOrEmpty]
        public string DestinationServer { get; set; } = "";

        /// <summary>The destination port; by default 993 (Auto, Ssl) or 143 (StartTls, None).</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("Port2")]
        [ValidateRange(0, 65535)]
        public int DestinationPort { get; set; }

        /// <summary>The destination user name.</summary>
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [Alias("User2")]
        [ValidateNotNullOrEmpty]
        public string DestinationUser { get; set; } = "";

        /// <summary>Auto (default), Ssl, StartTls or None for the destination; empty means Auto.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [AllowEmptyString]
        public string? DestinationSecurity { get; set; }

        /// <summary>A file whose first line is the destination password (imapsync's --passfile2).</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("PassFile2")]
        [AllowEmptyString]
        public string? DestinationPasswordFile { get; set; }

        /// <summary>The destination password in clear (discouraged).</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("Password2")]
        [AllowEmptyString]
        public string? DestinationPassword { get; set; }

        /// <summary>The row itself, for the credential and -MapFolder script blocks. Hidden: rows bind by property name.</summary>
        [Parameter(ValueFromPipeline = true, DontShow = true)]
        public PSObject? InputObject { get; set; }

        /// <summary>A script block called for every row (on the pipeline thread, the row as $_) that returns the source account's PSCredential.</summary>
        [Parameter]
        public ScriptBlock? SourceCredential { get; set; }

        /// <summary>A script block called for every row (the row as $_) that returns the destination account's PSCredential.</summary>
        [Parameter]
        public ScriptBlock? DestinationCredential { get; set; }

        /// <summary>How many accounts run at once.</summary>
        [Parameter]
        [ValidateRange(1, 64)]
        public int ThrottleLimit { get; set; } = 5;

        /// <summary>Only source mailboxes whose path matches one of these wildcard patterns.</summary>
        [Parameter]
        [SupportsWildcards]
        public string[]? Include { get; set; }

        /// <summary>No source mailbox whose path matches one of these wildcard patterns.</summary>
        [Parameter]
        [SupportsWildcards]
        public string[]? Exclude { get; set; }

        /// <summary>Destination paths for source paths: a hashtable, or a script block that gets the source path as $_ and the row as $Row.</summary>
        [Parameter]
        public object? MapFolder { get; set; }

        /// <summary>Deletes destination messages that no source message matches (a strict mirror).</summary>
        [Parameter]
        public SwitchParameter DeleteExtra { get; set; }

        /// <summary>Only messages at least this many days old (by internal date).</summary>
        [Parameter]
        [ValidateRange(0, 100000)]
        public double? MinAge { get; set; }

        /// <summary>Only messages at most this many days old (by internal date).</summary>
        [Parameter]
        [ValidateRange(0, 100000)]
        public double? MaxAge { get; set; }

        /// <summary>Only messages of at most this many bytes.</summary>
        [Parameter]
        [ValidateRange(0, long.MaxValue)]
        public long? MaxSize { get; set; }

        /// <summary>Decides whether a server certificate is trusted (both sides): the certificate as $_; a true result accepts it.</summary>
        [Parameter]
        public ScriptBlock? CertificateValidation { get; set; }

        /// <summary>Accepts any server certificate (with a warning).</summary>
        [Parameter]
        public SwitchParameter SkipCertificateCheck { get; set; }

        // The pipeline thread's inbox: output, errors, progress, and questions only it may answer.
        private readonly BlockingCollection<Action> _pipelineWork = new BlockingCollection<Action>();
        private readonly BlockingCollection<AccountJob> _jobs = new BlockingCollection<AccountJob>();
        private readonly List<Thread> _workers = new List<Thread>();
        private CancellationTokenSource? _cancel;
        private MailboxSyncOptions _options = null!;
        private int _queued;
        private int _done;
        private int _running;
        private int _activeAccounts;
        private bool _verbose;
        private bool _plainPasswordWarned;
        private int _pipelineThreadId;

        /// <inheritdoc />
        protected override void BeginProcessing()
        {
            _pipelineThreadId = Thread.CurrentThread.ManagedThreadId;
            _cancel = CancellationTokenSource.CreateLinkedTokenSource(StopToken);
            _options = new MailboxSyncOptions { Include = Include, Exclude = Exclude, MapFolder = MapFolder, DeleteExtra = DeleteExtra, MinAge = MinAge, MaxAge = MaxAge, MaxSize = MaxSize };
            if (_options.MapFolderProblem() is string problem)
                ThrowTerminatingError(new ErrorRecord(new ArgumentException(problem), "InvalidMapFolder", ErrorCategory.InvalidArgument, MapFolder));
            if (SkipCertificateCheck && CertificateValidation != null)
                ThrowTerminatingError(new ErrorRecord(new ArgumentException("Give -SkipCertificateCheck or -CertificateValidation, not both."), "InvalidArgument", ErrorCategory.InvalidArgument, null));
            if (SkipCertificateCheck)
                WriteWarning("Server certificates will not be checked: anyone between this machine and the servers can read and change the migrated mail and the passwords.");
            _verbose = MyInvocation.BoundParameters.TryGetValue("Verbose", out var v)
                ? (v is SwitchParameter sw ? sw.IsPresent : LanguagePrimitives.IsTrue(v))
                : GetVariableValue("VerbosePreference") is ActionPreference p && p != ActionPreference.SilentlyContinue && p != ActionPreference.Ignore;
        }

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            int index = ++_queued;
            var job = new AccountJob(index, FirstAccountActivity + index - 1, Label(SourceUser, SourceServer), Label(DestinationUser, DestinationServer));
            job.Row = InputObject ?? RowFromParameters();
            try
            {
                job.Source = Side("source", SourceServer, SourcePort, SourceUser, SourceSecurity, SourcePasswordFile, SourcePassword, SourceCredential, job);
                job.Destination = Side("destination", DestinationServer, DestinationPort, DestinationUser, DestinationSecurity, DestinationPasswordFile, DestinationPassword, DestinationCredential, job);
            }
            catch (RowException ex)
            {
                var result = new ImapAccountSyncResult { Index = index, SourceAccount = job.SourceLabel, DestinationAccount = job.DestinationLabel, Outcome = ImapAccountSyncStatus.Failed, Errors = 1, Error = ex.Record.Exception.Message };
                WriteError(AccountError(ex.Record, job));
                _done++;
                WriteObject(result);
                return;
            }
            // Up to -ThrottleLimit workers; each takes the next row when its account is done.
            if (_workers.Count < ThrottleLimit) StartWorker();
            _jobs.Add(job);
            WriteOverallProgress();
            Pump(block: false);
        }

        /// <inheritdoc />
        protected override void EndProcessing()
        {
            _jobs.CompleteAdding();
            Pump(block: true);
            if (_queued > 0) WriteProgress(new ProgressRecord(OverallActivity, "Sync-ImapAccount", "Done") { RecordType = ProgressRecordType.Completed });
            base.EndProcessing();
        }

        /// <inheritdoc />
        protected override void StopProcessing()
        {
            base.StopProcessing();
            try { _cancel?.Cancel(); } catch (ObjectDisposedException) { }
        }

        /// <summary>Stops the workers (they log out their sessions) and waits for them.</summary>
        public new void Dispose()
        {
            StopWorkers();
            base.Dispose();
        }

        private void StopWorkers()
        {
            if (_cancel == null) return;
            try { _cancel.Cancel(); } catch (ObjectDisposedException) { }
            if (!_jobs.IsAddingCompleted) _jobs.CompleteAdding();
            foreach (var worker in _workers) worker.Join(TimeSpan.FromSeconds(30));
            _workers.Clear();
            _cancel.Dispose();
            _cancel = null;
        }

        private static string Label(string user, string server) => user + "@" + server;

        private PSObject RowFromParameters()
        {
            // Without a piped row, the script blocks get the parameters of the row (never a password).
            var row = new PSObject();
            row.Properties.Add(new PSNoteProperty(nameof(SourceServer), SourceServer));
            row.Properties.Add(new PSNoteProperty(nameof(SourcePort), SourcePort));
            row.Properties.Add(new PSNoteProperty(nameof(SourceUser), SourceUser));
            row.Properties.Add(new PSNoteProperty(nameof(DestinationServer), DestinationServer));
            row.Properties.Add(new PSNoteProperty(nameof(DestinationPort), DestinationPort));
            row.Properties.Add(new PSNoteProperty(nameof(DestinationUser), DestinationUser));
            return row;
        }

        #region Reading a row (pipeline thread)

        /// <summary>A row that cannot be run; its record goes out as the account's error.</summary>
        private sealed class RowException : Exception
        {
            public RowException(ErrorRecord record) : base(record.Exception.Message) { Record = record; }
            public ErrorRecord Record { get; }
        }

        private static RowException RowError(Exception ex, string id, ErrorCategory category, string target) => new RowException(new ErrorRecord(ex, id, category, target));

        /// <summary>How to connect one side of a row: endpoint, the TLS rule and the secret, checked before any connection.</summary>
        private ImapConnectionRecipe Side(string side, string server, int port, string user, string? securityText, string? passwordFile, string? password, ScriptBlock? credentialScript, AccountJob job)
        {
            string label = Label(user, server);
            ImapSecurity security;
            if (string.IsNullOrWhiteSpace(securityText)) security = ImapSecurity.Auto;
            else if (!Enum.TryParse(securityText!.Trim(), true, out security) || !Enum.IsDefined(typeof(ImapSecurity), security) || int.TryParse(securityText, out _))
                throw RowError(new ArgumentException("The " + side + " security '" + securityText + "' is none of Auto, Ssl, StartTls or None."), "InvalidSecurity", ErrorCategory.InvalidArgument, label);

            int given = (credentialScript != null ? 1 : 0) + (string.IsNullOrEmpty(passwordFile) ? 0 : 1) + (string.IsNullOrEmpty(password) ? 0 : 1);
            if (given > 1)
                throw RowError(new ArgumentException("The " + side + " account " + label + " has more than one secret (" + (side == "source" ? "-SourceCredential, SourcePasswordFile, SourcePassword" : "-DestinationCredential, DestinationPasswordFile, DestinationPassword") +
                    "): give one, so it is clear which one logs in."), "AmbiguousCredential", ErrorCategory.InvalidArgument, label);
            if (given == 0)
                throw RowError(new ArgumentException("The " + side + " account " + label + " has no secret: give " + (side == "source" ? "-SourceCredential, or a SourcePasswordFile column" : "-DestinationCredential, or a DestinationPasswordFile column") + "."),
                    "CredentialMissing", ErrorCategory.InvalidArgument, label);

            string loginUser = user;
            SecureString secret;
            if (credentialScript != null)
            {
                PSCredential? credential;
                try
                {
                    var output = credentialScript.InvokeWithContext(null, new List<PSVariable> { new PSVariable("_", job.Row), new PSVariable("Row", job.Row) }, job.Row);
                    credential = output.Select(o => o?.BaseObject as PSCredential).LastOrDefault(c => c != null);
                }
                catch (RuntimeException ex)
                {
                    throw RowError(new InvalidOperationException("The " + side + " credential script block failed for " + label + ": " + ex.Message, ex), "CredentialScriptFailed", ErrorCategory.InvalidOperation, label);
                }
                if (credential == null || credential == PSCredential.Empty)
                    throw RowError(new ArgumentException("The " + side + " credential script block returned no PSCredential for " + label + "."), "CredentialMissing", ErrorCategory.InvalidArgument, label);
                loginUser = credential.UserName;
                secret = credential.Password;
            }
            else if (!string.IsNullOrEmpty(passwordFile))
            {
                string path;
                string firstLine;
                try
                {
                    path = SessionState.Path.GetUnresolvedProviderPathFromPSPath(passwordFile);
                    using var reader = new StreamReader(path);
                    firstLine = reader.ReadLine() ?? "";
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is ArgumentException || ex is NotSupportedException || ex is ItemNotFoundException || ex is ProviderNotFoundException || ex is System.Management.Automation.DriveNotFoundException)
                {
                    throw RowError(new IOException("The " + side + " password file of " + label + " cannot be read: " + ex.Message, ex), "PasswordFileUnreadable", ErrorCategory.ReadError, label);
                }
                if (firstLine.Length == 0)
                    throw RowError(new ArgumentException("The " + side + " password file of " + label + " (" + passwordFile + ") has no password on its first line."), "PasswordFileEmpty", ErrorCategory.InvalidData, label);
                secret = ToSecure(firstLine);
            }
            else
            {
                if (!_plainPasswordWarned)
                {
                    _plainPasswordWarned = true;
                    WriteWarning("The input has passwords in clear (a SourcePassword or DestinationPassword column): anyone who can read the file has the accounts. Prefer a password file per account or -SourceCredential/-DestinationCredential.");
                }
                secret = ToSecure(password!);
            }

            if (security == ImapSecurity.None)
                WriteWarning("-Security None for the " + side + " account " + label + ": its password and all its mail cross the network to " + server +
                    " in clear, readable by anyone on the way. Use Auto, StartTls or Ssl unless the network is trusted.");
            int actualPort = port != 0 ? port : (security == ImapSecurity.Ssl || security == ImapSecurity.Auto ? 993 : 143);
            bool implicitTls = security == ImapSecurity.Ssl || (security == ImapSecurity.Auto && actualPort == 993);
            // Auto on another port than 993 is STARTTLS, required: credentials never go out in clear unless the row says None.
            var transport = implicitTls ? ImapTransportSecurity.Implicit : security == ImapSecurity.None ? ImapTransportSecurity.None : ImapTransportSecurity.StartTls;
            var options = new ImapClientOptions { Identifier = label, DebugWriter = TextWriter.Null };
            if (SkipCertificateCheck) options.Tls.Validator = (certificate, chain, host, errors) => true;
            else if (CertificateValidation != null)
            {
                var script = CertificateValidation;
                options.Tls.Validator = (certificate, chain, host, errors) => OnPipelineThread(() => InvokeValidator(script, certificate, chain, host, errors), false);
            }
            try
            {
                return new ImapConnectionRecipe(server, actualPort, transport, ImapAuthentication.Password(loginUser, secret), options);
            }
            catch (ArgumentException ex)
            {
                throw RowError(ex, "InvalidArgument", ErrorCategory.InvalidArgument, label);
            }
        }

        private static SecureString ToSecure(string text)
        {
            var secure = new SecureString();
            foreach (char c in text) secure.AppendChar(c);
            secure.MakeReadOnly();
            return secure;
        }

        private bool InvokeValidator(ScriptBlock script, X509Certificate2 certificate, X509Chain? chain, string host, SslPolicyErrors errors)
        {
            try
            {
                var results = script.InvokeWithContext(null, new List<PSVariable> { new PSVariable("_", certificate) }, certificate, chain, host, errors);
                return results.Count > 0 && LanguagePrimitives.IsTrue(results[results.Count - 1]);
            }
            catch (RuntimeException ex)
            {
                WriteWarning("The certificate validation script failed: " + ex.Message);
                return false;
            }
        }

        #endregion

        #region The pipeline thread's side

        /// <summary>Runs what the workers handed over; with <paramref name="block"/>, until every account is done.</summary>
        private void Pump(bool block)
        {
            var token = _cancel!.Token;
            try
            {
                while (true)
                {
                    if (block)
                    {
                        if (Volatile.Read(ref _running) == 0 && _jobs.Count == 0 && _pipelineWork.Count == 0) break;
                        if (_pipelineWork.TryTake(out var work, 100, token)) work();
                    }
                    else
                    {
                        if (!_pipelineWork.TryTake(out var work)) break;
                        work();
                    }
                }
            }
            catch (OperationCanceledException)
            {
                StopWorkers();
                throw new PipelineStoppedException();
            }
            catch
            {
                // Downstream stopped the pipeline (Select-Object -First) or failed: the workers must not go on alone.
                StopWorkers();
                throw;
            }
        }

        /// <summary>Hands <paramref name="action"/> to the pipeline thread (output, errors, progress).</summary>
        private void Post(Action action)
        {
            try { _pipelineWork.Add(action); }
            catch (InvalidOperationException) { }
        }

        /// <summary>Runs <paramref name="func"/> on the pipeline thread and waits for its answer; <paramref name="stopped"/> when the command is stopping.</summary>
        private T OnPipelineThread<T>(Func<T> func, T stopped)
        {
            if (Thread.CurrentThread.ManagedThreadId == _pipelineThreadId) return func();
            var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
            Post(() =>
            {
                try { done.SetResult(func()); }
                catch (Exception ex) { done.SetException(ex); }
            });
            var token = _cancel?.Token ?? new CancellationToken(true);
            try
            {
                done.Task.Wait(token);
                return done.Task.Result;
            }
            catch (OperationCanceledException) { return stopped; }
            catch (ObjectDisposedException) { return stopped; }
            catch (AggregateException ex) when (ex.InnerExceptions.Count == 1)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(ex.InnerException!).Throw();
                throw;
            }
        }

        private void WriteOverallProgress()
        {
            int running = Volatile.Read(ref _activeAccounts);
            WriteProgress(new ProgressRecord(OverallActivity, "Sync-ImapAccount", _done + " of " + _queued + " accounts done" + (running > 0 ? ", " + running + " running" : ""))
            { PercentComplete = _queued == 0 ? 0 : 100 * _done / _queued });
        }

        private static ErrorRecord AccountError(ErrorRecord record, AccountJob job)
        {
            // The account in the message: with many accounts at once, an error without it says nothing. The target is the label, never the row (it may hold a password).
            var labelled = new ErrorRecord(record.Exception, record.FullyQualifiedErrorId, record.CategoryInfo.Category, job.SourceLabel + " -> " + job.DestinationLabel)
            {
                ErrorDetails = new ErrorDetails(job.SourceLabel + " -> " + job.DestinationLabel + ": " + record.Exception.Message),
            };
            return labelled;
        }

        #endregion

        #region Workers

        private void StartWorker()
        {
            Interlocked.Increment(ref _running);
            var worker = new Thread(WorkerLoop) { IsBackground = true, Name = "Sync-ImapAccount worker " + (_workers.Count + 1) };
            _workers.Add(worker);
            worker.Start();
        }

        private void WorkerLoop()
        {
            var token = _cancel!.Token;
            try
            {
                foreach (var job in _jobs.GetConsumingEnumerable(token))
                {
                    Interlocked.Increment(ref _activeAccounts);
                    try { RunAccount(job, token); }
                    finally { Interlocked.Decrement(ref _activeAccounts); }
                }
            }
            catch (OperationCanceledException) { }
            catch (ObjectDisposedException) { }
            finally
            {
                Interlocked.Decrement(ref _running);
                Post(() => { });
            }
        }

        private void RunAccount(AccountJob job, CancellationToken token)
        {
            var clock = Stopwatch.StartNew();
            var result = new ImapAccountSyncResult { Index = job.Index, SourceAccount = job.SourceLabel, DestinationAccount = job.DestinationLabel };
            var host = new AccountHost(this, job, result, token);
            var mailboxes = new List<ImapSyncResult>();
            ImapSession? source = null, destination = null;
            host.Progress("Connecting", -1);
            bool stopped = false;
            try
            {
                source = Connect(job.Source!, job.SourceLabel, host, token);
                destination = Connect(job.Destination!, job.DestinationLabel, host, token);
                var sync = new MailboxSync(source, destination, _options, host);
                host.Progress("Listing the mailboxes of " + job.SourceLabel, -1);
                sync.AddMailboxes(null, false);
                sync.Run(r =>
                {
                    mailboxes.Add(r);
                    result.Add(r);
                });
                result.Outcome = result.Errors > 0 || mailboxes.Any(m => !m.Complete && !m.WhatIf) ? ImapAccountSyncStatus.Partial : ImapAccountSyncStatus.Succeeded;
            }
            catch (AccountStoppedException ex)
            {
                result.Outcome = ImapAccountSyncStatus.Failed;
                result.Error = ex.Record.Exception.Message;
                host.WriteError(ex.Record);
            }
            catch (Exception ex) when (ex is OperationCanceledException || ex is PipelineStoppedException)
            {
                stopped = true;
            }
            catch (Exception ex)
            {
                result.Outcome = ImapAccountSyncStatus.Failed;
                result.Error = ex.Message;
                host.WriteError(ErrorFor(ex, job.SourceLabel));
            }
            finally
            {
                LogOut(source);
                LogOut(destination);
            }
            if (stopped || token.IsCancellationRequested) return;
            if (result.Outcome == ImapAccountSyncStatus.Failed) result.Error ??= host.FirstError;
            else if (result.Errors > 0) result.Error = host.FirstError;
            result.MailboxResults = mailboxes.AsReadOnly();
            result.Duration = clock.Elapsed;
            Post(() =>
            {
                WriteProgress(new ProgressRecord(job.ActivityId, job.SourceLabel + " -> " + job.DestinationLabel, result.Status) { ParentActivityId = OverallActivity, RecordType = ProgressRecordType.Completed });
                _done++;
                WriteObject(result);
                WriteOverallProgress();
            });
        }

        /// <summary>Connects and logs in one side; failures are the account's (ConnectionFailed, TlsFailed, AuthenticationFailed).</summary>
        private ImapSession Connect(ImapConnectionRecipe recipe, string label, AccountHost host, CancellationToken token)
        {
            Imap4Client client;
            var connecting = recipe.ConnectAsync(token);
            try
            {
                client = ImapSession.Wait(connecting, token);
            }
            catch (Exception ex) when (!(ex is OperationCanceledException))
            {
                string id;
                ErrorCategory category;
                if (ex is ImapSecurityException || ex.InnerException is ImapSecurityException || ex is System.Security.Authentication.AuthenticationException)
                { id = "TlsFailed"; category = ErrorCategory.SecurityError; }
                else if (ex is ImapCommandException || ex is ImapCapabilityException)
                { id = "AuthenticationFailed"; category = ErrorCategory.AuthenticationError; }
                else { id = "ConnectionFailed"; category = ErrorCategory.ConnectionError; }
                throw new AccountStoppedException(new ErrorRecord(ex, id, category, label));
            }
            catch (OperationCanceledException)
            {
                // A connection that completes after the stop is closed, not leaked.
                connecting.ContinueWith(t => { if (t.Status == TaskStatus.RanToCompletion) t.Result.Dispose(); }, TaskScheduler.Default);
                throw;
            }
            string security = recipe.Security == ImapTransportSecurity.Implicit ? "Ssl" : recipe.Security == ImapTransportSecurity.StartTls ? "StartTls" : "None";
            var session = new ImapSession(client, recipe.Host, client.Port, recipe.Authentication.UserName, security, label);
            if (_verbose) host.TraceClient(client, label);
            return session;
        }

        private static void LogOut(ImapSession? session)
        {
            if (session == null) return;
            try
            {
                session.MarkClosed("Sync-ImapAccount has finished with it.");
                if (session.Client.State != ImapState.LOGOUT) session.Client.LogoutAsync().Wait(TimeSpan.FromSeconds(10));
            }
            catch (Exception ex) when (ex is AggregateException || ex is ImapException || ex is InvalidOperationException || ex is ObjectDisposedException) { }
            finally { session.Dispose(); }
        }

        /// <summary>One row to run.</summary>
        private sealed class AccountJob
        {
            public AccountJob(int index, int activityId, string sourceLabel, string destinationLabel)
            {
                Index = index;
                ActivityId = activityId;
                SourceLabel = sourceLabel;
                DestinationLabel = destinationLabel;
            }
            public int Index { get; }
            public int ActivityId { get; }
            public string SourceLabel { get; }
            public string DestinationLabel { get; }
            public PSObject Row = null!;
            public ImapConnectionRecipe? Source;
            public ImapConnectionRecipe? Destination;
        }

        /// <summary>The error that ends one account (and only that one).</summary>
        private sealed class AccountStoppedException : Exception
        {
            public AccountStoppedException(ErrorRecord record) : base(record.Exception.Message, record.Exception) { Record = record; }
            public ErrorRecord Record { get; }
        }

        /// <summary>The <see cref="ISyncHost"/> of one account's worker: everything for the pipeline goes through the cmdlet's queue.</summary>
        private sealed class AccountHost : ISyncHost
        {
            private readonly SyncImapAccountCommand _cmdlet;
            private readonly AccountJob _job;
            private readonly ImapAccountSyncResult _result;
            private string _status = "";
            private int _percent = -1;

            public AccountHost(SyncImapAccountCommand cmdlet, AccountJob job, ImapAccountSyncResult result, CancellationToken token)
            {
                _cmdlet = cmdlet;
                _job = job;
                _result = result;
                StopToken = token;
            }

            public CancellationToken StopToken { get; }
            public string? FirstError { get; private set; }

            public T Await<T>(Task<T> task) => ImapSession.Wait(task, StopToken);

            public void FlushTrace() { }

            public void TraceClient(Imap4Client client, string side)
            {
                string prefix = _job.SourceLabel + " -> " + _job.DestinationLabel + " [" + side + "] ";
                client.DebugLine += (level, text) =>
                {
                    // Commands sent, as Sync-ImapMailbox shows them under -Verbose (the engine redacts LOGIN and AUTHENTICATE).
                    if (level <= 2 && text.StartsWith("> ", StringComparison.Ordinal)) _cmdlet.Post(() => _cmdlet.WriteVerbose(prefix + text.Substring(2)));
                };
            }

            public void WriteError(ErrorRecord error)
            {
                _result.Errors++;
                FirstError ??= error.Exception.Message;
                var labelled = AccountError(error, _job);
                _cmdlet.Post(() => _cmdlet.WriteError(labelled));
            }

            public void WriteVerbose(string text)
            {
                string line = _job.SourceLabel + " -> " + _job.DestinationLabel + ": " + text;
                _cmdlet.Post(() => _cmdlet.WriteVerbose(line));
            }

            public void WriteProgress(ProgressRecord progress)
            {
                // One progress line per account: the mailbox step is its status, the copy within it its current operation.
                if (progress.RecordType == ProgressRecordType.Completed) return;
                if (progress.ActivityId == 7104) { _status = progress.StatusDescription; _percent = progress.PercentComplete; Progress(_status, _percent); }
                else Progress(_status.Length > 0 ? _status : progress.Activity, _percent, progress.Activity + ": " + progress.StatusDescription);
            }

            public void Progress(string status, int percent, string? operation = null)
            {
                var record = new ProgressRecord(_job.ActivityId, _job.SourceLabel + " -> " + _job.DestinationLabel, status.Length > 0 ? status : "Working")
                { ParentActivityId = OverallActivity, PercentComplete = percent, CurrentOperation = operation };
                _cmdlet.Post(() => _cmdlet.WriteProgress(record));
            }

            public bool ShouldProcess(string target, string action)
                => _cmdlet.OnPipelineThread(() => _cmdlet.ShouldProcess(target + " (" + _job.SourceLabel + " -> " + _job.DestinationLabel + ")", action), false);

            public Collection<PSObject> InvokeMapFolder(ScriptBlock block, string path)
            {
                var row = _job.Row;
                var output = _cmdlet.OnPipelineThread<Collection<PSObject>?>(() => block.InvokeWithContext(null, new List<PSVariable> { new PSVariable("_", path), new PSVariable("Row", row) }, path, row), null);
                return output ?? throw new OperationCanceledException(StopToken);
            }

            public void ThrowTerminatingError(ErrorRecord error) => throw new AccountStoppedException(error);
        }

        #endregion
    }
}
