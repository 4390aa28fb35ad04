using System;
using System.Diagnostics;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using ImapPS.Client.Tests.Support;

namespace ImapPS.Client.Tests.SupportTests
{
    public class ScriptedImapServerTests
    {
        [Fact]
        public async Task Greeting_expect_and_tagged_reply_use_the_clients_tag_and_log_every_byte()
        {
            await using var server = ScriptedImapServer.Start(new ServerScript()
                .Send("* OK [CAPABILITY IMAP4rev1] ready\r\n")
                .ExpectLine("LOGIN")
                .ReplyTagged("OK LOGIN completed")
                .ExpectCommand("SELECT")
                .Send("* 3 EXISTS\n{tag} OK [READ-WRITE] SELECT completed\n", lfToCrlf: true)
                .ExpectLine("DONE")
                .Send("{tag} OK still the SELECT tag\r\n"));
            await using var client = await RawImapClient.ConnectAsync(server);

            Assert.Equal("* OK [CAPABILITY IMAP4rev1] ready\r\n", await client.ReadLineAsync());
            await client.WriteAsync("x17 LOGIN user pass\r\n");
            Assert.Equal("x17 OK LOGIN completed\r\n", await client.ReadLineAsync());

            await client.WriteAsync("x18 SELECT {5}\r\n");
            Assert.Equal("+ Ready for literal data\r\n", await client.ReadLineAsync());
            await client.WriteAsync("INBOX\r\n");
            Assert.Equal("* 3 EXISTS\r\n", await client.ReadLineAsync());
            Assert.Equal("x18 OK [READ-WRITE] SELECT completed\r\n", await client.ReadLineAsync());
            await client.WriteAsync("DONE\r\n");
            Assert.Equal("x18 OK still the SELECT tag\r\n", await client.ReadLineAsync());

            await server.WaitForCompletionAsync();
            var connection = Assert.Single(server.Connections);
            Assert.Equal("x17 LOGIN user pass\r\nx18 SELECT {5}\r\nINBOX\r\nDONE\r\n", connection.ReceivedText);
            Assert.Equal("SELECT", connection.LastCommand!.Name);
            Assert.Equal("INBOX", Encoding.ASCII.GetString(Assert.Single(connection.LastCommand.Literals)));
            Assert.Equal(7, connection.StepsCompleted);
        }

        [Fact]
        public async Task ExpectBytes_reads_literal_data_and_non_synchronising_literals_are_read_without_continuation()
        {
            await using var server = ScriptedImapServer.Start(new ServerScript()
                .ExpectLine(line => line.EndsWith("{4}"), "APPEND with {4}")
                .Send("+ go\r\n")
                .ExpectBytes(4, data => Encoding.ASCII.GetString(data) == "abcd")
                .ExpectLine(line => line.Length == 0, "end of APPEND", captureTag: false)
                .ReplyTagged("OK APPEND completed")
                .ExpectCommand("LOGIN")
                .ReplyTagged("OK"));
            await using var client = await RawImapClient.ConnectAsync(server);

            await client.WriteAsync("a1 APPEND INBOX {4}\r\n");
            Assert.Equal("+ go\r\n", await client.ReadLineAsync());
            await client.WriteAsync("abcd\r\n");
            Assert.Equal("a1 OK APPEND completed\r\n", await client.ReadLineAsync());
            await client.WriteAsync("a2 LOGIN {4+}\r\nuser {4+}\r\npass\r\n");
            Assert.Equal("a2 OK\r\n", await client.ReadLineAsync());

            await server.WaitForCompletionAsync();
            Assert.Equal(new[] { "user", "pass" }, server.Connections[0].LastCommand!.Literals.Select(l => Encoding.ASCII.GetString(l)));
        }

        [Fact]
        public async Task DropAfterBytes_is_seen_by_the_client_as_end_of_stream_after_exactly_that_many_bytes()
        {
            var reply = "* 1 FETCH (BODY[] {20}\r\n01234567890123456789)\r\na1 OK FETCH completed\r\n";
            await using var server = ScriptedImapServer.Start(new ServerScript()
                .DropAfterBytes(37)
                .Send(reply));
            await using var client = await RawImapClient.ConnectAsync(server);

            var received = await client.ReadAllToEndAsync();

            Assert.Equal(reply.Substring(0, 37), Encoding.ASCII.GetString(received));
            await server.WaitForCompletionAsync();
            Assert.Equal(37, server.Connections[0].BytesSent);
        }

        [Fact]
        public async Task DropAfterBytes_stays_a_clean_end_of_stream_when_client_bytes_are_still_unread()
        {
            var gate = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            await using var server = ScriptedImapServer.Start(new ServerScript()
                .WaitFor(gate.Task)
                .DropAfterBytes(10)
                .Send("* OK greeting that is cut\r\n"));
            await using var client = await RawImapClient.ConnectAsync(server);
            await client.WriteAsync("a1 NOOP\r\n"); // the script never reads it before closing
            gate.SetResult(true);

            Assert.Equal("* OK greet", Encoding.ASCII.GetString(await client.ReadAllToEndAsync()));
            await server.WaitForCompletionAsync();
            await server.Connections[0].WaitForReceivedAsync("a1 NOOP\r\n");
        }

        [Fact]
        public async Task Drop_with_reset_is_seen_by_the_client_as_connection_reset()
        {
            await using var server = ScriptedImapServer.Start(new ServerScript()
                .ExpectLine("NOOP")
                .Drop(reset: true));
            await using var client = await RawImapClient.ConnectAsync(server);
            await client.WriteAsync("a1 NOOP\r\n");

            var error = await Assert.ThrowsAsync<IOException>(() => client.ReadOnceAsync());
            Assert.Equal(SocketError.ConnectionReset, Assert.IsType<SocketException>(error.InnerException).SocketErrorCode);
            await server.WaitForCompletionAsync();
        }

        [Fact]
        public async Task Stall_never_answers_so_the_client_read_times_out_while_the_server_keeps_logging()
        {
            await using var server = ScriptedImapServer.Start(new ServerScript()
                .Send("* OK ready\r\n")
                .Stall());
            await using var client = await RawImapClient.ConnectAsync(server);
            Assert.Equal("* OK ready\r\n", await client.ReadLineAsync());
            await server.WaitForCompletionAsync();

            await client.WriteAsync("a1 NOOP\r\n");
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.ReadLineAsync(TimeSpan.FromMilliseconds(200)));

            var connection = await server.WaitForConnectionAsync(0);
            await connection.WaitForReceivedAsync("a1 NOOP\r\n");
            Assert.Equal("a1 NOOP\r\n", connection.ReceivedText);
            server.AssertNoErrors();
        }

        [Fact]
        public async Task Trickle_sends_one_byte_at_a_time_with_the_delay_between_bytes()
        {
            const string text = "* OK trickled hello\r\n"; // 21 bytes, 20 gaps of 5 ms
            await using var server = ScriptedImapServer.Start(new ServerScript()
                .Trickle(TimeSpan.FromMilliseconds(5))
                .Send(text)
                .Drop());
            await using var client = await RawImapClient.ConnectAsync(server);

            var stopwatch = Stopwatch.StartNew();
            var reads = 0;
            var received = new MemoryStream();
            int n;
            while ((n = await client.ReadOnceAsync()) > 0)
            {
                reads++;
                received.Write(client.TakeBuffered());
            }
            stopwatch.Stop();

            Assert.Equal(text, Encoding.ASCII.GetString(received.ToArray()));
            Assert.True(reads > 1, $"expected the greeting in several reads, got {reads}");
            Assert.True(stopwatch.ElapsedMilliseconds >= 90, $"20 gaps of 5 ms took only {stopwatch.ElapsedMilliseconds} ms");
            await server.WaitForCompletionAsync();
        }

        [Theory]
        [InlineData(3_000_000L, false)]
        [InlineData(3_000_000L, true)]
        [InlineData(100_000_000L, true)]
        public async Task SendGarbage_streams_exactly_the_requested_length(long length, bool withoutNewline)
        {
            await using var server = ScriptedImapServer.Start(new ServerScript()
                .SendGarbage(length, withoutNewline)
                .Drop());
            await using var client = await RawImapClient.ConnectAsync(server);

            long newlines = 0;
            var total = await client.ReadToEndAsync((buffer, offset, count) =>
            {
                newlines += buffer.AsSpan(offset, count).Count((byte)'\n');
            }, TimeSpan.FromSeconds(30));

            Assert.Equal(length, total);
            Assert.Equal(withoutNewline ? 0 : length / 80, newlines);
            await server.WaitForCompletionAsync();
            Assert.Equal(length, server.Connections[0].BytesSent);
        }

        [Fact]
        public async Task SendGarbage_ends_the_script_without_error_when_the_client_gives_up()
        {
            await using var server = ScriptedImapServer.Start(new ServerScript()
                .SendGarbage(100_000_000L, withoutNewline: true));
            var client = await RawImapClient.ConnectAsync(server);
            Assert.True(await client.ReadOnceAsync() > 0);
            client.Socket.LingerState = new LingerOption(true, 0);
            await client.DisposeAsync();

            await server.WaitForCompletionAsync();
            Assert.True(server.Connections[0].ClientAbortedDuringSend);
            Assert.True(server.Connections[0].BytesSent < 100_000_000L);
        }

        [Fact]
        public async Task Implicit_tls_runs_the_script_over_tls_and_logs_the_plaintext()
        {
            var certificate = TestCertificates.Localhost;
            await using var server = ScriptedImapServer.Start(new ScriptedServerOptions { Certificate = certificate },
                new ServerScript()
                    .Send("* OK tls ready\r\n")
                    .ExpectLine("NOOP")
                    .ReplyTagged("OK NOOP completed"));
            await using var client = await RawImapClient.ConnectAsync(server);
            using (var cts = new CancellationTokenSource(RawImapClient.DefaultTimeout))
                await client.StartTlsAsync(certificate, cts.Token);

            Assert.Equal("* OK tls ready\r\n", await client.ReadLineAsync());
            await client.WriteAsync("t1 NOOP\r\n");
            Assert.Equal("t1 OK NOOP completed\r\n", await client.ReadLineAsync());
            await server.WaitForCompletionAsync();
            Assert.True(server.Connections[0].IsTls);
            Assert.Equal("t1 NOOP\r\n", server.ReceivedText);
        }

        [Fact]
        public async Task StartTls_upgrades_the_connection_after_the_reply()
        {
            var certificate = TestCertificates.Localhost;
            await using var server = ScriptedImapServer.Start(new ScriptedServerOptions { Certificate = certificate, ImplicitTls = false },
                new ServerScript()
                    .Send("* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n")
                    .ExpectLine("STARTTLS")
                    .ReplyTagged("OK Begin TLS negotiation now")
                    .StartTls()
                    .ExpectLine("CAPABILITY")
                    .ReplyTagged("OK CAPABILITY completed"));
            await using var client = await RawImapClient.ConnectAsync(server);

            await client.ReadLineAsync();
            await client.WriteAsync("s1 STARTTLS\r\n");
            Assert.Equal("s1 OK Begin TLS negotiation now\r\n", await client.ReadLineAsync());
            using (var cts = new CancellationTokenSource(RawImapClient.DefaultTimeout))
                await client.StartTlsAsync(certificate, cts.Token);
            await client.WriteAsync("s2 CAPABILITY\r\n");
            Assert.Equal("s2 OK CAPABILITY completed\r\n", await client.ReadLineAsync());
            await server.WaitForCompletionAsync();
        }

        [Fact]
        public async Task StartTls_fails_when_the_client_pipelines_a_command_behind_STARTTLS()
        {
            var certificate = TestCertificates.Localhost;
            await using var server = ScriptedImapServer.Start(new ScriptedServerOptions { Certificate = certificate, ImplicitTls = false },
                new ServerScript()
                    .ExpectLine("STARTTLS")
                    .ReplyTagged("OK Begin TLS negotiation now")
                    .StartTls());
            await using var client = await RawImapClient.ConnectAsync(server);

            await client.WriteAsync("s1 STARTTLS\r\ns2 LOGIN injected command\r\n");

            var error = await Assert.ThrowsAsync<AggregateException>(() => server.WaitForCompletionAsync());
            Assert.Contains("after STARTTLS", error.Message);
        }

        [Fact]
        public async Task TlsHandshakeStall_accepts_tcp_but_the_client_handshake_times_out()
        {
            var certificate = TestCertificates.Localhost;
            await using var server = ScriptedImapServer.Start(new ScriptedServerOptions { Certificate = certificate },
                new ServerScript().TlsHandshakeStall());
            await using var client = await RawImapClient.ConnectAsync(server);

            using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.StartTlsAsync(certificate, cts.Token));

            var connection = await server.WaitForConnectionAsync(0);
            var hello = await connection.WaitForReceivedAsync(bytes => bytes.Length > 5);
            Assert.Equal(0x16, hello[0]); // TLS handshake record: the ClientHello reached the server and was never answered
            Assert.False(connection.IsTls);
            await server.WaitForCompletionAsync();
        }

        [Fact]
        public async Task Compression_deflates_both_directions()
        {
            await using var server = ScriptedImapServer.Start(new ServerScript()
                .ExpectLine("COMPRESS")
                .ReplyTagged("OK DEFLATE active")
                .StartCompression()
                .ExpectLine("NOOP")
                .Send("* 2 EXISTS\r\n")
                .ReplyTagged("OK NOOP completed"));
            await using var client = await RawImapClient.ConnectAsync(server);

            await client.WriteAsync("c1 COMPRESS DEFLATE\r\n");
            Assert.Equal("c1 OK DEFLATE active\r\n", await client.ReadLineAsync());
            client.StartCompression();
            await client.WriteAsync("c2 NOOP\r\n");
            Assert.Equal("* 2 EXISTS\r\n", await client.ReadLineAsync());
            Assert.Equal("c2 OK NOOP completed\r\n", await client.ReadLineAsync());
            await server.WaitForCompletionAsync();
            Assert.Equal("c1 COMPRESS DEFLATE\r\nc2 NOOP\r\n", server.ReceivedText);
        }

        [Fact]
        public async Task Held_writes_go_out_together_in_one_socket_write_on_release()
        {
            var gate = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            await using var server = ScriptedImapServer.Start(new ServerScript()
                .ExpectLine("COMPRESS")
                .HoldWrites()
                .ReplyTagged("OK DEFLATE active")
                .StartCompression()
                .Send("* OK compressed hello\r\n")
                .Checkpoint("held")
                .WaitFor(gate.Task)
                .ReleaseWrites());
            await using var client = await RawImapClient.ConnectAsync(server);

            await client.WriteAsync("c1 COMPRESS DEFLATE\r\n");
            await server.WaitForCheckpointAsync("held");
            // Loopback delivers a write into the peer's receive buffer before the write returns: nothing was written.
            Assert.Equal(0, client.Socket.Available);
            gate.SetResult(true);
            await server.WaitForCompletionAsync();

            // Everything is there now; one read takes the plain OK and the compressed bytes behind it.
            Assert.True(await client.ReadOnceAsync() > 0);
            var data = client.TakeBuffered();
            var ok = Encoding.ASCII.GetBytes("c1 OK DEFLATE active\r\n");
            Assert.Equal(ok, data.Take(ok.Length).ToArray());
            using var inflater = new DeflateStream(new MemoryStream(data, ok.Length, data.Length - ok.Length), CompressionMode.Decompress);
            var expected = "* OK compressed hello\r\n";
            var inflated = new byte[expected.Length];
            inflater.ReadExactly(inflated);
            Assert.Equal(expected, Encoding.ASCII.GetString(inflated));
            Assert.Equal("c1 OK DEFLATE active\r\n" + expected, Encoding.ASCII.GetString(server.Connections[0].Sent));
        }

        [Fact]
        public async Task A_mismatch_is_recorded_and_the_client_sees_the_connection_close()
        {
            await using var server = ScriptedImapServer.Start(new ServerScript()
                .ExpectLine("LOGIN")
                .ReplyTagged("OK"));
            await using var client = await RawImapClient.ConnectAsync(server);

            await client.WriteAsync("a1 SELECT INBOX\r\n");

            Assert.Equal(0, await client.ReadToEndAsync());
            var error = await Assert.ThrowsAsync<AggregateException>(() => server.WaitForCompletionAsync());
            var failure = Assert.IsType<ScriptFailureException>(Assert.Single(server.Errors));
            Assert.Equal(0, failure.Step);
            Assert.Contains("a1 SELECT INBOX", error.Message);
            Assert.Throws<AggregateException>(() => server.AssertNoErrors());
        }

        [Fact]
        public async Task A_silent_client_fails_the_step_after_the_step_timeout()
        {
            await using var server = ScriptedImapServer.Start(new ScriptedServerOptions { StepTimeout = TimeSpan.FromMilliseconds(200) },
                new ServerScript().ExpectLine("LOGIN"));
            await using var client = await RawImapClient.ConnectAsync(server);

            Assert.Equal(0, await client.ReadToEndAsync());
            await Assert.ThrowsAsync<AggregateException>(() => server.WaitForCompletionAsync(TimeSpan.FromSeconds(5)));
            Assert.IsType<TimeoutException>(Assert.Single(server.Errors).InnerException);
        }

        [Fact]
        public async Task ExpectEof_completes_when_the_client_closes()
        {
            await using var server = ScriptedImapServer.Start(new ServerScript()
                .ExpectLine("LOGOUT")
                .Send("* BYE\r\n")
                .ReplyTagged("OK LOGOUT completed")
                .ExpectEof());
            var client = await RawImapClient.ConnectAsync(server);
            await client.WriteAsync("a9 LOGOUT\r\n");
            await client.ReadLineAsync();
            await client.ReadLineAsync();
            await client.DisposeAsync();

            await server.WaitForCompletionAsync();
            await server.Connections[0].ClientClosed;
        }

        [Fact]
        public async Task Checkpoints_and_gates_let_the_test_drive_the_script()
        {
            var gate = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            await using var server = ScriptedImapServer.Start(new ServerScript()
                .ExpectLine("IDLE")
                .Send("+ idling\r\n")
                .Checkpoint("idling")
                .WaitFor(gate.Task)
                .Send("* 5 EXISTS\r\n"));
            await using var client = await RawImapClient.ConnectAsync(server);

            await client.WriteAsync("i1 IDLE\r\n");
            await server.WaitForCheckpointAsync("idling");
            Assert.Equal("+ idling\r\n", await client.ReadLineAsync());
            gate.SetResult(true);
            Assert.Equal("* 5 EXISTS\r\n", await client.ReadLineAsync());
            await server.WaitForCompletionAsync();
        }

        [Fact]
        public async Task A_connection_beyond_the_scripts_is_an_error_unless_the_last_script_repeats()
        {
            await using (var server = ScriptedImapServer.Start(new ServerScript().Send("* OK one\r\n")))
            {
                await using var first = await RawImapClient.ConnectAsync(server);
                await using var second = await RawImapClient.ConnectAsync(server);
                Assert.Equal("* OK one\r\n", await first.ReadLineAsync());
                Assert.Equal(0, await second.ReadToEndAsync());
                Assert.Contains("Unexpected connection #1", Assert.Single(server.Errors).Message);
            }

            await using (var server = ScriptedImapServer.Start(new ScriptedServerOptions { RepeatLastScript = true }, new ServerScript().Send("* OK any\r\n")))
            {
                await using var first = await RawImapClient.ConnectAsync(server);
                await using var second = await RawImapClient.ConnectAsync(server);
                Assert.Equal("* OK any\r\n", await first.ReadLineAsync());
                Assert.Equal("* OK any\r\n", await second.ReadLineAsync());
                server.AssertNoErrors();
            }
        }

        [Fact]
        public async Task Dispose_ends_stalls_promptly_and_closes_the_client_connection()
        {
            var server = ScriptedImapServer.Start(new ServerScript().Stall(readClientData: false));
            await using var client = await RawImapClient.ConnectAsync(server);
            await server.WaitForConnectionAsync(0);

            var stopwatch = Stopwatch.StartNew();
            await server.DisposeAsync();
            stopwatch.Stop();

            Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(2), $"dispose took {stopwatch.Elapsed}");
            try
            {
                Assert.Equal(0, await client.ReadOnceAsync());
            }
            catch (IOException)
            {
                // A reset is an acceptable way to observe the close.
            }
            Assert.Empty(server.Errors);
        }

        [Fact]
        public void Builder_rejects_steps_after_terminal_steps_and_dangling_modifiers()
        {
            Assert.Throws<InvalidOperationException>(() => new ServerScript().Stall().Send("x"));
            Assert.Throws<InvalidOperationException>(() => new ServerScript().Drop().ExpectLine("NOOP"));
            Assert.Throws<InvalidOperationException>(() => new ServerScript().DropAfterBytes(3).Send("abcdef").Send("x"));
            Assert.Throws<InvalidOperationException>(() => new ServerScript().Trickle().ExpectLine("NOOP"));
            Assert.Throws<InvalidOperationException>(() => new ServerScript().Send("x").TlsHandshakeStall());
            Assert.Throws<InvalidOperationException>(() => ScriptedImapServer.Start(new ServerScript().Trickle()));
            Assert.Throws<InvalidOperationException>(() => new ServerScript().ReleaseWrites());
            Assert.Throws<InvalidOperationException>(() => new ServerScript().HoldWrites().HoldWrites());
            Assert.Throws<InvalidOperationException>(() => new ServerScript().HoldWrites().Drop());
            Assert.Throws<InvalidOperationException>(() => new ServerScript().HoldWrites().StartTls());
            Assert.Throws<InvalidOperationException>(() => ScriptedImapServer.Start(new ServerScript().HoldWrites().Send("x")));
        }
    }
}
