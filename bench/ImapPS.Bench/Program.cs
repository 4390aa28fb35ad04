using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading.Tasks;

namespace ImapPS.Bench;

public static class Program
{
    private const string Begin = "<!-- results:begin (written by bench/ImapPS.Bench; do not edit by hand) -->";
    private const string End = "<!-- results:end -->";

    public static async Task<int> Main(string[] args)
    {
        CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        if (args.Length > 0 && args[0] == "child") return await ChildModes.RunAsync(args);
        if (args.Length > 0 && (args[0] == "--help" || args[0] == "-h"))
        {
            Console.WriteLine("ImapPS.Bench [--quick] [--runs N] [--mixed N] [--small N] [--only W1,W2,…] [--skip …] [--module PATH.psd1] [--baseline-module PATH.psd1] [--output FILE] [--repo DIR] [--python PATH]");
            Console.WriteLine("parts: " + string.Join(", ", Settings.Parts));
            return 0;
        }

        Settings settings = Settings.Parse(args);
        string loadBefore = LoadAverage();
        var results = new Results();
        var watch = Stopwatch.StartNew();
        void Log(string line) => Console.WriteLine($"[{watch.Elapsed:mm\\:ss}] {line}");
        await new Suite(settings, results, Log).RunAsync();

        string table = results.RenderConsole();
        Console.WriteLine();
        Console.WriteLine(table);
        string output = settings.Output ?? (settings.Quick
            ? Path.Combine(settings.RepoRoot, "bench", "out", "results-quick.md")
            : Path.Combine(settings.RepoRoot, "docs", "performance.md"));
        results.Notes.Add($"Load average (1/5/15 min) at start {loadBefore}, at end {LoadAverage()}: the machine is shared, so absolute times vary between runs; ratios within one run are what compare.");
        WriteReport(output, settings, results, watch.Elapsed);
        Console.WriteLine($"Results written to {output} ({watch.Elapsed.TotalSeconds:F0} s in all).");
        return 0;
    }

    private static void WriteReport(string path, Settings settings, Results results, TimeSpan elapsed)
    {
        var block = new StringBuilder();
        block.AppendLine(Begin);
        block.AppendLine();
        block.AppendLine($"Run {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC with `{CommandFor(settings)}` in {elapsed.TotalMinutes:F1} minutes.");
        block.AppendLine($"Machine: {Environment.ProcessorCount} cores, {MemoryGb():F0} GB RAM, {RuntimeInformation.OSDescription}, " +
                         $".NET {Environment.Version}, {DovecotVersion()}, MailKit 4.18.2. Medians of {settings.Runs} run(s); ratios are to the MailKit and floor rows of the same group in this run.");
        block.AppendLine();
        block.Append(results.RenderMarkdown());
        block.AppendLine();
        block.AppendLine(End);

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        string text = File.Exists(path) ? File.ReadAllText(path) : "# Performance\n\n" + Begin + "\n" + End + "\n";
        int b = text.IndexOf(Begin, StringComparison.Ordinal);
        int e = text.IndexOf(End, StringComparison.Ordinal);
        text = b >= 0 && e > b
            ? text.Substring(0, b) + block.ToString().TrimEnd('\n', '\r') + text.Substring(e + End.Length)
            : text.TrimEnd() + "\n\n" + block;
        File.WriteAllText(path, text);
    }

    private static string CommandFor(Settings settings)
        => settings.Quick ? "./bench/Run-Benchmarks.ps1 -Quick" : "./build.ps1 -Task Bench (bench/Run-Benchmarks.ps1)" + (settings.CommandLine.Length > 0 ? $"; harness arguments: {settings.CommandLine}" : "");

    private static string LoadAverage()
    {
        try
        {
            return string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ')[..3]);
        }
        catch (IOException)
        {
            return "?";
        }
    }

    private static double MemoryGb()
    {
        foreach (string line in File.ReadLines("/proc/meminfo"))
        {
            if (line.StartsWith("MemTotal:", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1048576.0;
        }

        return 0;
    }

    private static string DovecotVersion()
    {
        try
        {
            var info = new ProcessStartInfo("dovecot", "--version") { RedirectStandardOutput = true, UseShellExecute = false };
            using var p = Process.Start(info)!;
            string v = p.StandardOutput.ReadToEnd().Trim();
            p.WaitForExit(5000);
            return "Dovecot " + v.Split(' ')[0];
        }
        catch (Exception)
        {
            return "Dovecot";
        }
    }
}
