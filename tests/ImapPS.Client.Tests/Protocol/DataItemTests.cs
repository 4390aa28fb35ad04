using System;
using System.Linq;
using System.Text;
using ImapPS.Client;
using ImapPS.Client.Protocol;

namespace ImapPS.Client.Tests.Protocol
{
    /// <summary>
    /// imaplib2's (type, data) items: the one-allocation path for ASCII lines without literals
    /// (issue 18) gives exactly what the general split-and-decode path gives.
    /// </summary>
    public class DataItemTests
    {
        private static ImapResponse Response(params byte[][] untagged)
        {
            var tagged = ServerResponse.Parse(Encoding.ASCII.GetBytes("A1 OK done\r\n"));
            return new ImapResponse("OK", tagged, untagged.Select(ServerResponse.Parse).ToArray(), null);
        }

        private static byte[] Ascii(string s) => Encoding.ASCII.GetBytes(s);

        [Theory]
        [InlineData("* 12 FETCH (UID 7 FLAGS (\\Seen) RFC822.SIZE 42)\r\n", "12 (UID 7 FLAGS (\\Seen) RFC822.SIZE 42)")]
        [InlineData("* 4294967295 FETCH (UID 1)\r\n", "4294967295 (UID 1)")]
        [InlineData("* 0 EXISTS\r\n", "0")]
        [InlineData("* 1 FETCH (ENVELOPE (NIL \"a {3} b\" NIL))\r\n", "1 (ENVELOPE (NIL \"a {3} b\" NIL))")]
        [InlineData("* SEARCH 1 2 3\r\n", "1 2 3")]
        [InlineData("* SEARCH\r\n", "")]
        public void Ascii_lines_give_imaplib2s_text(string line, string expected)
        {
            var data = Imap4Client.BuildData(Response(Ascii(line)), null);
            var item = Assert.Single(data)!;
            Assert.Equal(expected, item.Text);
            Assert.Null(item.Literal);
        }

        [Fact]
        public void Non_ascii_text_is_decoded_as_utf8_else_latin1()
        {
            var utf8 = Encoding.UTF8.GetBytes("* 3 FETCH (ENVELOPE (NIL \"Grüße\"))\r\n");
            var latin1 = Encoding.GetEncoding(28591).GetBytes("* 4 FETCH (ENVELOPE (NIL \"Grüße\"))\r\n");
            var data = Imap4Client.BuildData(Response(utf8, latin1), null);
            Assert.Equal(new[] { "3 (ENVELOPE (NIL \"Grüße\"))", "4 (ENVELOPE (NIL \"Grüße\"))" }, data.Select(d => d!.Text));
        }

        [Fact]
        public void Literals_still_split_into_pairs()
        {
            var data = Imap4Client.BuildData(Response(Ascii("* 1 FETCH (RFC822 {3}\r\nabc FLAGS (\\Seen))\r\n"), Ascii("* 2 FETCH (UID 9)\r\n")), null);
            Assert.Equal(3, data.Count);
            Assert.Equal("1 (RFC822 {3}", data[0]!.Text);
            Assert.Equal("abc", Encoding.ASCII.GetString(data[0]!.Literal!));
            Assert.Equal(" FLAGS (\\Seen))", data[1]!.Text);
            Assert.Null(data[1]!.Literal);
            Assert.Equal("2 (UID 9)", data[2]!.Text);
        }

        [Fact]
        public void A_line_longer_than_the_reused_buffer_is_whole()
        {
            string flags = string.Join(" ", Enumerable.Range(0, 20_000).Select(i => "k" + i));
            var data = Imap4Client.BuildData(Response(Ascii("* 5 FETCH (FLAGS (" + flags + "))\r\n"), Ascii("* 6 FETCH (UID 2)\r\n")), null);
            Assert.Equal("5 (FLAGS (" + flags + "))", data[0]!.Text);
            Assert.Equal("6 (UID 2)", data[1]!.Text);
        }
    }
}
