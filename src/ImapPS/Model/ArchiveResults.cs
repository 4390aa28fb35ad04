using System;

namespace ImapPS
{
    /// <summary>What Export-ImapMailbox did to one mailbox's copy on disk.</summary>
    public sealed class ImapExportResult
    {
        /// <summary>The session's name.</summary>
        public string SessionName { get; internal set; } = "";

        /// <summary>The mailbox exported (the server's name).</summary>
        public string Mailbox { get; internal set; } = "";

        /// <summary>The format written: Maildir, Mbox or Eml.</summary>
        public string Format { get; internal set; } = "";

        /// <summary>The folder (or mbox file) that holds the mailbox's copy.</summary>
        public string Destination { get; internal set; } = "";

        /// <summary>The mailbox's UIDVALIDITY.</summary>
        public uint UidValidity { get; internal set; }

        /// <summary>True when the UIDVALIDITY differed from the last run's: the copy was matched again by content, without duplicating.</summary>
        public bool UidValidityChanged { get; internal set; }

        /// <summary>How changes were found: Unchanged (STATUS said nothing changed), CONDSTORE (only changed messages listed), Full (every UID and its flags listed), or First (the first run).</summary>
        public string Method { get; internal set; } = "";

        /// <summary>Messages written in this run.</summary>
        public int Added { get; internal set; }

        /// <summary>Messages whose flags were updated in this run.</summary>
        public int FlagsUpdated { get; internal set; }

        /// <summary>Messages of an earlier UIDVALIDITY recognised by content and kept instead of written again.</summary>
        public int Matched { get; internal set; }

        /// <summary>Messages of the mailbox the copy holds after the run.</summary>
        public int Messages { get; internal set; }

        /// <summary>Bytes of messages written in this run.</summary>
        public long Bytes { get; internal set; }

        /// <summary>How long the mailbox took.</summary>
        public TimeSpan Duration { get; internal set; }

        /// <summary>True when the mailbox's copy is complete (false after an error stopped it; a re-run resumes).</summary>
        public bool Complete { get; internal set; }

        /// <inheritdoc />
        public override string ToString() => Mailbox + " -> " + Destination;
    }

    /// <summary>What Import-ImapMailbox did with one folder (or mbox file) of messages.</summary>
    public sealed class ImapImportResult
    {
        /// <summary>The session's name.</summary>
        public string SessionName { get; internal set; } = "";

        /// <summary>The folder or mbox file read.</summary>
        public string Source { get; internal set; } = "";

        /// <summary>The format read: Maildir, Mbox or Eml.</summary>
        public string Format { get; internal set; } = "";

        /// <summary>The mailbox the messages went to (the server's name).</summary>
        public string Mailbox { get; internal set; } = "";

        /// <summary>Messages appended in this run (or, under -WhatIf, that would be).</summary>
        public int Added { get; internal set; }

        /// <summary>Messages the mailbox already held (same Message-ID and size, or same content when there is no Message-ID).</summary>
        public int Skipped { get; internal set; }

        /// <summary>Messages that could not be appended (each with an error written).</summary>
        public int Failed { get; internal set; }

        /// <summary>Bytes appended.</summary>
        public long Bytes { get; internal set; }

        /// <summary>How long the folder took.</summary>
        public TimeSpan Duration { get; internal set; }

        /// <inheritdoc />
        public override string ToString() => Source + " -> " + Mailbox;
    }

    /// <summary>What Sync-ImapMailbox did for one mailbox.</summary>
    public sealed class ImapSyncResult
    {
        /// <summary>The source session's name.</summary>
        public string SourceSession { get; internal set; } = "";

        /// <summary>The destination session's name.</summary>
        public string DestinationSession { get; internal set; } = "";

        /// <summary>The source mailbox (the source server's name).</summary>
        public string SourceMailbox { get; internal set; } = "";

        /// <summary>The destination mailbox (the destination server's name).</summary>
        public string DestinationMailbox { get; internal set; } = "";

        /// <summary>Messages copied (under -WhatIf: that would be copied).</summary>
        public int Copied { get; internal set; }

        /// <summary>Source messages the destination already held (recognised by Message-ID and size, or Date, From, Subject and size).</summary>
        public int Skipped { get; internal set; }

        /// <summary>Messages already there whose flags were set to the source's.</summary>
        public int FlagsUpdated { get; internal set; }

        /// <summary>Source messages left out by -MinAge, -MaxAge or -MaxSize.</summary>
        public int Filtered { get; internal set; }

        /// <summary>Destination messages deleted by -DeleteExtra.</summary>
        public int Deleted { get; internal set; }

        /// <summary>Source messages expunged between the listing and the copy.</summary>
        public int Vanished { get; internal set; }

        /// <summary>Messages that could not be copied (each with an error written).</summary>
        public int Failed { get; internal set; }

        /// <summary>Bytes copied.</summary>
        public long Bytes { get; internal set; }

        /// <summary>How long the mailbox took.</summary>
        public TimeSpan Duration { get; internal set; }

        /// <summary>True under -WhatIf: the counts say what would be done.</summary>
        public bool WhatIf { get; internal set; }

        /// <summary>True when the mailbox was synchronised to the end.</summary>
        public bool Complete { get; internal set; }

        /// <inheritdoc />
        public override string ToString() => SourceMailbox + " -> " + DestinationMailbox;
    }
}
