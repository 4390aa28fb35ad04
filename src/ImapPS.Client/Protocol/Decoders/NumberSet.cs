using System;
using System.Collections.Generic;

namespace ImapPS.Client.Protocol
{
    /// <summary>Expands the sequence sets servers send (<c>1:3,9</c>, ranges in either order) into numbers.</summary>
    public static class NumberSet
    {
        /// <summary>
        /// The most numbers one set may expand to. A mailbox holds far fewer messages; a larger set is
        /// a broken or hostile server, and expanding it would exhaust memory.
        /// </summary>
        public const int MaxExpandedCount = 10_000_000;

        /// <summary>Expands a set such as <c>1:3,9,20:18</c> (RFC 4315: <c>a:b</c> and <c>b:a</c> are the same range).</summary>
        /// <exception cref="ImapProtocolException">The text is not a set of numbers, uses <c>*</c>, or is too large.</exception>
        public static List<uint> Expand(string set)
        {
            if (set == null) throw new ArgumentNullException(nameof(set));
            var bytes = new byte[set.Length];
            for (int i = 0; i < set.Length; i++) bytes[i] = set[i] < 0x80 ? (byte)set[i] : (byte)0xFF;
            var result = new List<uint>();
            if (!TryExpand(bytes, 0, bytes.Length, result, out string? error))
                throw new ImapProtocolException("Malformed server response: " + error, set, 0);
            return result;
        }

        internal static List<uint> Expand(ref Cursor c, string what)
        {
            var result = new List<uint>();
            AppendTo(ref c, result, what);
            return result;
        }

        internal static void AppendTo(ref Cursor c, List<uint> result, string what)
        {
            int start = c.Pos;
            int end;
            if (c.Peek == (byte)'"')
            {
                end = Tokenizer.SkipQuoted(c.R, start);
                if (!TryExpand(c.B, start + 1, end - 1, result, out string? error)) throw Tokenizer.Error(c.R, error + " in " + what, start);
            }
            else
            {
                if (c.AtEnd || c.IsListStart) throw c.Error(what);
                end = c.AtomEnd();
                if (!TryExpand(c.B, start, end, result, out string? error)) throw Tokenizer.Error(c.R, error + " in " + what, start);
            }
            c.Pos = end;
            c.SkipSpaces();
        }

        internal static bool TryExpand(byte[] b, int start, int end, List<uint> result, out string? error)
        {
            error = null;
            int i = start;
            if (i >= end) { error = "empty set"; return false; }
            while (i < end)
            {
                if (!ReadNumber(b, ref i, end, out uint low)) { error = "malformed set"; return false; }
                uint high = low;
                if (i < end && b[i] == (byte)':')
                {
                    i++;
                    if (!ReadNumber(b, ref i, end, out high)) { error = "malformed set"; return false; }
                }
                if (low > high) { uint t = low; low = high; high = t; }
                if ((long)result.Count + (high - low) + 1 > MaxExpandedCount) { error = "set of more than " + MaxExpandedCount + " numbers"; return false; }
                // Sized once for the range: ESEARCH ALL 1:100000 would otherwise double its way up
                // through large-object-heap arrays.
                int needed = result.Count + (int)(high - low) + 1;
                if (result.Capacity < needed) result.Capacity = Math.Max(needed, result.Capacity * 2);
                for (uint n = low; ; n++)
                {
                    result.Add(n);
                    if (n == high) break;
                }
                if (i < end)
                {
                    if (b[i] != (byte)',') { error = "malformed set"; return false; }
                    i++;
                    if (i == end) { error = "malformed set"; return false; }
                }
            }
            return true;
        }

        /// <summary>
        /// Counts the numbers in a set (<c>2,4:7</c> is 5) without expanding it, so a live
        /// <c>VANISHED 1:4294967295</c> costs nothing to count. False when the bytes are not a set.
        /// </summary>
        internal static bool TryCount(byte[] b, int start, int end, out long count) => TryReadRanges(b, start, end, null, out count);

        /// <summary>
        /// Reads a set such as <c>3:1,9</c> without expanding it: each range into
        /// <paramref name="ranges"/> (when given; ends in either order, RFC 4315) and how many
        /// numbers it names into <paramref name="count"/>. False when the bytes are not a set of
        /// non-zero numbers (no <c>*</c>: servers never send one).
        /// </summary>
        internal static bool TryReadRanges(byte[] b, int start, int end, List<UidRange>? ranges, out long count)
        {
            count = 0;
            int i = start;
            if (i >= end) return false;
            while (i < end)
            {
                if (!ReadNumber(b, ref i, end, out uint low) || low == 0) return false;
                uint high = low;
                if (i < end && b[i] == (byte)':')
                {
                    i++;
                    if (!ReadNumber(b, ref i, end, out high) || high == 0) return false;
                }
                count += low > high ? (long)low - high + 1 : (long)high - low + 1;
                ranges?.Add(new UidRange(low, high));
                if (i < end)
                {
                    if (b[i] != (byte)',') return false;
                    i++;
                    if (i == end) return false;
                }
            }
            return true;
        }

        private static bool ReadNumber(byte[] b, ref int i, int end, out uint value)
        {
            value = 0;
            int start = i;
            ulong v = 0;
            while (i < end && b[i] >= (byte)'0' && b[i] <= (byte)'9')
            {
                v = v * 10 + (uint)(b[i] - '0');
                if (v > uint.MaxValue) return false;
                i++;
            }
            value = (uint)v;
            return i > start;
        }
    }
}
