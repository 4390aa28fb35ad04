using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading.Tasks;
using ImapPS.Client.Protocol;

namespace ImapPS.Client
{
    /// <summary>
    /// SELECT and EXAMINE. State-changing: it waits for every command in flight, resets the mailbox
    /// state when it is written (commands ahead of it still see the old mailbox), and at its tagged
    /// response either enters the mailbox or, when refused, leaves none selected (RFC 3501 6.3.1).
    /// Its result, as imaplib2's, is the message count. With <see cref="QResyncParameters"/> it
    /// sends QRESYNC's parameter (RFC 7162 3.2.5) and its VANISHED (EARLIER) and FETCH responses
    /// are its own.
    /// </summary>
    internal sealed class SelectCommand : ImapCommand
    {
        private static readonly string[] MailboxResponses = { "EXISTS", "RECENT", "FLAGS" };
        private static readonly string[] QResyncResponses = { "EXISTS", "RECENT", "FLAGS", "VANISHED", "FETCH" };
        private readonly string _mailbox;
        private readonly bool _readOnly;
        private readonly QResyncParameters? _qresync;
        private readonly bool _condStore;

        public SelectCommand(string mailbox, bool readOnly, QResyncParameters? qresync = null, bool condStore = false)
            : base(readOnly ? "EXAMINE" : "SELECT", Authenticated, qresync == null ? MailboxResponses : QResyncResponses, Build(mailbox, qresync, condStore))
        {
            _mailbox = mailbox;
            _readOnly = readOnly;
            _qresync = qresync;
            _condStore = condStore;
        }

        private static ImapArgument[] Build(string mailbox, QResyncParameters? qresync, bool condStore)
            => qresync != null
                ? new[] { ImapArgument.Mailbox(mailbox), ImapArgument.List(ImapArgument.Atom("QRESYNC"), qresync.ToArgument()) }
                : condStore
                    ? new[] { ImapArgument.Mailbox(mailbox), ImapArgument.List(ImapArgument.Atom("CONDSTORE")) }
                    : new[] { ImapArgument.Mailbox(mailbox) };

        public override bool Exclusive => true;

        /// <summary>RFC 7162 3.2.5: the QRESYNC parameter is BAD unless ENABLE QRESYNC succeeded first; refused here instead, nothing sent.</summary>
        public override void CheckIssue(Imap4Client client)
        {
            base.CheckIssue(client);
            if (_qresync != null && !client.IsEnabled("QRESYNC"))
                throw new ImapCapabilityException(Name + " (QRESYNC …)", new[] { "QRESYNC" },
                    client.HasCapability("QRESYNC")
                        ? Name + " with the QRESYNC parameter needs ENABLE QRESYNC first (RFC 7162 3.2.3); call EnableAsync(\"QRESYNC\") before selecting."
                        : "The server does not offer QRESYNC.");
            if (_condStore) client.RequireCapability(Name + " (CONDSTORE)", "CONDSTORE");
        }

        public override void BeforeSend(Imap4Client client) => client.ResetMailboxLocked();

        public override void OnTagged(Imap4Client client, PendingCommand pending, ServerResponse tagged)
        {
            if (tagged.Status == ResponseStatus.Ok) client.EnterMailboxLocked(_mailbox, _readOnly || tagged.CodeName == "READ-ONLY");
            else client.LeaveMailboxLocked();
        }

        public override bool HasFollowUp => true;

        public override Task<ImapResponse> FinishAsync(Imap4Client client, ImapResponse response)
        {
            if (!response.IsOk) return Task.FromResult(response);
            string count = response.Untagged.LastOrDefault(u => u.Name == "EXISTS")?.Number.ToString(CultureInfo.InvariantCulture)
                ?? client.Exists.ToString(CultureInfo.InvariantCulture);
            return Task.FromResult(new ImapResponse("OK", response.Tagged, response.Untagged, null, new[] { new ImapDataItem(count) }));
        }
    }

    /// <summary>
    /// QRESYNC's SELECT/EXAMINE parameter (RFC 7162 3.2.5):
    /// <c>(QRESYNC (uidvalidity modseq [known-uids [(known-sequence-set known-uid-set)]]))</c>.
    /// The server answers with the UIDs expunged since <see cref="ModSeq"/> (<c>VANISHED (EARLIER)</c>)
    /// and the messages changed since then (FETCH with FLAGS and MODSEQ), before the SELECT's OK.
    /// </summary>
    public sealed class QResyncParameters
    {
        /// <summary>The parameter for a mailbox last seen with <paramref name="uidValidity"/> at <paramref name="modSeq"/>.</summary>
        /// <param name="uidValidity">The UIDVALIDITY the client's knowledge is about (a different one: the server reports no changes, only the new UIDVALIDITY).</param>
        /// <param name="modSeq">The last HIGHESTMODSEQ the client has seen everything up to (non-zero).</param>
        /// <param name="knownUids">The UIDs the client knows (e.g. <c>1:500</c>), or null for all; limits the VANISHED (EARLIER) answer.</param>
        public QResyncParameters(uint uidValidity, ulong modSeq, IReadOnlyList<UidRange>? knownUids = null)
        {
            if (uidValidity == 0) throw new ArgumentOutOfRangeException(nameof(uidValidity), "UIDVALIDITY is never 0.");
            if (modSeq == 0) throw new ArgumentOutOfRangeException(nameof(modSeq), "A mod-sequence is never 0 (RFC 7162 3.1.1).");
            if (knownUids != null && knownUids.Count == 0) throw new ArgumentException("Give at least one known UID, or null for all.", nameof(knownUids));
            UidValidity = uidValidity;
            ModSeq = modSeq;
            KnownUids = knownUids;
        }

        /// <summary>The UIDVALIDITY the client's knowledge is about.</summary>
        public uint UidValidity { get; }

        /// <summary>The mod-sequence the client has seen every change up to.</summary>
        public ulong ModSeq { get; }

        /// <summary>The UIDs the client knows, or null.</summary>
        public IReadOnlyList<UidRange>? KnownUids { get; }

        /// <summary>
        /// Optional message sequence match data: sequence numbers and the UIDs the client knew them
        /// by, same length (RFC 7162 3.2.5.2), so the server can find expunges without a full log.
        /// </summary>
        public (IReadOnlyList<uint> SequenceNumbers, IReadOnlyList<uint> Uids)? SequenceMatch { get; set; }

        internal ImapArgument ToArgument()
        {
            var items = new List<ImapArgument>
            {
                ImapArgument.Atom(UidValidity.ToString(CultureInfo.InvariantCulture)),
                ImapArgument.Atom(ModSeq.ToString(CultureInfo.InvariantCulture)),
            };
            if (KnownUids != null) items.Add(ImapArgument.Atom(string.Join(",", KnownUids.Select(r => r.ToString()))));
            if (SequenceMatch is var (seqs, uids))
            {
                if (KnownUids == null) throw new InvalidOperationException("RFC 7162 3.2.5: sequence match data needs known UIDs before it.");
                if (seqs.Count == 0 || seqs.Count != uids.Count || seqs.Contains(0u) || uids.Contains(0u))
                    throw new InvalidOperationException("Sequence match data needs as many non-zero sequence numbers as UIDs.");
                items.Add(ImapArgument.List(ImapArgument.Atom(string.Join(",", seqs)), ImapArgument.Atom(string.Join(",", uids))));
            }
            return ImapArgument.List(items.ToArray());
        }
    }

    /// <summary>What a SELECT or EXAMINE with <see cref="QResyncParameters"/> found.</summary>
    public sealed class ImapQResyncResult
    {
        internal ImapQResyncResult(ImapResponse response, uint uidValidity, ulong highestModSeq, uint exists, IReadOnlyList<UidRange> vanished, IReadOnlyList<FetchData> changed)
        {
            Response = response;
            UidValidity = uidValidity;
            HighestModSeq = highestModSeq;
            Exists = exists;
            Vanished = vanished;
            Changed = changed;
        }

        /// <summary>The SELECT's response (its untagged responses included).</summary>
        public ImapResponse Response { get; }

        /// <summary>The mailbox's UIDVALIDITY now. When it differs from the one given, the server reported no changes: everything known is void.</summary>
        public uint UidValidity { get; }

        /// <summary>The mailbox's HIGHESTMODSEQ now (the next resync starts from it), or 0 when the server sent none.</summary>
        public ulong HighestModSeq { get; }

        /// <summary>The message count.</summary>
        public uint Exists { get; }

        /// <summary>The UIDs expunged since the mod-sequence given, from VANISHED (EARLIER), as ranges (never expanded here). A server may name UIDs the client never saw (RFC 7162 3.2.5.1).</summary>
        public IReadOnlyList<UidRange> Vanished { get; }

        /// <summary>The messages changed (or added) since the mod-sequence given: FETCH data with UID, FLAGS and MODSEQ.</summary>
        public IReadOnlyList<FetchData> Changed { get; }

        /// <summary>Builds the result from a SELECT's response; a malformed VANISHED or FETCH throws <see cref="ImapProtocolException"/>.</summary>
        internal static ImapQResyncResult From(Imap4Client client, ImapResponse response)
        {
            var vanished = new List<UidRange>();
            var changed = new List<FetchData>();
            foreach (var u in response.Untagged)
            {
                if (u.Name == "VANISHED")
                {
                    var v = VanishedData.Parse(u);
                    vanished.AddRange(v.Ranges);
                }
                else if (u.Name == "FETCH")
                {
                    var data = FetchData.Parse(u);
                    if (data.Uid == null) throw new ImapProtocolException("A FETCH answering SELECT (QRESYNC …) has no UID (RFC 7162 3.2.5.1 requires it).", "", 0);
                    changed.Add(data);
                }
            }
            return new ImapQResyncResult(response, client.UidValidity, client.HighestModSeq, client.Exists, vanished, changed);
        }
    }
}
