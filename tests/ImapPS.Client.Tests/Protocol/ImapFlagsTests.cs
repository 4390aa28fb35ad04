using System;
using System.Text;
using ImapPS.Client.Protocol;

namespace ImapPS.Client.Tests.Protocol
{
    public class ImapFlagsTests
    {
        [Theory]
        [InlineData("* 1 FETCH (FLAGS (\\Seen \\Answered $Label1))", new[] { "\\Seen", "\\Answered", "$Label1" })]
        [InlineData("* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)", new[] { "\\Answered", "\\Flagged", "\\Deleted", "\\Seen", "\\Draft" })]
        [InlineData("* FLAGS ()", new string[0])]
        [InlineData("* 3 FETCH (FLAGS ( ) UID 9)", new string[0])]
        [InlineData("* 12 FETCH (UID 7 FLAGS (\\Seen) INTERNALDATE \"17-Jul-1996 02:44:25 -0700\")", new[] { "\\Seen" })]
        [InlineData("* 1 FETCH (FLAGS (NonJunk $Forwarded custom_keyword))", new[] { "NonJunk", "$Forwarded", "custom_keyword" })]
        [InlineData("* 1 FETCH (FLAGS (\\Seen\t  \\Recent))", new[] { "\\Seen", "\\Recent" })]
        [InlineData("* OK [PERMANENTFLAGS (\\Deleted \\Seen \\*)] Limited", new[] { "\\Deleted", "\\Seen", "\\*" })]
        [InlineData("FLAGS (\\Seen)", new[] { "\\Seen" })]
        // imaplib2's greedy '.*': the last 'FLAGS (' that has a ')' after it.
        [InlineData("FLAGS (a FLAGS (b)", new[] { "b" })]
        [InlineData("FLAGS (a) FLAGS (b", new[] { "a" })]
        [InlineData("* 1 FETCH (UID 4)", new string[0])]
        [InlineData("* 1 FETCH (FLAGS (\\Seen", new string[0])]
        [InlineData("", new string[0])]
        [InlineData("* 1 fetch (flags (\\Seen))", new string[0])]
        // 'FLAGS (' must start on the first line; the list itself may span lines.
        [InlineData("* 1 FETCH (UID 1\r\nFLAGS (\\Seen))", new string[0])]
        [InlineData("* 1 FETCH (FLAGS (\\Seen\r\n\\Draft))", new[] { "\\Seen", "\\Draft" })]
        public void ParsesFlagsLikeImaplib2(string response, string[] expected)
        {
            Assert.Equal(expected, ImapFlags.ParseFlags(response));
            Assert.Equal(expected, ImapFlags.ParseFlags(Encoding.UTF8.GetBytes(response)));
            Assert.Equal(expected, ImapFlags.ParseFlags(new ReadOnlySpan<byte>(Encoding.UTF8.GetBytes(response))));
        }

        [Fact]
        public void NoFlagsReturnsAnEmptyArrayNotNull()
        {
            Assert.Same(Array.Empty<string>(), ImapFlags.ParseFlags("* FLAGS ()"));
        }
    }
}
