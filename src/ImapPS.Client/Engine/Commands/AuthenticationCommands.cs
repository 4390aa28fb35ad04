using System;
using System.Collections.Generic;
using System.Text;
using System.Threading.Tasks;
using ImapPS.Client.Protocol;

namespace ImapPS.Client
{
    /// <summary>
    /// LOGIN: refused before sending when the server says LOGINDISABLED, or when the options require
    /// TLS and the connection has none. Enters the authenticated state at its tagged OK; a refusal
    /// throws; the capabilities are re-read afterwards (from the OK's code when it carries them).
    /// </summary>
    internal sealed class LoginCommand : ImapCommand
    {
        public LoginCommand(string user, string password)
            : base("LOGIN", NonAuth, null, ImapArgument.AString(user), ImapArgument.Secret(password))
        {
        }

        public override bool Exclusive => true;

        public override bool SendsCredentials => true;

        public override void CheckIssue(Imap4Client client)
        {
            if (client.HasCapability("LOGINDISABLED"))
                throw new ImapSecurityException("The server does not allow LOGIN on this connection (LOGINDISABLED); use STARTTLS or AUTHENTICATE.");
        }

        public override void OnTagged(Imap4Client client, PendingCommand pending, ServerResponse tagged)
        {
            if (tagged.Status == ResponseStatus.Ok) client.EnterAuthenticatedLocked();
        }

        public override bool HasFollowUp => true;

        public override async Task<ImapResponse> FinishAsync(Imap4Client client, ImapResponse response)
        {
            if (!response.IsOk) throw new ImapCommandException("LOGIN", response);
            await client.AfterAuthenticationAsync(response).ConfigureAwait(false);
            return response;
        }
    }

    /// <summary>
    /// AUTHENTICATE with a SASL mechanism: the initial response goes on the command line when the
    /// server offers SASL-IR; each challenge is answered off the reader; challenges and answers are
    /// never logged. Otherwise as <see cref="LoginCommand"/>.
    /// </summary>
    internal sealed class AuthenticateCommand : ImapCommand
    {
        private readonly SaslMechanism _mechanism;

        private AuthenticateCommand(SaslMechanism mechanism, ImapArgument[] arguments)
            : base("AUTHENTICATE", NonAuth, null, arguments)
        {
            _mechanism = mechanism;
            string name = mechanism.Name.ToUpperInvariant();
            Require("AUTHENTICATE " + name, "AUTH=" + name);
        }

        public static AuthenticateCommand For(SaslMechanism mechanism, bool saslIr)
        {
            var initial = saslIr ? mechanism.InitialResponse : null;
            var args = new List<ImapArgument> { ImapArgument.Atom(mechanism.Name.ToUpperInvariant()) };
            if (initial != null) args.Add(ImapArgument.Sensitive(ImapArgument.Atom(initial.Length == 0 ? "=" : Convert.ToBase64String(initial))));
            return new AuthenticateCommand(mechanism, args.ToArray());
        }

        public override bool Exclusive => true;

        public override bool SendsCredentials => true;

        public override bool HandlesContinuations => true;

        public override bool RedactsContinuations => true;

        public override async Task OnContinuationAsync(Imap4Client client, PendingCommand pending, ServerResponse challenge)
        {
            byte[] decoded;
            try { decoded = Convert.FromBase64String(challenge.Text.Trim()); }
            catch (FormatException) { decoded = Encoding.UTF8.GetBytes(challenge.Text); }
            byte[]? answer;
            try { answer = _mechanism.Respond(decoded); }
            catch (Exception) { answer = null; }
            string line = answer == null ? "*" : Convert.ToBase64String(answer);
            await client.WriteLineAsync(pending, Encoding.ASCII.GetBytes(line + "\r\n"), "*** (AUTHENTICATE data)").ConfigureAwait(false);
        }

        public override void OnTagged(Imap4Client client, PendingCommand pending, ServerResponse tagged)
        {
            if (tagged.Status == ResponseStatus.Ok) client.EnterAuthenticatedLocked();
        }

        public override bool HasFollowUp => true;

        public override async Task<ImapResponse> FinishAsync(Imap4Client client, ImapResponse response)
        {
            if (!response.IsOk) throw new ImapCommandException("AUTHENTICATE " + _mechanism.Name, response);
            await client.AfterAuthenticationAsync(response).ConfigureAwait(false);
            return response;
        }
    }

    /// <summary>
    /// STARTTLS: refused (never a fall-back to clear text) when not offered. The reader starts TLS
    /// at the tagged OK, before it reads another byte, and forgets the capabilities seen in clear;
    /// they are re-read over TLS.
    /// </summary>
    internal sealed class StartTlsCommand : ImapCommand
    {
        public StartTlsCommand()
            : base("STARTTLS", NonAuth, null)
        {
        }

        public override bool Exclusive => true;

        public override void CheckIssue(Imap4Client client)
        {
            if (client.IsEncrypted) throw new ImapException("TLS is already active on this connection.");
            if (!client.HasCapability("STARTTLS"))
                throw new ImapSecurityException("The server " + client.Host + " does not offer STARTTLS; refusing to continue without TLS.");
        }

        public override Func<Task>? OnTaggedOk(Imap4Client client) => client.StartTlsOnReaderAsync;

        public override bool HasFollowUp => true;

        public override async Task<ImapResponse> FinishAsync(Imap4Client client, ImapResponse response)
        {
            if (!response.IsOk) throw new ImapSecurityException("STARTTLS was refused: " + response.Text);
            await client.CapabilityAsync().ConfigureAwait(false);
            return response;
        }
    }

    /// <summary>
    /// COMPRESS (RFC 4978): the reader switches the transport to DEFLATE at the tagged OK, before
    /// another byte is read. From its own method it is checked and a refusal throws; given by name
    /// (<see cref="Imap4Client.ExecuteAsync"/>) it is sent as asked and the answer returned.
    /// </summary>
    internal sealed class CompressCommand : ImapCommand
    {
        private readonly bool _checked;

        public CompressCommand(string name, ImapArgument[] arguments, bool checkedCall)
            : base(name, AnyState, null, arguments)
        {
            _checked = checkedCall;
        }

        public override bool Exclusive => true;

        public override void CheckIssue(Imap4Client client)
        {
            if (!_checked) return;
            if (client.IsCompressed) throw new ImapException("Compression is already active.");
            client.RequireCapability("COMPRESS DEFLATE", "COMPRESS=DEFLATE");
        }

        public override Func<Task>? OnTaggedOk(Imap4Client client) => client.CompressOnReader;

        public override bool HasFollowUp => _checked;

        public override Task<ImapResponse> FinishAsync(Imap4Client client, ImapResponse response)
        {
            if (!response.IsOk) throw new ImapCommandException("COMPRESS", response);
            return Task.FromResult(response);
        }
    }
}
