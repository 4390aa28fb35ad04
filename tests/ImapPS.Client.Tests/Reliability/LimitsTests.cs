using System;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using ImapPS.Client.Protocol;
using ImapPS.Client.Tests.Support;
using Xunit.Abstractions;

namespace ImapPS.Client.Tests.Reliability
{
    /// <summary>MaxLiteralSize, MaxLineLength and the unclaimed-response pool are configurable, with safe defaults.</summary>
    [Collection(ResourceSnapshot.CollectionName)]
    public class LimitsTests
    {
        private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);
        private readonly ITestOutputHelper _output;

        public LimitsTests(ITestOutputHelper output) => _output = output;

        [Fact]
        public void The_defaults_bound_what_a_server_can_make_the_client_hold()
        {
            var options = new ImapClientOptions();
            Assert.Equal(512L * 1024 * 1024, options.Limits.MaxLiteralSize);
            Assert.Equal(16 * 1024 * 1024, options.Limits.MaxLineLength);
            Assert.Equal(10000, options.MaxPooledResponses);
            Assert.Equal(TimeSpan.FromMinutes(2), options.ResponseTimeout);
            Assert.Equal(TimeSpan.FromSeconds(30), options.ConnectTimeout);
        }

        [Fact]
        public void Nonsensical_limits_are_refused_before_connecting()
        {
            var options = new ImapClientOptions();
            options.Limits.MaxLineLength = 100;
            Assert.Throws<ArgumentOutOfRangeException>(() => new Imap4Client("127.0.0.1", 1, options));
            options.Limits.MaxLineLength = 4096;
            options.Limits.MaxLiteralSize = -1;
            Assert.Throws<ArgumentOutOfRangeException>(() => new Imap4Client("127.0.0.1", 1, options));
        }

        private static Task<FaultOutcome> FetchReply(string reply, ImapClientOptions options, Action<ImapResponse>? check = null)
            => FaultHarness.RunSelected(FaultHarness.Selected(s => s.ExpectCommand("FETCH").Send(reply).Stall()),
                async client =>
                {
                    var response = await client.FetchAsync("1", "(BODY.PEEK[])");
                    check?.Invoke(response);
                }, Limit, options);

        [Fact]
        public async Task A_configured_MaxLiteralSize_admits_a_literal_of_that_size_and_refuses_one_byte_more()
        {
            const int max = 200_000;
            var body = new string('a', max);
            var options = ReliabilityKit.FastOptions();
            options.Limits.MaxLiteralSize = max;
            var ok = await FetchReply("* 1 FETCH (BODY[] {" + max + "}\r\n" + body + ")\r\n{tag} OK done\r\n", options,
                r => Assert.Equal(max, r.Data.Single(d => d!.IsPair)!.Literal!.Length));
            Assert.Null(ok.Error);

            options = ReliabilityKit.FastOptions();
            options.Limits.MaxLiteralSize = max;
            var refused = await FetchReply("* 1 FETCH (BODY[] {" + (max + 1) + "}\r\n", options);
            var error = Assert.IsType<ImapProtocolException>(refused.Error);
            Assert.Contains("exceeds the limit of " + max, error.Message);
        }

        [Fact]
        public async Task A_literal_beyond_the_default_limit_is_refused_before_anything_is_allocated()
        {
            long before = GC.GetTotalAllocatedBytes(precise: true);
            var outcome = await FetchReply("* 1 FETCH (BODY[] {10000000000}\r\n", ReliabilityKit.FastOptions());
            long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
            Assert.IsType<ImapProtocolException>(outcome.Error);
            Assert.True(allocated < 8L * 1024 * 1024, $"{allocated:N0} bytes allocated");
        }

        [Fact]
        public async Task An_announced_literal_costs_memory_only_as_its_bytes_arrive()
        {
            // 20 bytes from the server must not cost 400 MB: the literal is announced, then nothing follows.
            long before = GC.GetTotalAllocatedBytes(precise: true);
            var outcome = await FetchReply("* 1 FETCH (BODY[] {400000000}\r\n", ReliabilityKit.FastOptions());
            long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
            ReliabilityKit.AssertAbort(outcome.Error, "announced literal, then silence");
            _output.WriteLine($"{allocated:N0} bytes allocated");
            Assert.True(allocated < 64L * 1024 * 1024, $"{allocated:N0} bytes allocated for a literal whose bytes never came");
        }

        [Fact]
        public async Task A_configured_MaxLineLength_admits_a_shorter_line_and_refuses_a_longer_one()
        {
            var options = ReliabilityKit.FastOptions();
            options.Limits.MaxLineLength = 4096;
            var shortText = new string('s', 3000);
            var ok = await FaultHarness.RunSelected(
                FaultHarness.Selected(s => s.ExpectCommand("NOOP").Send("* OK " + shortText + "\r\n{tag} OK done\r\n")),
                client => client.NoopAsync(), Limit, options);
            Assert.Null(ok.Error);

            options = ReliabilityKit.FastOptions();
            options.Limits.MaxLineLength = 4096;
            var refused = await FaultHarness.RunSelected(
                FaultHarness.Selected(s => s.ExpectCommand("NOOP").Send("* OK " + new string('l', 5000) + "\r\n{tag} OK done\r\n").Stall()),
                client => client.NoopAsync(), Limit, options);
            var error = Assert.IsType<ImapProtocolException>(refused.Error);
            Assert.Contains("line longer than 4096", error.Message);
        }

        [Fact]
        public async Task Unclaimed_responses_are_kept_up_to_MaxPooledResponses_per_name()
        {
            var options = ReliabilityKit.FastOptions();
            options.MaxPooledResponses = 100;
            var flood = new StringBuilder();
            for (int i = 0; i < 5000; i++) flood.Append("* OK [ALERT] flood ").Append(i).Append("\r\n");
            var outcome = await FaultHarness.RunSelected(
                FaultHarness.Selected(s => s.ExpectCommand("NOOP").Send(flood + "{tag} OK done\r\n")),
                async client =>
                {
                    await client.NoopAsync();
                    var kept = client.Response("OK");
                    Assert.Equal(100, kept.Data.Count);
                    Assert.EndsWith("flood 4999", kept.Data[99]!.Text);
                    Assert.True(client.Response("ALERT").Data.Count <= 100);
                }, Limit, options);
            Assert.Null(outcome.Error);
        }
    }
}
