using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ImapPS.Client;

namespace ImapPS
{
    /// <summary>How a session's connection is protected.</summary>
    public enum ImapSecurity
    {
        /// <summary>Implicit TLS on port 993, STARTTLS elsewhere when the server offers it; credentials are never sent in clear.</summary>
        Auto,
        /// <summary>No TLS: everything, credentials included, crosses the network in clear.</summary>
        None,
        /// <summary>Implicit TLS from the first byte (IMAPS).</summary>
        Ssl,
        /// <summary>Plain connection upgraded with STARTTLS before authenticating; fails when not offered.</summary>
        StartTls,
    }

    /// <summary>
    /// A connection to an IMAP server as the cmdlets see it. One session is thread-safe: commands
    /// from several runspaces (ForEach-Object -Parallel, thread jobs) run concurrently on its
    /// connection. IMAP selects one mailbox at a time per connection, so commands that need a
    /// mailbox take a lease on it (<see cref="UseMailbox"/>): any number of leases share the
    /// selected mailbox, and switching to another waits until they are all released.
    /// </summary>
    public sealed partial class ImapSession : IDisposable
    {
        private static int s_nextId;
        private readonly object _gate = new object();
        private string? _leased;
        private bool _leasedReadOnly;
        private int _leaseCount;
        private int _switchWaiters;
        private bool _switching;
        private IReadOnlyList<string> _mailboxCache = Array.Empty<string>();
        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> _selectable = new System.Collections.Concurrent.ConcurrentDictionary<string, bool>(StringComparer.Ordinal);
        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string[]> _keywords = new System.Collections.Concurrent.ConcurrentDictionary<string, string[]>(StringComparer.Ordinal);
        private string? _closeReason;

        internal ImapSession(Imap4Client client, string server, int port, string? user, string security, string? name, ImapReconnectingClient? reconnector = null)
        {
            _client = client;
            Reconnector = reconnector;
            if (reconnector != null)
            {
                reconnector.Reconnected += (sender, e) => _notices.Enqueue("The connection to " + server + " was lost (" + e.Cause.Message.TrimEnd('.') + ") and re-established after " +
                    e.Attempts + (e.Attempts == 1 ? " attempt" : " attempts") + " in " + e.Outage.TotalSeconds.ToString("0.0#", System.Globalization.CultureInfo.InvariantCulture) + " s" +
                    (e.Mailbox != null ? "; '" + e.Mailbox + "' selected again with the same UIDVALIDITY" : "") + " (reconnect " + e.ReconnectCount + " of this session).");
                reconnector.ReconnectAttemptFailed += (sender, e) => _notices.Enqueue("Reconnect attempt " + e.Attempt + " to " + server + " failed: " + e.Error.Message.TrimEnd('.') +
                    (e.NextDelay is TimeSpan next ? "; next attempt in " + next.TotalSeconds.ToString("0.0#", System.Globalization.CultureInfo.InvariantCulture) + " s." : "."));
            }
            Id = Interlocked.Increment(ref s_nextId);
            Server = server;
            Port = port;
            User = user;
            Security = security;
            Name = string.IsNullOrEmpty(name) ? (user == null ? server : user + "@" + server) : name!;
            ConnectedAt = DateTimeOffset.Now;
        }

        /// <summary>A number that identifies the session in this process.</summary>
        public int Id { get; }

        /// <summary>A display name (the -Identifier given to Connect-Imap, or user@server).</summary>
        public string Name { get; }

        /// <summary>The server's host name (or the command line of a stream session).</summary>
        public string Server { get; }

        /// <summary>The server's port (0 for a stream session).</summary>
        public int Port { get; }

        /// <summary>The authenticated user, or null for a PREAUTH stream session.</summary>
        public string? User { get; }

        /// <summary>How the connection is protected: Ssl, StartTls, None or Stream.</summary>
        public string Security { get; }

        /// <summary>True when COMPRESS=DEFLATE is active.</summary>
        public bool IsCompressed => Client.IsCompressed;

        /// <summary>True when the connection is encrypted.</summary>
        public bool IsEncrypted => Client.IsEncrypted;

        /// <summary>The protocol state: NONAUTH, AUTH, SELECTED or LOGOUT (the name of an <see cref="ImapState"/>, so serialisers write the name).</summary>
        public string State => ProtocolState.ToString();

        internal ImapState ProtocolState => Client.AbortError != null ? ImapState.LOGOUT : Client.State;

        /// <summary>
        /// True while the session can be used: its connection is open, or (with -Reconnect) it was
        /// lost and the next command will re-establish it.
        /// </summary>
        public bool IsConnected => ProtocolState != ImapState.LOGOUT || CanReconnectNow;

        /// <summary>True when the session re-establishes a lost connection (Connect-Imap -Reconnect).</summary>
        public bool Reconnects => Reconnector != null;

        /// <summary>How many times the connection was lost and re-established.</summary>
        public int ReconnectCount => Reconnector?.ReconnectCount ?? 0;

        /// <summary>When the connection was last re-established, or null.</summary>
        public DateTimeOffset? LastReconnectAt => Reconnector?.LastReconnectAt;

        /// <summary>The reconnect policy (a copy), or null when the session does not reconnect.</summary>
        public ImapReconnectPolicy? ReconnectPolicy => Reconnector?.Policy.Clone();

        /// <summary>
        /// Work that engine threads post for a thread of a runspace (Connect-Imap -AccessTokenProvider's
        /// script block at a reconnect), or null. Every cmdlet waiting on the session runs it on its
        /// pipeline thread.
        /// </summary>
        internal BlockingCollection<Action>? PipelineWork { get; set; }

        /// <summary>The engine's reconnecting wrapper for -Reconnect sessions, else null.</summary>
        internal ImapReconnectingClient? Reconnector { get; }

        private readonly System.Collections.Concurrent.ConcurrentQueue<string> _notices = new System.Collections.Concurrent.ConcurrentQueue<string>();
        private volatile bool _closedOnPurpose;
        private volatile Exception? _reconnectFailure;

        /// <summary>A reconnecting session whose connection is lost, not closed on purpose, and whose last reconnect did not give up.</summary>
        private bool CanReconnectNow => Reconnector != null && !_closedOnPurpose && _reconnectFailure == null;

        /// <summary>True when the connection is lost and a reconnect would re-establish it.</summary>
        internal bool NeedsReconnect => CanReconnectNow && (Client.AbortError != null || Client.State == ImapState.LOGOUT);

        /// <summary>What happened to the connection since last asked (reconnects, failed attempts), for the cmdlets to write as warnings.</summary>
        internal IEnumerable<string> TakeNotices()
        {
            while (_notices.TryDequeue(out var notice)) yield return notice;
        }

        /// <summary>
        /// Re-establishes a lost connection by the session's recipe and policy (the selected mailbox is
        /// selected again and its UIDVALIDITY checked). Giving up ends the session.
        /// </summary>
        /// <exception cref="ImapReconnectFailedException">The policy is spent; the session is closed.</exception>
        /// <exception cref="ImapUidValidityChangedException">Connected again, but the selected mailbox's UIDVALIDITY changed; nothing is selected now.</exception>
        internal void Reconnect(CancellationToken cancellationToken)
        {
            var reconnector = Reconnector ?? throw new InvalidOperationException("The session does not reconnect.");
            try
            {
                Wait(reconnector.EnsureConnectedAsync(cancellationToken), cancellationToken, null, PipelineWork);
            }
            catch (ImapReconnectFailedException ex)
            {
                _reconnectFailure = ex;
                throw;
            }
            catch (ImapUidValidityChangedException)
            {
                lock (_gate)
                {
                    _leased = null;
                    Monitor.PulseAll(_gate);
                }
                throw;
            }
            finally
            {
                // The new connection selected the leased mailbox again (or nothing): the lease table follows it.
                lock (_gate)
                {
                    if (Client.State != ImapState.SELECTED) _leased = null;
                    Monitor.PulseAll(_gate);
                }
            }
        }

        /// <summary>
        /// Why the session is closed, as a sentence ("It was closed with Disconnect-Imap.", "The
        /// server said BYE: …", "The server closed the connection."), or null while it is open.
        /// </summary>
        public string? CloseReason => IsConnected ? null : Volatile.Read(ref _closeReason) ?? _reconnectFailure?.Message ?? Client.AbortError?.Message ?? "It was logged out.";

        /// <summary>Records why the session is being closed, before closing it, so the engine's "disposed" does not hide it.</summary>
        internal void MarkClosed(string reason)
        {
            _closedOnPurpose = true;
            if (Client.AbortError == null) Interlocked.CompareExchange(ref _closeReason, reason, null);
        }

        /// <summary>The server's capabilities.</summary>
        public IReadOnlyCollection<string> Capabilities => Client.Capabilities;

        /// <summary>The mailbox currently selected, or null.</summary>
        public string? SelectedMailbox => Client.State == ImapState.SELECTED ? Client.SelectedMailbox : null;

        /// <summary>When the session was opened.</summary>
        public DateTimeOffset ConnectedAt { get; }

        /// <summary>
        /// The engine under the session, for scripts that need a command the cmdlets do not cover:
        /// the hidden property Client in PowerShell, so that serialising a session never writes
        /// the engine (its trace, its pool of other commands' responses).
        /// </summary>
        internal Imap4Client Client => Reconnector?.Client ?? _client;

        private readonly Imap4Client _client;

        /// <summary>
        /// The longest UID set one command carries: half of <see cref="ImapClientOptions.MaxCommandLength"/>,
        /// which leaves the other half for the command's other arguments (flags, a mailbox name).
        /// </summary>
        internal int MaxUidSetLength => Client.Options.MaxCommandLength / 2;

        /// <summary>Mailbox names from the last listing, for tab completion.</summary>
        internal IReadOnlyList<string> MailboxNameCache
        {
            get => Volatile.Read(ref _mailboxCache);
            set => Volatile.Write(ref _mailboxCache, value);
        }

        /// <summary>Remembers which of the mailboxes just listed can be selected (a hierarchy node with \Noselect cannot).</summary>
        internal void NoteListed(IEnumerable<ImapMailbox> mailboxes)
        {
            foreach (var m in mailboxes) _selectable[m.Name] = m.IsSelectable;
        }

        /// <summary>True when the last listing that named <paramref name="mailbox"/> said it cannot be selected (\Noselect, \NonExistent).</summary>
        internal bool IsKnownUnselectable(string mailbox) => _selectable.TryGetValue(mailbox, out var selectable) && !selectable;

        /// <summary>
        /// The keywords (flags without a backslash) <paramref name="mailbox"/> defines or can store
        /// (FLAGS and PERMANENTFLAGS), as the server said when it was last selected on this session;
        /// empty when it has not been. For tab completion.
        /// </summary>
        internal IReadOnlyList<string> KnownKeywords(string mailbox)
        {
            if (SameMailbox(SelectedMailbox, mailbox)) return KeywordsOfSelected();
            if (string.Equals(mailbox, "INBOX", StringComparison.OrdinalIgnoreCase)) mailbox = "INBOX";
            return _keywords.TryGetValue(mailbox, out var keywords) ? keywords : Array.Empty<string>();
        }

        private string[] KeywordsOfSelected()
            => Client.MailboxFlags.Concat(Client.PermanentFlags)
                .Where(f => f.Length > 0 && f[0] != '\\')
                .Distinct(StringComparer.OrdinalIgnoreCase)
                .ToArray();

        /// <summary>True when the server offers <paramref name="capability"/>.</summary>
        public bool HasCapability(string capability) => Client.HasCapability(capability);

        /// <summary>Closes the connection (LOGOUT).</summary>
        public void Dispose()
        {
            _closedOnPurpose = true;
            if (Reconnector != null) Reconnector.Dispose();
            else Client.Dispose();
        }

        /// <inheritdoc />
        public override string ToString() => Name;

        internal static bool SameMailbox(string? a, string? b)
        {
            if (a == null || b == null) return false;
            if (string.Equals(a, "INBOX", StringComparison.OrdinalIgnoreCase)) return string.Equals(b, "INBOX", StringComparison.OrdinalIgnoreCase);
            return string.Equals(a, b, StringComparison.Ordinal);
        }

        /// <summary>
        /// Makes <paramref name="mailbox"/> the selected mailbox for as long as the returned lease
        /// lives. Leases on the selected mailbox are shared; a lease on another mailbox waits until
        /// every current lease is released, then selects it. Hold a lease only while issuing commands
        /// (the engine runs commands in issue order, so a later SELECT cannot overtake them), never
        /// while writing to the pipeline: a downstream command may need another mailbox. With <paramref name="reselect"/> the
        /// mailbox is selected again even when it already is (Select-ImapMailbox), so its
        /// UIDVALIDITY and counts are fresh.
        /// </summary>
        /// <exception cref="OperationCanceledException">The token was cancelled while waiting.</exception>
        /// <exception cref="ImapMailboxException">The server refused to select the mailbox.</exception>
        internal MailboxLease UseMailbox(string mailbox, bool readOnly, CancellationToken cancellationToken, bool reselect = false)
        {
            // Refused before the lease bookkeeping: the selected mailbox stays leased and selected.
            InvalidMailboxNameException.ThrowIfInvalid(mailbox, "Mailbox");
            lock (_gate)
            {
                bool counted = false;
                try
                {
                    while (true)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        bool fits = !reselect && !_switching && Client.State == ImapState.SELECTED && SameMailbox(_leased, mailbox) && (readOnly || !_leasedReadOnly);
                        int othersSwitching = _switchWaiters - (counted ? 1 : 0);
                        if (fits && (othersSwitching == 0 || _leaseCount == 0))
                        {
                            _leaseCount++;
                            return new MailboxLease(this, mailbox, Client.UidValidity, _leasedReadOnly);
                        }
                        if (!fits && !_switching && _leaseCount == 0) break;
                        if (!fits && !counted) { _switchWaiters++; counted = true; }
                        Monitor.Wait(_gate, 200);
                    }
                    _switching = true;
                }
                finally
                {
                    if (counted) _switchWaiters--;
                }
            }
            ImapResponse response;
            try
            {
                // With CONDSTORE the SELECT reports HIGHESTMODSEQ or NOMODSEQ itself: no STATUS round trip before the first MODSEQ fetch.
                var client = Client;
                response = Wait(client.HasCapability("CONDSTORE") ? client.SelectAsync(mailbox, readOnly, condStore: true) : client.SelectAsync(mailbox, readOnly), cancellationToken);
            }
            catch
            {
                lock (_gate)
                {
                    _switching = false;
                    _leased = null;
                    Monitor.PulseAll(_gate);
                }
                throw;
            }
            lock (_gate)
            {
                _switching = false;
                if (!response.IsOk)
                {
                    _leased = null;
                    Monitor.PulseAll(_gate);
                    throw new ImapMailboxException(mailbox, response);
                }
                _leased = mailbox;
                _leasedReadOnly = Client.IsReadOnly;
                _keywords[string.Equals(mailbox, "INBOX", StringComparison.OrdinalIgnoreCase) ? "INBOX" : mailbox] = KeywordsOfSelected();
                _leaseCount++;
                Monitor.PulseAll(_gate);
                return new MailboxLease(this, mailbox, Client.UidValidity, _leasedReadOnly) { SelectResponse = response };
            }
        }

        /// <summary>Runs <paramref name="deselect"/> (CLOSE, UNSELECT, DELETE of the selected mailbox) once no lease is held.</summary>
        internal T WithNoMailbox<T>(Func<Task<T>> deselect, CancellationToken cancellationToken)
        {
            lock (_gate)
            {
                bool counted = false;
                try
                {
                    while (_switching || _leaseCount > 0)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        if (!counted) { _switchWaiters++; counted = true; }
                        Monitor.Wait(_gate, 200);
                    }
                    _switching = true;
                }
                finally
                {
                    if (counted) _switchWaiters--;
                }
            }
            try
            {
                return Wait(deselect(), cancellationToken);
            }
            finally
            {
                lock (_gate)
                {
                    _switching = false;
                    if (Client.State != ImapState.SELECTED) _leased = null;
                    Monitor.PulseAll(_gate);
                }
            }
        }

        internal void Release()
        {
            lock (_gate)
            {
                _leaseCount--;
                if (_leaseCount == 0) Monitor.PulseAll(_gate);
            }
        }

        /// <summary>
        /// The one wait of the module for an engine task: the engine's watchdog bounds every
        /// command, the token lets Ctrl+C stop waiting. With <paramref name="whileWaiting"/> (a
        /// cmdlet writing the engine's trace) it wakes every 50 ms to call it, and once more at the
        /// end; with <paramref name="pipelineWork"/> it runs the work the engine posts for the
        /// waiting (pipeline) thread meanwhile, such as a certificate validator's script block.
        /// The task's own exception is rethrown as is.
        /// </summary>
        internal static T Wait<T>(Task<T> task, CancellationToken cancellationToken, Action? whileWaiting = null, BlockingCollection<Action>? pipelineWork = null)
        {
            try
            {
                if (pipelineWork != null)
                {
                    // Wakes the loop as soon as the task ends, not at the next 50 ms tick.
                    task.ContinueWith(_ => pipelineWork.Add(() => { }), TaskScheduler.Default);
                    while (!task.IsCompleted)
                    {
                        if (pipelineWork.TryTake(out var work, 50, cancellationToken)) work();
                        whileWaiting?.Invoke();
                    }
                }
                else if (whileWaiting != null)
                {
                    while (!task.Wait(50, cancellationToken)) whileWaiting();
                }
                else task.Wait(cancellationToken);
                whileWaiting?.Invoke();
                task.Wait(cancellationToken);
            }
            catch (AggregateException ex) when (ex.InnerExceptions.Count == 1)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(ex.InnerException!).Throw();
            }
            return task.Result;
        }
    }

    /// <summary>A share of the selected mailbox; dispose it when the command that needed it is done.</summary>
    internal sealed class MailboxLease : IDisposable
    {
        private ImapSession? _session;

        internal MailboxLease(ImapSession session, string mailbox, uint uidValidity, bool readOnly)
        {
            _session = session;
            Mailbox = mailbox;
            UidValidity = uidValidity;
            ReadOnly = readOnly;
        }

        public string Mailbox { get; }

        public uint UidValidity { get; }

        public bool ReadOnly { get; }

        /// <summary>The SELECT response when this lease selected the mailbox, else null.</summary>
        public ImapResponse? SelectResponse { get; set; }

        public void Dispose() => Interlocked.Exchange(ref _session, null)?.Release();
    }
}
