using System;
using System.Net;
using System.Security;
using System.Threading;
using System.Threading.Tasks;

namespace ImapPS.Client
{
    /// <summary>
    /// How a reconnect authenticates: the credentials exactly as the caller gave them (a password
    /// only as a read-only <see cref="SecureString"/> copy, turned into text for the moment of
    /// sending), or a callback that returns a fresh OAuth 2.0 access token for every connection, so
    /// a token that expired during a days-long watch is never replayed.
    /// </summary>
    public abstract class ImapAuthentication
    {
        private protected ImapAuthentication(string? userName, string? mechanism)
        {
            UserName = userName;
            Mechanism = mechanism?.ToUpperInvariant();
        }

        /// <summary>The user name, or null for a session that does not authenticate (PREAUTH).</summary>
        public string? UserName { get; }

        /// <summary>The SASL mechanism asked for, or null for the default choice.</summary>
        public string? Mechanism { get; }

        /// <summary>No authentication: the server pre-authenticates (a stream session) or the session stays unauthenticated.</summary>
        public static ImapAuthentication None { get; } = new NoAuthentication();

        /// <summary>
        /// A user name and password. The password is copied and the copy made read-only, so the
        /// caller may dispose its own. <paramref name="mechanism"/>: null (LOGIN, or AUTHENTICATE
        /// PLAIN where LOGINDISABLED), LOGIN, PLAIN or CRAM-MD5.
        /// </summary>
        public static ImapAuthentication Password(string userName, SecureString password, string? mechanism = null)
        {
            if (string.IsNullOrEmpty(userName)) throw new ArgumentException("Give a user name.", nameof(userName));
            if (password == null) throw new ArgumentNullException(nameof(password));
            var copy = password.Copy();
            copy.MakeReadOnly();
            return new PasswordAuthentication(userName, copy, mechanism);
        }

        /// <summary>
        /// OAuth 2.0 (XOAUTH2 or OAUTHBEARER, <paramref name="mechanism"/> or whichever the server
        /// offers): <paramref name="tokenProvider"/> is asked for a fresh access token at every
        /// connection; the token is never kept.
        /// </summary>
        public static ImapAuthentication OAuth(string userName, Func<CancellationToken, Task<string>> tokenProvider, string? mechanism = null)
        {
            if (string.IsNullOrEmpty(userName)) throw new ArgumentException("Give a user name.", nameof(userName));
            return new OAuthAuthentication(userName, tokenProvider ?? throw new ArgumentNullException(nameof(tokenProvider)), mechanism);
        }

        /// <summary>Authenticates <paramref name="client"/> (in NONAUTH); throws <see cref="ImapCommandException"/> when the server refuses.</summary>
        internal abstract Task AuthenticateAsync(Imap4Client client, string host, int port, CancellationToken cancellationToken);

        private static void Check(ImapResponse response, string what)
        {
            if (!response.IsOk) throw new ImapCommandException(what, response);
        }

        private sealed class NoAuthentication : ImapAuthentication
        {
            public NoAuthentication() : base(null, null) { }

            internal override Task AuthenticateAsync(Imap4Client client, string host, int port, CancellationToken cancellationToken) => Task.CompletedTask;
        }

        private sealed class PasswordAuthentication : ImapAuthentication
        {
            private readonly SecureString _password;

            public PasswordAuthentication(string userName, SecureString password, string? mechanism) : base(userName, mechanism) => _password = password;

            internal override async Task AuthenticateAsync(Imap4Client client, string host, int port, CancellationToken cancellationToken)
            {
                string user = UserName!;
                string password = new NetworkCredential("", _password).Password;
                string? mechanism = Mechanism;
                // The same choice Connect-Imap makes, so a reconnect authenticates as the first connect did.
                if (mechanism == null && client.HasCapability("LOGINDISABLED") && client.HasCapability("AUTH=PLAIN")) mechanism = "PLAIN";
                if (mechanism == null || mechanism == "LOGIN" && !client.HasCapability("AUTH=LOGIN"))
                {
                    Check(await client.LoginAsync(user, password).ConfigureAwait(false), "LOGIN");
                    return;
                }
                SaslMechanism sasl = mechanism switch
                {
                    "PLAIN" => SaslMechanism.Plain(user, password),
                    "LOGIN" => SaslMechanism.Login(user, password),
                    "CRAM-MD5" => SaslMechanism.CramMd5(user, password),
                    "XOAUTH2" => SaslMechanism.XOAuth2(user, password),
                    "OAUTHBEARER" => SaslMechanism.OAuthBearer(user, password, host, port),
                    _ => throw new ImapCapabilityException("AUTHENTICATE " + mechanism, "AUTH=" + mechanism),
                };
                if (!client.HasCapability("AUTH=" + sasl.Name)) throw new ImapCapabilityException("AUTHENTICATE " + sasl.Name, "AUTH=" + sasl.Name);
                Check(await client.AuthenticateAsync(sasl).ConfigureAwait(false), "AUTHENTICATE " + sasl.Name);
            }
        }

        private sealed class OAuthAuthentication : ImapAuthentication
        {
            private readonly Func<CancellationToken, Task<string>> _tokenProvider;

            public OAuthAuthentication(string userName, Func<CancellationToken, Task<string>> tokenProvider, string? mechanism) : base(userName, mechanism)
                => _tokenProvider = tokenProvider;

            internal override async Task AuthenticateAsync(Imap4Client client, string host, int port, CancellationToken cancellationToken)
            {
                string mechanism = Mechanism
                    ?? (client.HasCapability("AUTH=XOAUTH2") ? "XOAUTH2" : client.HasCapability("AUTH=OAUTHBEARER") ? "OAUTHBEARER" : "");
                if (mechanism != "XOAUTH2" && mechanism != "OAUTHBEARER") throw new ImapCapabilityException("AUTHENTICATE with an access token", "AUTH=XOAUTH2", "AUTH=OAUTHBEARER");
                if (!client.HasCapability("AUTH=" + mechanism)) throw new ImapCapabilityException("AUTHENTICATE " + mechanism, "AUTH=" + mechanism);
                string token = await _tokenProvider(cancellationToken).ConfigureAwait(false);
                if (string.IsNullOrEmpty(token)) throw new ImapException("The access token provider returned no token.");
                var sasl = mechanism == "XOAUTH2" ? SaslMechanism.XOAuth2(UserName!, token) : SaslMechanism.OAuthBearer(UserName!, token, host, port);
                Check(await client.AuthenticateAsync(sasl).ConfigureAwait(false), "AUTHENTICATE " + mechanism);
            }
        }
    }
}
