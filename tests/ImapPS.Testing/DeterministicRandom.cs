using System;
using System.Collections.Generic;

namespace ImapPS.Testing
{
    /// <summary>
    /// xoshiro256** seeded through SplitMix64, using integer arithmetic only, so a seed yields the
    /// same sequence on every runtime and platform (System.Random makes no such promise).
    /// </summary>
    public sealed class DeterministicRandom
    {
        private ulong s0, s1, s2, s3;

        /// <summary>Creates a generator whose whole sequence is fixed by <paramref name="seed"/>.</summary>
        public DeterministicRandom(ulong seed)
        {
            ulong x = seed;
            s0 = SplitMix(ref x);
            s1 = SplitMix(ref x);
            s2 = SplitMix(ref x);
            s3 = SplitMix(ref x);
        }

        /// <summary>The next 64 random bits.</summary>
        public ulong NextUInt64()
        {
            ulong result = RotateLeft(s1 * 5, 7) * 9;
            ulong t = s1 << 17;
            s2 ^= s0;
            s3 ^= s1;
            s1 ^= s2;
            s0 ^= s3;
            s2 ^= t;
            s3 = RotateLeft(s3, 45);
            return result;
        }

        /// <summary>A number in [0, <paramref name="maxExclusive"/>), by Lemire's multiply-shift.</summary>
        public int Next(int maxExclusive)
        {
            if (maxExclusive <= 0)
            {
                throw new ArgumentOutOfRangeException(nameof(maxExclusive));
            }

            return (int)(((NextUInt64() >> 32) * (ulong)maxExclusive) >> 32);
        }

        /// <summary>A number in [<paramref name="minInclusive"/>, <paramref name="maxExclusive"/>).</summary>
        public int Next(int minInclusive, int maxExclusive) => minInclusive + Next(maxExclusive - minInclusive);

        /// <summary>True with probability <paramref name="perMille"/>/1000.</summary>
        public bool Chance(int perMille) => Next(1000) < perMille;

        /// <summary>One element of a list.</summary>
        public T Pick<T>(IReadOnlyList<T> items) => items[Next(items.Count)];

        /// <summary>Fills a buffer with random bytes.</summary>
        public void NextBytes(byte[] buffer, int offset, int count)
        {
            int end = offset + count;
            while (offset < end)
            {
                ulong bits = NextUInt64();
                for (int i = 0; i < 8 && offset < end; i++, bits >>= 8)
                {
                    buffer[offset++] = (byte)bits;
                }
            }
        }

        private static ulong SplitMix(ref ulong x)
        {
            ulong z = x += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }

        private static ulong RotateLeft(ulong value, int count) => (value << count) | (value >> (64 - count));
    }
}
