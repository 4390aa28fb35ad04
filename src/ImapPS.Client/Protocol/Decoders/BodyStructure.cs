using System;
using System.Collections;
using System.Collections.Generic;

namespace ImapPS.Client.Protocol
{
    /// <summary>
    /// A node of a BODYSTRUCTURE (or BODY) tree (RFC 3501 §7.4.2): <see cref="BodyPartBasic"/>,
    /// <see cref="BodyPartMessage"/> (message/rfc822) or <see cref="BodyPartMultipart"/>. Media types,
    /// subtypes and transfer encodings are lower-cased; every other string is raw as sent.
    /// </summary>
    public abstract class BodyStructure
    {
        internal static readonly WordTable MediaWords = new WordTable(
        
            "text", "plain", "html", "multipart", "mixed", "alternative", "related", "signed", "encrypted", "report",
            "application", "octet-stream", "pdf", "image", "jpeg", "png", "gif", "message", "rfc822", "delivery-status",
            "calendar", "audio", "video", "pkcs7-signature", "pgp-signature", "zip", "enriched", "rtf", "global");

        internal static readonly WordTable EncodingWords = new WordTable("7bit", "8bit", "base64", "quoted-printable", "binary");

        internal static readonly WordTable DispositionWords = new WordTable("attachment", "inline");

        /// <summary>The media type in lower case (<c>text</c>, <c>multipart</c>, …).</summary>
        public string MediaType { get; internal set; } = "";

        /// <summary>The media subtype in lower case (<c>plain</c>, <c>mixed</c>, …).</summary>
        public string MediaSubtype { get; internal set; } = "";

        /// <summary><c>type/subtype</c> in lower case.</summary>
        public string ContentType => MediaType + "/" + MediaSubtype;

        /// <summary>Content-Type parameters (keys case-insensitive; values raw, possibly RFC 2231/2047 encoded).</summary>
        public IReadOnlyDictionary<string, string> Parameters { get; internal set; } = ParameterList.Empty;

        /// <summary>The disposition type in lower case (<c>attachment</c>, <c>inline</c>), or null.</summary>
        public string? Disposition { get; internal set; }

        /// <summary>Content-Disposition parameters (keys case-insensitive).</summary>
        public IReadOnlyDictionary<string, string> DispositionParameters { get; internal set; } = ParameterList.Empty;

        /// <summary>Content-Language values, or an empty list.</summary>
        public IReadOnlyList<string> Language { get; internal set; } = Array.Empty<string>();

        /// <summary>Content-Location, or null.</summary>
        public string? Location { get; internal set; }

        /// <summary>
        /// The section specifier that fetches this part's content (RFC 3501 §6.4.5): "1", "1.2", …;
        /// "TEXT" for the root multipart and "n.TEXT" for the multipart body of a message/rfc822 part n,
        /// whose content is the embedded message's text.
        /// </summary>
        public string PartSpecifier { get; internal set; } = "";

        /// <summary>True for multipart nodes.</summary>
        public bool IsMultipart => this is BodyPartMultipart;

        /// <summary>
        /// Every leaf part in document order (non-multipart parts). A message/rfc822 part is a leaf
        /// unless <paramref name="descendIntoMessages"/> is true, in which case the parts of the
        /// embedded message are returned instead.
        /// </summary>
        public IEnumerable<BodyPartBasic> EnumerateLeafParts(bool descendIntoMessages = false)
        {
            var stack = new Stack<BodyStructure>();
            stack.Push(this);
            while (stack.Count > 0)
            {
                var node = stack.Pop();
                if (node is BodyPartMultipart multipart)
                {
                    for (int i = multipart.Parts.Count - 1; i >= 0; i--) stack.Push(multipart.Parts[i]);
                }
                else if (descendIntoMessages && node is BodyPartMessage message && message.Body != null)
                {
                    stack.Push(message.Body);
                }
                else
                {
                    yield return (BodyPartBasic)node;
                }
            }
        }

        /// <summary>
        /// The parts a mail client would show as attachments: disposition <c>attachment</c>, or a
        /// non-text part (not multipart) with a file name. Embedded messages are not searched.
        /// </summary>
        public IEnumerable<BodyPartBasic> EnumerateAttachments()
        {
            foreach (var part in EnumerateLeafParts())
            {
                if (string.Equals(part.Disposition, "attachment", StringComparison.OrdinalIgnoreCase)) yield return part;
                else if (part.MediaType != "text" && part.FileName != null) yield return part;
            }
        }

        /// <summary>Decodes a BODYSTRUCTURE or BODY value.</summary>
        /// <exception cref="ImapProtocolException">The value is not a body structure.</exception>
        public static BodyStructure Parse(ImapValue value)
        {
            var c = new Cursor(value);
            return Read(ref c, "", isRoot: true);
        }

        /// <summary>Reads a body. <paramref name="specifier"/> is this part's section number ("" for the root).</summary>
        internal static BodyStructure Read(ref Cursor c, string specifier, bool isRoot, int depth = 0)
        {
            if (depth > 100) throw c.Error("a body structure nested at most 100 levels deep");
            c.EnterList("a body structure list");
            // Domino wraps the whole structure in an extra pair of parentheses: ((...)) with nothing after.
            BodyStructure body;
            if (c.IsListStart)
                body = BodyPartMultipart.ReadMultipart(ref c, specifier, isRoot, depth);
            else
                body = BodyPartBasic.ReadBasic(ref c, isRoot ? "1" : specifier, depth);
            c.LeaveList();
            return body;
        }

        /// <summary>Reads body-ext fields common to all parts: disposition, language, location; skips later extensions.</summary>
        internal void ReadDispositionLanguageLocation(ref Cursor c)
        {
            if (c.AtEnd) return;
            if (c.TryEnterList())
            {
                Disposition = c.ReadInterned(DispositionWords, lowerCase: true);
                if (!c.AtEnd) DispositionParameters = ParameterList.Read(ref c);
                c.LeaveList();
            }
            else
            {
                // Some servers send the disposition type as a bare string.
                Disposition = c.ReadInterned(DispositionWords, lowerCase: true);
            }
            if (c.AtEnd) return;
            Language = c.ReadStringList();
            if (c.AtEnd) return;
            Location = c.ReadNString();
        }
    }

    /// <summary>A single (non-multipart) body part.</summary>
    public class BodyPartBasic : BodyStructure
    {
        /// <summary>Content-ID, or null.</summary>
        public string? ContentId { get; internal set; }

        /// <summary>Content-Description (raw), or null.</summary>
        public string? Description { get; internal set; }

        /// <summary>Content-Transfer-Encoding in lower case, or null.</summary>
        public string? ContentTransferEncoding { get; internal set; }

        /// <summary>The size in octets of the (encoded) content.</summary>
        public long Size { get; internal set; }

        /// <summary>The number of lines, for text/* and message/rfc822 parts; null otherwise.</summary>
        public long? Lines { get; internal set; }

        /// <summary>Content-MD5, or null.</summary>
        public string? Md5 { get; internal set; }

        /// <summary>
        /// The file name as sent: the disposition's <c>filename</c>, else the type's <c>name</c> parameter,
        /// each also in its RFC 2231 forms (<c>filename*</c>, or the first segment <c>filename*0*</c> /
        /// <c>filename*0</c> of a continued value), which are returned raw (<c>UTF-8''…</c>, possibly only
        /// the first segment); null when neither parameter is present. Decoding needs a charset library
        /// and is left to the caller.
        /// </summary>
        public string? FileName => RawParameter(DispositionParameters, "filename") ?? RawParameter(Parameters, "name");

        private static string? RawParameter(IReadOnlyDictionary<string, string> parameters, string name)
        {
            if (parameters.Count == 0) return null;
            if (parameters.TryGetValue(name, out var f) && f.Length > 0) return f;
            if (parameters.TryGetValue(name + "*", out f) && f.Length > 0) return f;
            if (parameters.TryGetValue(name + "*0*", out f) && f.Length > 0) return f;
            if (parameters.TryGetValue(name + "*0", out f) && f.Length > 0) return f;
            return null;
        }

        internal static BodyPartBasic ReadBasic(ref Cursor c, string specifier, int depth)
        {
            string type = c.ReadInterned(MediaWords, lowerCase: true) ?? "";
            string subtype = c.AtEnd ? "" : c.ReadInterned(MediaWords, lowerCase: true) ?? "";
            BodyPartBasic part;
            bool isMessage = type == "message" && (subtype == "rfc822" || subtype == "global");
            part = isMessage ? new BodyPartMessage() : new BodyPartBasic();
            part.MediaType = type;
            part.MediaSubtype = subtype;
            part.PartSpecifier = specifier;
            if (c.AtEnd) return part;
            part.Parameters = ParameterList.Read(ref c);
            if (c.AtEnd) return part;
            part.ContentId = c.ReadNString();
            if (c.AtEnd) return part;
            part.Description = c.ReadNString();
            if (c.AtEnd) return part;
            part.ContentTransferEncoding = c.ReadInterned(EncodingWords, lowerCase: true);
            if (c.AtEnd) return part;
            part.Size = (long)Math.Min(c.ReadNumberOrNull() ?? 0, long.MaxValue);
            if (c.AtEnd) return part;
            if (isMessage && c.IsListStart)
            {
                // Some servers (and RFC 3501 erratum readers) omit envelope and body; read them only when present.
                var message = (BodyPartMessage)part;
                message.Envelope = Envelope.Read(ref c);
                if (c.IsListStart)
                {
                    message.Body = Read(ref c, specifier, isRoot: false, depth + 1);
                    // A multipart body's children are n.1, n.2 (read above with prefix n); a single-part body is n.1.
                    if (message.Body is BodyPartMultipart) message.Body.PartSpecifier = specifier + ".TEXT";
                    else BodyPartMultipart.Renumber(message.Body, specifier + ".1", isRoot: false);
                }
                else if (!c.AtEnd && c.IsNil) c.Skip();
                if (c.AtEnd) return part;
            }
            if (type == "text" || isMessage)
            {
                if (c.TryReadNumber(out ulong lines)) part.Lines = (long)Math.Min(lines, long.MaxValue);
                else if (c.IsNil) c.Skip();
                if (c.AtEnd) return part;
            }
            part.Md5 = c.ReadNString();
            part.ReadDispositionLanguageLocation(ref c);
            return part;
        }
    }

    /// <summary>A message/rfc822 (or message/global) part: the embedded message's envelope and structure.</summary>
    public sealed class BodyPartMessage : BodyPartBasic
    {
        /// <summary>The embedded message's envelope, or null when the server left it out.</summary>
        public Envelope? Envelope { get; internal set; }

        /// <summary>The embedded message's structure, or null when the server left it out.</summary>
        public BodyStructure? Body { get; internal set; }
    }

    /// <summary>A multipart node.</summary>
    public sealed class BodyPartMultipart : BodyStructure
    {
        /// <summary>The child parts in order.</summary>
        public IReadOnlyList<BodyStructure> Parts { get; internal set; } = Array.Empty<BodyStructure>();

        internal static BodyPartMultipart ReadMultipart(ref Cursor c, string specifier, bool isRoot, int depth)
        {
            var multipart = new BodyPartMultipart { MediaType = "multipart", PartSpecifier = isRoot ? "TEXT" : specifier };
            // Children of the root, or of a message's body, are numbered from the message's own number.
            string prefix = isRoot ? "" : specifier.EndsWith(".TEXT", StringComparison.Ordinal) ? specifier.Substring(0, specifier.Length - 5) : specifier;
            var parts = new List<BodyStructure>(4);
            while (c.IsListStart)
            {
                int n = parts.Count + 1;
                string child = prefix.Length == 0 ? PartNumber(n) : prefix + "." + PartNumber(n);
                parts.Add(Read(ref c, child, isRoot: false, depth + 1));
            }
            multipart.Parts = parts;
            if (parts.Count == 1 && c.AtEnd && parts[0] is BodyPartMultipart inner && isRoot)
            {
                // Domino: "((...multipart...))", an extra level of parentheses around the real structure.
                Renumber(inner, "", isRoot: true);
                return inner;
            }
            if (c.AtEnd) { multipart.MediaSubtype = "mixed"; return multipart; }
            multipart.MediaSubtype = c.ReadInterned(MediaWords, lowerCase: true) ?? "mixed";
            if (c.AtEnd) return multipart;
            multipart.Parameters = ParameterList.Read(ref c);
            multipart.ReadDispositionLanguageLocation(ref c);
            return multipart;
        }

        /// <summary>Gives a subtree the specifiers it would have had at <paramref name="specifier"/>.</summary>
        internal static void Renumber(BodyStructure node, string specifier, bool isRoot)
        {
            if (node is BodyPartMultipart multipart)
            {
                multipart.PartSpecifier = isRoot ? "TEXT" : specifier;
                string prefix = isRoot ? "" : specifier.EndsWith(".TEXT", StringComparison.Ordinal) ? specifier.Substring(0, specifier.Length - 5) : specifier;
                for (int i = 0; i < multipart.Parts.Count; i++)
                    Renumber(multipart.Parts[i], prefix.Length == 0 ? PartNumber(i + 1) : prefix + "." + PartNumber(i + 1), isRoot: false);
                return;
            }
            node.PartSpecifier = isRoot ? "1" : specifier;
            if (node is BodyPartMessage message && message.Body != null)
                Renumber(message.Body, message.Body is BodyPartMultipart ? node.PartSpecifier + ".TEXT" : node.PartSpecifier + ".1", isRoot: false);
        }

        private static readonly string[] SmallNumbers = { "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10" };

        private static string PartNumber(int n) => n < SmallNumbers.Length ? SmallNumbers[n] : n.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// A small read-only dictionary of MIME parameters, kept as an array of key/value pairs (a part
    /// rarely has more than three), with case-insensitive keys; the first of duplicate keys wins.
    /// </summary>
    internal sealed class ParameterList : IReadOnlyDictionary<string, string>
    {
        internal static readonly ParameterList Empty = new ParameterList(Array.Empty<string>(), 0);

        private static readonly WordTable KeyWords = new WordTable("charset", "name", "boundary", "format", "filename", "delsp", "type", "micalg", "protocol", "size", "creation-date", "modification-date", "report-type", "method");

        private readonly string[] _items;
        private readonly int _count;

        private ParameterList(string[] items, int count)
        {
            _items = items;
            _count = count;
        }

        /// <summary>Reads <c>("key" "value" …)</c> or NIL. Keys are lower-cased; NIL values read as "".</summary>
        internal static ParameterList Read(ref Cursor c)
        {
            if (!c.TryEnterList())
            {
                c.Skip();
                return Empty;
            }
            string[]? items = null;
            int n = 0;
            while (!c.AtEnd)
            {
                if (c.IsListStart) { c.Skip(); continue; }
                string? key = c.ReadInterned(KeyWords, lowerCase: true);
                string value = c.AtEnd ? "" : (c.IsListStart ? SkipList(ref c) : c.ReadNString(pooled: true) ?? "");
                if (key == null) continue;
                items ??= new string[4];
                if (n + 2 > items.Length) Array.Resize(ref items, items.Length * 2);
                items[n++] = key;
                items[n++] = value;
            }
            c.LeaveList();
            return items == null ? Empty : new ParameterList(items, n / 2);
        }

        private static string SkipList(ref Cursor c)
        {
            c.Skip();
            return "";
        }

        public string this[string key] => TryGetValue(key, out var v) ? v : throw new KeyNotFoundException(key);

        public IEnumerable<string> Keys { get { for (int i = 0; i < _count; i++) yield return _items[2 * i]; } }

        public IEnumerable<string> Values { get { for (int i = 0; i < _count; i++) yield return _items[2 * i + 1]; } }

        public int Count => _count;

        public bool ContainsKey(string key) => TryGetValue(key, out _);

        public bool TryGetValue(string key, out string value)
        {
            for (int i = 0; i < _count; i++)
            {
                if (string.Equals(_items[2 * i], key, StringComparison.OrdinalIgnoreCase))
                {
                    value = _items[2 * i + 1];
                    return true;
                }
            }
            value = null!;
            return false;
        }

        public IEnumerator<KeyValuePair<string, string>> GetEnumerator()
        {
            for (int i = 0; i < _count; i++) yield return new KeyValuePair<string, string>(_items[2 * i], _items[2 * i + 1]);
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
