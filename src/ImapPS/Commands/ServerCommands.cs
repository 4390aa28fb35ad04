using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Threading.Tasks;
using ImapPS.Client;
using ImapPS.Client.Protocol;

namespace ImapPS.Commands
{
    /// <summary>Checks a capability; writes NotSupported and returns false when it is missing.</summary>
    public abstract class ImapCapabilityCmdlet : ImapSessionCmdlet
    {
        internal bool Require(ImapSession session, string capability, string what)
        {
            if (session.HasCapability(capability)) return true;
            WriteError(new ErrorRecord(new NotSupportedException("The server does not offer " + capability + ", needed for " + what + "."),
                "CapabilityMissing", ErrorCategory.NotImplemented, capability));
            return false;
        }
    }

    /// <summary>
    /// <para type="synopsis">Gets quota usage and limits: of a mailbox's quota roots, or of a named root.</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "ImapQuota", DefaultParameterSetName = "Mailbox")]
    [OutputType(typeof(ImapQuota))]
    public sealed class GetImapQuotaCommand : ImapCapabilityCmdlet
    {
        /// <summary>The mailbox whose quota roots to report (GETQUOTAROOT); default INBOX.</summary>
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = "Mailbox")]
        [Alias("Name")]
        [ArgumentCompleter(typeof(MailboxNameCompleter))]
        public string Mailbox { get; set; } = "INBOX";

        /// <summary>A quota root by name (GETQUOTA).</summary>
        [Parameter(Mandatory = true, ParameterSetName = "Root")]
        [AllowEmptyString]
        public string Root { get; set; } = "";

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            var session = ResolveSession();
            if (!FromSameSession(session, Mailbox)) return;
            Mailbox = MailboxPath(session, Mailbox)!;
            if (!Require(session, "QUOTA", "quotas")) return;
            bool byRoot = ParameterSetName == "Root";
            if (!TryCommand(() => byRoot ? session.Client.GetQuotaAsync(Root) : session.Client.GetQuotaRootAsync(Mailbox),
                byRoot ? "GETQUOTA" : "GETQUOTAROOT", byRoot ? Root : Mailbox, out var response)) return;
            foreach (var r in response.Untagged.Where(u => u.Name == "QUOTA"))
            {
                var q = QuotaData.Parse(r);
                foreach (var res in q.Resources) WriteObject(new ImapQuota(q.Root, res.Name, res.Usage, res.Limit, byRoot ? null : Mailbox));
            }
        }
    }

    /// <summary>
    /// <para type="synopsis">Sets the limits of a quota root (SETQUOTA; usually an administrator's right).</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Set, "ImapQuota", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(ImapQuota))]
    public sealed class SetImapQuotaCommand : ImapCapabilityCmdlet
    {
        /// <summary>The quota root.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [AllowEmptyString]
        public string Root { get; set; } = "";

        /// <summary>STORAGE limit in KiB.</summary>
        [Parameter] public ulong? StorageKB { get; set; }

        /// <summary>MESSAGE limit (count).</summary>
        [Parameter] public ulong? MessageCount { get; set; }

        /// <summary>Other resources: @{ RESOURCE = limit }.</summary>
        [Parameter] public Hashtable? Limit { get; set; }

        private string _limits = "()";

        /// <inheritdoc />
        protected override void BeginInput()
        {
            var items = new List<string>();
            if (StorageKB.HasValue) items.Add("STORAGE " + StorageKB.Value);
            if (MessageCount.HasValue) items.Add("MESSAGE " + MessageCount.Value);
            if (Limit != null)
                foreach (DictionaryEntry e in Limit)
                {
                    string resource = Convert.ToString(e.Key, CultureInfo.InvariantCulture)?.Trim().ToUpperInvariant() ?? "";
                    // The resource name is sent as an atom and the limit as a number: anything else is refused here, not by the server.
                    if (resource.Length == 0 || resource.Any(ch => ch <= ' ' || ch > '~' || "(){%*\"\\]".IndexOf(ch) >= 0))
                        ThrowTerminatingError(new ErrorRecord(new ArgumentException("'" + resource + "' is not a quota resource name (an atom such as STORAGE or MESSAGE)."),
                            "InvalidQuotaLimit", ErrorCategory.InvalidArgument, e.Key));
                    var value = e.Value is PSObject pso ? pso.BaseObject : e.Value;
                    if (!TryGetLimit(value, out ulong limit))
                        ThrowTerminatingError(new ErrorRecord(new ArgumentException("The limit of " + resource + " must be a whole number from 0 to " + ulong.MaxValue + "; got '" + value + "'."),
                            "InvalidQuotaLimit", ErrorCategory.InvalidArgument, e.Value));
                    items.Add(resource + " " + limit.ToString(CultureInfo.InvariantCulture));
                }
            _limits = "(" + string.Join(" ", items) + ")";
        }

        private static bool TryGetLimit(object? value, out ulong limit)
        {
            limit = 0;
            switch (value)
            {
                case null: return false;
                case string text: return ulong.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out limit);
                case float _: case double _: case decimal _:
                    decimal d;
                    try { d = Convert.ToDecimal(value, CultureInfo.InvariantCulture); } catch (OverflowException) { return false; }
                    if (d < 0 || d != decimal.Truncate(d) || d > ulong.MaxValue) return false;
                    limit = (ulong)d;
                    return true;
                case IConvertible _ when value.GetType().IsPrimitive && !(value is bool) && !(value is char):
                    try { limit = Convert.ToUInt64(value, CultureInfo.InvariantCulture); return true; }
                    catch (OverflowException) { return false; }
                default: return false;
            }
        }

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            var session = ResolveSession();
            if (!FromSameSession(session, null)) return;
            string limits = _limits;
            if (!Require(session, "QUOTA", "quotas") || !ShouldProcess(Root, "Set quota " + limits)) return;
            if (!TryCommand(() => session.Client.SetQuotaAsync(Root, limits), "SETQUOTA", Root, out var response)) return;
            foreach (var r in response.Untagged.Where(u => u.Name == "QUOTA"))
            {
                var q = QuotaData.Parse(r);
                foreach (var res in q.Resources) WriteObject(new ImapQuota(q.Root, res.Name, res.Usage, res.Limit, null));
            }
        }
    }

    /// <summary>
    /// <para type="synopsis">Gets the access control list of a mailbox.</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "ImapAcl")]
    [OutputType(typeof(ImapAcl))]
    public sealed class GetImapAclCommand : ImapCapabilityCmdlet
    {
        /// <summary>The mailbox.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("Name")]
        [ArgumentCompleter(typeof(MailboxNameCompleter))]
        public string Mailbox { get; set; } = "";

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            var session = ResolveSession();
            if (!FromSameSession(session, Mailbox)) return;
            Mailbox = MailboxPath(session, Mailbox)!;
            if (!Require(session, "ACL", "ACLs")) return;
            if (!TryCommand(() => session.Client.GetAclAsync(Mailbox), "GETACL", Mailbox, out var response)) return;
            foreach (var r in response.Untagged.Where(u => u.Name == "ACL"))
            {
                var acl = AclData.Parse(r);
                foreach (var e in acl.Entries) WriteObject(new ImapAcl(acl.Mailbox, e.Identifier, e.Rights));
            }
        }
    }

    /// <summary>
    /// <para type="synopsis">Grants rights on a mailbox (SETACL): replaces them, or adds/removes letters with -Add/-Remove.</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Set, "ImapAcl", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = "Replace")]
    [OutputType(typeof(ImapAcl))]
    public sealed class SetImapAclCommand : ImapCapabilityCmdlet
    {
        /// <summary>The mailbox.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(MailboxNameCompleter))]
        public string Mailbox { get; set; } = "";

        /// <summary>Who: a user name, "anyone", or a server-specific group.</summary>
        [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
        public string Identifier { get; set; } = "";

        /// <summary>The complete rights, e.g. "lrs".</summary>
        [Parameter(Mandatory = true, Position = 2, ParameterSetName = "Replace", ValueFromPipelineByPropertyName = true)]
        [AllowEmptyString]
        public string Rights { get; set; } = "";

        /// <summary>Rights to add.</summary>
        [Parameter(Mandatory = true, ParameterSetName = "Add")]
        public string Add { get; set; } = "";

        /// <summary>Rights to take away.</summary>
        [Parameter(Mandatory = true, ParameterSetName = "Remove")]
        public string Remove { get; set; } = "";

        /// <summary>Returns the mailbox's ACL afterwards.</summary>
        [Parameter] public SwitchParameter PassThru { get; set; }

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            var session = ResolveSession();
            if (!FromSameSession(session, Mailbox)) return;
            Mailbox = MailboxPath(session, Mailbox)!;
            string what = ParameterSetName == "Add" ? "+" + Add : ParameterSetName == "Remove" ? "-" + Remove : Rights;
            if (!Require(session, "ACL", "ACLs") || !ShouldProcess(Mailbox, "Set rights of '" + Identifier + "' to " + what)) return;
            if (!TryCommand(() => session.Client.SetAclAsync(Mailbox, Identifier, what), "SETACL", Mailbox, out _)) return;
            if (PassThru && TryCommand(() => session.Client.GetAclAsync(Mailbox), "GETACL", Mailbox, out var response))
                foreach (var r in response.Untagged.Where(u => u.Name == "ACL"))
                {
                    var acl = AclData.Parse(r);
                    foreach (var e in acl.Entries) WriteObject(new ImapAcl(acl.Mailbox, e.Identifier, e.Rights));
                }
        }
    }

    /// <summary>
    /// <para type="synopsis">Removes someone's entry from a mailbox's ACL (DELETEACL).</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Remove, "ImapAcl", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(void))]
    public sealed class RemoveImapAclCommand : ImapCapabilityCmdlet
    {
        /// <summary>The mailbox.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(MailboxNameCompleter))]
        public string Mailbox { get; set; } = "";

        /// <summary>Whose entry to remove.</summary>
        [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
        public string Identifier { get; set; } = "";

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            var session = ResolveSession();
            if (!FromSameSession(session, Mailbox)) return;
            Mailbox = MailboxPath(session, Mailbox)!;
            if (!Require(session, "ACL", "ACLs") || !ShouldProcess(Mailbox, "Remove the ACL entry of '" + Identifier + "'")) return;
            TryCommand(() => session.Client.DeleteAclAsync(Mailbox, Identifier), "DELETEACL", Mailbox, out _);
        }
    }

    /// <summary>
    /// <para type="synopsis">Gets your own rights on a mailbox (MYRIGHTS), or the rights that may be granted to someone (LISTRIGHTS).</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "ImapRight")]
    [OutputType(typeof(ImapRight))]
    public sealed class GetImapRightCommand : ImapCapabilityCmdlet
    {
        /// <summary>The mailbox.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("Name")]
        [ArgumentCompleter(typeof(MailboxNameCompleter))]
        public string Mailbox { get; set; } = "";

        /// <summary>With an identifier: the rights that may be granted to it (LISTRIGHTS).</summary>
        [Parameter(Position = 1)]
        public string? Identifier { get; set; }

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            var session = ResolveSession();
            if (!FromSameSession(session, Mailbox)) return;
            Mailbox = MailboxPath(session, Mailbox)!;
            if (!Require(session, "ACL", "rights")) return;
            if (Identifier == null)
            {
                if (!TryCommand(() => session.Client.MyRightsAsync(Mailbox), "MYRIGHTS", Mailbox, out var response)) return;
                foreach (var r in response.Untagged.Where(u => u.Name == "MYRIGHTS"))
                {
                    var my = MyRightsData.Parse(r);
                    WriteObject(new ImapRight(my.Mailbox, null, my.Rights, null));
                }
            }
            else
            {
                if (!TryCommand(() => session.Client.ListRightsAsync(Mailbox, Identifier), "LISTRIGHTS", Mailbox, out var response)) return;
                foreach (var r in response.Untagged.Where(u => u.Name == "LISTRIGHTS"))
                {
                    var lr = ListRightsData.Parse(r);
                    WriteObject(new ImapRight(lr.Mailbox, lr.Identifier, lr.RequiredRights, lr.OptionalRights));
                }
            }
        }
    }

    /// <summary>
    /// <para type="synopsis">Gets the server's namespaces: personal, other users' and shared.</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "ImapNamespace")]
    [OutputType(typeof(ImapNamespace))]
    public sealed class GetImapNamespaceCommand : ImapCapabilityCmdlet
    {
        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            var session = ResolveSession();
            if (!FromSameSession(session, null)) return;
            if (!Require(session, "NAMESPACE", "namespaces")) return;
            if (!TryCommand(() => session.Client.NamespaceAsync(), "NAMESPACE", session, out var response)) return;
            foreach (var r in response.Untagged.Where(u => u.Name == "NAMESPACE"))
            {
                var ns = NamespaceData.Parse(r);
                foreach (var e in ns.Personal) WriteObject(new ImapNamespace("Personal", e.Prefix, e.Delimiter));
                foreach (var e in ns.Other) WriteObject(new ImapNamespace("Other", e.Prefix, e.Delimiter));
                foreach (var e in ns.Shared) WriteObject(new ImapNamespace("Shared", e.Prefix, e.Delimiter));
            }
        }
    }

    /// <summary>
    /// <para type="synopsis">Gets METADATA entries of a mailbox or of the server.</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "ImapMetadata")]
    [OutputType(typeof(ImapMetadataEntry))]
    public sealed class GetImapMetadataCommand : ImapCapabilityCmdlet
    {
        /// <summary>The mailbox ("" for server entries). Binds the Mailbox of piped entries and the Name of piped mailboxes.</summary>
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("Name")]
        [AllowEmptyString]
        [ArgumentCompleter(typeof(MailboxNameCompleter))]
        public string Mailbox { get; set; } = "";

        /// <summary>Entry names, e.g. /private/comment, /shared/vendor/x.</summary>
        [Parameter(Position = 1)]
        public string[] Entry { get; set; } = { "/private/comment", "/shared/comment" };

        /// <summary>Also entries below the names given (DEPTH infinity).</summary>
        [Parameter] public SwitchParameter Recurse { get; set; }

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            var session = ResolveSession();
            if (!FromSameSession(session, Mailbox)) return;
            Mailbox = MailboxPath(session, Mailbox)!;
            if (!session.HasCapability("METADATA") && !session.HasCapability("METADATA-SERVER") && !Require(session, "METADATA", "metadata")) return;
            if (!TryCommand(() => session.Client.GetMetadataAsync(Mailbox, Entry, Recurse ? MetadataDepth.Infinity : MetadataDepth.Zero), "GETMETADATA", Mailbox, out var response)) return;
            foreach (var r in response.Untagged.Where(u => u.Name == "METADATA"))
            {
                var md = MetadataData.Parse(r);
                foreach (var e in md.Entries) WriteObject(new ImapMetadataEntry(md.Mailbox, e.Key, e.Value));
            }
        }
    }

    /// <summary>
    /// <para type="synopsis">Sets (or, with $null, removes) METADATA entries of a mailbox or of the server.</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Set, "ImapMetadata", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(void))]
    public sealed class SetImapMetadataCommand : ImapCapabilityCmdlet
    {
        /// <summary>The mailbox ("" for server entries). Binds the Mailbox of piped entries (Get-ImapMetadata) and the Name of piped mailboxes.</summary>
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("Name")]
        [AllowEmptyString]
        [ArgumentCompleter(typeof(MailboxNameCompleter))]
        public string Mailbox { get; set; } = "";

        /// <summary>The entry name, e.g. /private/comment.</summary>
        [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
        public string Entry { get; set; } = "";

        /// <summary>The value; $null removes the entry.</summary>
        [Parameter(Mandatory = true, Position = 2, ValueFromPipelineByPropertyName = true)]
        [AllowNull]
        [AllowEmptyString]
        public string? Value { get; set; }

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            var session = ResolveSession();
            if (!FromSameSession(session, Mailbox)) return;
            Mailbox = MailboxPath(session, Mailbox)!;
            if (!session.HasCapability("METADATA") && !session.HasCapability("METADATA-SERVER") && !Require(session, "METADATA", "metadata")) return;
            if (!ShouldProcess((Mailbox.Length == 0 ? "(server)" : Mailbox) + " " + Entry, Value == null ? "Remove metadata" : "Set metadata")) return;
            TryCommand(() => session.Client.SetMetadataAsync(Mailbox, new Dictionary<string, string?> { [Entry] = Value }), "SETMETADATA", Mailbox, out _);
        }
    }

    /// <summary>
    /// <para type="synopsis">Groups a mailbox's messages into conversation threads on the server (THREAD).</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "ImapThread")]
    [OutputType(typeof(ImapThread))]
    public sealed class GetImapThreadCommand : ImapCapabilityCmdlet
    {
        /// <summary>The mailbox: by default the selected one, else INBOX.</summary>
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("Name")]
        [ArgumentCompleter(typeof(MailboxNameCompleter))]
        public string? Mailbox { get; set; }

        /// <summary>REFERENCES (default, uses In-Reply-To/References) or ORDEREDSUBJECT.</summary>
        [Parameter]
        [ValidateSet("REFERENCES", "ORDEREDSUBJECT", "REFS", IgnoreCase = true)]
        public string Algorithm { get; set; } = "REFERENCES";

        /// <summary>Raw IMAP search criteria limiting the messages threaded (default ALL).</summary>
        [Parameter]
        public string Query { get; set; } = "ALL";

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            var session = ResolveSession();
            if (!FromSameSession(session, Mailbox)) return;
            Mailbox = MailboxPath(session, Mailbox);
            string algorithm = Algorithm.ToUpperInvariant();
            if (!Require(session, "THREAD=" + algorithm, "threading")) return;
            var mailbox = ImapMessageCmdlet.ResolveMailbox(session, Mailbox);
            SearchKey criteria;
            try
            {
                criteria = SearchKey.Raw(Query);
            }
            catch (ArgumentException ex)
            {
                ThrowTerminatingError(new ErrorRecord(new ArgumentException("-Query cannot contain a line break, a NUL or a literal such as {5}: write the criteria on one line.", ex),
                    "InvalidQuery", ErrorCategory.InvalidArgument, Query));
                return;
            }
            Task<IReadOnlyList<ThreadNode>> task;
            uint uidValidity;
            using (var lease = TryUseMailbox(session, mailbox, true))
            {
                if (lease == null) return;
                uidValidity = lease.UidValidity;
                task = session.Client.UidThreadAsync(algorithm, criteria);
            }
            if (!TryRun(() => Await(task), mailbox, out var roots)) return;
            foreach (var root in roots)
                WriteObject(ImapThread.FromNode(mailbox, uidValidity, root));
        }
    }
}
