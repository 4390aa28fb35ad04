using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;

namespace ImapPS.Commands
{
    /// <summary>What <see cref="AttachmentFolder.Place"/> decided for one attachment.</summary>
    internal enum AttachmentPlacement
    {
        /// <summary>The name is free: write the file.</summary>
        Write,

        /// <summary>The file is this attachment's own earlier copy with other content, and -Force was given: replace it.</summary>
        Replace,

        /// <summary>The file already holds exactly this attachment: nothing to write.</summary>
        AlreadySaved,

        /// <summary>The file is this attachment's own earlier copy with other content, and -Force was not given.</summary>
        Refused,
    }

    /// <summary>
    /// The destination folder of Save-ImapAttachment: which file each attachment goes to, and which
    /// files earlier runs wrote for which attachment.
    /// <para>
    /// An attachment is known by (mailbox, UIDVALIDITY, UID, part): that never names another
    /// attachment. Its file name depends only on that and on the folder: the attachment's own name
    /// when that is free or already holds this content, else "name (uid N).ext", else
    /// "name (Mailbox_UidValidity_Uid).ext". Which existing file is whose is known from a manifest
    /// in the folder (<see cref="ManifestName"/>, one line per attachment saved), because content
    /// alone cannot tell "my earlier copy, since edited" from "another message's file"; a file with
    /// exactly the attachment's content counts as saved whatever wrote it, so a lost manifest costs
    /// nothing but the -Force case.
    /// </para>
    /// </summary>
    internal sealed class AttachmentFolder
    {
        /// <summary>The manifest's file name. Attachment names never start with a dot, so no attachment can overwrite it.</summary>
        internal const string ManifestName = ".imapps-attachments";

        private const string Header = "# ImapPS Save-ImapAttachment: file, mailbox, UIDVALIDITY, UID, part (tab-separated, %-escaped). Tells re-runs which file holds which attachment.";

        private static readonly StringComparer FileNames = Path.DirectorySeparatorChar == '\\' ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;

        // attachment key -> file name, and file name -> the keys whose file it is.
        private readonly Dictionary<string, string> _fileOf = new Dictionary<string, string>(StringComparer.Ordinal);
        private readonly Dictionary<string, HashSet<string>> _ownersOf = new Dictionary<string, HashSet<string>>(FileNames);
        private readonly string _fullDirectory;
        private bool _dirty;

        private AttachmentFolder(string directory)
        {
            Directory = directory;
            _fullDirectory = Path.GetFullPath(directory).TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
        }

        /// <summary>The folder.</summary>
        internal string Directory { get; }

        /// <summary>Reads the folder's manifest, if any. Lines that do not parse are ignored.</summary>
        internal static AttachmentFolder Open(string directory)
        {
            var folder = new AttachmentFolder(directory);
            var manifest = Path.Combine(directory, ManifestName);
            if (!File.Exists(manifest)) return folder;
            foreach (var line in File.ReadAllLines(manifest, Encoding.UTF8))
            {
                if (line.Length == 0 || line[0] == '#') continue;
                var fields = line.Split('\t');
                if (fields.Length != 5) continue;
                var file = Unescape(fields[0]);
                if (!IsPlainFileName(file)) continue;
                if (!uint.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out var uidValidity)) continue;
                if (!uint.TryParse(fields[3], NumberStyles.None, CultureInfo.InvariantCulture, out var uid)) continue;
                folder.Record(Key(Unescape(fields[1]), uidValidity, uid, Unescape(fields[4])), file);
            }
            folder._dirty = false;
            return folder;
        }

        /// <summary>Writes the manifest when something was recorded, replacing the old one in one rename.</summary>
        internal void Save()
        {
            if (!_dirty) return;
            var text = new StringBuilder(Header).Append('\n');
            foreach (var pair in _fileOf.OrderBy(p => p.Value, StringComparer.Ordinal).ThenBy(p => p.Key, StringComparer.Ordinal))
            {
                var key = pair.Key.Split('\t');
                text.Append(Escape(pair.Value)).Append('\t').Append(key[0]).Append('\t').Append(key[1]).Append('\t').Append(key[2]).Append('\t').Append(key[3]).Append('\n');
            }
            var manifest = Path.Combine(Directory, ManifestName);
            var temp = ImapSaveCmdlet.TempPath(Directory);
            File.WriteAllText(temp, text.ToString(), new UTF8Encoding(false));
            if (File.Exists(manifest)) File.Replace(temp, manifest, null);
            else File.Move(temp, manifest);
            try { File.SetAttributes(manifest, File.GetAttributes(manifest) | FileAttributes.Hidden); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            _dirty = false;
        }

        /// <summary>The key of one attachment: it names that attachment and no other, for good.</summary>
        internal static string Key(string mailbox, uint uidValidity, uint uid, string part)
            => Escape(mailbox) + "\t" + uidValidity.ToString(CultureInfo.InvariantCulture) + "\t" + uid.ToString(CultureInfo.InvariantCulture) + "\t" + Escape(part);

        /// <summary>The full path of a file name in the folder; refuses anything that would land elsewhere.</summary>
        internal string PathOf(string fileName)
        {
            var path = Path.GetFullPath(Path.Combine(_fullDirectory, fileName));
            if (!string.Equals(Path.GetDirectoryName(path), _fullDirectory, StringComparison.Ordinal) || !IsPlainFileName(fileName))
                throw new InvalidOperationException("The attachment file name '" + fileName + "' would leave the folder '" + Directory + "'.");
            return path;
        }

        /// <summary>
        /// Decides where the attachment whose decoded content is in <paramref name="content"/> goes.
        /// <paramref name="baseName"/> is its safe name, already made unique within its message.
        /// The decision is recorded (see <see cref="Save"/>) unless it is <see cref="AttachmentPlacement.Refused"/>.
        /// </summary>
        internal (string FileName, AttachmentPlacement Placement) Place(string mailbox, uint uidValidity, uint uid, string part, string baseName, string content, bool force)
        {
            var key = Key(mailbox, uidValidity, uid, part);
            // This attachment's file from an earlier run, when it is still there.
            if (_fileOf.TryGetValue(key, out var recorded) && File.Exists(PathOf(recorded)))
            {
                if (SameContent(content, PathOf(recorded))) return (recorded, AttachmentPlacement.AlreadySaved);
                return (recorded, force ? AttachmentPlacement.Replace : AttachmentPlacement.Refused);
            }
            var candidates = Candidates(mailbox, uidValidity, uid, baseName);
            for (int i = 0; i < candidates.Length; i++)
            {
                var name = candidates[i];
                var path = PathOf(name);
                if (!File.Exists(path) && !System.IO.Directory.Exists(path)) return Claim(key, name, AttachmentPlacement.Write);
                if (File.Exists(path) && SameContent(content, path)) return Claim(key, name, AttachmentPlacement.AlreadySaved);
                // The last name holds this message's mailbox, UIDVALIDITY and UID: no other message's file can have it.
                bool ownedByOthers = _ownersOf.TryGetValue(name, out var owners) && owners.Count > 0;
                if (i == candidates.Length - 1 && !ownedByOthers && File.Exists(path))
                    return force ? Claim(key, name, AttachmentPlacement.Replace) : (name, AttachmentPlacement.Refused);
            }
            return (candidates[candidates.Length - 1], AttachmentPlacement.Refused);
        }

        /// <summary>The names an attachment may get, in order of preference.</summary>
        internal static string[] Candidates(string mailbox, uint uidValidity, uint uid, string baseName)
        {
            string stem = Path.GetFileNameWithoutExtension(baseName), extension = Path.GetExtension(baseName);
            if (extension.Length > 20 || extension.Length == baseName.Length) { stem = baseName; extension = ""; }
            var id = uid.ToString(CultureInfo.InvariantCulture);
            var qualified = Truncate(SafeFileName(ImapSaveCmdlet.FileNamePart(mailbox), "mailbox"), 60) + "_" + uidValidity.ToString(CultureInfo.InvariantCulture) + "_" + id;
            return new[] { baseName, stem + " (uid " + id + ")" + extension, stem + " (" + qualified + ")" + extension };
        }

        /// <summary>
        /// Names for the attachments of one message, in order: each safe name, and for a name used
        /// before in the same message "name (2).ext", "name (3).ext", … (the next number not used in it).
        /// </summary>
        internal static string[] UniqueWithinMessage(IReadOnlyList<string> safeNames)
        {
            var used = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            var result = new string[safeNames.Count];
            for (int i = 0; i < safeNames.Count; i++)
            {
                string name = safeNames[i];
                if (!used.Add(name))
                {
                    string stem = Path.GetFileNameWithoutExtension(name), extension = Path.GetExtension(name);
                    for (int n = 2; !used.Add(name = stem + " (" + n.ToString(CultureInfo.InvariantCulture) + ")" + extension); n++) { }
                }
                result[i] = name;
            }
            return result;
        }

        /// <summary>
        /// A name a hostile sender cannot turn against the folder: only the last path element,
        /// characters that are invalid in a file name on any system (Windows' set, so a name is the same
        /// everywhere), control and invisible formatting characters (such as the right-to-left override
        /// that disguises "fdp.exe" as "exe.pdf") replaced with _, no leading dot (no hidden files, never
        /// "." or ".."), no trailing dots or spaces, no Windows device name (CON, NUL, COM1, …), and at
        /// most 140 bytes of UTF-8 before the extension. Empty results become <paramref name="fallback"/>.
        /// </summary>
        internal static string SafeFileName(string? name, string fallback)
        {
            if (string.IsNullOrWhiteSpace(name)) return fallback;
            name = name!.Replace('\\', '/');
            name = name.Substring(name.LastIndexOf('/') + 1);
            var chars = new StringBuilder(name.Length);
            for (int i = 0; i < name.Length; i++)
            {
                char c = name[i];
                if (char.IsHighSurrogate(c) && i + 1 < name.Length && char.IsLowSurrogate(name[i + 1])) { chars.Append(c).Append(name[++i]); continue; }
                var category = char.GetUnicodeCategory(c);
                bool bad = c < ' ' || c == '\u007f' || "<>:\"|?*".IndexOf(c) >= 0 || char.IsSurrogate(c) ||
                    category == UnicodeCategory.Control || category == UnicodeCategory.Format ||
                    category == UnicodeCategory.LineSeparator || category == UnicodeCategory.ParagraphSeparator;
                chars.Append(bad ? '_' : c);
            }
            var result = chars.ToString().Trim().TrimEnd('.', ' ');
            if (result.Length == 0) return fallback;
            if (result[0] == '.') result = "_" + result.Substring(1);
            string stem = Path.GetFileNameWithoutExtension(result), extension = Path.GetExtension(result);
            if (extension.Length > 20) { stem = result; extension = ""; }
            string device = (stem.IndexOf('.') is int dot && dot >= 0 ? stem.Substring(0, dot) : stem).TrimEnd(' ').ToUpperInvariant();
            if (device == "CON" || device == "PRN" || device == "AUX" || device == "NUL" || device == "CONIN$" || device == "CONOUT$" ||
                (device.Length == 4 && (device.StartsWith("COM", StringComparison.Ordinal) || device.StartsWith("LPT", StringComparison.Ordinal)) && char.IsDigit(device[3])))
                stem = "_" + stem;
            return Truncate(stem, 140).TrimEnd('.', ' ') + extension;
        }

        /// <summary>True for a name that stays in its folder: no separator, no character invalid anywhere, no leading dot, not empty.</summary>
        internal static bool IsPlainFileName(string name)
            => name.Length > 0 && name[0] != '.' && name.IndexOfAny(new[] { '/', '\\', '<', '>', ':', '"', '|', '?', '*' }) < 0 && !name.Any(c => c < ' ') &&
               name.IndexOfAny(Path.GetInvalidFileNameChars()) < 0;

        /// <summary>Whether the file holds exactly the bytes of <paramref name="content"/>.</summary>
        internal static bool SameContent(string content, string file)
        {
            if (new FileInfo(content).Length != new FileInfo(file).Length) return false;
            using (var a = new FileStream(content, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1))
            using (var b = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1))
            {
                var x = new byte[65536];
                var y = new byte[65536];
                while (true)
                {
                    int n = ReadFully(a, x), m = ReadFully(b, y);
                    if (n != m) return false;
                    if (n == 0) return true;
                    if (!x.AsSpan(0, n).SequenceEqual(y.AsSpan(0, n))) return false;
                }
            }
        }

        private static int ReadFully(Stream stream, byte[] buffer)
        {
            int total = 0, n;
            while (total < buffer.Length && (n = stream.Read(buffer, total, buffer.Length - total)) > 0) total += n;
            return total;
        }

        /// <summary>Drops the record of an attachment whose file could not be written after all.</summary>
        internal void Forget(string mailbox, uint uidValidity, uint uid, string part)
        {
            var key = Key(mailbox, uidValidity, uid, part);
            if (!_fileOf.TryGetValue(key, out var name)) return;
            _fileOf.Remove(key);
            if (_ownersOf.TryGetValue(name, out var owners)) owners.Remove(key);
            _dirty = true;
        }

        private (string, AttachmentPlacement) Claim(string key, string name, AttachmentPlacement placement)
        {
            Record(key, name);
            return (name, placement);
        }

        private void Record(string key, string name)
        {
            if (_fileOf.TryGetValue(key, out var old) && _ownersOf.TryGetValue(old, out var was)) was.Remove(key);
            _fileOf[key] = name;
            if (!_ownersOf.TryGetValue(name, out var owners)) _ownersOf[name] = owners = new HashSet<string>(StringComparer.Ordinal);
            owners.Add(key);
            _dirty = true;
        }

        /// <summary>At most <paramref name="maxBytes"/> bytes of UTF-8, cut between characters.</summary>
        private static string Truncate(string text, int maxBytes)
        {
            if (Encoding.UTF8.GetByteCount(text) <= maxBytes) return text;
            int bytes = 0, i = 0;
            while (i < text.Length)
            {
                int width = char.IsHighSurrogate(text[i]) && i + 1 < text.Length ? 2 : 1;
                int size = Encoding.UTF8.GetByteCount(text.ToCharArray(i, width));
                if (bytes + size > maxBytes) break;
                bytes += size;
                i += width;
            }
            return text.Substring(0, i);
        }

        private static string Escape(string text)
            => text.Replace("%", "%25").Replace("\t", "%09").Replace("\r", "%0D").Replace("\n", "%0A");

        private static string Unescape(string text) => Uri.UnescapeDataString(text);
    }
}
