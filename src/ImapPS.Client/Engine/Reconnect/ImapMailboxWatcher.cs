using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ImapPS.Client.Protocol;

namespace ImapPS.Client
{
    /// <summary>A message that arrived in a watched mailbox.</summary>
    public sealed class ImapArrival
    {
        internal ImapArrival(string mailbox, uint uidValidity, uint uid, IReadOnlyList<string>? flags, bool isCatchUp)
        {
            Mailbox = mailbox;
            UidValidity = uidValidity;
            Uid = uid;
            Flags = flags;
            IsCatchUp = isCatchUp;
        }

        /// <summary>The mailbox.</summary>
        public string Mailbox { get; }

        /// <summary>The mailbox's UIDVALIDITY.</summary>
        public uint UidValidity { get; }

        /// <summary>The message's UID.</summary>
        public uint Uid { get; }

        /// <summary>Its flags when it was reported.</summary>
        public IReadOnlyList<string>? Flags { get; }

        /// <summary>True when it was found by the catch-up after a reconnect (it arrived while the connection was down, or just after).</summary>
        public bool IsCatchUp { get; }

        /// <inheritdoc />
        public override string ToString() => "UID " + Uid + " in " + Mailbox + (IsCatchUp ? " (catch-up)" : "");
    }

    /// <summary>How a catch-up after a reconnect finds what changed while the connection was down.</summary>
    public enum ImapResyncMethod
    {
        /// <summary>New messages only, by UIDNEXT (every UID above the last reported); flag changes and expunges are not caught up.</summary>
        UidNext,
        /// <summary>CONDSTORE (RFC 7162): new messages by UID, flag changes by FETCH CHANGEDSINCE; expunges are not caught up.</summary>
        CondStore,
        /// <summary>QRESYNC (RFC 7162): SELECT with the last seen HIGHESTMODSEQ reports expunges (VANISHED (EARLIER)) and flag changes; new messages by UID.</summary>
        QResync,
    }

    /// <summary>What kind of change a watcher reports.</summary>
    public enum ImapMailboxChangeKind
    {
        /// <summary>A message arrived.</summary>
        NewMessage,
        /// <summary>A message's flags changed.</summary>
        FlagsChanged,
        /// <summary>A message was expunged (known by UID).</summary>
        Expunged,
    }

    /// <summary>A change in a watched mailbox, by UID.</summary>
    public sealed class ImapMailboxChange
    {
        internal ImapMailboxChange(ImapMailboxChangeKind kind, string mailbox, uint uidValidity, uint uid, uint sequenceNumber, IReadOnlyList<string>? flags, ulong? modSeq, bool isCatchUp)
        {
            Kind = kind;
            Mailbox = mailbox;
            UidValidity = uidValidity;
            Uid = uid;
            SequenceNumber = sequenceNumber;
            Flags = flags;
            ModSeq = modSeq;
            IsCatchUp = isCatchUp;
        }

        /// <summary>What happened.</summary>
        public ImapMailboxChangeKind Kind { get; }

        /// <summary>The mailbox.</summary>
        public string Mailbox { get; }

        /// <summary>The mailbox's UIDVALIDITY.</summary>
        public uint UidValidity { get; }

        /// <summary>The message's UID.</summary>
        public uint Uid { get; }

        /// <summary>Its sequence number when reported (0 for an expunge).</summary>
        public uint SequenceNumber { get; }

        /// <summary>Its flags (new messages and flag changes), else null.</summary>
        public IReadOnlyList<string>? Flags { get; }

        /// <summary>Its mod-sequence when the server told it (CONDSTORE/QRESYNC), else null.</summary>
        public ulong? ModSeq { get; }

        /// <summary>True when it was found by the catch-up after a reconnect (it happened while the connection was down, or just after).</summary>
        public bool IsCatchUp { get; }

        /// <inheritdoc />
        public override string ToString() => Kind + " UID " + Uid + " in " + Mailbox + (Flags != null ? " (" + string.Join(" ", Flags) + ")" : "") + (IsCatchUp ? " (catch-up)" : "");
    }

    /// <summary>
    /// What a watcher knows about its mailbox so that a catch-up after a reconnect reports each
    /// change exactly once: the UIDVALIDITY, the highest UID reported, the HIGHESTMODSEQ everything
    /// is known up to (the checkpoint), and what was reported live since that checkpoint (so the
    /// catch-up does not report it again). One implementation for <see cref="ImapMailboxWatcher"/> and
    /// the cmdlets' <c>Invoke-ImapIdle -Reconnect</c>. Not thread-safe: one watcher uses it.
    /// </summary>
    public sealed class ImapMailboxSyncState
    {
        // Reported since the checkpoint: UID -> the highest MODSEQ reported for it (0: unknown), and the UIDs reported as expunged.
        private readonly Dictionary<uint, ulong> _reported = new Dictionary<uint, ulong>();
        private readonly HashSet<uint> _expunged = new HashSet<uint>();

        /// <summary>A state for <paramref name="mailbox"/> with <paramref name="uidValidity"/>, where everything up to UID <paramref name="lastUid"/> and mod-sequence <paramref name="modSeq"/> (0: none) is known.</summary>
        public ImapMailboxSyncState(string mailbox, uint uidValidity, uint lastUid, ulong modSeq)
        {
            Mailbox = mailbox ?? throw new ArgumentNullException(nameof(mailbox));
            UidValidity = uidValidity;
            LastUid = lastUid;
            ModSeq = modSeq;
        }

        /// <summary>The mailbox.</summary>
        public string Mailbox { get; }

        /// <summary>Its UIDVALIDITY.</summary>
        public uint UidValidity { get; }

        /// <summary>The highest UID reported (or known at the start).</summary>
        public uint LastUid { get; private set; }

        /// <summary>The checkpoint: every change up to this mod-sequence is known (0: none, no catch-up of flags and expunges).</summary>
        public ulong ModSeq { get; private set; }

        /// <summary>How the last catch-up worked (before any: <see cref="ImapResyncMethod.UidNext"/>).</summary>
        public ImapResyncMethod LastMethod { get; private set; }

        /// <summary>
        /// How many live reports are remembered since the checkpoint before the checkpoint moves to
        /// the highest mod-sequence reported instead (bounded memory for a watcher that runs for
        /// weeks without a reconnect). Default 100,000.
        /// </summary>
        public int MaxRemembered { get; set; } = 100_000;

        /// <summary>A new message was reported (live).</summary>
        public void NoteNewMessage(uint uid, ulong? modSeq)
        {
            if (uid > LastUid) LastUid = uid;
            Remember(uid, modSeq);
        }

        /// <summary>A flag change was reported (live).</summary>
        public void NoteFlagsChanged(uint uid, ulong? modSeq) => Remember(uid, modSeq);

        /// <summary>An expunge was reported (live, by UID).</summary>
        public void NoteExpunged(uint uid)
        {
            _expunged.Add(uid);
            _reported.Remove(uid);
            Bound(null);
        }

        private void Remember(uint uid, ulong? modSeq)
        {
            ulong m = modSeq ?? 0;
            if (!_reported.TryGetValue(uid, out var known) || m > known) _reported[uid] = m;
            Bound(modSeq);
        }

        private ulong _highestReported;

        private void Bound(ulong? modSeq)
        {
            if (modSeq is ulong m && m > _highestReported) _highestReported = m;
            if (_reported.Count + _expunged.Count <= MaxRemembered || ModSeq == 0) return;
            if (_highestReported > ModSeq) ModSeq = _highestReported;
            _reported.Clear();
            _expunged.Clear();
        }

        /// <summary>The best method <paramref name="client"/>'s server allows (QRESYNC, else CONDSTORE, with ENABLE; else UIDNEXT).</summary>
        public static ImapResyncMethod MethodFor(Imap4Client client)
        {
            if (client == null) throw new ArgumentNullException(nameof(client));
            if (!client.HasCapability("ENABLE")) return ImapResyncMethod.UidNext;
            if (client.HasCapability("QRESYNC")) return ImapResyncMethod.QResync;
            if (client.HasCapability("CONDSTORE")) return ImapResyncMethod.CondStore;
            return ImapResyncMethod.UidNext;
        }

        /// <summary>
        /// ENABLEs QRESYNC (or CONDSTORE) on <paramref name="client"/> when its server offers it and it
        /// is not on yet; best before the mailbox is selected, so that SELECT reports HIGHESTMODSEQ.
        /// Returns the method the connection can catch up with.
        /// </summary>
        public static async Task<ImapResyncMethod> EnableAsync(Imap4Client client)
        {
            var method = MethodFor(client);
            if (method == ImapResyncMethod.UidNext) return method;
            string extension = method == ImapResyncMethod.QResync ? "QRESYNC" : "CONDSTORE";
            if (await TryEnableAsync(client, extension).ConfigureAwait(false)) return method;
            return method == ImapResyncMethod.QResync && client.HasCapability("CONDSTORE") && await TryEnableAsync(client, "CONDSTORE").ConfigureAwait(false)
                ? ImapResyncMethod.CondStore : ImapResyncMethod.UidNext;
        }

        /// <summary>
        /// ENABLE of one extension; false when the server refuses it. A BAD counts as a refusal, not a
        /// failure of the watch: RFC 5161 allows ENABLE only before a mailbox is selected, and a watch
        /// that starts on a session with a mailbox selected still works by UIDNEXT.
        /// </summary>
        private static async Task<bool> TryEnableAsync(Imap4Client client, string extension)
        {
            if (client.IsEnabled(extension)) return true;
            try
            {
                var r = await client.EnableAsync(extension).ConfigureAwait(false);
                return r.IsOk && client.IsEnabled(extension);
            }
            catch (ImapCommandException)
            {
                return false;
            }
        }

        /// <summary>
        /// After a reconnect, on the new connection (the mailbox already selected again, with the same
        /// UIDVALIDITY): finds what changed since this state's checkpoint and returns it, each change
        /// once, marked <see cref="ImapMailboxChange.IsCatchUp"/>: with QRESYNC, the expunges
        /// (VANISHED (EARLIER), by UID, only UIDs up to <see cref="LastUid"/>) and the flag changes of
        /// messages known before (the mailbox is selected again with the QRESYNC parameter); with
        /// CONDSTORE, the flag changes (FETCH CHANGEDSINCE), no expunges; then, by every method,
        /// the new messages above <see cref="LastUid"/> in UID order. The state moves on to the
        /// mailbox's HIGHESTMODSEQ and the highest UID. Expunges are expanded lazily as the changes are enumerated.
        /// </summary>
        /// <exception cref="ImapUidValidityChangedException">The mailbox's UIDVALIDITY is not this state's.</exception>
        /// <exception cref="ImapCommandException">The server refused a command.</exception>
        public async Task<IReadOnlyList<ImapMailboxChange>> CatchUpAsync(Imap4Client client, bool readOnly)
        {
            if (client == null) throw new ArgumentNullException(nameof(client));
            var method = await EnableAsync(client).ConfigureAwait(false);
            if (ModSeq == 0) method = ImapResyncMethod.UidNext;
            var expunged = new List<UidRange>();
            var changed = new List<FetchData>();
            if (method == ImapResyncMethod.QResync)
            {
                var known = LastUid > 0 ? new[] { new UidRange(1, LastUid) } : null;
                var r = await client.SelectAsync(Mailbox, readOnly, new QResyncParameters(UidValidity, ModSeq, known)).ConfigureAwait(false);
                if (r.UidValidity != UidValidity) throw new ImapUidValidityChangedException(Mailbox, UidValidity, r.UidValidity);
                expunged = Clip(r.Vanished, LastUid);
                changed.AddRange(r.Changed);
            }
            else
            {
                if (client.UidValidity != UidValidity) throw new ImapUidValidityChangedException(Mailbox, UidValidity, client.UidValidity);
                if (method == ImapResyncMethod.CondStore)
                {
                    // SELECT reports HIGHESTMODSEQ only once CONDSTORE is on: select again when it was enabled after.
                    if (client.HighestModSeq == 0)
                    {
                        var again = await client.SelectAsync(Mailbox, readOnly).ConfigureAwait(false);
                        if (!again.IsOk) throw new ImapMailboxException(Mailbox, again);
                        if (client.UidValidity != UidValidity) throw new ImapUidValidityChangedException(Mailbox, UidValidity, client.UidValidity);
                    }
                    if (LastUid > 0)
                    {
                        var f = await client.FetchAsync("1:" + LastUid.ToString(CultureInfo.InvariantCulture), "(UID FLAGS)", ModSeq, uid: true).ConfigureAwait(false);
                        if (!f.IsOk) throw new ImapCommandException("UID FETCH (CHANGEDSINCE)", f);
                        foreach (var u in f.Untagged) if (u.Name == "FETCH") changed.Add(FetchData.Parse(u));
                    }
                }
            }
            // New messages, as without CONDSTORE: every UID above the last reported.
            var freshResponses = new List<ServerResponse>();
            var n = await client.FetchEachAsync((LastUid + 1).ToString(CultureInfo.InvariantCulture) + ":*", "(UID FLAGS)", true,
                resp => { lock (freshResponses) freshResponses.Add(resp); }).ConfigureAwait(false);
            if (!n.IsOk) throw new ImapCommandException("UID FETCH", n);
            List<FetchData> fresh;
            lock (freshResponses) fresh = freshResponses.Select(FetchData.Parse).ToList();

            uint lastUid = LastUid;
            var expungedBefore = new HashSet<uint>(_expunged);
            var reported = new Dictionary<uint, ulong>(_reported);
            var flagChanges = changed
                .Where(d => d.Uid is uint u && u <= lastUid && !expungedBefore.Contains(u) && !InRanges(expunged, u)
                    // reported live already at this mod-sequence or later
                    && !(reported.TryGetValue(u, out var m) && d.ModSeq is ulong dm && dm <= m))
                .GroupBy(d => d.Uid!.Value).Select(g => g.OrderByDescending(d => d.ModSeq ?? 0).First()).OrderBy(d => d.Uid!.Value).ToList();
            var arrivals = fresh.Where(d => d.Uid is uint u && u > lastUid)
                .GroupBy(d => d.Uid!.Value).Select(g => g.First()).OrderBy(d => d.Uid!.Value).ToList();

            // The checkpoint moves on: everything up to the mailbox's HIGHESTMODSEQ is now known.
            LastMethod = method;
            if (client.HighestModSeq > ModSeq && method != ImapResyncMethod.UidNext) ModSeq = client.HighestModSeq;
            else if (ModSeq == 0 && client.HighestModSeq > 0) ModSeq = client.HighestModSeq;
            _reported.Clear();
            _expunged.Clear();
            _highestReported = 0;
            if (arrivals.Count > 0) LastUid = arrivals[arrivals.Count - 1].Uid!.Value;
            return new CatchUpChanges(this, expunged, expungedBefore, flagChanges, arrivals);
        }

        private static bool InRanges(List<UidRange> ranges, uint uid)
        {
            // Ranges are sorted and disjoint (Clip): binary search.
            int lo = 0, hi = ranges.Count - 1;
            while (lo <= hi)
            {
                int mid = (lo + hi) >> 1;
                if (uid < ranges[mid].Low) hi = mid - 1;
                else if (uid > ranges[mid].High) lo = mid + 1;
                else return true;
            }
            return false;
        }

        /// <summary>
        /// UID ranges (a VANISHED set) cut to 1..<paramref name="max"/>, sorted and merged: a server may
        /// send them in any order and overlapping, and a hostile <c>1:4294967295</c> must cost no more
        /// than the UIDs a client can have known. Never expands a range.
        /// </summary>
        public static List<UidRange> Clip(IReadOnlyList<UidRange> ranges, uint max)
        {
            var cut = new List<UidRange>();
            foreach (var r in ranges)
                if (r.Low <= max) cut.Add(new UidRange(r.Low, Math.Min(r.High, max)));
            cut.Sort((a, b) => a.Low.CompareTo(b.Low));
            var merged = new List<UidRange>(cut.Count);
            foreach (var r in cut)
            {
                if (merged.Count > 0 && (ulong)r.Low <= (ulong)merged[merged.Count - 1].High + 1)
                {
                    var last = merged[merged.Count - 1];
                    if (r.High > last.High) merged[merged.Count - 1] = new UidRange(last.Low, r.High);
                }
                else merged.Add(r);
            }
            return merged;
        }

        /// <summary>The catch-up's changes: expunges (expanded as enumerated), then flag changes, then new messages, each in UID order.</summary>
        private sealed class CatchUpChanges : IReadOnlyList<ImapMailboxChange>
        {
            private readonly ImapMailboxSyncState _state;
            private readonly List<UidRange> _expunged;
            private readonly HashSet<uint> _alreadyReported;
            private readonly List<FetchData> _flags;
            private readonly List<FetchData> _arrivals;
            private readonly long _expungedCount;

            public CatchUpChanges(ImapMailboxSyncState state, List<UidRange> expunged, HashSet<uint> alreadyReported, List<FetchData> flags, List<FetchData> arrivals)
            {
                _state = state;
                _expunged = expunged;
                _alreadyReported = alreadyReported;
                _flags = flags;
                _arrivals = arrivals;
                long count = 0;
                foreach (var r in expunged) count += r.Count;
                foreach (var uid in alreadyReported) if (InRanges(expunged, uid)) count--;
                _expungedCount = count;
            }

            public int Count => (int)Math.Min(int.MaxValue, _expungedCount + _flags.Count + _arrivals.Count);

            public ImapMailboxChange this[int index] => this.Skip(index).First();

            public IEnumerator<ImapMailboxChange> GetEnumerator()
            {
                foreach (var r in _expunged)
                    for (uint uid = r.Low; ; uid++)
                    {
                        if (!_alreadyReported.Contains(uid))
                            yield return new ImapMailboxChange(ImapMailboxChangeKind.Expunged, _state.Mailbox, _state.UidValidity, uid, 0, null, null, true);
                        if (uid == r.High) break;
                    }
                foreach (var d in _flags)
                    yield return new ImapMailboxChange(ImapMailboxChangeKind.FlagsChanged, _state.Mailbox, _state.UidValidity, d.Uid!.Value, d.SequenceNumber, d.Flags, d.ModSeq, true);
                foreach (var d in _arrivals)
                    yield return new ImapMailboxChange(ImapMailboxChangeKind.NewMessage, _state.Mailbox, _state.UidValidity, d.Uid!.Value, d.SequenceNumber, d.Flags, d.ModSeq, true);
            }

            System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
        }
    }

    /// <summary>
    /// Watches a mailbox with IDLE on an <see cref="ImapReconnectingClient"/> and reports each
    /// change exactly once, by UID. New messages: it remembers the highest UID reported, and after any
    /// wake-up, and after every reconnect, asks for the UIDs above it. After a reconnect it catches
    /// up (<see cref="ImapMailboxSyncState.CatchUpAsync"/>), marked <see cref="ImapMailboxChange.IsCatchUp"/>:
    /// where the server offers QRESYNC also the flag changes and expunges that happened while the
    /// connection was down (the mailbox is selected again with the last HIGHESTMODSEQ seen), where it
    /// offers only CONDSTORE the flag changes (expunges are then not caught up), else new messages only.
    /// Live, <see cref="WatchChangesAsync"/> also reports flag changes (FETCH) and, with QRESYNC,
    /// expunges (VANISHED) that arrive during IDLE.
    /// A changed UIDVALIDITY ends the watch with <see cref="ImapUidValidityChangedException"/>
    /// (UIDs above the remembered one would mean nothing).
    /// </summary>
    public sealed class ImapMailboxWatcher
    {
        private readonly ImapReconnectingClient _client;

        /// <summary>Watches <paramref name="mailbox"/> (opened read-only with EXAMINE) on <paramref name="client"/>.</summary>
        public ImapMailboxWatcher(ImapReconnectingClient client, string mailbox)
        {
            _client = client ?? throw new ArgumentNullException(nameof(client));
            InvalidMailboxNameException.ThrowIfInvalid(mailbox);
            Mailbox = mailbox;
        }

        /// <summary>The mailbox watched.</summary>
        public string Mailbox { get; }

        /// <summary>The highest UID reported so far (before the first report: UIDNEXT − 1 at the start, or <see cref="StartAfterUid"/>).</summary>
        public uint LastSeenUid { get; private set; }

        /// <summary>Report messages above this UID at the start (default: only those that arrive after the start).</summary>
        public uint? StartAfterUid { get; set; }

        /// <summary>How long one IDLE lasts before it is renewed (default: the client's <see cref="ImapClientOptions.IdleRenewal"/>).</summary>
        public TimeSpan? IdleRenewal { get; set; }

        /// <summary>What the watch knows (checkpoint HIGHESTMODSEQ, last UID); null before it started.</summary>
        public ImapMailboxSyncState? State { get; private set; }

        /// <summary>
        /// Watches until <paramref name="cancellationToken"/> is cancelled, calling <paramref name="onArrival"/>
        /// for each new message, in UID order, once. Returns normally on cancellation.
        /// </summary>
        /// <exception cref="ImapUidValidityChangedException">The mailbox's UIDVALIDITY changed across a reconnect.</exception>
        /// <exception cref="ImapReconnectFailedException">The connection could not be re-established.</exception>
        public Task WatchAsync(Action<ImapArrival> onArrival, CancellationToken cancellationToken = default)
        {
            if (onArrival == null) throw new ArgumentNullException(nameof(onArrival));
            return WatchChangesAsync(c =>
            {
                if (c.Kind == ImapMailboxChangeKind.NewMessage) onArrival(new ImapArrival(c.Mailbox, c.UidValidity, c.Uid, c.Flags, c.IsCatchUp));
            }, cancellationToken);
        }

        /// <summary>
        /// Watches until <paramref name="cancellationToken"/> is cancelled, calling <paramref name="onChange"/>
        /// for each change once: new messages in UID order, flag changes, expunges by UID; after a
        /// reconnect the catch-up's expunges, flag changes, then new messages. Returns normally on cancellation.
        /// </summary>
        /// <exception cref="ImapUidValidityChangedException">The mailbox's UIDVALIDITY changed across a reconnect.</exception>
        /// <exception cref="ImapReconnectFailedException">The connection could not be re-established.</exception>
        public async Task WatchChangesAsync(Action<ImapMailboxChange> onChange, CancellationToken cancellationToken = default)
        {
            if (onChange == null) throw new ArgumentNullException(nameof(onChange));
            // QRESYNC (or CONDSTORE) on before the SELECT, so that it reports HIGHESTMODSEQ: the checkpoint of the first catch-up.
            await _client.RunAsync(ImapOperationSafety.Read, "ENABLE", c => ImapMailboxSyncState.EnableAsync(c), cancellationToken).ConfigureAwait(false);
            var selected = await _client.SelectAsync(Mailbox, readOnly: true, cancellationToken).ConfigureAwait(false);
            if (!selected.IsOk) throw new ImapMailboxException(Mailbox, selected);
            uint uidValidity = _client.TrackedUidValidity;
            ulong modSeq = _client.Client.HighestModSeq;
            if (StartAfterUid is uint start) LastSeenUid = start;
            else
            {
                uint next = await _client.RunAsync(ImapOperationSafety.Read, "UIDNEXT of '" + Mailbox + "'", c => c.EnsureUidNextAsync(), cancellationToken).ConfigureAwait(false);
                LastSeenUid = next > 0 ? next - 1 : 0;
            }
            var state = State = new ImapMailboxSyncState(Mailbox, uidValidity, LastSeenUid, modSeq);
            int reconnectsSeen = _client.ReconnectCount;
            try
            {
                while (!cancellationToken.IsCancellationRequested)
                {
                    if (_client.ReconnectCount != reconnectsSeen)
                    {
                        // Repeated as a whole on a newer connection when this one is lost too: the state moves only at the end.
                        var changes = await _client.RunAsync(ImapOperationSafety.Read, "catch-up of '" + Mailbox + "'",
                            c => state.CatchUpAsync(c, readOnly: true), cancellationToken).ConfigureAwait(false);
                        reconnectsSeen = _client.ReconnectCount;
                        foreach (var change in changes) onChange(change);
                        LastSeenUid = state.LastUid;
                        continue;
                    }
                    uint existsBefore = 0;
                    var found = await _client.RunAsync(ImapOperationSafety.Read, "UID FETCH of new messages in '" + Mailbox + "'", async c =>
                    {
                        existsBefore = c.Exists;
                        var collected = new List<ServerResponse>();
                        // With MODSEQ once CONDSTORE is on: the catch-up must not report a new message's arrival again as a flag change.
                        var r = await c.FetchEachAsync((LastSeenUid + 1).ToString(CultureInfo.InvariantCulture) + ":*", c.IsEnabled("CONDSTORE") ? "(UID FLAGS MODSEQ)" : "(UID FLAGS)", true,
                            resp => { lock (collected) collected.Add(resp); }).ConfigureAwait(false);
                        if (!r.IsOk) throw new ImapCommandException("UID FETCH", r);
                        lock (collected) return (Client: c, Data: collected.Select(FetchData.Parse).ToList());
                    }, cancellationToken).ConfigureAwait(false);
                    bool catchUp = _client.ReconnectCount != reconnectsSeen;
                    // UID n:* also names the last message when no UID reaches n: keep only the new ones, each once.
                    foreach (var uid in found.Data.Where(d => d.Uid is uint u && u > LastSeenUid).GroupBy(d => d.Uid!.Value).OrderBy(g => g.Key))
                    {
                        var d = uid.First();
                        onChange(new ImapMailboxChange(ImapMailboxChangeKind.NewMessage, Mailbox, uidValidity, uid.Key, d.SequenceNumber, d.Flags, d.ModSeq, catchUp));
                        state.NoteNewMessage(uid.Key, d.ModSeq);
                        LastSeenUid = uid.Key;
                    }
                    if (catchUp) continue;
                    // A message reported while the FETCH ran may not be in its answer: look again before idling.
                    if (found.Client.Exists != existsBefore) continue;
                    var client = await _client.EnsureConnectedAsync(cancellationToken).ConfigureAwait(false);
                    if (!ReferenceEquals(client, found.Client)) continue;
                    try
                    {
                        var idle = await client.IdleAsync(IdleRenewal, cancellationToken).ConfigureAwait(false);
                        if (!idle.IsOk) throw new ImapCommandException("IDLE", idle);
                        ReportLive(idle, state, uidValidity, onChange);
                    }
                    catch (ImapAbortException ex) when (client.AbortError != null && !(ex is ImapReconnectFailedException))
                    {
                        await _client.ReconnectAsync(client, ex, cancellationToken).ConfigureAwait(false);
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
            }
        }

        /// <summary>Flag changes (FETCH) and, with QRESYNC, expunges (VANISHED) that IDLE brought, of messages already reported.</summary>
        private void ReportLive(ImapResponse idle, ImapMailboxSyncState state, uint uidValidity, Action<ImapMailboxChange> onChange)
        {
            foreach (var r in idle.Untagged)
            {
                if (r.Name == "FETCH")
                {
                    var d = FetchData.Parse(r);
                    // A new message's FETCH: reported by UID as new after this round.
                    if (d.Uid is uint u && u <= LastSeenUid && d.Flags != null)
                    {
                        onChange(new ImapMailboxChange(ImapMailboxChangeKind.FlagsChanged, Mailbox, uidValidity, u, d.SequenceNumber, d.Flags, d.ModSeq, false));
                        state.NoteFlagsChanged(u, d.ModSeq);
                    }
                }
                else if (r.Name == "VANISHED")
                {
                    var v = VanishedData.Parse(r);
                    if (v.Earlier) continue;
                    // Only UIDs that can have been reported: a hostile 1:4294967295 costs at most LastSeenUid events, never a list.
                    foreach (var range in ImapMailboxSyncState.Clip(v.Ranges, LastSeenUid))
                        for (uint uid = range.Low; ; uid++)
                        {
                            onChange(new ImapMailboxChange(ImapMailboxChangeKind.Expunged, Mailbox, uidValidity, uid, 0, null, null, false));
                            state.NoteExpunged(uid);
                            if (uid == range.High) break;
                        }
                }
            }
        }
    }
}
