using System.Threading.Tasks;
using ImapPS.Client.Transport;

namespace ImapPS.Client
{
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
