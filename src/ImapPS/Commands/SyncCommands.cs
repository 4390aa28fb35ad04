using System;
using System.Collections;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Diagnostics;
using System.Linq;
using System.Management.Automation;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using ImapPS.Archive;
using ImapPS.Client;
using ImapPS.Client.Protocol;

namespace ImapPS.Commands
{
    /// <summary>
    /// <para type="synopsis">Copies mailboxes one way from one account to another (what imapsync does): flags and dates kept, messages already there recognised, restartable.</para>
    /// </summary>
    [Cmdlet(VerbsData.Sync, "ImapMailbox", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(ImapSyncResult))]
    public sealed class SyncImapMailboxCommand : ImapCmdlet, ISyncHost
    {
        /// <summary>The session to copy from (read only: mailboxes are EXAMINEd, messages fetched with BODY.PEEK).</summary>
        [Parameter(Mandatory = true)]
        [SessionArgument]
        [ArgumentCompleter(typeof(SessionNameCompleter))]
        [ValidateNotNull]
        public ImapSession Source { get; set; } = null!;

        /// <summary>The session to copy to.</summary>
        [Parameter(Mandatory = true)]
        [SessionArgument]
        [ArgumentCompleter(typeof(SessionNameCompleter))]
        [ValidateNotNull]
        public ImapSession Destination { get; set; } = null!;

        /// <summary>The source mailboxes (paths with '/' between levels); by default every mailbox of the source account.</summary>
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("Name")]
        public string[]? Mailbox { get; set; }

        /// <summary>With -Mailbox: the mailboxes below each one too.</summary>
        [Parameter]
        public SwitchParameter Recurse { get; set; }

        /// <summary>Only source mailboxes whose path matches one of these wildcard patterns.</summary>
        [Parameter]
        [SupportsWildcards]
        public string[]? Include { get; set; }

        /// <summary>No source mailbox whose path matches one of these wildcard patterns.</summary>
        [Parameter]
        [SupportsWildcards]
        public string[]? Exclude { get; set; }

        /// <summary>
        /// Destination names for source paths: a hashtable (source path to destination path; a $null
        /// or empty value leaves the mailbox out), or a script block that gets the source path as $_
        /// and returns the destination path (nothing: leave it out). Unmapped paths keep their path.
        /// </summary>
        [Parameter]
        public object? MapFolder { get; set; }

        /// <summary>Deletes (\Deleted and UID EXPUNGE of exactly those) destination messages that no source message matches: a strict mirror, imapsync's --delete2.</summary>
        [Parameter]
        public SwitchParameter DeleteExtra { get; set; }

        /// <summary>Only messages at least this many days old (by internal date).</summary>
        [Parameter]
        [ValidateRange(0, 100000)]
        public double? MinAge { get; set; }

        /// <summary>Only messages at most this many days old (by internal date).</summary>
        [Parameter]
        [ValidateRange(0, 100000)]
        public double? MaxAge { get; set; }

        /// <summary>Only messages of at most this many bytes.</summary>
        [Parameter]
        [ValidateRange(0, long.MaxValue)]
        public long? MaxSize { get; set; }

        private MailboxSync _sync = null!;

        /// <inheritdoc />
        protected override void BeginProcessing()
        {
            foreach (var (session, what) in new[] { (Source, "-Source"), (Destination, "-Destination") })
                if (!session.IsConnected)
                    ThrowTerminatingError(new ErrorRecord(new InvalidOperationException("The session of " + what + " ('" + session.Name + "') is closed. " + session.CloseReason),
                        "SessionClosed", ErrorCategory.ConnectionError, session));
            var options = new MailboxSyncOptions { Include = Include, Exclude = Exclude, MapFolder = MapFolder, DeleteExtra = DeleteExtra, MinAge = MinAge, MaxAge = MaxAge, MaxSize = MaxSize };
            if (options.MapFolderProblem() is string problem)
                ThrowTerminatingError(new ErrorRecord(new ArgumentException(problem), "InvalidMapFolder", ErrorCategory.InvalidArgument, MapFolder));
            _sync = new MailboxSync(Source, Destination, options, this);
            Trace(Source.Client);
        }

        /// <inheritdoc />
        protected override void ProcessRecord() => _sync.AddMailboxes(Mailbox, Recurse);

        /// <inheritdoc />
        protected override void EndProcessing()
        {
            _sync.Run(WriteObject);
            base.EndProcessing();
        }

        CancellationToken ISyncHost.StopToken => StopToken;
        T ISyncHost.Await<T>(Task<T> task) => Await(task);
        void ISyncHost.FlushTrace() => FlushTrace();
        Collection<PSObject> ISyncHost.InvokeMapFolder(ScriptBlock block, string path) => block.InvokeWithContext(null, new List<PSVariable> { new PSVariable("_", path) }, path);
    }
}
