using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;

namespace ImapPS.Archive
{
    /// <summary>One message read from disk for an import: its bytes (on demand), flags and internal date.</summary>
    internal sealed class SourceMessage
    {
        public SourceMessage(string name, Func<byte[]> load, string[] flags, DateTimeOffset? internalDate)
        {
            Name = name;
            Load = load;
            Flags = flags;
            InternalDate = internalDate;
        }

        /// <summary>Where it is, for messages: a file path, or "file.mbox#offset".</summary>
        public string Name { get; }

        public Func<byte[]> Load { get; }

        public string[] Flags { get; }

        public DateTimeOffset? InternalDate { get; }
    }

    /// <summary>One folder of messages on disk (a Maildir folder, an mbox file, an .eml folder) and the mailbox levels it stands for.</summary>
    internal sealed class SourceFolder
    {
        public SourceFolder(string path, ArchiveFormat format, string[] levels)
        {
            Path = path;
            Format = format;
            Levels = levels;
        }

        public string Path { get; }

        public ArchiveFormat Format { get; }

        /// <summary>The mailbox levels relative to the tree's root (empty for the root itself, except a Maildir's root, which is INBOX).</summary>
        public string[] Levels { get; }

        /// <summary>The messages, read one at a time, in the order they were stored.</summary>
        public IEnumerable<SourceMessage> Messages()
        {
            switch (Format)
            {
                case ArchiveFormat.Maildir: return MaildirMessages();
                case ArchiveFormat.Mbox: return MboxMessages();
                default: return EmlMessages();
            }
        }

        private IEnumerable<SourceMessage> MaildirMessages()
        {
            var keywords = MaildirFolder.Keywords(Path);
            var files = new[] { "cur", "new" }.Select(d => System.IO.Path.Combine(Path, d)).Where(Directory.Exists).SelectMany(Directory.EnumerateFiles)
                .Where(f => !System.IO.Path.GetFileName(f).StartsWith(".", StringComparison.Ordinal))
                .OrderBy(f => LeadingNumber(System.IO.Path.GetFileName(f))).ThenBy(f => System.IO.Path.GetFileName(f), StringComparer.Ordinal);
            foreach (var file in files)
            {
                var name = System.IO.Path.GetFileName(file);
                var flags = new List<string>();
                int info = name.IndexOf(":2,", StringComparison.Ordinal);
                if (info >= 0)
                    foreach (char c in name.Substring(info + 3))
                    {
                        if (MaildirLayout.FlagOf(c) is string f) flags.Add(f);
                        else if (c >= 'a' && c <= 'z' && c - 'a' < keywords.Count && keywords[c - 'a'].Length > 0) flags.Add(keywords[c - 'a']);
                    }
                var date = new DateTimeOffset(File.GetLastWriteTimeUtc(file), TimeSpan.Zero);
                yield return new SourceMessage(file, () => File.ReadAllBytes(file), flags.Distinct(StringComparer.OrdinalIgnoreCase).ToArray(), date);
            }
        }

        private static long LeadingNumber(string name)
        {
            long n = 0;
            int i = 0;
            while (i < name.Length && i < 18 && name[i] >= '0' && name[i] <= '9') n = n * 10 + (name[i++] - '0');
            return i == 0 ? long.MaxValue : n;
        }

        private IEnumerable<SourceMessage> MboxMessages()
        {
            var statePath = Path + ".imapps-state";
            var state = File.Exists(statePath) ? ArchiveState.Load(statePath) : null;
            var byOffset = state?.All.GroupBy(m => m.Location).ToDictionary(g => g.Key, g => g.First());
            foreach (var entry in Mbox.Read(Path))
            {
                var content = entry.Content;
                ArchivedMessage? known = null;
                byOffset?.TryGetValue(entry.Offset.ToString(CultureInfo.InvariantCulture), out known);
                // The writer ends every message with a line break; one the original lacked is taken off again.
                if (known != null && known.Size == content.Length - 2) Array.Resize(ref content, content.Length - 2);
                string[] flags = known?.Flags ?? FlagsFromStatusHeaders(content);
                var date = known?.InternalDate ?? entry.Date;
                var bytes = content;
                yield return new SourceMessage(Path + "#" + entry.Offset.ToString(CultureInfo.InvariantCulture), () => bytes, flags, date);
            }
        }

        /// <summary>Flags from the Status and X-Status fields that mutt, Thunderbird and Python's mailbox write into an mbox.</summary>
        private static string[] FlagsFromStatusHeaders(byte[] content)
        {
            var flags = new List<string>();
            var status = MessageHeaders.Field(content, "Status") ?? "";
            var xstatus = MessageHeaders.Field(content, "X-Status") ?? "";
            if (status.IndexOf('R') >= 0) flags.Add("\\Seen");
            if (xstatus.IndexOf('A') >= 0) flags.Add("\\Answered");
            if (xstatus.IndexOf('F') >= 0) flags.Add("\\Flagged");
            if (xstatus.IndexOf('T') >= 0) flags.Add("\\Draft");
            if (xstatus.IndexOf('D') >= 0) flags.Add("\\Deleted");
            return flags.ToArray();
        }

        private IEnumerable<SourceMessage> EmlMessages()
        {
            var statePath = System.IO.Path.Combine(Path, "imapps-state");
            var state = File.Exists(statePath) ? ArchiveState.Load(statePath) : null;
            var byFile = state?.All.GroupBy(m => m.Location, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
            var order = state?.All.Select((m, i) => (m.Location, i)).GroupBy(p => p.Location).ToDictionary(g => g.Key, g => g.First().i);
            var files = Directory.EnumerateFiles(Path, "*.eml")
                .OrderBy(f => order != null && order.TryGetValue(System.IO.Path.GetFileName(f), out var i) ? i : int.MaxValue)
                .ThenBy(f => System.IO.Path.GetFileName(f), StringComparer.Ordinal);
            foreach (var file in files)
            {
                ArchivedMessage? known = null;
                byFile?.TryGetValue(System.IO.Path.GetFileName(file), out known);
                var date = known?.InternalDate ?? new DateTimeOffset(File.GetLastWriteTimeUtc(file), TimeSpan.Zero);
                yield return new SourceMessage(file, () => File.ReadAllBytes(file), known?.Flags ?? Array.Empty<string>(), date);
            }
        }
    }

    /// <summary>Finds the folders of messages under a path, in any of the three formats.</summary>
    internal static class ArchiveReader
    {
        /// <summary>The format of <paramref name="path"/>: an mbox file, a Maildir (has cur/), else a folder of .eml files or of mbox files.</summary>
        public static ArchiveFormat Detect(string path)
        {
            if (File.Exists(path)) return ArchiveFormat.Mbox;
            if (!Directory.Exists(path)) throw new DirectoryNotFoundException("'" + path + "' does not exist.");
            if (Directory.Exists(Path.Combine(path, "cur")) || Directory.EnumerateDirectories(path, ".*").Any(d => Directory.Exists(Path.Combine(d, "cur")))) return ArchiveFormat.Maildir;
            if (Directory.EnumerateFiles(path, "*.eml", SearchOption.AllDirectories).Any()) return ArchiveFormat.Eml;
            if (Directory.EnumerateFiles(path, "*.mbox", SearchOption.AllDirectories).Any()) return ArchiveFormat.Mbox;
            throw new InvalidDataException("'" + path + "' holds no Maildir, mbox or .eml messages; give -Format if it is one of them.");
        }

        /// <summary>The folders to import: <paramref name="path"/> itself, or with <paramref name="recurse"/> every folder of the tree.</summary>
        public static List<SourceFolder> Find(string path, ArchiveFormat format, bool recurse)
        {
            var result = new List<SourceFolder>();
            switch (format)
            {
                case ArchiveFormat.Maildir:
                    if (Directory.Exists(Path.Combine(path, "cur"))) result.Add(new SourceFolder(path, format, recurse ? new[] { "INBOX" } : Array.Empty<string>()));
                    if (recurse)
                        foreach (var dir in Directory.EnumerateDirectories(path, ".*").OrderBy(d => d, StringComparer.Ordinal))
                            if (Directory.Exists(Path.Combine(dir, "cur")) && MaildirLayout.LevelsOf(Path.GetFileName(dir)) is string[] levels)
                                result.Add(new SourceFolder(dir, format, levels));
                    break;
                case ArchiveFormat.Mbox:
                    if (File.Exists(path)) { result.Add(new SourceFolder(path, format, Array.Empty<string>())); break; }
                    foreach (var file in Directory.EnumerateFiles(path, "*.mbox", recurse ? SearchOption.AllDirectories : SearchOption.TopDirectoryOnly).OrderBy(f => f, StringComparer.Ordinal))
                    {
                        var relative = file.Substring(path.TrimEnd(Path.DirectorySeparatorChar).Length + 1);
                        relative = relative.Substring(0, relative.Length - ".mbox".Length);
                        result.Add(new SourceFolder(file, format, relative.Split(Path.DirectorySeparatorChar)));
                    }
                    break;
                default:
                    var root = path.TrimEnd(Path.DirectorySeparatorChar);
                    var dirs = new List<string> { root };
                    if (recurse) dirs.AddRange(Directory.EnumerateDirectories(root, "*", SearchOption.AllDirectories).OrderBy(d => d, StringComparer.Ordinal));
                    foreach (var dir in dirs)
                    {
                        if (!Directory.EnumerateFiles(dir, "*.eml").Any()) continue;
                        var levels = dir.Length == root.Length ? Array.Empty<string>() : dir.Substring(root.Length + 1).Split(Path.DirectorySeparatorChar);
                        result.Add(new SourceFolder(dir, format, levels));
                    }
                    break;
            }
            return result;
        }
    }
}
