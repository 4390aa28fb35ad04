using System;

namespace ImapPS.Client
{
    /// <summary>
    /// A logical IMAP error: the server answered NO or BAD, or the caller asked for something the
    /// connection cannot do in its current state. The connection remains usable.
    /// </summary>
    public class ImapException : Exception
    {
        /// <summary>Creates an exception with a message.</summary>
        public ImapException(string message) : base(message) { }

        /// <summary>Creates an exception with a message and the error that caused it.</summary>
        public ImapException(string message, Exception? innerException) : base(message, innerException) { }
    }

    /// <summary>
    /// A server or connection failure (dropped socket, timeout, BYE, unparseable reply). The client
    /// that raised it has been shut down and cannot be used again.
    /// </summary>
    public class ImapAbortException : ImapException
    {
        /// <summary>Creates an exception with a message.</summary>
        public ImapAbortException(string message) : base(message) { }

        /// <summary>Creates an exception with a message and the error that caused it.</summary>
        public ImapAbortException(string message, Exception? innerException) : base(message, innerException) { }
    }

    /// <summary>
    /// A security check failed: the server's certificate was not trusted, TLS could not be
    /// negotiated, or sending credentials would have exposed them (no STARTTLS, LOGINDISABLED).
    /// </summary>
    public class ImapSecurityException : ImapAbortException
    {
        /// <summary>Creates an exception with a message.</summary>
        public ImapSecurityException(string message) : base(message) { }

        /// <summary>Creates an exception with a message and the error that caused it.</summary>
        public ImapSecurityException(string message, Exception? innerException) : base(message, innerException) { }

        /// <summary>Creates an exception for a failed TLS handshake, with the reason as far as the client can tell.</summary>
        public ImapSecurityException(string message, TlsFailureKind tlsFailure, Exception? innerException) : base(message, innerException)
            => TlsFailure = tlsFailure;

        /// <summary>Why a TLS handshake failed (<see cref="TlsFailureKind.Other"/> for other security failures).</summary>
        public TlsFailureKind TlsFailure { get; }
    }

    /// <summary>Why a TLS handshake failed, as far as the client can tell.</summary>
    public enum TlsFailureKind
    {
        /// <summary>Not known more precisely; the message carries the platform's words.</summary>
        Other,
        /// <summary>The server's certificate was rejected (the message says why: expired, untrusted, wrong name, …).</summary>
        Certificate,
        /// <summary>The server offers only a TLS version older than the client accepts (or none in common).</summary>
        ProtocolVersion,
        /// <summary>The server and client have no cipher suite in common, or the server refused the handshake.</summary>
        HandshakeRefused,
        /// <summary>The port speaks plain IMAP (the server greeted with "* "): STARTTLS is the way to TLS there.</summary>
        PlainImapPort,
        /// <summary>The server answered with bytes that are neither TLS nor IMAP.</summary>
        NotTls,
    }

    /// <summary>
    /// The server accepted the connection but did not greet as an IMAP server: no greeting within
    /// the connect timeout, or a TLS server on a port the client expected to speak plain IMAP.
    /// </summary>
    public class ImapGreetingException : ImapAbortException
    {
        /// <summary>Creates an exception with a message; <paramref name="serverSpeaksTls"/> when a probe found TLS on the port.</summary>
        public ImapGreetingException(string message, bool serverSpeaksTls, Exception? innerException = null) : base(message, innerException)
            => ServerSpeaksTls = serverSpeaksTls;

        /// <summary>True when a TLS handshake on the same port succeeded: it is an implicit-TLS (IMAPS) port.</summary>
        public bool ServerSpeaksTls { get; }
    }

    /// <summary>The selected mailbox became read-only while the caller expected to change it.</summary>
    public class ImapReadOnlyException : ImapAbortException
    {
        /// <summary>Creates an exception with a message.</summary>
        public ImapReadOnlyException(string message) : base(message) { }
    }

    /// <summary>
    /// The server sent bytes that do not form a valid IMAP response (or exceed a configured limit).
    /// <see cref="Offset"/> and <see cref="Excerpt"/> locate the offending bytes.
    /// </summary>
    public class ImapProtocolException : ImapAbortException
    {
        /// <summary>Creates an exception that names the offending bytes.</summary>
        public ImapProtocolException(string message, string excerpt, int offset)
            : base(message + (excerpt.Length > 0 ? " near «" + excerpt + "» at byte " + offset : ""))
        {
            Excerpt = excerpt;
            Offset = offset;
        }

        /// <summary>A printable rendering of the bytes around the error.</summary>
        public string Excerpt { get; }

        /// <summary>The offset of the error within the response.</summary>
        public int Offset { get; }
    }
}

namespace ImapPS.Client
{
    /// <summary>
    /// A mailbox name (or quota root, or LIST pattern) the engine refuses before anything is sent:
    /// it contains CR, LF or NUL. No server accepts such a name, and servers that echo the name in
    /// their error text (Dovecot does) would send a line that is not an IMAP response and so end
    /// the session. The connection is untouched and remains usable.
    /// </summary>
    public class InvalidMailboxNameException : ArgumentException
    {
        /// <summary>Creates the exception for the parameter <paramref name="paramName"/>.</summary>
        public InvalidMailboxNameException(string message, string? paramName) : base(message, paramName) { }

        /// <summary>Throws when <paramref name="name"/> contains CR, LF or NUL. The message names the character and its index, never the whole name.</summary>
        /// <exception cref="InvalidMailboxNameException">The name contains CR, LF or NUL.</exception>
        public static void ThrowIfInvalid(string name, string? paramName = "mailbox")
        {
            if (name is null) throw new ArgumentNullException(paramName);
            int i = name.IndexOfAny(Forbidden);
            if (i < 0) return;
            string what = name[i] == '\r' ? "a carriage return (CR)" : name[i] == '\n' ? "a line feed (LF)" : "a NUL character";
            throw new InvalidMailboxNameException("A mailbox name cannot contain " + what + " (found at index " + i + "); no IMAP server accepts such a name, so nothing was sent.", paramName);
        }

        private static readonly char[] Forbidden = { '\r', '\n', '\0' };
    }
}
