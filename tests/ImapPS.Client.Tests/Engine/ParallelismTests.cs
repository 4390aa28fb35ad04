using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using ImapPS.Client.Tests.Fixture;

namespace ImapPS.Client.Tests.Engine
{
    [Collection(DovecotFixture.CollectionName)]
    public class ParallelismTests : ClientTestBase
    {
        public ParallelismTests(DovecotFixture fixture) : base(fixture) { }

        private const int Threads = 16;
        private const int CommandsPerThread = 500;
        private const int MessagesPerThread = 4;

        [Fact]
        public void Sixteen_threads_of_mixed_commands_get_exactly_what_each_command_gets_alone()
        {
            var user = Fixture.CreateUser();
            using (var setup = Plain())
            {
                setup.Login(user.Name, user.Password);
                for (int t = 0; t < Threads; t++)
                {
                    setup.AppendMany("INBOX", Enumerable.Range(0, MessagesPerThread).Select(i =>
                        ((string?)null, (DateTimeOffset?)null, Encoding.ASCII.GetBytes($"Subject: thread-{t} message {i}\r\n\r\n{new string('x', t * 10 + i)}\r\n"))));
                    setup.Create("box" + t);
                    for (int i = 0; i <= t % 3; i++) setup.Append("box" + t, null, null, Encoding.ASCII.GetBytes("Subject: s\r\n\r\nb\r\n"));
                }
                // Take the \Recent flags in a throwaway session so every later FETCH shows the same flags.
                setup.Select();
                setup.Logout();
            }

            using var client = Plain();
            client.Login(user.Name, user.Password);
            client.Select();
            Assert.Equal((uint)(Threads * MessagesPerThread), client.Exists);

            // Each thread's commands, and their results when run alone (serially, before the storm).
            var commands = new Func<ImapResponse>[Threads][];
            var expected = new string[Threads][];
            for (int t = 0; t < Threads; t++)
            {
                int first = t * MessagesPerThread + 1, last = first + MessagesPerThread - 1;
                string set = first + ":" + last, box = "box" + t, subject = "thread-" + t + " ", a = "($a" + t + ")", b = "($b" + t + ")";
                commands[t] = new Func<ImapResponse>[]
                {
                    () => client.Fetch(set, "(UID RFC822.SIZE FLAGS ENVELOPE)"),
                    () => client.Search(null, "SUBJECT", "\"" + subject + "\""),
                    () => client.Status(box, "(MESSAGES UIDNEXT)"),
                    () => client.Noop(),
                    () => client.Store(set, "FLAGS", a),
                    () => client.Fetch(first.ToString(), "(BODY.PEEK[TEXT])"),
                    () => client.Store(set, "FLAGS", b),
                    () => client.Uid("FETCH", set, "(FLAGS)"),
                };
                // Flags carry over from one round to the next, so the expected round is the second
                // (the steady state every round of the storm starts from).
                foreach (var c in commands[t]) c();
                expected[t] = commands[t].Select(c => Render(c())).ToArray();
            }
            Assert.Equal(Threads * MessagesPerThread, expected.Sum(e => e[1].Split(' ').Length));

            // Watch the wire for the SELECT issued mid-way: nothing may be sent or answered while it runs.
            var wire = new ConcurrentQueue<string>();
            client.DebugLine += (level, line) => { if (level <= 2) wire.Enqueue(line); };
            int issued = 0;
            var selectDone = new ManualResetEventSlim();
            ImapResponse? midSelect = null;
            var mismatches = new ConcurrentQueue<string>();
            var failures = new ConcurrentQueue<Exception>();
            var threads = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
            {
                try
                {
                    for (int i = 0; i < CommandsPerThread; i++)
                    {
                        int k = i % commands[t].Length;
                        var actual = Render(commands[t][k]());
                        if (actual != expected[t][k]) mismatches.Enqueue($"thread {t} command {k}: {actual} != {expected[t][k]}");
                        if (Interlocked.Increment(ref issued) == Threads * CommandsPerThread / 2)
                        {
                            midSelect = client.Select();
                            selectDone.Set();
                        }
                    }
                }
                catch (Exception e)
                {
                    failures.Enqueue(e);
                }
            }) { IsBackground = true, Name = "parallel-test-" + t }).ToList();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            threads.ForEach(th => th.Start());
            foreach (var th in threads) Assert.True(th.Join(TimeSpan.FromSeconds(60)), "a worker thread did not finish");
            Assert.Empty(failures);
            Assert.Empty(mismatches);
            Assert.True(selectDone.IsSet);
            Assert.Equal((Threads * MessagesPerThread).ToString(), midSelect!.FirstText);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(45), "took " + clock.Elapsed);

            // The SELECT waited for everything sent before it and held back everything after it.
            var lines = wire.ToArray();
            int selectSent = Array.FindIndex(lines, l => l.StartsWith("> ", StringComparison.Ordinal) && l.Contains(" SELECT INBOX"));
            Assert.True(selectSent >= 0);
            string selectTag = lines[selectSent].Split(' ')[1];
            int selectDoneAt = Array.FindIndex(lines, selectSent, l => l.StartsWith("< " + selectTag + " ", StringComparison.Ordinal));
            Assert.True(selectDoneAt > selectSent);
            for (int i = selectSent + 1; i < selectDoneAt; i++)
                Assert.False(lines[i].StartsWith("> ", StringComparison.Ordinal) || (lines[i].StartsWith("< ", StringComparison.Ordinal) && !lines[i].StartsWith("< *", StringComparison.Ordinal)),
                    "during SELECT: " + lines[i]);
            var sentBefore = lines.Take(selectSent).Where(l => l.StartsWith("> ", StringComparison.Ordinal)).Select(l => l.Split(' ')[1]).ToHashSet();
            var answeredBefore = lines.Take(selectSent).Where(l => l.StartsWith("< ", StringComparison.Ordinal) && !l.StartsWith("< *", StringComparison.Ordinal) && !l.StartsWith("< +", StringComparison.Ordinal)).Select(l => l.Split(' ')[1]).ToHashSet();
            Assert.Empty(sentBefore.Except(answeredBefore));
        }

        /// <summary>A response as compared: its type and its untagged data (tagged texts carry Dovecot's timings).</summary>
        private static string Render(ImapResponse r)
            => r.Type + "|" + string.Join("|", r.Untagged.Count == 0 ? Array.Empty<string>() : r.Data.Select(d => d!.Text + (d.Literal == null ? "" : "<" + Encoding.ASCII.GetString(d.Literal) + ">")));
    }
}
