using System.Collections.Generic;
using System.Management.Automation.Runspaces;
using System.Runtime.CompilerServices;

namespace ImapPS
{
    /// <summary>
    /// The sessions opened in each runspace, and its default session. Runspaces are independent
    /// (a parallel runspace starts with no default and gets its session through $using:), so the
    /// table is keyed by runspace and each entry is locked on its own.
    /// </summary>
    /// <remarks>
    /// The default session is the one the last Connect-Imap made, and nothing else: when that
    /// Connect-Imap failed, or its session was closed (Disconnect-Imap, a drop, the server's BYE),
    /// there is no usable default and cmdlets without -Session fail. They never fall back to an
    /// older session, which may belong to another account.
    /// </remarks>
    internal static class SessionRegistry
    {
        private sealed class RunspaceSessions
        {
            public readonly List<ImapSession> Sessions = new List<ImapSession>();
            public ImapSession? Default;
            // Why there is no default session (Default is null), in the user's terms.
            public string? NoDefaultReason;
        }

        private static readonly ConditionalWeakTable<Runspace, RunspaceSessions> s_table = new ConditionalWeakTable<Runspace, RunspaceSessions>();
        private static readonly RunspaceSessions s_noRunspace = new RunspaceSessions();

        private static RunspaceSessions Current
        {
            get
            {
                var runspace = Runspace.DefaultRunspace;
                return runspace == null ? s_noRunspace : s_table.GetValue(runspace, _ => new RunspaceSessions());
            }
        }

        /// <summary>Registers a session Connect-Imap made and makes it the default.</summary>
        public static void Add(ImapSession session)
        {
            var entry = Current;
            lock (entry)
            {
                entry.Sessions.Add(session);
                entry.Default = session;
                entry.NoDefaultReason = null;
            }
        }

        /// <summary>
        /// A Connect-Imap did not produce a session: from now on there is no default session, so
        /// the next cmdlet without -Session cannot run on the previous account by mistake.
        /// </summary>
        public static void ConnectFailed(string reason)
        {
            var entry = Current;
            lock (entry)
            {
                entry.Default = null;
                entry.NoDefaultReason = reason;
            }
        }

        /// <summary>Forgets a session closed with Disconnect-Imap (or replaced by Connect-Imap -Force).</summary>
        public static void Remove(ImapSession session)
        {
            var entry = Current;
            lock (entry)
            {
                entry.Sessions.Remove(session);
                if (ReferenceEquals(entry.Default, session))
                {
                    entry.Default = null;
                    entry.NoDefaultReason = "The default session '" + session.Name + "' is closed. " + (session.CloseReason ?? "It was closed with Disconnect-Imap.");
                }
            }
        }

        /// <summary>
        /// The default session of this runspace: the one the last Connect-Imap made, open or closed
        /// (callers check). Null when there is none; <paramref name="reason"/> then says why.
        /// </summary>
        public static ImapSession? GetDefault(out string? reason)
        {
            var entry = Current;
            lock (entry)
            {
                reason = entry.Default == null ? entry.NoDefaultReason : null;
                return entry.Default;
            }
        }

        /// <summary>The default session (see <see cref="GetDefault"/>), or null.</summary>
        public static ImapSession? Default => GetDefault(out _);

        public static IReadOnlyList<ImapSession> All
        {
            get
            {
                var entry = Current;
                lock (entry) return entry.Sessions.ToArray();
            }
        }
    }
}
