using System;
using System.Collections.Generic;
using System.Linq;
using CsCheck;
using ImapPS.Client.Protocol;

namespace ImapPS.Client.Tests.Protocol
{
    public class SequenceSetTests
    {
        [Theory]
        [InlineData(new uint[] { 1, 2, 3, 4, 5, 7, 9, 10, 11, 12 }, false, "1:5,7,9:12")]
        [InlineData(new uint[] { 12, 9, 7, 5, 4, 3, 2, 1, 11, 10, 9, 9 }, false, "1:5,7,9:12")]
        [InlineData(new uint[] { 1, 2, 3, 4, 5, 7, 9 }, true, "1:5,7,9:*")]
        [InlineData(new uint[] { 1, 2, 3 }, true, "1:*")]
        [InlineData(new uint[] { 42 }, false, "42")]
        [InlineData(new uint[] { 1, 3, 5 }, false, "1,3,5")]
        [InlineData(new uint[] { 4294967294, 4294967295, 1 }, false, "1,4294967294:4294967295")]
        public void BuildsSortedCompressedSets(uint[] numbers, bool throughLast, string expected)
        {
            Assert.Equal(expected, SequenceSet.Build(numbers, throughLast));
            Assert.True(SequenceSet.IsValid(expected));
        }

        [Fact]
        public void RejectsEmptySetsAndZero()
        {
            Assert.Throws<ArgumentException>(() => SequenceSet.Build(Array.Empty<uint>()));
            Assert.Throws<ArgumentOutOfRangeException>(() => SequenceSet.Build(new uint[] { 0, 1 }));
            Assert.Throws<ArgumentOutOfRangeException>(() => SequenceSet.BuildChunks(new uint[] { 1 }, 0));
            Assert.Throws<ArgumentException>(() => SequenceSet.BuildChunks(new uint[] { 1000, 1001 }, 8));
            Assert.Equal(new[] { "1000:1001" }, SequenceSet.BuildChunks(new uint[] { 1000, 1001 }, 9));
            Assert.Empty(SequenceSet.BuildChunks(Array.Empty<uint>(), 100));
        }

        [Fact]
        public void ChunksAtCommas()
        {
            uint[] numbers = { 1, 2, 3, 10, 20, 21, 30, 100, 200 };
            // "1:3,10,20:21,30,100,200"
            Assert.Equal(new[] { "1:3,10,20:21", "30,100,200" }, SequenceSet.BuildChunks(numbers, 12));
            Assert.Equal(new[] { "1:3,10,20:21,30,100,200" }, SequenceSet.BuildChunks(numbers, 1000));
            Assert.Equal(new[] { "1:3,10,20:21", "30,100,200" }, SequenceSet.Split("1:3,10,20:21,30,100,200", 12));
            Assert.Equal(new[] { "1:3", "10", "20:21", "30", "100", "200" }, SequenceSet.Split("1:3,10,20:21,30,100,200", 5));
            Assert.Throws<ArgumentException>(() => SequenceSet.Split("1:3,10,20:21", 4));
            Assert.Throws<ArgumentException>(() => SequenceSet.Split("1,,2", 10));
            Assert.Equal(new[] { "1:*" }, SequenceSet.BuildChunks(new uint[] { 1, 2 }, 21, throughLast: true));
        }

        private static SortedSet<uint> Expand(string set, uint largest)
        {
            var numbers = new SortedSet<uint>();
            foreach (string element in set.Split(','))
            {
                string[] ends = element.Split(':');
                uint first = uint.Parse(ends[0]);
                uint last = ends.Length == 1 ? first : ends[1] == "*" ? largest : uint.Parse(ends[1]);
                for (uint n = first; n <= last; n++) numbers.Add(n);
            }
            return numbers;
        }

        [Fact]
        public void ChunksRespectTheLimitAndCoverExactlyTheInput()
        {
            Gen.Select(Gen.UInt[1, 3000].Array[0, 600], Gen.Int[SequenceSet.MinimumChunkBytes, 120], Gen.Bool)
                .Sample((numbers, maxBytes, throughLast) =>
                {
                    IReadOnlyList<string> chunks = SequenceSet.BuildChunks(numbers, maxBytes, throughLast);
                    uint largest = numbers.Length == 0 ? 0 : numbers.Max();
                    var union = new SortedSet<uint>();
                    int total = 0;
                    foreach (string chunk in chunks)
                    {
                        Assert.InRange(chunk.Length, 1, maxBytes);
                        Assert.True(SequenceSet.IsValid(chunk));
                        SortedSet<uint> members = Expand(chunk, largest);
                        total += members.Count;
                        union.UnionWith(members);
                    }
                    Assert.Equal(total, union.Count); // chunks are disjoint
                    Assert.Equal(new SortedSet<uint>(numbers), union);
                    if (numbers.Length > 0)
                    {
                        string whole = SequenceSet.Build(numbers, throughLast);
                        Assert.Equal(chunks, SequenceSet.Split(whole, maxBytes));
                        Assert.Equal(whole, string.Join(",", chunks));
                    }
                }, iter: 500);
        }
    }
}
