using System;
using System.Collections.Generic;

namespace ImapPS.Client.Protocol
{
    /// <summary>The sort keys of SORT (RFC 5256; the Display keys are RFC 5957's SORT=DISPLAY).</summary>
    public enum SortField
    {
        /// <summary>ARRIVAL: INTERNALDATE.</summary>
        Arrival,
        /// <summary>DATE: the Date header.</summary>
        Date,
        /// <summary>FROM: the first From address.</summary>
        From,
        /// <summary>TO: the first To address.</summary>
        To,
        /// <summary>CC: the first Cc address.</summary>
        Cc,
        /// <summary>SUBJECT: the base subject.</summary>
        Subject,
        /// <summary>SIZE: RFC822.SIZE.</summary>
        Size,
        /// <summary>DISPLAYFROM: the From display name (SORT=DISPLAY).</summary>
        DisplayFrom,
        /// <summary>DISPLAYTO: the To display name (SORT=DISPLAY).</summary>
        DisplayTo,
    }

    /// <summary>One key of a SORT, ascending or descending (REVERSE).</summary>
    public readonly struct SortCriterion
    {
        /// <summary>Sorts on <paramref name="key"/>, reversed when <paramref name="descending"/>.</summary>
        public SortCriterion(SortField key, bool descending = false)
        {
            if (!Enum.IsDefined(typeof(SortField), key)) throw new ArgumentOutOfRangeException(nameof(key));
            Key = key;
            Descending = descending;
        }

        /// <summary>The key.</summary>
        public SortField Key { get; }

        /// <summary>True for REVERSE.</summary>
        public bool Descending { get; }

        /// <summary>True for the keys that need SORT=DISPLAY.</summary>
        public bool NeedsDisplaySort => Key == SortField.DisplayFrom || Key == SortField.DisplayTo;

        /// <summary>The criterion as sent: <c>REVERSE DATE</c>, <c>SUBJECT</c>.</summary>
        public override string ToString() => (Descending ? "REVERSE " : "") + Key.ToString().ToUpperInvariant();

        /// <summary>The parenthesised sort program, e.g. <c>(REVERSE DATE SUBJECT)</c>.</summary>
        /// <exception cref="ArgumentException">No criterion is given.</exception>
        public static ImapArgument ToArgument(IReadOnlyList<SortCriterion> criteria)
        {
            if (criteria == null || criteria.Count == 0) throw new ArgumentException("SORT needs at least one sort key.", nameof(criteria));
            var items = new List<ImapArgument>(criteria.Count * 2);
            foreach (var c in criteria)
            {
                if (c.Descending) items.Add(ImapArgument.Atom("REVERSE"));
                items.Add(ImapArgument.Atom(c.Key.ToString().ToUpperInvariant()));
            }
            return ImapArgument.List(items.ToArray());
        }
    }
}
