using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Security;
using System.Threading;
using System.Threading.Tasks;
using ImapPS.Client.Protocol;
using ImapPS.Client.Tests.Support;
using ImapPS.Testing;
using Xunit.Abstractions;

namespace ImapPS.Client.Tests.Reliability
{
    /// <summary>
    /// A Dovecot of its own for the reconnect tests: they stop and start it, which would cut every
    /// other test's sessions on the shared one.
    /// </summary>
    public sealed class ReconnectDovecotFixture : IDisposable
    {
        private int _users;

        public ReconnectDovecotFixture() => Server = DovecotServer.Start(new DovecotOptions { Quota = false });

        public DovecotServer Server { get; }

        public TestUser CreateUser(string prefix)
            => Server.AddUser(prefix + Interlocked.Increment(ref _users), "pw \"" + _users + "\"\\x");

        public void Dispose() => Server.Dispose();
    }

    /// <summary>
    /// Issue 15, reconnect: the engine's <see cref="ImapReconnectingClient"/> and
    /// <see cref="ImapMailboxWatcher"/> against a Dovecot that is stopped and started again, a
    /// mailbox re-created behind its back, and a proxy that cuts one command.
    /// </summary>
    public sealed class ReconnectTests : IClassFixture<ReconnectDovecotFixture>
    {
        private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);
        private readonly ReconnectDovecotFixture _fixture;
        private readonly ITestOutputHelper _output;

        public ReconnectTests(ReconnectDovecotFixture fixture, ITestOutputHelper output)
        {
            _fixture = fixture;
            _output = output;
        }

        private DovecotServer Server => _fixture.Server;

        private static ImapClientOptions Options() => new ImapClientOptions
        {
            ResponseTimeout = TimeSpan.FromSeconds(10),
            ConnectTimeout = TimeSpan.FromSeconds(10),
            DebugWriter = TextWriter.Null,
        };

        // Fast retries, so the outage ends within the test's bound; many attempts, so the outage never exhausts them.
        private static ImapReconnectPolicy FastPolicy() => new ImapReconnectPolicy
        {
            MaxAttempts = 10000,
            InitialDelay = TimeSpan.FromMilliseconds(20),
            MaxDelay = TimeSpan.FromMilliseconds(200),
            GiveUpAfter = TimeSpan.FromSeconds(60),
        };

        private static SecureString Secure(string text)
        {
            var s = new SecureString();
            foreach (char c in text) s.AppendChar(c);
            s.MakeReadOnly();
            return s;
        }

        private ImapConnectionRecipe Recipe(TestUser user, int? port = null, ImapClientOptions? options = null)
            => new ImapConnectionRecipe(Server.Host, port ?? Server.ImapPort, ImapTransportSecurity.None, ImapAuthentication.Password(user.Name, Secure(user.Password)), options ?? Options());

        private Imap4Client Direct(TestUser user)
        {
            var client = new Imap4Client(Server.Host, Server.ImapPort, Options());
            Assert.True(client.Login(user.Name, user.Password).IsOk);
            return client;
        }

        private static byte[] Message(string tag, int i, bool withMessageId = true)
            => ReliabilityKit.Crlf($"From: sender{i}@example.com\nTo: you@example.com\nSubject: {tag} {i}\n" +
                (withMessageId ? $"Message-ID: <{tag}.{i}.{Guid.NewGuid():N}@example.com>\n" : "") + $"\nbody of {tag} {i}\n");

        private static List<uint> AllUids(Imap4Client client, string mailbox)
        {
            Assert.True(client.Select(mailbox, readOnly: true).IsOk);
            var search = client.Uid("SEARCH", "ALL");
            return search.Untagged.Where(u => u.Name == "SEARCH").SelectMany(u => SearchResult.Parse(u).Numbers).OrderBy(n => n).ToList();
        }

        private static async Task<T> Within<T>(Task<T> task, string what)
        {
            Assert.Same(task, await Task.WhenAny(task, Task.Delay(Bound)));
            return await task;
        }

        /// <summary>The exception <paramref name="task"/> fails with, within the bound.</summary>
        private static async Task<Exception> Failure(Task task, string what)
        {
            Assert.True(ReferenceEquals(task, await Task.WhenAny(task, Task.Delay(Bound))), what + " did not finish within " + Bound.TotalSeconds + " s");
            Assert.True(task.IsFaulted, what + " did not fail");
            return task.Exception!.InnerException!;
        }

        [Fact]
        public async Task A_watcher_reports_every_message_delivered_while_the_server_was_down_exactly_once()
        {
            var user = _fixture.CreateUser("watch");
            using var direct = Direct(user);
            Assert.True(direct.Append("INBOX", null, null, Message("before", 0)).IsOk);
            direct.Logout();

            using var reconnecting = await ImapReconnectingClient.ConnectAsync(Recipe(user), FastPolicy());
            var arrivals = new BlockingCollection<ImapArrival>();
            using var failedAttempts = new SemaphoreSlim(0);
            using var lost = new ManualResetEventSlim();
            TimeSpan? outage = null;
            reconnecting.ConnectionLost += (s, e) => lost.Set();
            reconnecting.ReconnectAttemptFailed += (s, e) => failedAttempts.Release();
            reconnecting.Reconnected += (s, e) => outage = e.Outage;
            // Start after the message that was there (UID 1 of a new user), so the live APPEND below is reported however fast it comes.
            var watcher = new ImapMailboxWatcher(reconnecting, "INBOX") { StartAfterUid = 1 };
            using var stop = new CancellationTokenSource();
            var watching = Task.Run(() => watcher.WatchAsync(a => arrivals.Add(a), stop.Token));
            try
            {
                // Live: a message appended by another session is reported as it arrives.
                using (var other = Direct(user))
                {
                    Assert.True(other.Append("INBOX", null, null, Message("live", 1)).IsOk);
                    other.Logout();
                }
                Assert.True(arrivals.TryTake(out var live, Bound), "the live message was not reported");
                Assert.False(live.IsCatchUp);

                // Down: the server stops, ten messages are delivered into the maildir meanwhile.
                Server.StopKeepingMail();
                Assert.True(lost.Wait(Bound), "the watcher did not notice the loss");
                Assert.True(failedAttempts.Wait(Bound) && failedAttempts.Wait(Bound), "no reconnect attempt failed while the server was down");
                Assert.Equal(10, Server.DeliverToMaildir(user.Name, "INBOX", Enumerable.Range(1, 10).Select(i => new SeedMessage(Message("gap", i)))));
                Server.StartAgain();
                var recovery = Stopwatch.StartNew();

                var caughtUp = new List<ImapArrival>();
                for (int i = 0; i < 10; i++)
                {
                    Assert.True(arrivals.TryTake(out var a, Bound), "only " + i + " of the 10 messages delivered during the outage were reported");
                    caughtUp.Add(a);
                }
                recovery.Stop();
                Assert.All(caughtUp, a => Assert.True(a.IsCatchUp, a + " is not marked as caught up"));

                // A sentinel after the catch-up: the next report must be it, so nothing of the gap came twice.
                using (var other = Direct(user))
                {
                    Assert.True(other.Append("INBOX", null, null, Message("after", 2)).IsOk);
                    Assert.True(arrivals.TryTake(out var after, Bound), "the message after the restart was not reported");
                    Assert.False(after.IsCatchUp);
                    var reported = new[] { live }.Concat(caughtUp).Append(after).Select(a => a.Uid).ToList();
                    Assert.Equal(reported.Count, reported.Distinct().Count());
                    var onServer = AllUids(other, "INBOX");
                    Assert.Equal(13, onServer.Count);
                    Assert.Equal(onServer.Skip(1), reported);
                    other.Logout();
                }
                Assert.Equal(1, reconnecting.ReconnectCount);
                _output.WriteLine($"Dovecot greeting again -> 10 catch-up events: {recovery.ElapsedMilliseconds} ms; outage seen by the client: {outage?.TotalMilliseconds:0} ms (loss noticed -> re-selected; includes delivering 10 messages and restarting Dovecot)");
            }
            finally
            {
                if (!Server.IsRunning) Server.StartAgain();
                stop.Cancel();
                Assert.True(ReferenceEquals(watching, await Task.WhenAny(watching, Task.Delay(Bound))), "the watcher did not stop");
                await watching;
            }
            Assert.False(arrivals.TryTake(out var extra), "reported after the sentinel: " + extra);
        }

        /// <summary>
        /// The catch-up by each method the server can offer (Dovecot offers QRESYNC; the client is told to
        /// ignore it, or CONDSTORE too): QRESYNC reports the expunges and flag changes made during the
        /// outage, CONDSTORE the flag changes, UIDNEXT neither; every method reports the 10 new messages,
        /// each once, and nothing of the gap comes again after it.
        /// </summary>
        [Theory]
        [InlineData(ImapResyncMethod.QResync)]
        [InlineData(ImapResyncMethod.CondStore)]
        [InlineData(ImapResyncMethod.UidNext)]
        public async Task A_watcher_catches_up_what_changed_while_the_server_was_down_by_the_best_method_offered_exactly_once(ImapResyncMethod method)
        {
            var user = _fixture.CreateUser("resync");
            var options = Options();
            if (method != ImapResyncMethod.QResync) options.IgnoredCapabilities.Add("QRESYNC");
            if (method == ImapResyncMethod.UidNext) options.IgnoredCapabilities.Add("CONDSTORE");
            List<uint> before;
            using (var direct = Direct(user))
            {
                for (int i = 1; i <= 6; i++) Assert.True(direct.Append("INBOX", null, null, Message("before", i)).IsOk);
                before = AllUids(direct, "INBOX");
                direct.Logout();
            }
            Assert.Equal(6, before.Count);

            using var reconnecting = await ImapReconnectingClient.ConnectAsync(Recipe(user, options: options), FastPolicy());
            Assert.Equal(method, ImapMailboxSyncState.MethodFor(reconnecting.Client));
            var changes = new BlockingCollection<ImapMailboxChange>();
            using var failedAttempts = new SemaphoreSlim(0);
            using var lost = new ManualResetEventSlim();
            reconnecting.ConnectionLost += (s, e) => lost.Set();
            reconnecting.ReconnectAttemptFailed += (s, e) => failedAttempts.Release();
            var watcher = new ImapMailboxWatcher(reconnecting, "INBOX") { StartAfterUid = before.Max() };
            using var stop = new CancellationTokenSource();
            var watching = Task.Run(() => watcher.WatchChangesAsync(c => changes.Add(c), stop.Token));
            try
            {
                // Live first (the watch is running, and this message's arrival must not come back as a flag change).
                uint liveUid;
                using (var other = Direct(user))
                {
                    Assert.True(other.Append("INBOX", null, null, Message("live", 1)).IsOk);
                    other.Logout();
                }
                Assert.True(changes.TryTake(out var live, Bound), "the live message was not reported");
                Assert.Equal(ImapMailboxChangeKind.NewMessage, live.Kind);
                Assert.False(live.IsCatchUp);
                liveUid = live.Uid;
                if (method != ImapResyncMethod.UidNext) Assert.NotEqual(0UL, watcher.State!.ModSeq);

                // Down: ten deliveries, two flag changes and two expunges of messages that were there before, all in the maildir.
                Server.StopKeepingMail();
                Assert.True(lost.Wait(Bound), "the watcher did not notice the loss");
                Assert.True(failedAttempts.Wait(Bound), "no reconnect attempt failed while the server was down");
                Assert.Equal(10, Server.DeliverToMaildir(user.Name, "INBOX", Enumerable.Range(1, 10).Select(i => new SeedMessage(Message("gap", i)))));
                Server.SetMaildirFlags(user.Name, "INBOX", before[1], "F");
                Server.SetMaildirFlags(user.Name, "INBOX", before[2], "FS");
                Server.RemoveFromMaildir(user.Name, "INBOX", before[3]);
                Server.RemoveFromMaildir(user.Name, "INBOX", before[4]);
                Server.StartAgain();

                // QRESYNC: 2 expunges, 2 flag changes, 10 new messages; CONDSTORE: no expunges; UIDNEXT: new messages only.
                int expected = method == ImapResyncMethod.QResync ? 14 : method == ImapResyncMethod.CondStore ? 12 : 10;
                var clock = Stopwatch.StartNew();
                var caughtUp = new List<ImapMailboxChange>();
                for (int i = 0; i < expected; i++)
                {
                    Assert.True(changes.TryTake(out var c, Bound), "only " + i + " of the " + expected + " changes made during the outage were reported: " + string.Join(", ", caughtUp));
                    caughtUp.Add(c);
                }
                _output.WriteLine(method + ": Dovecot greeting again -> all " + expected + " catch-up changes in " + clock.ElapsedMilliseconds + " ms");
                Assert.All(caughtUp, c => Assert.True(c.IsCatchUp, c + " is not marked as caught up"));
                Assert.Equal(method == ImapResyncMethod.QResync ? new[] { before[3], before[4] } : new uint[0],
                    caughtUp.Where(c => c.Kind == ImapMailboxChangeKind.Expunged).Select(c => c.Uid));
                var flagged = caughtUp.Where(c => c.Kind == ImapMailboxChangeKind.FlagsChanged).ToList();
                if (method == ImapResyncMethod.UidNext) Assert.Empty(flagged);
                else
                {
                    Assert.Equal(new[] { before[1], before[2] }, flagged.Select(c => c.Uid));
                    // \Recent is the session's, not a change: the first session after the restart sees these messages as recent.
                    Assert.Equal(new[] { @"\Flagged" }, flagged[0].Flags!.Where(f => f != @"\Recent"));
                    Assert.Equal(new[] { @"\Flagged", @"\Seen" }, flagged[1].Flags!.Where(f => f != @"\Recent").OrderBy(f => f, StringComparer.Ordinal));
                }
                var arrived = caughtUp.Where(c => c.Kind == ImapMailboxChangeKind.NewMessage).Select(c => c.Uid).ToList();
                Assert.Equal(10, arrived.Count);
                Assert.Equal(arrived.OrderBy(u => u), arrived);
                Assert.All(arrived, u => Assert.True(u > liveUid));
                Assert.Equal(method, watcher.State!.LastMethod);

                // A sentinel: the next report must be it, so nothing of the gap came twice.
                using (var other = Direct(user))
                {
                    Assert.True(other.Append("INBOX", null, null, Message("after", 2)).IsOk);
                    Assert.True(changes.TryTake(out var after, Bound), "the message after the restart was not reported");
                    Assert.Equal(ImapMailboxChangeKind.NewMessage, after.Kind);
                    Assert.False(after.IsCatchUp);
                    var onServer = AllUids(other, "INBOX");
                    Assert.Equal(before.Where((u, i) => i != 3 && i != 4).Append(liveUid).Concat(arrived).Append(after.Uid), onServer);
                    other.Logout();
                }
                Assert.Equal(1, reconnecting.ReconnectCount);
            }
            finally
            {
                if (!Server.IsRunning) Server.StartAgain();
                stop.Cancel();
                Assert.True(ReferenceEquals(watching, await Task.WhenAny(watching, Task.Delay(Bound))), "the watcher did not stop");
                await watching;
            }
            Assert.False(changes.TryTake(out var extra), "reported after the sentinel: " + extra);
        }

        /// <summary>
        /// Live and caught up, never twice: a flag change and an expunge reported live (during IDLE) are
        /// not reported again by the catch-up after a reconnect, which finds nothing else to report.
        /// </summary>
        [Fact]
        public async Task Changes_a_watcher_reported_live_are_not_reported_again_by_the_catch_up()
        {
            var user = _fixture.CreateUser("live");
            List<uint> before;
            using (var direct = Direct(user))
            {
                Assert.True(direct.Create("Other").IsOk);
                for (int i = 1; i <= 3; i++) Assert.True(direct.Append("INBOX", null, null, Message("before", i)).IsOk);
                before = AllUids(direct, "INBOX");
                direct.Logout();
            }
            using var reconnecting = await ImapReconnectingClient.ConnectAsync(Recipe(user), FastPolicy());
            // Set while the watcher idles: from IDLE's continuation to the next line it sends (DONE, or any command).
            using var idling = new ManualResetEventSlim();
            void Watch(Imap4Client c) => c.DebugLine += (level, text) =>
            {
                if (text.StartsWith("< +", StringComparison.Ordinal)) idling.Set();
                else if (text.StartsWith("> ", StringComparison.Ordinal)) idling.Reset();
            };
            Watch(reconnecting.Client);
            reconnecting.Reconnected += (s, e) => Watch(reconnecting.Client);
            var changes = new BlockingCollection<ImapMailboxChange>();
            var watcher = new ImapMailboxWatcher(reconnecting, "INBOX") { StartAfterUid = before.Max() };
            using var stop = new CancellationTokenSource();
            var watching = Task.Run(() => watcher.WatchChangesAsync(c => changes.Add(c), stop.Token));
            try
            {
                using var other = Direct(user);
                Assert.True(other.Select("INBOX").IsOk);
                Assert.True(idling.Wait(Bound), "the watcher did not idle");
                Assert.True(other.Uid("STORE", before[0].ToString(), "+FLAGS", "(\\Flagged)").IsOk);
                Assert.True(changes.TryTake(out var flagged, Bound), "the live flag change was not reported");
                Assert.Equal(ImapMailboxChangeKind.FlagsChanged, flagged.Kind);
                Assert.Equal(before[0], flagged.Uid);
                Assert.Contains("\\Flagged", flagged.Flags!);
                Assert.False(flagged.IsCatchUp);

                // MOVE expunges without a \Deleted flag change to report first.
                Assert.True(idling.Wait(Bound), "the watcher did not idle again");
                Assert.True(other.Uid("MOVE", before[1].ToString(), "Other").IsOk);
                Assert.True(changes.TryTake(out var expunged, Bound), "the live expunge was not reported");
                Assert.Equal(ImapMailboxChangeKind.Expunged, expunged.Kind);
                Assert.Equal(before[1], expunged.Uid);
                Assert.False(expunged.IsCatchUp);
                other.Logout();

                // A restart with nothing changed meanwhile: the catch-up has nothing to say.
                Server.StopKeepingMail();
                Server.StartAgain();
                using (var after = Direct(user))
                {
                    // Once the watcher idles on the new connection (after its catch-up), a new message must be the very next report.
                    Assert.True(SpinWait.SpinUntil(() => reconnecting.ReconnectCount == 1 && idling.IsSet && watcher.State!.LastMethod == ImapResyncMethod.QResync, Bound),
                        "the watcher did not idle after the restart");
                    Assert.True(after.Append("INBOX", null, null, Message("after", 1)).IsOk);
                    Assert.True(changes.TryTake(out var sentinel, Bound), "the message after the restart was not reported");
                    Assert.Equal(ImapMailboxChangeKind.NewMessage, sentinel.Kind);
                    Assert.False(sentinel.IsCatchUp, sentinel + " came from the catch-up");
                    after.Logout();
                }
                Assert.Equal(ImapResyncMethod.QResync, watcher.State!.LastMethod);
            }
            finally
            {
                if (!Server.IsRunning) Server.StartAgain();
                stop.Cancel();
                Assert.True(ReferenceEquals(watching, await Task.WhenAny(watching, Task.Delay(Bound))), "the watcher did not stop");
                await watching;
            }
            Assert.False(changes.TryTake(out var extra), "reported twice or more: " + extra);
        }

        /// <summary>
        /// RFC 5161 allows ENABLE only in the authenticated state: a reconnect enables QRESYNC again
        /// (when the lost connection had it) before it re-selects, so the re-selected mailbox reports
        /// HIGHESTMODSEQ at once and a catch-up never has to send ENABLE in the selected state.
        /// </summary>
        [Fact]
        public async Task A_reconnect_enables_qresync_again_before_it_selects_the_mailbox()
        {
            var user = _fixture.CreateUser("enable");
            using (var direct = Direct(user))
            {
                Assert.True(direct.Append("INBOX", null, null, Message("old", 1)).IsOk);
                direct.Logout();
            }
            using var reconnecting = await ImapReconnectingClient.ConnectAsync(Recipe(user), FastPolicy());
            Assert.True((await Within(reconnecting.RunAsync(ImapOperationSafety.Read, "ENABLE", c => c.EnableAsync("QRESYNC")), "ENABLE")).IsOk);
            Assert.True((await Within(reconnecting.SelectAsync("INBOX", readOnly: true), "EXAMINE")).IsOk);
            Assert.NotEqual(0UL, reconnecting.Client.HighestModSeq);
            // Seen on the new connection as it is published, before any caller can send anything on it.
            bool enabledAtReconnect = false;
            ulong modSeqAtReconnect = 0;
            ImapState stateAtReconnect = ImapState.LOGOUT;
            reconnecting.Reconnected += (s, e) =>
            {
                enabledAtReconnect = reconnecting.Client.IsEnabled("QRESYNC");
                modSeqAtReconnect = reconnecting.Client.HighestModSeq;
                stateAtReconnect = reconnecting.Client.State;
            };

            Server.StopKeepingMail();
            Server.StartAgain();
            Assert.True((await Within(reconnecting.RunAsync(ImapOperationSafety.Read, "NOOP", c => c.NoopAsync()), "NOOP")).IsOk);

            Assert.Equal(1, reconnecting.ReconnectCount);
            Assert.True(enabledAtReconnect, "the new connection does not have QRESYNC enabled");
            Assert.True(reconnecting.Client.IsEnabled("CONDSTORE"));
            Assert.Equal(ImapState.SELECTED, stateAtReconnect);
            Assert.NotEqual(0UL, modSeqAtReconnect);
        }

        [Fact]
        public async Task A_changed_UIDVALIDITY_across_a_reconnect_stops_the_work_and_touches_nothing()
        {
            var user = _fixture.CreateUser("uidv");
            using (var direct = Direct(user))
            {
                Assert.True(direct.Create("Watched").IsOk);
                Assert.True(direct.Append("Watched", null, null, Message("old", 1)).IsOk);
                direct.Logout();
            }
            using var reconnecting = await ImapReconnectingClient.ConnectAsync(Recipe(user), FastPolicy());
            Assert.True((await Within(reconnecting.SelectAsync("Watched"), "SELECT")).IsOk);
            uint before = reconnecting.TrackedUidValidity;
            Assert.NotEqual(0u, before);

            // Down: the mailbox is deleted and made again, with another message as UID 1.
            Server.StopKeepingMail();
            try
            {
                Server.RecreateMaildirFolder(user.Name, "Watched");
                Server.DeliverToMaildir(user.Name, "Watched", new[] { new SeedMessage(Message("new", 1)) });
            }
            finally
            {
                Server.StartAgain();
            }

            // What the job would do next with the UID it knew: flag UID 1 \Deleted.
            bool sent = false;
            var store = reconnecting.RunAsync(ImapOperationSafety.Idempotent, "UID STORE", c => { sent = true; return c.UidAsync("STORE", "1", "+FLAGS", "(\\Deleted)"); });
            var error = await Failure(store, "UID STORE");
            var changed = Assert.IsType<ImapUidValidityChangedException>(error);
            Assert.Equal("Watched", changed.Mailbox);
            Assert.Equal(before, changed.Expected);
            Assert.NotEqual(before, changed.Actual);
            Assert.False(sent);
            // It stays stopped: the next operation fails the same way until the caller selects again.
            Assert.IsType<ImapUidValidityChangedException>(await Failure(reconnecting.RunAsync(ImapOperationSafety.Read, "NOOP", c => c.NoopAsync()), "NOOP"));
            Assert.NotEqual(ImapState.SELECTED, reconnecting.Client.State);

            using (var direct = Direct(user))
            {
                Assert.True(direct.Select("Watched", readOnly: true).IsOk);
                var flags = direct.Fetch("1", "(FLAGS)");
                var data = FetchData.Parse(flags.Untagged.Single(u => u.Name == "FETCH"));
                Assert.DoesNotContain("\\Deleted", data.Flags!);
                direct.Logout();
            }
            // Selecting again accepts the new UIDVALIDITY.
            Assert.True((await Within(reconnecting.SelectAsync("Watched"), "SELECT again")).IsOk);
            Assert.Equal(changed.Actual, reconnecting.TrackedUidValidity);
            Assert.True((await Within(reconnecting.RunAsync(ImapOperationSafety.Read, "NOOP", c => c.NoopAsync()), "NOOP")).IsOk);
        }

        [Theory]
        [InlineData(CutPoint.BeforeCommand)]
        [InlineData(CutPoint.BeforeReply)]
        public async Task A_read_cut_by_the_connection_is_repeated_on_a_new_one(CutPoint cutPoint)
        {
            var user = _fixture.CreateUser("read");
            using (var direct = Direct(user))
            {
                for (int i = 1; i <= 3; i++) Assert.True(direct.Append("INBOX", null, null, Message("read", i)).IsOk);
                direct.Logout();
            }
            using var proxy = CuttingProxy.Start(Server.Host, Server.ImapPort, " UID FETCH ", 1, cutPoint);
            using var reconnecting = await ImapReconnectingClient.ConnectAsync(Recipe(user, proxy.Port), FastPolicy());
            Assert.True((await Within(reconnecting.SelectAsync("INBOX"), "SELECT")).IsOk);
            int runs = 0;
            var fetch = await Within(reconnecting.RunAsync(ImapOperationSafety.Read, "UID FETCH", c => { runs++; return c.UidAsync("FETCH", "1:*", "(UID)"); }), "UID FETCH");
            Assert.True(proxy.HasCut);
            Assert.True(fetch.IsOk);
            Assert.Equal(new uint[] { 1, 2, 3 }, fetch.Untagged.Where(u => u.Name == "FETCH").Select(u => FetchData.Parse(u).Uid!.Value).OrderBy(u => u));
            Assert.Equal(2, runs);
            Assert.Equal(1, reconnecting.ReconnectCount);
            Assert.Equal(ImapState.SELECTED, reconnecting.Client.State);
        }

        [Theory]
        [InlineData(CutPoint.BeforeCommand, false)]
        [InlineData(CutPoint.BeforeReply, true)]
        public async Task An_APPEND_cut_at_the_moment_of_sending_leaves_exactly_one_message(CutPoint cutPoint, bool serverStoredIt)
        {
            var user = _fixture.CreateUser("append");
            using var proxy = CuttingProxy.Start(Server.Host, Server.ImapPort, " APPEND ", 1, cutPoint);
            using var reconnecting = await ImapReconnectingClient.ConnectAsync(Recipe(user, proxy.Port), FastPolicy());
            var result = await Within(reconnecting.AppendAsync("INBOX", "(\\Seen)", null, Message("append", 1)), "APPEND");
            Assert.True(proxy.HasCut);
            Assert.Equal(1, result.ConnectionsLost);
            Assert.Equal(serverStoredIt, result.FoundAfterLoss);
            Assert.NotNull(result.Uid);
            using var direct = Direct(user);
            Assert.Equal(new[] { result.Uid!.Value }, AllUids(direct, "INBOX"));
            direct.Logout();
        }

        [Fact]
        public async Task An_APPEND_without_a_Message_ID_cut_before_its_reply_is_reported_not_repeated()
        {
            var user = _fixture.CreateUser("nomid");
            using var proxy = CuttingProxy.Start(Server.Host, Server.ImapPort, " APPEND ", 1, CutPoint.BeforeReply);
            using var reconnecting = await ImapReconnectingClient.ConnectAsync(Recipe(user, proxy.Port), FastPolicy());
            var error = await Failure(reconnecting.AppendAsync("INBOX", null, null, Message("nomid", 1, withMessageId: false)), "APPEND");
            var unknown = Assert.IsType<ImapOutcomeUnknownException>(error);
            Assert.True(unknown.Reconnected);
            Assert.Contains("Message-ID", unknown.Message);
            using var direct = Direct(user);
            Assert.Single(AllUids(direct, "INBOX"));
            direct.Logout();
        }

        [Fact]
        public async Task A_COPY_cut_before_its_reply_is_not_repeated_and_says_the_outcome_is_unknown()
        {
            var user = _fixture.CreateUser("copy");
            using (var direct = Direct(user))
            {
                Assert.True(direct.Create("Target").IsOk);
                Assert.True(direct.Append("INBOX", null, null, Message("copy", 1)).IsOk);
                direct.Logout();
            }
            using var proxy = CuttingProxy.Start(Server.Host, Server.ImapPort, " UID COPY ", 1, CutPoint.BeforeReply);
            using var reconnecting = await ImapReconnectingClient.ConnectAsync(Recipe(user, proxy.Port), FastPolicy());
            Assert.True((await Within(reconnecting.SelectAsync("INBOX"), "SELECT")).IsOk);
            int runs = 0;
            var error = await Failure(reconnecting.RunAsync(ImapOperationSafety.NotIdempotent, "UID COPY to 'Target'",
                c => { runs++; return c.UidAsync("COPY", "1", "Target"); }), "UID COPY");
            Assert.IsType<ImapOutcomeUnknownException>(error);
            Assert.Equal(1, runs);
            Assert.Equal(1, reconnecting.ReconnectCount);
            using var check = Direct(user);
            Assert.Single(AllUids(check, "Target"));
            check.Logout();
        }

        /// <summary>Three messages in INBOX (one without a Message-ID) and an empty Target.</summary>
        private void SeedTransfer(TestUser user, string tag)
        {
            using var direct = Direct(user);
            Assert.True(direct.Create("Target").IsOk);
            for (int i = 1; i <= 3; i++) Assert.True(direct.Append("INBOX", "(\\Flagged)", null, Message(tag, i, withMessageId: i != 2)).IsOk);
            direct.Logout();
        }

        /// <summary>Each message body ("body of tag i") in <paramref name="mailbox"/>, sorted.</summary>
        private List<string> Bodies(Imap4Client client, string mailbox)
        {
            Assert.True(client.Select(mailbox, readOnly: true).IsOk);
            if (client.Exists == 0) return new List<string>();
            var fetch = client.Fetch("1:*", "(BODY.PEEK[TEXT])");
            return fetch.Untagged.Where(u => u.Name == "FETCH")
                .Select(u => System.Text.Encoding.ASCII.GetString(FetchData.Parse(u).FindSection("TEXT")!.GetBytes()!).Trim())
                .OrderBy(b => b, StringComparer.Ordinal).ToList();
        }

        [Theory]
        [InlineData(CutPoint.BeforeCommand, false)]
        [InlineData(CutPoint.BeforeReply, true)]
        public async Task A_COPY_cut_at_the_moment_of_sending_leaves_exactly_one_copy_of_each_message(CutPoint cutPoint, bool serverCopied)
        {
            var user = _fixture.CreateUser("copycut");
            SeedTransfer(user, "copycut");
            using var proxy = CuttingProxy.Start(Server.Host, Server.ImapPort, " UID COPY ", 1, cutPoint);
            using var reconnecting = await ImapReconnectingClient.ConnectAsync(Recipe(user, proxy.Port), FastPolicy());
            Assert.True((await Within(reconnecting.SelectAsync("INBOX"), "SELECT")).IsOk);
            var result = await Within(reconnecting.CopyMessagesAsync(new uint[] { 1, 2, 3 }, "Target"), "COPY");
            Assert.True(proxy.HasCut);
            Assert.Equal(1, result.ConnectionsLost);
            Assert.Equal(serverCopied, result.FoundAfterLoss);
            using var check = Direct(user);
            var copied = AllUids(check, "Target");
            Assert.Equal(3, copied.Count);
            // Found after the loss or reported by COPYUID, each source UID maps to a message of Target, none twice.
            Assert.Equal(new uint[] { 1, 2, 3 }, result.Uids.Keys.OrderBy(u => u));
            Assert.Equal(copied, result.Uids.Values.OrderBy(u => u));
            Assert.Equal(new[] { "body of copycut 1", "body of copycut 2", "body of copycut 3" }, Bodies(check, "Target"));
            Assert.Equal(Bodies(check, "INBOX"), Bodies(check, "Target"));
            check.Logout();
        }

        [Theory]
        [InlineData(CutPoint.BeforeCommand, false)]
        [InlineData(CutPoint.BeforeReply, true)]
        public async Task A_MOVE_cut_at_the_moment_of_sending_leaves_each_message_once_in_the_destination_only(CutPoint cutPoint, bool serverMoved)
        {
            var user = _fixture.CreateUser("movecut");
            SeedTransfer(user, "movecut");
            using var proxy = CuttingProxy.Start(Server.Host, Server.ImapPort, " UID MOVE ", 1, cutPoint);
            using var reconnecting = await ImapReconnectingClient.ConnectAsync(Recipe(user, proxy.Port), FastPolicy());
            Assert.True((await Within(reconnecting.SelectAsync("INBOX"), "SELECT")).IsOk);
            var result = await Within(reconnecting.MoveMessagesAsync(new uint[] { 1, 2, 3 }, "Target"), "MOVE");
            Assert.True(proxy.HasCut);
            Assert.Equal(1, result.ConnectionsLost);
            Assert.Equal(serverMoved, result.FoundAfterLoss);
            using var check = Direct(user);
            Assert.Empty(AllUids(check, "INBOX"));
            var moved = AllUids(check, "Target");
            Assert.Equal(moved, result.Uids.Values.OrderBy(u => u));
            Assert.Equal(new[] { "body of movecut 1", "body of movecut 2", "body of movecut 3" }, Bodies(check, "Target"));
            check.Logout();
        }

        [Fact]
        public async Task A_COPY_cut_while_a_look_alike_arrived_in_the_destination_is_reported_not_repeated()
        {
            var user = _fixture.CreateUser("lookalike");
            SeedTransfer(user, "lookalike");
            using var proxy = CuttingProxy.Start(Server.Host, Server.ImapPort, " UID COPY ", 1, CutPoint.BeforeCommand);
            using var reconnecting = await ImapReconnectingClient.ConnectAsync(Recipe(user, proxy.Port), FastPolicy());
            Assert.True((await Within(reconnecting.SelectAsync("INBOX"), "SELECT")).IsOk);
            // While the connection is down, someone else files a message of the same size as the one
            // without a Message-ID, but another date: it could be a copy, and cannot be told apart.
            reconnecting.ConnectionLost += (s, e) =>
            {
                using var other = Direct(user);
                Assert.True(other.Append("Target", null, new DateTimeOffset(2001, 1, 1, 0, 0, 0, TimeSpan.Zero), Message("lookalike", 2, withMessageId: false)).IsOk);
                other.Logout();
            };
            var error = await Failure(reconnecting.CopyMessagesAsync(new uint[] { 1, 2, 3 }, "Target"), "COPY");
            var unknown = Assert.IsType<ImapOutcomeUnknownException>(error);
            Assert.True(unknown.Reconnected);
            Assert.Contains("cannot be told apart", unknown.Message);
            using var check = Direct(user);
            Assert.Single(AllUids(check, "Target"));
            check.Logout();
        }

        [Fact]
        public async Task An_idempotent_STORE_cut_before_its_reply_is_repeated()
        {
            var user = _fixture.CreateUser("store");
            using (var direct = Direct(user))
            {
                Assert.True(direct.Append("INBOX", null, null, Message("store", 1)).IsOk);
                direct.Logout();
            }
            using var proxy = CuttingProxy.Start(Server.Host, Server.ImapPort, " UID STORE ", 1, CutPoint.BeforeReply);
            using var reconnecting = await ImapReconnectingClient.ConnectAsync(Recipe(user, proxy.Port), FastPolicy());
            Assert.True((await Within(reconnecting.SelectAsync("INBOX"), "SELECT")).IsOk);
            var store = await Within(reconnecting.RunAsync(ImapOperationSafety.Idempotent, "UID STORE", c => c.UidAsync("STORE", "1", "+FLAGS", "(\\Flagged)")), "UID STORE");
            Assert.True(store.IsOk);
            Assert.Equal(1, reconnecting.ReconnectCount);
            using var check = Direct(user);
            Assert.True(check.Select("INBOX", readOnly: true).IsOk);
            Assert.Contains("\\Flagged", FetchData.Parse(check.Uid("FETCH", "1", "(FLAGS)").Untagged.Single(u => u.Name == "FETCH")).Flags!);
            check.Logout();
        }

        [Fact]
        public async Task Reconnecting_to_a_port_nobody_listens_on_gives_up_by_the_policy_with_a_typed_error()
        {
            var user = _fixture.CreateUser("gone");
            using var proxy = CuttingProxy.Start(Server.Host, Server.ImapPort, " NOOP", 1, CutPoint.BeforeReply);
            using var reconnecting = await ImapReconnectingClient.ConnectAsync(Recipe(user, proxy.Port), new ImapReconnectPolicy
            {
                MaxAttempts = 3,
                InitialDelay = TimeSpan.FromMilliseconds(10),
                MaxDelay = TimeSpan.FromMilliseconds(20),
            });
            var attempts = new ConcurrentQueue<int>();
            reconnecting.ReconnectAttemptFailed += (s, e) => attempts.Enqueue(e.Attempt);
            // The proxy stops listening and the NOOP is cut: every attempt is refused.
            var noop = reconnecting.RunAsync(ImapOperationSafety.Read, "NOOP", c =>
            {
                proxy.Dispose();
                return c.NoopAsync();
            });
            var error = await Failure(noop, "NOOP");
            var failed = Assert.IsType<ImapReconnectFailedException>(error);
            Assert.Equal(3, failed.Attempts);
            Assert.Equal(new[] { 1, 2, 3 }, attempts);
            Assert.IsAssignableFrom<ImapAbortException>(failed);
        }

        [Fact]
        public void Backoff_grows_exponentially_within_its_bound_and_jitter_only_shortens_it()
        {
            var policy = new ImapReconnectPolicy { InitialDelay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromSeconds(8), BackoffMultiplier = 2, Jitter = 0.5 };
            var random = new Random(15);
            Assert.Equal(TimeSpan.Zero, policy.DelayBefore(1, random));
            double[] ceilings = { 1, 2, 4, 8, 8, 8 };
            for (int attempt = 2; attempt < 8; attempt++)
            {
                var samples = Enumerable.Range(0, 200).Select(_ => policy.DelayBefore(attempt, random).TotalSeconds).ToList();
                double ceiling = ceilings[attempt - 2];
                Assert.All(samples, d => Assert.InRange(d, ceiling / 2, ceiling));
                Assert.True(samples.Distinct().Count() > 100, "no jitter at attempt " + attempt);
            }
            policy.Jitter = 0;
            Assert.Equal(TimeSpan.FromSeconds(4), policy.DelayBefore(4, random));
            Assert.Throws<ArgumentOutOfRangeException>(() => new ImapReconnectPolicy { Jitter = 2 }.Validate());
        }

        [Fact]
        public async Task An_OAuth_reconnect_asks_the_token_provider_for_a_fresh_token_and_never_replays_the_old_one()
        {
            static string Xoauth2(string token) => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("user=alice@example.com\u0001auth=Bearer " + token + "\u0001\u0001"));
            const string Caps = "IMAP4rev1 AUTH=XOAUTH2 SASL-IR IDLE";
            using var server = ScriptedImapServer.Start(new ScriptedServerOptions { StepTimeout = TimeSpan.FromSeconds(15) },
                new ServerScript().Send("* OK [CAPABILITY " + Caps + "] hi\r\n")
                    .ExpectLine(l => l.Contains("AUTHENTICATE XOAUTH2 " + Xoauth2("token-1")), "XOAUTH2 with the first token").ReplyTagged("OK [CAPABILITY " + Caps + "] in")
                    .ExpectCommand("NOOP").Drop(),
                new ServerScript().Send("* OK [CAPABILITY " + Caps + "] hi\r\n")
                    .ExpectLine(l => l.Contains("AUTHENTICATE XOAUTH2 " + Xoauth2("token-2")), "XOAUTH2 with a fresh token").ReplyTagged("OK [CAPABILITY " + Caps + "] in")
                    .ExpectCommand("NOOP").ReplyTagged("OK")
                    .ExpectCommand("LOGOUT").Send("* BYE\r\n{tag} OK\r\n"));
            int issued = 0;
            var authentication = ImapAuthentication.OAuth("alice@example.com", _ => Task.FromResult("token-" + Interlocked.Increment(ref issued)));
            var recipe = new ImapConnectionRecipe(server.Host, server.Port, ImapTransportSecurity.None, authentication, ScriptedSession.Options());
            using (var reconnecting = await ImapReconnectingClient.ConnectAsync(recipe, FastPolicy()))
            {
                Assert.True((await Within(reconnecting.RunAsync(ImapOperationSafety.Read, "NOOP", c => c.NoopAsync()), "NOOP")).IsOk);
                Assert.Equal(2, issued);
                Assert.Equal(1, reconnecting.ReconnectCount);
                reconnecting.Client.Logout();
            }
            await server.WaitForCompletionAsync(Bound);
            server.AssertNoErrors();
        }

        [Fact]
        public void The_Message_ID_is_read_from_the_header_only_and_unfolded()
        {
            Assert.Equal("<a@b>", ImapReconnectingClient.MessageIdOf(ReliabilityKit.Crlf("Subject: x\nMessage-Id:\n <a@b>\n\nMessage-ID: <body@x>\n")));
            Assert.Null(ImapReconnectingClient.MessageIdOf(ReliabilityKit.Crlf("Subject: x\n\nMessage-ID: <body@x>\n")));
            Assert.Equal("<c@d>", ImapReconnectingClient.MessageIdOf(System.Text.Encoding.ASCII.GetBytes("MESSAGE-ID: <c@d>\nX: y\n\n")));
        }
    }
}
