using System;
using System.Collections.Generic;
using System.Management.Automation;
using ImapPS.Client.Protocol;

namespace ImapPS
{
    /// <summary>A mailbox (folder): its name and attributes from LIST, with counts from STATUS or SELECT when asked for.</summary>
    public sealed class ImapMailbox
    {
        private ImapFlagList _attributes = ImapFlagList.Empty;
        private ImapFlagList? _flags;
        private ImapFlagList? _permanentFlags;

        internal ImapMailbox(ImapSession session, string name)
        {
            Session = session;
            Name = name;
        }

        /// <summary>The session the mailbox was listed on (the hidden property Session in PowerShell: it binds to -Session down the pipeline but is not serialised).</summary>
        internal ImapSession Session { get; }

        /// <summary>The name of the session the mailbox was listed on.</summary>
        public string SessionName => Session.Name;

        /// <summary>The Id of <see cref="Session"/>: cmdlets refuse an object piped to them with another session's -Session.</summary>
        public int SessionId => Session.Id;

        /// <summary>The server's full name, decoded from modified UTF-7 (e.g. "Archive/2025", or "INBOX.Archive.2025" on Courier).</summary>
        public string Name { get; }

        /// <summary>
        /// The mailbox as a path the way a script writes it on any server: levels separated by
        /// <c>/</c>, without the personal namespace's prefix (Courier's <c>INBOX.Archive.2024</c> is
        /// <c>Archive/2024</c>). Every cmdlet's mailbox parameter takes it (or <see cref="Name"/>).
        /// </summary>
        public string Path => Session.MailboxPaths?.ToPath(Name) ?? Name;

        /// <summary>The hierarchy delimiter, or null for a flat namespace.</summary>
        public char? Delimiter { get; internal set; }

        /// <summary>The last level of the name (e.g. "2025" for "Archive/2025").</summary>
        public string DisplayName => Delimiter is char d && Name.LastIndexOf(d) is int i && i >= 0 ? Name.Substring(i + 1) : Name;

        /// <summary>The LIST attributes (\HasChildren, \Noselect, \Subscribed, …).</summary>
        public IReadOnlyList<string> Attributes { get => _attributes; internal set => _attributes = ImapFlagList.From(value); }

        /// <summary>The special use (\Sent, \Trash, \Drafts, \Junk, \Archive, \All, \Flagged), or null.</summary>
        public string? SpecialUse { get; internal set; }

        /// <summary>False for a \Noselect or \NonExistent hierarchy node.</summary>
        public bool IsSelectable { get; internal set; } = true;

        /// <summary>True when subscribed (known from LSUB or LIST RETURN (SUBSCRIBED)).</summary>
        public bool? IsSubscribed { get; internal set; }

        /// <summary>The number of messages (STATUS MESSAGES, or EXISTS on SELECT).</summary>
        public uint? Messages { get; internal set; }

        /// <summary>Messages without \Seen (STATUS UNSEEN).</summary>
        public uint? Unseen { get; internal set; }

        /// <summary>Messages with \Recent.</summary>
        public uint? Recent { get; internal set; }

        /// <summary>The UID the next message will get.</summary>
        public uint? UidNext { get; internal set; }

        /// <summary>The UIDVALIDITY: UIDs from another value belong to another incarnation of the mailbox.</summary>
        public uint? UidValidity { get; internal set; }

        /// <summary>The total size in bytes (STATUS=SIZE).</summary>
        public ulong? Size { get; internal set; }

        /// <summary>The highest MODSEQ (CONDSTORE).</summary>
        public ulong? HighestModSeq { get; internal set; }

        /// <summary>The flags defined in the mailbox (SELECT only).</summary>
        public IReadOnlyList<string>? Flags { get => _flags; internal set => _flags = value == null ? null : ImapFlagList.From(value); }

        /// <summary>The flags that can be stored permanently (SELECT only).</summary>
        public IReadOnlyList<string>? PermanentFlags { get => _permanentFlags; internal set => _permanentFlags = value == null ? null : ImapFlagList.From(value); }

        /// <summary>True when selected read-only (EXAMINE or the server said READ-ONLY); null when not selected by this command.</summary>
        public bool? IsReadOnly { get; internal set; }

        /// <inheritdoc />
        public override string ToString() => Name;

        /// <summary>
        /// The object to write: a selected mailbox (Select-ImapMailbox) and one with counts get a
        /// type name of their own, so the table shows the columns they fill and no empty ones.
        /// <paramref name="inCountedListing"/>: one of a listing where other mailboxes have counts.
        /// </summary>
        internal PSObject ToOutput(bool inCountedListing = false)
        {
            var output = new PSObject(this);
            if (IsReadOnly.HasValue) output.TypeNames.Insert(0, "ImapPS.ImapMailbox#Selected");
            else if (inCountedListing || Messages.HasValue || Unseen.HasValue) output.TypeNames.Insert(0, "ImapPS.ImapMailbox#Counts");
            return output;
        }

        internal static ImapMailbox FromList(ImapSession session, ListEntry entry) => new ImapMailbox(session, entry.Name)
        {
            Delimiter = entry.Delimiter,
            Attributes = entry.Attributes,
            SpecialUse = entry.SpecialUse,
            IsSelectable = !entry.NoSelect,
            IsSubscribed = entry.IsSubscribed ? true : (bool?)null,
        };

        internal void ApplyStatus(StatusData status)
        {
            Messages = status.Messages ?? Messages;
            Unseen = status.Unseen ?? Unseen;
            Recent = status.Recent ?? Recent;
            UidNext = status.UidNext ?? UidNext;
            UidValidity = status.UidValidity ?? UidValidity;
            Size = status.Size ?? Size;
            HighestModSeq = status.HighestModSeq ?? HighestModSeq;
        }
    }
}
