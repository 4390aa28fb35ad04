using System.Linq;
using System.Text;
using System.Threading.Tasks;
using ImapPS.Client.Protocol;
using ImapPS.Client.Tests.Fixture;

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
