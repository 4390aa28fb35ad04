using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace ImapPS.Client.Protocol
{
    /// <summary>What kind of line a server response starts with.</summary>
    public enum ResponseKind
    {
        /// <summary><c>* …</c></summary>
        Untagged,
        /// <summary><c>TAG OK|NO|BAD …</c></summary>
        Tagged,
        /// <summary><c>+ …</c></summary>
        Continuation,
    }

    /// <summary>The status of a status response; <see cref="None"/> for data responses.</summary>
    public enum ResponseStatus
    {
        /// <summary>A data response (FETCH, LIST, EXISTS, …) or a continuation.</summary>
        None,
        /// <summary>OK</summary>
        Ok,
        /// <summary>NO</summary>
        No,
        /// <summary>BAD</summary>
        Bad,
        /// <summary>BYE</summary>
        Bye,
        /// <summary>PREAUTH</summary>
        PreAuth,
    }

    /// <summary>A literal kept outside the response's buffer: a large one in its own array, or one streamed to a caller.</summary>
    internal sealed class ExternalLiteral
    {
        internal int FrameOffset;
        internal long Length;
        internal byte[]? Data;
        internal Stream? Sink;
        internal long Filled;
    }

    /// <summary>
    /// One complete server response: the first line and every literal and continuation line that
    /// belong to it. The header (kind, tag, status, name, number, response code and text) is
    /// decoded when the response is read; the data is read lazily through <see cref="ImapValue"/>.
    /// The structure of the data was checked when the response was read, so walking it later
    /// cannot fail halfway.
    /// </summary>
    public sealed class ServerResponse
    {
        private static readonly string[] KnownNames =
        {
            "OK", "NO", "BAD", "BYE", "PREAUTH", "FETCH", "EXISTS", "RECENT", "EXPUNGE", "CAPABILITY", "FLAGS", "LIST", "LSUB",
            "STATUS", "SEARCH", "ESEARCH", "SORT", "THREAD", "NAMESPACE", "QUOTA", "QUOTAROOT", "ACL", "LISTRIGHTS", "MYRIGHTS",
            "ID", "ENABLED", "METADATA", "ANNOTATION", "VANISHED", "XLIST", "COPY", "MOVE",
        };

        private static readonly HashSet<string> StructuredNames = new HashSet<string>(StringComparer.Ordinal)
        {
            "FETCH", "FLAGS", "LIST", "LSUB", "XLIST", "STATUS", "SEARCH", "ESEARCH", "SORT", "THREAD", "NAMESPACE", "QUOTA",
            "QUOTAROOT", "ACL", "LISTRIGHTS", "MYRIGHTS", "ID", "METADATA", "ANNOTATION", "VANISHED", "EXISTS", "RECENT", "EXPUNGE",
        };

        private readonly ExternalLiteral[]? _externals;
        private int _codeStart = -1;
        private int _textStart = -1;
        private int _dataStart = -1;

        internal ServerResponse(byte[] buffer, int length, ExternalLiteral[]? externals)
        {
            Buffer = buffer;
            Length = length;
            _externals = externals;
        }

        /// <summary>The response's bytes (lines and inline literals; large literals are held apart).</summary>
        public byte[] Buffer { get; }

        /// <summary>The number of valid bytes in <see cref="Buffer"/>.</summary>
        public int Length { get; }

        /// <summary>Untagged, tagged or continuation.</summary>
        public ResponseKind Kind { get; private set; }

        /// <summary>The tag of a tagged response; null otherwise.</summary>
        public string? Tag { get; private set; }

        /// <summary>OK/NO/BAD/BYE/PREAUTH for status responses; None for data and continuations.</summary>
        public ResponseStatus Status { get; private set; }

        /// <summary>
        /// The response's name in upper case: the status word (OK, NO, …) for status responses,
        /// the data name (FETCH, EXISTS, LIST, …) for data responses, "+" for continuations.
        /// </summary>
        public string Name { get; private set; } = "";

        /// <summary>True for responses that start with a number (<c>* 5 EXISTS</c>, <c>* 3 FETCH …</c>).</summary>
        public bool HasNumber { get; private set; }

        /// <summary>The leading number of <c>* n NAME</c> responses (message sequence number or count).</summary>
        public uint Number { get; private set; }

        /// <summary>
        /// True when a data response of a name this parser does not know could not be read as
        /// values; its data is then available only as <see cref="DataText"/>.
        /// </summary>
        public bool IsUnstructured { get; private set; }

        /// <summary>The total size of the response in bytes, literals included.</summary>
        public long TotalSize
        {
            get
            {
                long n = Length;
                if (_externals != null) foreach (var e in _externals) n += e.Length;
                return n;
            }
        }

        /// <summary>True when the response carries a response code (<c>[…]</c>).</summary>
        public bool HasCode => _codeStart >= 0;

        /// <summary>The response code's name in upper case (e.g. UIDVALIDITY, APPENDUID), or null.</summary>
        public string? CodeName
        {
            get
            {
                if (_codeStart < 0) return null;
                var v = new ImapValue(this, _codeStart, true);
                // A code whose first element is not a string (NIL, a list) has no name; found by the fuzzer.
                return v.IsNone ? "" : (v.AsString() ?? "").ToUpperInvariant();
            }
        }

        /// <summary>The first argument of the response code (the value after its name), or a None value.</summary>
        public ImapValue CodeArgument => _codeStart < 0 ? default : new ImapValue(this, _codeStart, true).Next();

        /// <summary>The response code's name as a value, from which its arguments follow via <see cref="ImapValue.Next"/>.</summary>
        public ImapValue Code => _codeStart < 0 ? default : new ImapValue(this, _codeStart, true);

        /// <summary>The human-readable text of a status response or continuation (after any response code).</summary>
        public string Text
        {
            get
            {
                if (_textStart < 0) return "";
                int end = LineEnd(_textStart);
                return ImapText.Decode(Buffer, _textStart, end - _textStart);
            }
        }

        /// <summary>
        /// The text of a status response as the server sent it, response code included
        /// (<c>[APPENDUID 38505 3955] APPEND completed</c>): what imaplib2 returns as a command's data.
        /// </summary>
        public string TextWithCode
        {
            get
            {
                if (_codeStart < 1 || Buffer[_codeStart - 1] != (byte)'[') return Text;
                int start = _codeStart - 1;
                return ImapText.Decode(Buffer, start, LineEnd(start) - start);
            }
        }

        /// <summary>The first value of a data response (after the name), or a None value.</summary>
        public ImapValue Data => _dataStart < 0 || IsUnstructured ? default : new ImapValue(this, _dataStart, false);

        /// <summary>Every value of a data response, in order.</summary>
        public ImapValue.Enumerator DataItems => new ImapValue.Enumerator(Data);

        /// <summary>The data of a data response as raw text (literal contents included as text).</summary>
        public string DataText => _dataStart < 0 ? "" : ImapText.Decode(Buffer, _dataStart, LineEndOfResponse() - _dataStart);

        /// <summary>True for a status response with the given status.</summary>
        public bool Is(ResponseStatus status) => Status == status;

        internal ExternalLiteral? FindExternal(int frameOffset)
        {
            if (_externals == null) return null;
            foreach (var e in _externals)
                if (e.FrameOffset == frameOffset) return e;
            return null;
        }

        private int LineEnd(int from)
        {
            int i = Array.IndexOf(Buffer, Tokenizer.Lf, from, Length - from);
            if (i < 0) i = Length;
            if (i > from && Buffer[i - 1] == Tokenizer.Cr) i--;
            return i;
        }

        private int LineEndOfResponse()
        {
            int i = Length;
            if (i > 0 && Buffer[i - 1] == Tokenizer.Lf) i--;
            if (i > 0 && Buffer[i - 1] == Tokenizer.Cr) i--;
            return i;
        }

        /// <summary>
        /// Splits the response the way imaplib2 presents data: text up to and including each literal's
        /// <c>{n}</c>, paired with the literal's bytes, then the text after the last literal.
        /// Starts at <paramref name="fromOffset"/> (use <see cref="DataOffset"/> for the data only).
        /// </summary>
        public List<KeyValuePair<string, byte[]?>> SplitAtLiterals(int fromOffset)
        {
            var parts = new List<KeyValuePair<string, byte[]?>>(1);
            int textStart = fromOffset;
            int pos = fromOffset;
            int end = LineEndOfResponse();
            while (pos < end)
            {
                byte c = Buffer[pos];
                if (c == (byte)'"')
                {
                    pos = Tokenizer.SkipQuoted(this, pos);
                    continue;
                }
                if (c == (byte)'{')
                {
                    int dataStart;
                    long length;
                    try
                    {
                        dataStart = Tokenizer.ParseLiteralHeader(this, pos, out length);
                    }
                    catch (ImapProtocolException)
                    {
                        pos++;
                        continue;
                    }
                    if (FindExternal(dataStart) == null && dataStart + length > Length)
                    {
                        // Text that only looks like a literal header (it sits inside another literal's data).
                        pos++;
                        continue;
                    }
                    int headerEnd = pos;
                    while (Buffer[headerEnd] != (byte)'}') headerEnd++;
                    string head = ImapText.Decode(Buffer, textStart, headerEnd + 1 - textStart);
                    var value = new ImapValue(this, pos, false);
                    parts.Add(new KeyValuePair<string, byte[]?>(head, value.AsBytes()));
                    var external = FindExternal(dataStart);
                    pos = external != null ? dataStart : dataStart + (int)length;
                    textStart = pos;
                    continue;
                }
                pos++;
            }
            if (textStart < end || parts.Count == 0)
                parts.Add(new KeyValuePair<string, byte[]?>(ImapText.Decode(Buffer, textStart, Math.Max(0, end - textStart)), null));
            return parts;
        }

        [ThreadStatic] private static char[]? _itemChars;

        /// <summary>
        /// imaplib2's single data item for a response without literals, in one string allocation:
        /// <paramref name="number"/> (when given) and a space, then the ASCII text from
        /// <paramref name="fromOffset"/> to the end of the line. Null when the text holds a <c>{</c>
        /// (a literal, or text that looks like one) or a non-ASCII byte: the caller then takes the
        /// general path (<see cref="SplitAtLiterals"/> and UTF-8 decoding), which gives the same text.
        /// </summary>
        internal string? AsciiItemText(int fromOffset, uint? number)
        {
            int end = LineEndOfResponse();
            int count = Math.Max(0, end - fromOffset);
            // uint has at most 10 digits, plus the space.
            int size = count + (number.HasValue ? 11 : 0);
            var chars = _itemChars;
            if (chars == null || chars.Length < size)
            {
                chars = new char[Math.Max(size, 1024)];
                if (size <= 64 * 1024) _itemChars = chars;  // keep a modest buffer per thread, never a huge one
            }
            int n = 0;
            if (number.HasValue)
            {
                uint v = number.Value;
                int digits = 1;
                for (uint t = v; t >= 10; t /= 10) digits++;
                for (int d = digits - 1; d >= 0; d--)
                {
                    chars[n + d] = (char)('0' + v % 10);
                    v /= 10;
                }
                n += digits;
                if (count > 0) chars[n++] = ' ';
            }
            var buffer = Buffer;
            for (int i = fromOffset; i < end; i++)
            {
                byte b = buffer[i];
                if (b >= 0x80 || b == (byte)'{') return null;
                chars[n++] = (char)b;
            }
            return new string(chars, 0, n);
        }

        /// <summary>The offset where the data of a data response starts (after the name), or where the text starts.</summary>
        public int DataOffset => _dataStart >= 0 ? _dataStart : (_textStart >= 0 ? _textStart : Length);

        /// <summary>The response as text for logs: literals are shown as their size, never their contents.</summary>
        public override string ToString()
        {
            var sb = new StringBuilder(Math.Min(Length, 512));
            int end = LineEndOfResponse();
            int pos = 0;
            while (pos < end)
            {
                int lf = Array.IndexOf(Buffer, Tokenizer.Lf, pos, end - pos);
                int lineEnd = lf < 0 ? end : lf;
                int textEnd = lineEnd > pos && Buffer[lineEnd - 1] == Tokenizer.Cr ? lineEnd - 1 : lineEnd;
                sb.Append(ImapText.Decode(Buffer, pos, textEnd - pos));
                if (lf < 0) break;
                int dataStart = lf + 1;
                long literalLength = LiteralLengthBefore(textEnd);
                if (literalLength < 0) break;
                sb.Append("<").Append(literalLength).Append(" bytes>");
                pos = FindExternal(dataStart) != null ? dataStart : dataStart + (int)literalLength;
            }
            return sb.ToString();
        }

        private long LiteralLengthBefore(int textEnd)
        {
            int i = textEnd - 1;
            if (i < 0 || Buffer[i] != (byte)'}') return -1;
            i--;
            if (i >= 0 && Buffer[i] == (byte)'+') i--;
            long n = 0, scale = 1;
            int digits = 0;
            while (i >= 0 && Buffer[i] >= (byte)'0' && Buffer[i] <= (byte)'9')
            {
                n += (Buffer[i] - '0') * scale;
                scale *= 10;
                i--;
                digits++;
            }
            return digits > 0 && i >= 0 && Buffer[i] == (byte)'{' ? n : -1;
        }

        /// <summary>Parses a complete response (as framed by <see cref="ResponseReader"/>) held in <paramref name="buffer"/>.</summary>
        internal static ServerResponse Parse(byte[] buffer, int length, ExternalLiteral[]? externals)
        {
            var r = new ServerResponse(buffer, length, externals);
            r.ParseHeader();
            return r;
        }

        /// <summary>Parses one response from bytes that hold exactly it, with its literals inline. For tests and tools.</summary>
        public static ServerResponse Parse(byte[] response)
        {
            var reader = new ResponseReader();
            reader.Append(response, 0, response.Length);
            if (!reader.TryReadResponse(out var r) || r == null)
                throw Tokenizer.Error(response, response.Length, "incomplete response", response.Length);
            if (reader.BufferedCount != 0)
                throw Tokenizer.Error(response, response.Length, "more than one response", response.Length - reader.BufferedCount);
            return r;
        }

        private void ParseHeader()
        {
            byte[] b = Buffer;
            int end = LineEndOfResponse();
            if (end == 0) throw Tokenizer.Error(this, "empty line", 0);
            int pos;
            if (b[0] == (byte)'[')
            {
                // Some servers (Exchange) send a bare response code line, e.g. "[COPYUID 55 31 6]",
                // where an untagged OK belongs; read it as one.
                Kind = ResponseKind.Untagged;
                Name = "OK";
                Status = ResponseStatus.Ok;
                ParseRespText(0, end);
                return;
            }
            if (b[0] == (byte)'+')
            {
                Kind = ResponseKind.Continuation;
                Name = "+";
                pos = 1;
                if (pos < end && b[pos] == Tokenizer.Space) pos++;
                ParseRespText(pos, end);
                return;
            }
            if (b[0] == (byte)'*')
            {
                Kind = ResponseKind.Untagged;
                pos = 1;
                if (pos >= end || b[pos] != Tokenizer.Space) throw Tokenizer.Error(this, "expected a space after '*'", pos);
                pos = Tokenizer.SkipSpaces(b, pos, end);
                if (pos < end && b[pos] == (byte)'[')
                {
                    // "* [COPYUID 123456 1 2]" (Exchange, after a MOVE): a response code where "* OK [...]" belongs.
                    Name = "OK";
                    Status = ResponseStatus.Ok;
                    ParseRespText(pos, end);
                    return;
                }
                int wordEnd = WordEnd(pos, end);
                if (wordEnd == pos) throw Tokenizer.Error(this, "missing response name", pos);
                if (IsDigits(pos, wordEnd))
                {
                    HasNumber = true;
                    Number = ParseNumber(pos, wordEnd);
                    pos = Tokenizer.SkipSpaces(b, wordEnd, end);
                    wordEnd = WordEnd(pos, end);
                    if (wordEnd == pos) throw Tokenizer.Error(this, "missing response name after number", pos);
                }
                Name = Intern(pos, wordEnd);
                pos = wordEnd;
                Status = StatusOf(Name);
                if (Status != ResponseStatus.None && !HasNumber)
                {
                    if (pos < end) pos++;
                    ParseRespText(pos, end);
                    return;
                }
                pos = Tokenizer.SkipSpaces(b, pos, end);
                _dataStart = pos;
                ValidateData(pos, end);
                return;
            }
            Kind = ResponseKind.Tagged;
            int tagEnd = WordEnd(0, end);
            Tag = Encoding.ASCII.GetString(b, 0, tagEnd);
            pos = tagEnd;
            if (pos >= end || b[pos] != Tokenizer.Space) throw Tokenizer.Error(this, "expected a status after the tag", pos);
            pos = Tokenizer.SkipSpaces(b, pos, end);
            int statusEnd = WordEnd(pos, end);
            Name = Intern(pos, statusEnd);
            Status = StatusOf(Name);
            if (Status == ResponseStatus.None || Status == ResponseStatus.PreAuth)
                throw Tokenizer.Error(this, "a tagged response must be OK, NO or BAD", pos);
            pos = statusEnd;
            if (pos < end) pos++;
            ParseRespText(pos, end);
        }

        private void ParseRespText(int pos, int end)
        {
            byte[] b = Buffer;
            pos = Tokenizer.SkipSpaces(b, pos, end);
            if (pos < end && b[pos] == (byte)'[')
            {
                int codeStart = Tokenizer.SkipSpaces(b, pos + 1, end);
                try
                {
                    int p = codeStart;
                    while (true)
                    {
                        p = Tokenizer.SkipSpaces(b, p, end);
                        if (p >= end) throw Tokenizer.Error(this, "unterminated response code", pos);
                        if (b[p] == (byte)']') break;
                        p = Tokenizer.SkipElement(this, p, true);
                    }
                    _codeStart = codeStart;
                    pos = p + 1;
                    if (pos < end && b[pos] == Tokenizer.Space) pos++;
                }
                catch (ImapProtocolException)
                {
                    // A response code we cannot read (some servers put free text in brackets) stays
                    // part of the human-readable text rather than failing the response.
                    _codeStart = -1;
                }
            }
            _textStart = pos;
        }

        private void ValidateData(int pos, int end)
        {
            try
            {
                while (true)
                {
                    pos = Tokenizer.SkipSpaces(Buffer, pos, Length);
                    if (Tokenizer.IsLineEnd(Buffer, pos, Length)) break;
                    pos = Tokenizer.SkipElement(this, pos, false);
                }
                if (pos < end) throw Tokenizer.Error(this, "unexpected data after the response", pos);
            }
            catch (ImapProtocolException) when (!StructuredNames.Contains(Name))
            {
                IsUnstructured = true;
            }
        }

        private int WordEnd(int pos, int end)
        {
            while (pos < end)
            {
                byte c = Buffer[pos];
                if (c == Tokenizer.Space || c == (byte)'(' || c == (byte)'[' || c == Tokenizer.Cr || c == Tokenizer.Lf) break;
                pos++;
            }
            return pos;
        }

        private bool IsDigits(int start, int end)
        {
            for (int i = start; i < end; i++)
                if (Buffer[i] < (byte)'0' || Buffer[i] > (byte)'9') return false;
            return end > start;
        }

        private uint ParseNumber(int start, int end)
        {
            ulong v = 0;
            for (int i = start; i < end; i++)
            {
                v = v * 10 + (uint)(Buffer[i] - '0');
                if (v > uint.MaxValue) throw Tokenizer.Error(this, "number out of range", start);
            }
            return (uint)v;
        }

        private string Intern(int start, int end)
        {
            int len = end - start;
            foreach (var name in KnownNames)
                if (ImapValue.AsciiEqualsIgnoreCase(Buffer, start, len, name)) return name;
            return Encoding.ASCII.GetString(Buffer, start, len).ToUpperInvariant();
        }

        private static ResponseStatus StatusOf(string name)
        {
            switch (name)
            {
                case "OK": return ResponseStatus.Ok;
                case "NO": return ResponseStatus.No;
                case "BAD": return ResponseStatus.Bad;
                case "BYE": return ResponseStatus.Bye;
                case "PREAUTH": return ResponseStatus.PreAuth;
                default: return ResponseStatus.None;
            }
        }
    }
}
