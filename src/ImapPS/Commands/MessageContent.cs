using System;
using System.Buffers;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace ImapPS.Commands
{
    /// <summary>
    /// Turns what -Message accepts (a MimeKit MimeMessage, a string, an array of bytes boxed one by
    /// one) into the raw bytes to append. Anything else is left alone, so the binder's type check
    /// refuses it: that is what lets a piped FileInfo fall through to -LiteralPath (by property name)
    /// and a piped string to -Path (the default parameter set), while a piped byte[] binds here.
    /// </summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    public sealed class MessageContentTransformationAttribute : ArgumentTransformationAttribute
    {
        /// <inheritdoc />
        public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
        {
            var value = inputData is PSObject pso ? pso.BaseObject : inputData;
            switch (value)
            {
                case byte[] bytes:
                    return bytes;
                case string text:
                    return Encoding.UTF8.GetBytes(text);
                case MimeKit.MimeMessage mime:
                    using (var stream = new MemoryStream())
                    {
                        mime.WriteTo(MimeKit.FormatOptions.Default, stream);
                        return stream.ToArray();
                    }
                case object[] array when array.Length > 0 && array.All(o => (o is PSObject p ? p.BaseObject : o) is byte):
                    return array.Select(o => (byte)(o is PSObject p ? p.BaseObject : o)).ToArray();
                default:
                    return inputData;
            }
        }
    }

    /// <summary>
    /// A read-only view of a stream with bare CR and bare LF line ends turned into CRLF, the same
    /// rule as <c>Imap4Client.NormaliseLineEnds</c>, so a file can be sent as an APPEND literal
    /// without reading it whole. <see cref="CountInsertions"/> gives the bytes it adds, so the
    /// literal's length is known before sending.
    /// </summary>
    internal sealed class CrlfNormalisingStream : Stream
    {
        private const byte CR = (byte)'\r';
        private const byte LF = (byte)'\n';
        private readonly Stream _inner;
        private readonly byte[] _buffer;
        private int _start, _end;
        private bool _afterCr;        // the last byte given out was a CR whose successor is not known yet
        private bool _pendingLf;      // an LF owed to complete a CRLF that did not fit in the caller's buffer
        private bool _eof;
        private bool _disposed;

        public CrlfNormalisingStream(Stream inner, int bufferSize = 65536)
        {
            _inner = inner;
            _buffer = ArrayPool<byte>.Shared.Rent(bufferSize);
        }

        /// <summary>How many bytes normalising adds to <paramref name="stream"/>: one per bare CR or bare LF. Reads it to the end.</summary>
        public static long CountInsertions(Stream stream)
        {
            byte[] buffer = ArrayPool<byte>.Shared.Rent(65536);
            try
            {
                long extra = 0;
                bool afterCr = false;
                int n;
                while ((n = stream.Read(buffer, 0, buffer.Length)) > 0)
                {
                    var span = new ReadOnlySpan<byte>(buffer, 0, n);
                    int i = 0;
                    if (afterCr)
                    {
                        if (span[0] != LF) extra++;
                        else i = 1;
                        afterCr = false;
                    }
                    while (i < span.Length)
                    {
                        int k = span.Slice(i).IndexOfAny(CR, LF);
                        if (k < 0) break;
                        i += k;
                        if (span[i] == LF) { extra++; i++; continue; }
                        // A CR: fine when an LF follows, which may be in the next read.
                        if (i + 1 == span.Length) { afterCr = true; i++; break; }
                        if (span[i + 1] == LF) i += 2;
                        else { extra++; i++; }
                    }
                }
                if (afterCr) extra++;
                return extra;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (buffer == null) throw new ArgumentNullException(nameof(buffer));
            int written = 0;
            while (written < count)
            {
                if (_pendingLf)
                {
                    buffer[offset + written++] = LF;
                    _pendingLf = false;
                    continue;
                }
                if (_start == _end && !Fill())
                {
                    if (_afterCr) { _afterCr = false; _pendingLf = true; continue; }
                    break;
                }
                if (_afterCr)
                {
                    _afterCr = false;
                    if (_buffer[_start] != LF) { _pendingLf = true; continue; }
                    buffer[offset + written++] = LF;
                    _start++;
                    continue;
                }
                var span = new ReadOnlySpan<byte>(_buffer, _start, _end - _start);
                int room = count - written;
                int k = span.Slice(0, Math.Min(span.Length, room)).IndexOfAny(CR, LF);
                int plain = k < 0 ? Math.Min(span.Length, room) : k;
                if (plain > 0)
                {
                    Buffer.BlockCopy(_buffer, _start, buffer, offset + written, plain);
                    written += plain;
                    _start += plain;
                    continue;
                }
                byte c = _buffer[_start++];
                buffer[offset + written++] = CR;
                if (c == LF) _pendingLf = true;  // bare LF: CR given, LF owed
                else _afterCr = true;            // CR: an LF follows in the input, or is owed
            }
            return written;
        }

        private bool Fill()
        {
            if (_eof) return false;
            _start = 0;
            _end = _inner.Read(_buffer, 0, _buffer.Length);
            if (_end <= 0) { _end = 0; _eof = true; return false; }
            return true;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return Task.FromResult(Read(buffer, offset, count));
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing && !_disposed)
            {
                _disposed = true;
                _inner.Dispose();
                ArrayPool<byte>.Shared.Return(_buffer);
            }
            base.Dispose(disposing);
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
