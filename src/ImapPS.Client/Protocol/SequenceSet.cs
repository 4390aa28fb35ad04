using System;
using System.Collections.Generic;
using System.Linq;

namespace ImapPS.Client.Protocol
{
    /// <summary>
    /// Builds and splits IMAP sequence sets (<c>1:5,7,9:*</c>) of message sequence numbers or UIDs.
    /// </summary>
    /// <remarks>
    /// Servers limit command lines (Dovecot 64 KB, Gmail about 16 KB, Yahoo about 1,000 bytes):
    /// <see cref="BuildChunks"/> and <see cref="Split"/> cut a set into pieces of at most a given
    /// number of bytes, at commas, for the engine to send as separate commands.
    /// </remarks>
    public static class SequenceSet
    {
        /// <summary>The longest single element, <c>4294967294:4294967295</c>: any chunk limit at least this large always works.</summary>
        public const int MinimumChunkBytes = 21;

        /// <summary>
        /// The compressed set of <paramref name="numbers"/>: sorted, duplicates removed, runs as ranges
        /// (<c>1:5,7,9:12</c>). With <paramref name="throughLast"/> the last range ends with <c>*</c>
        /// (<c>9:*</c>), i.e. also covers everything above the largest number.
        /// </summary>
        /// <exception cref="ArgumentException">The collection is empty.</exception>
        /// <exception cref="ArgumentOutOfRangeException">It contains 0, which is not a message number.</exception>
        public static string Build(IEnumerable<uint> numbers, bool throughLast = false)
        {
            var ranges = Compress(numbers);
            if (ranges.Count == 0) throw new ArgumentException("A sequence set cannot be empty.", nameof(numbers));
            var chunks = Chunk(ranges, int.MaxValue, throughLast);
            return chunks[0];
        }

        /// <summary>
        /// The compressed set of <paramref name="numbers"/> cut into sets of at most
        /// <paramref name="maxBytes"/> characters each; together they cover exactly the input. An empty
        /// input gives an empty list (nothing to send).
        /// </summary>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxBytes"/> is below 1, or a number is 0.</exception>
        /// <exception cref="ArgumentException">A single number or range is longer than <paramref name="maxBytes"/>
        /// (never the case when <paramref name="maxBytes"/> is at least <see cref="MinimumChunkBytes"/>).</exception>
        public static IReadOnlyList<string> BuildChunks(IEnumerable<uint> numbers, int maxBytes, bool throughLast = false)
        {
            if (maxBytes < 1) throw new ArgumentOutOfRangeException(nameof(maxBytes), "A chunk must allow at least one byte.");
            return Chunk(Compress(numbers), maxBytes, throughLast);
        }

        /// <summary>
        /// Cuts an existing sequence set at commas into sets of at most <paramref name="maxBytes"/> characters.
        /// </summary>
        /// <exception cref="ArgumentException">The set is not valid, or one of its elements alone is longer than <paramref name="maxBytes"/>.</exception>
        public static IReadOnlyList<string> Split(string set, int maxBytes)
        {
            if (set is null) throw new ArgumentNullException(nameof(set));
            if (maxBytes < 1) throw new ArgumentOutOfRangeException(nameof(maxBytes));
            if (!IsValid(set)) throw new ArgumentException("Not a valid sequence set.", nameof(set));
            var chunks = new List<string>();
            int chunkStart = 0;
            int lastComma = -1; // last comma inside the current chunk
            int elementStart = 0;
            for (int i = 0; i <= set.Length; i++)
            {
                if (i < set.Length && set[i] != ',') continue;
                if (i - elementStart > maxBytes)
                    throw new ArgumentException("An element of the set is longer than " + maxBytes + " bytes.", nameof(set));
                if (i - chunkStart > maxBytes)
                {
                    chunks.Add(set.Substring(chunkStart, lastComma - chunkStart));
                    chunkStart = lastComma + 1;
                }
                lastComma = i;
                elementStart = i + 1;
            }
            chunks.Add(set.Substring(chunkStart));
            return chunks;
        }

        /// <summary>
        /// True when <paramref name="set"/> matches RFC 3501 <c>sequence-set</c> (numbers are non-zero
        /// 32-bit), or is <c>$</c> (RFC 5182's saved search result).
        /// </summary>
        public static bool IsValid(string set)
        {
            if (set is null) return false;
            if (set == "$") return true;
            int i = 0;
            while (true)
            {
                if (!SeqNumber(set, ref i)) return false;
                if (i < set.Length && set[i] == ':')
                {
                    i++;
                    if (!SeqNumber(set, ref i)) return false;
                }
                if (i == set.Length) return true;
                if (set[i] != ',') return false;
                i++;
            }
        }

        private static bool SeqNumber(string set, ref int i)
        {
            if (i < set.Length && set[i] == '*')
            {
                i++;
                return true;
            }
            if (i >= set.Length || set[i] < '1' || set[i] > '9') return false;
            ulong value = 0;
            while (i < set.Length && set[i] >= '0' && set[i] <= '9')
            {
                value = value * 10 + (ulong)(set[i] - '0');
                if (value > uint.MaxValue) return false;
                i++;
            }
            return true;
        }

        private static List<(uint First, uint Last)> Compress(IEnumerable<uint> numbers)
        {
            if (numbers is null) throw new ArgumentNullException(nameof(numbers));
            uint[] sorted = numbers.ToArray();
            Array.Sort(sorted);
            var ranges = new List<(uint First, uint Last)>();
            if (sorted.Length == 0) return ranges;
            if (sorted[0] == 0) throw new ArgumentOutOfRangeException(nameof(numbers), "0 is not a message sequence number or UID.");
            uint first = sorted[0], last = sorted[0];
            for (int i = 1; i < sorted.Length; i++)
            {
                uint n = sorted[i];
                if (n == last) continue;
                if (n == last + 1)
                {
                    last = n;
                    continue;
                }
                ranges.Add((first, last));
                first = last = n;
            }
            ranges.Add((first, last));
            return ranges;
        }

        private static List<string> Chunk(List<(uint First, uint Last)> ranges, int maxBytes, bool throughLast)
        {
            var chunks = new List<string>();
            char[] element = new char[MinimumChunkBytes];
            char[] buffer = new char[Math.Min(maxBytes, 4096)];
            int length = 0;
            for (int r = 0; r < ranges.Count; r++)
            {
                var (first, last) = ranges[r];
                bool star = throughLast && r == ranges.Count - 1;
                int elementLength = FormatNumber(first, element, 0);
                if (star)
                {
                    element[elementLength++] = ':';
                    element[elementLength++] = '*';
                }
                else if (last != first)
                {
                    element[elementLength++] = ':';
                    elementLength += FormatNumber(last, element, elementLength);
                }
                if (elementLength > maxBytes)
                    throw new ArgumentException("The element " + new string(element, 0, elementLength) + " is longer than " + maxBytes + " bytes.", "maxBytes");
                int needed = length == 0 ? elementLength : length + 1 + elementLength;
                if (needed > maxBytes)
                {
                    chunks.Add(new string(buffer, 0, length));
                    length = 0;
                }
                if (length + 1 + elementLength > buffer.Length)
                    Array.Resize(ref buffer, Math.Max(buffer.Length * 2, length + 1 + elementLength));
                if (length > 0) buffer[length++] = ',';
                Array.Copy(element, 0, buffer, length, elementLength);
                length += elementLength;
            }
            if (length > 0) chunks.Add(new string(buffer, 0, length));
            return chunks;
        }

        private static int FormatNumber(uint value, char[] destination, int offset)
        {
            int digits = 1;
            for (uint rest = value / 10; rest > 0; rest /= 10) digits++;
            for (int i = offset + digits - 1; i >= offset; i--)
            {
                destination[i] = (char)('0' + value % 10);
                value /= 10;
            }
            return digits;
        }
    }
}
