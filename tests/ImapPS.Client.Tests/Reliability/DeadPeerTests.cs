using System;
using System.Threading.Tasks;
using ImapPS.Client.Tests.Support;
using ImapPS.Client.Transport;

namespace ImapPS.Client.Tests.Reliability
{
    /// <summary>
    /// Issue 15, dead peers and deadlines against a scripted server: what a live server answers at once
    /// (NOOP alone, IDLE's continuation, DONE) is bounded by DeadPeerTimeout, IDLE is renewed every
    /// IdleRenewal, and a command cannot outlive CommandDeadline however steadily the server drips.
    /// </summary>
    [Collection(ResourceSnapshot.CollectionName)]
    public class DeadPeerTests
    {
        private static readonly TimeSpan Limit = TimeSpan.FromSeconds(15);

        /// <summary>A response timeout far above the dead-peer timeout: an abort before it can only be the dead-peer check.</summary>
        private static ImapClientOptions PeerOptions(double deadPeerSeconds = 1, double idleRenewalSeconds = 1)
        {
            var options = ReliabilityKit.SteadyOptions();
            options.ResponseTimeout = TimeSpan.FromSeconds(30);
            options.DeadPeerTimeout = TimeSpan.FromSeconds(deadPeerSeconds);
            options.IdleRenewal = TimeSpan.FromSeconds(idleRenewalSeconds);
            return options;
        }

        /// <summary>Answers the LOGOUT of the client's disposal, so a session that survives closes at once.</summary>
        private static ServerScript LoggedOut(ServerScript script) => script.ExpectCommand("LOGOUT").Send("* BYE bye\r\n{tag} OK done\r\n");

        private static ImapTimeoutException AssertTimeout(Exception? error, ImapTimeoutKind kind, string context)
        {
            var abort = ReliabilityKit.AssertAbort(error, context);
            var timeout = Assert.IsType<ImapTimeoutException>(abort);
            Assert.True(timeout.Kind == kind, context + ": expected " + kind + ", got " + timeout.Kind + ": " + timeout.Message);
            return timeout;
        }

        [Fact]
        public async Task A_NOOP_left_unanswered_ends_the_connection_as_a_dead_peer_long_before_the_response_timeout()
        {
            var options = PeerOptions();
            var outcome = await FaultHarness.RunSelected(
                FaultHarness.Selected(s => s.ExpectCommand("NOOP").Stall()),
                client => client.NoopAsync(), Limit, options);
            var timeout = AssertTimeout(outcome.Error, ImapTimeoutKind.DeadPeer, "unanswered NOOP");
            Assert.Equal("NOOP", timeout.Command);
            Assert.Equal(TimeSpan.FromSeconds(1), timeout.Limit);
            Assert.Contains("NOOP unanswered", timeout.Message);
            Assert.Same(timeout, outcome.Client!.AbortError);
        }

        [Fact]
        public async Task A_DONE_left_unanswered_ends_the_connection_as_a_dead_peer()
        {
            // No timeout given: IDLE lasts IdleRenewal (1 s), then DONE goes out and is never answered.
            var options = PeerOptions();
            var outcome = await FaultHarness.RunSelected(
                FaultHarness.Selected(s => s.ExpectCommand("IDLE").Send("+ idling\r\n").ExpectLine("DONE").Stall()),
                client => client.IdleAsync(), Limit, options);
            var timeout = AssertTimeout(outcome.Error, ImapTimeoutKind.DeadPeer, "DONE ignored");
            Assert.Equal("DONE", timeout.Command);
            Assert.Contains("DONE unanswered", timeout.Message);
            Assert.Contains("DONE", outcome.Server.ReceivedText);
        }

        [Fact]
        public async Task An_IDLE_whose_continuation_never_comes_ends_the_connection_as_a_dead_peer()
        {
            var options = PeerOptions();
            var outcome = await FaultHarness.RunSelected(
                FaultHarness.Selected(s => s.ExpectCommand("IDLE").Stall()),
                client => client.IdleAsync(TimeSpan.FromMinutes(5)), Limit, options);
            var timeout = AssertTimeout(outcome.Error, ImapTimeoutKind.DeadPeer, "IDLE without continuation");
            Assert.Equal("IDLE", timeout.Command);
        }

        [Fact]
        public async Task A_NOOP_behind_a_slow_command_is_held_to_the_response_timeout_not_the_dead_peer_timeout()
        {
            // The server owes the FETCH first: a NOOP queued behind it may wait as long as the FETCH may.
            var options = PeerOptions(deadPeerSeconds: 0.5);
            options.ResponseTimeout = TimeSpan.FromSeconds(2);
            var outcome = await FaultHarness.RunSelected(
                // Both are admitted at once; which is written first is up to the thread pool.
                FaultHarness.Selected(s => s.ExpectLine(_ => true, "FETCH or NOOP").ExpectLine(_ => true, "NOOP or FETCH").Stall()),
                client => Task.WhenAll(client.FetchAsync("1", "(FLAGS)"), client.NoopAsync()), Limit, options);
            var timeout = AssertTimeout(outcome.Error, ImapTimeoutKind.Response, "stalled FETCH with a NOOP behind it");
            Assert.Contains(" FETCH ", outcome.Server.ReceivedText);
            Assert.Contains(" NOOP", outcome.Server.ReceivedText);
            Assert.Equal(TimeSpan.FromSeconds(2), timeout.Limit);
        }

        [Fact]
        public async Task A_server_sending_one_byte_a_second_is_stopped_by_the_command_deadline()
        {
            // Every byte comes well within the response timeout, so only the deadline can end it.
            var options = ReliabilityKit.SteadyOptions();
            options.ResponseTimeout = TimeSpan.FromSeconds(5);
            options.CommandDeadline = TimeSpan.FromSeconds(2);
            var body = new string('x', 100);
            var outcome = await FaultHarness.RunSelected(
                FaultHarness.Selected(s => s.ExpectCommand("FETCH").Trickle(TimeSpan.FromSeconds(1))
                    .Send("* 1 FETCH (BODY[] {" + body.Length + "}\r\n" + body + ")\r\n{tag} OK done\r\n")),
                client => client.FetchAsync("1", "(BODY.PEEK[])"), Limit, options);
            var timeout = AssertTimeout(outcome.Error, ImapTimeoutKind.CommandDeadline, "one byte a second");
            Assert.Equal("FETCH", timeout.Command);
            Assert.Equal(TimeSpan.FromSeconds(2), timeout.Limit);
            Assert.Contains("deadline of 2 s", timeout.Message);
        }

        [Fact]
        public async Task A_command_whose_deadline_passes_before_it_is_sent_fails_alone_and_the_connection_stays_usable()
        {
            var release = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            var options = ReliabilityKit.SteadyOptions();
            options.ResponseTimeout = TimeSpan.FromSeconds(20);
            ImapDeadlineException? refused = null;
            var outcome = await FaultHarness.RunSelected(
                FaultHarness.Selected(s => s
                    .ExpectCommand("FETCH").WaitFor(release.Task).Send("* 1 FETCH (FLAGS (\\Seen))\r\n{tag} OK done\r\n")
                    .ExpectCommand("NOOP").ReplyTagged("OK still here").ExpectCommand("LOGOUT").Send("* BYE bye\r\n{tag} OK done\r\n")),
                async client =>
                {
                    // The second FETCH asks about the same message, so it must wait for the first.
                    var first = client.FetchAsync("1", "(FLAGS)");
                    Task<ImapResponse> second;
                    using (client.WithCommandDeadline(TimeSpan.FromSeconds(0.5)))
                        second = client.FetchAsync("1", "(FLAGS)");
                    refused = await Assert.ThrowsAsync<ImapDeadlineException>(() => second);
                    release.SetResult(true);
                    Assert.Equal("OK", (await first).Type);
                    Assert.Equal("OK", (await client.NoopAsync()).Type);
                }, Limit, options);
            Assert.Null(outcome.Error);
            Assert.Equal("FETCH", refused!.Command);
            Assert.Equal(TimeSpan.FromSeconds(0.5), refused.Deadline);
            // The refused FETCH never reached the server: one FETCH, then the NOOP.
            var received = outcome.Server.ReceivedText;
            Assert.Equal(received.IndexOf(" FETCH ", StringComparison.Ordinal), received.LastIndexOf(" FETCH ", StringComparison.Ordinal));
        }

        [Fact]
        public async Task Idle_is_exempt_from_the_command_deadline()
        {
            var options = ReliabilityKit.SteadyOptions();
            options.CommandDeadline = TimeSpan.FromSeconds(0.5);
            var outcome = await FaultHarness.RunSelected(
                FaultHarness.Selected(s => s.ExpectCommand("IDLE").Send("+ idling\r\n").ExpectLine("DONE").Send("{tag} OK Idle completed\r\n").ExpectCommand("LOGOUT").Send("* BYE bye\r\n{tag} OK done\r\n")),
                async client => Assert.Equal("OK", (await client.IdleAsync(TimeSpan.FromSeconds(1.5))).Type), Limit, options);
            Assert.Null(outcome.Error);
        }

        [Fact]
        public async Task Tcp_keepalive_is_on_with_the_configured_idle_time()
        {
            var options = ReliabilityKit.SteadyOptions();
            options.TcpKeepAlive = TimeSpan.FromSeconds(45);
            var outcome = await FaultHarness.RunSelected(FaultHarness.Selected(LoggedOut), client =>
            {
                var tcp = Assert.IsType<TcpTransport>(client.Transport);
                Assert.True(tcp.KeepAliveEnabled, "SO_KEEPALIVE is off");
                if (OperatingSystem.IsLinux() || OperatingSystem.IsWindows())
                    Assert.Equal(TimeSpan.FromSeconds(45), tcp.KeepAliveTime);
                return Task.CompletedTask;
            }, Limit, options);
            Assert.Null(outcome.Error);
        }

        [Fact]
        public void The_options_refuse_bounds_that_cannot_work()
        {
            var options = new ImapClientOptions();
            Assert.Equal(TimeSpan.FromSeconds(25), options.IdleRenewal);
            Assert.Equal(TimeSpan.FromSeconds(30), options.DeadPeerTimeout);
            Assert.Null(options.CommandDeadline);
            Assert.Throws<ArgumentOutOfRangeException>(() => options.IdleRenewal = TimeSpan.Zero);
            Assert.Throws<ArgumentOutOfRangeException>(() => options.IdleRenewal = TimeSpan.FromMinutes(30));
            Assert.Throws<ArgumentOutOfRangeException>(() => options.DeadPeerTimeout = TimeSpan.FromSeconds(-1));
            Assert.Throws<ArgumentOutOfRangeException>(() => options.CommandDeadline = TimeSpan.Zero);
        }
    }
}
