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
                System.Threading.Tasks.Task<IReadOnlyList<uint>> search;
                using (var lease = UseMessages(session, mailbox, null, true, mailbox))
                {
                    if (lease == null) return;
                    uidValidity = lease.UidValidity;
                    // ESEARCH's compact answer (1:100000) where offered: a plain SEARCH of a large mailbox
                    // is one response line of ~7 bytes per message, read into a buffer the connection keeps.
                    search = session.Client.UidSearchAsync(SearchKey.All, compactResult: true);
                }
                if (!TryRun(() => Await(search), mailbox, out var found)) return;
                // The engine returns a new list per search: sorted in place rather than copied.
                var list = found as List<uint> ?? found.ToList();
                list.Sort();
                uids = list;
            }
            else
            {
                using (var lease = UseMessages(session, mailbox, UidValidity, true, Uid))
                {
                    if (lease == null) return;
                    uidValidity = lease.UidValidity;
                }
                uids = Uid.Distinct().ToList();
            }
            if (!textOnly)
            {
                foreach (var message in FetchMessages(session, mailbox, uidValidity, uids, extras, reportMissing: !All, activity: "Get-ImapMessage"))
                    WriteObject(message);
                return;
            }
            // The text parts are fetched a batch at a time, once the structures of the batch are in.
            var pending = new List<ImapMessage>();
            foreach (var message in FetchMessages(session, mailbox, uidValidity, uids, extras, reportMissing: !All, activity: "Get-ImapMessage"))
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
