using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using ImapPS.Client.Tests.Fixture;

namespace ImapPS.Client.Tests.Engine
{
    [Collection(DovecotFixture.CollectionName)]
    public class IdleAndInjectionTests : ClientTestBase
    {
        public IdleAndInjectionTests(DovecotFixture fixture) : base(fixture) { }

        private static readonly byte[] Mail = Encoding.ASCII.GetBytes("Subject: idle\r\n\r\nhello\r\n");

        private (Imap4Client Watcher, Imap4Client Writer) TwoSessions()
        {
            var user = Fixture.CreateUser();
            var watcher = Plain();
            watcher.Login(user.Name, user.Password);
            watcher.Select();
            var writer = Plain();
            writer.Login(user.Name, user.Password);
            return (watcher, writer);
        }

        [Fact]
        public async Task Another_sessions_append_ends_idle_and_raises_MailboxChanged()
        {
            var (watcher, writer) = TwoSessions();
            using (watcher)
            using (writer)
            {
                var changed = new TaskCompletionSource<MailboxChangedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
                watcher.MailboxChanged += (_, e) => { if (e.Kind == MailboxChangeKind.Exists) changed.TrySetResult(e); };
                var idling = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                watcher.DebugLine += (_, line) => { if (line.StartsWith("< +", StringComparison.Ordinal)) idling.TrySetResult(true); };
                var idle = watcher.IdleAsync(TimeSpan.FromMinutes(5));
                // Append only once the server has confirmed IDLE.
                await idling.Task.WaitAsync(Patience);
                writer.Append("INBOX", null, null, Mail);
                var ended = await idle.WaitAsync(Patience);
                Assert.Equal("OK", ended.Type);
                Assert.Contains(ended.Untagged, u => u.Name == "EXISTS" && u.Number == 1);
                var change = await changed.Task.WaitAsync(Patience);
                Assert.Equal(1u, change.Number);
                Assert.Equal("INBOX", change.Mailbox);
                Assert.Equal(1u, watcher.Exists);
            }
        }

        [Fact]
        public async Task A_flag_change_by_another_session_during_idle_raises_MailboxChanged()
        {
            var (watcher, writer) = TwoSessions();
            using (watcher)
            using (writer)
            {
                writer.Append("INBOX", null, null, Mail);
                watcher.Noop();
                var flagged = new TaskCompletionSource<MailboxChangedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
                watcher.MailboxChanged += (_, e) => { if (e.Kind == MailboxChangeKind.Flags) flagged.TrySetResult(e); };
                var idling = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                watcher.DebugLine += (_, line) => { if (line.StartsWith("< +", StringComparison.Ordinal)) idling.TrySetResult(true); };
                var idle = watcher.IdleAsync(TimeSpan.FromMinutes(5));
                await idling.Task.WaitAsync(Patience);
                writer.Select();
                writer.Store("1", "+FLAGS", @"(\Flagged)");
                await idle.WaitAsync(Patience);
                var flagChange = await flagged.Task.WaitAsync(Patience);
                Assert.Equal(1u, flagChange.Number);
                Assert.Contains(@"\Flagged", flagChange.Flags!);
            }
        }

        [Fact]
        public async Task Any_command_ends_idle_and_proceeds()
        {
            using var client = LoggedIn(out _);
            client.Select();
            var idling = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            client.DebugLine += (_, line) => { if (line.StartsWith("< +", StringComparison.Ordinal)) idling.TrySetResult(true); };
            var idle = client.IdleAsync(TimeSpan.FromMinutes(5));
            await idling.Task.WaitAsync(Patience);
            Assert.False(idle.IsCompleted);
            var status = client.Status("INBOX", "(MESSAGES)");
            Assert.Equal("INBOX (MESSAGES 0)", status.FirstText);
            Assert.True(idle.IsCompleted);
            Assert.Equal("OK", (await idle).Type);
        }

        [Fact]
        public async Task The_idle_timeout_and_the_cancellation_token_end_idle()
        {
            using var client = LoggedIn(out _);
            client.Select();
            var timed = client.Idle(TimeSpan.FromMilliseconds(200));
            Assert.Equal("OK", timed.Type);

            using var cts = new CancellationTokenSource();
            var idling = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            client.DebugLine += (_, line) => { if (line.StartsWith("< +", StringComparison.Ordinal)) idling.TrySetResult(true); };
            var idle = client.IdleAsync(TimeSpan.FromMinutes(5), cts.Token);
            await idling.Task.WaitAsync(Patience);
            cts.Cancel();
            Assert.Equal("OK", (await idle.WaitAsync(Patience)).Type);

            // A token cancelled before IDLE starts ends it as soon as the server confirms it.
            var early = client.IdleAsync(TimeSpan.FromMinutes(5), new CancellationToken(true));
            await early.WaitAsync(Patience);
            Assert.Equal("OK", client.Noop().Type);
        }

        [Fact]
        public void The_response_timeout_does_not_apply_while_idling()
        {
            var options = Options();
            options.ResponseTimeout = TimeSpan.FromMilliseconds(300);
            using var client = LoggedIn(out _, options: options);
            client.Select();
            // Idle for several response timeouts: the watchdog must not abort a quiet IDLE.
            var idle = client.Idle(TimeSpan.FromMilliseconds(1500));
            Assert.Equal("OK", idle.Type);
            Assert.Null(client.AbortError);
            Assert.Equal("OK", client.Noop().Type);
        }

        // ------------------------------------------------------------ injection

        public static TheoryData<bool> LiteralPlus() => new TheoryData<bool> { true, false };

        [Theory]
        [MemberData(nameof(LiteralPlus))]
        public void Crlf_in_a_mailbox_name_or_search_string_cannot_smuggle_a_command(bool literalPlus)
        {
            var options = Options();
            if (!literalPlus)
            {
                options.IgnoredCapabilities.Add("LITERAL+");
                options.IgnoredCapabilities.Add("LITERAL-");
            }
            var user = Fixture.CreateUser();
            var replies = new ConcurrentQueue<string>();
            // Each attempt on a fresh session: Dovecot echoes a rejected argument, CRLF included, in
            // its NO/BAD text, and the engine then sees a line that is no valid response and aborts
            // (fail-safe) rather than trust it. Either way the server must not run a second command.
            void Attempt(Func<Imap4Client, ImapResponse> attempt)
            {
                using var client = Plain(options);
                client.Login(user.Name, user.Password);
                client.Select();
                client.DebugLine += (_, line) => replies.Enqueue(line);
                try
                {
                    try
                    {
                        attempt(client);
                    }
                    catch (ImapException e) when (!(e is ImapAbortException))
                    {
                        Assert.Contains("BAD", e.Message);
                    }
                    Assert.Equal("OK", client.Noop().Type);
                }
                catch (ImapAbortException e)
                {
                    Assert.IsType<ImapProtocolException>(e.InnerException ?? e);
                }
            }

            // Mailbox names with CR or LF are refused before sending (issue 11): no server accepts
            // them, and Dovecot's echo of one would end the session.
            void Refused(Action<Imap4Client> attempt)
            {
                using var client = Plain(options);
                client.Login(user.Name, user.Password);
                client.Select();
                Assert.Throws<InvalidMailboxNameException>(() => attempt(client));
                Assert.Equal("OK", client.Noop().Type);
            }

            using (var setup = Plain(options))
            {
                setup.Login(user.Name, user.Password);
                setup.Append("INBOX", null, null, Mail);
            }
            Refused(c => c.Create("x\r\nA999 CREATE pwned1"));
            Refused(c => c.Create("y\r\nA999 DELETE INBOX"));
            Refused(c => c.Status("x\r\nA998 CREATE pwned2", "(MESSAGES)"));
            Attempt(c => c.Search(null, "SUBJECT", "x\r\nA997 CREATE pwned3"));
            Attempt(c => c.Search(null, "(SUBJECT x)\r\nA996 DELETE INBOX"));
            Attempt(c => c.Uid("SEARCH", "SUBJECT", "y\r\nA995 CREATE pwned4"));
            Refused(c => c.Rename("INBOX", "z\r\nA994 CREATE pwned5"));

            // The smuggled text only ever came back inside the server's echo of an argument, never
            // as the server's answer to a command of its own (which would say "completed").
            Assert.DoesNotContain(replies, l => l.StartsWith("< A99", StringComparison.Ordinal) && l.Contains("completed"));
            // And a second session sees no trace of the smuggled commands.
            using var other = Plain();
            other.Login(user.Name, user.Password);
            var names = other.List().Data.Select(d => d!.Text).ToArray();
            Assert.DoesNotContain(names, n => n.Contains("pwned"));
            Assert.Equal("INBOX (MESSAGES 1)", other.Status("INBOX", "(MESSAGES)").FirstText);
        }
    }
}
