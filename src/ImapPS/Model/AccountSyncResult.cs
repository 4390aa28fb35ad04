using System;
using System.Collections.Generic;

namespace ImapPS
{
    /// <summary>How the synchronisation of one account ended.</summary>
    public enum ImapAccountSyncStatus
    {
        /// <summary>Every mailbox was synchronised to the end, without an error.</summary>
        Succeeded,
        /// <summary>It ran to the end, but some mailboxes or messages failed (each with an error written); a re-run retries them.</summary>
        Partial,
        /// <summary>It stopped before the end: the row was unusable, a connection or login failed, or a connection was lost. <c>Error</c> says why.</summary>
        Failed,
    }

    /// <summary>What Sync-ImapAccount did for one account pair (one input row). Holds no secret.</summary>
    public sealed class ImapAccountSyncResult
    {
        /// <summary>The row's position in the input, from 1.</summary>
        public int Index { get; internal set; }

        /// <summary>The source account as user@server.</summary>
        public string SourceAccount { get; internal set; } = "";

        /// <summary>The destination account as user@server.</summary>
        public string DestinationAccount { get; internal set; } = "";

        /// <summary>Succeeded, Partial or Failed (the name of an <see cref="ImapAccountSyncStatus"/>, so serialisers write the name).</summary>
        public string Status => Outcome.ToString();

        internal ImapAccountSyncStatus Outcome { get; set; }

        /// <summary>Mailboxes synchronised (one result each in <see cref="MailboxResults"/>).</summary>
        public int Mailboxes { get; internal set; }

        /// <summary>Messages copied (under -WhatIf: that would be copied).</summary>
        public int Copied { get; internal set; }

        /// <summary>Source messages the destination already held.</summary>
        public int Skipped { get; internal set; }

        /// <summary>Messages already there whose flags were set to the source's.</summary>
        public int FlagsUpdated { get; internal set; }

        /// <summary>Source messages left out by -MinAge, -MaxAge or -MaxSize.</summary>
        public int Filtered { get; internal set; }

        /// <summary>Destination messages deleted by -DeleteExtra.</summary>
        public int Deleted { get; internal set; }

        /// <summary>Messages that could not be copied.</summary>
        public int Failed { get; internal set; }

        /// <summary>Bytes copied.</summary>
        public long Bytes { get; internal set; }

        /// <summary>How long the account took, connecting included.</summary>
        public TimeSpan Duration { get; internal set; }

        /// <summary>Errors written for this account.</summary>
        public int Errors { get; internal set; }

        /// <summary>The message of the error that stopped the account, or of its first error; null when there was none.</summary>
        public string? Error { get; internal set; }

        /// <summary>True under -WhatIf: the counts say what would be done.</summary>
        public bool WhatIf { get; internal set; }

        /// <summary>One result per mailbox, as Sync-ImapMailbox writes them.</summary>
        public IReadOnlyList<ImapSyncResult> MailboxResults { get; internal set; } = Array.Empty<ImapSyncResult>();

        internal void Add(ImapSyncResult mailbox)
        {
            Mailboxes++;
            Copied += mailbox.Copied;
            Skipped += mailbox.Skipped;
            FlagsUpdated += mailbox.FlagsUpdated;
            Filtered += mailbox.Filtered;
            Deleted += mailbox.Deleted;
            Failed += mailbox.Failed;
            Bytes += mailbox.Bytes;
            WhatIf |= mailbox.WhatIf;
        }

        /// <inheritdoc />
        public override string ToString() => SourceAccount + " -> " + DestinationAccount + ": " + Status;
    }
}
