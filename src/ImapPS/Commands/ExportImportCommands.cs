using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Threading.Tasks;
using ImapPS.Archive;
using ImapPS.Client;
using ImapPS.Client.Protocol;

namespace ImapPS.Commands
{
    /// <summary>
    /// <para type="synopsis">Backs up mailboxes to a Maildir, mbox files or .eml folders, incrementally and restartably.</para>
    /// </summary>
    [Cmdlet(VerbsData.Export, "ImapMailbox", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(ImapExportResult))]
    public sealed class ExportImapMailboxCommand : ImapSessionCmdlet
    {
        private const int ChunkMessages = 250;

        /// <summary>What an archive keeps of a message: its flags, internal date and every byte.</summary>
        internal static readonly FetchItems MessageItems = new FetchItems(FetchAttributes.Uid | FetchAttributes.Flags | FetchAttributes.InternalDate, FetchItems.WholeMessage);
        private const int OverallActivityId = 7101;
        private const int MailboxActivityId = 7102;
        private readonly List<(ImapSession Session, ImapMailbox Mailbox)> _work = new List<(ImapSession, ImapMailbox)>();
        private readonly HashSet<string> _seen = new HashSet<string>(StringComparer.Ordinal);
        private string _destination = "";

        /// <summary>The mailboxes to export (the Name of piped mailboxes binds here).</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("Name")]
        [ArgumentCompleter(typeof(MailboxNameCompleter))]
        [ValidateNotNullOrEmpty]
        public string[] Mailbox { get; set; } = Array.Empty<string>();

        /// <summary>
        /// The folder to export into (created when missing). A Maildir is always a tree rooted here
        /// (INBOX is the folder itself, A/B is .A.B); mbox files and .eml folders go to
        /// &lt;Destination&gt;/&lt;path&gt;.mbox and &lt;Destination&gt;/&lt;path&gt;/. For one mbox
        /// without -Recurse, a path ending in .mbox is the file itself.
        /// </summary>
        [Parameter(Mandatory = true, Position = 1)]
        [ValidateNotNullOrEmpty]
        public string Destination { get; set; } = "";

        /// <summary>The format: Maildir (default), Mbox or Eml.</summary>
        [Parameter]
        public ArchiveFormat Format { get; set; } = ArchiveFormat.Maildir;

        /// <summary>Exports the mailboxes below each mailbox too, every level.</summary>
        [Parameter]
        public SwitchParameter Recurse { get; set; }

        /// <summary>Only mailboxes whose path (or server name) matches one of these wildcard patterns.</summary>
        [Parameter]
        [SupportsWildcards]
        public string[]? Include { get; set; }

        /// <summary>No mailbox whose path (or server name) matches one of these wildcard patterns.</summary>
        [Parameter]
        [SupportsWildcards]
        public string[]? Exclude { get; set; }

        /// <summary>
        /// Writes into a destination that holds another account's or mailbox's export, or files this
        /// module did not write. Without it such a destination is refused (DestinationInUse), so two
        /// accounts never end up mixed in one copy.
        /// </summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <inheritdoc />
        protected override void BeginInput() => _destination = GetUnresolvedProviderPathFromPSPath(Destination);

        /// <summary>Collects the mailboxes; the export runs at the end, when the whole job (and the overall progress) is known.</summary>
        protected override void ProcessRecord()
        {
            var session = ResolveSession();
            foreach (var given in Mailbox)
            {
                if (!IsValidMailboxName(given, nameof(Mailbox))) continue;
                var name = MailboxPath(session, given)!;
                if (!TryRun(() =>
                    {
                        var found = new List<ImapMailbox>();
                        if (Recurse)
                        {
                            var children = MailboxLister.Children(session, name, Await, out var self);
                            if (self != null) found.Add(self);
                            found.AddRange(children);
                        }
                        else found.AddRange(MailboxLister.List(session, name, false, false, Await).Where(m => m.Name == name || (name == "INBOX" && string.Equals(m.Name, "INBOX", StringComparison.OrdinalIgnoreCase))));
                        return found;
                    }, given, out var mailboxes)) continue;
                if (mailboxes.Count == 0)
                {
                    WriteError(new ErrorRecord(new ItemNotFoundException("There is no mailbox '" + name + "' on '" + session.Name + "'."), "MailboxNotFound", ErrorCategory.ObjectNotFound, given));
                    continue;
                }
                foreach (var m in mailboxes)
                {
                    if (!m.IsSelectable || !Wanted(m)) continue;
                    if (_seen.Add(session.Id + "\n" + m.Name)) _work.Add((session, m));
                }
            }
        }

        private bool Wanted(ImapMailbox mailbox) => SelectedByPatterns(Include, Exclude, mailbox.Path, mailbox.Name);

        /// <inheritdoc />
        protected override void EndProcessing()
        {
            bool singleFile = Format == ArchiveFormat.Mbox && _work.Count == 1 && !Recurse &&
                string.Equals(System.IO.Path.GetExtension(_destination), ".mbox", StringComparison.OrdinalIgnoreCase);
            for (int i = 0; i < _work.Count; i++)
            {
                var (session, mailbox) = _work[i];
                if (_work.Count > 1)
                    WriteProgress(new ProgressRecord(OverallActivityId, "Export-ImapMailbox", "Mailbox " + (i + 1) + " of " + _work.Count + ": " + mailbox.Name)
                    { PercentComplete = 100 * i / _work.Count });
                var result = ExportOne(session, mailbox, singleFile);
                if (result != null) WriteObject(result);
            }
            if (_work.Count > 1)
                WriteProgress(new ProgressRecord(OverallActivityId, "Export-ImapMailbox", "Done") { RecordType = ProgressRecordType.Completed, PercentComplete = 100 });
            base.EndProcessing();
        }

        private ImapExportResult? ExportOne(ImapSession session, ImapMailbox mailbox, bool singleFile)
        {
            var clock = Stopwatch.StartNew();
            var levels = mailbox.Path.Split('/');
            ArchiveFolder folder;
            try
            {
                folder = ArchiveFolder.Open(Format, _destination, levels, singleFile);
            }
            catch (Exception ex) when (ex is ArgumentException || ex is IOException || ex is InvalidDataException || ex is UnauthorizedAccessException)
            {
                WriteError(new ErrorRecord(ex, ex is ArgumentException ? "MailboxNameNotStorable" : "DestinationUnreadable", ErrorCategory.InvalidArgument, mailbox.Name));
                return null;
            }
            // The account and mailbox, not the port: the same account reached over IMAPS or a proxy is the same copy.
            string source = (session.User ?? "") + "@" + session.Server + "/" + mailbox.Name;
            if (!Force && folder.State.Source != null && folder.State.Source != source)
            {
                WriteError(new ErrorRecord(new IOException("'" + folder.Path + "' holds the export of " + folder.State.Source + ", not of " + source +
                    ". Nothing was written. Choose another -Destination, or use -Force to write there anyway."), "DestinationInUse", ErrorCategory.ResourceExists, folder.Path));
                return null;
            }
            if (!Force && folder.HasForeignContent)
            {
                WriteError(new ErrorRecord(new IOException("'" + folder.Path + "' holds messages that Export-ImapMailbox did not write (there is no state file). Nothing was written. " +
                    "Choose another -Destination, or use -Force to add to it."), "DestinationInUse", ErrorCategory.ResourceExists, folder.Path));
                return null;
            }
            if (!ShouldProcess(mailbox.Name + " on " + session.Name, "Export as " + Format + " to '" + folder.Path + "'")) return null;

            var result = new ImapExportResult { SessionName = session.Name, Mailbox = mailbox.Name, Format = Format.ToString(), Destination = folder.Path };
            // HIGHESTMODSEQ is asked only of a server that offers CONDSTORE (the typed STATUS leaves it out otherwise).
            // TryCommand: on a -Reconnect session a STATUS cut by a lost connection is sent again.
            if (!TryCommand(() => session.Client.StatusAsync(mailbox.Name, StatusItems.Messages | StatusItems.UidNext | StatusItems.UidValidity | StatusItems.HighestModSeq),
                    "STATUS", mailbox.Name, out var statusResponse)) return null;
            StatusData? status = null;
            foreach (var u in statusResponse.Untagged) if (u.Name == "STATUS") status = StatusData.Parse(u);
            var state = folder.State;
            try
            {
                state.Source = source;
                folder.Prepare();
                if (folder is MboxFolder mbox && mbox.TruncatedBytes > 0)
                    WriteVerbose("Cut off " + mbox.TruncatedBytes + " bytes after the last complete message of '" + folder.Path + "' (left by an interrupted run).");
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                WriteError(new ErrorRecord(ex, "DestinationUnwritable", ErrorCategory.WriteError, folder.Path));
                return null;
            }
            ulong modSeq = status?.HighestModSeq ?? 0;
            if (status != null && state.UidValidity != 0 && state.UidValidity == status.UidValidity && state.UidNext != 0 && state.UidNext == status.UidNext &&
                modSeq != 0 && state.HighestModSeq == modSeq)
            {
                result.Method = "Unchanged";
                result.UidValidity = state.UidValidity;
                result.Messages = state.Messages.Count;
                result.Complete = true;
                result.Duration = clock.Elapsed;
                return result;
            }

            uint uidValidity;
            using (var lease = TryUseMailbox(session, mailbox.Name, readOnly: true))
            {
                if (lease == null) return null;
                uidValidity = lease.UidValidity;
            }
            result.UidValidity = uidValidity;
            if (status?.UidValidity != uidValidity) modSeq = 0; // changed between STATUS and SELECT: trust neither's counters
            bool sameEpoch = state.UidValidity == uidValidity;
            if (state.UidValidity != 0 && !sameEpoch)
            {
                WriteVerbose("The UIDVALIDITY of '" + mailbox.Name + "' changed from " + state.UidValidity + " to " + uidValidity + ": messages already in '" + folder.Path +
                    "' are recognised by their content and not written again.");
                folder.StartNewUidValidity(uidValidity);
                result.UidValidityChanged = true;
            }
            state.UidValidity = uidValidity;

            // What changed: with CONDSTORE only messages changed since the last run, else every UID with its flags.
            ulong? changedSince = null;
            if (modSeq != 0 && sameEpoch && state.HighestModSeq != 0)
            {
                changedSince = state.HighestModSeq;
                result.Method = "CONDSTORE";
            }
            else result.Method = state.Messages.Count == 0 && state.Orphans.Count == 0 ? "First" : "Full";
            var listing = new ConcurrentQueue<(uint Uid, string[] Flags)>();
            Task<ImapResponse> list;
            using (var lease = TryUseMailbox(session, mailbox.Name, readOnly: true))
            {
                if (lease == null) return null;
                if (lease.UidValidity != uidValidity) { WriteError(UidValidityError(mailbox.Name, uidValidity, lease.UidValidity)); return null; }
                list = session.Client.UidFetchEachAsync("1:*", FetchItems.UidAndFlags, r =>
                {
                    var data = FetchData.Parse(r);
                    if (data.Uid is uint uid) listing.Enqueue((uid, CleanFlags(data.Flags)));
                }, changedSince: changedSince);
            }
            if (!TryRun(() => Await(list), mailbox.Name, out _)) return Finish(result, folder, clock, false);

            var download = new List<uint>();
            foreach (var (uid, flags) in listing.OrderBy(l => l.Uid))
            {
                if (state.Messages.TryGetValue(uid, out var held))
                {
                    if (SameFlags(held.Flags, flags)) continue;
                    if (folder.UpdateFlags(held, flags)) { result.FlagsUpdated++; continue; }
                    state.Messages.Remove(uid);
                }
                download.Add(uid);
            }
            folder.SaveState();

            var progress = new MailboxProgress(this, MailboxActivityId, _work.Count > 1 ? OverallActivityId : -1, mailbox.Name, download.Count);
            bool complete = true;
            try
            {
                for (int start = 0; start < download.Count && complete; start += ChunkMessages)
                {
                    var chunk = download.Skip(start).Take(ChunkMessages).ToList();
                    complete = FetchChunk(session, mailbox.Name, uidValidity, folder, chunk, result, progress);
                    folder.SaveState();
                }
            }
            finally
            {
                // Also when a cut or Ctrl+C ends the command: what was written is recorded, and the next run resumes after it.
                folder.SaveState();
                progress.Complete();
            }
            if (complete)
            {
                state.UidNext = status?.UidNext ?? 0;
                state.HighestModSeq = modSeq;
            }
            return Finish(result, folder, clock, complete);
        }

        private ImapExportResult Finish(ImapExportResult result, ArchiveFolder folder, Stopwatch clock, bool complete)
        {
            folder.SaveState();
            result.Messages = folder.State.Messages.Count;
            result.Complete = complete;
            result.Duration = clock.Elapsed;
            return result;
        }

        /// <summary>Fetches one chunk of messages and stores each as soon as it is complete; false when the mailbox cannot go on.</summary>
        private bool FetchChunk(ImapSession session, string mailbox, uint uidValidity, ArchiveFolder folder, List<uint> uids, ImapExportResult result, MailboxProgress progress)
        {
            var responses = new BlockingCollection<object>();
            var opened = new ConcurrentQueue<(string Path, FileStream Stream)>();
            Task<ImapResponse> fetch;
            using (var lease = TryUseMailbox(session, mailbox, readOnly: true))
            {
                if (lease == null) return false;
                if (lease.UidValidity != uidValidity) { WriteError(UidValidityError(mailbox, uidValidity, lease.UidValidity)); return false; }
                fetch = session.Client.UidFetchEachAsync(SequenceSet.Build(uids), MessageItems, r => responses.Add(r), request =>
                {
                    // On the engine's reader, for literals too large to keep in memory: straight to a temporary file.
                    var temp = folder.NewTempFile();
                    var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920);
                    opened.Enqueue((temp, stream));
                    return stream;
                });
            }
            fetch.ContinueWith(t => responses.Add(t), TaskScheduler.Default);
            var stored = new HashSet<uint>();
            bool ok = true;
            try
            {
                while (true)
                {
                    object item;
                    while (!responses.TryTake(out item!, 50, StopToken)) FlushTrace();
                    if (item is Task<ImapResponse> done)
                    {
                        ok = TryRun(() => Await(done), mailbox, out _,
                            ifCut: result.Added + " messages of '" + mailbox + "' were written to '" + folder.Path + "' before the cut; run the same command again to resume.");
                        break;
                    }
                    var data = FetchData.Parse((ServerResponse)item);
                    var section = data.FindSection("");
                    if (data.Uid is not uint uid || section == null || section.IsNil)
                    {
                        if (section != null && section.IsStreamed && opened.TryDequeue(out var unused)) { unused.Stream.Dispose(); ArchiveFolder.TryDelete(unused.Path); }
                        continue;
                    }
                    string temp;
                    if (section.IsStreamed)
                    {
                        if (!opened.TryDequeue(out var file)) continue;
                        file.Stream.Dispose();
                        temp = file.Path;
                    }
                    else
                    {
                        temp = folder.NewTempFile();
                        File.WriteAllBytes(temp, section.GetBytes() ?? Array.Empty<byte>());
                    }
                    long size = new FileInfo(temp).Length;
                    try
                    {
                        if (folder.Add(uid, CleanFlags(data.Flags), data.InternalDate, temp)) { result.Added++; result.Bytes += size; }
                        else result.Matched++;
                    }
                    catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                    {
                        ArchiveFolder.TryDelete(temp);
                        ThrowTerminatingError(new ErrorRecord(ex, "DestinationUnwritable", ErrorCategory.WriteError, folder.Path));
                    }
                    stored.Add(uid);
                    progress.Add(1);
                }
            }
            finally
            {
                // A stopped pipeline leaves the engine writing into files nobody will move into place.
                while (opened.TryDequeue(out var left))
                {
                    left.Stream.Dispose();
                    ArchiveFolder.TryDelete(left.Path);
                }
            }
            // A UID listed a moment ago may have been expunged since: not an error, it is gone.
            return ok;
        }

        private static readonly string[] NoFlags = Array.Empty<string>();

        /// <summary>The flags worth keeping (\Recent belongs to a session, not a message), in a stable order.</summary>
        internal static string[] CleanFlags(IReadOnlyList<string>? flags)
        {
            if (flags == null || flags.Count == 0) return NoFlags;
            return flags.Where(f => !string.Equals(f, "\\Recent", StringComparison.OrdinalIgnoreCase) && f.Length > 0)
                .OrderBy(f => f, StringComparer.OrdinalIgnoreCase).ToArray();
        }

        private static bool SameFlags(string[] a, string[] b)
            => a.Length == b.Length && a.OrderBy(f => f, StringComparer.OrdinalIgnoreCase).SequenceEqual(b.OrderBy(f => f, StringComparer.OrdinalIgnoreCase), StringComparer.OrdinalIgnoreCase);

        private static ErrorRecord UidValidityError(string mailbox, uint expected, uint actual)
            => new ErrorRecord(new InvalidOperationException("The UIDVALIDITY of '" + mailbox + "' changed from " + expected + " to " + actual +
                " during the export; its UIDs now mean other messages. Nothing more was written; run the command again."), "UidValidityChanged", ErrorCategory.InvalidData, mailbox);
    }

    /// <summary>Progress of the messages of one mailbox, as a child of the overall progress when there is one.</summary>
    internal sealed class MailboxProgress
    {
        private readonly Cmdlet _cmdlet;
        private readonly int _id;
        private readonly int _parent;
        private readonly string _mailbox;
        private readonly int _total;
        private int _done;
        private int _shownPercent = -1;

        internal MailboxProgress(Cmdlet cmdlet, int id, int parent, string mailbox, int total)
        {
            _cmdlet = cmdlet;
            _id = id;
            _parent = parent;
            _mailbox = mailbox;
            _total = total;
        }

        internal void Add(int messages)
        {
            _done += messages;
            if (_total < MessageProgress.Threshold) return;
            int percent = (int)Math.Min(100, 100L * _done / _total);
            if (percent == _shownPercent) return;
            _shownPercent = percent;
            _cmdlet.WriteProgress(new ProgressRecord(_id, _mailbox, _done + " of " + _total + " messages") { PercentComplete = percent, ParentActivityId = _parent });
        }

        internal void Complete()
        {
            if (_shownPercent < 0) return;
            _cmdlet.WriteProgress(new ProgressRecord(_id, _mailbox, _done + " messages") { RecordType = ProgressRecordType.Completed, PercentComplete = 100, ParentActivityId = _parent });
        }
    }
    /// <summary>
    /// <para type="synopsis">Restores messages from a Maildir, mbox files or .eml folders into mailboxes, keeping flags and dates, without duplicates on a re-run.</para>
    /// </summary>
    [Cmdlet(VerbsData.Import, "ImapMailbox", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(ImapImportResult))]
    public sealed class ImportImapMailboxCommand : ImapSessionCmdlet
    {
        private const int MultiAppendMessages = 50;

        /// <summary>What finds a message again: its size and Message-ID.</summary>
        private static readonly FetchItems MessageIdItems = new FetchItems(FetchAttributes.Uid | FetchAttributes.Size).WithHeaderFields("Message-ID");

        /// <summary>The whole message, for the hash of one without a Message-ID.</summary>
        internal static readonly FetchItems WholeMessageItems = new FetchItems(FetchAttributes.Uid, FetchItems.WholeMessage);

        /// <summary>
        /// The number of messages of <paramref name="mailbox"/> (STATUS), or null when the server
        /// says it does not exist; any other refusal is thrown.
        /// </summary>
        internal static async Task<uint?> MessageCountAsync(Imap4Client client, string mailbox)
        {
            ImapResponse response;
            try { response = await client.StatusAsync(mailbox, StatusItems.Messages).ConfigureAwait(false); }
            catch (ImapCommandException ex) when (ex.IsNonExistent) { return null; }
            uint messages = 0;
            foreach (var u in response.Untagged) if (u.Name == "STATUS") messages = StatusData.Parse(u).Messages ?? 0;
            return messages;
        }
        private const long MultiAppendBytes = 8L * 1024 * 1024;

        /// <summary>
        /// What to import: a Maildir folder (or Maildir++ tree), an mbox file or a folder of them,
        /// or a folder of .eml files (or a tree of such folders).
        /// </summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("Destination", "FullName")]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = "";

        /// <summary>
        /// The mailbox to import into; with -Recurse the mailbox the tree goes under (without it, each
        /// folder goes to the mailbox of its own path: a Maildir's root to INBOX, .A.B to A/B).
        /// Created when missing.
        /// </summary>
        [Parameter(Position = 1)]
        [ArgumentCompleter(typeof(MailboxNameCompleter))]
        public string? Mailbox { get; set; }

        /// <summary>The format of -Path; by default it is recognised (a file is an mbox, a folder with cur/ a Maildir, else .eml or .mbox files).</summary>
        [Parameter]
        public ArchiveFormat? Format { get; set; }

        /// <summary>Imports every folder of the tree under -Path, each into the mailbox of its path.</summary>
        [Parameter]
        public SwitchParameter Recurse { get; set; }

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            var session = ResolveSession();
            if (!IsValidMailboxName(Mailbox, nameof(Mailbox))) return;
            string path = GetUnresolvedProviderPathFromPSPath(Path);
            ArchiveFormat format;
            List<SourceFolder> folders;
            try
            {
                format = Format ?? ArchiveReader.Detect(path);
                folders = ArchiveReader.Find(path, format, Recurse);
            }
            catch (Exception ex) when (ex is IOException || ex is InvalidDataException || ex is UnauthorizedAccessException)
            {
                WriteError(new ErrorRecord(ex, ex is InvalidDataException ? "UnknownFormat" : "SourceNotFound", ErrorCategory.ObjectNotFound, Path));
                return;
            }
            if (folders.Count == 0)
            {
                WriteError(new ErrorRecord(new ItemNotFoundException("'" + path + "' holds no " + format + " messages" + (Recurse ? "." : " at its top level; use -Recurse for a tree.")),
                    "SourceNotFound", ErrorCategory.ObjectNotFound, Path));
                return;
            }
            foreach (var folder in folders)
            {
                string? target = folder.Levels.Length == 0 ? Mailbox : (string.IsNullOrEmpty(Mailbox) ? "" : Mailbox + "/") + string.Join("/", folder.Levels);
                if (string.IsNullOrEmpty(target))
                {
                    WriteError(new ErrorRecord(new ArgumentException("Give -Mailbox: '" + folder.Path + "' names no mailbox of its own (use -Recurse to import a tree under the names of its folders)."),
                        "MailboxRequired", ErrorCategory.InvalidArgument, folder.Path));
                    continue;
                }
                if (!IsValidMailboxName(target, nameof(Mailbox))) continue;
                var result = ImportOne(session, folder, MailboxPath(session, target)!);
                if (result != null) WriteObject(result);
            }
        }

        private ImapImportResult? ImportOne(ImapSession session, SourceFolder folder, string mailbox)
        {
            var clock = Stopwatch.StartNew();
            var result = new ImapImportResult { SessionName = session.Name, Source = folder.Path, Format = folder.Format.ToString(), Mailbox = mailbox };
            // What the mailbox holds already, so a re-run adds nothing twice.
            var present = new Dictionary<string, int>(StringComparer.Ordinal);
            if (!TryRun(() => Await(MessageCountAsync(session.Client, mailbox)), mailbox, out var messages)) return null;
            bool exists = messages != null;
            if (messages > 0 && !LoadPresent(session, mailbox, present)) return null;

            var pending = new List<(SourceMessage Message, byte[] Bytes)>();
            long pendingBytes = 0;
            bool multi = session.HasCapability("MULTIAPPEND");
            bool confirmed = false, refused = false;
            int total = 0;
            foreach (var message in folder.Messages())
            {
                byte[] bytes;
                try { bytes = Imap4Client.NormaliseLineEnds(message.Load()); }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                {
                    WriteError(new ErrorRecord(ex, "FileReadFailed", ErrorCategory.ReadError, message.Name));
                    result.Failed++;
                    continue;
                }
                total++;
                string key = KeyOf(MessageHeaders.MessageId(bytes), bytes.Length, bytes);
                if (present.TryGetValue(key, out int count) && count > 0)
                {
                    present[key] = count - 1;
                    result.Skipped++;
                    continue;
                }
                if (!confirmed && !refused)
                {
                    // One question per folder: the messages are only known one by one, so it is asked at the first one to add.
                    if (ShouldProcess("'" + mailbox + "' on " + session.Name, "Import the messages of '" + folder.Path + "' that it does not hold"))
                    {
                        confirmed = true;
                        if (!exists && !TryCommand(() => session.Client.CreateAsync(mailbox), "CREATE", mailbox, out _)) return null;
                        exists = true;
                    }
                    else refused = true;
                }
                if (refused) { result.Added++; continue; }
                pending.Add((message, bytes));
                pendingBytes += bytes.Length;
                if (!multi || pending.Count >= MultiAppendMessages || pendingBytes >= MultiAppendBytes)
                {
                    if (!Flush(session, mailbox, pending, multi, result)) return Done(result, clock);
                    pendingBytes = 0;
                }
                if (total % 100 == 0) WriteProgress(new ProgressRecord(7103, "Import-ImapMailbox", total + " messages read from " + folder.Path + " to " + mailbox));
            }
            if (pending.Count > 0) Flush(session, mailbox, pending, multi, result);
            if (total >= 100) WriteProgress(new ProgressRecord(7103, "Import-ImapMailbox", "Done") { RecordType = ProgressRecordType.Completed });
            if (refused) return null;
            return Done(result, clock);
        }

        private static ImapImportResult Done(ImapImportResult result, Stopwatch clock)
        {
            result.Duration = clock.Elapsed;
            return result;
        }

        /// <summary>Appends the pending messages: one MULTIAPPEND where offered, else one APPEND each. False when the folder cannot go on.</summary>
        private bool Flush(ImapSession session, string mailbox, List<(SourceMessage Message, byte[] Bytes)> pending, bool multi, ImapImportResult result)
        {
            var batch = pending.ToList();
            pending.Clear();
            string ifCut = result.Added + " messages were appended to '" + mailbox + "' before; the APPEND of " + batch.Count + " more was sent, outcome unknown. " +
                "Run the same command again: messages the mailbox already holds are recognised and not appended twice.";
            if (multi && batch.Count > 1)
            {
                var items = batch.Select(p => ((IReadOnlyList<string>?)ExportImapMailboxCommand.CleanFlags(p.Message.Flags), p.Message.InternalDate, p.Bytes)).ToList();
                if (TryCommand(() => session.Client.AppendMessagesAsync(mailbox, items), "APPEND", mailbox, out _, ifCut))
                {
                    result.Added += batch.Count;
                    result.Bytes += batch.Sum(p => (long)p.Bytes.Length);
                    return true;
                }
                result.Failed += batch.Count;
                return false;
            }
            foreach (var (message, bytes) in batch)
            {
                if (TryCommand(() => session.Client.AppendMessageAsync(mailbox, ExportImapMailboxCommand.CleanFlags(message.Flags), message.InternalDate, bytes), "APPEND", message.Name, out _, ifCut))
                {
                    result.Added++;
                    result.Bytes += bytes.Length;
                }
                else result.Failed++;
            }
            return true;
        }


        /// <summary>A message's identity for finding it again: its Message-ID and size, or (without a Message-ID) a hash of its content.</summary>
        private static string KeyOf(string? messageId, long size, byte[]? content)
            => messageId != null ? "id:" + messageId + "|" + size.ToString(System.Globalization.CultureInfo.InvariantCulture) : "sha:" + ArchiveFolder.Hash(content!);

        /// <summary>Counts the mailbox's messages by key: the Message-ID and size of each, and a hash of those without a Message-ID.</summary>
        private bool LoadPresent(ImapSession session, string mailbox, Dictionary<string, int> present)
        {
            var withoutId = new ConcurrentQueue<uint>();
            var keys = new ConcurrentQueue<string>();
            Task<ImapResponse> fetch;
            using (var lease = TryUseMailbox(session, mailbox, readOnly: true))
            {
                if (lease == null) return false;
                fetch = session.Client.UidFetchEachAsync("1:*", MessageIdItems, r =>
                {
                    var data = FetchData.Parse(r);
                    if (data.Uid is not uint uid) return;
                    var header = data.FindSection(MessageIdItems.HeaderFieldsSection!)?.GetBytes();
                    var id = header == null ? null : MessageHeaders.MessageId(header);
                    if (id == null) withoutId.Enqueue(uid);
                    else keys.Enqueue(KeyOf(id, data.Size ?? 0, null));
                });
            }
            if (!TryRun(() => Await(fetch), mailbox, out _)) return false;
            if (!withoutId.IsEmpty)
            {
                using (var lease = TryUseMailbox(session, mailbox, readOnly: true))
                {
                    if (lease == null) return false;
                    fetch = session.Client.UidFetchEachAsync(SequenceSet.Build(withoutId.OrderBy(u => u)), WholeMessageItems, r =>
                    {
                        var body = FetchData.Parse(r).FindSection("")?.GetBytes();
                        if (body != null) keys.Enqueue(KeyOf(null, body.Length, body));
                    });
                }
                if (!TryRun(() => Await(fetch), mailbox, out _)) return false;
            }
            foreach (var key in keys) present[key] = present.TryGetValue(key, out var n) ? n + 1 : 1;
            return true;
        }
    }
}
