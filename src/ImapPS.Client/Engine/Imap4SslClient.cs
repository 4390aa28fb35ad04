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

    /// <summary>
    /// An IMAP client that talks to a subprocess over its standard streams (imaplib2's
    /// IMAP4_stream), e.g. <c>ssh host /usr/lib/dovecot/imap</c>. Such servers usually greet with
    /// PREAUTH, so the client starts in the AUTH state.
    /// </summary>
    public class Imap4StreamClient : Imap4Client
    {
        private readonly string? _commandLine;
        private readonly string? _fileName;
        private readonly string[]? _arguments;

        /// <summary>Runs <paramref name="command"/> through the shell and reads its greeting.</summary>
        public Imap4StreamClient(string command, ImapClientOptions? options = null)
            : base(command, 0, options, connect: false)
        {
            _commandLine = command;
            Sync(ConnectCoreAsync());
        }

        /// <summary>Runs a program with arguments (no shell) and reads its greeting.</summary>
        public Imap4StreamClient(string fileName, string[] arguments, ImapClientOptions? options = null)
            : base(fileName, 0, options, connect: false)
        {
            _fileName = fileName;
            _arguments = arguments;
            Sync(ConnectCoreAsync());
        }

        /// <inheritdoc />
        protected override Task<ImapTransport> OpenTransportAsync()
        {
            ImapTransport transport = _commandLine != null
                ? ProcessTransport.StartShell(_commandLine)
                : ProcessTransport.Start(_fileName!, _arguments!);
            return Task.FromResult(transport);
        }
    }
}
