using System;
using ImapPS.Testing;

namespace ImapPS.Client.Tests.Reliability
{
    /// <summary>
    /// A private Dovecot for the tests that would disturb the shared one: 200 sessions at once (Dovecot's default
    /// process limit is 100, and past the kernel's 128 inotify instances per user IDLE falls back to polling every
    /// mailbox_idle_check_interval, 30 s by default) and failed LOGINs (Dovecot's auth penalty delays every later
    /// login from the same address by up to 15 s).
    /// </summary>
    public sealed class OwnDovecotFixture : IDisposable
    {
        private int _users;

        public OwnDovecotFixture()
        {
            Server = DovecotServer.Start(new DovecotOptions
            {
                Quota = false,
                MaxUserIpConnections = 1000,
                ExtraConfiguration = "default_process_limit = 1000\ndefault_client_limit = 4000\nmailbox_idle_check_interval = 1 secs\n",
            });
        }

        public DovecotServer Server { get; }

        public TestUser CreateUser(string prefix)
        {
            int n = System.Threading.Interlocked.Increment(ref _users);
            return Server.AddUser(prefix + n, "pw \"" + n + "\"\\x");
        }

        public void Dispose() => Server.Dispose();
    }
}
