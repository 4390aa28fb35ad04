using System;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using ImapPS.Client.Tests.Support;

namespace ImapPS.Client.Tests.SupportTests
{
    [Collection(ResourceSnapshot.CollectionName)]
    public class ResourceSnapshotTests
    {
        private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(150);
        private static readonly TimeSpan Settle = TimeSpan.FromSeconds(5);

        [Fact]
        public async Task Detects_a_leaked_socket_until_it_is_closed()
        {
            Assert.True(ResourceSnapshot.IsSupported);
            var baseline = ResourceSnapshot.Capture();
            var leaked = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                Assert.Equal(baseline.Sockets + 1, ResourceSnapshot.Capture().Sockets);
                var error = await Assert.ThrowsAsync<ResourceLeakException>(() => ResourceSnapshot.AssertReturnsToBaselineAsync(baseline, Short));
                Assert.Contains("1 new socket(s)", error.Message);
            }
            finally
            {
                leaked.Dispose();
            }
            await ResourceSnapshot.AssertReturnsToBaselineAsync(baseline, Settle);
        }

        [Fact]
        public async Task Detects_a_leaked_engine_thread_until_it_exits()
        {
            var baseline = ResourceSnapshot.Capture();
            using var release = new ManualResetEventSlim();
            using var started = new ManualResetEventSlim();
            var thread = new Thread(() =>
            {
                started.Set();
                release.Wait(TimeSpan.FromSeconds(30));
            }) { Name = "ImapPS:leak-test", IsBackground = true };
            thread.Start();
            Assert.True(started.Wait(Settle));
            try
            {
                var error = await Assert.ThrowsAsync<ResourceLeakException>(() => ResourceSnapshot.AssertReturnsToBaselineAsync(baseline, Short));
                Assert.Contains("ImapPS:leak-tes", error.Message); // OS thread names keep 15 bytes
            }
            finally
            {
                release.Set();
                Assert.True(thread.Join(Settle));
            }
            await ResourceSnapshot.AssertReturnsToBaselineAsync(baseline, Settle);
        }

        [Fact]
        public async Task Counts_long_running_task_threads_as_dedicated_threads()
        {
            var baseline = ResourceSnapshot.Capture();
            using var release = new ManualResetEventSlim();
            using var started = new ManualResetEventSlim();
            var task = Task.Factory.StartNew(() =>
            {
                started.Set();
                release.Wait(TimeSpan.FromSeconds(30));
            }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            Assert.True(started.Wait(Settle));
            try
            {
                var error = await Assert.ThrowsAsync<ResourceLeakException>(() => ResourceSnapshot.AssertReturnsToBaselineAsync(baseline, Short));
                Assert.Contains("1 new dedicated thread(s)", error.Message);
                await ResourceSnapshot.AssertReturnsToBaselineAsync(baseline, Short, dedicatedThreadTolerance: 1);
            }
            finally
            {
                release.Set();
                await task.WaitAsync(Settle);
            }
            await ResourceSnapshot.AssertReturnsToBaselineAsync(baseline, Settle);
        }

        [Fact]
        public async Task A_scripted_server_session_gives_back_every_socket_and_thread_once_disposed()
        {
            var baseline = ResourceSnapshot.Capture();
            await using (var server = ScriptedImapServer.Start(new ServerScript()
                .Send("* OK ready\r\n")
                .ExpectLine("NOOP")
                .ReplyTagged("OK NOOP completed")
                .Stall()))
            {
                await using var client = await RawImapClient.ConnectAsync(server);
                await client.ReadLineAsync();
                await client.WriteAsync("r1 NOOP\r\n");
                Assert.Equal("r1 OK NOOP completed\r\n", await client.ReadLineAsync());
                Assert.True(ResourceSnapshot.Capture().Sockets >= baseline.Sockets + 3); // listener, server side, client side
                await server.WaitForCompletionAsync();
            }
            await ResourceSnapshot.AssertReturnsToBaselineAsync(baseline, Settle);
        }
    }
}
