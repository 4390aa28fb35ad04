using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace ImapPS.Client.Transport
{
    /// <summary>
    /// Both ends of a connection inside this process: what the client writes, the peer reads, and
    /// the other way round. No socket, handle or thread is involved; used to run the engine
    /// against a scripted peer (<see cref="ImapWarmUp"/>).
    /// </summary>
    internal sealed class InProcessTransport : ImapTransport
    {
        private readonly InProcessPipe _toClient = new InProcessPipe();
        private readonly InProcessPipe _toPeer = new InProcessPipe();

        public InProcessTransport(string description)
        {
            Description = description;
            ReadStream = new PipeEnd(_toClient, _toPeer);
            WriteStream = ReadStream;
            Peer = new PipeEnd(_toPeer, _toClient);
        }

        /// <inheritdoc />
        public override string Description { get; }

        /// <summary>The peer's end: it reads what the client wrote and writes what the client reads.</summary>
        public Stream Peer { get; }

        /// <inheritdoc />
        protected override void CloseCore()
        {
            _toClient.Complete();
            _toPeer.Complete();
        }

        /// <summary>One end: reads from one pipe, writes to the other; closing it ends both directions.</summary>
        private sealed class PipeEnd : Stream
        {
            private readonly InProcessPipe _incoming;
            private readonly InProcessPipe _outgoing;

            public PipeEnd(InProcessPipe incoming, InProcessPipe outgoing)
            {
                _incoming = incoming;
                _outgoing = outgoing;
            }

            public override bool CanRead => true;
            public override bool CanSeek => false;
            public override bool CanWrite => true;
            public override long Length => throw new NotSupportedException();
            public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
            public override void Flush() { }
            public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
            public override void SetLength(long value) => throw new NotSupportedException();

            // The engine and the scripted peer read asynchronously; a blocking read here would wait with no bound.
            public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("Read the in-process connection with ReadAsync.");

            public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => _incoming.ReadAsync(buffer, offset, count, cancellationToken);

            public override void Write(byte[] buffer, int offset, int count) => _outgoing.Write(buffer, offset, count);

            public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            {
                _outgoing.Write(buffer, offset, count);
                return Task.CompletedTask;
            }

            protected override void Dispose(bool disposing)
            {
                if (disposing)
                {
                    _incoming.Complete();
                    _outgoing.Complete();
                }
                base.Dispose(disposing);
            }
        }

        /// <summary>A one-way queue of byte chunks; a read waits for a chunk or the end.</summary>
        private sealed class InProcessPipe
        {
            private readonly object _gate = new object();
            private readonly Queue<ArraySegment<byte>> _chunks = new Queue<ArraySegment<byte>>();
            private ArraySegment<byte> _head;
            private TaskCompletionSource<bool>? _waiter;
            private bool _completed;

            public void Write(byte[] buffer, int offset, int count)
            {
                if (count == 0) return;
                var copy = new byte[count];
                Buffer.BlockCopy(buffer, offset, copy, 0, count);
                TaskCompletionSource<bool>? waiter;
                lock (_gate)
                {
                    if (_completed) throw new IOException("The in-process connection is closed.");
                    _chunks.Enqueue(new ArraySegment<byte>(copy));
                    waiter = _waiter;
                    _waiter = null;
                }
                waiter?.TrySetResult(true);
            }

            public void Complete()
            {
                TaskCompletionSource<bool>? waiter;
                lock (_gate)
                {
                    _completed = true;
                    waiter = _waiter;
                    _waiter = null;
                }
                waiter?.TrySetResult(true);
            }

            public async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            {
                while (true)
                {
                    Task wait;
                    lock (_gate)
                    {
                        if (_head.Count == 0 && _chunks.Count > 0) _head = _chunks.Dequeue();
                        if (_head.Count > 0)
                        {
                            int n = Math.Min(count, _head.Count);
                            Buffer.BlockCopy(_head.Array!, _head.Offset, buffer, offset, n);
                            _head = new ArraySegment<byte>(_head.Array!, _head.Offset + n, _head.Count - n);
                            return n;
                        }
                        if (_completed) return 0;
                        _waiter ??= new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                        wait = _waiter.Task;
                    }
                    if (cancellationToken.CanBeCanceled)
                    {
                        var cancelled = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                        using (cancellationToken.Register(() => cancelled.TrySetCanceled()))
                            await Task.WhenAny(wait, cancelled.Task).ConfigureAwait(false);
                        cancellationToken.ThrowIfCancellationRequested();
                    }
                    else
                    {
                        await wait.ConfigureAwait(false);
                    }
                }
            }
        }
    }
}
