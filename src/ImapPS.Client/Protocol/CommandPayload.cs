using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace ImapPS.Client.Protocol
{
    /// <summary>
    /// One piece of a <see cref="CommandPayload"/> segment: either bytes held by the payload or the
    /// body of a streamed literal, to be copied from <see cref="Stream"/>.
    /// </summary>
    public readonly struct CommandPayloadPart
    {
        internal CommandPayloadPart(ReadOnlyMemory<byte> bytes, Stream? stream, long streamLength)
        {
            Bytes = bytes;
            Stream = stream;
            StreamLength = streamLength;
        }

        /// <summary>The bytes to send, empty for a streamed part.</summary>
        public ReadOnlyMemory<byte> Bytes { get; }

        /// <summary>The stream a literal body is copied from, or null.</summary>
        public Stream? Stream { get; }

        /// <summary>How many bytes to copy from <see cref="Stream"/>.</summary>
        public long StreamLength { get; }

        /// <summary>The number of bytes this part puts on the wire.</summary>
        public long Length => Stream is null ? Bytes.Length : StreamLength;
    }

    /// <summary>
    /// A command ready to be written: its wire bytes, split into segments at synchronising literals,
    /// and a redacted rendering for logs.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Write segment 0. If <see cref="SegmentCount"/> is greater than 1, segment 0 ends with a
    /// synchronising literal header (<c>{n}</c> CRLF): wait for the server's <c>+</c> continuation
    /// before writing segment 1, and so on. A tagged NO/BAD instead of <c>+</c> ends the command;
    /// the remaining segments must then not be sent. The last segment ends with the command's CRLF.
    /// Non-synchronising literals (<c>{n+}</c>) stay inside their segment.
    /// </para>
    /// <para>
    /// Streamed literal bodies are read from their stream when their segment is written, exactly
    /// once: a payload with <see cref="HasStreamedLiterals"/> cannot be written twice.
    /// </para>
    /// </remarks>
    public sealed class CommandPayload
    {
        internal struct Part
        {
            public int Offset;
            public int Length;
            public Stream? Stream;
            public long StreamLength;
        }

        internal struct Redaction
        {
            public int Start;
            public int End;
            /// <summary>-1 for a sensitive argument (<c>***</c>), else the literal length to summarise.</summary>
            public long LiteralLength;
        }

        private const int CopyBufferSize = 81920;

        private readonly byte[] _buffer;
        private readonly Part[]? _parts;          // null: one segment made of the whole buffer
        private readonly int[]? _segmentStarts;   // index of each segment's first part; null with _parts null
        private readonly Redaction[]? _redactions;
        private readonly bool _wholeLineSensitive;
        private string? _logText;

        internal CommandPayload(string? tag, string command, byte[] buffer, Part[]? parts, int[]? segmentStarts,
            Redaction[]? redactions, bool wholeLineSensitive)
        {
            Tag = tag;
            Command = command;
            _buffer = buffer;
            _parts = parts;
            _segmentStarts = segmentStarts;
            _redactions = redactions;
            _wholeLineSensitive = wholeLineSensitive;
            long total = 0;
            bool streamed = false;
            if (parts is null) total = buffer.Length;
            else
                foreach (var part in parts)
                {
                    total += part.Stream is null ? part.Length : part.StreamLength;
                    streamed |= part.Stream != null;
                }
            TotalLength = total;
            HasStreamedLiterals = streamed;
        }

        /// <summary>The command tag, or null for a continuation line.</summary>
        public string? Tag { get; }

        /// <summary>The command name as given (<c>UID FETCH</c>), or empty for a continuation line.</summary>
        public string Command { get; }

        /// <summary>How many segments there are: one more than the number of synchronising literals.</summary>
        public int SegmentCount => _segmentStarts?.Length ?? 1;

        /// <summary>True when the command contains a synchronising literal, so the engine must wait for <c>+</c>.</summary>
        public bool RequiresContinuation => SegmentCount > 1;

        /// <summary>The number of bytes the whole command puts on the wire, streamed literal bodies included.</summary>
        public long TotalLength { get; }

        /// <summary>True when some literal body is copied from a stream when written.</summary>
        public bool HasStreamedLiterals { get; }

        /// <summary>
        /// The command as text for logs, without the final CRLF: sensitive arguments are replaced by
        /// <c>***</c> and every literal (header and body) by <c>{n bytes}</c>.
        /// </summary>
        public string LogText => _logText ??= RenderLogText();

        /// <summary>Same as <see cref="LogText"/>.</summary>
        public override string ToString() => LogText;

        /// <summary>
        /// The complete wire bytes when the command is a single segment with no streamed literal
        /// (the usual case), so that pipelined commands can be gathered into one write.
        /// </summary>
        public bool TryGetBytes(out ReadOnlyMemory<byte> bytes)
        {
            if (_parts is null)
            {
                bytes = _buffer;
                return true;
            }
            if (_parts.Length == 1 && _parts[0].Stream is null)
            {
                bytes = new ReadOnlyMemory<byte>(_buffer, _parts[0].Offset, _parts[0].Length);
                return true;
            }
            bytes = default;
            return false;
        }

        /// <summary>The number of bytes segment <paramref name="segmentIndex"/> puts on the wire.</summary>
        public long GetSegmentLength(int segmentIndex)
        {
            GetPartRange(segmentIndex, out int first, out int end);
            if (_parts is null) return _buffer.Length;
            long length = 0;
            for (int i = first; i < end; i++)
                length += _parts[i].Stream is null ? _parts[i].Length : _parts[i].StreamLength;
            return length;
        }

        /// <summary>The pieces of segment <paramref name="segmentIndex"/>, for engines that write them themselves.</summary>
        public IReadOnlyList<CommandPayloadPart> GetSegmentParts(int segmentIndex)
        {
            GetPartRange(segmentIndex, out int first, out int end);
            if (_parts is null) return new[] { new CommandPayloadPart(_buffer, null, 0) };
            var result = new CommandPayloadPart[end - first];
            for (int i = first; i < end; i++)
                result[i - first] = ToPublic(_parts[i]);
            return result;
        }

        /// <summary>
        /// Writes segment <paramref name="segmentIndex"/> to <paramref name="destination"/>, copying
        /// streamed literal bodies. Does not flush.
        /// </summary>
        /// <exception cref="ImapAbortException">A literal stream ended before its declared length:
        /// the connection is out of step with the server and must be closed.</exception>
        public void WriteSegment(int segmentIndex, Stream destination)
        {
            if (destination is null) throw new ArgumentNullException(nameof(destination));
            GetPartRange(segmentIndex, out int first, out int end);
            if (_parts is null)
            {
                destination.Write(_buffer, 0, _buffer.Length);
                return;
            }
            for (int i = first; i < end; i++)
            {
                Part part = _parts[i];
                if (part.Stream is null) destination.Write(_buffer, part.Offset, part.Length);
                else CopyExactly(part.Stream, destination, part.StreamLength);
            }
        }

        /// <summary>Asynchronous <see cref="WriteSegment"/>. Does not flush.</summary>
        /// <exception cref="ImapAbortException">A literal stream ended before its declared length.</exception>
        public async Task WriteSegmentAsync(int segmentIndex, Stream destination, CancellationToken cancellationToken = default)
        {
            if (destination is null) throw new ArgumentNullException(nameof(destination));
            GetPartRange(segmentIndex, out int first, out int end);
            if (_parts is null)
            {
                await destination.WriteAsync(_buffer, 0, _buffer.Length, cancellationToken).ConfigureAwait(false);
                return;
            }
            for (int i = first; i < end; i++)
            {
                Part part = _parts[i];
                if (part.Stream is null)
                    await destination.WriteAsync(_buffer, part.Offset, part.Length, cancellationToken).ConfigureAwait(false);
                else
                    await CopyExactlyAsync(part.Stream, destination, part.StreamLength, cancellationToken).ConfigureAwait(false);
            }
        }

        private CommandPayloadPart ToPublic(Part part) => part.Stream is null
            ? new CommandPayloadPart(new ReadOnlyMemory<byte>(_buffer, part.Offset, part.Length), null, 0)
            : new CommandPayloadPart(default, part.Stream, part.StreamLength);

        private void GetPartRange(int segmentIndex, out int first, out int end)
        {
            if ((uint)segmentIndex >= (uint)SegmentCount)
                throw new ArgumentOutOfRangeException(nameof(segmentIndex), "The payload has " + SegmentCount + " segment(s).");
            if (_segmentStarts is null)
            {
                first = 0;
                end = _parts?.Length ?? 1;
                return;
            }
            first = _segmentStarts[segmentIndex];
            end = segmentIndex + 1 < _segmentStarts.Length ? _segmentStarts[segmentIndex + 1] : _parts!.Length;
        }

        private static void CopyExactly(Stream source, Stream destination, long count)
        {
            byte[] chunk = ArrayPool<byte>.Shared.Rent((int)Math.Min(CopyBufferSize, Math.Max(count, 1)));
            try
            {
                long remaining = count;
                while (remaining > 0)
                {
                    int read = source.Read(chunk, 0, (int)Math.Min(chunk.Length, remaining));
                    if (read <= 0) throw ShortStream(count, remaining);
                    destination.Write(chunk, 0, read);
                    remaining -= read;
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(chunk);
            }
        }

        private static async Task CopyExactlyAsync(Stream source, Stream destination, long count, CancellationToken cancellationToken)
        {
            byte[] chunk = ArrayPool<byte>.Shared.Rent((int)Math.Min(CopyBufferSize, Math.Max(count, 1)));
            try
            {
                long remaining = count;
                while (remaining > 0)
                {
                    int read = await source.ReadAsync(chunk, 0, (int)Math.Min(chunk.Length, remaining), cancellationToken).ConfigureAwait(false);
                    if (read <= 0) throw ShortStream(count, remaining);
                    await destination.WriteAsync(chunk, 0, read, cancellationToken).ConfigureAwait(false);
                    remaining -= read;
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(chunk);
            }
        }

        private static ImapAbortException ShortStream(long declared, long remaining)
            => new ImapAbortException("A literal stream ended after " + (declared - remaining) + " of its declared " + declared
                + " bytes; the connection is out of step with the server and must be closed.");

        private string RenderLogText()
        {
            // Every CRLF except the last belongs to a literal header, which is always inside a
            // redaction, so the rendering below never contains a line break.
            int end = _buffer.Length >= 2 && _buffer[_buffer.Length - 2] == '\r' && _buffer[_buffer.Length - 1] == '\n'
                ? _buffer.Length - 2
                : _buffer.Length;
            if (_wholeLineSensitive) return "***";
            var text = new StringBuilder(Math.Min(end, 1024) + 16);
            int position = 0;
            if (_redactions != null)
                foreach (var redaction in _redactions)
                {
                    AppendUtf8(text, position, redaction.Start);
                    if (redaction.LiteralLength < 0) text.Append("***");
                    else text.Append('{').Append(redaction.LiteralLength).Append(" bytes}");
                    position = redaction.End;
                }
            AppendUtf8(text, position, Math.Max(position, end));
            return text.ToString();
        }

        private void AppendUtf8(StringBuilder text, int start, int end)
        {
            if (end > start) text.Append(Encoding.UTF8.GetString(_buffer, start, end - start));
        }
    }
}
