using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading;
using ImapPS.Client;
using ImapPS.Client.Reliability.Fuzzing;

namespace ImapPS.Fuzz
{
    /// <summary>
    /// A seeded mutation fuzzer for the response side of the wire protocol (ResponseReader, ServerResponse,
    /// ImapValue), seeded with every server reply of the shared corpus (MailKit transcripts, ruby net-imap
    /// responses). Only ImapException and its subtypes may escape an execution; any other exception, or an
    /// execution that takes longer than the per-input budget, is a crash: its input is saved to the regression
    /// folder, which tests/ImapPS.Client.Tests replays on every test run.
    ///
    /// Usage (from the repository root):
    ///   dotnet run -c Release --project tests/ImapPS.Fuzz -- --minutes 10 [--seed N] [--budget-ms 2000]
    ///       [--corpus PATH] [--out tests/ImapPS.Client.Tests/Reliability/FuzzRegressions]
    ///   dotnet run -c Release --project tests/ImapPS.Fuzz -- --replay FILE.bin   (re-runs one saved input, verbosely)
    /// Exit code: 0 no crash, 1 crashes or hangs found, 2 bad arguments or no corpus.
    /// </summary>
    public static class Program
    {
        private static readonly byte[] Interesting = Encoding.ASCII.GetBytes("\r\n{}()[]\"\\ *+~0123456789<>.%:,-").Concat(new byte[] { 0, 0x7F, 0x80, 0xC3, 0xFF }).ToArray();

        private static readonly string[] Tokens =
        {
            "NIL", "{0}\r\n", "{1}\r\n", "{4294967296}\r\n", "{99999999999999999999}\r\n", "~{3}\r\n", "{5+}\r\n",
            "BODY[", "BODY[]", "BODY[1.2.MIME]<0>", "[CAPABILITY ", "[PERMANENTFLAGS (", "[UIDVALIDITY 4294967295]",
            "[COPYUID 1 1:3 4:6]", "* 4294967296 EXISTS", "* 0 FETCH (", "* BYE ", "* OK ", "+ ", "A1 OK ", "ENVELOPE (",
            "BODYSTRUCTURE (", "\"\\\"\"", "\"\\", "((((((((((", "))))))))))", "* SEARCH 1 2 3", "* ESEARCH (TAG \"A1\") ",
            "* STATUS ", "* LIST (\\HasNoChildren) \"/\" ", "UID ", "MODSEQ (", "X-GM-LABELS (", "\r\n* ", " ",
        };

        public static int Main(string[] args)
        {
            double minutes = 1;
            int seed = Environment.TickCount;
            int budgetMs = 2000;
            string? corpus = null;
            string? outDir = null;
            for (int i = 0; i < args.Length; i++)
            {
                string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException("missing value for " + args[i]);
                switch (args[i])
                {
                    case "--minutes": minutes = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--seed": seed = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--budget-ms": budgetMs = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--corpus": corpus = Next(); break;
                    case "--out": outDir = Next(); break;
                    case "--replay": return Replay(Next());
                    default:
                        Console.Error.WriteLine("unknown argument " + args[i] + "; usage: --minutes N [--seed N] [--budget-ms N] [--corpus DIR] [--out DIR]");
                        return 2;
                }
            }
            var root = FindRepositoryRoot(AppContext.BaseDirectory) ?? Directory.GetCurrentDirectory();
            corpus ??= Environment.GetEnvironmentVariable("IMAPPS_SHARED") is string shared && shared.Length > 0
                ? Path.Combine(shared, "corpus")
                : Path.Combine(Path.GetDirectoryName(root)!, "shared", "corpus");
            outDir ??= Path.Combine(root, "tests", "ImapPS.Client.Tests", "Reliability", "FuzzRegressions");
            if (!Directory.Exists(corpus))
            {
                Console.Error.WriteLine("corpus not found: " + corpus + " (set IMAPPS_SHARED or --corpus)");
                return 2;
            }

            var seeds = LoadSeeds(corpus);
            Console.WriteLine($"ImapPS.Fuzz: {seeds.Count} seeds from {corpus}; seed {seed}; {minutes} min; budget {budgetMs} ms per input; crashes to {outDir}");
            return Run(seeds, seed, TimeSpan.FromMinutes(minutes), budgetMs, outDir);
        }

        private static int Replay(string file)
        {
            var input = File.ReadAllBytes(file);
            var name = Path.GetFileName(file);
            int chunkSeed = 0;
            int c = name.IndexOf(".c", StringComparison.Ordinal);
            if (c > 0) int.TryParse(name.Substring(c + 2).Replace(".bin", ""), NumberStyles.None, CultureInfo.InvariantCulture, out chunkSeed);
            foreach (var seed in new[] { 0, chunkSeed })
            {
                var reader = new ImapPS.Client.Protocol.ResponseReader(FuzzHarness.Limits(), 256);
                reader.Append(input, 0, input.Length);
                try
                {
                    while (reader.TryReadResponse(out var r))
                    {
                        Console.WriteLine($"response: kind {r!.Kind} name «{r.Name}» length {r.Length} data offset {r.DataOffset}: «{r.ToString().Substring(0, Math.Min(200, r.ToString().Length))}»");
                        FuzzHarness.Walk(r);
                    }
                    var result = FuzzHarness.Execute(input, seed);
                    Console.WriteLine($"chunk seed {seed}: {result.Responses} responses, typed error: {result.TypedError?.Message ?? "none"}");
                }
                catch (ImapException e)
                {
                    Console.WriteLine($"chunk seed {seed}: typed error {e.GetType().Name}: {e.Message}");
                }
                catch (Exception e)
                {
                    Console.WriteLine($"chunk seed {seed}: CRASH {e}");
                    return 1;
                }
            }
            return 0;
        }

        private static int Run(List<byte[]> seeds, int seed, TimeSpan duration, int budgetMs, string outDir)
        {
            var random = new Random(seed);
            var crashes = new Dictionary<string, int>(StringComparer.Ordinal);
            long executions = 0, typedErrors = 0, responses = 0, values = 0;
            long startedTicks = 0;
            byte[]? current = null;
            int hangs = 0;
            var stop = new ManualResetEventSlim();
            var sw = Stopwatch.StartNew();

            // The seeds themselves first, whole and in small chunks: they must all pass.
            var queue = new Queue<byte[]>(seeds);

            var worker = new Thread(() =>
            {
                while (!stop.IsSet)
                {
                    var input = queue.Count > 0 ? queue.Dequeue() : Mutate(seeds, random);
                    int chunkSeed = random.Next(3) == 0 ? 0 : random.Next(1, int.MaxValue);
                    Volatile.Write(ref current, input);
                    Interlocked.Exchange(ref startedTicks, Stopwatch.GetTimestamp());
                    try
                    {
                        var result = FuzzHarness.Execute(input, chunkSeed);
                        responses += result.Responses;
                        values += result.Values;
                        if (result.TypedError != null) typedErrors++;
                    }
                    catch (Exception e)
                    {
                        var signature = FuzzHarness.Signature(e);
                        lock (crashes)
                        {
                            crashes.TryGetValue(signature, out int n);
                            crashes[signature] = n + 1;
                            if (n == 0)
                            {
                                var file = Save(outDir, "crash", input, chunkSeed, signature + "\n" + e);
                                Console.WriteLine($"CRASH {signature} -> {file}");
                            }
                        }
                    }
                    Interlocked.Exchange(ref startedTicks, 0);
                    Interlocked.Increment(ref executions);
                }
            }) { IsBackground = true, Name = "fuzz worker" };
            worker.Start();

            long lastReport = 0;
            while (sw.Elapsed < duration)
            {
                // A monitor, not synchronisation: checks the running input against its budget four times a second.
                Thread.Sleep(250);
                long started = Interlocked.Read(ref startedTicks);
                if (started != 0 && (Stopwatch.GetTimestamp() - started) * 1000 / Stopwatch.Frequency > budgetMs)
                {
                    var input = Volatile.Read(ref current)!;
                    var file = Save(outDir, "hang", input, 0, $"execution exceeded {budgetMs} ms");
                    Console.WriteLine($"HANG ({budgetMs} ms budget) -> {file}; stopping (the worker cannot be interrupted)");
                    hangs++;
                    break;
                }
                if (sw.ElapsedMilliseconds - lastReport >= 30000)
                {
                    lastReport = sw.ElapsedMilliseconds;
                    Console.WriteLine($"  {sw.Elapsed:mm\\:ss} {Interlocked.Read(ref executions):N0} executions, {typedErrors:N0} typed errors, {crashes.Count} crash signatures");
                }
            }
            stop.Set();
            worker.Join(TimeSpan.FromSeconds(Math.Max(5, budgetMs / 1000.0 * 2)));

            double seconds = sw.Elapsed.TotalSeconds;
            Console.WriteLine($"executions: {executions:N0} in {seconds:0} s ({executions / seconds:N0}/s)");
            Console.WriteLine($"responses parsed: {responses:N0}; values walked: {values:N0}; executions ending in a typed ImapException: {typedErrors:N0}");
            Console.WriteLine($"unique crash signatures: {crashes.Count}; hangs: {hangs}");
            foreach (var kv in crashes) Console.WriteLine($"  {kv.Value,8:N0} x {kv.Key}");
            return crashes.Count == 0 && hangs == 0 ? 0 : 1;
        }

        private static string Save(string outDir, string kind, byte[] input, int chunkSeed, string description)
        {
            Directory.CreateDirectory(outDir);
            var hash = Convert.ToHexString(SHA256.HashData(input)).Substring(0, 12).ToLowerInvariant();
            var path = Path.Combine(outDir, $"{kind}-{hash}.c{chunkSeed}.bin");
            File.WriteAllBytes(path, input);
            File.WriteAllText(Path.ChangeExtension(path, ".txt"), description + "\n");
            return path;
        }

        // ------------------------------------------------------------------ seeds

        private static List<byte[]> LoadSeeds(string corpus)
        {
            var seeds = new List<byte[]>();
            var transcripts = Path.Combine(corpus, "imap-transcripts");
            if (Directory.Exists(transcripts))
            {
                foreach (var file in Directory.EnumerateFiles(transcripts, "*.txt", SearchOption.AllDirectories).OrderBy(f => f, StringComparer.Ordinal))
                {
                    var bytes = LfToCrlf(File.ReadAllBytes(file));
                    seeds.Add(Replace(bytes, "A########", "A00000001"));
                }
            }
            var ruby = Path.Combine(corpus, "imap-responses", "ruby-net-imap", "responses.json");
            if (File.Exists(ruby))
            {
                using var document = JsonDocument.Parse(File.ReadAllBytes(ruby));
                foreach (var e in document.RootElement.EnumerateArray())
                    if (e.TryGetProperty("response", out var r) && r.GetString() is string text)
                        seeds.Add(Encoding.UTF8.GetBytes(text));
            }
            return seeds;
        }

        private static byte[] LfToCrlf(byte[] data)
        {
            var output = new List<byte>(data.Length + 64);
            for (int i = 0; i < data.Length; i++)
            {
                if (data[i] == '\n' && (i == 0 || data[i - 1] != '\r')) output.Add((byte)'\r');
                output.Add(data[i]);
            }
            return output.ToArray();
        }

        private static byte[] Replace(byte[] data, string find, string replacement)
            => Encoding.Latin1.GetBytes(Encoding.Latin1.GetString(data).Replace(find, replacement));

        // ------------------------------------------------------------------ mutations

        private static byte[] Mutate(List<byte[]> seeds, Random random)
        {
            var data = new List<byte>(seeds[random.Next(seeds.Count)]);
            int rounds = 1 + random.Next(random.Next(2) == 0 ? 2 : 8);
            for (int r = 0; r < rounds; r++)
            {
                int pos = data.Count == 0 ? 0 : random.Next(data.Count);
                switch (random.Next(11))
                {
                    case 0: // flip a bit
                        if (data.Count > 0) data[pos] ^= (byte)(1 << random.Next(8));
                        break;
                    case 1: // an interesting byte
                        if (data.Count > 0) data[pos] = Interesting[random.Next(Interesting.Length)];
                        break;
                    case 2: // insert an interesting byte
                        data.Insert(pos, Interesting[random.Next(Interesting.Length)]);
                        break;
                    case 3: // delete a range
                        if (data.Count > 0) data.RemoveRange(pos, Math.Min(data.Count - pos, 1 + random.Next(16)));
                        break;
                    case 4: // duplicate a range
                        if (data.Count > 0)
                        {
                            int len = Math.Min(data.Count - pos, 1 + random.Next(64));
                            var copy = data.GetRange(pos, len);
                            data.InsertRange(random.Next(data.Count + 1), copy);
                        }
                        break;
                    case 5: // insert a protocol token
                        data.InsertRange(pos, Encoding.ASCII.GetBytes(Tokens[random.Next(Tokens.Length)]));
                        break;
                    case 6: // splice another seed
                    {
                        var other = seeds[random.Next(seeds.Count)];
                        int from = random.Next(other.Length + 1);
                        int len = Math.Min(other.Length - from, random.Next(256));
                        data.InsertRange(pos, other.Skip(from).Take(len));
                        break;
                    }
                    case 7: // change a literal length (or any number)
                        RewriteNumber(data, random);
                        break;
                    case 8: // truncate
                        if (data.Count > 0) data.RemoveRange(pos, data.Count - pos);
                        break;
                    case 9: // deep nesting
                    {
                        int depth = 1 + random.Next(random.Next(2) == 0 ? 16 : 5000);
                        data.InsertRange(pos, Enumerable.Repeat((byte)(random.Next(2) == 0 ? '(' : ')'), depth));
                        break;
                    }
                    default: // random bytes
                    {
                        var bytes = new byte[1 + random.Next(8)];
                        random.NextBytes(bytes);
                        data.InsertRange(pos, bytes);
                        break;
                    }
                }
            }
            if (data.Count > 256 * 1024) data.RemoveRange(256 * 1024, data.Count - 256 * 1024);
            return data.ToArray();
        }

        private static readonly string[] Numbers = { "0", "1", "2", "-1", "4294967295", "4294967296", "2147483647", "2147483648", "9223372036854775807", "18446744073709551616", "999999999999999999", "1048576", "1048577" };

        private static void RewriteNumber(List<byte> data, Random random)
        {
            if (data.Count == 0) return;
            int start = random.Next(data.Count);
            int digit = -1;
            for (int i = 0; i < data.Count; i++)
            {
                int p = (start + i) % data.Count;
                if (data[p] >= '0' && data[p] <= '9') { digit = p; break; }
            }
            if (digit < 0) return;
            int first = digit, last = digit;
            while (first > 0 && data[first - 1] >= '0' && data[first - 1] <= '9') first--;
            while (last + 1 < data.Count && data[last + 1] >= '0' && data[last + 1] <= '9') last++;
            long old = 0;
            for (int i = first; i <= last && i - first < 18; i++) old = old * 10 + (data[i] - '0');
            string replacement = random.Next(3) switch
            {
                0 => Numbers[random.Next(Numbers.Length)],
                1 => (old + random.Next(-3, 4)).ToString(CultureInfo.InvariantCulture),
                _ => random.Next(0, 100000).ToString(CultureInfo.InvariantCulture),
            };
            data.RemoveRange(first, last - first + 1);
            data.InsertRange(first, Encoding.ASCII.GetBytes(replacement));
        }

        private static string? FindRepositoryRoot(string start)
        {
            for (var dir = new DirectoryInfo(start); dir != null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "ImapPS.sln"))) return dir.FullName;
            return null;
        }
    }
}
