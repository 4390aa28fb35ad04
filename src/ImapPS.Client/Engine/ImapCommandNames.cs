using System;
using System.Collections.Generic;

namespace ImapPS.Client
{
    /// <summary>
    /// Reads the name of a command given as text, and tells which commands change the session's
    /// state (selected mailbox, authentication, transport, encoding). The engine's generic entry
    /// points (<see cref="Imap4Client.ExecuteAsync"/>, <see cref="Imap4Client.Xatom(string, string[])"/>)
    /// refuse those commands, because only their own methods keep the client's view of the session
    /// (<see cref="Imap4Client.SelectedMailbox"/>, <see cref="Imap4Client.State"/>, the transport)
    /// in step with the server's.
    /// </summary>
    public static class ImapCommandNames
    {
        private static readonly HashSet<string> StateChanging = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            // RFC 3501: the selected mailbox, authentication, the transport, the end of the session.
            "SELECT", "EXAMINE", "CLOSE", "LOGOUT", "LOGIN", "AUTHENTICATE", "STARTTLS",
            "UNSELECT",       // RFC 3691
            "IDLE",           // RFC 2177: needs the engine's continuation handling and DONE
            "ENABLE",         // RFC 5161: UTF8=ACCEPT and QRESYNC change how every later command is encoded and answered
            "COMPRESS",       // RFC 4978: the transport must switch at the tagged OK
            "UNAUTHENTICATE", // RFC 8437: back to the not-authenticated state
            "PROXYAUTH",      // Cyrus: becomes another user
            "NOTIFY",         // RFC 5465: changes what the server sends unasked, for this and other mailboxes
            "LANGUAGE",       // RFC 5255: changes the language of the server's texts
            "COMPARATOR",     // RFC 5255: changes how every later SEARCH and SORT compare
        };

        /// <summary>
        /// The command's name: its first word, or the second when the first is <c>UID</c>, in upper
        /// case, whatever the case, arguments or spacing of <paramref name="commandLine"/>
        /// (<c>"uid  Fetch 1:* FLAGS"</c> gives <c>FETCH</c>; <c>"select INBOX"</c> gives <c>SELECT</c>).
        /// </summary>
        public static string NameOf(string commandLine)
        {
            if (commandLine is null) throw new ArgumentNullException(nameof(commandLine));
            int i = 0;
            string first = NextWord(commandLine, ref i);
            if (first.Equals("UID", StringComparison.OrdinalIgnoreCase))
            {
                string second = NextWord(commandLine, ref i);
                if (second.Length > 0) return second.ToUpperInvariant();
            }
            return first.ToUpperInvariant();
        }

        /// <summary>
        /// True when the command (by its name, see <see cref="NameOf"/>) changes the session's state:
        /// SELECT, EXAMINE, CLOSE, UNSELECT, LOGOUT, LOGIN, AUTHENTICATE, STARTTLS, IDLE, ENABLE,
        /// COMPRESS, UNAUTHENTICATE, PROXYAUTH, NOTIFY, LANGUAGE, COMPARATOR.
        /// </summary>
        public static bool ChangesSessionState(string commandLine) => StateChanging.Contains(NameOf(commandLine));

        /// <summary>
        /// Whether a command may be sent again after the connection was lost while it ran, by its
        /// name (see <see cref="NameOf"/>): reads and idempotent changes may; anything else (APPEND,
        /// COPY, MOVE, CREATE, RENAME, DELETE, a plain EXPUNGE, …) may not. UID EXPUNGE of given UIDs
        /// removes the same messages however often it runs.
        /// </summary>
        public static ImapOperationSafety SafetyOf(string commandLine)
        {
            switch (NameOf(commandLine))
            {
                case "FETCH": case "SEARCH": case "SORT": case "THREAD": case "LIST": case "LSUB": case "STATUS": case "NOOP": case "CAPABILITY":
                case "NAMESPACE": case "GETQUOTA": case "GETQUOTAROOT": case "GETACL": case "MYRIGHTS": case "LISTRIGHTS": case "GETMETADATA": case "ID":
                    return ImapOperationSafety.Read;
                case "STORE": case "SUBSCRIBE": case "UNSUBSCRIBE": case "SETQUOTA": case "SETACL": case "DELETEACL": case "SETMETADATA":
                    return ImapOperationSafety.Idempotent;
                case "EXPUNGE":
                    int i = 0;
                    return NextWord(commandLine, ref i).Equals("UID", StringComparison.OrdinalIgnoreCase) ? ImapOperationSafety.Idempotent : ImapOperationSafety.NotIdempotent;
                default:
                    return ImapOperationSafety.NotIdempotent;
            }
        }

        /// <summary>The state-changing command names, in upper case.</summary>
        public static IReadOnlyCollection<string> StateChangingCommands => StateChanging;

        private static string NextWord(string s, ref int i)
        {
            // Any whitespace or control character separates words here: a caller's "SELECT\tINBOX"
            // is still a SELECT, even though the command builder would refuse the tab later.
            while (i < s.Length && IsSeparator(s[i])) i++;
            int start = i;
            while (i < s.Length && !IsSeparator(s[i])) i++;
            return s.Substring(start, i - start);
        }

        private static bool IsSeparator(char c) => char.IsWhiteSpace(c) || char.IsControl(c);
    }
}
