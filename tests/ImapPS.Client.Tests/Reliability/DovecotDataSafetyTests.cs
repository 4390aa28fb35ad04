using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using ImapPS.Client.Tests.Fixture;
using ImapPS.Client.Tests.Support;
using ImapPS.Testing;
using Xunit.Abstractions;

namespace ImapPS.Client.Tests.Reliability
{
    /// <summary>Against Dovecot: nothing lost, nothing touched by mistake, changes of identity detected.</summary>
    [Collection(DovecotFixture.CollectionName)]
    public class DovecotDataSafetyTests
    {
        private readonly DovecotFixture _fixture;
        private readonly ITestOutputHelper _output;

        public DovecotDataSafetyTests(DovecotFixture fixture, ITestOutputHelper output)
        {
            _fixture = fixture;
            _output = output;
        }

        private static ImapClientOptions Options(ImapClientOptions? options = null)
        {
            options ??= new ImapClientOptions();
            options.ResponseTimeout = TimeSpan.FromSeconds(30);
            options.DebugWriter = TextWriter.Null;
            return options;
        }

        private Imap4Client Login(TestUser user, ImapClientOptions? options = null)
        {
            var client = new Imap4Client(_fixture.Server.Host, _fixture.Server.ImapPort, Options(options));
            client.Login(user.Name, user.Password);
            return client;
        }

        private static byte[] Message(int i, string tag = "msg")
            => ReliabilityKit.Crlf($"From: sender{i}@example.com\nTo: you@example.com\nSubject: {tag} {i}\nMessage-ID: <{tag}.{i}@example.com>\n\nbody of {tag} {i}\n");

        private static uint AppendUid(ImapResponse append)
        {
            Assert.Equal("OK", append.Type);
            Assert.Equal("APPENDUID", append.Tagged!.CodeName);
            return append.Tagged.CodeArgument.Next().AsUInt32();
        }

        /// <summary>UID → FLAGS of every message in the selected mailbox.</summary>
        private static Dictionary<uint, string> UidsAndFlags(Imap4Client client)
        {
            var result = new Dictionary<uint, string>();
            var fetch = client.Uid("FETCH", "1:*", "(UID FLAGS)");
            Assert.Equal("OK", fetch.Type);
            foreach (var r in fetch.Untagged.Where(u => u.Name == "FETCH"))
            {
                uint? uid = null;
                string flags = "";
                var e = r.Data.GetEnumerator();
                while (e.MoveNext())
                {
                    var key = e.Current;
                    if (!e.MoveNext()) break;
                    if (key.IsAtom("UID")) uid = e.Current.AsUInt32();
                    if (key.IsAtom("FLAGS")) flags = e.Current.ToString();
                }
                result[uid!.Value] = flags;
            }
            return result;
        }

        [CorpusFact]
        public async Task Every_corpus_message_comes_back_byte_identical_after_APPEND()
        {
            var messages = TranscriptLibrary.MimeMessages();
            Assert.True(messages.Count >= 180, "corpus has " + messages.Count + " messages");
            var user = _fixture.CreateUser("safety");
            using var client = Login(user);
            client.Create("Corpus");
            var expected = new Dictionary<uint, (string Path, string Hash, int Length)>();
            long bytes = 0;
            foreach (var m in messages)
            {
                var normalised = Imap4Client.NormaliseLineEnds(m.ReadBytes());
                var uid = AppendUid(await client.AppendAsync("Corpus", null, null, m.ReadBytes()));
                expected[uid] = (m.RelativePath, ReliabilityKit.Sha256(normalised), normalised.Length);
                bytes += normalised.Length;
            }
            client.Select("Corpus");
            var fetch = client.Uid("FETCH", "1:*", "(UID BODY.PEEK[])");
            Assert.Equal("OK", fetch.Type);
            var seen = new HashSet<uint>();
            var responses = fetch.Untagged.Where(u => u.Name == "FETCH").ToList();
            var bodies = fetch.Data.Where(d => d!.IsPair).ToList();
            Assert.Equal(responses.Count, bodies.Count);
            foreach (var (r, item) in responses.Zip(bodies))
            {
                var uid = Imap4Client.FetchUid(r)!.Value;
                Assert.StartsWith(r.Number + " (UID " + uid + " ", item!.Text);
                var (path, hash, length) = expected[uid];
                Assert.True(hash == ReliabilityKit.Sha256(item.Literal!), $"{path} (UID {uid}): {item.Literal!.Length} bytes back for {length} appended, hashes differ");
                seen.Add(uid);
            }
            Assert.Equal(expected.Keys.OrderBy(u => u), seen.OrderBy(u => u));
            _output.WriteLine($"{messages.Count} messages, {bytes:N0} bytes appended and fetched back byte-identical (SHA-256)");
        }

        [Fact]
        public void Without_MOVE_copy_store_and_UID_EXPUNGE_remove_only_the_chosen_message()
        {
            var user = _fixture.CreateUser("move");
            var options = new ImapClientOptions();
            options.IgnoredCapabilities.Add("MOVE");
            using var client = Login(user, options);
            client.Create("Dest");
            var uids = Enumerable.Range(1, 5).Select(i => AppendUid(client.Append("INBOX", null, null, Message(i)))).ToList();
            client.Select("INBOX");
            // Someone else's \Deleted message, waiting for its owner's EXPUNGE: it must survive our move.
            Assert.Equal("OK", client.Uid("STORE", uids[1].ToString(), "+FLAGS", "(\\Deleted)").Type);

            Assert.False(client.HasCapability("MOVE"));
            Assert.Throws<ImapCapabilityException>(() => client.Move(uids[3].ToString(), "Dest"));

            // The engine-level fallback for moving UID 4.
            Assert.Equal("OK", client.Uid("COPY", uids[3].ToString(), "Dest").Type);
            Assert.Equal("OK", client.Uid("STORE", uids[3].ToString(), "+FLAGS", "(\\Deleted)").Type);
            var expunge = client.Uid("EXPUNGE", uids[3].ToString());
            Assert.Equal("OK", expunge.Type);
            Assert.Single(expunge.Untagged, u => u.Name == "EXPUNGE");

            var left = UidsAndFlags(client);
            Assert.Equal(new[] { uids[0], uids[1], uids[2], uids[4] }, left.Keys.OrderBy(u => u));
            Assert.Contains("\\Deleted", left[uids[1]]);
            client.Select("Dest");
            var moved = client.Uid("FETCH", "1:*", "(BODY.PEEK[])");
            Assert.Equal(Message(4), Assert.Single(moved.Data, d => d!.IsPair)!.Literal);
            client.Logout();
        }

        [Fact]
        public void Without_UIDPLUS_UID_EXPUNGE_is_refused_instead_of_expunging_everything()
        {
            var user = _fixture.CreateUser("uidplus");
            var options = new ImapClientOptions();
            options.IgnoredCapabilities.Add("UIDPLUS");
            using var client = Login(user, options);
            var uids = Enumerable.Range(1, 3).Select(i => { client.Append("INBOX", null, null, Message(i)); return (uint)i; }).ToList();
            client.Select("INBOX");
            client.Uid("STORE", "1:3", "+FLAGS", "(\\Deleted)");
            Assert.Throws<ImapCapabilityException>(() => client.Uid("EXPUNGE", "2"));
            Assert.Equal(3, UidsAndFlags(client).Count);
            client.Logout();
        }

        [Fact]
        public void A_UIDVALIDITY_change_after_delete_and_recreate_is_visible_on_the_next_SELECT()
        {
            var user = _fixture.CreateUser("uidvalidity");
            using var client = Login(user);
            client.Create("Box");
            client.Append("Box", null, null, Message(1));
            client.Select("Box");
            uint before = client.UidValidity;
            Assert.NotEqual(0u, before);
            client.Unselect();

            using (var other = Login(user))
            {
                other.Delete("Box");
                other.Create("Box");
                other.Append("Box", null, null, Message(2));
                other.Logout();
            }

            client.Select("Box");
            Assert.NotEqual(before, client.UidValidity);
            var status = client.Status("Box", "(UIDVALIDITY)");
            Assert.Contains("UIDVALIDITY " + client.UidValidity, status.FirstText);
            client.Logout();
        }

        [Fact]
        public async Task Deleting_the_selected_mailbox_from_another_session_ends_this_one_with_a_typed_error_or_empty_results()
        {
            var user = _fixture.CreateUser("deleted");
            using var client = Login(user);
            client.Create("Gone");
            client.Append("Gone", null, null, Message(1));
            client.Select("Gone");
            using (var other = Login(user))
            {
                other.Delete("Gone");
                other.Logout();
            }
            // Dovecot disconnects a session whose selected mailbox is deleted; either way no stale message is returned.
            try
            {
                var fetch = await ReliabilityKit.Within(client.FetchAsync("1:*", "(BODY.PEEK[])"), TimeSpan.FromSeconds(10), "FETCH after delete");
                Assert.DoesNotContain(fetch.Data, d => d!.IsPair);
            }
            catch (ImapException e)
            {
                _output.WriteLine(e.GetType().Name + ": " + e.Message);
            }
        }

        [Fact]
        public void STORE_on_a_mailbox_opened_with_EXAMINE_changes_nothing_and_keeps_the_session()
        {
            var user = _fixture.CreateUser("readonly");
            using var client = Login(user);
            client.Append("INBOX", null, null, Message(1));
            client.Examine("INBOX");
            Assert.True(client.IsReadOnly);
            try { client.Store("1", "+FLAGS", "(\\Flagged)"); }
            catch (ImapException e) when (!(e is ImapAbortException) || e is ImapReadOnlyException) { }
            Assert.Null(client.AbortError);
            client.Select("INBOX");
            Assert.DoesNotContain("\\Flagged", UidsAndFlags(client).Single().Value);
            client.Logout();
        }

        [Fact]
        public void STORE_on_a_mailbox_opened_with_EXAMINE_fails_clearly()
        {
            var user = _fixture.CreateUser("readonly2");
            using var client = Login(user);
            client.Append("INBOX", null, null, Message(1));
            client.Examine("INBOX");
            Assert.True(client.IsReadOnly);
            // Dovecot itself answers OK ("Store ignored with read-only mailbox"): only the client can make this fail clearly.
            var error = Assert.ThrowsAny<ImapException>(() => client.Store("1", "+FLAGS", "(\\Flagged)"));
            Assert.Contains("read-only", error.Message);
            Assert.Null(client.AbortError);
            client.Logout();
        }
    }
}
