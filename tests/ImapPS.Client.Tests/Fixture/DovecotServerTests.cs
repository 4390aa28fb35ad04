using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text.RegularExpressions;
using ImapPS.Testing;

using ImapPS.Client.Tests.Support;

namespace ImapPS.Client.Tests.Fixture
{
    /// <summary>
    /// Checks the private Dovecot test server with raw sockets, independently of the engine, so an
    /// engine test failure can be trusted to be about the engine.
    /// </summary>
    [Collection(DovecotFixture.CollectionName)]
    public sealed class DovecotServerTests
    {
        private readonly DovecotFixture fixture;

        public DovecotServerTests(DovecotFixture fixture) => this.fixture = fixture;

        private DovecotServer Server => fixture.Server;

        [Fact]
        public void PlainPort_GreetsLogsInAliceWithEscapedPasswordAndOffersExtensions()
        {
            Assert.Contains('"', DovecotServer.AlicePassword);
            Assert.Contains('\\', DovecotServer.AlicePassword);
            Assert.Contains(' ', DovecotServer.AlicePassword);

            using (RawImapConnection imap = RawImapConnection.ConnectPlain(Server))
            {
                Assert.StartsWith("* OK", imap.ReadResponse());

                string before = CapabilityLine(imap.Command("CAPABILITY"));
                Assert.Contains(" IMAP4rev1", before);
                Assert.Contains(" STARTTLS", before);

                List<string> login = imap.Command("LOGIN alice " + RawImapConnection.Quote(Server.Alice.Password));
                Assert.Equal("OK", RawImapConnection.Status(login));

                string after = CapabilityLine(imap.Command("CAPABILITY"));
                foreach (string extension in new[] { "QUOTA", "ACL", "COMPRESS=DEFLATE", "METADATA", "IDLE", "UIDPLUS", "MOVE" })
                {
                    Assert.Contains(" " + extension, after + " ");
                }

                List<string> logout = imap.Command("LOGOUT");
                Assert.Contains(logout, r => r.StartsWith("* BYE", StringComparison.Ordinal));
                Assert.Equal("OK", RawImapConnection.Status(logout));
            }
        }

        [Fact]
        public void PlainPort_RejectsWrongPasswordAndAcceptsBob()
        {
            using (RawImapConnection imap = RawImapConnection.ConnectPlain(Server))
            {
                imap.ReadResponse();
                List<string> wrong = imap.Command("LOGIN bob " + RawImapConnection.Quote("not-" + Server.Bob.Password));
                Assert.Equal("NO", RawImapConnection.Status(wrong));
                Assert.Contains("[AUTHENTICATIONFAILED]", wrong.Last());

                Assert.Equal("OK", RawImapConnection.Status(imap.Command("LOGIN bob " + Server.Bob.Password)));
            }
        }

        [Fact]
        public void ImplicitTls_AcceptsExactlyTheFixtureCertificate()
        {
            var observed = new List<SslPolicyErrors>();
            using (RawImapConnection imap = RawImapConnection.ConnectTls(Server, RawImapConnection.PinnedTo(Server.CertificateThumbprint, observed)))
            {
                Assert.StartsWith("* OK", imap.ReadResponse());
                Assert.Equal("OK", RawImapConnection.Status(imap.Command("LOGIN alice " + RawImapConnection.Quote(Server.Alice.Password))));
                string capabilities = CapabilityLine(imap.Command("CAPABILITY"));
                Assert.Contains(" QUOTA", capabilities);
                Assert.Equal("OK", RawImapConnection.Status(imap.Command("LOGOUT")));
            }

            // Self-signed, so the chain is untrusted, but the name matches: the SAN is right.
            SslPolicyErrors errors = Assert.Single(observed);
            Assert.Equal(SslPolicyErrors.None, errors & SslPolicyErrors.RemoteCertificateNameMismatch);
        }

        [Fact]
        public void ImplicitTls_CertificateCoversTheLoopbackAddress()
        {
            var observed = new List<SslPolicyErrors>();
            using (RawImapConnection imap = RawImapConnection.ConnectTls(Server, RawImapConnection.PinnedTo(Server.CertificateThumbprint, observed), targetHost: "127.0.0.1"))
            {
                Assert.StartsWith("* OK", imap.ReadResponse());
            }

            Assert.Equal(SslPolicyErrors.None, Assert.Single(observed) & SslPolicyErrors.RemoteCertificateNameMismatch);
        }

        [Fact]
        public void ImplicitTls_RefusesAnyOtherCertificate()
        {
            string otherThumbprint = new string('0', 40);
            Assert.Throws<AuthenticationException>(() =>
                RawImapConnection.ConnectTls(Server, RawImapConnection.PinnedTo(otherThumbprint)).Dispose());
        }

        [Fact]
        public void StartTls_UpgradesThePlainPort()
        {
            using (RawImapConnection imap = RawImapConnection.ConnectPlain(Server))
            {
                imap.ReadResponse();
                Assert.Equal("OK", RawImapConnection.Status(imap.StartTls(RawImapConnection.PinnedTo(Server.CertificateThumbprint))));
                Assert.Equal("OK", RawImapConnection.Status(imap.Command("LOGIN alice " + RawImapConnection.Quote(Server.Alice.Password))));
                Assert.Equal("OK", RawImapConnection.Status(imap.Command("NOOP")));
            }
        }

        [Fact]
        public void StreamCommand_AnswersPreauth()
        {
            CommandLine command = Server.StreamCommand("bob");
            Assert.Equal(new[] { "-c", Server.ConfigPath, "-u", "bob" }, command.Arguments);

            using (RawImapConnection imap = RawImapConnection.StartProcess(command))
            {
                string greeting = imap.ReadResponse();
                Assert.StartsWith("* PREAUTH", greeting);
                Assert.Contains("bob", greeting);
                Assert.Equal("OK", RawImapConnection.Status(imap.Command("SELECT INBOX")));
                Assert.Equal("OK", RawImapConnection.Status(imap.Command("LOGOUT")));
            }
        }

        [Fact]
        public void SeedMaildir_FiftyMessages_AreSelectableInOrderWithFlagsAndDates()
        {
            TestUser user = fixture.CreateUser("seed");
            List<SeedMessage> messages = new MessageGenerator(seed: 50).Generate(MessageProfile.Mixed, 50).ToList();

            Assert.Equal(50, Server.SeedMaildir(user.Name, "INBOX", messages));

            using (RawImapConnection imap = LoginAs(user))
            {
                List<string> select = imap.Command("SELECT INBOX");
                Assert.Equal("OK", RawImapConnection.Status(select));
                Assert.Contains("* 50 EXISTS", select);

                List<string> fetch = imap.Command("FETCH 1:* (UID FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])");
                Assert.Equal("OK", RawImapConnection.Status(fetch));
                List<string> items = fetch.Where(r => r.StartsWith("* ", StringComparison.Ordinal) && r.Contains(" FETCH ")).ToList();
                Assert.Equal(50, items.Count);
                for (int i = 0; i < 50; i++)
                {
                    string item = items[i];
                    SeedMessage expected = messages[i];
                    Assert.StartsWith($"* {i + 1} FETCH", item);
                    Assert.Contains(expected.MessageId!, item);
                    Assert.Contains($"RFC822.SIZE {expected.Size}", item);
                    Assert.Equal(expected.HasFlag("\\Seen"), item.Contains("\\Seen"));
                    Assert.Equal(expected.HasFlag("\\Flagged"), item.Contains("\\Flagged"));
                    DateTimeOffset internalDate = DateTimeOffset.ParseExact(
                        Regex.Match(item, "INTERNALDATE \"([^\"]+)\"").Groups[1].Value,
                        "d-MMM-yyyy HH:mm:ss zzz",
                        CultureInfo.InvariantCulture);
                    Assert.Equal(expected.InternalDate.ToUnixTimeSeconds(), internalDate.ToUnixTimeSeconds());
                }
            }
        }

        [Fact]
        public void SeedMaildir_CreatesOtherMailboxesIncludingNonAsciiNames()
        {
            TestUser user = fixture.CreateUser("boxes");
            var generator = new MessageGenerator(seed: 7);
            Server.SeedMaildir(user.Name, "Projects/Q1", generator.Generate(MessageProfile.Small, 3));
            Server.SeedMaildir(user.Name, "Entwürfe", generator.Generate(MessageProfile.Small, 2));

            using (RawImapConnection imap = LoginAs(user))
            {
                List<string> list = imap.Command("LIST \"\" \"*\"").Select(r => r.Replace("\"", string.Empty)).ToList();
                Assert.Contains(list, r => r.EndsWith(" / Projects/Q1", StringComparison.Ordinal));
                Assert.Contains(list, r => r.EndsWith(" / Entw&APw-rfe", StringComparison.Ordinal));
                Assert.Contains("* STATUS Projects/Q1 (MESSAGES 3)", imap.Command("STATUS Projects/Q1 (MESSAGES)").Select(r => r.Replace("\"", string.Empty)));
                Assert.Contains("* STATUS Entw&APw-rfe (MESSAGES 2)", imap.Command("STATUS Entw&APw-rfe (MESSAGES)").Select(r => r.Replace("\"", string.Empty)));
            }
        }

        [Fact]
        public void SeedMaildir_RejectsKeywordsItCannotStore()
        {
            TestUser user = fixture.CreateUser("kw");
            var message = new SeedMessage(new byte[] { (byte)'a' }, new[] { "$Important" });
            Assert.Throws<ArgumentException>(() => Server.SeedMaildir(user.Name, "INBOX", new[] { message }));
        }

        [CorpusFact]
        public void SeedMaildir_RealWorldMessagesWithBareLineFeeds_GetConsistentSizes()
        {
            // The ruby-mail fixtures mix LF and CRLF files: the W= size SeedMaildir writes into each
            // maildir name must equal the CRLF size Dovecot then serves, or Dovecot reports a
            // broken size and the client sees a literal that does not match RFC822.SIZE.
            string folder = Path.Combine(SharedCorpus.CorpusDir!, "messages", "ruby-mail");
            List<string> files = Directory.GetFiles(folder, "*.eml", SearchOption.AllDirectories).OrderBy(f => f, StringComparer.Ordinal).ToList();
            Assert.NotEmpty(files);
            Assert.Contains(files, f => HasBareLineFeed(File.ReadAllBytes(f)));

            TestUser user = fixture.CreateUser("corpus");
            DateTimeOffset date = new DateTimeOffset(2020, 5, 1, 12, 0, 0, TimeSpan.Zero);
            Server.SeedMaildir(user.Name, "INBOX", files.Select(f => new SeedMessage(File.ReadAllBytes(f), internalDate: date)));
            List<string> expectedSizes = files.Select(f => File.ReadAllBytes(f)).Select(b => (b.Length + b.Where((c, i) => c == (byte)'\n' && (i == 0 || b[i - 1] != (byte)'\r')).Count()).ToString(CultureInfo.InvariantCulture)).ToList();

            using (RawImapConnection imap = LoginAs(user))
            {
                Assert.Contains($"* {files.Count} EXISTS", imap.Command("SELECT INBOX"));
                List<string> fetch = imap.Command("FETCH 1:* (RFC822.SIZE BODY.PEEK[])");
                Assert.Equal("OK", RawImapConnection.Status(fetch));
                List<string> items = fetch.Where(r => r.StartsWith("* ", StringComparison.Ordinal) && r.Contains(" FETCH ")).ToList();
                Assert.Equal(files.Count, items.Count);
                for (int i = 0; i < items.Count; i++)
                {
                    string size = Regex.Match(items[i], @"RFC822\.SIZE (\d+)").Groups[1].Value;
                    string literal = Regex.Match(items[i], @"BODY\[\] \{(\d+)\}").Groups[1].Value;
                    Assert.True(expectedSizes[i] == size && size == literal, $"{files[i]}: expected {expectedSizes[i]}, RFC822.SIZE {size}, BODY[] {literal}");
                }
            }

            string[] complaints = File.ReadAllLines(Server.LogPath).Where(l => l.Contains("(" + user.Name + ")") && l.Contains("Error")).ToArray();
            Assert.True(complaints.Length == 0, string.Join(Environment.NewLine, complaints));
        }

        [Fact]
        public void AddUser_CanLogInAtOnceToAnEmptyMailbox()
        {
            TestUser user = Server.AddUser("fresh" + Guid.NewGuid().ToString("N").Substring(0, 8), "new \"pass\" \\ word");
            Assert.Contains(Server.Users, u => u.Name == user.Name);

            using (RawImapConnection imap = LoginAs(user))
            {
                List<string> select = imap.Command("SELECT INBOX");
                Assert.Contains("* 0 EXISTS", select);
            }

            Assert.Throws<ArgumentException>(() => Server.AddUser(user.Name, "again"));
            Assert.Throws<ArgumentException>(() => Server.AddUser("bad/name", "x"));
            Assert.Throws<ArgumentException>(() => Server.AddUser("colon", "a:b"));
        }

        [Fact]
        public void Doveadm_ReturnsOutputAndThrowsWithStderrOnFailure()
        {
            string status = Server.Doveadm("mailbox", "status", "-u", "alice", "messages", "INBOX");
            Assert.Contains("messages=", status);

            DovecotException error = Assert.Throws<DovecotException>(() => Server.Doveadm("mailbox", "status", "-u", "alice", "messages", "NoSuchMailbox"));
            Assert.Contains("NoSuchMailbox", error.Message);
        }

        [Fact]
        public void AServerWithoutQuota_StopsCleanlyAndReleasesItsPortAndFolder()
        {
            DovecotServer server = DovecotServer.Start(DovecotOptions.ForBenchmarks());
            string root = server.RootDirectory;
            int port = server.ImapPort;
            try
            {
                Assert.NotEqual(Server.ImapPort, port);
                using (RawImapConnection imap = RawImapConnection.ConnectPlain(server))
                {
                    imap.ReadResponse();
                    imap.Command("LOGIN bob " + server.Bob.Password);
                    string capabilities = CapabilityLine(imap.Command("CAPABILITY"));
                    Assert.DoesNotContain(" QUOTA", capabilities);
                    Assert.Contains(" ACL", capabilities);
                }
            }
            finally
            {
                server.Stop();
            }

            Assert.False(server.IsRunning);
            Assert.False(Directory.Exists(root));
            using (var client = new TcpClient())
            {
                Assert.ThrowsAny<Exception>(() => client.ConnectAsync(server.Host, port).Wait(TimeSpan.FromSeconds(5)));
            }

            server.Stop();
        }

        [Fact]
        public void Start_FailsWithDovecotsOwnErrorWhenTheConfigurationIsBad()
        {
            var options = new DovecotOptions { ExtraConfiguration = "imapps_no_such_setting = 1" };
            DovecotException error = Assert.Throws<DovecotException>(() => DovecotServer.Start(options));
            Assert.Contains("Dovecot did not start", error.Message);
            Assert.Contains("imapps_no_such_setting", error.Message);
            string config = Regex.Match(error.Message, @"config (\S+dovecot\.conf)").Groups[1].Value;
            Assert.False(string.IsNullOrEmpty(config), error.Message);
            Assert.False(Directory.Exists(Path.GetDirectoryName(config)), "a failed start must remove its folder");
        }

        [Fact]
        public void TheLogShowsNoErrors()
        {
            // Runs after or alongside the other tests of the collection; an error line means the
            // generated configuration is wrong somewhere (permissions, plugins, sockets).
            string[] problems = File.ReadAllLines(Server.LogPath)
                .Where(l => l.Contains(": Error:") || l.Contains(": Fatal:") || l.Contains(": Panic:"))
                .Where(l => !l.Contains("NoSuchMailbox"))
                .ToArray();
            Assert.True(problems.Length == 0, string.Join(Environment.NewLine, problems));
        }

        private static bool HasBareLineFeed(byte[] bytes)
        {
            for (int i = 0; i < bytes.Length; i++)
            {
                if (bytes[i] == (byte)'\n' && (i == 0 || bytes[i - 1] != (byte)'\r'))
                {
                    return true;
                }
            }

            return false;
        }

        private RawImapConnection LoginAs(TestUser user)
        {
            RawImapConnection imap = RawImapConnection.ConnectPlain(Server);
            imap.ReadResponse();
            List<string> login = imap.Command("LOGIN " + user.Name + " " + RawImapConnection.Quote(user.Password));
            Assert.Equal("OK", RawImapConnection.Status(login));
            return imap;
        }

        private static string CapabilityLine(List<string> responses)
        {
            Assert.Equal("OK", RawImapConnection.Status(responses));
            return Assert.Single(responses, r => r.StartsWith("* CAPABILITY ", StringComparison.Ordinal));
        }
    }
}
