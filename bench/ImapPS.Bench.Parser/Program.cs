using System;
using System.Linq;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace ImapPS.Bench.Parser
{
    public static class Program
    {
        /// <summary>
        /// <c>dotnet run -c Release --project bench/ImapPS.Bench.Parser -- [--quick] [BenchmarkDotNet options]</c>.
        /// <c>--quick</c> runs in-process with 1 warm-up and 3 measured iterations (under a minute).
        /// </summary>
        public static int Main(string[] args)
        {
            if (args.Contains("--loop")) return Loop(args);
            bool quick = args.Contains("--quick");
            args = args.Where(a => a != "--quick").ToArray();
            var job = quick
                ? Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithLaunchCount(1).WithWarmupCount(1).WithIterationCount(3).WithInvocationCount(1).WithUnrollFactor(1)
                : Job.Default.WithInvocationCount(1).WithUnrollFactor(1).WithIterationCount(15).WithWarmupCount(3);
            var config = ManualConfig.Create(DefaultConfig.Instance)
                .AddJob(job.WithId(quick ? "Quick" : "Full"))
                .AddColumn(new ThroughputColumn(), new PerMessageColumn(), new PerTokenColumn());
            if (args.Length == 0) args = new[] { "--filter", "*" };
            // The custom columns run in this (host) process; the input is deterministic, so generate it here too.
            ParserBenchmarks.Data = FetchStream.Generate(ParserBenchmarks.Messages);
            ParserBenchmarks.Tokens = FetchStream.CountTokens(ParserBenchmarks.Data);
            var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
            Console.WriteLine($"Input: {ParserBenchmarks.Messages} messages, {ParserBenchmarks.Data.Length / 1e6:F1} MB, {ParserBenchmarks.Tokens} tokens");
            return summaries.Any(s => s.HasCriticalValidationErrors) ? 1 : 0;
        }

        /// <summary>
        /// <c>--loop [n]</c>: a plain loop (best of n runs) for profiling, reporting wall-clock and process
        /// CPU time: on a shared, overloaded machine the CPU time is the steadier measure of the parser.
        /// </summary>
        private static int Loop(string[] args)
        {
            int runs = 20;
            int at = Array.IndexOf(args, "--loop");
            if (at + 1 < args.Length && int.TryParse(args[at + 1], out int r)) runs = r;
            var bench = new ParserBenchmarks();
            bench.Setup();
            var framed = new System.Collections.Generic.List<ImapPS.Client.Protocol.ServerResponse>();
            var reader = new ImapPS.Client.Protocol.ResponseReader();
            reader.Append(ParserBenchmarks.Data, 0, ParserBenchmarks.Data.Length);
            while (reader.TryReadResponse(out var response)) if (response!.Kind == ImapPS.Client.Protocol.ResponseKind.Untagged) framed.Add(response);
            int DecodeOnly()
            {
                foreach (var response in framed) ImapPS.Client.Protocol.FetchData.Parse(response);
                return framed.Count;
            }
            int UidOnly()
            {
                int n = 0;
                foreach (var response in framed) if (ImapPS.Client.Protocol.FetchData.TryGetUid(response, out _)) n++;
                return n;
            }
            foreach (var (name, action) in new (string, Func<int>)[] { ("reader only", bench.ImapPS_Reader), ("reader + FetchData.Parse", bench.ImapPS_Reader_FetchData), ("FetchData.Parse only", DecodeOnly), ("FetchData.TryGetUid only", UidOnly) })
            {
                double best = double.MaxValue, bestCpu = double.MaxValue;
                long allocated = 0;
                var process = System.Diagnostics.Process.GetCurrentProcess();
                for (int i = 0; i < runs; i++)
                {
                    process.Refresh();
                    var cpu0 = process.TotalProcessorTime;
                    long before = GC.GetAllocatedBytesForCurrentThread();
                    var watch = System.Diagnostics.Stopwatch.StartNew();
                    action();
                    best = Math.Min(best, watch.Elapsed.TotalSeconds);
                    allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                    process.Refresh();
                    bestCpu = Math.Min(bestCpu, (process.TotalProcessorTime - cpu0).TotalSeconds);
                }
                double mb = ParserBenchmarks.Data.Length / 1e6;
                Console.WriteLine($"{name,-26} wall {best * 1000,7:F1} ms {mb / best,6:F0} MB/s | cpu {bestCpu * 1000,7:F1} ms {mb / Math.Max(bestCpu, 1e-6),6:F0} MB/s | {allocated / (double)ParserBenchmarks.Messages,6:F0} B/msg {allocated / (double)ParserBenchmarks.Tokens,5:F1} B/token");
            }
            return 0;
        }
    }

    /// <summary>Input megabytes (10^6 bytes) per second.</summary>
    internal sealed class ThroughputColumn : IColumn
    {
        public string Id => "MBps";
        public string ColumnName => "MB/s";
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => 0;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;
        public string Legend => "Input megabytes parsed per second";
        public bool IsDefault(Summary summary, BenchmarkDotNet.Running.BenchmarkCase benchmarkCase) => false;
        public bool IsAvailable(Summary summary) => true;
        public string GetValue(Summary summary, BenchmarkDotNet.Running.BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);
        public string GetValue(Summary summary, BenchmarkDotNet.Running.BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            var stats = summary[benchmarkCase]?.ResultStatistics;
            if (stats == null || ParserBenchmarks.Data.Length == 0) return "?";
            return (ParserBenchmarks.Data.Length / 1e6 / (stats.Mean / 1e9)).ToString("F0");
        }
    }

    /// <summary>Allocated bytes per message.</summary>
    internal sealed class PerMessageColumn : IColumn
    {
        public string Id => "BytesPerMsg";
        public string ColumnName => "Alloc/msg";
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => 1;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;
        public string Legend => "Bytes allocated per FETCH message";
        public bool IsDefault(Summary summary, BenchmarkDotNet.Running.BenchmarkCase benchmarkCase) => false;
        public bool IsAvailable(Summary summary) => true;
        public string GetValue(Summary summary, BenchmarkDotNet.Running.BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);
        public string GetValue(Summary summary, BenchmarkDotNet.Running.BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            var report = summary[benchmarkCase];
            if (report == null) return "?";
            long? bytes = report.GcStats.GetBytesAllocatedPerOperation(benchmarkCase);
            return bytes.HasValue ? (bytes.Value / (double)ParserBenchmarks.Messages).ToString("F0") + " B" : "?";
        }
    }

    /// <summary>Allocated bytes per protocol token.</summary>
    internal sealed class PerTokenColumn : IColumn
    {
        public string Id => "BytesPerToken";
        public string ColumnName => "Alloc/token";
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => 2;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;
        public string Legend => "Bytes allocated per protocol token (atom, number, string, NIL, list)";
        public bool IsDefault(Summary summary, BenchmarkDotNet.Running.BenchmarkCase benchmarkCase) => false;
        public bool IsAvailable(Summary summary) => true;
        public string GetValue(Summary summary, BenchmarkDotNet.Running.BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);
        public string GetValue(Summary summary, BenchmarkDotNet.Running.BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            var report = summary[benchmarkCase];
            if (report == null || ParserBenchmarks.Tokens == 0) return "?";
            long? bytes = report.GcStats.GetBytesAllocatedPerOperation(benchmarkCase);
            return bytes.HasValue ? (bytes.Value / (double)ParserBenchmarks.Tokens).ToString("F1") + " B" : "?";
        }
    }
}
