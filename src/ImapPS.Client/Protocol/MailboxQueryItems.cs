using System;
using System.Collections.Generic;

namespace ImapPS.Client.Protocol
{
    /// <summary>The counters a STATUS (or LIST-STATUS) asks for.</summary>
    [Flags]
    public enum StatusItems
    {
        /// <summary>None.</summary>
        None = 0,
        /// <summary>MESSAGES.</summary>
        Messages = 1,
        /// <summary>RECENT.</summary>
        Recent = 2,
        /// <summary>UIDNEXT.</summary>
        UidNext = 4,
        /// <summary>UIDVALIDITY.</summary>
        UidValidity = 8,
        /// <summary>UNSEEN.</summary>
        Unseen = 16,
        /// <summary>SIZE (RFC 8438, needs STATUS=SIZE).</summary>
        Size = 32,
        /// <summary>HIGHESTMODSEQ (RFC 7162, needs CONDSTORE).</summary>
        HighestModSeq = 64,
        /// <summary>The counters of RFC 3501.</summary>
        Standard = Messages | Recent | UidNext | UidValidity | Unseen,
    }

    /// <summary>What a LIST-EXTENDED (RFC 5258) returns besides the names.</summary>
    [Flags]
    public enum ListReturnOptions
    {
        /// <summary>Names only.</summary>
        None = 0,
        /// <summary>RETURN (SUBSCRIBED).</summary>
        Subscribed = 1,
        /// <summary>RETURN (CHILDREN).</summary>
        Children = 2,
        /// <summary>RETURN (SPECIAL-USE), RFC 6154.</summary>
        SpecialUse = 4,
    }

    /// <summary>How deep GETMETADATA (RFC 5464) goes below the entries named.</summary>
    public enum MetadataDepth
    {
        /// <summary>Only the entries named (DEPTH 0, the default).</summary>
        Zero,
        /// <summary>Their direct children too (DEPTH 1).</summary>
        One,
        /// <summary>Everything below them (DEPTH infinity).</summary>
        Infinity,
    }

    /// <summary>Writes the typed mailbox query items in IMAP syntax: the one place their names live.</summary>
    public static class MailboxQuerySyntax
    {
        private static readonly (StatusItems Item, string Name)[] StatusNames =
        {
            (StatusItems.Messages, "MESSAGES"), (StatusItems.Unseen, "UNSEEN"), (StatusItems.Recent, "RECENT"),
            (StatusItems.UidNext, "UIDNEXT"), (StatusItems.UidValidity, "UIDVALIDITY"), (StatusItems.Size, "SIZE"),
            (StatusItems.HighestModSeq, "HIGHESTMODSEQ"),
        };

        /// <summary>The STATUS item list, e.g. <c>(MESSAGES UNSEEN)</c>.</summary>
        /// <exception cref="ArgumentException">No item is asked for.</exception>
        public static string StatusList(StatusItems items)
        {
            var names = new List<string>();
            foreach (var (item, name) in StatusNames)
                if ((items & item) != 0) names.Add(name);
            if (names.Count == 0) throw new ArgumentException("STATUS needs at least one item.", nameof(items));
            return "(" + string.Join(" ", names) + ")";
        }

        /// <summary>The RETURN options of LIST-EXTENDED, e.g. <c>(SUBSCRIBED STATUS (MESSAGES))</c>, with STATUS when <paramref name="status"/> is not None; null when nothing is asked for.</summary>
        public static string? ListReturn(ListReturnOptions options, StatusItems status)
        {
            var names = new List<string>();
            if ((options & ListReturnOptions.SpecialUse) != 0) names.Add("SPECIAL-USE");
            if ((options & ListReturnOptions.Subscribed) != 0) names.Add("SUBSCRIBED");
            if ((options & ListReturnOptions.Children) != 0) names.Add("CHILDREN");
            if (status != StatusItems.None) names.Add("STATUS " + StatusList(status));
            return names.Count == 0 ? null : "(" + string.Join(" ", names) + ")";
        }

        /// <summary>The LIST-EXTENDED selection options: <c>(SUBSCRIBED)</c> for subscribed names only, else null.</summary>
        public static string? ListSelection(bool subscribedOnly) => subscribedOnly ? "(SUBSCRIBED)" : null;

        /// <summary>The GETMETADATA options for <paramref name="depth"/>, or null for the default.</summary>
        public static string? MetadataOptions(MetadataDepth depth)
            => depth == MetadataDepth.Zero ? null : "(DEPTH " + (depth == MetadataDepth.One ? "1" : "infinity") + ")";
    }
}
