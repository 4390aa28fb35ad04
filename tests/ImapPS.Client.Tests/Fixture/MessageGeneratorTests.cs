using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using ImapPS.Testing;

namespace ImapPS.Client.Tests.Fixture
{
    public sealed class MessageGeneratorTests
    {
        // The benchmarks compare runs made on different days and runtimes: the generator's output
        // must never drift silently. Change this digest only together with a deliberate change
        // to the generator (and a note that earlier benchmark mailboxes differ).
        private const string MixedSeed1First200Sha256 = "D0956BB09C5E97C507B454700F1CE288178A67A4D92E3363FDCFD1598EE5C42B";

        [Fact]
        public void SameSeed_GivesIdenticalMessages_DifferentSeed_DoesNot()
        {
            byte[][] first = new MessageGenerator(seed: 42).Generate(MessageProfile.Mixed, 30).Select(m => m.Bytes).ToArray();
            byte[][] second = new MessageGenerator(seed: 42).Generate(MessageProfile.Mixed, 30).Select(m => m.Bytes).ToArray();
            byte[][] other = new MessageGenerator(seed: 43).Generate(MessageProfile.Mixed, 30).Select(m => m.Bytes).ToArray();

            Assert.Equal(first, second);
            Assert.NotEqual(first[0], other[0]);
        }

        [Fact]
        public void Output_IsPinnedAcrossRuntimes()
        {
            using (SHA256 sha = SHA256.Create())
            {
                foreach (SeedMessage message in new MessageGenerator(seed: 1).Generate(MessageProfile.Mixed, 200))
                {
                    sha.TransformBlock(message.Bytes, 0, message.Bytes.Length, null, 0);
                    byte[] flags = Encoding.ASCII.GetBytes(string.Join(",", message.Flags) + message.InternalDate.ToUnixTimeSeconds());
                    sha.TransformBlock(flags, 0, flags.Length, null, 0);
                }

                sha.TransformFinalBlock(new byte[0], 0, 0);
                Assert.Equal(MixedSeed1First200Sha256, Convert.ToHexString(sha.Hash!));
            }
        }

        [Theory]
        [InlineData(MessageProfile.Mixed)]
        [InlineData(MessageProfile.Small)]
        public void EveryLine_EndsInCrlf_AndHeaderLinesStayShort(MessageProfile profile)
        {
            foreach (SeedMessage message in new MessageGenerator(seed: 3).Generate(profile, 300))
            {
                byte[] b = message.Bytes;
                Assert.True(b.Length > 4 && b[b.Length - 2] == '\r' && b[b.Length - 1] == '\n', "message must end with CRLF");
                for (int i = 0; i < b.Length; i++)
                {
                    if (b[i] == '\n')
                    {
                        Assert.True(i > 0 && b[i - 1] == '\r', $"bare LF at {i} in {message.MessageId}");
                    }
                    else if (b[i] == '\r')
                    {
                        Assert.True(i + 1 < b.Length && b[i + 1] == '\n', $"bare CR at {i} in {message.MessageId}");
                    }
                }

                string text = Encoding.UTF8.GetString(b);
                string header = text.Substring(0, text.IndexOf("\r\n\r\n", StringComparison.Ordinal));
                Assert.All(header.Split("\r\n"), line => Assert.True(line.Length <= 998, line));
                Assert.Contains("\r\nMessage-ID: " + message.MessageId + "\r\n", "\r\n" + header + "\r\n");
                Assert.Contains("\r\nMIME-Version: 1.0\r\n", header + "\r\n");
            }
        }

        [Fact]
        public void SmallProfile_StaysWithinOneToThreeKilobytes()
        {
            int[] sizes = new MessageGenerator(seed: 9).Generate(MessageProfile.Small, 2000).Select(m => m.Size).ToArray();
            Assert.All(sizes, size => Assert.InRange(size, 1024, 3072));
        }

        [Fact]
        public void MixedProfile_MatchesTheBenchmarkDescription()
        {
            List<SeedMessage> messages = new MessageGenerator(seed: 1).Generate(MessageProfile.Mixed, 2000).ToList();
            double Share(Func<SeedMessage, bool> predicate) => messages.Count(predicate) / (double)messages.Count;

            Assert.InRange(Share(m => m.Size >= 1500 && m.Size <= 22 * 1024), 0.80, 0.95);
            Assert.InRange(Share(m => m.Size > 100 * 1024), 0.01, 0.08);
            Assert.InRange(messages.Max(m => m.Size), 700 * 1024, 2200 * 1024);
            Assert.InRange(Share(m => m.Subject!.IndexOf("invoice", StringComparison.OrdinalIgnoreCase) >= 0), 0.03, 0.08);
            Assert.InRange(Share(m => m.HasFlag("\\Seen")), 0.28, 0.39);
            Assert.InRange(Share(m => m.InReplyTo != null), 0.2, 0.4);
            Assert.InRange(Share(m => m.Subject!.Any(c => c > 127)), 0.05, 0.2);
            Assert.InRange(Share(m => m.ContentType == "text/plain"), 0.2, 0.6);
            Assert.InRange(Share(m => m.ContentType == "multipart/alternative"), 0.1, 0.4);
            Assert.InRange(Share(m => m.ContentType == "multipart/mixed"), 0.1, 0.5);
            Assert.True(messages.Select(m => m.From).Distinct().Count() > 30, "senders should vary");
            Assert.Equal(messages.Count, messages.Select(m => m.MessageId).Distinct().Count());

            string all = string.Concat(messages.Take(400).Select(m => Encoding.UTF8.GetString(m.Bytes, 0, Math.Min(m.Size, 4000))));
            Assert.Contains("=?UTF-8?B?", all);
            Assert.Contains("=?UTF-8?Q?", all);
            Assert.Contains("\r\nCc: ", all);
            Assert.Contains("Content-Transfer-Encoding: base64", all);
        }

        [Fact]
        public void Replies_ReferenceAnEarlierMessage_AndKeepItsSubject()
        {
            List<SeedMessage> messages = new MessageGenerator(seed: 5).Generate(MessageProfile.Small, 500).ToList();
            var byId = messages.ToDictionary(m => m.MessageId!);
            var seen = new HashSet<string>();
            foreach (SeedMessage message in messages)
            {
                if (message.InReplyTo != null)
                {
                    Assert.Contains(message.InReplyTo, seen);
                    string parentSubject = byId[message.InReplyTo].Subject!;
                    Assert.Equal("Re: " + (parentSubject.StartsWith("Re: ", StringComparison.Ordinal) ? parentSubject.Substring(4) : parentSubject), message.Subject);
                }

                seen.Add(message.MessageId!);
            }
        }

        [Fact]
        public void MaxAttachmentBytes_CapsTheLongTail()
        {
            var generator = new MessageGenerator(seed: 1) { MaxAttachmentBytes = 8 * 1024 };
            List<SeedMessage> messages = generator.Generate(MessageProfile.Mixed, 500).ToList();
            Assert.All(messages, m => Assert.True(m.Size < 3 * (8 * 1024 * 4 / 3 + 200) + 8 * 1024, $"{m.Size} bytes"));
            Assert.Contains(messages, m => m.AttachmentCount > 0);
        }

        [Fact]
        public void InternalDates_IncreaseFromTheStartDate()
        {
            var start = new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);
            var generator = new MessageGenerator(seed: 2) { StartDate = start };
            DateTimeOffset[] dates = generator.Generate(MessageProfile.Small, 100).Select(m => m.InternalDate).ToArray();
            Assert.Equal(start, dates[0]);
            Assert.All(dates.Zip(dates.Skip(1)), pair => Assert.True(pair.Second > pair.First));
        }

        [Fact]
        public void DeterministicRandom_HasAFixedSequence()
        {
            // The first outputs of xoshiro256** seeded by SplitMix64(0): fixed by the algorithm.
            var random = new DeterministicRandom(0);
            Assert.Equal(0x99EC5F36CB75F2B4UL, random.NextUInt64());
            var bounded = new DeterministicRandom(12345);
            Assert.All(Enumerable.Range(0, 1000).Select(_ => bounded.Next(7)), n => Assert.InRange(n, 0, 6));
        }
    }
}
