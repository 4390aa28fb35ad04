using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using ImapPS.Client.Protocol;

namespace ImapPS.Client
{
    /// <summary>Whether an operation may be sent again after the connection was lost while it ran.</summary>
    public enum ImapOperationSafety
    {
        /// <summary>Reads nothing but state (FETCH, SEARCH, LIST, STATUS, NOOP, IDLE, …): repeated after a reconnect.</summary>
        Read,
        /// <summary>Changes state, but doing it twice is doing it once (STORE of flags, UID EXPUNGE of given UIDs): repeated after a reconnect.</summary>
        Idempotent,
        /// <summary>Doing it twice is not doing it once (APPEND, COPY, MOVE, CREATE, …): never repeated blindly; a loss fails with <see cref="ImapOutcomeUnknownException"/>.</summary>
        NotIdempotent,
    }

    /// <summary>The connection was lost; a reconnect starts.</summary>
    public sealed class ImapConnectionLostEventArgs : EventArgs
    {
        internal ImapConnectionLostEventArgs(Exception cause) => Cause = cause;

        /// <summary>Why the connection was lost.</summary>
        public Exception Cause { get; }
    }

    /// <summary>One attempt to connect again failed; another follows after <see cref="NextDelay"/> unless the policy is spent.</summary>
    public sealed class ImapReconnectAttemptFailedEventArgs : EventArgs
    {
        internal ImapReconnectAttemptFailedEventArgs(int attempt, Exception error, TimeSpan? nextDelay)
        {
            Attempt = attempt;
            Error = error;
            NextDelay = nextDelay;
        }

        /// <summary>The attempt that failed (1-based).</summary>
        public int Attempt { get; }

        /// <summary>Why it failed.</summary>
        public Exception Error { get; }

        /// <summary>The wait before the next attempt, or null when there is none.</summary>
        public TimeSpan? NextDelay { get; }
    }

    /// <summary>The connection was re-established (and the mailbox re-selected with its UIDVALIDITY checked).</summary>
    public sealed class ImapReconnectedEventArgs : EventArgs
    {
        internal ImapReconnectedEventArgs(int reconnectCount, int attempts, TimeSpan outage, Exception cause, string? mailbox)
        {
            ReconnectCount = reconnectCount;
            Attempts = attempts;
            Outage = outage;
            Cause = cause;
            Mailbox = mailbox;
        }

        /// <summary>How many reconnects this client has made, this one included.</summary>
        public int ReconnectCount { get; }

        /// <summary>How many attempts this reconnect took.</summary>
        public int Attempts { get; }

        /// <summary>From noticing the loss to being connected again (and re-selected).</summary>
        public TimeSpan Outage { get; }

        /// <summary>Why the connection had been lost.</summary>
        public Exception Cause { get; }

        /// <summary>The mailbox selected again, or null.</summary>
        public string? Mailbox { get; }
    }

    /// <summary>What <see cref="ImapReconnectingClient.AppendAsync"/> did.</summary>
    public sealed class ImapAppendResult
    {
        internal ImapAppendResult(ImapResponse? response, uint? uidValidity, uint? uid, bool foundAfterLoss, int connectionsLost)
        {
            Response = response;
            UidValidity = uidValidity;
            Uid = uid;
            FoundAfterLoss = foundAfterLoss;
            ConnectionsLost = connectionsLost;
        }

        /// <summary>The server's answer to the APPEND that completed, or null when the message was found after a loss instead.</summary>
        public ImapResponse? Response { get; }

        /// <summary>The target's UIDVALIDITY, when known (APPENDUID or the search after a loss).</summary>
        public uint? UidValidity { get; }

        /// <summary>The new message's UID, when known (UIDPLUS's APPENDUID, or the search after a loss).</summary>
        public uint? Uid { get; }

        /// <summary>True when the connection was lost after the message was sent and the message was then found in the mailbox (so it was not sent again).</summary>
        public bool FoundAfterLoss { get; }

        /// <summary>How many times the connection was lost during this APPEND.</summary>
        public int ConnectionsLost { get; }
    }

    /// <summary>
    /// An IMAP session that survives its connection: it holds the recipe that made the connection
    /// (<see cref="ImapConnectionRecipe"/>) and, when the connection is lost, makes a new one by the
    /// <see cref="ImapReconnectPolicy"/>, selects the mailbox that was selected and checks its
    /// UIDVALIDITY. Operations go through <see cref="RunAsync{T}"/> with their
    /// <see cref="ImapOperationSafety"/>: reads and idempotent changes are repeated on the new
    /// connection; anything else is not, and its caller learns that the outcome is unknown
    /// (<see cref="AppendAsync"/> finds out by itself). A changed UIDVALIDITY stops every operation
    /// with <see cref="ImapUidValidityChangedException"/> until the caller selects again.
    /// </summary>
    /// <remarks>Thread-safe: concurrent operations that see the same loss share one reconnect.</remarks>
    public sealed partial class ImapReconnectingClient : IDisposable
    {
        private readonly SemaphoreSlim _reconnectGate = new SemaphoreSlim(1, 1);
        private readonly object _lock = new object();
        private readonly Random _random = new Random();
        private volatile Imap4Client _client;
        private volatile bool _disposed;
        private string? _mailbox;
        private bool _readOnly;
        private uint _uidValidity;
        // The mod-sequence extension the lost connection had ENABLEd (QRESYNC, CONDSTORE or none): the next one enables it before it selects.
        private string? _modSeqExtension;
        // Set when a reconnect found the selected mailbox changed or gone: every operation fails with it until the caller selects again.
        private Exception? _stale;
        private int _reconnectCount;

        /// <summary>
        /// Wraps <paramref name="connected"/>, a client the caller connected (and authenticated) by
        /// <paramref name="recipe"/>; later connections are made by the recipe. <paramref name="policy"/>:
        /// by default the recipe's <see cref="ImapClientOptions.Reconnect"/>, else the defaults.
        /// </summary>
        public ImapReconnectingClient(ImapConnectionRecipe recipe, Imap4Client connected, ImapReconnectPolicy? policy = null)
        {
            Recipe = recipe ?? throw new ArgumentNullException(nameof(recipe));
            _client = connected ?? throw new ArgumentNullException(nameof(connected));
            Policy = (policy ?? recipe.Options.Reconnect ?? new ImapReconnectPolicy()).Clone();
            Policy.Validate();
        }

        /// <summary>Connects by <paramref name="recipe"/> (the first connect is a single attempt: a wrong host fails at once).</summary>
        public static async Task<ImapReconnectingClient> ConnectAsync(ImapConnectionRecipe recipe, ImapReconnectPolicy? policy = null, CancellationToken cancellationToken = default)
        {
            if (recipe == null) throw new ArgumentNullException(nameof(recipe));
            var client = await recipe.ConnectAsync(cancellationToken).ConfigureAwait(false);
            return new ImapReconnectingClient(recipe, client, policy);
        }

        /// <summary>The recipe each connection is made by.</summary>
        public ImapConnectionRecipe Recipe { get; }

        /// <summary>The reconnect policy (a copy: changing it after construction changes nothing).</summary>
        public ImapReconnectPolicy Policy { get; }

        /// <summary>The current connection. It changes after a reconnect: take it anew for each operation (better: use <see cref="RunAsync{T}"/>).</summary>
        public Imap4Client Client => _client;

        /// <summary>How many times the connection was re-established.</summary>
        public int ReconnectCount => Volatile.Read(ref _reconnectCount);

        /// <summary>When the last reconnect completed, or null.</summary>
        public DateTimeOffset? LastReconnectAt { get; private set; }

        /// <summary>How long the last outage lasted (loss noticed to connected again), or null.</summary>
        public TimeSpan? LastOutage { get; private set; }

        /// <summary>The mailbox that is re-selected after a reconnect, or null.</summary>
        public string? TrackedMailbox { get { lock (_lock) return _mailbox; } }

        /// <summary>The UIDVALIDITY the tracked mailbox must still have after a reconnect.</summary>
        public uint TrackedUidValidity { get { lock (_lock) return _uidValidity; } }

        /// <summary>Raised (on the reconnecting thread: keep handlers short) when a loss starts a reconnect.</summary>
        public event EventHandler<ImapConnectionLostEventArgs>? ConnectionLost;

        /// <summary>Raised (on the reconnecting thread) after each failed attempt.</summary>
        public event EventHandler<ImapReconnectAttemptFailedEventArgs>? ReconnectAttemptFailed;

        /// <summary>Raised (on the reconnecting thread) when the connection is back.</summary>
        public event EventHandler<ImapReconnectedEventArgs>? Reconnected;

        /// <summary>
        /// Runs <paramref name="operation"/> on the current connection. When the connection is lost
        /// meanwhile, it reconnects; a <see cref="ImapOperationSafety.Read"/> or
        /// <see cref="ImapOperationSafety.Idempotent"/> operation then runs again on the new connection
        /// (at most <see cref="ImapReconnectPolicy.MaxOperationRetries"/> times), any other fails with
        /// <see cref="ImapOutcomeUnknownException"/> (the connection is usable again).
        /// </summary>
        /// <param name="safety">Whether the operation may be repeated.</param>
        /// <param name="description">What the operation does, for errors ("UID STORE +FLAGS in 'INBOX'").</param>
        /// <param name="operation">The work, given the connection to use; it must use no other.</param>
        /// <param name="cancellationToken">Stops waiting (and reconnecting).</param>
        /// <exception cref="ImapUidValidityChangedException">A reconnect found the selected mailbox's UIDVALIDITY changed.</exception>
        /// <exception cref="ImapReconnectFailedException">The connection could not be re-established.</exception>
        public Task<T> RunAsync<T>(ImapOperationSafety safety, string description, Func<Imap4Client, Task<T>> operation, CancellationToken cancellationToken = default)
            => RunCoreAsync(safety, description, operation, checkStale: true, cancellationToken);

        private async Task<T> RunCoreAsync<T>(ImapOperationSafety safety, string description, Func<Imap4Client, Task<T>> operation, bool checkStale, CancellationToken cancellationToken)
        {
            if (operation == null) throw new ArgumentNullException(nameof(operation));
            int retries = 0;
            while (true)
            {
                var client = await EnsureConnectedAsync(cancellationToken).ConfigureAwait(false);
                if (checkStale) ThrowIfStale();
                try
                {
                    return await operation(client).ConfigureAwait(false);
                }
                catch (ImapAbortException ex) when (IsLoss(client, ex))
                {
                    await ReconnectAsync(client, ex, cancellationToken).ConfigureAwait(false);
                    if (safety == ImapOperationSafety.NotIdempotent)
                        throw new ImapOutcomeUnknownException(description, "it was sent, but its answer did not arrive.", true, ex);
                    if (++retries > Policy.MaxOperationRetries) throw;
                }
            }
        }

        /// <summary>SELECT (or EXAMINE) <paramref name="mailbox"/> and track it: after a reconnect it is selected again and its UIDVALIDITY must be the one seen now. Clears a stale state.</summary>
        public async Task<ImapResponse> SelectAsync(string mailbox, bool readOnly = false, CancellationToken cancellationToken = default)
        {
            var response = await RunCoreAsync(ImapOperationSafety.Read, "SELECT '" + mailbox + "'", async c =>
            {
                var r = await c.SelectAsync(mailbox, readOnly).ConfigureAwait(false);
                lock (_lock)
                {
                    if (r.IsOk)
                    {
                        _mailbox = mailbox;
                        _readOnly = c.IsReadOnly;
                        _uidValidity = c.UidValidity;
                    }
                    else _mailbox = null;
                    _stale = null;
                }
                return r;
            }, checkStale: false, cancellationToken).ConfigureAwait(false);
            return response;
        }

        /// <summary>Stops tracking a mailbox (after CLOSE or UNSELECT by other means).</summary>
        public void ForgetMailbox()
        {
            lock (_lock)
            {
                _mailbox = null;
                _stale = null;
            }
        }

        /// <summary>The current connection; when it is lost (and this client not disposed), a new one by the policy.</summary>
        public Task<Imap4Client> EnsureConnectedAsync(CancellationToken cancellationToken = default)
        {
            if (_disposed) throw new ObjectDisposedException(nameof(ImapReconnectingClient));
            var client = _client;
            if (client.AbortError == null && client.State != ImapState.LOGOUT) return Task.FromResult(client);
            return ReconnectAsync(client, client.AbortError ?? new ImapAbortException("The connection was closed."), cancellationToken);
        }

        private void ThrowIfStale()
        {
            Exception? stale;
            lock (_lock) stale = _stale;
            if (stale is ImapUidValidityChangedException uv) throw new ImapUidValidityChangedException(uv.Mailbox, uv.Expected, uv.Actual);
            if (stale is ImapMailboxException mb) throw new ImapException(mb.Message + " (after reconnecting; select a mailbox again to go on)", mb);
        }

        private static bool IsLoss(Imap4Client client, ImapAbortException ex)
            => !(ex is ImapReconnectFailedException) && client.AbortError != null;

        /// <summary>
        /// Replaces <paramref name="failed"/> (a lost connection) with a new one by the policy, selects the
        /// tracked mailbox again and checks its UIDVALIDITY. When another caller already did, returns
        /// its connection.
        /// </summary>
        /// <exception cref="ImapReconnectFailedException">No attempt succeeded within the policy, or a failure retrying cannot cure.</exception>
        /// <exception cref="ImapUidValidityChangedException">Connected again, but the tracked mailbox's UIDVALIDITY changed.</exception>
        public async Task<Imap4Client> ReconnectAsync(Imap4Client failed, Exception cause, CancellationToken cancellationToken = default)
        {
            await _reconnectGate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (_disposed) throw new ObjectDisposedException(nameof(ImapReconnectingClient));
                var current = _client;
                if (!ReferenceEquals(current, failed) && current.AbortError == null && current.State != ImapState.LOGOUT) return current;
                RememberSelection(current);
                ConnectionLost?.Invoke(this, new ImapConnectionLostEventArgs(cause));
                var clock = Stopwatch.StartNew();
                Exception last = cause;
                for (int attempt = 1; ; attempt++)
                {
                    var delay = Policy.DelayBefore(attempt, _random);
                    if (attempt > Policy.MaxAttempts || attempt > 1 && clock.Elapsed + delay > Policy.GiveUpAfter)
                        throw new ImapReconnectFailedException("The connection to " + Recipe + " was lost (" + cause.Message.TrimEnd('.') + ") and could not be re-established: " +
                            (attempt - 1) + " attempts in " + clock.Elapsed.TotalSeconds.ToString("0.#", System.Globalization.CultureInfo.InvariantCulture) + " s; the last failed with: " + last.Message,
                            attempt - 1, clock.Elapsed, last);
                    if (delay > TimeSpan.Zero) await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                    Imap4Client? fresh = null;
                    try
                    {
                        fresh = await Recipe.ConnectAsync(cancellationToken).ConfigureAwait(false);
                        await ReselectAsync(fresh).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (IsTransient(ex) && !cancellationToken.IsCancellationRequested)
                    {
                        fresh?.Dispose();
                        last = ex;
                        TimeSpan? next = attempt < Policy.MaxAttempts ? Policy.DelayBefore(attempt + 1, _random) : (TimeSpan?)null;
                        ReconnectAttemptFailed?.Invoke(this, new ImapReconnectAttemptFailedEventArgs(attempt, ex, next));
                        continue;
                    }
                    catch (Exception ex) when (!(ex is OperationCanceledException) && !(ex is ImapUidValidityChangedException) && !(ex is ImapMailboxException))
                    {
                        fresh?.Dispose();
                        throw new ImapReconnectFailedException("The connection to " + Recipe + " was lost and reconnecting failed in a way retrying cannot cure: " + ex.Message, attempt, clock.Elapsed, ex);
                    }
                    catch (Exception ex) when (ex is ImapUidValidityChangedException || ex is ImapMailboxException)
                    {
                        // Connected, but the mailbox cannot be used as before: the connection is kept, the work stops.
                        Publish(fresh!, attempt, clock.Elapsed, cause);
                        lock (_lock) _stale = ex;
                        throw;
                    }
                    Publish(fresh, attempt, clock.Elapsed, cause);
                    return fresh;
                }
            }
            finally
            {
                _reconnectGate.Release();
            }
        }

        private void Publish(Imap4Client fresh, int attempts, TimeSpan outage, Exception cause)
        {
            var old = _client;
            _client = fresh;
            int count = Interlocked.Increment(ref _reconnectCount);
            LastReconnectAt = DateTimeOffset.Now;
            LastOutage = outage;
            old.Dispose();
            string? mailbox;
            lock (_lock) mailbox = _mailbox;
            Reconnected?.Invoke(this, new ImapReconnectedEventArgs(count, attempts, outage, cause, mailbox));
        }

        private void RememberSelection(Imap4Client lost)
        {
            string? modSeqExtension = lost.IsEnabled("QRESYNC") ? "QRESYNC" : lost.IsEnabled("CONDSTORE") ? "CONDSTORE" : null;
            lock (_lock)
            {
                // Once on, kept on: a connection lost before it enabled anything gets it back too.
                if (modSeqExtension != null) _modSeqExtension = modSeqExtension;
                if (_stale != null) return;
                // A client keeps SelectedMailbox and UIDVALIDITY after it is aborted; 0 means a SELECT was on its way (then keep what was tracked).
                if (lost.SelectedMailbox == null) _mailbox = null;
                else if (lost.UidValidity != 0)
                {
                    _mailbox = lost.SelectedMailbox;
                    _readOnly = lost.IsReadOnly;
                    _uidValidity = lost.UidValidity;
                }
            }
        }

        private async Task ReselectAsync(Imap4Client fresh)
        {
            string? mailbox;
            bool readOnly;
            uint expected;
            string? modSeqExtension;
            lock (_lock)
            {
                mailbox = _mailbox;
                readOnly = _readOnly;
                expected = _uidValidity;
                modSeqExtension = _modSeqExtension;
            }
            // Before the SELECT, in the authenticated state where RFC 5161 allows ENABLE: the SELECT then
            // reports HIGHESTMODSEQ, and a catch-up (ImapMailboxSyncState) finds QRESYNC already on
            // instead of enabling it in the selected state, which a strict server refuses. A server that
            // no longer offers it, or refuses it, leaves it off: the catch-up then falls back by itself.
            if (modSeqExtension != null && fresh.HasCapability("ENABLE") && fresh.HasCapability(modSeqExtension))
                await fresh.EnableAsync(modSeqExtension).ConfigureAwait(false);
            if (mailbox == null) return;
            var response = await fresh.SelectAsync(mailbox, readOnly).ConfigureAwait(false);
            if (!response.IsOk) throw new ImapMailboxException(mailbox, response);
            if (expected != 0 && fresh.UidValidity != expected)
            {
                // Leave the mailbox at once, so no command can reach it by mistake (UNSELECT does not expunge; CLOSE would).
                if (fresh.HasCapability("UNSELECT"))
                {
                    try { await fresh.UnselectAsync().ConfigureAwait(false); }
                    catch (ImapException e) when (!(e is ImapAbortException)) { }
                }
                throw new ImapUidValidityChangedException(mailbox, expected, fresh.UidValidity);
            }
        }

        private static bool IsTransient(Exception ex)
        {
            if (ex is ImapSecurityException || ex.InnerException is ImapSecurityException) return false;
            if (ex is ImapAbortException || ex is IOException || ex is SocketException || ex is TimeoutException) return true;
            // A server starting up or failing over may refuse logins for a moment (RFC 5530).
            if (ex is ImapCommandException cmd) return cmd.ResponseCode == "UNAVAILABLE" || cmd.ResponseCode == "SERVERBUG";
            return false;
        }

        /// <summary>
        /// APPEND that survives a loss without duplicating the message. Before sending, it notes the
        /// target's UIDNEXT; when the connection is lost before the answer, it reconnects and looks
        /// for the message's Message-ID among the UIDs from that UIDNEXT on (on a connection of its
        /// own, so the selected mailbox stays as it is). Found: done, not sent again. Not found: it
        /// is sent again. A message without a Message-ID, or a target whose UIDVALIDITY changed,
        /// cannot be looked for: <see cref="ImapOutcomeUnknownException"/>.
        /// </summary>
        /// <exception cref="ImapCommandException">The server refused the APPEND.</exception>
        /// <exception cref="ImapOutcomeUnknownException">The connection was lost and whether the message arrived cannot be told.</exception>
        public async Task<ImapAppendResult> AppendAsync(string mailbox, string? flags, DateTimeOffset? internalDate, byte[] message, CancellationToken cancellationToken = default)
        {
            if (message == null) throw new ArgumentNullException(nameof(message));
            InvalidMailboxNameException.ThrowIfInvalid(mailbox);
            string what = "APPEND to '" + mailbox + "'";
            string? messageId = MessageIdOf(message);
            int losses = 0;
            while (true)
            {
                // The baseline: anything with this Message-ID at or above UIDNEXT arrived through this APPEND.
                uint? uidNext = null, uidValidity = null;
                if (messageId != null)
                {
                    var status = await RunCoreAsync(ImapOperationSafety.Read, "STATUS '" + mailbox + "'", c => c.StatusAsync(mailbox, "(UIDNEXT UIDVALIDITY)"), checkStale: false, cancellationToken).ConfigureAwait(false);
                    if (!status.IsOk) throw new ImapCommandException("STATUS", status);
                    foreach (var u in status.Untagged)
                        if (u.Name == "STATUS")
                        {
                            var data = StatusData.Parse(u);
                            uidNext = data.UidNext;
                            uidValidity = data.UidValidity;
                        }
                }
                var client = await EnsureConnectedAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    var response = await client.AppendAsync(mailbox, flags, internalDate, message).ConfigureAwait(false);
                    if (!response.IsOk) throw new ImapCommandException("APPEND", response);
                    uint? newUid = null, newValidity = null;
                    if (response.Tagged != null && ResponseCodes.TryGetAppendUid(response.Tagged, out var v, out var uids) && uids.Count == 1)
                    {
                        newValidity = v;
                        newUid = uids[0];
                    }
                    return new ImapAppendResult(response, newValidity, newUid, false, losses);
                }
                catch (ImapAbortException ex) when (IsLoss(client, ex))
                {
                    losses++;
                    await ReconnectAsync(client, ex, cancellationToken).ConfigureAwait(false);
                    if (messageId == null || uidNext == null || uidValidity == null)
                        throw new ImapOutcomeUnknownException(what, messageId == null ? "the message has no Message-ID to look for." : "the server did not tell the mailbox's UIDNEXT.", true, ex);
                    var found = await FindAsync(mailbox, messageId, uidNext.Value, uidValidity.Value, cancellationToken).ConfigureAwait(false);
                    if (found is uint uid) return new ImapAppendResult(null, uidValidity, uid, true, losses);
                    if (losses > Policy.MaxOperationRetries) throw new ImapOutcomeUnknownException(what, "the connection was lost " + losses + " times; the message is not in the mailbox.", true, ex);
                    // Not there: the APPEND never happened, so sending it again cannot duplicate it.
                }
            }
        }

        /// <summary>The UID of the message with <paramref name="messageId"/> at or above <paramref name="uidNext"/>, on a connection of its own; null when there is none.</summary>
        private Task<uint?> FindAsync(string mailbox, string messageId, uint uidNext, uint uidValidity, CancellationToken cancellationToken)
            => OnProbeAsync("APPEND to '" + mailbox + "'", mailbox, uidValidity, async probe =>
            {
                var search = await probe.SearchAsync(true, null, new[]
                {
                    ImapArgument.Atom("UID"), ImapArgument.FromSequenceSet(uidNext.ToString(System.Globalization.CultureInfo.InvariantCulture) + ":*"),
                    ImapArgument.Atom("HEADER"), ImapArgument.AString("Message-ID"), ImapArgument.AString(messageId),
                }).ConfigureAwait(false);
                if (!search.IsOk) throw new ImapCommandException("UID SEARCH", search);
                foreach (var u in search.Untagged)
                {
                    if (u.Name != "SEARCH" && u.Name != "ESEARCH") continue;
                    // UID n:* also names the last message when every UID is below n: keep only UIDs from n on.
                    foreach (var found in SearchResult.Parse(u).Numbers)
                        if (found >= uidNext) return (uint?)found;
                }
                return null;
            }, cancellationToken);

        /// <summary>
        /// Runs <paramref name="query"/> on a connection of its own (the recipe's), with
        /// <paramref name="mailbox"/> examined, so the session's selected mailbox stays as it is: how
        /// a cut APPEND, COPY or MOVE (<paramref name="what"/>) finds out what the server did. A
        /// UIDVALIDITY other than <paramref name="uidValidity"/> makes the outcome unknown. The
        /// connection is logged out afterwards, whatever happened.
        /// </summary>
        private async Task<T> OnProbeAsync<T>(string what, string mailbox, uint uidValidity, Func<Imap4Client, Task<T>> query, CancellationToken cancellationToken)
        {
            var probe = await Recipe.ConnectAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var examine = await probe.SelectAsync(mailbox, readOnly: true).ConfigureAwait(false);
                if (!examine.IsOk) throw new ImapMailboxException(mailbox, examine);
                if (probe.UidValidity != uidValidity)
                    throw new ImapOutcomeUnknownException(what, "the UIDVALIDITY of '" + mailbox + "' changed from " + uidValidity + " to " + probe.UidValidity + ".", true, null);
                return await query(probe).ConfigureAwait(false);
            }
            finally
            {
                try { await probe.LogoutAsync().ConfigureAwait(false); }
                catch (ImapException) { }
                probe.Dispose();
            }
        }

        /// <summary>The Message-ID header's value (unfolded, trimmed), or null when the header has none.</summary>
        internal static string? MessageIdOf(byte[] message)
        {
            int lineStart = 0;
            string? value = null;
            bool inMessageId = false;
            while (lineStart < message.Length)
            {
                int end = Array.IndexOf(message, (byte)'\n', lineStart);
                if (end < 0) end = message.Length;
                int contentEnd = end > lineStart && message[end - 1] == '\r' ? end - 1 : end;
                if (contentEnd == lineStart) break; // the empty line ends the header
                byte first = message[lineStart];
                if (first == ' ' || first == '\t')
                {
                    if (inMessageId) value += Encoding.ASCII.GetString(message, lineStart, contentEnd - lineStart);
                }
                else
                {
                    if (inMessageId) break;
                    const string Name = "message-id:";
                    if (contentEnd - lineStart >= Name.Length && Encoding.ASCII.GetString(message, lineStart, Name.Length).ToLowerInvariant() == Name)
                    {
                        inMessageId = true;
                        value = Encoding.ASCII.GetString(message, lineStart + Name.Length, contentEnd - lineStart - Name.Length);
                    }
                }
                lineStart = end + 1;
            }
            value = value?.Trim();
            return string.IsNullOrEmpty(value) || value!.IndexOfAny(new[] { '\r', '\n', '\0' }) >= 0 ? null : value;
        }

        /// <summary>Stops reconnecting and closes the connection (LOGOUT when it is alive).</summary>
        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            _client.Dispose();
        }
    }
}
