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
        /// Runs a UID search (SEARCH, SORT: a read) while <paramref name="mailbox"/> is leased, and
        /// waits for its UIDs. On a -Reconnect session a lost connection is re-established by the
        /// session's path (the mailbox selected again, its UIDVALIDITY checked: a change terminates
        /// with UidValidityChanged) and the search is sent again, at most the policy's
        /// MaxOperationRetries times; otherwise a loss terminates with ConnectionLost, and a NO or
        /// BAD writes an error. False when there is no result (the error says why).
        /// <paramref name="beforeSearch"/> runs under each lease before the search is sent (a check
        /// that needs the mailbox selected, such as <see cref="RequireModSeq"/>).
        /// </summary>
        /// <exception cref="ImapCapabilityException">Thrown by <paramref name="search"/> before sending (the caller words it).</exception>
        internal bool TrySearch(ImapSession session, string mailbox, uint? expectedUidValidity, Func<Imap4Client, Task<IReadOnlyList<uint>>> search,
            out IReadOnlyList<uint> found, out uint uidValidity, Action<MailboxLease>? beforeSearch = null)
        {
            found = Array.Empty<uint>();
            uidValidity = 0;
            int losses = 0;
            while (true)
            {
                Task<IReadOnlyList<uint>> task;
                using (var lease = UseMessages(session, mailbox, expectedUidValidity, true, mailbox))
                {
                    if (lease == null) return false;
                    if (uidValidity != 0 && lease.UidValidity != uidValidity)
                        ThrowTerminatingError(ErrorFor(new ImapUidValidityChangedException(mailbox, uidValidity, lease.UidValidity), mailbox));
                    uidValidity = lease.UidValidity;
                    beforeSearch?.Invoke(lease);
                    task = search(session.Client);
                }
                ImapAbortException? lost = null;
                bool resumable = session.Reconnects && losses < session.Reconnector!.Policy.MaxOperationRetries;
                if (!TryRun(() =>
                    {
                        try { return Await(task); }
                        catch (ImapAbortException ex) when (resumable && !(ex is ImapReconnectFailedException) && !StopToken.IsCancellationRequested)
                        {
                            lost = ex;
                            return Array.Empty<uint>();
                        }
                    }, mailbox, out var result))
                    return false;
                if (lost == null)
                {
                    found = result;
                    return true;
                }
                losses++;
                ReconnectSession(session);
                WriteWarning(MyInvocation.MyCommand.Name + ": the search in '" + mailbox + "' was cut by the lost connection and is sent again.");
            }
        }

        /// <summary>
        /// Fetches summaries (plus <paramref name="extras"/>) of <paramref name="uids"/> and yields
        /// them in that order as they arrive. A UID the server does not return yields a
        /// MessageNotFound error when <paramref name="reportMissing"/>. Write the objects yielded
        /// right away; no mailbox lease is held while yielding. On a -Reconnect session a lost
        /// connection is resumed (<see cref="StreamingFetch.ResumeOn"/>): the UIDs not yielded yet,
        /// and not already received, are fetched again, so each message is yielded once.
        /// With <paramref name="changedSince"/> only the messages whose MODSEQ is above it answer (CHANGEDSINCE; check <see cref="RequireModSeq"/> first).
        /// </summary>
        internal IEnumerable<ImapMessage> FetchMessages(ImapSession session, string mailbox, uint uidValidity, IReadOnlyList<uint> uids,
            FetchExtras extras, bool reportMissing, string? activity = null, ulong? changedSince = null)
        {
            if (uids.Count == 0) yield break;
            int first = (extras & FetchExtras.Full) != 0 ? 10 : 50;
            // The reader runs ahead of the pipeline by up to window × size answers, all of them alive at each
            // collection: 4 × 250 summaries (~0.25 MB) rather than 4 × 500 halve what survives into the older
            // generations (docs/performance.md, issue 18) and keep four commands in flight against latency.
            int size = (extras & FetchExtras.Full) != 0 ? 50 : 250;
            const int window = 4;
            var items = FetchItemsFor(extras);
            var arrived = new Dictionary<uint, ImapMessage>();
            // The UIDs of the batches issued and not yet emitted (or told missing): at most window × size,
            // where a set of every UID asked for was 1.7 MB on the large-object heap for 100,000 messages.
            var wanted = new HashSet<uint>();
            // UIDs whose batch ended with OK and that were not emitted by then: when they did not arrive,
            // the server has no such message. Emitted ones leave it, so it stays as small as wanted.
            var answered = new HashSet<uint>();
            int emitIndex = 0;
            MessageProgress? progress = null;
            if (activity != null)
            {
                progress = new MessageProgress(this, activity, "read");
                progress.AddToTotal(uids.Count);
            }
            var fetch = new StreamingFetch(this, mailbox).ResumeOn(this, session, activity ?? MyInvocation.MyCommand.Name);
            // UIDs in ascending order (every -All, most searches) are emitted in that order, each once: the
            // ones below the next to emit are behind, and the fetch need not remember each one.
            if (StrictlyAscending(uids)) fetch.EmittedInAscendingOrder(u => emitIndex == uids.Count || u < uids[emitIndex]);
            var toFetch = uids;
            while (true)
            {
                // Batches of what is still to fetch: all of it at first; after a loss what was neither emitted nor received.
                var batches = new List<uint[]>();
                for (int i = 0; i < toFetch.Count;)
                {
                    int n = Math.Min(batches.Count == 0 && emitIndex == 0 ? first : size, toFetch.Count - i);
                    var batch = new uint[n];
                    for (int j = 0; j < n; j++) batch[j] = toFetch[i + j];
                    batches.Add(batch);
                    i += n;
                }
                int nextBatch = 0;
                while (true)
                {
                    // Once the connection is gone no batch is issued while others are still to end: their
                    // messages already received are emitted first, then their ends tell the loss (or resume).
                    while (fetch.InFlight < window && nextBatch < batches.Count && !fetch.HasLost && !(fetch.InFlight > 0 && session.Client.AbortError != null))
                    {
                        int index = nextBatch++;
                        var set = SequenceSet.Build(batches[index]);
                        // Before the command is sent: its answers may arrive on the reader at once.
                        foreach (uint u in batches[index]) wanted.Add(u);
                        if (!fetch.Issue(index, () => UseMessages(session, mailbox, uidValidity, true, mailbox), (lease, onData) => session.Client.UidFetchEachAsync(set, KeepsModSeq(session) ? items.With(FetchAttributes.ModSeq) : items, onData, changedSince: changedSince)))
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
                        // An unsolicited FETCH (another client's flag change) carries UID, FLAGS and, once
                        // CONDSTORE is enabled, MODSEQ: never the summary's other items, so it is not taken for the answer.
                        if (data.Uid is uint uid && wanted.Contains(uid) && !arrived.ContainsKey(uid) && !fetch.WasEmitted(uid) &&
                            (data.Envelope != null || data.Size != null || data.InternalDate != null))
                        {
                            var message = BuildMessage(session, mailbox, uidValidity, data, extras);
                            message.Live = Live;
                            arrived[uid] = message;
                        }
                    }
                    else if (e.Succeeded)
                    {
                        foreach (uint u in batches[e.Batch])
                            if (!fetch.WasEmitted(u)) answered.Add(u);
                    }

                    // Emit in the order asked for; a UID of a batch answered OK that never came is missing.
                    while (emitIndex < uids.Count)
                    {
                        uint next = uids[emitIndex];
                        if (arrived.TryGetValue(next, out var message))
                        {
                            arrived.Remove(next);
                            wanted.Remove(next);
                            answered.Remove(next);
                            emitIndex++;
                            fetch.MarkEmitted(next);
                            progress?.Add(1, "from " + mailbox);
                            yield return message;
                        }
                        // A UID asked for twice was emitted at its first place: its batch answered for it.
                        else if (answered.Contains(next) || fetch.WasEmitted(next))
                        {
                            wanted.Remove(next);
                            emitIndex++;
                            if (reportMissing) WriteError(MessageNotFound(mailbox, next));
                        }
                        else break;
                    }
                    FlushTrace();
                }
                if (!fetch.HasLost) break;
                // The connection was lost: what was neither emitted, received nor answered is fetched again.
                var left = new List<uint>();
                for (int i = emitIndex; i < uids.Count; i++)
                    if (!arrived.ContainsKey(uids[i]) && !answered.Contains(uids[i]) && !fetch.WasEmitted(uids[i])) left.Add(uids[i]);
                if (left.Count > 0)
                {
                    fetch.Resume(left.Count);
                    toFetch = left;
                    continue;
                }
                // Only tagged answers were lost: every message still to emit is here (or was answered missing).
                fetch.ForgetLoss();
                for (; emitIndex < uids.Count; emitIndex++)
                {
                    uint next = uids[emitIndex];
                    if (arrived.TryGetValue(next, out var message))
                    {
                        arrived.Remove(next);
                        fetch.MarkEmitted(next);
                        progress?.Add(1, "from " + mailbox);
                        yield return message;
                    }
                    else if (reportMissing) WriteError(MessageNotFound(mailbox, next));
                }
                break;
            }
            progress?.Complete();
        }

        private static bool StrictlyAscending(IReadOnlyList<uint> uids)
        {
            for (int i = 1; i < uids.Count; i++)
                if (uids[i] <= uids[i - 1]) return false;
            return true;
        }

        /// <summary>
        /// True when the leased mailbox keeps mod-sequences on a server that offers CONDSTORE, so
        /// summaries carry MODSEQ (a NOMODSEQ mailbox refuses it with BAD). The engine learns it
        /// once per SELECT; a failure to learn it only leaves ModSeq out.
        /// </summary>
        internal bool KeepsModSeq(ImapSession session)
        {
            var client = session.Client;
            if (!client.HasCapability("CONDSTORE") || client.NoModSeq) return false;
            if (client.HighestModSeq != 0) return true;
            try
            {
                return Await(client.SelectedHighestModSeqAsync()) != null;
            }
            catch (ImapException ex) when (!IsFatal(ex))
            {
                WriteVerbose("Could not learn whether '" + client.SelectedMailbox + "' keeps mod-sequences (" + ex.Message.TrimEnd('.') + "); messages are read without ModSeq.");
                return false;
            }
        }

        /// <summary>
        /// For -ChangedSince and -UnchangedSince, while <paramref name="mailbox"/> is leased: a
        /// terminating error unless the server offers CONDSTORE (CondStoreNotSupported) and the
        /// mailbox keeps mod-sequences (ModSeqNotSupported). Without them the server could not
        /// tell which messages changed, and the cmdlet would act on every message instead.
        /// With <paramref name="lease"/> (a search or fetch by mod-sequence), a mailbox selected
        /// by an earlier command is synchronised first with NOOP: servers apply other clients'
        /// changes to a session's view only between commands (Dovecot after each one), so the
        /// search would otherwise miss the changes made since this session's last command.
        /// </summary>
        internal void RequireModSeq(ImapSession session, string mailbox, string parameter, ulong value, MailboxLease? lease = null)
        {
            if (value >= long.MaxValue)
                ThrowTerminatingError(new ErrorRecord(new ArgumentOutOfRangeException(parameter, "-" + parameter + " is a mod-sequence: at most " + (long.MaxValue - 1) + "."),
                    "InvalidModSeq", ErrorCategory.InvalidArgument, value));
            var client = session.Client;
            if (!client.HasCapability("CONDSTORE"))
                ThrowTerminatingError(new ErrorRecord(new NotSupportedException("The server " + session.Server + " does not offer CONDSTORE (RFC 7162): it keeps no mod-sequences, " +
                        "so -" + parameter + " cannot be honoured. Run the command without -" + parameter + "."),
                    "CondStoreNotSupported", ErrorCategory.NotImplemented, mailbox));
            ulong? highest = null;
            try
            {
                highest = Await(client.SelectedHighestModSeqAsync());
            }
            catch (ImapException ex) when (!IsFatal(ex))
            {
                ThrowTerminatingError(ErrorFor(ex, mailbox));
            }
            if (highest == null)
                ThrowTerminatingError(new ErrorRecord(new NotSupportedException("The mailbox '" + mailbox + "' on " + session.Server + " keeps no mod-sequences (NOMODSEQ, RFC 7162), " +
                        "so -" + parameter + " cannot be honoured there. Run the command without -" + parameter + "."),
                    "ModSeqNotSupported", ErrorCategory.NotImplemented, mailbox));
            if (lease != null && lease.SelectResponse == null) TryRun(() => Await(client.NoopAsync()), mailbox, out _);
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
                var fetch = new StreamingFetch(this, mailbox).ResumeOn(this, session, MyInvocation.MyCommand.Name);
                // Kept until the fetch ends: a fetch that fails leaves the texts unset, as if never asked.
                var collected = fetch.RunResumable(byUid.Keys.ToList(), () => UseMessages(session, mailbox, uidValidity, true, mailbox),
                    (lease, set, onData) => session.Client.UidFetchEachAsync(set, items, onData), isMessage: d => d.FindSection(group.Key) != null).ToList();
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
