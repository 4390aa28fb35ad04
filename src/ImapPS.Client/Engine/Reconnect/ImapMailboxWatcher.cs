using System;
using System.Collections.Generic;
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

    /// <summary>
    /// Watches a mailbox for new messages with IDLE on an <see cref="ImapReconnectingClient"/> and
    /// reports each one exactly once, by UID: it remembers the highest UID reported, and after any
    /// wake-up, and after every reconnect, asks for the UIDs above it. A message that arrived while
    /// the connection was down is reported after the reconnect, marked <see cref="ImapArrival.IsCatchUp"/>.
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

        /// <summary>
        /// Watches until <paramref name="cancellationToken"/> is cancelled, calling <paramref name="onArrival"/>
        /// for each new message, in UID order, once. Returns normally on cancellation.
        /// </summary>
        /// <exception cref="ImapUidValidityChangedException">The mailbox's UIDVALIDITY changed across a reconnect.</exception>
        /// <exception cref="ImapReconnectFailedException">The connection could not be re-established.</exception>
        public async Task WatchAsync(Action<ImapArrival> onArrival, CancellationToken cancellationToken = default)
        {
            if (onArrival == null) throw new ArgumentNullException(nameof(onArrival));
            var selected = await _client.SelectAsync(Mailbox, readOnly: true, cancellationToken).ConfigureAwait(false);
            if (!selected.IsOk) throw new ImapMailboxException(Mailbox, selected);
            uint uidValidity = _client.TrackedUidValidity;
            if (StartAfterUid is uint start) LastSeenUid = start;
            else
            {
                uint next = await _client.RunAsync(ImapOperationSafety.Read, "UIDNEXT of '" + Mailbox + "'", c => c.EnsureUidNextAsync(), cancellationToken).ConfigureAwait(false);
                LastSeenUid = next > 0 ? next - 1 : 0;
            }
            int reconnectsSeen = _client.ReconnectCount;
            try
            {
                while (!cancellationToken.IsCancellationRequested)
                {
                    uint existsBefore = 0;
                    var found = await _client.RunAsync(ImapOperationSafety.Read, "UID FETCH of new messages in '" + Mailbox + "'", async c =>
                    {
                        existsBefore = c.Exists;
                        var collected = new List<FetchData>();
                        var r = await c.FetchEachAsync((LastSeenUid + 1).ToString(System.Globalization.CultureInfo.InvariantCulture) + ":*", "(UID FLAGS)", true,
                            resp => { lock (collected) collected.Add(FetchData.Parse(resp)); }).ConfigureAwait(false);
                        if (!r.IsOk) throw new ImapCommandException("UID FETCH", r);
                        return (Client: c, Data: collected);
                    }, cancellationToken).ConfigureAwait(false);
                    bool catchUp = _client.ReconnectCount != reconnectsSeen;
                    reconnectsSeen = _client.ReconnectCount;
                    // UID n:* also names the last message when no UID reaches n: keep only the new ones, each once.
                    foreach (var uid in found.Data.Where(d => d.Uid is uint u && u > LastSeenUid).GroupBy(d => d.Uid!.Value).OrderBy(g => g.Key))
                    {
                        onArrival(new ImapArrival(Mailbox, uidValidity, uid.Key, uid.First().Flags, catchUp));
                        LastSeenUid = uid.Key;
                    }
                    // A message reported while the FETCH ran may not be in its answer: look again before idling.
                    if (found.Client.Exists != existsBefore) continue;
                    var client = await _client.EnsureConnectedAsync(cancellationToken).ConfigureAwait(false);
                    if (!ReferenceEquals(client, found.Client)) continue;
                    try
                    {
                        var idle = await client.IdleAsync(IdleRenewal, cancellationToken).ConfigureAwait(false);
                        if (!idle.IsOk) throw new ImapCommandException("IDLE", idle);
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
    }
}
