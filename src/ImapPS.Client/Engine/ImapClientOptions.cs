using System;
using System.Collections.Generic;
using System.IO;
using ImapPS.Client.Protocol;
using ImapPS.Client.Transport;

namespace ImapPS.Client
{
    /// <summary>Options of a connection, as imaplib2's constructor arguments plus limits.</summary>
    public sealed class ImapClientOptions
    {
        /// <summary>Debug level: messages at or below it are written to <see cref="DebugWriter"/> (0: none).</summary>
        public int DebugLevel { get; set; }

        /// <summary>Where debug output goes (default: standard error).</summary>
        public TextWriter? DebugWriter { get; set; }

        /// <summary>Messages up to this level are kept in a 20-line ring buffer written out on error (default 3).</summary>
        public int DebugBufferLevel { get; set; } = 3;

        /// <summary>A name for this connection in logs (default: the host).</summary>
        public string? Identifier { get; set; }

        /// <summary>
        /// How long the server may stay silent while a command waits for it before the connection is
        /// aborted (default 2 minutes; null: never). Suspended while idling.
        /// </summary>
        public TimeSpan? ResponseTimeout { get; set; } = TimeSpan.FromMinutes(2);

        /// <summary>How long connecting (TCP, TLS handshake, greeting) may take (default 30 s).</summary>
        public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(30);

        /// <summary>TLS settings for implicit TLS and STARTTLS.</summary>
        public TlsOptions Tls { get; set; } = new TlsOptions();

        /// <summary>
        /// The session must not be authenticated without TLS. On a TCP connection that is not
        /// encrypted (plain <see cref="Imap4Client"/>, before <see cref="Imap4Client.StartTls"/>):
        /// a PREAUTH greeting (the server, or a man in the middle, skipping the login, so STARTTLS
        /// can no longer be negotiated) fails the connect with <see cref="ImapSecurityException"/>
        /// and closes the connection before a single byte is sent; LOGIN and AUTHENTICATE are
        /// refused with <see cref="ImapSecurityException"/> before anything is sent. Implicit TLS
        /// (<see cref="Imap4SslClient"/>) and a subprocess (<see cref="Imap4StreamClient"/>, a local
        /// pipe where PREAUTH is normal) are not affected. Default false (imaplib2's behaviour);
        /// Connect-Imap sets it for every -Security but None.
        /// </summary>
        public bool RequireTls { get; set; }

        /// <summary>Bounds on what the server may send.</summary>
        public ProtocolLimits Limits { get; set; } = new ProtocolLimits();

        /// <summary>How many unclaimed untagged responses of one name are kept for <c>Response()</c> (oldest dropped first; default 10,000).</summary>
        public int MaxPooledResponses { get; set; } = 10000;

        /// <summary>Capabilities to act as if the server did not offer (e.g. MOVE, to test the fallback).</summary>
        public ISet<string> IgnoredCapabilities { get; private set; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

        /// <summary>
        /// Longest command line to send at once (default 8,000 bytes, safe for every common server).
        /// The cmdlets split UID sets so that a set takes at most half of it; the engine sends what
        /// it is given.
        /// </summary>
        public int MaxCommandLength { get; set; } = 8000;

        /// <summary>
        /// How an <see cref="ImapReconnectingClient"/> re-establishes a lost connection (attempts,
        /// backoff with jitter, give-up time); null (the default): it does not reconnect. A plain
        /// <see cref="Imap4Client"/> never reconnects: one client is one connection.
        /// </summary>
        public ImapReconnectPolicy? Reconnect { get; set; }

        /// <summary>
        /// A deep copy: the client keeps its own, so a caller that changes the options (or their
        /// <see cref="Tls"/>, <see cref="Limits"/> and <see cref="IgnoredCapabilities"/>) after
        /// connecting changes nothing on the connection. Certificates and delegates are shared.
        /// </summary>
        internal ImapClientOptions Clone()
        {
            var copy = (ImapClientOptions)MemberwiseClone();
            copy.Tls = Tls.Clone();
            copy.Limits = Limits.Clone();
            copy.IgnoredCapabilities = new HashSet<string>(IgnoredCapabilities, StringComparer.OrdinalIgnoreCase);
            copy.Reconnect = Reconnect?.Clone();
            return copy;
        }
    }
}
