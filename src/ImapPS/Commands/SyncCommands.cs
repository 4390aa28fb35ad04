using System;
using System.Collections;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Management.Automation;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Tasks;
using ImapPS.Archive;
using ImapPS.Client;
using ImapPS.Client.Protocol;

namespace ImapPS.Commands
{
    /// <summary>
    /// <para type="synopsis">Copies mailboxes one way from one account to another (what imapsync does): flags and dates kept, messages already there recognised, restartable.</para>
    /// </summary>
    [Cmdlet(VerbsData.Sync, "ImapMailbox", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(ImapSyncResult))]
    public sealed class SyncImapMailboxCommand : ImapCmdlet
    {
        private const int CopyChunkMessages = 50;
        private const long CopyChunkBytes = 8L * 1024 * 1024;
        /// <summary>A listing's items: flags, date, size and the header fields of <see cref="KeyOf"/>.</summary>
        private static readonly FetchItems ListItems = new FetchItems(FetchAttributes.Uid | FetchAttributes.Flags | FetchAttributes.InternalDate | FetchAttributes.Size)
            .WithHeaderFields("Message-ID", "Date", "From", "Subject");

        /// <summary>The session to copy from (read only: mailboxes are EXAMINEd, messages fetched with BODY.PEEK).</summary>
        [Parameter(Mandatory = true)]
        [SessionArgument]
        [ArgumentCompleter(typeof(SessionNameCompleter))]
        [ValidateNotNull]
        public ImapSession Source { get; set; } = null!;

        /// <summary>The session to copy to.</summary>
        [Parameter(Mandatory = true)]
        [SessionArgument]
        [ArgumentCompleter(typeof(SessionNameCompleter))]
        [ValidateNotNull]
        public ImapSession Destination { get; set; } = null!;

        /// <summary>The source mailboxes (paths with '/' between levels); by default every mailbox of the source account.</summary>
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("Name")]
        public string[]? Mailbox { get; set; }

        /// <summary>With -Mailbox: the mailboxes below each one too.</summary>
        [Parameter]
        public SwitchParameter Recurse { get; set; }

        /// <summary>Only source mailboxes whose path matches one of these wildcard patterns.</summary>
        [Parameter]
        [SupportsWildcards]
        public string[]? Include { get; set; }

        /// <summary>No source mailbox whose path matches one of these wildcard patterns.</summary>
        [Parameter]
        [SupportsWildcards]
        public string[]? Exclude { get; set; }

        /// <summary>
        /// Destination names for source paths: a hashtable (source path to destination path; a $null
        /// or empty value leaves the mailbox out), or a script block that gets the source path as $_
        /// and returns the destination path (nothing: leave it out). Unmapped paths keep their path.
        /// </summary>
        [Parameter]
        public object? MapFolder { get; set; }

        /// <summary>Deletes (\Deleted and UID EXPUNGE of exactly those) destination messages that no source message matches: a strict mirror, imapsync's --delete2.</summary>
        [Parameter]
        public SwitchParameter DeleteExtra { get; set; }

        /// <summary>Only messages at least this many days old (by internal date).</summary>
        [Parameter]
        [ValidateRange(0, 100000)]
        public double? MinAge { get; set; }

        /// <summary>Only messages at most this many days old (by internal date).</summary>
        [Parameter]
        [ValidateRange(0, 100000)]
        public double? MaxAge { get; set; }

        /// <summary>Only messages of at most this many bytes.</summary>
        [Parameter]
        [ValidateRange(0, long.MaxValue)]
        public long? MaxSize { get; set; }

        private readonly List<ImapMailbox> _work = new List<ImapMailbox>();
        private readonly HashSet<string> _seen = new HashSet<string>(StringComparer.Ordinal);

        /// <inheritdoc />
        protected override void BeginProcessing()
        {
            foreach (var (session, what) in new[] { (Source, "-Source"), (Destination, "-Destination") })
                if (!session.IsConnected)
                    ThrowTerminatingError(new ErrorRecord(new InvalidOperationException("The session of " + what + " ('" + session.Name + "') is closed. " + session.CloseReason),
                        "SessionClosed", ErrorCategory.ConnectionError, session));
            if (MapFolder != null && !(Unwrap(MapFolder) is IDictionary) && !(Unwrap(MapFolder) is ScriptBlock))
                ThrowTerminatingError(new ErrorRecord(new ArgumentException("-MapFolder takes a hashtable (source path = destination path) or a script block."),
                    "InvalidMapFolder", ErrorCategory.InvalidArgument, MapFolder));
            Trace(Source.Client);
        }

        private static object Unwrap(object value) => value is PSObject p ? p.BaseObject : value;

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            List<ImapMailbox> found;
            try
            {
                found = new List<ImapMailbox>();
                if (Mailbox == null || Mailbox.Length == 0) found.AddRange(MailboxLister.List(Source, "*", false, false, Await));
                else
                    foreach (var given in Mailbox)
                    {
                        var name = ServerName(Source, given);
                        if (Recurse)
                        {
                            var children = MailboxLister.Children(Source, name, Await, out var self);
                            if (self != null) found.Add(self);
                            found.AddRange(children);
                        }
                        else found.AddRange(MailboxLister.List(Source, name, false, false, Await).Where(m => ImapSession.SameMailbox(m.Name, name)));
                        if (!found.Any(m => ImapSession.SameMailbox(m.Name, name) || m.Name.StartsWith(name, StringComparison.Ordinal)))
                            WriteError(new ErrorRecord(new ItemNotFoundException("There is no mailbox '" + name + "' on '" + Source.Name + "'."), "MailboxNotFound", ErrorCategory.ObjectNotFound, given));
                    }
            }
            catch (Exception ex) when (!(ex is PipelineStoppedException))
            {
                ThrowTerminatingError(ErrorFor(ex, Mailbox));
                return;
            }
            foreach (var m in found)
                if (m.IsSelectable && Wanted(m.Path) && _seen.Add(m.Name)) _work.Add(m);
        }

        private bool Wanted(string path) => SelectedByPatterns(Include, Exclude, path);

        private string ServerName(ImapSession session, string path)
        {
            if (string.Equals(path, "INBOX", StringComparison.OrdinalIgnoreCase)) return "INBOX";
            var name = session.GetMailboxPaths(StopToken).ToServerName(path, out var note);
            if (note != null) WriteVerbose(note);
            return name;
        }

        /// <summary>The destination path for a source path, or null when -MapFolder leaves it out.</summary>
        private string? MapPath(string path)
        {
            if (MapFolder == null) return path;
            switch (Unwrap(MapFolder))
            {
                case IDictionary map:
                    foreach (DictionaryEntry entry in map)
                        if (string.Equals(entry.Key?.ToString(), path, StringComparison.OrdinalIgnoreCase))
                            return entry.Value?.ToString() is string target && target.Length > 0 ? target : null;
                    return path;
                case ScriptBlock block:
                    var output = block.InvokeWithContext(null, new List<PSVariable> { new PSVariable("_", path) }, path);
                    var mapped = output.LastOrDefault(o => o != null)?.ToString();
                    return string.IsNullOrEmpty(mapped) ? null : mapped;
                default:
                    return path;
            }
        }

        /// <inheritdoc />
        protected override void EndProcessing()
        {
            for (int i = 0; i < _work.Count; i++)
            {
                var mailbox = _work[i];
                if (_work.Count > 1)
                    WriteProgress(new ProgressRecord(7104, "Sync-ImapMailbox", "Mailbox " + (i + 1) + " of " + _work.Count + ": " + mailbox.Path) { PercentComplete = 100 * i / _work.Count });
                var target = MapPath(mailbox.Path);
                if (target == null) { WriteVerbose("-MapFolder leaves out '" + mailbox.Path + "'."); continue; }
                string destinationName;
                try
                {
                    InvalidMailboxNameException.ThrowIfInvalid(target, nameof(MapFolder));
                    destinationName = ServerName(Destination, target);
                }
                catch (Exception ex) when (!(ex is PipelineStoppedException))
                {
                    if (IsFatal(ex)) ThrowTerminatingError(ErrorFor(ex, target));
                    WriteError(ErrorFor(ex, target));
                    continue;
                }
                if (SameAccount() && ImapSession.SameMailbox(mailbox.Name, destinationName))
                {
                    WriteError(new ErrorRecord(new InvalidOperationException("'" + mailbox.Name + "' would be copied onto itself: -Source and -Destination are the same account. Map it elsewhere with -MapFolder."),
                        "SameMailbox", ErrorCategory.InvalidArgument, mailbox.Name));
                    continue;
                }
                var result = SyncOne(mailbox, destinationName);
                if (result != null) WriteObject(result);
            }
            if (_work.Count > 1) WriteProgress(new ProgressRecord(7104, "Sync-ImapMailbox", "Done") { RecordType = ProgressRecordType.Completed });
            base.EndProcessing();
        }

        private bool SameAccount() => ReferenceEquals(Source, Destination) ||
            (string.Equals(Source.Server, Destination.Server, StringComparison.OrdinalIgnoreCase) && string.Equals(Source.User, Destination.User, StringComparison.Ordinal));

        /// <summary>One message as a listing shows it, with the key that finds it on the other side.</summary>
        private sealed class Listed
        {
            public uint Uid;
            public string[] Flags = Array.Empty<string>();
            public DateTimeOffset? InternalDate;
            public long Size;
            public string Key = "";
        }

        private ImapSyncResult? SyncOne(ImapMailbox source, string destinationName)
        {
            var clock = Stopwatch.StartNew();
            var result = new ImapSyncResult { SourceSession = Source.Name, DestinationSession = Destination.Name, SourceMailbox = source.Name, DestinationMailbox = destinationName };
            var sourceList = Listing(Source, source.Name, out _);
            if (sourceList == null) return null;

            if (!Run(() => Await(ImportImapMailboxCommand.MessageCountAsync(Destination.Client, destinationName)), destinationName, out var destinationCount)) return null;
            bool exists = destinationCount != null;
            var destinationList = destinationCount > 0 ? Listing(Destination, destinationName, out _) : new List<Listed>();
            if (destinationList == null) return null;

            // Pair each source message with a destination message of the same key (several of one key pair one by one).
            var waiting = destinationList.GroupBy(d => d.Key).ToDictionary(g => g.Key, g => new Queue<Listed>(g.OrderBy(d => d.Uid)));
            var toCopy = new List<Listed>();
            var flagChanges = new List<(Listed Destination, string[] Flags)>();
            var now = DateTimeOffset.UtcNow;
            foreach (var m in sourceList.OrderBy(m => m.Uid))
            {
                if (waiting.TryGetValue(m.Key, out var queue) && queue.Count > 0)
                {
                    var d = queue.Dequeue();
                    result.Skipped++;
                    if (!SameFlags(d.Flags, m.Flags)) flagChanges.Add((d, m.Flags));
                    continue;
                }
                if (!Selected(m, now)) { result.Filtered++; continue; }
                toCopy.Add(m);
            }

            if (toCopy.Count > 0 || flagChanges.Count > 0 || (DeleteExtra && waiting.Values.Any(q => q.Count > 0)))
            {
                string action = "Copy " + toCopy.Count + " messages from '" + source.Name + "' on " + Source.Name + (flagChanges.Count > 0 ? ", update the flags of " + flagChanges.Count : "");
                if (!ShouldProcess("'" + destinationName + "' on " + Destination.Name, action))
                {
                    result.Copied = toCopy.Count;
                    result.FlagsUpdated = flagChanges.Count;
                    result.WhatIf = true;
                    result.Duration = clock.Elapsed;
                    return result;
                }
            }
            if (!exists && toCopy.Count > 0)
            {
                if (!Run(() => Check(Await(Destination.Client.CreateAsync(destinationName)), "CREATE"), destinationName, out _)) return Finish(result, clock);
                exists = true;
            }
            if (flagChanges.Count > 0 && !UpdateFlags(destinationName, flagChanges, result)) return Finish(result, clock);
            if (toCopy.Count > 0 && !Copy(source.Name, destinationName, toCopy, result)) return Finish(result, clock);

            if (DeleteExtra)
            {
                var allSourceKeys = new HashSet<string>(sourceList.Select(m => m.Key), StringComparer.Ordinal);
                var extra = waiting.Values.SelectMany(q => q).Where(d => !allSourceKeys.Contains(d.Key)).Select(d => d.Uid).OrderBy(u => u).ToList();
                if (extra.Count > 0 && ShouldProcess("'" + destinationName + "' on " + Destination.Name, "Delete " + extra.Count + " messages that are not in '" + source.Name + "' (\\Deleted and UID EXPUNGE)"))
                    DeleteMessages(destinationName, extra, result);
            }
            result.Complete = true;
            return Finish(result, clock);
        }

        private static ImapSyncResult Finish(ImapSyncResult result, Stopwatch clock)
        {
            result.Duration = clock.Elapsed;
            return result;
        }

        private bool Selected(Listed m, DateTimeOffset now)
        {
            if (MaxSize.HasValue && m.Size > MaxSize.Value) return false;
            if (m.InternalDate is DateTimeOffset date)
            {
                double age = (now - date).TotalDays;
                if (MinAge.HasValue && age < MinAge.Value) return false;
                if (MaxAge.HasValue && age > MaxAge.Value) return false;
            }
            return true;
        }

        private static bool SameFlags(string[] a, string[] b)
            => a.Length == b.Length && a.OrderBy(f => f, StringComparer.OrdinalIgnoreCase).SequenceEqual(b.OrderBy(f => f, StringComparer.OrdinalIgnoreCase), StringComparer.OrdinalIgnoreCase);

        /// <summary>Every message of a mailbox with its flags, date, size and key (Message-ID and size; without a Message-ID a hash of Date, From and Subject, and size).</summary>
        private List<Listed>? Listing(ImapSession session, string mailbox, out uint uidValidity)
        {
            uidValidity = 0;
            var listed = new ConcurrentQueue<Listed>();
            Task<ImapResponse> fetch;
            MailboxLease? lease;
            try { lease = session.UseMailbox(mailbox, true, StopToken); }
            catch (Exception ex) when (!(ex is PipelineStoppedException))
            {
                if (IsFatal(ex)) ThrowTerminatingError(ErrorFor(ex, mailbox));
                WriteError(ErrorFor(ex, mailbox));
                return null;
            }
            using (lease)
            {
                uidValidity = lease.UidValidity;
                if (session.Client.Exists == 0) return new List<Listed>();
                fetch = session.Client.UidFetchEachAsync("1:*", ListItems, r =>
                {
                    var data = FetchData.Parse(r);
                    if (data.Uid is not uint uid) return;
                    var header = data.FindSection(ListItems.HeaderFieldsSection!)?.GetBytes() ?? Array.Empty<byte>();
                    listed.Enqueue(new Listed
                    {
                        Uid = uid,
                        Flags = ExportImapMailboxCommand.CleanFlags(data.Flags),
                        InternalDate = data.InternalDate,
                        Size = data.Size ?? 0,
                        Key = KeyOf(header, data.Size ?? 0),
                    });
                });
            }
            if (!Run(() => Await(fetch), mailbox, out _)) return null;
            return listed.ToList();
        }

        /// <summary>
        /// A message's identity across accounts, as imapsync finds messages: the Message-ID with the
        /// size; without a Message-ID, a hash of the Date, From and Subject fields with the size.
        /// </summary>
        internal static string KeyOf(byte[] header, long size)
        {
            var id = MessageHeaders.MessageId(header);
            string sizeText = size.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (id != null) return "id:" + id + "|" + sizeText;
            var fields = string.Join("\n", new[] { "Date", "From", "Subject" }.Select(f => MessageHeaders.Field(header, f) ?? ""));
            using var sha = SHA256.Create();
            return "hdr:" + ArchiveFolder.Hex(sha.ComputeHash(Encoding.UTF8.GetBytes(fields))) + "|" + sizeText;
        }

        private bool UpdateFlags(string mailbox, List<(Listed Destination, string[] Flags)> changes, ImapSyncResult result)
        {
            var tasks = new List<(Listed Message, Task<ImapResponse> Task)>();
            using (var lease = Lease(Destination, mailbox, readOnly: false))
            {
                if (lease == null) return false;
                foreach (var (d, flags) in changes)
                    tasks.Add((d, StoreFlags(d.Uid, flags)));
            }
            foreach (var (m, task) in tasks)
                if (Run(() => Await(task), m.Uid, out _)) result.FlagsUpdated++;
            return true;
        }

        /// <summary>Fetches the messages from the source in chunks and appends each chunk to the destination (MULTIAPPEND where offered).</summary>
        private bool Copy(string sourceName, string destinationName, List<Listed> messages, ImapSyncResult result)
        {
            bool multi = Destination.HasCapability("MULTIAPPEND");
            int index = 0;
            while (index < messages.Count)
            {
                var chunk = new List<Listed>();
                long bytes = 0;
                while (index < messages.Count && chunk.Count < CopyChunkMessages && (chunk.Count == 0 || bytes + messages[index].Size <= CopyChunkBytes))
                {
                    bytes += messages[index].Size;
                    chunk.Add(messages[index++]);
                }
                var bodies = new ConcurrentDictionary<uint, byte[]>();
                Task<ImapResponse> fetch;
                using (var lease = Lease(Source, sourceName, readOnly: true))
                {
                    if (lease == null) return false;
                    fetch = Source.Client.UidFetchEachAsync(SequenceSet.Build(chunk.Select(c => c.Uid)), ImportImapMailboxCommand.WholeMessageItems, r =>
                    {
                        var data = FetchData.Parse(r);
                        if (data.Uid is uint uid && data.FindSection("")?.GetBytes() is byte[] body) bodies[uid] = body;
                    });
                }
                if (!Run(() => Await(fetch), sourceName, out _)) return false;
                var present = chunk.Where(c => bodies.ContainsKey(c.Uid)).ToList();
                result.Vanished += chunk.Count - present.Count;
                if (present.Count == 0) continue;
                string ifCut = result.Copied + " messages were copied to '" + destinationName + "' before; the APPEND of " + present.Count +
                    " more was sent, outcome unknown. Run the same command again: messages already on the destination are recognised and not copied twice.";
                if (multi && present.Count > 1)
                {
                    var items = present.Select(p => ((IReadOnlyList<string>?)p.Flags, p.InternalDate, bodies[p.Uid])).ToList();
                    if (!Run(() => Await(Destination.Client.AppendMessagesAsync(destinationName, items)), destinationName, out _, ifCut))
                    {
                        result.Failed += present.Count;
                        return false;
                    }
                    result.Copied += present.Count;
                    result.Bytes += present.Sum(p => (long)bodies[p.Uid].Length);
                }
                else
                    foreach (var p in present)
                    {
                        if (Run(() => Await(Destination.Client.AppendMessageAsync(destinationName, p.Flags, p.InternalDate, bodies[p.Uid])), p.Uid, out _, ifCut))
                        {
                            result.Copied++;
                            result.Bytes += bodies[p.Uid].Length;
                        }
                        else result.Failed++;
                    }
                if (messages.Count >= MessageProgress.Threshold)
                    WriteProgress(new ProgressRecord(7105, sourceName + " -> " + destinationName, result.Copied + " of " + messages.Count + " messages copied")
                    { PercentComplete = (int)(100L * index / messages.Count), ParentActivityId = _work.Count > 1 ? 7104 : -1 });
            }
            if (messages.Count >= MessageProgress.Threshold)
                WriteProgress(new ProgressRecord(7105, sourceName + " -> " + destinationName, "Done") { RecordType = ProgressRecordType.Completed, ParentActivityId = _work.Count > 1 ? 7104 : -1 });
            return true;
        }

        private void DeleteMessages(string mailbox, List<uint> uids, ImapSyncResult result)
        {
            if (!Destination.HasCapability("UIDPLUS"))
            {
                WriteError(new ErrorRecord(new NotSupportedException("The destination does not offer UIDPLUS, so removing only the extra messages is impossible (EXPUNGE would remove every \\Deleted message of '" +
                    mailbox + "'). Nothing was deleted."), "CapabilityMissing", ErrorCategory.NotImplemented, mailbox));
                return;
            }
            string set = SequenceSet.Build(uids);
            Task<ImapResponse> store;
            using (var lease = Lease(Destination, mailbox, readOnly: false))
            {
                if (lease == null) return;
                store = Destination.Client.UidStoreFlagsAsync(set, StoreFlagsMode.Add, new[] { ImapFlags.Deleted });
            }
            if (!Run(() => Await(store), mailbox, out _)) return;
            Task<ImapResponse> expunge;
            using (var lease = Lease(Destination, mailbox, readOnly: false))
            {
                if (lease == null) return;
                expunge = Destination.Client.UidExpungeAsync(set);
            }
            if (Run(() => Await(expunge), mailbox, out _,
                    "UIDs " + set + " of '" + mailbox + "' were marked \\Deleted; UID EXPUNGE of them was sent, outcome unknown.")) result.Deleted += uids.Count;
        }

        /// <summary>Sets the flags of one destination message to <paramref name="flags"/>; a flag the typed STORE refuses fails that message's task, not the others.</summary>
        private Task<ImapResponse> StoreFlags(uint uid, string[] flags)
        {
            try { return Destination.Client.UidStoreFlagsAsync(uid.ToString(System.Globalization.CultureInfo.InvariantCulture), StoreFlagsMode.Replace, flags); }
            catch (ArgumentException ex) { return Task.FromException<ImapResponse>(ex); }
        }

        private MailboxLease? Lease(ImapSession session, string mailbox, bool readOnly)
        {
            try { return session.UseMailbox(mailbox, readOnly, StopToken); }
            catch (Exception ex) when (!(ex is PipelineStoppedException))
            {
                FlushTrace();
                if (ex is OperationCanceledException && StopToken.IsCancellationRequested) throw new PipelineStoppedException();
                if (IsFatal(ex)) ThrowTerminatingError(ErrorFor(ex, mailbox));
                WriteError(ErrorFor(ex, mailbox));
                return null;
            }
        }

        /// <summary>Runs one server operation: NO/BAD becomes a non-terminating error, a lost connection terminates (with what is known).</summary>
        private bool Run<T>(Func<T> operation, object? target, out T value, string? ifCut = null)
        {
            try
            {
                value = operation();
                return true;
            }
            catch (Exception ex) when (!(ex is PipelineStoppedException) && !(ex is PipelineClosedException))
            {
                FlushTrace();
                if (ex is OperationCanceledException && StopToken.IsCancellationRequested) throw new PipelineStoppedException();
                if (IsFatal(ex)) ThrowTerminatingError(ErrorFor(ifCut != null && ex is ImapAbortException ? new ImapAbortException(ex.Message.TrimEnd('.') + ". " + ifCut, ex) : ex, target));
                WriteError(ErrorFor(ex, target));
                value = default!;
                return false;
            }
        }
    }
}
