using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Threading;

namespace ImapPS.Testing
{
    /// <summary>
    /// A TCP proxy to an IMAP server that holds every connection's first server bytes (the greeting)
    /// until <see cref="Quorum"/> connections are open at once, then relays everything unchanged. A
    /// client that opens its connections one after another (waiting for one to finish before the
    /// next) never gets a greeting until the release timeout, so <see cref="MetQuorum"/> proves that
    /// connections were open at the same time, without any timing assertion.
    /// </summary>
    public sealed class RendezvousProxy : IDisposable
    {
        private readonly TcpListener _listener;
        private readonly string _targetHost;
        private readonly int _targetPort;
        private readonly ManualResetEventSlim _release = new ManualResetEventSlim(false);
        private readonly TimeSpan _releaseTimeout;
        private readonly List<TcpClient> _sockets = new List<TcpClient>();
        private readonly object _gate = new object();
        private int _open;
        private int _accepted;
        private bool _disposed;

        private RendezvousProxy(string targetHost, int targetPort, int quorum, TimeSpan releaseTimeout)
        {
            if (quorum < 1) throw new ArgumentOutOfRangeException(nameof(quorum));
            _targetHost = targetHost;
            _targetPort = targetPort;
            Quorum = quorum;
            _releaseTimeout = releaseTimeout;
            _listener = new TcpListener(IPAddress.Loopback, 0);
        }

        /// <summary>Starts a proxy to <paramref name="targetHost"/>:<paramref name="targetPort"/> that releases greetings once <paramref name="quorum"/> connections are open (or after <paramref name="releaseTimeoutSeconds"/>, so a failing test ends).</summary>
        public static RendezvousProxy Start(string targetHost, int targetPort, int quorum, int releaseTimeoutSeconds = 30)
        {
            var proxy = new RendezvousProxy(targetHost, targetPort, quorum, TimeSpan.FromSeconds(releaseTimeoutSeconds));
            proxy._listener.Start();
            new Thread(proxy.AcceptLoop) { IsBackground = true, Name = "RendezvousProxy accept" }.Start();
            return proxy;
        }

        /// <summary>The proxy's address.</summary>
        public string Host => "127.0.0.1";

        /// <summary>The proxy's port.</summary>
        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        /// <summary>How many connections must be open at once before any greeting passes.</summary>
        public int Quorum { get; }

        /// <summary>True when the greetings were released because <see cref="Quorum"/> connections were open at once (false: by the timeout, or not yet).</summary>
        public bool MetQuorum { get; private set; }

        /// <summary>Connections open now (accepted, not yet closed by either side).</summary>
        public int Open { get { lock (_gate) return _open; } }

        /// <summary>Connections accepted so far.</summary>
        public int Accepted => Volatile.Read(ref _accepted);

        private void AcceptLoop()
        {
            while (true)
            {
                TcpClient client;
                try { client = _listener.AcceptTcpClient(); }
                catch (Exception ex) when (ex is SocketException || ex is ObjectDisposedException || ex is InvalidOperationException) { return; }
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
                    _accepted++;
                    if (++_open >= Quorum && !_release.IsSet)
                    {
                        MetQuorum = true;
                        _release.Set();
                    }
                }
                var connection = new Connection(this, client, server);
                new Thread(connection.PumpClient) { IsBackground = true, Name = "RendezvousProxy client->server" }.Start();
                new Thread(connection.PumpServer) { IsBackground = true, Name = "RendezvousProxy server->client" }.Start();
            }
        }

        private void Closed()
        {
            lock (_gate)
            {
                _open--;
                Monitor.PulseAll(_gate);
            }
        }

        /// <summary>Waits until at most <paramref name="count"/> connections are open; false when that did not happen within <paramref name="timeout"/>.</summary>
        public bool WaitUntilOpenAtMost(int count, TimeSpan timeout)
        {
            var deadline = DateTime.UtcNow + timeout;
            lock (_gate)
            {
                while (_open > count)
                {
                    var left = deadline - DateTime.UtcNow;
                    if (left <= TimeSpan.Zero) return false;
                    Monitor.Wait(_gate, left);
                }
                return true;
            }
        }

        /// <summary>Stops listening and closes every connection.</summary>
        public void Dispose()
        {
            lock (_gate)
            {
                if (_disposed) return;
                _disposed = true;
                foreach (var s in _sockets) s.Dispose();
                _sockets.Clear();
            }
            _release.Set();
            _listener.Stop();
        }

        private sealed class Connection
        {
            private readonly RendezvousProxy _proxy;
            private readonly TcpClient _client;
            private readonly TcpClient _server;
            private int _closed;

            public Connection(RendezvousProxy proxy, TcpClient client, TcpClient server)
            {
                _proxy = proxy;
                _client = client;
                _server = server;
            }

            public void PumpClient() => Pump(_client.GetStream(), _server.GetStream(), hold: false);

            public void PumpServer() => Pump(_server.GetStream(), _client.GetStream(), hold: true);

            private void Pump(Stream from, Stream to, bool hold)
            {
                var buffer = new byte[16384];
                try
                {
                    // The greeting waits here, already read from the server, until the quorum is met.
                    if (hold) _proxy._release.Wait(_proxy._releaseTimeout);
                    while (true)
                    {
                        int n = from.Read(buffer, 0, buffer.Length);
                        if (n <= 0) break;
                        to.Write(buffer, 0, n);
                    }
                }
                catch (Exception ex) when (ex is IOException || ex is ObjectDisposedException || ex is SocketException) { }
                Close();
            }

            private void Close()
            {
                if (Interlocked.Exchange(ref _closed, 1) != 0) return;
                _proxy.Closed();
                try { _client.Dispose(); } catch (ObjectDisposedException) { }
                try { _server.Dispose(); } catch (ObjectDisposedException) { }
            }
        }
    }
}
