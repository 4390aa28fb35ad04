using System;
using System.IO;
using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace ImapPS.Client.Tests.Engine
{
    /// <summary>
    /// A one-connection IMAP server on loopback whose behaviour a test scripts line by line, for
    /// what Dovecot cannot show: exact bytes of OAuth exchanges, data arriving in the same read as
    /// an OK, a server that reads but never answers. Every read has a timeout so a broken script
    /// fails the test instead of hanging it.
    /// </summary>
    internal sealed class ScriptedServer : IDisposable
    {
        private readonly TcpListener _listener = new TcpListener(IPAddress.Loopback, 0);
        private readonly Task _script;
        private TcpClient? _client;

        public ScriptedServer(Func<ScriptedConnection, Task> script)
        {
            _listener.Start();
            Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
            _script = Task.Run(async () =>
            {
                _client = await _listener.AcceptTcpClientAsync().ConfigureAwait(false);
                _client.NoDelay = true;
                using var connection = new ScriptedConnection(_client.GetStream());
                await script(connection).ConfigureAwait(false);
            });
        }

        public int Port { get; }

        /// <summary>Waits for the script to finish and rethrows its assertion failures.</summary>
        public void Completed(TimeSpan? timeout = null)
        {
            Assert.True(_script.Wait(timeout ?? TimeSpan.FromSeconds(20)), "the scripted server did not finish");
        }

        public void Dispose()
        {
            _listener.Stop();
            _client?.Dispose();
        }
    }

    internal sealed class ScriptedConnection : IDisposable
    {
        private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(15);
        private Stream _read;
        private Stream _write;
        private readonly NetworkStream _network;
        private MemoryStream? _deflated;
        private DeflateStream? _deflater;

        public ScriptedConnection(NetworkStream network)
        {
            _network = network;
            _read = network;
            _write = network;
        }

        /// <summary>Reads one line (without CRLF); null at end of stream.</summary>
        public async Task<string?> ReadLineAsync()
        {
            var bytes = new MemoryStream();
            var one = new byte[1];
            using var cts = new CancellationTokenSource(ReadTimeout);
            while (true)
            {
                int n = await _read.ReadAsync(one, 0, 1, cts.Token).ConfigureAwait(false);
                if (n == 0) return bytes.Length == 0 ? null : Encoding.UTF8.GetString(bytes.ToArray());
                if (one[0] == '\n') break;
                bytes.WriteByte(one[0]);
            }
            var line = Encoding.UTF8.GetString(bytes.ToArray());
            return line.EndsWith("\r", StringComparison.Ordinal) ? line.Substring(0, line.Length - 1) : line;
        }

        /// <summary>Reads a command line and returns its tag, asserting the rest.</summary>
        public async Task<string> ExpectAsync(string commandAfterTag)
        {
            var line = await ReadLineAsync().ConfigureAwait(false);
            Assert.NotNull(line);
            int space = line!.IndexOf(' ');
            Assert.True(space > 0, "not a command: " + line);
            Assert.Equal(commandAfterTag, line.Substring(space + 1));
            return line.Substring(0, space);
        }

        public Task SendAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text));

        public async Task SendAsync(byte[] bytes)
        {
            if (_deflater != null)
            {
                _deflater.Write(bytes, 0, bytes.Length);
                _deflater.Flush();
                bytes = _deflated!.ToArray();
                _deflated.SetLength(0);
            }
            await _write.WriteAsync(bytes, 0, bytes.Length).ConfigureAwait(false);
            await _write.FlushAsync().ConfigureAwait(false);
        }

        /// <summary>
        /// Answers COMPRESS with its OK and, in the same socket write, the first compressed bytes
        /// (<paramref name="firstCompressed"/>); from then on both directions are compressed.
        /// </summary>
        public async Task StartCompressionAsync(string tag, string firstCompressed)
        {
            _deflated = new MemoryStream();
            _deflater = new DeflateStream(_deflated, CompressionLevel.Fastest, leaveOpen: true);
            _deflater.Write(Encoding.ASCII.GetBytes(firstCompressed), 0, firstCompressed.Length);
            _deflater.Flush();
            var ok = Encoding.ASCII.GetBytes(tag + " OK DEFLATE active\r\n");
            var all = new byte[ok.Length + _deflated.Length];
            ok.CopyTo(all, 0);
            _deflated.ToArray().CopyTo(all, ok.Length);
            _deflated.SetLength(0);
            await _network.WriteAsync(all, 0, all.Length).ConfigureAwait(false);
            _read = new DeflateStream(_network, CompressionMode.Decompress, leaveOpen: true);
        }

        /// <summary>Answers LOGOUT the way servers do: BYE, the tagged OK, then closes.</summary>
        public async Task LogoutAsync()
        {
            var tag = await ExpectAsync("LOGOUT").ConfigureAwait(false);
            await SendAsync("* BYE bye\r\n" + tag + " OK done\r\n").ConfigureAwait(false);
        }

        public void Dispose()
        {
            _deflater?.Dispose();
            _network.Dispose();
        }
    }
}
