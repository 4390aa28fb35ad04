using ImapPS.Client.Protocol;

namespace ImapPS.Client
{
    /// <summary>
    /// COPY and MOVE (RFC 6851), and their UID forms. COPY changes nothing in the selected mailbox
    /// and claims nothing (COPYUID comes in its tagged OK). MOVE removes the messages: it claims the
    /// EXPUNGE (or VANISHED) responses that report it and is state-changing, so nothing runs beside
    /// it that could read sequence numbers while they shift; its COPYUID may arrive in an untagged
    /// OK, which is its own as the only command running.
    /// </summary>
    internal sealed class CopyMoveCommand : ImapCommand
    {
        private static readonly string[] ExpungeResponses = { "EXPUNGE", "VANISHED" };
        private readonly bool _move;

        public CopyMoveCommand(bool move, bool uid, string set, string mailbox)
            : base((uid ? "UID " : "") + (move ? "MOVE" : "COPY"), Selected, move ? ExpungeResponses : null, SetArgument(set), ImapArgument.Mailbox(mailbox))
        {
            _move = move;
            if (move) Require("MOVE", "MOVE");
        }

        public override bool Exclusive => _move;

        public override bool Modifies => _move;
    }
}
