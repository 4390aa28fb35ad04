using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using ImapPS.Client.Protocol;
using ImapPS.Client.Tests.Support;
using static ImapPS.Client.Tests.Support.ScriptedSession;

namespace ImapPS.Client.Tests.Engine
{
    /// <summary>QRESYNC against a scripted server: the exact SELECT parameter, hostile VANISHED sets, and the watcher's catch-up rule.</summary>
    public class QResyncScriptedTests
    {
        private const string Greeting = "* PREAUTH [CAPABILITY IMAP4rev1 ENABLE CONDSTORE QRESYNC IDLE] ready\r\n";

        private static ServerScript EnableQResync(ServerScript script, List<string> tags)
            => script.ExpectLine(ScriptSteps.Command("ENABLE QRESYNC", tags), "ENABLE QRESYNC").Send("* ENABLED QRESYNC\r\n{tag} OK enabled\r\n");

        [Fact]
        public async Task A_vanished_earlier_of_every_possible_uid_is_one_range_and_a_live_one_empties_the_count_without_expanding()
        {
            var tags = new List<string>();
            await using var server = Start(EnableQResync(new ServerScript().Send(Greeting), tags)
                .ExpectLine(ScriptSteps.Command("EXAMINE INBOX (QRESYNC (7 100 1:10))", tags), "EXAMINE with QRESYNC")
                .Send("* 10 EXISTS\r\n* OK [UIDVALIDITY 7] v\r\n* OK [HIGHESTMODSEQ 200] m\r\n* VANISHED (EARLIER) 1:4294967295\r\n" +
                      "* 3 FETCH (UID 3 FLAGS (\\Seen) MODSEQ (150))\r\n{tag} OK [READ-ONLY] examined\r\n")
                .ExpectLine(ScriptSteps.Command("NOOP", tags), "NOOP")
                .Send("* VANISHED 4294967295:1\r\n* 3 FETCH (UID 3 FLAGS () MODSEQ (250))\r\n{tag} OK noop\r\n")
                .AnswerLogout(tags));
            using var client = new Imap4Client(server.Host, server.Port, Options());
            Assert.True((await client.EnableAsync("QRESYNC")).IsOk);

            var result = await client.SelectAsync("INBOX", true, new QResyncParameters(7, 100, new[] { new UidRange(1, 10) }));
            var range = Assert.Single(result.Vanished);
            Assert.Equal(4294967295L, range.Count);
            Assert.Equal(3u, Assert.Single(result.Changed).Uid);
            Assert.Equal(200UL, result.HighestModSeq);
            Assert.Equal(10u, result.Exists);
            // The catch-up keeps only what the watcher can have known: UIDs 1..10.
            Assert.Equal(new[] { new UidRange(1, 10) }, ImapMailboxSyncState.Clip(result.Vanished, 10));

            var noop = await client.NoopAsync();
            Assert.True(noop.IsOk);
            Assert.Equal(0u, client.Exists);
            Assert.Equal(250UL, client.HighestModSeq);
            await client.LogoutAsync();
            await server.WaitForCompletionAsync(Patience);
            server.AssertNoErrors();
        }

        [Theory]
        [InlineData("0:5")]
        [InlineData("1:*")]
        [InlineData("1,,2")]
        [InlineData("4294967296")]
        [InlineData("abc")]
        public async Task A_malformed_vanished_set_fails_that_select_with_a_typed_error_and_the_session_goes_on(string set)
        {
            var tags = new List<string>();
            await using var server = Start(EnableQResync(new ServerScript().Send(Greeting), tags)
                .ExpectLine(ScriptSteps.Command("SELECT INBOX (QRESYNC (7 100))", tags), "SELECT with QRESYNC")
                .Send("* 2 EXISTS\r\n* OK [UIDVALIDITY 7] v\r\n* VANISHED (EARLIER) " + set + "\r\n{tag} OK [READ-WRITE] selected\r\n")
                .ExpectLine(ScriptSteps.Command("NOOP", tags), "NOOP")
                .Send("{tag} OK noop\r\n")
                .AnswerLogout(tags));
            using var client = new Imap4Client(server.Host, server.Port, Options());
            Assert.True((await client.EnableAsync("QRESYNC")).IsOk);
            await Assert.ThrowsAsync<ImapProtocolException>(() => client.SelectAsync("INBOX", false, new QResyncParameters(7, 100)));
            Assert.True((await client.NoopAsync()).IsOk);
            Assert.Equal(2u, client.Exists);
            await client.LogoutAsync();
            await server.WaitForCompletionAsync(Patience);
            server.AssertNoErrors();
        }

        [Fact]
        public async Task Qresync_parameter_is_refused_before_sending_when_not_enabled()
        {
            var tags = new List<string>();
            await using var server = Start(new ServerScript().Send(Greeting).AnswerLogout(tags));
            using var client = new Imap4Client(server.Host, server.Port, Options());
            var error = await Assert.ThrowsAsync<ImapCapabilityException>(() => client.SelectAsync("INBOX", false, new QResyncParameters(7, 100)));
            Assert.Contains("ENABLE QRESYNC", error.Message);
            await client.LogoutAsync();
            await server.WaitForCompletionAsync(Patience);
            server.AssertNoErrors();
        }

        [Fact]
        public async Task A_server_that_refuses_enable_with_BAD_leaves_the_watch_on_UIDNEXT_instead_of_failing_it()
        {
            // RFC 5161: ENABLE is valid only in the authenticated state; a strict server says BAD once a mailbox is selected.
            var tags = new List<string>();
            await using var server = Start(new ServerScript().Send(Greeting)
                .ExpectLine(ScriptSteps.Command("EXAMINE INBOX", tags), "EXAMINE")
                .Send("* 2 EXISTS\r\n* OK [UIDVALIDITY 7] v\r\n* OK [UIDNEXT 3] n\r\n{tag} OK [READ-ONLY] examined\r\n")
                .ExpectLine(ScriptSteps.Command("ENABLE QRESYNC", tags), "ENABLE QRESYNC")
                .Send("{tag} BAD ENABLE not allowed in the selected state\r\n")
                .ExpectLine(ScriptSteps.Command("ENABLE CONDSTORE", tags), "ENABLE CONDSTORE")
                .Send("{tag} BAD ENABLE not allowed in the selected state\r\n")
                .ExpectLine(ScriptSteps.Command("NOOP", tags), "NOOP")
                .Send("{tag} OK noop\r\n")
                .AnswerLogout(tags));
            using var client = new Imap4Client(server.Host, server.Port, Options());
            Assert.True((await client.ExamineAsync("INBOX")).IsOk);
            Assert.Equal(ImapResyncMethod.UidNext, await ImapMailboxSyncState.EnableAsync(client));
            Assert.False(client.IsEnabled("CONDSTORE"));
            Assert.Equal(ImapState.SELECTED, client.State);
            Assert.True((await client.NoopAsync()).IsOk);
            await client.LogoutAsync();
            await server.WaitForCompletionAsync(Patience);
            server.AssertNoErrors();
        }

        [Fact]
        public async Task The_catch_up_reports_expunges_flag_changes_and_new_messages_each_once_in_uid_order()
        {
            var tags = new List<string>();
            await using var server = Start(EnableQResync(new ServerScript().Send(Greeting), tags)
                .ExpectLine(ScriptSteps.Command("EXAMINE INBOX (QRESYNC (7 100 1:10))", tags), "EXAMINE with QRESYNC")
                // Out of order, overlapping, beyond the known UIDs; a changed message twice; a new message among the changes.
                .Send("* 9 EXISTS\r\n* OK [UIDVALIDITY 7] v\r\n* OK [HIGHESTMODSEQ 300] m\r\n* VANISHED (EARLIER) 5:4,2,4,1000:4294967295\r\n" +
                      "* 3 FETCH (UID 3 FLAGS (\\Seen) MODSEQ (150))\r\n* 3 FETCH (UID 3 FLAGS (\\Seen \\Flagged) MODSEQ (160))\r\n" +
                      "* 6 FETCH (UID 9 FLAGS (\\Answered) MODSEQ (120))\r\n* 8 FETCH (UID 11 FLAGS () MODSEQ (290))\r\n{tag} OK [READ-ONLY] examined\r\n")
                .ExpectLine(ScriptSteps.Command("UID FETCH 11:* (UID FLAGS)", tags), "UID FETCH of the new messages")
                .Send("* 9 FETCH (UID 12 FLAGS ())\r\n* 8 FETCH (UID 11 FLAGS ())\r\n{tag} OK fetched\r\n")
                .AnswerLogout(tags));
            using var client = new Imap4Client(server.Host, server.Port, Options());
            var state = new ImapMailboxSyncState("INBOX", 7, 10, 100);
            // Reported live before the loss: UID 9's change at MODSEQ 120 and the expunge of UID 2.
            state.NoteFlagsChanged(9, 120);
            state.NoteExpunged(2);

            var changes = (await state.CatchUpAsync(client, readOnly: true)).ToList();
            Assert.All(changes, c => Assert.True(c.IsCatchUp));
            Assert.Equal(new[] { "Expunged 4", "Expunged 5", "FlagsChanged 3", "NewMessage 11", "NewMessage 12" }, changes.Select(c => c.Kind + " " + c.Uid));
            Assert.Equal(new[] { @"\Seen", @"\Flagged" }, changes.Single(c => c.Kind == ImapMailboxChangeKind.FlagsChanged).Flags);
            Assert.Equal(ImapResyncMethod.QResync, state.LastMethod);
            Assert.Equal(12u, state.LastUid);
            Assert.Equal(300UL, state.ModSeq);
            await client.LogoutAsync();
            await server.WaitForCompletionAsync(Patience);
            server.AssertNoErrors();
        }
    }
}
