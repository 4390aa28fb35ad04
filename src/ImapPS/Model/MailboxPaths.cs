using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ImapPS.Client;
using ImapPS.Client.Protocol;

namespace ImapPS
{
    /// <summary>
    /// Turns a mailbox path as a PowerShell user writes it (<c>Archive/2024</c>: <c>/</c> separates
    /// levels on every server) into the server's own name (<c>INBOX.Archive.2024</c> on Courier), and
    /// back. Fed by NAMESPACE and the LIST delimiter, read once per session. The rules:
    /// <list type="bullet">
    /// <item><c>/</c> becomes the server's hierarchy delimiter. On a server whose delimiter is not
    /// <c>/</c>, a <c>/</c> therefore cannot be part of a folder's name through a path; and that
    /// server's delimiter (e.g. <c>.</c>) in a path separates levels too, since the server reads it so.</item>
    /// <item><c>INBOX</c> as the first level is matched case-insensitively and sent as <c>INBOX</c>.</item>
    /// <item>Where the personal namespace has a prefix (Courier: <c>INBOX.</c>), a path that is not
    /// INBOX and does not already start with a namespace prefix (personal, other users', shared) is
    /// put under that prefix.</item>
    /// </list>
    /// Names the server returns (from LIST, on piped objects) come out unchanged, so a mailbox's
    /// <see cref="ImapMailbox.Name"/> can be passed back as a path.
    /// </summary>
    public sealed class MailboxPaths
    {
        internal MailboxPaths(char? delimiter, string personalPrefix, IReadOnlyList<string> otherPrefixes)
        {
            Delimiter = delimiter;
            PersonalPrefix = personalPrefix;
            OtherPrefixes = otherPrefixes;
        }

        /// <summary>The server's hierarchy delimiter, or null for a flat namespace.</summary>
        public char? Delimiter { get; }

        /// <summary>The personal namespace's prefix ("" on most servers, "INBOX." on Courier).</summary>
        public string PersonalPrefix { get; }

        /// <summary>Prefixes of the other users' and shared namespaces.</summary>
        public IReadOnlyList<string> OtherPrefixes { get; }

        /// <summary>The server's name for <paramref name="path"/>; <paramref name="note"/> says what was changed, or is null.</summary>
        public string ToServerName(string path, out string? note) => Map(path, pattern: false, out note);

        /// <summary>Like <see cref="ToServerName"/> for a LIST pattern: a pattern starting with a wildcard is not put under the prefix.</summary>
        public string ToServerPattern(string pattern, out string? note) => Map(pattern, pattern: true, out note);

        /// <summary>The path the user writes for a server name: the personal prefix dropped, the delimiter shown as <c>/</c>.</summary>
        public string ToPath(string serverName)
        {
            if (string.IsNullOrEmpty(serverName)) return serverName;
            string name = serverName;
            if (PersonalPrefix.Length > 0 && name.Length > PersonalPrefix.Length && name.StartsWith(PersonalPrefix, StringComparison.Ordinal))
                name = name.Substring(PersonalPrefix.Length);
            if (Delimiter is char d && d != '/') name = name.Replace(d, '/');
            return name;
        }

        private string Map(string path, bool pattern, out string? note)
        {
            note = null;
            if (string.IsNullOrEmpty(path)) return path;
            string name = path;
            if (Delimiter is char d && d != '/') name = name.Replace('/', d);
            char delimiter = Delimiter ?? '\0';
            // RFC 3501 5.1: INBOX is case-insensitive.
            if (name.StartsWith("INBOX", StringComparison.OrdinalIgnoreCase) && !name.StartsWith("INBOX", StringComparison.Ordinal)
                && (name.Length == 5 || name[5] == delimiter))
                name = "INBOX" + name.Substring(5);
            if (PersonalPrefix.Length > 0 && !InNamespace(name) && !(pattern && (name[0] == '*' || name[0] == '%')))
            {
                name = PersonalPrefix + name;
                note = "'" + path + "' is '" + name + "' on this server (personal namespace '" + PersonalPrefix + "', delimiter '" + Delimiter + "').";
            }
            else if (!string.Equals(name, path, StringComparison.Ordinal) && !string.Equals(name, "INBOX", StringComparison.Ordinal))
                note = "'" + path + "' is '" + name + "' on this server (delimiter '" + Delimiter + "').";
            return name;
        }

        private bool InNamespace(string name)
        {
            if (name == "INBOX") return true;
            if (name.StartsWith(PersonalPrefix, StringComparison.Ordinal)) return true;
            // The prefix itself without its delimiter (e.g. "INBOX" for "INBOX.") is INBOX, handled above.
            foreach (var p in OtherPrefixes)
            {
                if (p.Length == 0) continue;
                if (name.StartsWith(p, StringComparison.Ordinal)) return true;
                if (Delimiter is char d && p[p.Length - 1] == d && name == p.Substring(0, p.Length - 1)) return true;
            }
            return false;
        }

        /// <summary>Reads NAMESPACE (where offered) and the LIST delimiter.</summary>
        internal static async Task<MailboxPaths> LoadAsync(Imap4Client client)
        {
            string personal = "";
            char? delimiter = null;
            bool known = false;
            var others = new List<string>();
            if (client.HasCapability("NAMESPACE"))
            {
                var response = await client.NamespaceAsync().ConfigureAwait(false);
                var data = response.IsOk ? response.Untagged.FirstOrDefault(u => u.Name == "NAMESPACE") : null;
                if (data != null)
                {
                    var ns = NamespaceData.Parse(data);
                    if (ns.Personal.Count > 0)
                    {
                        personal = ns.Personal[0].Prefix;
                        delimiter = ns.Personal[0].Delimiter;
                        known = true;
                    }
                    others.AddRange(ns.Personal.Skip(1).Concat(ns.Other).Concat(ns.Shared).Select(n => n.Prefix));
                }
            }
            if (!known)
            {
                // LIST "" "" gives the delimiter of the root (RFC 3501 6.3.8).
                var list = await client.ListAsync("", "").ConfigureAwait(false);
                var entry = list.IsOk ? list.Untagged.FirstOrDefault(u => u.Name == "LIST") : null;
                if (entry != null) delimiter = ListEntry.Parse(entry).Delimiter;
            }
            return new MailboxPaths(delimiter, personal, others);
        }
    }
}

namespace ImapPS
{
    public sealed partial class ImapSession
    {
        private readonly object _pathsLock = new object();
        private MailboxPaths? _paths;
        private Task<MailboxPaths>? _pathsLoading;

        /// <summary>How this session's server names mailboxes (namespace prefix and delimiter), once a cmdlet has needed it; else null.</summary>
        public MailboxPaths? MailboxPaths => Volatile.Read(ref _paths);

        /// <summary>The session's <see cref="ImapPS.MailboxPaths"/>, read from the server on first use and then cached.</summary>
        internal MailboxPaths GetMailboxPaths(CancellationToken cancellationToken)
        {
            var known = Volatile.Read(ref _paths);
            if (known != null) return known;
            Task<MailboxPaths> loading;
            lock (_pathsLock) loading = _pathsLoading ??= MailboxPaths.LoadAsync(Client);
            try
            {
                var paths = Wait(loading, cancellationToken);
                Volatile.Write(ref _paths, paths);
                return paths;
            }
            catch (Exception) when (loading.IsFaulted || loading.IsCanceled)
            {
                // A failed load is not cached: the next cmdlet asks again.
                lock (_pathsLock) if (ReferenceEquals(_pathsLoading, loading)) _pathsLoading = null;
                throw;
            }
        }
    }
}
