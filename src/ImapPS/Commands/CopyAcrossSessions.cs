using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading.Tasks;
using ImapPS.Client;
using ImapPS.Client.Protocol;

namespace ImapPS.Commands
{
    /// <summary>Copy-ImapMessage -DestinationSession: copies to a mailbox of another account (FETCH there, APPEND here, flags and dates kept).</summary>
    public sealed partial class CopyImapMessageCommand
    {
        private const int AcrossChunkMessages = 50;
        private const long AcrossChunkBytes = 8L * 1024 * 1024;

        /// <summary>
        /// Copies to -Destination on this session (another account or server) instead of the
        /// messages' own: each message is fetched and appended with its flags and internal date.
        /// </summary>
        [Parameter]
        [SessionArgument]
        [ArgumentCompleter(typeof(SessionNameCompleter))]
        [ValidateNotNull]
        public ImapSession? DestinationSession { get; set; }

        internal override void ProcessBatch(ImapSession session, string mailbox, uint? expectedUidValidity, List<uint> uids)
        {
            if (DestinationSession == null || ReferenceEquals(DestinationSession, session))
            {
                base.ProcessBatch(session, mailbox, expectedUidValidity, uids);
                return;
            }
            var target = DestinationSession;
            if (!target.IsConnected)
                ThrowTerminatingError(new ErrorRecord(new InvalidOperationException("The session of -DestinationSession ('" + target.Name + "') is closed. " + target.CloseReason),
                    "SessionClosed", ErrorCategory.ConnectionError, target));
            string destination = MailboxPath(target, Destination)!;
            if (!ShouldProcess(Describe(mailbox, uids), "Copy to '" + destination + "' on " + target.Name)) return;
            if (!MyInvocation.ExpectingInput) Progress.AddToTotal(uids.Count);
            bool multi = target.HasCapability("MULTIAPPEND");
            var copies = new List<ImapMessage>();
            int copied = 0;
            for (int start = 0; start < uids.Count; start += AcrossChunkMessages)
            {
                var chunk = uids.Skip(start).Take(AcrossChunkMessages).ToList();
                var fetched = new ConcurrentDictionary<uint, (string[] Flags, DateTimeOffset? Date, byte[] Body)>();
                Task<ImapResponse> fetch;
                using (var lease = UseMessages(session, mailbox, expectedUidValidity, true, chunk))
                {
                    if (lease == null) return;
                    expectedUidValidity = lease.UidValidity;
                    fetch = session.Client.UidFetchEachAsync(SequenceSet.Build(chunk), ExportImapMailboxCommand.MessageItems, r =>
                    {
                        var data = FetchData.Parse(r);
                        if (data.Uid is uint uid && data.FindSection("")?.GetBytes() is byte[] body)
                            fetched[uid] = (ExportImapMailboxCommand.CleanFlags(data.Flags), data.InternalDate, body);
                    });
                }
                if (!TryRun(() => Await(fetch), mailbox, out _)) return;
                foreach (var missing in chunk.Where(u => !fetched.ContainsKey(u))) WriteError(MessageNotFound(mailbox, missing));
                var present = chunk.Where(fetched.ContainsKey).ToList();
                // Appended in batches: one MULTIAPPEND per batch where offered, so a large selection costs few round trips.
                int index = 0;
                while (index < present.Count)
                {
                    var batch = new List<uint>();
                    long bytes = 0;
                    while (index < present.Count && (batch.Count == 0 || (multi && bytes + fetched[present[index]].Body.Length <= AcrossChunkBytes)))
                    {
                        bytes += fetched[present[index]].Body.Length;
                        batch.Add(present[index++]);
                    }
                    string ifCut = (copied > 0 ? copied + " messages were copied to '" + destination + "' on " + target.Name + " before. " : "") +
                        "APPEND of UIDs " + SequenceSet.Build(batch) + " from '" + mailbox + "' was sent, outcome unknown: '" + destination +
                        "' may hold them. Check it before retrying, or they may end up there twice.";
                    Task<ImapResponse> append = batch.Count > 1
                        ? target.Client.AppendMessagesAsync(destination, batch.Select(u => ((IReadOnlyList<string>?)fetched[u].Flags, fetched[u].Date, fetched[u].Body)).ToList())
                        : target.Client.AppendMessageAsync(destination, fetched[batch[0]].Flags, fetched[batch[0]].Date, fetched[batch[0]].Body);
                    if (!TryCommand(() => append, "APPEND", destination, out var response, ifCut)) return;
                    copied += batch.Count;
                    Progress.Add(batch.Count, "to " + destination + " on " + target.Name);
                    if (PassThru && response.Tagged != null && ResponseCodes.TryGetAppendUid(response.Tagged, out var uidValidity, out var newUids))
                        for (int i = 0; i < batch.Count && i < newUids.Count; i++)
                        {
                            var f = fetched[batch[i]];
                            copies.Add(new ImapMessage(target, destination, uidValidity, newUids[i]) { Flags = f.Flags, InternalDate = f.Date, Size = f.Body.Length });
                        }
                }
            }
            if (PassThru) WriteObject(copies, true);
        }
    }
}
