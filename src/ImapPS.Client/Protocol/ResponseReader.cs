using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace ImapPS.Client.Protocol
{
    /// <summary>What a literal sink selector is told about a literal that is about to arrive.</summary>
    public readonly struct LiteralRequest
    {
        internal LiteralRequest(byte[] buffer, int lineStart, int headerOffset, long length)
        {
            Buffer = buffer;
            LineStart = lineStart;
            HeaderOffset = headerOffset;
            Length = length;
        }

        /// <summary>The buffer that holds the response so far.</summary>
        public byte[] Buffer { get; }

        /// <summary>Where the response starts in <see cref="Buffer"/>.</summary>
        public int LineStart { get; }

        /// <summary>Where the literal's <c>{n}</c> header starts in <see cref="Buffer"/>.</summary>
        public int HeaderOffset { get; }

        /// <summary>The literal's size in bytes.</summary>
        public long Length { get; }

        /// <summary>The response text before the literal (e.g. <c>* 12 FETCH (UID 7 BODY[] </c>).</summary>
        public string Prefix => ImapText.Decode(Buffer, LineStart, HeaderOffset - LineStart);
    }

    /// <summary>
    /// Frames server responses from a byte stream as they arrive. It is push-based so one reader
    /// serves both blocking and asynchronous I/O: the caller reads from its transport into
    /// <see cref="GetReadBuffer"/>, reports the count with <see cref="Advance"/>, then takes every
    /// complete response with <see cref="TryReadResponse"/>. Lines are found with a vectorised
    /// search for LF; a line ending in <c>{n}</c> announces n literal bytes, which are skipped
    /// (small), read straight into an array of their own (large: the transport writes into it, so
    /// the bytes are copied once), or written to a caller's stream (see <see cref="LiteralSinkSelector"/>).
    /// Each complete response is copied once into an exact-size array and parsed.
    /// </summary>
    public sealed class ResponseReader
    {
        private readonly ProtocolLimits _limits;
        private byte[] _buf;
        private int _frameStart;
        private int _lineStart;
        private int _scan;
        private int _end;
        private long _inlineLiteralRemaining;
        private List<ExternalLiteral>? _externals;
        private ExternalLiteral? _active;
        private byte[]? _scratch;

        /// <summary>Creates a reader with the given limits (default limits when null).</summary>
        public ResponseReader(ProtocolLimits? limits = null, int initialBufferSize = 16 * 1024)
        {
            _limits = limits ?? ProtocolLimits.Default;
            _limits.Validate();
            _buf = new byte[Math.Max(256, initialBufferSize)];
        }

        /// <summary>
        /// Called when a literal of at least <see cref="ProtocolLimits.LargeLiteralThreshold"/>
        /// bytes is announced; returning a stream makes the literal's bytes go there instead of
        /// memory (the value then reports <see cref="ImapValue.IsStreamed"/>).
        /// </summary>
        public Func<LiteralRequest, Stream?>? LiteralSinkSelector { get; set; }

        /// <summary>Bytes received but not yet returned as part of a response.</summary>
        public int BufferedCount => _end - _frameStart;

        /// <summary>True while a large literal is being received straight into its destination.</summary>
        public bool InLiteral => _active != null;

        /// <summary>The place to read the next bytes into. Call <see cref="Advance"/> with the count read.</summary>
        public ArraySegment<byte> GetReadBuffer()
        {
            var active = _active;
            if (active != null)
            {
                long remaining = active.Length - active.Filled;
                if (active.Data != null)
                {
                    if (active.Filled == active.Data.Length) GrowLiteral(active);
                    return new ArraySegment<byte>(active.Data, (int)active.Filled, (int)Math.Min(remaining, active.Data.Length - active.Filled));
                }
                _scratch ??= new byte[64 * 1024];
                return new ArraySegment<byte>(_scratch, 0, (int)Math.Min(remaining, _scratch.Length));
            }
            if (_end == _buf.Length) MakeRoom();
            return new ArraySegment<byte>(_buf, _end, _buf.Length - _end);
        }

        /// <summary>Records that <paramref name="count"/> bytes were read into the buffer from <see cref="GetReadBuffer"/>.</summary>
        public void Advance(int count)
        {
            if (count < 0) throw new ArgumentOutOfRangeException(nameof(count));
            var active = _active;
            if (active != null)
            {
                if (active.Data == null) active.Sink!.Write(_scratch!, 0, count);
                active.Filled += count;
                if (active.Filled == active.Length) _active = null;
                return;
            }
            _end += count;
        }

        /// <summary>Copies bytes in (for tests and for transports that hand over their own buffers).</summary>
        public void Append(byte[] data, int offset, int count)
        {
            while (count > 0)
            {
                var target = GetReadBuffer();
                int n = Math.Min(count, target.Count);
                System.Buffer.BlockCopy(data, offset, target.Array!, target.Offset, n);
                Advance(n);
                offset += n;
                count -= n;
            }
        }

        /// <summary>Returns the next complete response, or false when more bytes are needed.</summary>
        /// <exception cref="ImapProtocolException">The bytes are not a valid response or exceed a limit.</exception>
        public bool TryReadResponse(out ServerResponse? response)
        {
            response = null;
            while (true)
            {
                if (_active != null) return false;
                if (_inlineLiteralRemaining > 0)
                {
                    long available = _end - _scan;
                    if (available < _inlineLiteralRemaining)
                    {
                        _inlineLiteralRemaining -= available;
                        _scan = _end;
                        return false;
                    }
                    _scan += (int)_inlineLiteralRemaining;
                    _inlineLiteralRemaining = 0;
                    _lineStart = _scan;
                }
                int lf = _scan < _end ? Array.IndexOf(_buf, Tokenizer.Lf, _scan, _end - _scan) : -1;
                if (lf < 0)
                {
                    if (_end - _lineStart > _limits.MaxLineLength)
                        throw Tokenizer.Error(_buf, _end, "line longer than " + _limits.MaxLineLength + " bytes", _lineStart);
                    _scan = _end;
                    return false;
                }
                if (lf - _lineStart > _limits.MaxLineLength)
                    throw Tokenizer.Error(_buf, _end, "line longer than " + _limits.MaxLineLength + " bytes", _lineStart);
                int textEnd = lf > _lineStart && _buf[lf - 1] == Tokenizer.Cr ? lf - 1 : lf;
                int header = LiteralHeaderStart(textEnd, out long length);
                if (header >= 0)
                {
                    if (length > _limits.MaxLiteralSize)
                        throw Tokenizer.Error(_buf, _end, "literal of " + length + " bytes exceeds the limit of " + _limits.MaxLiteralSize, header);
                    int dataStart = lf + 1;
                    if (length >= _limits.LargeLiteralThreshold)
                    {
                        StartExternalLiteral(header, dataStart, length);
                        _scan = dataStart;
                        _lineStart = dataStart;
                        continue;
                    }
                    if (dataStart - _frameStart + length > int.MaxValue - 1024)
                        throw Tokenizer.Error(_buf, _end, "response too large", header);
                    _scan = dataStart;
                    _lineStart = dataStart;
                    _inlineLiteralRemaining = length;
                    continue;
                }
                int frameEnd = lf + 1;
                int frameLength = frameEnd - _frameStart;
                var bytes = new byte[frameLength];
                System.Buffer.BlockCopy(_buf, _frameStart, bytes, 0, frameLength);
                var externals = _externals?.ToArray();
                _externals = null;
                _frameStart = frameEnd;
                _lineStart = frameEnd;
                _scan = frameEnd;
                if (_frameStart == _end)
                {
                    _frameStart = _lineStart = _scan = _end = 0;
                }
                response = ServerResponse.Parse(bytes, frameLength, externals);
                return true;
            }
        }

        private void StartExternalLiteral(int header, int dataStart, long length)
        {
            var literal = new ExternalLiteral { FrameOffset = dataStart - _frameStart, Length = length };
            var sink = LiteralSinkSelector?.Invoke(new LiteralRequest(_buf, _frameStart, header, length));
            int have = (int)Math.Min(_end - dataStart, length);
            if (sink != null) literal.Sink = sink;
            else literal.Data = new byte[Math.Max(have, Math.Min(length, InitialLiteralCapacity))];
            if (have > 0)
            {
                if (literal.Data != null) System.Buffer.BlockCopy(_buf, dataStart, literal.Data, 0, have);
                else literal.Sink!.Write(_buf, dataStart, have);
                literal.Filled = have;
                int rest = _end - dataStart - have;
                if (rest > 0) System.Buffer.BlockCopy(_buf, dataStart + have, _buf, dataStart, rest);
                _end -= have;
            }
            (_externals ??= new List<ExternalLiteral>(1)).Add(literal);
            if (literal.Filled < literal.Length) _active = literal;
        }

        /// <summary>
        /// A large literal's array starts at this size and doubles as bytes arrive (ending at exactly
        /// the announced length), so an announcement alone costs a hostile server's victim nothing.
        /// </summary>
        private const int InitialLiteralCapacity = 1024 * 1024;

        private static void GrowLiteral(ExternalLiteral literal)
        {
            long size = Math.Min(literal.Length, Math.Max((long)literal.Data!.Length * 2, InitialLiteralCapacity));
            var bigger = new byte[size];
            System.Buffer.BlockCopy(literal.Data, 0, bigger, 0, (int)literal.Filled);
            literal.Data = bigger;
        }

        /// <summary>Finds <c>{digits}</c>, <c>{digits+}</c> ending the line's text; returns the offset of '{' or -1.</summary>
        private int LiteralHeaderStart(int textEnd, out long length)
        {
            length = 0;
            int i = textEnd - 1;
            if (i <= _lineStart || _buf[i] != (byte)'}') return -1;
            i--;
            if (_buf[i] == (byte)'+') i--;
            int lastDigit = i;
            while (i >= _lineStart && _buf[i] >= (byte)'0' && _buf[i] <= (byte)'9') i--;
            int digits = lastDigit - i;
            if (digits == 0 || i < _lineStart || _buf[i] != (byte)'{') return -1;
            if (digits > 18) throw Tokenizer.Error(_buf, _end, "literal length too long", i);
            long n = 0;
            for (int k = i + 1; k <= lastDigit; k++) n = n * 10 + (_buf[k] - '0');
            length = n;
            return i;
        }

        private void MakeRoom()
        {
            int used = _end - _frameStart;
            if (_frameStart > 0 && used < _buf.Length / 2)
            {
                System.Buffer.BlockCopy(_buf, _frameStart, _buf, 0, used);
            }
            else
            {
                long newSize = (long)_buf.Length * 2;
                long cap = (long)_limits.MaxLineLength + Math.Min(_limits.MaxLiteralSize, int.MaxValue / 2) + 4096;
                if (newSize > int.MaxValue - 64) newSize = int.MaxValue - 64;
                if (used >= newSize || _buf.Length >= cap)
                    throw Tokenizer.Error(_buf, _end, "response too large", _frameStart);
                var bigger = new byte[newSize];
                System.Buffer.BlockCopy(_buf, _frameStart, bigger, 0, used);
                _buf = bigger;
            }
            int shift = _frameStart;
            _frameStart = 0;
            _lineStart -= shift;
            _scan -= shift;
            _end -= shift;
            if (_externals != null)
            {
                // External literal offsets are relative to the frame start, so they stay valid.
            }
        }

        /// <summary>
        /// Removes and returns the bytes received after the last complete response (for a transport
        /// switch such as COMPRESS, where they belong to the new layer).
        /// </summary>
        public ArraySegment<byte> TakeBuffered()
        {
            if (_active != null || _inlineLiteralRemaining > 0)
                throw new InvalidOperationException("A response is partly received.");
            var copy = new byte[_end - _frameStart];
            System.Buffer.BlockCopy(_buf, _frameStart, copy, 0, copy.Length);
            _frameStart = _lineStart = _scan = _end = 0;
            _externals = null;
            return new ArraySegment<byte>(copy);
        }

        /// <summary>Reads the next response from a stream (blocking). Returns null at end of stream.</summary>
        public ServerResponse? ReadResponse(Stream stream)
        {
            while (true)
            {
                if (TryReadResponse(out var response)) return response;
                var target = GetReadBuffer();
                int n = stream.Read(target.Array!, target.Offset, target.Count);
                if (n == 0)
                {
                    if (BufferedCount > 0 || InLiteral)
                        throw new ImapAbortException("Connection closed in the middle of a response");
                    return null;
                }
                Advance(n);
            }
        }
    }
}
