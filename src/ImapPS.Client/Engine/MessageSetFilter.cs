using System;
using System.Collections.Generic;

namespace ImapPS.Client
{
    /// <summary>
    /// A parsed sequence or UID set (<c>1:5,7,9:*</c>) used to tell which in-flight command an
    /// untagged FETCH belongs to, and whether two commands could receive each other's data.
    /// <c>*</c> is taken as "no upper bound".
    /// </summary>
    internal sealed class MessageSetFilter
    {
        private readonly uint[] _ranges; // pairs of inclusive [low, high], sorted

        private MessageSetFilter(bool byUid, uint[] ranges)
        {
            ByUid = byUid;
            _ranges = ranges;
        }

        /// <summary>True when the numbers are UIDs, false for sequence numbers.</summary>
        public bool ByUid { get; }

        /// <summary>Parses a set; returns null when it is not a plain set (e.g. <c>$</c>), meaning "could be anything".</summary>
        public static MessageSetFilter? TryParse(string set, bool byUid)
        {
            var ranges = new List<uint>();
            int i = 0;
            while (i < set.Length)
            {
                if (!TryNumber(set, ref i, out uint a)) return null;
                uint b = a;
                if (i < set.Length && set[i] == ':')
                {
                    i++;
                    if (!TryNumber(set, ref i, out b)) return null;
                }
                if (a > b) { var t = a; a = b; b = t; }
                // '*' is the largest number in use, which may be below the other end (RFC 3501 9:
                // "5:*" on 3 messages is 3:5; a UID range n:* always includes the last UID), so a
                // range with '*' may answer with any number: "FETCH *" must still get its data.
                if (b == uint.MaxValue) a = 1;
                ranges.Add(a);
                ranges.Add(b);
                if (i < set.Length)
                {
                    if (set[i] != ',') return null;
                    i++;
                }
            }
            if (ranges.Count == 0) return null;
            return new MessageSetFilter(byUid, Normalise(ranges));
        }

        private static bool TryNumber(string s, ref int i, out uint value)
        {
            value = 0;
            if (i < s.Length && s[i] == '*')
            {
                i++;
                value = uint.MaxValue;
                return true;
            }
            int start = i;
            ulong v = 0;
            while (i < s.Length && s[i] >= '0' && s[i] <= '9')
            {
                v = v * 10 + (uint)(s[i] - '0');
                if (v > uint.MaxValue) return false;
                i++;
            }
            value = (uint)v;
            return i > start;
        }

        private static uint[] Normalise(List<uint> flat)
        {
            var pairs = new List<KeyValuePair<uint, uint>>(flat.Count / 2);
            for (int i = 0; i < flat.Count; i += 2) pairs.Add(new KeyValuePair<uint, uint>(flat[i], flat[i + 1]));
            pairs.Sort((x, y) => x.Key.CompareTo(y.Key));
            var merged = new List<uint>(flat.Count);
            foreach (var p in pairs)
            {
                int n = merged.Count;
                if (n > 0 && (ulong)p.Key <= (ulong)merged[n - 1] + 1)
                {
                    if (p.Value > merged[n - 1]) merged[n - 1] = p.Value;
                }
                else
                {
                    merged.Add(p.Key);
                    merged.Add(p.Value);
                }
            }
            return merged.ToArray();
        }

        /// <summary>True when <paramref name="n"/> is in the set.</summary>
        public bool Contains(uint n)
        {
            int lo = 0, hi = _ranges.Length / 2 - 1;
            while (lo <= hi)
            {
                int mid = (lo + hi) >> 1;
                if (n < _ranges[mid * 2]) hi = mid - 1;
                else if (n > _ranges[mid * 2 + 1]) lo = mid + 1;
                else return true;
            }
            return false;
        }

        /// <summary>
        /// The numbers of a small set (at most <paramref name="max"/> of them, no <c>*</c>), for
        /// indexing; null for larger sets.
        /// </summary>
        public uint[]? SmallMembers(int max)
        {
            long count = 0;
            for (int i = 0; i < _ranges.Length; i += 2)
            {
                if (_ranges[i + 1] == uint.MaxValue) return null;
                count += (long)_ranges[i + 1] - _ranges[i] + 1;
                if (count > max) return null;
            }
            var members = new uint[count];
            int n = 0;
            for (int i = 0; i < _ranges.Length; i += 2)
                for (ulong v = _ranges[i]; v <= _ranges[i + 1]; v++) members[n++] = (uint)v;
            return members;
        }

        /// <summary>True when the two sets share a number (sets of different kinds always may).</summary>
        public bool Overlaps(MessageSetFilter other)
        {
            if (ByUid != other.ByUid) return true;
            int i = 0, j = 0;
            while (i < _ranges.Length && j < other._ranges.Length)
            {
                uint a0 = _ranges[i], a1 = _ranges[i + 1], b0 = other._ranges[j], b1 = other._ranges[j + 1];
                if (a1 < b0) i += 2;
                else if (b1 < a0) j += 2;
                else return true;
            }
            return false;
        }
    }
}
