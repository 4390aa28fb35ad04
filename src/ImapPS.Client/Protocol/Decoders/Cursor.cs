using System;
using System.Collections.Generic;

namespace ImapPS.Client.Protocol
{
    /// <summary>
    /// A forward-only reader over the data of a validated <see cref="ServerResponse"/>, shared by the
    /// typed decoders. It walks the bytes once: unlike chaining <see cref="ImapValue.Next"/>, reading
    /// a list's elements leaves the cursor just past the list, so nested lists are not re-scanned.
    /// The response was validated when it was framed, so skipping can only fail on a decoder's own
    /// expectations, which are reported as <see cref="ImapProtocolException"/>.
    /// </summary>
    internal struct Cursor
    {
        internal readonly ServerResponse R;
        internal readonly byte[] B;
        internal readonly int End;
        internal int Pos;

        internal Cursor(ServerResponse response, int pos)
        {
            R = response;
            B = response.Buffer;
            End = response.Length;
            Pos = Tokenizer.SkipSpaces(B, pos, End);
        }

        internal Cursor(ImapValue value)
            : this(value.Response ?? throw new ImapProtocolException("Malformed server response: missing value", "", 0), value.Offset)
        {
        }

        internal static Cursor AtData(ServerResponse response)
        {
            if (response.IsUnstructured) throw Tokenizer.Error(response, "the data of this " + response.Name + " response could not be read", response.DataOffset);
            return new Cursor(response, response.DataOffset);
        }

        internal byte Peek => Pos < End ? B[Pos] : Tokenizer.Lf;

        /// <summary>True at the end of the current list or of the response.</summary>
        internal bool AtEnd
        {
            get
            {
                if (Pos >= End) return true;
                byte c = B[Pos];
                return c == (byte)')' || c == Tokenizer.Cr || c == Tokenizer.Lf;
            }
        }

        internal bool IsListStart => Pos < End && B[Pos] == (byte)'(';

        internal ImapValue Value => new ImapValue(R, Pos, false);

        internal ImapProtocolException Error(string expected) => Tokenizer.Error(R, "expected " + expected, Pos);

        internal void SkipSpaces() => Pos = Tokenizer.SkipSpaces(B, Pos, End);

        /// <summary>Skips the current element (whatever it is).</summary>
        internal void Skip()
        {
            if (AtEnd) throw Error("a value");
            Pos = Tokenizer.SkipSpaces(B, Tokenizer.SkipElement(R, Pos, false), End);
        }

        internal bool TryEnterList()
        {
            if (!IsListStart) return false;
            Pos = Tokenizer.SkipSpaces(B, Pos + 1, End);
            return true;
        }

        internal void EnterList(string what)
        {
            if (!TryEnterList()) throw Error(what);
        }

        /// <summary>Skips whatever is left of the current list (servers add fields we do not know) and its ')'.</summary>
        internal void LeaveList()
        {
            while (!AtEnd) Skip();
            if (Peek != (byte)')') throw Error("')'");
            Pos = Tokenizer.SkipSpaces(B, Pos + 1, End);
        }

        /// <summary>True when the current element is NIL; does not move.</summary>
        internal bool IsNil
        {
            get
            {
                if (Pos + 3 > End) return false;
                if ((B[Pos] | 0x20) != 'n' || (B[Pos + 1] | 0x20) != 'i' || (B[Pos + 2] | 0x20) != 'l') return false;
                return Pos + 3 == End || IsDelimiter(B[Pos + 3]);
            }
        }

        internal static bool IsDelimiter(byte c)
            => c == Tokenizer.Space || c == (byte)')' || c == (byte)'(' || c == Tokenizer.Cr || c == Tokenizer.Lf;

        /// <summary>The end of the atom at the cursor (an atom may hold a [section]).</summary>
        internal int AtomEnd() => Tokenizer.SkipAtom(R, Pos, false);

        /// <summary>True when the current element is an atom equal to <paramref name="atom"/> (ignoring case).</summary>
        internal bool IsAtom(string atom)
        {
            int len = atom.Length;
            if (Pos + len > End) return false;
            if (Pos + len < End && !IsDelimiter(B[Pos + len])) return false;
            return ImapValue.AsciiEqualsIgnoreCase(B, Pos, len, atom);
        }

        /// <summary>
        /// Reads an nstring/astring: quoted string, literal, atom or number; NIL gives null. A list
        /// where a string belongs (a broken server) is skipped and gives null.
        /// </summary>
        internal string? ReadNString()
        {
            if (AtEnd) return null;
            byte c = B[Pos];
            string? s;
            switch (c)
            {
                case (byte)'"':
                {
                    int end = Tokenizer.SkipQuoted(R, Pos);
                    s = ImapText.DecodeQuoted(B, Pos + 1, end - 1);
                    Pos = Tokenizer.SkipSpaces(B, end, End);
                    return s;
                }
                case (byte)'{':
                case (byte)'~':
                case (byte)'(':
                    s = c == (byte)'(' ? null : Value.AsString();
                    Skip();
                    return s;
                default:
                {
                    if (IsNil)
                    {
                        Pos = Tokenizer.SkipSpaces(B, Pos + 3, End);
                        return null;
                    }
                    int end = Tokenizer.SkipAtom(R, Pos, false);
                    s = ImapText.Decode(B, Pos, end - Pos);
                    Pos = Tokenizer.SkipSpaces(B, end, End);
                    return s;
                }
            }
        }

        /// <summary>Like <see cref="ReadNString"/>, but returns a table entry (no allocation) when the text matches one, ignoring case.</summary>
        internal string? ReadInterned(string[] table, bool lowerCase)
        {
            if (AtEnd) return null;
            int start, end, next;
            byte c = B[Pos];
            if (c == (byte)'"')
            {
                next = Tokenizer.SkipQuoted(R, Pos);
                start = Pos + 1;
                end = next - 1;
                if (Array.IndexOf(B, (byte)'\\', start, end - start) >= 0) return Lower(ReadNString(), lowerCase);
            }
            else if (c == (byte)'{' || c == (byte)'~' || c == (byte)'(')
            {
                return Lower(ReadNString(), lowerCase);
            }
            else
            {
                if (IsNil)
                {
                    Pos = Tokenizer.SkipSpaces(B, Pos + 3, End);
                    return null;
                }
                start = Pos;
                end = next = Tokenizer.SkipAtom(R, Pos, false);
            }
            Pos = Tokenizer.SkipSpaces(B, next, End);
            string? hit = Lookup(B, start, end - start, table);
            if (hit != null) return hit;
            return Lower(ImapText.Decode(B, start, end - start), lowerCase);
        }

        private static string? Lower(string? s, bool lowerCase) => lowerCase && s != null ? s.ToLowerInvariant() : s;

        internal static string? Lookup(byte[] b, int start, int length, string[] table)
        {
            foreach (var entry in table)
                if (entry.Length == length && ImapValue.AsciiEqualsIgnoreCase(b, start, length, entry)) return entry;
            return null;
        }

        /// <summary>Reads an unsigned number (atom of digits, or a quoted one); false (not moved) when the element is not one.</summary>
        internal bool TryReadNumber(out ulong value)
        {
            value = 0;
            int p = Pos;
            bool quoted = p < End && B[p] == (byte)'"';
            if (quoted) p++;
            int start = p;
            ulong v = 0;
            while (p < End)
            {
                uint d = (uint)(B[p] - '0');
                if (d > 9) break;
                ulong n = v * 10 + d;
                if (p - start >= 19 && n / 10 != v) return false;
                v = n;
                p++;
            }
            if (p == start) return false;
            if (quoted)
            {
                if (p >= End || B[p] != (byte)'"') return false;
                p++;
            }
            else if (p < End && !IsDelimiter(B[p])) return false;
            value = v;
            Pos = Tokenizer.SkipSpaces(B, p, End);
            return true;
        }

        /// <summary>Reads a number, or (for servers that send NIL, a negative number or junk there) skips the element and gives null.</summary>
        internal ulong? ReadNumberOrNull()
        {
            if (TryReadNumber(out ulong v)) return v;
            if (!AtEnd) Skip();
            return null;
        }

        internal ulong ReadNumber(string what)
        {
            if (TryReadNumber(out ulong v)) return v;
            throw Error(what);
        }

        internal uint ReadUInt32(string what)
        {
            ulong v = ReadNumber(what);
            if (v > uint.MaxValue) throw Error(what + " (32-bit)");
            return (uint)v;
        }

        /// <summary>Reads a list of astrings (or NIL, giving an empty list); a single astring is read as a one-element list.</summary>
        internal IReadOnlyList<string> ReadStringList()
        {
            if (IsNil)
            {
                Pos = Tokenizer.SkipSpaces(B, Pos + 3, End);
                return Array.Empty<string>();
            }
            if (!TryEnterList())
            {
                var single = ReadNString();
                return single == null ? Array.Empty<string>() : new[] { single };
            }
            if (AtEnd)
            {
                LeaveList();
                return Array.Empty<string>();
            }
            var list = new List<string>();
            while (!AtEnd)
            {
                if (IsListStart) { Skip(); continue; }
                var s = ReadNString();
                if (s != null) list.Add(s);
            }
            LeaveList();
            return list;
        }
    }
}
