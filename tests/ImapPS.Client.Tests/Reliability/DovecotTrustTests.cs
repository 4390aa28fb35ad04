using System;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using ImapPS.Client.Protocol;
using ImapPS.Client.Tests.Engine;
using ImapPS.Client.Tests.Fixture;

namespace ImapPS.Client.Tests.Reliability
{
    /// <summary>Issue 11 on a real server: what TLS-required sessions still do, names Dovecot would echo, raw SELECT.</summary>
    [Collection(DovecotFixture.CollectionName)]
    public class DovecotTrustTests : ClientTestBase
    {
        public DovecotTrustTests(DovecotFixture fixture) : base(fixture) { }

        private ImapClientOptions RequiringTls()
        {
            var options = Options();
            options.RequireTls = true;
            return options;
        }

        [Fact]
        public async Task Requiring_tls_still_allows_starttls_then_login_and_preauth_over_the_stream_transport()
        {
            var user = Fixture.CreateUser("tls");
            using (var client = new Imap4Client("localhost", Server.ImapPort, RequiringTls()))
            {
                Assert.Contains("require TLS", Assert.Throws<ImapSecurityException>(() => client.Login(user.Name, user.Password)).Message);
                // Issued back to back: the LOGIN queued behind STARTTLS is checked when it is sent, over TLS.
                var tls = client.StartTlsAsync();
                var login = client.LoginAsync(user.Name, user.Password);
                Assert.True((await tls.WaitAsync(Patience)).IsOk);
                Assert.True((await login.WaitAsync(Patience)).IsOk);
                Assert.True(client.IsEncrypted);
                Assert.Equal(ImapState.AUTH, client.State);
                client.Logout();
            }
            using (var stream = Stream(user.Name, RequiringTls()))
            {
                Assert.Equal(ImapState.AUTH, stream.State);
                Assert.True(stream.Select().IsOk);
                stream.Logout();
            }
        }

        [Fact]
        public void A_rename_of_a_name_dovecot_would_echo_with_cr_lf_is_refused_and_the_session_goes_on()
        {
            using var client = LoggedIn(out _);
            client.Create("keep");
            Assert.Throws<InvalidMailboxNameException>(() => client.Rename("x\r\nZZ1 LOGOUT", "y"));
            Assert.Throws<InvalidMailboxNameException>(() => client.Rename("keep", "y\r\nZZ2 DELETE keep"));
            Assert.Throws<InvalidMailboxNameException>(() => client.Select("x\nZZ3 NOOP"));
            Assert.Null(client.AbortError);
            Assert.Equal("OK", client.Noop().Type);
            Assert.Equal("OK", client.Status("keep", "(MESSAGES)").Type);
            Assert.Equal("OK", client.Rename("keep", "kept").Type);
            Assert.Contains(client.List("", "*").Data, d => d!.Text.EndsWith(" kept", StringComparison.Ordinal));
            client.Logout();
        }

        [Fact]
        public async Task A_raw_select_cannot_make_the_client_expunge_in_the_wrong_mailbox()
        {
            using var client = LoggedIn(out _);
            client.Create("dst2");
            foreach (var mailbox in new[] { "INBOX", "dst2" })
                for (int i = 1; i <= 3; i++)
                    client.Append(mailbox, null, null, Encoding.ASCII.GetBytes("Subject: " + mailbox + " " + i + "\r\n\r\nbody\r\n"));
            client.Select("dst2");
            await Assert.ThrowsAsync<ArgumentException>(() => client.ExecuteAsync("SELECT INBOX", Array.Empty<ImapArgument>()));
            await Assert.ThrowsAsync<ArgumentException>(() => client.ExecuteAsync("select", new ImapArgument[] { "INBOX" }));
            Assert.Throws<ArgumentException>(() => client.Xatom("EXAMINE", "INBOX"));
            Assert.Equal("dst2", client.SelectedMailbox);
            // What the client believes is what the server has selected: UID 3 goes from dst2, not INBOX.
            Assert.True(client.Uid("STORE", "3", "+FLAGS", @"(\Deleted)").IsOk);
            Assert.True(client.Uid("EXPUNGE", "3").IsOk);
            Assert.Equal("2", client.Select("dst2").FirstText);
            Assert.Equal("3", client.Select("INBOX").FirstText);
            Assert.Equal("1 2 3", client.Uid("SEARCH", "ALL").FirstText);
            client.Logout();
        }
    }
}
