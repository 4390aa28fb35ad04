using System;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace ImapPS.Client.Tests.Engine
{
    /// <summary>
    /// What Dovecot cannot show: the exact bytes of XOAUTH2 and OAUTHBEARER, compressed data in the
    /// same read as COMPRESS's OK, IDLE racing a command, literal routing between parallel FETCHes,
    /// and a server that reads but never answers.
    /// </summary>
    public class ScriptedServerTests
    {
        private const string Greeting = "* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=XOAUTH2 AUTH=OAUTHBEARER IDLE COMPRESS=DEFLATE LITERAL+] ready\r\n";
        private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

        private static ImapClientOptions Options(int timeoutSeconds = 20, TextWriter? debug = null, int level = 0)
            => new ImapClientOptions { ResponseTimeout = TimeSpan.FromSeconds(timeoutSeconds), DebugWriter = debug ?? TextWriter.Null, DebugLevel = level };

        private static string Decode(string base64) => Encoding.UTF8.GetString(Convert.FromBase64String(base64));

        [Fact]
        public void Xoauth2_sends_the_exact_initial_response()
        {
            using var server = new ScriptedServer(async c =>
            {
                await c.SendAsync(Greeting);
                var line = await c.ReadLineAsync();
                var parts = line!.Split(' ');
                Assert.Equal(new[] { "AUTHENTICATE", "XOAUTH2" }, parts.Skip(1).Take(2));
                Assert.Equal("user=someone@example.com\u0001auth=Bearer ya29.token\u0001\u0001", Decode(parts[3]));
                await c.SendAsync(parts[0] + " OK [CAPABILITY IMAP4rev1 IDLE] authenticated\r\n");
                await c.LogoutAsync();
            });
            using var client = new Imap4Client("127.0.0.1", server.Port, Options());
            Assert.Equal("OK", client.Authenticate(SaslMechanism.XOAuth2("someone@example.com", "ya29.token")).Type);
            Assert.Equal(ImapState.AUTH, client.State);
            Assert.Equal(new[] { "IDLE", "IMAP4REV1" }, client.Capabilities.OrderBy(c => c));
            client.Logout();
            server.Completed();
        }

        [Fact]
        public void Xoauth2_without_sasl_ir_and_the_servers_error_challenge()
        {
            using var server = new ScriptedServer(async c =>
            {
                await c.SendAsync("* OK [CAPABILITY IMAP4rev1 AUTH=XOAUTH2] ready\r\n");
                var tag = await c.ExpectAsync("AUTHENTICATE XOAUTH2");
                await c.SendAsync("+ \r\n");
                Assert.Equal("user=u\u0001auth=Bearer expired\u0001\u0001", Decode((await c.ReadLineAsync())!));
                // The server's JSON error comes as a challenge; the client must answer with an empty line.
                await c.SendAsync("+ " + Convert.ToBase64String(Encoding.UTF8.GetBytes("{\"status\":\"400\"}")) + "\r\n");
                Assert.Equal("", await c.ReadLineAsync());
                await c.SendAsync(tag + " NO [AUTHENTICATIONFAILED] Invalid credentials\r\n");
                await c.LogoutAsync();
            });
            using var client = new Imap4Client("127.0.0.1", server.Port, Options());
            var e = Assert.Throws<ImapException>(() => client.Authenticate(SaslMechanism.XOAuth2("u", "expired")));
            Assert.IsNotType<ImapAbortException>(e);
            Assert.Contains("Invalid credentials", e.Message);
            Assert.Equal(ImapState.NONAUTH, client.State);
            client.Logout();
            server.Completed();
        }

        [Fact]
        public void Oauthbearer_sends_the_gs2_header_host_and_port()
        {
            using var server = new ScriptedServer(async c =>
            {
                await c.SendAsync(Greeting);
                var parts = (await c.ReadLineAsync())!.Split(' ');
                Assert.Equal("OAUTHBEARER", parts[2]);
                Assert.Equal("n,a=a=3Db=2Cc@example.com,\u0001host=imap.example.com\u0001port=993\u0001auth=Bearer tok\u0001\u0001", Decode(parts[3]));
                await c.SendAsync(parts[0] + " OK done\r\n");
                var capability = await c.ExpectAsync("CAPABILITY");
                await c.SendAsync("* CAPABILITY IMAP4rev1\r\n" + capability + " OK\r\n");
                await c.LogoutAsync();
            });
            using var client = new Imap4Client("127.0.0.1", server.Port, Options());
            client.Authenticate(SaslMechanism.OAuthBearer("a=b,c@example.com", "tok", "imap.example.com", 993));
            Assert.Equal(new[] { "IMAP4REV1" }, client.Capabilities);
            client.Logout();
            server.Completed();
        }

        [Fact]
        public void Compressed_bytes_in_the_same_read_as_the_ok_are_inflated()
        {
            using var server = new ScriptedServer(async c =>
            {
                await c.SendAsync(Greeting);
                var tag = await c.ExpectAsync("COMPRESS DEFLATE");
                await c.StartCompressionAsync(tag, "* OK [ALERT] compressed hello\r\n");
                var noop = await c.ExpectAsync("NOOP");
                await c.SendAsync("* 3 EXISTS\r\n" + noop + " OK done\r\n");
                await c.LogoutAsync();
            });
            using var client = new Imap4Client("127.0.0.1", server.Port, Options());
            var alert = new TaskCompletionSource<string>();
            client.UntaggedResponse += (_, e) => alert.TrySetResult(e.Response.Text);
            client.EnableCompression();
            Assert.True(client.IsCompressed);
            Assert.True(alert.Task.Wait(Patience));
            Assert.Equal("compressed hello", alert.Task.Result);
            client.Noop();
            Assert.Equal("3", client.Response("EXISTS").FirstText);
            client.Logout();
            server.Completed();
        }

        [Fact]
        public void A_command_issued_while_idle_is_starting_ends_it_with_done()
        {
            var noopQueued = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            using var server = new ScriptedServer(async c =>
            {
                await c.SendAsync("* PREAUTH [CAPABILITY IMAP4rev1 IDLE] hi\r\n");
                var idle = await c.ExpectAsync("IDLE");
                // Hold the continuation until the client has queued its NOOP behind the IDLE.
                Assert.True(await Task.WhenAny(noopQueued.Task, Task.Delay(Patience)) == noopQueued.Task);
                await c.SendAsync("+ idling\r\n");
                Assert.Equal("DONE", await c.ReadLineAsync());
                await c.SendAsync(idle + " OK idle done\r\n");
                var noop = await c.ExpectAsync("NOOP");
                await c.SendAsync(noop + " OK noop\r\n");
                await c.LogoutAsync();
            });
            using var client = new Imap4Client("127.0.0.1", server.Port, Options());
            Assert.Equal(ImapState.AUTH, client.State);
            var idleTask = client.IdleAsync(TimeSpan.FromMinutes(5));
            var noopTask = client.NoopAsync();
            noopQueued.SetResult(true);
            Assert.True(Task.WaitAll(new Task[] { idleTask, noopTask }, Patience));
            Assert.Equal("OK", idleTask.Result.Type);
            Assert.Equal("noop", noopTask.Result.Text);
            client.Logout();
            server.Completed();
        }

        [Fact]
        public void A_large_literal_goes_to_the_streaming_command_only_when_it_belongs_to_it()
        {
            var body1 = new string('1', 100_000);
            var body2 = new string('2', 100_000);
            var bothSent = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            using var server = new ScriptedServer(async c =>
            {
                await c.SendAsync("* PREAUTH [CAPABILITY IMAP4rev1 LITERAL+] hi\r\n");
                var select = await c.ExpectAsync("SELECT INBOX");
                await c.SendAsync("* 2 EXISTS\r\n" + select + " OK [READ-WRITE] selected\r\n");
                var first = await c.ReadLineAsync();
                var second = await c.ReadLineAsync();
                var lines = new[] { first!, second! };
                string streamTag = lines.Single(l => l.Contains(" FETCH 1 ")).Split(' ')[0];
                string plainTag = lines.Single(l => l.Contains(" FETCH 2 ")).Split(' ')[0];
                // Message 2's literal first, while the streaming FETCH of message 1 is in flight.
                await c.SendAsync("* 2 FETCH (BODY[] {" + body2.Length + "}\r\n" + body2 + ")\r\n" + plainTag + " OK done\r\n");
                await c.SendAsync("* 1 FETCH (BODY[] {" + body1.Length + "}\r\n" + body1 + ")\r\n" + streamTag + " OK done\r\n");
                await c.LogoutAsync();
            });
            using var client = new Imap4Client("127.0.0.1", server.Port, Options());
            client.Select();
            var sink = new MemoryStream();
            int streamed = 0;
            var streaming = client.FetchEachAsync("1", "(BODY[])", uid: false, _ => Interlocked.Increment(ref streamed), _ => sink);
            var plain = client.FetchAsync("2", "(BODY[])");
            Assert.True(Task.WaitAll(new Task[] { streaming, plain }, Patience));
            Assert.Equal(body1, Encoding.ASCII.GetString(sink.ToArray()));
            Assert.Equal(body2, Encoding.ASCII.GetString(plain.Result.Data.Single(d => d.IsPair).Literal!));
            Assert.Equal(1, streamed);
            client.Logout();
            server.Completed();
        }

        [Fact]
        public void A_server_that_reads_but_never_answers_is_aborted_even_while_commands_keep_coming()
        {
            using var server = new ScriptedServer(async c =>
            {
                await c.SendAsync(Greeting);
                // Swallow every command and never answer.
                while (await c.ReadLineAsync() != null) { }
            });
            var ring = new StringWriter();
            using var client = new Imap4Client("127.0.0.1", server.Port, Options(timeoutSeconds: 1, debug: ring));
            var first = client.NoopAsync();
            // Keep writing: each write succeeds, so only the server's silence can trigger the abort.
            var load = Task.Run(async () =>
            {
                while (!first.IsCompleted)
                {
                    _ = client.NoopAsync().ContinueWith(t => t.Exception);
                    await Task.Delay(100);
                }
            });
            var error = Assert.Throws<AggregateException>(() => first.Wait(TimeSpan.FromSeconds(8))).InnerException;
            Assert.IsType<ImapAbortException>(error);
            Assert.Contains("did not answer within 1 s", error!.Message);
            Assert.Same(error, client.AbortError);
            Assert.Throws<ImapAbortException>(() => client.Noop());
            load.Wait(Patience);
            // The ring buffer (level 0 writes nothing else) was written on abort.
            Assert.Contains("NOOP", ring.ToString());
        }
    }
}
