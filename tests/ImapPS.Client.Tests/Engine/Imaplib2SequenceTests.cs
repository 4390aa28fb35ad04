using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using ImapPS.Client.Tests.Fixture;

namespace ImapPS.Client.Tests.Engine
{
    /// <summary>
    /// imaplib2's own end-to-end test (the <c>__main__</c> block of imaplib2.py: test_seq1, the
    /// cleanup, ID, test_seq2 and the IDLE part), ported step by step and run over every transport,
    /// once with blocking calls and once with imaplib2's callbacks. In callback mode the steps are
    /// issued back to back without waiting, exactly as imaplib2's test does, so the engine's
    /// pipelining and ordering carry the sequence.
    /// </summary>
    [Collection(DovecotFixture.CollectionName)]
    public class Imaplib2SequenceTests : ClientTestBase
    {
        public Imaplib2SequenceTests(DovecotFixture fixture) : base(fixture) { }

        public static TheoryData<string, bool> Cases()
        {
            var data = new TheoryData<string, bool>();
            foreach (var transport in new[] { "plain", "starttls", "tls", "stream", "compress" })
            {
                data.Add(transport, false);
                data.Add(transport, true);
            }
            return data;
        }

        // imaplib2 builds its message from its own source text with bare LF line ends.
        private static readonly byte[] TestMessage = Encoding.ASCII.GetBytes(
            "From: tester@localhost\nSubject: IMAP4 test\n\n" +
            string.Join("\n", Enumerable.Range(1, 30).Select(i => "line " + i + " of the imaplib2 test message body")) + "\n");

        [Theory]
        [MemberData(nameof(Cases))]
        public void Imaplib2_main_sequence(string transport, bool callbacks)
        {
            var user = Fixture.CreateUser();
            using var M = Connect(transport, user.Name);
            var run = new Runner(callbacks);

            if (M.State != ImapState.AUTH)
                run.Step("login", (cb, a) => M.Login(user.Name, user.Password, cb, a));
            run.Drain();
            Assert.Equal(ImapState.AUTH, M.State);
            Assert.Equal("IMAP4REV1", M.ProtocolVersion);
            if (transport == "compress")
            {
                M.EnableCompression();
                Assert.True(M.IsCompressed);
            }
            Assert.Equal(transport == "starttls" || transport == "tls", M.IsEncrypted);

            // test_seq1
            run.Step("list root", (cb, a) => M.List("\"\"", "\"\"", cb, a));
            run.Step("list %", (cb, a) => M.List("", "%", cb, a));
            run.Step("create", (cb, a) => M.Create("imaplib2_test0", cb, a));
            run.Step("rename", (cb, a) => M.Rename("imaplib2_test0", "imaplib2_test1", cb, a));
            run.Step("CREATE", (cb, a) => M.Create("imaplib2_test2", cb, a));
            run.Step("append test2", (cb, a) => M.Append("imaplib2_test2", null, null, TestMessage, cb, a));
            run.Step("list test%", (cb, a) => M.List("", "imaplib2_test%", cb, a));
            run.Step("select test2", (cb, a) => M.Select("imaplib2_test2", false, cb, a));
            run.Step("search", (cb, a) => M.Search(null, new[] { "SUBJECT", "\"IMAP4 test\"" }, cb!, a), callbackOnly: true);
            run.Step("fetch", (cb, a) => M.Fetch("1:*", "(FLAGS INTERNALDATE RFC822)", cb, a));
            run.Step("store", (cb, a) => M.Store("1", "FLAGS", @"(\Deleted)", cb, a));
            run.Step("namespace", (cb, a) => M.Namespace(cb, a));
            run.Step("expunge", (cb, a) => M.Expunge(cb, a));
            run.Step("recent", (cb, a) => M.Recent(cb, a));
            run.Step("close", (cb, a) => M.Close(cb, a));
            run.Drain();

            var r = run.Results;
            var listed = r["list test%"].Data.Select(d => d!.Text).ToArray();
            Assert.Contains(listed, t => t.EndsWith(" imaplib2_test1", StringComparison.Ordinal));
            Assert.Contains(listed, t => t.EndsWith(" imaplib2_test2", StringComparison.Ordinal));
            Assert.DoesNotContain(listed, t => t.EndsWith(" imaplib2_test0", StringComparison.Ordinal));
            Assert.Matches(@"^\(\\Noselect\) ""[./]"" """"$", r["list root"].FirstText);
            Assert.Equal("1", r["select test2"].FirstText);
            Assert.Equal("1", r["search"].FirstText);
            var fetched = Assert.Single(r["fetch"].Data, d => d!.IsPair)!;
            Assert.StartsWith("1 (FLAGS (", fetched.Text);
            Assert.Equal(Imap4Client.NormaliseLineEnds(TestMessage), fetched.Literal);
            Assert.Contains(@"\Deleted", r["store"].FirstText);
            Assert.Matches(@"^\(\(""[^""]*"" ""[./]""\)\)", r["namespace"].FirstText);
            Assert.Equal(new[] { "1" }, r["expunge"].Data.Select(d => d!.Text).ToArray());
            Assert.Equal(ImapState.AUTH, M.State);

            // Cleanup: delete every imaplib2_test mailbox (imaplib2 parses the names from LIST).
            foreach (var line in M.List("", "imaplib2_test%").Data.OfType<ImapDataItem>())
            {
                string path = line.Text.Substring(line.Text.LastIndexOf(' ') + 1).Trim('"');
                run.Step("delete " + path, (cb, a) => M.Delete(path, cb, a));
            }
            run.Drain();
            // imaplib2: a LIST that matches nothing returns [None].
            Assert.Equal(new ImapDataItem?[] { null }, M.List("", "imaplib2_test%").Data);

            // ID, as imaplib2 calls it three ways.
            run.Step("id", (cb, a) => M.Id(null, cb, a));
            run.Step("id name", (cb, a) => M.Id(new Dictionary<string, string?> { ["name"] = "imaplib2" }, cb, a));
            run.Step("id version", (cb, a) => M.Id(new Dictionary<string, string?> { ["version"] = "3.05", ["os"] = "Linux" }, cb, a));
            run.Drain();
            Assert.Contains("\"name\" \"Dovecot\"", r["id"].FirstText);

            // test_seq2
            run.Step("select", (cb, a) => M.Select("INBOX", false, cb, a));
            run.Drain();
            var uidValidity = M.Response("UIDVALIDITY");
            Assert.Equal(M.UidValidity.ToString(), Assert.Single(uidValidity.Data)!.Text);
            // Taken: asked again, nothing is kept, which imaplib2 answers with [None].
            Assert.Equal(new ImapDataItem?[] { null }, M.Response("UIDVALIDITY").Data);
            // SELECT took the EXISTS response as its own result, as imaplib2's select() pops it.
            Assert.Equal(new ImapDataItem?[] { null }, M.Response("EXISTS").Data);
            run.Step("append INBOX", (cb, a) => M.Append("INBOX", null, null, TestMessage, cb, a));
            run.Step("examine", (cb, a) => M.Examine("INBOX", cb, a));
            run.Step("select 2", (cb, a) => M.Select("INBOX", false, cb, a));
            run.Step("fetch uid", (cb, a) => M.Fetch("1:*", "(FLAGS UID)", cb, a));
            run.Step("examine 2", (cb, a) => M.Examine("INBOX", cb, a));
            run.Step("select 3", (cb, a) => M.Select("INBOX", false, cb, a));
            run.Drain();
            Assert.Equal("1", r["examine"].FirstText);
            Assert.Matches(@"^1 \(FLAGS \(.*\) UID 1\)$", r["fetch uid"].FirstText);
            Assert.False(M.IsReadOnly);

            var uids = M.Uid("SEARCH", "SUBJECT", "\"IMAP4 test\"").FirstText.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            string last = Assert.Single(uids);
            run.Step("uid fetch", (cb, a) => M.Uid("FETCH", new[] { last, "(FLAGS INTERNALDATE RFC822.SIZE RFC822.HEADER RFC822.TEXT)" }, cb!, a), callbackOnly: true);
            run.Step("uid store", (cb, a) => M.Uid("STORE", new[] { last, "FLAGS", @"(\Deleted)" }, cb!, a), callbackOnly: true);
            run.Step("expunge 2", (cb, a) => M.Expunge(cb, a));
            run.Step("uid search all", (cb, a) => M.Uid("SEARCH", new[] { "ALL" }, cb!, a), callbackOnly: true);
            run.Step("uid thread", (cb, a) => M.Uid("THREAD", new[] { "references", "UTF-8", "(SEEN)" }, cb!, a), callbackOnly: true);
            run.Step("recent 2", (cb, a) => M.Recent(cb, a));
            run.Drain();
            Assert.Equal(2, r["uid fetch"].Data.Count(d => d!.IsPair));
            Assert.Contains("RFC822.SIZE " + Imap4Client.NormaliseLineEnds(TestMessage).Length, r["uid fetch"].FirstText);
            Assert.Equal(new[] { "1" }, r["expunge 2"].Data.Select(d => d!.Text).ToArray());
            Assert.Equal(0u, M.Exists);
            Assert.DoesNotMatch(@"^\d", r["uid search all"].FirstText);
            Assert.Equal("OK", r["uid thread"].Type);

            // IDLE: a timed one, one interrupted by NOOP (issued while IDLE may still be starting),
            // then one interrupted by STORE.
            var timed = M.Idle(TimeSpan.FromMilliseconds(300));
            Assert.Equal("OK", timed.Type);
            var interrupted = CallbackResult(cb => M.Idle(TimeSpan.FromSeconds(99), cb));
            Assert.Equal("OK", M.Noop().Type);
            Assert.Equal("OK", Wait(interrupted).Type);

            Assert.Equal("OK", M.Append("INBOX", null, null, TestMessage).Type);
            string num = M.Search(null, "ALL").FirstText.Split(' ')[0];
            var before = M.Fetch(num, "(FLAGS INTERNALDATE RFC822)");
            Assert.Single(before.Data, d => d!.IsPair);
            var idle2 = CallbackResult(cb => M.Idle(TimeSpan.FromSeconds(2), cb));
            Assert.Equal("OK", M.Store(num, "-FLAGS", @"(\Seen)").Type);
            Assert.Equal("OK", Wait(idle2).Type);
            var after = M.Fetch(num, "(UID FLAGS INTERNALDATE RFC822)");
            string uid = System.Text.RegularExpressions.Regex.Match(after.FirstText, @"UID (\d+)").Groups[1].Value;
            Assert.Equal("OK", M.Uid("STORE", uid, "FLAGS", @"(\Deleted)").Type);
            Assert.Equal(new[] { num }, M.Expunge().Data.Select(d => d!.Text).ToArray());

            var bye = M.Logout();
            Assert.Equal("BYE", bye.Type);
            Assert.Equal(ImapState.LOGOUT, M.State);
            Assert.Null(M.AbortError);
        }

        private Imap4Client Connect(string transport, string user)
        {
            switch (transport)
            {
                case "tls": return Tls();
                case "stream": return Stream(user);
                case "starttls":
                    var client = Plain();
                    client.StartTls();
                    return client;
                default: return Plain();
            }
        }

        private static Task<ImapResponse> CallbackResult(Func<ImapCallback, ImapResponse> issue)
        {
            var tcs = new TaskCompletionSource<ImapResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
            var immediate = issue((response, _, error) =>
            {
                if (error != null) tcs.TrySetException(error);
                else tcs.TrySetResult(response!);
            });
            Assert.Same(ImapResponse.Deferred, immediate);
            return tcs.Task;
        }

        private static ImapResponse Wait(Task<ImapResponse> task)
        {
            Assert.True(task.Wait(Patience), "the callback did not arrive within " + Patience);
            return task.Result;
        }

        /// <summary>imaplib2's <c>run()</c>: one step, blocking or with a callback, failing on NO.</summary>
        private sealed class Runner
        {
            private readonly bool _callbacks;
            private readonly List<(string Step, Task<ImapResponse> Result)> _pending = new List<(string, Task<ImapResponse>)>();
            private readonly ConcurrentQueue<string> _order = new ConcurrentQueue<string>();

            public Runner(bool callbacks) => _callbacks = callbacks;

            public Dictionary<string, ImapResponse> Results { get; } = new Dictionary<string, ImapResponse>();

            /// <param name="callbackOnly">The method has only a callback overload (params methods); in blocking mode it gets a callback that is waited for at once.</param>
            public void Step(string name, Func<ImapCallback?, object?, ImapResponse> call, bool callbackOnly = false)
            {
                if (!_callbacks && !callbackOnly)
                {
                    var response = call(null, null);
                    AssertNotRefused(name, response);
                    Results[name] = response;
                    return;
                }
                var tcs = new TaskCompletionSource<ImapResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
                var immediate = call((response, argument, error) =>
                {
                    _order.Enqueue((string)argument!);
                    if (error != null) tcs.TrySetException(error);
                    else tcs.TrySetResult(response!);
                }, name);
                Assert.Same(ImapResponse.Deferred, immediate);
                _pending.Add((name, tcs.Task));
                if (!_callbacks) Drain();
            }

            private static void AssertNotRefused(string step, ImapResponse response)
            {
                // imaplib2's run() fails on NO; Response()/Recent() answer with the code name as type.
                Assert.False(response.Type == "NO" || response.Type == "BAD" || response.Type.Length == 0, step + " => " + response);
            }

            /// <summary>Waits for every callback issued so far; fails on an error or a NO, like imaplib2's AsyncError.</summary>
            public void Drain()
            {
                foreach (var (step, task) in _pending)
                {
                    Assert.True(task.Wait(Patience), step + ": no callback within " + Patience);
                    AssertNotRefused(step, task.Result);
                    Results[step] = task.Result;
                }
                _pending.Clear();
            }
        }
    }
}
