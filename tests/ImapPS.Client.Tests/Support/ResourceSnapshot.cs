using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace ImapPS.Client.Tests.Support
{
    /// <summary>
    /// Process-wide counts of threads and open sockets (Linux <c>/proc/self</c>), to prove that the engine gives
    /// back what it took once a client is disposed.
    /// <para>How the comparison stays honest:</para>
    /// <list type="bullet">
    /// <item>Comparison is by identity, not count: a socket inode or OS thread id that was not in the baseline is "new";
    /// so an unrelated socket or thread going away (xunit's own long-running threads come and go) cannot hide a leak.</item>
    /// <item>Sockets (<c>socket:[…]</c> links in <c>/proc/self/fd</c>): no new socket may remain; nothing is
    /// forced through the finalizer first, so a socket closed only by a finalizer counts as leaked.</item>
    /// <item>Threads are classified by their OS name (<c>/proc/self/task/*/comm</c>, which .NET sets from
    /// <see cref="Thread.Name"/>, truncated to 15 bytes). Engine threads (<see cref="EngineThreadPrefix"/>):
    /// none may remain. Runtime infrastructure (<c>.NET TP Worker</c>, <c>.NET Sockets</c>, <c>.NET Timer</c>, …) grows and
    /// shrinks on its own and is only reported. Every other thread — including <c>.NET Long Running Task</c> threads and
    /// unnamed threads — is "dedicated": at most an explicit tolerance (default 0) of new ones may remain.</item>
    /// <item>Limitation: an unnamed thread inherits its creator's OS name, so an unnamed thread started from a
    /// thread-pool thread looks like pool infrastructure. The engine therefore names every thread it creates
    /// with <see cref="EngineThreadPrefix"/>.</item>
    /// <item>The counts are process-wide: tests that use this class must run in the
    /// <see cref="CollectionName"/> collection, which xunit runs alone after the parallel tests.</item>
    /// </list>
    /// </summary>
    public sealed class ResourceSnapshot
    {
        /// <summary>Name prefix the engine gives the threads it creates.</summary>
        public const string EngineThreadPrefix = "ImapPS:";

        /// <summary>xunit collection for tests that compare process-wide resource counts (parallelization disabled).</summary>
        public const string CollectionName = "ResourceSensitive";

        private ResourceSnapshot(DateTime takenUtc, int processThreads, IReadOnlyDictionary<int, string> threads, IReadOnlyList<string> sockets)
        {
            TakenUtc = takenUtc;
            ProcessThreads = processThreads;
            Threads = threads;
            var threadNames = threads.Values.ToList();
            ThreadNames = threadNames;
            SocketInodes = sockets;
            EngineThreads = threadNames.Count(IsEngineThread);
            RuntimeThreads = threadNames.Count(IsRuntimeInfrastructure);
            DedicatedThreads = threadNames.Count - EngineThreads - RuntimeThreads;
        }

        /// <summary>When the snapshot was taken.</summary>
        public DateTime TakenUtc { get; }

        /// <summary><see cref="Process.Threads"/> count after <see cref="Process.Refresh"/> (all OS threads; diagnostic).</summary>
        public int ProcessThreads { get; }

        /// <summary>OS thread id → OS thread name, for every thread of the process (from <c>/proc/self/task</c>).</summary>
        public IReadOnlyDictionary<int, string> Threads { get; }

        /// <summary>OS names of all threads of the process.</summary>
        public IReadOnlyList<string> ThreadNames { get; }

        /// <summary>Threads whose name starts with <see cref="EngineThreadPrefix"/>.</summary>
        public int EngineThreads { get; }

        /// <summary>Runtime infrastructure threads (thread pool, sockets engine, timer, finalizer, ...): reported, never compared.</summary>
        public int RuntimeThreads { get; }

        /// <summary>All other threads (named or unnamed dedicated threads, long-running tasks, test-host threads).</summary>
        public int DedicatedThreads { get; }

        /// <summary>Inodes of the open sockets (<c>socket:[inode]</c>).</summary>
        public IReadOnlyList<string> SocketInodes { get; }

        /// <summary>Number of open sockets.</summary>
        public int Sockets => SocketInodes.Count;

        /// <summary>True where <c>/proc/self</c> exists (Linux). Elsewhere the snapshot counts only <see cref="ProcessThreads"/>.</summary>
        public static bool IsSupported => Directory.Exists("/proc/self/fd") && Directory.Exists("/proc/self/task");

        /// <summary>Takes a snapshot now.</summary>
        public static ResourceSnapshot Capture()
        {
            int processThreads;
            using (var process = Process.GetCurrentProcess())
            {
                process.Refresh();
                processThreads = process.Threads.Count;
            }
            return new ResourceSnapshot(DateTime.UtcNow, processThreads, ReadThreads(), ReadSocketInodes());
        }

        /// <summary>
        /// Polls (every 25 ms, at most <paramref name="timeout"/>) until no socket, no engine thread and at most
        /// <paramref name="dedicatedThreadTolerance"/> dedicated threads exist that were not in <paramref name="baseline"/>;
        /// otherwise throws <see cref="ResourceLeakException"/> naming them. Comparison is by identity (socket inode,
        /// OS thread id), not by count, so an unrelated socket or thread going away cannot hide a leak.
        /// Polling is deliberate: the OS offers no event for "a thread exited" or "a socket was closed".
        /// </summary>
        public static async Task AssertReturnsToBaselineAsync(ResourceSnapshot baseline, TimeSpan timeout, int dedicatedThreadTolerance = 0)
        {
            if (baseline == null) throw new ArgumentNullException(nameof(baseline));
            var stopwatch = Stopwatch.StartNew();
            while (true)
            {
                var now = Capture();
                var problems = Compare(baseline, now, dedicatedThreadTolerance);
                if (problems.Count == 0)
                    return;
                if (stopwatch.Elapsed >= timeout)
                    throw new ResourceLeakException($"Resources did not return to the baseline within {timeout.TotalSeconds:0.###} s: "
                        + string.Join("; ", problems) + $". (baseline: {baseline}; now: {now})");
                await Task.Delay(25).ConfigureAwait(false);
            }
        }

        /// <summary>Synchronous <see cref="AssertReturnsToBaselineAsync"/>.</summary>
        public static void AssertReturnsToBaseline(ResourceSnapshot baseline, TimeSpan timeout, int dedicatedThreadTolerance = 0)
            => AssertReturnsToBaselineAsync(baseline, timeout, dedicatedThreadTolerance).GetAwaiter().GetResult();

        /// <summary>The violations of the baseline rules (empty when <paramref name="current"/> is within them).</summary>
        public static IReadOnlyList<string> Compare(ResourceSnapshot baseline, ResourceSnapshot current, int dedicatedThreadTolerance = 0)
        {
            var problems = new List<string>();
            var newSockets = current.SocketInodes.Except(baseline.SocketInodes).ToList();
            if (newSockets.Count > 0)
                problems.Add($"{newSockets.Count} new socket(s): {string.Join(", ", newSockets.Select(DescribeSocket))}");
            var newThreads = current.Threads.Where(t => !baseline.Threads.TryGetValue(t.Key, out var name) || name != t.Value).ToList();
            var newEngine = newThreads.Where(t => IsEngineThread(t.Value)).ToList();
            if (newEngine.Count > 0)
                problems.Add($"{newEngine.Count} new engine thread(s): {Describe(newEngine)}");
            var newDedicated = newThreads.Where(t => !IsEngineThread(t.Value) && !IsRuntimeInfrastructure(t.Value)).ToList();
            if (newDedicated.Count > dedicatedThreadTolerance)
                problems.Add($"{newDedicated.Count} new dedicated thread(s), tolerance {dedicatedThreadTolerance}: {Describe(newDedicated)}");
            return problems;
        }

        /// <summary>True for names the engine gives its threads.</summary>
        public static bool IsEngineThread(string name) => name.StartsWith(EngineThreadPrefix, StringComparison.Ordinal);

        /// <summary>
        /// True for the runtime's own threads (".NET …"), except long-running-task threads, which are dedicated
        /// threads started by application code and end with their task.
        /// </summary>
        public static bool IsRuntimeInfrastructure(string name)
            => name.StartsWith(".NET ", StringComparison.Ordinal) && !name.StartsWith(".NET Long Run", StringComparison.Ordinal);

        /// <inheritdoc/>
        public override string ToString()
            => $"sockets {Sockets}, threads {ProcessThreads} (engine {EngineThreads}, dedicated {DedicatedThreads}, runtime {RuntimeThreads})";

        private static string Describe(IEnumerable<KeyValuePair<int, string>> threads)
            => string.Join(", ", threads.Select(t => $"\"{t.Value}\" (tid {t.Key})"));

        private static IReadOnlyDictionary<int, string> ReadThreads()
        {
            var threads = new SortedDictionary<int, string>();
            if (!Directory.Exists("/proc/self/task"))
                return threads;
            foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
            {
                if (!int.TryParse(Path.GetFileName(task), NumberStyles.None, CultureInfo.InvariantCulture, out var tid))
                    continue;
                try
                {
                    threads[tid] = File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n');
                }
                catch (IOException)
                {
                    // The thread exited while we listed them.
                }
                catch (UnauthorizedAccessException)
                {
                }
            }
            return threads;
        }

        private static IReadOnlyList<string> ReadSocketInodes()
        {
            if (!Directory.Exists("/proc/self/fd"))
                return Array.Empty<string>();
            var sockets = new List<string>();
            foreach (var fd in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
            {
                try
                {
                    var target = new FileInfo(fd).LinkTarget;
                    if (target != null && target.StartsWith("socket:[", StringComparison.Ordinal))
                        sockets.Add(target.Substring(8, target.Length - 9));
                }
                catch (IOException)
                {
                    // The descriptor was closed while we listed them (including the one used for the listing).
                }
                catch (UnauthorizedAccessException)
                {
                }
            }
            return sockets;
        }

        /// <summary>"inode (tcp 127.0.0.1:p -> 127.0.0.1:q state)" when the inode is a TCP socket, for the failure message.</summary>
        private static string DescribeSocket(string inode)
        {
            foreach (var table in new[] { "/proc/self/net/tcp", "/proc/self/net/tcp6" })
            {
                try
                {
                    foreach (var line in File.ReadLines(table).Skip(1))
                    {
                        var fields = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
                        if (fields.Length > 9 && fields[9] == inode)
                            return $"{inode} (tcp {Endpoint(fields[1])} -> {Endpoint(fields[2])} state {fields[3]})";
                    }
                }
                catch (IOException)
                {
                }
            }
            return inode;
        }

        private static string Endpoint(string hex)
        {
            var parts = hex.Split(':');
            if (parts.Length != 2) return hex;
            var port = int.Parse(parts[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            if (parts[0].Length == 8)
            {
                var value = uint.Parse(parts[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                return $"{value & 0xFF}.{(value >> 8) & 0xFF}.{(value >> 16) & 0xFF}.{value >> 24}:{port}";
            }
            return $"[{parts[0]}]:{port}";
        }
    }

    /// <summary>Thrown when threads or sockets did not return to the baseline.</summary>
    public sealed class ResourceLeakException : Exception
    {
        /// <summary>Creates the exception.</summary>
        public ResourceLeakException(string message) : base(message) { }
    }

    /// <summary>The xunit collection for tests that compare process-wide resource counts: runs alone, after the parallel tests.</summary>
    [CollectionDefinition(ResourceSnapshot.CollectionName, DisableParallelization = true)]
    public sealed class ResourceSensitiveCollection
    {
    }
}
