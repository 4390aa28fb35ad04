using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;

namespace ImapPS.Archive
{
    /// <summary>One message an archive holds: where it came from, its flags and date, and where it is stored.</summary>
    internal sealed class ArchivedMessage
    {
        /// <summary>The UID on the server (of <see cref="ArchiveState.UidValidity"/>); 0 for a message kept from an earlier UIDVALIDITY.</summary>
        public uint Uid { get; set; }

        public string[] Flags { get; set; } = Array.Empty<string>();

        public DateTimeOffset? InternalDate { get; set; }

        /// <summary>The size in bytes as the server sent it.</summary>
        public long Size { get; set; }

        /// <summary>SHA-256 of the bytes as the server sent them (lower-case hex).</summary>
        public string Hash { get; set; } = "";

        public string? MessageId { get; set; }

        /// <summary>Where the archive keeps it: a Maildir base name, an .eml file name, an mbox byte offset.</summary>
        public string Location { get; set; } = "";
    }

    /// <summary>
    /// What an archive folder remembers between runs, so the next run transfers only what changed:
    /// the mailbox it mirrors, its UIDVALIDITY, UIDNEXT and HIGHESTMODSEQ when the last run ended,
    /// and every message it holds. Kept in a small text file written to a temporary name and renamed,
    /// so a cut leaves the previous state whole.
    /// </summary>
    internal sealed class ArchiveState
    {
        private const string Magic = "#imapps-archive 1";

        /// <summary>The account and mailbox the archive mirrors (user@server:port/mailbox).</summary>
        public string? Source { get; set; }

        public uint UidValidity { get; set; }

        /// <summary>UIDNEXT when the last complete run began; 0 while a run has never completed.</summary>
        public uint UidNext { get; set; }

        /// <summary>HIGHESTMODSEQ when the last complete run began; 0 without CONDSTORE.</summary>
        public ulong HighestModSeq { get; set; }

        /// <summary>For an mbox: the length of the file after the last message recorded here.</summary>
        public long MboxLength { get; set; }

        /// <summary>The messages of the current UIDVALIDITY, by UID.</summary>
        public Dictionary<uint, ArchivedMessage> Messages { get; } = new Dictionary<uint, ArchivedMessage>();

        /// <summary>Messages kept from an earlier UIDVALIDITY that no current message has claimed (still in the archive).</summary>
        public List<ArchivedMessage> Orphans { get; } = new List<ArchivedMessage>();

        /// <summary>Every message the archive holds, in the order it stored them.</summary>
        public IEnumerable<ArchivedMessage> All => Orphans.Concat(Messages.Values.OrderBy(m => m.Uid));

        /// <summary>Reads the state file, or returns an empty state when there is none.</summary>
        /// <exception cref="InvalidDataException">The file is not an ImapPS archive state.</exception>
        public static ArchiveState Load(string path)
        {
            var state = new ArchiveState();
            if (!File.Exists(path)) return state;
            using var reader = new StreamReader(path, new UTF8Encoding(false));
            if (reader.ReadLine() != Magic) throw new InvalidDataException("'" + path + "' is not an ImapPS archive state file.");
            string? line;
            while ((line = reader.ReadLine()) != null)
            {
                if (line.Length == 0) continue;
                var fields = line.Split('\t');
                switch (fields[0])
                {
                    case "source": state.Source = fields.Length > 1 ? fields[1] : null; break;
                    case "uidvalidity": state.UidValidity = uint.Parse(fields[1], CultureInfo.InvariantCulture); break;
                    case "uidnext": state.UidNext = uint.Parse(fields[1], CultureInfo.InvariantCulture); break;
                    case "highestmodseq": state.HighestModSeq = ulong.Parse(fields[1], CultureInfo.InvariantCulture); break;
                    case "mboxlength": state.MboxLength = long.Parse(fields[1], CultureInfo.InvariantCulture); break;
                    case "m":
                    case "o":
                        if (fields.Length < 8) throw new InvalidDataException("'" + path + "' has a malformed message line.");
                        var m = new ArchivedMessage
                        {
                            Uid = uint.Parse(fields[1], CultureInfo.InvariantCulture),
                            Flags = fields[2].Length == 0 ? Array.Empty<string>() : fields[2].Split(' '),
                            InternalDate = fields[3] == "-" ? (DateTimeOffset?)null : DateTimeOffset.ParseExact(fields[3], "o", CultureInfo.InvariantCulture),
                            Size = long.Parse(fields[4], CultureInfo.InvariantCulture),
                            Hash = fields[5],
                            Location = fields[6],
                            MessageId = fields[7].Length == 0 ? null : fields[7],
                        };
                        if (fields[0] == "m") state.Messages[m.Uid] = m;
                        else state.Orphans.Add(m);
                        break;
                }
            }
            return state;
        }

        /// <summary>Writes the state to a temporary file and renames it over <paramref name="path"/>.</summary>
        public void Save(string path)
        {
            string temp = path + ".tmp";
            using (var writer = new StreamWriter(new FileStream(temp, FileMode.Create, FileAccess.Write), new UTF8Encoding(false)))
            {
                writer.NewLine = "\n";
                writer.WriteLine(Magic);
                if (Source != null) writer.WriteLine("source\t" + Clean(Source));
                writer.WriteLine("uidvalidity\t" + UidValidity.ToString(CultureInfo.InvariantCulture));
                writer.WriteLine("uidnext\t" + UidNext.ToString(CultureInfo.InvariantCulture));
                writer.WriteLine("highestmodseq\t" + HighestModSeq.ToString(CultureInfo.InvariantCulture));
                writer.WriteLine("mboxlength\t" + MboxLength.ToString(CultureInfo.InvariantCulture));
                foreach (var o in Orphans) Write(writer, "o", o);
                foreach (var m in Messages.Values.OrderBy(m => m.Uid)) Write(writer, "m", m);
            }
            if (File.Exists(path)) File.Replace(temp, path, null);
            else File.Move(temp, path);
        }

        private static void Write(TextWriter writer, string kind, ArchivedMessage m)
        {
            writer.Write(kind);
            writer.Write('\t'); writer.Write(m.Uid.ToString(CultureInfo.InvariantCulture));
            writer.Write('\t'); writer.Write(string.Join(" ", m.Flags.Select(Clean)));
            writer.Write('\t'); writer.Write(m.InternalDate?.ToString("o", CultureInfo.InvariantCulture) ?? "-");
            writer.Write('\t'); writer.Write(m.Size.ToString(CultureInfo.InvariantCulture));
            writer.Write('\t'); writer.Write(m.Hash);
            writer.Write('\t'); writer.Write(Clean(m.Location));
            writer.Write('\t'); writer.Write(Clean(m.MessageId ?? ""));
            writer.Write('\n');
        }

        /// <summary>Tabs, line breaks and spaces (in flags) would break the line format; servers never send them in these fields.</summary>
        private static string Clean(string text)
        {
            if (text.IndexOfAny(new[] { '\t', '\r', '\n' }) < 0) return text;
            var chars = text.ToCharArray();
            for (int i = 0; i < chars.Length; i++) if (chars[i] == '\t' || chars[i] == '\r' || chars[i] == '\n') chars[i] = ' ';
            return new string(chars);
        }
    }
}
