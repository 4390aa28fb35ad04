using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Threading.Tasks;
using ImapPS.Client;
using ImapPS.Client.Protocol;
using MimeKit;

namespace ImapPS.Commands
{
    /// <summary>What to fetch besides the summary.</summary>
    [Flags]
    internal enum FetchExtras
    {
        None = 0,
        Full = 1,
        Headers = 2,
        BodyStructure = 4,
    }

    /// <summary>
    /// Shared by the cmdlets that work on messages: mailbox defaulting, the UIDVALIDITY guard, and
    /// streaming FETCH. Results are handed over by the engine's reader into a queue and written
    /// by the pipeline thread as they arrive, in the order asked for, with a bounded number of
    /// batches in flight so a slow consumer never makes memory grow without bound.
    /// </summary>
    public abstract class ImapMessageCmdlet : ImapSessionCmdlet
    {

        /// <summary>
        /// False (after writing a non-terminating InvalidUid) when <paramref name="uids"/> holds 0,
        /// which is never a UID (they start at 1).
        /// </summary>
        internal bool ValidUids(IReadOnlyCollection<uint> uids)
        {
            if (!uids.Contains(0u)) return true;
            WriteError(new ErrorRecord(new ArgumentException("0 is not a UID: IMAP numbers the messages of a mailbox from 1."),
                "InvalidUid", ErrorCategory.InvalidArgument, 0u));
            return false;
        }

        /// <summary>The mailbox a message command works in: as given, else the selected one, else INBOX.</summary>
        internal static string ResolveMailbox(ImapSession session, string? mailbox)
            => !string.IsNullOrEmpty(mailbox) ? mailbox! : session.SelectedMailbox ?? "INBOX";

        /// <summary>
        /// Leases the mailbox and refuses it (non-terminating UidValidityMismatch) when its
        /// UIDVALIDITY differs from the one the piped objects were read with.
        /// </summary>
        internal MailboxLease? UseMessages(ImapSession session, string mailbox, uint? uidValidity, bool readOnly, object? target)
        {
            var lease = TryUseMailbox(session, mailbox, readOnly);
            if (lease == null) return null;
            if (uidValidity.HasValue && uidValidity.Value != 0 && lease.UidValidity != uidValidity.Value)
            {
                lease.Dispose();
                WriteError(UidValidityError(mailbox, uidValidity.Value, lease.UidValidity, target));
                return null;
            }
            return lease;
        }

        /// <summary>At most this many UIDs go into one batch of piped messages.</summary>
        internal const int MaxBatch = 500;
        private readonly List<uint> _batch = new List<uint>();
        private readonly HashSet<uint> _batchSet = new HashSet<uint>();
        private ImapSession? _batchSession;
        private string? _batchMailbox;
        private uint? _batchUidValidity;

        /// <summary>
        /// Collects UIDs from consecutive input records that name the same session, mailbox and
        /// UIDVALIDITY, so piped messages cost one command per batch instead of one per message.
        /// A record for another mailbox (or UIDVALIDITY) first flushes the batch collected so far.
        /// </summary>
        internal void Collect(ImapSession session, string mailbox, uint? uidValidity, IEnumerable<uint> uids)
        {
            if (_batch.Count > 0 && (!ReferenceEquals(session, _batchSession) || !string.Equals(mailbox, _batchMailbox, StringComparison.Ordinal) || uidValidity != _batchUidValidity))
                FlushBatch();
            _batchSession = session;
            _batchMailbox = mailbox;
            _batchUidValidity = uidValidity;
            foreach (var uid in uids)
                if (_batchSet.Add(uid)) _batch.Add(uid);
            // A live stream (Invoke-ImapIdle) may never end, and its next record may be hours
            // away: what it sends is acted on at once, never held for a batch.
            if (_batch.Count >= MaxBatch || Live) FlushBatch();
        }

        /// <summary>
        /// True for a record from a live stream whose end nobody waits for: an IDLE event, or a
        /// message read because of one. Bound from the hidden Live property of those objects;
        /// such records are acted on as they arrive instead of being collected into batches.
        /// </summary>
        [Parameter(ValueFromPipelineByPropertyName = true, DontShow = true)]
        public SwitchParameter Live { get; set; }

        /// <summary>Hands the collected UIDs (sorted) to <see cref="ProcessBatch"/>.</summary>
        internal void FlushBatch()
        {
            if (_batch.Count == 0) return;
            var uids = _batch.OrderBy(u => u).ToList();
            _batch.Clear();
            _batchSet.Clear();
            ProcessBatch(_batchSession!, _batchMailbox!, _batchUidValidity, uids);
        }

        /// <summary>Works on one batch of UIDs of one mailbox (see <see cref="Collect"/>).</summary>
        internal virtual void ProcessBatch(ImapSession session, string mailbox, uint? uidValidity, List<uint> uids) { }

        /// <summary>The non-terminating error for a UID that names no message.</summary>
        internal static ErrorRecord MessageNotFound(string mailbox, uint uid)
            => new ErrorRecord(new ItemNotFoundException("There is no message with UID " + uid + " in '" + mailbox + "'."),
                "MessageNotFound", ErrorCategory.ObjectNotFound, uid);

        /// <summary>
        /// The UIDs of <paramref name="uids"/> that name messages in the leased mailbox, in their
        /// order; each other UID gets a non-terminating MessageNotFound. One UID SEARCH per chunk
        /// of a batch, never one command per UID. Null when the search failed (error written).
        /// </summary>
        internal List<uint>? ExistingUids(ImapSession session, string mailbox, IReadOnlyList<uint> uids)
        {
            var found = new HashSet<uint>();
            foreach (var chunk in SequenceSet.BuildChunks(uids, session.MaxUidSetLength))
            {
                if (!TryRun(() => Await(session.Client.UidSearchAsync(SearchKey.Uid(chunk))), mailbox, out var numbers))
                    return null;
                found.UnionWith(numbers);
            }
            var existing = new List<uint>(uids.Count);
            foreach (var uid in uids)
            {
                if (found.Contains(uid)) existing.Add(uid);
                else WriteError(MessageNotFound(mailbox, uid));
            }
            return existing;
        }

        internal static ErrorRecord UidValidityError(string mailbox, uint expected, uint actual, object? target)
            => new ErrorRecord(new InvalidOperationException("The mailbox '" + mailbox + "' has UIDVALIDITY " + actual + ", but the message was read with " + expected +
                    ": the mailbox was recreated and the UID may now name another message. Read the messages again."),
                "UidValidityMismatch", ErrorCategory.InvalidData, target);

        internal static FetchItems FetchItemsFor(FetchExtras extras)
        {
            var attributes = FetchAttributes.Summary | ((extras & FetchExtras.BodyStructure) != 0 ? FetchAttributes.BodyStructure : 0);
            var sections = new List<string>();
            if ((extras & FetchExtras.Headers) != 0) sections.Add(HeaderSection);
            if ((extras & FetchExtras.Full) != 0) sections.Add(WholeMessage);
            return new FetchItems(attributes, sections.ToArray());
        }

        /// <summary>The body section of the header.</summary>
        internal const string HeaderSection = FetchItems.HeaderSection;

        /// <summary>The body section of the whole message.</summary>
        internal const string WholeMessage = FetchItems.WholeMessage;

        /// <summary>The body section of a message's text (the part after the header) when it is not multipart.</summary>
        internal const string TextSection = FetchItems.TextSection;

        /// <summary>
        /// Fetches summaries (plus <paramref name="extras"/>) of <paramref name="uids"/> and yields
        /// them in that order as they arrive. A UID the server does not return yields a
        /// MessageNotFound error when <paramref name="reportMissing"/>. Write the objects yielded
        /// right away; no mailbox lease is held while yielding.
        /// </summary>
        internal IEnumerable<ImapMessage> FetchMessages(ImapSession session, string mailbox, uint uidValidity, IReadOnlyList<uint> uids,
            FetchExtras extras, bool reportMissing, string? activity = null)
        {
            if (uids.Count == 0) yield break;
            int first = (extras & FetchExtras.Full) != 0 ? 10 : 50;
            int size = (extras & FetchExtras.Full) != 0 ? 50 : 500;
            const int window = 4;
            var batches = new List<uint[]>();
            for (int i = 0; i < uids.Count;)
            {
                int n = Math.Min(batches.Count == 0 ? first : size, uids.Count - i);
                batches.Add(uids.Skip(i).Take(n).ToArray());
                i += n;
            }
            var items = FetchItemsFor(extras);
            var arrived = new Dictionary<uint, ImapMessage>();
            // The UIDs of the batches issued and not yet emitted: at most window × size of them, where a
            // set of every UID asked for was 1.7 MB on the large-object heap for 100,000 messages.
            var wanted = new HashSet<uint>();
            var done = new bool[batches.Count];
            int doneWatermark = 0;     // batches [0, doneWatermark) have completed
            int nextBatch = 0, emitIndex = 0;
            int batchEnd = 0;          // index in uids where batch doneWatermark starts
            MessageProgress? progress = null;
            if (activity != null)
            {
                progress = new MessageProgress(this, activity, "read");
                progress.AddToTotal(uids.Count);
            }
            var fetch = new StreamingFetch(this, mailbox);

            while (true)
            {
                while (fetch.InFlight < window && nextBatch < batches.Count)
                {
                    int index = nextBatch++;
                    var set = SequenceSet.Build(batches[index]);
                    foreach (uint u in batches[index]) wanted.Add(u);
                    if (!fetch.Issue(index, () => UseMessages(session, mailbox, uidValidity, true, mailbox), (lease, onData) => session.Client.UidFetchEachAsync(set, items, onData)))
                    {
                        nextBatch = batches.Count;
                        break;
                    }
                }
                if (fetch.InFlight == 0) break;

                var e = fetch.Next();
                if (!e.IsCompletion)
                {
                    var data = e.Data!;
                    if (data.Uid is uint uid && wanted.Contains(uid) && !arrived.ContainsKey(uid))
                    {
                        var message = BuildMessage(session, mailbox, uidValidity, data, extras);
                        message.Live = Live;
                        arrived[uid] = message;
                    }
                }
                else
                {
                    done[e.Batch] = true;
                    while (doneWatermark < batches.Count && done[doneWatermark]) batchEnd += batches[doneWatermark++].Length;
                }

                // Emit in the order asked for; a UID of a completed batch that never came is missing.
                while (emitIndex < uids.Count)
                {
                    uint next = uids[emitIndex];
                    if (arrived.TryGetValue(next, out var message))
                    {
                        arrived.Remove(next);
                        wanted.Remove(next);
                        emitIndex++;
                        progress?.Add(1, "from " + mailbox);
                        yield return message;
                    }
                    else if (emitIndex < batchEnd)
                    {
                        wanted.Remove(next);
                        emitIndex++;
                        if (reportMissing) WriteError(MessageNotFound(mailbox, next));
                    }
                    else break;
                }
                FlushTrace();
            }
            progress?.Complete();
        }

        /// <summary>
        /// MimeKit's parser with MIME nesting bounded like BODYSTRUCTURE's (100 levels): deeper parts stay
        /// opaque. A sender controls the nesting, and MimeKit writes a message back (Add-ImapMessage of a
        /// fetched message, ToString) recursively: its default of 1,024 levels overflows a 1 MB stack.
        /// </summary>
        private static readonly ParserOptions BoundedParser = CreateBoundedParser();

        private static ParserOptions CreateBoundedParser()
        {
            var options = ParserOptions.Default.Clone();
            options.MaxMimeDepth = 100;
            return options;
        }

        /// <summary>
        /// Fills TextBody of <paramref name="messages"/> (fetched with their BODYSTRUCTURE) from one
        /// part each: the first text/plain part that is not an attachment, else the first text/html
        /// one, converted to text. Only those parts are downloaded (BODY.PEEK, so \Seen is not set),
        /// one UID FETCH per part number; their transfer encoding and charset are decoded.
        /// </summary>
        internal void FetchTextBodies(ImapSession session, string mailbox, uint uidValidity, List<ImapMessage> messages, bool keepStructure)
        {
            var wanted = new List<(ImapMessage Message, BodyPartBasic Part)>();
            foreach (var m in messages)
            {
                var part = m.BodyStructure == null ? null : TextPartOf(m.BodyStructure);
                if (part != null) wanted.Add((m, part));
                else m.TextBody = m.BodyStructure == null ? null : "";
                if (!keepStructure) m.BodyStructure = null;
            }
            foreach (var group in wanted.GroupBy(w => w.Part.PartSpecifier.Length == 0 ? TextSection : w.Part.PartSpecifier))
            {
                var byUid = group.ToDictionary(w => w.Message.Uid);
                var items = new FetchItems(FetchAttributes.Uid, group.Key);
                var set = SequenceSet.Build(byUid.Keys);
                var fetch = new StreamingFetch(this, mailbox);
                // Kept until the fetch ends: a fetch that fails leaves the texts unset, as if never asked.
                var collected = fetch.Run(() => UseMessages(session, mailbox, uidValidity, true, mailbox), (lease, onData) => session.Client.UidFetchEachAsync(set, items, onData)).ToList();
                if (!fetch.LastIssued) return;
                if (!fetch.LastSucceeded) continue;
                foreach (var data in collected)
                {
                    if (!(data.Uid is uint uid) || !byUid.TryGetValue(uid, out var w)) continue;
                    if (!(data.FindSection(group.Key)?.GetBytes() is byte[] raw)) continue;
                    string text = DecodeText(raw, w.Part);
                    if (w.Part.MediaSubtype.Equals("html", StringComparison.OrdinalIgnoreCase))
                    {
                        w.Message.HtmlBody = text;
                        text = HtmlText.ToPlainText(text);
                    }
                    w.Message.TextBody = text;
                    byUid.Remove(uid);
                }
                foreach (var missing in byUid.Values)
                    WriteError(new ErrorRecord(new ItemNotFoundException("The server did not return the text (part " + group.Key + ") of UID " + missing.Message.Uid + " in '" + mailbox + "'."),
                        "PartNotFound", ErrorCategory.ObjectNotFound, missing.Message));
            }
        }

        /// <summary>The part that holds a message's text: text/plain, else text/html, never an attachment or a part of an embedded message.</summary>
        internal static BodyPartBasic? TextPartOf(BodyStructure structure)
        {
            BodyPartBasic? html = null;
            foreach (var part in structure.EnumerateLeafParts())
            {
                if (!part.MediaType.Equals("text", StringComparison.OrdinalIgnoreCase)) continue;
                if (string.Equals(part.Disposition, "attachment", StringComparison.OrdinalIgnoreCase)) continue;
                if (part.MediaSubtype.Equals("plain", StringComparison.OrdinalIgnoreCase)) return part;
                if (html == null && part.MediaSubtype.Equals("html", StringComparison.OrdinalIgnoreCase)) html = part;
            }
            return html;
        }

        /// <summary>Decodes a part's bytes: its Content-Transfer-Encoding, then its charset (MimeKit's rules and fallbacks).</summary>
        internal static string DecodeText(byte[] raw, BodyPartBasic part)
        {
            var textPart = new TextPart(part.MediaSubtype.ToLowerInvariant());
            if (part.Parameters.TryGetValue("charset", out var charset) && charset.Length > 0) textPart.ContentType.Charset = charset;
            textPart.Content = new MimeContent(new MemoryStream(raw, false), SaveImapAttachmentCommand.ContentEncodingOf(part.ContentTransferEncoding));
            return textPart.Text;
        }

        internal static ImapMessage BuildMessage(ImapSession session, string mailbox, uint uidValidity, FetchData data, FetchExtras extras)
        {
            var message = new ImapMessage(session, mailbox, uidValidity, data.Uid ?? 0);
            message.Apply(data);
            if ((extras & FetchExtras.Headers) != 0 && data.FindSection(HeaderSection)?.GetBytes() is byte[] header)
            {
                using (var stream = new MemoryStream(header, false))
                    message.Headers = HeaderList.Load(stream);
            }
            if ((extras & FetchExtras.Full) != 0 && data.FindSection(WholeMessage)?.GetBytes() is byte[] body)
            {
                using (var stream = new MemoryStream(body, false))
                    message.ApplyFull(MimeMessage.Load(BoundedParser, stream));
            }
            return message;
        }
    }
}
