using System;
using System.Collections;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Diagnostics;
using System.Linq;
using System.Management.Automation;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using ImapPS.Archive;
using ImapPS.Client;
using ImapPS.Client.Protocol;

namespace ImapPS.Commands
{
    /// <summary>
    /// Where a <see cref="MailboxSync"/> reports and asks: the cmdlet itself for Sync-ImapMailbox (on
    /// the pipeline thread), or an account's worker for Sync-ImapAccount, which hands everything that
    /// must happen on the pipeline thread (output, ShouldProcess, script blocks) over to it.
    /// </summary>
    internal interface ISyncHost
    {
        /// <summary>Cancelled when the work must stop (Ctrl+C).</summary>
        CancellationToken StopToken { get; }

        /// <summary>Waits for an engine task.</summary>
        T Await<T>(Task<T> task);

        /// <summary>Writes the engine trace gathered so far (before an error, so they read in order).</summary>
        void FlushTrace();

        /// <summary>A non-terminating error.</summary>
        void WriteError(ErrorRecord error);

        /// <summary>A verbose line.</summary>
        void WriteVerbose(string text);

        /// <summary>Progress: activity 7104 is the mailbox being synchronised, 7105 the copy within it.</summary>
        void WriteProgress(ProgressRecord progress);

        /// <summary>ShouldProcess (-WhatIf, -Confirm).</summary>
        bool ShouldProcess(string target, string action);

        /// <summary>Runs the -MapFolder script block for one source path.</summary>
        Collection<PSObject> InvokeMapFolder(ScriptBlock block, string path);

        /// <summary>Ends the whole synchronisation with <paramref name="error"/>; never returns.</summary>
        void ThrowTerminatingError(ErrorRecord error);
    }

    /// <summary>The options of one synchronisation (Sync-ImapMailbox's parameters, or Sync-ImapAccount's for every account).</summary>
    internal sealed class MailboxSyncOptions
    {
        public string[]? Include;
        public string[]? Exclude;
        public object? MapFolder;
        public bool DeleteExtra;
        public double? MinAge;
        public double? MaxAge;
        public long? MaxSize;

        /// <summary>Null when -MapFolder is usable, else why not.</summary>
        public string? MapFolderProblem()
        {
            if (MapFolder == null) return null;
            var value = MailboxSync.Unwrap(MapFolder);
            return value is IDictionary || value is ScriptBlock ? null : "-MapFolder takes a hashtable (source path = destination path) or a script block.";
        }
    }

    /// <summary>
    /// One-way synchronisation of mailboxes from one session to another (what imapsync does), the
    /// work of Sync-ImapMailbox, and of each account of Sync-ImapAccount. Not tied to a cmdlet or a
    /// thread: it reports through its <see cref="ISyncHost"/>.
    /// </summary>
    internal sealed class MailboxSync
    {
        private const int CopyChunkMessages = 50;
        private const long CopyChunkBytes = 8L * 1024 * 1024;
        /// <summary>A listing's items: flags, date, size and the header fields of <see cref="KeyOf"/>.</summary>
        private static readonly FetchItems ListItems = new FetchItems(FetchAttributes.Uid | FetchAttributes.Flags | FetchAttributes.InternalDate | FetchAttributes.Size)
            .WithHeaderFields("Message-ID", "Date", "From", "Subject");

        private readonly ImapSession Source;
        private readonly ImapSession Destination;
        private readonly MailboxSyncOptions _options;
        private readonly ISyncHost _host;
        private readonly List<ImapMailbox> _work = new List<ImapMailbox>();
        private readonly HashSet<string> _seen = new HashSet<string>(StringComparer.Ordinal);

        public MailboxSync(ImapSession source, ImapSession destination, MailboxSyncOptions options, ISyncHost host)
        {
            Source = source;
            Destination = destination;
            _options = options;
            _host = host;
        }

        /// <summary>The mailboxes queued so far.</summary>
        public int MailboxCount => _work.Count;

        private CancellationToken StopToken => _host.StopToken;
        private T Await<T>(Task<T> task) => _host.Await(task);
        private ImapResponse AwaitResponse(Task<ImapResponse> task) => _host.Await(task);

        internal static object Unwrap(object value) => value is PSObject p ? p.BaseObject : value;

        /// <summary>
        /// Queues source mailboxes: every one when <paramref name="mailboxes"/> is empty, else those
        /// named (with the trees below them under <paramref name="recurse"/>); a name that does not exist
        /// is a non-terminating MailboxNotFound.
        /// </summary>
        public void AddMailboxes(string[]? mailboxes, bool recurse)
        {
            List<ImapMailbox> found;
            try
            {
                found = new List<ImapMailbox>();
                if (mailboxes == null || mailboxes.Length == 0) found.AddRange(MailboxLister.List(Source, "*", false, false, AwaitResponse));
                else
                    foreach (var given in mailboxes)
                    {
                        var name = ServerName(Source, given);
                        if (recurse)
                        {
                            var children = MailboxLister.Children(Source, name, AwaitResponse, out var self);
                            if (self != null) found.Add(self);
                            found.AddRange(children);
                        }
                        else found.AddRange(MailboxLister.List(Source, name, false, false, AwaitResponse).Where(m => ImapSession.SameMailbox(m.Name, name)));
                        if (!found.Any(m => ImapSession.SameMailbox(m.Name, name) || m.Name.StartsWith(name, StringComparison.Ordinal)))
                            _host.WriteError(new ErrorRecord(new ItemNotFoundException("There is no mailbox '" + name + "' on '" + Source.Name + "'."), "MailboxNotFound", ErrorCategory.ObjectNotFound, given));
                    }
            }
            catch (Exception ex) when (!(ex is PipelineStoppedException))
            {
                _host.ThrowTerminatingError(ImapCmdlet.ErrorFor(ex, mailboxes));
                return;
            }
            foreach (var m in found)
                if (m.IsSelectable && Wanted(m.Path) && _seen.Add(m.Name)) _work.Add(m);
        }

        private bool Wanted(string path) => ImapCmdlet.SelectedByPatterns(_options.Include, _options.Exclude, path);

        private string ServerName(ImapSession session, string path)
        {
            if (string.Equals(path, "INBOX", StringComparison.OrdinalIgnoreCase)) return "INBOX";
            var name = session.GetMailboxPaths(StopToken).ToServerName(path, out var note);
            if (note != null) _host.WriteVerbose(note);
            return name;
        }

        /// <summary>The destination path for a source path, or null when -MapFolder leaves it out.</summary>
        private string? MapPath(string path)
        {
            if (_options.MapFolder == null) return path;
            switch (Unwrap(_options.MapFolder))
            {
                case IDictionary map:
                    foreach (DictionaryEntry entry in map)
                        if (string.Equals(entry.Key?.ToString(), path, StringComparison.OrdinalIgnoreCase))
                            return entry.Value?.ToString() is string target && target.Length > 0 ? target : null;
                    return path;
                case ScriptBlock block:
                    var output = _host.InvokeMapFolder(block, path);
                    var mapped = output.LastOrDefault(o => o != null)?.ToString();
                    return string.IsNullOrEmpty(mapped) ? null : mapped;
                default:
                    return path;
            }
        }

        /// <summary>Synchronises every queued mailbox, handing each result to <paramref name="output"/> as it is done.</summary>
        public void Run(Action<ImapSyncResult> output)
        {
            for (int i = 0; i < _work.Count; i++)
            {
                var mailbox = _work[i];
                if (_work.Count > 1)
                    _host.WriteProgress(new ProgressRecord(7104, "Sync-ImapMailbox", "Mailbox " + (i + 1) + " of " + _work.Count + ": " + mailbox.Path) { PercentComplete = 100 * i / _work.Count });
                var target = MapPath(mailbox.Path);
                if (target == null) { _host.WriteVerbose("-MapFolder leaves out '" + mailbox.Path + "'."); continue; }
                string destinationName;
                try
                {
                    InvalidMailboxNameException.ThrowIfInvalid(target, "MapFolder");
                    destinationName = ServerName(Destination, target);
                }
                catch (Exception ex) when (!(ex is PipelineStoppedException))
                {
                    if (ImapCmdlet.IsFatal(ex)) _host.ThrowTerminatingError(ImapCmdlet.ErrorFor(ex, target));
                    _host.WriteError(ImapCmdlet.ErrorFor(ex, target));
                    continue;
                }
                if (SameAccount() && ImapSession.SameMailbox(mailbox.Name, destinationName))
                {
                    _host.WriteError(new ErrorRecord(new InvalidOperationException("'" + mailbox.Name + "' would be copied onto itself: -Source and -Destination are the same account. Map it elsewhere with -MapFolder."),
                        "SameMailbox", ErrorCategory.InvalidArgument, mailbox.Name));
                    continue;
                }
                var result = SyncOne(mailbox, destinationName);
                if (result != null) output(result);
            }
            if (_work.Count > 1) _host.WriteProgress(new ProgressRecord(7104, "Sync-ImapMailbox", "Done") { RecordType = ProgressRecordType.Completed });
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

            if (toCopy.Count > 0 || flagChanges.Count > 0 || (_options.DeleteExtra && waiting.Values.Any(q => q.Count > 0)))
            {
                string action = "Copy " + toCopy.Count + " messages from '" + source.Name + "' on " + Source.Name + (flagChanges.Count > 0 ? ", update the flags of " + flagChanges.Count : "");
                if (!_host.ShouldProcess("'" + destinationName + "' on " + Destination.Name, action))
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

            if (_options.DeleteExtra)
            {
                var allSourceKeys = new HashSet<string>(sourceList.Select(m => m.Key), StringComparer.Ordinal);
                var extra = waiting.Values.SelectMany(q => q).Where(d => !allSourceKeys.Contains(d.Key)).Select(d => d.Uid).OrderBy(u => u).ToList();
                if (extra.Count > 0 && _host.ShouldProcess("'" + destinationName + "' on " + Destination.Name, "Delete " + extra.Count + " messages that are not in '" + source.Name + "' (\\Deleted and UID EXPUNGE)"))
                    DeleteMessages(destinationName, extra, result);
            }
            result.Complete = true;
            return Finish(result, clock);
        }

        private static ImapResponse Check(ImapResponse response, string what)
        {
            if (!response.IsOk) throw new ImapCommandException(what, response);
            return response;
        }

        private static ImapSyncResult Finish(ImapSyncResult result, Stopwatch clock)
        {
            result.Duration = clock.Elapsed;
            return result;
        }

        private bool Selected(Listed m, DateTimeOffset now)
        {
            if (_options.MaxSize.HasValue && m.Size > _options.MaxSize.Value) return false;
            if (m.InternalDate is DateTimeOffset date)
            {
                double age = (now - date).TotalDays;
                if (_options.MinAge.HasValue && age < _options.MinAge.Value) return false;
                if (_options.MaxAge.HasValue && age > _options.MaxAge.Value) return false;
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
                if (ImapCmdlet.IsFatal(ex)) _host.ThrowTerminatingError(ImapCmdlet.ErrorFor(ex, mailbox));
                _host.WriteError(ImapCmdlet.ErrorFor(ex, mailbox));
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
                    _host.WriteProgress(new ProgressRecord(7105, sourceName + " -> " + destinationName, result.Copied + " of " + messages.Count + " messages copied")
                    { PercentComplete = (int)(100L * index / messages.Count), ParentActivityId = _work.Count > 1 ? 7104 : -1 });
            }
            if (messages.Count >= MessageProgress.Threshold)
                _host.WriteProgress(new ProgressRecord(7105, sourceName + " -> " + destinationName, "Done") { RecordType = ProgressRecordType.Completed, ParentActivityId = _work.Count > 1 ? 7104 : -1 });
            return true;
        }

        private void DeleteMessages(string mailbox, List<uint> uids, ImapSyncResult result)
        {
            if (!Destination.HasCapability("UIDPLUS"))
            {
                _host.WriteError(new ErrorRecord(new NotSupportedException("The destination does not offer UIDPLUS, so removing only the extra messages is impossible (EXPUNGE would remove every \\Deleted message of '" +
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
                _host.FlushTrace();
                if (ex is OperationCanceledException && StopToken.IsCancellationRequested) throw new PipelineStoppedException();
                if (ImapCmdlet.IsFatal(ex)) _host.ThrowTerminatingError(ImapCmdlet.ErrorFor(ex, mailbox));
                _host.WriteError(ImapCmdlet.ErrorFor(ex, mailbox));
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
                _host.FlushTrace();
                if (ex is OperationCanceledException && StopToken.IsCancellationRequested) throw new PipelineStoppedException();
                if (ImapCmdlet.IsFatal(ex)) _host.ThrowTerminatingError(ImapCmdlet.ErrorFor(ifCut != null && ex is ImapAbortException ? new ImapAbortException(ex.Message.TrimEnd('.') + ". " + ifCut, ex) : ex, target));
                _host.WriteError(ImapCmdlet.ErrorFor(ex, target));
                value = default!;
                return false;
            }
        }
    }
}
