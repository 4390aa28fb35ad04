using System;
using System.Collections.Generic;
using ImapPS.Client.Protocol;

namespace ImapPS
{
    /// <summary>One resource of a quota root (RFC 2087/9208): usage and limit, in KiB for STORAGE.</summary>
    public sealed class ImapQuota
    {
        internal ImapQuota(string root, string resource, ulong usage, ulong limit, string? mailbox)
        {
            Root = root; Resource = resource; Usage = usage; Limit = limit; Mailbox = mailbox;
        }

        /// <summary>The quota root ("" is the user's usual root on many servers).</summary>
        public string Root { get; }
        /// <summary>The resource: STORAGE (KiB), MESSAGE (count), …</summary>
        public string Resource { get; }
        /// <summary>The amount used.</summary>
        public ulong Usage { get; }
        /// <summary>The limit.</summary>
        public ulong Limit { get; }
        /// <summary>Usage as a percentage of the limit.</summary>
        public double PercentUsed => Limit == 0 ? 0 : Math.Round(100.0 * Usage / Limit, 1);
        /// <summary>The mailbox asked about (GETQUOTAROOT), if any.</summary>
        public string? Mailbox { get; }
    }

    /// <summary>One ACL entry of a mailbox (RFC 4314).</summary>
    public sealed class ImapAcl
    {
        internal ImapAcl(string mailbox, string identifier, string rights) { Mailbox = mailbox; Identifier = identifier; Rights = rights; }
        /// <summary>The mailbox.</summary>
        public string Mailbox { get; }
        /// <summary>Who (a user, "anyone", a group such as "$group"; "-user" for negative rights).</summary>
        public string Identifier { get; }
        /// <summary>The rights letters (l r s w i p k x t e a).</summary>
        public string Rights { get; }
    }

    /// <summary>Rights on a mailbox: the caller's own (MYRIGHTS) or those that may be granted to someone (LISTRIGHTS).</summary>
    public sealed class ImapRight
    {
        internal ImapRight(string mailbox, string? identifier, string rights, IReadOnlyList<string>? optional)
        { Mailbox = mailbox; Identifier = identifier; Rights = rights; OptionalRights = optional ?? Array.Empty<string>(); }
        /// <summary>The mailbox.</summary>
        public string Mailbox { get; }
        /// <summary>Whose rights (null: the caller's own).</summary>
        public string? Identifier { get; }
        /// <summary>The caller's rights (MYRIGHTS), or the rights always granted (LISTRIGHTS).</summary>
        public string Rights { get; }
        /// <summary>Groups of rights that may be granted (LISTRIGHTS).</summary>
        public IReadOnlyList<string> OptionalRights { get; }
    }

    /// <summary>A namespace (RFC 2342): where personal, other users' and shared mailboxes live.</summary>
    public sealed class ImapNamespace
    {
        internal ImapNamespace(string kind, string prefix, char? delimiter) { Kind = kind; Prefix = prefix; Delimiter = delimiter; }
        /// <summary>Personal, Other or Shared.</summary>
        public string Kind { get; }
        /// <summary>The name prefix (e.g. "" or "INBOX." or "Other Users/").</summary>
        public string Prefix { get; }
        /// <summary>The hierarchy delimiter.</summary>
        public char? Delimiter { get; }
    }

    /// <summary>A METADATA entry (RFC 5464) of a mailbox or of the server (Mailbox "").</summary>
    public sealed class ImapMetadataEntry
    {
        internal ImapMetadataEntry(string mailbox, string entry, string? value) { Mailbox = mailbox; Entry = entry; Value = value; }
        /// <summary>The mailbox ("" for server entries).</summary>
        public string Mailbox { get; }
        /// <summary>The entry name, e.g. /private/comment (named like Set-ImapMetadata's -Entry, so entries can be piped into it).</summary>
        public string Entry { get; }
        /// <summary>The value (null: not set).</summary>
        public string? Value { get; }
    }

    /// <summary>A node of a conversation thread (THREAD, RFC 5256).</summary>
    /// <remarks>
    /// A server decides how deep a thread is (a chain of 50,000 replies is one THREAD line), so
    /// everything here walks the tree with an explicit stack: no depth can overflow the call stack.
    /// </remarks>
    public sealed class ImapThread
    {
        private readonly ImapThread[] _children;
        private int _messageCount = -1;

        private ImapThread(string mailbox, uint uidValidity, uint? uid, int childCapacity, int depth)
        {
            Mailbox = mailbox; UidValidity = uidValidity; Uid = uid; Depth = depth;
            _children = childCapacity == 0 ? Array.Empty<ImapThread>() : new ImapThread[childCapacity];
        }

        /// <summary>Converts a decoded THREAD tree, iteratively.</summary>
        internal static ImapThread FromNode(string mailbox, uint uidValidity, ThreadNode root)
        {
            var result = new ImapThread(mailbox, uidValidity, root.Number, root.Children.Count, 0);
            var pending = new Stack<KeyValuePair<ThreadNode, ImapThread>>();
            pending.Push(new KeyValuePair<ThreadNode, ImapThread>(root, result));
            while (pending.Count > 0)
            {
                var item = pending.Pop();
                var children = item.Key.Children;
                for (int i = 0; i < children.Count; i++)
                {
                    var child = children[i];
                    var converted = new ImapThread(mailbox, uidValidity, child.Number, child.Children.Count, item.Value.Depth + 1);
                    item.Value._children[i] = converted;
                    pending.Push(new KeyValuePair<ThreadNode, ImapThread>(child, converted));
                }
            }
            return result;
        }

        /// <summary>The mailbox.</summary>
        public string Mailbox { get; }
        /// <summary>The mailbox's UIDVALIDITY.</summary>
        public uint UidValidity { get; }
        /// <summary>The message's UID; null for a placeholder parent the server knows of but does not hold.</summary>
        public uint? Uid { get; }
        /// <summary>Replies.</summary>
        public IReadOnlyList<ImapThread> Children => _children;
        /// <summary>The depth in the thread (0 for a root).</summary>
        public int Depth { get; }
        /// <summary>This node and all its descendants' UIDs, in thread order (depth first, replies in order).</summary>
        public IEnumerable<uint> AllUids()
        {
            var pending = new Stack<ImapThread>();
            pending.Push(this);
            while (pending.Count > 0)
            {
                var node = pending.Pop();
                if (node.Uid.HasValue) yield return node.Uid.Value;
                for (int i = node._children.Length - 1; i >= 0; i--) pending.Push(node._children[i]);
            }
        }
        /// <summary>The number of messages in this subtree.</summary>
        public int MessageCount
        {
            get
            {
                // The tree never changes: count once (the format view asks for every row).
                if (_messageCount < 0)
                {
                    int n = 0;
                    foreach (var _ in AllUids()) n++;
                    _messageCount = n;
                }
                return _messageCount;
            }
        }
        /// <inheritdoc />
        public override string ToString() => (Uid?.ToString() ?? "(missing)") + (Children.Count > 0 ? " +" + Children.Count : "");
    }

    /// <summary>
    /// The result of a raw command (Invoke-ImapCommand): the status, the text and imaplib2's data
    /// items. The engine's parsed responses stay reachable by name (<c>Response</c>, <c>Tagged</c>,
    /// <c>Untagged</c>) but are not serialised: they point back into the engine's buffers.
    /// </summary>
    public sealed class ImapCommandResult
    {
        internal ImapCommandResult(ImapSession session, string command, ImapPS.Client.ImapResponse response)
        {
            Session = session;
            Command = command;
            Response = response;
        }

        internal ImapSession Session { get; }

        internal ImapPS.Client.ImapResponse Response { get; }

        /// <summary>The name of the session the command ran on.</summary>
        public string SessionName => Session.Name;

        /// <summary>The command sent (e.g. UID FETCH).</summary>
        public string Command { get; }

        /// <summary>OK, NO or BAD.</summary>
        public string Type => Response.Type;

        /// <summary>True when the server answered OK.</summary>
        public bool IsOk => Response.IsOk;

        /// <summary>The tagged response's text.</summary>
        public string Text => Response.Text;

        /// <summary>The command's data in imaplib2's form: lines, and (text, literal) pairs.</summary>
        public IReadOnlyList<ImapPS.Client.ImapDataItem?> Data => Response.Data;

        /// <summary>imaplib2's rendering, e.g. <c>('OK', ['1 2 3'])</c>.</summary>
        public override string ToString() => Response.ToString();
    }
}
