using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using ImapPS.Client.Tests.Fixture;
using ImapPS.Client.Tests.Support;
using static ImapPS.Client.Tests.Support.ScriptedSession;

namespace ImapPS.Client.Tests.Engine
{
    /// <summary>
    /// Regressions for the client faults that the Cyrus and Courier runs showed (issue 14), each on
    /// the scripted server where it needs exact bytes or a server that lacks something.
    /// The same faults are also checked on the real servers in tests/ImapPS.Client.Tests/CrossServer.
    /// </summary>
    public class ClientFaultTests
    {
        /// <summary>Fault 1: RFC 2971 id-params-list is <c>*(string SP nstring)</c>; an atom value is BAD on Cyrus.</summary>
        [Fact]
        public async Task Id_sends_every_value_as_a_string_never_as_an_atom()
        {
            var tags = new List<string>();
            await using var server = Start(new ServerScript()
                .Send("* PREAUTH [CAPABILITY IMAP4rev1 ID] hi\r\n")
                .ExpectLine(ScriptSteps.Command("ID (\"name\" \"smoke\" \"version\" NIL)", tags), "ID with quoted values")
                .Send("* ID (\"name\" \"Scripted\")\r\n{tag} OK ID completed\r\n")
                .AnswerLogout(tags));
            using var client = new Imap4Client(server.Host, server.Port, Options());
            var id = client.Id(new Dictionary<string, string?> { ["name"] = "smoke", ["version"] = null });
            Assert.Equal("OK", id.Type);
            client.Logout();
            await server.WaitForCompletionAsync(Patience);
            server.AssertNoErrors();
        }

        /// <summary>
        /// Fault 3: a command of an extension the server did not offer is refused before anything is
        /// written (Courier answers NO to ID and LIST-EXTENDED, and stalls 5 s on CRAM-MD5). The script
        /// expects nothing between LOGIN and LOGOUT, so any byte of such a command fails it.
        /// </summary>
        [Fact]
        public async Task Commands_of_extensions_the_server_did_not_offer_are_never_sent()
        {
            var tags = new List<string>();
            await using var server = Start(new ServerScript()
                .Send("* OK [CAPABILITY IMAP4rev1] bare server\r\n")
                .ExpectLine(line => { tags.Add(line.Split(' ')[0]); return line.Split(' ')[1] == "LOGIN"; }, "LOGIN")
                .ReplyTagged("OK [CAPABILITY IMAP4rev1] logged in")
                .ExpectLine(ScriptSteps.Command("SELECT INBOX", tags), "SELECT INBOX")
                .Send("* 1 EXISTS\r\n* OK [UIDVALIDITY 1] v\r\n* OK [UIDNEXT 2] n\r\n{tag} OK [READ-WRITE] selected\r\n")
                .AnswerLogout(tags));
            using var client = new Imap4Client(server.Host, server.Port, Options());

            // Before authentication: ID and every SASL mechanism not announced as AUTH=…
            Assert.Equal("ID", Assert.Throws<ImapCapabilityException>(() => client.Id()).Command);
            Assert.Contains("AUTH=CRAM-MD5", Assert.Throws<ImapCapabilityException>(() => client.LoginCramMd5("alice", "secret")).Message);
            Assert.Throws<ImapCapabilityException>(() => client.Authenticate(SaslMechanism.Plain("alice", "secret")));
            await Assert.ThrowsAsync<ImapCapabilityException>(() => client.AuthenticateAsync(SaslMechanism.Login("alice", "secret")));
            Assert.Equal(ImapState.NONAUTH, client.State);
            client.Login("alice", "secret");

            var refused = new List<(string What, Action Call)>
            {
                ("LIST-EXTENDED", () => client.ListExtendedAsync(null, "", "*", "(SPECIAL-USE)").GetAwaiter().GetResult()),
                ("NAMESPACE", () => client.Namespace()),
                ("ENABLE", () => client.Enable("QRESYNC")),
                ("GETQUOTA", () => client.GetQuota("")),
                ("GETQUOTAROOT", () => client.GetQuotaRoot("INBOX")),
                ("SETQUOTA", () => client.SetQuota("", "(STORAGE 1)")),
                ("GETACL", () => client.GetAcl("INBOX")),
                ("SETACL", () => client.SetAcl("INBOX", "bob", "lr")),
                ("DELETEACL", () => client.DeleteAcl("INBOX", "bob")),
                ("MYRIGHTS", () => client.MyRights("INBOX")),
                ("LISTRIGHTS", () => client.ListRights("INBOX", "bob")),
                ("GETMETADATA", () => client.GetMetadata("INBOX", new[] { "/private/comment" })),
                ("GETMETADATA", () => client.GetMetadata("", new[] { "/private/comment" })),
                ("SETMETADATA", () => client.SetMetadata("INBOX", new Dictionary<string, string?> { ["/private/comment"] = "x" })),
                ("GETANNOTATION", () => client.GetAnnotation("INBOX", "/comment", "value.priv")),
                ("SETANNOTATION", () => client.SetAnnotation("INBOX", "(\"/comment\" (\"value.priv\" \"x\"))")),
                ("MULTIAPPEND", () => client.AppendMany("INBOX", new[] { ((string?)null, (DateTimeOffset?)null, Encoding.ASCII.GetBytes("Subject: x\r\n\r\nx\r\n")) })),
                ("COMPRESS DEFLATE", () => client.EnableCompression()),
            };
            foreach (var (what, call) in refused)
                Assert.Equal(what, Assert.Throws<ImapCapabilityException>(call).Command);

            client.Select("INBOX");
            var selected = new List<(string What, Action Call)>
            {
                ("SORT", () => client.Sort("(DATE)", "UTF-8", "ALL")),
                ("UID SORT", () => client.Uid("SORT", "(DATE)", "UTF-8", "ALL")),
                ("THREAD", () => client.Thread("REFERENCES", "UTF-8", "ALL")),
                ("UID THREAD", () => client.Uid("THREAD", "REFERENCES", "UTF-8", "ALL")),
                ("MOVE", () => client.Move("1", "Archive")),
                ("UID EXPUNGE", () => client.Uid("EXPUNGE", "1")),
                ("UNSELECT", () => client.Unselect()),
                ("IDLE", () => client.Idle(TimeSpan.FromSeconds(1))),
            };
            foreach (var (what, call) in selected)
                Assert.Equal(what, Assert.Throws<ImapCapabilityException>(call).Command);

            Assert.Equal(ImapState.SELECTED, client.State);
            client.Logout();
            await server.WaitForCompletionAsync(Patience);
            server.AssertNoErrors();
        }

        /// <summary>
        /// Fault 5: Courier's SELECT has no <c>OK [UIDNEXT]</c> (RFC 3501 6.3.1 requires it).
        /// <see cref="Imap4Client.EnsureUidNextAsync"/> learns it from STATUS.
        /// </summary>
        [Fact]
        public async Task UidNext_missing_from_SELECT_is_learnt_from_STATUS()
        {
            var tags = new List<string>();
            await using var server = Start(new ServerScript()
                .Send("* PREAUTH [CAPABILITY IMAP4rev1] hi\r\n")
                .ExpectLine(ScriptSteps.Command("SELECT INBOX", tags), "SELECT INBOX")
                .Send("* FLAGS (\\Seen)\r\n* 3 EXISTS\r\n* 0 RECENT\r\n* OK [UIDVALIDITY 9] ok\r\n{tag} OK [READ-WRITE] Ok\r\n")
                .ExpectLine(ScriptSteps.Command("STATUS INBOX (UIDNEXT)", tags), "STATUS INBOX (UIDNEXT)")
                .Send("* STATUS INBOX (UIDNEXT 17)\r\n{tag} OK STATUS completed\r\n")
                .AnswerLogout(tags));
            using var client = new Imap4Client(server.Host, server.Port, Options());
            Assert.Equal("OK", client.Select("INBOX").Type);
            Assert.Equal(0u, client.UidNext);
            Assert.Equal(17u, await client.EnsureUidNextAsync());
            Assert.Equal(17u, client.UidNext);
            // Known now: asking again sends nothing (the script would fail on a second STATUS).
            Assert.Equal(17u, await client.EnsureUidNextAsync());
            client.Logout();
            await server.WaitForCompletionAsync(Patience);
            server.AssertNoErrors();
        }

        /// <summary>Fault 5, fallback: where STATUS of the selected mailbox fails, the last UID + 1.</summary>
        [Fact]
        public async Task UidNext_falls_back_to_the_last_uid_when_STATUS_fails()
        {
            var tags = new List<string>();
            await using var server = Start(new ServerScript()
                .Send("* PREAUTH [CAPABILITY IMAP4rev1] hi\r\n")
                .ExpectLine(ScriptSteps.Command("EXAMINE INBOX", tags), "EXAMINE INBOX")
                .Send("* 3 EXISTS\r\n* OK [UIDVALIDITY 9] ok\r\n{tag} OK [READ-ONLY] Ok\r\n")
                .ExpectLine(ScriptSteps.Command("STATUS INBOX (UIDNEXT)", tags), "STATUS")
                .ReplyTagged("NO STATUS of the selected mailbox is not supported")
                .ExpectLine(ScriptSteps.Command("FETCH * (UID)", tags), "FETCH * (UID)")
                .Send("* 3 FETCH (UID 41)\r\n{tag} OK done\r\n")
                .AnswerLogout(tags));
            using var client = new Imap4Client(server.Host, server.Port, Options());
            client.Examine("INBOX");
            Assert.Equal(42u, await client.EnsureUidNextAsync());
            client.Logout();
            await server.WaitForCompletionAsync(Patience);
            server.AssertNoErrors();
        }

        /// <summary>Fault 2 on exact bytes: a live VANISHED removes one message per UID; VANISHED (EARLIER) none.</summary>
        [Fact]
        public async Task Live_VANISHED_lowers_Exists_by_the_number_of_uids_and_EARLIER_does_not()
        {
            var tags = new List<string>();
            await using var server = Start(new ServerScript()
                .Send("* PREAUTH [CAPABILITY IMAP4rev1 ENABLE QRESYNC CONDSTORE] hi\r\n")
                .ExpectLine(ScriptSteps.Command("ENABLE QRESYNC", tags), "ENABLE QRESYNC")
                .Send("* ENABLED QRESYNC\r\n{tag} OK enabled\r\n")
                .ExpectLine(ScriptSteps.Command("SELECT INBOX", tags), "SELECT INBOX")
                .Send("* 10 EXISTS\r\n* OK [UIDVALIDITY 9] ok\r\n* OK [UIDNEXT 11] n\r\n* OK [HIGHESTMODSEQ 5] m\r\n{tag} OK [READ-WRITE] Ok\r\n")
                .ExpectLine(ScriptSteps.Command("NOOP", tags), "NOOP")
                .Send("* VANISHED 2,4\r\n* VANISHED (EARLIER) 7\r\n* VANISHED 5:7\r\n{tag} OK done\r\n")
                .AnswerLogout(tags));
            using var client = new Imap4Client(server.Host, server.Port, Options());
            client.Enable("QRESYNC");
            client.Select("INBOX");
            Assert.Equal(10u, client.Exists);
            client.Noop();
            Assert.Equal(5u, client.Exists);
            client.Logout();
            await server.WaitForCompletionAsync(Patience);
            server.AssertNoErrors();
        }
    }

    /// <summary>Fault 2 where it shows on a real server: Dovecot sends <c>* VANISHED</c> after ENABLE QRESYNC.</summary>
    [Collection(DovecotFixture.CollectionName)]
    public class DovecotVanishedTests : ClientTestBase
    {
        public DovecotVanishedTests(DovecotFixture fixture) : base(fixture) { }

        [Fact]
        public void Another_sessions_expunge_reported_as_VANISHED_lowers_Exists()
        {
            using var watcher = LoggedIn(out var user);
            for (int i = 1; i <= 10; i++)
                watcher.Append("INBOX", null, null, Encoding.ASCII.GetBytes("Subject: m" + i + "\r\n\r\nbody " + i + "\r\n"));
            Assert.Equal("OK", watcher.Enable("QRESYNC").Type);
            watcher.Select("INBOX");
            Assert.Equal(10u, watcher.Exists);

            using (var other = Plain())
            {
                other.Login(user.Name, user.Password);
                other.Select("INBOX");
                other.Uid("STORE", "2,4", "+FLAGS.SILENT", "(\\Deleted)");
                Assert.Equal("OK", other.Expunge().Type);
                other.Logout();
            }

            var noop = watcher.Noop();
            Assert.Equal("OK", noop.Type);
            Assert.Equal(8u, watcher.Exists);
            var left = watcher.Uid("SEARCH", "ALL").FirstText.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(8, left.Length);
            watcher.Logout();
        }
    }
}
