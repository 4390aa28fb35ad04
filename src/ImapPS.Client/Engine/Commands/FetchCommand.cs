using System;
using System.Collections.Generic;
using System.IO;
using ImapPS.Client.Protocol;

namespace ImapPS.Client
{
    /// <summary>
    /// A command whose results are FETCH responses about a set of messages (FETCH, STORE). The
    /// owner rule of FETCH responses lives here: a FETCH response belongs to the earliest running
    /// command whose message set contains its sequence number (or, for UID commands, its UID); a
    /// command whose set could not be read claims every FETCH response. Two such commands run side
    /// by side only when their sets are disjoint.
    /// </summary>
    internal abstract class MessageDataCommand : ImapCommand
    {
        private static readonly string[] FetchResponses = { "FETCH" };

        protected MessageDataCommand(string name, string set, bool uid, params ImapArgument[] arguments)
            : base(name, Selected, FetchResponses, arguments)
        {
            Messages = MessageSetFilter.TryParse(set, uid);
        }

        /// <summary>The messages the command asked about; null means "any message".</summary>
        public MessageSetFilter? Messages { get; }

        /// <summary>True when large literals of the responses it claims may go to a stream of the caller's.</summary>
        public virtual bool StreamsLiterals => false;

        public override bool Claims(UntaggedRoute route)
        {
            if (route.Name != "FETCH") return false;
            var set = Messages;
            if (set == null) return true;
            if (!set.ByUid) return set.Contains(route.Response.Number);
            var uid = route.Uid;
            return uid != null && set.Contains(uid.Value);
        }

        private bool Contains(uint number, uint? uid)
        {
            var set = Messages;
            if (set == null) return true;
            if (!set.ByUid) return set.Contains(number);
            return uid != null && set.Contains(uid.Value);
        }

        protected override bool Distinguishes(ImapCommand other, string name)
            => name == "FETCH" && other is MessageDataCommand m && Messages != null && m.Messages != null && !Messages.Overlaps(m.Messages);

        public override uint[]? ClaimedUids(int limit) => Messages != null && Messages.ByUid ? Messages.SmallMembers(limit) : null;

        /// <summary>
        /// The running command that will be given the response whose literal is announced, when that
        /// command streams literals; otherwise null (the literal stays in memory). The same rule as
        /// <see cref="Claims"/>, read from the response's start before the literal
        /// (<see cref="FetchData.TryReadPrefix(LiteralRequest, out uint, out uint?)"/>): a literal of a parallel FETCH on other messages
        /// must never end up in a streaming command's destination. A command that claims every FETCH
        /// response streams only when it is the one FETCH command running, since the UID that would
        /// give the response to another may come after the literal.
        /// </summary>
        internal static PendingCommand? LiteralOwner(List<PendingCommand> running, LiteralRequest request)
        {
            PendingCommand? chosen = null;
            PendingCommand? unfiltered = null;
            int fetchCommands = 0;
            bool parsed = false, isFetch = false;
            uint number = 0;
            uint? uid = null;
            foreach (var c in running)
            {
                if (!c.Sent || !c.Spec.CollectsName("FETCH")) continue;
                fetchCommands++;
                if (!(c.Spec is MessageDataCommand m) || !m.StreamsLiterals) continue;
                if (m.Messages == null) { unfiltered = c; continue; }
                if (!parsed) { isFetch = FetchData.TryReadPrefix(request, out number, out uid); parsed = true; }
                if (isFetch && m.Contains(number, uid) && (chosen == null || c.Order < chosen.Order)) chosen = c;
            }
            if (chosen == null && unfiltered != null && fetchCommands == 1)
            {
                if (!parsed) isFetch = FetchData.TryReadPrefix(request, out _, out _);
                if (isFetch) chosen = unfiltered;
            }
            return chosen;
        }
    }

    /// <summary>
    /// FETCH and UID FETCH, with CONDSTORE's <c>CHANGEDSINCE</c> (RFC 7162 3.1.4.1): only messages
    /// whose MODSEQ is above the given one answer, and each answer carries its MODSEQ
    /// (<see cref="FetchData.ModSeq"/>). Refused before sending when the server does not offer CONDSTORE.
    /// </summary>
    internal sealed class FetchCommand : MessageDataCommand
    {
        public FetchCommand(bool uid, string set, string items, ulong? changedSince = null)
            : base(uid ? "UID FETCH" : "FETCH", set, uid, FetchArguments(set, items, changedSince))
        {
            if (changedSince != null) Require("FETCH CHANGEDSINCE", "CONDSTORE");
        }

        private static ImapArgument[] FetchArguments(string set, string items, ulong? changedSince)
        {
            if (changedSince == null) return new[] { SetArgument(set), ImapArgument.Raw(items.Trim()) };
            var modifier = ImapArgument.List(ImapArgument.Atom("CHANGEDSINCE"), ImapArgument.Atom(changedSince.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            return new[] { SetArgument(set), ImapArgument.Raw(items.Trim()), modifier };
        }

        /// <summary>When set, each claimed response is handed to it on the reader instead of being kept.</summary>
        public Action<ServerResponse>? Each { get; set; }

        /// <summary>When set, large literals of claimed responses may be written to the stream it returns.</summary>
        public Func<LiteralRequest, Stream?>? LiteralSink { get; set; }

        public override Action<ServerResponse>? OnData => Each;

        public override bool StreamsLiterals => LiteralSink != null;

        public override Stream? OpenLiteralSink(LiteralRequest request) => LiteralSink?.Invoke(request);
    }
}
