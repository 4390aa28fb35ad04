using System;
using System.IO;
using ImapPS.Client.Tests.Fixture;
using ImapPS.Client.Transport;
using ImapPS.Testing;

namespace ImapPS.Client.Tests.Engine
{
    /// <summary>Connection helpers shared by the engine's real-server tests.</summary>
    public abstract class ClientTestBase
    {
        protected ClientTestBase(DovecotFixture fixture) => Fixture = fixture;

        protected DovecotFixture Fixture { get; }

        protected DovecotServer Server => Fixture.Server;

        protected static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

        protected ImapClientOptions Options(TextWriter? debug = null, int level = 0)
        {
            var o = new ImapClientOptions { ResponseTimeout = TimeSpan.FromSeconds(30), DebugWriter = debug ?? TextWriter.Null, DebugLevel = level };
            o.Tls.ExtraCaCertificates.Add(Server.Certificate);
            return o;
        }

        protected Imap4Client Plain(ImapClientOptions? options = null) => new Imap4Client(Server.Host, Server.ImapPort, options ?? Options());

        protected Imap4Client Tls(ImapClientOptions? options = null) => new Imap4SslClient("localhost", Server.ImapsPort, options ?? Options());

        protected Imap4Client Stream(string user, ImapClientOptions? options = null)
        {
            var cmd = Server.StreamCommand(user);
            return new Imap4StreamClient(cmd.FileName, System.Linq.Enumerable.ToArray(cmd.Arguments), options ?? Options());
        }

        /// <summary>A logged-in client for a fresh user (so tests never share mailboxes).</summary>
        protected Imap4Client LoggedIn(out TestUser user, string transport = "plain", ImapClientOptions? options = null)
        {
            user = Fixture.CreateUser();
            Imap4Client client;
            switch (transport)
            {
                case "tls": client = Tls(options); break;
                case "stream": return Stream(user.Name, options);
                case "starttls": client = new Imap4Client("localhost", Server.ImapPort, options ?? Options()); client.StartTls(); break;
                default: client = Plain(options); break;
            }
            client.Login(user.Name, user.Password);
            if (transport == "compress") client.EnableCompression();
            return client;
        }
    }
}
