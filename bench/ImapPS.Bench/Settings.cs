using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;

namespace ImapPS.Bench;

/// <summary>Sizes and counts of one benchmark run: BENCHMARKS.md's in full mode, tiny in quick mode.</summary>
public sealed class Settings
{
    public bool Quick { get; set; }
    public int Runs { get; set; } = 3;
    public int MixedCount { get; set; } = 20_000;
    public int SmallCount { get; set; } = 100_000;
    public int LargeBytes { get; set; } = 100 * 1024 * 1024;
    public int W2Count { get; set; } = 2_000;
    public int W3Count { get; set; } = 1_000;
    public int W4Count { get; set; } = 1_000;
    public int W6Reps { get; set; } = 20;
    public int IdleSessions { get; set; } = 200;
    public TimeSpan OneWayDelay { get; set; } = TimeSpan.FromMilliseconds(5);
    public string RepoRoot { get; set; } = "";
    public string Python { get; set; } = "/usr/bin/python3";
    public string? ModulePath { get; set; }
    /// <summary>A second module (e.g. main's build) whose cmdlet and cold rows run beside --module's in the same run, labelled "before".</summary>
    public string? BaselineModulePath { get; set; }
    /// <summary>A copy of pwsh whose PowerShell assemblies carry ReadyToRun code, as release packages do (bench/New-ReadyToRunPwsh.ps1): its pwsh.dll; the cold rows run under it too.</summary>
    public string? ReadyToRunPwsh { get; set; }
    public string? Output { get; set; }
    public string CommandLine { get; set; } = "";
    public HashSet<string> Only { get; } = new(StringComparer.OrdinalIgnoreCase);
    public HashSet<string> Skip { get; } = new(StringComparer.OrdinalIgnoreCase);

    public bool Runs_(string part) => (Only.Count == 0 || Only.Contains(part)) && !Skip.Contains(part);

    public string PythonScript => Path.Combine(RepoRoot, "bench", "python", "imaplib2_bench.py");

    public string CmdletScript => Path.Combine(RepoRoot, "bench", "Measure-Cmdlets.ps1");

    public static Settings Parse(string[] args)
    {
        var s = new Settings { CommandLine = string.Join(" ", args) };
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException(a + " needs a value.");
            switch (a.ToLowerInvariant())
            {
                case "--quick":
                    s.Quick = true;
                    s.Runs = 1;
                    s.MixedCount = 400;
                    s.SmallCount = 2_000;
                    s.LargeBytes = 8 * 1024 * 1024;
                    s.W2Count = 200;
                    s.W3Count = 200;
                    s.W4Count = 100;
                    s.W6Reps = 3;
                    s.IdleSessions = 20;
                    break;
                case "--mixed": s.MixedCount = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--small": s.SmallCount = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--runs": s.Runs = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--repo": s.RepoRoot = Path.GetFullPath(Value()); break;
                case "--python": s.Python = Value(); break;
                case "--module": s.ModulePath = Value(); break;
                case "--baseline-module": s.BaselineModulePath = Value(); break;
                case "--r2r-pwsh": s.ReadyToRunPwsh = Value(); break;
                case "--output": s.Output = Value(); break;
                case "--only": foreach (var p in Value().Split(',', StringSplitOptions.RemoveEmptyEntries)) s.Only.Add(p.Trim()); break;
                case "--skip": foreach (var p in Value().Split(',', StringSplitOptions.RemoveEmptyEntries)) s.Skip.Add(p.Trim()); break;
                default: throw new ArgumentException("Unknown argument " + a);
            }
        }

        if (s.RepoRoot.Length == 0) s.RepoRoot = FindRepoRoot();
        return s;
    }

    private static string FindRepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir != null && !File.Exists(Path.Combine(dir.FullName, "ImapPS.sln"))) dir = dir.Parent;
        return dir?.FullName ?? Directory.GetCurrentDirectory();
    }

    public static readonly string[] Parts = { "W1", "W2", "W3", "W3rtt", "W4", "W5", "W6", "cmdlets", "cold", "archive", "save", "idle", "scale", "python" };
}
