using System;

namespace ImapPS.Client
{
    // Every exception the engine and the cmdlets throw lives in this file. The rule: a command that
    // failed is an ImapCommandException and leaves the connection usable; a connection that is gone
    // is an ImapAbortException (or a subclass saying why) and nothing else; refusals the client makes
    // itself before sending anything (security, read-only, capability, invalid names) have their own
    // types and never claim the connection is dead.

    /// <summary>
    /// The base of every IMAP error. Thrown as such when the caller asks for something the connection
    /// cannot do in its current state (nothing is sent). The connection remains usable; only
    /// <see cref="ImapAbortException"/> and its subclasses mean it is gone.
    /// </summary>
    public class ImapException : Exception
    {
        /// <summary>Creates an exception with a message.</summary>
        public ImapException(string message) : base(message) { }

        /// <summary>Creates an exception with a message and the error that caused it.</summary>
        public ImapException(string message, Exception? innerException) : base(message, innerException) { }
    }

    /// <summary>
    /// The server answered a command with NO or BAD. The connection remains usable. The imaplib2-style
    /// methods return a NO as a result (<see cref="ImapResponse.Type"/> "NO") and throw this for BAD;
    /// the typed operations the cmdlets use throw it for both.
    /// </summary>
    public class ImapCommandException : ImapException
    {
        /// <summary>Creates the exception for <paramref name="command"/> from the server's tagged answer.</summary>
        public ImapCommandException(string command, ImapResponse response)
            : this(command, response.Type, response.Tagged?.CodeName, response.Text) { }

        /// <summary>Creates the exception from its parts.</summary>
        public ImapCommandException(string command, string responseType, string? responseCode, string serverText)
            : base(command + " failed: " + (responseType.Length > 0 ? responseType + " " : "") + serverText)
        {
            Command = command;
            ResponseType = responseType;
            ResponseCode = responseCode;
            ServerText = serverText;
        }

        /// <summary>The command (or the operation's words) that failed.</summary>
        public string Command { get; }

        /// <summary>NO or BAD.</summary>
        public string ResponseType { get; }

        /// <summary>The response code (e.g. NONEXISTENT, ALREADYEXISTS, OVERQUOTA), if any.</summary>
        public string? ResponseCode { get; }

        /// <summary>The server's text.</summary>
        public string ServerText { get; }

        /// <summary>True when the server said the mailbox does not exist (by RFC 5530 code, or in words for servers without codes).</summary>
        public bool IsNonExistent => ResponseCode == "NONEXISTENT" || ResponseCode == "TRYCREATE" ||
            ServerText.IndexOf("doesn't exist", StringComparison.OrdinalIgnoreCase) >= 0 ||
            ServerText.IndexOf("does not exist", StringComparison.OrdinalIgnoreCase) >= 0 ||
            ServerText.IndexOf("no such mailbox", StringComparison.OrdinalIgnoreCase) >= 0;
    }

    /// <summary>The server refused to select (or otherwise open) a mailbox. The connection remains usable.</summary>
    public sealed class ImapMailboxException : ImapCommandException
    {
        /// <summary>Creates the exception for <paramref name="mailbox"/> from the server's tagged answer.</summary>
        public ImapMailboxException(string mailbox, ImapResponse response)
            : base("Open mailbox '" + mailbox + "'", response.Type, response.Tagged?.CodeName, response.Text)
            => Mailbox = mailbox;

        /// <summary>The mailbox name.</summary>
        public string Mailbox { get; }

        /// <summary>True when the server said the mailbox does not exist.</summary>
        public bool IsNotFound => ResponseCode == "NONEXISTENT" || ServerText.IndexOf("exist", StringComparison.OrdinalIgnoreCase) >= 0;
    }

    /// <summary>
    /// The command belongs to an extension the server did not offer, so it was not sent. The
    /// connection remains usable.
    /// </summary>
    public class ImapCapabilityException : ImapException
    {
        /// <summary>Creates the exception for <paramref name="command"/>, which needs one of <paramref name="capabilities"/>.</summary>
        public ImapCapabilityException(string command, params string[] capabilities)
            : base("The server does not offer " + string.Join(" or ", capabilities) +
                   (capabilities.Length == 1 && capabilities[0] == command ? "." : " (needed for " + command + ")."))
        {
            Command = command;
            Capabilities = capabilities;
        }

        /// <summary>Creates the exception for <paramref name="command"/> with a message of its own (an extension offered but not enabled, …).</summary>
        public ImapCapabilityException(string command, string[] capabilities, string message)
            : base(message)
        {
            Command = command;
            Capabilities = capabilities;
        }

        /// <summary>The command that was not sent.</summary>
        public string Command { get; }

        /// <summary>The capabilities of which the server would have had to offer one.</summary>
        public System.Collections.Generic.IReadOnlyList<string> Capabilities { get; }
    }

    /// <summary>
    /// The connection is gone (dropped socket, timeout, BYE, unparseable reply, a TLS upgrade that
    /// failed halfway). The client that raised it has been shut down and cannot be used again; its
    /// <c>AbortError</c> says why. Nothing else the engine throws means that.
    /// </summary>
    public class ImapAbortException : ImapException
    {
        /// <summary>Creates an exception with a message.</summary>
        public ImapAbortException(string message) : base(message) { }

        /// <summary>Creates an exception with a message and the error that caused it.</summary>
        public ImapAbortException(string message, Exception? innerException) : base(message, innerException) { }
    }

    /// <summary>What a client's timer ended the connection for (<see cref="ImapTimeoutException.Kind"/>).</summary>
    public enum ImapTimeoutKind
    {
        /// <summary>A command waited longer than <c>ResponseTimeout</c> without a byte from the server.</summary>
        Response,
        /// <summary>
        /// A dead peer: the server left a DONE, an IDLE's continuation, or a NOOP with nothing else in
        /// flight unanswered for <c>DeadPeerTimeout</c> (at most <c>ResponseTimeout</c>); these are answered
        /// at once by any live server.
        /// </summary>
        DeadPeer,
        /// <summary>A command that was sent outlived its <c>CommandDeadline</c> (a server dripping its answer, say).</summary>
        CommandDeadline,
        /// <summary>The server did not take the command's bytes within <c>ResponseTimeout</c>.</summary>
        Write,
    }

    /// <summary>
    /// The connection was closed because a time bound ran out (<see cref="Kind"/> says which). Like
    /// every <see cref="ImapAbortException"/>, every pending command fails with it and the client
    /// cannot be used again.
    /// </summary>
    public class ImapTimeoutException : ImapAbortException
    {
        /// <summary>Creates the exception.</summary>
        public ImapTimeoutException(string message, ImapTimeoutKind kind, TimeSpan limit, string? command = null) : base(message)
        {
            Kind = kind;
            Limit = limit;
            Command = command;
        }

        /// <summary>Which bound ran out.</summary>
        public ImapTimeoutKind Kind { get; }

        /// <summary>The bound that ran out.</summary>
        public TimeSpan Limit { get; }

        /// <summary>The command the bound was measured for (DONE for an IDLE being ended), or null.</summary>
        public string? Command { get; }
    }

    /// <summary>
    /// A command's deadline (<c>CommandDeadline</c>) passed while it still waited its turn, before a
    /// byte of it was written: only that command fails, and the connection remains usable. (A command
    /// whose deadline passes after it was sent ends the connection with an
    /// <see cref="ImapTimeoutException"/> of kind <see cref="ImapTimeoutKind.CommandDeadline"/>: its
    /// answer may be half read.)
    /// </summary>
    public class ImapDeadlineException : ImapException
    {
        /// <summary>Creates the exception.</summary>
        public ImapDeadlineException(string message, string command, TimeSpan deadline) : base(message)
        {
            Command = command;
            Deadline = deadline;
        }

        /// <summary>The command that was not sent.</summary>
        public string Command { get; }

        /// <summary>The deadline that passed.</summary>
        public TimeSpan Deadline { get; }
    }

    /// <summary>
    /// A security check failed: the server's certificate was not trusted, TLS could not be
    /// negotiated, or sending credentials would have exposed them (no STARTTLS, STARTTLS refused,
    /// LOGINDISABLED, LOGIN in clear when TLS is required). A refusal leaves the connection as it was
    /// (nothing was sent). A connect that fails with it leaves no client to use; a STARTTLS whose
    /// handshake failed ends the connection and throws <see cref="ImapAbortException"/> with this
    /// exception as its <see cref="Exception.InnerException"/>.
    /// </summary>
    public class ImapSecurityException : ImapException
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

    /// <summary>
    /// The selected mailbox became read-only while the caller expected to change it; the command was
    /// not sent. The connection remains usable: select the mailbox again to go on.
    /// </summary>
    public class ImapReadOnlyException : ImapException
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
    /// <summary>
    /// A lost connection could not be re-established within the reconnect policy (attempts or
    /// give-up time spent, or a failure that retrying cannot cure: a certificate no longer trusted,
    /// credentials refused). The connection is gone, as with every <see cref="ImapAbortException"/>;
    /// <see cref="Exception.InnerException"/> is the last attempt's failure.
    /// </summary>
    public class ImapReconnectFailedException : ImapAbortException
    {
        /// <summary>Creates the exception after <paramref name="attempts"/> attempts over <paramref name="elapsed"/>.</summary>
        public ImapReconnectFailedException(string message, int attempts, TimeSpan elapsed, Exception? innerException)
            : base(message, innerException)
        {
            Attempts = attempts;
            Elapsed = elapsed;
        }

        /// <summary>How many connection attempts were made.</summary>
        public int Attempts { get; }

        /// <summary>How long the attempts took, from the loss to giving up.</summary>
        public TimeSpan Elapsed { get; }
    }

    /// <summary>
    /// After a reconnect the mailbox that was selected has another UIDVALIDITY (it was deleted and
    /// re-created, or the server lost its UID mapping): every UID known from before may now name
    /// another message, so nothing more is done with them. Nothing was sent after the SELECT that
    /// found it. Select the mailbox again (and look the messages up again) to go on.
    /// </summary>
    public class ImapUidValidityChangedException : ImapException
    {
        /// <summary>Creates the exception for <paramref name="mailbox"/>.</summary>
        public ImapUidValidityChangedException(string mailbox, uint expected, uint actual)
            : base("The UIDVALIDITY of '" + mailbox + "' changed from " + expected + " to " + actual +
                   " while the connection was being re-established: the UIDs known before may now name other messages, so nothing more was done with them. " +
                   "Select the mailbox again and look the messages up again.")
        {
            Mailbox = mailbox;
            Expected = expected;
            Actual = actual;
        }

        /// <summary>The mailbox.</summary>
        public string Mailbox { get; }

        /// <summary>The UIDVALIDITY before the connection was lost.</summary>
        public uint Expected { get; }

        /// <summary>The UIDVALIDITY after reconnecting.</summary>
        public uint Actual { get; }
    }

    /// <summary>
    /// The connection was lost while a command that is not safe to repeat (APPEND, COPY, MOVE, …)
    /// was on its way, and whether the server carried it out could not be established. It was not
    /// retried: check the target before doing it again. The connection has been re-established when
    /// <see cref="Reconnected"/> is true.
    /// </summary>
    public class ImapOutcomeUnknownException : ImapException
    {
        /// <summary>Creates the exception for <paramref name="operation"/>.</summary>
        public ImapOutcomeUnknownException(string operation, string why, bool reconnected, Exception? innerException)
            : base("The connection was lost during " + operation + " and it is not known whether the server carried it out: " + why +
                   " It was not repeated; check before doing it again.", innerException)
        {
            Operation = operation;
            Reconnected = reconnected;
        }

        /// <summary>What was interrupted (e.g. "APPEND to 'INBOX'").</summary>
        public string Operation { get; }

        /// <summary>True when the connection has been re-established.</summary>
        public bool Reconnected { get; }
    }

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

namespace ImapPS.Client.Protocol
{
    /// <summary>
    /// A mailbox name in modified UTF-7 that is not valid or not in the canonical form RFC 3501
    /// §5.1.3 prescribes. The connection remains usable.
    /// </summary>
    public class ImapMailboxNameException : ImapException
    {
        /// <summary>Creates the exception for a name and the index of the offending character.</summary>
        public ImapMailboxNameException(string message, string encodedName, int position)
            : base(message + " (at index " + position + " of the encoded mailbox name)")
        {
            EncodedName = encodedName;
            Position = position;
        }

        /// <summary>The name as the server sent it.</summary>
        public string EncodedName { get; }

        /// <summary>The index in <see cref="EncodedName"/> where decoding failed.</summary>
        public int Position { get; }
    }
}
