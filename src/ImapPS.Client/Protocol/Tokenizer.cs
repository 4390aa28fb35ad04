using System;
using System.Text;

namespace ImapPS.Client.Protocol
{
    /// <summary>
    /// The byte-level grammar of server responses: how far one element (atom, number, quoted
    /// string, literal, NIL or parenthesised list) reaches. Both the validating pass that runs
    /// when a response is read and the lazy navigation of <see cref="ImapValue"/> use it, so they
    /// can never disagree. Lists are skipped iteratively: nesting depth costs no stack.
    /// </summary>
    internal static class Tokenizer
    {
        internal const byte Space = (byte)' ';
        internal const byte Cr = (byte)'\r';
        internal const byte Lf = (byte)'\n';

        internal static int SkipSpaces(byte[] b, int pos, int end)
        {
            while (pos < end && b[pos] == Space) pos++;
            return pos;
        }

        internal static bool IsLineEnd(byte[] b, int pos, int end)
            => pos >= end || b[pos] == Cr || b[pos] == Lf;

        /// <summary>Skips one element and returns the offset just past it.</summary>
        /// <param name="r">The response that holds the element.</param>
        /// <param name="pos">The offset of the element.</param>
        /// <param name="stopAtBracket">True inside a response code, where a bare <c>]</c> ends atoms and the code.</param>
        internal static int SkipElement(ServerResponse r, int pos, bool stopAtBracket)
        {
            byte[] b = r.Buffer;
            int end = r.Length;
            int depth = 0;
            while (true)
            {
                pos = SkipSpaces(b, pos, end);
                if (IsLineEnd(b, pos, end))
                    throw Error(r, depth > 0 ? "unterminated list" : "missing value", pos);
                byte c = b[pos];
                switch (c)
                {
                    case (byte)'(':
                        depth++;
                        pos++;
                        continue;
                    case (byte)')':
                        if (depth == 0) throw Error(r, "unexpected ')'", pos);
                        depth--;
                        pos++;
                        break;
                    case (byte)'"':
                        pos = SkipQuoted(r, pos);
                        break;
                    case (byte)'{':
                        pos = SkipLiteral(r, pos);
                        break;
                    case (byte)'~':
                        pos = pos + 1 < end && b[pos + 1] == (byte)'{' ? SkipLiteral(r, pos + 1) : SkipAtom(r, pos, stopAtBracket);
                        break;
                    case (byte)']':
                        if (stopAtBracket && depth == 0) throw Error(r, "missing value", pos);
                        pos = SkipAtom(r, pos, stopAtBracket && depth == 0);
                        break;
                    default:
                        pos = SkipAtom(r, pos, stopAtBracket && depth == 0);
                        break;
                }
                if (depth == 0) return pos;
                // Inside a list, elements may be separated by spaces or abut parentheses
                // (e.g. THREAD's "(2)(3 6)"); anything else glued to an element is malformed.
                if (pos < end)
                {
                    byte next = b[pos];
                    if (next != Space && next != (byte)'(' && next != (byte)')' && next != Cr && next != Lf)
                        throw Error(r, "unexpected character after value", pos);
                }
            }
        }

        /// <summary>
        /// Skips an atom. A <c>[</c> inside an atom opens a section that runs to its matching
        /// <c>]</c> and may hold spaces and parentheses (<c>BODY[HEADER.FIELDS (FROM)]&lt;0&gt;</c>).
        /// </summary>
        internal static int SkipAtom(ServerResponse r, int pos, bool stopAtBracket)
        {
            byte[] b = r.Buffer;
            int end = r.Length;
            int start = pos;
            int bracket = 0;
            while (pos < end)
            {
                byte c = b[pos];
                if (c == Cr || c == Lf) break;
                if (bracket > 0)
                {
                    if (c == (byte)'[') bracket++;
                    else if (c == (byte)']') bracket--;
                    pos++;
                    continue;
                }
                if (c == Space || c == (byte)'(' || c == (byte)')' || c == (byte)'"') break;
                if (c == (byte)']' && stopAtBracket) break;
                if (c == (byte)'[') bracket++;
                pos++;
            }
            if (bracket > 0) throw Error(r, "unterminated '[' in atom", start);
            if (pos == start) throw Error(r, "empty atom", pos);
            return pos;
        }

        internal static int SkipQuoted(ServerResponse r, int pos)
        {
            byte[] b = r.Buffer;
            int end = r.Length;
            int start = pos;
            pos++;
            while (pos < end)
            {
                byte c = b[pos];
                if (c == (byte)'"') return pos + 1;
                if (c == (byte)'\\')
                {
                    pos += 2;
                    continue;
                }
                if (c == Cr || c == Lf) break;
                pos++;
            }
            throw Error(r, "unterminated quoted string", start);
        }

        /// <summary>Skips <c>{n}CRLF</c> and the literal's bytes (inline or held outside the buffer).</summary>
        internal static int SkipLiteral(ServerResponse r, int pos)
        {
            int dataStart = ParseLiteralHeader(r, pos, out long length);
            ExternalLiteral? external = r.FindExternal(dataStart);
            if (external != null) return dataStart;
            if (dataStart + length > r.Length) throw Error(r, "literal runs past the response", pos);
            return dataStart + (int)length;
        }

        /// <summary>Parses <c>{n}</c> or <c>{n+}</c> followed by CRLF; returns the offset of the literal's data.</summary>
        internal static int ParseLiteralHeader(ServerResponse r, int pos, out long length)
        {
            byte[] b = r.Buffer;
            int end = r.Length;
            int start = pos;
            pos++;
            long n = 0;
            int digits = 0;
            while (pos < end && b[pos] >= (byte)'0' && b[pos] <= (byte)'9')
            {
                n = n * 10 + (b[pos] - (byte)'0');
                pos++;
                if (++digits > 18) throw Error(r, "literal length too long", start);
            }
            if (digits == 0) throw Error(r, "malformed literal length", start);
            if (pos < end && b[pos] == (byte)'+') pos++;
            if (pos >= end || b[pos] != (byte)'}') throw Error(r, "malformed literal length", start);
            pos++;
            if (pos < end && b[pos] == Cr) pos++;
            if (pos >= end || b[pos] != Lf) throw Error(r, "literal length not followed by CRLF", start);
            length = n;
            return pos + 1;
        }

        internal static ImapProtocolException Error(ServerResponse r, string message, int offset)
            => new ImapProtocolException("Malformed server response: " + message, Excerpt(r.Buffer, r.Length, offset), offset);

        internal static ImapProtocolException Error(byte[] b, int length, string message, int offset)
            => new ImapProtocolException("Malformed server response: " + message, Excerpt(b, length, offset), offset);

        /// <summary>A printable rendering of the bytes around <paramref name="offset"/> for error messages.</summary>
        internal static string Excerpt(byte[] b, int length, int offset)
        {
            int from = Math.Max(0, Math.Min(offset, length) - 24);
            int to = Math.Min(length, offset + 24);
            var sb = new StringBuilder(to - from + 8);
            for (int i = from; i < to; i++)
            {
                byte c = b[i];
                if (c == Cr) sb.Append("\\r");
                else if (c == Lf) sb.Append("\\n");
                else if (c >= 0x20 && c < 0x7f) sb.Append((char)c);
                else sb.Append("\\x").Append(c.ToString("X2"));
            }
            return sb.ToString();
        }
    }
}
