using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using ImapPS.Client.Tests.Support;
using static ImapPS.Client.Tests.Support.ScriptedSession;

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
        private static Imap4Client Connect(ScriptedImapServer server, ImapClientOptions options)
            => new Imap4Client(server.Host, server.Port, options);

        private static string Decode(string base64) => Encoding.UTF8.GetString(Convert.FromBase64String(base64));

        private static string Encode(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

        [Fact]
        public async Task Xoauth2_sends_the_exact_initial_response()
        {
            var tags = new List<string>();
            const string initial = "user=someone@example.com\u0001auth=Bearer ya29.token\u0001\u0001";
            await using var server = Start(new ServerScript()
                .Send(Greeting)
                .ExpectLine(line =>
                {
                    var parts = line.Split(' ');
                    tags.Add(parts[0]);
                    Assert.Equal(new[] { "AUTHENTICATE", "XOAUTH2" }, parts.Skip(1).Take(2));
                    Assert.Equal(initial, Decode(parts[3]));
                    return true;
                }, "AUTHENTICATE XOAUTH2 with initial response")
                .ReplyTagged("OK [CAPABILITY IMAP4rev1 IDLE] authenticated")
                .AnswerLogout(tags));
            using var client = Connect(server, Options());
            Assert.Equal("OK", client.Authenticate(SaslMechanism.XOAuth2("someone@example.com", "ya29.token")).Type);
            Assert.Equal(ImapState.AUTH, client.State);
            Assert.Equal(new[] { "IDLE", "IMAP4REV1" }, client.Capabilities.OrderBy(c => c));
            client.Logout();
            await server.WaitForCompletionAsync(Patience);
            Assert.Equal($"{tags[0]} AUTHENTICATE XOAUTH2 {Encode(initial)}\r\n{tags[1]} LOGOUT\r\n", server.ReceivedText);
        }

        [Fact]
        public async Task Xoauth2_without_sasl_ir_and_the_servers_error_challenge()
        {
            var tags = new List<string>();
            const string response = "user=u\u0001auth=Bearer expired\u0001\u0001";
            await using var server = Start(new ServerScript()
                .Send("* OK [CAPABILITY IMAP4rev1 AUTH=XOAUTH2] ready\r\n")
                .ExpectLine(ScriptSteps.Command("AUTHENTICATE XOAUTH2", tags), "AUTHENTICATE XOAUTH2")
                .Send("+ \r\n")
                .ExpectLine(line => { Assert.Equal(response, Decode(line)); return true; }, "the XOAUTH2 response", captureTag: false)
                // The server's JSON error comes as a challenge; the client must answer with an empty line.
                .Send("+ " + Encode("{\"status\":\"400\"}") + "\r\n")
                .ExpectLine(line => { Assert.Equal("", line); return true; }, "an empty line", captureTag: false)
                .ReplyTagged("NO [AUTHENTICATIONFAILED] Invalid credentials")
                .AnswerLogout(tags));
            using var client = Connect(server, Options());
            var e = Assert.Throws<ImapCommandException>(() => client.Authenticate(SaslMechanism.XOAuth2("u", "expired")));
            Assert.IsNotType<ImapAbortException>(e);
            Assert.Contains("Invalid credentials", e.Message);
            Assert.Equal(ImapState.NONAUTH, client.State);
            client.Logout();
            await server.WaitForCompletionAsync(Patience);
            Assert.Equal($"{tags[0]} AUTHENTICATE XOAUTH2\r\n{Encode(response)}\r\n\r\n{tags[1]} LOGOUT\r\n", server.ReceivedText);
        }

        [Fact]
        public async Task Oauthbearer_sends_the_gs2_header_host_and_port()
        {
            var tags = new List<string>();
            const string initial = "n,a=a=3Db=2Cc@example.com,\u0001host=imap.example.com\u0001port=993\u0001auth=Bearer tok\u0001\u0001";
            await using var server = Start(new ServerScript()
                .Send(Greeting)
                .ExpectLine(line =>
                {
                    var parts = line.Split(' ');
                    tags.Add(parts[0]);
                    Assert.Equal("OAUTHBEARER", parts[2]);
                    Assert.Equal(initial, Decode(parts[3]));
                    return true;
                }, "AUTHENTICATE OAUTHBEARER with initial response")
                .ReplyTagged("OK done")
                .ExpectLine(ScriptSteps.Command("CAPABILITY", tags), "CAPABILITY")
                .Send("* CAPABILITY IMAP4rev1\r\n{tag} OK\r\n")
                .AnswerLogout(tags));
            using var client = Connect(server, Options());
            client.Authenticate(SaslMechanism.OAuthBearer("a=b,c@example.com", "tok", "imap.example.com", 993));
            Assert.Equal(new[] { "IMAP4REV1" }, client.Capabilities);
            client.Logout();
            await server.WaitForCompletionAsync(Patience);
            Assert.Equal($"{tags[0]} AUTHENTICATE OAUTHBEARER {Encode(initial)}\r\n{tags[1]} CAPABILITY\r\n{tags[2]} LOGOUT\r\n", server.ReceivedText);
        }

        [Fact]
        public async Task Compressed_bytes_in_the_same_read_as_the_ok_are_inflated()
        {
            var tags = new List<string>();
            await using var server = Start(new ServerScript()
                .Send(Greeting)
                .ExpectLine(ScriptSteps.Command("COMPRESS DEFLATE", tags), "COMPRESS DEFLATE")
                // The OK and the first compressed bytes leave in one socket write, so they arrive in one read.
                .HoldWrites()
                .ReplyTagged("OK DEFLATE active")
                .StartCompression()
                .Send("* OK [ALERT] compressed hello\r\n")
                .ReleaseWrites()
                .ExpectLine(ScriptSteps.Command("NOOP", tags), "NOOP")
                .Send("* 3 EXISTS\r\n{tag} OK done\r\n")
                .AnswerLogout(tags));
            using var client = Connect(server, Options());
            var alert = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            client.UntaggedResponse += (_, e) => alert.TrySetResult(e.Response.Text);
            client.EnableCompression();
            Assert.True(client.IsCompressed);
            Assert.Equal("compressed hello", await alert.Task.WaitAsync(Patience));
            client.Noop();
            Assert.Equal("3", client.Response("EXISTS").FirstText);
            client.Logout();
            await server.WaitForCompletionAsync(Patience);
            Assert.True(server.Connections[0].IsCompressed);
            Assert.Equal($"{tags[0]} COMPRESS DEFLATE\r\n{tags[1]} NOOP\r\n{tags[2]} LOGOUT\r\n", server.ReceivedText);
        }

        [Fact]
        public async Task A_command_issued_while_idle_is_starting_ends_it_with_done()
        {
            var tags = new List<string>();
            var noopQueued = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            await using var server = Start(new ServerScript()
                .Send("* PREAUTH [CAPABILITY IMAP4rev1 IDLE] hi\r\n")
                .ExpectLine(ScriptSteps.Command("IDLE", tags), "IDLE")
                // Hold the continuation until the client has queued its NOOP behind the IDLE.
                .WaitFor(noopQueued.Task)
                .Send("+ idling\r\n")
                .ExpectLine(line => { Assert.Equal("DONE", line); return true; }, "DONE", captureTag: false)
                .ReplyTagged("OK idle done")
                .ExpectLine(ScriptSteps.Command("NOOP", tags), "NOOP")
                .ReplyTagged("OK noop")
                .AnswerLogout(tags));
            using var client = Connect(server, Options());
            Assert.Equal(ImapState.AUTH, client.State);
            var idleTask = client.IdleAsync(TimeSpan.FromMinutes(5));
            var noopTask = client.NoopAsync();
            noopQueued.SetResult(true);
            Assert.Equal("OK", (await idleTask.WaitAsync(Patience)).Type);
            Assert.Equal("noop", (await noopTask.WaitAsync(Patience)).Text);
            client.Logout();
            await server.WaitForCompletionAsync(Patience);
            Assert.Equal($"{tags[0]} IDLE\r\nDONE\r\n{tags[1]} NOOP\r\n{tags[2]} LOGOUT\r\n", server.ReceivedText);
        }

        [Fact]
        public async Task A_large_literal_goes_to_the_streaming_command_only_when_it_belongs_to_it()
        {
            var body1 = new string('1', 100_000);
            var body2 = new string('2', 100_000);
            var fetches = new List<string>();
            await using var server = Start(new ServerScript()
                .Send("* PREAUTH [CAPABILITY IMAP4rev1 LITERAL+] hi\r\n")
                .ExpectLine(ScriptSteps.Command("SELECT INBOX"), "SELECT INBOX")
                .Send("* 2 EXISTS\r\n{tag} OK [READ-WRITE] selected\r\n")
                .ExpectLine(line => { fetches.Add(line); return true; }, "a FETCH")
                .ExpectLine(line => { fetches.Add(line); return true; }, "the other FETCH")
                .Do(async (c, _) =>
                {
                    string streamTag = fetches.Single(l => l.Contains(" FETCH 1 ")).Split(' ')[0];
                    string plainTag = fetches.Single(l => l.Contains(" FETCH 2 ")).Split(' ')[0];
                    // Message 2's literal first, while the streaming FETCH of message 1 is in flight.
                    var plainReply = Encoding.ASCII.GetBytes("* 2 FETCH (BODY[] {" + body2.Length + "}\r\n" + body2 + ")\r\n" + plainTag + " OK done\r\n");
                    var streamReply = Encoding.ASCII.GetBytes("* 1 FETCH (BODY[] {" + body1.Length + "}\r\n" + body1 + ")\r\n" + streamTag + " OK done\r\n");
                    await c.WithTimeoutAsync("the FETCH 2 reply", t => c.WriteAsync(plainReply, t));
                    await c.WithTimeoutAsync("the FETCH 1 reply", t => c.WriteAsync(streamReply, t));
                }, "answer FETCH 2, then FETCH 1")
                .AnswerLogout());
            using var client = Connect(server, Options());
            client.Select();
            var sink = new MemoryStream();
            int streamed = 0;
            var streaming = client.FetchEachAsync("1", "(BODY[])", uid: false, _ => Interlocked.Increment(ref streamed), _ => sink);
            var plain = client.FetchAsync("2", "(BODY[])");
            await Task.WhenAll(streaming, plain).WaitAsync(Patience);
            Assert.Equal(body1, Encoding.ASCII.GetString(sink.ToArray()));
            Assert.Equal(body2, Encoding.ASCII.GetString((await plain).Data.Single(d => d!.IsPair)!.Literal!));
            Assert.Equal(1, streamed);
            client.Logout();
            await server.WaitForCompletionAsync(Patience);
        }

        [Fact]
        public async Task A_server_that_reads_but_never_answers_is_aborted_even_while_commands_keep_coming()
        {
            // Swallows every command (reading and logging it) and never answers.
            await using var server = Start(new ServerScript()
                .Send(Greeting)
                .Stall());
            var ring = new StringWriter();
            using var client = Connect(server, Options(timeoutSeconds: 1, debug: ring));
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
            // The silence timeout is an abort, told apart by its kind (ImapTimeoutException).
            var error = await Assert.ThrowsAsync<ImapTimeoutException>(() => first.WaitAsync(TimeSpan.FromSeconds(8)));
            Assert.Equal(ImapTimeoutKind.Response, error.Kind);
            Assert.Contains("did not answer within 1 s", error.Message);
            Assert.Same(error, client.AbortError);
            Assert.Throws<ImapAbortException>(() => client.Noop());
            await load.WaitAsync(Patience);
            // The ring buffer (level 0 writes nothing else) was written on abort.
            Assert.Contains("NOOP", ring.ToString());
            // The server did read what the client sent: the silence was not a full socket buffer.
            await (await server.WaitForConnectionAsync(0)).WaitForReceivedAsync(" NOOP\r\n");
            server.AssertNoErrors();
        }
    }

    /// <summary>Script steps the tests above share.</summary>
    internal static class ScriptSteps
    {
        /// <summary>
        /// A line check for <see cref="ServerScript.ExpectLine(Func{string, bool}, string?, bool)"/>: what follows the
        /// tag must be exactly <paramref name="afterTag"/>, case and all; the tag is added to <paramref name="tags"/>.
        /// </summary>
        public static Func<string, bool> Command(string afterTag, List<string>? tags = null) => line =>
        {
            int space = line.IndexOf(' ');
            Assert.True(space > 0, "not a command: " + line);
            Assert.Equal(afterTag, line.Substring(space + 1));
            tags?.Add(line.Substring(0, space));
            return true;
        };

        /// <summary>Answers LOGOUT the way servers do: BYE and the tagged OK in one write, then closes. Ends the script.</summary>
        public static ServerScript AnswerLogout(this ServerScript script, List<string>? tags = null)
            => script
                .ExpectLine(Command("LOGOUT", tags), "LOGOUT")
                .Send("* BYE bye\r\n{tag} OK done\r\n")
                .Drop();
    }
}
