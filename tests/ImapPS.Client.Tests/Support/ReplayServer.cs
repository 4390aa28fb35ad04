using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace ImapPS.Client.Tests.Support
{
    /// <summary>How strictly the replay server compares what the client sent with the recorded client text.</summary>
    public enum ReplayMatch
    {
        /// <summary>No comparison: the client may phrase every command its own way.</summary>
        None,

        /// <summary>Tagged commands must have the recorded command name (<c>UID FETCH</c>, <c>LOGIN</c>, ...). Default.</summary>
        CommandName,

        /// <summary>Byte-exact (apart from the tag) for steps whose client text is fixed; dynamic steps compare the prefix.</summary>
        Exact,
    }

    /// <summary>Settings of <see cref="ReplayServer"/>.</summary>
    public sealed class ReplayOptions
    {
        /// <summary>Comparison of client commands with the recording. Default <see cref="ReplayMatch.CommandName"/>.</summary>
        public ReplayMatch Match { get; set; } = ReplayMatch.CommandName;

        /// <summary>Continuation sent when the client waits on a synchronising literal that the recording sent non-synchronising.</summary>
        public string SyntheticContinuation { get; set; } = "+ go ahead\r\n";

        /// <summary>Close the connection gracefully after the last step (as servers do after LOGOUT). Default true.</summary>
        public bool CloseAfterLastStep { get; set; } = true;

        /// <summary>Switch both directions to raw DEFLATE after a COMPRESS command answered with a tagged OK. Default true.</summary>
        public bool HandleCompression { get; set; } = true;
    }

    /// <summary>The client sent something that does not match the recording.</summary>
    public sealed class ReplayMismatchException : Exception
    {
        /// <summary>Creates the exception.</summary>
        public ReplayMismatchException(string session, int step, string expected, string actual)
            : base($"{session} step {step}: expected {Show(expected)}, client sent {Show(actual)}")
        {
            Session = session;
            Step = step;
            Expected = expected;
            Actual = actual;
        }

        /// <summary>Session path.</summary>
        public string Session { get; }

        /// <summary>Step index.</summary>
        public int Step { get; }

        /// <summary>What the recording expected (ISO-8859-1 text).</summary>
        public string Expected { get; }

        /// <summary>What the client sent (ISO-8859-1 text).</summary>
        public string Actual { get; }

        private static string Show(string text)
        {
            var escaped = text.Replace("\r", "\\r").Replace("\n", "\\n");
            return "\"" + (escaped.Length <= 200 ? escaped : escaped.Substring(0, 197) + "...") + "\"";
        }
    }

    /// <summary>
    /// Replays a <see cref="ReplaySession"/> of the transcript corpus as a server on a <see cref="ScriptedImapServer"/>:
    /// for each step it reads the client's command (with its literals), compares it loosely with the recording,
    /// then sends the recorded reply with the client's actual tag in place of the recorded one, so clients with
    /// another tag scheme work. Literal handling: when the client ends a line with a synchronising <c>{n}</c> and the
    /// recording answers with a continuation, that continuation is sent and the literal becomes the start of the next
    /// step; when the recording has no continuation there, <see cref="ReplayOptions.SyntheticContinuation"/> is sent and
    /// the whole command is read in this step. When the client sends a non-synchronising literal where MailKit sent a
    /// synchronising one, the recorded continuation is skipped and the next step's reply answers. After a COMPRESS
    /// command answered OK, both directions become raw DEFLATE (RFC 4978).
    /// </summary>
    public static class ReplayServer
    {
        /// <summary>Starts a server whose first connection replays <paramref name="session"/>.</summary>
        public static ScriptedImapServer Start(ReplaySession session, ReplayOptions? replayOptions = null, ScriptedServerOptions? serverOptions = null)
            => ScriptedImapServer.Start(serverOptions ?? new ScriptedServerOptions(), CreateScript(session, replayOptions));

        /// <summary>A script that replays <paramref name="session"/> (progress in <see cref="ServerConnection.StepsCompleted"/> counts replay steps).</summary>
        public static ServerScript CreateScript(ReplaySession session, ReplayOptions? options = null)
        {
            if (session == null) throw new ArgumentNullException(nameof(session));
            var o = options ?? new ReplayOptions();
            return new ServerScript().Do((connection, token) => ReplayAsync(session, o, connection, token), "replay " + session.RelativePath, countsOwnProgress: true);
        }

        private static async Task ReplayAsync(ReplaySession session, ReplayOptions options, ServerConnection connection, CancellationToken token)
        {
            var steps = session.Steps;
            var actualTags = new Dictionary<string, string>(StringComparer.Ordinal);
            string? lastActualTag = null;
            long pendingLiteral = -1;

            for (var i = 0; i < steps.Count; i++)
            {
                var step = steps[i];
                var what = $"{session.RelativePath} step {i}";
                if (step.IsGreeting)
                {
                    await connection.WithTimeoutAsync(what, t => connection.WriteAsync(step.ServerBytesFor(TranscriptLibrary.FixedTag), t)).ConfigureAwait(false);
                    connection.IncrementSteps();
                    continue;
                }

                var literalBefore = pendingLiteral;
                var (segment, awaiting) = await connection.WithTimeoutAsync(what, t => ReadSegmentAsync(connection, literalBefore, t)).ConfigureAwait(false);
                pendingLiteral = -1;
                var firstLine = FirstLine(segment);

                if (step.CommandTag != null)
                {
                    var actual = ImapWire.FirstToken(firstLine);
                    actualTags[step.CommandTag] = actual;
                    lastActualTag = actual;
                }
                Check(session, step, options.Match, segment, firstLine, lastActualTag);

                if (awaiting >= 0 && !step.ServerIsContinuation)
                {
                    // The client waits for a continuation the recording does not have here.
                    while (awaiting >= 0)
                    {
                        await connection.WithTimeoutAsync(what, t => connection.WriteAsync(Encoding.ASCII.GetBytes(options.SyntheticContinuation), t)).ConfigureAwait(false);
                        var literal = awaiting;
                        (_, awaiting) = await connection.WithTimeoutAsync(what, t => ReadSegmentAsync(connection, literal, t)).ConfigureAwait(false);
                    }
                }
                else if (awaiting >= 0)
                {
                    pendingLiteral = awaiting;
                }
                else if (step.ServerIsContinuation && RecordedClientAwaitsLiteralContinuation(step) && i + 1 < steps.Count)
                {
                    // The client sent the literal without waiting; the recorded continuation is not wanted.
                    connection.IncrementSteps();
                    step = steps[++i];
                }

                var replyTag = step.RecordedTag != null && actualTags.TryGetValue(step.RecordedTag, out var mapped)
                    ? mapped
                    : lastActualTag ?? TranscriptLibrary.FixedTag;
                var reply = step.ServerBytesFor(replyTag);
                await connection.WithTimeoutAsync(what, t => connection.WriteAsync(reply, t)).ConfigureAwait(false);

                if (options.HandleCompression && !connection.IsCompressed && step.CommandName == "COMPRESS" && IsTaggedOk(reply, replyTag))
                    connection.StartCompression();
                connection.IncrementSteps();
            }

            if (options.CloseAfterLastStep)
                await connection.CloseAsync(reset: false, token).ConfigureAwait(false);
        }

        /// <summary>
        /// Reads what the client sends for one step: first <paramref name="pendingLiteral"/> bytes of literal data when
        /// a literal was announced earlier, then lines and non-synchronising literals up to a line that ends the command
        /// (awaiting = -1) or announces a synchronising literal (awaiting = its length).
        /// </summary>
        private static async Task<(byte[] Segment, long Awaiting)> ReadSegmentAsync(ServerConnection connection, long pendingLiteral, CancellationToken token)
        {
            var segment = new MemoryStream();
            if (pendingLiteral >= 0)
            {
                var literal = await connection.ReadExactAsync(CheckedLength(pendingLiteral), token).ConfigureAwait(false);
                segment.Write(literal, 0, literal.Length);
            }
            while (true)
            {
                var line = await connection.ReadLineAsync(token).ConfigureAwait(false);
                segment.Write(line, 0, line.Length);
                if (!ImapWire.TryGetTrailingLiteral(line, out var length, out var synchronizing))
                    return (segment.ToArray(), -1);
                if (synchronizing)
                    return (segment.ToArray(), length);
                var data = await connection.ReadExactAsync(CheckedLength(length), token).ConfigureAwait(false);
                segment.Write(data, 0, data.Length);
            }
        }

        private static int CheckedLength(long length)
            => length <= int.MaxValue ? (int)length : throw new InvalidDataException($"Literal of {length} bytes is too large for the replay server.");

        private static void Check(ReplaySession session, ReplayStep step, ReplayMatch match, byte[] segment, string firstLine, string? actualTag)
        {
            switch (match)
            {
                case ReplayMatch.None:
                    return;

                case ReplayMatch.CommandName:
                    if (step.CommandName == null)
                        return;
                    var actualName = ImapWire.CommandName(firstLine);
                    if (!string.Equals(actualName, step.CommandName, StringComparison.OrdinalIgnoreCase))
                        throw new ReplayMismatchException(session.RelativePath, step.Index, "command " + step.CommandName, firstLine);
                    return;

                case ReplayMatch.Exact:
                    var recorded = step.IsDynamic ? step.ClientPrefixBytes : step.ClientBytes;
                    if (recorded == null)
                        return; // literal-only continuation of a dynamic command: its length may differ by design
                    var expected = step.CommandTag != null && actualTag != null
                        ? ImapWire.Latin1.GetBytes(actualTag + ImapWire.Latin1.GetString(recorded, step.CommandTag.Length, recorded.Length - step.CommandTag.Length))
                        : recorded;
                    var matches = step.IsDynamic
                        ? ImapWire.StartsWith(segment, 0, expected)
                        : segment.AsSpan().SequenceEqual(expected);
                    if (!matches)
                        throw new ReplayMismatchException(session.RelativePath, step.Index, ImapWire.Latin1.GetString(expected), ImapWire.Latin1.GetString(segment));
                    return;
            }
        }

        private static bool RecordedClientAwaitsLiteralContinuation(ReplayStep step)
            => ImapWire.TryGetTrailingLiteral(step.ClientWireBytes(), out _, out var synchronizing) && synchronizing;

        private static bool IsTaggedOk(byte[] reply, string tag)
        {
            var needle = ImapWire.Latin1.GetBytes(tag + " OK");
            for (var lineStart = 0; lineStart < reply.Length;)
            {
                if (ImapWire.StartsWith(reply, lineStart, needle))
                    return true;
                var lf = Array.IndexOf(reply, (byte)'\n', lineStart);
                if (lf < 0) break;
                lineStart = lf + 1;
            }
            return false;
        }

        private static string FirstLine(byte[] segment)
        {
            var lf = Array.IndexOf(segment, (byte)'\n');
            return ImapWire.Latin1.GetString(segment, 0, lf < 0 ? segment.Length : lf + 1);
        }
    }
}
