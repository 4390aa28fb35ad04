using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using ImapPS.Client;
using ImapPS.Client.Protocol;

namespace ImapPS.Client.Tests.Protocol
{
    public class ResponseReaderTests
    {
        private static ServerResponse Parse(string s) => ServerResponse.Parse(Encoding.UTF8.GetBytes(s));

        [Theory]
        [InlineData("* OK IMAP4rev1 ready\r\n", ResponseKind.Untagged, "OK", ResponseStatus.Ok, "IMAP4rev1 ready")]
        [InlineData("* PREAUTH [CAPABILITY IMAP4rev1] Logged in as alice\r\n", ResponseKind.Untagged, "PREAUTH", ResponseStatus.PreAuth, "Logged in as alice")]
        [InlineData("* BYE Autologout; idle for too long\r\n", ResponseKind.Untagged, "BYE", ResponseStatus.Bye, "Autologout; idle for too long")]
        [InlineData("A001 OK [READ-WRITE] SELECT completed\r\n", ResponseKind.Tagged, "OK", ResponseStatus.Ok, "SELECT completed")]
        [InlineData("a1 no [TRYCREATE] no such mailbox\r\n", ResponseKind.Tagged, "NO", ResponseStatus.No, "no such mailbox")]
        [InlineData("A2 BAD Unknown command\r\n", ResponseKind.Tagged, "BAD", ResponseStatus.Bad, "Unknown command")]
        [InlineData("+ Ready for literal\r\n", ResponseKind.Continuation, "+", ResponseStatus.None, "Ready for literal")]
        [InlineData("+\r\n", ResponseKind.Continuation, "+", ResponseStatus.None, "")]
        [InlineData("* OK\r\n", ResponseKind.Untagged, "OK", ResponseStatus.Ok, "")]
        [InlineData("* OK [ALERT] Don't \"quote (me\r\n", ResponseKind.Untagged, "OK", ResponseStatus.Ok, "Don't \"quote (me")]
        [InlineData("* OK [free text in brackets\r\n", ResponseKind.Untagged, "OK", ResponseStatus.Ok, "[free text in brackets")]
        [InlineData("A3 OK done\n", ResponseKind.Tagged, "OK", ResponseStatus.Ok, "done")]
        public void Status_responses(string line, ResponseKind kind, string name, ResponseStatus status, string text)
        {
            var r = Parse(line);
            Assert.Equal(kind, r.Kind);
            Assert.Equal(name, r.Name);
            Assert.Equal(status, r.Status);
            Assert.Equal(text, r.Text);
        }

        [Theory]
        [InlineData("* OK [UIDVALIDITY 3857529045] UIDs valid\r\n", "UIDVALIDITY", "3857529045")]
        [InlineData("* OK [UIDNEXT 4392] Predicted next UID\r\n", "UIDNEXT", "4392")]
        [InlineData("A4 OK [APPENDUID 38505 3955] APPEND completed\r\n", "APPENDUID", "38505")]
        [InlineData("A5 OK [COPYUID 38505 304,319:320 3956:3958] Done\r\n", "COPYUID", "38505")]
        [InlineData("* OK [HIGHESTMODSEQ 715194045007] Highest\r\n", "HIGHESTMODSEQ", "715194045007")]
        [InlineData("* OK [READ-ONLY] x\r\n", "READ-ONLY", "")]
        [InlineData("A6 NO [TRYCREATE] x\r\n", "TRYCREATE", "")]
        public void Response_codes(string line, string code, string firstArg)
        {
            var r = Parse(line);
            Assert.True(r.HasCode);
            Assert.Equal(code, r.CodeName);
            Assert.Equal(firstArg, r.CodeArgument.AsString() ?? "");
        }

        [Fact]
        public void Permanentflags_code_has_a_list()
        {
            var r = Parse("* OK [PERMANENTFLAGS (\\Deleted \\Seen \\*)] Limited\r\n");
            Assert.Equal("PERMANENTFLAGS", r.CodeName);
            var list = r.CodeArgument;
            Assert.True(list.IsList);
            Assert.Equal(new[] { "\\Deleted", "\\Seen", "\\*" }, Strings(list));
            Assert.Equal("Limited", r.Text);
        }

        [Fact]
        public void Capability_code_lists_atoms()
        {
            var r = Parse("* OK [CAPABILITY IMAP4rev1 LITERAL+ SASL-IR AUTH=PLAIN] Dovecot ready.\r\n");
            var items = new List<string>();
            for (var v = r.CodeArgument; !v.IsNone; v = v.Next()) items.Add(v.AsString()!);
            Assert.Equal(new[] { "IMAP4rev1", "LITERAL+", "SASL-IR", "AUTH=PLAIN" }, items);
        }

        [Fact]
        public void Numbered_untagged_data()
        {
            var r = Parse("* 23 EXISTS\r\n");
            Assert.True(r.HasNumber);
            Assert.Equal(23u, r.Number);
            Assert.Equal("EXISTS", r.Name);
            Assert.True(r.Data.IsNone);
        }

        [Fact]
        public void Fetch_with_literal_and_section_atoms()
        {
            var raw = "* 12 FETCH (UID 7 FLAGS (\\Seen) BODY[HEADER.FIELDS (FROM SUBJECT)] {12}\r\nSubject: hi\n BODY[]<0> \"x\")\r\n";
            var r = Parse(raw);
            Assert.Equal("FETCH", r.Name);
            Assert.Equal(12u, r.Number);
            var list = r.Data;
            Assert.True(list.IsList);
            Assert.Equal(8, list.Count);
            Assert.True(list[0].IsAtom("uid"));
            Assert.Equal(7u, list[1].AsUInt32());
            Assert.Equal(ImapValueKind.List, list[3].Kind);
            Assert.Equal("BODY[HEADER.FIELDS (FROM SUBJECT)]", list[4].AsString());
            Assert.Equal(ImapValueKind.Literal, list[5].Kind);
            Assert.Equal("Subject: hi\n", list[5].AsString());
            Assert.Equal(12, list[5].LiteralLength);
            Assert.Equal("BODY[]<0>", list[6].AsString());
            Assert.Equal("x", list[7].AsString());
        }

        [Fact]
        public void Quoted_strings_unescape_and_keep_8bit()
        {
            var r = ServerResponse.Parse(Concat("* LIST () \"/\" \"a\\\"b\\\\c \xE9t\xE9\"\r\n"));
            Assert.Equal("a\"b\\c \u00e9t\u00e9", r.Data.Next().Next().AsString());
            var utf8 = Parse("* LIST () \"/\" \"Gr\u00fc\u00dfe\"\r\n");
            Assert.Equal("Gr\u00fc\u00dfe", utf8.DataItems.Skip(2).AsString());
        }

        [Fact]
        public void Nil_numbers_and_nesting()
        {
            var r = Parse("* THREAD (2)(3 6 (4 23)(44 7 96))\r\n");
            var first = r.Data;
            Assert.Equal(2u, first[0].AsUInt32());
            var second = first.Next();
            Assert.Equal(4, second.Count);
            Assert.Equal(96u, second[3][2].AsUInt32());
            var nil = Parse("* NAMESPACE ((\"\" \"/\")) NIL nil\r\n");
            Assert.True(nil.Data.Next().IsNil);
            Assert.True(nil.Data.Next().Next().IsNil);
            Assert.Null(nil.Data.Next().AsString());
        }

        [Fact]
        public void Deep_nesting_does_not_use_the_stack()
        {
            var s = "* X " + new string('(', 100000) + new string(')', 100000) + "\r\n";
            var r = Parse(s);
            Assert.False(r.IsUnstructured);
            Assert.True(r.Data.IsList);
        }

        [Fact]
        public void Odd_spacing_is_accepted()
        {
            var r = Parse("* 1 FETCH ( UID  5   FLAGS ( \\Seen ) )\r\n");
            Assert.Equal(4, r.Data.Count);
            Assert.Equal(5u, r.Data[1]!.AsUInt32());
        }

        [Fact]
        public void Unknown_unstructured_data_is_kept_as_text()
        {
            var r = Parse("* XSTUFF this is \"not (balanced\r\n");
            Assert.True(r.IsUnstructured);
            Assert.Equal("this is \"not (balanced", r.DataText);
        }

        [Theory]
        [InlineData("* 1 FETCH (UID 5\r\n", "unterminated list")]
        [InlineData("* 1 FETCH (UID \"5)\r\n", "unterminated quoted string")]
        [InlineData("* 1 FETCH (UID 5))\r\n", "unexpected ')'")]
        [InlineData("* 1 FETCH (BODY[1 {3}\r\nabc)\r\n", "'['")]
        [InlineData("A1 FOO bar\r\n", "tagged response must be OK, NO or BAD")]
        [InlineData("*FOO\r\n", "expected a space")]
        public void Malformed_structured_data_throws_a_typed_error(string line, string expected)
        {
            var ex = Assert.Throws<ImapProtocolException>(() => Parse(line));
            Assert.Contains(expected, ex.Message);
            Assert.NotEqual("", ex.Excerpt);
        }

        [Fact]
        public void Responses_arrive_in_pieces_and_in_batches()
        {
            var all = "* 3 EXISTS\r\n* 1 FETCH (BODY[] {5}\r\nab\r\nc)\r\nA1 OK done\r\n";
            var bytes = Encoding.ASCII.GetBytes(all);
            for (int chunk = 1; chunk <= bytes.Length; chunk++)
            {
                var reader = new ResponseReader();
                var got = new List<ServerResponse>();
                for (int i = 0; i < bytes.Length; i += chunk)
                {
                    reader.Append(bytes, i, Math.Min(chunk, bytes.Length - i));
                    while (reader.TryReadResponse(out var r)) got.Add(r!);
                }
                Assert.Equal(new[] { "EXISTS", "FETCH", "OK" }, got.Select(r => r.Name));
                Assert.Equal("ab\r\nc", Encoding.ASCII.GetString(got[1].Data[1]!.AsBytes()!));
                Assert.Equal(0, reader.BufferedCount);
            }
        }

        [Fact]
        public void Large_literals_are_held_apart_and_can_be_streamed()
        {
            var limits = new ProtocolLimits { LargeLiteralThreshold = 10 };
            var payload = new string('x', 100);
            var bytes = Encoding.ASCII.GetBytes("* 1 FETCH (BODY[] {100}\r\n" + payload + " UID 9)\r\n* 2 FETCH (BODY[] {100}\r\n" + payload + ")\r\n");
            var sink = new MemoryStream();
            var reader = new ResponseReader(limits) { LiteralSinkSelector = req => req.Prefix.StartsWith("* 2 ") ? sink : null };
            var got = new List<ServerResponse>();
            for (int i = 0; i < bytes.Length; i += 7)
            {
                reader.Append(bytes, i, Math.Min(7, bytes.Length - i));
                while (reader.TryReadResponse(out var r)) got.Add(r!);
            }
            Assert.Equal(2, got.Count);
            Assert.Equal(payload, got[0].Data[1]!.AsString());
            Assert.Equal(9u, got[0].Data[3]!.AsUInt32());
            Assert.True(got[1].Data[1]!.IsStreamed);
            Assert.Equal(100, got[1].Data[1]!.LiteralLength);
            Assert.Equal(payload, Encoding.ASCII.GetString(sink.ToArray()));
            Assert.Contains("<100 bytes>", got[1].ToString());
        }

        [Fact]
        public void A_large_literal_grows_as_it_arrives_and_ends_exact()
        {
            const int size = 3 * 1024 * 1024 + 17;
            var payload = new byte[size];
            for (int i = 0; i < size; i++) payload[i] = (byte)('a' + i % 26);
            var head = Encoding.ASCII.GetBytes("* 1 FETCH (BODY[] {" + size + "}\r\n");
            var tail = Encoding.ASCII.GetBytes(")\r\n");
            var reader = new ResponseReader();
            reader.Append(head, 0, head.Length);
            Assert.False(reader.TryReadResponse(out _));
            Assert.True(reader.InLiteral);
            // Only the first chunk of the literal is allocated before its bytes arrive.
            Assert.True(reader.GetReadBuffer().Count <= 1024 * 1024);
            for (int i = 0; i < size; i += 65536) reader.Append(payload, i, Math.Min(65536, size - i));
            reader.Append(tail, 0, tail.Length);
            Assert.True(reader.TryReadResponse(out var r));
            var bytes = r!.Data[1]!.AsBytes()!;
            Assert.Equal(size, bytes.Length);
            Assert.Equal(payload, bytes);
        }

        [Fact]
        public void Literal_over_the_limit_fails_before_allocating()
        {
            var reader = new ResponseReader(new ProtocolLimits { MaxLiteralSize = 1000 });
            var bytes = Encoding.ASCII.GetBytes("* 1 FETCH (BODY[] {99999999999}\r\n");
            reader.Append(bytes, 0, bytes.Length);
            var ex = Assert.Throws<ImapProtocolException>(() => reader.TryReadResponse(out _));
            Assert.Contains("exceeds the limit", ex.Message);
        }

        [Fact]
        public void Line_over_the_limit_fails()
        {
            var reader = new ResponseReader(new ProtocolLimits { MaxLineLength = 2048 });
            var garbage = new byte[4096];
            for (int i = 0; i < garbage.Length; i++) garbage[i] = (byte)'A';
            reader.Append(garbage, 0, garbage.Length);
            Assert.Throws<ImapProtocolException>(() => reader.TryReadResponse(out _));
        }

        [Fact]
        public void Split_at_literals_matches_imaplib2()
        {
            var r = Parse("* 1 FETCH (RFC822 {3}\r\nabc FLAGS (\\Seen))\r\n");
            var parts = r.SplitAtLiterals(r.DataOffset);
            Assert.Equal(2, parts.Count);
            Assert.Equal("(RFC822 {3}", parts[0].Key);
            Assert.Equal("abc", Encoding.ASCII.GetString(parts[0].Value!));
            Assert.Equal(" FLAGS (\\Seen))", parts[1].Key);
            Assert.Null(parts[1].Value);
        }

        [Fact]
        public void Numbers_parse_with_overflow_checks()
        {
            var r = Parse("* X 4294967295 4294967296 18446744073709551615 18446744073709551616 -5 abc\r\n");
            var v = r.Data;
            Assert.True(v.TryGetUInt32(out var a) && a == uint.MaxValue);
            v = v.Next();
            Assert.False(v.TryGetUInt32(out _));
            Assert.True(v.TryGetUInt64(out _));
            v = v.Next();
            Assert.True(v.TryGetUInt64(out var c) && c == ulong.MaxValue);
            v = v.Next();
            Assert.False(v.TryGetUInt64(out _));
            v = v.Next();
            Assert.True(v.TryGetInt64(out var neg) && neg == -5);
            Assert.Throws<ImapProtocolException>(() => v.Next().AsUInt32());
        }

        private static string[] Strings(ImapValue list)
        {
            var result = new List<string>();
            foreach (var v in list) result.Add(v.AsString()!);
            return result.ToArray();
        }

        private static byte[] Concat(string latin1) => Encoding.Latin1.GetBytes(latin1);
    }

    internal static class ImapValueTestExtensions
    {
        public static ImapValue Skip(this ImapValue.Enumerator e, int n)
        {
            for (int i = 0; i <= n; i++) e.MoveNext();
            return e.Current;
        }
    }
}
