using System;
using System.Linq;
using System.Text;
using ImapPS.Client;
using ImapPS.Client.Protocol;

namespace ImapPS.Client.Tests.Protocol.Decoders
{
    public class FetchDataTests
    {
        internal static ServerResponse R(string s) => ServerResponse.Parse(Encoding.UTF8.GetBytes(s.EndsWith("\r\n", StringComparison.Ordinal) ? s : s + "\r\n"));

        private const string DovecotSummary =
            "* 1 FETCH (UID 101 FLAGS (\\Seen \\Answered $Forwarded) INTERNALDATE \"17-Jul-1996 02:44:25 -0700\" RFC822.SIZE 4286 " +
            "ENVELOPE (\"Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\" \"IMAP4rev1 WG mtg summary and minutes\" " +
            "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) ((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) " +
            "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) ((NIL NIL \"imap\" \"cac.washington.edu\")) " +
            "((NIL NIL \"minutes\" \"CNRI.Reston.VA.US\")(\"John Klensin\" NIL \"KLENSIN\" \"MIT.EDU\")) NIL NIL " +
            "\"<B27397-0100000@cac.washington.edu>\") MODSEQ (12345))";

        [Fact]
        public void Summary_fetch_decodes_every_item()
        {
            var f = FetchData.Parse(R(DovecotSummary));
            Assert.Equal(1u, f.SequenceNumber);
            Assert.Equal(101u, f.Uid);
            Assert.Equal(new[] { "\\Seen", "\\Answered", "$Forwarded" }, f.Flags);
            Assert.Equal(new DateTimeOffset(1996, 7, 17, 2, 44, 25, TimeSpan.FromHours(-7)), f.InternalDate);
            Assert.Equal(4286L, f.Size);
            Assert.Equal(12345UL, f.ModSeq);
            var e = f.Envelope!;
            Assert.Equal("IMAP4rev1 WG mtg summary and minutes", e.Subject);
            Assert.Equal(new DateTimeOffset(1996, 7, 17, 2, 23, 25, TimeSpan.FromHours(-7)), e.ParsedDate);
            Assert.Equal("Terry Gray", e.From.Single().Name);
            Assert.Equal("gray@cac.washington.edu", e.From[0].Address);
            Assert.Equal(new[] { "minutes@CNRI.Reston.VA.US", "KLENSIN@MIT.EDU" }, e.Cc.Select(a => a.Address));
            Assert.Empty(e.Bcc);
            Assert.Null(e.InReplyTo);
            Assert.Equal("<B27397-0100000@cac.washington.edu>", e.MessageId);
            Assert.Null(f.Body);
            Assert.Empty(f.Sections);
        }

        [Fact]
        public void Common_flags_are_interned()
        {
            var a = FetchData.Parse(R("* 1 FETCH (FLAGS (\\Seen \\Deleted \\Draft \\Flagged \\Recent \\Answered))"));
            var b = FetchData.Parse(R("* 2 FETCH (FLAGS (\\SEEN \\deleted \\Draft \\Flagged \\Recent \\Answered))"));
            for (int i = 0; i < 6; i++) Assert.Same(a.Flags![i], b.Flags![i]);
            Assert.Equal("\\Seen", b.Flags![0]);
        }

        [Theory]
        [InlineData("* 1 FETCH (FLAGS ())", 0)]
        [InlineData("* 1 FETCH (FLAGS (\\Seen))", 1)]
        [InlineData("* 1 FETCH (FLAGS (\\Seen  $Label1 OIB-Seen-[Google Mail]/Alle))", 3)]
        public void Flags_lists(string line, int count) => Assert.Equal(count, FetchData.Parse(R(line)).Flags!.Count);

        [Theory]
        [InlineData("* 1 FETCH (UID 7 FLAGS (\\Seen))", 7u)]
        [InlineData("* 1 FETCH (FLAGS (\\Seen) BODY[HEADER.FIELDS (UID)] {5}\r\nUID 9 UID 8)", 8u)]
        [InlineData("* 2 FETCH (X-GM-MSGID 1 (UID 14935 (ENVELOPE (NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL))))", 14935u)]
        [InlineData("* 3 FETCH (uid 4294967295)", 4294967295u)]
        public void TryGetUid_finds_the_uid(string line, uint uid)
        {
            Assert.True(FetchData.TryGetUid(R(line), out uint u));
            Assert.Equal(uid, u);
            Assert.Equal(uid, FetchData.Parse(R(line)).Uid);
        }

        [Theory]
        [InlineData("* 1 FETCH (FLAGS (\\Seen))")]
        [InlineData("* 1 FETCH (UID 4294967296)")]
        [InlineData("* 1 EXISTS")]
        public void TryGetUid_without_a_valid_uid(string line) => Assert.False(FetchData.TryGetUid(R(line), out _));

        [Fact]
        public void TryGetUid_does_not_allocate()
        {
            var r = R(DovecotSummary.Replace("(UID 101 ", "(RFC822.SIZE 5 FLAGS (\\Seen) ").Replace("MODSEQ (12345))", "UID 101)"));
            Assert.True(FetchData.TryGetUid(r, out _));
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 100; i++) FetchData.TryGetUid(r, out _);
            Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        [Fact]
        public void Summary_parse_allocates_little()
        {
            var r = R(DovecotSummary);
            FetchData.Parse(r);
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 100; i++) FetchData.Parse(r);
            long perMessage = (GC.GetAllocatedBytesForCurrentThread() - before) / 100;
            Assert.True(perMessage < 2048, "allocated " + perMessage + " bytes per message");
        }

        [Fact]
        public void Sections_literals_quoted_nil_and_origin()
        {
            var f = FetchData.Parse(R("* 12 FETCH (BODY[HEADER.FIELDS (From Subject)] {13}\r\nFrom: a@b\r\n\r\n BODY[1]<128> \"xy\\\"z\" BODY[2] NIL BINARY[3] ~{3}\r\n\0\x01\x02 BINARY.SIZE[3] 3 RFC822.TEXT {2}\r\nhi)"));
            Assert.Equal(5, f.Sections.Count);
            var h = f.Sections[0];
            Assert.Equal("BODY[HEADER.FIELDS (FROM SUBJECT)]", h.Name);
            Assert.Equal("HEADER.FIELDS (FROM SUBJECT)", h.Section);
            Assert.Null(h.Origin);
            Assert.Equal(13, h.Length);
            Assert.Equal("From: a@b\r\n\r\n", Encoding.ASCII.GetString(h.GetBytes()!));
            var one = f.FindSection("1")!;
            Assert.Equal(128L, one.Origin);
            Assert.Equal("xy\"z", Encoding.ASCII.GetString(one.GetBytes()!));
            Assert.Equal(4, one.Length);
            Assert.True(f.FindSection("2")!.IsNil);
            Assert.Null(f.FindSection("2")!.GetBytes());
            var bin = f.FindSection("3", binary: true)!;
            Assert.True(bin.IsBinary);
            Assert.Equal(new byte[] { 0, 1, 2 }, bin.GetBytes());
            Assert.Equal(3L, f.BinarySizes["3"]);
            Assert.Equal("TEXT", f.Sections[4].Section);
            Assert.Equal("RFC822.TEXT", f.Sections[4].Name);
        }

        [Fact]
        public void Streamed_section_reports_streamed()
        {
            var reader = new ResponseReader(new ProtocolLimits { LargeLiteralThreshold = 4 }) { LiteralSinkSelector = _ => new System.IO.MemoryStream() };
            var bytes = Encoding.ASCII.GetBytes("* 1 FETCH (UID 5 BODY[] {10}\r\n0123456789)\r\n");
            reader.Append(bytes, 0, bytes.Length);
            Assert.True(reader.TryReadResponse(out var r));
            var f = FetchData.Parse(r!);
            Assert.True(f.Sections[0].IsStreamed);
            Assert.Equal(10, f.Sections[0].Length);
            Assert.Null(f.Sections[0].GetBytes());
            Assert.Equal(5u, f.Uid);
        }

        [Fact]
        public void Gmail_items()
        {
            var f = FetchData.Parse(R("* 1 FETCH (X-GM-THRID 1278455344230334865 X-GM-MSGID 1278455344230334865 X-GM-LABELS (\\Inbox \"\\\\Sent\" Important \"Muy Importante\" &AOQ-pfel) UID 1)"));
            Assert.Equal(1278455344230334865UL, f.GmailThreadId);
            Assert.Equal(1278455344230334865UL, f.GmailMessageId);
            Assert.Equal(new[] { "\\Inbox", "\\Sent", "Important", "Muy Importante", "äpfel" }, f.GmailLabels);
        }

        [Theory]
        [InlineData("* 40 FETCH (MODSEQ (-1) FLAGS (\\Recent \\Seen) UID 336)", 0UL)]
        [InlineData("* 1 FETCH (MODSEQ (0) FLAGS (\\Seen) UID 1)", 0UL)]
        [InlineData("* 1 FETCH (MODSEQ (18446744073709551615))", 18446744073709551615UL)]
        [InlineData("* 1 FETCH (MODSEQ 17)", 17UL)]
        public void Modseq_including_zohos_negative_values(string line, ulong modseq) => Assert.Equal(modseq, FetchData.Parse(R(line)).ModSeq);

        [Fact]
        public void Object_ids_savedate_preview_and_extensions()
        {
            var f = FetchData.Parse(R("* 3 FETCH (EMAILID (M6d99ac3275bb4e) THREADID NIL SAVEDATE \"01-Jan-2024 10:00:00 +0000\" PREVIEW \"Hello there\" X-UNKNOWN (a b) XAOL.SPAM.REASON NIL)"));
            Assert.Equal("M6d99ac3275bb4e", f.EmailId);
            Assert.Null(f.ThreadId);
            Assert.Equal(new DateTimeOffset(2024, 1, 1, 10, 0, 0, TimeSpan.Zero), f.SaveDate);
            Assert.Equal("Hello there", f.Preview);
            Assert.Equal(new[] { "X-UNKNOWN", "XAOL.SPAM.REASON" }, f.Extensions.Select(e => e.Key));
            Assert.True(f.Extensions[0].Value.IsList);
            Assert.Equal("M1", FetchData.Parse(R("* 3 FETCH (EMAILID (M1) PREVIEW (FUZZY \"x\"))")).EmailId);
            Assert.Equal("x", FetchData.Parse(R("* 3 FETCH (SNIPPET (FUZZY \"x\"))")).Preview);
            Assert.Null(FetchData.Parse(R("* 3 FETCH (SAVEDATE NIL)")).SaveDate);
        }

        [Fact]
        public void Annotation_item()
        {
            var f = FetchData.Parse(R("* 2 FETCH (UID 2 ANNOTATION (/comment (value.priv \"My comment\" value.shared NIL) /altsubject (value.priv \"My subject\" value.shared NIL)))"));
            Assert.Equal(2, f.Annotation!.Entries.Count);
            Assert.Equal("/comment", f.Annotation.Entries[0].Entry);
            Assert.Equal("My comment", f.Annotation.Entries[0]["value.priv"]);
            Assert.Null(f.Annotation.Entries[0]["value.shared"]);
            Assert.Equal("My subject", AnnotationData.Parse(R("* 2 FETCH (UID 2 ANNOTATION (/comment (value.priv \"My comment\" value.shared NIL) /altsubject (value.priv \"My subject\" value.shared NIL)))")).Entries[1]["VALUE.PRIV"]);
        }

        [Fact]
        public void Domino_extra_parentheses_around_items()
        {
            var f = FetchData.Parse(R("* 2 FETCH (UID 14935 (ENVELOPE (NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)) BODYSTRUCTURE (\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 0 0 NIL))"));
            Assert.Equal(14935u, f.Uid);
            Assert.NotNull(f.Envelope);
            Assert.Null(f.Envelope!.Subject);
            Assert.Equal("text/plain", f.Body!.ContentType);
        }

        [Theory]
        [InlineData("* 1 FETCH (UID)")]
        [InlineData("* 1 FETCH (UID abc)")]
        [InlineData("* 1 FETCH UID 5")]
        [InlineData("* 1 FETCH (ENVELOPE \"x\")")]
        [InlineData("* 1 FETCH (\"UID\" 5)")]
        [InlineData("* 1 FETCH (UID 5 FLAGS)")]
        public void Malformed_fetch_throws_protocol_exception(string line)
        {
            var ex = Assert.Throws<ImapProtocolException>(() => FetchData.Parse(R(line)));
            Assert.NotEmpty(ex.Excerpt);
        }

        [Fact]
        public void Non_fetch_response_is_an_argument_error() => Assert.Throws<ArgumentException>(() => FetchData.Parse(R("* 3 EXISTS")));

        [Fact]
        public void Lowercase_and_odd_spacing()
        {
            var f = FetchData.Parse(R("* 5 fetch ( uid 9  flags (\\seen)  rfc822.size 10 internaldate \" 2-Feb-2020 03:04:05 +0100\" )"));
            Assert.Equal(9u, f.Uid);
            Assert.Equal("\\Seen", f.Flags!.Single());
            Assert.Equal(10L, f.Size);
            Assert.Equal(new DateTimeOffset(2020, 2, 2, 3, 4, 5, TimeSpan.FromHours(1)), f.InternalDate);
        }
    }

    public class EnvelopeTests
    {
        private static Envelope Env(string envelope) => FetchData.Parse(FetchDataTests.R("* 1 FETCH (ENVELOPE " + envelope + ")")).Envelope!;

        [Fact]
        public void Group_syntax_is_flattened_with_group_names()
        {
            var e = Env("(NIL NIL NIL NIL NIL ((NIL NIL \"friends\" NIL)(\"A\" NIL \"a\" \"x.org\")(NIL NIL \"b\" \"x.org\")(NIL NIL NIL NIL)(NIL NIL \"c\" \"y.org\")(NIL NIL \"undisclosed-recipients\" NIL)(NIL NIL NIL NIL)) NIL NIL NIL NIL)");
            Assert.Equal(4, e.To.Count);
            Assert.Equal(new[] { "friends", "friends", null, "undisclosed-recipients" }, e.To.Select(a => a.GroupName));
            Assert.Equal(new[] { "a@x.org", "b@x.org", "c@y.org", null }, e.To.Select(a => a.Address));
            Assert.True(e.To[3].IsEmptyGroup);
            Assert.False(e.To[0].IsEmptyGroup);
        }

        [Fact]
        public void Outlook_extra_space_and_nil_quirks()
        {
            var e = Env("(\"Mon, 24 May 20 21 09:47:50 +0000\" \"Zoooom Zoom\" ((\"Augustina Gleason\" NIL \"augustina\" \"oberbrunner.test\")) NIL NIL ((\"risa@harvey-lemke.test\" NIL \"risa\" \"harvey-lemke.test\") (\"shela@harvey-lemke.test\" NIL \"shela\" \"harvey-lemke.test\")) NIL NIL NIL \"<id@x>\")");
            Assert.Null(e.ParsedDate);
            Assert.Equal("Mon, 24 May 20 21 09:47:50 +0000", e.Date);
            Assert.Equal(2, e.To.Count);
            Assert.Empty(e.Sender);
            Assert.Equal("<id@x>", e.MessageId);
        }

        [Fact]
        public void Short_envelope_and_string_where_list_belongs()
        {
            var e = Env("(\"d\" \"s\" \"\" ((NIL NIL \"a\" \"b\")))");
            Assert.Equal("s", e.Subject);
            Assert.Empty(e.From);
            Assert.Equal("a@b", e.Sender.Single().Address);
            Assert.Null(e.MessageId);
        }

        [Fact]
        public void Literal_and_escaped_strings()
        {
            var e = Env("({30}\r\nTue, 1 Jan 2019 00:00:00 +0000 {5}\r\nCaf\u00e9 ((\"a \\\"b\\\" c\" NIL \"x\" \"y\")) NIL NIL NIL NIL NIL NIL NIL)");
            Assert.Equal("Caf\u00e9", e.Subject);
            Assert.Equal("a \"b\" c", e.From[0].Name);
            Assert.Equal(new DateTimeOffset(2019, 1, 1, 0, 0, 0, TimeSpan.Zero), e.ParsedDate);
        }

        [Theory]
        [InlineData("Wed, 17 Jul 1996 02:23:25 -0700 (PDT)", "1996-07-17T02:23:25-07:00")]
        [InlineData("17 Jul 1996 02:23 -0700", "1996-07-17T02:23:00-07:00")]
        [InlineData("Thu, 1 Jan 70 00:00:00 GMT", "1970-01-01T00:00:00+00:00")]
        [InlineData("Sat, 01 Jan 22 10:00:00 EST", "2022-01-01T10:00:00-05:00")]
        [InlineData("1 Jan 104 10:00:00 PST", "2004-01-01T10:00:00-08:00")]
        [InlineData("Fri, 30 Jun 2006 11:22:33", "2006-06-30T11:22:33+00:00")]
        [InlineData("Fri,30-Jun-2006 11:22:33.123 +0200", "2006-06-30T11:22:33+02:00")]
        [InlineData("Tue, 31 Dec 2024 23:59:60 +0000", "2024-12-31T23:59:59+00:00")]
        [InlineData("monday, 6 march 2023 7:08:09 +0530", "2023-03-06T07:08:09+05:30")]
        public void Message_dates(string text, string expected)
            => Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), MessageDate.Parse(text));

        [Theory]
        [InlineData("")]
        [InlineData("yesterday")]
        [InlineData("31 Feb 2020 10:00:00 +0000")]
        [InlineData("1 Foo 2020 10:00:00 +0000")]
        [InlineData("1 Jan 2020 25:00:00 +0000")]
        [InlineData("Mon, 24 May 20 21 09:47:50 +0000")]
        public void Unreadable_dates_are_null(string text) => Assert.Null(MessageDate.Parse(text));
    }
}
