using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Threading.Tasks;
using ImapPS.Client.Tests.Engine;
using ImapPS.Client.Tests.Fixture;
using Xunit.Abstractions;

namespace ImapPS.Client.Tests.Reliability
{
    /// <summary>
    /// Issue 15 on a real server: Dovecot's imap process serving the test's session is frozen with
    /// SIGSTOP while the client idles (the kernel still ACKs, so TCP sees nothing wrong). The client
    /// must find out within IdleRenewal + DeadPeerTimeout + the watchdog's period.
    /// </summary>
    [Collection(DovecotFixture.CollectionName)]
    public class DovecotDeadPeerTests : ClientTestBase
    {
        private const int SigCont = 18;
        private const int SigStop = 19;
        private readonly ITestOutputHelper _output;

        public DovecotDeadPeerTests(DovecotFixture fixture, ITestOutputHelper output) : base(fixture) => _output = output;

        [DllImport("libc", SetLastError = true, EntryPoint = "kill")]
        private static extern int Kill(int pid, int signal);

        [Fact]
        public async Task A_dovecot_frozen_with_SIGSTOP_during_IDLE_is_detected_within_the_stated_bound()
        {
            Assert.True(OperatingSystem.IsLinux(), "SIGSTOP and /proc are Linux's");
            var user = Fixture.CreateUser("frozen");
            var options = Options();
            if (Environment.GetEnvironmentVariable("IMAPPS_DEADPEER_DEFAULTS") == "1")
            {
                // The engine's defaults (about a minute): IMAPPS_DEADPEER_DEFAULTS=1 measures the default bound.
                var defaults = new ImapClientOptions();
                options.ResponseTimeout = defaults.ResponseTimeout;
            }
            else
            {
                options.ResponseTimeout = TimeSpan.FromSeconds(10);
                options.IdleRenewal = TimeSpan.FromSeconds(1);
                options.DeadPeerTimeout = TimeSpan.FromSeconds(2);
            }
            // The stated bound: IdleRenewal + min(DeadPeerTimeout, ResponseTimeout) + the watchdog's
            // period (a fifth of the shortest bound, between 20 ms and 1 s): 3.4 s here, 56 s by default.
            var deadPeer = options.DeadPeerTimeout!.Value < options.ResponseTimeout!.Value ? options.DeadPeerTimeout.Value : options.ResponseTimeout.Value;
            var period = TimeSpan.FromMilliseconds(Math.Clamp(deadPeer.TotalMilliseconds / 5, 20, 1000));
            var bound = options.IdleRenewal + deadPeer + period;
            options.DebugLevel = 2; // for the DebugLine event that tells when the server is idling
            var client = new Imap4Client(Server.Host, Server.ImapPort, options);
            int pid = 0;
            try
            {
                client.Login(user.Name, user.Password);
                client.Select("INBOX");
                pid = ImapProcessOf(user.Name);

                var idling = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                client.DebugLine += (level, text) => { if (text.StartsWith("< +", StringComparison.Ordinal)) idling.TrySetResult(true); };
                // A watcher as Invoke-ImapIdle runs it: IDLE, renewed every IdleRenewal, again and again.
                var watcher = Task.Run(async () => { while (true) await client.IdleAsync(); });
                await idling.Task.WaitAsync(Patience);

                var sw = Stopwatch.StartNew();
                Assert.Equal(0, Kill(pid, SigStop));
                // Whatever ends the watch from here on happened to a frozen server, not a healthy one.
                Assert.False(watcher.IsCompleted, "the watch ended before the server was frozen: " + watcher.Exception?.GetBaseException().Message);
                var error = await Record.ExceptionAsync(() => watcher.WaitAsync(bound + Patience));
                var detected = sw.Elapsed;
                _output.WriteLine($"frozen imap process {pid}: detected after {detected.TotalSeconds:0.000} s (bound {bound.TotalSeconds:0.0} s)");

                var timeout = Assert.IsType<ImapTimeoutException>(error);
                Assert.Equal(ImapTimeoutKind.DeadPeer, timeout.Kind);
                Assert.Contains(timeout.Command, new[] { "DONE", "IDLE" });
                Assert.InRange(detected, TimeSpan.Zero, bound + ReliabilityKit.Margin);
            }
            finally
            {
                if (pid != 0) Kill(pid, SigCont);
                client.Dispose();
            }
        }

        /// <summary>The pid of the imap process serving <paramref name="user"/> (fresh users have exactly one).</summary>
        private int ImapProcessOf(string user)
        {
            var who = Server.Doveadm("who", "-1", user);
            var pids = new List<int>();
            foreach (var line in who.Split('\n'))
            {
                var fields = line.Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length == 0 || fields[0] != user) continue;
                foreach (var f in fields.Skip(1))
                    if (int.TryParse(f.Trim('(', ')'), out var pid) && IsImapProcess(pid)) pids.Add(pid);
            }
            Assert.True(pids.Count == 1, "expected one imap process for " + user + ", doveadm who said: " + who);
            return pids[0];
        }

        private static bool IsImapProcess(int pid)
        {
            try
            {
                return File.ReadAllText("/proc/" + pid + "/comm").Trim() == "imap";
            }
            catch (IOException)
            {
                return false;
            }
        }
    }
}
