using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using ImapPS.Client.Protocol;
using ImapPS.Client.Transport;

namespace ImapPS.Client
{
    /// <summary>
    /// Runs the engine once through a short session (greeting, LOGIN, EXAMINE, UID SEARCH, UID FETCH
    /// of summaries, NOOP, LOGOUT) against a scripted peer inside this process, so that the runtime
    /// compiles what a first real session needs before that session needs it.
    /// </summary>
    /// <remarks>
    /// ReadyToRun images hold the engine's own methods, but not .NET's generic code instantiated
    /// over the engine's types (async state machines, <c>List&lt;uint&gt;</c>, <c>Dictionary&lt;uint, …&gt;</c>):
    /// those are compiled on first use, which in a cold process puts tens of milliseconds in front of
    /// the first connect and the first fetch. Started on another thread while the host is still busy
    /// (PowerShell's Import-Module), that work runs on another core. Nothing leaves the process:
    /// no socket, file or handle is opened, and the session's threads end with its LOGOUT.
    /// </remarks>
    public static class ImapWarmUp
    {
        private const string CapabilityList = "IMAP4rev1 LITERAL+ SASL-IR ID ENABLE IDLE SORT ESEARCH CONDSTORE UIDPLUS MOVE NAMESPACE SPECIAL-USE AUTH=PLAIN";
        private static readonly object Gate = new object();
        private static Task? _started;

        /// <summary>What ended the warm-up <see cref="Start"/> began, if it failed (only ever a defect); null otherwise.</summary>
        public static Exception? Failure { get; private set; }

        /// <summary>
        /// Starts the warm-up once per process on the thread pool and returns its task; later calls
        /// return the same task. The task never faults: a failure only means less was compiled ahead,
        /// and is kept in <see cref="Failure"/>.
        /// </summary>
        public static Task Start()
        {
            lock (Gate)
            {
                return _started ??= Task.Run(async () =>
                {
                    // The warm-up only saves time: a real session reports its own errors.
                    try { await RunAsync().ConfigureAwait(false); }
                    catch (Exception e) { Failure = e; }
                });
            }
        }

        /// <summary>
        /// Runs one warm-up session now. Throws when a step fails (<see cref="InvalidOperationException"/>
        /// for an answer other than the script's), which can only be a defect of the engine or the script.
        /// </summary>
        public static async Task RunAsync()
        {
            var transport = new InProcessTransport("in-process warm-up");
            var options = new ImapClientOptions { DebugBufferLevel = 0, ConnectTimeout = TimeSpan.FromSeconds(10), ResponseTimeout = TimeSpan.FromSeconds(10), TcpKeepAlive = null };
            var client = new InProcessClient(transport, options);
            Task peer = Task.CompletedTask;
            try
            {
                // The peer greets only once the client waits for it, as over a network: the connect's
                // awaits then suspend, and the runtime compiles the same state-machine code a real one needs.
                var connect = client.ConnectAsync();
                peer = ServeAsync(transport.Peer);
                await connect.ConfigureAwait(false);
                Expect(await client.LoginAsync("warm-up", "warm-up").ConfigureAwait(false), "LOGIN");
                Expect(await client.SelectAsync("INBOX", readOnly: true, condStore: true).ConfigureAwait(false), "EXAMINE");
                if (await client.SelectedHighestModSeqAsync().ConfigureAwait(false) != 7) throw new InvalidOperationException("The warm-up's EXAMINE did not report HIGHESTMODSEQ 7.");
                var uids = await client.UidSearchAsync(SearchKey.All, compactResult: true).ConfigureAwait(false);
                var fetched = new List<FetchData>();
                Expect(await client.UidFetchEachAsync(SequenceSet.Build(uids), FetchItems.Summary.With(FetchAttributes.ModSeq), r => fetched.Add(FetchData.Parse(r))).ConfigureAwait(false), "UID FETCH");
                if (uids.Count != 3 || fetched.Count != 3 || fetched[2].Envelope == null) throw new InvalidOperationException("The warm-up's SEARCH and FETCH did not see its three messages.");
                Expect(await client.NoopAsync().ConfigureAwait(false), "NOOP");
                await client.LogoutAsync().ConfigureAwait(false);
            }
            finally
            {
                client.Dispose();
                transport.Dispose();
            }
            await peer.ConfigureAwait(false);
        }

        private static void Expect(ImapResponse response, string command)
        {
            if (!response.IsOk) throw new InvalidOperationException("The warm-up's " + command + " was answered " + response.Type + ".");
        }

        private sealed class InProcessClient : Imap4Client
        {
            private readonly InProcessTransport _transport;

            public InProcessClient(InProcessTransport transport, ImapClientOptions options)
                : base("warm-up", 0, options, connect: false)
            {
                _transport = transport;
            }

            public Task ConnectAsync() => ConnectCoreAsync();

            protected override Task<ImapTransport> OpenTransportAsync() => Task.FromResult<ImapTransport>(_transport);
        }

        // Just enough of a server for the session above, answering as Dovecot does.
        private static async Task ServeAsync(Stream peer)
        {
            var reader = new LineReader(peer);
            await Send(peer, "* OK [CAPABILITY " + CapabilityList + "] warm-up ready.\r\n").ConfigureAwait(false);
            while (await reader.ReadLineAsync().ConfigureAwait(false) is string line)
            {
                string[] words = line.Split(' ');
                if (words.Length < 2) return;
                string tag = words[0];
                string command = words[1].ToUpperInvariant();
                if (command == "UID" && words.Length > 2) command += " " + words[2].ToUpperInvariant();
                string reply;
                switch (command)
                {
                    case "CAPABILITY":
                        reply = "* CAPABILITY " + CapabilityList + "\r\n" + tag + " OK Capability completed.\r\n";
                        break;
                    case "LOGIN":
                        reply = tag + " OK [CAPABILITY " + CapabilityList + "] Logged in\r\n";
                        break;
                    case "SELECT":
                    case "EXAMINE":
                        reply = "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n* OK [PERMANENTFLAGS ()] Read-only mailbox.\r\n* 3 EXISTS\r\n* 0 RECENT\r\n" +
                            "* OK [UIDVALIDITY 1765000000] UIDs valid\r\n* OK [UIDNEXT 4] Predicted next UID\r\n" +
                            (line.IndexOf("CONDSTORE", StringComparison.OrdinalIgnoreCase) >= 0 ? "* OK [HIGHESTMODSEQ 7] Highest\r\n" : "") +
                            tag + " OK [READ-ONLY] Examine completed.\r\n";
                        break;
                    case "STATUS":
                        reply = "* STATUS INBOX (HIGHESTMODSEQ 7)\r\n" + tag + " OK Status completed.\r\n";
                        break;
                    case "UID SEARCH":
                        reply = (line.IndexOf("RETURN", StringComparison.OrdinalIgnoreCase) >= 0 ? "* ESEARCH (TAG \"" + tag + "\") UID ALL 1:3\r\n" : "* SEARCH 1 2 3\r\n") +
                            tag + " OK Search completed.\r\n";
                        break;
                    case "UID FETCH":
                        reply = Summary(1, "\\Seen", "Warm-up", 3) + Summary(2, "", "=?UTF-8?B?V2FybS11cCDigJQgdHdv?=", 5) + Summary(3, "\\Flagged \\Seen", "Warm-up three", 7) +
                            tag + " OK Fetch completed.\r\n";
                        break;
                    case "LOGOUT":
                        await Send(peer, "* BYE Logging out\r\n" + tag + " OK Logout completed.\r\n").ConfigureAwait(false);
                        return;
                    case "NOOP":
                        reply = tag + " OK NOOP completed.\r\n";
                        break;
                    default:
                        reply = tag + " BAD Not part of the warm-up.\r\n";
                        break;
                }
                await Send(peer, reply).ConfigureAwait(false);
            }
        }

        private static string Summary(int uid, string flags, string subject, int modSeq)
            => "* " + uid + " FETCH (UID " + uid + " FLAGS (" + flags + ") INTERNALDATE \"07-Dec-2026 10:0" + uid + ":00 +0000\" RFC822.SIZE " + (400 + uid) +
               " ENVELOPE (\"Mon, 07 Dec 2026 10:0" + uid + ":00 +0000\" \"" + subject + "\" ((\"Ann Example\" NIL \"ann\" \"example.org\")) ((\"Ann Example\" NIL \"ann\" \"example.org\")) " +
               "((\"Ann Example\" NIL \"ann\" \"example.org\")) ((NIL NIL \"bob\" \"example.org\")(\"Carol\" NIL \"carol\" \"example.org\")) NIL NIL NIL \"<" + uid + "@example.org>\") MODSEQ (" + modSeq + "))\r\n";

        private static Task Send(Stream peer, string text)
        {
            var bytes = Encoding.ASCII.GetBytes(text);
            return peer.WriteAsync(bytes, 0, bytes.Length);
        }

        /// <summary>Reads CRLF-ended lines (the warm-up's commands carry no literals).</summary>
        private sealed class LineReader
        {
            private readonly Stream _stream;
            private readonly byte[] _buffer = new byte[4096];
            private int _start;
            private int _end;

            public LineReader(Stream stream) => _stream = stream;

            public async Task<string?> ReadLineAsync()
            {
                var line = new StringBuilder();
                while (true)
                {
                    if (_start == _end)
                    {
                        _start = 0;
                        _end = await _stream.ReadAsync(_buffer, 0, _buffer.Length).ConfigureAwait(false);
                        if (_end == 0) return null;
                    }
                    byte b = _buffer[_start++];
                    if (b == (byte)'\n') return line.ToString().TrimEnd('\r');
                    line.Append((char)b);
                }
            }
        }
    }
}
