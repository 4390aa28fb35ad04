using System;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using ImapPS.Client.Protocol;
using ImapPS.Client.Tests.Support;
using Xunit.Abstractions;

namespace ImapPS.Client.Tests.Reliability
{
    /// <summary>A server that answers garbage, oversize or inconsistent data: a typed error, bounded memory, no hang, no leak.</summary>
    [Collection(ResourceSnapshot.CollectionName)]
    public class GarbageTests
    {
        private const long HundredMegabytes = 100L * 1000 * 1000;
        private static readonly TimeSpan Limit = ReliabilityKit.ResponseTimeout + TimeSpan.FromSeconds(8);
        private readonly ITestOutputHelper _output;

        public GarbageTests(ITestOutputHelper output) => _output = output;

        private static async Task<FaultOutcome> Fetch(Func<ServerScript, ServerScript> reply, ImapClientOptions? options = null)
            => await FaultHarness.RunSelected(FaultHarness.Selected(s => reply(s.ExpectCommand("FETCH"))),
                client => client.FetchAsync("1", "(BODY.PEEK[])"), Limit, options);

        [Fact]
        public async Task A_hundred_megabytes_without_a_newline_hit_the_default_line_limit_with_bounded_memory()
        {
            long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
            long sent = 0;
            var outcome = await FaultHarness.RunSelected(
                FaultHarness.Selected(s => s.ExpectCommand("NOOP").SendGarbage(HundredMegabytes, withoutNewline: true)),
                client => client.NoopAsync(), TimeSpan.FromSeconds(30));
            long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
            sent = outcome.Server.Connections[0].BytesSent;
            var error = Assert.IsType<ImapProtocolException>(outcome.Error);
            Assert.Contains("line longer than " + new ProtocolLimits().MaxLineLength, error.Message);
            _output.WriteLine($"server sent {sent:N0} bytes before the client gave up; {allocated:N0} bytes allocated in the process; {outcome.Elapsed.TotalMilliseconds:0} ms");
            Assert.True(sent < HundredMegabytes, "the client read all 100 MB");
            // The reader's buffer doubles past the 16 MiB line limit to 32 MiB before the check trips: about 64 MiB of
            // buffers in all (measured 70 MB with everything else), below the 100 MB sent. See docs/reliability.md.
            Assert.True(allocated < 5L * new ProtocolLimits().MaxLineLength, $"{allocated:N0} bytes allocated");
        }

        [Fact]
        public async Task A_hundred_megabytes_without_a_newline_against_a_small_line_limit_cost_almost_nothing()
        {
            var options = ReliabilityKit.FastOptions();
            options.Limits.MaxLineLength = 64 * 1024;
            long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
            var outcome = await FaultHarness.RunSelected(
                FaultHarness.Selected(s => s.ExpectCommand("NOOP").SendGarbage(HundredMegabytes, withoutNewline: true)),
                client => client.NoopAsync(), TimeSpan.FromSeconds(30), options);
            long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
            Assert.IsType<ImapProtocolException>(outcome.Error);
            _output.WriteLine($"{allocated:N0} bytes allocated");
            Assert.True(allocated < 4L * 1024 * 1024, $"{allocated:N0} bytes allocated");
        }

        [Fact]
        public async Task Lines_of_garbage_are_a_protocol_error()
        {
            var outcome = await FaultHarness.RunSelected(
                FaultHarness.Selected(s => s.ExpectCommand("NOOP").SendGarbage(1_000_000)),
                client => client.NoopAsync(), Limit);
            Assert.IsType<ImapProtocolException>(outcome.Error);
        }

        [Fact]
        public async Task Binary_garbage_is_a_protocol_error()
        {
            var random = new Random(7);
            var bytes = new byte[64 * 1024];
            random.NextBytes(bytes);
            var outcome = await FaultHarness.RunSelected(
                FaultHarness.Selected(s => s.ExpectCommand("NOOP").Send(bytes).Stall()),
                client => client.NoopAsync(), Limit);
            // Random bytes contain line ends; whatever the first line is, it is not a valid response.
            ReliabilityKit.AssertAbort(outcome.Error, "binary garbage");
            Assert.True(outcome.Error is ImapProtocolException || outcome.Elapsed >= ReliabilityKit.ResponseTimeout, "neither a protocol error nor the timeout: " + outcome.Error);
        }

        [Fact]
        public async Task A_literal_longer_than_announced_is_a_protocol_error()
        {
            var outcome = await Fetch(s => s.Send("* 1 FETCH (BODY[] {5}\r\nhello world\r\n{tag} OK done\r\n"));
            Assert.IsType<ImapProtocolException>(outcome.Error);
        }

        [Fact]
        public async Task A_literal_shorter_than_announced_swallows_the_tagged_reply_and_times_out()
        {
            var outcome = await Fetch(s => s.Send("* 1 FETCH (BODY[] {60}\r\nhello)\r\n{tag} OK done\r\n").Stall());
            ReliabilityKit.AssertAbort(outcome.Error, "short literal, then silence");
            Assert.InRange(outcome.Elapsed, ReliabilityKit.ResponseTimeout - TimeSpan.FromMilliseconds(100), ReliabilityKit.ResponseTimeout + ReliabilityKit.Margin);
        }

        [Fact]
        public async Task A_literal_shorter_than_announced_then_a_close_is_an_abort_at_once()
        {
            var outcome = await Fetch(s => s.Send("* 1 FETCH (BODY[] {60}\r\nhello)\r\n{tag} OK done\r\n").Drop());
            var abort = ReliabilityKit.AssertAbort(outcome.Error, "short literal, then close");
            Assert.Contains("middle of a response", abort.Message);
            Assert.True(outcome.Elapsed < ReliabilityKit.ResponseTimeout);
        }

        [Fact]
        public async Task A_tagged_reply_to_a_command_never_sent_is_a_protocol_error()
        {
            var outcome = await FaultHarness.RunSelected(
                FaultHarness.Selected(s => s.ExpectCommand("NOOP").Send("ZZZZ99 OK not yours\r\n{tag} OK NOOP completed\r\n")),
                client => client.NoopAsync(), Limit);
            var error = Assert.IsType<ImapProtocolException>(outcome.Error);
            Assert.Contains("ZZZZ99", error.Message);
        }

        [Fact]
        public async Task A_continuation_nobody_asked_for_is_a_protocol_error()
        {
            var outcome = await FaultHarness.RunSelected(
                FaultHarness.Selected(s => s.ExpectCommand("NOOP").Send("+ send me more\r\n{tag} OK NOOP completed\r\n")),
                client => client.NoopAsync(), Limit);
            var error = Assert.IsType<ImapProtocolException>(outcome.Error);
            Assert.Contains("continuation", error.Message);
        }

        [Fact]
        public async Task A_BYE_in_the_middle_of_a_FETCH_fails_the_FETCH_with_an_abort()
        {
            var outcome = await Fetch(s => s.Send("* 1 FETCH (UID 1 BODY[] {5}\r\nhello)\r\n* BYE Server shutting down\r\n").Stall());
            var abort = ReliabilityKit.AssertAbort(outcome.Error, "BYE during FETCH");
            Assert.Contains("BYE", abort.Message);
            Assert.Contains("Server shutting down", abort.Message);
            Assert.True(outcome.Elapsed < ReliabilityKit.ResponseTimeout, "the BYE was not acted on at once: " + outcome.Elapsed);
        }

        [Fact(Skip = "engine bug: a NIL (or any non-string) in a capability list makes CapabilityAsync / TakeCapabilityCodeLocked dereference AsString()! and throw NullReferenceException")]
        public async Task A_NIL_in_a_capability_list_is_not_a_NullReferenceException()
        {
            var outcome = await FaultHarness.RunSelected(
                FaultHarness.Selected(s => s.ExpectCommand("CAPABILITY").Send("* CAPABILITY IMAP4rev1 NIL (X)\r\n{tag} OK done\r\n")),
                client => client.CapabilityAsync(), Limit);
            Assert.True(outcome.Error == null || outcome.Error is ImapException, "untyped: " + outcome.Error);
        }

        [Fact]
        public async Task A_greeting_that_is_not_a_greeting_is_a_protocol_error()
        {
            var outcome = await FaultHarness.Run(new ServerScript().Send("220 smtp.example.com ESMTP ready\r\n").Stall(),
                (server, options) => Imap4Client.ConnectAsync(server.Host, server.Port, options), _ => Task.CompletedTask, Limit);
            ReliabilityKit.AssertAbort(outcome.Error, "SMTP greeting");
            Assert.Null(outcome.Client);
        }

        [Fact]
        public async Task Commands_issued_from_many_callers_all_fail_when_garbage_arrives()
        {
            // Twenty commands in flight (sixteen FETCHes on disjoint messages run in parallel, four NOOPs), then garbage.
            var outcome = await FaultHarness.RunSelected(
                FaultHarness.Selected(s => s.Checkpoint("selected").ExpectCommand().Send("* 1 FETCH (\r\n")),
                async client =>
                {
                    var tasks = Enumerable.Range(1, 16).Select(i => client.FetchAsync(i.ToString(), "(FLAGS)"))
                        .Concat(Enumerable.Range(0, 4).Select(_ => client.NoopAsync())).ToList();
                    var all = Task.WhenAll(tasks);
                    await Task.WhenAny(all, Task.Delay(ReliabilityKit.ResponseTimeout + ReliabilityKit.Margin));
                    Assert.True(all.IsCompleted, "commands still pending after the protocol error");
                    foreach (var t in tasks) ReliabilityKit.AssertAbort(t.Exception?.GetBaseException(), "pending command");
                    await all;
                },
                Limit);
            Assert.IsAssignableFrom<ImapAbortException>(outcome.Error);
        }
    }
}
