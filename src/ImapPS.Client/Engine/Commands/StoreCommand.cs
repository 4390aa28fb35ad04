using ImapPS.Client.Protocol;

namespace ImapPS.Client
{
    /// <summary>
    /// STORE and UID STORE: changes flags. Its results are the FETCH responses of the changed
    /// messages, claimed by the rule of <see cref="MessageDataCommand"/>. Refused on a read-only
    /// mailbox, because servers may answer OK and ignore the change.
    /// </summary>
    internal sealed class StoreCommand : MessageDataCommand
    {
        /// <param name="uid">UID STORE.</param>
        /// <param name="set">The messages.</param>
        /// <param name="item">The data item, e.g. <c>+FLAGS</c>, <c>-FLAGS.SILENT</c>, <c>FLAGS</c>.</param>
        /// <param name="flags">The flags, with or without parentheses.</param>
        public StoreCommand(bool uid, string set, string item, string flags)
            : base(uid ? "UID STORE" : "STORE", set, uid, SetArgument(set), ImapArgument.Atom(item), ParenList(flags))
        {
        }

        /// <summary>STORE with typed options: <paramref name="silent"/> asks for no FETCH answers; <paramref name="unchangedSince"/> (CONDSTORE) changes only messages whose MODSEQ is not above it.</summary>
        public StoreCommand(bool uid, string set, string item, string flags, bool silent, ulong? unchangedSince)
            : base(uid ? "UID STORE" : "STORE", set, uid, StoreArguments(set, item, flags, silent, unchangedSince))
        {
            if (unchangedSince != null) Require("STORE UNCHANGEDSINCE", "CONDSTORE");
        }

        public override bool Modifies => true;

        private static ImapArgument[] StoreArguments(string set, string item, string flags, bool silent, ulong? unchangedSince)
        {
            if (silent && !item.EndsWith(".SILENT", System.StringComparison.OrdinalIgnoreCase)) item += ".SILENT";
            if (unchangedSince == null) return new[] { SetArgument(set), ImapArgument.Atom(item), ParenList(flags) };
            var modifier = ImapArgument.List(ImapArgument.Atom("UNCHANGEDSINCE"), ImapArgument.Atom(unchangedSince.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            return new[] { SetArgument(set), modifier, ImapArgument.Atom(item), ParenList(flags) };
        }
    }
}
