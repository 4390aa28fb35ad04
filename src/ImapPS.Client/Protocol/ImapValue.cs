using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace ImapPS.Client.Protocol
{
    /// <summary>The kinds of element a server response is made of.</summary>
    public enum ImapValueKind
    {
        /// <summary>No value: the position is past the end of a list or response.</summary>
        None,
        /// <summary>An atom (including flags such as <c>\Seen</c> and section atoms such as <c>BODY[1]</c>).</summary>
        Atom,
        /// <summary>An atom made only of digits.</summary>
        Number,
        /// <summary>A quoted string.</summary>
        QuotedString,
        /// <summary>A literal <c>{n}</c> (or a binary literal <c>~{n}</c>).</summary>
        Literal,
        /// <summary>The atom NIL.</summary>
        Nil,
        /// <summary>A parenthesised list.</summary>
        List,
    }

    /// <summary>
    /// A view of one element of a <see cref="ServerResponse"/>. It is a small struct over the
    /// response's bytes: reading a value allocates nothing until a string or array is asked for,
    /// and walking a list re-scans bytes instead of building a token table.
    /// </summary>
    public readonly struct ImapValue
    {
        private readonly ServerResponse? _response;
        private readonly int _pos;
        private readonly bool _inCode;

        internal ImapValue(ServerResponse response, int pos, bool inCode)
        {
            _response = response;
            _pos = pos;
            _inCode = inCode;
        }

        /// <summary>The response this value belongs to.</summary>
        public ServerResponse? Response => _response;

        /// <summary>The offset of this value in the response's buffer.</summary>
        public int Offset => _pos;

        /// <summary>The kind of this value.</summary>
        public ImapValueKind Kind
        {
            get
            {
                if (_response == null) return ImapValueKind.None;
                byte[] b = _response.Buffer;
                int end = _response.Length;
                if (_pos >= end) return ImapValueKind.None;
                switch (b[_pos])
                {
                    case (byte)'(': return ImapValueKind.List;
                    case (byte)'"': return ImapValueKind.QuotedString;
                    case (byte)'{': return ImapValueKind.Literal;
                    case (byte)'~':
                        return _pos + 1 < end && b[_pos + 1] == (byte)'{' ? ImapValueKind.Literal : ImapValueKind.Atom;
                    case (byte)')':
                    case (byte)'\r':
                    case (byte)'\n':
                        return ImapValueKind.None;
                    case (byte)']':
                        return _inCode ? ImapValueKind.None : ImapValueKind.Atom;
                }
                int atomEnd = Tokenizer.SkipAtom(_response, _pos, _inCode);
                int len = atomEnd - _pos;
                if (len == 3 && (b[_pos] | 0x20) == 'n' && (b[_pos + 1] | 0x20) == 'i' && (b[_pos + 2] | 0x20) == 'l')
                    return ImapValueKind.Nil;
                for (int i = _pos; i < atomEnd; i++)
                    if (b[i] < (byte)'0' || b[i] > (byte)'9') return ImapValueKind.Atom;
                return ImapValueKind.Number;
            }
        }

        /// <summary>True when there is no value here (end of list or response).</summary>
        public bool IsNone => Kind == ImapValueKind.None;

        /// <summary>True for NIL.</summary>
        public bool IsNil => Kind == ImapValueKind.Nil;

        /// <summary>True for a parenthesised list.</summary>
        public bool IsList => _response != null && _pos < _response.Length && _response.Buffer[_pos] == (byte)'(';

        /// <summary>True for a quoted string or a literal.</summary>
        public bool IsString
        {
            get
            {
                var k = Kind;
                return k == ImapValueKind.QuotedString || k == ImapValueKind.Literal;
            }
        }

        /// <summary>True for a value a server may use where an astring belongs (atom, number, string or literal).</summary>
        public bool IsAtomOrString
        {
            get
            {
                var k = Kind;
                return k == ImapValueKind.Atom || k == ImapValueKind.Number || k == ImapValueKind.QuotedString || k == ImapValueKind.Literal;
            }
        }

        /// <summary>The offset just past this value.</summary>
        internal int EndOffset => _response == null ? _pos : Tokenizer.SkipElement(_response, _pos, _inCode);

        /// <summary>The element that follows this one in the same list (or response), or a None value.</summary>
        public ImapValue Next()
        {
            if (_response == null || IsNone) return default;
            int p = Tokenizer.SkipSpaces(_response.Buffer, EndOffset, _response.Length);
            return new ImapValue(_response, p, _inCode);
        }

        /// <summary>The first element of this list, or a None value for an empty list or a non-list.</summary>
        public ImapValue First
        {
            get
            {
                if (!IsList) return default;
                int p = Tokenizer.SkipSpaces(_response!.Buffer, _pos + 1, _response.Length);
                return new ImapValue(_response, p, false);
            }
        }

        /// <summary>The elements of this list.</summary>
        public Enumerator GetEnumerator() => new Enumerator(First);

        /// <summary>The number of elements in this list (0 for a non-list).</summary>
        public int Count
        {
            get
            {
                int n = 0;
                foreach (var _ in this) n++;
                return n;
            }
        }

        /// <summary>The element at <paramref name="index"/> of this list, or a None value.</summary>
        public ImapValue this[int index]
        {
            get
            {
                if (index < 0) return default;
                var v = First;
                while (index-- > 0 && !v.IsNone) v = v.Next();
                return v;
            }
        }

        /// <summary>True when this value is an atom equal to <paramref name="atom"/>, ignoring ASCII case. Allocates nothing.</summary>
        public bool IsAtom(string atom)
        {
            if (_response == null) return false;
            var k = Kind;
            if (k != ImapValueKind.Atom && k != ImapValueKind.Number && k != ImapValueKind.Nil) return false;
            int end = Tokenizer.SkipAtom(_response, _pos, _inCode);
            return AsciiEqualsIgnoreCase(_response.Buffer, _pos, end - _pos, atom);
        }

        internal static bool AsciiEqualsIgnoreCase(byte[] b, int start, int length, string s)
        {
            if (length != s.Length) return false;
            for (int i = 0; i < length; i++)
            {
                int x = b[start + i];
                int y = s[i];
                if (x == y) continue;
                if ((uint)((x | 0x20) - 'a') <= 'z' - 'a' && (x | 0x20) == (y | 0x20)) continue;
                return false;
            }
            return true;
        }

        /// <summary>
        /// The bytes of an atom, number, quoted string (still escaped) or inline literal as a
        /// segment of the response's buffer, without copying. Streamed or externally held
        /// literals return their own array.
        /// </summary>
        public ArraySegment<byte> RawSegment
        {
            get
            {
                if (_response == null) return default;
                switch (Kind)
                {
                    case ImapValueKind.Atom:
                    case ImapValueKind.Number:
                    case ImapValueKind.Nil:
                        return new ArraySegment<byte>(_response.Buffer, _pos, Tokenizer.SkipAtom(_response, _pos, _inCode) - _pos);
                    case ImapValueKind.QuotedString:
                        return new ArraySegment<byte>(_response.Buffer, _pos + 1, Tokenizer.SkipQuoted(_response, _pos) - _pos - 2);
                    case ImapValueKind.Literal:
                        return LiteralSegment();
                    default:
                        return default;
                }
            }
        }

        private ArraySegment<byte> LiteralSegment()
        {
            int headerPos = _response!.Buffer[_pos] == (byte)'~' ? _pos + 1 : _pos;
            int dataStart = Tokenizer.ParseLiteralHeader(_response, headerPos, out long length);
            var external = _response.FindExternal(dataStart);
            if (external != null)
                return external.Data != null ? new ArraySegment<byte>(external.Data) : new ArraySegment<byte>(Array.Empty<byte>());
            // A '{n}' found by a caller scanning text (not the reader's framing) may announce more than the response holds.
            if (dataStart + length > _response.Length) throw Tokenizer.Error(_response, "literal runs past the response", headerPos);
            return new ArraySegment<byte>(_response.Buffer, dataStart, (int)length);
        }

        /// <summary>The declared length of a literal (also for streamed literals), or -1.</summary>
        public long LiteralLength
        {
            get
            {
                if (Kind != ImapValueKind.Literal) return -1;
                int headerPos = _response!.Buffer[_pos] == (byte)'~' ? _pos + 1 : _pos;
                Tokenizer.ParseLiteralHeader(_response, headerPos, out long length);
                return length;
            }
        }

        /// <summary>True when this literal was written to a caller's stream instead of being kept.</summary>
        public bool IsStreamed
        {
            get
            {
                if (Kind != ImapValueKind.Literal) return false;
                int headerPos = _response!.Buffer[_pos] == (byte)'~' ? _pos + 1 : _pos;
                int dataStart = Tokenizer.ParseLiteralHeader(_response, headerPos, out _);
                var external = _response.FindExternal(dataStart);
                return external != null && external.Data == null;
            }
        }

        /// <summary>
        /// The text of an atom, number, string or literal (quoted strings unescaped; bytes decoded as
        /// UTF-8, or as Latin-1 when they are not valid UTF-8); null for NIL; the raw text for a list.
        /// </summary>
        public string? AsString()
        {
            switch (Kind)
            {
                case ImapValueKind.Nil:
                case ImapValueKind.None:
                    return null;
                case ImapValueKind.QuotedString:
                    return ImapText.DecodeQuoted(_response!.Buffer, _pos + 1, Tokenizer.SkipQuoted(_response, _pos) - 1);
                case ImapValueKind.List:
                    return ImapText.Decode(_response!.Buffer, _pos, EndOffset - _pos);
                default:
                    var seg = RawSegment;
                    return ImapText.Decode(seg.Array!, seg.Offset, seg.Count);
            }
        }

        /// <summary>The bytes of a string, literal or atom (unescaped for quoted strings); null for NIL.</summary>
        public byte[]? AsBytes()
        {
            switch (Kind)
            {
                case ImapValueKind.Nil:
                case ImapValueKind.None:
                    return null;
                case ImapValueKind.QuotedString:
                    return ImapText.UnescapeQuoted(_response!.Buffer, _pos + 1, Tokenizer.SkipQuoted(_response, _pos) - 1);
                case ImapValueKind.Literal:
                    var lit = LiteralSegment();
                    if (lit.Offset == 0 && lit.Array != null && lit.Count == lit.Array.Length) return lit.Array;
                    return ToArray(lit);
                default:
                    return ToArray(RawSegment);
            }
        }

        private static byte[] ToArray(ArraySegment<byte> seg)
        {
            var a = new byte[seg.Count];
            if (seg.Count > 0) Buffer.BlockCopy(seg.Array!, seg.Offset, a, 0, seg.Count);
            return a;
        }

        /// <summary>Parses a number (an atom of digits, or a quoted string of digits) as an unsigned 64-bit value.</summary>
        public bool TryGetUInt64(out ulong value)
        {
            value = 0;
            var k = Kind;
            if (k != ImapValueKind.Number && k != ImapValueKind.QuotedString) return false;
            var seg = RawSegment;
            if (seg.Count == 0 || seg.Count > 20) return false;
            byte[] b = seg.Array!;
            ulong v = 0;
            for (int i = seg.Offset; i < seg.Offset + seg.Count; i++)
            {
                uint d = (uint)(b[i] - '0');
                if (d > 9) return false;
                ulong next = v * 10 + d;
                if (next / 10 != v) return false;
                v = next;
            }
            value = v;
            return true;
        }

        /// <summary>Parses a number as an unsigned 32-bit value.</summary>
        public bool TryGetUInt32(out uint value)
        {
            value = 0;
            if (!TryGetUInt64(out ulong v) || v > uint.MaxValue) return false;
            value = (uint)v;
            return true;
        }

        /// <summary>Parses a possibly negative number (some servers send negative MODSEQ values).</summary>
        public bool TryGetInt64(out long value)
        {
            value = 0;
            if (TryGetUInt64(out ulong u))
            {
                if (u > long.MaxValue) return false;
                value = (long)u;
                return true;
            }
            if (Kind != ImapValueKind.Atom) return false;
            var seg = RawSegment;
            if (seg.Count < 2 || seg.Array![seg.Offset] != (byte)'-') return false;
            long v = 0;
            for (int i = seg.Offset + 1; i < seg.Offset + seg.Count; i++)
            {
                uint d = (uint)(seg.Array[i] - '0');
                if (d > 9 || v > (long.MaxValue - d) / 10) return false;
                v = v * 10 + d;
            }
            value = -v;
            return true;
        }

        /// <summary>The number value; throws <see cref="ImapProtocolException"/> when this is not a number.</summary>
        public uint AsUInt32()
        {
            if (TryGetUInt32(out uint v)) return v;
            throw Unexpected("a number");
        }

        /// <summary>The number value; throws <see cref="ImapProtocolException"/> when this is not a number.</summary>
        public ulong AsUInt64()
        {
            if (TryGetUInt64(out ulong v)) return v;
            throw Unexpected("a number");
        }

        /// <summary>An <see cref="ImapProtocolException"/> saying this value is not what a decoder expected.</summary>
        public ImapProtocolException Unexpected(string expected)
        {
            if (_response == null) return new ImapProtocolException("Malformed server response: expected " + expected, "", 0);
            return Tokenizer.Error(_response, "expected " + expected, _pos);
        }

        /// <summary>The raw bytes of this value as text (literal contents elided), for diagnostics.</summary>
        public override string ToString()
        {
            if (_response == null || IsNone) return "";
            return ImapText.Decode(_response.Buffer, _pos, EndOffset - _pos);
        }

        /// <summary>Enumerates the elements of a list without allocating.</summary>
        public struct Enumerator
        {
            private ImapValue _next;
            private ImapValue _current;

            internal Enumerator(ImapValue first)
            {
                _next = first;
                _current = default;
            }

            /// <summary>The current element.</summary>
            public ImapValue Current => _current;

            /// <summary>Lets <c>foreach</c> walk the enumerator itself.</summary>
            public Enumerator GetEnumerator() => this;

            /// <summary>Advances to the next element.</summary>
            public bool MoveNext()
            {
                if (_next.IsNone) return false;
                _current = _next;
                _next = _next.Next();
                return true;
            }
        }
    }

    /// <summary>Text decoding rules shared by the parser and the decoders.</summary>
    public static class ImapText
    {
        private static readonly UTF8Encoding StrictUtf8 = new UTF8Encoding(false, true);
        private static readonly Encoding Latin1 = Encoding.GetEncoding(28591);

        /// <summary>Decodes bytes as UTF-8, falling back to Latin-1 when they are not valid UTF-8 (servers do send raw 8-bit text).</summary>
        public static string Decode(byte[] b, int offset, int count)
        {
            if (count == 0) return string.Empty;
            bool ascii = true;
            for (int i = offset; i < offset + count; i++)
            {
                if (b[i] >= 0x80) { ascii = false; break; }
            }
            if (ascii) return Latin1.GetString(b, offset, count);
            try
            {
                return StrictUtf8.GetString(b, offset, count);
            }
            catch (DecoderFallbackException)
            {
                return Latin1.GetString(b, offset, count);
            }
        }

        /// <summary>Decodes bytes the caller knows are ASCII.</summary>
        internal static string Ascii(byte[] b, int offset, int count) => count == 0 ? string.Empty : Latin1.GetString(b, offset, count);

        /// <summary>Decodes the inside of a quoted string (between the quotes), undoing <c>\\</c> and <c>\"</c>.</summary>
        public static string DecodeQuoted(byte[] b, int start, int end)
        {
            int i = Array.IndexOf(b, (byte)'\\', start, end - start);
            if (i < 0) return Decode(b, start, end - start);
            var u = UnescapeQuoted(b, start, end);
            return Decode(u, 0, u.Length);
        }

        internal static byte[] UnescapeQuoted(byte[] b, int start, int end)
        {
            var buffer = new byte[end - start];
            int n = 0;
            for (int i = start; i < end; i++)
            {
                byte c = b[i];
                if (c == (byte)'\\' && i + 1 < end) c = b[++i];
                buffer[n++] = c;
            }
            if (n == buffer.Length) return buffer;
            var result = new byte[n];
            Buffer.BlockCopy(buffer, 0, result, 0, n);
            return result;
        }
    }
}
