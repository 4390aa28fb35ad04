using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace ImapPS.Bench;

/// <summary>One line of the timing table: a workload variant run by one client.</summary>
public sealed class TimingRow
{
    public required string Group { get; init; }      // e.g. "W1" or "W3 rtt": ratios are taken within a group
    public required string Label { get; init; }      // e.g. "engine, parallel on one session"
    public required string Client { get; init; }     // engine | MailKit | floor | imaplib2 | cmdlets
    public required List<double> Seconds { get; init; }
    public long Count { get; init; }
    public long Bytes { get; init; }
    public double AllocPerItem { get; init; } = double.NaN;
    public double FirstItemSeconds { get; init; } = double.NaN;
    public bool IsMailKitBaseline { get; init; }
    public bool IsFloor { get; init; }
    public string? Note { get; init; }
    public bool Percentiles { get; init; }            // W6: show median and p95 of the samples

    public double Median => Measure.Median(Seconds);
}

/// <summary>A non-timing result (memory, scale): a name, a value and a target verdict.</summary>
public sealed record FactRow(string Name, string Value, string Target, string Verdict);

/// <summary>Collects rows and renders the console table and the Markdown report.</summary>
public sealed class Results
{
    public List<TimingRow> Timings { get; } = new();
    public List<FactRow> Facts { get; } = new();
    public List<string> Notes { get; } = new();

    public void Add(TimingRow row) => Timings.Add(row);

    public static TimingRow Row(string group, string label, string client, IReadOnlyList<RunSample> samples,
        bool mailKitBaseline = false, bool floor = false, string? note = null)
    {
        var medianRun = samples.OrderBy(s => s.Seconds).ElementAt(samples.Count / 2);
        return new TimingRow
        {
            Group = group,
            Label = label,
            Client = client,
            Seconds = samples.Select(s => s.Seconds).ToList(),
            Count = medianRun.Count,
            Bytes = medianRun.Bytes,
            AllocPerItem = medianRun.Count > 0 && medianRun.AllocatedBytes > 0 ? (double)medianRun.AllocatedBytes / medianRun.Count : double.NaN,
            FirstItemSeconds = Measure.Median(samples.Select(s => s.FirstItemSeconds)),
            IsMailKitBaseline = mailKitBaseline,
            IsFloor = floor,
            Note = note,
        };
    }

    public string RenderMarkdown()
    {
        var sb = new StringBuilder();
        sb.AppendLine("| group | client and variant | median | runs | × MailKit | × floor | count | MB | alloc/item | note |");
        sb.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var row in Timings)
        {
            var (mk, fl) = Ratios(row);
            string median = row.Percentiles
                ? $"{Ms(row.Median)} (p95 {Ms(Measure.Percentile(row.Seconds, 95))})"
                : Sec(row.Median);
            string note = row.Note ?? "";
            if (!double.IsNaN(row.FirstItemSeconds)) note = ($"first item {Ms(row.FirstItemSeconds)}; " + note).TrimEnd(' ', ';');
            sb.AppendLine($"| {row.Group} | {row.Label} | {median} | {row.Seconds.Count} | {mk} | {fl} | {Num(row.Count)} | {Mb(row.Bytes)} | {Kb(row.AllocPerItem)} | {note} |");
        }

        if (Facts.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine("| memory and scale | value | target | verdict |");
            sb.AppendLine("|---|---|---|---|");
            foreach (var f in Facts) sb.AppendLine($"| {f.Name} | {f.Value} | {f.Target} | {f.Verdict} |");
        }

        if (Notes.Count > 0)
        {
            sb.AppendLine();
            foreach (var n in Notes) sb.AppendLine("- " + n);
        }

        return sb.ToString();
    }

    public string RenderConsole()
    {
        var sb = new StringBuilder();
        sb.AppendLine($"{"group",-8} {"client and variant",-46} {"median",14} {"xMailKit",9} {"xFloor",8} {"alloc/item",11}");
        foreach (var row in Timings)
        {
            var (mk, fl) = Ratios(row);
            string median = row.Percentiles ? $"{Ms(row.Median)}/p95 {Ms(Measure.Percentile(row.Seconds, 95))}" : Sec(row.Median);
            sb.AppendLine($"{row.Group,-8} {Trim(row.Label, 46),-46} {median,14} {mk,9} {fl,8} {Kb(row.AllocPerItem),11}");
        }

        foreach (var f in Facts) sb.AppendLine($"{f.Name}: {f.Value}  [target {f.Target}: {f.Verdict}]");
        foreach (var n in Notes) sb.AppendLine("note: " + n);
        return sb.ToString();
    }

    private (string MailKit, string Floor) Ratios(TimingRow row)
    {
        var group = Timings.Where(t => t.Group == row.Group).ToList();
        var mk = group.FirstOrDefault(t => t.IsMailKitBaseline);
        var fl = group.FirstOrDefault(t => t.IsFloor);
        string R(TimingRow? baseline) => baseline == null || baseline.Median <= 0 || double.IsNaN(baseline.Median)
            ? "–" : (row.Median / baseline.Median).ToString("0.00", CultureInfo.InvariantCulture);
        return (R(mk), R(fl));
    }

    private static string Trim(string s, int n) => s.Length <= n ? s : s.Substring(0, n - 1) + "…";

    public static string Sec(double s) => double.IsNaN(s) ? "–" : s >= 10 ? s.ToString("0.0", CultureInfo.InvariantCulture) + " s"
        : s >= 0.1 ? s.ToString("0.000", CultureInfo.InvariantCulture) + " s" : (s * 1000).ToString("0.0", CultureInfo.InvariantCulture) + " ms";

    public static string Ms(double s) => double.IsNaN(s) ? "–" : (s * 1000).ToString("0.0", CultureInfo.InvariantCulture) + " ms";

    public static string Mb(double bytes) => bytes <= 0 || double.IsNaN(bytes) ? "" : (bytes / 1048576.0).ToString("0.0", CultureInfo.InvariantCulture);

    public static string Kb(double bytes) => double.IsNaN(bytes) ? "" : (bytes / 1024.0).ToString("0.00", CultureInfo.InvariantCulture) + " KB";

    public static string Num(long n) => n <= 0 ? "" : n.ToString("N0", CultureInfo.InvariantCulture);
}
