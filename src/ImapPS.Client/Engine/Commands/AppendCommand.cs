using System;
using System.Collections.Generic;
using ImapPS.Client.Protocol;

namespace ImapPS.Client
{
    /// <summary>
    /// APPEND and MULTIAPPEND (RFC 3502). The message is a literal: the command is written in
    /// segments, waiting for the server's continuation before each synchronising literal (or sent
    /// at once with LITERAL+). It claims no untagged response; APPENDUID comes in its tagged OK.
    /// </summary>
    internal sealed class AppendCommand : ImapCommand
    {
        private AppendCommand(ImapArgument[] arguments)
            : base("APPEND", Authenticated, null, arguments)
        {
        }

        public static AppendCommand One(string mailbox, string? flags, DateTimeOffset? internalDate, ImapArgument literal)
        {
            var args = new List<ImapArgument> { ImapArgument.Mailbox(mailbox) };
            AddMessage(args, flags, internalDate, literal);
            return new AppendCommand(args.ToArray());
        }

        public static AppendCommand Many(string mailbox, IEnumerable<(string? Flags, DateTimeOffset? InternalDate, byte[] Message)> messages)
        {
            var args = new List<ImapArgument> { ImapArgument.Mailbox(mailbox) };
            foreach (var m in messages) AddMessage(args, m.Flags, m.InternalDate, ImapArgument.Literal(Imap4Client.NormaliseLineEnds(m.Message)));
            var command = new AppendCommand(args.ToArray());
            command.Require("MULTIAPPEND", "MULTIAPPEND");
            return command;
        }

        private static void AddMessage(List<ImapArgument> args, string? flags, DateTimeOffset? internalDate, ImapArgument literal)
        {
            if (!string.IsNullOrWhiteSpace(flags)) args.Add(ParenList(flags!));
            if (internalDate != null) args.Add(ImapArgument.Raw(ImapDate.Time2Internaldate(internalDate.Value)));
            args.Add(literal);
        }
    }
}
