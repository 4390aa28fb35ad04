using System;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Tasks;
using ImapPS.Client.Tests.Support;
using ImapPS.Client.Transport;
using Xunit.Abstractions;

namespace ImapPS.Client.Tests.Reliability
{
    /// <summary>
    /// Certificates are validated by default with host-name checks; TLS 1.2 is the minimum; STARTTLS never falls back
    /// to plain text; LOGINDISABLED is honoured; capabilities seen before STARTTLS are forgotten after it.
    /// </summary>
    public class TlsSecurityTests
    {
        private const string Password = "S3cr3t-Pa55";
        private readonly ITestOutputHelper _output;

        public TlsSecurityTests(ITestOutputHelper output) => _output = output;

        private static ServerScript GreetThenLogout()
            => new ServerScript().Send("* OK [CAPABILITY IMAP4rev1] TLS server\r\n")
                .ExpectCommand("LOGOUT").Send("* BYE bye\r\n{tag} OK done\r\n");

        private static async Task<Exception?> ConnectTls(X509Certificate2 certificate, string host, Action<TlsOptions>? trust, bool expectSession)
        {
            var script = expectSession ? GreetThenLogout() : new ServerScript().Stall();
            await using var server = ScriptedImapServer.Start(new ScriptedServerOptions { Certificate = certificate }, script);
            var options = ReliabilityKit.FastOptions();
            // These tests are about the certificate decision, not timeouts: a TLS handshake on a loaded
            // machine can take longer than the fault tests' 2 s, which failed a trusted connect as a timeout.
            options.ConnectTimeout = TimeSpan.FromSeconds(15);
            trust?.Invoke(options.Tls);
            try
            {
                using var client = await ReliabilityKit.Within(Imap4SslClient.ConnectAsync(host, server.Port, options), TimeSpan.FromSeconds(20), "TLS connect");
                Assert.True(client.IsEncrypted);
                Assert.Equal(ImapState.NONAUTH, client.State);
                await client.LogoutAsync();
                return null;
            }
            catch (Exception e) when (!(e is TimeoutException))
            {
                return e;
            }
        }

        [Fact]
        public async Task A_self_signed_certificate_is_refused_by_default()
        {
            var error = await ConnectTls(TestCertificates.Localhost, "localhost", null, expectSession: false);
            var security = Assert.IsType<ImapSecurityException>(error);
            Assert.Contains("not trusted", security.Message);
        }

        [Fact]
        public async Task A_self_signed_certificate_is_accepted_when_trusted_explicitly_as_an_extra_CA()
        {
            var certificate = TestCertificates.Localhost;
            Assert.Null(await ConnectTls(certificate, "localhost", tls => tls.ExtraCaCertificates.Add(certificate), expectSession: true));
        }

        [Fact]
        public async Task A_validation_callback_decides_and_sees_the_host_and_the_platform_verdict()
        {
            var certificate = TestCertificates.Localhost;
            string? seenHost = null;
            SslPolicyErrors seenErrors = SslPolicyErrors.None;
            Assert.Null(await ConnectTls(certificate, "localhost", tls => tls.Validator = (cert, chain, host, errors) =>
            {
                seenHost = host;
                seenErrors = errors;
                return cert.Thumbprint == certificate.Thumbprint;
            }, expectSession: true));
            Assert.Equal("localhost", seenHost);
            Assert.True(seenErrors.HasFlag(SslPolicyErrors.RemoteCertificateChainErrors));

            var refused = await ConnectTls(certificate, "localhost", tls => tls.Validator = (cert, chain, host, errors) => false, expectSession: false);
            Assert.Contains("callback rejected", Assert.IsType<ImapSecurityException>(refused).Message);
        }

        [Fact]
        public async Task A_certificate_for_another_host_is_refused_even_when_its_CA_is_trusted()
        {
            var other = TestCertificates.CreateSelfSigned("imap.example.org");
            var error = await ConnectTls(other, "localhost", tls => tls.ExtraCaCertificates.Add(other), expectSession: false);
            var security = Assert.IsType<ImapSecurityException>(error);
            Assert.Contains("does not match the host name 'localhost'", security.Message);
        }

        [Fact]
        public void TLS_1_2_is_the_default_minimum()
        {
            var tls = new TlsOptions();
            Assert.Equal(TlsLevel.Secure, tls.Level);
            Assert.Equal(SslProtocols.Tls12 | SslProtocols.Tls13, tls.Protocols);
            Assert.Equal(TlsLevel.Secure, new ImapClientOptions().Tls.Level);
        }

        [Fact]
        public async Task A_server_limited_to_TLS_1_1_is_refused_by_default()
        {
            // A raw TLS server that only speaks TLS 1.1. Whether this machine's OpenSSL can speak 1.1 at all is
            // reported (Debian 12 sets MinProtocol = TLSv1.2); either way the default client must not connect.
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            int port = ((IPEndPoint)listener.LocalEndpoint).Port;
            var serverSide = Task.Run(async () =>
            {
                using var socket = await listener.AcceptSocketAsync();
                using var ssl = new SslStream(new NetworkStream(socket, ownsSocket: false));
#pragma warning disable SYSLIB0039 // TLS 1.1 on purpose: the server under test is an obsolete one
                var serverOptions = new SslServerAuthenticationOptions { ServerCertificate = TestCertificates.Localhost, EnabledSslProtocols = SslProtocols.Tls11 };
#pragma warning restore SYSLIB0039
                try
                {
                    await ssl.AuthenticateAsServerAsync(serverOptions).WaitAsync(TimeSpan.FromSeconds(5));
                    return "server negotiated " + ssl.SslProtocol;
                }
                catch (Exception e)
                {
                    return "server handshake failed: " + e.GetBaseException().Message;
                }
            });
            var options = ReliabilityKit.SteadyOptions();
            options.Tls.ExtraCaCertificates.Add(TestCertificates.Localhost);
            var error = await Assert.ThrowsAnyAsync<ImapException>(() => Imap4SslClient.ConnectAsync("localhost", port, options));
            _output.WriteLine(error.GetType().Name + ": " + error.Message + " / " + await serverSide.WaitAsync(TimeSpan.FromSeconds(10)));
            Assert.IsType<ImapSecurityException>(error);
        }

        [Fact]
        public async Task StartTls_refuses_when_the_server_does_not_offer_it_and_nothing_is_sent()
        {
            await using var server = ScriptedImapServer.Start(new ServerScript()
                .Send("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] no TLS here\r\n")
                .ExpectCommand("LOGOUT").Send("* BYE\r\n{tag} OK done\r\n"));
            using (var client = await Imap4Client.ConnectAsync(server.Host, server.Port, ReliabilityKit.SteadyOptions()))
            {
                var error = await Assert.ThrowsAsync<ImapSecurityException>(() => client.StartTlsAsync());
                Assert.Contains("does not offer STARTTLS", error.Message);
                Assert.False(client.IsEncrypted);
            }
            await server.WaitForCompletionAsync();
            var received = server.ReceivedText;
            Assert.DoesNotContain("STARTTLS", received);
            Assert.DoesNotContain("LOGIN", received);
            Assert.DoesNotContain("AUTHENTICATE", received);
            Assert.EndsWith(" LOGOUT\r\n", received);
        }

        [Fact]
        public async Task StartTls_refused_by_the_server_is_a_security_error()
        {
            await using var server = ScriptedImapServer.Start(new ServerScript()
                .Send("* OK [CAPABILITY IMAP4rev1 STARTTLS] hi\r\n")
                .ExpectCommand("STARTTLS").ReplyTagged("NO not today")
                .ExpectCommand("LOGOUT").Send("* BYE\r\n{tag} OK done\r\n"));
            using (var client = await Imap4Client.ConnectAsync(server.Host, server.Port, ReliabilityKit.SteadyOptions()))
            {
                var error = await Assert.ThrowsAsync<ImapSecurityException>(() => client.StartTlsAsync());
                Assert.Contains("refused", error.Message);
            }
            await server.WaitForCompletionAsync();
            Assert.DoesNotContain(Password, server.ReceivedText);
        }

        [Fact]
        public async Task Login_refuses_without_sending_when_the_server_says_LOGINDISABLED()
        {
            await using var server = ScriptedImapServer.Start(new ServerScript()
                .Send("* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] hi\r\n")
                .ExpectCommand("LOGOUT").Send("* BYE\r\n{tag} OK done\r\n"));
            using (var client = await Imap4Client.ConnectAsync(server.Host, server.Port, ReliabilityKit.SteadyOptions()))
            {
                var error = await Assert.ThrowsAsync<ImapSecurityException>(() => client.LoginAsync("user", Password));
                Assert.DoesNotContain(Password, error.ToString());
                Assert.Equal(ImapState.NONAUTH, client.State);
            }
            await server.WaitForCompletionAsync();
            Assert.DoesNotContain(Password, server.ReceivedText);
            Assert.DoesNotContain("LOGIN ", server.ReceivedText);
        }

        [Fact]
        public async Task Capabilities_seen_before_STARTTLS_are_discarded_after_it()
        {
            var certificate = TestCertificates.Localhost;
            await using var server = ScriptedImapServer.Start(new ScriptedServerOptions { Certificate = certificate, ImplicitTls = false }, new ServerScript()
                .Send("* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED XFAKEBEFORE] plain text\r\n")
                .ExpectCommand("STARTTLS").ReplyTagged("OK [CAPABILITY IMAP4rev1 XINJECTED] Begin TLS")
                .StartTls()
                .ExpectCommand("CAPABILITY").Send("* CAPABILITY IMAP4rev1 AUTH=PLAIN XFAKEAFTER\r\n{tag} OK done\r\n")
                .ExpectCommand("LOGIN").ReplyTagged("OK logged in")
                .ExpectCommand("CAPABILITY").Send("* CAPABILITY IMAP4rev1 XFAKEAFTER\r\n{tag} OK done\r\n")
                .ExpectCommand("LOGOUT").Send("* BYE\r\n{tag} OK done\r\n"));
            var options = ReliabilityKit.SteadyOptions();
            options.Tls.ExtraCaCertificates.Add(certificate);
            using (var client = await Imap4Client.ConnectAsync("localhost", server.Port, options))
            {
                Assert.Contains("XFAKEBEFORE", client.Capabilities);
                await client.StartTlsAsync();
                Assert.True(client.IsEncrypted);
                Assert.Contains("XFAKEAFTER", client.Capabilities);
                Assert.DoesNotContain("XFAKEBEFORE", client.Capabilities);
                Assert.DoesNotContain("XINJECTED", client.Capabilities);
                Assert.DoesNotContain("LOGINDISABLED", client.Capabilities);
                Assert.DoesNotContain("STARTTLS", client.Capabilities);
                await client.LoginAsync("user", Password);
                await client.LogoutAsync();
            }
            await server.WaitForCompletionAsync();
        }

        [Fact]
        public async Task Plain_text_injected_after_the_STARTTLS_reply_aborts_the_connection()
        {
            // CVE-2011-0411 style: a man in the middle appends plain-text responses to the server's OK.
            var certificate = TestCertificates.Localhost;
            await using var server = ScriptedImapServer.Start(new ScriptedServerOptions { Certificate = certificate, ImplicitTls = false, StepTimeout = TimeSpan.FromSeconds(3) }, new ServerScript()
                .Send("* OK [CAPABILITY IMAP4rev1 STARTTLS] plain text\r\n")
                .ExpectCommand("STARTTLS").Send("{tag} OK Begin TLS\r\n* CAPABILITY IMAP4rev1 XEVIL\r\n")
                .Stall());
            var options = ReliabilityKit.FastOptions();
            options.Tls.ExtraCaCertificates.Add(certificate);
            using var client = await Imap4Client.ConnectAsync("localhost", server.Port, options);
            var error = await Assert.ThrowsAnyAsync<ImapAbortException>(() => ReliabilityKit.Within(client.StartTlsAsync(), TimeSpan.FromSeconds(10), "STARTTLS"));
            _output.WriteLine(error.GetType().Name + ": " + error.Message);
            Assert.False(client.IsEncrypted);
            Assert.DoesNotContain("XEVIL", client.Capabilities);
        }
    }
}
