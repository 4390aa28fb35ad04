using ImapPS.Client.Protocol;

namespace ImapPS.Client
{
    /// <summary>
    /// A command given by name (<see cref="Imap4Client.Xatom(string, string[])"/>,
    /// <see cref="Imap4Client.ExecuteAsync"/>): legal in any state, exclusive unless the caller says
    /// otherwise, and collecting the untagged names the caller lists. State-changing commands are
    /// refused before one is made (see <see cref="ImapCommandNames"/>).
    /// </summary>
    internal sealed class GenericCommand : ImapCommand
    {
        private readonly bool _exclusive;

        public GenericCommand(string name, ImapArgument[] arguments, string[]? collects, bool exclusive)
            : base(name, AnyState, collects, arguments)
        {
            _exclusive = exclusive;
        }

        public override bool Exclusive => _exclusive;
    }
}
