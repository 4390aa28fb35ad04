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
