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
        // Servers may drop a client idle for 30 minutes (RFC 2177): renew well before.
        private static readonly TimeSpan Renewal = TimeSpan.FromMinutes(28);

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

        /// <summary>Which kinds of events to return (default: NewMessage, Expunged, FlagsChanged).</summary>
        [Parameter]
        public ImapIdleEventKind[]? Kind { get; set; }

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            var session = ResolveSession();
            var client = session.Client;
            if (!client.HasCapability("IDLE"))
            {
                WriteError(new ErrorRecord(new NotSupportedException("The server does not offer IDLE."), "IdleNotSupported", ErrorCategory.NotImplemented, session));
                return;
            }
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

            while (!Stopping.IsCancellationRequested)
            {
                TimeSpan remaining = Timeout.HasValue ? Timeout.Value - clock.Elapsed : Renewal;
                if (remaining <= TimeSpan.Zero) return;
                if (remaining > Renewal) remaining = Renewal;

                Task<ImapResponse> idle;
                uint newFrom = 0, newTo = 0;
                using (var lease = TryUseMailbox(session, mailbox, true))
                {
                    if (lease == null) return;
                    if (uidValidity == null) { uidValidity = lease.UidValidity; known = client.Exists; }
                    else if (lease.UidValidity != uidValidity)
                    {
                        WriteError(ImapMessageCmdlet.UidValidityError(mailbox, uidValidity.Value, lease.UidValidity, mailbox));
                        return;
                    }
                    // Messages that arrived between two IDLEs (reported to another command).
                    if (client.Exists > known) { newFrom = known + 1; newTo = client.Exists; known = client.Exists; }
                    idle = newTo > 0 ? Task.FromResult<ImapResponse>(null!) : client.IdleAsync(remaining, Stopping);
                }
                ImapResponse? response;
                try
                {
                    response = Await(idle);
                }
                catch (OperationCanceledException) when (Stopping.IsCancellationRequested)
                {
                    throw new PipelineStoppedException();
                }
                catch (ImapException ex) when (!(ex is ImapAbortException))
                {
                    WriteError(ErrorFor(ex, mailbox));
                    return;
                }
                if (response != null)
                {
                    if (!response.IsOk)
                    {
                        WriteError(ErrorFor(new ImapCommandException("IDLE", response), mailbox));
                        return;
                    }
                    foreach (var r in response.Untagged)
                    {
                        switch (r.Name)
                        {
                            case "EXISTS":
                                if (r.Number > known)
                                {
                                    if (newTo == 0) newFrom = known + 1;
                                    newTo = r.Number;
                                }
                                known = r.Number;
                                break;
                            case "EXPUNGE":
                                if (known > 0) known--;
                                if (newTo >= r.Number && newTo > 0) newTo--;
                                if (Emit(new ImapIdleEvent(session, mailbox, uidValidity.Value, ImapIdleEventKind.Expunged) { SequenceNumber = r.Number, MessageCount = known })) return;
                                break;
                            case "VANISHED":
                                foreach (var u in VanishedData.Parse(r).Uids)
                                    if (Emit(new ImapIdleEvent(session, mailbox, uidValidity.Value, ImapIdleEventKind.Expunged) { Uid = u })) return;
                                break;
                            case "RECENT":
                                if (Emit(new ImapIdleEvent(session, mailbox, uidValidity.Value, ImapIdleEventKind.Recent) { MessageCount = r.Number })) return;
                                break;
                            case "FETCH":
                                var data = FetchData.Parse(r);
                                if (Emit(new ImapIdleEvent(session, mailbox, uidValidity.Value, ImapIdleEventKind.FlagsChanged)
                                { SequenceNumber = data.SequenceNumber, Uid = data.Uid, Flags = data.Flags })) return;
                                break;
                        }
                    }
                }
                if (newTo >= newFrom && newFrom > 0)
                {
                    foreach (var e in NewMessages(session, mailbox, uidValidity.Value, newFrom, newTo, ref known))
                        if (Emit(e)) return;
                }
                FlushTrace();
            }
        }

        private IEnumerable<ImapIdleEvent> NewMessages(ImapSession session, string mailbox, uint uidValidity, uint from, uint to, ref uint known)
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
            return collected.Select(FetchData.Parse).OrderBy(d => d.SequenceNumber)
                .Select(d => new ImapIdleEvent(session, mailbox, uidValidity, ImapIdleEventKind.NewMessage)
                { SequenceNumber = d.SequenceNumber, Uid = d.Uid, Flags = d.Flags, MessageCount = session.Client.Exists })
                .ToList();
        }
    }
}
