using System;
using System.IO;
using System.Linq;
using System.Text;
using ImapPS.Client.Tests.Support;

namespace ImapPS.Client.Tests.SupportTests
{
    public class TranscriptLibraryTests
    {
        private static TranscriptLibrary Library => TranscriptLibrary.RequireShared();

        [Fact]
        public void Corpus_location_is_the_shared_folder_beside_the_repository_or_absent()
        {
            var repoRoot = SharedCorpus.FindRepositoryRoot(AppContext.BaseDirectory);
            Assert.NotNull(repoRoot);
            Assert.True(File.Exists(Path.Combine(repoRoot!, "ImapPS.sln")));
            if (Environment.GetEnvironmentVariable(SharedCorpus.EnvironmentVariable) is null)
            {
                var expected = Path.Combine(Directory.GetParent(repoRoot!)!.FullName, "shared");
                Assert.Equal(Directory.Exists(Path.Combine(expected, "corpus")) ? expected : null, SharedCorpus.Root);
            }
            Assert.Equal(SharedCorpus.Root != null, SharedCorpus.Available);
            Assert.Equal(SharedCorpus.Available ? null : SharedCorpus.SkipReason, new CorpusFactAttribute().Skip);
        }

        [CorpusFact]
        public void Loads_all_400_MailKit_files_350_replies_and_50_messages()
        {
            Assert.Equal(350, Library.Replies.Count);
            Assert.Equal(50, Library.MailKitMessages.Count);
            Assert.Equal("imap-transcripts/common/message.0.msg", Library.MailKitMessages[0].RelativePath);
            Assert.Equal("imap-transcripts/common/message.49.msg", Library.MailKitMessages[49].RelativePath);
            Assert.Equal(19, Library.Replies.Select(r => r.Server).Distinct().Count());
        }

        [CorpusFact]
        public void Replies_are_CRLF_only_with_the_fixed_tag_and_every_literal_length_fits()
        {
            var placeholder = Encoding.ASCII.GetBytes(ImapWire.TagPlaceholder);
            var tagged = 0;
            var literals = 0;
            foreach (var reply in Library.Replies)
            {
                var bytes = reply.Bytes;
                Assert.NotEmpty(bytes);
                Assert.True(ImapWire.IndexOf(bytes, placeholder, 0) < 0, reply.RelativePath);
                for (var i = 0; i < bytes.Length; i++)
                {
                    if (bytes[i] == (byte)'\n')
                        Assert.True(i > 0 && bytes[i - 1] == (byte)'\r', $"{reply.RelativePath}: bare LF at {i}");
                }
                if (reply.HasTagPlaceholder)
                {
                    tagged++;
                    Assert.True(ImapWire.IndexOf(bytes, Encoding.ASCII.GetBytes(TranscriptLibrary.FixedTag + " "), 0) >= 0, reply.RelativePath);
                }
                literals += CheckLiterals(reply.RelativePath, bytes);
            }
            Assert.True(tagged > 250, $"only {tagged} replies carry a tag placeholder");
            Assert.True(literals >= 90, $"only {literals} literals found");
        }

        // After each "{N}\r\n" the N literal bytes must be followed by what can follow a literal in a reply:
        // ')' or ' ' (more FETCH items) or CRLF. A missed LF→CRLF conversion shifts this and fails.
        private static int CheckLiterals(string file, byte[] bytes)
        {
            var count = 0;
            for (var lf = Array.IndexOf(bytes, (byte)'\n'); lf >= 0; lf = Array.IndexOf(bytes, (byte)'\n', lf + 1))
            {
                var lineStart = lf;
                while (lineStart > 0 && bytes[lineStart - 1] != (byte)'\n') lineStart--;
                if (!ImapWire.TryGetTrailingLiteral(bytes.AsSpan(lineStart, lf + 1 - lineStart), out var length, out _))
                    continue;
                var after = lf + 1 + (int)length;
                Assert.True(after < bytes.Length, $"{file}: literal of {length} at {lf} runs past the end");
                Assert.True(bytes[after] == (byte)')' || bytes[after] == (byte)' ' || bytes[after] == (byte)'\r',
                    $"{file}: literal of {length} at {lf} is followed by '{(char)bytes[after]}'");
                count++;
                lf = after - 1;
            }
            return count;
        }

        [CorpusFact]
        public void Loads_all_132_sessions_and_every_step_has_a_sendable_reply()
        {
            var sessions = Library.Sessions;
            Assert.Equal(132, sessions.Count);
            Assert.Equal(11, sessions.Count(s => !s.RelativePath.StartsWith("sessions/", StringComparison.Ordinal)));
            var placeholder = Encoding.ASCII.GetBytes(ImapWire.TagPlaceholder);
            foreach (var session in sessions)
            {
                Assert.NotEmpty(session.Steps);
                Assert.True(session.Steps[0].IsGreeting, session.RelativePath);
                foreach (var step in session.Steps)
                {
                    var reply = step.ServerBytesFor("zz9");
                    Assert.NotEmpty(reply);
                    Assert.True(ImapWire.IndexOf(reply, placeholder, 0) < 0, $"{session} {step}");
                    if (!step.IsGreeting)
                        Assert.True(step.RecordedTag != null || step.ServerIsContinuation, $"{session} {step}: no tag for the reply");
                    Assert.True(step.IsGreeting || step.ClientWireBytes().Length > 0, $"{session} {step}: no client bytes");
                }
            }
            Assert.Equal(1, sessions.Count(s => s.UsesCompression));
        }

        [CorpusFact]
        public void Session_steps_expose_client_text_tags_and_reply_bytes()
        {
            var exchange = Library.LoadSession("exchange/session.json");
            Assert.Equal(10, exchange.Steps.Count);
            var capability = exchange.Steps[1];
            Assert.Equal("A00000000 CAPABILITY\r\n", capability.Client);
            Assert.Equal("A00000000", capability.CommandTag);
            Assert.Equal("CAPABILITY", capability.CommandName);
            Assert.EndsWith("A00000000 OK CAPABILITY completed.\r\n", Encoding.ASCII.GetString(capability.ServerBytes));
            Assert.EndsWith("x5 OK CAPABILITY completed.\r\n", Encoding.ASCII.GetString(capability.ServerBytesFor("x5")));
            var inline = exchange.Steps[2];
            Assert.Equal("x7 OK AUTHENTICATE completed\r\n", Encoding.ASCII.GetString(inline.ServerBytesFor("x7")));
            Assert.Equal("UID MOVE", exchange.Steps[8].CommandName);

            var gmail = Library.LoadSession("gmail/session.json");
            var syncAppend = gmail.Steps.First(s => s.IsDynamic && s.ClientPrefix != null && s.ClientLiteral != null && s.ClientSuffix == null);
            Assert.True(syncAppend.ServerIsContinuation);
            Assert.EndsWith("{" + syncAppend.ClientLiteral!.Length + "}\r\n", Encoding.ASCII.GetString(syncAppend.ClientWireBytes()));
            var literalOnly = gmail.Steps[syncAppend.Index + 1];
            Assert.Null(literalOnly.ClientPrefix);
            Assert.Equal(syncAppend.ClientLiteral, literalOnly.ClientLiteral);
            Assert.Equal(syncAppend.Tag, literalOnly.Tag);
            var nonSync = gmail.Steps.First(s => s.IsDynamic && s.ClientPrefix != null && s.ClientSuffix != null);
            Assert.Contains("{" + nonSync.ClientLiteral!.Length + "+}\r\n", ImapWire.Latin1.GetString(nonSync.ClientWireBytes()));

            var idle = Library.LoadSession("gmail/session.idle.json");
            var done = idle.Steps.Single(s => s.Client == "DONE\r\n");
            Assert.Null(done.CommandTag);
            Assert.Equal(done.Tag, done.RecordedTag);

            var compress = Library.LoadSession("sessions/ImapClientTests.CreateCompressCommands.json");
            Assert.Equal("COMPRESS", compress.Steps[6].CommandName);
            Assert.False(compress.Steps[6].Compressed);
            Assert.True(compress.Steps[7].Compressed);
        }

        [CorpusFact]
        public void Loads_183_single_MIME_messages_and_193_ruby_responses()
        {
            var messages = TranscriptLibrary.MimeMessages();
            Assert.Equal(183, messages.Count);
            Assert.Equal(48, messages.Count(m => m.Source == "mimekit"));
            Assert.Equal(103, messages.Count(m => m.Source == "ruby-mail"));
            Assert.Equal(32, messages.Count(m => m.Source == "mime4j"));
            Assert.DoesNotContain(messages, m => m.RelativePath.Contains("/mbox/"));
            Assert.All(messages, m => Assert.NotEmpty(m.ReadBytes()));

            var responses = TranscriptLibrary.RubyResponses();
            Assert.Equal(193, responses.Count);
            Assert.Equal(2, responses.Count(r => r.ExpectParseFailure));
            Assert.All(responses, r => Assert.True(r.Bytes.Length >= 2 && r.Bytes[^2] == '\r' && r.Bytes[^1] == '\n', r.Name));
            var utf8 = responses.Single(r => r.Name == "test_utf8_in_resp_text");
            Assert.Contains("«α-ω»", Encoding.UTF8.GetString(utf8.Bytes));
        }

        [Fact]
        public void LfToCrlf_converts_only_bare_LF()
        {
            Assert.Equal("a\r\nb\r\n\r\nc", Encoding.ASCII.GetString(ImapWire.LfToCrlf(Encoding.ASCII.GetBytes("a\nb\r\n\nc"))));
            Assert.Equal("\r\n", Encoding.ASCII.GetString(ImapWire.LfToCrlf(Encoding.ASCII.GetBytes("\n"))));
        }

        [Theory]
        [InlineData("a1 LOGIN {5}\r\n", true, 5L, true)]
        [InlineData("a1 LOGIN {12+}\r\n", true, 12L, false)]
        [InlineData("a1 LOGIN {7-}\r\n", true, 7L, false)]
        [InlineData("a1 LOGIN {}\r\n", false, 0L, false)]
        [InlineData("a1 LOGIN x}\r\n", false, 0L, false)]
        [InlineData("a1 NOOP\r\n", false, 0L, false)]
        public void TryGetTrailingLiteral_recognises_literal_markers(string line, bool found, long length, bool synchronizing)
        {
            Assert.Equal(found, ImapWire.TryGetTrailingLiteral(Encoding.ASCII.GetBytes(line), out var actualLength, out var actualSync));
            if (found)
            {
                Assert.Equal(length, actualLength);
                Assert.Equal(synchronizing, actualSync);
            }
        }
    }
}
