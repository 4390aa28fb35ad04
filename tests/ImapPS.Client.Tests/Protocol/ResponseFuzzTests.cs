using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using ImapPS.Client;
using ImapPS.Client.Protocol;
using ImapPS.Client.Tests.Fixture;

using ImapPS.Client.Tests.Support;

namespace ImapPS.Client.Tests.Protocol
{
    /// <summary>
    /// Robustness of the reader and the decoders on truncated and corrupted corpus responses: the
    /// only failure they may report is <see cref="ImapProtocolException"/>, and they always finish.
    /// </summary>
    public class ResponseFuzzTests
    {
        private static readonly TimeSpan Budget = TimeSpan.FromSeconds(60);

        /// <summary>The bytes of every single response in the reply corpus (those without an external literal).</summary>
        private static List<byte[]> CorpusResponses()
        {
            var result = new List<byte[]>();
            foreach (var file in ReplyCorpus.ReplyFiles())
            {
                if (file == ReplyCorpus.LiteralLengthMismatch) continue;
                foreach (var r in ReplyCorpus.ReadAll(ReplyCorpus.LoadReply(file)))
                {
                    if (r.TotalSize != r.Length) continue;
                    var bytes = new byte[r.Length];
                    Buffer.BlockCopy(r.Buffer, 0, bytes, 0, r.Length);
                    result.Add(bytes);
                }
            }
            return result;
        }

        private static void RunWithin(TimeSpan timeout, Action action)
        {
            var task = Task.Factory.StartNew(action, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            Assert.True(task.Wait(timeout), "did not finish within " + timeout + " (a hang?)");
        }

        [CorpusFact]
        public void Every_prefix_of_a_corpus_response_waits_for_more_bytes()
        {
            RunWithin(Budget, () =>
            {
                var responses = CorpusResponses();
                Assert.True(responses.Count > 1000);
                long checkedPrefixes = 0;
                foreach (var bytes in responses)
                {
                    // All prefixes of short responses; for long ones every line end and a spread of cut points.
                    var cuts = new SortedSet<int>();
                    if (bytes.Length <= 600) for (int i = 0; i < bytes.Length; i++) cuts.Add(i);
                    else
                    {
                        for (int i = 0; i < 200; i++) cuts.Add((int)((long)bytes.Length * i / 200));
                        for (int i = 0; i < bytes.Length; i++)
                            if (bytes[i] == (byte)'\n' && i + 1 < bytes.Length) { cuts.Add(i); cuts.Add(i + 1); }
                    }
                    foreach (int length in cuts)
                    {
                        var reader = new ResponseReader();
                        reader.Append(bytes, 0, length);
                        bool complete;
                        try
                        {
                            complete = reader.TryReadResponse(out _);
                        }
                        catch (ImapProtocolException)
                        {
                            continue;
                        }
                        Assert.False(complete, "a " + length + "-byte prefix of «" + Encoding.ASCII.GetString(bytes, 0, Math.Min(80, bytes.Length)) + "» read as a complete response");
                        checkedPrefixes++;
                    }
                }
                Assert.True(checkedPrefixes > 100_000, "only " + checkedPrefixes + " prefixes");
            });
        }

        private static readonly byte[] Interesting = Encoding.ASCII.GetBytes("()\"{}[]<> \r\n\\~+-0123456789NILnil*:,.");

        private static byte[] Mutate(byte[] input, Random random)
        {
            var bytes = new List<byte>(input);
            int mutations = 1 + random.Next(4);
            for (int m = 0; m < mutations; m++)
            {
                int at = bytes.Count == 0 ? 0 : random.Next(bytes.Count);
                byte value = random.Next(4) == 0 ? (byte)random.Next(256) : Interesting[random.Next(Interesting.Length)];
                switch (random.Next(3))
                {
                    case 0 when bytes.Count > 0: bytes[at] = value; break;
                    case 1: bytes.Insert(at, value); break;
                    default: if (bytes.Count > 0) bytes.RemoveAt(at); break;
                }
            }
            return bytes.ToArray();
        }

        /// <summary>
        /// Seeded (deterministic) random corruption: byte flips, inserts and deletes biased towards
        /// IMAP syntax characters. Whatever comes out, the reader, the typed decoders and the value
        /// accessors either work or throw <see cref="ImapProtocolException"/>.
        /// </summary>
        [CorpusFact]
        public void Mutated_corpus_responses_fail_only_with_protocol_exceptions()
        {
            RunWithin(Budget, () =>
            {
                var pool = CorpusResponses().Where(b => b.Length <= 4096).ToList();
                // IMAPPS_FUZZ_SEED explores other seeds by hand; the default keeps the run deterministic.
                int seed = int.TryParse(Environment.GetEnvironmentVariable("IMAPPS_FUZZ_SEED"), out int s) ? s : 20240607;
                var random = new Random(seed);
                var limits = new ProtocolLimits { MaxLiteralSize = 1024 * 1024, LargeLiteralThreshold = 2048 };
                var watch = Stopwatch.StartNew();
                int cases = 0, responses = 0, rejected = 0;
                for (; cases < 6000; cases++)
                {
                    var input = pool[random.Next(pool.Count)];
                    var bytes = Mutate(input, random);
                    var reader = new ResponseReader(limits);
                    try
                    {
                        int chunk = 1 + random.Next(bytes.Length + 1);
                        for (int offset = 0; offset < bytes.Length; offset += chunk)
                        {
                            reader.Append(bytes, offset, Math.Min(chunk, bytes.Length - offset));
                            while (reader.TryReadResponse(out var r))
                            {
                                responses++;
                                Exercise(r!);
                            }
                        }
                    }
                    catch (ImapProtocolException)
                    {
                        rejected++;
                    }
                    catch (Exception e)
                    {
                        Assert.Fail("case " + cases + ": " + e.GetType().Name + ": " + e.Message + "\ninput: " + Printable(bytes) + "\n" + e.StackTrace);
                    }
                }
                Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), "took " + watch.Elapsed);
                Assert.True(responses > 1000 && rejected > 100, $"responses {responses}, rejected {rejected}");
            });
        }

        private static void Exercise(ServerResponse r)
        {
            _ = r.ToString();
            _ = r.Text;
            _ = r.CodeName;
            _ = r.DataText;
            FetchData.TryGetUid(r, out _);
            try
            {
                ReplyCorpus.Decode(r);
            }
            catch (ImapProtocolException)
            {
            }
            // Walk every value the generic way too.
            try
            {
                Walk(r.Data, 0);
                Walk(r.CodeArgument, 0);
            }
            catch (ImapProtocolException)
            {
            }
        }

        private static void Walk(ImapValue first, int depth)
        {
            for (var v = first; !v.IsNone && depth < 50; v = v.Next())
            {
                switch (v.Kind)
                {
                    case ImapValueKind.List: Walk(v.First, depth + 1); break;
                    default:
                        v.AsString();
                        v.AsBytes();
                        v.TryGetUInt64(out _);
                        v.TryGetInt64(out _);
                        break;
                }
            }
        }

        private static string Printable(byte[] bytes)
        {
            var sb = new StringBuilder();
            foreach (byte b in bytes.Take(400)) sb.Append(b >= 0x20 && b < 0x7f ? ((char)b).ToString() : "\\x" + b.ToString("X2"));
            return sb.ToString();
        }
    }
}
