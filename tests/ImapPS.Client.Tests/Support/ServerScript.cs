using System;
using System.Collections.Generic;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace ImapPS.Client.Tests.Support
{
    /// <summary>
    /// The steps one accepted connection of a <see cref="ScriptedImapServer"/> runs, in order. Built fluently:
    /// <code>
    /// new ServerScript()
    ///     .Send("* OK ready\r\n")
    ///     .ExpectCommand("LOGIN")
    ///     .ReplyTagged("OK LOGIN completed")
    ///     .Stall();
    /// </code>
    /// Every step that waits (for client data, for TLS, for a test gate) is bounded by
    /// <see cref="ScriptedServerOptions.StepTimeout"/> unless it is documented to wait for disposal.
    /// Text sent with <see cref="Send(string, bool, Encoding?)"/> may use <c>{tag}</c> for the last captured client tag.
    /// </summary>
    public sealed class ServerScript
    {
        private readonly List<ScriptStep> _steps = new List<ScriptStep>();
        private SendModifier? _pendingModifier;
        private bool _terminated;
        private bool _writesHeld;

        /// <summary>The steps built so far.</summary>
        internal IReadOnlyList<ScriptStep> Steps
        {
            get
            {
                if (_pendingModifier != null)
                    throw new InvalidOperationException($"{_pendingModifier.Description} must be followed by a Send step.");
                if (_writesHeld)
                    throw new InvalidOperationException("HoldWrites must be followed by ReleaseWrites.");
                return _steps;
            }
        }

        /// <summary>True when the first step is <see cref="TlsHandshakeStall"/>: the server skips implicit TLS for this connection.</summary>
        internal bool StartsWithTlsStall => _steps.Count > 0 && _steps[0].Kind == StepKind.TlsHandshakeStall;

        /// <summary>Number of steps.</summary>
        public int Count => _steps.Count;

        /// <summary>Sends <paramref name="text"/> (UTF-8 unless <paramref name="encoding"/> is given), with <c>{tag}</c> replaced by the last captured tag.</summary>
        /// <param name="text">The text; not terminated automatically.</param>
        /// <param name="lfToCrlf">Convert bare LF to CRLF first (handy with verbatim strings).</param>
        /// <param name="encoding">Text encoding; UTF-8 by default. Use <see cref="Send(byte[], bool, bool)"/> for arbitrary bytes.</param>
        public ServerScript Send(string text, bool lfToCrlf = false, Encoding? encoding = null)
        {
            if (text == null) throw new ArgumentNullException(nameof(text));
            var enc = encoding ?? Encoding.UTF8;
            return AddSend("Send \"" + Abbreviate(text) + "\"", connection =>
            {
                var expanded = text;
                if (expanded.IndexOf("{tag}", StringComparison.Ordinal) >= 0)
                    expanded = expanded.Replace("{tag}", connection.LastTag ?? throw new InvalidOperationException("{tag} used before any client tag was captured."));
                var bytes = enc.GetBytes(expanded);
                return lfToCrlf ? ImapWire.LfToCrlf(bytes) : bytes;
            });
        }

        /// <summary>Sends raw bytes.</summary>
        /// <param name="bytes">The bytes.</param>
        /// <param name="lfToCrlf">Convert bare LF to CRLF first.</param>
        /// <param name="substituteTagPlaceholder">Replace <see cref="ImapWire.TagPlaceholder"/> with the last captured tag (for corpus reply files).</param>
        public ServerScript Send(byte[] bytes, bool lfToCrlf = false, bool substituteTagPlaceholder = false)
        {
            if (bytes == null) throw new ArgumentNullException(nameof(bytes));
            var copy = (byte[])bytes.Clone();
            return AddSend($"Send {copy.Length} bytes", connection =>
            {
                var data = lfToCrlf ? ImapWire.LfToCrlf(copy) : copy;
                if (substituteTagPlaceholder)
                    data = ImapWire.Replace(data, ImapWire.TagPlaceholder, connection.LastTag ?? throw new InvalidOperationException("Tag placeholder used before any client tag was captured."));
                return data;
            });
        }

        /// <summary>Sends <c>"{tag} " + <paramref name="statusAndText"/> + CRLF</c>, e.g. <c>ReplyTagged("OK LOGIN completed")</c>.</summary>
        public ServerScript ReplyTagged(string statusAndText)
            => AddSend("ReplyTagged \"" + Abbreviate(statusAndText) + "\"", connection =>
                Encoding.UTF8.GetBytes((connection.LastTag ?? throw new InvalidOperationException("ReplyTagged before any client tag was captured."))
                    + " " + statusAndText + "\r\n"));

        /// <summary>
        /// Reads one CRLF-terminated line (no literal handling) and fails unless <paramref name="predicate"/>
        /// accepts it (the line is passed without its CRLF, decoded as ISO-8859-1). When <paramref name="captureTag"/>,
        /// the line's first token becomes the tag for later <c>{tag}</c> / <see cref="ReplyTagged"/>.
        /// </summary>
        public ServerScript ExpectLine(Func<string, bool> predicate, string? description = null, bool captureTag = true)
        {
            if (predicate == null) throw new ArgumentNullException(nameof(predicate));
            return Add(new ScriptStep(StepKind.ExpectLine, "ExpectLine " + (description ?? "(predicate)")) { LinePredicate = predicate, CaptureTag = captureTag });
        }

        /// <summary>
        /// Reads one CRLF-terminated line and fails unless its command name (the word after the tag, plus the
        /// sub-command after <c>UID</c>) is <paramref name="commandNameOrLine"/>, case-insensitively; the tag is captured.
        /// A line that is exactly <paramref name="commandNameOrLine"/> (such as <c>DONE</c>) also matches, without capturing.
        /// </summary>
        public ServerScript ExpectLine(string commandNameOrLine)
        {
            if (commandNameOrLine == null) throw new ArgumentNullException(nameof(commandNameOrLine));
            return Add(new ScriptStep(StepKind.ExpectLine, "ExpectLine " + commandNameOrLine) { ExpectedName = commandNameOrLine, CaptureTag = true });
        }

        /// <summary>
        /// Reads one whole command, including its literals: for a synchronising literal <c>{n}</c> the server
        /// sends <paramref name="continuation"/> and then reads the n bytes; a non-synchronising <c>{n+}</c> is just read.
        /// Fails unless the command name is <paramref name="commandName"/> (any command when null). Captures the tag;
        /// the command is available as <see cref="ServerConnection.LastCommand"/>.
        /// </summary>
        public ServerScript ExpectCommand(string? commandName = null, string continuation = "+ Ready for literal data\r\n")
            => Add(new ScriptStep(StepKind.ExpectCommand, "ExpectCommand " + (commandName ?? "(any)")) { ExpectedName = commandName, Continuation = continuation, CaptureTag = true });

        /// <summary>Reads exactly <paramref name="count"/> bytes (e.g. literal data), optionally checking them.</summary>
        public ServerScript ExpectBytes(int count, Func<byte[], bool>? check = null)
        {
            if (count < 0) throw new ArgumentOutOfRangeException(nameof(count));
            return Add(new ScriptStep(StepKind.ExpectBytes, $"ExpectBytes {count}") { Count = count, BytesCheck = check });
        }

        /// <summary>Waits (bounded by the step timeout) for the client to close its side; fails if the client sends anything first.</summary>
        public ServerScript ExpectEof()
            => Add(new ScriptStep(StepKind.ExpectEof, "ExpectEof"));

        /// <summary>
        /// Never answers again: the connection stays open until the client closes it or the server is disposed.
        /// When <paramref name="readClientData"/> (default) the client's bytes are still read and logged;
        /// otherwise nothing is read, so a client that keeps writing eventually blocks on full socket buffers.
        /// Terminal: no step may follow.
        /// </summary>
        public ServerScript Stall(bool readClientData = true)
            => AddTerminal(new ScriptStep(StepKind.Stall, readClientData ? "Stall" : "Stall (not reading)") { ReadWhileStalled = readClientData });

        /// <summary>Closes the connection now: graceful (TLS close_notify, then FIN) or, with <paramref name="reset"/>, an RST. Terminal.</summary>
        public ServerScript Drop(bool reset = false)
            => AddTerminal(new ScriptStep(StepKind.Drop, reset ? "Drop (reset)" : "Drop") { Reset = reset });

        /// <summary>
        /// Modifies the next Send / SendGarbage: only its first <paramref name="byteCount"/> bytes are sent, then the
        /// connection is closed gracefully, so the client reads exactly that many bytes and then end-of-stream. Terminal after that Send.
        /// </summary>
        public ServerScript DropAfterBytes(long byteCount)
        {
            if (byteCount < 0) throw new ArgumentOutOfRangeException(nameof(byteCount));
            return SetModifier(new SendModifier($"DropAfterBytes({byteCount})") { DropAfter = byteCount });
        }

        /// <summary>Modifies the next Send: it goes out one byte at a time, <paramref name="delay"/> (default 1 ms) apart.</summary>
        public ServerScript Trickle(TimeSpan? delay = null)
            => SetModifier(new SendModifier("Trickle") { TrickleDelay = delay ?? TimeSpan.FromMilliseconds(1) });

        /// <summary>
        /// Streams <paramref name="length"/> bytes of letters in 64 KiB chunks (nothing is allocated per byte, so
        /// 100 MB and more are fine). By default the garbage is cut into 78-letter lines ending in CRLF; with
        /// <paramref name="withoutNewline"/> it is one endless line. The client giving up (closing) ends the script without error.
        /// </summary>
        public ServerScript SendGarbage(long length, bool withoutNewline = false)
        {
            if (length < 0) throw new ArgumentOutOfRangeException(nameof(length));
            var step = new ScriptStep(StepKind.SendGarbage, $"SendGarbage {length}{(withoutNewline ? " (no newline)" : "")}") { GarbageLength = length, GarbageWithoutNewline = withoutNewline };
            return AttachModifier(step);
        }

        /// <summary>
        /// Accepts the TCP connection but never takes part in TLS: the client's handshake bytes are read and logged,
        /// nothing is answered until the client gives up or the server is disposed. Must be the only step; on a TLS
        /// server it replaces the implicit handshake for this connection.
        /// </summary>
        public ServerScript TlsHandshakeStall()
        {
            if (_steps.Count > 0)
                throw new InvalidOperationException("TlsHandshakeStall must be the first step.");
            return AddTerminal(new ScriptStep(StepKind.TlsHandshakeStall, "TlsHandshakeStall"));
        }

        /// <summary>
        /// Performs the server side of a TLS handshake now (after replying OK to STARTTLS) with
        /// <see cref="ScriptedServerOptions.Certificate"/>. Fails if the client sent bytes after STARTTLS before the handshake.
        /// </summary>
        public ServerScript StartTls()
        {
            if (_writesHeld)
                throw new InvalidOperationException("StartTls cannot run while writes are held: release them first.");
            return Add(new ScriptStep(StepKind.StartTls, "StartTls"));
        }

        /// <summary>From now on both directions are raw DEFLATE (RFC 4978), as after a successful COMPRESS DEFLATE.</summary>
        public ServerScript StartCompression()
            => Add(new ScriptStep(StepKind.StartCompression, "StartCompression"));

        /// <summary>
        /// From now on the steps' output (plain, or DEFLATE after <see cref="StartCompression"/>) is kept instead of
        /// sent, until <see cref="ReleaseWrites"/> sends it all in one socket write: for data that must arrive in the
        /// same read as an earlier response, such as compressed bytes right behind COMPRESS's OK.
        /// </summary>
        public ServerScript HoldWrites()
        {
            if (_writesHeld)
                throw new InvalidOperationException("Writes are already held.");
            Add(new ScriptStep(StepKind.HoldWrites, "HoldWrites"));
            _writesHeld = true;
            return this;
        }

        /// <summary>Sends everything kept since <see cref="HoldWrites"/> in one socket write.</summary>
        public ServerScript ReleaseWrites()
        {
            if (!_writesHeld)
                throw new InvalidOperationException("ReleaseWrites needs an earlier HoldWrites.");
            Add(new ScriptStep(StepKind.ReleaseWrites, "ReleaseWrites"));
            _writesHeld = false;
            return this;
        }

        /// <summary>Signals <see cref="ScriptedImapServer.WaitForCheckpointAsync"/> for <paramref name="name"/> when reached.</summary>
        public ServerScript Checkpoint(string name)
            => Add(new ScriptStep(StepKind.Checkpoint, "Checkpoint " + name) { Name = name ?? throw new ArgumentNullException(nameof(name)) });

        /// <summary>Waits for the test to complete <paramref name="gate"/> (bounded by the step timeout).</summary>
        public ServerScript WaitFor(Task gate)
            => Add(new ScriptStep(StepKind.WaitFor, "WaitFor gate") { Gate = gate ?? throw new ArgumentNullException(nameof(gate)) });

        /// <summary>
        /// Runs custom code against the connection. The token is cancelled when the server is disposed; the
        /// action has no step timeout of its own, so it must bound its waits (use <see cref="ServerConnection.WithTimeoutAsync(string, Func{CancellationToken, Task})"/>).
        /// </summary>
        public ServerScript Do(Func<ServerConnection, CancellationToken, Task> action, string? description = null)
            => Do(action, description, countsOwnProgress: false);

        internal ServerScript Do(Func<ServerConnection, CancellationToken, Task> action, string? description, bool countsOwnProgress)
            => Add(new ScriptStep(StepKind.Do, "Do " + (description ?? "(action)"))
            {
                Action = action ?? throw new ArgumentNullException(nameof(action)),
                CountsOwnProgress = countsOwnProgress,
            });

        private ServerScript AddSend(string description, Func<ServerConnection, byte[]> payload)
            => AttachModifier(new ScriptStep(StepKind.Send, description) { Payload = payload });

        private ServerScript AttachModifier(ScriptStep step)
        {
            var modifier = _pendingModifier;
            _pendingModifier = null;
            if (modifier != null)
            {
                if (modifier.TrickleDelay != null && step.Kind == StepKind.SendGarbage)
                    throw new InvalidOperationException("Trickle applies to Send, not SendGarbage.");
                step.Modifier = modifier;
                step.Description = modifier.Description + " " + step.Description;
                if (modifier.DropAfter != null)
                    return AddTerminal(step);
            }
            return Add(step);
        }

        private ServerScript SetModifier(SendModifier modifier)
        {
            if (_pendingModifier != null)
                throw new InvalidOperationException($"{_pendingModifier.Description} is already waiting for a Send step.");
            EnsureOpen();
            _pendingModifier = modifier;
            return this;
        }

        private ServerScript Add(ScriptStep step)
        {
            EnsureOpen();
            if (_pendingModifier != null)
                throw new InvalidOperationException($"{_pendingModifier.Description} must be followed by a Send step, not {step.Description}.");
            _steps.Add(step);
            return this;
        }

        private ServerScript AddTerminal(ScriptStep step)
        {
            if (_writesHeld)
                throw new InvalidOperationException($"{step.Description} would end the script while writes are held: ReleaseWrites first.");
            Add(step);
            _terminated = true;
            return this;
        }

        private void EnsureOpen()
        {
            if (_terminated)
                throw new InvalidOperationException($"No step can follow the terminal step '{_steps[_steps.Count - 1].Description}'.");
        }

        private static string Abbreviate(string text)
        {
            var escaped = text.Replace("\r", "\\r").Replace("\n", "\\n");
            return escaped.Length <= 60 ? escaped : escaped.Substring(0, 57) + "...";
        }
    }

    internal enum StepKind
    {
        Send,
        ExpectLine,
        ExpectCommand,
        ExpectBytes,
        ExpectEof,
        Stall,
        Drop,
        SendGarbage,
        TlsHandshakeStall,
        StartTls,
        StartCompression,
        HoldWrites,
        ReleaseWrites,
        Checkpoint,
        WaitFor,
        Do,
    }

    internal sealed class SendModifier
    {
        public SendModifier(string description) => Description = description;
        public string Description { get; }
        public long? DropAfter { get; set; }
        public TimeSpan? TrickleDelay { get; set; }
    }

    internal sealed class ScriptStep
    {
        public ScriptStep(StepKind kind, string description)
        {
            Kind = kind;
            Description = description;
        }

        public StepKind Kind { get; }
        public string Description { get; set; }
        public SendModifier? Modifier { get; set; }
        public Func<ServerConnection, byte[]>? Payload { get; set; }
        public Func<string, bool>? LinePredicate { get; set; }
        public string? ExpectedName { get; set; }
        public string Continuation { get; set; } = "+ Ready for literal data\r\n";
        public bool CaptureTag { get; set; }
        public int Count { get; set; }
        public Func<byte[], bool>? BytesCheck { get; set; }
        public bool ReadWhileStalled { get; set; } = true;
        public bool Reset { get; set; }
        public long GarbageLength { get; set; }
        public bool GarbageWithoutNewline { get; set; }
        public string? Name { get; set; }
        public Task? Gate { get; set; }
        public Func<ServerConnection, CancellationToken, Task>? Action { get; set; }
        public bool CountsOwnProgress { get; set; }
    }
}
