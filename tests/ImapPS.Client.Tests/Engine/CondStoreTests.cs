using System;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using ImapPS.Client.Protocol;
using ImapPS.Client.Tests.Fixture;
using ImapPS.Client.Tests.Support;
using static ImapPS.Client.Tests.Support.ScriptedSession;

namespace ImapPS.Client.Tests.Engine
{
    /// <summary>The typed options of FETCH and STORE (CONDSTORE, RFC 7162; .SILENT) and SEARCH (RFC 4731 return options), against Dovecot (which offers them).</summary>
    [Collection(DovecotFixture.CollectionName)]
    public class CondStoreTests : ClientTestBase
    {
        public CondStoreTests(DovecotFixture fixture) : base(fixture) { }

        private static byte[] Message(int i) => Encoding.ASCII.GetBytes("From: a@example.com\r\nSubject: condstore " + i + "\r\n\r\nbody " + i + "\r\n");

        [Fact]
        public async Task Fetch_changed_since_returns_only_the_messages_changed_after_that_modseq_with_their_modseq()
        {
            using var client = LoggedIn(out _);
            Assert.Contains("CONDSTORE", client.Capabilities);
            for (int i = 1; i <= 3; i++) Assert.Equal("OK", (await client.AppendAsync("INBOX", null, null, Message(i))).Type);
            Assert.Equal("3", (await client.SelectAsync()).FirstText);

            var before = (await client.FetchAsync("1:*", "(UID MODSEQ)")).Untagged.Where(u => u.Name == "FETCH").Select(FetchData.Parse).ToList();
            Assert.Equal(3, before.Count);
            Assert.All(before, f => Assert.True(f.ModSeq > 0));
            ulong highest = before.Max(f => f.ModSeq!.Value);

            Assert.Equal("OK", (await client.StoreAsync("2", "+FLAGS", @"(\Flagged)")).Type);

            var changed = await client.FetchAsync("1:*", "(UID FLAGS)", changedSince: highest);
            Assert.Equal("OK", changed.Type);
            var only = Assert.Single(changed.Untagged.Where(u => u.Name == "FETCH").Select(FetchData.Parse));
            Assert.Equal(2u, only.SequenceNumber);
            Assert.Equal(before[1].Uid, only.Uid);
            Assert.Contains(@"\Flagged", only.Flags!);
            // RFC 7162 3.1.4.1: the answer to CHANGEDSINCE carries MODSEQ, unasked, above the one given.
            Assert.True(only.ModSeq > highest, "MODSEQ " + only.ModSeq + " should be above " + highest);

            var unchanged = await client.FetchAsync("1:*", "(UID FLAGS)", changedSince: only.ModSeq!.Value, uid: true);
            Assert.Equal("OK", unchanged.Type);
            Assert.DoesNotContain(unchanged.Untagged, u => u.Name == "FETCH");
            await client.LogoutAsync();
        }

        [Fact]
        public async Task Fetch_changed_since_is_refused_before_sending_when_the_server_does_not_offer_condstore()
        {
            var options = Options();
            options.IgnoredCapabilities.Add("CONDSTORE");
            using var client = LoggedIn(out _, options: options);
            Assert.Equal("OK", (await client.AppendAsync("INBOX", null, null, Message(1))).Type);
            await client.SelectAsync();
            var error = await Assert.ThrowsAsync<ImapCapabilityException>(() => client.FetchAsync("1:*", "(FLAGS)", changedSince: 1));
            Assert.Contains("CONDSTORE", error.Message);
            Assert.Equal("OK", (await client.NoopAsync()).Type);
            await client.LogoutAsync();
        }

        [Fact]
        public async Task Store_unchanged_since_changes_only_messages_not_modified_since_and_reports_the_others()
        {
            using var client = LoggedIn(out _);
            for (int i = 1; i <= 2; i++) Assert.Equal("OK", (await client.AppendAsync("INBOX", null, null, Message(i))).Type);
            await client.SelectAsync();
            var before = (await client.FetchAsync("1:*", "(UID MODSEQ)")).Untagged.Where(u => u.Name == "FETCH").Select(FetchData.Parse).ToList();
            uint uid1 = before[0].Uid!.Value;
            ulong modseq1 = before[0].ModSeq!.Value;

            var first = await client.StoreAsync(uid1.ToString(), "+FLAGS", @"(\Flagged)", uid: true, unchangedSince: modseq1);
            Assert.Equal("OK", first.Type);
            Assert.NotEqual("MODIFIED", first.Tagged!.CodeName);

            // The message has changed since modseq1 now: the same condition refuses it, naming it in [MODIFIED].
            var second = await client.StoreAsync(uid1.ToString(), "+FLAGS", @"(\Seen)", uid: true, unchangedSince: modseq1);
            Assert.Equal("OK", second.Type);
            Assert.Equal("MODIFIED", second.Tagged!.CodeName);
            var flags = FetchData.Parse((await client.UidAsync("FETCH", uid1.ToString(), "(FLAGS)")).Untagged.Single(u => u.Name == "FETCH")).Flags!;
            Assert.Contains(@"\Flagged", flags);
            Assert.DoesNotContain(@"\Seen", flags);
            await client.LogoutAsync();
        }

        [Fact]
        public async Task Store_silent_gets_no_fetch_answers()
        {
            using var client = LoggedIn(out _);
            Assert.Equal("OK", (await client.AppendAsync("INBOX", null, null, Message(1))).Type);
            await client.SelectAsync();
            var loud = await client.StoreAsync("1", "+FLAGS", @"(\Flagged)", uid: false);
            Assert.Contains(loud.Untagged, u => u.Name == "FETCH");
            var silent = await client.StoreAsync("1", "+FLAGS", @"(\Seen)", uid: false, silent: true);
            Assert.Equal("OK", silent.Type);
            Assert.DoesNotContain(silent.Untagged, u => u.Name == "FETCH");
            var flags = FetchData.Parse((await client.FetchAsync("1", "(FLAGS)")).Untagged.Single(u => u.Name == "FETCH")).Flags!;
            Assert.Contains(@"\Seen", flags);
            await client.LogoutAsync();
        }

        [Fact]
        public async Task Selected_highest_modseq_is_learnt_with_status_when_select_did_not_report_it_and_enables_condstore()
        {
            using var client = LoggedIn(out _);
            for (int i = 1; i <= 2; i++) Assert.Equal("OK", (await client.AppendAsync("INBOX", null, null, Message(i))).Type);
            await client.SelectAsync();
            // Dovecot reports HIGHESTMODSEQ on SELECT only once CONDSTORE is enabled.
            Assert.Equal(0ul, client.HighestModSeq);
            ulong? highest = await client.SelectedHighestModSeqAsync();
            Assert.True(highest > 0);
            Assert.Equal(highest, client.HighestModSeq);
            Assert.False(client.NoModSeq);
            // STATUS HIGHESTMODSEQ enabled CONDSTORE: the next SELECT says it by itself.
            await client.SelectAsync();
            Assert.Equal(highest, client.HighestModSeq);
            await client.LogoutAsync();
        }

        [Fact]
        public async Task Typed_modseq_operations_search_fetch_and_store_conditionally()
        {
            using var client = LoggedIn(out _);
            for (int i = 1; i <= 3; i++) Assert.Equal("OK", (await client.AppendAsync("INBOX", null, null, Message(i))).Type);
            await client.SelectAsync();
            ulong highest = (await client.SelectedHighestModSeqAsync())!.Value;
            var uids = await client.UidSearchAsync(SearchKey.All);
            await client.UidStoreFlagsAsync(uids[1].ToString(), StoreFlagsMode.Add, new[] { @"\Flagged" });

            Assert.Equal(new[] { uids[1] }, await client.UidSearchAsync(SearchKey.ModSeq(highest + 1)));
            var fetched = new System.Collections.Concurrent.ConcurrentBag<FetchData>();
            await client.UidFetchEachAsync(SequenceSet.Build(uids), FetchItems.UidAndFlags.With(FetchAttributes.ModSeq), r => fetched.Add(FetchData.Parse(r)));
            Assert.Equal(3, fetched.Count);
            Assert.True(fetched.Single(f => f.Uid == uids[1]).ModSeq > highest);
            Assert.All(fetched.Where(f => f.Uid != uids[1]), f => Assert.True(f.ModSeq <= highest));

            var modified = await client.UidStoreFlagsUnchangedSinceAsync(SequenceSet.Build(uids), StoreFlagsMode.Add, new[] { "$Done" }, highest);
            Assert.Equal(new[] { uids[1] }, modified);
            var flags = (await client.FetchAsync("1:*", "(UID FLAGS)")).Untagged.Where(u => u.Name == "FETCH").Select(FetchData.Parse).ToDictionary(f => f.Uid!.Value, f => f.Flags!);
            Assert.Contains("$Done", flags[uids[0]]);
            Assert.DoesNotContain("$Done", flags[uids[1]]);
            Assert.Contains("$Done", flags[uids[2]]);
            await client.LogoutAsync();
        }

        [Fact]
        public async Task Modseq_operations_are_refused_before_sending_without_condstore()
        {
            var options = Options();
            options.IgnoredCapabilities.Add("CONDSTORE");
            using var client = LoggedIn(out _, options: options);
            Assert.Equal("OK", (await client.AppendAsync("INBOX", null, null, Message(1))).Type);
            await client.SelectAsync();
            await Assert.ThrowsAsync<ImapCapabilityException>(() => client.SelectedHighestModSeqAsync());
            await Assert.ThrowsAsync<ImapCapabilityException>(() => client.UidSearchAsync(SearchKey.AllOf(new[] { SearchKey.All, SearchKey.ModSeq(1) })));
            await Assert.ThrowsAsync<ImapCapabilityException>(() => client.UidFetchEachAsync("1:*", FetchItems.Summary.With(FetchAttributes.ModSeq), _ => { }));
            Assert.Throws<ImapCapabilityException>(() => { _ = client.UidStoreFlagsUnchangedSinceAsync("1", StoreFlagsMode.Add, new[] { @"\Seen" }, 1); });
            Assert.Equal("OK", (await client.NoopAsync()).Type);
            await client.LogoutAsync();
        }

        [Fact]
        public void Search_key_modseq_needs_condstore_and_a_valid_modseq_and_fetch_items_write_modseq()
        {
            var key = SearchKey.AllOf(new[] { SearchKey.Flag("Seen", true), SearchKey.Not(SearchKey.ModSeq(42)) });
            Assert.True(key.RequiresCondStore);
            Assert.False(SearchKey.Flag("Seen", true).RequiresCondStore);
            Assert.Throws<ArgumentOutOfRangeException>(() => SearchKey.ModSeq(0));
            Assert.Throws<ArgumentOutOfRangeException>(() => SearchKey.ModSeq((ulong)long.MaxValue + 1));
            Assert.Equal("(UID FLAGS MODSEQ)", FetchItems.UidAndFlags.With(FetchAttributes.ModSeq).ToString());
        }

        [Fact]
        public async Task A_nomodseq_select_and_a_modified_code_beyond_the_request_are_read_safely()
        {
            await using var server = ScriptedImapServer.Start(new ServerScript()
                .Send("* PREAUTH [CAPABILITY IMAP4rev1 CONDSTORE] hi\r\n")
                .ExpectLine(ScriptSteps.Command("SELECT INBOX"), "SELECT INBOX")
                .Send("* 3 EXISTS\r\n* OK [NOMODSEQ] none\r\n{tag} OK [READ-WRITE] selected\r\n")
                .ExpectLine(ScriptSteps.Command("SELECT INBOX"), "SELECT INBOX again")
                .Send("* 3 EXISTS\r\n* OK [HIGHESTMODSEQ 90] ok\r\n{tag} OK [READ-WRITE] selected\r\n")
                .ExpectLine(ScriptSteps.Command("UID STORE 1:2 (UNCHANGEDSINCE 80) +FLAGS.SILENT (\\Seen)"), "the conditional STORE")
                .Send("{tag} OK [MODIFIED 2:7,900] some changed\r\n")
                .ExpectLine(ScriptSteps.Command("UID STORE 1 (UNCHANGEDSINCE 80) +FLAGS.SILENT (\\Seen)"), "a STORE with an unreadable MODIFIED")
                .Send("{tag} OK [MODIFIED 1:4294967295] all of them\r\n")
                .AnswerLogout());
            using var client = new Imap4Client(server.Host, server.Port, Options());
            await client.SelectAsync();
            Assert.True(client.NoModSeq);
            Assert.Null(await client.SelectedHighestModSeqAsync());
            await client.SelectAsync();
            Assert.False(client.NoModSeq);
            Assert.Equal(90ul, await client.SelectedHighestModSeqAsync());
            Assert.Equal(new uint[] { 2 }, await client.UidStoreFlagsUnchangedSinceAsync("1:2", StoreFlagsMode.Add, new[] { @"\Seen" }, 80));
            var error = await Assert.ThrowsAsync<ImapException>(() => client.UidStoreFlagsUnchangedSinceAsync("1", StoreFlagsMode.Add, new[] { @"\Seen" }, 80));
            Assert.Contains("MODIFIED", error.Message);
            await client.LogoutAsync();
            await server.WaitForCompletionAsync(Patience);
        }

        [Fact]
        public async Task A_select_with_condstore_reports_the_highest_modseq_itself_so_no_status_is_sent()
        {
            await using var server = ScriptedImapServer.Start(new ServerScript()
                .Send("* PREAUTH [CAPABILITY IMAP4rev1 CONDSTORE] hi\r\n")
                .ExpectLine(ScriptSteps.Command("EXAMINE INBOX (CONDSTORE)"), "EXAMINE with CONDSTORE")
                .Send("* 3 EXISTS\r\n* OK [HIGHESTMODSEQ 90] ok\r\n{tag} OK [READ-ONLY] examined\r\n")
                .ExpectLine(ScriptSteps.Command("SELECT Archive (CONDSTORE)"), "SELECT with CONDSTORE of a mailbox without mod-sequences")
                .Send("* 1 EXISTS\r\n* OK [NOMODSEQ] none\r\n{tag} OK [READ-WRITE] selected\r\n")
                .AnswerLogout());
            using var client = new Imap4Client(server.Host, server.Port, Options());
            Assert.Equal("OK", (await client.SelectAsync("INBOX", readOnly: true, condStore: true)).Type);
            Assert.True(client.IsReadOnly);
            Assert.Equal(90ul, client.HighestModSeq);
            // Known from the EXAMINE: a STATUS here would not match the script's next line.
            Assert.Equal(90ul, await client.SelectedHighestModSeqAsync());
            Assert.Equal("OK", (await client.SelectAsync("Archive", readOnly: false, condStore: true)).Type);
            Assert.True(client.NoModSeq);
            Assert.Null(await client.SelectedHighestModSeqAsync());
            await client.LogoutAsync();
            await server.WaitForCompletionAsync(Patience);
        }

        [Fact]
        public async Task A_select_with_condstore_is_refused_before_sending_when_the_server_does_not_offer_it()
        {
            await using var server = ScriptedImapServer.Start(new ServerScript()
                .Send("* PREAUTH [CAPABILITY IMAP4rev1] hi\r\n")
                .ExpectLine(ScriptSteps.Command("NOOP"), "the NOOP after the refused SELECT")
                .Send("{tag} OK done\r\n")
                .AnswerLogout());
            using var client = new Imap4Client(server.Host, server.Port, Options());
            var error = await Assert.ThrowsAsync<ImapCapabilityException>(() => client.SelectAsync("INBOX", readOnly: false, condStore: true));
            Assert.Contains("CONDSTORE", error.Message);
            Assert.Equal(ImapState.AUTH, client.State);
            Assert.Equal("OK", (await client.NoopAsync()).Type);
            await client.LogoutAsync();
            await server.WaitForCompletionAsync(Patience);
        }

        [Fact]
        public async Task Dovecot_reports_the_highest_modseq_on_a_select_with_condstore_before_condstore_was_enabled()
        {
            using var client = LoggedIn(out _);
            Assert.Equal("OK", (await client.AppendAsync("INBOX", null, null, Message(1))).Type);
            Assert.Equal("OK", (await client.SelectAsync("INBOX", readOnly: true, condStore: true)).Type);
            // Without the parameter Dovecot says nothing of mod-sequences on a first SELECT (the STATUS test above).
            Assert.True(client.HighestModSeq > 0);
            Assert.False(client.NoModSeq);
            Assert.Equal(client.HighestModSeq, await client.SelectedHighestModSeqAsync());
            await client.LogoutAsync();
        }

        [Fact]
        public async Task Search_return_options_answer_with_one_esearch()
        {
            using var client = LoggedIn(out _);
            for (int i = 1; i <= 3; i++) Assert.Equal("OK", (await client.AppendAsync("INBOX", null, null, Message(i))).Type);
            await client.SelectAsync();
            var uids = (await client.FetchAsync("1:*", "(UID)")).Untagged.Where(u => u.Name == "FETCH").Select(u => FetchData.Parse(u).Uid!.Value).ToList();
            var response = await client.SearchAsync(true, null, new ImapArgument[] { "ALL" }, new[] { "MIN", "MAX", "COUNT" });
            Assert.Equal("OK", response.Type);
            var result = SearchResult.Parse(Assert.Single(response.Untagged, u => u.Name == "ESEARCH"));
            Assert.True(result.IsUid);
            Assert.Equal(uids.Min(), result.Min);
            Assert.Equal(uids.Max(), result.Max);
            Assert.Equal(3u, result.Count);
            await client.LogoutAsync();
        }
    }
}
