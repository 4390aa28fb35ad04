using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using ImapPS.Client.Protocol;
using ImapPS.Client.Tests.Fixture;

namespace ImapPS.Client.Tests.Engine
{
    /// <summary>Every public command method against Dovecot, asserting what the server really answers.</summary>
    [Collection(DovecotFixture.CollectionName)]
    public class CommandTests : ClientTestBase
    {
        public CommandTests(DovecotFixture fixture) : base(fixture) { }

        private static byte[] Message(string subject, string body = "body")
            => Encoding.ASCII.GetBytes("From: a@example.com\r\nTo: b@example.com\r\nSubject: " + subject + "\r\nMessage-ID: <" + subject.Replace(' ', '.') + "@example.com>\r\n\r\n" + body + "\r\n");

        private static Imap4Client WithMessages(Imap4Client client, params string[] subjects)
        {
            foreach (var s in subjects) Assert.Equal("OK", client.Append("INBOX", null, null, Message(s)).Type);
            Assert.Equal(subjects.Length.ToString(), client.Select().FirstText);
            return client;
        }

        // ------------------------------------------------------------ authentication

        [Theory]
        [InlineData("PLAIN")]
        [InlineData("LOGIN")]
        [InlineData("CRAM-MD5")]
        public void Authenticate_with_builtin_mechanisms(string mechanism)
        {
            var user = Fixture.CreateUser();
            using var client = Plain();
            var sasl = mechanism == "PLAIN" ? SaslMechanism.Plain(user.Name, user.Password)
                : mechanism == "LOGIN" ? SaslMechanism.Login(user.Name, user.Password)
                : SaslMechanism.CramMd5(user.Name, user.Password);
            var response = client.Authenticate(sasl);
            Assert.Equal("OK", response.Type);
            Assert.Equal(ImapState.AUTH, client.State);
            Assert.Contains("QUOTA", client.Capabilities);
            client.Logout();
        }

        [Fact]
        public void Authenticate_without_sasl_ir_answers_the_continuation()
        {
            var user = Fixture.CreateUser();
            var options = Options();
            options.IgnoredCapabilities.Add("SASL-IR");
            using var client = Plain(options);
            var lines = new List<string>();
            client.DebugLine += (level, text) => { lock (lines) lines.Add(text); };
            Assert.Equal("OK", client.Authenticate(SaslMechanism.Plain(user.Name, user.Password)).Type);
            lock (lines) Assert.Contains(lines, l => l.EndsWith(" AUTHENTICATE PLAIN", StringComparison.Ordinal));
        }

        [Fact]
        public void Authenticate_with_a_caller_supplied_mechanism_and_a_wrong_password()
        {
            var user = Fixture.CreateUser();
            using var client = Plain();
            var challenges = new List<byte[]>();
            // imaplib2's authobject: called per challenge; PLAIN's challenge is empty.
            var response = client.Authenticate("PLAIN", challenge =>
            {
                challenges.Add(challenge);
                return Encoding.UTF8.GetBytes("\0" + user.Name + "\0" + user.Password);
            });
            Assert.Equal("OK", response.Type);
            // SASL-IR is offered but a function mechanism has no initial response: one empty challenge.
            Assert.Single(challenges);
            Assert.Empty(challenges[0]);

            using var other = Plain();
            var refused = Assert.Throws<ImapCommandException>(() => other.Authenticate("PLAIN", _ => Encoding.UTF8.GetBytes("\0" + user.Name + "\0wrong")));
            Assert.IsNotType<ImapAbortException>(refused);
            Assert.Equal(ImapState.NONAUTH, other.State);
            // Cancelling (null) makes the server answer BAD, which is an error but not an abort.
            Assert.Throws<ImapCommandException>(() => other.Authenticate("PLAIN", _ => null));
            Assert.Equal("OK", other.Noop().Type);
        }

        [Fact]
        public async Task LoginCramMd5_and_its_async_form()
        {
            var user = Fixture.CreateUser();
            using var client = Plain(Options(level: 5));
            var wire = new List<string>();
            client.DebugLine += (_, text) => { lock (wire) wire.Add(text); };
            Assert.Equal("OK", client.LoginCramMd5(user.Name, user.Password).Type);
            Assert.Equal(ImapState.AUTH, client.State);
            lock (wire) Assert.Contains(wire, l => l.EndsWith(" AUTHENTICATE CRAM-MD5", StringComparison.Ordinal));

            using var second = Plain();
            Assert.Equal("OK", (await second.LoginCramMd5Async(user.Name, user.Password).WaitAsync(Patience)).Type);
            using var third = Plain();
            var refused = Assert.ThrowsAny<ImapException>(() => Imap4ClientSync(third.LoginCramMd5Async(user.Name, "wrong")));
            Assert.IsNotType<ImapAbortException>(refused);
        }

        private static ImapResponse Imap4ClientSync(Task<ImapResponse> task) => task.GetAwaiter().GetResult();

        [Fact]
        public void Login_refused_is_an_ImapException_and_the_client_stays_usable()
        {
            using var client = Plain();
            var e = Assert.Throws<ImapCommandException>(() => client.Login("nobody", "wrong"));
            Assert.IsNotType<ImapAbortException>(e);
            Assert.Equal(ImapState.NONAUTH, client.State);
            Assert.Equal("OK", client.Capability().Type);
        }

        // ------------------------------------------------------------ any state

        [Fact]
        public void Capability_Noop_Id_Enable_Namespace()
        {
            using var client = LoggedIn(out _);
            var caps = client.Capability();
            Assert.StartsWith("IMAP4rev1", caps.FirstText);
            Assert.Equal("OK", client.Noop().Type);
            var id = client.Id(new Dictionary<string, string?> { ["name"] = "ImapPS tests", ["version"] = null });
            Assert.StartsWith("(\"name\" \"Dovecot\"", id.FirstText);
            var enabled = client.Enable("CONDSTORE");
            Assert.Equal("CONDSTORE", enabled.FirstText);
            var ns = client.Namespace();
            Assert.Matches(@"^\(\(""[^""]*"" ""[./]""\)\)", ns.FirstText);
        }

        // ------------------------------------------------------------ mailboxes

        [Fact]
        public async Task Create_Rename_Delete_List_Lsub_Subscribe_Unsubscribe_Status()
        {
            using var client = LoggedIn(out _);
            Assert.Equal("OK", client.Create("Projects").Type);
            Assert.Equal("OK", client.Create("Ärger & Co").Type);
            Assert.Equal("NO", client.Create("Projects").Type);
            Assert.Equal("OK", client.Rename("Projects", "Archive").Type);
            var names = client.List().Data.Select(d => d!.Text).ToArray();
            Assert.Contains(names, n => n.EndsWith(" Archive", StringComparison.Ordinal));
            Assert.Contains(names, n => n.EndsWith(" \"&AMQ-rger &- Co\"", StringComparison.Ordinal));
            Assert.DoesNotContain(names, n => n.EndsWith(" Projects", StringComparison.Ordinal));

            Assert.Equal("OK", client.Subscribe("Archive").Type);
            Assert.Contains(client.Lsub().Data, d => d!.Text.EndsWith(" Archive", StringComparison.Ordinal));
            Assert.Equal("OK", client.Unsubscribe("Archive").Type);
            Assert.DoesNotContain(client.Lsub().Data, d => d!.Text.EndsWith(" Archive", StringComparison.Ordinal));

            client.Append("Archive", @"(\Seen)", null, Message("one"));
            var status = client.Status("Archive", "(MESSAGES UNSEEN UIDNEXT)");
            Assert.StartsWith("Archive (", status.FirstText);
            Assert.Contains("MESSAGES 1", status.FirstText);
            Assert.Contains("UNSEEN 0", status.FirstText);
            Assert.Contains("UIDNEXT 2", status.FirstText);
            Assert.Equal("OK", client.Delete("Archive").Type);
            Assert.Equal("NO", client.Status("Archive", "(MESSAGES)").Type);

            var extended = await client.ListExtendedAsync(null, "", "*", "(STATUS (MESSAGES))").WaitAsync(Patience);
            // The data are the LIST lines; the STATUS answers come along in Untagged.
            Assert.All(extended.Data, d => Assert.StartsWith("(", d!.Text));
            Assert.Contains(extended.Untagged, u => u.Name == "STATUS");
        }

        // ------------------------------------------------------------ append

        [Fact]
        public void Append_with_synchronising_literal_when_literal_plus_is_hidden()
        {
            var options = Options(level: 5);
            options.IgnoredCapabilities.Add("LITERAL+");
            options.IgnoredCapabilities.Add("LITERAL-");
            var lines = new List<string>();
            using var client = LoggedIn(out _, options: options);
            client.DebugLine += (_, text) => { lock (lines) lines.Add(text); };
            var date = new DateTimeOffset(2024, 2, 29, 13, 14, 15, TimeSpan.FromHours(2));
            Assert.Equal("OK", client.Append("INBOX", @"(\Flagged $Work)", date, Message("sync literal")).Type);
            lock (lines)
            {
                // A synchronising literal: the command line ends in {n} and the server's "+" comes back.
                var append = Assert.Single(lines, l => l.Contains(" APPEND INBOX "));
                Assert.True(System.Text.RegularExpressions.Regex.IsMatch(append, @"APPEND INBOX \(\\Flagged \$Work\) ""29-Feb-2024 13:14:15 \+0200"" \{\d+ bytes\}"), append);
                Assert.Contains(lines, l => l.StartsWith("< +", StringComparison.Ordinal));
            }
            client.Select();
            var fetch = client.Fetch("1", "(FLAGS INTERNALDATE)");
            Assert.Contains("\\Flagged", fetch.FirstText);
            Assert.Contains("$Work", fetch.FirstText);
            // Dovecot may render the date in another zone: compare the instant.
            var internalDate = System.Text.RegularExpressions.Regex.Match(fetch.FirstText, "INTERNALDATE (\"[^\"]+\")").Groups[1].Value;
            Assert.Equal(date, Imap4Client.Internaldate2Time(internalDate));
        }

        [Fact]
        public async Task Append_from_a_stream_and_AppendMany()
        {
            using var client = LoggedIn(out _);
            var big = new byte[300_000];
            var header = Message("streamed");
            Array.Copy(header, big, header.Length);
            for (int i = header.Length; i < big.Length; i++) big[i] = (byte)(i % 78 == 76 ? '\r' : i % 78 == 77 ? '\n' : 'a' + i % 26);
            using (var stream = new MemoryStream(big))
                Assert.Equal("OK", (await client.AppendAsync("INBOX", null, null, stream, big.Length).WaitAsync(Patience)).Type);

            var many = client.AppendMany("INBOX", new (string?, DateTimeOffset?, byte[])[]
            {
                (@"(\Seen)", null, Message("m1")),
                (null, DateTimeOffset.Now, Message("m2")),
            });
            Assert.Equal("OK", many.Type);
            Assert.Equal("APPENDUID", many.Tagged!.CodeName);
            Assert.Equal("3", client.Select().FirstText);
            var body = client.Fetch("1", "(BODY.PEEK[])").Data.Single(d => d!.IsPair)!;
            Assert.Equal(big, body.Literal);
            Assert.Contains("\\Seen", client.Fetch("2", "(FLAGS)").FirstText);
        }

        // ------------------------------------------------------------ selected state

        [Fact]
        public void Select_Examine_Check_Close_Unselect_Recent_Response()
        {
            using var client = WithMessages(LoggedIn(out _), "a", "b");
            Assert.Equal(ImapState.SELECTED, client.State);
            Assert.Equal(2u, client.Exists);
            Assert.NotEqual(0u, client.UidValidity);
            Assert.Equal("OK", client.Check().Type);
            Assert.NotEmpty(client.Response("UIDNEXT").Data);

            var examine = client.Examine();
            Assert.Equal("2", examine.FirstText);
            Assert.True(client.IsReadOnly);
            Assert.Equal("READ-ONLY", examine.Tagged!.CodeName);
            Assert.Equal("OK", client.Unselect().Type);
            Assert.Equal(ImapState.AUTH, client.State);
            Assert.Null(client.SelectedMailbox);
            Assert.Throws<ImapException>(() => client.Check());

            client.Select();
            Assert.False(client.IsReadOnly);
            client.Store("1", "+FLAGS", @"(\Deleted)");
            Assert.Equal("OK", client.Close().Type);
            Assert.Equal(ImapState.AUTH, client.State);
            Assert.Equal("1", client.Select().FirstText);

            // Recent: the SELECT's RECENT count is kept (imaplib2 keeps it too) and returned first;
            // then nothing is kept, so it asks the server with a NOOP, which brings none: [None].
            var recent = client.Recent();
            Assert.Equal("OK", recent.Type);
            Assert.Matches(@"^\d+$", recent.FirstText);
            Assert.Equal(new ImapDataItem?[] { null }, client.Recent().Data);
        }

        [Fact]
        public void Response_and_PopUntaggedResponses_hold_unclaimed_data()
        {
            var user = Fixture.CreateUser();
            using var client = Plain();
            client.Login(user.Name, user.Password);
            client.Select();
            using var other = Plain();
            other.Login(user.Name, user.Password);
            other.Append("INBOX", null, null, Message("from elsewhere"));
            client.Noop();
            var exists = client.Response("EXISTS");
            Assert.Equal("EXISTS", exists.Type);
            Assert.Equal(new[] { "1" }, exists.Data.Select(d => d!.Text).ToArray());
            Assert.Equal(new ImapDataItem?[] { null }, client.Response("EXISTS").Data);

            other.Append("INBOX", null, null, Message("second"));
            client.Noop();
            var popped = client.PopUntaggedResponses();
            Assert.Contains(popped, kv => kv.Key == "EXISTS" && kv.Value.Single()!.Text == "2");
            Assert.Empty(client.PopUntaggedResponses());
        }

        [Fact]
        public async Task Fetch_Partial_Store_Copy_Expunge_Search_Sort_Thread()
        {
            using var client = WithMessages(LoggedIn(out _), "charlie", "alpha", "bravo");
            var fetch = client.Fetch("1:3", "(UID RFC822.SIZE ENVELOPE)");
            Assert.Equal(3, fetch.Data.Count);
            Assert.StartsWith("1 (UID 1 RFC822.SIZE ", fetch.Data[0]!.Text);

            var partial = client.Partial(2, "BODY[HEADER]", 0, 10);
            var pair = partial.Data.Single(d => d!.IsPair)!;
            Assert.Equal("From: a@ex", Encoding.ASCII.GetString(pair.Literal!));
            Assert.Contains("BODY[HEADER]<0>", pair.Text);

            var store = client.Store("2:3", "+FLAGS.SILENT", @"(\Answered)");
            Assert.Equal("OK", store.Type);
            Assert.Empty(store.Untagged);
            Assert.Equal("2 3", client.Search(null, "ANSWERED").FirstText);
            Assert.Equal("1", (await client.SearchAsync(false, null, new ImapArgument[] { "SUBJECT", ImapArgument.Quoted("charlie") }).WaitAsync(Patience)).FirstText);

            Assert.Equal("2 3 1", client.Sort("(SUBJECT)", "UTF-8", "ALL").FirstText);
            Assert.Equal("(1)(2)(3)", client.Thread("REFERENCES", "UTF-8", "ALL").FirstText);

            client.Create("Copies");
            var copy = client.Copy("1:2", "Copies");
            Assert.Equal("OK", copy.Type);
            Assert.Equal("COPYUID", copy.Tagged!.CodeName);
            Assert.Equal("Copies (MESSAGES 2)", client.Status("Copies", "(MESSAGES)").FirstText);

            client.Store("1", "+FLAGS", @"(\Deleted)");
            var expunged = client.Expunge();
            Assert.Equal(new[] { "1" }, expunged.Data.Select(d => d!.Text).ToArray());
            Assert.Equal(2u, client.Exists);
        }

        [Fact]
        public async Task FetchEach_streams_large_literals_to_the_callers_stream()
        {
            using var client = LoggedIn(out _);
            var body = new string('x', 200_000);
            client.Append("INBOX", null, null, Message("big", body));
            client.Append("INBOX", null, null, Message("small"));
            client.Select();
            var sink = new MemoryStream();
            var seen = new List<ServerResponse>();
            var response = await client.FetchEachAsync("1:2", "(UID BODY.PEEK[])", uid: false, r => seen.Add(r), request => sink).WaitAsync(Patience);
            Assert.Equal("OK", response.Type);
            Assert.Equal(2, seen.Count);
            Assert.Equal(Message("big", body).Length, sink.Length);
        }

        [Fact]
        public void Move_and_the_uid_variants()
        {
            using var client = WithMessages(LoggedIn(out _), "m1", "m2", "m3", "m4", "m5", "m6");
            client.Create("Target");
            var changes = new List<MailboxChangedEventArgs>();
            var moved = client.Move("1", "Target");
            Assert.Equal("OK", moved.Type);
            // MOVE's EXPUNGE is the MOVE's own result, not unsolicited data left for Response().
            Assert.Equal(new[] { "1" }, moved.Data.Select(d => d!.Text).ToArray());
            Assert.Equal(new ImapDataItem?[] { null }, client.Response("EXPUNGE").Data);
            Assert.Equal(5u, client.Exists);
            Assert.NotEmpty(client.Response("COPYUID").Data);

            var uidMove = client.Uid("MOVE", "2", "Target");
            Assert.Equal(new[] { "1" }, uidMove.Data.Select(d => d!.Text).ToArray());
            // The untagged OK [COPYUID …] of the MOVE is part of the MOVE's own response.
            var copyUid = uidMove.Untagged.Single(u => u.CodeName == "COPYUID");
            Assert.True(ImapPS.Client.Protocol.ResponseCodes.TryGetCopyUid(copyUid, out _, out var source, out var destination));
            Assert.Equal(new uint[] { 2 }, source);
            Assert.Equal(new uint[] { 2 }, destination);
            var uidCopy = client.Uid("COPY", "3:4", "Target");
            Assert.Equal("OK", uidCopy.Type);
            Assert.Equal("Target (MESSAGES 4)", client.Status("Target", "(MESSAGES)").FirstText);

            Assert.Equal("3 4 5 6", client.Uid("SEARCH", "ALL").FirstText);
            Assert.Equal("3 4 5 6", client.Uid("SORT", "(SUBJECT)", "UTF-8", "ALL").FirstText);
            Assert.Equal("(3)(4)(5)(6)", client.Uid("THREAD", "REFERENCES", "UTF-8", "ALL").FirstText);
            Assert.StartsWith("1 (UID 3 FLAGS (", client.Uid("FETCH", "3", "(FLAGS)").FirstText);
            Assert.Contains("\\Deleted", client.Uid("STORE", "3:5", "+FLAGS", @"(\Deleted)").FirstText);

            // UID EXPUNGE removes only the given UIDs of the \Deleted ones.
            var uidExpunge = client.Uid("EXPUNGE", "4");
            Assert.Equal(new[] { "2" }, uidExpunge.Data.Select(d => d!.Text).ToArray());
            Assert.Equal("3 5 6", client.Uid("SEARCH", "ALL").FirstText);
            // imaplib2's uid() sends any subcommand; the server judges it (Dovecot: BAD), the
            // session goes on. A subcommand that would change the session's state is still refused.
            var unknown = Assert.Throws<ImapCommandException>(() => client.Uid("NOOP"));
            Assert.Equal("BAD", unknown.ResponseType);
            Assert.Throws<ArgumentException>(() => client.Uid("SELECT", "INBOX"));
            Assert.Equal("OK", client.Noop().Type);
        }

        [Fact]
        public async Task Xatom_and_ExecuteAsync_send_any_command()
        {
            using var client = LoggedIn(out _);
            Assert.Equal("OK", client.Xatom("NOOP").Type);
            var bad = Assert.Throws<ImapCommandException>(() => client.Xatom("XNOSUCHCOMMAND", "arg"));
            Assert.IsNotType<ImapAbortException>(bad);
            Assert.Contains("BAD", bad.Message);
            var ns = await client.ExecuteAsync("NAMESPACE", Array.Empty<ImapArgument>(), new[] { "NAMESPACE" }, exclusive: false).WaitAsync(Patience);
            Assert.StartsWith("((", ns.FirstText);
        }

        // ------------------------------------------------------------ quota, ACL, metadata, annotation, proxyauth

        [Fact]
        public void Quota_commands()
        {
            using var client = LoggedIn(out _);
            client.Append("INBOX", null, null, Message("q"));
            var root = client.GetQuotaRoot("INBOX");
            Assert.Equal("OK", root.Type);
            // imaplib2's shape: [[QUOTAROOT …], [QUOTA …]].
            Assert.Equal(2, root.Data.Count);
            Assert.StartsWith("INBOX \"User quota\"", Assert.Single(root.Data[0]!.Items!)!.Text, StringComparison.Ordinal);
            Assert.StartsWith("\"User quota\" (STORAGE ", Assert.Single(root.Data[1]!.Items!)!.Text, StringComparison.Ordinal);
            var quota = client.GetQuota("User quota");
            Assert.Matches(@"^""User quota"" \(STORAGE \d+ 102400 MESSAGE 1 \d+\)|^""User quota"" \(STORAGE \d+ 102400\)", quota.FirstText);
            // Dovecot lets only an admin set quotas: a user's SETQUOTA is refused.
            var set = client.SetQuota("User quota", "(STORAGE 512)");
            Assert.Equal("NO", set.Type);
            Assert.Equal("OK", client.Noop().Type);
        }

        [Fact]
        public void Acl_commands()
        {
            // Dovecot's default acl_anyone_allow = no refuses "anyone": grant another user instead.
            var friend = Fixture.CreateUser().Name;
            using var client = LoggedIn(out var user);
            client.Create("Shared");
            Assert.Throws<ImapCommandException>(() => client.SetAcl("Shared", "anyone", "lr"));
            Assert.Equal("OK", client.SetAcl("Shared", friend, "lr").Type);
            var acl = client.GetAcl("Shared");
            Assert.Contains(friend + " lr", acl.FirstText);
            Assert.Contains(user.Name + " ", acl.FirstText);
            Assert.Matches(@"^Shared [a-z]*l[a-z]*a", client.MyRights("Shared").FirstText);
            var rights = client.ListRights("Shared", friend);
            Assert.StartsWith("Shared " + friend + " ", rights.FirstText);
            Assert.Equal("OK", client.DeleteAcl("Shared", friend).Type);
            Assert.DoesNotContain(friend, client.GetAcl("Shared").FirstText);
        }

        [Fact]
        public void Metadata_commands()
        {
            using var client = LoggedIn(out _);
            var set = client.SetMetadata("INBOX", new Dictionary<string, string?> { ["/private/comment"] = "line one\r\nline two" });
            Assert.Equal("OK", set.Type);
            var get = client.GetMetadata("INBOX", new[] { "/private/comment" });
            var pair = get.Data.Single(d => d!.IsPair)!;
            Assert.Equal("line one\r\nline two", Encoding.UTF8.GetString(pair.Literal!));
            Assert.Equal("OK", client.SetMetadata("INBOX", new Dictionary<string, string?> { ["/private/comment"] = null }).Type);
            var gone = client.GetMetadata("INBOX", new[] { "/private/comment" }, "(DEPTH 0)");
            Assert.Equal("OK", gone.Type);
            Assert.DoesNotContain(gone.Data, d => d!.IsPair);
            Assert.Equal("OK", client.GetMetadata("", new[] { "/private/vendor" }).Type);
        }

        [Fact]
        public void Commands_the_server_does_not_know_raise_ImapException_and_leave_the_client_usable()
        {
            using var client = LoggedIn(out _);
            // Dovecot does not offer ANNOTATEMORE: the client refuses GETANNOTATION before sending it.
            var annotation = Assert.Throws<ImapCapabilityException>(() => client.GetAnnotation("INBOX", "/comment", "value.priv"));
            Assert.Equal("GETANNOTATION", annotation.Command);
            Assert.Contains("does not offer ANNOTATEMORE", annotation.Message);
            Assert.Throws<ImapCapabilityException>(() => client.SetAnnotation("INBOX", "(\"/comment\" (\"value.priv\" \"x\"))"));
            // No capability announces PROXYAUTH: it is sent, and Dovecot answers BAD, an ImapCommandException.
            var proxy = Assert.Throws<ImapCommandException>(() => client.ProxyAuth("bob"));
            Assert.IsNotType<ImapAbortException>(proxy);
            Assert.Equal("OK", client.Noop().Type);
            Assert.Equal(ImapState.AUTH, client.State);
        }

        // ------------------------------------------------------------ state and capability checks

        [Fact]
        public void Wrong_state_and_missing_capabilities_throw_ImapException_itself()
        {
            using var client = Plain();
            // Sync must surface the ImapException, not an AggregateException.
            var e = Assert.Throws<ImapException>(() => client.Fetch("1", "(FLAGS)"));
            Assert.Contains("not allowed in state NONAUTH", e.Message);
            Assert.Throws<ImapException>(() => client.Select());
            var options = Options();
            options.IgnoredCapabilities.Add("MOVE");
            options.IgnoredCapabilities.Add("UNSELECT");
            options.IgnoredCapabilities.Add("IDLE");
            using var limited = LoggedIn(out _, options: options);
            limited.Select();
            Assert.Throws<ImapCapabilityException>(() => limited.Move("1", "x"));
            Assert.Throws<ImapCapabilityException>(() => limited.Unselect());
            Assert.Throws<ImapCapabilityException>(() => limited.Idle());
            Assert.Throws<ImapSecurityException>(() => limited.StartTls());
        }

        [Fact]
        public async Task Async_forms_and_callbacks_deliver_the_same_results()
        {
            using var client = WithMessages(LoggedIn(out _), "x", "y");
            var viaAsync = await client.FetchAsync("1:2", "(UID)").WaitAsync(Patience);
            var tcs = new TaskCompletionSource<(ImapResponse?, object?, Exception?)>();
            Assert.Same(ImapResponse.Deferred, client.Fetch("1:2", "(UID)", (r, a, e) => tcs.SetResult((r, a, e)), "arg"));
            var (response, argument, error) = await tcs.Task.WaitAsync(Patience);
            Assert.Null(error);
            Assert.Equal("arg", argument);
            Assert.Equal(viaAsync.Data.Select(d => d!.Text), response!.Data.Select(d => d!.Text));

            var failed = new TaskCompletionSource<Exception?>();
            client.Copy("1", "NoSuchMailbox", (r, a, e) => failed.SetResult(e ?? new Exception(r!.Type)));
            Assert.Equal("NO", (await failed.Task.WaitAsync(Patience))!.Message);

            var bad = new TaskCompletionSource<Exception?>();
            client.Xatom("XNOSUCH", Array.Empty<string>(), (r, a, e) => bad.SetResult(e));
            Assert.IsType<ImapCommandException>(await bad.Task.WaitAsync(Patience));
        }

        [Fact]
        public async Task A_throwing_callback_is_reported_and_the_client_carries_on()
        {
            using var client = LoggedIn(out _);
            var reported = new TaskCompletionSource<CallbackFailedEventArgs>();
            client.CallbackFailed += (_, e) => reported.TrySetResult(e);
            client.Noop((r, a, e) => throw new InvalidOperationException("boom"), "mine");
            var failure = await reported.Task.WaitAsync(Patience);
            Assert.Equal("boom", failure.Error.Message);
            Assert.Equal("mine", failure.Argument);
            Assert.Equal("OK", client.Noop().Type);
        }
    }
}
