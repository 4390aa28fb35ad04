using System;
using System.IO;
using System.IO.Compression;
using System.Threading;
using System.Threading.Tasks;

namespace ImapPS.Client.Transport
{
    /// <summary>
    /// The byte pipe under an IMAP connection: a socket, a TLS stream over it, or a subprocess's
    /// standard streams, optionally with DEFLATE compression layered on top. It knows nothing of
    /// IMAP. Reads and writes may happen at the same time from two threads (one reader, one
    /// writer), which every stream used here supports.
    /// </summary>
    public abstract class ImapTransport : IDisposable
    {
        private int _disposed;

        /// <summary>The stream responses are read from.</summary>
        public Stream ReadStream { get; protected set; } = Stream.Null;

        /// <summary>The stream commands are written to.</summary>
        public Stream WriteStream { get; protected set; } = Stream.Null;

        /// <summary>A short description of the connection for logs and errors (host:port, or the command).</summary>
        public abstract string Description { get; }

        /// <summary>True once TLS is in use.</summary>
        public bool IsEncrypted { get; protected set; }

        /// <summary>True once DEFLATE compression is in use.</summary>
        public bool IsCompressed { get; private set; }

        /// <summary>The negotiated TLS protocol, when encrypted.</summary>
        public System.Security.Authentication.SslProtocols TlsProtocol { get; protected set; }

        /// <summary>True once the transport was closed.</summary>
        public bool IsClosed => Volatile.Read(ref _disposed) != 0;

        /// <summary>Upgrades the connection to TLS (STARTTLS). Only socket transports support it.</summary>
        public virtual Task StartTlsAsync(TlsOptions options, string host, TimeSpan timeout)
            => throw new NotSupportedException("This transport cannot start TLS.");

        /// <summary>
        /// Layers raw DEFLATE (RFC 4978) over both directions. <paramref name="alreadyRead"/> holds
        /// bytes the reader took from the transport after the server's OK, which are already compressed.
        /// </summary>
        public void EnableCompression(ArraySegment<byte> alreadyRead)
        {
            if (IsCompressed) throw new InvalidOperationException("Compression is already active.");
            Stream source = alreadyRead.Count > 0 ? new PrefixedReadStream(alreadyRead, ReadStream) : ReadStream;
            ReadStream = new DeflateStream(source, CompressionMode.Decompress, leaveOpen: true);
            WriteStream = new FlushingDeflateStream(WriteStream);
            IsCompressed = true;
        }

        /// <summary>Closes the connection and releases every resource. Safe to call more than once, from any thread.</summary>
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
            CloseCore();
        }

        /// <summary>Releases the transport's resources; called once.</summary>
        protected abstract void CloseCore();

        /// <summary>Disposes a stream, ignoring errors: closing must never throw.</summary>
        protected static void SafeDispose(IDisposable? d)
        {
            try { d?.Dispose(); } catch (Exception) { /* closing a broken stream may fail; nothing to do */ }
        }
    }

    /// <summary>Serves some bytes already read, then reads on from the inner stream.</summary>
    internal sealed class PrefixedReadStream : Stream
    {
        private readonly byte[] _prefix;
        private int _offset;
        private readonly int _end;
        private readonly Stream _inner;

        public PrefixedReadStream(ArraySegment<byte> prefix, Stream inner)
        {
            _prefix = prefix.Array!;
            _offset = prefix.Offset;
            _end = prefix.Offset + prefix.Count;
            _inner = inner;
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_offset < _end)
            {
                int n = Math.Min(count, _end - _offset);
                Buffer.BlockCopy(_prefix, _offset, buffer, offset, n);
                _offset += n;
                return n;
            }
            return _inner.Read(buffer, offset, count);
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            if (_offset < _end) return Task.FromResult(Read(buffer, offset, count));
            return _inner.ReadAsync(buffer, offset, count, cancellationToken);
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

    /// <summary>
    /// A compressing write stream whose Flush emits a sync flush, so every command reaches the
    /// server whole (DEFLATE would otherwise hold bytes back waiting for more input).
    /// </summary>
    internal sealed class FlushingDeflateStream : WriteOnlyStream
    {
        private readonly Stream _inner;
        private readonly DeflateStream _deflate;

        public FlushingDeflateStream(Stream inner)
        {
            _inner = inner;
            _deflate = new DeflateStream(inner, CompressionLevel.Fastest, leaveOpen: true);
        }

        public override void Write(byte[] buffer, int offset, int count) => _deflate.Write(buffer, offset, count);

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            => _deflate.WriteAsync(buffer, offset, count, cancellationToken);

        public override void Flush()
        {
            _deflate.Flush();
            _inner.Flush();
        }

        public override async Task FlushAsync(CancellationToken cancellationToken)
        {
            await _deflate.FlushAsync(cancellationToken).ConfigureAwait(false);
            await _inner.FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                try { _deflate.Dispose(); } catch (Exception) { /* the socket may already be gone */ }
            }
            base.Dispose(disposing);
        }
    }

    /// <summary>The members every write-only, non-seekable stream wrapper refuses.</summary>
    internal abstract class WriteOnlyStream : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
