using System.Collections.Generic;
using System.Linq;
using System.Management.Automation.Runspaces;
using System.Runtime.CompilerServices;

namespace ImapPS
{
    /// <summary>
    /// The sessions opened in each runspace, and its default session. Runspaces are independent
    /// (a parallel runspace starts with no default and gets its session through $using:), so the
    /// table is keyed by runspace and each entry is locked on its own.
    /// </summary>
    internal static class SessionRegistry
    {
        private sealed class RunspaceSessions
        {
            public readonly List<ImapSession> Sessions = new List<ImapSession>();
            public ImapSession? Default;
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

        public static void Add(ImapSession session)
        {
            var entry = Current;
            lock (entry)
            {
                entry.Sessions.Add(session);
                entry.Default = session;
            }
        }

        public static void Remove(ImapSession session)
        {
            var entry = Current;
            lock (entry)
            {
                entry.Sessions.Remove(session);
                if (ReferenceEquals(entry.Default, session))
                    entry.Default = entry.Sessions.LastOrDefault(s => s.IsConnected);
            }
        }

        /// <summary>The default session of this runspace: the last one connected that is still open.</summary>
        public static ImapSession? Default
        {
            get
            {
                var entry = Current;
                lock (entry)
                {
                    if (entry.Default != null && entry.Default.IsConnected) return entry.Default;
                    return entry.Sessions.LastOrDefault(s => s.IsConnected);
                }
            }
        }

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
