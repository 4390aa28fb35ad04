using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using ImapPS.Client.Tests.Support;

namespace ImapPS.Client.Tests.Reliability
{
    /// <summary>
    /// Passwords, tokens and AUTHENTICATE payloads never appear in debug output (level 5), the DebugLine event, the
    /// ring buffer (also when it is dumped on an abort), or exception messages: every captured text is searched for
    /// the secret and for the base64 forms it takes on the wire.
    /// </summary>
    public class SecretTests
    {
        private const string User = "alice";
        private const string Password = "S3cr3t-Pa55word";
        private const string Token = "ya29.T0KEN-abcdef0123456789";

        /// <summary>Everything the client wrote anywhere a human or a log could read.</summary>
        private sealed class Capture
        {
            public readonly StringWriter Writer = new StringWriter();
            public readonly ConcurrentQueue<string> Lines = new ConcurrentQueue<string>();
            public readonly List<string> Other = new List<string>();

            public string All => Writer + "\n" + string.Join("\n", Lines) + "\n" + string.Join("\n", Other);
        }

        /// <summary>The secret, and the encodings it has on the wire (base64 of SASL messages) that must not leak either.</summary>
        private static IEnumerable<string> Forms()
        {
            string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s));
            yield return Password;
            yield return Token;
            yield return B64(Password);
            yield return B64("\0" + User + "\0" + Password);
            yield return B64("user=" + User + "\u0001auth=Bearer " + Token + "\u0001\u0001");
            yield return B64(Token);
            yield return B64("token=" + Token);
        }

        private static void AssertClean(Capture capture, string context)
        {
            var all = capture.All;
            Assert.True(all.Length > 100, context + ": nothing was captured, so nothing was proven");
            foreach (var form in Forms())
                Assert.False(all.Contains(form, StringComparison.Ordinal), context + ": a secret (" + form.Substring(0, 4) + "…) appeared in:\n" + all);
        }

        private static async Task Run(ServerScript script, Func<Imap4Client, Task> action, string context, int level = 5, bool expectAbort = false)
        {
            var capture = new Capture();
            await using var server = ScriptedImapServer.Start(new ScriptedServerOptions { StepTimeout = TimeSpan.FromSeconds(5) }, script);
            var options = ReliabilityKit.FastOptions(TextWriter.Synchronized(capture.Writer));
            options.DebugLevel = level;
            options.DebugBufferLevel = 5;
            Imap4Client? client = null;
            try
            {
                client = await Imap4Client.ConnectAsync(server.Host, server.Port, options);
                client.DebugLine += (l, text) => capture.Lines.Enqueue(text);
                await ReliabilityKit.Within(action(client), TimeSpan.FromSeconds(10), context);
            }
            catch (Exception e) when (!(e is TimeoutException) && !(e is Xunit.Sdk.XunitException))
            {
                capture.Other.Add(e.ToString());
                for (var inner = e.InnerException; inner != null; inner = inner.InnerException) capture.Other.Add(inner.Message);
                if (!expectAbort && !(e is ImapException)) throw;
            }
            if (client != null)
            {
                capture.Other.AddRange(client.DebugBuffer);
                if (client.AbortError != null) capture.Other.Add(client.AbortError.ToString());
                client.Dispose();
            }
            // The server saw the secret (where the mechanism sends it): the capture is meaningful.
            AssertClean(capture, context);
        }

        private const string Caps = "IMAP4rev1 AUTH=PLAIN AUTH=LOGIN AUTH=XOAUTH2 AUTH=CRAM-MD5";

        [Fact]
        public Task Login_success_at_debug_level_5()
            => Run(new ServerScript().Send("* OK [CAPABILITY " + Caps + "] hi\r\n")
                    .ExpectCommand("LOGIN").ReplyTagged("OK [CAPABILITY IMAP4rev1] in")
                    .ExpectCommand("NOOP").ReplyTagged("OK")
                    .ExpectCommand("LOGOUT").Send("* BYE\r\n{tag} OK\r\n"),
                async c => { await c.LoginAsync(User, Password); await c.NoopAsync(); await c.LogoutAsync(); },
                "LOGIN");

        [Fact]
        public Task Login_failure_message()
            => Run(new ServerScript().Send("* OK [CAPABILITY " + Caps + "] hi\r\n")
                    .ExpectCommand("LOGIN").ReplyTagged("NO [AUTHENTICATIONFAILED] Authentication failed.")
                    .ExpectCommand("LOGOUT").Send("* BYE\r\n{tag} OK\r\n"),
                async c =>
                {
                    var e = await Assert.ThrowsAsync<ImapCommandException>(() => c.LoginAsync(User, Password));
                    Assert.Contains("Authentication failed", e.Message);
                    throw e;
                },
                "LOGIN refused");

        [Fact]
        public Task Login_with_a_password_sent_as_a_literal()
            => Run(new ServerScript().Send("* OK [CAPABILITY " + Caps + "] hi\r\n")
                    .ExpectCommand("LOGIN").ReplyTagged("OK [CAPABILITY IMAP4rev1] in")
                    .ExpectCommand("LOGOUT").Send("* BYE\r\n{tag} OK\r\n"),
                async c => { await c.LoginAsync(User, Password + "\u00e9"); await c.LogoutAsync(); },
                "LOGIN with a literal password");

        [Fact]
        public Task Connection_dropped_during_login_dumps_the_ring_buffer_without_the_secret()
            => Run(new ServerScript().Send("* OK [CAPABILITY " + Caps + "] hi\r\n")
                    .ExpectCommand("LOGIN").Drop(),
                c => c.LoginAsync(User, Password),
                "abort during LOGIN, ring buffer dumped at level 0", level: 0, expectAbort: true);

        [Fact]
        public Task Authenticate_plain_with_an_initial_response()
            => Run(new ServerScript().Send("* OK [CAPABILITY " + Caps + " SASL-IR] hi\r\n")
                    .ExpectLine(l => l.Contains("AUTHENTICATE PLAIN "), "AUTHENTICATE PLAIN with SASL-IR").ReplyTagged("NO [AUTHENTICATIONFAILED] nope")
                    .ExpectCommand("LOGOUT").Send("* BYE\r\n{tag} OK\r\n"),
                c => c.AuthenticateAsync(SaslMechanism.Plain(User, Password)),
                "AUTHENTICATE PLAIN (SASL-IR)");

        [Fact]
        public Task Authenticate_plain_after_a_continuation()
            => Run(new ServerScript().Send("* OK [CAPABILITY " + Caps + "] hi\r\n")
                    .ExpectCommand("AUTHENTICATE").Send("+ \r\n")
                    .ExpectLine(l => l.Length > 10, "the PLAIN message", captureTag: false).ReplyTagged("OK [CAPABILITY IMAP4rev1] in")
                    .ExpectCommand("LOGOUT").Send("* BYE\r\n{tag} OK\r\n"),
                async c => { await c.AuthenticateAsync(SaslMechanism.Plain(User, Password)); await c.LogoutAsync(); },
                "AUTHENTICATE PLAIN");

        [Fact]
        public Task Authenticate_login_mechanism()
            => Run(new ServerScript().Send("* OK [CAPABILITY " + Caps + "] hi\r\n")
                    .ExpectCommand("AUTHENTICATE").Send("+ VXNlcm5hbWU6\r\n")
                    .ExpectLine(l => l.Length > 0, "user name", captureTag: false).Send("+ UGFzc3dvcmQ6\r\n")
                    .ExpectLine(l => l.Length > 0, "password", captureTag: false).ReplyTagged("NO wrong")
                    .ExpectCommand("LOGOUT").Send("* BYE\r\n{tag} OK\r\n"),
                c => c.AuthenticateAsync(SaslMechanism.Login(User, Password)),
                "AUTHENTICATE LOGIN");

        [Fact]
        public Task Authenticate_xoauth2_with_an_error_challenge()
            => Run(new ServerScript().Send("* OK [CAPABILITY " + Caps + " SASL-IR] hi\r\n")
                    .ExpectLine(l => l.Contains("AUTHENTICATE XOAUTH2 "), "XOAUTH2")
                    .Send("+ eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiQmVhcmVyIn0=\r\n")
                    .ExpectLine(l => true, "empty answer to the error", captureTag: false).ReplyTagged("NO [AUTHENTICATIONFAILED] Invalid credentials")
                    .ExpectCommand("LOGOUT").Send("* BYE\r\n{tag} OK\r\n"),
                c => c.AuthenticateAsync(SaslMechanism.XOAuth2(User, Token)),
                "AUTHENTICATE XOAUTH2");

        [Fact]
        public Task Authenticate_cram_md5()
            => Run(new ServerScript().Send("* OK [CAPABILITY " + Caps + "] hi\r\n")
                    .ExpectCommand("AUTHENTICATE").Send("+ PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UuZXhhbXBsZS5uZXQ+\r\n")
                    .ExpectLine(l => l.Length > 0, "digest", captureTag: false).ReplyTagged("OK [CAPABILITY IMAP4rev1] in")
                    .ExpectCommand("LOGOUT").Send("* BYE\r\n{tag} OK\r\n"),
                async c => { await c.LoginCramMd5Async(User, Password); await c.LogoutAsync(); },
                "AUTHENTICATE CRAM-MD5");

        [Fact]
        public Task Authenticate_with_a_callers_mechanism_dropped_in_the_middle()
            => Run(new ServerScript().Send("* OK [CAPABILITY " + Caps + " AUTH=X-CUSTOM] hi\r\n")
                    .ExpectCommand("AUTHENTICATE").Send("+ \r\n")
                    .ExpectLine(l => l.Length > 0, "payload", captureTag: false).Drop(),
                c => c.AuthenticateAsync(SaslMechanism.FromFunction("X-CUSTOM", challenge => Encoding.UTF8.GetBytes("token=" + Token))),
                "AUTHENTICATE custom, aborted", level: 0, expectAbort: true);
    }
}
