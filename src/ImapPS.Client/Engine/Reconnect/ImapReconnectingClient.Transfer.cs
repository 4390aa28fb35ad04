using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ImapPS.Client.Protocol;

namespace ImapPS.Client
{
    /// <summary>What <see cref="ImapReconnectingClient.CopyMessagesAsync"/> or <see cref="ImapReconnectingClient.MoveMessagesAsync"/> did.</summary>
    public sealed class ImapTransferResult
    {
        internal ImapTransferResult(ImapResponse? response, uint? uidValidity, IReadOnlyDictionary<uint, uint> uids, bool foundAfterLoss, int connectionsLost)
        {
            Response = response;
            UidValidity = uidValidity;
            Uids = uids;
            FoundAfterLoss = foundAfterLoss;
            ConnectionsLost = connectionsLost;
        }

        /// <summary>The server's answer to the command that completed, or null when the messages were found in the destination after a loss instead.</summary>
        public ImapResponse? Response { get; }

        /// <summary>The destination's UIDVALIDITY, when known (COPYUID, or the check after a loss).</summary>
        public uint? UidValidity { get; }

        /// <summary>Each source UID with its UID in the destination, where known (UIDPLUS's COPYUID, or the check after a loss); empty otherwise.</summary>
        public IReadOnlyDictionary<uint, uint> Uids { get; }

        /// <summary>True when the connection was lost after the command was sent and the messages were then found in the destination (so it was not sent again).</summary>
        public bool FoundAfterLoss { get; }

        /// <summary>How many times the connection was lost during this operation.</summary>
        public int ConnectionsLost { get; }
    }

    public sealed partial class ImapReconnectingClient
    {
        /// <summary>What a copy carries unchanged: the Message-ID (when the message has one), the size and the internal date.</summary>
        private readonly struct MessagePrint
        {
            public MessagePrint(string? messageId, long size, DateTimeOffset? internalDate)
            {
                MessageId = messageId;
                Size = size;
                InternalDate = internalDate;
            }

            public string? MessageId { get; }

            public long Size { get; }

            public DateTimeOffset? InternalDate { get; }

            /// <summary>
            /// Whether <paramref name="copy"/> is a copy of this message: the same Message-ID and size,
            /// or, for a message without a Message-ID, the same size and internal date (RFC 3501 asks a
            /// COPY to keep the date; a server that does not makes such a message unrecognisable, and
            /// then nothing is sent again: see <see cref="ImapReconnectingClient.TransferAsync"/>).
            /// </summary>
            public bool IsCopy(MessagePrint copy)
                => Size == copy.Size && (MessageId != null
                    ? string.Equals(MessageId, copy.MessageId, StringComparison.Ordinal)
                    : copy.MessageId == null && InternalDate.HasValue && InternalDate == copy.InternalDate);
        }

        private static readonly FetchItems PrintItems = new FetchItems(FetchAttributes.Uid | FetchAttributes.Size | FetchAttributes.InternalDate).WithHeaderFields("Message-ID");

        /// <summary>
        /// UID COPY of <paramref name="uids"/> from the selected mailbox to <paramref name="destination"/>
        /// that survives a loss without copying twice. Before sending, it notes the destination's
        /// UIDNEXT and each message's Message-ID, size and internal date; when the connection is lost
        /// before the answer, it reconnects (the source is selected again, its UIDVALIDITY checked) and
        /// looks at what arrived in the destination from that UIDNEXT on (on a connection of its own).
        /// Every message there: done, not sent again. Nothing that could be one of them: the COPY never
        /// happened and is sent again. Anything else (some of them, a message it cannot tell, the
        /// destination's UIDVALIDITY changed): <see cref="ImapOutcomeUnknownException"/>, nothing repeated.
        /// </summary>
        /// <param name="uids">UIDs in the selected mailbox.</param>
        /// <param name="destination">The target mailbox (it must exist).</param>
        /// <param name="cancellationToken">Stops waiting (and reconnecting).</param>
        /// <exception cref="ImapCommandException">The server refused the COPY (TRYCREATE when the destination does not exist).</exception>
        /// <exception cref="ImapOutcomeUnknownException">The connection was lost and whether the messages were copied cannot be told.</exception>
        /// <exception cref="ImapUidValidityChangedException">The reconnect found the source's UIDVALIDITY changed.</exception>
        public Task<ImapTransferResult> CopyMessagesAsync(IEnumerable<uint> uids, string destination, CancellationToken cancellationToken = default)
            => TransferAsync(uids, destination, move: false, cancellationToken);

        /// <summary>
        /// UID MOVE (RFC 6851) of <paramref name="uids"/> to <paramref name="destination"/> that survives
        /// a loss the way <see cref="CopyMessagesAsync"/> does. After a loss, the messages found in the destination
        /// are done; messages found there whose originals are still in the source (a server that copies and
        /// then expunges, cut in between) have their originals removed (\Deleted and UID EXPUNGE of exactly
        /// those, UIDPLUS); when none arrived, the originals still in the source are moved again.
        /// </summary>
        /// <exception cref="ImapCapabilityException">The server does not offer MOVE (nothing is sent).</exception>
        /// <exception cref="ImapCommandException">The server refused the MOVE.</exception>
        /// <exception cref="ImapOutcomeUnknownException">The connection was lost and where the messages are cannot be told.</exception>
        /// <exception cref="ImapUidValidityChangedException">The reconnect found the source's UIDVALIDITY changed.</exception>
        public Task<ImapTransferResult> MoveMessagesAsync(IEnumerable<uint> uids, string destination, CancellationToken cancellationToken = default)
        {
            if (!Client.HasCapability("MOVE")) throw new ImapCapabilityException("MOVE");
            return TransferAsync(uids, destination, move: true, cancellationToken);
        }

        private async Task<ImapTransferResult> TransferAsync(IEnumerable<uint> uids, string destination, bool move, CancellationToken cancellationToken)
        {
            if (uids == null) throw new ArgumentNullException(nameof(uids));
            InvalidMailboxNameException.ThrowIfInvalid(destination, nameof(destination));
            var pending = uids.Distinct().OrderBy(u => u).ToList();
            if (pending.Count == 0) throw new ArgumentException("No UIDs were given.", nameof(uids));
            string source = Client.SelectedMailbox ?? TrackedMailbox ?? throw new InvalidOperationException("No mailbox is selected: select the source mailbox first.");
            string verb = move ? "UID MOVE" : "UID COPY";
            int losses = 0;
            while (true)
            {
                string set = SequenceSet.Build(pending);
                string what = verb + " of UIDs " + set + " from '" + source + "' to '" + destination + "'";
                // The baseline: what is in the destination from UIDNEXT on after a loss arrived meanwhile.
                var prints = await PrintsAsync(set, cancellationToken).ConfigureAwait(false);
                var status = await RunCoreAsync(ImapOperationSafety.Read, "STATUS '" + destination + "'",
                    c => c.StatusAsync(destination, StatusItems.UidNext | StatusItems.UidValidity), checkStale: true, cancellationToken).ConfigureAwait(false);
                uint? uidNext = null, uidValidity = null;
                foreach (var u in status.Untagged)
                    if (u.Name == "STATUS")
                    {
                        var data = StatusData.Parse(u);
                        uidNext = data.UidNext;
                        uidValidity = data.UidValidity;
                    }
                var client = await EnsureConnectedAsync(cancellationToken).ConfigureAwait(false);
                ThrowIfStale();
                try
                {
                    var response = move ? await client.UidMoveAsync(set, destination).ConfigureAwait(false) : await client.UidCopyAsync(set, destination).ConfigureAwait(false);
                    return Completed(response, losses);
                }
                catch (ImapAbortException ex) when (IsLoss(client, ex))
                {
                    losses++;
                    await ReconnectAsync(client, ex, cancellationToken).ConfigureAwait(false);
                    if (uidNext == null || uidValidity == null)
                        throw new ImapOutcomeUnknownException(what, "the server did not tell the destination's UIDNEXT, so what arrived there cannot be told.", true, ex);
                    var arrived = await ArrivedSinceAsync(what, destination, uidNext.Value, uidValidity.Value, cancellationToken).ConfigureAwait(false);
                    var found = Match(prints, arrived);
                    var stillThere = move ? await StillInSourceAsync(set, cancellationToken).ConfigureAwait(false) : pending;
                    if (prints.Count > 0 && found.Count == prints.Count)
                    {
                        if (move && stillThere.Count > 0) await RemoveOriginalsAsync(what, stillThere, ex, cancellationToken).ConfigureAwait(false);
                        return new ImapTransferResult(null, uidValidity, found, true, losses);
                    }
                    if (found.Count > 0)
                        throw new ImapOutcomeUnknownException(what, found.Count + " of the " + prints.Count + " messages are in '" + destination + "' and the others are not; " +
                            "the server should have done all or none.", true, ex);
                    if (arrived.Any(a => prints.Values.Any(p => p.Size == a.Value.Size)))
                        throw new ImapOutcomeUnknownException(what, "messages arrived in '" + destination + "' meanwhile that could be these (the same size) but cannot be told apart from them.", true, ex);
                    if (losses > Policy.MaxOperationRetries)
                        throw new ImapOutcomeUnknownException(what, "the connection was lost " + losses + " times; the messages are not in '" + destination + "'.", true, ex);
                    if (move)
                    {
                        if (stillThere.Count == 0)
                            throw new ImapOutcomeUnknownException(what, "the messages are neither in '" + destination + "' nor any longer in '" + source + "' (expunged by someone else meanwhile?).", true, ex);
                        pending = stillThere;
                    }
                    // Nothing arrived that could be them: the command never took effect, so sending it again cannot duplicate.
                }
            }
        }

        private static ImapTransferResult Completed(ImapResponse response, int losses)
        {
            var map = new Dictionary<uint, uint>();
            uint? validity = null;
            // MOVE reports COPYUID in an untagged OK (RFC 6851 4.3), COPY in its tagged OK.
            foreach (var r in response.Untagged.Concat(response.Tagged != null ? new[] { response.Tagged } : Array.Empty<ServerResponse>()))
            {
                if (!ResponseCodes.TryGetCopyUid(r, out var v, out var from, out var to)) continue;
                validity = v;
                for (int i = 0; i < from.Count; i++) map[from[i]] = to[i];
            }
            return new ImapTransferResult(response, validity, map, false, losses);
        }

        /// <summary>The prints of the messages of <paramref name="uidSet"/> in the selected mailbox (messages already gone are missing).</summary>
        private async Task<Dictionary<uint, MessagePrint>> PrintsAsync(string uidSet, CancellationToken cancellationToken)
        {
            var prints = new Dictionary<uint, MessagePrint>();
            await RunCoreAsync(ImapOperationSafety.Read, "UID FETCH of the messages to transfer", async c =>
            {
                var responses = new ConcurrentQueue<ServerResponse>();
                var done = await c.UidFetchEachAsync(uidSet, PrintItems, responses.Enqueue).ConfigureAwait(false);
                prints.Clear();
                foreach (var r in responses)
                {
                    var data = FetchData.Parse(r);
                    if (data.Uid is uint uid) prints[uid] = PrintOf(data);
                }
                return done;
            }, checkStale: true, cancellationToken).ConfigureAwait(false);
            return prints;
        }

        private static MessagePrint PrintOf(FetchData data)
        {
            var header = data.FindSection(PrintItems.HeaderFieldsSection!)?.GetBytes();
            return new MessagePrint(header != null ? MessageIdOf(header) : null, data.Size ?? -1, data.InternalDate);
        }

        /// <summary>The messages of <paramref name="destination"/> from <paramref name="uidNext"/> on, with their prints, read on a connection of its own.</summary>
        private Task<Dictionary<uint, MessagePrint>> ArrivedSinceAsync(string what, string destination, uint uidNext, uint uidValidity, CancellationToken cancellationToken)
            => OnProbeAsync(what, destination, uidValidity, async probe =>
            {
                var arrived = new Dictionary<uint, MessagePrint>();
                var responses = new ConcurrentQueue<ServerResponse>();
                await probe.UidFetchEachAsync(uidNext.ToString(CultureInfo.InvariantCulture) + ":*", PrintItems, responses.Enqueue).ConfigureAwait(false);
                foreach (var r in responses)
                {
                    var data = FetchData.Parse(r);
                    // UID n:* also names the last message when every UID is below n: keep only UIDs from n on.
                    if (data.Uid is uint uid && uid >= uidNext) arrived[uid] = PrintOf(data);
                }
                return arrived;
            }, cancellationToken);

        /// <summary>Pairs each source message with one arrived copy (each copy used once), source UID → destination UID.</summary>
        private static Dictionary<uint, uint> Match(Dictionary<uint, MessagePrint> prints, Dictionary<uint, MessagePrint> arrived)
        {
            var found = new Dictionary<uint, uint>();
            var unused = arrived.OrderBy(a => a.Key).ToList();
            foreach (var source in prints.OrderBy(p => p.Key))
            {
                int i = unused.FindIndex(a => source.Value.IsCopy(a.Value));
                if (i < 0) continue;
                found[source.Key] = unused[i].Key;
                unused.RemoveAt(i);
            }
            return found;
        }

        /// <summary>Which of <paramref name="uidSet"/> are still in the selected mailbox.</summary>
        private async Task<List<uint>> StillInSourceAsync(string uidSet, CancellationToken cancellationToken)
        {
            var left = await RunCoreAsync(ImapOperationSafety.Read, "UID SEARCH of the messages to move", c => c.UidSearchAsync(SearchKey.Uid(uidSet)), checkStale: true, cancellationToken).ConfigureAwait(false);
            return left.OrderBy(u => u).ToList();
        }

        /// <summary>A MOVE cut after the copies were made: removes exactly the originals left (\Deleted, then UID EXPUNGE of them).</summary>
        private async Task RemoveOriginalsAsync(string what, List<uint> originals, Exception cause, CancellationToken cancellationToken)
        {
            if (!Client.HasCapability("UIDPLUS"))
                throw new ImapOutcomeUnknownException(what, "the messages were copied, but " + originals.Count + " originals are still in the source, and without UIDPLUS they cannot be removed alone.", true, cause);
            string set = SequenceSet.Build(originals);
            await RunCoreAsync(ImapOperationSafety.Idempotent, "UID STORE +FLAGS (\\Deleted) of the originals left by a cut MOVE",
                c => c.UidStoreFlagsAsync(set, StoreFlagsMode.Add, new[] { ImapFlags.Deleted }), checkStale: true, cancellationToken).ConfigureAwait(false);
            await RunCoreAsync(ImapOperationSafety.Idempotent, "UID EXPUNGE of the originals left by a cut MOVE",
                c => c.UidExpungeAsync(set), checkStale: true, cancellationToken).ConfigureAwait(false);
        }
    }
}
