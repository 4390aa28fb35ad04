using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using ImapPS.Client.Tests.Support;
using Xunit.Abstractions;

namespace ImapPS.Client.Tests.Reliability
{
    /// <summary>
    /// The server closes the connection after every possible number of bytes of a realistic session (greeting,
    /// LOGIN, SELECT, a FETCH with literals running beside a NOOP, IDLE woken by EXISTS, APPEND with a synchronising
    /// literal, LOGOUT). For each offset: every pending command fails with <see cref="ImapAbortException"/> (the
    /// callback form gets the error, Tasks fault), nothing waits for a timeout, and sockets and threads return to
    /// the baseline.
    /// </summary>
    [Collection(ResourceSnapshot.CollectionName)]
    public class DropAtEveryOffsetTests
    {
        private readonly ITestOutputHelper _output;

        public DropAtEveryOffsetTests(ITestOutputHelper output) => _output = output;

        internal static readonly byte[] Message1 = ReliabilityKit.Crlf("From: a@example.com\nSubject: one\n\nfirst body\n");
        internal static readonly byte[] Message2 = ReliabilityKit.Crlf("From: b@example.com\nSubject: two\n\nsecond body, a little longer\n");
        internal static readonly byte[] Appended = ReliabilityKit.Crlf("From: c@example.com\nSubject: three\n\nappended\n");

        /// <summary>One step of the session as the server plays it: bytes it sends (counted for the drop offset) or a read.</summary>
        private sealed class Part
        {
            public string? Send;
            public Action<ServerScript>? Read;
            public bool IsLogout;
        }

        private static List<Part> SessionParts()
        {
            string? fetchTag = null;
            var parts = new List<Part>();
            void Send(string text, bool logout = false) => parts.Add(new Part { Send = text, IsLogout = logout });
            void Read(Action<ServerScript> read) => parts.Add(new Part { Read = read });

            Send("* OK [CAPABILITY IMAP4rev1 IDLE UIDPLUS] Test server ready\r\n");
            Read(s => s.ExpectCommand("LOGIN"));
            Send("{tag} OK [CAPABILITY IMAP4rev1 IDLE UIDPLUS] Logged in\r\n");
            Read(s => s.ExpectCommand("SELECT"));
            Send("* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n* OK [PERMANENTFLAGS (\\Deleted \\Seen \\*)] Flags permitted.\r\n"
                + "* 2 EXISTS\r\n* 0 RECENT\r\n* OK [UIDVALIDITY 1700000000] UIDs valid\r\n* OK [UIDNEXT 3] Predicted next UID\r\n"
                + "{tag} OK [READ-WRITE] Select completed\r\n");
            // FETCH and NOOP are in flight together; the NOOP is answered in the middle of the FETCH's data.
            Read(s => s.ExpectCommand("FETCH").Do((c, t) => { fetchTag = c.LastTag; return Task.CompletedTask; }, "remember the FETCH tag").ExpectCommand("NOOP"));
            Send("* 1 FETCH (UID 1 BODY[] {" + Message1.Length + "}\r\n" + Encoding.ASCII.GetString(Message1) + ")\r\n");
            Send("{tag} OK NOOP completed\r\n");
            Read(s => s.Do((c, t) => { c.LastTag = fetchTag; return Task.CompletedTask; }, "back to the FETCH tag"));
            Send("* 2 FETCH (UID 2 BODY[] {" + Message2.Length + "}\r\n" + Encoding.ASCII.GetString(Message2) + ")\r\n{tag} OK Fetch completed\r\n");
            Read(s => s.ExpectCommand("IDLE"));
            Send("+ idling\r\n");
            Send("* 3 EXISTS\r\n");
            Read(s => s.ExpectLine("DONE"));
            Send("{tag} OK Idle completed\r\n");
            Read(s => s.ExpectLine(l => l.Contains(" APPEND ") && l.EndsWith("{" + Appended.Length + "}"), "APPEND with a synchronising literal"));
            Send("+ Ready for literal data\r\n");
            Read(s => s.ExpectBytes(Appended.Length, b => b.AsSpan().SequenceEqual(Appended)).ExpectLine(l => l.Length == 0, "end of APPEND", captureTag: false));
            Send("{tag} OK [APPENDUID 1700000000 4] Append completed\r\n");
            Read(s => s.ExpectCommand("LOGOUT"));
            Send("* BYE Logging out\r\n{tag} OK Logout completed\r\n", logout: true);
            return parts;
        }

        /// <summary>The bytes the server sends in the whole session (the tag placeholder counts as the engine's 5-character tags).</summary>
        private static List<(int Start, int Length, bool Logout)> Segments(List<Part> parts, int tagLength)
        {
            var list = new List<(int, int, bool)>();
            int offset = 0;
            foreach (var p in parts)
            {
                if (p.Send == null) continue;
                int length = Encoding.UTF8.GetByteCount(p.Send.Replace("{tag}", new string('T', tagLength)));
                list.Add((offset, length, p.IsLogout));
                offset += length;
            }
            return list;
        }

        /// <summary>The session's script, cut after <paramref name="dropAfter"/> bytes of server output (null: complete, then a graceful close).</summary>
        private static ServerScript Script(long? dropAfter)
        {
            var script = new ServerScript();
            long sent = 0;
            foreach (var p in SessionParts())
            {
                if (p.Read != null)
                {
                    p.Read(script);
                    continue;
                }
                // The tag is not known while the script is built; the engine's tags are 4 letters and a number < 10 here.
                long length = Encoding.UTF8.GetByteCount(p.Send!.Replace("{tag}", "TTTTN"));
                if (dropAfter != null && sent + length > dropAfter.Value)
                {
                    script.DropAfterBytes(dropAfter.Value - sent).Send(p.Send!);
                    return script;
                }
                script.Send(p.Send!);
                sent += length;
            }
            return script.Drop();
        }

        /// <summary>What one run of the session did.</summary>
        private sealed class Run
        {
            public Exception? Error;
            public readonly List<(string Name, Task Task)> Started = new List<(string, Task)>();
            public Imap4Client? Client;
            public TimeSpan Elapsed;
        }

        private static async Task<Run> Drive(ScriptedImapServer server)
        {
            var run = new Run();
            var sw = Stopwatch.StartNew();
            try
            {
                var client = await Imap4Client.ConnectAsync(server.Host, server.Port, ReliabilityKit.FastOptions());
                run.Client = client;
                await Track(run, "LOGIN", client.LoginAsync("user", "secret"));
                var select = await Track(run, "SELECT", client.SelectAsync("INBOX"));
                Assert.Equal("2", select.FirstText);

                // The callback form for the FETCH, a Task for the NOOP beside it.
                var fetched = new TaskCompletionSource<ImapResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
                var deferred = client.Fetch("1:2", "(UID BODY.PEEK[])", (response, argument, error) =>
                {
                    if (!Equals(argument, "fetch")) fetched.TrySetException(new InvalidOperationException("callback argument lost"));
                    else if (error != null) fetched.TrySetException(error);
                    else fetched.TrySetResult(response!);
                }, "fetch");
                Assert.Same(ImapResponse.Deferred, deferred);
                run.Started.Add(("FETCH (callback)", fetched.Task));
                var noop = Track(run, "NOOP", client.NoopAsync());
                var fetch = await fetched.Task;
                await noop;
                var literals = fetch.Data.Where(d => d!.IsPair).Select(d => d!.Literal!).ToList();
                Assert.Equal(2, literals.Count);
                Assert.Equal(Message1, literals[0]);
                Assert.Equal(Message2, literals[1]);

                var idle = await Track(run, "IDLE", client.IdleAsync(TimeSpan.FromSeconds(10)));
                Assert.Equal("OK", idle.Type);
                var append = await Track(run, "APPEND", client.AppendAsync("INBOX", null, null, Appended));
                Assert.Equal("OK", append.Type);
                await Track(run, "LOGOUT", client.LogoutAsync());
            }
            catch (Exception e)
            {
                run.Error = e;
            }
            run.Elapsed = sw.Elapsed;
            return run;
        }

        private static Task<T> Track<T>(Run run, string name, Task<T> task)
        {
            run.Started.Add((name, task));
            return task;
        }

        [Fact]
        public async Task The_complete_session_succeeds_against_the_same_script()
        {
            var baseline = ResourceSnapshot.Capture();
            await using (var server = ScriptedImapServer.Start(Script(null)))
            {
                var run = await ReliabilityKit.Within(Drive(server), TimeSpan.FromSeconds(10), "the complete session");
                Assert.Null(run.Error);
                await server.WaitForCompletionAsync();
                Assert.Equal(ImapState.LOGOUT, run.Client!.State);
                run.Client.Dispose();
            }
            await ResourceSnapshot.AssertReturnsToBaselineAsync(baseline, ReliabilityKit.ReleaseTimeout);
        }

        [Fact]
        public async Task A_drop_at_every_byte_offset_fails_every_pending_command_with_an_abort_and_leaks_nothing()
        {
            var parts = SessionParts();
            var segments = Segments(parts, 5);
            int total = segments.Sum(s => s.Length);
            int logoutStart = segments.Single(s => s.Logout).Start;
            var baseline = ResourceSnapshot.Capture();
            var sw = Stopwatch.StartNew();
            var slowest = TimeSpan.Zero;
            int aborted = 0, completedLogout = 0, pendingFailed = 0;

            for (int offset = 0; offset < total; offset++)
            {
                Run run;
                await using (var server = ScriptedImapServer.Start(Script(offset)))
                {
                    run = await ReliabilityKit.Within(Drive(server), ReliabilityKit.ResponseTimeout + ReliabilityKit.Margin, "session dropped after " + offset + " bytes");
                    if (run.Elapsed > slowest) slowest = run.Elapsed;
                    if (run.Elapsed > TimeSpan.FromMilliseconds(250)) _output.WriteLine($"slow: offset {offset} took {run.Elapsed.TotalMilliseconds:0} ms: {run.Error?.Message}");
                    if (run.Error == null)
                    {
                        // Only a LOGOUT whose BYE or OK was cut may complete: the server closing is what LOGOUT asked for.
                        Assert.True(offset >= logoutStart, "the session completed although the server dropped after " + offset + " of " + total + " bytes");
                        completedLogout++;
                    }
                    else
                    {
                        ReliabilityKit.AssertAbort(run.Error, "drop after " + offset + " bytes");
                        aborted++;
                        foreach (var (name, task) in run.Started)
                        {
                            // Every command either finished before the drop or fails with the abort; none is left pending.
                            // (Its Task completes on the thread pool right after the abort, so allow it a moment.)
                            await Task.WhenAny(task, Task.Delay(ReliabilityKit.Margin));
                            Assert.True(task.IsCompleted, name + " still pending after the drop at " + offset);
                            if (task.IsFaulted)
                            {
                                ReliabilityKit.AssertAbort(task.Exception!.GetBaseException(), name + " after the drop at " + offset);
                                pendingFailed++;
                            }
                        }
                        if (run.Client != null)
                        {
                            Assert.Equal(ImapState.LOGOUT, run.Client.State);
                            Assert.IsAssignableFrom<ImapAbortException>(run.Client.AbortError);
                            var after = await Assert.ThrowsAnyAsync<ImapAbortException>(() => run.Client.NoopAsync());
                            Assert.Contains("aborted", after.Message);
                        }
                    }
                    run.Client?.Dispose();
                }
                await ResourceSnapshot.AssertReturnsToBaselineAsync(baseline, ReliabilityKit.ReleaseTimeout);
            }

            _output.WriteLine($"{total} offsets in {sw.Elapsed.TotalSeconds:0.0} s: {aborted} aborted ({pendingFailed} pending commands failed with ImapAbortException), "
                + $"{completedLogout} completed during LOGOUT; slowest case {slowest.TotalMilliseconds:0} ms");
            Assert.Equal(total, aborted + completedLogout);
        }
    }
}
