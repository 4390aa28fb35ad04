using System;

namespace ImapPS.Client.Protocol
{
    /// <summary>Character classes of the IMAP grammar used when writing commands.</summary>
    internal static class ImapSyntax
    {
        // imaplib2's _checkquote safe set: [!#$&'+,./0-9:;<=>?@A-Z\[\]^_`a-z|}~-].
        // Everything printable except SP " % ( ) * \ {.
        private static readonly bool[] Safe = BuildTable(" \"%()*\\{");

        // RFC 3501 ATOM-CHAR: printable ASCII except atom-specials ( ) { SP % * " \ ].
        private static readonly bool[] AtomChar = BuildTable(" \"%()*\\{]");

        private static bool[] BuildTable(string excludedPrintables)
        {
            var table = new bool[128];
            for (int c = 0x21; c < 0x7F; c++) table[c] = true;
            foreach (char c in excludedPrintables) table[c] = false;
            return table;
        }

        /// <summary>True when <paramref name="c"/> is in imaplib2's set of characters that never need quoting.</summary>
        public static bool IsSafe(char c) => c < 128 && Safe[c];

        public static bool IsAtomChar(char c) => c < 128 && AtomChar[c];

        /// <summary>The index of the first character that cannot be in an atom, 0 for an empty string, -1 when valid.</summary>
        public static int FindNonAtomChar(string value)
        {
            if (value.Length == 0) return 0;
            for (int i = 0; i < value.Length; i++)
                if (!IsAtomChar(value[i])) return i;
            return -1;
        }

        /// <summary>RFC 3501 tag: ASTRING-CHAR (atom chars and <c>]</c>) except <c>+</c>.</summary>
        public static bool IsValidTag(string tag)
        {
            if (tag.Length == 0) return false;
            foreach (char c in tag)
                if (c == '+' || !(IsAtomChar(c) || c == ']')) return false;
            return true;
        }

        /// <summary>One or more atoms separated by single spaces: <c>FETCH</c>, <c>UID FETCH</c>.</summary>
        public static bool IsValidCommandName(string name)
        {
            if (name.Length == 0 || name[0] == ' ' || name[name.Length - 1] == ' ') return false;
            for (int i = 0; i < name.Length; i++)
            {
                char c = name[i];
                if (c == ' ')
                {
                    if (name[i - 1] == ' ') return false;
                }
                else if (!IsAtomChar(c)) return false;
            }
            return true;
        }

        public static bool IsLineBreakOrNul(int c) => c == '\r' || c == '\n' || c == '\0';

        public static bool ContainsLineBreakOrNul(string value)
        {
            foreach (char c in value)
                if (IsLineBreakOrNul(c)) return true;
            return false;
        }

        public static bool ContainsLineBreakOrNul(ReadOnlySpan<byte> value)
        {
            foreach (byte b in value)
                if (IsLineBreakOrNul(b)) return true;
            return false;
        }

        /// <summary>
        /// True when a fragment ends with <c>}</c> and contains <c>{</c>: written last on a line it
        /// could be read by the server as a literal header (<c>{5}</c>, <c>{5+}</c>, <c>~{5}</c>) and
        /// swallow the next command. Deliberately broader than the exact header grammar.
        /// </summary>
        /// <summary>
        /// True when <c>{digits}</c> or <c>{digits+}</c> occurs anywhere: some servers (Dovecot) act on
        /// a literal header even in the middle of a line, so a raw fragment must not contain one.
        /// </summary>
        public static bool ContainsLiteralHeader(string value)
        {
            for (int open = value.IndexOf('{'); open >= 0; open = value.IndexOf('{', open + 1))
            {
                int i = open + 1;
                while (i < value.Length && value[i] >= '0' && value[i] <= '9') i++;
                if (i == open + 1) continue;
                if (i < value.Length && value[i] == '+') i++;
                if (i < value.Length && value[i] == '}') return true;
            }
            return false;
        }

        public static bool EndsWithLiteralHeader(string value)
            => value.Length > 0 && value[value.Length - 1] == '}' && value.IndexOf('{') >= 0;

        public static bool EndsWithLiteralHeader(ReadOnlySpan<byte> value)
            => value.Length > 0 && value[value.Length - 1] == (byte)'}' && value.IndexOf((byte)'{') >= 0;
    }
}
