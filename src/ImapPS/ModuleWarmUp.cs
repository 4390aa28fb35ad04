using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using ImapPS.Client;
using ImapPS.Commands;

namespace ImapPS
{
    /// <summary>
    /// At import, on a thread-pool thread: compiles ahead what the first commands of a session need,
    /// while PowerShell is still busy importing the module on the pipeline thread.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Two parts. PowerShell's metadata of the cmdlets a session starts with (Connect-Imap, then
    /// Get-ImapMessage and Search-ImapMessage), built through the public <see cref="CommandMetadata"/>
    /// constructor: the first call of a cmdlet reflects over its parameters and their attributes,
    /// and that reflection code runs compiled afterwards. And <see cref="ImapWarmUp"/>: one engine
    /// session against a scripted peer inside the process, for the generic code over the engine's
    /// types that the ReadyToRun image cannot hold.
    /// </para>
    /// <para>
    /// It only saves time: nothing is cached that a command reads, nothing leaves the process,
    /// and a failure is swallowed. With one core there is nothing to run it beside; the work is then
    /// done early rather than on first use. <c>IMAPPS_WARMUP=0</c> in the environment turns it off
    /// (docs/performance.md measures both).
    /// </para>
    /// </remarks>
    internal static class ModuleWarmUp
    {
        /// <summary>The environment variable that turns the warm-up off when set to 0.</summary>
        internal const string SwitchVariable = "IMAPPS_WARMUP";

        private static int _started;

        /// <summary>The warm-up's task once started (for tests); completed when it was turned off.</summary>
        internal static Task Completion { get; private set; } = Task.CompletedTask;

        private static Exception? _metadataFailure;

        /// <summary>What ended the warm-up early, if anything did (for tests and diagnosis): the cmdlet metadata's failure, else the engine warm-up's; null otherwise.</summary>
        internal static Exception? Failure => _metadataFailure ?? ImapWarmUp.Failure;

        /// <summary>Starts the warm-up once per process, unless IMAPPS_WARMUP is 0.</summary>
        internal static void Start()
        {
            if (Environment.GetEnvironmentVariable(SwitchVariable) == "0") return;
            if (Interlocked.Exchange(ref _started, 1) != 0) return;
            Completion = Task.Run(RunAsync);
        }

        private static async Task RunAsync()
        {
            try
            {
                _ = new CommandMetadata(typeof(ConnectImapCommand));
                await ImapWarmUp.Start().ConfigureAwait(false);
                _ = new CommandMetadata(typeof(GetImapMessageCommand));
                _ = new CommandMetadata(typeof(SearchImapMessageCommand));
            }
            catch (Exception e)
            {
                // Only time is at stake: the commands themselves report any real problem.
                _metadataFailure = e;
            }
        }
    }
}
