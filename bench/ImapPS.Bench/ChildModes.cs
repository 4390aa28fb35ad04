using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using ImapPS.Client;
using ImapPS.Client.Protocol;
using MailKit;
using MailKit.Net.Imap;

namespace ImapPS.Bench;

/// <summary>
/// Measurements that need a clean process: peak working set and per-session memory are
/// process-wide, so each runs alone in a child started by the suite and prints one JSON line.
/// </summary>
public static class ChildModes
{
    public static async Task<int> RunAsync(string[] args)
    {
        // child <mode> <arg> <host> <port> <user> <password>
        string mode = args[1], arg = args[2], host = args[3];
        int port = int.Parse(args[4], CultureInfo.InvariantCulture);
        var box = new MailboxInfo(args[5], args[6], "INBOX", 0, 0, 0, 0, 0);
        object result = mode switch
        {
            "save-large" => arg == "engine" ? await SaveLargeEngineAsync(host, port, box) : SaveLargeMailKit(host, port, box),
            "idle-sessions" => await IdleSessionsAsync(host, port, box, int.Parse(arg, CultureInfo.InvariantCulture)),
            "w3-parallel" => await W3ParallelAsync(host, port, box, int.Parse(arg, CultureInfo.InvariantCulture)),
            "w1-peak" => arg == "engine" ? await W1PeakEngineAsync(host, port, box) : W1PeakMailKit(host, port, box),
            _ => throw new ArgumentException("Unknown child mode " + mode),
        };
        Console.WriteLine(JsonSerializer.Serialize(result));
        return 0;
    }

    private static long SettledBaseline()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        long rss = Measure.ResidentBytes();
        Measure.ResetPeak();
        return rss;
    }

    private static async Task<object> SaveLargeEngineAsync(string host, int port, MailboxInfo box)
    {
        var client = await Clients.EngineAsync(host, port, box);
        string path = Path.Combine(Path.GetTempPath(), "imapps-bench-large-" + Environment.ProcessId + ".eml");
        try
        {
            long baseline = SettledBaseline();
            var watch = Stopwatch.StartNew();
            using (var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 64 * 1024))
            {
                var r = await client.FetchEachAsync("1", "(BODY.PEEK[])", uid: true, _ => { }, literalSink: _ => file);
                if (!r.IsOk) throw new InvalidOperationException(r.Text);
            }

            watch.Stop();
            long peak = Measure.PeakResidentBytes();
            long size = new FileInfo(path).Length;
            await Clients.CloseAsync(client);
            return new { baselineBytes = baseline, peakBytes = peak, peakAboveBaselineBytes = peak - baseline, fileBytes = size, seconds = watch.Elapsed.TotalSeconds };
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static object SaveLargeMailKit(string host, int port, MailboxInfo box)
    {
        var client = Clients.MailKit(host, port, box, FolderAccess.ReadOnly);
        string path = Path.Combine(Path.GetTempPath(), "imapps-bench-large-mk-" + Environment.ProcessId + ".eml");
        try
        {
            long baseline = SettledBaseline();
            var watch = Stopwatch.StartNew();
            using (var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 64 * 1024))
            using (var stream = client.Inbox.GetStream(new UniqueId(1)))
            {
                stream.CopyTo(file);
            }

            watch.Stop();
            long peak = Measure.PeakResidentBytes();
            long size = new FileInfo(path).Length;
            Clients.Close(client);
            return new { baselineBytes = baseline, peakBytes = peak, peakAboveBaselineBytes = peak - baseline, fileBytes = size, seconds = watch.Elapsed.TotalSeconds };
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static async Task<object> IdleSessionsAsync(string host, int port, MailboxInfo box, int count)
    {
        // One session first so the code paths are loaded and JIT-compiled before the baseline.
        var warm = await Clients.EngineAsync(host, port, box);
        await Clients.CloseAsync(warm);
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        long managedBefore = GC.GetTotalMemory(forceFullCollection: true);
        long rssBefore = Measure.ResidentBytes();
        int threadsBefore = Measure.ThreadCount();

        var clients = new List<Imap4Client>(count);
        var idles = new List<Task<ImapResponse>>(count);
        var idling = new List<TaskCompletionSource<bool>>(count);
        for (int i = 0; i < count; i++)
        {
            var client = await Clients.EngineAsync(host, port, box);
            var started = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            Action<int, string> handler = (level, line) =>
            {
                if (line.StartsWith("< +", StringComparison.Ordinal)) started.TrySetResult(true);
            };
            client.DebugLine += handler;
            idles.Add(client.IdleAsync(TimeSpan.FromMinutes(5)));
            await started.Task.WaitAsync(TimeSpan.FromSeconds(30));
            client.DebugLine -= handler;
            clients.Add(client);
            idling.Add(started);
        }

        long managedAfter = GC.GetTotalMemory(forceFullCollection: true);
        long rssAfter = Measure.ResidentBytes();
        int threadsAfter = Measure.ThreadCount();
        bool allIdling = idles.All(t => !t.IsCompleted);

        // End IDLE on every session (a NOOP queued behind IDLE makes the engine send DONE) and log out.
        await Task.WhenAll(clients.Select(c => c.NoopAsync())).WaitAsync(TimeSpan.FromSeconds(60));
        await Task.WhenAll(idles).WaitAsync(TimeSpan.FromSeconds(60));
        await Task.WhenAll(clients.Select(Clients.CloseAsync)).WaitAsync(TimeSpan.FromSeconds(60));
        return new
        {
            sessions = count,
            allIdling,
            managedPerSessionBytes = (managedAfter - managedBefore) / (double)count,
            rssPerSessionBytes = (rssAfter - rssBefore) / (double)count,
            threadsBefore,
            threadsAfter,
        };
    }

    private static async Task<object> W3ParallelAsync(string host, int port, MailboxInfo box, int count)
    {
        var client = await Clients.EngineAsync(host, port, box);
        var uids = Enumerable.Range(1, count).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray();
        var seconds = new List<double>();
        for (int run = 0; run < 10; run++)
        {
            var watch = Stopwatch.StartNew();
            await Task.WhenAll(uids.Select(u => client.UidAsync("FETCH", u, "(FLAGS)")));
            seconds.Add(watch.Elapsed.TotalSeconds);
        }

        await Clients.CloseAsync(client);
        return new { count, seconds };
    }

    private static async Task<object> W1PeakEngineAsync(string host, int port, MailboxInfo box)
    {
        var client = await Clients.EngineAsync(host, port, box);
        long count = 0;
        var watch = Stopwatch.StartNew();
        var r = await client.FetchEachAsync("1:*", "(UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE)", uid: true, resp =>
        {
            FetchData.Parse(resp);
            count++;
        });
        watch.Stop();
        if (!r.IsOk) throw new InvalidOperationException(r.Text);
        long peak = Measure.PeakResidentBytes();
        await Clients.CloseAsync(client);
        return new { count, seconds = watch.Elapsed.TotalSeconds, peakBytes = peak };
    }

    private static object W1PeakMailKit(string host, int port, MailboxInfo box)
    {
        var client = Clients.MailKit(host, port, box, FolderAccess.ReadOnly);
        var watch = Stopwatch.StartNew();
        var items = MessageSummaryItems.UniqueId | MessageSummaryItems.Flags | MessageSummaryItems.InternalDate
                    | MessageSummaryItems.Size | MessageSummaryItems.Envelope;
        var summaries = client.Inbox.Fetch(UniqueIdRange.All, items);
        watch.Stop();
        long peak = Measure.PeakResidentBytes();
        long count = summaries.Count;
        Clients.Close(client);
        return new { count, seconds = watch.Elapsed.TotalSeconds, peakBytes = peak };
    }
}
