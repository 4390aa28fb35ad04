using System.Linq;
using System.Text;
using System.Threading.Tasks;
using ImapPS.Client.Protocol;
using ImapPS.Client.Tests.Fixture;

namespace ImapPS.Client.Tests.Engine
{
    /// <summary>CONDSTORE (RFC 7162) through the typed FETCH command, against Dovecot (which offers it).</summary>
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
    }
}
