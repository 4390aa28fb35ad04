using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using ImapPS.Client.Tests.Support;

namespace ImapPS.Client.Tests.SupportTests
{
    public class ReplayServerTests
    {
        private static TranscriptLibrary Library => TranscriptLibrary.RequireShared();

        /// <summary>Our own tag scheme: A00000005 becomes c5, so every reply must carry substituted tags.</summary>
        private static string OurTag(string recorded) => "c" + int.Parse(recorded.Substring(1), CultureInfo.InvariantCulture);

        public static IEnumerable<object[]> ReplayableSessions()
            => (TranscriptLibrary.Shared?.Sessions ?? (IReadOnlyList<ReplaySession>)Array.Empty<ReplaySession>())
                // A prefix without literal is a MULTIAPPEND MailKit generated at run time: it cannot be re-sent.
                .Where(s => !s.Steps.Any(step => step.IsDynamic && step.ClientLiteral == null))
                .Select(s => new object[] { s.RelativePath });

        [CorpusFact]
        public async Task Exchange_session_replays_to_the_end_for_a_client_with_another_tag_scheme()
        {
            var session = Library.LoadSession("exchange/session.json");
            await using var server = ReplayServer.Start(session, new ReplayOptions { Match = ReplayMatch.Exact });
            await using var client = await RawImapClient.ConnectAsync(server);

            await DriveAsync(client, session);

            await server.WaitForCompletionAsync();
            var connection = server.Connections[0];
            Assert.Equal(session.Steps.Count, connection.StepsCompleted);
            Assert.StartsWith("c0 CAPABILITY\r\nc1 AUTHENTICATE PLAIN", connection.ReceivedText);
            Assert.EndsWith("c8 LOGOUT\r\n", connection.ReceivedText);
        }

        [CorpusTheory]
        [MemberData(nameof(ReplayableSessions))]
        public async Task Every_replayable_session_replays_byte_exact(string relativePath)
        {
            var session = Library.LoadSession(relativePath);
            await using var server = ReplayServer.Start(session, new ReplayOptions { Match = ReplayMatch.Exact });
            await using var client = await RawImapClient.ConnectAsync(server);

            await DriveAsync(client, session);

            await server.WaitForCompletionAsync();
            Assert.Equal(session.Steps.Count, server.Connections[0].StepsCompleted);
        }

        [CorpusFact]
        public async Task Compress_session_switches_both_directions_to_deflate_after_the_OK()
        {
            var session = Library.LoadSession("sessions/ImapClientTests.CreateCompressCommands.json");
            await using var server = ReplayServer.Start(session);
            await using var client = await RawImapClient.ConnectAsync(server);

            await DriveAsync(client, session);

            await server.WaitForCompletionAsync();
            Assert.True(server.Connections[0].IsCompressed);
            Assert.EndsWith("c12 LOGOUT\r\n", server.Connections[0].ReceivedText);
        }

        [CorpusFact]
        public async Task A_synchronising_literal_where_the_recording_had_a_non_synchronising_one_gets_a_synthetic_continuation()
        {
            var session = Library.LoadSession("sessions/ImapClientTests.CreateIdentifyCommands.json");
            var idStep = session.Steps.Single(s => s.Client != null && s.Client.Contains("{35+}"));
            await using var server = ReplayServer.Start(session);
            await using var client = await RawImapClient.ConnectAsync(server);

            await DriveAsync(client, session, stopBefore: idStep.Index);
            var parts = idStep.Client!.Replace("A00000006", "c6").Split("{35+}\r\n");
            await client.WriteAsync(parts[0] + "{35}\r\n");
            Assert.Equal("+ go ahead\r\n", await client.ReadLineAsync());
            await client.WriteAsync(parts[1]);
            await ExpectReplyAsync(client, idStep, "c6");
            await DriveAsync(client, session, startAt: idStep.Index + 1);

            await server.WaitForCompletionAsync();
        }

        [CorpusFact]
        public async Task A_non_synchronising_literal_where_the_recording_waited_for_a_continuation_skips_that_continuation()
        {
            var session = Library.LoadSession("sessions/ImapClientTests.CreateSendingStringsAsLiteralsCommands.json");
            var idStep = session.Steps.Single(s => s.Client != null && s.Client.EndsWith("{35}\r\n"));
            var literalStep = session.Steps[idStep.Index + 1];
            await using var server = ReplayServer.Start(session);
            await using var client = await RawImapClient.ConnectAsync(server);

            await DriveAsync(client, session, stopBefore: idStep.Index);
            await client.WriteAsync(idStep.Client!.Replace("A00000006", "c6").Replace("{35}", "{35+}") + literalStep.Client);
            await ExpectReplyAsync(client, literalStep, "c6");
            await DriveAsync(client, session, startAt: literalStep.Index + 1);

            await server.WaitForCompletionAsync();
            Assert.Equal(session.Steps.Count, server.Connections[0].StepsCompleted);
        }

        [CorpusFact]
        public async Task CommandName_matching_accepts_other_phrasing_of_the_same_command()
        {
            var session = Library.LoadSession("exchange/session.json");
            var list = session.Steps.First(s => s.CommandName == "LIST");
            await using var server = ReplayServer.Start(session);
            await using var client = await RawImapClient.ConnectAsync(server);

            await DriveAsync(client, session, stopBefore: list.Index);
            await client.WriteAsync("c4 list \"\" INBOX\r\n");
            await ExpectReplyAsync(client, list, "c4");
            await DriveAsync(client, session, startAt: list.Index + 1);

            await server.WaitForCompletionAsync();
        }

        [CorpusFact]
        public async Task A_different_command_is_a_recorded_mismatch_and_ends_the_connection()
        {
            var session = Library.LoadSession("exchange/session.json");
            await using var server = ReplayServer.Start(session);
            await using var client = await RawImapClient.ConnectAsync(server);

            await DriveAsync(client, session, stopBefore: 1);
            await client.WriteAsync("c0 NOOP\r\n");

            Assert.Equal(0, await client.ReadToEndAsync());
            await Assert.ThrowsAsync<AggregateException>(() => server.WaitForCompletionAsync());
            var mismatch = Assert.IsType<ReplayMismatchException>(Assert.Single(server.Errors).InnerException);
            Assert.Equal(1, mismatch.Step);
            Assert.Contains("CAPABILITY", mismatch.Expected);
            Assert.Contains("c0 NOOP", mismatch.Actual);
        }

        [CorpusFact]
        public async Task Exact_matching_rejects_a_byte_difference_that_CommandName_matching_accepts()
        {
            var session = Library.LoadSession("exchange/session.json");
            await using var server = ReplayServer.Start(session, new ReplayOptions { Match = ReplayMatch.Exact });
            await using var client = await RawImapClient.ConnectAsync(server);

            await DriveAsync(client, session, stopBefore: 1);
            await client.WriteAsync("c0 capability\r\n");

            Assert.Equal(0, await client.ReadToEndAsync());
            var mismatch = Assert.IsType<ReplayMismatchException>(Assert.Single(server.Errors).InnerException);
            Assert.Equal("\"c0 CAPABILITY\\r\\n\"", mismatch.Message.Split("expected ")[1].Split(", client")[0]);
        }

        /// <summary>
        /// Plays MailKit's side of <paramref name="session"/> from <paramref name="startAt"/> up to (not including)
        /// <paramref name="stopBefore"/> with <see cref="OurTag"/> tags, checking every reply byte for byte.
        /// After the last step it expects the server to close the connection.
        /// </summary>
        private static async Task DriveAsync(RawImapClient client, ReplaySession session, int startAt = 0, int? stopBefore = null)
        {
            var end = stopBefore ?? session.Steps.Count;
            for (var i = startAt; i < end; i++)
            {
                var step = session.Steps[i];
                if (step.IsGreeting)
                {
                    await ExpectReplyAsync(client, step, TranscriptLibrary.FixedTag);
                    continue;
                }
                var wire = step.ClientWireBytes();
                if (step.CommandTag != null)
                    wire = ImapWire.Latin1.GetBytes(OurTag(step.CommandTag) + ImapWire.Latin1.GetString(wire, step.CommandTag.Length, wire.Length - step.CommandTag.Length));
                await client.WriteAsync(wire);
                var replyTag = OurTag(step.RecordedTag ?? TranscriptLibrary.FixedTag);
                await ExpectReplyAsync(client, step, replyTag);
                if (step.CommandName == "COMPRESS" && !session.Steps[i].Compressed && i + 1 < session.Steps.Count && session.Steps[i + 1].Compressed)
                    client.StartCompression();
            }
            if (stopBefore == null)
                Assert.Equal(0, await client.ReadToEndAsync());
        }

        private static async Task ExpectReplyAsync(RawImapClient client, ReplayStep step, string tag)
        {
            var expected = step.ServerBytesFor(tag);
            var actual = await client.ReadExactAsync(expected.Length);
            if (!expected.AsSpan().SequenceEqual(actual))
                Assert.Equal(ImapWire.Latin1.GetString(expected), ImapWire.Latin1.GetString(actual));
        }
    }
}
