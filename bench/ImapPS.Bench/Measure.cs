using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading.Tasks;

namespace ImapPS.Bench;

/// <summary>One timed run: wall time plus what the workload counted and allocated.</summary>
public sealed record RunSample(double Seconds, long Count, long Bytes, long AllocatedBytes, double FirstItemSeconds = double.NaN);

/// <summary>Timing, statistics and process-memory helpers shared by all workloads.</summary>
public static class Measure
{
    /// <summary>
    /// Runs <paramref name="work"/> <paramref name="runs"/> times after <paramref name="setup"/>
    /// (not timed) each time; only the work is inside the stopwatch. The work returns what it
    /// counted so every run is checked to have done the same job.
    /// </summary>
    public static async Task<List<RunSample>> RunAsync(int runs, Func<Task<RunSample>> work, Func<Task>? setup = null)
    {
        var samples = new List<RunSample>();
        for (int i = 0; i < runs; i++)
        {
            if (setup != null) await setup().ConfigureAwait(false);
            // A full collection between runs, so one run's garbage is not charged to the next.
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
            samples.Add(await work().ConfigureAwait(false));
        }

        return samples;
    }

    /// <summary>Times one piece of work and records the process-wide bytes allocated during it.</summary>
    public static async Task<RunSample> TimeAsync(Func<Task<(long Count, long Bytes)>> work, Func<double>? firstItem = null)
    {
        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var watch = Stopwatch.StartNew();
        var (count, bytes) = await work().ConfigureAwait(false);
        watch.Stop();
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        return new RunSample(watch.Elapsed.TotalSeconds, count, bytes, allocated, firstItem?.Invoke() ?? double.NaN);
    }

    /// <summary>The median (mean of the middle two for an even count).</summary>
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Where(v => !double.IsNaN(v)).OrderBy(v => v).ToArray();
        if (sorted.Length == 0) return double.NaN;
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /// <summary>The nearest-rank percentile (p in 0..100).</summary>
    public static double Percentile(IEnumerable<double> values, double p)
    {
        var sorted = values.Where(v => !double.IsNaN(v)).OrderBy(v => v).ToArray();
        if (sorted.Length == 0) return double.NaN;
        int rank = (int)Math.Ceiling(p / 100.0 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    /// <summary>Current resident set size (VmRSS) in bytes, from /proc/self/status.</summary>
    public static long ResidentBytes() => ReadStatusKb("VmRSS:") * 1024;

    /// <summary>Peak resident set size since start or the last <see cref="ResetPeak"/> (VmHWM), in bytes.</summary>
    public static long PeakResidentBytes() => ReadStatusKb("VmHWM:") * 1024;

    /// <summary>
    /// Resets the kernel's peak-RSS mark to the current RSS (writing 5 to /proc/self/clear_refs,
    /// Linux 4.0+), so a later <see cref="PeakResidentBytes"/> measures only what follows.
    /// </summary>
    public static bool ResetPeak()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Threads of this process as the kernel counts them.</summary>
    public static int ThreadCount() => (int)ReadStatusKb("Threads:");

    private static long ReadStatusKb(string key)
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith(key, StringComparison.Ordinal))
            {
                string[] parts = line.Substring(key.Length).Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return long.Parse(parts[0], CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }
}
