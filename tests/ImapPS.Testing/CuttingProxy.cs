using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;

namespace ImapPS.Testing
{
    /// <summary>Where <see cref="CuttingProxy"/> cuts the connection.</summary>
    public enum CutPoint
    {
        /// <summary>Before the matching command line reaches the server: the server never runs it.</summary>
        BeforeCommand,

        /// <summary>After the server has run the command, before its tagged reply reaches the client.</summary>
        BeforeReply,
    }

    /// <summary>
    /// A plain TCP proxy on 127.0.0.1 in front of an IMAP server that cuts the connection at one
    /// chosen client command: the <c>Occurrence</c>-th client line that contains
    /// <c>Pattern</c>. It cuts before the command reaches the server, or after the server answered
    /// it but before the client sees the answer, so tests can produce each partial state of a
    /// multi-step operation deterministically (synchronised on the bytes, never on time).
    /// </summary>
    /// <remarks>Use it without TLS (Connect-Imap -Security None): it reads the client's lines.</remarks>
    public sealed class CuttingProxy : IDisposable
    {
        private readonly TcpListener _listener;
        private readonly string _targetHost;
        private readonly int _targetPort;
        private readonly byte[] _pattern;
        private readonly int _occurrence;
        private readonly CutPoint _cutPoint;
        private readonly ManualResetEventSlim _cut = new ManualResetEventSlim(false);
        private readonly List<TcpClient> _sockets = new List<TcpClient>();
        private readonly object _gate = new object();
        private int _seen;
        private bool _disposed;
        // Cuts in the server's direction (StartCuttingReplies): the occurrences still to cut at, counted over every connection.
        private readonly byte[]? _replyPattern;
        private readonly Queue<int> _replyCuts = new Queue<int>();
        private readonly int _bytesAfter;
        private int _repliesSeen;
        private int _cutCount;
        private readonly ManualResetEventSlim _released = new ManualResetEventSlim(true);
        private bool _holdAfterCut;

        private CuttingProxy(string targetHost, int targetPort, string replyPattern, int[] occurrences, int bytesAfter)
        {
            if (string.IsNullOrEmpty(replyPattern)) throw new ArgumentException("Give a pattern.", nameof(replyPattern));
            if (occurrences == null || occurrences.Length == 0) throw new ArgumentException("Give at least one occurrence.", nameof(occurrences));
            if (bytesAfter < 0) throw new ArgumentOutOfRangeException(nameof(bytesAfter));
            int last = 0;
            foreach (int o in occurrences)
            {
                if (o <= last) throw new ArgumentException("Occurrences start at 1 and increase.", nameof(occurrences));
                _replyCuts.Enqueue(o);
                last = o;
            }
            _targetHost = targetHost;
            _targetPort = targetPort;
            _pattern = new byte[0];
            _occurrence = int.MaxValue;
            _replyPattern = Encoding.ASCII.GetBytes(replyPattern);
            _bytesAfter = bytesAfter;
            _listener = new TcpListener(IPAddress.Loopback, 0);
        }

        private CuttingProxy(string targetHost, int targetPort, string pattern, int occurrence, CutPoint cutPoint)
        {
            if (string.IsNullOrEmpty(pattern)) throw new ArgumentException("Give a pattern.", nameof(pattern));
            if (occurrence < 1) throw new ArgumentOutOfRangeException(nameof(occurrence));
            _targetHost = targetHost;
            _targetPort = targetPort;
            _pattern = Encoding.ASCII.GetBytes(pattern);
            _occurrence = occurrence;
            _cutPoint = cutPoint;
            _listener = new TcpListener(IPAddress.Loopback, 0);
        }

        /// <summary>
        /// Starts a proxy to <paramref name="targetHost"/>:<paramref name="targetPort"/> that cuts
        /// at the <paramref name="occurrence"/>-th client line containing <paramref name="pattern"/>
        /// (e.g. " UID STORE ").
        /// </summary>
        public static CuttingProxy Start(string targetHost, int targetPort, string pattern, int occurrence = 1, CutPoint cutPoint = CutPoint.BeforeCommand)
        {
            var proxy = new CuttingProxy(targetHost, targetPort, pattern, occurrence, cutPoint);
            proxy._listener.Start();
            new Thread(proxy.AcceptLoop) { IsBackground = true, Name = "CuttingProxy accept" }.Start();
            return proxy;
        }

        /// <summary>
        /// Starts a proxy that cuts the server's replies, on every connection it relays: at the
        /// <paramref name="occurrences"/>-th server line (counted over all connections, in increasing
        /// order) that starts with <c>* </c> and contains <paramref name="replyPattern"/> (e.g.
        /// <c>" FETCH ("</c>). With <paramref name="bytesAfter"/> 0 the cut falls before that line
        /// (the client has the responses before it, whole); otherwise the line and
        /// <paramref name="bytesAfter"/> more bytes pass first, so the cut falls inside what follows
        /// (a literal being received). The client's reconnections go through the same proxy, so one
        /// proxy cuts a long stream several times at points fixed by the bytes, not by time.
        /// </summary>
        public static CuttingProxy StartCuttingReplies(string targetHost, int targetPort, string replyPattern, int[] occurrences, int bytesAfter = 0)
        {
            var proxy = new CuttingProxy(targetHost, targetPort, replyPattern, occurrences, bytesAfter);
            proxy._listener.Start();
            new Thread(proxy.AcceptLoop) { IsBackground = true, Name = "CuttingProxy accept" }.Start();
            return proxy;
        }

        /// <summary>How many connections the proxy has cut.</summary>
        public int CutCount => Volatile.Read(ref _cutCount);

        /// <summary>
        /// When true, each cut makes the proxy hold the next connection (accepted, but not connected
        /// on to the server and not relayed) until <see cref="Release"/>: a test changes the server
        /// between the loss and the reconnect.
        /// </summary>
        public bool HoldAfterCut
        {
            get => _holdAfterCut;
            set => _holdAfterCut = value;
        }

        /// <summary>Lets held connections go on to the server.</summary>
        public void Release() => _released.Set();

        /// <summary>The proxy's address.</summary>
        public string Host => "127.0.0.1";

        /// <summary>The proxy's port.</summary>
        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        /// <summary>True once the proxy has cut a connection.</summary>
        public bool HasCut => _cut.IsSet;

        /// <summary>The client line the proxy cut at (without CRLF), once it has.</summary>
        public string? CutLine { get; private set; }

        /// <summary>Waits until the cut happened; false when it did not within <paramref name="timeout"/>.</summary>
        public bool WaitForCut(TimeSpan timeout) => _cut.Wait(timeout);

        private void AcceptLoop()
        {
            while (true)
            {
                TcpClient client;
                try { client = _listener.AcceptTcpClient(); }
                catch (Exception ex) when (ex is SocketException || ex is ObjectDisposedException || ex is InvalidOperationException) { return; }
                if (!_released.IsSet)
                {
                    // Held after a cut (HoldAfterCut); a proxy disposed meanwhile lets go.
                    _released.Wait();
                }
                TcpClient server;
                try
                {
                    server = new TcpClient(AddressFamily.InterNetwork) { NoDelay = true };
                    server.Connect(_targetHost, _targetPort);
                    client.NoDelay = true;
                }
                catch (SocketException)
                {
                    client.Dispose();
                    continue;
                }
                lock (_gate)
                {
                    if (_disposed) { client.Dispose(); server.Dispose(); return; }
                    _sockets.Add(client);
                    _sockets.Add(server);
                }
                var connection = new Connection(this, client, server);
                new Thread(connection.PumpClient) { IsBackground = true, Name = "CuttingProxy client->server" }.Start();
                new Thread(connection.PumpServer) { IsBackground = true, Name = "CuttingProxy server->client" }.Start();
            }
        }

        private bool IsCutLine(byte[] buffer, int start, int length)
        {
            if (_cut.IsSet || IndexOf(buffer, start, length, _pattern) < 0) return false;
            lock (_gate) return ++_seen == _occurrence;
        }

        private static int IndexOf(byte[] buffer, int start, int length, byte[] pattern)
        {
            for (int i = start; i <= start + length - pattern.Length; i++)
            {
                int j = 0;
                while (j < pattern.Length && buffer[i + j] == pattern[j]) j++;
                if (j == pattern.Length) return i;
            }
            return -1;
        }

        /// <summary>True when the server line in <paramref name="buffer"/> is the next one to cut at.</summary>
        private bool IsReplyCutLine(byte[] buffer, int length)
        {
            if (_replyPattern == null || length < 2 || buffer[0] != (byte)'*' || buffer[1] != (byte)' ') return false;
            if (IndexOf(buffer, 0, length, _replyPattern) < 0) return false;
            lock (_gate)
            {
                _repliesSeen++;
                if (_replyCuts.Count == 0 || _replyCuts.Peek() != _repliesSeen) return false;
                _replyCuts.Dequeue();
                return true;
            }
        }

        /// <summary>Stops listening and closes every connection.</summary>
        public void Dispose()
        {
            _released.Set();
            lock (_gate)
            {
                if (_disposed) return;
                _disposed = true;
                foreach (var s in _sockets) s.Dispose();
                _sockets.Clear();
            }
            _listener.Stop();
        }

        private sealed class Connection
        {
            private readonly CuttingProxy _proxy;
            private readonly TcpClient _client;
            private readonly TcpClient _server;
            private volatile byte[]? _armedTag;
            private int _closed;
            // Bytes still to relay before a reply cut (StartCuttingReplies with bytesAfter), or -1.
            private int _cutIn = -1;

            public Connection(CuttingProxy proxy, TcpClient client, TcpClient server)
            {
                _proxy = proxy;
                _client = client;
                _server = server;
            }

            public void PumpClient() => Pump(_client.GetStream(), _server.GetStream(), fromClient: true);

            public void PumpServer() => Pump(_server.GetStream(), _client.GetStream(), fromClient: false);

            // Relays line by line (a line ends at LF; literal bytes pass as lines too), so a cut
            // always falls on a line boundary.
            private void Pump(Stream from, Stream to, bool fromClient)
            {
                var line = new MemoryStream();
                var buffer = new byte[16384];
                try
                {
                    while (true)
                    {
                        int n = from.Read(buffer, 0, buffer.Length);
                        if (n <= 0) break;
                        int start = 0;
                        for (int i = 0; i < n; i++)
                        {
                            if (buffer[i] != (byte)'\n') continue;
                            line.Write(buffer, start, i + 1 - start);
                            start = i + 1;
                            if (!Relay(line, to, fromClient)) return;
                            line.SetLength(0);
                        }
                        line.Write(buffer, start, n - start);
                        // A partial line (a literal without a line end yet) passes on at once, unless it may still be the cut line.
                        if (line.Length > 0 && !fromClient && _armedTag == null && (_proxy._replyPattern == null || _cutIn >= 0))
                        {
                            if (!RelayCounted(line.GetBuffer(), (int)line.Length, to)) return;
                            line.SetLength(0);
                        }
                    }
                }
                catch (Exception ex) when (ex is IOException || ex is ObjectDisposedException || ex is SocketException) { }
                Close();
            }

            private bool Relay(MemoryStream line, Stream to, bool fromClient)
            {
                var bytes = line.GetBuffer();
                int length = (int)line.Length;
                if (fromClient)
                {
                    if (_proxy.IsCutLine(bytes, 0, length))
                    {
                        _proxy.CutLine = Encoding.ASCII.GetString(bytes, 0, length).TrimEnd('\r', '\n');
                        if (_proxy._cutPoint == CutPoint.BeforeCommand)
                        {
                            Cut();
                            return false;
                        }
                        int space = Array.IndexOf(bytes, (byte)' ', 0, length);
                        _armedTag = Encoding.ASCII.GetBytes(Encoding.ASCII.GetString(bytes, 0, space < 0 ? length : space) + " ");
                    }
                }
                else if (_armedTag is byte[] tag && length >= tag.Length && IndexOf(bytes, 0, tag.Length, tag) == 0)
                {
                    Cut();
                    return false;
                }
                else if (_proxy._replyPattern != null)
                {
                    if (_cutIn < 0 && _proxy.IsReplyCutLine(bytes, length))
                    {
                        if (_proxy._bytesAfter == 0)
                        {
                            Cut();
                            return false;
                        }
                        to.Write(bytes, 0, length);
                        _cutIn = _proxy._bytesAfter;
                        return true;
                    }
                    return RelayCounted(bytes, length, to);
                }
                to.Write(bytes, 0, length);
                return true;
            }

            /// <summary>Relays server bytes; once a reply cut is armed, only as many as it leaves, then cuts.</summary>
            private bool RelayCounted(byte[] bytes, int length, Stream to)
            {
                if (_cutIn < 0)
                {
                    to.Write(bytes, 0, length);
                    return true;
                }
                int pass = Math.Min(length, _cutIn);
                if (pass > 0) to.Write(bytes, 0, pass);
                _cutIn -= pass;
                if (_cutIn > 0) return true;
                to.Flush();
                Cut();
                return false;
            }

            private void Cut()
            {
                // Set before closing: the client can only see the cut after it, so a test that
                // observes the client's failure finds HasCut true.
                Interlocked.Increment(ref _proxy._cutCount);
                if (_proxy._holdAfterCut) _proxy._released.Reset();
                _proxy._cut.Set();
                Close();
            }

            private void Close()
            {
                if (Interlocked.Exchange(ref _closed, 1) != 0) return;
                _client.Dispose();
                _server.Dispose();
            }
        }
    }
}
