using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using ImapPS.Client;
using ImapPS.Client.Protocol;

namespace ImapPS.Commands
{
    /// <summary>
    /// <para type="synopsis">Watches a mailbox with IDLE and streams its changes as they happen.</para>
    /// </summary>
    [Cmdlet(VerbsLifecycle.Invoke, "ImapIdle")]
    [OutputType(typeof(ImapIdleEvent))]
    public sealed class InvokeImapIdleCommand : ImapSessionCmdlet
    {
        /// <summary>The mailbox to watch: by default the selected one, else INBOX.</summary>
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("Name")]
        [ArgumentCompleter(typeof(MailboxNameCompleter))]
        public string? Mailbox { get; set; }

        /// <summary>Stops after this long (default: until stopped with Ctrl+C or -Count).</summary>
        [Parameter]
        public TimeSpan? Timeout { get; set; }

        /// <summary>Stops after this many events.</summary>
        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int? Count { get; set; }

        /// <summary>
        /// How often IDLE is renewed (DONE, then IDLE again); default the session's IdleRenewal (25 s).
        /// A server that does not answer DONE in time ends the watch with ConnectionLost.
        /// </summary>
        [Parameter]
        public TimeSpan? RenewalInterval { get; set; }

        /// <summary>Which kinds of events to return (default: NewMessage, Expunged, FlagsChanged).</summary>
        [Parameter]
        public ImapIdleEventKind[]? Kind { get; set; }

        private static readonly FetchItems UidFlagsAndModSeq = new FetchItems(FetchAttributes.Uid | FetchAttributes.Flags | FetchAttributes.ModSeq);

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            var session = ResolveSession();
            if (!FromSameSession(session, Mailbox)) return;
            Mailbox = MailboxPath(session, Mailbox);
            var client = session.Client;
            if (!client.HasCapability("IDLE"))
            {
                WriteError(new ErrorRecord(new NotSupportedException("The server does not offer IDLE."), "IdleNotSupported", ErrorCategory.NotImplemented, session));
                return;
            }
            var renewal = RenewalInterval ?? client.Options.IdleRenewal;
            if (renewal <= TimeSpan.Zero || renewal >= TimeSpan.FromMinutes(30))
                ThrowTerminatingError(new ErrorRecord(new ArgumentOutOfRangeException(nameof(RenewalInterval), renewal,
                    "The renewal interval must be positive and below 30 minutes (RFC 2177 lets a server drop a client idle for 30 minutes)."),
                    "InvalidArgument", ErrorCategory.InvalidArgument, RenewalInterval));
            var mailbox = ImapMessageCmdlet.ResolveMailbox(session, Mailbox);
            var clock = Stopwatch.StartNew();
            int emitted = 0;
            uint? uidValidity = null;
            uint known = 0;
            // Recent only on request: every new message also changes the recent count.
            var kinds = new HashSet<ImapIdleEventKind>(Kind != null && Kind.Length > 0 ? Kind
                : new[] { ImapIdleEventKind.NewMessage, ImapIdleEventKind.Expunged, ImapIdleEventKind.FlagsChanged });

            // The highest UID reported (with a -Reconnect session: or known at the start); live VANISHED
            // sets are cut to it, so a hostile 1:4294967295 costs no more events than UIDs that can exist.
            uint lastUid = 0;
            // With a -Reconnect session: what the catch-up after a reconnect starts from (the engine's rule,
            // shared with ImapMailboxWatcher): the last UID and the HIGHESTMODSEQ everything is known up to.
            ImapMailboxSyncState? sync = null;
            bool Emit(ImapIdleEvent e, ulong? modSeq = null)
            {
                if (e.EventKind == ImapIdleEventKind.NewMessage && e.Uid is uint uid && uid > lastUid) lastUid = uid;
                if (sync != null && !e.IsCatchUp && e.Uid is uint u)
                {
                    if (e.EventKind == ImapIdleEventKind.NewMessage && !e.Vanished) sync.NoteNewMessage(u, modSeq);
                    else if (e.EventKind == ImapIdleEventKind.FlagsChanged) sync.NoteFlagsChanged(u, modSeq);
                    else if (e.EventKind == ImapIdleEventKind.Expunged) sync.NoteExpunged(u);
                }
                if (!kinds.Contains(e.EventKind)) return false;
                WriteObject(e);
                emitted++;
                return Count.HasValue && emitted >= Count.Value;
            }

            // After any change, the next round is a NOOP instead of IDLE: Dovecot coalesces changes
            // during its notify delay and reports at IDLE only what its view had synced, so an
            // expunge that happened while the new message was being fetched would otherwise wait
            // for the next unrelated change. The NOOP syncs everything pending; only a round that
            // reports nothing goes back to IDLE.
            bool settle = false;
            // New messages whose FETCH came back without them: expunged before they could be read.
            var unread = new List<uint>();
            while (!StopToken.IsCancellationRequested)
            {
                TimeSpan remaining = Timeout.HasValue ? Timeout.Value - clock.Elapsed : renewal;
                if (remaining <= TimeSpan.Zero) return;
                if (remaining > renewal) remaining = renewal;

                if (session.NeedsReconnect && uidValidity != null)
                {
                    // Terminates with ReconnectFailed, or UidValidityChanged when the mailbox was re-created meanwhile.
                    ReconnectSession(session);
                    client = session.Client;
                    settle = false;
                    unread.Clear();
                    foreach (var e in CatchUp(session, mailbox, sync!, out known))
                        if (Emit(e)) return;
                    if (sync!.LastUid > lastUid) lastUid = sync.LastUid;
                    continue;
                }

                Task<ImapResponse>? idle;
                uint newFrom = 0, newTo = 0;
                string what = settle ? "NOOP" : "IDLE";
                if (uidValidity == null && session.Reconnects && !TryRun(() => Await(ImapMailboxSyncState.EnableAsync(client)), mailbox, out _)) return;
                // SELECT reports HIGHESTMODSEQ only once CONDSTORE/QRESYNC is on: a mailbox selected before is selected again.
                bool reselect = uidValidity == null && session.Reconnects && client.IsEnabled("CONDSTORE") && client.State == ImapState.SELECTED && client.HighestModSeq == 0;
                using (var lease = UseMailboxOrLost(session, mailbox, reselect))
                {
                    if (lease == null) { if (session.NeedsReconnect && uidValidity != null) continue; return; }
                    if (uidValidity == null)
                    {
                        uidValidity = lease.UidValidity;
                        known = client.Exists;
                        if (session.Reconnects)
                        {
                            uint next = Await(client.EnsureUidNextAsync());
                            lastUid = next > 0 ? next - 1 : 0;
                            sync = new ImapMailboxSyncState(mailbox, uidValidity.Value, lastUid, client.HighestModSeq);
                        }
                    }
                    else if (lease.UidValidity != uidValidity)
                    {
                        WriteError(ImapMessageCmdlet.UidValidityError(mailbox, uidValidity.Value, lease.UidValidity, mailbox));
                        return;
                    }
                    // Messages that arrived between two rounds (reported to another command).
                    if (client.Exists > known) { newFrom = known + 1; newTo = client.Exists; known = client.Exists; }
                    idle = newTo > 0 ? null
                        : settle ? client.PollMailboxAsync()
                        : client.IdleAsync(remaining, StopToken);
                }
                settle = newTo > 0;
                ImapResponse? response = null;
                try
                {
                    if (idle != null) response = Await(idle);
                }
                catch (OperationCanceledException) when (StopToken.IsCancellationRequested)
                {
                    throw new PipelineStoppedException();
                }
                catch (ImapAbortException ex) when (session.NeedsReconnect && !(ex is ImapReconnectFailedException))
                {
                    // The next round reconnects and catches up by UID.
                    FlushTrace();
                    WriteVerbose("The connection was lost while watching '" + mailbox + "' (" + ex.Message.TrimEnd('.') + "); reconnecting.");
                    continue;
                }
                catch (ImapAbortException ex)
                {
                    FlushTrace();
                    var lost = ErrorFor(ex, mailbox);
                    lost.ErrorDetails = new ErrorDetails("The connection to " + session.Server + " was lost while watching '" + mailbox + "': " + ex.Message +
                        " The events before this were all delivered. Connect again with Connect-Imap and restart Invoke-ImapIdle.");
                    ThrowTerminatingError(lost);
                    return;
                }
                catch (ImapException ex)
                {
                    WriteError(ErrorFor(ex, mailbox));
                    return;
                }
                if (response != null)
                {
                    if (!response.IsOk)
                    {
                        // IDLE answers NO as a result (the typed poll throws it instead).
                        WriteError(ErrorFor(new ImapCommandException(what, response), mailbox));
                        return;
                    }
                    foreach (var r in response.Untagged)
                    {
                        switch (r.Name)
                        {
                            case "EXISTS":
                                if (r.Number != known) settle = true;
                                if (r.Number > known)
                                {
                                    if (newTo == 0) newFrom = known + 1;
                                    newTo = r.Number;
                                }
                                known = r.Number;
                                break;
                            case "EXPUNGE":
                                {
                                    settle = true;
                                    uint n = r.Number;
                                    if (known > 0) known--;
                                    // A new message not fetched yet (this round, or an earlier FETCH that missed it) vanished.
                                    bool vanishedNew = newTo > 0 && n >= newFrom && n <= newTo || unread.Remove(n);
                                    if (newTo > 0)
                                    {
                                        if (n < newFrom) { newFrom--; newTo--; }
                                        else if (n <= newTo) newTo--;
                                        if (newTo < newFrom) newFrom = newTo = 0;
                                    }
                                    for (int i = 0; i < unread.Count; i++) if (unread[i] > n) unread[i]--;
                                    if (vanishedNew && Emit(new ImapIdleEvent(session, mailbox, uidValidity.Value, ImapIdleEventKind.NewMessage)
                                        { SequenceNumber = n, MessageCount = known, Vanished = true })) return;
                                    if (Emit(new ImapIdleEvent(session, mailbox, uidValidity.Value, ImapIdleEventKind.Expunged) { SequenceNumber = n, MessageCount = known, Vanished = vanishedNew })) return;
                                    break;
                                }
                            case "VANISHED":
                                {
                                    settle = true;
                                    VanishedData vanished;
                                    try
                                    {
                                        vanished = VanishedData.Parse(r);
                                    }
                                    catch (ImapProtocolException ex)
                                    {
                                        WriteError(ErrorFor(ex, mailbox));
                                        break;
                                    }
                                    if (vanished.Earlier) break;
                                    // The count goes down by the UIDs named, as the engine's Exists does (RFC 7162 3.2.10):
                                    // left as it was, the next EXISTS would look like no new message.
                                    long gone = vanished.Count;
                                    known = gone >= known ? 0 : known - (uint)gone;
                                    // Which positions vanished is not told. New messages not fetched yet: with the UIDs
                                    // reported known exactly (-Reconnect), fetch from the lowest position one of them can
                                    // have now and drop what was reported (NewMessages); else only what is left of the range.
                                    if (newTo > 0)
                                    {
                                        if (sync != null) newFrom = newFrom > gone ? newFrom - (uint)gone : 1;
                                        if (newTo > known) newTo = known;
                                        if (newTo < newFrom) newFrom = newTo = 0;
                                    }
                                    // Positions of new messages a FETCH missed mean nothing now (and no EXPUNGE names them from here on).
                                    unread.Clear();
                                    // Only UIDs that can exist: up to the highest reported or below UIDNEXT.
                                    uint highest = Math.Max(lastUid, client.UidNext > 0 ? client.UidNext - 1 : 0);
                                    foreach (var range in ImapMailboxSyncState.Clip(vanished.Ranges, highest))
                                        for (uint u = range.Low; ; u++)
                                        {
                                            if (Emit(new ImapIdleEvent(session, mailbox, uidValidity.Value, ImapIdleEventKind.Expunged) { Uid = u, MessageCount = known })) return;
                                            if (u == range.High) break;
                                        }
                                    break;
                                }
                            case "RECENT":
                                if (Emit(new ImapIdleEvent(session, mailbox, uidValidity.Value, ImapIdleEventKind.Recent) { MessageCount = r.Number })) return;
                                break;
                            case "FETCH":
                                settle = true;
                                var data = FetchData.Parse(r);
                                if (Emit(new ImapIdleEvent(session, mailbox, uidValidity.Value, ImapIdleEventKind.FlagsChanged)
                                { SequenceNumber = data.SequenceNumber, Uid = data.Uid, Flags = data.Flags }, data.ModSeq)) return;
                                break;
                        }
                    }
                }
                if (newTo >= newFrom && newFrom > 0)
                {
                    foreach (var (e, modSeq) in NewMessages(session, mailbox, uidValidity.Value, newFrom, newTo, ref known, unread))
                        // With -Reconnect every UID up to lastUid was reported or there at the start: a position that
                        // moved under a VANISHED names such a message, not a new one.
                        if (!(sync != null && e.Uid is uint seen && seen <= lastUid) && Emit(e, modSeq)) return;
                }
                WriteSessionNotices(session);
                FlushTrace();
            }
        }

        /// <summary>A lease on the watched mailbox, or null: after writing the error, or (on a -Reconnect session) because the connection was just lost.</summary>
        private MailboxLease? UseMailboxOrLost(ImapSession session, string mailbox, bool reselect = false)
        {
            try
            {
                return session.UseMailbox(mailbox, true, StopToken, reselect);
            }
            catch (ImapAbortException) when (session.NeedsReconnect)
            {
                return null;
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

        /// <summary>
        /// After a reconnect, by the engine's rule (<see cref="ImapMailboxSyncState.CatchUpAsync"/>, the
        /// same as <see cref="ImapMailboxWatcher"/>'s), all marked <see cref="ImapIdleEvent.IsCatchUp"/>:
        /// where the server offers QRESYNC, the expunges (by UID) and flag changes since the last
        /// HIGHESTMODSEQ seen; with CONDSTORE only, the flag changes; then every message above the last
        /// UID reported, in UID order, as NewMessage. <paramref name="known"/> becomes the message count.
        /// A connection lost again meanwhile leaves the state as it was: the next round reconnects and
        /// catches up again.
        /// </summary>
        private IEnumerable<ImapIdleEvent> CatchUp(ImapSession session, string mailbox, ImapMailboxSyncState state, out uint known)
        {
            IReadOnlyList<ImapMailboxChange> changes;
            using (var lease = TryUseMailbox(session, mailbox, true))
            {
                known = session.Client.Exists;
                if (lease == null) return Array.Empty<ImapIdleEvent>();
                if (lease.UidValidity != state.UidValidity) ThrowTerminatingError(ErrorFor(new ImapUidValidityChangedException(mailbox, state.UidValidity, lease.UidValidity), mailbox));
                try
                {
                    // Under the lease: the catch-up may select the mailbox again (QRESYNC), and nothing may switch it meanwhile.
                    changes = Await(state.CatchUpAsync(session.Client, lease.ReadOnly));
                }
                catch (ImapAbortException) when (session.NeedsReconnect)
                {
                    return Array.Empty<ImapIdleEvent>();
                }
                catch (Exception ex) when (!(ex is PipelineStoppedException) && !(ex is OperationCanceledException && StopToken.IsCancellationRequested))
                {
                    FlushTrace();
                    if (IsFatal(ex) || ex is ImapUidValidityChangedException) ThrowTerminatingError(ErrorFor(ex, mailbox));
                    WriteError(ErrorFor(ex, mailbox));
                    return Array.Empty<ImapIdleEvent>();
                }
                catch (OperationCanceledException)
                {
                    throw new PipelineStoppedException();
                }
                known = session.Client.Exists;
            }
            uint count = known;
            int arrived = 0, flagged = 0;
            foreach (var c in changes)
                if (c.Kind == ImapMailboxChangeKind.NewMessage) arrived++;
                else if (c.Kind == ImapMailboxChangeKind.FlagsChanged) flagged++;
            WriteVerbose("Caught up after the reconnect (" + state.LastMethod + "): " + arrived + " new message(s), " + flagged + " flag change(s), " +
                (state.LastMethod == ImapResyncMethod.QResync ? (changes.Count - arrived - flagged) + " expunge(s)" : "expunges not caught up (the server offers no QRESYNC)") +
                " in '" + mailbox + "'.");
            return changes.Select(c => new ImapIdleEvent(session, mailbox, state.UidValidity,
                    c.Kind == ImapMailboxChangeKind.NewMessage ? ImapIdleEventKind.NewMessage : c.Kind == ImapMailboxChangeKind.FlagsChanged ? ImapIdleEventKind.FlagsChanged : ImapIdleEventKind.Expunged)
                {
                    SequenceNumber = c.Kind == ImapMailboxChangeKind.Expunged ? (uint?)null : c.SequenceNumber,
                    Uid = c.Uid,
                    Flags = c.Flags,
                    MessageCount = count,
                    IsCatchUp = true,
                });
        }

        /// <summary>
        /// Fetches the UIDs and flags of the new messages <paramref name="from"/>..<paramref name="to"/>;
        /// sequence numbers the server returns nothing for go to <paramref name="unread"/> (expunged
        /// meanwhile: the next sync reports them).
        /// </summary>
        private IEnumerable<(ImapIdleEvent Event, ulong? ModSeq)> NewMessages(ImapSession session, string mailbox, uint uidValidity, uint from, uint to, ref uint known, List<uint> unread)
        {
            List<FetchData> collected;
            if (session.Reconnects)
            {
                // Not through StreamingFetch, which ends the command on a lost connection: here a loss
                // leaves these messages to the catch-up after the reconnect (every UID above the last reported).
                var responses = new ConcurrentQueue<ServerResponse>();
                Task<ImapResponse> task;
                using (var lease = UseMailboxOrLost(session, mailbox))
                {
                    if (lease == null) return Array.Empty<(ImapIdleEvent, ulong?)>();
                    if (session.Client.Exists > known) known = session.Client.Exists;
                    // With MODSEQ once CONDSTORE is on: the catch-up must not report a new message's arrival again as a flag change.
                    task = session.Client.FetchRangeEachAsync(from, to, session.Client.IsEnabled("CONDSTORE") ? UidFlagsAndModSeq : FetchItems.UidAndFlags, responses.Enqueue);
                }
                try
                {
                    Await(task); // the typed fetch throws for NO and BAD itself
                }
                catch (ImapAbortException) when (session.NeedsReconnect)
                {
                    return Array.Empty<(ImapIdleEvent, ulong?)>();
                }
                catch (Exception ex) when (!IsFatal(ex))
                {
                    WriteError(ErrorFor(ex, mailbox));
                    return Array.Empty<(ImapIdleEvent, ulong?)>();
                }
                collected = responses.Select(FetchData.Parse).ToList();
            }
            else
            {
                var fetch = new StreamingFetch(this, mailbox);
                uint knownNow = known;
                collected = fetch.Run(() => TryUseMailbox(session, mailbox, true), (lease, onData) =>
                {
                    if (session.Client.Exists > knownNow) knownNow = session.Client.Exists;
                    return session.Client.FetchRangeEachAsync(from, to, FetchItems.UidAndFlags, onData);
                }).ToList();
                known = knownNow;
                if (!fetch.LastSucceeded) return Array.Empty<(ImapIdleEvent, ulong?)>();
            }
            var found = collected.Where(d => d.SequenceNumber >= from && d.SequenceNumber <= to)
                .GroupBy(d => d.SequenceNumber).Select(g => g.First()).OrderBy(d => d.SequenceNumber).ToList();
            // A set, not a scan of found per number: after a long gap from..to can be thousands of messages.
            var returned = new HashSet<uint>(found.Select(d => d.SequenceNumber));
            for (uint n = from; n <= to && n != 0; n++)
                if (!returned.Contains(n) && !unread.Contains(n)) unread.Add(n);
            return found
                .Select(d => (new ImapIdleEvent(session, mailbox, uidValidity, ImapIdleEventKind.NewMessage)
                { SequenceNumber = d.SequenceNumber, Uid = d.Uid, Flags = d.Flags, MessageCount = session.Client.Exists }, d.ModSeq))
                .ToList();
        }
    }
}
