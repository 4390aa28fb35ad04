using System;
using System.Threading;
using System.Threading.Tasks;

namespace ImapPS.Client
{
    /// <summary>How a connection is protected, as a recipe repeats it.</summary>
    public enum ImapTransportSecurity
    {
        /// <summary>No TLS.</summary>
        None,
        /// <summary>A plain connection upgraded with STARTTLS before authenticating; a server that no longer offers it is refused.</summary>
        StartTls,
        /// <summary>Implicit TLS from the first byte (IMAPS).</summary>
        Implicit,
    }

    /// <summary>
    /// Everything needed to make the same connection again: endpoint, TLS policy with its
    /// certificate rule (in <see cref="Options"/>), authentication, compression. A reconnect never
    /// asks for less security than the recipe: STARTTLS not offered any more fails, it does not fall
    /// back to clear text.
    /// </summary>
    public sealed class ImapConnectionRecipe
    {
        /// <summary>A TCP connection to <paramref name="host"/>:<paramref name="port"/>.</summary>
        public ImapConnectionRecipe(string host, int port, ImapTransportSecurity security, ImapAuthentication authentication, ImapClientOptions? options = null)
        {
            if (string.IsNullOrEmpty(host)) throw new ArgumentException("Give a host.", nameof(host));
            if (port < 1 || port > 65535) throw new ArgumentOutOfRangeException(nameof(port));
            Host = host;
            Port = port;
            Security = security;
            Authentication = authentication ?? throw new ArgumentNullException(nameof(authentication));
            Options = (options ?? new ImapClientOptions()).Clone();
            // A recipe that promises TLS must not accept a PREAUTH greeting in clear either.
            if (security != ImapTransportSecurity.None) Options.RequireTls = true;
        }

        private ImapConnectionRecipe(string command, ImapClientOptions? options)
        {
            Host = command;
            Command = command;
            Authentication = ImapAuthentication.None;
            Options = (options ?? new ImapClientOptions()).Clone();
        }

        /// <summary>A subprocess that speaks IMAP on its standard streams (<see cref="Imap4StreamClient"/>).</summary>
        public static ImapConnectionRecipe ForCommand(string command, ImapClientOptions? options = null)
        {
            if (string.IsNullOrEmpty(command)) throw new ArgumentException("Give a command.", nameof(command));
            return new ImapConnectionRecipe(command, options);
        }

        /// <summary>The host (or the command line of a stream connection).</summary>
        public string Host { get; }

        /// <summary>The port (0 for a stream connection).</summary>
        public int Port { get; }

        /// <summary>The command line of a stream connection, else null.</summary>
        public string? Command { get; }

        /// <summary>How the connection is protected.</summary>
        public ImapTransportSecurity Security { get; }

        /// <summary>How the connection authenticates.</summary>
        public ImapAuthentication Authentication { get; }

        /// <summary>The client options (a copy; TLS options hold the certificate rule).</summary>
        public ImapClientOptions Options { get; }

        /// <summary>Turn on COMPRESS=DEFLATE when offered.</summary>
        public bool Compress { get; set; }

        /// <summary>Makes a new, connected and authenticated client. Nothing is left open when it fails.</summary>
        public async Task<Imap4Client> ConnectAsync(CancellationToken cancellationToken = default)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Imap4Client client;
            if (Command != null)
            {
                var command = Command;
                client = await Task.Run(() => (Imap4Client)new Imap4StreamClient(command, Options), cancellationToken).ConfigureAwait(false);
            }
            else if (Security == ImapTransportSecurity.Implicit)
                client = await Imap4SslClient.ConnectAsync(Host, Port, Options).ConfigureAwait(false);
            else
                client = await Imap4Client.ConnectAsync(Host, Port, Options).ConfigureAwait(false);
            try
            {
                if (Security == ImapTransportSecurity.StartTls && client.State == ImapState.NONAUTH)
                {
                    if (!client.HasCapability("STARTTLS"))
                        throw new ImapSecurityException("The server " + Host + ":" + Port + " no longer offers STARTTLS; the connection is not made without TLS.");
                    var tls = await client.StartTlsAsync().ConfigureAwait(false);
                    if (!tls.IsOk) throw new ImapSecurityException("STARTTLS was refused: " + tls.Text);
                }
                if (client.State == ImapState.NONAUTH)
                    await Authentication.AuthenticateAsync(client, Host, Port, cancellationToken).ConfigureAwait(false);
                if (Compress && client.HasCapability("COMPRESS=DEFLATE"))
                {
                    var compress = await client.EnableCompressionAsync().ConfigureAwait(false);
                    if (!compress.IsOk) throw new ImapCommandException("COMPRESS", compress);
                }
                return client;
            }
            catch
            {
                client.Dispose();
                throw;
            }
        }

        /// <inheritdoc />
        public override string ToString() => Command ?? ((Authentication.UserName == null ? "" : Authentication.UserName + "@") + Host + ":" + Port + " (" + Security + ")");
    }
}
