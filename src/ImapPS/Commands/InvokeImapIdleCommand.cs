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

            bool Emit(ImapIdleEvent e)
            {
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
            bool sync = false;
            // New messages whose FETCH came back without them: expunged before they could be read.
            var unread = new List<uint>();
            while (!StopToken.IsCancellationRequested)
            {
                TimeSpan remaining = Timeout.HasValue ? Timeout.Value - clock.Elapsed : renewal;
                if (remaining <= TimeSpan.Zero) return;
                if (remaining > renewal) remaining = renewal;

                Task<ImapResponse>? idle;
                uint newFrom = 0, newTo = 0;
                string what = sync ? "NOOP" : "IDLE";
                using (var lease = TryUseMailbox(session, mailbox, true))
                {
                    if (lease == null) return;
                    if (uidValidity == null) { uidValidity = lease.UidValidity; known = client.Exists; }
                    else if (lease.UidValidity != uidValidity)
                    {
                        WriteError(ImapMessageCmdlet.UidValidityError(mailbox, uidValidity.Value, lease.UidValidity, mailbox));
                        return;
                    }
                    // Messages that arrived between two rounds (reported to another command).
                    if (client.Exists > known) { newFrom = known + 1; newTo = client.Exists; known = client.Exists; }
                    idle = newTo > 0 ? null
                        : sync ? client.ExecuteAsync("NOOP", Array.Empty<ImapArgument>(), MailboxData, exclusive: true)
                        : client.IdleAsync(remaining, StopToken);
                }
                sync = newTo > 0;
                ImapResponse? response = null;
                try
                {
                    if (idle != null) response = Await(idle);
                }
                catch (OperationCanceledException) when (StopToken.IsCancellationRequested)
                {
                    throw new PipelineStoppedException();
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
                        WriteError(ErrorFor(new ImapCommandException(what, response), mailbox));
                        return;
                    }
                    foreach (var r in response.Untagged)
                    {
                        switch (r.Name)
                        {
                            case "EXISTS":
                                if (r.Number != known) sync = true;
                                if (r.Number > known)
                                {
                                    if (newTo == 0) newFrom = known + 1;
                                    newTo = r.Number;
                                }
                                known = r.Number;
                                break;
                            case "EXPUNGE":
                                {
                                    sync = true;
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
                                sync = true;
                                foreach (var u in VanishedData.Parse(r).Uids)
                                    if (Emit(new ImapIdleEvent(session, mailbox, uidValidity.Value, ImapIdleEventKind.Expunged) { Uid = u })) return;
                                break;
                            case "RECENT":
                                if (Emit(new ImapIdleEvent(session, mailbox, uidValidity.Value, ImapIdleEventKind.Recent) { MessageCount = r.Number })) return;
                                break;
                            case "FETCH":
                                sync = true;
                                var data = FetchData.Parse(r);
                                if (Emit(new ImapIdleEvent(session, mailbox, uidValidity.Value, ImapIdleEventKind.FlagsChanged)
                                { SequenceNumber = data.SequenceNumber, Uid = data.Uid, Flags = data.Flags })) return;
                                break;
                        }
                    }
                }
                if (newTo >= newFrom && newFrom > 0)
                {
                    foreach (var e in NewMessages(session, mailbox, uidValidity.Value, newFrom, newTo, ref known, unread))
                        if (Emit(e)) return;
                }
                FlushTrace();
            }
        }

        private static readonly string[] MailboxData = { "EXISTS", "RECENT", "EXPUNGE", "FETCH", "VANISHED" };

        /// <summary>
        /// Fetches the UIDs and flags of the new messages <paramref name="from"/>..<paramref name="to"/>;
        /// sequence numbers the server returns nothing for go to <paramref name="unread"/> (expunged
        /// meanwhile: the next sync reports them).
        /// </summary>
        private IEnumerable<ImapIdleEvent> NewMessages(ImapSession session, string mailbox, uint uidValidity, uint from, uint to, ref uint known, List<uint> unread)
        {
            var collected = new ConcurrentQueue<ServerResponse>();
            Task<ImapResponse> fetch;
            using (var lease = TryUseMailbox(session, mailbox, true))
            {
                if (lease == null) return Array.Empty<ImapIdleEvent>();
                if (session.Client.Exists > known) known = session.Client.Exists;
                fetch = session.Client.FetchEachAsync(from + ":" + to, "(UID FLAGS)", false, r => collected.Enqueue(r));
            }
            if (!TryRun(() => Check(Await(fetch), "FETCH"), mailbox, out _)) return Array.Empty<ImapIdleEvent>();
            var found = collected.Select(FetchData.Parse).Where(d => d.SequenceNumber >= from && d.SequenceNumber <= to)
                .GroupBy(d => d.SequenceNumber).Select(g => g.First()).OrderBy(d => d.SequenceNumber).ToList();
            // A set, not a scan of found per number: after a long gap from..to can be thousands of messages.
            var returned = new HashSet<uint>(found.Select(d => d.SequenceNumber));
            for (uint n = from; n <= to && n != 0; n++)
                if (!returned.Contains(n) && !unread.Contains(n)) unread.Add(n);
            return found
                .Select(d => new ImapIdleEvent(session, mailbox, uidValidity, ImapIdleEventKind.NewMessage)
                { SequenceNumber = d.SequenceNumber, Uid = d.Uid, Flags = d.Flags, MessageCount = session.Client.Exists })
                .ToList();
        }
    }
}
