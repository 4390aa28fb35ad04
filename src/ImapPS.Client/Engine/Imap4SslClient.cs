using System.Threading.Tasks;
using ImapPS.Client.Transport;

namespace ImapPS.Client
{
    /// <summary>An IMAP client over implicit TLS (port 993 by default). The certificate is validated per <see cref="ImapClientOptions.Tls"/>.</summary>
    public class Imap4SslClient : Imap4Client
    {
        /// <summary>Connects, performs the TLS handshake and reads the greeting.</summary>
        /// <exception cref="ImapSecurityException">The certificate was not trusted or TLS failed.</exception>
        public Imap4SslClient(string host = "localhost", int port = 993, ImapClientOptions? options = null)
            : base(host, port, options, connect: false)
        {
            Sync(ConnectCoreAsync());
        }

        private Imap4SslClient(string host, int port, ImapClientOptions? options, bool connect)
            : base(host, port, options, connect)
        {
        }

        /// <summary>Connects over implicit TLS without blocking a thread.</summary>
        public static new async Task<Imap4SslClient> ConnectAsync(string host = "localhost", int port = 993, ImapClientOptions? options = null)
        {
            var client = new Imap4SslClient(host, port, options, connect: false);
            await client.ConnectCoreAsync().ConfigureAwait(false);
            return client;
        }

        /// <inheritdoc />
        protected override async Task<ImapTransport> OpenTransportAsync()
        {
            var transport = await TcpTransport.ConnectAsync(Host, Port, Options.ConnectTimeout).ConfigureAwait(false);
            try
            {
                await transport.StartTlsAsync(Options.Tls, Host, Options.ConnectTimeout).ConfigureAwait(false);
            }
            catch
            {
                transport.Dispose();
                throw;
            }
            return transport;
        }
    }
}
