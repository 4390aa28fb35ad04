using System;
using ImapPS.Testing;

namespace ImapPS.Client.Tests.Fixture
{
    /// <summary>
    /// One private Dovecot server shared by every test class in the <see cref="CollectionName"/>
    /// collection. Tests that change server state should work as a fresh user from
    /// <see cref="CreateUser"/> so they cannot disturb each other.
    /// </summary>
    public sealed class DovecotFixture : IDisposable
    {
        /// <summary>The xunit collection name: <c>[Collection(DovecotFixture.CollectionName)]</c>.</summary>
        public const string CollectionName = "Dovecot";

        private int userCounter;

        public DovecotFixture()
        {
            Server = DovecotServer.Start();
        }

        public DovecotServer Server { get; }

        /// <summary>A new user with an empty mailbox and a password that needs quoting.</summary>
        public TestUser CreateUser(string prefix = "user")
        {
            int n = System.Threading.Interlocked.Increment(ref userCounter);
            return Server.AddUser($"{prefix}{n}", $"pw \"{n}\"\\x");
        }

        public void Dispose() => Server.Dispose();
    }

    [CollectionDefinition(DovecotFixture.CollectionName)]
    public sealed class DovecotCollection : ICollectionFixture<DovecotFixture>
    {
    }
}
