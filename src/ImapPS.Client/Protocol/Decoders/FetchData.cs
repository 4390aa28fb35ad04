using System;
using System.Collections.Generic;
using System.Text;

namespace ImapPS.Client.Protocol
{
    /// <summary>
    /// The data of one <c>* n FETCH (…)</c> response. Items the response did not carry are null (or
    /// empty lists for <see cref="Sections"/> and <see cref="BinarySizes"/>). Decoding walks the
    /// response once and allocates only the objects and strings it returns; common flags are interned.
    /// </summary>
    public sealed class FetchData
    {
        private static readonly WordTable KnownFlags = new WordTable(
            "\\Seen", "\\Answered", "\\Flagged", "\\Deleted", "\\Draft", "\\Recent", "\\*",
            "$Forwarded", "$MDNSent", "$Junk", "$NotJunk", "$Phishing", "$Important", "NonJunk", "Junk", "$Label1", "$Label2", "$Label3");

        private static readonly string[] KnownLabels = { "\\Inbox", "\\Sent", "\\Important", "\\Starred", "\\Draft", "\\Drafts", "\\Spam", "\\Trash" };

        private static readonly IReadOnlyList<FetchSection> NoSections = Array.Empty<FetchSection>();
        private static readonly IReadOnlyDictionary<string, long> NoSizes = new Dictionary<string, long>(0);
        private static readonly IReadOnlyList<KeyValuePair<string, ImapValue>> NoExtensions = Array.Empty<KeyValuePair<string, ImapValue>>();

        /// <summary>The message sequence number (the <c>n</c> of <c>* n FETCH</c>).</summary>
        public uint SequenceNumber { get; internal set; }

        /// <summary>UID, or null.</summary>
        public uint? Uid { get; internal set; }

        /// <summary>FLAGS, or null when not fetched. Common flags are shared string instances.</summary>
        public IReadOnlyList<string>? Flags { get; internal set; }

        /// <summary>INTERNALDATE, or null (also when the server sent an unreadable date).</summary>
        public DateTimeOffset? InternalDate { get; internal set; }

        /// <summary>RFC822.SIZE, or null.</summary>
        public long? Size { get; internal set; }

        /// <summary>ENVELOPE, or null.</summary>
        public Envelope? Envelope { get; internal set; }

        /// <summary>The body structure, from BODYSTRUCTURE or BODY (without a section), or null.</summary>
        public BodyStructure? Body { get; internal set; }

        /// <summary>MODSEQ (RFC 7162), or null: asked for as an item, or carried unasked by every answer to FETCH CHANGEDSINCE. A negative value (Zoho) reads as 0.</summary>
        public ulong? ModSeq { get; internal set; }

        /// <summary>Body sections: BODY[…], BINARY[…], RFC822, RFC822.HEADER, RFC822.TEXT, in response order.</summary>
        public IReadOnlyList<FetchSection> Sections { get; internal set; } = NoSections;

        /// <summary>BINARY.SIZE[section] values (RFC 3516), keyed by section (e.g. "1.2").</summary>
        public IReadOnlyDictionary<string, long> BinarySizes { get; internal set; } = NoSizes;

        /// <summary>X-GM-MSGID, or null.</summary>
        public ulong? GmailMessageId { get; internal set; }

        /// <summary>X-GM-THRID, or null.</summary>
        public ulong? GmailThreadId { get; internal set; }

        /// <summary>X-GM-LABELS (decoded from modified UTF-7 where valid), or null.</summary>
        public IReadOnlyList<string>? GmailLabels { get; internal set; }

        /// <summary>PREVIEW (RFC 8970) or SNIPPET text, or null.</summary>
        public string? Preview { get; internal set; }

        /// <summary>SAVEDATE (RFC 8514), or null (also when the server sent NIL).</summary>
        public DateTimeOffset? SaveDate { get; internal set; }

        /// <summary>EMAILID (RFC 8474), or null.</summary>
        public string? EmailId { get; internal set; }

        /// <summary>THREADID (RFC 8474), or null (also NIL: the server does not thread).</summary>
        public string? ThreadId { get; internal set; }

        /// <summary>ANNOTATION (RFC 5257), or null.</summary>
        public AnnotationData? Annotation { get; internal set; }

        /// <summary>Items this decoder does not know, as (upper-case name, value) pairs in response order.</summary>
        public IReadOnlyList<KeyValuePair<string, ImapValue>> Extensions { get; internal set; } = NoExtensions;

        /// <summary>The first section whose <see cref="FetchSection.Section"/> equals <paramref name="section"/> (ignoring case), or null.</summary>
        public FetchSection? FindSection(string section, bool binary = false)
        {
            foreach (var s in Sections)
                if (s.IsBinary == binary && string.Equals(s.Section, section, StringComparison.OrdinalIgnoreCase)) return s;
            return null;
        }

        /// <summary>Decodes a <c>* n FETCH (…)</c> response.</summary>
        /// <exception cref="ArgumentException">The response is not a FETCH response.</exception>
        /// <exception cref="ImapProtocolException">The FETCH data is malformed beyond what real servers do.</exception>
        public static FetchData Parse(ServerResponse response)
        {
            if (response == null) throw new ArgumentNullException(nameof(response));
            if (response.Name != "FETCH")
                throw new ArgumentException("Not a FETCH response: " + response.Name, nameof(response));
            if (!response.HasNumber) throw Tokenizer.Error(response, "FETCH without a message number", 0);
            var c = Cursor.AtData(response);
            var data = new FetchData { SequenceNumber = response.Number };
            c.EnterList("the FETCH item list");
            ReadItems(ref c, data, 0);
            c.LeaveList();
            return data;
        }

        /// <summary>
        /// Reads the start of a FETCH response whose literal is announced but not yet read (the
        /// bytes before the literal's <c>{n}</c>): the message number, and the UID when a top-level
        /// <c>UID n</c> item comes before the literal. Walks the bytes once, without allocating;
        /// earlier literals in the prefix are skipped by their announced size, so their contents
        /// are never mistaken for items. False when the prefix is not <c>* n FETCH (</c>.
        /// </summary>
        internal static bool TryReadPrefix(LiteralRequest request, out uint number, out uint? uid)
            => TryReadPrefix(request.Buffer, request.LineStart, request.HeaderOffset, out number, out uid);

        internal static bool TryReadPrefix(byte[] b, int pos, int end, out uint number, out uint? uid)
        {
            number = 0;
            uid = null;
            if (end - pos < 4 || b[pos] != (byte)'*' || b[pos + 1] != (byte)' ') return false;
            pos += 2;
            if (!ReadPrefixNumber(b, ref pos, end, out ulong n) || n > uint.MaxValue) return false;
            number = (uint)n;
            if (pos >= end || b[pos++] != (byte)' ') return false;
            if (!PrefixWordIs(b, pos, end, "FETCH")) return false;
            pos += 5;
            if (pos + 1 >= end || b[pos] != (byte)' ' || b[pos + 1] != (byte)'(') return false;
            pos += 2;
            while (true)
            {
                while (pos < end && b[pos] == (byte)' ') pos++;
                if (pos >= end || b[pos] == (byte)')') return true;
                int nameStart = pos;
                pos = SkipPrefixAtom(b, pos, end);
                if (pos < 0) return true;
                bool isUid = pos - nameStart == 3 && PrefixWordIs(b, nameStart, end, "UID");
                while (pos < end && b[pos] == (byte)' ') pos++;
                if (pos >= end) return true;
                if (isUid)
                {
                    if (ReadPrefixNumber(b, ref pos, end, out ulong u) && u <= uint.MaxValue && pos < end) uid = (uint)u;
                    return true;
                }
                pos = SkipPrefixValue(b, pos, end);
                if (pos < 0) return true;
            }
        }

        private static bool ReadPrefixNumber(byte[] b, ref int pos, int end, out ulong value)
        {
            value = 0;
            int start = pos;
            while (pos < end && b[pos] >= (byte)'0' && b[pos] <= (byte)'9' && pos - start < 20)
                value = value * 10 + (ulong)(b[pos++] - '0');
            return pos > start;
        }

        private static bool PrefixWordIs(byte[] b, int pos, int end, string word)
        {
            if (end - pos < word.Length) return false;
            for (int i = 0; i < word.Length; i++)
                if ((b[pos + i] | 0x20) != (word[i] | 0x20)) return false;
            return true;
        }

        /// <summary>Skips an item name such as <c>BODY[HEADER.FIELDS (A B)]&lt;0&gt;</c>; -1 when it runs past the prefix.</summary>
        private static int SkipPrefixAtom(byte[] b, int pos, int end)
        {
            while (pos < end)
            {
                byte c = b[pos];
                if (c == (byte)' ' || c == (byte)'(' || c == (byte)')') return pos;
                if (c == (byte)'[')
                {
                    while (pos < end && b[pos] != (byte)']') pos++;
                    if (pos >= end) return -1;
                }
                pos++;
            }
            return -1;
        }

        /// <summary>Skips one value (atom, number, quoted string, literal or list, nested iteratively); -1 when it runs past the prefix.</summary>
        private static int SkipPrefixValue(byte[] b, int pos, int end)
        {
            int depth = 0;
            while (pos < end)
            {
                byte c = b[pos];
                if (c == (byte)'(') { depth++; pos++; continue; }
                if (c == (byte)')')
                {
                    if (depth == 0) return pos;
                    depth--;
                    pos++;
                    if (depth == 0) return pos;
                    continue;
                }
                if (c == (byte)' ') { if (depth == 0) return pos; pos++; continue; }
                if (c == (byte)'"')
                {
                    pos++;
                    while (pos < end && b[pos] != (byte)'"') pos += b[pos] == (byte)'\\' ? 2 : 1;
                    if (pos >= end) return -1;
                    pos++;
                }
                else if (c == (byte)'{')
                {
                    pos++;
                    if (!ReadPrefixNumber(b, ref pos, end, out ulong size)) return -1;
                    if (pos < end && b[pos] == (byte)'+') pos++;
                    if (end - pos < 3 || b[pos] != (byte)'}' || b[pos + 1] != (byte)'\r' || b[pos + 2] != (byte)'\n') return -1;
                    pos += 3;
                    if ((ulong)(end - pos) < size) return -1;
                    pos += (int)size;
                }
                else pos = SkipPrefixAtom(b, pos, end);
                if (pos < 0) return -1;
                if (depth == 0) return pos;
            }
            return -1;
        }

        /// <summary>
        /// Finds the UID of a FETCH response without decoding anything else and without allocating.
        /// </summary>
        public static bool TryGetUid(ServerResponse response, out uint uid)
        {
            uid = 0;
            if (response == null || response.Name != "FETCH" || response.IsUnstructured) return false;
            try
            {
                var c = Cursor.AtData(response);
                if (!c.TryEnterList()) return false;
                return FindUid(ref c, out uid, 0);
            }
            catch (ImapProtocolException)
            {
                return false;
            }
        }

        private static bool FindUid(ref Cursor c, out uint uid, int depth)
        {
            uid = 0;
            while (!c.AtEnd)
            {
                if (c.IsListStart)
                {
                    if (depth > 2) return false;
                    c.TryEnterList();
                    if (FindUid(ref c, out uid, depth + 1)) return true;
                    c.LeaveList();
                    continue;
                }
                bool isUid = c.IsAtom("UID");
                c.Pos = c.AtomEnd();
                c.SkipSpaces();
                if (c.AtEnd) return false;
                if (isUid)
                {
                    if (!c.TryReadNumber(out ulong v) || v > uint.MaxValue) return false;
                    uid = (uint)v;
                    return true;
                }
                c.Skip();
            }
            return false;
        }

        private static void ReadItems(ref Cursor c, FetchData data, int depth)
        {
            byte[] b = c.B;
            while (!c.AtEnd)
            {
                if (c.IsListStart)
                {
                    // Domino wraps some items in an extra pair of parentheses: (UID 5 (ENVELOPE (...)) ...).
                    if (depth > 2) throw c.Error("a FETCH item name");
                    c.TryEnterList();
                    ReadItems(ref c, data, depth + 1);
                    c.LeaveList();
                    continue;
                }
                int start = c.Pos;
                int end = c.AtomEnd();
                int len = end - start;
                c.Pos = end;
                c.SkipSpaces();
                if (c.AtEnd)
                {
                    // Yandex sends "BODY[2] )" for a part it cannot produce: keep the section, without content.
                    if (TryReadSection(ref c, data, start, len)) continue;
                    throw Tokenizer.Error(c.R, "missing value of FETCH item " + Encoding.ASCII.GetString(b, start, len), start);
                }
                if (Is(b, start, len, "UID")) data.Uid = c.ReadUInt32("a UID");
                else if (Is(b, start, len, "FLAGS")) data.Flags = ReadFlags(ref c);
                else if (Is(b, start, len, "INTERNALDATE")) data.InternalDate = ReadDate(ref c);
                else if (Is(b, start, len, "RFC822.SIZE")) data.Size = (long?)c.ReadNumberOrNull();
                else if (Is(b, start, len, "ENVELOPE")) data.Envelope = c.IsNil ? SkipNull<Envelope>(ref c) : Envelope.Read(ref c);
                else if (Is(b, start, len, "BODYSTRUCTURE") || Is(b, start, len, "BODY")) data.Body = c.IsListStart ? BodyStructure.Read(ref c, "", isRoot: true) : SkipNull<BodyStructure>(ref c);
                else if (Is(b, start, len, "MODSEQ")) data.ModSeq = ReadModSeq(ref c);
                else if (Is(b, start, len, "X-GM-MSGID")) data.GmailMessageId = c.ReadNumberOrNull();
                else if (Is(b, start, len, "X-GM-THRID")) data.GmailThreadId = c.ReadNumberOrNull();
                else if (Is(b, start, len, "X-GM-LABELS")) data.GmailLabels = ReadLabels(ref c);
                else if (Is(b, start, len, "PREVIEW") || Is(b, start, len, "SNIPPET")) data.Preview = ReadPreview(ref c);
                else if (Is(b, start, len, "SAVEDATE")) data.SaveDate = ReadDate(ref c);
                else if (Is(b, start, len, "EMAILID")) data.EmailId = ReadObjectId(ref c);
                else if (Is(b, start, len, "THREADID")) data.ThreadId = ReadObjectId(ref c);
                else if (Is(b, start, len, "ANNOTATION")) data.Annotation = AnnotationData.Read(ref c, null);
                else if (!TryReadSection(ref c, data, start, len))
                {
                    var name = Encoding.ASCII.GetString(b, start, len).ToUpperInvariant();
                    var list = data.Extensions as List<KeyValuePair<string, ImapValue>>;
                    if (list == null) data.Extensions = list = new List<KeyValuePair<string, ImapValue>>(1);
                    list.Add(new KeyValuePair<string, ImapValue>(name, c.Value));
                    c.Skip();
                }
            }
        }

        private static bool Is(byte[] b, int start, int len, string name) => len == name.Length && ImapValue.AsciiEqualsIgnoreCase(b, start, len, name);

        private static T? SkipNull<T>(ref Cursor c) where T : class
        {
            c.Skip();
            return null;
        }

        [ThreadStatic]
        private static string[]? _flagScratch;

        private static IReadOnlyList<string> ReadFlags(ref Cursor c)
        {
            if (!c.IsListStart)
            {
                // A single flag without parentheses; seen from broken servers.
                if (c.IsNil) { c.Skip(); return Array.Empty<string>(); }
                var single = c.ReadInterned(KnownFlags, lowerCase: false);
                return single == null ? Array.Empty<string>() : new[] { single };
            }
            c.TryEnterList();
            if (c.AtEnd)
            {
                c.LeaveList();
                return Array.Empty<string>();
            }
            var scratch = _flagScratch ??= new string[16];
            int n = 0;
            List<string>? many = null;
            while (!c.AtEnd)
            {
                if (c.IsListStart) { c.Skip(); continue; }
                var flag = c.ReadInterned(KnownFlags, lowerCase: false);
                if (flag == null) continue;
                if (n < scratch.Length) scratch[n++] = flag;
                else (many ??= new List<string>(scratch)).Add(flag);
            }
            c.LeaveList();
            if (many != null) return many.ToArray();
            if (n == 0) return Array.Empty<string>();
            var flags = new string[n];
            Array.Copy(scratch, flags, n);
            Array.Clear(scratch, 0, n);
            return flags;
        }

        private static IReadOnlyList<string> ReadLabels(ref Cursor c)
        {
            var labels = c.ReadStringList();
            if (labels.Count == 0) return labels;
            var result = labels as string[] ?? new string[labels.Count];
            for (int i = 0; i < labels.Count; i++)
            {
                string label = labels[i];
                foreach (var known in KnownLabels)
                    if (string.Equals(known, label, StringComparison.OrdinalIgnoreCase)) { label = known; break; }
                if (label.IndexOf('&') >= 0 && ModifiedUtf7.TryDecode(label, out var decoded)) label = decoded!;
                result[i] = label;
            }
            return result;
        }

        internal static DateTimeOffset? ReadDate(ref Cursor c)
        {
            if (c.Peek == (byte)'"')
            {
                int end = Tokenizer.SkipQuoted(c.R, c.Pos);
                var value = end - c.Pos == 28 && TryParseCanonicalDate(c.B, c.Pos + 1, out var fast)
                    ? fast
                    : ImapDate.Internaldate2Time(new ReadOnlySpan<byte>(c.B, c.Pos, end - c.Pos));
                c.Pos = end;
                c.SkipSpaces();
                return value;
            }
            var text = c.ReadNString();
            return text == null ? null : ImapDate.Internaldate2Time(text);
        }

        private static readonly string Months = "janfebmaraprmayjunjulaugsepoctnovdec";

        /// <summary>
        /// The form every server sends, <c>dd-Mon-yyyy hh:mm:ss +zzzz</c> (day possibly space-padded), read
        /// without searching or slicing; anything else goes to <see cref="ImapDate.Internaldate2Time(ReadOnlySpan{byte})"/>.
        /// </summary>
        private static bool TryParseCanonicalDate(byte[] b, int i, out DateTimeOffset? value)
        {
            value = null;
            int D(int k) => (uint)(b[i + k] - '0') <= 9 ? b[i + k] - '0' : -1000;
            int day = (b[i] == (byte)' ' ? 0 : D(0)) * 10 + D(1);
            int m0 = b[i + 3] | 0x20, m1 = b[i + 4] | 0x20, m2 = b[i + 5] | 0x20;
            int month = 0;
            for (int m = 0; m < 12; m++)
                if (Months[3 * m] == m0 && Months[3 * m + 1] == m1 && Months[3 * m + 2] == m2) { month = m + 1; break; }
            if (b[i + 2] != (byte)'-' || b[i + 6] != (byte)'-' || b[i + 11] != (byte)' ' || b[i + 14] != (byte)':' || b[i + 17] != (byte)':' || b[i + 20] != (byte)' ') return false;
            int year = D(7) * 1000 + D(8) * 100 + D(9) * 10 + D(10);
            int hour = D(12) * 10 + D(13), minute = D(15) * 10 + D(16), second = D(18) * 10 + D(19);
            byte sign = b[i + 21];
            int zh = D(22) * 10 + D(23), zm = D(24) * 10 + D(25);
            if (month == 0 || (sign != (byte)'+' && sign != (byte)'-') || year < 1 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59
                || second < 0 || second > 59 || zh < 0 || zh > 14 || zm < 0 || zm > 59 || day > DateTime.DaysInMonth(year, month))
                return false;
            var offset = new TimeSpan(zh, zm, 0);
            if (sign == (byte)'-') offset = -offset;
            if (offset.Ticks > TimeSpan.TicksPerHour * 14 || offset.Ticks < -TimeSpan.TicksPerHour * 14) return false;
            try
            {
                value = new DateTimeOffset(year, month, day, hour, minute, second, offset);
                return true;
            }
            catch (ArgumentOutOfRangeException)
            {
                return false;
            }
        }

        private static ulong? ReadModSeq(ref Cursor c)
        {
            bool inList = c.TryEnterList();
            ulong? value = null;
            if (!c.AtEnd)
            {
                if (c.TryReadNumber(out ulong v)) value = v;
                else
                {
                    if (c.Peek == (byte)'-') value = 0;
                    c.Skip();
                }
            }
            if (inList) c.LeaveList();
            return value;
        }

        private static string? ReadPreview(ref Cursor c)
        {
            if (!c.TryEnterList()) return c.ReadNString();
            // Older drafts: PREVIEW (FUZZY "text") / Fastmail SNIPPET (FUZZY "text"): the last string wins.
            string? text = null;
            while (!c.AtEnd)
            {
                if (c.Peek == (byte)'"' || c.Peek == (byte)'{' || c.Peek == (byte)'~') text = c.ReadNString();
                else c.Skip();
            }
            c.LeaveList();
            return text;
        }

        private static string? ReadObjectId(ref Cursor c)
        {
            if (!c.TryEnterList()) return c.ReadNString();
            string? id = c.AtEnd ? null : c.ReadNString();
            c.LeaveList();
            return id;
        }

        private static bool TryReadSection(ref Cursor c, FetchData data, int start, int len)
        {
            byte[] b = c.B;
            int bracket = Array.IndexOf(b, (byte)'[', start, len);
            int nameEnd = start + len;
            string prefix;
            string section;
            long? origin = null;
            bool binary = false;
            if (bracket < 0)
            {
                if (Is(b, start, len, "RFC822")) section = "";
                else if (Is(b, start, len, "RFC822.HEADER")) section = "HEADER";
                else if (Is(b, start, len, "RFC822.TEXT")) section = "TEXT";
                else return false;
                var rfc = new FetchSection(Encoding.ASCII.GetString(b, start, len).ToUpperInvariant(), section, null, c.AtEnd ? default : c.Value, false);
                AddSection(data, rfc);
                if (!c.AtEnd) c.Skip();
                return true;
            }
            int close = -1;
            int depth = 0;
            for (int i = bracket; i < nameEnd; i++)
            {
                if (b[i] == (byte)'[') depth++;
                else if (b[i] == (byte)']' && --depth == 0) { close = i; break; }
            }
            if (close < 0) return false;
            int prefixLen = bracket - start;
            if (Is(b, start, prefixLen, "BODY")) prefix = "BODY";
            else if (Is(b, start, prefixLen, "BINARY")) { prefix = "BINARY"; binary = true; }
            else if (Is(b, start, prefixLen, "BINARY.SIZE"))
            {
                section = ImapText.Decode(b, bracket + 1, close - bracket - 1).ToUpperInvariant();
                var size = c.AtEnd ? null : c.ReadNumberOrNull();
                if (size.HasValue)
                {
                    var sizes = data.BinarySizes as Dictionary<string, long>;
                    if (sizes == null || ReferenceEquals(sizes, NoSizes)) data.BinarySizes = sizes = new Dictionary<string, long>(StringComparer.OrdinalIgnoreCase);
                    sizes[section] = (long)Math.Min(size.Value, long.MaxValue);
                }
                return true;
            }
            else return false;
            section = ImapText.Decode(b, bracket + 1, close - bracket - 1).ToUpperInvariant();
            int after = close + 1;
            if (after < nameEnd && b[after] == (byte)'<')
            {
                long o = 0;
                int i = after + 1;
                while (i < nameEnd && b[i] >= (byte)'0' && b[i] <= (byte)'9' && o < long.MaxValue / 10) o = o * 10 + (b[i++] - '0');
                if (i > after + 1) origin = o;
            }
            string name = section.Length == 0 ? (binary ? "BINARY[]" : "BODY[]") : prefix + "[" + section + "]";
            AddSection(data, new FetchSection(name, section, origin, c.AtEnd ? default : c.Value, binary));
            if (!c.AtEnd) c.Skip();
            return true;
        }

        private static void AddSection(FetchData data, FetchSection section)
        {
            if (!(data.Sections is List<FetchSection> list)) data.Sections = list = new List<FetchSection>(1);
            list.Add(section);
        }
    }

    /// <summary>One body section of a FETCH response (BODY[…], BINARY[…], RFC822…).</summary>
    public sealed class FetchSection
    {
        internal FetchSection(string name, string section, long? origin, ImapValue value, bool isBinary)
        {
            Name = name;
            Section = section;
            Origin = origin;
            Value = value;
            IsBinary = isBinary;
        }

        /// <summary>The item name in upper case without the origin, e.g. <c>BODY[HEADER.FIELDS (FROM)]</c>, <c>RFC822.HEADER</c>.</summary>
        public string Name { get; }

        /// <summary>The section in upper case, e.g. <c>HEADER.FIELDS (FROM)</c>, <c>1.2</c>, or "" for the whole message.</summary>
        public string Section { get; }

        /// <summary>The origin octet of a partial fetch (<c>BODY[]&lt;128&gt;</c>), or null.</summary>
        public long? Origin { get; }

        /// <summary>True for BINARY[…] sections.</summary>
        public bool IsBinary { get; }

        /// <summary>The value: a literal, a quoted string or NIL. Use <see cref="ImapValue.AsBytes"/> for the content.</summary>
        public ImapValue Value { get; }

        /// <summary>True when the content was written to a caller's stream (see <see cref="ResponseReader.LiteralSinkSelector"/>).</summary>
        public bool IsStreamed => Value.IsStreamed;

        /// <summary>True when the server sent NIL (the section does not exist), or no value at all (Yandex).</summary>
        public bool IsNil => Value.IsNil || Value.IsNone;

        /// <summary>The content length in bytes (the literal's declared length; for a quoted string, its unescaped length; 0 for NIL).</summary>
        public long Length
        {
            get
            {
                long n = Value.LiteralLength;
                if (n >= 0) return n;
                return Value.AsBytes()?.Length ?? 0;
            }
        }

        /// <summary>The content's bytes, or null for NIL or a streamed section.</summary>
        public byte[]? GetBytes() => IsStreamed ? null : Value.AsBytes();

        /// <inheritdoc/>
        public override string ToString() => Origin.HasValue ? Name + "<" + Origin.Value + ">" : Name;
    }
}
