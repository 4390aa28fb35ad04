using System;
using System.Collections.Generic;

namespace ImapPS
{
    /// <summary>What happened in a mailbox watched by Invoke-ImapIdle.</summary>
    public enum ImapIdleEventKind
    {
        /// <summary>A message arrived (Vanished: and was expunged before it could be read).</summary>
        NewMessage,
        /// <summary>A message was expunged (its sequence number is given; VANISHED gives UIDs).</summary>
        Expunged,
        /// <summary>A message's flags changed.</summary>
        FlagsChanged,
        /// <summary>The mailbox's recent count changed.</summary>
        Recent,
    }

    /// <summary>A change reported by the server while idling.</summary>
    public sealed class ImapIdleEvent
    {
        internal ImapIdleEvent(ImapSession session, string mailbox, uint uidValidity, ImapIdleEventKind kind)
        {
            Session = session;
            Mailbox = mailbox;
            UidValidity = uidValidity;
            EventKind = kind;
            TimeStamp = DateTimeOffset.Now;
        }

        /// <summary>When the change was seen.</summary>
        public DateTimeOffset TimeStamp { get; }

        /// <summary>What happened: the name of an <see cref="ImapIdleEventKind"/> (a string, so serialisers write the name).</summary>
        public string Kind => EventKind.ToString();

        internal ImapIdleEventKind EventKind { get; }

        /// <summary>The mailbox watched.</summary>
        public string Mailbox { get; }

        /// <summary>The mailbox's UIDVALIDITY.</summary>
        public uint UidValidity { get; }

        /// <summary>The message's UID, when known (always for NewMessage; for FlagsChanged when the server says; for Expunged once QRESYNC is on, which Invoke-ImapIdle turns on for a -Reconnect session whose server offers it).</summary>
        public uint? Uid { get; internal set; }

        /// <summary>The message sequence number at the time of the event.</summary>
        public uint? SequenceNumber { get; internal set; }

        /// <summary>The message count after the change.</summary>
        public uint? MessageCount { get; internal set; }

        /// <summary>The message's flags (NewMessage, FlagsChanged).</summary>
        public IReadOnlyList<string>? Flags { get => _flags; internal set => _flags = value == null ? null : ImapFlagList.From(value); }

        private ImapFlagList? _flags;

        /// <summary>
        /// True for a message that arrived and was expunged before it could be read: its NewMessage
        /// event has no UID (the server never said it), and its Expunged event follows.
        /// </summary>
        public bool Vanished { get; internal set; }

        /// <summary>
        /// True for an event found by the catch-up after the session reconnected (Connect-Imap
        /// -Reconnect): it happened while the connection was down. NewMessage by every server; with
        /// QRESYNC also Expunged and FlagsChanged, with CONDSTORE only also FlagsChanged. Each change is reported once.
        /// </summary>
        public bool IsCatchUp { get; internal set; }

        /// <summary>The session (the hidden property Session in PowerShell).</summary>
        internal ImapSession Session { get; }

        /// <summary>The name of the session.</summary>
        public string SessionName => Session.Name;

        /// <summary>The Id of <see cref="Session"/>: cmdlets refuse an object piped to them with another session's -Session.</summary>
        public int SessionId => Session.Id;

        /// <inheritdoc />
        public override string ToString() => Kind + " " + Mailbox + (Uid.HasValue ? " UID " + Uid : SequenceNumber.HasValue ? " #" + SequenceNumber : "");
    }
}
