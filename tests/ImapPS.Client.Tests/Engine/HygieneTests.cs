using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Tasks;
using ImapPS.Client.Tests.Fixture;

namespace ImapPS.Client.Tests.Engine
{
    /// <summary>A collection that runs alone (no other test opens sockets meanwhile), on its own Dovecot.</summary>
    [CollectionDefinition(Name, DisableParallelization = true)]
    public sealed class IsolatedDovecotCollection : ICollectionFixture<DovecotFixture>
    {
        public const string Name = "Dovecot, isolated";
    }

    /// <summary>Secrets in debug output, the ring buffer, and what a session leaves behind.</summary>
    [Collection(IsolatedDovecotCollection.Name)]
    public class HygieneTests : ClientTestBase
    {
        public HygieneTests(DovecotFixture fixture) : base(fixture) { }

        private const string Identifier = "ImapPSHygiene";

        [Fact]
        public void Passwords_and_authenticate_payloads_never_reach_the_debug_output()
        {
            var user = Fixture.CreateUser();
            var writer = new StringWriter();
            var events = new List<string>();
            void Watch(Imap4Client c) => c.DebugLine += (_, l) => { lock (events) events.Add(l); };
            var options = Options(writer, level: 5);

            using (var login = Plain(options)) { Watch(login); login.Login(user.Name, user.Password); login.Logout(); }
            using (var plain = Plain(options)) { Watch(plain); plain.Authenticate(SaslMechanism.Plain(user.Name, user.Password)); plain.Logout(); }
            using (var loginMech = Plain(options)) { Watch(loginMech); loginMech.Authenticate(SaslMechanism.Login(user.Name, user.Password)); loginMech.Logout(); }
            using (var cram = Plain(options)) { Watch(cram); cram.LoginCramMd5(user.Name, user.Password); cram.Logout(); }

            string all = writer.ToString() + string.Join("\n", events);
            Assert.Contains("LOGIN " + user.Name, all);
            Assert.Contains("AUTHENTICATE PLAIN", all);
            var secrets = new[]
            {
                user.Password,
                "\"" + user.Password.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"",
                Convert.ToBase64String(Encoding.UTF8.GetBytes("\0" + user.Name + "\0" + user.Password)),
                Convert.ToBase64String(Encoding.UTF8.GetBytes(user.Password)),
                Convert.ToBase64String(Encoding.UTF8.GetBytes(user.Name)),
                "pw \"",
            };
            foreach (var secret in secrets) Assert.DoesNotContain(secret, all);
            // The server's challenges to AUTHENTICATE are redacted too ("+ ***").
            Assert.Contains("< + ***", all);
        }

        [Fact]
        public void Level_zero_keeps_the_last_twenty_lines_and_writes_them_on_abort()
        {
            var writer = new StringWriter();
            var options = Options(writer, level: 0);
            var user = Fixture.CreateUser();
            var client = Plain(options);
            client.Login(user.Name, user.Password);
            for (int i = 0; i < 15; i++) client.Status("INBOX", "(MESSAGES)");
            Assert.Equal("", writer.ToString());
            var buffered = client.DebugBuffer;
            Assert.Equal(20, buffered.Count);
            Assert.Contains(" STATUS INBOX (MESSAGES)", buffered.Last(l => l.Contains("> ")));
            Assert.DoesNotContain(buffered, l => l.Contains(user.Password));

            client.Abort(new ImapAbortException("test abort"));
            string dump = writer.ToString();
            Assert.Contains("last 20 debug lines before: test abort", dump);
            Assert.Contains("STATUS INBOX (MESSAGES)", dump);
            Assert.Throws<ImapAbortException>(() => client.Noop());
            client.Dispose();
        }

        [Fact]
        public async Task Logout_and_Dispose_racing_and_commands_after_logout()
        {
            var user = Fixture.CreateUser();
            var client = Plain();
            client.Login(user.Name, user.Password);
            client.Select();
            var logout = client.LogoutAsync();
            var after = client.NoopAsync();
            var dispose = Task.Run(() => client.Dispose());
            var second = client.LogoutAsync();
            await Task.WhenAll(logout, dispose, second).WaitAsync(Patience);
            Assert.Equal("BYE", (await logout).Type);
            Assert.Equal("BYE", (await second).Type);
            // A command queued behind LOGOUT fails at once instead of waiting forever.
            var error = await Assert.ThrowsAnyAsync<Exception>(() => after.WaitAsync(Patience));
            Assert.IsType<ImapAbortException>(error);
            Assert.Equal(ImapState.LOGOUT, client.State);
            Assert.Throws<ImapAbortException>(() => client.Noop());
        }

        [Fact]
        public void Sessions_leave_no_sockets_and_no_threads_behind()
        {
            var options = Options();
            options.Identifier = Identifier;
            options.ConnectTimeout = TimeSpan.FromSeconds(5);
            var user = Fixture.CreateUser();
            // Warm up (DNS, TLS and socket machinery allocate on first use), then measure.
            using (var warm = Tls(options)) warm.Login(user.Name, user.Password);
            int baseline = SocketCount();

            using (var a = Plain(options)) { a.Login(user.Name, user.Password); a.Select(); a.Logout(); }
            Assert.Equal(baseline, SocketCount());

            var b = Plain(options);
            b.Login(user.Name, user.Password);
            _ = b.IdleAsync(TimeSpan.FromMinutes(5));
            b.Dispose();
            Assert.Equal(baseline, SocketCount());

            var c = new Imap4Client("localhost", Server.ImapPort, options);
            c.StartTls();
            c.Login(user.Name, user.Password);
            // IDLE stays in flight until DONE, so Abort always finds a command running; a NOOP could
            // complete first under load, and then nothing was aborted.
            var pending = c.IdleAsync(TimeSpan.FromMinutes(5));
            c.Abort();
            var aborted = Assert.Throws<AggregateException>(() => pending.Wait(Patience)).InnerException;
            Assert.IsType<ImapAbortException>(aborted);
            Assert.Equal(baseline, SocketCount());

            using (var d = LoggedIn(out _, "compress", options)) d.Noop();
            Assert.Equal(baseline, SocketCount());

            int refusedPort = FreePort();
            var refused = Assert.Throws<ImapAbortException>(() => new Imap4Client("127.0.0.1", refusedPort, options));
            Assert.Contains("Could not connect", refused.Message);
            Assert.Equal(baseline, SocketCount());

            var untrusted = new ImapClientOptions { DebugWriter = TextWriter.Null, Identifier = Identifier };
            Assert.Throws<ImapSecurityException>(() => new Imap4SslClient("localhost", Server.ImapsPort, untrusted));
            Assert.Equal(baseline, SocketCount());

            // TLS handshake against a plain-text server: fails, leaves nothing.
            Assert.ThrowsAny<ImapException>(() => new Imap4SslClient("localhost", Server.ImapPort, options));
            Assert.Equal(baseline, SocketCount());

            using (var s = Stream(user.Name, options)) s.Select();
            Assert.Equal(baseline, SocketCount());

            Assert.DoesNotContain(ThreadNames(), n => n.StartsWith(Identifier.Substring(0, 8), StringComparison.Ordinal));
        }

        private static int FreePort()
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            int port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            return port;
        }

        private static int SocketCount()
        {
            int n = 0;
            foreach (var fd in Directory.GetFiles("/proc/self/fd"))
            {
                try
                {
                    var target = new FileInfo(fd).LinkTarget;
                    if (target != null && target.StartsWith("socket:", StringComparison.Ordinal)) n++;
                }
                catch (IOException) { /* closed while listing */ }
            }
            return n;
        }

        private static IEnumerable<string> ThreadNames()
        {
            foreach (var task in Directory.GetDirectories("/proc/self/task"))
            {
                string name;
                try { name = File.ReadAllText(Path.Combine(task, "comm")).Trim(); }
                catch (IOException) { continue; }
                yield return name;
            }
        }
    }
}
