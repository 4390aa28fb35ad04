using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using ImapPS.Client.Protocol;

namespace ImapPS.Client
{
    // imaplib2's surface: one method per IMAP command, named after imaplib2's, each a thin layer
    // over a typed command (Engine/Commands): the command knows how it is written, what it claims,
    // what it does to the session and how its result reads. Each has a blocking form (with
    // imaplib2's optional callback: given one, the call returns ImapResponse.Deferred at once and
    // the callback receives the result later) and an …Async form. By state: this file (any state,
    // not authenticated, IDLE, imaplib2's pool and static helpers), Imap4Client.Mailboxes.cs
    // (authenticated), Imap4Client.Messages.cs (selected), Imap4Client.Generic.cs (by name).
    public partial class Imap4Client
    {
        private ImapResponse Call(Task<ImapResponse> task, ImapCallback? callback, object? argument)
            => WithCallback(task, callback, argument) ?? ImapResponse.Deferred;

        // ---------------------------------------------------------------- any state

        /// <summary>CAPABILITY: asks the server for its capabilities and keeps them.</summary>
        public ImapResponse Capability(ImapCallback? callback = null, object? callbackArgument = null) => Call(CapabilityAsync(), callback, callbackArgument);

        /// <inheritdoc cref="Capability"/>
        public Task<ImapResponse> CapabilityAsync() => Issue(new CapabilityCommand());

        /// <summary>NOOP: lets the server report changes (they arrive as events and in <see cref="Response(string)"/>).</summary>
        public ImapResponse Noop(ImapCallback? callback = null, object? callbackArgument = null) => Call(NoopAsync(), callback, callbackArgument);

        /// <inheritdoc cref="Noop"/>
        public Task<ImapResponse> NoopAsync() => Issue(NoopCommand.Noop());

        /// <summary>LOGOUT: ends the session and closes the connection. The client cannot be used afterwards.</summary>
        public ImapResponse Logout(ImapCallback? callback = null, object? callbackArgument = null) => Call(LogoutAsync(), callback, callbackArgument);

        /// <inheritdoc cref="Logout"/>
        public Task<ImapResponse> LogoutAsync() => LogoutOnceAsync();

        /// <summary>ID (RFC 2971): sends the client's identification (name/value pairs) and returns the server's.</summary>
        public ImapResponse Id(IDictionary<string, string?>? fields = null, ImapCallback? callback = null, object? callbackArgument = null)
            => Call(IdAsync(fields), callback, callbackArgument);

        /// <inheritdoc cref="Id"/>
        public Task<ImapResponse> IdAsync(IDictionary<string, string?>? fields = null) => Issue(ExtensionCommand.Id(fields));

        // ---------------------------------------------------------------- not authenticated

        /// <summary>LOGIN: plain-text login. The password is always quoted (or a literal), and never logged.</summary>
        /// <exception cref="ImapException">The server refused the login (NO), or offers LOGINDISABLED.</exception>
        public ImapResponse Login(string user, string password, ImapCallback? callback = null, object? callbackArgument = null)
            => Call(LoginAsync(user, password), callback, callbackArgument);

        /// <inheritdoc cref="Login"/>
        public Task<ImapResponse> LoginAsync(string user, string password) => Issue(new LoginCommand(user, password));

        /// <summary>LOGIN with CRAM-MD5 (AUTHENTICATE CRAM-MD5), so the password never crosses the wire.</summary>
        public ImapResponse LoginCramMd5(string user, string password, ImapCallback? callback = null, object? callbackArgument = null)
            => Call(AuthenticateAsync(SaslMechanism.CramMd5(user, password)), callback, callbackArgument);

        /// <inheritdoc cref="LoginCramMd5"/>
        public Task<ImapResponse> LoginCramMd5Async(string user, string password) => AuthenticateAsync(SaslMechanism.CramMd5(user, password));

        /// <summary>AUTHENTICATE with imaplib2's authobject: called with each decoded challenge, returns the answer or null to cancel.</summary>
        public ImapResponse Authenticate(string mechanism, Func<byte[], byte[]?> authObject, ImapCallback? callback = null, object? callbackArgument = null)
            => Call(AuthenticateAsync(SaslMechanism.FromFunction(mechanism, authObject)), callback, callbackArgument);

        /// <summary>AUTHENTICATE with a SASL mechanism (PLAIN, LOGIN, CRAM-MD5, XOAUTH2, OAUTHBEARER or your own). Uses SASL-IR when offered.</summary>
        public ImapResponse Authenticate(SaslMechanism mechanism, ImapCallback? callback = null, object? callbackArgument = null)
            => Call(AuthenticateAsync(mechanism), callback, callbackArgument);

        /// <inheritdoc cref="Authenticate(SaslMechanism, ImapCallback, object)"/>
        public Task<ImapResponse> AuthenticateAsync(SaslMechanism mechanism) => Issue(AuthenticateCommand.For(mechanism, HasCapability("SASL-IR")));

        /// <summary>
        /// STARTTLS: upgrades the connection to TLS, then discards and re-reads the capabilities.
        /// Refuses (never falls back to plain text) when the server does not offer it.
        /// </summary>
        /// <exception cref="ImapSecurityException">STARTTLS is not offered, or the TLS handshake or certificate check failed.</exception>
        public ImapResponse StartTls(ImapCallback? callback = null, object? callbackArgument = null) => Call(StartTlsAsync(), callback, callbackArgument);

        /// <inheritdoc cref="StartTls"/>
        public Task<ImapResponse> StartTlsAsync() => Issue(new StartTlsCommand());

        // ---------------------------------------------------------------- IDLE

        /// <summary>
        /// IDLE (RFC 2177): waits until the server reports a change to the selected mailbox, the
        /// timeout passes (default <see cref="ImapClientOptions.IdleRenewal"/>, 25 s), or another command is issued (which ends IDLE and
        /// proceeds on its own). Changes are also raised as <see cref="MailboxChanged"/> events.
        /// Returns the changes reported while idling as data.
        /// </summary>
        public ImapResponse Idle(TimeSpan? timeout = null, ImapCallback? callback = null, object? callbackArgument = null)
            => Call(IdleAsync(timeout), callback, callbackArgument);

        /// <inheritdoc cref="Idle"/>
        public Task<ImapResponse> IdleAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
        {
            RequireCapability("IDLE", "IDLE");
            var limit = timeout ?? Options.IdleRenewal;
            CancellationTokenRegistration registration = default;
            var spec = new IdleCommand();
            spec.ContinuationHandler = (cmd, continuation) =>
            {
                bool endNow;
                lock (_lock)
                {
                    _idle = cmd;
                    cmd.Idling = !cmd.DoneSent;
                    endNow = _waiting.Count > 0 || cmd.Untagged.Count > 0;
                    if (!endNow)
                    {
                        _idleTimer?.Dispose();
                        _idleTimer = new Timer(_ => { lock (_lock) if (ReferenceEquals(_idle, cmd)) _ = Task.Run(() => SendDoneAsync(cmd)); }, null, limit, Infinite);
                    }
                }
                if (cancellationToken.CanBeCanceled)
                    registration = cancellationToken.Register(() => _ = Task.Run(() => SendDoneAsync(cmd)));
                if (endNow) return SendDoneAsync(cmd);
                return Task.CompletedTask;
            };
            var run = Issue(spec);
            return run.ContinueWith(t => { registration.Dispose(); return t; }, TaskScheduler.Default).Unwrap();
        }

        // ---------------------------------------------------------------- untagged responses (imaplib2)

        /// <summary>
        /// imaplib2's <c>response(code)</c>: removes and returns the kept untagged responses (or
        /// response codes) named <paramref name="code"/>, e.g. "EXISTS", "UIDVALIDITY", "ALERT".
        /// </summary>
        public ImapResponse Response(string code, ImapCallback? callback, object? callbackArgument = null)
            => Call(Task.FromResult(Response(code)), callback, callbackArgument);

        /// <inheritdoc cref="Response(string, ImapCallback, object)"/>
        public ImapResponse Response(string code)
        {
            code = code.ToUpperInvariant();
            List<KeyValuePair<string, ServerResponse>>? taken;
            lock (_lock) taken = _pool.Take(code);
            if (taken == null) return new ImapResponse(code, null, Array.Empty<ServerResponse>(), null, new ImapDataItem?[] { null });
            return new ImapResponse(code, null, taken.Select(t => t.Value).ToArray(), null, taken.Select(t => (ImapDataItem?)new ImapDataItem(t.Key)).ToArray());
        }

        internal string? PooledText(string code)
        {
            lock (_lock) return _pool.Peek(code);
        }

        /// <summary>
        /// imaplib2's <c>recent()</c>: the kept RECENT counts, or when none are kept, those a NOOP
        /// brings; <c>[null]</c> when there are none.
        /// </summary>
        public ImapResponse Recent(ImapCallback? callback = null, object? callbackArgument = null) => Call(RecentAsync(), callback, callbackArgument);

        /// <inheritdoc cref="Recent"/>
        public async Task<ImapResponse> RecentAsync()
        {
            var kept = Response("RECENT");
            if (kept.Data[0] == null)
            {
                await NoopAsync().ConfigureAwait(false);
                kept = Response("RECENT");
            }
            return new ImapResponse("OK", null, Array.Empty<ServerResponse>(), null, kept.Data);
        }

        /// <summary>
        /// imaplib2's <c>pop_untagged_responses()</c>: every kept untagged response, in order of
        /// reception, as (name, [text]) pairs; the pool is emptied. An untagged status response
        /// appears twice, under its status and under its response code, as in imaplib2.
        /// </summary>
        public IReadOnlyList<KeyValuePair<string, IReadOnlyList<ImapDataItem?>>> PopUntaggedResponses()
        {
            List<KeyValuePair<string, string>> all;
            lock (_lock) all = _pool.TakeAll();
            var result = new List<KeyValuePair<string, IReadOnlyList<ImapDataItem?>>>(all.Count);
            foreach (var entry in all)
                result.Add(new KeyValuePair<string, IReadOnlyList<ImapDataItem?>>(entry.Key, new ImapDataItem?[] { new ImapDataItem(entry.Value) }));
            return result;
        }

        // ---------------------------------------------------------------- imaplib2's static helpers

        /// <summary>Parses an INTERNALDATE (<c>"17-Jul-1996 02:44:25 -0700"</c>, quoted or not).</summary>
        public static DateTimeOffset? Internaldate2Time(string response) => ImapDate.Internaldate2Time(response);

        /// <summary>Formats a time as an IMAP date-time string, with the quotes.</summary>
        public static string Time2Internaldate(DateTimeOffset time) => ImapDate.Time2Internaldate(time);

        /// <summary>Formats a time as an IMAP date-time string, with the quotes (local time for Local/Unspecified kinds).</summary>
        public static string Time2Internaldate(DateTime time) => ImapDate.Time2Internaldate(time);

        /// <summary>Passes an INTERNALDATE string through (adding the quotes when missing); anything else throws <see cref="ArgumentException"/>.</summary>
        public static string Time2Internaldate(string internalDate) => ImapDate.Time2Internaldate(internalDate);

        /// <summary>Formats seconds since the Unix epoch as an IMAP date-time string, in local time, with the quotes.</summary>
        public static string Time2Internaldate(double secondsSinceEpoch) => ImapDate.Time2Internaldate(secondsSinceEpoch);

        /// <summary>Returns the flags of a <c>… FLAGS (…)</c> response.</summary>
        public static string[] ParseFlags(string response) => ImapFlags.ParseFlags(response);
    }
}
