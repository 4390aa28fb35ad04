using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using ImapPS.Client.Protocol;

namespace ImapPS.Archive
{
    /// <summary>The on-disk formats of Export-ImapMailbox and Import-ImapMailbox.</summary>
    public enum ArchiveFormat
    {
        /// <summary>Maildir++ (cur/new/tmp, flags in the ":2," suffix, subfolders as .A.B), as Dovecot and mbsync read it.</summary>
        Maildir,
        /// <summary>One mboxrd file per mailbox ("From " lines quoted with '>').</summary>
        Mbox,
        /// <summary>A folder of .eml files per mailbox.</summary>
        Eml,
    }

    /// <summary>
    /// One mailbox's copy on disk, written message by message: each message is complete in a
    /// temporary file before it takes its place (a rename; for an mbox, an append the state
    /// records, and a cut's partial tail is cut off on the next open), so a cut never leaves a
    /// partial message. The state file says what the folder holds.
    /// </summary>
    internal abstract class ArchiveFolder
    {
        protected ArchiveFolder(string path, string statePath, string tempDirectory)
        {
            Path = path;
            StatePath = statePath;
            TempDirectory = tempDirectory;
            State = ArchiveState.Load(statePath);
        }

        /// <summary>The folder (or mbox file) that holds the mailbox.</summary>
        public string Path { get; }

        public string StatePath { get; }

        /// <summary>Where messages are written before they take their place (same file system as the target, so the move is a rename).</summary>
        public string TempDirectory { get; }

        public ArchiveState State { get; }

        /// <summary>True when the folder existed with messages but without a state file: it is not an archive this module wrote.</summary>
        public abstract bool HasForeignContent { get; }

        /// <summary>The folder for one mailbox of a tree rooted at <paramref name="root"/>.</summary>
        /// <param name="format">The format.</param>
        /// <param name="root">The destination folder (or the mbox file itself with <paramref name="singleFile"/>).</param>
        /// <param name="path">The mailbox's levels (INBOX is "INBOX").</param>
        /// <param name="singleFile">For an mbox: <paramref name="root"/> is the file.</param>
        public static ArchiveFolder Open(ArchiveFormat format, string root, IReadOnlyList<string> path, bool singleFile)
        {
            switch (format)
            {
                case ArchiveFormat.Maildir: return new MaildirFolder(MaildirLayout.FolderOf(root, path), isInbox: path.Count == 1 && string.Equals(path[0], "INBOX", StringComparison.OrdinalIgnoreCase));
                case ArchiveFormat.Mbox: return new MboxFolder(singleFile ? root : System.IO.Path.Combine(root, FileLayout.RelativePath(path)) + ".mbox");
                default: return new EmlFolder(System.IO.Path.Combine(root, FileLayout.RelativePath(path)));
            }
        }

        /// <summary>Creates what the folder needs on disk and saves the state once, so a cut right away still leaves a recognisable archive.</summary>
        public abstract void Prepare();

        /// <summary>A new temporary file for one message.</summary>
        public string NewTempFile() => System.IO.Path.Combine(TempDirectory, ".imapps-" + Guid.NewGuid().ToString("N") + ".part");

        /// <summary>
        /// Stores the complete message in <paramref name="tempFile"/> as UID <paramref name="uid"/>.
        /// A message kept from an earlier UIDVALIDITY with the same content is taken over instead of
        /// stored twice. Replaces a copy of the same UID that a cut left unrecorded.
        /// </summary>
        /// <returns>True when the message was stored, false when an earlier copy was taken over.</returns>
        public bool Add(uint uid, string[] flags, DateTimeOffset? internalDate, string tempFile)
        {
            var (hash, size, messageId) = Inspect(tempFile);
            var message = new ArchivedMessage { Uid = uid, Flags = flags, InternalDate = internalDate, Size = size, Hash = hash, MessageId = messageId };
            int orphan = State.Orphans.FindIndex(o => o.Hash == hash && o.Size == size);
            if (orphan >= 0)
            {
                var old = State.Orphans[orphan];
                State.Orphans.RemoveAt(orphan);
                File.Delete(tempFile);
                Adopt(old, message);
                State.Messages[uid] = message;
                return false;
            }
            Store(message, tempFile);
            State.Messages[uid] = message;
            return true;
        }

        /// <summary>Gives a stored message new flags; false when its file is gone (it must be fetched again).</summary>
        public bool UpdateFlags(ArchivedMessage message, string[] flags)
        {
            if (!ApplyFlags(message, flags)) return false;
            message.Flags = flags;
            return true;
        }

        /// <summary>Keeps every current message as an orphan: the server's UIDVALIDITY changed, its UIDs mean other messages now.</summary>
        public void StartNewUidValidity(uint uidValidity)
        {
            foreach (var m in State.Messages.Values.OrderBy(m => m.Uid)) State.Orphans.Add(m);
            State.Messages.Clear();
            State.UidValidity = uidValidity;
            State.UidNext = 0;
            State.HighestModSeq = 0;
        }

        public void SaveState() => State.Save(StatePath);

        /// <summary>Saves the state when there is no state file yet, so even a run cut at once leaves a folder recognisable as this export.</summary>
        protected void SaveIfNew()
        {
            if (!File.Exists(StatePath)) SaveState();
        }

        /// <summary>Deletes temporary files a cut left behind.</summary>
        public void CleanTemp()
        {
            if (!Directory.Exists(TempDirectory)) return;
            foreach (var f in Directory.EnumerateFiles(TempDirectory, ".imapps-*.part")) TryDelete(f);
        }

        protected abstract void Store(ArchivedMessage message, string tempFile);

        protected abstract bool ApplyFlags(ArchivedMessage message, string[] flags);

        protected abstract void Adopt(ArchivedMessage old, ArchivedMessage message);

        internal static void TryDelete(string path)
        {
            try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }

        /// <summary>The SHA-256, size and Message-ID of a message file, in one read.</summary>
        internal static (string Hash, long Size, string? MessageId) Inspect(string file)
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 65536);
            using var sha = SHA256.Create();
            var head = new MemoryStream();
            var buffer = new byte[65536];
            long size = 0;
            int n;
            while ((n = stream.Read(buffer, 0, buffer.Length)) > 0)
            {
                sha.TransformBlock(buffer, 0, n, null, 0);
                if (head.Length < HeaderScanLimit) head.Write(buffer, 0, (int)Math.Min(n, HeaderScanLimit - head.Length));
                size += n;
            }
            sha.TransformFinalBlock(buffer, 0, 0);
            return (Hex(sha.Hash!), size, MessageHeaders.MessageId(head.ToArray()));
        }

        internal const int HeaderScanLimit = 256 * 1024;

        internal static string Hash(byte[] content)
        {
            using var sha = SHA256.Create();
            return Hex(sha.ComputeHash(content));
        }

        internal static string Hex(byte[] bytes)
        {
            var sb = new StringBuilder(bytes.Length * 2);
            foreach (var b in bytes) sb.Append(b.ToString("x2", CultureInfo.InvariantCulture));
            return sb.ToString();
        }

        protected static void SetDate(string file, DateTimeOffset? date)
        {
            if (date.HasValue) File.SetLastWriteTimeUtc(file, date.Value.UtcDateTime);
        }
    }

    /// <summary>Reading header fields from raw message bytes (no MIME parsing: only the header block).</summary>
    internal static class MessageHeaders
    {
        /// <summary>The Message-ID (trimmed, with its angle brackets), or null when the header has none.</summary>
        public static string? MessageId(byte[] message) => Field(message, "Message-ID");

        /// <summary>The unfolded value of the first header field <paramref name="name"/>, or null.</summary>
        public static string? Field(byte[] message, string name)
        {
            int i = 0;
            while (i < message.Length)
            {
                int end = Array.IndexOf(message, (byte)'\n', i);
                if (end < 0) end = message.Length;
                int lineEnd = end > i && message[end - 1] == (byte)'\r' ? end - 1 : end;
                if (lineEnd == i) return null; // the blank line ends the header
                if (lineEnd - i > name.Length && message[i + name.Length] == (byte)':' && Matches(message, i, name))
                {
                    var value = new StringBuilder(Encoding.UTF8.GetString(message, i + name.Length + 1, lineEnd - i - name.Length - 1));
                    int next = end + 1;
                    while (next < message.Length && (message[next] == (byte)' ' || message[next] == (byte)'\t'))
                    {
                        int e = Array.IndexOf(message, (byte)'\n', next);
                        if (e < 0) e = message.Length;
                        int le = e > next && message[e - 1] == (byte)'\r' ? e - 1 : e;
                        value.Append(Encoding.UTF8.GetString(message, next, le - next));
                        next = e + 1;
                    }
                    var text = value.ToString().Trim();
                    return text.Length == 0 ? null : text;
                }
                i = end + 1;
            }
            return null;
        }

        private static bool Matches(byte[] message, int offset, string name)
        {
            for (int k = 0; k < name.Length; k++)
            {
                int c = message[offset + k];
                if (c >= 'A' && c <= 'Z') c += 32;
                int d = name[k];
                if (d >= 'A' && d <= 'Z') d += 32;
                if (c != d) return false;
            }
            return true;
        }
    }

    /// <summary>Mailbox levels as file and folder names (mbox and .eml trees).</summary>
    internal static class FileLayout
    {
        /// <summary>The levels joined with the platform's separator, each made a valid file name.</summary>
        public static string RelativePath(IReadOnlyList<string> path) => System.IO.Path.Combine(path.Select(SafeName).ToArray());

        public static string SafeName(string level)
        {
            var invalid = System.IO.Path.GetInvalidFileNameChars();
            var chars = level.Select(c => invalid.Contains(c) || c < ' ' || c == '/' || c == '\\' || c == ':' ? '_' : c).ToArray();
            var name = new string(chars);
            return name == "." || name == ".." || name.Length == 0 ? "_" + name : name;
        }
    }

    /// <summary>Maildir++ as Dovecot lays it out (mail_location = maildir:ROOT): INBOX is the root, A/B is ROOT/.A.B, names in modified UTF-7.</summary>
    internal static class MaildirLayout
    {
        public static string FolderOf(string root, IReadOnlyList<string> path)
        {
            if (path.Count == 1 && string.Equals(path[0], "INBOX", StringComparison.OrdinalIgnoreCase)) return root;
            foreach (var level in path)
                if (level.Length == 0 || level.IndexOf('.') >= 0 || level.IndexOf('/') >= 0)
                    throw new ArgumentException("The mailbox '" + string.Join("/", path) + "' cannot be stored in a Maildir++ tree: its levels may not be empty or hold '.' (the Maildir++ separator) or '/'. Export it as Mbox or Eml.");
            return System.IO.Path.Combine(root, "." + string.Join(".", path.Select(ModifiedUtf7.Encode)));
        }

        /// <summary>The mailbox levels of a Maildir++ subfolder name (".A.B"), or null when it is not one.</summary>
        public static string[]? LevelsOf(string folderName)
        {
            if (folderName.Length < 2 || folderName[0] != '.' || folderName == "..") return null;
            var levels = folderName.Substring(1).Split('.');
            if (levels.Any(l => l.Length == 0)) return null;
            return levels.Select(l => ModifiedUtf7.TryDecode(l, out var d) ? d! : l).ToArray();
        }

        /// <summary>The system flags' Maildir letters, in the ASCII order the ":2," suffix wants.</summary>
        private static readonly (char Letter, string Flag)[] SystemLetters =
        {
            ('D', "\\Draft"), ('F', "\\Flagged"), ('P', "$Forwarded"), ('R', "\\Answered"), ('S', "\\Seen"), ('T', "\\Deleted"),
        };

        public static char? LetterOf(string flag)
        {
            foreach (var (letter, f) in SystemLetters) if (string.Equals(f, flag, StringComparison.OrdinalIgnoreCase)) return letter;
            return null;
        }

        /// <summary>True for a flag whose letter some readers ignore, so it is written as a keyword too.</summary>
        public static bool IsAlsoKeyword(string flag) => string.Equals(flag, "$Forwarded", StringComparison.OrdinalIgnoreCase);

        public static string? FlagOf(char letter)
        {
            foreach (var (l, f) in SystemLetters) if (l == letter) return f;
            return null;
        }
    }

    internal sealed class MaildirFolder : ArchiveFolder
    {
        private const string KeywordsFile = "dovecot-keywords";
        private readonly bool _isInbox;
        private Dictionary<string, string>? _files;
        private List<string>? _keywords;

        public MaildirFolder(string folder, bool isInbox) : base(folder, System.IO.Path.Combine(folder, "imapps-state"), System.IO.Path.Combine(folder, "tmp"))
        {
            _isInbox = isInbox;
        }

        public override bool HasForeignContent => !File.Exists(StatePath) &&
            new[] { "cur", "new" }.Any(d => Directory.Exists(System.IO.Path.Combine(Path, d)) && Directory.EnumerateFiles(System.IO.Path.Combine(Path, d)).Any());

        public override void Prepare()
        {
            foreach (var d in new[] { "cur", "new", "tmp" }) Directory.CreateDirectory(System.IO.Path.Combine(Path, d));
            // Dovecot marks every Maildir++ subfolder with this file.
            if (!_isInbox)
            {
                var marker = System.IO.Path.Combine(Path, "maildirfolder");
                if (!File.Exists(marker)) File.WriteAllBytes(marker, Array.Empty<byte>());
            }
            CleanTemp();
            SaveIfNew();
        }

        /// <summary>Dovecot gives new files UIDs in the order of the number that starts their name: the UID keeps the server's order.</summary>
        private string BaseName(uint uid) => uid.ToString(CultureInfo.InvariantCulture) + ".V" + State.UidValidity.ToString(CultureInfo.InvariantCulture) + "U" + uid.ToString(CultureInfo.InvariantCulture) + ".imapps";

        private string FileName(ArchivedMessage m, string[] flags)
        {
            var letters = new List<char>();
            foreach (var flag in flags)
            {
                if (MaildirLayout.LetterOf(flag) is char l) letters.Add(l);
                // $Forwarded is P for mbsync and Courier, but Dovecot ignores P and keeps $Forwarded as a keyword: both, so each reads it.
                if (flag.Length > 0 && flag[0] != '\\' && (MaildirLayout.LetterOf(flag) == null || MaildirLayout.IsAlsoKeyword(flag)) && KeywordLetter(flag) is char k) letters.Add(k);
            }
            letters.Sort();
            return m.Location + ",S=" + m.Size.ToString(CultureInfo.InvariantCulture) + ":2," + new string(letters.Distinct().ToArray());
        }

        /// <summary>Files in cur/ and new/ by base name (the part before ',' or ':').</summary>
        private Dictionary<string, string> Files
        {
            get
            {
                if (_files != null) return _files;
                _files = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var d in new[] { "cur", "new" })
                {
                    var dir = System.IO.Path.Combine(Path, d);
                    if (!Directory.Exists(dir)) continue;
                    foreach (var f in Directory.EnumerateFiles(dir)) _files[BaseOf(System.IO.Path.GetFileName(f))] = f;
                }
                return _files;
            }
        }

        internal static string BaseOf(string fileName)
        {
            int cut = fileName.IndexOfAny(new[] { ',', ':' });
            return cut < 0 ? fileName : fileName.Substring(0, cut);
        }

        protected override void Store(ArchivedMessage message, string tempFile)
        {
            message.Location = BaseName(message.Uid);
            string target = System.IO.Path.Combine(Path, "cur", FileName(message, message.Flags));
            if (Files.TryGetValue(message.Location, out var existing)) TryDelete(existing);
            SetDate(tempFile, message.InternalDate);
            File.Move(tempFile, target);
            Files[message.Location] = target;
        }

        protected override bool ApplyFlags(ArchivedMessage message, string[] flags)
        {
            if (!Files.TryGetValue(message.Location, out var current) || !File.Exists(current)) return false;
            string target = System.IO.Path.Combine(Path, "cur", FileName(message, flags));
            if (!string.Equals(current, target, StringComparison.Ordinal)) File.Move(current, target);
            Files[message.Location] = target;
            return true;
        }

        protected override void Adopt(ArchivedMessage old, ArchivedMessage message)
        {
            message.Location = BaseName(message.Uid);
            string target = System.IO.Path.Combine(Path, "cur", FileName(message, message.Flags));
            if (Files.TryGetValue(old.Location, out var current) && File.Exists(current))
            {
                File.Move(current, target);
                Files.Remove(old.Location);
                Files[message.Location] = target;
            }
        }

        /// <summary>The letter (a–z) Dovecot's dovecot-keywords file gives a keyword; adds it when there is room, null when all 26 are taken.</summary>
        private char? KeywordLetter(string keyword)
        {
            var keywords = Keywords(Path);
            _keywords ??= keywords;
            int index = _keywords.FindIndex(k => string.Equals(k, keyword, StringComparison.Ordinal));
            if (index < 0)
            {
                if (_keywords.Count >= 26) return null;
                _keywords.Add(keyword);
                index = _keywords.Count - 1;
                var file = System.IO.Path.Combine(Path, KeywordsFile);
                File.WriteAllText(file + ".tmp", string.Concat(_keywords.Select((k, i) => i.ToString(CultureInfo.InvariantCulture) + " " + k + "\n")), new UTF8Encoding(false));
                if (File.Exists(file)) File.Replace(file + ".tmp", file, null);
                else File.Move(file + ".tmp", file);
            }
            return (char)('a' + index);
        }

        /// <summary>The keywords of dovecot-keywords by index (letter a is index 0).</summary>
        internal static List<string> Keywords(string folder)
        {
            var result = new List<string>();
            var file = System.IO.Path.Combine(folder, KeywordsFile);
            if (!File.Exists(file)) return result;
            foreach (var line in File.ReadAllLines(file))
            {
                int space = line.IndexOf(' ');
                if (space <= 0 || !int.TryParse(line.Substring(0, space), NumberStyles.None, CultureInfo.InvariantCulture, out int index) || index >= 26) continue;
                while (result.Count <= index) result.Add("");
                result[index] = line.Substring(space + 1);
            }
            return result;
        }
    }

    internal sealed class MboxFolder : ArchiveFolder
    {
        public MboxFolder(string file) : base(file, file + ".imapps-state", System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(file))!) { }

        public override bool HasForeignContent => !File.Exists(StatePath) && File.Exists(Path) && new FileInfo(Path).Length > 0;

        /// <summary>Bytes after the last recorded message that a cut left (cut off by <see cref="Prepare"/>).</summary>
        public long TruncatedBytes { get; private set; }

        public override void Prepare()
        {
            Directory.CreateDirectory(TempDirectory);
            using (var file = new FileStream(Path, FileMode.OpenOrCreate, FileAccess.ReadWrite))
            {
                if (file.Length > State.MboxLength)
                {
                    TruncatedBytes = file.Length - State.MboxLength;
                    file.SetLength(State.MboxLength);
                }
            }
            CleanTemp();
            SaveIfNew();
        }

        protected override void Store(ArchivedMessage message, string tempFile)
        {
            using (var output = new FileStream(Path, FileMode.Open, FileAccess.Write, FileShare.Read, 65536))
            {
                output.SetLength(State.MboxLength);
                output.Position = State.MboxLength;
                message.Location = State.MboxLength.ToString(CultureInfo.InvariantCulture);
                using (var input = new FileStream(tempFile, FileMode.Open, FileAccess.Read, FileShare.Read, 65536))
                    Mbox.Write(output, input, message.InternalDate);
                output.Flush();
                State.MboxLength = output.Position;
            }
            File.Delete(tempFile);
        }

        protected override bool ApplyFlags(ArchivedMessage message, string[] flags) => true;

        protected override void Adopt(ArchivedMessage old, ArchivedMessage message) => message.Location = old.Location;
    }

    internal sealed class EmlFolder : ArchiveFolder
    {
        public EmlFolder(string folder) : base(folder, System.IO.Path.Combine(folder, "imapps-state"), folder) { }

        public override bool HasForeignContent => !File.Exists(StatePath) && Directory.Exists(Path) && Directory.EnumerateFiles(Path, "*.eml").Any();

        public override void Prepare()
        {
            Directory.CreateDirectory(Path);
            CleanTemp();
            SaveIfNew();
        }

        private string FileName(uint uid) => State.UidValidity.ToString(CultureInfo.InvariantCulture) + "-" + uid.ToString(CultureInfo.InvariantCulture) + ".eml";

        protected override void Store(ArchivedMessage message, string tempFile)
        {
            message.Location = FileName(message.Uid);
            string target = System.IO.Path.Combine(Path, message.Location);
            if (File.Exists(target)) File.Delete(target);
            SetDate(tempFile, message.InternalDate);
            File.Move(tempFile, target);
        }

        protected override bool ApplyFlags(ArchivedMessage message, string[] flags) => File.Exists(System.IO.Path.Combine(Path, message.Location));

        protected override void Adopt(ArchivedMessage old, ArchivedMessage message)
        {
            message.Location = FileName(message.Uid);
            var from = System.IO.Path.Combine(Path, old.Location);
            var to = System.IO.Path.Combine(Path, message.Location);
            if (File.Exists(from) && from != to) { if (File.Exists(to)) File.Delete(to); File.Move(from, to); }
        }
    }

    /// <summary>The mboxrd format: a "From " line before each message, LF line ends, body lines matching ^&gt;*From  quoted with one more '&gt;'.</summary>
    internal static class Mbox
    {
        private static readonly byte[] FromSpace = Encoding.ASCII.GetBytes("From ");

        /// <summary>Appends one message (CRLF or LF line ends) to <paramref name="output"/>.</summary>
        public static void Write(Stream output, Stream message, DateTimeOffset? date)
        {
            var when = (date ?? DateTimeOffset.UtcNow).UtcDateTime;
            // asctime(3), as Python's mailbox and mutt write it.
            var fromLine = "From MAILER-DAEMON " + when.ToString("ddd MMM ", CultureInfo.InvariantCulture) + when.Day.ToString(CultureInfo.InvariantCulture).PadLeft(2) +
                when.ToString(" HH:mm:ss yyyy", CultureInfo.InvariantCulture) + "\n";
            var head = Encoding.ASCII.GetBytes(fromLine);
            output.Write(head, 0, head.Length);
            var line = new MemoryStream();
            int b;
            bool endedWithNewline = true;
            var buffered = new BufferedStream(message, 65536);
            while ((b = buffered.ReadByte()) >= 0)
            {
                if (b == '\n')
                {
                    WriteLine(output, line);
                    endedWithNewline = true;
                    continue;
                }
                line.WriteByte((byte)b);
                endedWithNewline = false;
            }
            if (!endedWithNewline || line.Length > 0) WriteLine(output, line);
            output.WriteByte((byte)'\n');
        }

        private static void WriteLine(Stream output, MemoryStream line)
        {
            var bytes = line.GetBuffer();
            int length = (int)line.Length;
            if (length > 0 && bytes[length - 1] == '\r') length--;
            if (IsQuotedFrom(bytes, 0, length)) output.WriteByte((byte)'>');
            output.Write(bytes, 0, length);
            output.WriteByte((byte)'\n');
            line.SetLength(0);
        }

        /// <summary>True for a line of zero or more '&gt;' followed by "From ".</summary>
        private static bool IsQuotedFrom(byte[] bytes, int start, int length)
        {
            int i = start;
            while (i < start + length && bytes[i] == '>') i++;
            if (start + length - i < FromSpace.Length) return false;
            for (int k = 0; k < FromSpace.Length; k++) if (bytes[i + k] != FromSpace[k]) return false;
            return true;
        }

        /// <summary>One message read back from an mbox: its bytes with CRLF line ends, the From line's date and its offset.</summary>
        public sealed class Entry
        {
            public long Offset { get; set; }

            public DateTimeOffset? Date { get; set; }

            public byte[] Content { get; set; } = Array.Empty<byte>();
        }

        /// <summary>Reads the messages of an mbox (mboxrd quoting undone, CRLF line ends), one at a time.</summary>
        public static IEnumerable<Entry> Read(string path)
        {
            using var input = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 65536);
            var buffered = new BufferedStream(input, 65536);
            Entry? current = null;
            var content = new MemoryStream();
            var line = new MemoryStream();
            long offset = 0;
            bool previousBlank = true;
            bool pendingBlank = false;
            while (true)
            {
                line.SetLength(0);
                long lineStart = offset;
                int b;
                while ((b = buffered.ReadByte()) >= 0)
                {
                    offset++;
                    if (b == '\n') break;
                    line.WriteByte((byte)b);
                }
                if (b < 0 && line.Length == 0) break;
                var bytes = line.GetBuffer();
                int length = (int)line.Length;
                if (length > 0 && bytes[length - 1] == '\r') length--;
                if (previousBlank && StartsWith(bytes, 0, length, FromSpace))
                {
                    if (current != null) { current.Content = content.ToArray(); yield return current; }
                    content.SetLength(0);
                    pendingBlank = false;
                    current = new Entry { Offset = lineStart, Date = ParseFromDate(Encoding.ASCII.GetString(bytes, 0, length)) };
                    previousBlank = false;
                    continue;
                }
                if (current == null) { previousBlank = length == 0; continue; }
                // A blank line is the separator only when a From line follows: hold it back until then.
                if (pendingBlank) { content.WriteByte((byte)'\r'); content.WriteByte((byte)'\n'); pendingBlank = false; }
                if (length == 0) { pendingBlank = true; previousBlank = true; continue; }
                previousBlank = false;
                int start = 0;
                if (bytes[0] == '>' && IsQuotedFrom(bytes, 0, length)) start = 1;
                content.Write(bytes, start, length - start);
                content.WriteByte((byte)'\r');
                content.WriteByte((byte)'\n');
            }
            if (current != null) { current.Content = content.ToArray(); yield return current; }
        }

        private static bool StartsWith(byte[] bytes, int start, int length, byte[] prefix)
        {
            if (length < prefix.Length) return false;
            for (int k = 0; k < prefix.Length; k++) if (bytes[start + k] != prefix[k]) return false;
            return true;
        }

        /// <summary>The asctime date at the end of a From line ("From sender Thu Jan  1 00:00:00 2020"), as UTC, or null.</summary>
        internal static DateTimeOffset? ParseFromDate(string line)
        {
            var parts = line.Split(new[] { ' ' }, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 7) return null;
            var text = string.Join(" ", parts.Skip(parts.Length - 5));
            if (DateTime.TryParseExact(text, "ddd MMM d HH:mm:ss yyyy", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var when))
                return new DateTimeOffset(DateTime.SpecifyKind(when, DateTimeKind.Utc));
            return null;
        }
    }
}
