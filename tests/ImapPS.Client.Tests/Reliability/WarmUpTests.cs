using System;
using System.IO;
using System.Text;
using System.Threading.Tasks;
using ImapPS.Client.Tests.Support;
using ImapPS.Client.Transport;

namespace ImapPS.Client.Tests.Reliability
{
    /// <summary>
    /// <see cref="ImapWarmUp"/>: one engine session against a scripted peer inside the process, run at
    /// the module's import so that the first real session finds its generic code compiled.
    /// </summary>
    [Collection(ResourceSnapshot.CollectionName)]
    public class WarmUpTests
    {
        [Fact]
        public async Task The_warm_up_runs_a_whole_session_in_process_and_leaves_no_thread_or_socket_behind()
        {
            var baseline = ResourceSnapshot.Capture();
            // RunAsync throws unless every step was answered as scripted: LOGIN, EXAMINE (CONDSTORE)
            // with its HIGHESTMODSEQ, three UIDs searched, three summaries fetched, NOOP, LOGOUT.
            await ReliabilityKit.Within(ImapWarmUp.RunAsync(), TimeSpan.FromSeconds(20), "the warm-up session");
            await ResourceSnapshot.AssertReturnsToBaselineAsync(baseline, ReliabilityKit.ReleaseTimeout);
        }

        [Fact]
        public async Task Start_runs_the_warm_up_once_per_process_and_its_task_does_not_fault()
        {
            var first = ImapWarmUp.Start();
            Assert.Same(first, ImapWarmUp.Start());
            await ReliabilityKit.Within(first, TimeSpan.FromSeconds(20), "the started warm-up");
            Assert.Equal(TaskStatus.RanToCompletion, first.Status);
        }

        [Fact]
        public async Task The_in_process_transport_carries_bytes_both_ways_in_order_and_ends_with_zero_once_closed()
        {
            var transport = new InProcessTransport("test");
            var peer = transport.Peer;
            var hello = Encoding.ASCII.GetBytes("* OK hello\r\n");
            await peer.WriteAsync(hello, 0, hello.Length);
            await peer.WriteAsync(hello, 0, 2);

            // A short read leaves the rest of a chunk for the next read.
            var buffer = new byte[5];
            Assert.Equal(5, await transport.ReadStream.ReadAsync(buffer, 0, 5));
            Assert.Equal("* OK ", Encoding.ASCII.GetString(buffer));
            var rest = new byte[64];
            int n = await transport.ReadStream.ReadAsync(rest, 0, rest.Length);
            Assert.Equal("hello\r\n", Encoding.ASCII.GetString(rest, 0, n));
            n = await transport.ReadStream.ReadAsync(rest, 0, rest.Length);
            Assert.Equal("* ", Encoding.ASCII.GetString(rest, 0, n));

            // A read on an empty pipe waits for the other side's write.
            var pending = peer.ReadAsync(rest, 0, rest.Length);
            Assert.False(pending.IsCompleted);
            var command = Encoding.ASCII.GetBytes("a1 NOOP\r\n");
            await transport.WriteStream.WriteAsync(command, 0, command.Length);
            Assert.Equal(command.Length, await pending);

            // Closing ends a waiting read with 0 on both sides, and refuses later writes.
            var waiting = transport.ReadStream.ReadAsync(rest, 0, rest.Length);
            transport.Dispose();
            Assert.Equal(0, await waiting);
            Assert.Equal(0, await peer.ReadAsync(rest, 0, rest.Length));
            Assert.Throws<IOException>(() => peer.Write(hello, 0, hello.Length));
        }
    }
}
