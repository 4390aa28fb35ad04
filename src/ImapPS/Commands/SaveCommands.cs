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
    /// <summary>Shared by the Save cmdlets: where files go and what happens when a file exists.</summary>
    public abstract class ImapSaveCmdlet : ImapMessageCmdlet
    {
        /// <summary>The mailbox holding the messages: by default the selected one, else INBOX.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(MailboxNameCompleter))]
        public string? Mailbox { get; set; }

        /// <summary>The UIDs of the messages: piped UIDs, or the Uid of piped messages.</summary>
        [Parameter(Mandatory = true, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        public uint[] Uid { get; set; } = Array.Empty<uint>();

        /// <summary>The UIDVALIDITY the UIDs belong to (bound from piped objects); a mismatch refuses the messages.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        public uint? UidValidity { get; set; }

        /// <summary>Overwrites existing files. Without it an existing file is never touched: that item fails with FileExists.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <summary>Returns a FileInfo for each file written.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        /// <summary>Collects the record's UIDs; consecutive records of one mailbox are saved together (one FETCH per batch).</summary>
        protected override void ProcessRecord()
        {
            var session = ResolveSession();
            if (!FromSameSession(session, Uid) || !ValidUids(Uid)) return;
            Mailbox = MailboxPath(session, Mailbox);
            BeforeCollect();
            Collect(session, ResolveMailbox(session, Mailbox), UidValidity, Uid);
        }

        /// <summary>Runs on each input record before its UIDs are collected.</summary>
        internal virtual void BeforeCollect() { }

        private MessageProgress? _progress;

        /// <summary>The progress of the whole command, over every batch; UIDs given on the command line make the total known.</summary>
        internal MessageProgress Progress => _progress ??= new MessageProgress(this, MyInvocation.MyCommand.Name, "saved");

        /// <summary>Counts a batch into the total when the whole job came on the command line.</summary>
        internal void StartBatch(int messages)
        {
            if (!MyInvocation.ExpectingInput) Progress.AddToTotal(messages);
        }

        /// <inheritdoc />
        protected override void EndProcessing()
        {
            FlushBatch();
            _progress?.Complete();
            base.EndProcessing();
        }

        /// <summary>A mailbox name as part of a file name: every character a file name cannot hold (and the hierarchy delimiters) becomes _.</summary>
        internal static string FileNamePart(string mailbox)
        {
            var invalid = Path.GetInvalidFileNameChars();
            var chars = mailbox.Select(c => invalid.Contains(c) || c < ' ' || c == '/' || c == '\\' || c == ':' ? '_' : c).ToArray();
            return new string(chars);
        }

        /// <summary>Moves a finished temporary file into place, honouring -Force; returns false after writing FileExists.</summary>
        internal bool Commit(string temp, string target, object errorTarget)
        {
            if (File.Exists(target))
            {
                if (!Force)
                {
                    File.Delete(temp);
                    WriteError(new ErrorRecord(new IOException("The file '" + target + "' already exists; use -Force to overwrite it."), "FileExists", ErrorCategory.ResourceExists, errorTarget));
                    return false;
                }
                File.Delete(target);
            }
            File.Move(temp, target);
            if (PassThru) WriteObject(new FileInfo(target));
            return true;
        }

        internal static string TempPath(string directory) => Path.Combine(directory, ".imapps-" + Guid.NewGuid().ToString("N") + ".part");
    }

    /// <summary>
    /// <para type="synopsis">Saves messages as .eml files, streamed to disk byte for byte.</para>
    /// </summary>
    [Cmdlet(VerbsData.Save, "ImapMessage", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(FileInfo))]
    public sealed class SaveImapMessageCommand : ImapSaveCmdlet
    {
        private static readonly FetchItems WholeMessageItems = new FetchItems(FetchAttributes.Uid, WholeMessage);

        private bool? _toDirectory;
        private bool _fileWritten;
        private string _destination = "";

        /// <summary>
        /// A folder, or a file for a single message. It is a folder when it exists as one, when it
        /// ends with a path separator, when it does not exist and has no extension (the folder is
        /// created), or when -Uid names several messages on the command line; messages saved into a
        /// folder are named &lt;Mailbox&gt;_&lt;UidValidity&gt;_&lt;Uid&gt;.eml.
        /// </summary>
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string Destination { get; set; } = "";

        internal override void BeforeCollect()
        {
            if (_toDirectory.HasValue) return;
            _destination = GetUnresolvedProviderPathFromPSPath(Destination);
            // The rule is decided on the path alone, before the first message, so piped input never
            // turns a file name into a folder halfway: a folder when it exists as one, ends with a
            // separator, names nothing yet and has no extension, or several UIDs are given on the
            // command line; a file when it exists as one or has an extension.
            _toDirectory = Directory.Exists(_destination) ||
                Destination.EndsWith("/", StringComparison.Ordinal) || Destination.EndsWith("\\", StringComparison.Ordinal) ||
                (!File.Exists(_destination) && Path.GetExtension(_destination).Length == 0) ||
                (!MyInvocation.ExpectingInput && Uid.Distinct().Count() > 1);
        }

        internal override void ProcessBatch(ImapSession session, string mailbox, uint? expectedUidValidity, List<uint> uids)
        {
            bool toDirectory = _toDirectory == true;
            string destination = _destination;
            if (!toDirectory)
            {
                // A file holds one message: the lowest UID of the first batch; every other one is refused.
                var refused = _fileWritten ? uids : uids.Skip(1).ToList();
                foreach (var uid in refused)
                    WriteError(new ErrorRecord(new IOException("'" + destination + "' names a file, which holds one message; UID " + uid + " in '" + mailbox +
                        "' was not saved. Give a folder (an existing one, a path that ends with a separator, or a new path without an extension) to save several messages."),
                        "DestinationIsFile", ErrorCategory.InvalidArgument, uid));
                if (_fileWritten) return;
                uids = uids.Take(1).ToList();
            }
            string directory = toDirectory ? destination : Path.GetDirectoryName(Path.GetFullPath(destination))!;
            if (!ShouldProcess(mailbox + " UID " + SequenceSet.Build(uids), "Save to '" + destination + "'")) return;
            Directory.CreateDirectory(directory);
            if (!toDirectory) _fileWritten = true;

            var opened = new ConcurrentQueue<(string Path, FileStream Stream)>();
            uint uidValidity = 0;
            var seen = new HashSet<uint>();
            StartBatch(uids.Count);
            // On a -Reconnect session a lost connection is resumed: the UIDs not saved yet are fetched again.
            var fetch = new StreamingFetch(this, mailbox, Progress, "to " + directory).ResumeOn(this, session, "Save-ImapMessage");
            void DropUnfinished()
            {
                // Files the engine was writing when the connection was lost, or when the pipeline stopped: never moved into place.
                while (opened.TryDequeue(out var left))
                {
                    left.Stream.Dispose();
                    try { File.Delete(left.Path); } catch (IOException) { }
                }
            }
            try
            {
                foreach (var data in fetch.RunResumable(uids, () => UseMessages(session, mailbox, expectedUidValidity, true, uids), (lease, set, onData) =>
                {
                    uidValidity = lease.UidValidity;
                    return session.Client.UidFetchEachAsync(set, WholeMessageItems, onData, request =>
                    {
                        // Runs on the engine's reader for literals too large to keep in memory.
                        var temp = TempPath(directory);
                        var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920);
                        opened.Enqueue((temp, stream));
                        return stream;
                    });
                }, isMessage: d => d.FindSection(WholeMessage) != null, onLost: DropUnfinished))
                {
                    var section = data.FindSection(WholeMessage);
                    if (data.Uid is not uint uid || section == null) continue;
                    string target = toDirectory ? Path.Combine(directory, FileNamePart(mailbox) + "_" + uidValidity + "_" + uid + ".eml") : destination;
                    string temp;
                    if (section.IsStreamed)
                    {
                        if (!opened.TryDequeue(out var file)) continue;
                        file.Stream.Dispose();
                        temp = file.Path;
                    }
                    else
                    {
                        temp = TempPath(directory);
                        File.WriteAllBytes(temp, section.GetBytes() ?? Array.Empty<byte>());
                    }
                    seen.Add(uid);
                    Commit(temp, target, uid);
                }
            }
            finally
            {
                DropUnfinished();
            }
            // No lease (the error says why, e.g. UidValidityMismatch): nothing was asked, so nothing is missing.
            if (!fetch.LastIssued) return;
            foreach (var missing in uids.Where(u => !seen.Contains(u)))
                WriteError(new ErrorRecord(new ItemNotFoundException("There is no message with UID " + missing + " in '" + mailbox + "'."), "MessageNotFound", ErrorCategory.ObjectNotFound, missing));
        }
    }

    /// <summary>
    /// <para type="synopsis">Saves the attachments of messages, downloading only the attachment parts.</para>
    /// </summary>
    [Cmdlet(VerbsData.Save, "ImapAttachment", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(FileInfo))]
    public sealed class SaveImapAttachmentCommand : ImapSaveCmdlet
    {
        /// <summary>The folder to save into (created if missing).</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string Destination { get; set; } = "";

        /// <summary>Only attachments whose file name matches one of these wildcard patterns (e.g. *.pdf).</summary>
        [Parameter(Position = 1)]
        [SupportsWildcards]
        public string[]? Filter { get; set; }

        private AttachmentFolder? _folder;

        internal override void ProcessBatch(ImapSession session, string mailbox, uint? expectedUidValidity, List<uint> uids)
        {
            string directory = GetUnresolvedProviderPathFromPSPath(Destination);
            var patterns = Filter?.Select(f => new WildcardPattern(f, WildcardOptions.IgnoreCase)).ToArray();

            // First the structure only, to learn which parts are attachments.
            uint uidValidity;
            using (var lease = UseMessages(session, mailbox, expectedUidValidity, true, uids))
            {
                if (lease == null) return;
                uidValidity = lease.UidValidity;
            }
            var wanted = new List<(uint Uid, BodyPartBasic Part, string FileName)>();
            foreach (var m in FetchMessages(session, mailbox, uidValidity, uids, FetchExtras.BodyStructure, reportMissing: true))
            {
                if (m.BodyStructure == null) continue;
                // A name depends only on the message: its attachments' names, made unique within it.
                var parts = m.BodyStructure.EnumerateAttachments().ToList();
                var names = AttachmentFolder.UniqueWithinMessage(parts.Select(part =>
                    AttachmentFolder.SafeFileName(MimeText.AttachmentFileName(part), "attachment-" + m.Uid + "-" + part.PartSpecifier.Replace('.', '_'))).ToList());
                for (int i = 0; i < parts.Count; i++)
                {
                    if (patterns != null && !patterns.Any(p => p.IsMatch(names[i]))) continue;
                    wanted.Add((m.Uid, parts[i], names[i]));
                }
            }
            StartBatch(uids.Count);
            // Progress counts messages: those without a wanted attachment are done already.
            Progress.Add(uids.Count - wanted.Select(w => w.Uid).Distinct().Count(), "to " + directory);
            if (wanted.Count == 0) return;
            if (!ShouldProcess(wanted.Count + " attachments of " + mailbox + " UID " + SequenceSet.Build(uids), "Save to '" + directory + "'")) return;
            Directory.CreateDirectory(directory);
            _folder ??= AttachmentFolder.Open(directory);

            try
            {
                foreach (var group in wanted.GroupBy(w => w.Uid))
                {
                    var items = new FetchItems(FetchAttributes.Uid, group.Select(w => w.Part.PartSpecifier).ToArray());
                    var uidSet = group.Key.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    var fetch = new StreamingFetch(this, group.Key);
                    var sections = new Dictionary<string, FetchSection>(StringComparer.OrdinalIgnoreCase);
                    foreach (var data in fetch.Run(() => UseMessages(session, mailbox, uidValidity, true, group.Key), (lease, onData) => session.Client.UidFetchEachAsync(uidSet, items, onData)))
                        foreach (var s in data.Sections) sections[s.Section] = s;
                    if (!fetch.LastIssued) return;
                    if (!fetch.LastSucceeded) continue;
                    foreach (var w in group)
                    {
                        if (!sections.TryGetValue(w.Part.PartSpecifier, out var section) || section.GetBytes() is not byte[] raw)
                        {
                            WriteError(new ErrorRecord(new ItemNotFoundException("The server did not return part " + w.Part.PartSpecifier + " of UID " + w.Uid + "."), "PartNotFound", ErrorCategory.ObjectNotFound, w.Uid));
                            continue;
                        }
                        var temp = TempPath(directory);
                        using (var output = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
                        using (var input = new MemoryStream(raw, false))
                            new MimeContent(input, ContentEncodingOf(w.Part.ContentTransferEncoding)).DecodeTo(output);
                        Place(_folder, temp, mailbox, uidValidity, w.Uid, w.Part.PartSpecifier, w.FileName);
                    }
                    Progress.Add(1, "to " + directory);
                }
            }
            finally
            {
                // Once per batch, also when the pipeline stops: re-runs rely on it to know their own files.
                _folder.Save();
            }
        }

        /// <summary>Moves one decoded attachment into place, or drops it when the folder already has it.</summary>
        private void Place(AttachmentFolder folder, string temp, string mailbox, uint uidValidity, uint uid, string part, string baseName)
        {
            var (fileName, placement) = folder.Place(mailbox, uidValidity, uid, part, baseName, temp, Force);
            string target = folder.PathOf(fileName);
            switch (placement)
            {
                case AttachmentPlacement.AlreadySaved:
                    File.Delete(temp);
                    WriteVerbose("Part " + part + " of " + mailbox + " UID " + uid + " is already saved as '" + target + "'.");
                    return;
                case AttachmentPlacement.Refused:
                    File.Delete(temp);
                    WriteError(new ErrorRecord(new IOException("The file '" + target + "' already exists with other content than part " + part + " of " + mailbox + " UID " + uid +
                        "; use -Force to replace it."), "FileExists", ErrorCategory.ResourceExists, fileName));
                    return;
                case AttachmentPlacement.Replace:
                    File.Delete(target);
                    break;
            }
            try
            {
                File.Move(temp, target);
            }
            catch (IOException e)
            {
                // Another process created the file since the decision: never overwrite it.
                File.Delete(temp);
                folder.Forget(mailbox, uidValidity, uid, part);
                WriteError(new ErrorRecord(e, "FileExists", ErrorCategory.ResourceExists, fileName));
                return;
            }
            if (PassThru) WriteObject(new FileInfo(target));
        }

        internal static ContentEncoding ContentEncodingOf(string? name)
        {
            switch ((name ?? "").Trim().ToLowerInvariant())
            {
                case "base64": return ContentEncoding.Base64;
                case "quoted-printable": return ContentEncoding.QuotedPrintable;
                case "x-uuencode": case "uuencode": case "x-uue": return ContentEncoding.UUEncode;
                case "binary": return ContentEncoding.Binary;
                case "8bit": return ContentEncoding.EightBit;
                default: return ContentEncoding.Default;
            }
        }
    }
}
