using System;
using System.Collections.Generic;

namespace ImapPS.Client.Protocol
{
    /// <summary>The text fields SEARCH matches by substring (RFC 3501 section 6.4.4).</summary>
    public enum SearchTextField
    {
        /// <summary>FROM.</summary>
        From,
        /// <summary>TO.</summary>
        To,
        /// <summary>CC.</summary>
        Cc,
        /// <summary>BCC.</summary>
        Bcc,
        /// <summary>SUBJECT.</summary>
        Subject,
        /// <summary>BODY: the body only.</summary>
        Body,
        /// <summary>TEXT: the header and the body.</summary>
        Text,
    }

    /// <summary>The date keys of SEARCH: which date of the message, and how it compares (whole days).</summary>
    public enum SearchDateField
    {
        /// <summary>BEFORE: received (INTERNALDATE) before the day.</summary>
        Before,
        /// <summary>ON: received on the day.</summary>
        On,
        /// <summary>SINCE: received on or after the day.</summary>
        Since,
        /// <summary>SENTBEFORE: the Date header is before the day.</summary>
        SentBefore,
        /// <summary>SENTON: the Date header is on the day.</summary>
        SentOn,
        /// <summary>SENTSINCE: the Date header is on or after the day.</summary>
        SentSince,
        /// <summary>SAVEDBEFORE (RFC 8514): saved into this mailbox before the day.</summary>
        SavedBefore,
        /// <summary>SAVEDON (RFC 8514): saved into this mailbox on the day.</summary>
        SavedOn,
        /// <summary>SAVEDSINCE (RFC 8514): saved into this mailbox on or after the day.</summary>
        SavedSince,
    }

    /// <summary>
    /// One SEARCH key, or a combination of keys, as a typed tree (RFC 3501 section 6.4.4). Every
    /// value a caller gives goes through the command builder's quoting rules (an astring, a literal
    /// when it holds a line break or 8-bit text), so no value can change the shape of the search
    /// program. Only <see cref="Raw"/> passes text through, after <see cref="ImapArgument.Raw"/>'s checks.
    /// </summary>
    public abstract class SearchKey
    {
        private SearchKey() { }

        /// <summary>True when a value holds non-ASCII text, so the search must be sent with CHARSET UTF-8.</summary>
        public abstract bool RequiresUtf8 { get; }

        /// <summary>True when a key is CONDSTORE's MODSEQ (RFC 7162), which only a server that offers CONDSTORE understands.</summary>
        public abstract bool RequiresCondStore { get; }

        /// <summary>Every message (ALL).</summary>
        public static SearchKey All { get; } = new Leaf(false, ImapArgument.Atom("ALL"));

        /// <summary>A substring match of <paramref name="field"/> (FROM, SUBJECT, …) against <paramref name="value"/>.</summary>
        public static SearchKey Text(SearchTextField field, string value)
        {
            if (value is null) throw new ArgumentNullException(nameof(value));
            return new Leaf(IsNonAscii(value), ImapArgument.Atom(field.ToString().ToUpperInvariant()), ImapArgument.AString(value));
        }

        /// <summary>HEADER <paramref name="field"/> <paramref name="value"/>: the header field contains the value ("" matches any message that has the field).</summary>
        public static SearchKey Header(string field, string value)
        {
            if (string.IsNullOrEmpty(field)) throw new ArgumentException("A header field name cannot be empty.", nameof(field));
            if (value is null) throw new ArgumentNullException(nameof(value));
            return new Leaf(IsNonAscii(value) || IsNonAscii(field), ImapArgument.Atom("HEADER"), ImapArgument.AString(field), ImapArgument.AString(value));
        }

        /// <summary>A date comparison; only the day of <paramref name="date"/> counts (SEARCH compares whole days).</summary>
        public static SearchKey Date(SearchDateField field, DateTime date)
            => new Leaf(false, ImapArgument.Atom(field.ToString().ToUpperInvariant()), ImapArgument.Atom(ImapDate.FormatSearchDate(date)));

        /// <summary>LARGER <paramref name="size"/> (or SMALLER when <paramref name="larger"/> is false), in bytes.</summary>
        public static SearchKey Size(bool larger, long size)
        {
            if (size < 0 || size > uint.MaxValue) throw new ArgumentOutOfRangeException(nameof(size), "A message size is between 0 and " + uint.MaxValue + " bytes.");
            return new Leaf(false, ImapArgument.Atom(larger ? "LARGER" : "SMALLER"), ImapArgument.FromNumber(size));
        }

        /// <summary>
        /// A system flag (Seen, Answered, Flagged, Deleted, Draft, Recent): SEEN when
        /// <paramref name="present"/>, UNSEEN when not.
        /// </summary>
        public static SearchKey Flag(string systemFlag, bool present)
        {
            string name = (systemFlag ?? throw new ArgumentNullException(nameof(systemFlag))).TrimStart('\\').ToUpperInvariant();
            switch (name)
            {
                case "SEEN": case "ANSWERED": case "FLAGGED": case "DELETED": case "DRAFT":
                    return new Leaf(false, ImapArgument.Atom(present ? name : "UN" + name));
                case "RECENT":
                    return new Leaf(false, ImapArgument.Atom(present ? "RECENT" : "OLD"));
                default:
                    throw new ArgumentException("'" + systemFlag + "' is not a system flag (Seen, Answered, Flagged, Deleted, Draft, Recent).", nameof(systemFlag));
            }
        }

        /// <summary>KEYWORD <paramref name="keyword"/> (UNKEYWORD when <paramref name="present"/> is false). The keyword must be an atom.</summary>
        public static SearchKey Keyword(string keyword, bool present)
            => new Leaf(false, ImapArgument.Atom(present ? "KEYWORD" : "UNKEYWORD"), ImapArgument.Atom(keyword));

        /// <summary>UID <paramref name="set"/> (a UID set such as <c>1:100,200</c>).</summary>
        public static SearchKey Uid(string set) => new Leaf(false, ImapArgument.Atom("UID"), ImapArgument.FromSequenceSet(set));

        /// <summary>
        /// MODSEQ <paramref name="modSeq"/> (RFC 7162 3.1.5): the messages whose mod-sequence is
        /// <paramref name="modSeq"/> or higher. Needs CONDSTORE (<see cref="RequiresCondStore"/>).
        /// </summary>
        /// <exception cref="ArgumentOutOfRangeException">Not a mod-sequence (1 to 2^63-1).</exception>
        public static SearchKey ModSeq(ulong modSeq)
        {
            if (modSeq == 0 || modSeq > long.MaxValue) throw new ArgumentOutOfRangeException(nameof(modSeq), "A mod-sequence is between 1 and " + long.MaxValue + ".");
            return new Leaf(false, ImapArgument.Atom("MODSEQ"), ImapArgument.Atom(modSeq.ToString(System.Globalization.CultureInfo.InvariantCulture))) { CondStore = true };
        }

        /// <summary>
        /// Search criteria written by the caller in IMAP syntax, passed through. Refused (see
        /// <see cref="ImapArgument.Raw"/>) when they hold a line break, a NUL or a literal header.
        /// </summary>
        public static SearchKey Raw(string criteria) => new Leaf(IsNonAscii(criteria), ImapArgument.Raw(criteria));

        /// <summary>Messages that do not match <paramref name="key"/> (NOT).</summary>
        public static SearchKey Not(SearchKey key) => new NotKey(key ?? throw new ArgumentNullException(nameof(key)));

        /// <summary>Messages that match every one of <paramref name="keys"/> (ALL when there is none).</summary>
        public static SearchKey AllOf(IEnumerable<SearchKey> keys)
        {
            var list = Collect(keys);
            if (list.Count == 0) return All;
            return list.Count == 1 ? list[0] : new AndKey(list);
        }

        /// <summary>Messages that match at least one of <paramref name="keys"/> (a chain of OR). At least one key is needed.</summary>
        public static SearchKey AnyOf(IEnumerable<SearchKey> keys)
        {
            var list = Collect(keys);
            if (list.Count == 0) throw new ArgumentException("AnyOf needs at least one key.", nameof(keys));
            return list.Count == 1 ? list[0] : new OrKey(list);
        }

        /// <summary>The search program's arguments, ready for SEARCH or SORT.</summary>
        public IReadOnlyList<ImapArgument> ToArguments()
        {
            var output = new List<ImapArgument>();
            if (this is AndKey and) foreach (var k in and.Keys) k.AppendTo(output);
            else AppendTo(output);
            return output;
        }

        /// <summary>Appends this key as one search-key (parenthesised when it is a conjunction).</summary>
        internal abstract void AppendTo(List<ImapArgument> output);

        private static List<SearchKey> Collect(IEnumerable<SearchKey> keys)
        {
            if (keys is null) throw new ArgumentNullException(nameof(keys));
            var list = new List<SearchKey>();
            foreach (var k in keys) list.Add(k ?? throw new ArgumentException("A search key cannot be null.", nameof(keys)));
            return list;
        }

        private static bool IsNonAscii(string value)
        {
            foreach (char c in value)
                if (c > 127) return true;
            return false;
        }

        private sealed class Leaf : SearchKey
        {
            private readonly ImapArgument[] _arguments;
            private readonly bool _utf8;

            public Leaf(bool utf8, params ImapArgument[] arguments)
            {
                _utf8 = utf8;
                _arguments = arguments;
            }

            public override bool RequiresUtf8 => _utf8;

            internal bool CondStore { get; set; }

            public override bool RequiresCondStore => CondStore;

            internal override void AppendTo(List<ImapArgument> output) => output.AddRange(_arguments);
        }

        private sealed class NotKey : SearchKey
        {
            private readonly SearchKey _key;

            public NotKey(SearchKey key) => _key = key;

            public override bool RequiresUtf8 => _key.RequiresUtf8;

            public override bool RequiresCondStore => _key.RequiresCondStore;

            internal override void AppendTo(List<ImapArgument> output)
            {
                output.Add(ImapArgument.Atom("NOT"));
                _key.AppendTo(output);
            }
        }

        private sealed class AndKey : SearchKey
        {
            public AndKey(List<SearchKey> keys)
            {
                Keys = keys;
                foreach (var k in keys) { _utf8 |= k.RequiresUtf8; _condStore |= k.RequiresCondStore; }
            }

            private readonly bool _utf8;
            private readonly bool _condStore;

            public override bool RequiresCondStore => _condStore;

            public List<SearchKey> Keys { get; }

            public override bool RequiresUtf8 => _utf8;

            internal override void AppendTo(List<ImapArgument> output)
            {
                var items = new List<ImapArgument>();
                foreach (var k in Keys) k.AppendTo(items);
                output.Add(ImapArgument.List(items.ToArray()));
            }
        }

        private sealed class OrKey : SearchKey
        {
            private readonly List<SearchKey> _keys;
            private readonly bool _utf8;

            public OrKey(List<SearchKey> keys)
            {
                _keys = keys;
                foreach (var k in keys) { _utf8 |= k.RequiresUtf8; _condStore |= k.RequiresCondStore; }
            }

            private readonly bool _condStore;

            public override bool RequiresUtf8 => _utf8;

            public override bool RequiresCondStore => _condStore;

            // OR takes two keys; n keys become the prefix chain OR k1 OR k2 … k(n-1) kn, written
            // flat, so a long list of values costs no nesting.
            internal override void AppendTo(List<ImapArgument> output)
            {
                for (int i = 0; i < _keys.Count - 1; i++)
                {
                    output.Add(ImapArgument.Atom("OR"));
                    _keys[i].AppendTo(output);
                }
                _keys[_keys.Count - 1].AppendTo(output);
            }
        }
    }
}
