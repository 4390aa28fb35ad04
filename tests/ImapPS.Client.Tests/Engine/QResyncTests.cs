using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using ImapPS.Client.Protocol;
using ImapPS.Client.Tests.Fixture;
using ImapPS.Testing;

namespace ImapPS.Client.Tests.Engine
{
    /// <summary>SELECT/EXAMINE with QRESYNC (RFC 7162 3.2.5), VANISHED and the session's HIGHESTMODSEQ, against Dovecot (which offers QRESYNC).</summary>
    [Collection(DovecotFixture.CollectionName)]
    public class QResyncTests : ClientTestBase
    {
        public QResyncTests(DovecotFixture fixture) : base(fixture) { }

        private static byte[] Message(int i) => Encoding.ASCII.GetBytes("From: a@example.com\r\nSubject: qresync " + i + "\r\n\r\nbody " + i + "\r\n");

        private Imap4Client Other(TestUser user)
        {
            var other = Plain();
            other.Login(user.Name, user.Password);
            return other;
        }

        [Fact]
        public async Task Select_with_qresync_reports_what_was_expunged_and_changed_since_the_modseq_given()
        {
            using var client = LoggedIn(out var user);
            Assert.Contains("QRESYNC", client.Capabilities);
            for (int i = 1; i <= 5; i++) Assert.True((await client.AppendAsync("INBOX", null, null, Message(i))).IsOk);
            Assert.True((await client.EnableAsync("QRESYNC")).IsOk);
            Assert.True(client.IsEnabled("QRESYNC"));
            Assert.True(client.IsEnabled("CONDSTORE"));
            Assert.True((await client.ExamineAsync("INBOX")).IsOk);
            uint uidValidity = client.UidValidity;
            ulong seen = client.HighestModSeq;
            Assert.NotEqual(0UL, seen);
            var uids = (await client.UidAsync("FETCH", "1:*", "(UID)")).Untagged.Where(u => u.Name == "FETCH").Select(u => FetchData.Parse(u).Uid!.Value).ToList();
            Assert.Equal(5, uids.Count);
            Assert.True((await client.UnselectAsync()).IsOk);

            // Elsewhere: message 2 flagged, message 4 expunged.
            using (var other = Other(user))
            {
                other.Select("INBOX");
                Assert.True(other.Uid("STORE", uids[1].ToString(), "+FLAGS", @"(\Flagged)").IsOk);
                Assert.True(other.Uid("STORE", uids[3].ToString(), "+FLAGS", @"(\Deleted)").IsOk);
                Assert.True(other.Expunge().IsOk);
                other.Logout();
            }

            var result = await client.SelectAsync("INBOX", true, new QResyncParameters(uidValidity, seen, new[] { new UidRange(1, uids.Max()) }));
            Assert.Equal(uidValidity, result.UidValidity);
            Assert.Equal(4u, result.Exists);
            Assert.Equal(4u, client.Exists);
            Assert.Equal(new[] { uids[3] }, result.Vanished.SelectMany(r => Enumerable.Range((int)r.Low, (int)r.Count).Select(u => (uint)u)));
            var changed = Assert.Single(result.Changed);
            Assert.Equal(uids[1], changed.Uid);
            Assert.Contains(@"\Flagged", changed.Flags!);
            Assert.True(changed.ModSeq > seen);
            Assert.True(result.HighestModSeq >= changed.ModSeq);
            Assert.Equal(result.HighestModSeq, client.HighestModSeq);
            // The SELECT's own responses (imaplib2's pool keeps a copy, as it keeps SELECT's FLAGS).
            Assert.Contains(result.Response.Untagged, u => u.Name == "VANISHED");
            Assert.Contains(result.Response.Untagged, u => u.Name == "FETCH");
            await client.LogoutAsync();
        }

        [Fact]
        public async Task Select_with_qresync_before_enable_is_refused_before_sending_and_the_session_goes_on()
        {
            using var client = LoggedIn(out _);
            var error = await Assert.ThrowsAsync<ImapCapabilityException>(() => client.SelectAsync("INBOX", false, new QResyncParameters(1, 1)));
            Assert.Contains("ENABLE QRESYNC", error.Message);
            Assert.Equal(ImapState.AUTH, client.State);
            Assert.True((await client.SelectAsync("INBOX")).IsOk);
            await client.LogoutAsync();
        }

        [Fact]
        public async Task The_session_tracks_the_highest_modseq_from_fetch_responses_and_live_vanished_keeps_the_count()
        {
            using var client = LoggedIn(out var user);
            for (int i = 1; i <= 3; i++) Assert.True((await client.AppendAsync("INBOX", null, null, Message(i))).IsOk);
            Assert.True((await client.SelectAsync("INBOX")).IsOk);
            // ENABLE while selected (Dovecot allows it; RFC 7162 3.1.8 makes the server report HIGHESTMODSEQ then, or the next FETCH carries MODSEQ).
            Assert.True((await client.EnableAsync("QRESYNC")).IsOk);
            var changes = new ConcurrentQueue<MailboxChangedEventArgs>();
            client.MailboxChanged += (s, e) => changes.Enqueue(e);

            ulong before = client.HighestModSeq;
            var stored = await client.StoreAsync("1", "+FLAGS", @"(\Flagged)");
            Assert.True(stored.IsOk);
            ulong storedModSeq = FetchData.Parse(stored.Untagged.Single(u => u.Name == "FETCH")).ModSeq!.Value;
            Assert.True(storedModSeq > before);
            Assert.True(client.HighestModSeq >= storedModSeq, "HighestModSeq " + client.HighestModSeq + " below the MODSEQ " + storedModSeq + " of a FETCH it read");

            // Another session expunges message 2: with QRESYNC on, the server says VANISHED (not EXPUNGE).
            uint uid2 = FetchData.Parse((await client.FetchAsync("2", "(UID)")).Untagged.Single(u => u.Name == "FETCH")).Uid!.Value;
            using (var other = Other(user))
            {
                other.Select("INBOX");
                Assert.True(other.Uid("STORE", uid2.ToString(), "+FLAGS", @"(\Deleted)").IsOk);
                Assert.True(other.Uid("EXPUNGE", uid2.ToString()).IsOk);
                other.Logout();
            }
            var noop = await client.PollMailboxAsync();
            var vanished = VanishedData.Parse(Assert.Single(noop.Untagged, u => u.Name == "VANISHED"));
            Assert.False(vanished.Earlier);
            Assert.Equal(new[] { uid2 }, vanished.Uids);
            Assert.DoesNotContain(noop.Untagged, u => u.Name == "EXPUNGE");
            Assert.Equal(2u, client.Exists);
            await client.LogoutAsync();
        }
    }
}
