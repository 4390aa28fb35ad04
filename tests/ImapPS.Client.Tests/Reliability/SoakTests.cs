using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using ImapPS.Client.Protocol;
using ImapPS.Client.Tests.Support;
using Xunit.Abstractions;

namespace ImapPS.Client.Tests.Reliability
{
    /// <summary>
    /// Concurrency soak against a private Dovecot. The always-on variant runs 1,000 commands per thread; set
    /// IMAPPS_SOAK=1 for the long variant (10,000 per thread).
    /// </summary>
    [Collection(ResourceSnapshot.CollectionName)]
    public class SoakTests : IClassFixture<OwnDovecotFixture>
    {
        private const int Threads = 32;
        private const int MessagesPerMailbox = 20;
        private static readonly bool Long = Environment.GetEnvironmentVariable("IMAPPS_SOAK") == "1";
        private readonly OwnDovecotFixture _fixture;
        private readonly ITestOutputHelper _output;

        public SoakTests(OwnDovecotFixture fixture, ITestOutputHelper output)
        {
            _fixture = fixture;
            _output = output;
        }

        private ImapClientOptions Options() => new ImapClientOptions { ResponseTimeout = TimeSpan.FromSeconds(30), DebugWriter = TextWriter.Null };

        private static int OsThreads()
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
                if (line.StartsWith("Threads:", StringComparison.Ordinal)) return int.Parse(line.Substring(8).Trim());
            return Process.GetCurrentProcess().Threads.Count;
        }

        private static string Subject(string box, int uid) => box + " m" + uid + "z";

        /// <summary>The (UID, subject) pairs of a FETCH answer.</summary>
        private static List<(uint Uid, string Subject)> Subjects(ImapResponse fetch)
        {
            var list = new List<(uint, string)>();
            foreach (var r in fetch.Untagged.Where(u => u.Name == "FETCH"))
            {
                uint uid = Imap4Client.FetchUid(r) ?? 0;
                var literal = fetch.Data.FirstOrDefault(d => d!.IsPair && d.Text.Contains("UID " + uid + " "))?.Literal;
                string subject = literal == null ? "" : Encoding.ASCII.GetString(literal).Trim().Replace("Subject: ", "");
                list.Add((uid, subject));
            }
            return list;
        }

        [Fact]
        public void Thirty_two_threads_a_SELECT_toggler_and_an_IDLE_consumer_share_one_session()
        {
            int perThread = Long ? 10000 : 1000;
            var user = _fixture.CreateUser("soak");
            using var client = new Imap4Client(_fixture.Server.Host, _fixture.Server.ImapPort, Options());
            client.Login(user.Name, user.Password);
            foreach (var box in new[] { "SoakA", "SoakB" })
            {
                client.Create(box);
                for (int i = 1; i <= MessagesPerMailbox; i++)
                    client.Append(box, null, null, ReliabilityKit.Crlf($"From: x@example.com\nSubject: {Subject(box, i)}\n\n{box} body {i}\n"));
            }
            client.Select("SoakA");

            int baselineThreads = OsThreads(), maxThreads = baselineThreads;
            long checks = 0, commands = 0, selects = 0, idles = 0;
            var failures = new ConcurrentQueue<string>();
            using var done = new CancellationTokenSource();
            using var sampler = new Timer(_ => { int n = OsThreads(); if (n > maxThreads) Interlocked.Exchange(ref maxThreads, n); }, null, 0, 50);
            var sw = Stopwatch.StartNew();

            void Check(bool ok, string what)
            {
                Interlocked.Increment(ref checks);
                if (!ok) failures.Enqueue(what);
            }

            var workers = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
            {
                var random = new Random(t);
                for (int n = 0; n < perThread && failures.IsEmpty; n++)
                {
                    int uid = random.Next(1, MessagesPerMailbox + 1);
                    try
                    {
                        switch (random.Next(7))
                        {
                            case 0:
                                Check(client.Noop().Type == "OK", "NOOP");
                                break;
                            case 1:
                            {
                                var fetch = client.Uid("FETCH", uid.ToString(), "(UID BODY.PEEK[HEADER.FIELDS (SUBJECT)])");
                                var got = Subjects(fetch);
                                Check(fetch.Type == "OK" && got.Count == 1 && got[0].Uid == uid
                                      && (got[0].Subject == Subject("SoakA", uid) || got[0].Subject == Subject("SoakB", uid)),
                                    $"UID FETCH {uid}: {string.Join(", ", got)}");
                                break;
                            }
                            case 2:
                            {
                                // A range: every message of one answer comes from the same mailbox, with its own UID.
                                int from = random.Next(1, MessagesPerMailbox - 3);
                                var fetch = client.Uid("FETCH", from + ":" + (from + 3), "(UID BODY.PEEK[HEADER.FIELDS (SUBJECT)])");
                                var got = Subjects(fetch);
                                var boxes = got.Select(g => g.Subject.Split(' ')[0]).Distinct().ToList();
                                Check(fetch.Type == "OK" && got.Count == 4 && boxes.Count == 1
                                      && got.All(g => g.Subject == Subject(boxes[0], (int)g.Uid)) && got.Select(g => g.Uid).OrderBy(u => u).SequenceEqual(Enumerable.Range(from, 4).Select(i => (uint)i)),
                                    $"UID FETCH {from}:{from + 3}: {string.Join(", ", got)}");
                                break;
                            }
                            case 3:
                            {
                                var search = client.Uid("SEARCH", "SUBJECT", "m" + uid + "z");
                                Check(search.Type == "OK" && search.FirstText.Trim() == uid.ToString(), $"UID SEARCH m{uid}z: «{search.FirstText}»");
                                break;
                            }
                            case 4:
                            {
                                var status = client.Status("SoakB", "(MESSAGES)");
                                Check(status.Type == "OK" && status.FirstText.Contains("MESSAGES " + MessagesPerMailbox), "STATUS SoakB: " + status.FirstText);
                                break;
                            }
                            case 5:
                            {
                                bool add = random.Next(2) == 0;
                                var store = client.Uid("STORE", uid.ToString(), add ? "+FLAGS" : "-FLAGS", "(\\Flagged)");
                                var mine = store.Untagged.Where(u => u.Name == "FETCH").ToList();
                                Check(store.Type == "OK" && mine.All(r => Imap4Client.FetchUid(r) == uid)
                                      && mine.All(r => r.DataText.Contains("\\Flagged") == add),
                                    $"UID STORE {uid} {(add ? "+" : "-")}FLAGS: {string.Join(" | ", mine.Select(r => r.DataText))}");
                                break;
                            }
                            default:
                            {
                                var list = client.List("", "Soak*");
                                Check(list.Type == "OK" && list.Data.Count == 2, "LIST Soak*: " + string.Join(" | ", list.Data.Select(d => d!.Text)));
                                break;
                            }
                        }
                        Interlocked.Increment(ref commands);
                    }
                    catch (Exception e)
                    {
                        failures.Enqueue($"thread {t}: {e.GetType().Name}: {e.Message}");
                    }
                }
            }) { IsBackground = true, Name = "soak worker " + t }).ToList();

            var toggler = new Thread(() =>
            {
                for (int n = 0; !done.IsCancellationRequested && failures.IsEmpty; n++)
                {
                    try
                    {
                        var box = n % 2 == 0 ? "SoakB" : "SoakA";
                        var select = client.Select(box);
                        Check(select.Type == "OK" && select.FirstText == MessagesPerMailbox.ToString(), "SELECT " + box + ": " + select.FirstText);
                        Interlocked.Increment(ref selects);
                    }
                    catch (Exception e) { failures.Enqueue("toggler: " + e.Message); }
                }
            }) { IsBackground = true, Name = "soak toggler" };

            var idler = new Thread(() =>
            {
                while (!done.IsCancellationRequested && failures.IsEmpty)
                {
                    try
                    {
                        var idle = client.Idle(TimeSpan.FromSeconds(5));
                        Check(idle.Type == "OK", "IDLE: " + idle.Type + " " + idle.Text);
                        Interlocked.Increment(ref idles);
                    }
                    catch (Exception e) { failures.Enqueue("idler: " + e.Message); }
                }
            }) { IsBackground = true, Name = "soak idler" };

            foreach (var w in workers) w.Start();
            toggler.Start();
            idler.Start();
            var deadline = TimeSpan.FromSeconds(Long ? 900 : 120);
            foreach (var w in workers)
                Assert.True(w.Join(deadline - sw.Elapsed > TimeSpan.Zero ? deadline - sw.Elapsed : TimeSpan.Zero), "deadlock: worker " + w.Name + " did not finish");
            done.Cancel();
            Assert.True(toggler.Join(TimeSpan.FromSeconds(30)), "deadlock: the SELECT toggler did not finish");
            Assert.True(idler.Join(TimeSpan.FromSeconds(30)), "deadlock: the IDLE consumer did not finish");
            sampler.Dispose();

            _output.WriteLine($"{commands:N0} worker commands + {selects:N0} SELECTs + {idles:N0} IDLEs in {sw.Elapsed.TotalSeconds:0.0} s; {checks:N0} results checked; "
                + $"threads {baselineThreads} before, at most {maxThreads} during ({Threads + 2} of them the test's own)");
            Assert.True(failures.IsEmpty, string.Join("\n", failures.Take(20)));
            Assert.Equal((long)Threads * perThread, commands);
            Assert.True(selects > 10 && idles > 10, $"the toggler ran {selects} SELECTs and the idler {idles} IDLEs");
            // The engine adds no thread per command or per caller: the test's own 34 plus the runtime's pool.
            Assert.True(maxThreads - baselineThreads <= Threads + 2 + 40, $"thread count grew from {baselineThreads} to {maxThreads}");
            client.Logout();
        }

        [Fact]
        public async Task Two_hundred_sessions_in_IDLE_each_see_the_message_appended_to_their_mailbox()
        {
            const int users = 10, perUser = 20;
            var accounts = Enumerable.Range(0, users).Select(_ => _fixture.CreateUser("idle")).ToList();
            var baseline = ResourceSnapshot.Capture();
            int baselineThreads = OsThreads(), maxThreads = baselineThreads;
            using var sampler = new Timer(_ => { int n = OsThreads(); if (n > maxThreads) Interlocked.Exchange(ref maxThreads, n); }, null, 0, 50);
            var sw = Stopwatch.StartNew();
            var clients = new List<(Imap4Client Client, int User)>();
            try
            {
                using (var gate = new SemaphoreSlim(25))
                {
                    var connecting = new List<Task<(Imap4Client, int)>>();
                    for (int u = 0; u < users; u++)
                        for (int s = 0; s < perUser; s++)
                        {
                            int user = u;
                            connecting.Add(Task.Run(async () =>
                            {
                                await gate.WaitAsync();
                                try
                                {
                                    var c = await Imap4Client.ConnectAsync(_fixture.Server.Host, _fixture.Server.ImapPort, Options());
                                    await c.LoginAsync(accounts[user].Name, accounts[user].Password);
                                    await c.SelectAsync("INBOX");
                                    return (c, user);
                                }
                                finally { gate.Release(); }
                            }));
                        }
                    foreach (var t in connecting) clients.Add(await ReliabilityKit.Within(t, TimeSpan.FromSeconds(60), "connecting 200 sessions"));
                }
                var connected = sw.Elapsed;
                var idles = clients.Select(c => c.Client.IdleAsync(TimeSpan.FromSeconds(60))).ToList();

                foreach (var account in accounts)
                {
                    using var appender = new Imap4Client(_fixture.Server.Host, _fixture.Server.ImapPort, Options());
                    appender.Login(account.Name, account.Password);
                    Assert.Equal("OK", appender.Append("INBOX", null, null, ReliabilityKit.Crlf("Subject: wake up\n\nnew mail\n")).Type);
                    appender.Logout();
                }
                var all = Task.WhenAll(idles);
                await ReliabilityKit.Within(all, TimeSpan.FromSeconds(30), "200 IDLEs woken by APPEND");
                for (int i = 0; i < idles.Count; i++)
                {
                    var idle = await idles[i];
                    Assert.Equal("OK", idle.Type);
                    Assert.Contains(idle.Untagged, r => r.Name == "EXISTS" && r.Number == 1);
                    Assert.Equal(1u, clients[i].Client.Exists);
                }
                _output.WriteLine($"200 sessions connected in {connected.TotalSeconds:0.0} s; all woken {(sw.Elapsed - connected).TotalSeconds:0.0} s after IDLE began; "
                    + $"threads {baselineThreads} before, at most {maxThreads} during");
                Assert.True(maxThreads - baselineThreads <= 40, $"thread count grew from {baselineThreads} to {maxThreads} for 200 sessions");
                await Task.WhenAll(clients.Select(c => c.Client.LogoutAsync()));
            }
            finally
            {
                foreach (var c in clients) c.Client.Dispose();
            }
            await ResourceSnapshot.AssertReturnsToBaselineAsync(baseline, TimeSpan.FromSeconds(10));
        }
    }
}
