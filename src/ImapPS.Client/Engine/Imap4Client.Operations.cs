using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using ImapPS.Client.Protocol;

namespace ImapPS.Client
{
    // The typed operations the cmdlets call. Each takes typed arguments (SearchKey, SortCriterion,
    // FetchItems, StoreFlagsMode, flag names), lets the protocol layer write the syntax, goes
    // through the engine's normal checks (valid states, read-only refusal, capabilities, result
    // attribution), and throws ImapCommandException for NO and BAD instead of returning them, so
    // a caller never mistakes a refusal for an empty result. Unlike the imaplib2 surface, none of
    // them takes IMAP syntax in a string.
    public partial class Imap4Client
    {
        /// <summary>
        /// UID SEARCH for <paramref name="criteria"/>: the UIDs of the matching messages of the
        /// selected mailbox, in the server's order. Non-ASCII values are sent with CHARSET UTF-8.
        /// </summary>
        /// <param name="criteria">The search program.</param>
        /// <param name="compactResult">Ask for ESEARCH's compact result (RETURN (ALL)) when the server offers ESEARCH: a large result is a set of ranges instead of every number.</param>
        /// <exception cref="ImapException">No mailbox is selected (nothing is sent).</exception>
        /// <exception cref="ImapCommandException">The server answered NO or BAD.</exception>
        /// <exception cref="ImapCapabilityException">The criteria use MODSEQ and the server does not offer CONDSTORE (nothing is sent).</exception>
        public async Task<IReadOnlyList<uint>> UidSearchAsync(SearchKey criteria, bool compactResult = false)
        {
            if (criteria is null) throw new ArgumentNullException(nameof(criteria));
            if (criteria.RequiresCondStore) RequireCapability("UID SEARCH MODSEQ", "CONDSTORE");
            var args = new List<ImapArgument>();
            if (compactResult && HasCapability("ESEARCH")) { args.Add(ImapArgument.Atom("RETURN")); args.Add(ImapArgument.List(ImapArgument.Atom("ALL"))); }
            if (criteria.RequiresUtf8) { args.Add(ImapArgument.Atom("CHARSET")); args.Add(ImapArgument.Atom("UTF-8")); }
            args.AddRange(criteria.ToArguments());
            var response = await SearchAsync(true, null, args).ConfigureAwait(false);
            return Numbers(ThrowIfFailed(response, "UID SEARCH"));
        }

        /// <summary>
        /// UID SORT (RFC 5256): the UIDs of the messages matching <paramref name="criteria"/>, in the
        /// order of <paramref name="sortBy"/>. Refused before sending unless the server offers SORT
        /// (and SORT=DISPLAY for the Display keys) and a mailbox is selected.
        /// </summary>
        /// <exception cref="ImapCapabilityException">The server does not offer SORT (or SORT=DISPLAY), or the criteria use MODSEQ without CONDSTORE.</exception>
        /// <exception cref="ImapException">No mailbox is selected (nothing is sent).</exception>
        /// <exception cref="ImapCommandException">The server answered NO or BAD.</exception>
        public Task<IReadOnlyList<uint>> UidSortAsync(IReadOnlyList<SortCriterion> sortBy, SearchKey criteria)
        {
            // Refusals are thrown here, not through the task, so a caller can tell them from a failed command.
            if (criteria is null) throw new ArgumentNullException(nameof(criteria));
            var program = SortCriterion.ToArgument(sortBy);
            RequireCapability("UID SORT", "SORT");
            if (criteria.RequiresCondStore) RequireCapability("UID SORT MODSEQ", "CONDSTORE");
            if (sortBy.Any(c => c.NeedsDisplaySort)) RequireCapability("UID SORT", "SORT=DISPLAY");
            return NumbersOf(Issue(SearchCommand.Sort(true, program, criteria.RequiresUtf8 ? "UTF-8" : "US-ASCII", criteria.ToArguments())), "UID SORT");
        }

        private static async Task<IReadOnlyList<uint>> NumbersOf(Task<ImapResponse> command, string name)
            => Numbers(ThrowIfFailed(await command.ConfigureAwait(false), name));

        /// <summary>
        /// UID THREAD (RFC 5256) with <paramref name="algorithm"/> (REFERENCES, ORDEREDSUBJECT, REFS):
        /// the thread roots of the messages matching <paramref name="criteria"/>, numbered by UID.
        /// </summary>
        /// <exception cref="ArgumentException">The algorithm is not an atom.</exception>
        /// <exception cref="ImapCapabilityException">The server does not offer THREAD=<paramref name="algorithm"/>.</exception>
        /// <exception cref="ImapException">No mailbox is selected (nothing is sent).</exception>
        /// <exception cref="ImapCommandException">The server answered NO or BAD.</exception>
        public Task<IReadOnlyList<ThreadNode>> UidThreadAsync(string algorithm, SearchKey criteria)
        {
            if (algorithm is null) throw new ArgumentNullException(nameof(algorithm));
            if (criteria is null) throw new ArgumentNullException(nameof(criteria));
            _ = ImapArgument.Atom(algorithm.ToUpperInvariant()); // refuses a name that is not an atom before the capability check
            RequireCapability("UID THREAD", "THREAD=" + algorithm.ToUpperInvariant());
            return ThreadsOf(Issue(SearchCommand.Thread(true, algorithm.ToUpperInvariant(), criteria.RequiresUtf8 ? "UTF-8" : "US-ASCII", criteria.ToArguments())));
        }

        private static async Task<IReadOnlyList<ThreadNode>> ThreadsOf(Task<ImapResponse> command)
        {
            var response = ThrowIfFailed(await command.ConfigureAwait(false), "UID THREAD");
            var roots = new List<ThreadNode>();
            foreach (var r in response.Untagged)
                if (r.Name == "THREAD") roots.AddRange(ThreadNode.Parse(r));
            return roots;
        }

        /// <summary>
        /// UID STORE of flags: adds, removes or replaces <paramref name="flags"/> (system flags as
        /// <c>\Seen</c>, keywords as atoms) on the messages <paramref name="uidSet"/>. Refused before
        /// sending when the mailbox is open read-only or no mailbox is selected.
        /// </summary>
        /// <param name="uidSet">A UID set (see <see cref="SequenceSet"/>).</param>
        /// <param name="mode">Add, remove or replace.</param>
        /// <param name="flags">The flags.</param>
        /// <param name="silent">FLAGS.SILENT: the server does not answer with the new flags.</param>
        /// <exception cref="ArgumentException">The set or a flag is invalid (nothing is sent).</exception>
        /// <exception cref="ImapException">The mailbox is read-only or not selected (nothing is sent).</exception>
        /// <exception cref="ImapCommandException">The server answered NO or BAD.</exception>
        public Task<ImapResponse> UidStoreFlagsAsync(string uidSet, StoreFlagsMode mode, IEnumerable<string> flags, bool silent = true)
        {
            string list = ImapFlags.FormatFlagList(flags);
            string item = (mode == StoreFlagsMode.Add ? "+" : mode == StoreFlagsMode.Remove ? "-" : "") + "FLAGS" + (silent ? ".SILENT" : "");
            return Checked(UidAsync("STORE", UidSet(uidSet), item, list), "UID STORE");
        }

        /// <summary>
        /// Conditional UID STORE of flags (CONDSTORE's UNCHANGEDSINCE, RFC 7162 3.1.3): changes
        /// only the messages of <paramref name="uidSet"/> whose mod-sequence is not above
        /// <paramref name="unchangedSince"/>, and returns the others, which the server names in
        /// the tagged OK's <c>[MODIFIED set]</c> and leaves unchanged. The result holds only UIDs
        /// of <paramref name="uidSet"/>, however large a set the server reports.
        /// </summary>
        /// <param name="uidSet">A UID set (see <see cref="SequenceSet"/>).</param>
        /// <param name="mode">Add, remove or replace.</param>
        /// <param name="flags">The flags.</param>
        /// <param name="unchangedSince">The mod-sequence a message must not have passed to be changed.</param>
        /// <exception cref="ArgumentException">The set or a flag is invalid (nothing is sent).</exception>
        /// <exception cref="ImapCapabilityException">The server does not offer CONDSTORE (nothing is sent).</exception>
        /// <exception cref="ImapException">The mailbox is read-only or not selected (nothing is sent).</exception>
        /// <exception cref="ImapCommandException">The server answered NO or BAD.</exception>
        /// <exception cref="ImapException">The [MODIFIED] set cannot be read (malformed, or larger than <see cref="NumberSet.MaxExpandedCount"/>): which messages changed is unknown.</exception>
        public Task<IReadOnlyList<uint>> UidStoreFlagsUnchangedSinceAsync(string uidSet, StoreFlagsMode mode, IEnumerable<string> flags, ulong unchangedSince)
        {
            string set = UidSet(uidSet);
            string list = ImapFlags.FormatFlagList(flags);
            RequireCapability("UID STORE UNCHANGEDSINCE", "CONDSTORE");
            string item = (mode == StoreFlagsMode.Add ? "+" : mode == StoreFlagsMode.Remove ? "-" : "") + "FLAGS";
            return ModifiedOf(Issue(new StoreCommand(true, set, item, list, silent: true, unchangedSince)), set);
        }

        private static async Task<IReadOnlyList<uint>> ModifiedOf(Task<ImapResponse> command, string set)
        {
            var response = ThrowIfFailed(await command.ConfigureAwait(false), "UID STORE");
            if (response.Tagged == null || response.Tagged.CodeName != "MODIFIED") return Array.Empty<uint>();
            if (!ResponseCodes.TryGetModified(response.Tagged, out var modified))
                throw new ImapException("The server answered UID STORE UNCHANGEDSINCE with a [MODIFIED] code that cannot be read: which of UIDs " + set + " were changed is unknown.");
            var asked = new HashSet<uint>(NumberSet.Expand(set));
            var result = new List<uint>();
            foreach (var uid in modified)
                if (asked.Remove(uid)) result.Add(uid);
            return result;
        }

        private static async Task<ImapResponse> Checked(Task<ImapResponse> command, string name)
            => ThrowIfFailed(await command.ConfigureAwait(false), name);

        /// <summary>UID COPY of <paramref name="uidSet"/> to <paramref name="mailbox"/>; the tagged OK carries COPYUID when the server offers UIDPLUS.</summary>
        /// <exception cref="ImapCommandException">The server answered NO or BAD.</exception>
        public async Task<ImapResponse> UidCopyAsync(string uidSet, string mailbox)
            => ThrowIfFailed(await UidAsync("COPY", UidSet(uidSet), mailbox).ConfigureAwait(false), "UID COPY");

        /// <summary>UID MOVE (RFC 6851) of <paramref name="uidSet"/> to <paramref name="mailbox"/>. Refused before sending unless the server offers MOVE.</summary>
        /// <exception cref="ImapCapabilityException">The server does not offer MOVE.</exception>
        /// <exception cref="ImapCommandException">The server answered NO or BAD.</exception>
        public async Task<ImapResponse> UidMoveAsync(string uidSet, string mailbox)
            => ThrowIfFailed(await UidAsync("MOVE", UidSet(uidSet), mailbox).ConfigureAwait(false), "UID MOVE");

        /// <summary>UID EXPUNGE (UIDPLUS): removes only the \Deleted messages of <paramref name="uidSet"/>. Refused before sending unless the server offers UIDPLUS.</summary>
        /// <exception cref="ImapCapabilityException">The server does not offer UIDPLUS.</exception>
        /// <exception cref="ImapCommandException">The server answered NO or BAD.</exception>
        public async Task<ImapResponse> UidExpungeAsync(string uidSet)
            => ThrowIfFailed(await UidAsync("EXPUNGE", UidSet(uidSet)).ConfigureAwait(false), "UID EXPUNGE");

        /// <summary>
        /// UID FETCH of <paramref name="items"/> for <paramref name="uidSet"/>, handing each FETCH
        /// response to <paramref name="onResponse"/> as it arrives (on the reader: keep it short).
        /// Large literals may go to the stream <paramref name="literalSink"/> returns.
        /// </summary>
        /// <param name="uidSet">A UID set (see <see cref="SequenceSet"/>).</param>
        /// <param name="items">What to fetch.</param>
        /// <param name="onResponse">Gets each FETCH response.</param>
        /// <param name="literalSink">Where large literals may go; null keeps them in memory.</param>
        /// <param name="changedSince">
        /// CONDSTORE's CHANGEDSINCE (RFC 7162 3.1.4.1): only the messages whose MODSEQ is above it
        /// answer, each with its MODSEQ. Refused (an <see cref="ImapCapabilityException"/> through
        /// the task, nothing sent) unless the server offers CONDSTORE.
        /// </param>
        /// <exception cref="ImapCapabilityException">CHANGEDSINCE or MODSEQ without CONDSTORE.</exception>
        /// <exception cref="ImapCommandException">The server answered NO or BAD.</exception>
        public async Task<ImapResponse> UidFetchEachAsync(string uidSet, FetchItems items, Action<ServerResponse> onResponse, Func<LiteralRequest, Stream?>? literalSink = null,
            ulong? changedSince = null)
        {
            if (items is null) throw new ArgumentNullException(nameof(items));
            if (onResponse is null) throw new ArgumentNullException(nameof(onResponse));
            if ((items.Attributes & FetchAttributes.ModSeq) != 0) RequireCapability("UID FETCH MODSEQ", "CONDSTORE");
            // UID FETCH answers with the UID whether asked or not; asking makes the item list say so.
            var withUid = items.With(FetchAttributes.Uid);
            var command = new FetchCommand(true, UidSet(uidSet), withUid.ToString(), changedSince) { Each = onResponse, LiteralSink = literalSink };
            return ThrowIfFailed(await Issue(command).ConfigureAwait(false), "UID FETCH");
        }

        /// <summary>
        /// APPEND of <paramref name="message"/> to <paramref name="mailbox"/> with typed
        /// <paramref name="flags"/> (system flags as <c>\Seen</c>, keywords as atoms; none for null or
        /// empty) and <paramref name="internalDate"/> (the server's choice for null). Bare CR or LF
        /// line ends become CRLF. The tagged OK carries APPENDUID when the server offers UIDPLUS.
        /// </summary>
        /// <exception cref="ArgumentException">A flag is invalid (nothing is sent; through the task).</exception>
        /// <exception cref="ImapCommandException">The server answered NO or BAD (TRYCREATE when the mailbox does not exist).</exception>
        public async Task<ImapResponse> AppendMessageAsync(string mailbox, IReadOnlyList<string>? flags, DateTimeOffset? internalDate, byte[] message)
        {
            if (message is null) throw new ArgumentNullException(nameof(message));
            string? list = FlagListOrNull(flags);
            return ThrowIfFailed(await AppendAsync(mailbox, list, internalDate, message).ConfigureAwait(false), "APPEND");
        }

        /// <summary>
        /// MULTIAPPEND (RFC 3502) of several messages in one command, each with typed flags and
        /// date as in <see cref="AppendMessageAsync"/>: all or none are added. Refused (through the
        /// task, nothing sent) unless the server offers MULTIAPPEND.
        /// </summary>
        /// <exception cref="ArgumentException">A flag is invalid (nothing is sent).</exception>
        /// <exception cref="ImapCapabilityException">The server does not offer MULTIAPPEND.</exception>
        /// <exception cref="ImapCommandException">The server answered NO or BAD.</exception>
        public async Task<ImapResponse> AppendMessagesAsync(string mailbox, IEnumerable<(IReadOnlyList<string>? Flags, DateTimeOffset? InternalDate, byte[] Message)> messages)
        {
            if (messages is null) throw new ArgumentNullException(nameof(messages));
            var items = messages.Select(m => (FlagListOrNull(m.Flags), m.InternalDate, m.Message ?? throw new ArgumentException("A message is null.", nameof(messages)))).ToList();
            return ThrowIfFailed(await AppendManyAsync(mailbox, items).ConfigureAwait(false), "APPEND");
        }

        private static string? FlagListOrNull(IReadOnlyList<string>? flags) => flags == null || flags.Count == 0 ? null : ImapFlags.FormatFlagList(flags);

        /// <summary>FETCH by sequence numbers (<paramref name="first"/>..<paramref name="last"/>), streamed like <see cref="UidFetchEachAsync"/>.</summary>
        /// <exception cref="ImapCommandException">The server answered NO or BAD.</exception>
        public async Task<ImapResponse> FetchRangeEachAsync(uint first, uint last, FetchItems items, Action<ServerResponse> onResponse)
        {
            if (items is null) throw new ArgumentNullException(nameof(items));
            if (first == 0 || last < first) throw new ArgumentOutOfRangeException(nameof(first), "A sequence range starts at 1 and does not end before it starts.");
            var culture = System.Globalization.CultureInfo.InvariantCulture;
            string set = first == last ? first.ToString(culture) : first.ToString(culture) + ":" + last.ToString(culture);
            return ThrowIfFailed(await FetchEachAsync(set, items.ToString(), false, onResponse).ConfigureAwait(false), "FETCH");
        }

        /// <summary>
        /// NOOP that collects the selected mailbox's changes (EXISTS, RECENT, EXPUNGE, FETCH,
        /// VANISHED) as its result instead of leaving them to events: a poll that syncs everything
        /// the server has pending. Exclusive, so no other command's data is taken.
        /// </summary>
        /// <exception cref="ImapException">No mailbox is selected (nothing is sent).</exception>
        /// <exception cref="ImapCommandException">The server answered NO or BAD.</exception>
        public async Task<ImapResponse> PollMailboxAsync()
            => ThrowIfFailed(await Issue(NoopCommand.Poll()).ConfigureAwait(false), "NOOP");

        /// <summary>
        /// LIST of the mailboxes matching <paramref name="pattern"/>: with LIST-EXTENDED (RFC 5258)
        /// the return options asked for (and the counters of LIST-STATUS when <paramref name="status"/>
        /// is not None and the server offers it), else a plain LIST or LSUB, whose entries say less.
        /// Untagged LIST (or LSUB) and STATUS responses are the result.
        /// </summary>
        /// <param name="pattern">The LIST pattern (wildcards * and %).</param>
        /// <param name="subscribedOnly">Only subscribed mailboxes (selection SUBSCRIBED, or LSUB).</param>
        /// <param name="returns">What LIST-EXTENDED should return besides the names; SPECIAL-USE is asked only of a server that offers it.</param>
        /// <param name="status">Counters to return with each name (LIST-STATUS only); see <see cref="StatusAsync(string, StatusItems)"/> for the items left out.</param>
        /// <exception cref="ImapCommandException">The server answered NO or BAD.</exception>
        public async Task<ImapResponse> ListMailboxesAsync(string pattern, bool subscribedOnly, ListReturnOptions returns, StatusItems status = StatusItems.None)
        {
            if (pattern is null) throw new ArgumentNullException(nameof(pattern));
            if (!HasCapability("LIST-EXTENDED"))
                return ThrowIfFailed(await (subscribedOnly ? LsubAsync("", pattern) : ListAsync("", pattern)).ConfigureAwait(false), subscribedOnly ? "LSUB" : "LIST");
            if (!HasCapability("SPECIAL-USE")) returns &= ~ListReturnOptions.SpecialUse;
            status = HasCapability("LIST-STATUS") ? Offered(status) : StatusItems.None;
            var response = await ListExtendedAsync(MailboxQuerySyntax.ListSelection(subscribedOnly), "", pattern, MailboxQuerySyntax.ListReturn(returns, status)).ConfigureAwait(false);
            return ThrowIfFailed(response, "LIST");
        }

        /// <summary>True when <see cref="ListMailboxesAsync"/> can return counters with the names (LIST-STATUS).</summary>
        public bool CanListStatus => HasCapability("LIST-EXTENDED") && HasCapability("LIST-STATUS");

        /// <summary>
        /// STATUS of <paramref name="mailbox"/> with typed counters. Counters of an extension the
        /// server does not offer (SIZE without STATUS=SIZE, HIGHESTMODSEQ without CONDSTORE) are
        /// left out rather than refused, so one request serves every server.
        /// </summary>
        /// <exception cref="ImapCommandException">The server answered NO or BAD.</exception>
        public async Task<ImapResponse> StatusAsync(string mailbox, StatusItems items)
            => ThrowIfFailed(await StatusAsync(mailbox, MailboxQuerySyntax.StatusList(Offered(items))).ConfigureAwait(false), "STATUS");

        /// <summary>GETMETADATA (RFC 5464) of <paramref name="entries"/> of <paramref name="mailbox"/> ("" for the server), <paramref name="depth"/> deep.</summary>
        /// <exception cref="ImapCommandException">The server answered NO or BAD.</exception>
        public async Task<ImapResponse> GetMetadataAsync(string mailbox, IEnumerable<string> entries, MetadataDepth depth)
            => ThrowIfFailed(await GetMetadataAsync(mailbox, entries, MailboxQuerySyntax.MetadataOptions(depth)).ConfigureAwait(false), "GETMETADATA");

        private StatusItems Offered(StatusItems items)
        {
            if (!HasCapability("STATUS=SIZE")) items &= ~StatusItems.Size;
            if (!HasCapability("CONDSTORE")) items &= ~StatusItems.HighestModSeq;
            return items;
        }

        private static string UidSet(string uidSet)
        {
            if (uidSet is null) throw new ArgumentNullException(nameof(uidSet));
            if (!SequenceSet.IsValid(uidSet)) throw new ArgumentException("'" + uidSet + "' is not a UID set.", nameof(uidSet));
            return uidSet;
        }

        private static ImapResponse ThrowIfFailed(ImapResponse response, string command)
            => response.IsOk ? response : throw new ImapCommandException(command, response);

        private static IReadOnlyList<uint> Numbers(ImapResponse response)
        {
            var numbers = new List<uint>();
            foreach (var r in response.Untagged)
                if (r.Name == "SEARCH" || r.Name == "ESEARCH" || r.Name == "SORT")
                    numbers.AddRange(SearchResult.Parse(r).Numbers);
            return numbers;
        }
    }
}
