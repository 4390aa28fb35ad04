using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using ImapPS.Client.Protocol;
using ImapPS.Client.Tests.Fixture;

namespace ImapPS.Client.Tests.Engine
{
    /// <summary>
    /// The typed operations the cmdlets call (Imap4Client.Operations.cs) against Dovecot: the
    /// protocol layer writes their syntax, they go through the engine's state, read-only and
    /// capability checks before anything is sent, and NO/BAD is an exception.
    /// </summary>
    [Collection(DovecotFixture.CollectionName)]
    public class TypedOperationTests : ClientTestBase
    {
        public TypedOperationTests(DovecotFixture fixture) : base(fixture) { }

        private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

        private static byte[] Message(string subject, string body = "body")
            => Encoding.UTF8.GetBytes("From: a@example.com\r\nTo: b@example.com\r\nSubject: " + subject + "\r\nMessage-ID: <" + Guid.NewGuid().ToString("N") + "@example.com>\r\n" +
                "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body + "\r\n");

        /// <summary>A logged-in client whose INBOX holds <paramref name="subjects"/> (UIDs 1..n), selected read-write, recording every line it sends.</summary>
        private Imap4Client WithMessages(List<string> sent, params string[] subjects) => WithMessages(sent, out _, subjects);

        private Imap4Client WithMessages(List<string> sent, out ImapPS.Testing.TestUser user, params string[] subjects)
        {
            var client = LoggedIn(out user);
            foreach (var s in subjects) Assert.Equal("OK", client.Append("INBOX", null, null, Message(s)).Type);
            client.DebugLine += (_, line) => { if (line.StartsWith("> ", StringComparison.Ordinal)) lock (sent) sent.Add(line); };
            Assert.Equal("OK", client.Select("INBOX").Type);
            return client;
        }

        private static bool Sent(List<string> sent, string command)
        {
            lock (sent) return sent.Any(l => l.IndexOf(" " + command, StringComparison.Ordinal) >= 0);
        }

        private static async Task<Dictionary<uint, IReadOnlyList<string>>> FlagsOf(Imap4Client client, string uidSet)
        {
            var found = new ConcurrentDictionary<uint, IReadOnlyList<string>>();
            await client.UidFetchEachAsync(uidSet, FetchItems.UidAndFlags, r =>
            {
                var d = FetchData.Parse(r);
                // \Recent belongs to the session, not to what STORE set.
                if (d.Uid is uint uid) found[uid] = (d.Flags ?? Array.Empty<string>()).Where(f => f != "\\Recent").ToList();
            }).WaitAsync(Wait);
            return found.ToDictionary(p => p.Key, p => p.Value);
        }

        [Fact]
        public async Task UidSearch_writes_the_program_and_sends_non_ASCII_text_with_CHARSET_UTF8()
        {
            var sent = new List<string>();
            using var client = WithMessages(sent, "alpha", "Grüße aus Köln", "beta");
            var ascii = await client.UidSearchAsync(SearchKey.AnyOf(new[] { SearchKey.Text(SearchTextField.Subject, "alpha"), SearchKey.Text(SearchTextField.Subject, "beta") })).WaitAsync(Wait);
            Assert.Equal(new uint[] { 1, 3 }, ascii.OrderBy(u => u));
            var utf8 = await client.UidSearchAsync(SearchKey.Text(SearchTextField.Subject, "Grüße")).WaitAsync(Wait);
            Assert.Equal(new uint[] { 2 }, utf8);
            Assert.True(Sent(sent, "UID SEARCH CHARSET UTF-8 SUBJECT"), string.Join("\n", sent));
            // The compact form asks ESEARCH for ranges; the numbers are the same.
            var compact = await client.UidSearchAsync(SearchKey.All, compactResult: true).WaitAsync(Wait);
            Assert.Equal(new uint[] { 1, 2, 3 }, compact);
            Assert.True(Sent(sent, "UID SEARCH RETURN (ALL) ALL"), string.Join("\n", sent));
            client.Logout();
        }

        [Fact]
        public async Task UidSort_orders_by_the_typed_criteria()
        {
            var sent = new List<string>();
            using var client = WithMessages(sent, "bravo", "charlie", "alpha");
            var bySubject = await client.UidSortAsync(new[] { new SortCriterion(SortField.Subject) }, SearchKey.All).WaitAsync(Wait);
            Assert.Equal(new uint[] { 3, 1, 2 }, bySubject);
            var reversed = await client.UidSortAsync(new[] { new SortCriterion(SortField.Subject, descending: true) }, SearchKey.All).WaitAsync(Wait);
            Assert.Equal(new uint[] { 2, 1, 3 }, reversed);
            Assert.True(Sent(sent, "UID SORT (REVERSE SUBJECT) US-ASCII ALL"), string.Join("\n", sent));
            client.Logout();
        }

        [Fact]
        public async Task UidSort_goes_through_the_state_check_and_is_refused_without_a_selected_mailbox()
        {
            var sent = new List<string>();
            using var client = LoggedIn(out _);
            client.DebugLine += (_, line) => { if (line.StartsWith("> ", StringComparison.Ordinal)) lock (sent) sent.Add(line); };
            Assert.Equal(ImapState.AUTH, client.State);
            // The cmdlets used to send UID SORT through ExecuteAsync, which allows any state.
            var refused = await Assert.ThrowsAnyAsync<ImapException>(() => client.UidSortAsync(new[] { new SortCriterion(SortField.Date) }, SearchKey.All).WaitAsync(Wait));
            Assert.IsNotType<ImapCommandException>(refused);
            Assert.Contains("not allowed in state AUTH", refused.Message);
            await Assert.ThrowsAnyAsync<ImapException>(() => client.UidSearchAsync(SearchKey.All).WaitAsync(Wait));
            Assert.False(Sent(sent, "UID SORT"), string.Join("\n", sent));
            Assert.False(Sent(sent, "UID SEARCH"), string.Join("\n", sent));
            Assert.Null(client.AbortError);
            Assert.Equal("OK", client.Noop().Type);
            client.Logout();
        }

        [Fact]
        public void UidSort_by_display_name_needs_SORT_DISPLAY_and_is_refused_before_sending_without_it()
        {
            var user = Fixture.CreateUser();
            var options = Options();
            options.IgnoredCapabilities.Add("SORT=DISPLAY");
            using var client = Plain(options);
            client.Login(user.Name, user.Password);
            var sent = new List<string>();
            client.DebugLine += (_, line) => { if (line.StartsWith("> ", StringComparison.Ordinal)) lock (sent) sent.Add(line); };
            client.Select("INBOX");
            // Thrown by the call itself, not through the task: Search-ImapMessage tells it apart (SortNotSupported).
            var refused = Assert.Throws<ImapCapabilityException>(() => { _ = client.UidSortAsync(new[] { new SortCriterion(SortField.DisplayFrom) }, SearchKey.All); });
            Assert.Contains("SORT=DISPLAY", refused.Capabilities);
            Assert.False(Sent(sent, "UID SORT"), string.Join("\n", sent));
            client.Logout();
        }

        [Fact]
        public async Task UidStoreFlags_adds_removes_and_replaces_flags_and_keywords()
        {
            var sent = new List<string>();
            using var client = WithMessages(sent, "one", "two");
            await client.UidStoreFlagsAsync("1:2", StoreFlagsMode.Add, new[] { ImapFlags.Seen, "$Label1" }).WaitAsync(Wait);
            Assert.True(Sent(sent, "UID STORE 1:2 +FLAGS.SILENT (\\Seen $Label1)"), string.Join("\n", sent));
            var flags = await FlagsOf(client, "1:2");
            Assert.Contains("\\Seen", flags[1]);
            Assert.Contains("$Label1", flags[2]);
            await client.UidStoreFlagsAsync("2", StoreFlagsMode.Remove, new[] { "$Label1" }).WaitAsync(Wait);
            await client.UidStoreFlagsAsync("1", StoreFlagsMode.Replace, new[] { "\\Flagged" }).WaitAsync(Wait);
            flags = await FlagsOf(client, "1:2");
            Assert.Equal(new[] { "\\Flagged" }, flags[1]);
            Assert.DoesNotContain("$Label1", flags[2]);
            Assert.Contains("\\Seen", flags[2]);
            client.Logout();
        }

        [Fact]
        public async Task UidStoreFlags_refuses_an_invalid_flag_before_sending()
        {
            var sent = new List<string>();
            using var client = WithMessages(sent, "one");
            await Assert.ThrowsAsync<ArgumentException>(() => client.UidStoreFlagsAsync("1", StoreFlagsMode.Add, new[] { "two words" }).WaitAsync(Wait));
            await Assert.ThrowsAsync<ArgumentException>(() => client.UidStoreFlagsAsync("1", StoreFlagsMode.Add, new[] { "$x) (\\Deleted" }).WaitAsync(Wait));
            await Assert.ThrowsAsync<ArgumentException>(() => client.UidStoreFlagsAsync("1 2", StoreFlagsMode.Add, new[] { ImapFlags.Seen }).WaitAsync(Wait));
            Assert.False(Sent(sent, "UID STORE"), string.Join("\n", sent));
            Assert.Empty((await FlagsOf(client, "1"))[1]);
            client.Logout();
        }

        [Fact]
        public async Task A_read_only_EXAMINEd_mailbox_refuses_the_typed_store_before_sending()
        {
            var sent = new List<string>();
            using var client = WithMessages(sent, "keep me");
            Assert.Equal("OK", client.Examine("INBOX").Type);
            Assert.True(client.IsReadOnly);
            var refused = await Assert.ThrowsAnyAsync<ImapException>(() => client.UidStoreFlagsAsync("1", StoreFlagsMode.Add, new[] { ImapFlags.Deleted }).WaitAsync(Wait));
            Assert.IsNotType<ImapCommandException>(refused);
            Assert.False(refused is ImapAbortException, "a read-only refusal must not claim the connection is gone");
            Assert.Contains("read-only", refused.Message);
            Assert.False(Sent(sent, "UID STORE"), string.Join("\n", sent));
            // Nothing changed on the server.
            Assert.Equal("OK", client.Select("INBOX").Type);
            Assert.DoesNotContain("\\Deleted", (await FlagsOf(client, "1"))[1]);
            client.Logout();
        }

        [Fact]
        public async Task UidFetchEach_streams_typed_items_and_sections_without_setting_Seen()
        {
            var sent = new List<string>();
            using var client = WithMessages(sent, "fetched", "second");
            var items = new FetchItems(FetchAttributes.Summary | FetchAttributes.BodyStructure, "HEADER", "");
            var got = new ConcurrentBag<FetchData>();
            await client.UidFetchEachAsync("1:2", items, r => got.Add(FetchData.Parse(r))).WaitAsync(Wait);
            Assert.True(Sent(sent, "UID FETCH 1:2 (UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE BODY.PEEK[HEADER] BODY.PEEK[])"), string.Join("\n", sent));
            var first = Assert.Single(got, d => d.Uid == 1);
            Assert.Equal("fetched", first.Envelope!.Subject);
            Assert.NotNull(first.Body);
            Assert.Contains("Subject: fetched", Encoding.UTF8.GetString(first.FindSection("HEADER")!.GetBytes()!));
            Assert.EndsWith("body\r\n", Encoding.UTF8.GetString(first.FindSection("")!.GetBytes()!));
            Assert.DoesNotContain("\\Seen", (await FlagsOf(client, "1"))[1]);
            client.Logout();
        }

        [Fact]
        public async Task UidFetchEach_fetches_only_the_header_fields_asked_for()
        {
            var sent = new List<string>();
            using var client = WithMessages(sent, "fields");
            var items = new FetchItems(FetchAttributes.Size).WithHeaderFields("Subject", "Message-ID", "subject");
            var got = new ConcurrentBag<FetchData>();
            await client.UidFetchEachAsync("1", items, r => got.Add(FetchData.Parse(r))).WaitAsync(Wait);
            Assert.True(Sent(sent, "UID FETCH 1 (UID RFC822.SIZE BODY.PEEK[HEADER.FIELDS (SUBJECT MESSAGE-ID)])"), string.Join("\n", sent));
            var data = Assert.Single(got);
            var header = Encoding.UTF8.GetString(data.FindSection(items.HeaderFieldsSection!)!.GetBytes()!);
            Assert.Contains("Subject: fields\r\n", header);
            Assert.Contains("Message-ID: <", header);
            Assert.DoesNotContain("From:", header);
            Assert.DoesNotContain("\\Seen", (await FlagsOf(client, "1"))[1]);
            client.Logout();
        }

        [Fact]
        public async Task UidFetchEach_with_changedSince_fetches_only_the_messages_changed_since()
        {
            var sent = new List<string>();
            using var client = WithMessages(sent, "a", "b", "c");
            var status = await client.StatusAsync("INBOX", StatusItems.HighestModSeq).WaitAsync(Wait);
            ulong highest = StatusData.Parse(status.Untagged.Single(u => u.Name == "STATUS")).HighestModSeq!.Value;
            await client.UidStoreFlagsAsync("2", StoreFlagsMode.Add, new[] { "\\Flagged" }).WaitAsync(Wait);

            var got = new ConcurrentBag<FetchData>();
            await client.UidFetchEachAsync("1:*", FetchItems.UidAndFlags, r => got.Add(FetchData.Parse(r)), changedSince: highest).WaitAsync(Wait);
            Assert.True(Sent(sent, "UID FETCH 1:* (UID FLAGS) (CHANGEDSINCE " + highest + ")"), string.Join("\n", sent));
            var only = Assert.Single(got);
            Assert.Equal(2u, only.Uid);
            Assert.Contains("\\Flagged", only.Flags!);
            Assert.True(only.ModSeq > highest, "MODSEQ " + only.ModSeq + " should be above " + highest);
            client.Logout();
        }

        [Fact]
        public async Task UidFetchEach_with_changedSince_is_refused_before_sending_without_CONDSTORE()
        {
            var options = Options();
            options.IgnoredCapabilities.Add("CONDSTORE");
            using var client = LoggedIn(out _, options: options);
            Assert.Equal("OK", client.Append("INBOX", null, null, Message("a")).Type);
            Assert.Equal("OK", client.Select("INBOX").Type);
            var sent = new List<string>();
            client.DebugLine += (_, line) => { if (line.StartsWith("> ", StringComparison.Ordinal)) lock (sent) sent.Add(line); };
            var error = await Assert.ThrowsAsync<ImapCapabilityException>(() => client.UidFetchEachAsync("1:*", FetchItems.UidAndFlags, _ => { }, changedSince: 1).WaitAsync(Wait));
            Assert.Contains("CONDSTORE", error.Message);
            Assert.False(Sent(sent, "FETCH"), string.Join("\n", sent));
            client.Logout();
        }

        [Fact]
        public async Task AppendMessage_and_AppendMessages_keep_typed_flags_and_dates_and_throw_on_NO()
        {
            var sent = new List<string>();
            using var client = WithMessages(sent);
            var date = new DateTimeOffset(2024, 3, 4, 5, 6, 7, TimeSpan.FromHours(2));
            await client.AppendMessageAsync("INBOX", new[] { ImapFlags.Seen, "$Label1" }, date, Message("one")).WaitAsync(Wait);
            Assert.True(client.HasCapability("MULTIAPPEND"));
            await client.AppendMessagesAsync("INBOX", new (IReadOnlyList<string>?, DateTimeOffset?, byte[])[]
            {
                (new[] { "\\Flagged" }, date.AddDays(1), Message("two")),
                (null, null, Message("three")),
            }).WaitAsync(Wait);
            var got = new ConcurrentBag<FetchData>();
            await client.UidFetchEachAsync("1:*", new FetchItems(FetchAttributes.Flags | FetchAttributes.InternalDate | FetchAttributes.Envelope), r => got.Add(FetchData.Parse(r))).WaitAsync(Wait);
            var bySubject = got.ToDictionary(d => d.Envelope!.Subject!);
            Assert.Equal(3, bySubject.Count);
            Assert.Equal(new[] { "$Label1", ImapFlags.Seen }, bySubject["one"].Flags!.Where(f => f != "\\Recent").OrderBy(f => f, StringComparer.Ordinal));
            Assert.Equal(date, bySubject["one"].InternalDate);
            Assert.Equal(new[] { "\\Flagged" }, bySubject["two"].Flags!.Where(f => f != "\\Recent"));
            Assert.Equal(date.AddDays(1), bySubject["two"].InternalDate);
            Assert.True(bySubject["three"].Flags!.All(f => f == "\\Recent"), string.Join(" ", bySubject["three"].Flags!));

            await Assert.ThrowsAsync<ArgumentException>(() => client.AppendMessageAsync("INBOX", new[] { "bad flag" }, null, Message("refused")).WaitAsync(Wait));
            Assert.False(Sent(sent, "APPEND INBOX (bad"), string.Join("\n", sent));
            var missing = await Assert.ThrowsAsync<ImapCommandException>(() => client.AppendMessageAsync("NoSuchMailbox", null, null, Message("x")).WaitAsync(Wait));
            Assert.True(missing.IsNonExistent, missing.Message);
            client.Logout();
        }

        [Fact]
        public async Task FetchRangeEach_fetches_by_sequence_number()
        {
            var sent = new List<string>();
            using var client = WithMessages(sent, "a", "b", "c");
            var got = new ConcurrentBag<FetchData>();
            await client.FetchRangeEachAsync(2, 3, FetchItems.UidAndFlags, r => got.Add(FetchData.Parse(r))).WaitAsync(Wait);
            Assert.Equal(new uint[] { 2, 3 }, got.Select(d => d.SequenceNumber).OrderBy(n => n));
            Assert.True(Sent(sent, "FETCH 2:3 (UID FLAGS)"), string.Join("\n", sent));
            client.Logout();
        }

        [Fact]
        public async Task UidThread_returns_thread_roots_by_UID()
        {
            var sent = new List<string>();
            using var client = WithMessages(sent, "topic", "other");
            var roots = await client.UidThreadAsync("REFERENCES", SearchKey.All).WaitAsync(Wait);
            Assert.Equal(new uint?[] { 1, 2 }, roots.Select(r => r.Number).OrderBy(n => n));
            Assert.True(Sent(sent, "UID THREAD REFERENCES US-ASCII ALL"), string.Join("\n", sent));
            Assert.Throws<ImapCapabilityException>(() => { _ = client.UidThreadAsync("NOSUCHALGORITHM", SearchKey.All); });
            client.Logout();
        }

        [Fact]
        public async Task UidCopy_UidMove_and_UidExpunge_act_on_exactly_the_given_UIDs()
        {
            var sent = new List<string>();
            using var client = WithMessages(sent, "copy", "move", "expunge", "stay");
            Assert.Equal("OK", client.Create("Target").Type);
            var copy = await client.UidCopyAsync("1", "Target").WaitAsync(Wait);
            Assert.True(ResponseCodes.TryGetCopyUid(copy.Tagged!, out _, out var from, out _));
            Assert.Equal(new uint[] { 1 }, from);
            await client.UidMoveAsync("2", "Target").WaitAsync(Wait);
            await client.UidStoreFlagsAsync("3:4", StoreFlagsMode.Add, new[] { ImapFlags.Deleted }).WaitAsync(Wait);
            await client.UidExpungeAsync("3").WaitAsync(Wait);
            Assert.Equal(new uint[] { 1, 4 }, (await client.UidSearchAsync(SearchKey.All).WaitAsync(Wait)).OrderBy(u => u));
            var failed = await Assert.ThrowsAsync<ImapCommandException>(() => client.UidCopyAsync("1", "NoSuchMailbox").WaitAsync(Wait));
            Assert.True(failed.IsNonExistent, failed.Message);
            client.Logout();
        }

        [Fact]
        public async Task PollMailbox_collects_the_changes_another_session_made()
        {
            var sent = new List<string>();
            using var client = WithMessages(sent, out var user, "first");
            using (var other = Plain())
            {
                other.Login(user.Name, user.Password);
                Assert.Equal("OK", other.Append("INBOX", null, null, Message("second")).Type);
                other.Logout();
            }
            var poll = await client.PollMailboxAsync().WaitAsync(Wait);
            Assert.Contains(poll.Untagged, r => r.Name == "EXISTS" && r.Number == 2);
            client.Logout();
        }
    }

    /// <summary>The protocol-layer types the typed operations are written with.</summary>
    public class TypedOperationSyntaxTests
    {
        [Theory]
        [InlineData("", true)]
        [InlineData("HEADER", true)]
        [InlineData("text", true)]
        [InlineData("1", true)]
        [InlineData("1.2.3", true)]
        [InlineData("2.MIME", true)]
        [InlineData("1.2.HEADER", true)]
        [InlineData("MIME", false)]
        [InlineData("0", false)]
        [InlineData("1.", false)]
        [InlineData(".1", false)]
        [InlineData("1]", false)]
        [InlineData("1] BODY[", false)]
        [InlineData("HEADER.FIELDS (From)", false)]
        [InlineData("1.2.X", false)]
        public void Sections_follow_the_section_grammar(string section, bool valid)
        {
            Assert.Equal(valid, FetchItems.IsValidSection(section));
            if (!valid) Assert.Throws<ArgumentException>(() => new FetchItems(FetchAttributes.Uid, section));
        }

        [Fact]
        public void Fetch_items_are_written_in_one_place()
        {
            Assert.Equal("(UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE)", FetchItems.Summary.ToString());
            Assert.Equal("(UID FLAGS)", FetchItems.UidAndFlags.ToString());
            Assert.Equal("(UID BODY.PEEK[1.2] BODY.PEEK[TEXT])", new FetchItems(FetchAttributes.Uid, "1.2", "text").ToString());
            Assert.Equal("(UID FLAGS BODYSTRUCTURE BODY.PEEK[])", FetchItems.UidAndFlags.With(FetchAttributes.BodyStructure).WithSections("").ToString());
            Assert.Throws<ArgumentException>(() => new FetchItems(FetchAttributes.None));
        }

        [Fact]
        public void Header_fields_are_validated_and_written_once()
        {
            var items = new FetchItems(FetchAttributes.Uid).WithHeaderFields("Message-ID", "Date").WithHeaderFields("date", "X-Spam_Flag.1");
            Assert.Equal("(UID BODY.PEEK[HEADER.FIELDS (MESSAGE-ID DATE X-SPAM_FLAG.1)])", items.ToString());
            Assert.Equal("HEADER.FIELDS (MESSAGE-ID DATE X-SPAM_FLAG.1)", items.HeaderFieldsSection);
            Assert.Equal("(UID FLAGS BODY.PEEK[] BODY.PEEK[HEADER.FIELDS (FROM)])", FetchItems.UidAndFlags.WithSections("").WithHeaderFields("From").ToString());
            Assert.Null(FetchItems.Summary.HeaderFieldsSection);
            // Kept when attributes are added (UidFetchEach adds UID).
            Assert.Equal(items.HeaderFieldsSection, new FetchItems(FetchAttributes.Flags).WithHeaderFields("Message-ID", "Date", "X-Spam_Flag.1").With(FetchAttributes.Uid).HeaderFieldsSection);
            foreach (var bad in new[] { "", "a b", "Subject:", "X)", "X(", "a]", "a[", "{5}", "a*", "a%", "\"q\"", "a\\b", "K\u00e9y", "a\r\nb", "a\tb" })
                Assert.Throws<ArgumentException>(() => FetchItems.Summary.WithHeaderFields(bad));
            Assert.Throws<ArgumentException>(() => FetchItems.Summary.WithHeaderFields());
        }

        [Fact]
        public void Flag_lists_accept_system_flags_and_keywords_only()
        {
            Assert.Equal("(\\Seen $Label1)", ImapFlags.FormatFlagList(new[] { ImapFlags.Seen, "$Label1" }));
            Assert.Equal("()", ImapFlags.FormatFlagList(Array.Empty<string>()));
            foreach (var bad in new[] { "", "\\", "a b", "(x", "x)", "\"q\"", "k\u00e9y", "a\r\nb", "{5}" })
                Assert.Throws<ArgumentException>(() => ImapFlags.FormatFlagList(new[] { bad }));
        }

        [Fact]
        public void Sort_programs_are_written_from_typed_keys()
        {
            var builder = new CommandBuilder();
            var payload = builder.Build("A1", "UID SORT", SortCriterion.ToArgument(new[] { new SortCriterion(SortField.Date, true), new SortCriterion(SortField.DisplayFrom) }), ImapArgument.Atom("US-ASCII"), ImapArgument.Atom("ALL"));
            Assert.Equal("A1 UID SORT (REVERSE DATE DISPLAYFROM) US-ASCII ALL", payload.LogText);
            Assert.Throws<ArgumentException>(() => SortCriterion.ToArgument(Array.Empty<SortCriterion>()));
        }
    }
}
