using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Text;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using ImapPS.Client;
using ImapPS.Client.Protocol;
using ImapPS.Testing;
using MailKit;
using MailKit.Net.Imap;
using MimeKit;

namespace ImapPS.Bench;

/// <summary>BENCHMARKS.md's workloads, each for the engine, MailKit, the raw floor and imaplib2.</summary>
public sealed class Suite
{
    private const string W1Items = "(UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE)";
    private readonly Settings settings;
    private readonly Results results;
    private readonly Action<string> log;
    private string host = "";
    private int port;

    public Suite(Settings settings, Results results, Action<string> log)
    {
        this.settings = settings;
        this.results = results;
        this.log = log;
    }

    public async Task RunAsync()
    {
        int runs = settings.Runs;
        var total = Stopwatch.StartNew();
        log($"Starting Dovecot (quota off, mail_fsync=never) and seeding; runs per workload: {runs}");
        using var server = BenchServer.Start(maxProcesses: Math.Max(512, settings.IdleSessions * 2 + 64));
        host = server.Host;
        port = server.Port;
        MailboxInfo mixed = server.Seed("bench", MessageProfile.Mixed, settings.MixedCount, log);
        results.Notes.Add(string.Format(CultureInfo.InvariantCulture,
            "Mailbox `mixed`: {0:N0} messages, {1:N0} MB, largest {2:N0} KB, {3:N1} % with \"invoice\" in the subject, {4:N1} % \\Seen.",
            mixed.Count, mixed.TotalBytes / 1048576.0, mixed.MaxBytes / 1024.0, 100.0 * mixed.InvoiceCount / mixed.Count, 100.0 * mixed.SeenCount / mixed.Count));

        if (settings.Runs_("W1")) await W1Async(mixed, "W1", runs).ConfigureAwait(false);
        if (settings.Runs_("cmdlets")) await CmdletsAsync(mixed, "W1 cmdlets").ConfigureAwait(false);
        if (settings.Runs_("cold")) await ColdStartAsync(mixed, runs).ConfigureAwait(false);
        if (settings.Runs_("archive")) await ArchiveAsync(mixed, server.AddEmptyUser("archivedst")).ConfigureAwait(false);
        if (settings.Runs_("W2")) await W2Async(mixed, runs).ConfigureAwait(false);
        if (settings.Runs_("W3")) await W3Async(mixed, runs, null).ConfigureAwait(false);
        if (settings.Runs_("W3rtt"))
        {
            using var proxy = new DelayProxy(new IPEndPoint(IPAddress.Loopback, port), settings.OneWayDelay);
            await W3Async(mixed, runs, proxy).ConfigureAwait(false);
        }

        if (settings.Only.Contains("probe")) await ProbeAsync(mixed).ConfigureAwait(false);
        if (settings.Runs_("W5")) await W5Async(mixed, runs).ConfigureAwait(false);
        if (settings.Runs_("W4"))
        {
            MailboxInfo appendUser = server.AddEmptyUser("appender");
            await W4Async(appendUser, runs).ConfigureAwait(false);
        }

        if (settings.Runs_("W6"))
        {
            MailboxInfo idler = server.AddEmptyUser("idler");
            await W6Async(idler).ConfigureAwait(false);
        }

        if (settings.Runs_("save"))
        {
            MailboxInfo large = server.SeedLarge("large", settings.LargeBytes);
            await SaveLargeAsync(large).ConfigureAwait(false);
        }

        if (settings.Runs_("idle"))
        {
            MailboxInfo sessions = server.AddEmptyUser("sessions");
            await IdleSessionsAsync(sessions).ConfigureAwait(false);
        }

        if (settings.Runs_("scale"))
        {
            // The mixed mailbox is done with; free its disk before writing the 100k one.
            MailboxInfo small = server.Seed("scale", MessageProfile.Small, settings.SmallCount, log);
            await W1Async(small, "W1 100k", runs).ConfigureAwait(false);
            await ScalePeakAsync(small).ConfigureAwait(false);
            if (settings.Runs_("cmdlets")) await CmdletsAsync(small, "W1 100k cmdlets").ConfigureAwait(false);
        }

        log($"Suite finished in {total.Elapsed.TotalSeconds:F0} s");
    }

    // ------------------------------------------------------------------ W1

    private async Task W1Async(MailboxInfo box, string group, int runs)
    {
        log($"{group}: envelope scan of {box.Count:N0} messages");
        {
            var raw = await Clients.RawAsync(host, port, box).ConfigureAwait(false);
            var samples = await Measure.RunAsync(runs, () => Measure.TimeAsync(async () =>
            {
                long before = raw.BytesRead;
                string status = await raw.CommandAsync("UID FETCH 1:* " + W1Items).ConfigureAwait(false);
                Check(status);
                return (box.Count, raw.BytesRead - before);
            })).ConfigureAwait(false);
            raw.Dispose();
            results.Add(Results.Row(group, "floor: raw socket, bytes to tagged OK", "floor", samples, floor: true));
        }

        {
            var client = await Clients.EngineAsync(host, port, box).ConfigureAwait(false);
            var samples = await Measure.RunAsync(runs, () => EngineW1Async(client)).ConfigureAwait(false);
            Expect(samples, box.Count, group + " engine");
            await Clients.CloseAsync(client).ConfigureAwait(false);
            results.Add(Results.Row(group, "engine: FetchEachAsync → FetchData.Parse", "engine", samples));
        }

        {
            // The same with the engine's debug ring off, to show what per-response logging costs.
            var options = new ImapClientOptions { DebugBufferLevel = 0 };
            var client = await Clients.EngineAsync(host, port, box, options: options).ConfigureAwait(false);
            var samples = await Measure.RunAsync(runs, () => EngineW1Async(client)).ConfigureAwait(false);
            await Clients.CloseAsync(client).ConfigureAwait(false);
            results.Add(Results.Row(group, "engine, DebugBufferLevel=0", "engine", samples));

            // Framing and dispatch alone: what the engine costs before any decoding.
            client = await Clients.EngineAsync(host, port, box, options: options).ConfigureAwait(false);
            samples = await Measure.RunAsync(runs, () => EngineW1Async(client, decode: false)).ConfigureAwait(false);
            await Clients.CloseAsync(client).ConfigureAwait(false);
            results.Add(Results.Row(group, "engine, DebugBufferLevel=0, no decoding", "engine", samples));
        }

        {
            // imaplib2's surface: one blocking-style UID FETCH returning (type, data), every item's
            // text read (and each literal's bytes counted) the way a ported imaplib2 script walks it.
            var client = await Clients.EngineAsync(host, port, box).ConfigureAwait(false);
            var samples = await Measure.RunAsync(runs, () => EngineW1TypeDataAsync(client)).ConfigureAwait(false);
            await Clients.CloseAsync(client).ConfigureAwait(false);
            results.Add(Results.Row(group, "engine: UidAsync(\"FETCH\", \"1:*\", …) → (type, data)", "engine", samples));
        }

        {
            var client = Clients.MailKit(host, port, box, FolderAccess.ReadOnly);
            var samples = await Measure.RunAsync(runs, () => Measure.TimeAsync(() =>
            {
                var items = MessageSummaryItems.UniqueId | MessageSummaryItems.Flags | MessageSummaryItems.InternalDate
                            | MessageSummaryItems.Size | MessageSummaryItems.Envelope;
                IList<IMessageSummary> summaries = client.Inbox.Fetch(UniqueIdRange.All, items);
                return Task.FromResult(((long)summaries.Count, 0L));
            })).ConfigureAwait(false);
            Expect(samples, box.Count, group + " MailKit");
            Clients.Close(client);
            results.Add(Results.Row(group, "MailKit 4.18.2: Fetch(All, Envelope…)", "MailKit", samples, mailKitBaseline: true));
        }

        if (settings.Runs_("python") && group == "W1")
        {
            var py = Python("w1", box, runs);
            if (py != null) results.Add(Results.Row(group, "imaplib2 3.05: uid FETCH + tokenise envelopes", "imaplib2", py));
        }
    }

    private static async Task<RunSample> EngineW1Async(Imap4Client client, bool decode = true)
    {
        long count = 0;
        long firstTicks = 0;
        long start = Stopwatch.GetTimestamp();
        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var response = await client.FetchEachAsync("1:*", W1Items, uid: true, r =>
        {
            if (decode)
            {
                FetchData summary = FetchData.Parse(r);
                if (summary.Uid == null || summary.Envelope == null) throw new InvalidOperationException("A FETCH response without UID or ENVELOPE.");
            }

            if (count++ == 0) firstTicks = Stopwatch.GetTimestamp();
        }).ConfigureAwait(false);
        long end = Stopwatch.GetTimestamp();
        Check(response);
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        return new RunSample(Seconds(start, end), count, 0, allocated, Seconds(start, firstTicks));
    }

    private static async Task<RunSample> EngineW1TypeDataAsync(Imap4Client client)
    {
        long start = Stopwatch.GetTimestamp();
        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        int g0 = GC.CollectionCount(0), g1 = GC.CollectionCount(1), g2 = GC.CollectionCount(2);
        var response = await client.UidAsync("FETCH", "1:*", W1Items).ConfigureAwait(false);
        long mid = Stopwatch.GetTimestamp();
        var (type, data) = response;
        long mid2 = Stopwatch.GetTimestamp();
        if (Environment.GetEnvironmentVariable("IMAPPS_BENCH_SPLIT") == "1")
            Console.Error.WriteLine($"typedata: command {Seconds(start, mid):F3} s, data {Seconds(mid, mid2):F3} s, gc {GC.CollectionCount(0) - g0}/{GC.CollectionCount(1) - g1}/{GC.CollectionCount(2) - g2}");
        if (type != "OK") throw new InvalidOperationException("UID FETCH answered " + type);
        long count = 0, chars = 0;
        foreach (var item in data)
        {
            if (item == null) continue; // imaplib2's None: not expected from a FETCH, but the type allows it
            chars += item.Text.Length + (item.Literal?.Length ?? 0);
            if (!item.Text.EndsWith("}", StringComparison.Ordinal)) count++; // a pair's header continues in the next item
        }
        long end = Stopwatch.GetTimestamp();
        if (chars == 0) throw new InvalidOperationException("UID FETCH returned no data.");
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        return new RunSample(Seconds(start, end), count, 0, allocated);
    }

    // ------------------------------------------------------------------ W1 through the cmdlets

    private async Task CmdletsAsync(MailboxInfo box, string group)
    {
        if (settings.BaselineModulePath != null) await CmdletsAsync(box, group, settings.BaselineModulePath, "before: ").ConfigureAwait(false);
        await CmdletsAsync(box, group, settings.ModulePath, "").ConfigureAwait(false);
    }

    private async Task CmdletsAsync(MailboxInfo box, string group, string? module, string prefix)
    {
        log($"{group}: W1 through the cmdlets {prefix}");
        if (module == null || !File.Exists(module))
        {
            results.Notes.Add($"{group}: PENDING MODULE — the cmdlet workloads (bench/Measure-Cmdlets.ps1) need the built ImapPS module " +
                              $"({(module == null ? "no --module given" : module + " not found")}).");
            return;
        }

        string json = await RunProcessAsync("dotnet", new[]
        {
            "pwsh", "-NoProfile", "-NonInteractive", "-File", settings.CmdletScript,
            "-ModulePath", module, "-Server", host, "-Port", port.ToString(CultureInfo.InvariantCulture),
            "-User", box.User, "-Password", box.Password, "-Runs", settings.Runs.ToString(CultureInfo.InvariantCulture),
            "-ExpectedCount", box.Count.ToString(CultureInfo.InvariantCulture),
        }, TimeSpan.FromMinutes(10), settings.RepoRoot).ConfigureAwait(false);
        var doc = System.Text.Json.JsonDocument.Parse(LastJsonLine(json)).RootElement;
        if (doc.TryGetProperty("pending", out var pending))
        {
            results.Notes.Add($"{group}: PENDING MODULE — {pending.GetString()}");
            return;
        }

        var seconds = doc.GetProperty("seconds").EnumerateArray().Select(e => e.GetDouble()).ToList();
        long count = doc.GetProperty("count").GetInt64();
        double first = doc.GetProperty("firstObjectSeconds").GetDouble();
        double peak = doc.GetProperty("peakWorkingSetBytes").GetDouble();
        results.Add(new TimingRow
        {
            Group = group.Replace(" cmdlets", ""),
            Label = prefix + "cmdlets: Get-ImapMessage -All | Measure-Object",
            Client = "cmdlets",
            Seconds = seconds,
            Count = count,
            FirstItemSeconds = first,
            Note = $"pwsh peak working set {peak / 1048576.0:F0} MB",
        });
        if (doc.TryGetProperty("searchSeconds", out var search))
        {
            results.Add(new TimingRow
            {
                Group = group.Replace(" cmdlets", ""),
                Label = prefix + "cmdlets: Search-ImapMessage | Measure-Object",
                Client = "cmdlets",
                Seconds = search.EnumerateArray().Select(e => e.GetDouble()).ToList(),
                Count = count,
            });
        }
    }

    // ------------------------------------------------------------------ cold starts (issue 18)

    /// <summary>
    /// Fresh pwsh processes (bench/Measure-ColdStart.ps1), one per sample: the one-shot script's
    /// Import-Module + Connect-Imap + first Get-ImapMessage -Uid, and a scheduled job's first
    /// Search-ImapMessage | Measure-Object against the same pipeline warm in that process.
    /// </summary>
    private async Task ColdStartAsync(MailboxInfo box, int runs)
    {
        if (settings.BaselineModulePath != null) await ColdStartAsync(box, runs, settings.BaselineModulePath, "before: ").ConfigureAwait(false);
        // The module warms the engine up at import on another thread; IMAPPS_WARMUP=0 shows what that saves.
        await ColdStartAsync(box, runs, settings.ModulePath, "warm-up off: ", WarmUpOff).ConfigureAwait(false);
        await ColdStartAsync(box, runs, settings.ModulePath, "").ConfigureAwait(false);
        // The dotnet tool's PowerShell assemblies are IL only; release packages carry ReadyToRun code.
        if (settings.ReadyToRunPwsh != null)
        {
            if (File.Exists(settings.ReadyToRunPwsh))
                await ColdStartAsync(box, runs, settings.ModulePath, "PowerShell with ReadyToRun code (as released): ", pwsh: settings.ReadyToRunPwsh).ConfigureAwait(false);
            else
                results.Notes.Add("cold: no ReadyToRun pwsh at " + settings.ReadyToRunPwsh + " (bench/New-ReadyToRunPwsh.ps1 makes one).");
        }
    }

    private static readonly IReadOnlyDictionary<string, string> WarmUpOff = new Dictionary<string, string> { ["IMAPPS_WARMUP"] = "0" };

    private async Task ColdStartAsync(MailboxInfo box, int runs, string? module, string prefix, IReadOnlyDictionary<string, string>? environment = null, string pwsh = "pwsh")
    {
        log($"cold: {runs} fresh pwsh processes per mode {prefix}");
        if (module == null || !File.Exists(module))
        {
            results.Notes.Add("cold: PENDING MODULE — bench/Measure-ColdStart.ps1 needs the built ImapPS module (--module).");
            return;
        }

        string script = Path.Combine(settings.RepoRoot, "bench", "Measure-ColdStart.ps1");
        async Task<System.Text.Json.JsonElement> Child(string mode)
        {
            string json = await RunProcessAsync("dotnet", new[]
            {
                pwsh, "-NoProfile", "-NonInteractive", "-File", script, "-Mode", mode,
                "-ModulePath", module, "-Server", host, "-Port", port.ToString(CultureInfo.InvariantCulture),
                "-User", box.User, "-Password", box.Password, "-Uid", (box.Count / 2).ToString(CultureInfo.InvariantCulture),
            }, TimeSpan.FromMinutes(5), settings.RepoRoot, environment).ConfigureAwait(false);
            return System.Text.Json.JsonDocument.Parse(LastJsonLine(json)).RootElement.Clone();
        }

        var import = new List<double>();
        var connect = new List<double>();
        var first = new List<double>();
        var total = new List<double>();
        var jitted = new List<double>();
        for (int i = 0; i < runs; i++)
        {
            var doc = await Child("OneShot").ConfigureAwait(false);
            double a = doc.GetProperty("import").GetDouble(), b = doc.GetProperty("connect").GetDouble(), c = doc.GetProperty("first").GetDouble();
            import.Add(a);
            connect.Add(b);
            first.Add(c);
            total.Add(a + b + c);
            // Methods the JIT compiled for Connect-Imap and the first Get-ImapMessage: what ReadyToRun saves, whatever the load.
            if (doc.TryGetProperty("jitConnect", out var jc) && doc.TryGetProperty("jitFirst", out var jf)) jitted.Add(jc.GetDouble() + jf.GetDouble());
        }

        string Ms(double s) => (s * 1000).ToString("F0", CultureInfo.InvariantCulture) + " ms";
        results.Facts.Add(new FactRow(prefix + "cold one-shot: Import-Module + Connect-Imap + first Get-ImapMessage -Uid (fresh pwsh, medians)",
            $"{Ms(Measure.Median(total))} = {Ms(Measure.Median(import))} + {Ms(Measure.Median(connect))} + {Ms(Measure.Median(first))}"
                + (jitted.Count > 0 ? $"; {Measure.Median(jitted):F0} methods JIT-compiled after import" : ""),
            "≤ 200 ms together", Measure.Median(total) <= 0.2 ? "met" : "missed"));

        var cold = new List<double>();
        var warm = new List<double>();
        var jobImport = new List<double>();
        for (int i = 0; i < runs; i++)
        {
            var doc = await Child("Job").ConfigureAwait(false);
            long count = doc.GetProperty("count").GetInt64();
            if (count != box.Count) throw new InvalidOperationException($"cold: Search-ImapMessage counted {count}, expected {box.Count}.");
            cold.Add(doc.GetProperty("cold").GetDouble());
            warm.Add(Measure.Median(doc.GetProperty("warm").EnumerateArray().Select(e => e.GetDouble())));
            jobImport.Add(doc.GetProperty("import").GetDouble());
        }

        double ratio = Measure.Median(cold) / Measure.Median(warm);
        results.Facts.Add(new FactRow(prefix + $"scheduled job: first Search-ImapMessage -Mailbox INBOX | Measure-Object after Import-Module ({box.Count:N0} messages, fresh pwsh, medians)",
            $"{Measure.Median(cold):F2} s cold, {Measure.Median(warm):F2} s warm in the same process ({ratio:F2} ×); Import-Module {Ms(Measure.Median(jobImport))}",
            "≤ 1.2 × warm", ratio <= 1.2 ? "met" : "missed"));
    }

    // ------------------------------------------------------------------ backup and migration (issue 17)

    /// <summary>
    /// bench/Measure-Archive.ps1 in its own pwsh process on the mixed mailbox: Export-ImapMailbox to a
    /// Maildir (full, then no-op), mbsync's pull of the same mailbox (full, no-op, full without fsync),
    /// Sync-ImapMailbox to an empty account (full, no-op). One run each: a full run writes the mailbox
    /// several times over, and the ratios that count are within this one run.
    /// </summary>
    private async Task ArchiveAsync(MailboxInfo box, MailboxInfo target)
    {
        const string group = "archive";
        log($"{group}: Export-ImapMailbox, mbsync and Sync-ImapMailbox on {box.Count:N0} messages");
        string? module = settings.ModulePath;
        if (module == null || !File.Exists(module))
        {
            results.Notes.Add($"{group}: PENDING MODULE — bench/Measure-Archive.ps1 needs the built ImapPS module (--module).");
            return;
        }

        string json = await RunProcessAsync("dotnet", new[]
        {
            "pwsh", "-NoProfile", "-NonInteractive", "-File", Path.Combine(settings.RepoRoot, "bench", "Measure-Archive.ps1"),
            "-ModulePath", module, "-Server", host, "-Port", port.ToString(CultureInfo.InvariantCulture),
            "-User", box.User, "-Password", box.Password, "-TargetUser", target.User, "-TargetPassword", target.Password,
        }, TimeSpan.FromMinutes(60), settings.RepoRoot).ConfigureAwait(false);
        var doc = System.Text.Json.JsonDocument.Parse(LastJsonLine(json)).RootElement;
        long count = doc.GetProperty("messages").GetInt64();
        long bytes = doc.GetProperty("bytes").GetInt64();
        if (count != box.Count) throw new InvalidOperationException($"{group}: the mailbox held {count} messages, expected {box.Count}.");
        double Get(string name) => doc.TryGetProperty(name, out var v) && v.ValueKind == System.Text.Json.JsonValueKind.Number ? v.GetDouble() : double.NaN;
        void Row(string label, string client, string seconds, long n, long b, string? note = null)
        {
            double value = Get(seconds);
            if (double.IsNaN(value)) return;
            results.Add(new TimingRow { Group = group, Label = label, Client = client, Seconds = new List<double> { value }, Count = n, Bytes = b, Note = note });
        }

        string Cpu(string name) => double.IsNaN(Get(name)) ? "" : $"CPU {Get(name):F1} s; ";
        Row("cmdlets: Save-ImapMessage of every UID (baseline)", "cmdlets", "saveSeconds", count, bytes, $"{Cpu("saveCpu")}peak RSS {Get("savePeakMB"):F0} MB");
        Row("cmdlets: Export-ImapMailbox to a Maildir, full", "cmdlets", "exportSeconds", count, bytes, $"{Cpu("exportCpu")}peak RSS {Get("exportPeakMB"):F0} MB");
        Row("cmdlets: Export-ImapMailbox, no-op re-run", "cmdlets", "noopExportSeconds", 0, 0, doc.GetProperty("noopMethod").GetString());
        Row("cmdlets: Export-ImapMailbox, full, over COMPRESS=DEFLATE (as mbsync)", "cmdlets", "deflateExportSeconds", count, bytes, Cpu("deflateExportCpu").TrimEnd(' ', ';'));
        Row("mbsync: pull into a Maildir, full (FSync yes, its default)", "mbsync", "mbsyncSeconds", count, bytes, $"{Cpu("mbsyncCpu")}peak RSS {Get("mbsyncPeakMB"):F0} MB");
        Row("mbsync: pull into a Maildir, full (FSync no, as the export)", "mbsync", "mbsyncNoFsyncSeconds", count, bytes, Cpu("mbsyncNoFsyncCpu").TrimEnd(' ', ';'));
        Row("mbsync: no-op re-run", "mbsync", "noopMbsyncSeconds", 0, 0);
        Row("cmdlets: Sync-ImapMailbox to a second account, full", "cmdlets", "syncSeconds", count, bytes, $"{Cpu("syncCpu")}peak RSS {Get("syncPeakMB"):F0} MB");
        Row("cmdlets: Sync-ImapMailbox, no-op re-run", "cmdlets", "noopSyncSeconds", 0, 0);

        string Verdict(bool met) => met ? "met" : "missed";
        double export = Get("exportSeconds"), noop = Get("noopExportSeconds"), sync = Get("syncSeconds");
        double pull = Get("mbsyncSeconds"), pullNoFsync = Get("mbsyncNoFsyncSeconds"), noopPull = Get("noopMbsyncSeconds"), deflate = Get("deflateExportSeconds");
        if (double.IsNaN(pull))
        {
            results.Notes.Add($"{group}: mbsync rows missing — {(doc.TryGetProperty("mbsyncMissing", out var why) ? why.GetString() : "no mbsync result")}.");
        }
        else
        {
            results.Facts.Add(new FactRow("archive: full Export-ImapMailbox vs mbsync's full pull (its defaults: fsync, COMPRESS)",
                $"{export:F2} s vs {pull:F2} s ({export / pull:F2} ×); CPU {Get("exportCpu"):F1} s vs {Get("mbsyncCpu"):F1} s", "≤ 1 ×", Verdict(export <= pull)));
            results.Facts.Add(new FactRow("archive: like for like — Export over COMPRESS=DEFLATE vs mbsync with FSync no",
                $"{deflate:F2} s vs {pullNoFsync:F2} s ({deflate / pullNoFsync:F2} ×); CPU {Get("deflateExportCpu"):F1} s vs {Get("mbsyncNoFsyncCpu"):F1} s", "≤ 1 ×", Verdict(deflate <= pullNoFsync)));
            results.Facts.Add(new FactRow("archive: no-op Export-ImapMailbox vs mbsync's no-op",
                $"{noop * 1000:F0} ms vs {noopPull * 1000:F0} ms", "≤ 1 ×", Verdict(noop <= noopPull)));
        }

        results.Facts.Add(new FactRow("archive: full Sync-ImapMailbox vs full export", $"{sync:F2} s vs {export:F2} s ({sync / export:F2} ×)", "≤ 1.5 ×", Verdict(sync <= 1.5 * export)));
        double peak = Math.Max(Get("exportPeakMB"), Get("syncPeakMB"));
        results.Facts.Add(new FactRow("archive: peak RSS of the pwsh process during Export / Sync",
            $"{Get("exportPeakMB"):F0} MB / {Get("syncPeakMB"):F0} MB for {bytes / 1048576.0:F0} MB of mail; mbsync {Get("mbsyncPeakMB"):F0} MB",
            "≤ 512 MB whatever the mailbox's size", Verdict(peak <= 512)));
        results.Notes.Add($"archive: load average at the end of bench/Measure-Archive.ps1 {doc.GetProperty("loadAverage").GetString()}; one run of each step.");
    }

    // ------------------------------------------------------------------ W2

    private async Task W2Async(MailboxInfo box, int runs)
    {
        int n = Math.Min(settings.W2Count, box.Count);
        string set = "1:" + n.ToString(CultureInfo.InvariantCulture);
        log($"W2: BODY.PEEK[] of {n:N0} messages, parsed with MimeKit");
        {
            var raw = await Clients.RawAsync(host, port, box).ConfigureAwait(false);
            var samples = await Measure.RunAsync(runs, () => Measure.TimeAsync(async () =>
            {
                long before = raw.BytesRead;
                Check(await raw.CommandAsync($"UID FETCH {set} (BODY.PEEK[])").ConfigureAwait(false));
                return (n, raw.BytesRead - before);
            })).ConfigureAwait(false);
            raw.Dispose();
            results.Add(Results.Row("W2", "floor: raw socket, bytes to tagged OK", "floor", samples, floor: true));
        }

        {
            var client = await Clients.EngineAsync(host, port, box).ConfigureAwait(false);
            var samples = await Measure.RunAsync(runs, () => Measure.TimeAsync(async () =>
            {
                long count = 0, bytes = 0;
                Check(await client.FetchEachAsync(set, "(BODY.PEEK[])", uid: true, r =>
                {
                    var body = FetchData.Parse(r).FindSection("")!.Value.RawSegment;
                    using var stream = new MemoryStream(body.Array!, body.Offset, body.Count, writable: false);
                    MimeMessage.Load(stream);
                    bytes += body.Count;
                    count++;
                }).ConfigureAwait(false));
                return (count, bytes);
            })).ConfigureAwait(false);
            Expect(samples, n, "W2 engine");
            results.Add(Results.Row("W2", "engine: parse on the reader (inline)", "engine", samples));

            // Parsing on a second thread while the reader keeps reading: what a consumer of
            // FetchEachAsync (e.g. Get-ImapMessage -Full) can do on a multi-core machine.
            samples = await Measure.RunAsync(runs, () => Measure.TimeAsync(async () =>
            {
                var channel = Channel.CreateUnbounded<ServerResponse>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
                long count = 0, bytes = 0;
                var consumer = Task.Run(async () =>
                {
                    await foreach (var r in channel.Reader.ReadAllAsync().ConfigureAwait(false))
                    {
                        var body = FetchData.Parse(r).FindSection("")!.Value.RawSegment;
                        using var stream = new MemoryStream(body.Array!, body.Offset, body.Count, writable: false);
                        MimeMessage.Load(stream);
                        bytes += body.Count;
                        count++;
                    }
                });
                var fetch = await client.FetchEachAsync(set, "(BODY.PEEK[])", uid: true, r => channel.Writer.TryWrite(r)).ConfigureAwait(false);
                channel.Writer.Complete();
                await consumer.ConfigureAwait(false);
                Check(fetch);
                return (count, bytes);
            })).ConfigureAwait(false);
            Expect(samples, n, "W2 engine pipelined");
            await Clients.CloseAsync(client).ConfigureAwait(false);
            results.Add(Results.Row("W2", "engine: parse on a second thread (channel)", "engine", samples));
        }

        {
            var client = Clients.MailKit(host, port, box, FolderAccess.ReadOnly);
            var uids = Enumerable.Range(1, n).Select(i => new UniqueId((uint)i)).ToList();
            var folder = (ImapFolder)client.Inbox;
            var samples = await Measure.RunAsync(runs, () => Measure.TimeAsync(() =>
            {
                long count = 0, bytes = 0;
                folder.GetStreams(uids, (f, index, uid, stream) =>
                {
                    bytes += stream.Length;
                    MimeMessage.Load(stream);
                    count++;
                });
                return Task.FromResult((count, bytes));
            })).ConfigureAwait(false);
            Expect(samples, n, "W2 MailKit");
            Clients.Close(client);
            results.Add(Results.Row("W2", "MailKit: GetStreams + MimeMessage.Load", "MailKit", samples, mailKitBaseline: true));
        }
    }

    // ------------------------------------------------------------------ W3

    private async Task W3Async(MailboxInfo box, int runs, DelayProxy? proxy)
    {
        int n = Math.Min(settings.W3Count, box.Count);
        string group = proxy == null ? "W3" : "W3 +10ms";
        int p = proxy?.Port ?? port;
        log($"{group}: {n:N0} × UID FETCH <uid> (FLAGS)" + (proxy == null ? "" : $" through a delay proxy ({proxy.OneWayDelay.TotalMilliseconds} ms each way)"));
        var uids = Enumerable.Range(1, n).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray();

        if (proxy != null)
        {
            // Measure the round trip the proxy really adds (NOOP through it versus direct).
            var direct = await Clients.RawAsync(host, port, box, select: false).ConfigureAwait(false);
            var delayed = await Clients.RawAsync(host, p, box, select: false).ConfigureAwait(false);
            double d = await NoopRttAsync(direct).ConfigureAwait(false), x = await NoopRttAsync(delayed).ConfigureAwait(false);
            direct.Dispose();
            delayed.Dispose();
            results.Notes.Add($"{group}: the delay proxy holds each chunk {proxy.OneWayDelay.TotalMilliseconds} ms in each direction; " +
                              $"measured NOOP round trip {d * 1000:F2} ms direct, {x * 1000:F2} ms through the proxy (added {(x - d) * 1000:F2} ms).");
        }

        {
            var raw = await Clients.RawAsync(host, p, box).ConfigureAwait(false);
            var samples = await Measure.RunAsync(runs, () => Measure.TimeAsync(async () =>
            {
                var batch = new StringBuilder();
                string last = "";
                foreach (string uid in uids)
                {
                    last = raw.NextTag();
                    batch.Append(last).Append(" UID FETCH ").Append(uid).Append(" (FLAGS)\r\n");
                }

                await raw.WriteAsync(Encoding.ASCII.GetBytes(batch.ToString())).ConfigureAwait(false);
                Check(await raw.ReadToTagAsync(last).ConfigureAwait(false));
                return (n, 0L);
            })).ConfigureAwait(false);
            results.Add(Results.Row(group, "floor: raw socket, all commands pipelined", "floor", samples, floor: true));

            if (proxy == null)
            {
                samples = await Measure.RunAsync(runs, () => Measure.TimeAsync(async () =>
                {
                    foreach (string uid in uids) Check(await raw.CommandAsync("UID FETCH " + uid + " (FLAGS)").ConfigureAwait(false));
                    return (n, 0L);
                })).ConfigureAwait(false);
                results.Add(Results.Row(group, "floor: raw socket, serial", "floor-serial", samples));
            }

            raw.Dispose();
        }

        {
            var client = await Clients.EngineAsync(host, p, box).ConfigureAwait(false);
            var samples = await Measure.RunAsync(runs, () => Measure.TimeAsync(async () =>
            {
                var tasks = new Task<ImapResponse>[uids.Length];
                for (int i = 0; i < uids.Length; i++) tasks[i] = client.UidAsync("FETCH", uids[i], "(FLAGS)");
                var all = await Task.WhenAll(tasks).ConfigureAwait(false);
                long got = all.Count(r => r.IsOk && r.Untagged.Count == 1);
                return (got, 0L);
            })).ConfigureAwait(false);
            Expect(samples, n, group + " engine parallel");
            results.Add(Results.Row(group, "engine: all issued at once on one session", "engine", samples));

            samples = await Measure.RunAsync(runs, () => Measure.TimeAsync(async () =>
            {
                long got = 0;
                foreach (string uid in uids)
                {
                    var r = await client.UidAsync("FETCH", uid, "(FLAGS)").ConfigureAwait(false);
                    if (r.IsOk && r.Untagged.Count == 1) got++;
                }

                return (got, 0L);
            })).ConfigureAwait(false);
            Expect(samples, n, group + " engine serial");
            await Clients.CloseAsync(client).ConfigureAwait(false);
            results.Add(Results.Row(group, "engine: serial (await each)", "engine", samples));
        }

        {
            var client = Clients.MailKit(host, p, box, FolderAccess.ReadOnly);
            var samples = await Measure.RunAsync(runs, () => Measure.TimeAsync(() =>
            {
                long got = 0;
                for (int i = 1; i <= n; i++)
                {
                    got += client.Inbox.Fetch(new[] { new UniqueId((uint)i) }, MessageSummaryItems.Flags).Count;
                }

                return Task.FromResult((got, 0L));
            })).ConfigureAwait(false);
            Expect(samples, n, group + " MailKit");
            Clients.Close(client);
            results.Add(Results.Row(group, "MailKit: serial loop", "MailKit", samples, mailKitBaseline: true));

            var four = Enumerable.Range(0, 4).Select(_ => Clients.MailKit(host, p, box, FolderAccess.ReadOnly)).ToArray();
            samples = await Measure.RunAsync(runs, () => Measure.TimeAsync(async () =>
            {
                long got = 0;
                await Task.WhenAll(four.Select((c, k) => Task.Run(() =>
                {
                    long mine = 0;
                    for (int i = 1 + k; i <= n; i += 4) mine += c.Inbox.Fetch(new[] { new UniqueId((uint)i) }, MessageSummaryItems.Flags).Count;
                    Interlocked.Add(ref got, mine);
                }))).ConfigureAwait(false);
                return (got, 0L);
            })).ConfigureAwait(false);
            Expect(samples, n, group + " MailKit ×4");
            foreach (var c in four) Clients.Close(c);
            results.Add(Results.Row(group, "MailKit: 4 connections, serial each", "MailKit", samples));
        }

        if (proxy == null && settings.Runs_("python"))
        {
            var py = Python("w3", box, runs, ("--count", n.ToString(CultureInfo.InvariantCulture)));
            if (py != null) results.Add(Results.Row(group, "imaplib2: serial loop", "imaplib2", py));
        }
    }

    private static async Task<double> NoopRttAsync(RawImap raw)
    {
        var times = new List<double>();
        for (int i = 0; i < 20; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            Check(await raw.CommandAsync("NOOP").ConfigureAwait(false));
            times.Add(Seconds(t0, Stopwatch.GetTimestamp()));
        }

        return Measure.Median(times);
    }

    // ------------------------------------------------------------------ W4

    private async Task W4Async(MailboxInfo box, int runs)
    {
        List<byte[]> messages = AppendMessages(settings.W4Count);
        double avg = messages.Average(m => m.Length);
        log($"W4: APPEND {messages.Count:N0} messages of {avg / 1024:F1} KB on average into a fresh mailbox");
        results.Notes.Add($"W4: {messages.Count:N0} generated `mixed` messages of 4–6 KB (mean {avg / 1024:F1} KB), each run into a new mailbox (created and deleted outside the timing).");
        int run = 0;
        var admin = await Clients.EngineAsync(host, port, box, select: false).ConfigureAwait(false);
        string current = "";
        Func<Task> fresh = async () =>
        {
            if (current.Length > 0) await admin.DeleteAsync(current).ConfigureAwait(false);
            current = "W4run" + (++run).ToString(CultureInfo.InvariantCulture);
            Check(await admin.CreateAsync(current).ConfigureAwait(false));
        };
        long expectedBytes = messages.Sum(m => (long)m.Length);

        {
            var raw = await Clients.RawAsync(host, port, box, select: false).ConfigureAwait(false);
            var samples = await Measure.RunAsync(runs, () => Measure.TimeAsync(async () =>
            {
                // All APPENDs with LITERAL+ in one write, read concurrently so neither side blocks.
                var buffer = new MemoryStream();
                string last = "";
                foreach (var m in messages)
                {
                    last = raw.NextTag();
                    var head = Encoding.ASCII.GetBytes($"{last} APPEND {current} {{{m.Length}+}}\r\n");
                    buffer.Write(head);
                    buffer.Write(m);
                    buffer.Write("\r\n"u8);
                }

                var reading = raw.ReadToTagAsync(last);
                await raw.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length)).ConfigureAwait(false);
                Check(await reading.ConfigureAwait(false));
                return (messages.Count, expectedBytes);
            }), fresh).ConfigureAwait(false);
            raw.Dispose();
            results.Add(Results.Row("W4", "floor: raw socket, pipelined APPEND with LITERAL+", "floor", samples, floor: true));
        }

        {
            var client = await Clients.EngineAsync(host, port, box, select: false).ConfigureAwait(false);
            var samples = await Measure.RunAsync(runs, () => Measure.TimeAsync(async () =>
            {
                var tasks = messages.Select(m => client.AppendAsync(current, null, null, m)).ToArray();
                var all = await Task.WhenAll(tasks).ConfigureAwait(false);
                return (all.Count(r => r.IsOk), expectedBytes);
            }), fresh).ConfigureAwait(false);
            Expect(samples, messages.Count, "W4 engine concurrent");
            results.Add(Results.Row("W4", "engine: concurrent AppendAsync on one session", "engine", samples));

            samples = await Measure.RunAsync(runs, () => Measure.TimeAsync(async () =>
            {
                var r = await client.AppendManyAsync(current, messages.Select(m => ((string?)null, (DateTimeOffset?)null, m))).ConfigureAwait(false);
                Check(r);
                return (messages.Count, expectedBytes);
            }), fresh).ConfigureAwait(false);
            results.Add(Results.Row("W4", "engine: AppendManyAsync (one MULTIAPPEND)", "engine", samples));

            samples = await Measure.RunAsync(runs, () => Measure.TimeAsync(async () =>
            {
                long ok = 0;
                foreach (var m in messages) if ((await client.AppendAsync(current, null, null, m).ConfigureAwait(false)).IsOk) ok++;
                return (ok, expectedBytes);
            }), fresh).ConfigureAwait(false);
            Expect(samples, messages.Count, "W4 engine serial");
            await Clients.CloseAsync(client).ConfigureAwait(false);
            results.Add(Results.Row("W4", "engine: serial loop (await each)", "engine", samples));
        }

        {
            var client = Clients.MailKit(host, port, box, FolderAccess.None);
            var parsed = messages.Select(m => MimeMessage.Load(new MemoryStream(m))).ToList();
            var samples = await Measure.RunAsync(runs, () => Measure.TimeAsync(() =>
            {
                var folder = client.GetFolder(current);
                var requests = parsed.Select(m => (IAppendRequest)new AppendRequest(m)).ToList();
                var uids = folder.Append(requests);
                return Task.FromResult(((long)uids.Count, expectedBytes));
            }), fresh).ConfigureAwait(false);
            Expect(samples, messages.Count, "W4 MailKit MULTIAPPEND");
            results.Add(Results.Row("W4", "MailKit: Append(list) = MULTIAPPEND", "MailKit", samples, mailKitBaseline: true));

            samples = await Measure.RunAsync(runs, () => Measure.TimeAsync(() =>
            {
                var folder = client.GetFolder(current);
                long ok = 0;
                foreach (var m in parsed) if (folder.Append(new AppendRequest(m)) != null) ok++;
                return Task.FromResult((ok, expectedBytes));
            }), fresh).ConfigureAwait(false);
            Expect(samples, messages.Count, "W4 MailKit loop");
            Clients.Close(client);
            results.Add(Results.Row("W4", "MailKit: plain Append loop", "MailKit", samples));
        }

        if (settings.Runs_("python"))
        {
            string folder = Path.Combine(Path.GetTempPath(), "imapps-bench-w4-" + Environment.ProcessId);
            Directory.CreateDirectory(folder);
            try
            {
                for (int i = 0; i < messages.Count; i++) File.WriteAllBytes(Path.Combine(folder, i.ToString("D5", CultureInfo.InvariantCulture) + ".eml"), messages[i]);
                await fresh().ConfigureAwait(false);
                var py = Python("w4", box, runs, ("--messages", folder), ("--mailbox-prefix", "W4py"));
                if (py != null) results.Add(Results.Row("W4", "imaplib2: append loop", "imaplib2", py));
            }
            finally
            {
                Directory.Delete(folder, recursive: true);
            }
        }

        if (current.Length > 0) await admin.DeleteAsync(current).ConfigureAwait(false);
        await Clients.CloseAsync(admin).ConfigureAwait(false);
    }

    private static List<byte[]> AppendMessages(int count)
    {
        var generator = new MessageGenerator(seed: 4);
        var result = new List<byte[]>(count);
        while (result.Count < count)
        {
            SeedMessage m = generator.Next(MessageProfile.Mixed);
            if (m.Size >= 4096 && m.Size <= 6144) result.Add(m.Bytes);
        }

        return result;
    }

    // ------------------------------------------------------------------ W5

    private async Task W5Async(MailboxInfo box, int runs)
    {
        log("W5: UID SEARCH SUBJECT invoice, UID STORE +FLAGS/-FLAGS (\\Flagged)");
        {
            var raw = await Clients.RawAsync(host, port, box).ConfigureAwait(false);
            var samples = await Measure.RunAsync(runs, () => Measure.TimeAsync(async () =>
            {
                var captured = new StringBuilder();
                Check(await raw.CommandAsync("UID SEARCH SUBJECT invoice", captured).ConfigureAwait(false));
                var hits = Clients.SearchHits(captured.ToString());
                string set = Clients.CompactSet(hits);
                Check(await raw.CommandAsync($"UID STORE {set} +FLAGS (\\Flagged)").ConfigureAwait(false));
                Check(await raw.CommandAsync($"UID STORE {set} -FLAGS (\\Flagged)").ConfigureAwait(false));
                return (hits.Count, 0L);
            })).ConfigureAwait(false);
            raw.Dispose();
            results.Add(Results.Row("W5", "floor: raw socket", "floor", samples, floor: true));
        }

        {
            var client = await Clients.EngineAsync(host, port, box).ConfigureAwait(false);
            var samples = await Measure.RunAsync(runs, () => Measure.TimeAsync(async () =>
            {
                var hits = Clients.SearchHits(await client.UidAsync("SEARCH", "SUBJECT", "invoice").ConfigureAwait(false));
                string set = Clients.CompactSet(hits);
                Check(await client.UidAsync("STORE", set, "+FLAGS", "(\\Flagged)").ConfigureAwait(false));
                Check(await client.UidAsync("STORE", set, "-FLAGS", "(\\Flagged)").ConfigureAwait(false));
                return (hits.Count, 0L);
            })).ConfigureAwait(false);
            await Clients.CloseAsync(client).ConfigureAwait(false);
            results.Add(Results.Row("W5", "engine", "engine", samples));
        }

        {
            var client = Clients.MailKit(host, port, box, FolderAccess.ReadWrite);
            var samples = await Measure.RunAsync(runs, () => Measure.TimeAsync(() =>
            {
                var hits = client.Inbox.Search(MailKit.Search.SearchQuery.SubjectContains("invoice"));
                client.Inbox.AddFlags(hits, MessageFlags.Flagged, silent: false);
                client.Inbox.RemoveFlags(hits, MessageFlags.Flagged, silent: false);
                return Task.FromResult(((long)hits.Count, 0L));
            })).ConfigureAwait(false);
            Clients.Close(client);
            results.Add(Results.Row("W5", "MailKit", "MailKit", samples, mailKitBaseline: true));
        }
    }

    // ------------------------------------------------------------------ W6

    private async Task W6Async(MailboxInfo box)
    {
        int reps = settings.W6Reps;
        log($"W6: IDLE latency, {reps} repetitions each for the engine and a raw client");
        byte[] message = Encoding.ASCII.GetBytes("From: b@example.com\r\nTo: a@example.com\r\nSubject: ping\r\n\r\nping\r\n");
        var appender = await Clients.RawAsync(host, port, box, select: false).ConfigureAwait(false);
        async Task<long> AppendAsync()
        {
            string tag = appender.NextTag();
            var bytes = new MemoryStream();
            bytes.Write(Encoding.ASCII.GetBytes($"{tag} APPEND INBOX {{{message.Length}+}}\r\n"));
            bytes.Write(message);
            bytes.Write("\r\n"u8);
            await appender.WriteAsync(bytes.ToArray()).ConfigureAwait(false);
            Check(await appender.ReadToTagAsync(tag).ConfigureAwait(false));
            return Stopwatch.GetTimestamp();
        }

        {
            var client = await Clients.EngineAsync(host, port, box).ConfigureAwait(false);
            TaskCompletionSource<long>? seen = null;
            TaskCompletionSource<bool>? idling = null;
            client.MailboxChanged += (_, e) =>
            {
                if (e.Kind == MailboxChangeKind.Exists) seen?.TrySetResult(Stopwatch.GetTimestamp());
            };
            // The engine has no "IDLE accepted" event; its trace line for the server's "+" is the
            // earliest sign, and only a few lines are traced while idling.
            client.DebugLine += (level, line) =>
            {
                if (line.StartsWith("< +", StringComparison.Ordinal)) idling?.TrySetResult(true);
            };
            var latencies = new List<double>();
            for (int i = 0; i < reps; i++)
            {
                seen = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
                idling = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                var idle = client.IdleAsync(TimeSpan.FromSeconds(30));
                await idling.Task.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
                long ok = await AppendAsync().ConfigureAwait(false);
                long at = await seen.Task.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
                latencies.Add(Seconds(ok, at));
                await idle.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            }

            await Clients.CloseAsync(client).ConfigureAwait(false);
            results.Add(new TimingRow
            {
                Group = "W6", Label = "engine: MailboxChanged event after B's OK", Client = "engine",
                Seconds = latencies, Count = reps, Percentiles = true,
            });
        }

        {
            var raw = await Clients.RawAsync(host, port, box).ConfigureAwait(false);
            var latencies = new List<double>();
            for (int i = 0; i < reps; i++)
            {
                string tag = raw.NextTag();
                await raw.WriteAsync(Encoding.ASCII.GetBytes(tag + " IDLE\r\n")).ConfigureAwait(false);
                while (!(await raw.ReadLineAsync().ConfigureAwait(false)).StartsWith('+')) { }
                var appended = AppendAsync();
                string line;
                do line = await raw.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
                while (!line.EndsWith(" EXISTS", StringComparison.Ordinal));
                long at = Stopwatch.GetTimestamp();
                long ok = await appended.ConfigureAwait(false);
                latencies.Add(Seconds(ok, at));
                await raw.WriteAsync("DONE\r\n"u8.ToArray()).ConfigureAwait(false);
                Check(await raw.ReadToTagAsync(tag).ConfigureAwait(false));
            }

            raw.Dispose();
            results.Add(new TimingRow
            {
                Group = "W6", Label = "floor: raw socket in IDLE, EXISTS line read", Client = "floor",
                Seconds = latencies, Count = reps, Percentiles = true, IsFloor = true,
            });
        }

        appender.Dispose();
    }

    // ------------------------------------------------------------------ memory and scale (child processes)

    private async Task SaveLargeAsync(MailboxInfo box)
    {
        log($"Memory: save one {box.TotalBytes / 1048576.0:F0} MB message to disk (child processes)");
        foreach (string client in new[] { "engine", "mailkit" })
        {
            string json = await RunChildAsync("save-large", client, box).ConfigureAwait(false);
            var doc = System.Text.Json.JsonDocument.Parse(LastJsonLine(json)).RootElement;
            double delta = doc.GetProperty("peakAboveBaselineBytes").GetDouble();
            long file = doc.GetProperty("fileBytes").GetInt64();
            double secs = doc.GetProperty("seconds").GetDouble();
            string value = $"{delta / 1048576.0:F1} MB above a {doc.GetProperty("baselineBytes").GetDouble() / 1048576.0:F0} MB baseline " +
                           $"({file / 1048576.0:F0} MB written in {secs:F2} s)";
            bool engine = client == "engine";
            results.Facts.Add(new FactRow(
                $"save {box.TotalBytes / 1048576.0:F0} MB message: {(engine ? "engine, FetchEachAsync literalSink → FileStream" : "MailKit GetStream → FileStream (reference)")}",
                value, engine ? "< 20 MB" : "–", engine ? (delta < 20 * 1048576.0 ? "met" : "MISSED") : "reference"));
        }
    }

    private async Task IdleSessionsAsync(MailboxInfo box)
    {
        log($"Scale: {settings.IdleSessions} engine sessions in IDLE in one process (child process)");
        string json = await RunChildAsync("idle-sessions", settings.IdleSessions.ToString(CultureInfo.InvariantCulture), box).ConfigureAwait(false);
        var doc = System.Text.Json.JsonDocument.Parse(LastJsonLine(json)).RootElement;
        int n = doc.GetProperty("sessions").GetInt32();
        double managed = doc.GetProperty("managedPerSessionBytes").GetDouble();
        double rss = doc.GetProperty("rssPerSessionBytes").GetDouble();
        int threadsBefore = doc.GetProperty("threadsBefore").GetInt32();
        int threadsAfter = doc.GetProperty("threadsAfter").GetInt32();
        results.Facts.Add(new FactRow($"{n} engine sessions in IDLE: threads", $"{threadsBefore} before, {threadsAfter} with all idling",
            "bounded (no thread per session)", threadsAfter - threadsBefore < n / 4 ? "met" : "MISSED"));
        results.Facts.Add(new FactRow($"{n} engine sessions in IDLE: managed memory per session", $"{managed / 1024:F1} KB (RSS {rss / 1024:F0} KB per session)",
            "≤ 256 KB", managed <= 256 * 1024 ? "met" : "MISSED"));
    }

    private async Task ScalePeakAsync(MailboxInfo box)
    {
        log($"Scale: W1 on {box.Count:N0} messages, peak working set (child processes)");
        foreach (string client in new[] { "engine", "mailkit" })
        {
            string json = await RunChildAsync("w1-peak", client, box).ConfigureAwait(false);
            var doc = System.Text.Json.JsonDocument.Parse(LastJsonLine(json)).RootElement;
            double peak = doc.GetProperty("peakBytes").GetDouble();
            double secs = doc.GetProperty("seconds").GetDouble();
            long count = doc.GetProperty("count").GetInt64();
            bool engine = client == "engine";
            results.Facts.Add(new FactRow(
                $"W1 on {box.Count:N0} small messages, {(engine ? "engine" : "MailKit (reference)")}: peak working set of the process",
                $"{peak / 1048576.0:F0} MB ({count:N0} summaries in {secs:F2} s, cold process)",
                engine ? "≤ 150 MB (cmdlet path)" : "–", engine ? (peak <= 150 * 1048576.0 ? "met (engine path)" : "MISSED") : "reference"));
        }
    }

    private Task<string> RunChildAsync(string mode, string arg, MailboxInfo box)
    {
        string self = typeof(Suite).Assembly.Location;
        var args = new List<string> { self, "child", mode, arg, host, port.ToString(CultureInfo.InvariantCulture), box.User, box.Password };
        // For profiling a child alone, e.g. IMAPPS_BENCH_CHILD_WRAP="strace -f -c -o /tmp/w3.strace".
        string? wrap = Environment.GetEnvironmentVariable("IMAPPS_BENCH_CHILD_WRAP");
        if (string.IsNullOrWhiteSpace(wrap)) return RunProcessAsync("dotnet", args, TimeSpan.FromMinutes(5), settings.RepoRoot);
        string[] parts = wrap.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        args.Insert(0, "dotnet");
        args.InsertRange(0, parts.Skip(1));
        return RunProcessAsync(parts[0], args, TimeSpan.FromMinutes(5), settings.RepoRoot);
    }

    /// <summary>Profiling aid (part "probe"): W3 parallel alone in a child process, 10 runs.</summary>
    private async Task ProbeAsync(MailboxInfo box)
    {
        // IMAPPS_BENCH_PROBE=w1 profiles W1 (engine, one cold run) instead of W3 parallel.
        string json = Environment.GetEnvironmentVariable("IMAPPS_BENCH_PROBE") == "w1"
            ? await RunChildAsync("w1-peak", "engine", box).ConfigureAwait(false)
            : await RunChildAsync("w3-parallel", Math.Min(settings.W3Count, box.Count).ToString(CultureInfo.InvariantCulture), box).ConfigureAwait(false);
        log("probe: " + LastJsonLine(json));
    }

    // ------------------------------------------------------------------ imaplib2

    private List<RunSample>? Python(string workload, MailboxInfo box, int runs, params (string Name, string Value)[] extra)
    {
        if (!File.Exists(settings.Python))
        {
            results.Notes.Add($"imaplib2 {workload}: skipped, {settings.Python} not found (apt-get install python3-imaplib2).");
            return null;
        }

        var args = new List<string>
        {
            settings.PythonScript, workload, "--host", host, "--port", port.ToString(CultureInfo.InvariantCulture),
            "--user", box.User, "--password", box.Password, "--runs", runs.ToString(CultureInfo.InvariantCulture),
        };
        foreach (var (name, value) in extra)
        {
            args.Add(name);
            args.Add(value);
        }

        try
        {
            string json = RunProcessAsync(settings.Python, args, TimeSpan.FromMinutes(5), settings.RepoRoot).GetAwaiter().GetResult();
            var doc = System.Text.Json.JsonDocument.Parse(LastJsonLine(json)).RootElement;
            long count = doc.GetProperty("count").GetInt64();
            return doc.GetProperty("seconds").EnumerateArray().Select(e => new RunSample(e.GetDouble(), count, 0, 0)).ToList();
        }
        catch (Exception ex)
        {
            results.Notes.Add($"imaplib2 {workload}: failed: {ex.Message}");
            return null;
        }
    }

    // ------------------------------------------------------------------ helpers

    public static async Task<string> RunProcessAsync(string file, IEnumerable<string> args, TimeSpan timeout, string workingDirectory, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (string a in args) info.ArgumentList.Add(a);
        if (environment != null) foreach (var pair in environment) info.Environment[pair.Key] = pair.Value;
        using var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start " + file);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(" ", args)} did not finish within {timeout.TotalSeconds} s.");
        }

        string output = await stdout.ConfigureAwait(false);
        string error = await stderr.ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(file)} exited with {process.ExitCode}: {Tail(error + output)}");
        }

        return output;
    }

    private static string Tail(string s) => s.Length <= 2000 ? s : s.Substring(s.Length - 2000);

    public static string LastJsonLine(string output)
        => output.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.StartsWith('{'))
           ?? throw new InvalidOperationException("No JSON result in: " + Tail(output));

    private static double Seconds(long from, long to) => (to - from) / (double)Stopwatch.Frequency;

    private static void Check(string status)
    {
        if (!status.StartsWith("OK", StringComparison.Ordinal)) throw new InvalidOperationException("Server said: " + status);
    }

    private static void Check(ImapResponse response)
    {
        if (!response.IsOk) throw new InvalidOperationException("Server said: " + response.Type + " " + response.Text);
    }

    private static void Expect(List<RunSample> samples, long expected, string what)
    {
        foreach (var s in samples)
        {
            if (s.Count != expected) throw new InvalidOperationException($"{what}: counted {s.Count}, expected {expected}.");
        }
    }
}
