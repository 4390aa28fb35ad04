using System;
using System.Text;
using System.Threading.Tasks;
using ImapPS.Client.Tests.Support;

namespace ImapPS.Client.Tests.Reliability
{
    /// <summary>A silent server: the response timeout fires; IDLE is governed by its own timeout instead.</summary>
    [Collection(ResourceSnapshot.CollectionName)]
    public class StallTests
    {
        private static readonly TimeSpan Timeout = ReliabilityKit.ResponseTimeout;

        [Fact]
        public async Task A_server_that_never_answers_a_command_is_aborted_after_the_response_timeout()
        {
            var outcome = await FaultHarness.RunSelected(
                FaultHarness.Selected(s => s.ExpectCommand("NOOP").Stall()),
                client => client.NoopAsync(),
                Timeout + TimeSpan.FromSeconds(5));
            var abort = ReliabilityKit.AssertAbort(outcome.Error, "stalled NOOP");
            Assert.Contains("did not answer within 2 s", abort.Message);
            Assert.InRange(outcome.Elapsed, Timeout - TimeSpan.FromMilliseconds(100), Timeout + ReliabilityKit.Margin);
        }

        [Fact]
        public async Task A_server_that_never_greets_is_aborted_after_the_connect_timeout()
        {
            var outcome = await FaultHarness.Run(new ServerScript().Stall(),
                (server, options) => Imap4Client.ConnectAsync(server.Host, server.Port, options),
                _ => Task.CompletedTask,
                ReliabilityKit.ConnectTimeout + TimeSpan.FromSeconds(5));
            ReliabilityKit.AssertAbort(outcome.Error, "silent greeting");
            Assert.Null(outcome.Client);
            Assert.InRange(outcome.Elapsed, ReliabilityKit.ConnectTimeout - TimeSpan.FromMilliseconds(100), ReliabilityKit.ConnectTimeout + ReliabilityKit.Margin);
        }

        [Fact]
        public async Task A_server_that_stops_in_the_middle_of_a_literal_is_aborted_after_the_response_timeout()
        {
            var outcome = await FaultHarness.RunSelected(
                FaultHarness.Selected(s => s.ExpectCommand("FETCH").Send("* 1 FETCH (BODY[] {100}\r\nonly twenty bytes...").Stall()),
                client => client.FetchAsync("1", "(BODY.PEEK[])"),
                Timeout + TimeSpan.FromSeconds(5));
            ReliabilityKit.AssertAbort(outcome.Error, "stall inside a literal");
            Assert.InRange(outcome.Elapsed, Timeout - TimeSpan.FromMilliseconds(100), Timeout + ReliabilityKit.Margin);
        }

        [Fact]
        public async Task A_server_that_never_sends_the_APPEND_continuation_is_aborted_after_the_response_timeout()
        {
            var outcome = await FaultHarness.RunSelected(
                FaultHarness.Selected(s => s.ExpectLine(l => l.Contains("APPEND"), "APPEND").Stall()),
                client => client.AppendAsync("INBOX", null, null, Encoding.ASCII.GetBytes("Subject: x\r\n\r\nbody\r\n")),
                Timeout + TimeSpan.FromSeconds(5));
            ReliabilityKit.AssertAbort(outcome.Error, "missing continuation");
            Assert.InRange(outcome.Elapsed, Timeout - TimeSpan.FromMilliseconds(100), Timeout + ReliabilityKit.Margin);
        }

        [Fact]
        public async Task A_slow_server_that_keeps_sending_is_not_timed_out()
        {
            // 300 bytes 5 ms apart take longer than the 1 s response timeout, but bytes keep arriving.
            var options = ReliabilityKit.FastOptions();
            options.ResponseTimeout = TimeSpan.FromSeconds(1);
            var body = new string('x', 300);
            var outcome = await FaultHarness.RunSelected(
                FaultHarness.Selected(s => s.ExpectCommand("FETCH").Trickle(TimeSpan.FromMilliseconds(5))
                    .Send("* 1 FETCH (BODY[] {" + body.Length + "}\r\n" + body + ")\r\n{tag} OK done\r\n")),
                async client =>
                {
                    var fetch = await client.FetchAsync("1", "(BODY.PEEK[])");
                    Assert.Equal(body.Length, Assert.Single(fetch.Data, d => d!.IsPair)!.Literal!.Length);
                },
                TimeSpan.FromSeconds(30), options);
            Assert.Null(outcome.Error);
            Assert.True(outcome.Elapsed > options.ResponseTimeout, "the trickle was faster than the timeout: " + outcome.Elapsed);
        }

        [Fact]
        public async Task Idle_outlasts_the_response_timeout_and_ends_at_its_own_timeout()
        {
            var options = ReliabilityKit.FastOptions();
            options.ResponseTimeout = TimeSpan.FromSeconds(1);
            var idleTimeout = TimeSpan.FromSeconds(2.5);
            TimeSpan idleTook = default;
            var outcome = await FaultHarness.RunSelected(
                FaultHarness.Selected(s => s
                    .ExpectCommand("IDLE").Send("+ idling\r\n")
                    .ExpectLine("DONE").Send("{tag} OK Idle completed\r\n")
                    .ExpectCommand("NOOP").ReplyTagged("OK still here")),
                async client =>
                {
                    var sw = System.Diagnostics.Stopwatch.StartNew();
                    var idle = await client.IdleAsync(idleTimeout);
                    idleTook = sw.Elapsed;
                    Assert.Equal("OK", idle.Type);
                    Assert.Equal("OK", (await client.NoopAsync()).Type);
                },
                TimeSpan.FromSeconds(15), options);
            Assert.Null(outcome.Error);
            Assert.InRange(idleTook, idleTimeout - TimeSpan.FromMilliseconds(100), idleTimeout + ReliabilityKit.Margin);
        }

        [Fact]
        public async Task A_server_that_ignores_DONE_is_aborted_after_the_response_timeout()
        {
            var options = ReliabilityKit.FastOptions();
            options.ResponseTimeout = TimeSpan.FromSeconds(1);
            var outcome = await FaultHarness.RunSelected(
                FaultHarness.Selected(s => s.ExpectCommand("IDLE").Send("+ idling\r\n").ExpectLine("DONE").Stall()),
                client => client.IdleAsync(TimeSpan.FromSeconds(1)),
                TimeSpan.FromSeconds(10), options);
            ReliabilityKit.AssertAbort(outcome.Error, "DONE ignored");
            // One second of IDLE, then at most the response timeout (plus the watchdog's period) for the answer to DONE.
            Assert.InRange(outcome.Elapsed, TimeSpan.FromSeconds(2) - TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(2) + ReliabilityKit.Margin);
        }

        [Fact]
        public async Task A_TLS_handshake_that_never_ends_is_aborted_after_the_connect_timeout()
        {
            var outcome = await FaultHarness.Run(new ServerScript().TlsHandshakeStall(),
                async (server, options) => await Imap4SslClient.ConnectAsync("localhost", server.Port, options),
                _ => Task.CompletedTask,
                ReliabilityKit.ConnectTimeout + TimeSpan.FromSeconds(5),
                serverOptions: new ScriptedServerOptions { Certificate = TestCertificates.Localhost });
            ReliabilityKit.AssertAbort(outcome.Error, "stalled TLS handshake");
            Assert.InRange(outcome.Elapsed, ReliabilityKit.ConnectTimeout - TimeSpan.FromMilliseconds(100), ReliabilityKit.ConnectTimeout + ReliabilityKit.Margin);
        }

        [Fact]
        public async Task A_STARTTLS_handshake_that_never_ends_is_aborted_after_the_connect_timeout()
        {
            var outcome = await FaultHarness.Run(
                new ServerScript().Send("* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n").ExpectCommand("STARTTLS").ReplyTagged("OK Begin TLS").Stall(),
                (server, options) => Imap4Client.ConnectAsync(server.Host, server.Port, options),
                client => client.StartTlsAsync(),
                ReliabilityKit.ConnectTimeout + TimeSpan.FromSeconds(5));
            ReliabilityKit.AssertAbort(outcome.Error, "stalled STARTTLS handshake");
            Assert.InRange(outcome.Elapsed, ReliabilityKit.ConnectTimeout - TimeSpan.FromMilliseconds(100), ReliabilityKit.ConnectTimeout + ReliabilityKit.Margin);
        }
    }
}
