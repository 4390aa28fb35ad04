using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ImapPS.Client.Protocol;
using ImapPS.Client.Transport;

namespace ImapPS.Client
{
    /// <summary>
    /// A threaded IMAP4rev1 client over plain TCP, after Python's imaplib2. Commands may be issued
    /// from many threads at once: each is tagged and written at once, and its result is matched by
    /// tag (untagged data by response name, message set or mailbox), so parallel commands never
    /// receive each other's data. State-changing commands (SELECT, LOGIN, LOGOUT, IDLE, …) wait for
    /// the commands in flight and hold back later ones. Every command has a blocking form, an
    /// <c>…Async</c> form, and imaplib2's callback form. I/O is asynchronous: a session costs no
    /// thread while it waits, however many commands are in flight.
    /// </summary>
    public partial class Imap4Client : IDisposable
    {
        private static readonly TimeSpan Infinite = Timeout.InfiniteTimeSpan;

        private readonly object _lock = new object();
        private readonly List<PendingCommand> _waiting = new List<PendingCommand>();
        private readonly List<PendingCommand> _running = new List<PendingCommand>();
        private readonly Dictionary<string, PendingCommand> _byTag = new Dictionary<string, PendingCommand>(StringComparer.Ordinal);
        private readonly UntaggedPool _pool;
        private static readonly string[] StatusNames = { "OK", "NO", "BAD" };
        private readonly SemaphoreSlim _writeLock = new SemaphoreSlim(1, 1);
        // Running FETCH/STORE commands on small UID sets, by UID: with hundreds of such commands in
        // flight, admission and attribution become lookups instead of scans over every command.
        private readonly Dictionary<uint, PendingCommand> _fetchByUid = new Dictionary<uint, PendingCommand>();
        private int _unindexedFetchCollectors;
        private int _exclusiveRunning;
        private const int IndexedSetLimit = 64;
        private readonly List<KeyValuePair<PendingCommand, ReadOnlyMemory<byte>>> _sendQueue = new List<KeyValuePair<PendingCommand, ReadOnlyMemory<byte>>>();
        private bool _sendQueueDraining;
        private readonly TaskCompletionSource<ServerResponse> _greeting = new TaskCompletionSource<ServerResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly string _tagPrefix;
        private readonly EventQueue _events;
        private readonly DebugLog _debug;
        private HashSet<string> _capabilities = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        private ImapTransport? _transport;
        private ResponseReader _reader;
        private CommandBuilder _builder = new CommandBuilder();
        private Task? _readLoop;
        private PendingCommand? _continuationTarget;
        private PendingCommand? _idle;
        private Exception? _abortError;
        private long _order;
        private long _logoutOrder;
        private int _tagNumber;
        private long _lastReadTicks;
        private long _writeProgressTicks;
        private int _writesInProgress;
        private TaskCompletionSource<ImapResponse>? _logout;
        private volatile ImapState _state = ImapState.NONAUTH;
        private bool _logoutRequested;
        private bool _readOnlyChanged;
        private bool _utf8Enabled;
        // Extensions the server confirmed with ENABLED (RFC 5161); QRESYNC implies CONDSTORE (RFC 7162 3.2.3).
        private readonly HashSet<string> _enabled = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        private int _selectGeneration;
        private readonly UntaggedRoute _route;

        /// <summary>Connects to an IMAP server over plain TCP (port 143 by default) and reads the greeting.</summary>
        /// <exception cref="ImapAbortException">The connection failed or timed out; nothing is left open.</exception>
        public Imap4Client(string host = "localhost", int port = 143, ImapClientOptions? options = null)
            : this(host, port, options, connect: true)
        {
        }

        /// <summary>For derived clients: sets up without connecting; call <see cref="ConnectCoreAsync"/>.</summary>
        protected Imap4Client(string host, int port, ImapClientOptions? options, bool connect)
        {
            Host = host;
            Port = port;
            Options = (options ?? new ImapClientOptions()).Clone();
            Options.Limits.Validate();
            _tagPrefix = NewTagPrefix();
            _debug = new DebugLog(Options.DebugLevel, Options.DebugBufferLevel, Options.DebugWriter, Options.Identifier ?? host);
            _reader = new ResponseReader(Options.Limits) { LiteralSinkSelector = SelectLiteralSink };
            _events = new EventQueue(this);
            _route = new UntaggedRoute(this);
            _pool = new UntaggedPool(() => Options.MaxPooledResponses);
            if (connect) Sync(ConnectCoreAsync());
        }

        /// <summary>Connects over plain TCP and reads the greeting, without blocking a thread.</summary>
        public static async Task<Imap4Client> ConnectAsync(string host = "localhost", int port = 143, ImapClientOptions? options = null)
        {
            var client = new Imap4Client(host, port, options, connect: false);
            await client.ConnectCoreAsync().ConfigureAwait(false);
            return client;
        }

        /// <summary>The server's host name (or the command, for stream clients).</summary>
        public string Host { get; }

        /// <summary>The server's port.</summary>
        public int Port { get; }

        /// <summary>The options this client was made with (a copy).</summary>
        public ImapClientOptions Options { get; }

        /// <summary>The protocol state.</summary>
        public ImapState State => _state;

        /// <summary>The server's capabilities (upper case), re-read after authentication and STARTTLS.</summary>
        public IReadOnlyCollection<string> Capabilities
        {
            get { lock (_lock) return _capabilities.ToArray(); }
        }

        /// <summary>The protocol version the server speaks (IMAP4REV1 or IMAP4).</summary>
        public string ProtocolVersion => HasCapability("IMAP4REV1") ? "IMAP4REV1" : "IMAP4";

        /// <summary>The server's greeting.</summary>
        public ServerResponse? Greeting { get; private set; }

        /// <summary>True once TLS protects the connection.</summary>
        public bool IsEncrypted => _transport?.IsEncrypted ?? false;

        /// <summary>True once COMPRESS=DEFLATE is active.</summary>
        public bool IsCompressed => _transport?.IsCompressed ?? false;

        /// <summary>The transport under this client, for diagnostics.</summary>
        public ImapTransport? Transport => _transport;

        /// <summary>The selected mailbox (decoded name), or null.</summary>
        public string? SelectedMailbox { get; private set; }

        /// <summary>True when the selected mailbox is read-only (EXAMINE, or the server said READ-ONLY).</summary>
        public bool IsReadOnly { get; private set; }

        /// <summary>True while the server is idling for an IDLE command (its continuation arrived and DONE was not sent yet).</summary>
        public bool IsIdling
        {
            get
            {
                lock (_lock) return _idle != null && _idle.Idling && !_idle.DoneSent;
            }
        }

        /// <summary>The selected mailbox's message count, kept current from EXISTS, EXPUNGE and VANISHED.</summary>
        public uint Exists { get; private set; }

        /// <summary>The selected mailbox's recent count.</summary>
        public uint RecentCount { get; private set; }

        /// <summary>The selected mailbox's UIDVALIDITY.</summary>
        public uint UidValidity { get; private set; }

        /// <summary>
        /// The selected mailbox's UIDNEXT as last reported, or 0 when the server's SELECT did not
        /// report it (Courier-IMAP): <see cref="EnsureUidNextAsync"/> learns it then.
        /// </summary>
        public uint UidNext { get; private set; }

        /// <summary>
        /// The highest mod-sequence seen for the selected mailbox (CONDSTORE/QRESYNC), or 0: the
        /// HIGHESTMODSEQ of its SELECT, raised by every later <c>[HIGHESTMODSEQ n]</c> code and by the
        /// MODSEQ of every FETCH response read in this session, so it never goes down while the
        /// mailbox stays selected.
        /// </summary>
        public ulong HighestModSeq { get; private set; }

        /// <summary>True when the server confirmed ENABLE of <paramref name="extension"/> on this connection (QRESYNC implies CONDSTORE).</summary>
        public bool IsEnabled(string extension)
        {
            lock (_lock) return _enabled.Contains(extension);
        }

        /// <summary>
        /// True when the server said the selected mailbox keeps no mod-sequences (<c>OK [NOMODSEQ]</c>,
        /// RFC 7162 3.1.2.2, or STATUS HIGHESTMODSEQ 0): FETCH MODSEQ, CHANGEDSINCE, UNCHANGEDSINCE
        /// and SEARCH MODSEQ are refused there.
        /// </summary>
        public bool NoModSeq { get; private set; }

        /// <summary>The flags defined in the selected mailbox.</summary>
        public IReadOnlyList<string> MailboxFlags { get; private set; } = Array.Empty<string>();

        /// <summary>The flags the client can change permanently in the selected mailbox.</summary>
        public IReadOnlyList<string> PermanentFlags { get; private set; } = Array.Empty<string>();

        /// <summary>The error that aborted the connection, if any.</summary>
        public Exception? AbortError => _abortError;

        /// <summary>The debug level (changeable at any time).</summary>
        public int DebugLevel
        {
            get => _debug.Level;
            set => _debug.Level = value;
        }

        /// <summary>The last lines of the debug ring buffer (already redacted).</summary>
        public IReadOnlyList<string> DebugBuffer => _debug.Buffered;

        /// <summary>Raised for every debug line (level, text) — already redacted — for hosts that show their own trace.</summary>
        public event Action<int, string>? DebugLine
        {
            add => _debug.Line += value;
            remove => _debug.Line -= value;
        }

        /// <summary>True when the server offers <paramref name="capability"/> (and it is not ignored by the options).</summary>
        public bool HasCapability(string capability)
        {
            lock (_lock) return _capabilities.Contains(capability) && !Options.IgnoredCapabilities.Contains(capability);
        }

        // ----------------------------------------------------------------------------------
        // Connecting

        /// <summary>Opens the transport; overridden by TLS and stream clients.</summary>
        protected virtual async Task<ImapTransport> OpenTransportAsync()
            => await TcpTransport.ConnectAsync(Host, Port, Options.ConnectTimeout).ConfigureAwait(false);

        /// <summary>Opens the transport, starts the reader and reads the greeting, all within the connect timeout.</summary>
        protected async Task ConnectCoreAsync()
        {
            var sw = Stopwatch.StartNew();
            try
            {
                _debug.Log(1, "connecting to " + Host + ":" + Port);
                _transport = await OpenTransportAsync().ConfigureAwait(false);
                TouchRead();
                _readLoop = Task.Run(ReadLoopAsync);
                await WaitForGreetingAsync(sw).ConfigureAwait(false);
                var greeting = await _greeting.Task.ConfigureAwait(false);
                Greeting = greeting;
                if (greeting.Status == ResponseStatus.Bye)
                    throw new ImapAbortException("The server refused the connection: " + greeting.Text);
                // Nothing has been written yet: the catch below closes the connection, so a PREAUTH
                // that would have the whole session run in clear never gets a single command.
                if (greeting.Status == ResponseStatus.PreAuth && InClearOverNetwork)
                    throw new ImapSecurityException("The server " + Host + ":" + Port + " greeted with PREAUTH on a connection without TLS, so STARTTLS cannot be negotiated " +
                        "and every command would travel in clear; the connection was closed without sending anything. Use implicit TLS, or allow clear text explicitly.");
                _state = greeting.Status == ResponseStatus.PreAuth ? ImapState.AUTH : ImapState.NONAUTH;
                StartWatchdog();
                if (!TakeCapabilityCode(greeting)) await CapabilityAsync().ConfigureAwait(false);
                _debug.Log(1, "connected, state " + _state + ", capabilities " + string.Join(" ", Capabilities));
            }
            catch (Exception e)
            {
                var error = e as ImapException ?? new ImapAbortException("Could not connect to " + Host + ":" + Port + ": " + e.Message, e);
                Abort(error);
                throw error;
            }
        }

        /// <summary>True when <see cref="ImapClientOptions.RequireTls"/> is set and the connection is TCP without TLS (a subprocess pipe is local and exempt).</summary>
        private bool InClearOverNetwork => Options.RequireTls && !(_transport is ProcessTransport) && !IsEncrypted;

        /// <summary>How long a plain connection waits for the greeting before it checks whether the port speaks TLS.</summary>
        private static readonly TimeSpan GreetingProbeDelay = TimeSpan.FromSeconds(2);

        /// <summary>
        /// Waits for the greeting within the connect timeout. An implicit-TLS port stays silent,
        /// waiting for the client's ClientHello, so on a plain connection that has heard nothing
        /// after <see cref="GreetingProbeDelay"/> a second connection tries a TLS handshake (any
        /// certificate, no data, closed at once, bounded by the timeout): when it succeeds, the
        /// connect fails at once saying so, instead of waiting out the timeout.
        /// </summary>
        private async Task WaitForGreetingAsync(Stopwatch sw)
        {
            TimeSpan Remaining() { var r = Options.ConnectTimeout - sw.Elapsed; return r < TimeSpan.Zero ? TimeSpan.Zero : r; }
            using (var cts = new CancellationTokenSource(Remaining()))
            {
                Task<bool>? probe = null;
                if (_transport is TcpTransport && !_transport.IsEncrypted && Remaining() > GreetingProbeDelay)
                {
                    var first = await Task.WhenAny(_greeting.Task, Task.Delay(GreetingProbeDelay, cts.Token)).ConfigureAwait(false);
                    if (first != _greeting.Task && !cts.IsCancellationRequested && _reader.BufferedCount == 0)
                    {
                        _debug.Log(1, "no greeting after " + GreetingProbeDelay.TotalSeconds + " s: checking whether " + Host + ":" + Port + " speaks TLS");
                        probe = SpeaksTlsAsync(Host, Port, Remaining(), Options.Tls.Level);
                        if (await Task.WhenAny(_greeting.Task, probe).ConfigureAwait(false) == probe && await probe.ConfigureAwait(false) && !_greeting.Task.IsCompleted)
                            throw new ImapGreetingException("The server at " + Host + ":" + Port + " sent no IMAP greeting, and a TLS handshake on the same port succeeded: " +
                                "it is an implicit-TLS (IMAPS) port, which waits for the client to start TLS.", serverSpeaksTls: true);
                    }
                }
                try
                {
                    await TcpTransport.WithCancellation(_greeting.Task, cts.Token, "waiting for the greeting of " + Host).ConfigureAwait(false);
                }
                catch (TimeoutException e)
                {
                    throw new ImapGreetingException("The server at " + Host + ":" + Port + " accepted the connection but sent no IMAP greeting within " +
                        Options.ConnectTimeout.TotalSeconds + " s" + (probe != null ? ", and it does not answer a TLS handshake either" : "") + ".", serverSpeaksTls: false, e);
                }
            }
        }

        /// <summary>True when a TLS handshake with host:port succeeds on a connection of its own (the certificate is not checked: nothing is sent over it).</summary>
        private static async Task<bool> SpeaksTlsAsync(string host, int port, TimeSpan timeout, TlsLevel level)
        {
            try
            {
                using (var probe = await TcpTransport.ConnectAsync(host, port, timeout).ConfigureAwait(false))
                {
                    await probe.StartTlsAsync(new TlsOptions { Level = level, Validator = (c, ch, h, e) => true }, host, timeout).ConfigureAwait(false);
                    return true;
                }
            }
            catch (Exception)
            {
                return false;
            }
        }

        private static string NewTagPrefix()
        {
            // imaplib2 starts tags with random letters so a stray reply to another client's tag cannot match.
            var rng = new Random(Guid.NewGuid().GetHashCode());
            var chars = new char[4];
            for (int i = 0; i < chars.Length; i++) chars[i] = (char)('A' + rng.Next(26));
            return new string(chars);
        }

        // ----------------------------------------------------------------------------------
        // Issuing commands

        /// <summary>
        /// Issues a typed command: the command's own refusals first (a missing capability throws
        /// before anything is queued), then <see cref="RunAsync"/>, then the command's follow-up
        /// (a refused LOGIN throws, SELECT's result is the message count).
        /// </summary>
        internal Task<ImapResponse> Issue(ImapCommand command)
        {
            if (command.HasFollowUp) return IssueAndFinishAsync(command);
            command.CheckIssue(this);
            return RunAsync(command);
        }

        private async Task<ImapResponse> IssueAndFinishAsync(ImapCommand command)
        {
            command.CheckIssue(this);
            var response = await RunAsync(command).ConfigureAwait(false);
            return await command.FinishAsync(this, response).ConfigureAwait(false);
        }

        /// <summary>
        /// Schedules a command: checks the state, waits for admission (exclusive commands wait for
        /// the ones in flight; commands that could claim the same responses wait for each other),
        /// writes it and completes when its tagged response arrives.
        /// </summary>
        internal async Task<ImapResponse> RunAsync(ImapCommand spec)
        {
            PendingCommand cmd;
            lock (_lock)
            {
                // Ordered under the lock so the waiting list is in issue order.
                cmd = new PendingCommand(spec, ++_order);
                ArmDeadline(cmd);
                // A state-changing command ahead may make this one legal (SELECT then FETCH issued
                // back to back): then the state is checked again at admission, not now.
                ThrowIfUnusable(cmd, checkState: !ExclusivePendingLocked());
                if (spec is LogoutCommand) _logoutOrder = cmd.Order;
                // As imaplib2 does when it issues a command: status responses kept so far are
                // dropped (SELECT drops everything, when it is sent).
                _pool.Drop(StatusNames);
                _waiting.Add(cmd);
                TryAdmitLocked();
            }
            try
            {
                await cmd.Admitted.Task.ConfigureAwait(false);
                lock (_lock) ThrowIfUnusable(cmd);
                await SendAsync(cmd).ConfigureAwait(false);
                return await cmd.Completion.Task.ConfigureAwait(false);
            }
            finally
            {
                lock (_lock)
                {
                    _waiting.Remove(cmd);
                    if (_running.Remove(cmd)) TrackRunning(cmd, add: false);
                    if (cmd.Tag.Length > 0) _byTag.Remove(cmd.Tag);
                    if (ReferenceEquals(_continuationTarget, cmd)) _continuationTarget = null;
                    if (ReferenceEquals(_idle, cmd)) { _idle = null; _idleTimer?.Dispose(); _idleTimer = null; }
                    TryAdmitLocked();
                }
            }
        }

        private bool ExclusivePendingLocked()
        {
            foreach (var c in _running) if (c.Spec.Exclusive) return true;
            foreach (var c in _waiting) if (c.Spec.Exclusive) return true;
            return false;
        }

        private void ThrowIfUnusable(PendingCommand cmd, bool checkState = true)
        {
            var command = cmd.Spec;
            if (_abortError != null)
                throw new ImapAbortException("The connection was aborted: " + _abortError.Message, _abortError);
            ThrowIfPastDeadline(cmd);
            if (_logoutOrder != 0 && cmd.Order > _logoutOrder)
                throw new ImapAbortException("The connection is logging out.");
            if (_state == ImapState.LOGOUT && _transport != null && !(_logoutRequested && command is LogoutCommand))
                throw new ImapAbortException("The connection is logged out.");
            if (checkState && command.ValidStates != null && Array.IndexOf(command.ValidStates, _state) < 0)
                throw new ImapException("Command " + command.Name + " is not allowed in state " + _state + ".");
            if (checkState && command.SendsCredentials && InClearOverNetwork)
                throw new ImapSecurityException(command.Name + " refused: the connection to " + Host + " is not encrypted and the options require TLS; call StartTls first.");
            if (command.Modifies && _readOnlyChanged)
                throw new ImapReadOnlyException("The mailbox " + SelectedMailbox + " became read-only.");
            // Servers may answer OK and ignore the change ("Store ignored with read-only mailbox"):
            // refuse before sending, so the caller never mistakes that for success.
            if (command.Modifies && IsReadOnly && _state == ImapState.SELECTED)
                throw new ImapReadOnlyException(command.Name + " cannot change the mailbox " + SelectedMailbox + ": it is open read-only (EXAMINE or READ-ONLY).");
        }

        /// <summary>Admits waiting commands in order, as far as exclusivity and result attribution allow. Caller holds the lock.</summary>
        private void TryAdmitLocked()
        {
            bool exclusiveRunning = _exclusiveRunning > 0;
            for (int i = 0; i < _waiting.Count; i++)
            {
                var w = _waiting[i];
                if (w.Admitted.Task.IsCompleted) continue;
                if (w.Spec.Exclusive)
                {
                    if (i == 0 && _running.Count == 0)
                    {
                        Admit(w, i--);
                        exclusiveRunning = true;
                        continue;
                    }
                    EndIdleIfAny();
                    return;
                }
                if (exclusiveRunning)
                {
                    EndIdleIfAny();
                    return;
                }
                bool blocked = ConflictsWithRunning(w);
                for (int j = 0; j < i && !blocked; j++)
                    if (w.Conflicts(_waiting[j])) blocked = true;
                if (!blocked) Admit(w, i--);
            }
        }

        private bool ConflictsWithRunning(PendingCommand w)
        {
            var uids = IndexableUids(w);
            if (uids != null && _unindexedFetchCollectors == 0)
            {
                // Only FETCH collectors can conflict with it, and they are all in the index.
                foreach (var uid in uids)
                    if (_fetchByUid.ContainsKey(uid)) return true;
                return false;
            }
            foreach (var r in _running)
                if (w.Conflicts(r)) return true;
            return false;
        }

        /// <summary>The UIDs of a command that claims FETCH responses by a small UID set (see <see cref="ImapCommand.ClaimedUids"/>), or null.</summary>
        private static uint[]? IndexableUids(PendingCommand cmd) => cmd.Spec.ClaimedUids(IndexedSetLimit);

        private void TrackRunning(PendingCommand cmd, bool add)
        {
            if (cmd.Spec.Exclusive) _exclusiveRunning += add ? 1 : -1;
            if (!cmd.Spec.CollectsName("FETCH")) return;
            if (add)
            {
                var uids = IndexableUids(cmd);
                if (uids == null) { _unindexedFetchCollectors++; return; }
                cmd.IndexedUids = uids;
                foreach (var uid in uids) _fetchByUid[uid] = cmd;
            }
            else if (cmd.IndexedUids != null)
            {
                foreach (var uid in cmd.IndexedUids)
                    if (_fetchByUid.TryGetValue(uid, out var c) && ReferenceEquals(c, cmd)) _fetchByUid.Remove(uid);
                cmd.IndexedUids = null;
            }
            else _unindexedFetchCollectors--;
        }

        private void Admit(PendingCommand cmd, int waitingIndex)
        {
            _waiting.RemoveAt(waitingIndex);
            _running.Add(cmd);
            TrackRunning(cmd, add: true);
            cmd.Admitted.TrySetResult(true);
        }

        private void EndIdleIfAny()
        {
            var idle = _idle;
            if (idle != null && idle.Sent && !idle.DoneSent) _ = Task.Run(() => SendDoneAsync(idle));
        }

        private async Task SendAsync(PendingCommand cmd)
        {
            bool handlerDriven = cmd.Spec.HandlesContinuations;
            if (!handlerDriven && !cmd.Spec.Exclusive)
            {
                // Commands that fit in one write are queued and written together: a thousand
                // parallel commands then cost a few socket writes instead of a thousand.
                CommandPayload queued = Register(cmd, handlerDriven);
                if (queued.TryGetBytes(out var bytes))
                {
                    await EnqueueWriteAsync(cmd, bytes).ConfigureAwait(false);
                    return;
                }
                await WritePayloadAsync(cmd, queued, handlerDriven).ConfigureAwait(false);
                return;
            }
            await WritePayloadAsync(cmd, null, handlerDriven).ConfigureAwait(false);
        }

        /// <summary>Gives the command its tag and registers it (before any byte is written: the server may answer at once).</summary>
        private CommandPayload Register(PendingCommand cmd, bool handlerDriven)
        {
            CommandPayload payload;
            lock (_lock)
            {
                ThrowIfUnusable(cmd);
                cmd.Spec.BeforeSend(this);
                cmd.Tag = _tagPrefix + (++_tagNumber).ToString(System.Globalization.CultureInfo.InvariantCulture);
                _byTag[cmd.Tag] = cmd;
                cmd.Sent = true;
                if (handlerDriven) _continuationTarget = cmd;
                payload = _builder.Build(cmd.Tag, cmd.Spec.Name, cmd.Spec.Arguments);
            }
            _debug.Log(2, "> ", payload.TotalLength <= LazyLogLimit ? payload : (object)payload.LogText);
            return payload;
        }

        private async Task EnqueueWriteAsync(PendingCommand cmd, ReadOnlyMemory<byte> bytes)
        {
            bool drain;
            lock (_sendQueue)
            {
                _sendQueue.Add(new KeyValuePair<PendingCommand, ReadOnlyMemory<byte>>(cmd, bytes));
                drain = !_sendQueueDraining;
                _sendQueueDraining = true;
            }
            if (drain) await WriteAsync(DrainSendQueueAsync, null).ConfigureAwait(false);
        }

        /// <summary>
        /// The one way bytes reach the server: under the write lock (a command's segments, a
        /// continuation answer and a batch of queued commands never interleave), through a stream
        /// that reports progress to the watchdog. A failed write aborts the connection: the server
        /// may have seen part of a command, so nothing sent afterwards could be trusted. The
        /// exception is a LOGOUT whose server closed the pipe under the flush after answering it:
        /// the end of the stream completes that LOGOUT.
        /// </summary>
        private async Task WriteAsync(Func<Stream, Task> write, PendingCommand? cmd)
        {
            await _writeLock.WaitAsync().ConfigureAwait(false);
            try
            {
                lock (_lock)
                    if (_abortError != null) throw new ImapAbortException("The connection was aborted: " + _abortError.Message, _abortError);
                await write(new ProgressStream(_transport!.WriteStream, this)).ConfigureAwait(false);
            }
            catch (Exception e) when (!(e is ImapException))
            {
                if (cmd?.Spec is LogoutCommand && _logoutRequested && cmd.Sent) return;
                var error = new ImapAbortException("Writing to " + Host + " failed: " + e.Message, e);
                Abort(error);
                throw error;
            }
            finally
            {
                _writeLock.Release();
            }
        }

        /// <summary>Writes every queued command in one write per round, until the queue is empty (under the write lock).</summary>
        private async Task DrainSendQueueAsync(Stream stream)
        {
            byte[]? buffer = null;
            try
            {
                var batch = new List<KeyValuePair<PendingCommand, ReadOnlyMemory<byte>>>();
                while (true)
                {
                    batch.Clear();
                    lock (_sendQueue)
                    {
                        if (_sendQueue.Count == 0)
                        {
                            _sendQueueDraining = false;
                            return;
                        }
                        batch.AddRange(_sendQueue);
                        _sendQueue.Clear();
                    }
                    lock (_lock)
                        if (_abortError != null) return;
                    int total = 0;
                    foreach (var item in batch) total += item.Value.Length;
                    if (buffer == null || buffer.Length < total)
                    {
                        if (buffer != null) System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
                        buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(total);
                    }
                    int offset = 0;
                    foreach (var item in batch)
                    {
                        item.Value.Span.CopyTo(new Span<byte>(buffer, offset, item.Value.Length));
                        offset += item.Value.Length;
                    }
                    BeginWrite();
                    try
                    {
                        await stream.WriteAsync(buffer, 0, total).ConfigureAwait(false);
                        await stream.FlushAsync().ConfigureAwait(false);
                    }
                    finally
                    {
                        foreach (var item in batch) EndWrite(item.Key);
                    }
                }
            }
            catch (Exception)
            {
                lock (_sendQueue) _sendQueueDraining = false;
                throw;
            }
            finally
            {
                if (buffer != null) System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        private Task WritePayloadAsync(PendingCommand cmd, CommandPayload? registered, bool handlerDriven)
            => WriteAsync(stream => WriteSegmentsAsync(stream, cmd, registered ?? Register(cmd, handlerDriven), handlerDriven), cmd);

        /// <summary>Writes a command's segments, waiting for the server's continuation before each synchronising literal.</summary>
        private async Task WriteSegmentsAsync(Stream stream, PendingCommand cmd, CommandPayload payload, bool handlerDriven)
        {
            for (int s = 0; s < payload.SegmentCount; s++)
            {
                TaskCompletionSource<bool>? continuation = null;
                if (s < payload.SegmentCount - 1)
                {
                    continuation = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                    lock (_lock)
                    {
                        cmd.ContinuationWaiter = continuation;
                        _continuationTarget = cmd;
                    }
                }
                BeginWrite();
                try
                {
                    await payload.WriteSegmentAsync(s, stream).ConfigureAwait(false);
                    await stream.FlushAsync().ConfigureAwait(false);
                }
                finally
                {
                    EndWrite(cmd);
                }
                if (continuation != null && !await continuation.Task.ConfigureAwait(false)) break;
            }
            if (!handlerDriven)
                lock (_lock)
                    if (ReferenceEquals(_continuationTarget, cmd)) _continuationTarget = null;
        }

        /// <summary>Writes a continuation answer (AUTHENTICATE) or DONE (IDLE) under the write lock.</summary>
        internal Task WriteLineAsync(PendingCommand cmd, byte[] line, string logText)
            => WriteAsync(async stream =>
            {
                _debug.Log(2, "> " + logText);
                BeginWrite();
                try
                {
                    await stream.WriteAsync(line, 0, line.Length).ConfigureAwait(false);
                    await stream.FlushAsync().ConfigureAwait(false);
                }
                finally
                {
                    EndWrite(cmd);
                }
            }, null);

        private static readonly byte[] DoneLine = { (byte)'D', (byte)'O', (byte)'N', (byte)'E', (byte)'\r', (byte)'\n' };

        private async Task SendDoneAsync(PendingCommand idle)
        {
            lock (_lock)
            {
                if (idle.DoneSent) return;
                idle.DoneSent = true;
                idle.Idling = false;
                // The silence the watchdog measures starts now, not at the IDLE's own write: otherwise a
                // watchdog tick before DONE is written (the write lock, a loaded machine) sees the whole
                // idle period as silence and aborts a healthy connection.
                Interlocked.Exchange(ref idle.LastWriteTicks, Stopwatch.GetTimestamp());
            }
            try
            {
                await WriteLineAsync(idle, DoneLine, "DONE").ConfigureAwait(false);
            }
            catch (ImapException)
            {
                // Abort already failed every command, the IDLE included.
            }
        }

        private void TouchRead() => Interlocked.Exchange(ref _lastReadTicks, Stopwatch.GetTimestamp());

        private void BeginWrite()
        {
            Interlocked.Exchange(ref _writeProgressTicks, Stopwatch.GetTimestamp());
            Interlocked.Increment(ref _writesInProgress);
        }

        private void EndWrite(PendingCommand cmd)
        {
            Interlocked.Decrement(ref _writesInProgress);
            // The server owes an answer from now on: the watchdog measures its silence from here.
            Interlocked.Exchange(ref cmd.LastWriteTicks, Stopwatch.GetTimestamp());
        }

        /// <summary>Counts every chunk written as progress, so a long upload is not mistaken for a silent server.</summary>
        private sealed class ProgressStream : Transport.WriteOnlyStream
        {
            private const int Chunk = 64 * 1024;
            private readonly Stream _inner;
            private readonly Imap4Client _client;

            public ProgressStream(Stream inner, Imap4Client client)
            {
                _inner = inner;
                _client = client;
            }

            public override async Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            {
                while (count > 0)
                {
                    int n = Math.Min(count, Chunk);
                    await _inner.WriteAsync(buffer, offset, n, cancellationToken).ConfigureAwait(false);
                    Interlocked.Exchange(ref _client._writeProgressTicks, Stopwatch.GetTimestamp());
                    offset += n;
                    count -= n;
                }
            }

            public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();
            public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);
            public override void Flush() => _inner.Flush();
        }

        // ----------------------------------------------------------------------------------
        // Reading and dispatching

        private async Task ReadLoopAsync()
        {
            try
            {
                while (true)
                {
                    ServerResponse? response;
                    while (!_reader.TryReadResponse(out response))
                    {
                        var transport = _transport!;
                        var target = _reader.GetReadBuffer();
                        int n = await transport.ReadStream.ReadAsync(target.Array!, target.Offset, target.Count).ConfigureAwait(false);
                        if (n == 0)
                        {
                            OnEndOfStream();
                            return;
                        }
                        TouchRead();
                        _reader.Advance(n);
                    }
                    var upgrade = Dispatch(response!);
                    if (upgrade != null) await upgrade().ConfigureAwait(false);
                }
            }
            catch (Exception e)
            {
                if (_abortError != null || (_logoutRequested && _transport?.IsClosed == true)) return;
                ImapAbortException error = e as ImapAbortException
                    ?? (e is ImapSecurityException
                        ? new ImapAbortException("The TLS upgrade with " + Host + " failed, so the connection was closed: " + e.Message, e)
                        : new ImapAbortException("Reading from " + Host + " failed: " + e.Message, e));
                Abort(error);
            }
        }

        private void OnEndOfStream()
        {
            bool expected;
            lock (_lock) expected = _logoutRequested;
            if (expected)
            {
                // The server closed after BYE: complete LOGOUT even if its tagged OK never came.
                PendingCommand? logout;
                lock (_lock) logout = _running.FirstOrDefault(c => c.Spec is LogoutCommand);
                logout?.Completion.TrySetResult(new ImapResponse("OK", null, logout.Untagged, null, new[] { new ImapDataItem("connection closed by server") }));
                Shutdown();
                return;
            }
            string detail = _reader.BufferedCount > 0 || _reader.InLiteral ? " in the middle of a response" : "";
            Abort(new ImapAbortException("The server closed the connection" + detail + "."));
        }

        /// <summary>Routes one response; returns work the reader must do before reading on (a transport upgrade).</summary>
        private Func<Task>? Dispatch(ServerResponse r)
        {
            int level = r.Kind == ResponseKind.Untagged ? 3 : 2;
            if (_debug.Enabled(level)) _debug.Log(level, "< ", RedactIfAuthenticating(r));
            if (!_greeting.Task.IsCompleted)
            {
                if (r.Kind == ResponseKind.Untagged && (r.Status == ResponseStatus.Ok || r.Status == ResponseStatus.PreAuth || r.Status == ResponseStatus.Bye))
                {
                    _greeting.TrySetResult(r);
                    return null;
                }
                throw new ImapProtocolException("Expected a greeting, got: " + Truncate(r.ToString()), "", 0);
            }
            switch (r.Kind)
            {
                case ResponseKind.Continuation:
                    return DispatchContinuation(r);
                case ResponseKind.Tagged:
                    return DispatchTagged(r);
                default:
                    DispatchUntagged(r);
                    return null;
            }
        }

        /// <summary>Commands and responses up to this size are kept whole in the debug ring and rendered only if it is read; larger ones are rendered at once so the ring never holds a big literal alive.</summary>
        private const long LazyLogLimit = 4096;

        /// <summary>The response itself (rendered only if the log is read), or a redacted stand-in for SASL challenges.</summary>
        private object RedactIfAuthenticating(ServerResponse r)
        {
            var target = _continuationTarget;
            if (r.Kind == ResponseKind.Continuation && target != null && target.Spec.RedactsContinuations) return "+ ***";
            return r.TotalSize <= LazyLogLimit ? r : (object)r.ToString();
        }

        private static string Truncate(string s) => s.Length <= 400 ? s : s.Substring(0, 400) + "…";

        private Func<Task>? DispatchContinuation(ServerResponse r)
        {
            PendingCommand? target;
            lock (_lock) target = _continuationTarget;
            if (target == null)
                throw new ImapProtocolException("The server sent a continuation request no command asked for: " + Truncate(r.ToString()), "", 0);
            var waiter = target.ContinuationWaiter;
            if (waiter != null)
            {
                target.ContinuationWaiter = null;
                waiter.TrySetResult(true);
                return null;
            }
            if (!target.Spec.HandlesContinuations)
                throw new ImapProtocolException("The server sent an unexpected continuation request: " + Truncate(r.ToString()), "", 0);
            // Handlers write (AUTHENTICATE answers), so they run off the reader.
            var task = target.Spec.OnContinuationAsync(this, target, r);
            _ = task.ContinueWith(t => Abort(new ImapAbortException("Continuation handling failed: " + t.Exception!.GetBaseException().Message, t.Exception)),
                TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously);
            return null;
        }

        private Func<Task>? DispatchTagged(ServerResponse r)
        {
            PendingCommand? cmd;
            lock (_lock) _byTag.TryGetValue(r.Tag!, out cmd);
            if (cmd == null)
                throw new ImapProtocolException("The server answered a command that was not sent (tag " + r.Tag + "): " + Truncate(r.ToString()), "", 0);
            cmd.ContinuationWaiter?.TrySetResult(false);
            if (r.HasCode) HandleCode(r, cmd);
            var hook = r.Status == ResponseStatus.Ok ? cmd.Spec.OnTaggedOk(this) : null;
            if (hook != null)
            {
                return async () =>
                {
                    await hook().ConfigureAwait(false);
                    Complete(cmd, r);
                };
            }
            Complete(cmd, r);
            return null;
        }

        private void Complete(PendingCommand cmd, ServerResponse tagged)
        {
            string type = tagged.Name;
            var command = cmd.Spec;
            lock (_lock) command.OnTagged(this, cmd, tagged);
            if (tagged.Status == ResponseStatus.Bad)
            {
                cmd.Completion.TrySetException(new ImapCommandException(command.Name, "BAD", tagged.CodeName, tagged.Text));
                return;
            }
            var untagged = cmd.Untagged;
            var shape = command.DataShape;
            var response = new ImapResponse(type, tagged, untagged,
                shape is Imaplib2Data.Shape s ? (r => BuildData(r, s.Names, s.NoneWhenEmpty)) : BuildDataAll);
            cmd.Completion.TrySetResult(response);
        }

        private static readonly Func<ImapResponse, IReadOnlyList<ImapDataItem?>> BuildDataAll = response => BuildData(response, null);

        /// <summary>
        /// imaplib2's data: the untagged responses named in <paramref name="names"/> (all, when null),
        /// or when there are none, <c>[None]</c> for a command that names its data
        /// (<paramref name="noneWhenEmpty"/>, imaplib2's <c>untagged_response</c>) and succeeded,
        /// else the tagged text with its response code.
        /// </summary>
        internal static IReadOnlyList<ImapDataItem?> BuildData(ImapResponse response, string[]? names, bool noneWhenEmpty = false)
        {
            var untagged = response.Untagged;
            var items = new List<ImapDataItem?>(response.Type == "OK" ? untagged.Count : 1);
            if (response.Type == "OK")
            {
                for (int index = 0; index < untagged.Count; index++)
                {
                    var u = untagged[index];
                    if (names != null && Array.IndexOf(names, u.Name) < 0) continue;
                    if (u.Status != ResponseStatus.None) continue; // response codes are read with Response(code)
                    // Most data (every FETCH of flags, dates, sizes and ASCII envelopes) is one line of
                    // ASCII: one string, without splitting or a second copy for the number prefix.
                    string? line = u.AsciiItemText(u.DataOffset, u.HasNumber ? u.Number : (uint?)null);
                    if (line != null)
                    {
                        items.Add(new ImapDataItem(line));
                        continue;
                    }
                    bool first = true;
                    foreach (var part in u.SplitAtLiterals(u.DataOffset))
                    {
                        string text = part.Key;
                        if (first && u.HasNumber)
                            text = u.Number.ToString(System.Globalization.CultureInfo.InvariantCulture) + (text.Length > 0 ? " " + text : "");
                        first = false;
                        items.Add(new ImapDataItem(text, part.Value));
                    }
                }
            }
            if (items.Count == 0 && response.Tagged != null)
                items.Add(noneWhenEmpty && response.Type == "OK" ? null : new ImapDataItem(response.Tagged.TextWithCode));
            return items;
        }

        private void DispatchUntagged(ServerResponse r)
        {
            if (r.Status != ResponseStatus.None)
            {
                DispatchUntaggedStatus(r);
                return;
            }
            string name = r.Name;
            PendingCommand? claimant = null;
            bool idleWake = false;
            lock (_lock)
            {
                UpdateMailboxState(r);
                claimant = FindClaimant(r);
                if (claimant == null || !TakesAsData(claimant.Spec, name))
                {
                    _pool.Add(name, r, UntaggedPool.Kind.Data);
                }
                if (claimant != null && claimant.Spec.OnData == null)
                {
                    claimant.Untagged.Add(r);
                }
                var idle = _idle;
                if (idle != null && idle.Idling && IsMailboxData(name)) idleWake = true;
            }
            claimant?.Spec.OnData?.Invoke(r);
            if (claimant == null || IsMailboxData(name)) RaiseChange(r, claimant);
            if (idleWake) EndIdleIfAnyUnlocked();
        }

        private void EndIdleIfAnyUnlocked()
        {
            lock (_lock) EndIdleIfAny();
        }

        private static bool IsMailboxData(string name)
            => name == "EXISTS" || name == "EXPUNGE" || name == "RECENT" || name == "FETCH" || name == "VANISHED" || name == "FLAGS";

        /// <summary>
        /// The command an untagged data response belongs to: the one whose tag it names (an ESEARCH
        /// search-correlator, RFC 4466), else the earliest running command that claims it
        /// (<see cref="ImapCommand.Claims"/>: each command family says which responses are its own).
        /// FETCH responses are first looked up in the UID index of running commands with small UID
        /// sets; when every FETCH claimant is indexed, the lookup is the whole answer.
        /// </summary>
        private PendingCommand? FindClaimant(ServerResponse r)
        {
            string name = r.Name;
            if (name == "ESEARCH")
            {
                var first = r.Data;
                if (first.IsList && first[0].IsAtom("TAG"))
                {
                    var tag = first[1].AsString();
                    if (tag != null && _byTag.TryGetValue(tag, out var byTag)) return byTag;
                }
            }
            var route = _route;
            route.Reset(r);
            PendingCommand? best = null;
            if (name == "FETCH" && _fetchByUid.Count > 0)
            {
                var uid = route.Uid;
                if (uid != null && _fetchByUid.TryGetValue(uid.Value, out var indexed) && indexed.Sent) best = indexed;
                if (_unindexedFetchCollectors == 0) return best;
            }
            foreach (var c in _running)
            {
                if (!c.Sent || (best != null && c.Order > best.Order) || !c.Spec.Claims(route)) continue;
                best = c;
            }
            return best;
        }

        internal string DecodeMailbox(string wire) => _utf8Enabled ? wire : (ModifiedUtf7.TryDecode(wire, out var d) ? d! : wire);

        /// <summary>The UID of a FETCH response, found by the decoders' allocation-free scan.</summary>
        internal static uint? FetchUid(ServerResponse r) => FetchData.TryGetUid(r, out var uid) ? uid : (uint?)null;

        /// <summary>
        /// Whether a command's claimed response is part of its data (and so is not kept for
        /// <c>Response()</c>): every claimed response when the command names no data, else the
        /// responses of that name. SELECT's FLAGS and RECENT and IDLE's EXISTS are kept, as
        /// imaplib2 keeps them.
        /// </summary>
        private static bool TakesAsData(ImapCommand command, string name)
            => command.OnData != null || !(command.DataShape is Imaplib2Data.Shape shape) || shape.Includes(name);

        private void DispatchUntaggedStatus(ServerResponse r)
        {
            lock (_lock) _pool.Add(r.Name, r, UntaggedPool.Kind.Status);
            if (r.HasCode) HandleCode(r, null);
            lock (_lock)
            {
                // A response code sent during a state-changing command belongs to it (see
                // ImapCommand.ClaimsStatusCodes).
                if (r.HasCode && r.Status != ResponseStatus.Bye)
                {
                    PendingCommand? owner = null;
                    foreach (var c in _running)
                        if (c.Sent && c.Spec.ClaimsStatusCodes) { owner = c; break; }
                    if (owner != null && owner.Spec.OnData == null) owner.Untagged.Add(r);
                }
            }
            if (r.Status == ResponseStatus.Bye)
            {
                bool expected;
                lock (_lock) expected = _logoutRequested;
                if (!expected) throw new ImapAbortException("The server said BYE: " + r.Text);
            }
        }

        private void HandleCode(ServerResponse r, PendingCommand? tagCommand)
        {
            string code = r.CodeName ?? "";
            lock (_lock)
            {
                switch (code)
                {
                    case "CAPABILITY":
                        TakeCapabilityCodeLocked(r);
                        break;
                    case "UIDVALIDITY":
                        if (r.CodeArgument.TryGetUInt32(out var uv)) UidValidity = uv;
                        break;
                    case "UIDNEXT":
                        if (r.CodeArgument.TryGetUInt32(out var un)) UidNext = un;
                        break;
                    case "HIGHESTMODSEQ":
                        if (r.CodeArgument.TryGetUInt64(out var hm) && hm > HighestModSeq) HighestModSeq = hm;
                        break;
                    case "NOMODSEQ":
                        NoModSeq = true;
                        break;
                    case "PERMANENTFLAGS":
                        PermanentFlags = ReadFlagList(r.CodeArgument);
                        break;
                    case "READ-ONLY":
                        if (_state == ImapState.SELECTED && !IsReadOnly && !IsSelecting()) _readOnlyChanged = true;
                        IsReadOnly = true;
                        break;
                    case "READ-WRITE":
                        IsReadOnly = false;
                        break;
                }
                if (code.Length > 0 && (r.Kind == ResponseKind.Untagged || tagCommand != null)) _pool.Add(code, r, UntaggedPool.Kind.Code);
            }
            if (code == "ALERT" || code == "READ-ONLY" && _readOnlyChanged) _events.Enqueue(new UntaggedResponseEventArgs(r));
        }

        private bool IsSelecting()
        {
            foreach (var c in _running)
                if (c.Spec is SelectCommand) return true;
            return false;
        }

        private static string[] ReadFlagList(ImapValue list)
        {
            if (!list.IsList) return Array.Empty<string>();
            var flags = new List<string>();
            foreach (var f in list) flags.Add(f.AsString() ?? "");
            return flags.ToArray();
        }

        private void UpdateMailboxState(ServerResponse r)
        {
            switch (r.Name)
            {
                case "EXISTS":
                    Exists = r.Number;
                    break;
                case "RECENT":
                    RecentCount = r.Number;
                    break;
                case "EXPUNGE":
                    if (Exists > 0) Exists--;
                    break;
                case "VANISHED":
                    // QRESYNC (RFC 7162 3.2.10): a VANISHED without EARLIER replaces EXPUNGE, one
                    // message per UID; EARLIER reports UIDs the client missed and changes no count.
                    if (VanishedData.TryCountLive(r, out long gone)) Exists = gone >= Exists ? 0 : Exists - (uint)gone;
                    break;
                case "FLAGS":
                    MailboxFlags = ReadFlagList(r.Data);
                    break;
                case "FETCH":
                    // Only once mod-sequences are in use: a plain FETCH is not walked twice.
                    if (HighestModSeq != 0 || _enabled.Count != 0) RaiseModSeqFrom(r);
                    break;
            }
        }

        /// <summary>Raises <see cref="HighestModSeq"/> to the MODSEQ of a FETCH response, if it has one (a malformed one is the decoders' business).</summary>
        private void RaiseModSeqFrom(ServerResponse r)
        {
            try
            {
                var e = r.Data.GetEnumerator();
                while (e.MoveNext())
                {
                    bool isModSeq = e.Current.IsAtom("MODSEQ");
                    if (!e.MoveNext()) return;
                    if (!isModSeq) continue;
                    foreach (var v in e.Current)
                        if (v.TryGetUInt64(out ulong modSeq) && modSeq > HighestModSeq) HighestModSeq = modSeq;
                    return;
                }
            }
            catch (ImapProtocolException)
            {
            }
        }

        /// <summary>Where a large literal goes: to the stream of the command that will be given its response, when that command streams (see <see cref="MessageDataCommand.LiteralOwner"/>).</summary>
        private Stream? SelectLiteralSink(LiteralRequest request)
        {
            PendingCommand? owner;
            lock (_lock) owner = MessageDataCommand.LiteralOwner(_running, request);
            return owner?.Spec.OpenLiteralSink(request);
        }

        // ----------------------------------------------------------------------------------
        // Connection and mailbox state, changed by the commands (ImapCommand.BeforeSend and
        // OnTagged run under the lock; the transport switches run on the reader)

        /// <summary>SELECT/EXAMINE, when written: forget everything about the previous mailbox.</summary>
        internal void ResetMailboxLocked()
        {
            _pool.Clear();
            _readOnlyChanged = false;
            _selectGeneration++;
            Exists = 0; RecentCount = 0; UidValidity = 0; UidNext = 0; HighestModSeq = 0; NoModSeq = false;
            MailboxFlags = Array.Empty<string>(); PermanentFlags = Array.Empty<string>();
        }

        internal void EnterMailboxLocked(string mailbox, bool readOnly)
        {
            _state = ImapState.SELECTED;
            SelectedMailbox = mailbox;
            IsReadOnly = readOnly;
        }

        /// <summary>CLOSE, UNSELECT, or a refused SELECT (RFC 3501 6.3.1: no mailbox is selected then).</summary>
        internal void LeaveMailboxLocked()
        {
            _state = ImapState.AUTH;
            SelectedMailbox = null;
            _readOnlyChanged = false;
        }

        internal void EnterAuthenticatedLocked() => _state = ImapState.AUTH;

        /// <summary>ENABLE's tagged OK: the extensions the server named in ENABLED are on from now on.</summary>
        internal void MarkEnabledLocked(string extension)
        {
            _enabled.Add(extension);
            if (string.Equals(extension, "QRESYNC", StringComparison.OrdinalIgnoreCase)) _enabled.Add("CONDSTORE");
        }

        /// <summary>The server confirmed UTF8=ACCEPT: mailbox names go out and come back as UTF-8 from now on.</summary>
        internal void AcceptUtf8Locked()
        {
            _utf8Enabled = true;
            _builder = _builder.WithUtf8Accept(true);
        }

        /// <summary>STARTTLS's tagged OK, on the reader: no byte may have followed it in clear; the capabilities seen before TLS may have been forged by a man in the middle.</summary>
        internal async Task StartTlsOnReaderAsync()
        {
            if (_reader.BufferedCount > 0)
                throw new ImapProtocolException("The server sent data after its STARTTLS reply, before TLS began.", "", 0);
            await _transport!.StartTlsAsync(Options.Tls, Host, Options.ConnectTimeout).ConfigureAwait(false);
            lock (_lock) SetCapabilitiesLocked(new HashSet<string>(StringComparer.OrdinalIgnoreCase));
        }

        /// <summary>COMPRESS's tagged OK, on the reader: the bytes already read after it are the first compressed ones.</summary>
        internal Task CompressOnReader()
        {
            var leftover = _reader.TakeBuffered();
            _transport!.EnableCompression(leftover);
            return Task.CompletedTask;
        }

        /// <summary>
        /// The selected mailbox's UIDNEXT, learnt when the server did not report it. RFC 3501 6.3.1
        /// requires <c>OK [UIDNEXT]</c> in the reply to SELECT, but some servers leave it out
        /// (Courier-IMAP 5), so <see cref="UidNext"/> stays 0 there. This asks STATUS (UIDNEXT) or,
        /// where STATUS fails, takes the last message's UID + 1 (a lower bound when the newest
        /// messages were expunged), and keeps the value as <see cref="UidNext"/> for as long as the
        /// same SELECT is current. Returns 0 when no mailbox is selected or nothing could be learnt.
        /// </summary>
        public async Task<uint> EnsureUidNextAsync()
        {
            string mailbox;
            int generation;
            lock (_lock)
            {
                if (UidNext != 0 || _state != ImapState.SELECTED || SelectedMailbox == null) return UidNext;
                mailbox = SelectedMailbox;
                generation = _selectGeneration;
            }
            uint learnt = 0;
            try
            {
                var status = await StatusAsync(mailbox, "(UIDNEXT)").ConfigureAwait(false);
                if (status.IsOk)
                    foreach (var u in status.Untagged)
                        if (u.Name == "STATUS" && StatusData.Parse(u, _utf8Enabled).UidNext is uint n) learnt = n;
                if (learnt == 0 && Exists > 0)
                {
                    var last = await FetchAsync("*", "(UID)").ConfigureAwait(false);
                    if (last.IsOk)
                        foreach (var u in last.Untagged)
                            if (u.Name == "FETCH" && FetchUid(u) is uint uid && uid < uint.MaxValue && uid + 1 > learnt) learnt = uid + 1;
                }
            }
            catch (ImapException e) when (!(e is ImapAbortException))
            {
                _debug.Log(1, "could not learn UIDNEXT of " + mailbox + ": " + e.Message);
            }
            lock (_lock)
            {
                if (_selectGeneration != generation) return learnt;
                if (UidNext == 0 && _state == ImapState.SELECTED) UidNext = learnt;
                return UidNext;
            }
        }

        /// <summary>
        /// The selected mailbox's HIGHESTMODSEQ, learnt when SELECT did not say. A server reports
        /// <c>[HIGHESTMODSEQ]</c> or <c>[NOMODSEQ]</c> on SELECT only once CONDSTORE is enabled
        /// (Dovecot), so before that this asks STATUS (HIGHESTMODSEQ) of the selected mailbox: a
        /// CONDSTORE enabling command (RFC 7162 3.1), answered with 0 for a mailbox without
        /// mod-sequences (RFC 7162 3.1.2.3). Null when the mailbox keeps none (<see cref="NoModSeq"/>);
        /// the value is kept as <see cref="HighestModSeq"/> for as long as the same SELECT is current.
        /// </summary>
        /// <exception cref="ImapCapabilityException">The server does not offer CONDSTORE (nothing is sent).</exception>
        /// <exception cref="ImapException">No mailbox is selected (nothing is sent).</exception>
        /// <exception cref="ImapCommandException">The server answered the STATUS with NO or BAD.</exception>
        public async Task<ulong?> SelectedHighestModSeqAsync()
        {
            RequireCapability("CONDSTORE", "CONDSTORE");
            string mailbox;
            int generation;
            lock (_lock)
            {
                if (_state != ImapState.SELECTED || SelectedMailbox == null) throw new ImapException("No mailbox is selected.");
                if (NoModSeq) return null;
                if (HighestModSeq != 0) return HighestModSeq;
                mailbox = SelectedMailbox;
                generation = _selectGeneration;
            }
            var status = await StatusAsync(mailbox, "(HIGHESTMODSEQ)").ConfigureAwait(false);
            if (!status.IsOk) throw new ImapCommandException("STATUS", status);
            ulong? learnt = null;
            foreach (var u in status.Untagged)
                if (u.Name == "STATUS" && StatusData.Parse(u, _utf8Enabled).HighestModSeq is ulong m) learnt = m;
            lock (_lock)
            {
                if (_selectGeneration != generation || _state != ImapState.SELECTED) return learnt == 0 ? null : learnt;
                // The enabling STATUS may have brought an untagged OK [HIGHESTMODSEQ] or [NOMODSEQ] of its own.
                if (NoModSeq) return null;
                if (HighestModSeq != 0) return HighestModSeq;
                if (learnt == null) throw new ImapException("The server answered STATUS (HIGHESTMODSEQ) of '" + mailbox + "' without HIGHESTMODSEQ.");
                if (learnt == 0) { NoModSeq = true; return null; }
                HighestModSeq = learnt.Value;
                return HighestModSeq;
            }
        }

        /// <summary>
        /// LOGOUT, once: a second LOGOUT (another thread, or Dispose during Logout) shares the first,
        /// since sending it too would reach a server that has already said BYE. Afterwards the
        /// connection is shut down and every command still pending fails.
        /// </summary>
        private async Task<ImapResponse> LogoutOnceAsync()
        {
            TaskCompletionSource<ImapResponse>? mine = null;
            Task<ImapResponse>? existing = null;
            lock (_lock)
            {
                if (_logout != null) existing = _logout.Task;
                else if (_abortError != null || _state == ImapState.LOGOUT)
                    return new ImapResponse("BYE", null, Array.Empty<ServerResponse>(), null, new[] { new ImapDataItem("already logged out") });
                else
                {
                    _logoutRequested = true;
                    _logout = mine = new TaskCompletionSource<ImapResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
                }
            }
            if (existing != null) return await existing.ConfigureAwait(false);
            try
            {
                var response = await LogoutCoreAsync().ConfigureAwait(false);
                mine!.TrySetResult(response);
                return response;
            }
            catch (Exception e)
            {
                mine!.TrySetException(e);
                throw;
            }
        }

        private async Task<ImapResponse> LogoutCoreAsync()
        {
            try
            {
                return await Issue(new LogoutCommand()).ConfigureAwait(false);
            }
            finally
            {
                Shutdown();
                FailPending(new ImapAbortException("The connection is logged out."));
                if (_readLoop != null) await Task.WhenAny(_readLoop, Task.Delay(5000)).ConfigureAwait(false);
            }
        }

        // ----------------------------------------------------------------------------------
        // Capabilities

        /// <summary>
        /// Refuses, before anything is sent, a command of an extension the server did not offer: a
        /// server that does not know it answers NO or BAD at best (Courier: NO), or stalls.
        /// </summary>
        internal void RequireCapability(string command, params string[] anyOf)
        {
            foreach (var capability in anyOf)
                if (HasCapability(capability)) return;
            throw new ImapCapabilityException(command, anyOf);
        }

        /// <summary>After LOGIN or AUTHENTICATE: the capabilities from the OK's code, or asked for.</summary>
        internal async Task AfterAuthenticationAsync(ImapResponse response)
        {
            if (response.Tagged == null || !TakeCapabilityCode(response.Tagged))
                await CapabilityAsync().ConfigureAwait(false);
        }

        private bool TakeCapabilityCode(ServerResponse r)
        {
            if (!r.HasCode || r.CodeName != "CAPABILITY") return false;
            lock (_lock) TakeCapabilityCodeLocked(r);
            return true;
        }

        private void TakeCapabilityCodeLocked(ServerResponse r)
        {
            var caps = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            for (var v = r.CodeArgument; !v.IsNone; v = v.Next()) AddCapability(caps, v);
            SetCapabilitiesLocked(caps);
        }

        /// <summary>Capabilities are atoms; anything else a broken server puts in the list (NIL, a list) is ignored.</summary>
        internal static void AddCapability(HashSet<string> caps, ImapValue value)
        {
            var kind = value.Kind;
            if (kind != ImapValueKind.Atom && kind != ImapValueKind.Number) return;
            caps.Add(value.AsString()!.ToUpperInvariant());
        }

        internal void SetCapabilitiesLocked(HashSet<string> caps)
        {
            _capabilities = caps;
            _builder = new CommandBuilder(CommandBuilder.LiteralSupportFrom(caps.Where(c => !Options.IgnoredCapabilities.Contains(c))), _utf8Enabled);
        }

        // ----------------------------------------------------------------------------------
        // Timeouts, abort and shutdown

        /// <summary>
        /// Closes the connection at once and fails every pending command with an
        /// <see cref="ImapAbortException"/>. The client cannot be used afterwards.
        /// </summary>
        public void Abort(Exception? reason = null) => AbortCore(reason, dumpDebugBuffer: true);

        private void AbortCore(Exception? reason, bool dumpDebugBuffer)
        {
            ImapAbortException error = reason as ImapAbortException
                ?? new ImapAbortException(reason?.Message ?? "The connection was aborted by the caller.", reason);
            List<PendingCommand> pending;
            lock (_lock)
            {
                if (_abortError != null) return;
                _abortError = error;
                _state = ImapState.LOGOUT;
                pending = new List<PendingCommand>(_running);
                pending.AddRange(_waiting);
            }
            _debug.Log(1, (dumpDebugBuffer ? "abort: " : "closed: ") + error.Message);
            if (dumpDebugBuffer) _debug.DumpBuffer(error.Message);
            Shutdown();
            _greeting.TrySetException(error);
            foreach (var c in pending)
            {
                c.ContinuationWaiter?.TrySetException(error);
                c.Admitted.TrySetException(error);
                c.Completion.TrySetException(error);
            }
        }

        /// <summary>Fails every command still waiting or running (after LOGOUT closed the connection).</summary>
        private void FailPending(ImapAbortException error)
        {
            List<PendingCommand> pending;
            lock (_lock)
            {
                pending = new List<PendingCommand>(_running);
                pending.AddRange(_waiting);
            }
            foreach (var c in pending)
            {
                c.ContinuationWaiter?.TrySetException(error);
                c.Admitted.TrySetException(error);
                c.Completion.TrySetException(error);
            }
        }

        private void Shutdown()
        {
            _state = ImapState.LOGOUT;
            _watchdog?.Dispose();
            _idleTimer?.Dispose();
            _transport?.Dispose();
        }

        /// <summary>Logs out if still connected (briefly), then closes everything. Never throws.</summary>
        public void Dispose()
        {
            Dispose(true);
            GC.SuppressFinalize(this);
        }

        /// <summary>Releases the connection.</summary>
        protected virtual void Dispose(bool disposing)
        {
            if (!disposing) return;
            if (_abortError == null && _state != ImapState.LOGOUT && _transport != null)
            {
                try
                {
                    var logout = LogoutAsync();
                    logout.Wait(TimeSpan.FromSeconds(5));
                }
                catch (Exception) { /* best effort: Dispose must not throw */ }
            }
            if (_abortError == null)
            {
                lock (_lock) _logoutRequested = true;
            }
            AbortCore(new ImapAbortException("The client was disposed."), dumpDebugBuffer: false);
            try { _readLoop?.Wait(TimeSpan.FromSeconds(5)); } catch (Exception) { /* faults were reported through Abort */ }
        }

        /// <summary>Blocks on a task; the response timeout bounds every wait (the watchdog aborts a silent server).</summary>
        internal static T Sync<T>(Task<T> task)
        {
            try
            {
                return task.GetAwaiter().GetResult();
            }
            catch (AggregateException e) when (e.InnerExceptions.Count == 1)
            {
                throw e.InnerException!;
            }
        }

        internal static void Sync(Task task) => task.GetAwaiter().GetResult();
    }
}
