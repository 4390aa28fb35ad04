using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Threading.Tasks;
using ImapPS.Client.Tests.Support;

namespace ImapPS.Client.Tests.Reliability
{
    /// <summary>Shared settings and assertions of the reliability matrix.</summary>
    internal static class ReliabilityKit
    {
        /// <summary>The response timeout the fault tests run with: short, so a hang shows up as a slow test, not a stuck one.</summary>
        public static readonly TimeSpan ResponseTimeout = TimeSpan.FromSeconds(2);

        /// <summary>The connect (TCP + TLS + greeting) timeout the fault tests run with.</summary>
        public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(2);

        /// <summary>
        /// Slack on top of a timeout before a late failure counts as a hang (watchdog period, thread-pool
        /// scheduling on 2 cores under load). A hang never ends, so a generous margin keeps the claim.
        /// </summary>
        public static readonly TimeSpan Margin = TimeSpan.FromSeconds(4);

        /// <summary>How long resources may take to return to the baseline after a client and its server are disposed.</summary>
        public static readonly TimeSpan ReleaseTimeout = TimeSpan.FromSeconds(5);

        /// <summary>
        /// <see cref="FastOptions"/> with a generous connect timeout, for tests about what happens after
        /// connecting: the first connection of a cold test process (JIT, thread-pool growth on 2 cores)
        /// can take longer than the fault tests' 2 s, and the test is not about that.
        /// </summary>
        public static ImapClientOptions SteadyOptions(TextWriter? debug = null)
        {
            var options = FastOptions(debug);
            options.ConnectTimeout = TimeSpan.FromSeconds(15);
            return options;
        }

        /// <summary>Options with short timeouts and debug output kept (level 0, ring buffer only) in <paramref name="debug"/>.</summary>
        public static ImapClientOptions FastOptions(TextWriter? debug = null)
            => new ImapClientOptions
            {
                ResponseTimeout = ResponseTimeout,
                ConnectTimeout = ConnectTimeout,
                DebugWriter = debug ?? TextWriter.Null,
            };

        /// <summary>
        /// Awaits <paramref name="task"/> for at most <paramref name="limit"/>; a task still running then is a hang and
        /// fails the test (the task is left to the client's own teardown).
        /// </summary>
        public static async Task<T> Within<T>(Task<T> task, TimeSpan limit, string what)
        {
            var done = await Task.WhenAny(task, Task.Delay(limit)).ConfigureAwait(false);
            if (done != task) throw new TimeoutException(what + " did not finish within " + limit.TotalSeconds + " s (hang).");
            return await task.ConfigureAwait(false);
        }

        /// <inheritdoc cref="Within{T}(Task{T}, TimeSpan, string)"/>
        public static async Task Within(Task task, TimeSpan limit, string what)
        {
            var done = await Task.WhenAny(task, Task.Delay(limit)).ConfigureAwait(false);
            if (done != task) throw new TimeoutException(what + " did not finish within " + limit.TotalSeconds + " s (hang).");
            await task.ConfigureAwait(false);
        }

        /// <summary>
        /// Runs <paramref name="action"/> and returns the exception it ends with (null when it succeeds), with the time
        /// it took; fails when it takes longer than <paramref name="limit"/>.
        /// </summary>
        public static async Task<(Exception? Error, TimeSpan Elapsed)> Outcome(Func<Task> action, TimeSpan limit, string what)
        {
            var sw = Stopwatch.StartNew();
            var run = Task.Run(action);
            var done = await Task.WhenAny(run, Task.Delay(limit)).ConfigureAwait(false);
            if (done != run) throw new TimeoutException(what + " did not end within " + limit.TotalSeconds + " s (hang).");
            try
            {
                await run.ConfigureAwait(false);
                return (null, sw.Elapsed);
            }
            catch (Exception e)
            {
                return (e, sw.Elapsed);
            }
        }

        /// <summary>Asserts that <paramref name="error"/> is an <see cref="ImapAbortException"/> (or a subtype) and returns it.</summary>
        public static ImapAbortException AssertAbort(Exception? error, string context)
        {
            if (error is ImapAbortException abort) return abort;
            throw new Xunit.Sdk.XunitException(context + ": expected an ImapAbortException, got " + (error == null ? "success" : error.GetType().Name + ": " + error.Message));
        }

        /// <summary>UTF-8 bytes of <paramref name="text"/> with bare LF turned into CRLF.</summary>
        public static byte[] Crlf(string text) => ImapWire.LfToCrlf(Encoding.UTF8.GetBytes(text));

        /// <summary>The SHA-256 of <paramref name="data"/> in hex.</summary>
        public static string Sha256(byte[] data) => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(data));

        /// <summary>Every item of <paramref name="items"/> that is null or empty is dropped; the rest joined with spaces.</summary>
        public static string Join(IEnumerable<string?> items)
        {
            var sb = new StringBuilder();
            foreach (var i in items)
            {
                if (string.IsNullOrEmpty(i)) continue;
                if (sb.Length > 0) sb.Append(' ');
                sb.Append(i);
            }
            return sb.ToString();
        }
    }
}
