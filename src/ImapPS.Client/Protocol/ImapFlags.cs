using System;
using System.Collections.Generic;
using System.Text;

namespace ImapPS.Client.Protocol
{
    /// <summary>imaplib2's <c>ParseFlags</c>, without a regular expression.</summary>
    public static class ImapFlags
    {
        /// <summary>The system flag \Seen.</summary>
        public const string Seen = @"\Seen";

        /// <summary>The system flag \Deleted.</summary>
        public const string Deleted = @"\Deleted";

        private static readonly byte[] FlagsKey = Encoding.ASCII.GetBytes("FLAGS (");

        /// <summary>
        /// The flags of a response such as <c>* 12 FETCH (FLAGS (\Seen $Label1) UID 7)</c> or
        /// <c>* FLAGS (\Answered \Flagged)</c>, or an empty array when there are none.
        /// </summary>
        /// <remarks>
        /// Same matching as imaplib2's <c>.*FLAGS \((?P&lt;flags&gt;[^\)]*)\)</c>: <c>FLAGS (</c> must start on
        /// the first line; the last such occurrence followed somewhere by <c>)</c> wins (so a
        /// <c>PERMANENTFLAGS (…)</c> matches too); the text up to the next <c>)</c> is split on ASCII
        /// white space. The match is case-sensitive, as in imaplib2.
        /// </remarks>
        public static string[] ParseFlags(ReadOnlySpan<byte> response)
        {
            int firstLineEnd = response.IndexOf((byte)'\n');
            ReadOnlySpan<byte> firstLine = firstLineEnd < 0 ? response : response.Slice(0, firstLineEnd);
            int searchEnd = firstLine.Length;
            while (searchEnd > 0)
            {
                int at = firstLine.Slice(0, searchEnd).LastIndexOf(FlagsKey);
                if (at < 0) break;
                int contentStart = at + FlagsKey.Length;
                int close = response.Slice(contentStart).IndexOf((byte)')');
                if (close >= 0) return SplitWhite(response.Slice(contentStart, close));
                searchEnd = at;
            }
            return Array.Empty<string>();
        }

        /// <inheritdoc cref="ParseFlags(ReadOnlySpan{byte})"/>
        public static string[] ParseFlags(byte[] response)
            => ParseFlags(new ReadOnlySpan<byte>(response ?? throw new ArgumentNullException(nameof(response))));

        /// <inheritdoc cref="ParseFlags(ReadOnlySpan{byte})"/>
        public static string[] ParseFlags(string response)
            => ParseFlags(Encoding.UTF8.GetBytes(response ?? throw new ArgumentNullException(nameof(response))));

        /// <summary>
        /// A parenthesised flag list for STORE or APPEND, e.g. <c>(\Seen $Label1)</c>. Each flag
        /// must be a system flag (<c>\</c> and an atom) or a keyword (an atom).
        /// </summary>
        /// <exception cref="ArgumentException">A flag is not a valid flag (empty, spaces, parentheses, quotes, non-ASCII, …).</exception>
        public static string FormatFlagList(IEnumerable<string> flags)
        {
            if (flags is null) throw new ArgumentNullException(nameof(flags));
            var sb = new StringBuilder("(");
            foreach (var flag in flags)
            {
                if (!IsValidFlag(flag)) throw new ArgumentException("'" + flag + "' is not a valid IMAP flag (a keyword atom, or \\ and an atom for a system flag).", nameof(flags));
                if (sb.Length > 1) sb.Append(' ');
                sb.Append(flag);
            }
            return sb.Append(')').ToString();
        }

        /// <summary>True for <c>\Name</c> or <c>Name</c> where Name is an atom (RFC 3501 <c>flag</c>).</summary>
        public static bool IsValidFlag(string? flag)
        {
            if (string.IsNullOrEmpty(flag)) return false;
            string atom = flag![0] == '\\' ? flag.Substring(1) : flag;
            return atom.Length > 0 && ImapSyntax.FindNonAtomChar(atom) < 0;
        }

        private static string[] SplitWhite(ReadOnlySpan<byte> content)
        {
            List<string>? flags = null;
            int i = 0;
            while (i < content.Length)
            {
                while (i < content.Length && IsWhite(content[i])) i++;
                int start = i;
                while (i < content.Length && !IsWhite(content[i])) i++;
                if (i > start)
                    (flags ??= new List<string>()).Add(Encoding.UTF8.GetString(content.Slice(start, i - start).ToArray()));
            }
            return flags is null ? Array.Empty<string>() : flags.ToArray();
        }

        // Python's bytes.split(): space, \t, \n, \v, \f, \r.
        private static bool IsWhite(byte b) => b == ' ' || (b >= 0x09 && b <= 0x0D);
    }
}
