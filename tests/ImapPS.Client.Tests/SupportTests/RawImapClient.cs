using System;
using System.IO;
using System.IO.Compression;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using ImapPS.Client.Tests.Support;

namespace ImapPS.Client.Tests.SupportTests
{
    /// <summary>A minimal byte-level client for testing the test servers themselves; every read has a timeout.</summary>
    internal sealed class RawImapClient : IAsyncDisposable
    {
        public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(5);

        private readonly TcpClient _tcp;
        private readonly byte[] _buffer = new byte[64 * 1024];
        private Stream _transport;
        private Stream _read;
        private Stream _write;
        private int _start;
        private int _end;
        private bool _compressed;

        private RawImapClient(TcpClient tcp)
        {
            _tcp = tcp;
            _transport = tcp.GetStream();
            _read = _transport;
            _write = _transport;
        }

        public Socket Socket => _tcp.Client;

        public static async Task<RawImapClient> ConnectAsync(ScriptedImapServer server)
        {
            var tcp = new TcpClient { NoDelay = true };
            using var cts = new CancellationTokenSource(DefaultTimeout);
            await tcp.ConnectAsync(server.EndPoint, cts.Token);
            return new RawImapClient(tcp);
        }

        public async Task StartTlsAsync(X509Certificate2 trusted, CancellationToken cancellationToken)
        {
            var ssl = new SslStream(_transport, leaveInnerStreamOpen: true);
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = "localhost",
                RemoteCertificateValidationCallback = TestCertificates.TrustOnly(trusted),
            }, cancellationToken);
            _transport = ssl;
            _read = ssl;
            _write = ssl;
        }

        public void StartCompression()
        {
            _read = new DeflateStream(_transport, CompressionMode.Decompress, leaveOpen: true);
            _write = new DeflateStream(_transport, CompressionLevel.Fastest, leaveOpen: true);
            _compressed = true;
        }

        public Task WriteAsync(string text) => WriteAsync(ImapWire.Latin1.GetBytes(text));

        public async Task WriteAsync(byte[] data)
        {
            using var cts = new CancellationTokenSource(DefaultTimeout);
            await _write.WriteAsync(data, cts.Token);
            if (_compressed)
                await _write.FlushAsync(cts.Token);
        }

        public async Task<string> ReadLineAsync(TimeSpan? timeout = null)
        {
            using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
            var line = new MemoryStream();
            while (true)
            {
                var lf = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
                if (lf >= 0)
                {
                    line.Write(_buffer, _start, lf + 1 - _start);
                    _start = lf + 1;
                    return ImapWire.Latin1.GetString(line.ToArray());
                }
                line.Write(_buffer, _start, _end - _start);
                _start = _end;
                if (!await FillAsync(cts.Token))
                    throw new EndOfStreamException("EOF after partial line: " + ImapWire.Latin1.GetString(line.ToArray()));
            }
        }

        public async Task<byte[]> ReadExactAsync(int count, TimeSpan? timeout = null)
        {
            using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
            var result = new byte[count];
            var filled = 0;
            while (filled < count)
            {
                if (_start == _end && !await FillAsync(cts.Token))
                    throw new EndOfStreamException($"EOF after {filled} of {count} bytes: " + ImapWire.Latin1.GetString(result, 0, filled));
                var take = Math.Min(count - filled, _end - _start);
                Buffer.BlockCopy(_buffer, _start, result, filled, take);
                _start += take;
                filled += take;
            }
            return result;
        }

        /// <summary>Reads until end of stream; <paramref name="inspect"/> sees every chunk. Returns the byte count.</summary>
        public async Task<long> ReadToEndAsync(Action<byte[], int, int>? inspect = null, TimeSpan? timeout = null)
        {
            using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
            long total = 0;
            while (true)
            {
                if (_start < _end)
                {
                    inspect?.Invoke(_buffer, _start, _end - _start);
                    total += _end - _start;
                    _start = _end;
                }
                if (!await FillAsync(cts.Token))
                    return total;
            }
        }

        public async Task<byte[]> ReadAllToEndAsync(TimeSpan? timeout = null)
        {
            var all = new MemoryStream();
            await ReadToEndAsync((b, o, n) => all.Write(b, o, n), timeout);
            return all.ToArray();
        }

        /// <summary>One read call; returns the number of bytes it produced (0 at EOF).</summary>
        public async Task<int> ReadOnceAsync(TimeSpan? timeout = null)
        {
            using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
            _start = _end = 0;
            var n = await _read.ReadAsync(_buffer.AsMemory(0, _buffer.Length), cts.Token);
            _end = n;
            return n;
        }

        public byte[] TakeBuffered()
        {
            var data = _buffer.AsSpan(_start, _end - _start).ToArray();
            _start = _end;
            return data;
        }

        private async Task<bool> FillAsync(CancellationToken token)
        {
            if (_start == _end) _start = _end = 0;
            if (_end == _buffer.Length)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            var n = await _read.ReadAsync(_buffer.AsMemory(_end, _buffer.Length - _end), token);
            _end += n;
            return n > 0;
        }

        public ValueTask DisposeAsync()
        {
            _tcp.Dispose();
            return default;
        }
    }
}
