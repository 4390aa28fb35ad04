using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace ImapPS.Client.Tests.Support
{
    /// <summary>
    /// The server side of one accepted connection: buffered reads, writes, TLS and DEFLATE switching, and a
    /// byte-exact log of everything the client sent (after TLS decryption and DEFLATE decompression, i.e. the IMAP bytes).
    /// Script steps use it; <see cref="ServerScript.Do"/> actions may use it directly.
    /// </summary>
    public sealed class ServerConnection
    {
        /// <summary>Cap on the sent-bytes copy kept for diagnostics (counts are always exact).</summary>
        public const int SentLogLimit = 1 << 20;

        /// <summary>Longest line <see cref="ReadLineAsync"/> accepts before failing (protects the test process from runaway clients).</summary>
        public const int MaxLineLength = 64 << 20;

        private readonly Socket _socket;
        private readonly NetworkStream _network;
        private readonly HoldableStream _transport;
        private readonly CancellationToken _disposeToken;
        private readonly object _logLock = new object();
        private readonly MemoryStream _received = new MemoryStream();
        private readonly MemoryStream _sent = new MemoryStream();
        private readonly TaskCompletionSource<bool> _clientClosed = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource<bool> _scriptDone = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly byte[] _buffer = new byte[64 * 1024];
        private TaskCompletionSource<bool> _arrival = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _start;
        private int _end;
        private Stream _readStream;
        private Stream _writeStream;
        private SslStream? _ssl;
        private long _bytesSent;
        private long _bytesReceived;
        private int _stepsCompleted;
        private volatile bool _closed;
        private volatile bool _sendClosed;

        internal ServerConnection(int index, Socket socket, TimeSpan stepTimeout, CancellationToken disposeToken)
        {
            Index = index;
            _socket = socket;
            _network = new NetworkStream(socket, ownsSocket: false);
            _transport = new HoldableStream(_network);
            _readStream = _transport;
            _writeStream = _transport;
            StepTimeout = stepTimeout;
            _disposeToken = disposeToken;
            RemoteEndPoint = (IPEndPoint)socket.RemoteEndPoint!;
        }

        /// <summary>Order of acceptance, from 0.</summary>
        public int Index { get; }

        /// <summary>The client's address.</summary>
        public IPEndPoint RemoteEndPoint { get; }

        /// <summary>Bound on every wait of a step.</summary>
        public TimeSpan StepTimeout { get; }

        /// <summary>The last tag captured from a client command line (used by <c>{tag}</c> and <see cref="ServerScript.ReplyTagged"/>).</summary>
        public string? LastTag { get; set; }

        /// <summary>The last command read by <see cref="ServerScript.ExpectCommand"/> / <see cref="ReadCommandAsync"/>.</summary>
        public ImapCommandRead? LastCommand { get; private set; }

        /// <summary>Steps (or replay steps) completed so far.</summary>
        public int StepsCompleted => Volatile.Read(ref _stepsCompleted);

        /// <summary>Every byte read from the client so far (a copy).</summary>
        public byte[] Received
        {
            get { lock (_logLock) return _received.ToArray(); }
        }

        /// <summary><see cref="Received"/> decoded as ISO-8859-1 (one char per byte).</summary>
        public string ReceivedText => ImapWire.Latin1.GetString(Received);

        /// <summary>Number of bytes read from the client.</summary>
        public long BytesReceived => Interlocked.Read(ref _bytesReceived);

        /// <summary>Number of bytes written to the client (IMAP bytes, before TLS/DEFLATE).</summary>
        public long BytesSent => Interlocked.Read(ref _bytesSent);

        /// <summary>The first <see cref="SentLogLimit"/> bytes written to the client.</summary>
        public byte[] Sent
        {
            get { lock (_logLock) return _sent.ToArray(); }
        }

        /// <summary>
        /// Waits until everything received so far satisfies <paramref name="predicate"/> (re-checked whenever data arrives),
        /// at most <paramref name="timeout"/> (default <see cref="StepTimeout"/>). Throws <see cref="TimeoutException"/>, or
        /// <see cref="EndOfStreamException"/> when the client closed without the predicate becoming true. Returns the bytes.
        /// </summary>
        public async Task<byte[]> WaitForReceivedAsync(Func<byte[], bool> predicate, TimeSpan? timeout = null)
        {
            var limit = timeout ?? StepTimeout;
            var deadline = DateTime.UtcNow + limit;
            while (true)
            {
                byte[] snapshot;
                Task arrival;
                lock (_logLock)
                {
                    snapshot = _received.ToArray();
                    arrival = _arrival.Task;
                }
                if (predicate(snapshot))
                    return snapshot;
                if (_clientClosed.Task.IsCompleted)
                    throw new EndOfStreamException($"Client closed after {snapshot.Length} bytes without the expected data: \"{Show(snapshot)}\".");
                var remaining = deadline - DateTime.UtcNow;
                if (remaining <= TimeSpan.Zero)
                    throw new TimeoutException($"Expected data not received within {limit.TotalSeconds:0.###} s; got {snapshot.Length} bytes: \"{Show(snapshot)}\".");
                using var delayCancel = new CancellationTokenSource();
                await Task.WhenAny(arrival, _clientClosed.Task, Task.Delay(remaining, delayCancel.Token)).ConfigureAwait(false);
                delayCancel.Cancel();
            }
        }

        /// <summary>Waits until the received bytes (as ISO-8859-1 text) contain <paramref name="text"/>; see <see cref="WaitForReceivedAsync(Func{byte[], bool}, TimeSpan?)"/>.</summary>
        public Task<byte[]> WaitForReceivedAsync(string text, TimeSpan? timeout = null)
            => WaitForReceivedAsync(bytes => ImapWire.Latin1.GetString(bytes).IndexOf(text, StringComparison.Ordinal) >= 0, timeout);

        private static string Show(byte[] bytes)
        {
            var text = ImapWire.Latin1.GetString(bytes, 0, Math.Min(bytes.Length, 300)).Replace("\r", "\\r").Replace("\n", "\\n");
            return bytes.Length > 300 ? text + "..." : text;
        }

        /// <summary>Completes when the client's end of stream (or a reset) has been observed.</summary>
        public Task ClientClosed => _clientClosed.Task;

        /// <summary>Completes when the script has run all its steps (faults with the step's failure).</summary>
        public Task Completion => _scriptDone.Task;

        /// <summary>True once TLS is active.</summary>
        public bool IsTls => _ssl != null;

        /// <summary>True once DEFLATE is active.</summary>
        public bool IsCompressed { get; private set; }

        /// <summary>True when the client closed while the server was sending (e.g. it gave up on garbage).</summary>
        public bool ClientAbortedDuringSend { get; internal set; }

        /// <summary>Bytes already received but not yet consumed by a step.</summary>
        public int BufferedCount => _end - _start;

        /// <summary>
        /// A token source cancelled after <see cref="StepTimeout"/> or when the server is disposed. Dispose it.
        /// Wrap waits with <see cref="WithTimeoutAsync{T}"/> to turn the timeout into a <see cref="TimeoutException"/>.
        /// </summary>
        public CancellationTokenSource CreateStepTimeout()
        {
            var cts = CancellationTokenSource.CreateLinkedTokenSource(_disposeToken);
            cts.CancelAfter(StepTimeout);
            return cts;
        }

        /// <summary>Runs <paramref name="operation"/> bounded by <see cref="StepTimeout"/>; a timeout becomes <see cref="TimeoutException"/>.</summary>
        public async Task<T> WithTimeoutAsync<T>(string what, Func<CancellationToken, Task<T>> operation)
        {
            using var cts = CreateStepTimeout();
            try
            {
                return await operation(cts.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (cts.IsCancellationRequested && !_disposeToken.IsCancellationRequested && !(ex is TimeoutException))
            {
                throw new TimeoutException($"{what}: not done within {StepTimeout.TotalSeconds:0.###} s (received so far: {BytesReceived} bytes).", ex);
            }
        }

        /// <summary>As <see cref="WithTimeoutAsync{T}"/> for operations without a result.</summary>
        public Task WithTimeoutAsync(string what, Func<CancellationToken, Task> operation)
            => WithTimeoutAsync<bool>(what, async token =>
            {
                await operation(token).ConfigureAwait(false);
                return true;
            });

        /// <summary>Reads one line up to and including LF. Fails at end of stream or beyond <see cref="MaxLineLength"/>.</summary>
        public async Task<byte[]> ReadLineAsync(CancellationToken cancellationToken)
        {
            MemoryStream? partial = null;
            while (true)
            {
                var lf = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
                if (lf >= 0)
                {
                    var take = lf + 1 - _start;
                    byte[] line;
                    if (partial == null)
                    {
                        line = new byte[take];
                        Buffer.BlockCopy(_buffer, _start, line, 0, take);
                    }
                    else
                    {
                        partial.Write(_buffer, _start, take);
                        line = partial.ToArray();
                    }
                    _start += take;
                    return line;
                }
                if (_end > _start)
                {
                    partial ??= new MemoryStream();
                    partial.Write(_buffer, _start, _end - _start);
                    _start = _end;
                    if (partial.Length > MaxLineLength)
                        throw new InvalidDataException($"Client line longer than {MaxLineLength} bytes.");
                }
                if (!await FillAsync(cancellationToken).ConfigureAwait(false))
                    throw new EndOfStreamException($"Client closed the connection in the middle of a line ({partial?.Length ?? 0} bytes without LF).");
            }
        }

        /// <summary>Reads exactly <paramref name="count"/> bytes. Fails at end of stream.</summary>
        public async Task<byte[]> ReadExactAsync(int count, CancellationToken cancellationToken)
        {
            var result = new byte[count];
            var filled = 0;
            while (filled < count)
            {
                if (_end == _start && !await FillAsync(cancellationToken).ConfigureAwait(false))
                    throw new EndOfStreamException($"Client closed the connection after {filled} of {count} expected bytes.");
                var take = Math.Min(count - filled, _end - _start);
                Buffer.BlockCopy(_buffer, _start, result, filled, take);
                _start += take;
                filled += take;
            }
            return result;
        }

        /// <summary>
        /// Reads one whole command: its lines and literals. For a synchronising literal <c>{n}</c> it first writes
        /// <paramref name="continuation"/>; <c>{n+}</c>/<c>{n-}</c> literals are read straight away. Records it as <see cref="LastCommand"/>.
        /// </summary>
        public async Task<ImapCommandRead> ReadCommandAsync(string continuation, CancellationToken cancellationToken)
        {
            var raw = new MemoryStream();
            var literals = new List<byte[]>();
            byte[]? firstLine = null;
            while (true)
            {
                var line = await ReadLineAsync(cancellationToken).ConfigureAwait(false);
                firstLine ??= line;
                raw.Write(line, 0, line.Length);
                if (!ImapWire.TryGetTrailingLiteral(line, out var length, out var synchronizing))
                    break;
                if (length > int.MaxValue)
                    throw new InvalidDataException($"Client literal of {length} bytes is too large for the test server.");
                if (synchronizing)
                    await WriteAsync(Encoding.ASCII.GetBytes(continuation), cancellationToken).ConfigureAwait(false);
                var literal = await ReadExactAsync((int)length, cancellationToken).ConfigureAwait(false);
                literals.Add(literal);
                raw.Write(literal, 0, literal.Length);
            }
            var command = new ImapCommandRead(raw.ToArray(), ImapWire.Latin1.GetString(firstLine), literals);
            LastCommand = command;
            return command;
        }

        /// <summary>Writes <paramref name="data"/> (whole).</summary>
        public Task WriteAsync(byte[] data, CancellationToken cancellationToken) => WriteAsync(data, 0, data.Length, cancellationToken);

        /// <summary>Writes part of <paramref name="data"/>; flushes the DEFLATE stream when compression is active.</summary>
        public async Task WriteAsync(byte[] data, int offset, int count, CancellationToken cancellationToken)
        {
            if (count == 0) return;
            await _writeStream.WriteAsync(data.AsMemory(offset, count), cancellationToken).ConfigureAwait(false);
            if (IsCompressed)
                await _writeStream.FlushAsync(cancellationToken).ConfigureAwait(false);
            Interlocked.Add(ref _bytesSent, count);
            lock (_logLock)
            {
                var room = SentLogLimit - (int)_sent.Length;
                if (room > 0)
                    _sent.Write(data, offset, Math.Min(room, count));
            }
        }

        /// <summary>Server side of a TLS handshake on this connection (implicit TLS or STARTTLS).</summary>
        public async Task StartTlsAsync(X509Certificate2 certificate, CancellationToken cancellationToken)
        {
            if (_ssl != null) throw new InvalidOperationException("TLS is already active.");
            if (BufferedCount > 0)
                throw new InvalidOperationException($"Client sent {BufferedCount} bytes after STARTTLS before the TLS handshake (command injection window).");
            if (_transport.IsHolding)
                throw new InvalidOperationException("A TLS handshake cannot run while writes are held.");
            var ssl = new SslStream(_transport, leaveInnerStreamOpen: true);
            await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificate = certificate,
                ClientCertificateRequired = false,
            }, cancellationToken).ConfigureAwait(false);
            _ssl = ssl;
            _readStream = ssl;
            _writeStream = ssl;
        }

        /// <summary>Switches both directions to raw DEFLATE (RFC 4978). The client must not have sent anything not yet consumed.</summary>
        public void StartCompression()
        {
            if (IsCompressed) throw new InvalidOperationException("Compression is already active.");
            if (BufferedCount > 0)
                throw new InvalidOperationException($"Client sent {BufferedCount} bytes after COMPRESS before the server's reply.");
            var transport = (Stream?)_ssl ?? _transport;
            _readStream = new DeflateStream(transport, CompressionMode.Decompress, leaveOpen: true);
            _writeStream = new DeflateStream(transport, CompressionLevel.Fastest, leaveOpen: true);
            IsCompressed = true;
        }

        /// <summary>True between <see cref="HoldWrites"/> and <see cref="ReleaseWritesAsync"/>.</summary>
        public bool WritesHeld => _transport.IsHolding;

        /// <summary>
        /// From now on nothing reaches the socket: every write (plain, TLS or DEFLATE bytes) is kept until
        /// <see cref="ReleaseWritesAsync"/> sends it all in one socket write, e.g. so that compressed data arrives in
        /// the same read as COMPRESS's OK.
        /// </summary>
        public void HoldWrites() => _transport.Hold();

        /// <summary>Sends everything kept since <see cref="HoldWrites"/> in one socket write and stops holding.</summary>
        public Task ReleaseWritesAsync(CancellationToken cancellationToken) => _transport.ReleaseAsync(cancellationToken);

        /// <summary>
        /// Waits for the client's end of stream, reading (and logging) whatever it still sends, until
        /// <paramref name="cancellationToken"/> is cancelled. Returns the number of bytes that arrived meanwhile.
        /// </summary>
        public async Task<long> DrainUntilClosedAsync(CancellationToken cancellationToken)
        {
            long drained = _end - _start;
            _start = _end;
            try
            {
                while (await FillAsync(cancellationToken).ConfigureAwait(false))
                {
                    drained += _end - _start;
                    _start = _end;
                }
            }
            catch (Exception) when (cancellationToken.IsCancellationRequested)
            {
                // Stopped waiting: not an error of the client.
            }
            catch (Exception ex) when (_sendClosed && (ex is InvalidOperationException || ex is ObjectDisposedException || ex is IOException))
            {
                // After our own close_notify a TLS stream may refuse further reads: the conversation is over.
            }
            return drained;
        }

        /// <summary>
        /// Closes the connection: gracefully (held writes first, then TLS close_notify, FIN) or with an RST when
        /// <paramref name="reset"/> (held writes are lost).
        /// </summary>
        public async Task CloseAsync(bool reset, CancellationToken cancellationToken)
        {
            if (_closed || (_sendClosed && !reset)) return;
            if (reset)
            {
                _closed = true;
                try { _socket.LingerState = new LingerOption(true, 0); } catch (SocketException) { }
                _socket.Dispose();
                return;
            }
            if (IsCompressed)
            {
                try { await _writeStream.FlushAsync(cancellationToken).ConfigureAwait(false); } catch (IOException) { }
            }
            if (_transport.IsHolding)
            {
                try { await _transport.ReleaseAsync(cancellationToken).ConfigureAwait(false); } catch (IOException) { }
            }
            if (_ssl != null)
            {
                try { await _ssl.ShutdownAsync().ConfigureAwait(false); } catch (IOException) { }
            }
            try { _socket.Shutdown(SocketShutdown.Send); } catch (SocketException) { } catch (ObjectDisposedException) { }
            _sendClosed = true;
        }

        /// <summary>True once the server closed its side (gracefully or with a reset): the script cannot go on.</summary>
        internal bool IsClosed => _closed || _sendClosed;

        /// <summary>True once the socket is gone (reset or aborted): nothing more can be read.</summary>
        internal bool IsAborted => _closed;

        internal void IncrementSteps() => Interlocked.Increment(ref _stepsCompleted);

        /// <summary>Records the script outcome once; false when it was already recorded.</summary>
        internal bool MarkScriptDone(Exception? failure)
            => failure == null ? _scriptDone.TrySetResult(true) : _scriptDone.TrySetException(failure);

        internal void Abort()
        {
            _closed = true;
            try { _socket.Dispose(); } catch (ObjectDisposedException) { }
            _clientClosed.TrySetResult(true);
        }

        /// <summary>Disposes the layered streams; only from the connection's own task, once nothing reads or writes them.</summary>
        internal void ReleaseStreams()
        {
            // They own native state (zlib, TLS); the socket under them is already gone, so their final writes fail
            // and are of no interest.
            foreach (var stream in new[] { _readStream, _writeStream, _ssl })
            {
                if (stream == null || ReferenceEquals(stream, _transport)) continue;
                try { stream.Dispose(); } catch (Exception ex) when (ex is IOException || ex is ObjectDisposedException || ex is InvalidOperationException) { }
            }
            _network.Dispose();
        }

        private async Task<bool> FillAsync(CancellationToken cancellationToken)
        {
            if (_start == _end)
            {
                _start = 0;
                _end = 0;
            }
            else if (_end == _buffer.Length)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            int read;
            try
            {
                read = await _readStream.ReadAsync(_buffer.AsMemory(_end, _buffer.Length - _end), cancellationToken).ConfigureAwait(false);
            }
            catch (IOException) when (!cancellationToken.IsCancellationRequested)
            {
                // A reset by the client is its way of closing.
                _clientClosed.TrySetResult(true);
                return false;
            }
            if (read == 0)
            {
                _clientClosed.TrySetResult(true);
                return false;
            }
            TaskCompletionSource<bool> arrived;
            lock (_logLock)
            {
                _received.Write(_buffer, _end, read);
                arrived = _arrival;
                _arrival = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            }
            arrived.TrySetResult(true);
            Interlocked.Add(ref _bytesReceived, read);
            _end += read;
            return true;
        }
    }

    /// <summary>
    /// The socket stream as the connection's layers see it: reads and writes pass straight through, except that
    /// while held, writes are kept and later go out in a single write. Does not own the socket stream.
    /// </summary>
    internal sealed class HoldableStream : Stream
    {
        private readonly Stream _inner;
        private MemoryStream? _held;

        public HoldableStream(Stream inner) => _inner = inner;

        public bool IsHolding => _held != null;

        public void Hold()
        {
            if (_held != null) throw new InvalidOperationException("Writes are already held.");
            _held = new MemoryStream();
        }

        public async Task ReleaseAsync(CancellationToken cancellationToken)
        {
            var held = _held ?? throw new InvalidOperationException("Writes are not held.");
            _held = null;
            if (held.Length > 0)
                await _inner.WriteAsync(held.GetBuffer().AsMemory(0, (int)held.Length), cancellationToken).ConfigureAwait(false);
        }

        public override bool CanRead => true;
        public override bool CanWrite => true;
        public override bool CanSeek => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);
        public override int Read(Span<byte> buffer) => _inner.Read(buffer);
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            => _inner.ReadAsync(buffer, offset, count, cancellationToken);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
            => _inner.ReadAsync(buffer, cancellationToken);

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (_held != null) _held.Write(buffer);
            else _inner.Write(buffer);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_held == null)
                return _inner.WriteAsync(buffer, cancellationToken);
            _held.Write(buffer.Span);
            return default;
        }

        public override void Flush()
        {
            if (_held == null) _inner.Flush();
        }

        public override Task FlushAsync(CancellationToken cancellationToken)
            => _held == null ? _inner.FlushAsync(cancellationToken) : Task.CompletedTask;
    }

    /// <summary>One command as read by the scripted server.</summary>
    public sealed class ImapCommandRead
    {
        internal ImapCommandRead(byte[] raw, string firstLine, IReadOnlyList<byte[]> literals)
        {
            Raw = raw;
            FirstLine = firstLine;
            Literals = literals;
            Tag = ImapWire.FirstToken(firstLine);
            Name = ImapWire.CommandName(firstLine);
        }

        /// <summary>The exact bytes of the command: lines and literal data.</summary>
        public byte[] Raw { get; }

        /// <summary>The first line (ISO-8859-1), including its CRLF.</summary>
        public string FirstLine { get; }

        /// <summary>The tag (first token).</summary>
        public string Tag { get; }

        /// <summary>Upper-cased command name (<c>"UID FETCH"</c>), or null.</summary>
        public string? Name { get; }

        /// <summary>The literal data, in order.</summary>
        public IReadOnlyList<byte[]> Literals { get; }

        /// <summary><see cref="Raw"/> as ISO-8859-1 text.</summary>
        public string Text => ImapWire.Latin1.GetString(Raw);

        /// <inheritdoc/>
        public override string ToString() => FirstLine.TrimEnd();
    }
}
