using System;
using System.Linq;
using System.Text;
using ImapPS.Client.Tests.Fixture;

namespace ImapPS.Client.Tests.Engine
{
    [Collection(DovecotFixture.CollectionName)]
    public class EngineSmokeTests : ClientTestBase
    {
        public EngineSmokeTests(DovecotFixture fixture) : base(fixture) { }

        [Fact]
        public void Plain_connect_capability_login_logout()
        {
            using var client = Plain();
            Assert.Equal(ImapState.NONAUTH, client.State);
            Assert.Equal(ImapPS.Client.Protocol.ResponseStatus.Ok, client.Greeting!.Status);
            Assert.Contains("IMAP4REV1", client.Capabilities);
            Assert.Contains("STARTTLS", client.Capabilities);
            var alice = Server.Alice;
            var login = client.Login(alice.Name, alice.Password);
            Assert.Equal("OK", login.Type);
            Assert.Equal(ImapState.AUTH, client.State);
            Assert.Contains("QUOTA", client.Capabilities);
            var bye = client.Logout();
            Assert.Equal("BYE", bye.Type);
            Assert.Equal(ImapState.LOGOUT, client.State);
        }

        [Fact]
        public void Implicit_tls_trusting_the_fixture_certificate()
        {
            using var client = Tls();
            Assert.True(client.IsEncrypted);
            client.Login(Server.Alice.Name, Server.Alice.Password);
            Assert.Equal(ImapState.AUTH, client.State);
            client.Logout();
        }

        [Fact]
        public void Implicit_tls_without_trust_fails_with_a_security_error()
        {
            var options = new ImapClientOptions { DebugWriter = System.IO.TextWriter.Null };
            var error = Assert.Throws<ImapSecurityException>(() => new Imap4SslClient("localhost", Server.ImapsPort, options));
            Assert.Contains("not trusted", error.Message);
        }

        [Fact]
        public void Stream_preauth()
        {
            using var client = Stream(Server.Alice.Name);
            Assert.Equal(ImapState.AUTH, client.State);
            Assert.Equal(ImapPS.Client.Protocol.ResponseStatus.PreAuth, client.Greeting!.Status);
            var (type, data) = client.Select("INBOX");
            Assert.Equal("OK", type);
            client.Logout();
        }

        [Fact]
        public void Starttls_upgrades_and_rereads_capabilities()
        {
            using var client = new Imap4Client("localhost", Server.ImapPort, Options());
            client.StartTls();
            Assert.True(client.IsEncrypted);
            Assert.DoesNotContain("STARTTLS", client.Capabilities);
            client.Login(Server.Alice.Name, Server.Alice.Password);
            client.Logout();
        }

        [Fact]
        public void Append_select_search_fetch_store()
        {
            using var client = LoggedIn(out _);
            var msg = Encoding.ASCII.GetBytes("From: a@example.com\nSubject: hello invoice\n\nbody\n");
            Assert.Equal("OK", client.Append("INBOX", @"(\Seen)", DateTimeOffset.Now, msg).Type);
            Assert.Equal("1", client.Select().FirstText);
            Assert.Equal("1", client.Search(null, "SUBJECT", "invoice").FirstText);
            var fetch = client.Fetch("1", "(UID FLAGS BODY.PEEK[])");
            Assert.Equal("OK", fetch.Type);
            var pair = fetch.Data.First(d => d!.IsPair)!;
            Assert.StartsWith("1 (UID 1 FLAGS (\\Seen", pair.Text);
            Assert.EndsWith("BODY[] {" + pair.Literal!.Length + "}", pair.Text);
            Assert.Equal(Imap4Client.NormaliseLineEnds(msg), pair.Literal);
            var store = client.Store("1", "+FLAGS", @"(\Flagged)");
            Assert.Contains("\\Flagged", store.FirstText);
            client.Logout();
        }

        [Fact]
        public void Compression_round_trip()
        {
            using var client = LoggedIn(out _);
            client.EnableCompression();
            Assert.True(client.IsCompressed);
            client.Create("Compressed");
            var list = client.List();
            Assert.Contains(list.Data, d => d!.Text.EndsWith("Compressed"));
            client.Logout();
        }
    }
}
