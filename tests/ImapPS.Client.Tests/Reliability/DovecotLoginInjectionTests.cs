using System;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Xunit.Abstractions;

namespace ImapPS.Client.Tests.Reliability
{
    /// <summary>
    /// Hostile LOGIN arguments against a private Dovecot (its own instance: every failed LOGIN raises Dovecot's
    /// auth penalty for 127.0.0.1, up to 15 s per later login, which must not slow the shared server's tests).
    /// Values a passwd file can hold are real passwords, so a successful LOGIN proves the server decoded exactly
    /// the caller's value; values with CR, LF or NUL must fail as a plain NO, never a second command.
    /// </summary>
    public class DovecotLoginInjectionTests : IClassFixture<OwnDovecotFixture>
    {
        private readonly OwnDovecotFixture _fixture;
        private readonly ITestOutputHelper _output;

        public DovecotLoginInjectionTests(OwnDovecotFixture fixture, ITestOutputHelper output)
        {
            _fixture = fixture;
            _output = output;
        }

        private static ImapClientOptions Options() => new ImapClientOptions { ResponseTimeout = TimeSpan.FromSeconds(30), DebugWriter = TextWriter.Null };

        [Fact]
        public async Task Hostile_passwords_reach_Dovecot_intact_and_line_breaks_never_run_a_second_command()
        {
            var owner = _fixture.CreateUser("owner");
            using (var setup = new Imap4Client(_fixture.Server.Host, _fixture.Server.ImapPort, Options()))
            {
                setup.Login(owner.Name, owner.Password);
                setup.Create("victim");
                setup.Logout();
            }
            int accepted = 0, refused = 0;
            foreach (var value in InjectionTests.Hostile.Where(v => v.Length > 0 && v.IndexOfAny(new[] { '\r', '\n', '\0' }) < 0))
            {
                var user = _fixture.Server.AddUser("hostile" + accepted, value);
                using var client = await Imap4Client.ConnectAsync(_fixture.Server.Host, _fixture.Server.ImapPort, Options());
                await ReliabilityKit.Within(client.LoginAsync(user.Name, value), TimeSpan.FromSeconds(20), "LOGIN «" + value + "»");
                Assert.Equal(ImapState.AUTH, client.State);
                await client.LogoutAsync();
                accepted++;
            }
            // Two failures only: each raises the penalty for every later login from this address.
            foreach (var (user, password) in new[] { ("line\r\nX1 DELETE victim", owner.Password), (owner.Name, "nul\0X4 DELETE victim") })
            {
                using var fresh = await Imap4Client.ConnectAsync(_fixture.Server.Host, _fixture.Server.ImapPort, Options());
                var error = await Assert.ThrowsAnyAsync<ImapException>(() => ReliabilityKit.Within(fresh.LoginAsync(user, password), TimeSpan.FromSeconds(25), "LOGIN"));
                Assert.False(error is ImapAbortException, error.Message);
                Assert.Equal("OK", (await fresh.NoopAsync()).Type);
                Assert.Equal(ImapState.NONAUTH, fresh.State);
                refused++;
            }
            using var check = new Imap4Client(_fixture.Server.Host, _fixture.Server.ImapPort, Options());
            check.Login(owner.Name, owner.Password);
            Assert.Equal("OK", check.Status("victim", "(MESSAGES)").Type);
            check.Logout();
            _output.WriteLine($"{accepted} hostile passwords accepted byte-exact by Dovecot, {refused} line-break/NUL values refused with NO, victim intact");
        }
    }
}
