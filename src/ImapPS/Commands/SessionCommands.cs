using System;
using System.Linq;
using System.Management.Automation;
using ImapPS.Client;

namespace ImapPS.Commands
{
    /// <summary>
    /// <para type="synopsis">Logs out of IMAP sessions and closes their connections.</para>
    /// </summary>
    [Cmdlet(VerbsCommunications.Disconnect, "Imap", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(void))]
    public sealed class DisconnectImapCommand : ImapCmdlet
    {
        /// <summary>The sessions to close (objects, names or Ids); by default the runspace's default session.</summary>
        [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [SessionArgument]
        [ArgumentCompleter(typeof(SessionNameCompleter))]
        public ImapSession[]? Session { get; set; }

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            string? noDefault = null;
            var sessions = Session ?? (SessionRegistry.GetDefault(out noDefault) is ImapSession d ? new[] { d } : Array.Empty<ImapSession>());
            if (sessions.Length == 0 && Session == null)
            {
                WriteError(new ErrorRecord(new InvalidOperationException("There is no IMAP session to disconnect." + (noDefault != null ? " " + noDefault : "")), "NoSession", ErrorCategory.ConnectionError, null));
                return;
            }
            foreach (var session in sessions)
            {
                if (!ShouldProcess(session.Name, "Disconnect")) continue;
                session.MarkClosed("It was closed with Disconnect-Imap.");
                try
                {
                    if (session.IsConnected) Await(session.Client.LogoutAsync());
                }
                catch (ImapException ex)
                {
                    // The server or network went away first: the session is closed either way.
                    WriteVerbose("LOGOUT: " + ex.Message);
                }
                finally
                {
                    session.Dispose();
                    SessionRegistry.Remove(session);
                }
            }
        }
    }

    /// <summary>
    /// <para type="synopsis">Gets the IMAP sessions of this runspace.</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "ImapSession", DefaultParameterSetName = "All")]
    [OutputType(typeof(ImapSession))]
    public sealed class GetImapSessionCommand : ImapCmdlet
    {
        /// <summary>Only the default session.</summary>
        [Parameter(ParameterSetName = "Default")]
        public SwitchParameter Default { get; set; }

        /// <summary>Sessions whose name matches (wildcards allowed).</summary>
        [Parameter(Position = 0, ParameterSetName = "All")]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(SessionNameCompleter))]
        public string[]? Name { get; set; }

        /// <summary>Also sessions that are closed.</summary>
        [Parameter(ParameterSetName = "All")]
        public SwitchParameter IncludeClosed { get; set; }

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            if (Default)
            {
                var d = SessionRegistry.Default;
                if (d != null) WriteObject(d);
                return;
            }
            var patterns = Name?.Select(n => new WildcardPattern(n, WildcardOptions.IgnoreCase)).ToArray();
            foreach (var s in SessionRegistry.All)
            {
                if (!IncludeClosed && !s.IsConnected) continue;
                if (patterns != null && !patterns.Any(p => p.IsMatch(s.Name))) continue;
                WriteObject(s);
            }
        }
    }
}
