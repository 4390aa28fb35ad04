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

        /// <summary>
        /// How long one IDLE lasts when <c>Idle</c> is given no timeout (default 25 s); Invoke-ImapIdle
        /// renews IDLE at this interval too. Each renewal sends DONE, which a live server answers at
        /// once: that answer is how a frozen server is found out during IDLE (see <see cref="DeadPeerTimeout"/>).
        /// RFC 2177 lets a server drop a client idle for 30 minutes, so it must stay below that.
        /// </summary>
        public TimeSpan IdleRenewal
        {
            get => _idleRenewal;
            set => _idleRenewal = value > TimeSpan.Zero && value < TimeSpan.FromMinutes(30) ? value
                : throw new ArgumentOutOfRangeException(nameof(IdleRenewal), value, "The IDLE renewal interval must be positive and below 30 minutes (RFC 2177).");
        }

        private TimeSpan _idleRenewal = TimeSpan.FromSeconds(25);

        /// <summary>
        /// How long the server may leave unanswered what a live server answers at once: a DONE, the
        /// continuation of an IDLE, or a NOOP with nothing else in flight (default 30 s; never longer
        /// than <see cref="ResponseTimeout"/>; null: the response timeout alone; it applies also when the
        /// response timeout is null, so set both to null to turn silence checks off). Then the connection is
        /// aborted with an <see cref="ImapTimeoutException"/> of kind <see cref="ImapTimeoutKind.DeadPeer"/>.
        /// A frozen server is therefore detected during IDLE within <see cref="IdleRenewal"/> +
        /// this timeout + the watchdog's period (at most 1 s): 56 s by default.
        /// </summary>
        public TimeSpan? DeadPeerTimeout
        {
            get => _deadPeerTimeout;
            set => _deadPeerTimeout = value == null || value > TimeSpan.Zero ? value
                : throw new ArgumentOutOfRangeException(nameof(DeadPeerTimeout), value, "The dead-peer timeout must be positive (or null).");
        }

        private TimeSpan? _deadPeerTimeout = TimeSpan.FromSeconds(30);

        /// <summary>
        /// The longest a command may take from the call to its answer, however steadily the server
        /// sends (default null: no deadline; IDLE is exempt, it has its own timeout). A command still
        /// waiting its turn at the deadline fails alone with <see cref="ImapDeadlineException"/> and the
        /// connection stays usable; a command already sent ends the connection with an
        /// <see cref="ImapTimeoutException"/> of kind <see cref="ImapTimeoutKind.CommandDeadline"/>,
        /// since its answer may be half read. <see cref="Imap4Client.WithCommandDeadline"/> overrides it
        /// for the commands issued in a scope.
        /// </summary>
        public TimeSpan? CommandDeadline
        {
            get => _commandDeadline;
            set => _commandDeadline = value == null || value > TimeSpan.Zero ? value
                : throw new ArgumentOutOfRangeException(nameof(CommandDeadline), value, "The command deadline must be positive (or null).");
        }

        private TimeSpan? _commandDeadline;

        /// <summary>
        /// TCP keepalive on TCP connections: after this long without traffic the system probes the
        /// peer, then every 10 s, and gives up after 3 unanswered probes (default 60 s; null: the
        /// system's defaults, keepalive still on). This keeps NAT mappings alive and finds a vanished
        /// host when nothing is being written; the probe times are set where the platform allows
        /// (Linux, Windows 10 1709 and later, macOS), else the system's own apply.
        /// </summary>
        public TimeSpan? TcpKeepAlive { get; set; } = TimeSpan.FromSeconds(60);

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
