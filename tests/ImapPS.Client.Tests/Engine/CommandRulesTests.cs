using System.Collections.Generic;
using System.IO;
using System.Text;
using ImapPS.Client.Protocol;

namespace ImapPS.Client.Tests.Engine
{
    /// <summary>
    /// The rules each typed command owns (Engine/Commands): which untagged responses it claims,
    /// which commands it may run beside, and whose stream a large literal goes to.
    /// </summary>
    public class CommandRulesTests
    {
        private static ServerResponse R(string line) => ServerResponse.Parse(Encoding.ASCII.GetBytes(line + "\r\n"));

        private static bool Claims(ImapCommand command, string line)
        {
            var route = new UntaggedRoute(null!);
            route.Reset(R(line));
            return command.Claims(route);
        }

        private static LiteralRequest Literal(string prefix)
        {
            var bytes = Encoding.ASCII.GetBytes(prefix + "{100}\r\n");
            return new LiteralRequest(bytes, 0, prefix.Length, 100);
        }

        private static PendingCommand Running(ImapCommand command, long order) => new PendingCommand(command, order) { Sent = true };

        private static FetchCommand Streaming(string uids) => new FetchCommand(true, uids, "(BODY.PEEK[])") { LiteralSink = _ => Stream.Null };

        [Fact]
        public void A_fetch_claims_the_responses_of_its_own_messages_only()
        {
            var bySequence = new FetchCommand(false, "1:3", "(FLAGS)");
            Assert.True(Claims(bySequence, "* 2 FETCH (FLAGS ())"));
            Assert.False(Claims(bySequence, "* 4 FETCH (FLAGS ())"));
            Assert.False(Claims(bySequence, "* 2 EXISTS"));

            var byUid = new FetchCommand(true, "7", "(FLAGS)");
            Assert.True(Claims(byUid, "* 1 FETCH (UID 7 FLAGS ())"));
            Assert.False(Claims(byUid, "* 1 FETCH (UID 8 FLAGS ())"));
            Assert.False(Claims(byUid, "* 1 FETCH (FLAGS ())"));

            var unreadable = new FetchCommand(true, "$", "(FLAGS)");
            Assert.True(Claims(unreadable, "* 1 FETCH (UID 8 FLAGS ())"));
        }

        [Fact]
        public void Commands_conflict_exactly_when_a_response_could_belong_to_both()
        {
            Assert.False(new FetchCommand(true, "1:5", "(FLAGS)").ConflictsWith(new FetchCommand(true, "6:9", "(FLAGS)")));
            Assert.True(new FetchCommand(true, "1:5", "(FLAGS)").ConflictsWith(new FetchCommand(true, "5:6", "(FLAGS)")));
            Assert.True(new StoreCommand(true, "3", "+FLAGS", @"(\Seen)").ConflictsWith(new FetchCommand(true, "1:5", "(FLAGS)")));
            Assert.False(new StoreCommand(true, "3", "+FLAGS", @"(\Seen)").ConflictsWith(new FetchCommand(true, "4", "(FLAGS)")));
            Assert.True(new FetchCommand(true, "1", "(FLAGS)").ConflictsWith(new IdleCommand()));
            Assert.True(new IdleCommand().ConflictsWith(new FetchCommand(true, "1", "(FLAGS)")));

            var search = SearchCommand.Search(true, null, new ImapArgument[] { "ALL" });
            Assert.True(search.ConflictsWith(SearchCommand.Search(false, null, new ImapArgument[] { "UNSEEN" })));
            Assert.True(search.ConflictsWith(SearchCommand.Sort(true, "(DATE)", "UTF-8", new ImapArgument[] { "ALL" })));
            Assert.False(search.ConflictsWith(new FetchCommand(true, "1", "(FLAGS)")));

            Assert.False(new StatusCommand("A", "(MESSAGES)").ConflictsWith(new StatusCommand("B", "(MESSAGES)")));
            Assert.True(new StatusCommand("A", "(MESSAGES)").ConflictsWith(new StatusCommand("A", "(UNSEEN)")));
            Assert.True(new StatusCommand("A", "(MESSAGES)").ConflictsWith(ListCommand.Extended(null, "", "*", "(STATUS (MESSAGES))")));
            Assert.False(MailboxAdminCommand.Create("A").ConflictsWith(MailboxAdminCommand.Create("A")));
        }

        [Theory]
        [InlineData("* 12 FETCH (UID 7 BODY[] ", 12u, 7u)]
        [InlineData("* 12 fetch (FLAGS (\\Seen \\Answered) UID 7 BODY[HEADER.FIELDS (UID SUBJECT)] ", 12u, 7u)]
        [InlineData("* 12 FETCH (BODY[HEADER] {14}\r\nX-Id: UID 99\r\n UID 7 BODY[] ", 12u, 7u)]
        [InlineData("* 12 FETCH (BODY[HEADER.FIELDS (UID)] {14}\r\nX-Id: UID 99\r\n BODY[] ", 12u, null)]
        [InlineData("* 5 FETCH (X-NOTE \"UID 99\" BODY[] ", 5u, null)]
        [InlineData("* 5 FETCH (ENVELOPE (NIL \"UID 99\" ((NIL NIL \"a\" \"b\")) NIL) BODY[] ", 5u, null)]
        public void The_start_of_a_fetch_response_is_read_from_its_bytes(string prefix, uint number, uint? uid)
        {
            Assert.True(FetchData.TryReadPrefix(Literal(prefix), out var n, out var u));
            Assert.Equal(number, n);
            Assert.Equal(uid, u);
        }

        [Theory]
        [InlineData("* 3 EXISTS ")]
        [InlineData("* 12 FETCHX (BODY[] ")]
        [InlineData("* LIST () \"/\" ")]
        [InlineData("A1 OK ")]
        public void A_response_that_is_not_a_fetch_has_no_fetch_prefix(string prefix)
            => Assert.False(FetchData.TryReadPrefix(Literal(prefix), out _, out _));

        [Fact]
        public void A_large_literal_goes_only_to_the_stream_of_the_command_its_response_belongs_to()
        {
            var seven = Running(Streaming("7"), 1);
            var ninetyNine = Running(Streaming("99"), 2);
            var running = new List<PendingCommand> { seven, ninetyNine };

            Assert.Same(seven, MessageDataCommand.LiteralOwner(running, Literal("* 1 FETCH (UID 7 BODY[] ")));
            Assert.Same(ninetyNine, MessageDataCommand.LiteralOwner(running, Literal("* 2 FETCH (UID 99 BODY[] ")));
            // The text "UID 99" inside an earlier literal is not the response's UID: the owner is
            // not known before the literal, so it stays in memory (a split on spaces took it for one).
            Assert.Null(MessageDataCommand.LiteralOwner(running, Literal("* 3 FETCH (BODY[HEADER] {14}\r\nX-Id: UID 99\r\n BODY[] ")));
            Assert.Null(MessageDataCommand.LiteralOwner(running, Literal("* 3 FETCH (UID 8 BODY[] ")));
        }

        private static string Written(ImapCommand command)
        {
            Assert.True(new CommandBuilder().Build("A1", command.Name, command.Arguments).TryGetBytes(out var bytes));
            return Encoding.ASCII.GetString(bytes.ToArray());
        }

        [Fact]
        public void Commands_are_written_with_their_typed_options()
        {
            var criteria = new ImapArgument[] { "ALL" };
            Assert.Equal("A1 UID SORT (REVERSE DATE) UTF-8 ALL\r\n", Written(SearchCommand.Sort(true, "(REVERSE DATE)", "UTF-8", criteria)));
            Assert.Equal(Written(SearchCommand.Sort(true, "(REVERSE DATE)", "UTF-8", criteria)),
                Written(SearchCommand.Sort(true, ImapArgument.List(ImapArgument.Atom("REVERSE"), ImapArgument.Atom("DATE")), "UTF-8", criteria)));
            Assert.Equal("A1 UID SEARCH RETURN (MIN COUNT) ALL\r\n", Written(SearchCommand.Search(true, null, criteria, new[] { "MIN", "COUNT" })));
            Assert.Equal("A1 FETCH 1:* (FLAGS) (CHANGEDSINCE 12345)\r\n", Written(new FetchCommand(false, "1:*", "(FLAGS)", changedSince: 12345)));
            Assert.Equal("A1 UID STORE 7 (UNCHANGEDSINCE 9) +FLAGS.SILENT (\\Seen)\r\n", Written(new StoreCommand(true, "7", "+FLAGS", @"(\Seen)", silent: true, unchangedSince: 9)));
        }

        [Fact]
        public void A_poll_is_an_exclusive_noop_that_takes_the_mailbox_changes()
        {
            var poll = NoopCommand.Poll();
            Assert.Equal("NOOP", poll.Name);
            Assert.True(poll.Exclusive);
            Assert.True(Claims(poll, "* 3 EXISTS"));
            Assert.True(Claims(poll, "* 2 FETCH (FLAGS ())"));
            Assert.False(NoopCommand.Noop().Exclusive);
            Assert.False(Claims(NoopCommand.Noop(), "* 3 EXISTS"));
        }
    }
}
