using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using CsCheck;
using ImapPS.Client.Protocol;

namespace ImapPS.Client.Tests.Protocol
{
    public class CommandBuilderTests
    {
        private static readonly CommandBuilder Sync = new CommandBuilder();
        private static readonly CommandBuilder Plus = new CommandBuilder(LiteralSupport.LiteralPlus, false);
        private static readonly CommandBuilder Minus = new CommandBuilder(LiteralSupport.LiteralMinus, false);
        private static readonly CommandBuilder Utf8Sync = new CommandBuilder(LiteralSupport.Synchronizing, true);

        private static byte[] Wire(CommandPayload payload)
        {
            var output = new MemoryStream();
            for (int i = 0; i < payload.SegmentCount; i++) payload.WriteSegment(i, output);
            return output.ToArray();
        }

        private static string WireText(CommandPayload payload) => Encoding.UTF8.GetString(Wire(payload));

        private static string Segment(CommandPayload payload, int index)
        {
            var output = new MemoryStream();
            payload.WriteSegment(index, output);
            return Encoding.UTF8.GetString(output.ToArray());
        }

        /// <summary>The single argument of <c>A1 X arg</c> as it appears on the wire.</summary>
        private static string ArgumentOnWire(CommandBuilder builder, ImapArgument argument)
        {
            string text = WireText(builder.Build("A1", "X", argument));
            Assert.StartsWith("A1 X ", text);
            Assert.EndsWith("\r\n", text);
            return text.Substring(5, text.Length - 7);
        }

        // ---- imaplib2 _checkquote rules, untyped strings ----

        [Theory]
        [InlineData("INBOX", "INBOX")]
        [InlineData("1:5,7", "1:5,7")]
        [InlineData("a]b}c[", "a]b}c[")]
        [InlineData("!#$&'+,./:;<=>?@^_`|~-", "!#$&'+,./:;<=>?@^_`|~-")]
        [InlineData("", "\"\"")]
        [InlineData("a b", "\"a b\"")]
        [InlineData("a\"b", "\"a\\\"b\"")]
        [InlineData("a\\b", "\"a\\\\b\"")]
        [InlineData("\\Seen", "\"\\\\Seen\"")]
        [InlineData("*", "\"*\"")]
        [InlineData("%", "\"%\"")]
        [InlineData("{", "\"{\"")]
        [InlineData("{5}", "\"{5}\"")]
        [InlineData("a(b", "\"a(b\"")]
        [InlineData("tab\there", "\"tab\there\"")]
        [InlineData("\"already quoted\"", "\"already quoted\"")]
        [InlineData("\"\"", "\"\"")]
        [InlineData("(FLAGS UID)", "(FLAGS UID)")]
        [InlineData("()", "()")]
        [InlineData("'1:*'", "1:*")]
        [InlineData("'2,4:7'", "2,4:7")]
        [InlineData("''", "\"\"")]
        [InlineData("'a b'", "a b")]
        [InlineData("'{5}'", "\"{5}\"")]
        [InlineData("'x {12+}'", "\"x {12+}\"")]
        [InlineData("\"", "\"\\\"\"")]
        [InlineData("'", "'")]
        [InlineData("(", "\"(\"")]
        public void UntypedStringsFollowImaplib2Quoting(string argument, string expected)
        {
            Assert.Equal(expected, ArgumentOnWire(Sync, argument));
        }

        [Theory]
        [InlineData("a\r\nb")]
        [InlineData("\r")]
        [InlineData("\n")]
        [InlineData("nul\0")]
        [InlineData("\"quoted\r\nform\"")]
        [InlineData("(list\nform)")]
        [InlineData("'single\rquotes'")]
        [InlineData("x\r\nA2 DELETE INBOX")]
        public void StringsWithLineBreaksOrNulAreAlwaysLiterals(string argument)
        {
            int length = Encoding.UTF8.GetByteCount(argument);
            CommandPayload payload = Sync.Build("A1", "X", argument);
            Assert.Equal(2, payload.SegmentCount);
            Assert.Equal("A1 X {" + length + "}\r\n", Segment(payload, 0));
            Assert.Equal(argument + "\r\n", Segment(payload, 1));
        }

        [Fact]
        public void EightBitPlainStringIsALiteralWithoutUtf8Accept()
        {
            CommandPayload payload = Plus.Build("A1", "SEARCH", ImapArgument.Atom("CHARSET"), ImapArgument.Atom("UTF-8"), "TEXT", "café");
            Assert.Equal("A1 SEARCH CHARSET UTF-8 TEXT {5+}\r\ncafé\r\n", WireText(payload));
            Assert.Equal("A1 SEARCH CHARSET UTF-8 TEXT {5 bytes}", payload.LogText);
        }

        [Fact]
        public void EightBitPlainStringIsQuotedUtf8UnderUtf8Accept()
        {
            Assert.Equal("\"café au lait\"", ArgumentOnWire(Utf8Sync, "café au lait"));
            Assert.Equal("\"日本\"", ArgumentOnWire(Utf8Sync, ImapArgument.AString("日本")));
            // Line breaks still force a literal.
            CommandPayload payload = Utf8Sync.Build("A1", "X", "é\r\n");
            Assert.Equal("A1 X {4}\r\n", Segment(payload, 0));
        }

        [Theory]
        [InlineData("\"café\"")]
        [InlineData("(BODY[HEADER.FIELDS (SUBJECT)] \"ü\")")]
        public void PassThroughFormsWithEightBitAreSentAsUtf8(string argument)
        {
            Assert.Equal(argument, ArgumentOnWire(Sync, argument));
        }

        [Fact]
        public void NullAndNoneArgumentsAreSkipped()
        {
            Assert.Equal("A1 FETCH 1 (FLAGS)\r\n", WireText(Sync.Build("A1", "FETCH", "1", (string?)null, default(ImapArgument), "(FLAGS)")));
        }

        // ---- untyped bytes and numbers ----

        [Theory]
        [InlineData("1:5", "1:5")]
        [InlineData("(FLAGS UID)", "(FLAGS UID)")]
        [InlineData("a b", "a b")]
        [InlineData("", "\"\"")]
        public void UntypedBytesPassUnquoted(string text, string expected)
        {
            Assert.Equal(expected, ArgumentOnWire(Sync, Encoding.UTF8.GetBytes(text)));
        }

        [Theory]
        [InlineData("a\r\nb")]
        [InlineData("x\0")]
        [InlineData("tail {5}")]
        [InlineData("{7+}")]
        public void UntypedBytesThatCouldInjectAreLiterals(string text)
        {
            byte[] bytes = Encoding.UTF8.GetBytes(text);
            CommandPayload payload = Plus.Build("A1", "X", bytes);
            Assert.Equal("A1 X {" + bytes.Length + "+}\r\n" + text + "\r\n", WireText(payload));
        }

        [Theory]
        [InlineData(0L, "0")]
        [InlineData(42L, "42")]
        [InlineData(4294967295L, "4294967295")]
        [InlineData(9223372036854775807L, "9223372036854775807")]
        public void NumbersAreDecimal(long value, string expected)
        {
            Assert.Equal(expected, ArgumentOnWire(Sync, value));
        }

        [Fact]
        public void NegativeNumbersAreRejected()
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => ImapArgument.FromNumber(-1));
            Assert.Throws<ArgumentOutOfRangeException>(() => { ImapArgument unused = -5; });
        }

        // ---- typed arguments ----

        [Theory]
        [InlineData("UIDNEXT")]
        [InlineData("UTF-8")]
        [InlineData("BODY.PEEK[HEADER")]
        [InlineData("$Label1")]
        public void ValidAtomsAreSentAsIs(string atom)
        {
            Assert.Equal(atom, ArgumentOnWire(Sync, ImapArgument.Atom(atom)));
        }

        [Theory]
        [InlineData("")]
        [InlineData("a b")]
        [InlineData("a(")]
        [InlineData("a)")]
        [InlineData("a{")]
        [InlineData("a*")]
        [InlineData("a%")]
        [InlineData("a\"")]
        [InlineData("\\Seen")]
        [InlineData("a]")]
        [InlineData("é")]
        [InlineData("a\r")]
        [InlineData("a\u007f")]
        public void InvalidAtomsAreRejected(string atom)
        {
            Assert.Throws<ArgumentException>(() => ImapArgument.Atom(atom));
        }

        [Theory]
        [InlineData("INBOX", "INBOX")]
        [InlineData("a b", "\"a b\"")]
        [InlineData("", "\"\"")]
        [InlineData("(x)", "\"(x)\"")]
        [InlineData("'1:*'", "\"'1:*'\"")]
        [InlineData("\"q\"", "\"\\\"q\\\"\"")]
        public void AStringIsAtomOrQuotedNeverPassThrough(string value, string expected)
        {
            Assert.Equal(expected, ArgumentOnWire(Sync, ImapArgument.AString(value)));
        }

        [Theory]
        [InlineData("INBOX", "\"INBOX\"")]
        [InlineData("", "\"\"")]
        [InlineData("a\\\"b", "\"a\\\\\\\"b\"")]
        public void QuotedIsAlwaysQuoted(string value, string expected)
        {
            Assert.Equal(expected, ArgumentOnWire(Sync, ImapArgument.Quoted(value)));
        }

        [Theory]
        [InlineData("(FLAGS BODY.PEEK[HEADER.FIELDS (FROM TO)]<0.100>)")]
        [InlineData("1:5,7")]
        [InlineData("(\\Seen $Label1)")]
        [InlineData("(X-{abc} {} {12x})")]
        public void RawFragmentsAreSentAsIs(string fragment)
        {
            Assert.Equal(fragment, ArgumentOnWire(Sync, ImapArgument.Raw(fragment)));
        }

        [Theory]
        [InlineData("")]
        [InlineData("a\r\nA2 LOGOUT")]
        [InlineData("a\n")]
        [InlineData("a\0")]
        [InlineData("x {5}")]
        [InlineData("{5+}")]
        [InlineData("(x {123} y)")]
        [InlineData("(BODY.PEEK[HEADER.FIELDS ({12+})])")]
        public void RawFragmentsThatCouldInjectAreRejected(string fragment)
        {
            Assert.Throws<ArgumentException>(() => ImapArgument.Raw(fragment));
        }

        [Theory]
        [InlineData("1:5,7,9:*")]
        [InlineData("*")]
        [InlineData("$")]
        [InlineData("4294967295")]
        [InlineData("*:4")]
        public void ValidSequenceSetsAreSentAsIs(string set)
        {
            Assert.Equal(set, ArgumentOnWire(Sync, ImapArgument.FromSequenceSet(set)));
        }

        [Theory]
        [InlineData("")]
        [InlineData("0")]
        [InlineData("1,,2")]
        [InlineData("1:")]
        [InlineData(":1")]
        [InlineData("01")]
        [InlineData("4294967296")]
        [InlineData("1 2")]
        [InlineData("$,1")]
        [InlineData("1\r\n")]
        public void InvalidSequenceSetsAreRejected(string set)
        {
            Assert.Throws<ArgumentException>(() => ImapArgument.FromSequenceSet(set));
        }

        [Theory]
        [InlineData(false, "INBOX", "INBOX")]
        [InlineData(false, "~peter/mail/台北/日本語", "~peter/mail/&U,BTFw-/&ZeVnLIqe-")]
        [InlineData(false, "Tom & Jerry", "\"Tom &- Jerry\"")]
        [InlineData(false, "", "\"\"")]
        [InlineData(true, "~peter/mail/台北/日本語", "\"~peter/mail/台北/日本語\"")]
        [InlineData(true, "Tom & Jerry", "\"Tom & Jerry\"")]
        [InlineData(true, "a&b", "a&b")]
        public void MailboxNamesAreModifiedUtf7OrUtf8(bool utf8Accept, string name, string expected)
        {
            var builder = new CommandBuilder(LiteralSupport.Synchronizing, utf8Accept);
            Assert.Equal(expected, ArgumentOnWire(builder, ImapArgument.Mailbox(name)));
        }

        [Fact]
        public void UnpairedSurrogatesAreRejectedWithoutRevealingTheValue()
        {
            var error = Assert.Throws<ArgumentException>(() => Sync.Build("A1", "LOGIN", "user", "hunter2\uD800"));
            Assert.DoesNotContain("hunter2", error.Message);
            Assert.Throws<ArgumentException>(() => Utf8Sync.Build("A1", "X", ImapArgument.Quoted("x\uDC00y")));
        }

        [Theory]
        [InlineData("")]
        [InlineData("A+1")]
        [InlineData("A 1")]
        [InlineData("A1\r\n")]
        [InlineData("A{1")]
        public void InvalidTagsAreRejected(string tag)
        {
            Assert.Throws<ArgumentException>(() => Sync.Build(tag, "NOOP"));
        }

        [Theory]
        [InlineData("")]
        [InlineData(" NOOP")]
        [InlineData("UID  FETCH")]
        [InlineData("NOOP ")]
        [InlineData("NOOP\r\nA2 LOGOUT")]
        [InlineData("X(")]
        public void InvalidCommandNamesAreRejected(string command)
        {
            Assert.Throws<ArgumentException>(() => Sync.Build("A1", command));
        }

        [Fact]
        public void CompoundCommandNamesAreAccepted()
        {
            CommandPayload payload = Sync.Build("A0001", "UID FETCH", ImapArgument.FromSequenceSet("1:*"), ImapArgument.Raw("(UID FLAGS)"));
            Assert.Equal("A0001 UID FETCH 1:* (UID FLAGS)\r\n", WireText(payload));
            Assert.Equal("A0001", payload.Tag);
            Assert.Equal("UID FETCH", payload.Command);
            Assert.True(payload.TryGetBytes(out ReadOnlyMemory<byte> bytes));
            Assert.Equal(Wire(payload), bytes.ToArray());
            Assert.Equal(bytes.Length, payload.TotalLength);
            Assert.False(payload.RequiresContinuation);
        }

        // ---- literal modes and segmentation ----

        [Theory]
        [InlineData(LiteralSupport.Synchronizing, 3, "{3}", 2)]
        [InlineData(LiteralSupport.Synchronizing, 0, "{0}", 2)]
        [InlineData(LiteralSupport.LiteralPlus, 3, "{3+}", 1)]
        [InlineData(LiteralSupport.LiteralPlus, 100000, "{100000+}", 1)]
        [InlineData(LiteralSupport.LiteralMinus, 4096, "{4096+}", 1)]
        [InlineData(LiteralSupport.LiteralMinus, 4097, "{4097}", 2)]
        public void LiteralHeaderFollowsLiteralSupport(LiteralSupport support, int length, string header, int segments)
        {
            var builder = new CommandBuilder(support, false);
            byte[] body = Enumerable.Repeat((byte)'x', length).ToArray();
            CommandPayload payload = builder.Build("A1", "APPEND", "INBOX", ImapArgument.Literal(body));
            Assert.Equal(segments, payload.SegmentCount);
            Assert.Equal(segments > 1, payload.RequiresContinuation);
            string wire = WireText(payload);
            Assert.Equal("A1 APPEND INBOX " + header + "\r\n" + new string('x', length) + "\r\n", wire);
            Assert.Equal(wire.Length, payload.TotalLength);
            if (segments == 2)
                Assert.Equal("A1 APPEND INBOX " + header + "\r\n", Segment(payload, 0));
            Assert.Equal("A1 APPEND INBOX {" + length + " bytes}", payload.LogText);
        }

        [Fact]
        public void EachSynchronisingLiteralEndsASegment()
        {
            CommandPayload payload = Sync.Build("A1", "X", ImapArgument.Literal(Encoding.ASCII.GetBytes("abc")), "mid", ImapArgument.LiteralText("dé"), "end");
            Assert.Equal(3, payload.SegmentCount);
            Assert.Equal("A1 X {3}\r\n", Segment(payload, 0));
            Assert.Equal("abc mid {3}\r\n", Segment(payload, 1));
            Assert.Equal("dé end\r\n", Segment(payload, 2));
            Assert.Equal(Wire(payload).Length, Enumerable.Range(0, 3).Sum(i => payload.GetSegmentLength(i)));
            Assert.Equal(payload.TotalLength, Wire(payload).Length);
            Assert.False(payload.TryGetBytes(out _));
            Assert.Throws<ArgumentOutOfRangeException>(() => payload.GetSegmentLength(3));
            Assert.Equal("A1 X {3 bytes} mid {3 bytes} end", payload.LogText);
        }

        [Fact]
        public void NonSynchronisingLiteralsStayInline()
        {
            CommandPayload payload = Plus.Build("A1", "X", ImapArgument.Literal(new byte[] { 1, 2 }), ImapArgument.LiteralText("z"));
            Assert.Equal(1, payload.SegmentCount);
            Assert.True(payload.TryGetBytes(out ReadOnlyMemory<byte> bytes));
            Assert.Equal(Encoding.ASCII.GetBytes("A1 X {2+}\r\n\u0001\u0002 {1+}\r\nz\r\n"), bytes.ToArray());
        }

        [Fact]
        public async Task StreamedLiteralIsCopiedWhenItsSegmentIsWritten()
        {
            byte[] message = Encoding.ASCII.GetBytes("Subject: hi\r\n\r\nbody\r\n");
            var source = new MemoryStream(message);
            CommandPayload payload = Sync.Build("A7", "APPEND", ImapArgument.Mailbox("INBOX"), ImapArgument.Raw("(\\Seen)"),
                ImapDate.Time2Internaldate(new DateTimeOffset(2024, 2, 1, 10, 0, 0, TimeSpan.Zero)),
                ImapArgument.Literal(source, message.Length));

            Assert.True(payload.HasStreamedLiterals);
            Assert.Equal(2, payload.SegmentCount);
            Assert.Equal(0, source.Position); // nothing read while building
            Assert.Equal("A7 APPEND INBOX (\\Seen) \"01-Feb-2024 10:00:00 +0000\" {" + message.Length + "}\r\n", Segment(payload, 0));

            var output = new MemoryStream();
            await payload.WriteSegmentAsync(1, output);
            Assert.Equal(Encoding.ASCII.GetString(message) + "\r\n", Encoding.ASCII.GetString(output.ToArray()));
            Assert.Equal(payload.GetSegmentLength(0) + payload.GetSegmentLength(1), payload.TotalLength);
            Assert.Equal(message.Length + 2, payload.GetSegmentLength(1));
            Assert.Equal("A7 APPEND INBOX (\\Seen) \"01-Feb-2024 10:00:00 +0000\" {" + message.Length + " bytes}", payload.LogText);
        }

        [Fact]
        public void StreamedNonSynchronisingLiteralIsAPartOfTheSegment()
        {
            var source = new MemoryStream(Encoding.ASCII.GetBytes("0123456789EXTRA"));
            CommandPayload payload = Plus.Build("A1", "APPEND", "INBOX", ImapArgument.Literal(source, 10));
            Assert.Equal(1, payload.SegmentCount);
            Assert.False(payload.TryGetBytes(out _));
            IReadOnlyList<CommandPayloadPart> parts = payload.GetSegmentParts(0);
            Assert.Equal(3, parts.Count);
            Assert.Equal("A1 APPEND INBOX {10+}\r\n", Encoding.ASCII.GetString(parts[0].Bytes.ToArray()));
            Assert.Same(source, parts[1].Stream);
            Assert.Equal(10, parts[1].Length);
            Assert.Equal("\r\n", Encoding.ASCII.GetString(parts[2].Bytes.ToArray()));
            Assert.Equal("A1 APPEND INBOX {10+}\r\n0123456789\r\n", WireText(payload)); // only the declared length is read
        }

        [Fact]
        public async Task ShortLiteralStreamAbortsTheConnection()
        {
            CommandPayload payload = Plus.Build("A1", "APPEND", "INBOX", ImapArgument.Literal(new MemoryStream(new byte[3]), 10));
            Assert.Throws<ImapAbortException>(() => payload.WriteSegment(0, new MemoryStream()));
            payload = Plus.Build("A1", "APPEND", "INBOX", ImapArgument.Literal(new MemoryStream(new byte[3]), 10));
            await Assert.ThrowsAsync<ImapAbortException>(() => payload.WriteSegmentAsync(0, new MemoryStream()));
        }

        // ---- redaction ----

        [Theory]
        [InlineData("hunter2", "\"hunter2\"")]
        [InlineData("p@ss w0rd", "\"p@ss w0rd\"")]
        [InlineData("quote\"back\\", "\"quote\\\"back\\\\\"")]
        public void LoginPasswordIsAlwaysQuotedAndRedacted(string password, string onWire)
        {
            CommandPayload payload = Sync.Build("A1", "LOGIN", "fred", password);
            Assert.Equal("A1 LOGIN fred " + onWire + "\r\n", WireText(payload));
            Assert.Equal("A1 LOGIN fred ***", payload.LogText);
            Assert.Equal("A1 LOGIN fred ***", payload.ToString());
        }

        [Theory]
        [InlineData("pässwörd")]
        [InlineData("line\r\nbreak")]
        public void LoginPasswordThatNeedsALiteralIsRedactedWhole(string password)
        {
            CommandPayload payload = Sync.Build("A1", "login", "fred", password);
            Assert.Equal(2, payload.SegmentCount);
            Assert.Equal(password + "\r\n", Segment(payload, 1));
            Assert.Equal("A1 login fred ***", payload.LogText);
        }

        [Fact]
        public void LoginPasswordGivenAsBytesIsQuotedOrALiteral()
        {
            CommandPayload quoted = Plus.Build("A1", "LOGIN", "fred", Encoding.ASCII.GetBytes("p w"));
            Assert.Equal("A1 LOGIN fred \"p w\"\r\n", WireText(quoted));
            Assert.Equal("A1 LOGIN fred ***", quoted.LogText);
            CommandPayload literal = Plus.Build("A1", "LOGIN", "fred", new byte[] { 0xC3, 0xA9 });
            Assert.Equal(new byte[] { 0xC3, 0xA9, (byte)'\r', (byte)'\n' }, Wire(literal).Skip("A1 LOGIN fred {2+}\r\n".Length).ToArray());
            Assert.Equal("A1 LOGIN fred ***", literal.LogText);
        }

        [Fact]
        public void AuthenticateDataIsRedactedButTheMechanismIsNot()
        {
            CommandPayload payload = Sync.Build("A1", "AUTHENTICATE", ImapArgument.Atom("PLAIN"), "AGZyZWQAaHVudGVyMg==");
            Assert.Equal("A1 AUTHENTICATE PLAIN AGZyZWQAaHVudGVyMg==\r\n", WireText(payload));
            Assert.Equal("A1 AUTHENTICATE PLAIN ***", payload.LogText);
        }

        [Fact]
        public void SensitiveArgumentsOfEveryKindAreRedacted()
        {
            const string secret = "t0k3n-s3cr3t";
            byte[] secretBytes = Encoding.ASCII.GetBytes(secret);
            CommandPayload payload = Sync.Build("A1", "X",
                ImapArgument.Secret(secret),
                ImapArgument.Sensitive(ImapArgument.Literal(secretBytes)),
                ImapArgument.Sensitive(ImapArgument.Literal(new MemoryStream(secretBytes), secretBytes.Length)),
                ImapArgument.Sensitive(ImapArgument.AString(secret + "\r\n")),
                ImapArgument.Sensitive(ImapArgument.Raw(secret)),
                "visible");
            Assert.Equal("A1 X *** *** *** *** *** visible", payload.LogText);
            Assert.DoesNotContain("t0k3n", payload.LogText);
            Assert.DoesNotContain("t0k3n", ImapArgument.Secret(secret).ToString());
            Assert.Contains(secret, WireText(payload));
        }

        [Fact]
        public void ContinuationLinesAreRedactedByDefault()
        {
            CommandPayload response = Sync.BuildContinuation("dXNlcgBwYXNz");
            Assert.Equal("dXNlcgBwYXNz\r\n", WireText(response));
            Assert.Equal("***", response.LogText);
            Assert.Null(response.Tag);

            CommandPayload done = Sync.BuildContinuation("DONE", sensitive: false);
            Assert.Equal("DONE\r\n", WireText(done));
            Assert.Equal("DONE", done.LogText);

            Assert.Equal("\r\n", WireText(Sync.BuildContinuation("")));
            Assert.Throws<ArgumentException>(() => Sync.BuildContinuation("x\r\nA2 LOGOUT"));
        }

        [Fact]
        public void LiteralSupportIsReadFromCapabilities()
        {
            Assert.Equal(LiteralSupport.LiteralPlus, CommandBuilder.LiteralSupportFrom(new[] { "IMAP4rev1", "literal+", "LITERAL-" }));
            Assert.Equal(LiteralSupport.LiteralMinus, CommandBuilder.LiteralSupportFrom(new[] { "IMAP4rev1", "LITERAL-" }));
            Assert.Equal(LiteralSupport.LiteralMinus, CommandBuilder.LiteralSupportFrom(new[] { "IMAP4rev2" }));
            Assert.Equal(LiteralSupport.Synchronizing, CommandBuilder.LiteralSupportFrom(new[] { "IMAP4rev1", "IDLE" }));
            var builder = Sync.WithLiteralSupport(LiteralSupport.LiteralPlus).WithUtf8Accept(true);
            Assert.Equal(LiteralSupport.LiteralPlus, builder.LiteralSupport);
            Assert.True(builder.Utf8Accept);
            Assert.Equal(LiteralSupport.Synchronizing, Sync.LiteralSupport);
        }

        [Fact]
        public void ManyPipelinedCommandsConcatenateExactly()
        {
            var expected = new StringBuilder();
            var actual = new MemoryStream();
            for (int i = 0; i < 1000; i++)
            {
                CommandPayload payload = Plus.Build("A" + i, "UID FETCH", ImapArgument.FromSequenceSet(i + 1 + ":*"), ImapArgument.Raw("(FLAGS)"));
                Assert.True(payload.TryGetBytes(out ReadOnlyMemory<byte> bytes));
                actual.Write(bytes.Span);
                expected.Append("A").Append(i).Append(" UID FETCH ").Append(i + 1).Append(":* (FLAGS)\r\n");
            }
            Assert.Equal(expected.ToString(), Encoding.ASCII.GetString(actual.ToArray()));
        }

        [Fact]
        public void BuildingSmallCommandsAllocatesOnlyThePayload()
        {
            // Hot path: 1,000 pipelined small commands. Per command we expect the argument array,
            // the payload object and its exact-size byte array; the scratch buffer comes from the pool.
            ImapArgument set = ImapArgument.FromSequenceSet("1:*");
            ImapArgument items = ImapArgument.Raw("(UID FLAGS)");
            ImapArgument[] arguments = { set, items };
            for (int i = 0; i < 100; i++) Plus.Build("A1", "UID FETCH", arguments);

            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 1000; i++) Plus.Build("A1", "UID FETCH", arguments);
            long perCommand = (GC.GetAllocatedBytesForCurrentThread() - before) / 1000;
            Assert.InRange(perCommand, 1, 256);
        }

        // ---- properties ----

        private static readonly Gen<string> Piece = Gen.Frequency(
            (8, Gen.Char[' ', '~'].Select(c => c.ToString())),
            (3, Gen.OneOf("\r", "\n", "\0", "\r\n", "\"", "\\", "{123}", "{5+}", "'", "(", ")", "*", "%", "&", " ", "\t", "}")),
            (2, Gen.Char['\u0080', '\uD7FF'].Select(c => c.ToString())),
            (1, Gen.Int[0x10000, 0x10FFFF].Select(char.ConvertFromUtf32)));

        private static readonly Gen<string> AnyString = Piece.Array[0, 14].Select(string.Concat);

        private static readonly Gen<CommandBuilder> AnyBuilder = Gen.Select(
            Gen.Enum<LiteralSupport>(), Gen.Bool, (support, utf8) => new CommandBuilder(support, utf8));

        private static bool HasLineBreakOrNul(string s) => s.IndexOfAny(new[] { '\r', '\n', '\0' }) >= 0;

        private static bool IsPassThroughShape(string s)
            => s.Length >= 2 && ((s[0] == '"' && s[s.Length - 1] == '"') || (s[0] == '(' && s[s.Length - 1] == ')') || (s[0] == '\'' && s[s.Length - 1] == '\''));

        [Fact]
        public void NoArgumentCanProduceAnUnframedLineBreak()
        {
            Gen.Select(AnyBuilder, AnyString, Gen.Int[0, 5]).Sample((builder, text, kind) =>
            {
                // No server accepts a mailbox name with CR, LF or NUL: it is refused before any byte is built.
                if (kind == 4 && HasLineBreakOrNul(text)) { Assert.Throws<InvalidMailboxNameException>(() => ImapArgument.Mailbox(text)); return; }
                ImapArgument argument = kind switch
                {
                    0 => text,
                    1 => Encoding.UTF8.GetBytes(text),
                    2 => ImapArgument.AString(text),
                    3 => ImapArgument.Quoted(text),
                    4 => ImapArgument.Mailbox(text),
                    _ => ImapArgument.Sensitive(text),
                };
                CommandPayload payload = builder.Build("A1", "X", argument, "tail");
                var framing = WireFraming.Parse(Wire(payload));
                // The last token of the line is always our own "tail": nothing swallowed or added after it.
                Assert.EndsWith(" tail", Encoding.UTF8.GetString(framing.LineText));
                Assert.Equal(framing.SynchronisingLiterals + 1, payload.SegmentCount);
                Assert.Equal(framing.SegmentEnds, SegmentEnds(payload));
                Assert.DoesNotContain('\r', payload.LogText);
                Assert.DoesNotContain('\n', payload.LogText);
            }, iter: 3000);
        }

        [Fact]
        public void StringArgumentsRoundTripThroughAServerSideDecoder()
        {
            Gen.Select(AnyBuilder, AnyString, Gen.Int[0, 3]).Sample((builder, text, kind) =>
            {
                if (kind == 0 && IsPassThroughShape(text)) return; // pass-through forms are sent as given, by design
                if (kind == 3 && HasLineBreakOrNul(text)) { Assert.Throws<InvalidMailboxNameException>(() => ImapArgument.Mailbox(text)); return; }
                ImapArgument argument = kind switch
                {
                    0 => text,
                    1 => ImapArgument.AString(text),
                    2 => ImapArgument.Quoted(text),
                    _ => ImapArgument.Mailbox(text),
                };
                List<byte[]> tokens = WireFraming.Tokenize(Wire(builder.Build("A1", "X", argument, "tail")));
                Assert.Equal(4, tokens.Count);
                Assert.Equal("A1", Encoding.UTF8.GetString(tokens[0]));
                Assert.Equal("tail", Encoding.UTF8.GetString(tokens[3]));
                string expected = kind == 3 ? builder.EncodeMailboxName(text) : text;
                Assert.Equal(expected, Encoding.UTF8.GetString(tokens[2]));
            }, iter: 3000);
        }

        private static List<long> SegmentEnds(CommandPayload payload)
        {
            var ends = new List<long>();
            long total = 0;
            for (int i = 0; i < payload.SegmentCount; i++)
            {
                total += payload.GetSegmentLength(i);
                ends.Add(total);
            }
            return ends;
        }

        /// <summary>
        /// A server's view of the framing of one command: lines end at CRLF; a line ending with a
        /// literal header (<c>{n}</c> or <c>{n+}</c>) is followed by exactly n bytes of literal data.
        /// Any other CR, LF or NUL, or anything after the final CRLF, fails the test.
        /// </summary>
        private sealed class WireFraming
        {
            public List<long> SegmentEnds { get; } = new List<long>();
            public int SynchronisingLiterals { get; private set; }
            /// <summary>The command with each literal body replaced by <c>L</c> and without line breaks.</summary>
            public byte[] LineText { get; private set; } = Array.Empty<byte>();

            public static WireFraming Parse(byte[] wire)
            {
                var result = new WireFraming();
                var text = new List<byte>();
                int i = 0;
                while (true)
                {
                    int end = i;
                    while (end < wire.Length && wire[end] != '\r' && wire[end] != '\n')
                    {
                        if (wire[end] == 0) throw new Xunit.Sdk.XunitException("NUL outside a literal at " + end + ".");
                        end++;
                    }
                    if (end == wire.Length) throw new Xunit.Sdk.XunitException("Command not terminated by CRLF.");
                    if (wire[end] != '\r' || end + 1 == wire.Length || wire[end + 1] != '\n')
                        throw new Xunit.Sdk.XunitException("Bare CR or LF at " + end + ".");
                    text.AddRange(wire.Skip(i).Take(end - i));
                    if (end + 2 == wire.Length)
                    {
                        result.SegmentEnds.Add(wire.Length);
                        result.LineText = text.ToArray();
                        return result;
                    }
                    if (!TryLiteralHeader(wire, i, end, out int length, out bool nonSync))
                        throw new Xunit.Sdk.XunitException("CRLF at " + end + " does not follow a literal header.");
                    i = end + 2;
                    if (!nonSync)
                    {
                        result.SynchronisingLiterals++;
                        result.SegmentEnds.Add(i);
                    }
                    i += length;
                    text.Add((byte)'L');
                    if (i > wire.Length) throw new Xunit.Sdk.XunitException("Literal longer than the command.");
                }
            }

            private static bool TryLiteralHeader(byte[] wire, int lineStart, int lineEnd, out int length, out bool nonSync)
            {
                length = 0;
                nonSync = false;
                int j = lineEnd - 1;
                if (j < lineStart || wire[j] != '}') return false;
                j--;
                if (j >= lineStart && wire[j] == '+') { nonSync = true; j--; }
                int digitsEnd = j + 1;
                while (j >= lineStart && wire[j] >= '0' && wire[j] <= '9') j--;
                if (j < lineStart || wire[j] != '{' || j + 1 == digitsEnd) return false;
                length = int.Parse(Encoding.ASCII.GetString(wire, j + 1, digitsEnd - j - 1), System.Globalization.CultureInfo.InvariantCulture);
                return true;
            }

            /// <summary>Splits a command made of atoms, quoted strings and literals into decoded tokens.</summary>
            public static List<byte[]> Tokenize(byte[] wire)
            {
                Parse(wire); // framing first
                var tokens = new List<byte[]>();
                int i = 0;
                while (true)
                {
                    if (wire[i] == '"')
                    {
                        var value = new List<byte>();
                        i++;
                        while (true)
                        {
                            byte b = wire[i++];
                            if (b == '"') break;
                            if (b == '\\')
                            {
                                byte escaped = wire[i++];
                                if (escaped != '"' && escaped != '\\') throw new Xunit.Sdk.XunitException("Invalid escape in a quoted string.");
                                value.Add(escaped);
                            }
                            else value.Add(b);
                        }
                        tokens.Add(value.ToArray());
                    }
                    else if (wire[i] == '{')
                    {
                        int close = Array.IndexOf(wire, (byte)'}', i);
                        string header = Encoding.ASCII.GetString(wire, i + 1, close - i - 1).TrimEnd('+');
                        int length = int.Parse(header, System.Globalization.CultureInfo.InvariantCulture);
                        i = close + 3;
                        tokens.Add(wire.Skip(i).Take(length).ToArray());
                        i += length;
                    }
                    else
                    {
                        int start = i;
                        while (wire[i] != ' ' && wire[i] != '\r') i++;
                        tokens.Add(wire.Skip(start).Take(i - start).ToArray());
                    }
                    if (wire[i] == ' ') { i++; continue; }
                    if (i + 2 == wire.Length && wire[i] == '\r' && wire[i + 1] == '\n') return tokens;
                    throw new Xunit.Sdk.XunitException("Unexpected byte " + wire[i] + " at " + i + ".");
                }
            }
        }
    }
}
