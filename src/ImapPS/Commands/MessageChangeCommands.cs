using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading.Tasks;
using ImapPS.Client;
using ImapPS.Client.Protocol;

namespace ImapPS.Commands
{
    /// <summary>
    /// A cmdlet that changes messages named by mailbox, UID and UIDVALIDITY (all bindable from
    /// piped ImapMessage objects, or UIDs piped with -Mailbox). Consecutive input records of the
    /// same mailbox are collected and changed together, one command per batch of up to
    /// <see cref="ImapMessageCmdlet.MaxBatch"/> UIDs, when the mailbox changes or the input ends.
    /// </summary>
    public abstract class ImapMessageChangeCmdlet : ImapMessageCmdlet
    {
        /// <summary>The mailbox holding the messages: by default the selected one, else INBOX.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(MailboxNameCompleter))]
        public string? Mailbox { get; set; }

        /// <summary>The UIDs of the messages: piped UIDs, or the Uid of piped messages.</summary>
        [Parameter(Mandatory = true, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        public uint[] Uid { get; set; } = Array.Empty<uint>();

        /// <summary>The UIDVALIDITY the UIDs belong to (bound from piped objects); a mismatch refuses the messages.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        public uint? UidValidity { get; set; }

        private MessageProgress? _progress;

        /// <summary>The progress of the whole command: messages changed so far, over every batch.</summary>
        internal MessageProgress Progress => _progress ??= new MessageProgress(this, MyInvocation.MyCommand.Name, ProgressVerb);

        /// <summary>What happened to a message, for the progress status line.</summary>
        internal virtual string ProgressVerb => "changed";

        /// <summary>Where, for the progress status line (e.g. "to Archive").</summary>
        internal virtual string? ProgressTarget(string mailbox) => "in " + mailbox;

        /// <summary>What ShouldProcess shows as the target.</summary>
        protected string Describe(string mailbox, IReadOnlyList<uint> uids)
            => (uids.Count == 1 ? "message UID " + uids[0] : uids.Count + " messages (UID " + SequenceSet.Build(uids) + ")") + " in '" + mailbox + "'";

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            var session = ResolveSession();
            if (!FromSameSession(session, Uid) || !ValidUids(Uid)) return;
            Mailbox = MailboxPath(session, Mailbox);
            Collect(session, ResolveMailbox(session, Mailbox), UidValidity, Uid);
        }

        /// <inheritdoc />
        protected override void EndProcessing()
        {
            FlushBatch();
            _progress?.Complete();
            base.EndProcessing();
        }

        internal override void ProcessBatch(ImapSession session, string mailbox, uint? expectedUidValidity, List<uint> uids)
        {
            if (!ShouldProcess(Describe(mailbox, uids), Action)) return;
            // UIDs given on the command line arrive as one record: the whole job is known up front.
            if (!MyInvocation.ExpectingInput) Progress.AddToTotal(uids.Count);
            uint uidValidity;
            bool ok;
            using (var lease = UseMessages(session, mailbox, expectedUidValidity, false, uids))
            {
                if (lease == null) return;
                if (lease.ReadOnly)
                {
                    WriteError(new ErrorRecord(new InvalidOperationException("The mailbox '" + mailbox + "' is open read-only; select it with Select-ImapMailbox without -ReadOnly."),
                        "MailboxReadOnly", ErrorCategory.PermissionDenied, mailbox));
                    return;
                }
                uidValidity = lease.UidValidity;
                // UIDs that name no message would be ignored by the server without a word.
                var existing = ExistingUids(session, mailbox, uids);
                if (existing == null || existing.Count == 0) return;
                uids = existing;
                long before = Progress.Count;
                ok = Change(session, mailbox, uids);
                // Change may count chunk by chunk (Copy, Move); the rest of the batch is done now.
                if (ok) Progress.Add(uids.Count - (Progress.Count - before), ProgressTarget(mailbox));
            }
            if (ok) AfterChange(session, mailbox, uidValidity, uids);
        }

        /// <summary>The ShouldProcess action text.</summary>
        protected abstract string Action { get; }

        /// <summary>Runs the change while the mailbox is leased; returns false after writing an error.</summary>
        internal abstract bool Change(ImapSession session, string mailbox, List<uint> uids);

        /// <summary>Writes output (PassThru) once the lease is released.</summary>
        internal virtual void AfterChange(ImapSession session, string mailbox, uint uidValidity, List<uint> uids) { }

        /// <summary>UID STORE on the UIDs, split so no command line grows too long.</summary>
        internal bool Store(ImapSession session, List<uint> uids, StoreFlagsMode mode, IReadOnlyList<string> flags, string mailbox, string? doneBefore = null)
        {
            string change = (mode == StoreFlagsMode.Add ? "adding flags " : mode == StoreFlagsMode.Remove ? "removing flags " : "setting the flags to ") + "(" + string.Join(" ", flags) + ")";
            foreach (var set in SequenceSet.BuildChunks(uids, session.MaxUidSetLength))
            {
                string ifCut = (doneBefore ?? "") + "The UID STORE " + change + " of UIDs " + set + " in '" + mailbox + "' was sent, outcome unknown: " +
                    "check the flags of these messages before relying on them.";
                if (!TryRun(() => Await(session.Client.UidStoreFlagsAsync(set, mode, flags)), mailbox, out _, ifCut)) return false;
            }
            return true;
        }

        /// <summary>"UIDs 1:3 (new UIDs 7:9 in 'Archive')" when a COPYUID reported the copies.</summary>
        internal static string DescribeCopies(string set, ICollection<ImapMessage> copies, string destination)
            => "UIDs " + set + (copies.Count > 0 ? " (new UIDs " + SequenceSet.Build(copies.Select(c => c.Uid)) + " in '" + destination + "')" : "");

        /// <summary>Flags as users write them (Seen, $Label1) in IMAP's names (\Seen, $Label1).</summary>
        internal static IReadOnlyList<string> ImapFlagNames(IEnumerable<string> flags) => flags.Select(FlagNames.ToImap).ToList();

        /// <summary>Flags for the ShouldProcess text: "(\Seen $Label1)".</summary>
        internal static string FlagList(IEnumerable<string> flags) => "(" + string.Join(" ", ImapFlagNames(flags)) + ")";

        /// <summary>The copies a COPYUID code (RFC 4315) reports, as identity-only ImapMessage objects.</summary>
        internal static IEnumerable<ImapMessage> Copies(ImapSession session, string destination, ServerResponse? response, ICollection<uint> source)
        {
            if (response == null || !ResponseCodes.TryGetCopyUid(response, out var uidValidity, out var from, out var to)) yield break;
            for (int i = 0; i < from.Count && i < to.Count; i++)
                if (source.Contains(from[i])) yield return new ImapMessage(session, destination, uidValidity, to[i]);
        }
    }

    /// <summary>
    /// <para type="synopsis">Adds, removes or replaces flags and keywords of messages.</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Set, "ImapFlag", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, DefaultParameterSetName = "Change")]
    [OutputType(typeof(ImapMessage))]
    public sealed class SetImapFlagCommand : ImapMessageChangeCmdlet
    {
        /// <summary>Flags to add: Seen, Answered, Flagged, Deleted, Draft, or keywords.</summary>
        [Parameter(ParameterSetName = "Change")]
        [ArgumentCompleter(typeof(FlagCompleter))]
        public string[]? Add { get; set; }

        /// <summary>Flags to remove.</summary>
        [Parameter(ParameterSetName = "Change")]
        [ArgumentCompleter(typeof(FlagCompleter))]
        public string[]? Remove { get; set; }

        /// <summary>The complete new set of flags (an empty array clears them).</summary>
        [Parameter(Mandatory = true, ParameterSetName = "Replace")]
        [ArgumentCompleter(typeof(FlagCompleter))]
        [AllowEmptyCollection]
        public string[] Replace { get; set; } = Array.Empty<string>();

        /// <summary>Returns the messages with their new flags.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        /// <summary>
        /// Changes only the messages whose mod-sequence is not above this one (CONDSTORE's
        /// UNCHANGEDSINCE): a message changed since, by anyone, is left as it is and reported
        /// as a ModifiedSince error.
        /// </summary>
        [Parameter]
        public ulong? UnchangedSince { get; set; }

        /// <inheritdoc />
        protected override void BeginInput()
        {
            if (UnchangedSince.HasValue && Add?.Length > 0 && Remove?.Length > 0)
                ThrowTerminatingError(new ErrorRecord(new ArgumentException("-UnchangedSince makes one conditional change, and -Add with -Remove takes two: the first would change " +
                        "the messages' mod-sequence and fail the second. Give the complete new set of flags with -Replace, or -Add and -Remove in two commands."),
                    "UnchangedSinceWithTwoChanges", ErrorCategory.InvalidArgument, null));
            if (ParameterSetName == "Change" && (Add == null || Add.Length == 0) && (Remove == null || Remove.Length == 0))
                ThrowTerminatingError(new ErrorRecord(new ArgumentException("Give -Add, -Remove or -Replace."), "NoFlagChange", ErrorCategory.InvalidArgument, null));
            try
            {
                foreach (var f in (Add ?? Array.Empty<string>()).Concat(Remove ?? Array.Empty<string>()).Concat(Replace)) FlagNames.ToImap(f);
            }
            catch (ArgumentException ex)
            {
                ThrowTerminatingError(new ErrorRecord(ex, "InvalidFlag", ErrorCategory.InvalidArgument, null));
            }
        }

        /// <inheritdoc />
        protected override string Action => ParameterSetName == "Replace" ? "Set flags to " + FlagList(Replace)
            : string.Join(", ", new[] { Add?.Length > 0 ? "Add flags " + FlagList(Add) : null, Remove?.Length > 0 ? "Remove flags " + FlagList(Remove) : null }.Where(s => s != null));

        internal override bool Change(ImapSession session, string mailbox, List<uint> uids)
        {
            if (UnchangedSince is ulong since)
            {
                RequireModSeq(session, mailbox, nameof(UnchangedSince), since);
                if (ParameterSetName == "Replace") return StoreUnchangedSince(session, mailbox, uids, StoreFlagsMode.Replace, ImapFlagNames(Replace), since);
                return Add?.Length > 0 ? StoreUnchangedSince(session, mailbox, uids, StoreFlagsMode.Add, ImapFlagNames(Add), since)
                    : StoreUnchangedSince(session, mailbox, uids, StoreFlagsMode.Remove, ImapFlagNames(Remove!), since);
            }
            if (ParameterSetName == "Replace") return Store(session, uids, StoreFlagsMode.Replace, ImapFlagNames(Replace), mailbox);
            if (Add?.Length > 0 && !Store(session, uids, StoreFlagsMode.Add, ImapFlagNames(Add), mailbox)) return false;
            if (Remove?.Length > 0 && !Store(session, uids, StoreFlagsMode.Remove, ImapFlagNames(Remove), mailbox)) return false;
            return true;
        }

        /// <summary>
        /// The conditional UID STORE, chunk by chunk: each message the server names in [MODIFIED]
        /// gets a ModifiedSince error and leaves <paramref name="uids"/>, so only the changed ones
        /// are counted and passed through.
        /// </summary>
        private bool StoreUnchangedSince(ImapSession session, string mailbox, List<uint> uids, StoreFlagsMode mode, IReadOnlyList<string> flags, ulong since)
        {
            var modified = new HashSet<uint>();
            bool ok = true;
            foreach (var set in SequenceSet.BuildChunks(uids, session.MaxUidSetLength))
            {
                string ifCut = "The conditional UID STORE (UNCHANGEDSINCE " + since + ") of UIDs " + set + " in '" + mailbox + "' was sent, outcome unknown: " +
                    "check the flags of these messages before relying on them.";
                if (!TryRun(() => Await(session.Client.UidStoreFlagsUnchangedSinceAsync(set, mode, flags, since)), mailbox, out var refused, ifCut)) { ok = false; break; }
                modified.UnionWith(refused);
            }
            foreach (var uid in uids.Where(modified.Contains))
                WriteError(new ErrorRecord(new InvalidOperationException("The message UID " + uid + " in '" + mailbox + "' was not changed: it changed after mod-sequence " + since +
                        " (the server reported it MODIFIED). Read it again (its ModSeq) and decide whether to change it."),
                    "ModifiedSince", ErrorCategory.ResourceUnavailable, uid));
            uids.RemoveAll(modified.Contains);
            return ok;
        }

        internal override void AfterChange(ImapSession session, string mailbox, uint uidValidity, List<uint> uids)
        {
            if (!PassThru) return;
            foreach (var m in FetchMessages(session, mailbox, uidValidity, uids, FetchExtras.None, reportMissing: true)) WriteObject(m);
        }
    }

    /// <summary>The parameters Copy-ImapMessage and Move-ImapMessage share: where the messages go.</summary>
    public abstract class ImapMessageTransferCmdlet : ImapMessageChangeCmdlet
    {
        /// <summary>The mailbox the messages go to.</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [ArgumentCompleter(typeof(MailboxNameCompleter))]
        [ValidateNotNullOrEmpty]
        public string Destination { get; set; } = "";

        /// <summary>Returns the messages in the destination (Mailbox, UidValidity, Uid) when the server reports them (UIDPLUS).</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        /// <summary>The server's name of <see cref="Destination"/> on <paramref name="session"/> (piped messages may come from several sessions).</summary>
        internal string DestinationFor(ImapSession session) => MailboxPath(session, Destination)!;

        /// <summary>
        /// COPY or MOVE of one chunk on a -Reconnect session, through the engine's checked transfer:
        /// a cut before the answer reconnects and looks in the destination for what arrived, so the
        /// messages are neither lost nor copied twice (see <see cref="ImapReconnectingClient.CopyMessagesAsync"/>).
        /// What cannot be told is written as an OutcomeUnknown error. The copies go to <paramref name="into"/>.
        /// </summary>
        internal bool CheckedTransfer(ImapSession session, string mailbox, string destination, string chunk, bool move, ICollection<uint> wanted, List<ImapMessage> into)
        {
            var reconnector = session.Reconnector!;
            var uids = NumberSet.Expand(chunk);
            var stop = StopToken;
            bool done;
            ImapTransferResult result;
            try
            {
                done = TryRun(() => Await(move ? reconnector.MoveMessagesAsync(uids, destination, stop) : reconnector.CopyMessagesAsync(uids, destination, stop)), mailbox, out result);
            }
            finally
            {
                WriteSessionNotices(session);
            }
            if (!done) return false;
            if (result.FoundAfterLoss)
                WriteVerbose("The connection was lost before the answer to the " + (move ? "move" : "copy") + " of UIDs " + chunk + "; all " + result.Uids.Count +
                    " messages were found in '" + destination + "' afterwards, so it was not sent again.");
            if (result.UidValidity is uint validity)
                foreach (var pair in result.Uids.OrderBy(p => p.Key))
                    if (wanted.Contains(pair.Key)) into.Add(new ImapMessage(session, destination, validity, pair.Value));
            return true;
        }
    }

    /// <summary>
    /// <para type="synopsis">Copies messages to another mailbox.</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Copy, "ImapMessage", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(ImapMessage))]
    public sealed partial class CopyImapMessageCommand : ImapMessageTransferCmdlet
    {
        private readonly List<ImapMessage> _copies = new List<ImapMessage>();

        /// <inheritdoc />
        protected override string Action => "Copy to '" + Destination + "'";

        internal override string ProgressVerb => "copied";

        internal override string? ProgressTarget(string mailbox) => "to " + Destination;

        internal override bool Change(ImapSession session, string mailbox, List<uint> uids)
        {
            var destination = DestinationFor(session);
            _copies.Clear();
            var set = new HashSet<uint>(uids);
            int copied = 0;
            foreach (var chunk in SequenceSet.BuildChunks(uids, session.MaxUidSetLength))
            {
                string ifCut = (copied > 0 ? copied + " of the " + uids.Count + " messages were copied before. " : "") +
                    "UID COPY of UIDs " + chunk + " from '" + mailbox + "' to '" + destination + "' was sent, outcome unknown: '" + destination +
                    "' may hold copies of them. Check it before retrying, or the messages may end up there twice.";
                if (session.Reconnector != null)
                {
                    if (!CheckedTransfer(session, mailbox, destination, chunk, false, set, _copies)) return false;
                }
                else
                {
                    if (!TryRun(() => Await(session.Client.UidCopyAsync(chunk, destination)), mailbox, out var response, ifCut)) return false;
                    _copies.AddRange(Copies(session, destination, response.Tagged, set));
                }
                int chunkCount = NumberSet.Expand(chunk).Count;
                copied += chunkCount;
                Progress.Add(chunkCount, ProgressTarget(mailbox));
            }
            return true;
        }

        internal override void AfterChange(ImapSession session, string mailbox, uint uidValidity, List<uint> uids)
        {
            if (PassThru) WriteObject(_copies, true);
        }
    }

    /// <summary>
    /// <para type="synopsis">Moves messages to another mailbox (MOVE, or COPY + STORE \Deleted + UID EXPUNGE of exactly those messages).</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Move, "ImapMessage", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(ImapMessage))]
    public sealed class MoveImapMessageCommand : ImapMessageTransferCmdlet
    {
        private readonly List<ImapMessage> _moved = new List<ImapMessage>();

        /// <inheritdoc />
        protected override string Action => "Move to '" + Destination + "'";

        internal override string ProgressVerb => "moved";

        internal override string? ProgressTarget(string mailbox) => "to " + Destination;

        internal override bool Change(ImapSession session, string mailbox, List<uint> uids)
        {
            var destination = DestinationFor(session);
            _moved.Clear();
            var client = session.Client;
            var set = new HashSet<uint>(uids);
            if (ImapSession.SameMailbox(mailbox, destination))
            {
                WriteError(new ErrorRecord(new ArgumentException("The messages are already in '" + destination + "'."), "SameMailbox", ErrorCategory.InvalidArgument, destination));
                return false;
            }
            if (!client.HasCapability("MOVE") && !client.HasCapability("UIDPLUS"))
            {
                // Without UID EXPUNGE the only way to remove the originals is an EXPUNGE that would
                // also remove every other message marked \Deleted: refuse rather than risk that.
                WriteError(new ErrorRecord(new NotSupportedException("The server offers neither MOVE nor UIDPLUS, so the originals cannot be removed without expunging other deleted messages. Use Copy-ImapMessage and Remove-ImapMessage instead."),
                    "MoveNotSupported", ErrorCategory.NotImplemented, mailbox));
                return false;
            }
            int done = 0;
            foreach (var chunk in SequenceSet.BuildChunks(uids, session.MaxUidSetLength))
            {
                if (client.HasCapability("MOVE") && session.Reconnector != null)
                {
                    if (!CheckedTransfer(session, mailbox, destination, chunk, true, set, _moved)) return false;
                }
                else if (client.HasCapability("MOVE"))
                {
                    string ifCut = MovedBefore(done, uids.Count) + "UID MOVE of UIDs " + chunk + " from '" + mailbox + "' to '" + destination +
                        "' was sent, outcome unknown: each message is in one of the two mailboxes. Check both before retrying.";
                    if (!TryRun(() => Await(client.UidMoveAsync(chunk, destination)), mailbox, out var move, ifCut)) return false;
                    // MOVE reports COPYUID in an untagged OK before its tagged OK. The engine attaches
                    // it to this command's own responses (MOVE is exclusive), so parallel moves on one
                    // session never read each other's.
                    var reported = move.Untagged.Where(r => ResponseCodes.TryGetCopyUid(r, out _, out _, out _)).ToList();
                    if (reported.Count == 0 && move.Tagged != null && ResponseCodes.TryGetCopyUid(move.Tagged, out _, out _, out _)) reported.Add(move.Tagged);
                    foreach (var r in reported)
                        _moved.AddRange(Copies(session, destination, r, set));
                }
                else
                {
                    // Three steps, each of which a cut can interrupt: the error says which were done.
                    string before = MovedBefore(done, uids.Count);
                    string ifCopyCut = before + "UID COPY of UIDs " + chunk + " from '" + mailbox + "' to '" + destination + "' was sent, outcome unknown: '" + destination +
                        "' may hold copies of them; the originals in '" + mailbox + "' were not marked \\Deleted and not expunged. Check '" + destination +
                        "' before retrying, or the messages may end up there twice.";
                    List<ImapMessage> copies;
                    if (session.Reconnector != null)
                    {
                        copies = new List<ImapMessage>();
                        if (!CheckedTransfer(session, mailbox, destination, chunk, false, set, copies)) return false;
                    }
                    else
                    {
                        if (!TryRun(() => Await(client.UidCopyAsync(chunk, destination)), mailbox, out var copy, ifCopyCut)) return false;
                        copies = Copies(session, destination, copy.Tagged, set).ToList();
                    }
                    _moved.AddRange(copies);
                    string copied = before + "The messages " + DescribeCopies(chunk, copies, destination) + " were copied from '" + mailbox + "' to '" + destination + "'; ";
                    string ifStoreCut = copied + "marking the originals \\Deleted was sent, outcome unknown; they were not expunged. The messages are now in both mailboxes: " +
                        "remove the originals from '" + mailbox + "' (Remove-ImapMessage -Expunge) instead of moving them again.";
                    // Through TryCommand: on a -Reconnect session both steps are idempotent and repeated after a cut, on the connection of the moment.
                    if (!TryCommand(() => session.Client.UidStoreFlagsAsync(chunk, StoreFlagsMode.Add, new[] { ImapFlags.Deleted }), ImapOperationSafety.Idempotent, "marking the originals deleted", mailbox, out _, ifStoreCut)) return false;
                    string ifExpungeCut = copied + "the originals were marked \\Deleted; UID EXPUNGE of them was sent, outcome unknown: they may still be in '" + mailbox +
                        "', marked \\Deleted. Remove them with Remove-ImapMessage -Expunge instead of moving them again.";
                    if (!TryCommand(() => session.Client.UidExpungeAsync(chunk), ImapOperationSafety.Idempotent, "expunging the originals", mailbox, out _, ifExpungeCut)) return false;
                }
                int chunkCount = NumberSet.Expand(chunk).Count;
                done += chunkCount;
                Progress.Add(chunkCount, ProgressTarget(mailbox));
            }
            return true;
        }

        internal override void AfterChange(ImapSession session, string mailbox, uint uidValidity, List<uint> uids)
        {
            if (PassThru) WriteObject(_moved, true);
        }

        private static string MovedBefore(int done, int total) => done > 0 ? done + " of the " + total + " messages were moved before. " : "";
    }

    /// <summary>
    /// <para type="synopsis">Marks messages \Deleted and, with -Expunge, removes exactly those messages (UID EXPUNGE).</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Remove, "ImapMessage", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(void))]
    public sealed class RemoveImapMessageCommand : ImapMessageChangeCmdlet
    {
        /// <summary>Also expunges the messages at once (only these: UID EXPUNGE, which needs UIDPLUS).</summary>
        [Parameter]
        public SwitchParameter Expunge { get; set; }

        /// <inheritdoc />
        protected override string Action => Expunge ? "Delete permanently (\\Deleted + UID EXPUNGE)" : "Mark \\Deleted";

        internal override string ProgressVerb => Expunge ? "deleted" : "marked deleted";

        internal override bool Change(ImapSession session, string mailbox, List<uint> uids)
        {
            if (Expunge && !session.HasCapability("UIDPLUS"))
            {
                WriteError(new ErrorRecord(new NotSupportedException("The server does not offer UIDPLUS, so expunging only these messages is impossible (EXPUNGE would remove every \\Deleted message). The messages were not changed."),
                    "ExpungeNotSupported", ErrorCategory.NotImplemented, mailbox));
                return false;
            }
            if (!Store(session, uids, StoreFlagsMode.Add, new[] { ImapFlags.Deleted }, mailbox)) return false;
            if (!Expunge) return true;
            foreach (var set in SequenceSet.BuildChunks(uids, session.MaxUidSetLength))
            {
                string ifCut = "The messages were marked \\Deleted; UID EXPUNGE of UIDs " + set + " in '" + mailbox + "' was sent, outcome unknown: " +
                    "they may still be there, marked \\Deleted.";
                if (!TryRun(() => Await(session.Client.UidExpungeAsync(set)), mailbox, out _, ifCut)) return false;
            }
            return true;
        }
    }
}
