using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using ImapPS.Client.Protocol;

namespace ImapPS.Commands
{
    /// <summary>
    /// <para type="synopsis">Gets messages by UID (or every message) as summaries, or parsed in full with -Full.</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "ImapMessage", DefaultParameterSetName = UidSet)]
    [OutputType(typeof(ImapMessage))]
    public sealed class GetImapMessageCommand : ImapMessageCmdlet
    {
        private const string UidSet = "Uid";
        private const string AllSet = "All";

        /// <summary>The mailbox: by default the selected one, else INBOX. Binds the Mailbox of piped messages and the Name of piped mailboxes.</summary>
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("Name")]
        [ArgumentCompleter(typeof(MailboxNameCompleter))]
        public string? Mailbox { get; set; }

        /// <summary>The UIDs of the messages.</summary>
        [Parameter(Mandatory = true, Position = 1, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = UidSet)]
        public uint[] Uid { get; set; } = Array.Empty<uint>();

        /// <summary>Every message of the mailbox.</summary>
        [Parameter(Mandatory = true, ParameterSetName = AllSet)]
        public SwitchParameter All { get; set; }

        /// <summary>The UIDVALIDITY the UIDs belong to (bound from piped objects); a mismatch refuses the messages.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = UidSet)]
        public uint? UidValidity { get; set; }

        /// <summary>Also downloads and parses each message (MimeKit): Message, TextBody, HtmlBody, Attachments.</summary>
        [Parameter]
        public SwitchParameter Full { get; set; }

        /// <summary>
        /// Also fetches the message's text (TextBody) and nothing else: just its text/plain part, or
        /// its text/html part converted to text when it has no plain one (HtmlBody then holds the
        /// HTML). Attachments are not downloaded.
        /// </summary>
        [Parameter]
        public SwitchParameter TextBody { get; set; }

        /// <summary>Also fetches the header block (Headers).</summary>
        [Parameter]
        public SwitchParameter Headers { get; set; }

        /// <summary>Also fetches the MIME structure (BodyStructure).</summary>
        [Parameter]
        public SwitchParameter BodyStructure { get; set; }

        /// <summary>
        /// Only the messages whose mod-sequence (ModSeq) is above this one: those whose flags
        /// changed, or that arrived, since a HighestModSeq stored earlier (CONDSTORE).
        /// </summary>
        [Parameter]
        public ulong? ChangedSince { get; set; }

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            var session = ResolveSession();
            if (!FromSameSession(session, Uid) || !ValidUids(Uid)) return;
            Mailbox = MailboxPath(session, Mailbox);
            var mailbox = ResolveMailbox(session, Mailbox);
            bool textOnly = TextBody && !Full;
            var extras = (Full ? FetchExtras.Full : 0) | (Headers ? FetchExtras.Headers : 0) | (BodyStructure || textOnly ? FetchExtras.BodyStructure : 0);
            uint uidValidity;
            IReadOnlyList<uint> uids;
            if (All)
            {
                // On a -Reconnect session a cut SEARCH is sent again (TrySearch). ESEARCH's compact answer
                // (1:100000) where offered: a plain SEARCH of a large mailbox is one response line of ~7 bytes
                // per message, read into a buffer the connection keeps.
                if (!TrySearch(session, mailbox, null, client => client.UidSearchAsync(ChangedSince is ulong changed ? SearchKey.ModSeq(changed + 1) : SearchKey.All, compactResult: true),
                        out var found, out uidValidity,
                        lease => { if (ChangedSince is ulong since) RequireModSeq(session, mailbox, nameof(ChangedSince), since, lease); })) return;
                // The engine returns a new list per search: sorted in place rather than copied.
                var list = found as List<uint> ?? found.ToList();
                list.Sort();
                uids = list;
            }
            else
            {
                uids = Uid.Distinct().ToList();
                using (var lease = UseMessages(session, mailbox, UidValidity, true, Uid))
                {
                    if (lease == null) return;
                    uidValidity = lease.UidValidity;
                    if (ChangedSince is ulong since)
                    {
                        RequireModSeq(session, mailbox, nameof(ChangedSince), since, lease);
                        // The fetch leaves out unchanged messages: missing ones are told apart first.
                        var existing = ExistingUids(session, mailbox, uids);
                        if (existing == null) return;
                        uids = existing;
                    }
                }
            }
            if (!textOnly)
            {
                foreach (var message in FetchMessages(session, mailbox, uidValidity, uids, extras, reportMissing: !All && ChangedSince == null, activity: "Get-ImapMessage", changedSince: All ? null : ChangedSince))
                    WriteObject(message);
                return;
            }
            // The text parts are fetched a batch at a time, once the structures of the batch are in.
            var pending = new List<ImapMessage>();
            foreach (var message in FetchMessages(session, mailbox, uidValidity, uids, extras, reportMissing: !All && ChangedSince == null, activity: "Get-ImapMessage", changedSince: All ? null : ChangedSince))
            {
                pending.Add(message);
                if (pending.Count < 50) continue;
                FetchTextBodies(session, mailbox, uidValidity, pending, keepStructure: BodyStructure);
                foreach (var m in pending) WriteObject(m);
                pending.Clear();
            }
            FetchTextBodies(session, mailbox, uidValidity, pending, keepStructure: BodyStructure);
            foreach (var m in pending) WriteObject(m);
        }
    }
}
