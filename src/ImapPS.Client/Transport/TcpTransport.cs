using System;
using System.IO;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;

namespace ImapPS.Client.Transport
{
    /// <summary>A TCP connection, optionally upgraded to TLS at connect time or later (STARTTLS).</summary>
    public sealed class TcpTransport : ImapTransport
    {
        private readonly Socket _socket;
        private readonly NetworkStream _network;
        private SslStream? _tls;
        private readonly string _description;

        private TcpTransport(Socket socket, string description)
        {
            _socket = socket;
            _network = new NetworkStream(socket, ownsSocket: true);
            _description = description;
            ReadStream = _network;
            WriteStream = _network;
        }

        /// <inheritdoc />
        public override string Description => _description;

        /// <summary>Connects to host:port within <paramref name="timeout"/>; disposes everything on failure.</summary>
        public static async Task<TcpTransport> ConnectAsync(string host, int port, TimeSpan timeout, CancellationToken cancellationToken = default)
        {
            using (var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                cts.CancelAfter(timeout);
                IPAddress[] addresses;
                if (IPAddress.TryParse(host, out var literal)) addresses = new[] { literal };
                else addresses = await WithCancellation(Dns.GetHostAddressesAsync(host), cts.Token, "resolving " + host).ConfigureAwait(false);
                Exception? last = null;
                foreach (var address in addresses)
                {
                    var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                    try
                    {
                        await WithCancellation(socket.ConnectAsync(address, port), cts.Token, "connecting to " + host + ":" + port).ConfigureAwait(false);
                        socket.SendTimeout = (int)Math.Min(int.MaxValue, Math.Max(1, timeout.TotalMilliseconds));
                        return new TcpTransport(socket, host + ":" + port);
                    }
                    catch (Exception e)
                    {
                        socket.Dispose();
                        last = e;
                        if (cancellationToken.IsCancellationRequested) throw;
                    }
                }
                throw last ?? new IOException("No address found for " + host);
            }
        }

        /// <summary>Performs the TLS handshake over this connection (implicit TLS, or after STARTTLS).</summary>
        public override async Task StartTlsAsync(TlsOptions options, string host, TimeSpan timeout)
        {
            if (_tls != null) throw new InvalidOperationException("TLS is already active.");
            string? rejection = null;
            // The server's first bytes tell why a handshake failed (an alert, an old ServerHello,
            // a plain IMAP greeting) where the platform only says "authentication failed".
            var recorder = new FirstBytesStream(_network);
            var tls = new SslStream(recorder, leaveInnerStreamOpen: true,
                (sender, certificate, chain, errors) => options.Validate(host, certificate, chain, errors, out rejection));
            var clientCerts = new X509CertificateCollection();
            if (options.ClientCertificate != null) clientCerts.Add(options.ClientCertificate);
            var handshake = tls.AuthenticateAsClientAsync(host, clientCerts, options.Protocols, checkCertificateRevocation: false);
            try
            {
                using (var cts = new CancellationTokenSource(timeout))
                    await WithCancellation(handshake, cts.Token, "the TLS handshake with " + host).ConfigureAwait(false);
            }
            catch (Exception e) when (e is AuthenticationException || (e is IOException && !(e is TimeoutException)))
            {
                tls.Dispose();
                if (rejection != null)
                    throw new ImapSecurityException("TLS with " + host + " failed: " + rejection, TlsFailureKind.Certificate, e);
                var kind = TlsDiagnosis.Diagnose(recorder.FirstBytes, out string reason);
                if (kind == TlsFailureKind.Other) reason = TlsDiagnosis.Describe(e, options);
                throw new ImapSecurityException("TLS with " + host + " failed: " + reason, kind, e);
            }
            catch (Exception)
            {
                // Closing the socket is what makes a stuck handshake give up its thread.
                tls.Dispose();
                Dispose();
                throw;
            }
            _tls = tls;
            ReadStream = tls;
            WriteStream = tls;
            IsEncrypted = true;
            TlsProtocol = tls.SslProtocol;
        }

        // SocketOptionName values of .NET Core 3.0+ (TCP_KEEPIDLE/TCP_KEEPINTVL/TCP_KEEPCNT there), absent
        // from netstandard2.0's enum; .NET Framework passes them to Windows as the same TCP options.
        private const SocketOptionName KeepAliveTimeOption = (SocketOptionName)3;
        private const SocketOptionName KeepAliveIntervalOption = (SocketOptionName)17;
        private const SocketOptionName KeepAliveRetryCountOption = (SocketOptionName)16;

        /// <summary>How often, and how many times, keepalive probes an unanswering peer before the system drops the connection.</summary>
        public static readonly TimeSpan KeepAliveProbeInterval = TimeSpan.FromSeconds(10);

        /// <summary>How many unanswered keepalive probes end the connection.</summary>
        public const int KeepAliveProbeCount = 3;

        /// <summary>
        /// Turns TCP keepalive on (SO_KEEPALIVE). With <paramref name="idle"/>, the first probe goes
        /// after that long without traffic, then one every <see cref="KeepAliveProbeInterval"/>, up to
        /// <see cref="KeepAliveProbeCount"/>, where the platform lets a socket set them; elsewhere the
        /// system's keepalive times apply. Returns false when even SO_KEEPALIVE was refused.
        /// </summary>
        public bool EnableKeepAlive(TimeSpan? idle)
        {
            try
            {
                _socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
            }
            catch (Exception e) when (e is SocketException || e is PlatformNotSupportedException || e is NotSupportedException)
            {
                return false;
            }
            if (idle == null) return true;
            try
            {
                _socket.SetSocketOption(SocketOptionLevel.Tcp, KeepAliveTimeOption, (int)Math.Max(1, Math.Min(int.MaxValue, idle.Value.TotalSeconds)));
                _socket.SetSocketOption(SocketOptionLevel.Tcp, KeepAliveIntervalOption, (int)KeepAliveProbeInterval.TotalSeconds);
                _socket.SetSocketOption(SocketOptionLevel.Tcp, KeepAliveRetryCountOption, KeepAliveProbeCount);
            }
            catch (Exception e) when (e is SocketException || e is PlatformNotSupportedException || e is NotSupportedException)
            {
                // An older system without per-socket keepalive times: its own times apply.
            }
            return true;
        }

        /// <summary>True when SO_KEEPALIVE is on for this connection's socket.</summary>
        public bool KeepAliveEnabled => SocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive) is int on && on != 0;

        /// <summary>The idle time before the first keepalive probe as the socket reports it, or null where the platform does not say.</summary>
        public TimeSpan? KeepAliveTime => SocketOption(SocketOptionLevel.Tcp, KeepAliveTimeOption) is int seconds ? TimeSpan.FromSeconds(seconds) : (TimeSpan?)null;

        private object? SocketOption(SocketOptionLevel level, SocketOptionName name)
        {
            try
            {
                return _socket.GetSocketOption(level, name);
            }
            catch (Exception e) when (e is SocketException || e is PlatformNotSupportedException || e is NotSupportedException || e is ObjectDisposedException)
            {
                return null;
            }
        }

        /// <inheritdoc />
        protected override void CloseCore()
        {
            try { _socket.Shutdown(SocketShutdown.Both); } catch (Exception) { /* already gone */ }
            SafeDispose(_tls);
            SafeDispose(_network);
            SafeDispose(_socket);
        }

        internal static async Task<T> WithCancellation<T>(Task<T> task, CancellationToken token, string what)
        {
            await WithCancellation((Task)task, token, what).ConfigureAwait(false);
            return await task.ConfigureAwait(false);
        }

        internal static async Task WithCancellation(Task task, CancellationToken token, string what)
        {
            var tcs = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            using (token.Register(() => tcs.TrySetResult(true)))
            {
                if (await Task.WhenAny(task, tcs.Task).ConfigureAwait(false) != task)
                {
                    // Observe the abandoned task's eventual fault so it is not reported as unobserved.
                    _ = task.ContinueWith(t => _ = t.Exception, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously);
                    throw new TimeoutException("Timed out " + what + ".");
                }
            }
            await task.ConfigureAwait(false);
        }
    }
}
