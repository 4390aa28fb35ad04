using System;
using System.Security.Cryptography;
using System.Text;

namespace ImapPS.Client
{
    /// <summary>
    /// A SASL mechanism for AUTHENTICATE. <see cref="Respond"/> is called for each server challenge
    /// (decoded from base64) and returns the bytes to send (base64 encoding is done by the client),
    /// or null to cancel the exchange. Implementations may keep state between calls.
    /// </summary>
    public abstract class SaslMechanism
    {
        /// <summary>The mechanism name (PLAIN, XOAUTH2, …).</summary>
        public abstract string Name { get; }

        /// <summary>The initial response sent with the command when the server offers SASL-IR; null when the mechanism has none.</summary>
        public virtual byte[]? InitialResponse => null;

        /// <summary>Answers one challenge; null cancels the exchange.</summary>
        public abstract byte[]? Respond(byte[] challenge);

        /// <summary>PLAIN (RFC 4616): authorization id, user name and password in one message.</summary>
        public static SaslMechanism Plain(string user, string password, string? authorizationId = null) => new PlainMechanism(user, password, authorizationId ?? "");

        /// <summary>LOGIN: the user name, then the password, each in answer to a challenge.</summary>
        public static SaslMechanism Login(string user, string password) => new LoginMechanism(user, password);

        /// <summary>CRAM-MD5 (RFC 2195): an HMAC-MD5 of the server's challenge keyed by the password.</summary>
        public static SaslMechanism CramMd5(string user, string password) => new CramMd5Mechanism(user, password);

        /// <summary>XOAUTH2 (Gmail, Microsoft 365): the user and an OAuth 2.0 access token.</summary>
        public static SaslMechanism XOAuth2(string user, string accessToken) => new XOAuth2Mechanism(user, accessToken);

        /// <summary>OAUTHBEARER (RFC 7628): the user, an OAuth 2.0 bearer token, and the server's host and port.</summary>
        public static SaslMechanism OAuthBearer(string user, string accessToken, string host, int port) => new OAuthBearerMechanism(user, accessToken, host, port);

        /// <summary>A mechanism driven by a function, like imaplib2's authobject.</summary>
        public static SaslMechanism FromFunction(string name, Func<byte[], byte[]?> respond, byte[]? initialResponse = null)
            => new FunctionMechanism(name, respond, initialResponse);

        private sealed class PlainMechanism : SaslMechanism
        {
            private readonly byte[] _message;
            public PlainMechanism(string user, string password, string authzid) =>
                _message = Encoding.UTF8.GetBytes(authzid + "\0" + user + "\0" + password);
            public override string Name => "PLAIN";
            public override byte[]? InitialResponse => _message;
            public override byte[]? Respond(byte[] challenge) => _message;
        }

        private sealed class LoginMechanism : SaslMechanism
        {
            private readonly string _user;
            private readonly string _password;
            private int _step;
            public LoginMechanism(string user, string password) { _user = user; _password = password; }
            public override string Name => "LOGIN";
            public override byte[]? Respond(byte[] challenge)
            {
                // Servers send "Username:" then "Password:"; answer by order, as every client does.
                return Encoding.UTF8.GetBytes(_step++ == 0 ? _user : _password);
            }
        }

        private sealed class CramMd5Mechanism : SaslMechanism
        {
            private readonly string _user;
            private readonly byte[] _key;
            public CramMd5Mechanism(string user, string password) { _user = user; _key = Encoding.UTF8.GetBytes(password); }
            public override string Name => "CRAM-MD5";
            public override byte[]? Respond(byte[] challenge)
            {
                using (var hmac = new HMACMD5(_key))
                {
                    var digest = hmac.ComputeHash(challenge);
                    var hex = new StringBuilder(digest.Length * 2);
                    foreach (var b in digest) hex.Append(b.ToString("x2"));
                    return Encoding.UTF8.GetBytes(_user + " " + hex);
                }
            }
        }

        private sealed class XOAuth2Mechanism : SaslMechanism
        {
            private readonly byte[] _message;
            private bool _sent;
            public XOAuth2Mechanism(string user, string token) =>
                _message = Encoding.UTF8.GetBytes("user=" + user + "\u0001auth=Bearer " + token + "\u0001\u0001");
            public override string Name => "XOAUTH2";
            public override byte[]? InitialResponse => _message;
            public override byte[]? Respond(byte[] challenge)
            {
                // A challenge after the token is the server's JSON error; the protocol wants an empty answer, then it sends NO.
                if (_sent || challenge.Length > 0) return Array.Empty<byte>();
                _sent = true;
                return _message;
            }
        }

        private sealed class OAuthBearerMechanism : SaslMechanism
        {
            private readonly byte[] _message;
            private bool _sent;
            public OAuthBearerMechanism(string user, string token, string host, int port) =>
                _message = Encoding.UTF8.GetBytes("n,a=" + user.Replace("=", "=3D").Replace(",", "=2C") + ",\u0001host=" + host + "\u0001port=" + port + "\u0001auth=Bearer " + token + "\u0001\u0001");
            public override string Name => "OAUTHBEARER";
            public override byte[]? InitialResponse => _message;
            public override byte[]? Respond(byte[] challenge)
            {
                if (_sent || challenge.Length > 0) return new byte[] { 0x01 };
                _sent = true;
                return _message;
            }
        }

        private sealed class FunctionMechanism : SaslMechanism
        {
            private readonly Func<byte[], byte[]?> _respond;
            public FunctionMechanism(string name, Func<byte[], byte[]?> respond, byte[]? initial)
            {
                Name = name;
                _respond = respond;
                InitialResponse = initial;
            }
            public override string Name { get; }
            public override byte[]? InitialResponse { get; }
            public override byte[]? Respond(byte[] challenge) => _respond(challenge);
        }
    }
}
