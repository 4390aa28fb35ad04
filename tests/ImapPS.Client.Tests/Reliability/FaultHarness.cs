using System;
using System.IO;
using System.Threading.Tasks;
using ImapPS.Client.Tests.Support;

namespace ImapPS.Client.Tests.Reliability
{
    /// <summary>What one fault case ended with.</summary>
    internal sealed class FaultOutcome
    {
        public Exception? Error { get; set; }
        public TimeSpan Elapsed { get; set; }
        public Imap4Client? Client { get; set; }
        public ScriptedImapServer Server { get; set; } = null!;
        public string Debug { get; set; } = "";
    }

    /// <summary>
    /// Runs one client against one scripted server, with the resource baseline taken before the server starts and
    /// checked after both are disposed: every fault case proves "typed error, within the timeout, nothing leaked".
    /// </summary>
    internal static class FaultHarness
    {
        public const string Greeting = "* OK [CAPABILITY IMAP4rev1 IDLE UIDPLUS] Fault server ready\r\n";

        /// <summary>A script that greets, accepts LOGIN and SELECT INBOX, then continues with <paramref name="then"/>.</summary>
        public static ServerScript Selected(Func<ServerScript, ServerScript> then)
            => then(new ServerScript()
                .Send(Greeting)
                .ExpectCommand("LOGIN").ReplyTagged("OK [CAPABILITY IMAP4rev1 IDLE UIDPLUS] Logged in")
                .ExpectCommand("SELECT").Send("* 3 EXISTS\r\n* OK [UIDVALIDITY 7] ok\r\n{tag} OK [READ-WRITE] Selected\r\n"));

        /// <summary>Connects, logs in and selects INBOX (the counterpart of <see cref="Selected"/>).</summary>
        public static async Task<Imap4Client> ConnectSelected(ScriptedImapServer server, ImapClientOptions options)
        {
            var client = await Imap4Client.ConnectAsync(server.Host, server.Port, options);
            try
            {
                await client.LoginAsync("user", "secret");
                await client.SelectAsync("INBOX");
                return client;
            }
            catch
            {
                client.Dispose();
                throw;
            }
        }

        /// <summary>
        /// Starts a server with <paramref name="script"/>, runs <paramref name="connect"/> then <paramref name="action"/>
        /// (failing the test after <paramref name="limit"/>), disposes everything and checks the resource baseline.
        /// </summary>
        public static async Task<FaultOutcome> Run(
            ServerScript script,
            Func<ScriptedImapServer, ImapClientOptions, Task<Imap4Client>> connect,
            Func<Imap4Client, Task> action,
            TimeSpan limit,
            ImapClientOptions? options = null,
            ScriptedServerOptions? serverOptions = null,
            Action<FaultOutcome>? inspect = null)
        {
            var baseline = ResourceSnapshot.Capture();
            var debug = new StringWriter();
            options ??= ReliabilityKit.FastOptions();
            options.DebugWriter = TextWriter.Synchronized(debug);
            var outcome = new FaultOutcome();
            await using (var server = ScriptedImapServer.Start(serverOptions ?? new ScriptedServerOptions(), script))
            {
                outcome.Server = server;
                var (error, elapsed) = await ReliabilityKit.Outcome(async () =>
                {
                    outcome.Client = await connect(server, options);
                    await action(outcome.Client);
                }, limit, "fault case");
                outcome.Error = error;
                outcome.Elapsed = elapsed;
                outcome.Debug = debug.ToString();
                inspect?.Invoke(outcome);
                outcome.Client?.Dispose();
            }
            await ResourceSnapshot.AssertReturnsToBaselineAsync(baseline, ReliabilityKit.ReleaseTimeout);
            return outcome;
        }

        /// <summary><see cref="Run"/> for a client that connects with <see cref="ConnectSelected"/>.</summary>
        public static Task<FaultOutcome> RunSelected(ServerScript script, Func<Imap4Client, Task> action, TimeSpan limit, ImapClientOptions? options = null)
            => Run(script, ConnectSelected, action, limit, options);
    }
}
