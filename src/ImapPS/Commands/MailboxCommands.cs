using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using ImapPS.Client;
using ImapPS.Client.Protocol;

namespace ImapPS.Commands
{
    /// <summary>
    /// <para type="synopsis">Lists mailboxes (folders), optionally with their message counts.</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "ImapMailbox")]
    [OutputType(typeof(ImapMailbox))]
    public sealed class GetImapMailboxCommand : ImapSessionCmdlet
    {
        /// <summary>
        /// Names or IMAP LIST patterns, evaluated by the server: * matches any characters including
        /// the hierarchy delimiter, % matches within one level. PowerShell wildcards (? and [ ])
        /// are not patterns here. Default: every mailbox.
        /// </summary>
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(MailboxNameCompleter))]
        public string[]? Name { get; set; }

        /// <summary>Only subscribed mailboxes.</summary>
        [Parameter]
        public SwitchParameter Subscribed { get; set; }

        /// <summary>Adds message counts, UIDNEXT, UIDVALIDITY and size (LIST-STATUS when offered, else STATUS). Servers with LIST-STATUS give the counts without it, in the same round trip.</summary>
        [Parameter]
        public SwitchParameter Status { get; set; }

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            var session = ResolveSession();
            if (!FromSameSession(session, null)) return;
            if (Name != null) Name = MailboxPattern(session, Name);
            foreach (var pattern in Name ?? new[] { "*" })
            {
                if (!TryRun(() => MailboxLister.List(session, pattern, Subscribed, Status, Await, countsIfCheap: true), pattern, out var mailboxes)) continue;
                if (mailboxes.Count == 0 && pattern.IndexOfAny(new[] { '*', '%' }) < 0)
                {
                    WriteError(new ErrorRecord(new ItemNotFoundException("The mailbox '" + pattern + "' does not exist" + (Subscribed ? " or is not subscribed." : ".")),
                        "MailboxNotFound", ErrorCategory.ObjectNotFound, pattern));
                    continue;
                }
                // One view for the whole listing: a \Noselect node has no counts, and as the first row it
                // would otherwise pick the table without count columns for every mailbox after it.
                bool counted = mailboxes.Any(m => m.Messages.HasValue || m.Unseen.HasValue);
                foreach (var m in mailboxes) WriteObject(m.ToOutput(counted));
            }
        }
    }

    /// <summary>LIST (with LIST-STATUS or STATUS) turned into ImapMailbox objects.</summary>
    internal static class MailboxLister
    {
        /// <summary>The counters a listing shows (those of an extension the server lacks are left out by the engine).</summary>
        private const StatusItems Counters = StatusItems.Standard | StatusItems.Size | StatusItems.HighestModSeq;

        /// <summary>
        /// Lists the mailboxes matching <paramref name="pattern"/>. With <paramref name="status"/>
        /// each selectable one gets its counts (LIST-STATUS, else one STATUS each); with
        /// <paramref name="countsIfCheap"/> it gets them only when LIST-STATUS brings them in the same round trip.
        /// </summary>
        public static IReadOnlyList<ImapMailbox> List(ImapSession session, string pattern, bool subscribed, bool status, Func<Task<ImapResponse>, ImapResponse> wait, bool countsIfCheap = false)
        {
            var client = session.Client;
            // Known before the objects are made, so their Path is the server-independent one.
            session.GetMailboxPaths(CancellationToken.None);
            bool extended = client.HasCapability("LIST-EXTENDED");
            // With RETURN options a LIST-EXTENDED server tells children only when asked (RFC 5258 §4);
            // a plain LIST on a CHILDREN server (RFC 3348) tells them unasked.
            var returns = ListReturnOptions.SpecialUse | ListReturnOptions.Subscribed | ListReturnOptions.Children;
            bool listStatus = (status || countsIfCheap) && client.CanListStatus;
            var response = wait(client.ListMailboxesAsync(pattern, subscribed, returns, listStatus ? Counters : StatusItems.None));

            var result = new List<ImapMailbox>();
            var byName = new Dictionary<string, ImapMailbox>(StringComparer.Ordinal);
            foreach (var r in response.Untagged)
            {
                if (r.Name == "LIST" || r.Name == "LSUB")
                {
                    var entry = ListEntry.Parse(r);
                    // LIST (SUBSCRIBED) also returns subscribed names that no longer exist.
                    if (subscribed && extended && !entry.IsSubscribed) continue;
                    var mailbox = ImapMailbox.FromList(session, entry);
                    if (extended && !mailbox.IsSubscribed.HasValue) mailbox.IsSubscribed = false;
                    result.Add(mailbox);
                    byName[mailbox.Name] = mailbox;
                }
            }
            foreach (var r in response.Untagged)
                if (r.Name == "STATUS")
                {
                    var data = StatusData.Parse(r);
                    if (byName.TryGetValue(data.Mailbox, out var mb)) mb.ApplyStatus(data);
                }

            if (status && !listStatus)
            {
                // STATUS commands on different mailboxes run in parallel on the connection.
                var pending = result.Where(m => m.IsSelectable)
                    .Select(m => (Mailbox: m, Task: client.StatusAsync(m.Name, Counters))).ToList();
                foreach (var p in pending)
                {
                    ImapResponse sr;
                    try
                    {
                        sr = wait(p.Task);
                    }
                    catch (ImapCommandException)
                    {
                        // A mailbox that cannot be counted (deleted meanwhile, no rights) is listed without counts.
                        continue;
                    }
                    foreach (var u in sr.Untagged)
                        if (u.Name == "STATUS") p.Mailbox.ApplyStatus(StatusData.Parse(u));
                }
            }
            if (pattern == "*" && !subscribed) session.MailboxNameCache = result.Where(m => m.IsSelectable).Select(m => m.Name).ToArray();
            session.NoteListed(result);
            return result;
        }

        /// <summary>
        /// Every mailbox below <paramref name="name"/> (all levels), found with LIST "&lt;name&gt;&lt;delimiter&gt;*"
        /// unless the server says the mailbox has no children (\HasNoChildren or \Noinferiors, from
        /// RETURN (CHILDREN) or the CHILDREN capability). The delimiter is the mailbox's own, else the
        /// one LIST "" "" reports; a flat namespace has no children. Wildcards in the name only widen
        /// the LIST: what it returns is kept only when it starts with the name and the delimiter.
        /// </summary>
        public static IReadOnlyList<ImapMailbox> Children(ImapSession session, string name, Func<Task<ImapResponse>, ImapResponse> wait, out ImapMailbox? self)
        {
            self = List(session, name, false, false, wait).FirstOrDefault(m => string.Equals(m.Name, name, StringComparison.Ordinal));
            if (self != null && (HasAttribute(self, "\\HasNoChildren") || HasAttribute(self, "\\Noinferiors"))) return Array.Empty<ImapMailbox>();
            char? delimiter = self?.Delimiter ?? HierarchyDelimiter(session, wait);
            if (delimiter is not char d) return Array.Empty<ImapMailbox>();
            string prefix = name + d;
            return List(session, prefix + "*", false, false, wait).Where(m => m.Name.StartsWith(prefix, StringComparison.Ordinal) && m.Name.Length > prefix.Length).ToList();
        }

        /// <summary>The server's hierarchy delimiter from LIST "" "" (RFC 3501 §6.3.8), or null for a flat namespace.</summary>
        private static char? HierarchyDelimiter(ImapSession session, Func<Task<ImapResponse>, ImapResponse> wait)
        {
            var response = wait(session.Client.ListAsync("", ""));
            if (!response.IsOk) throw new ImapCommandException("LIST", response);
            foreach (var r in response.Untagged)
                if (r.Name == "LIST") return ListEntry.Parse(r).Delimiter;
            return null;
        }

        /// <summary>True when the mailbox has the LIST attribute (ignoring case).</summary>
        public static bool HasAttribute(ImapMailbox mailbox, string attribute)
            => mailbox.Attributes.Any(a => string.Equals(a, attribute, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>
    /// <para type="synopsis">Selects a mailbox (SELECT, or EXAMINE with -ReadOnly) and returns its state.</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Select, "ImapMailbox")]
    [OutputType(typeof(ImapMailbox))]
    public sealed class SelectImapMailboxCommand : ImapSessionCmdlet
    {
        /// <summary>The mailbox to select.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("Mailbox")]
        [ArgumentCompleter(typeof(MailboxNameCompleter))]
        [ValidateNotNullOrEmpty]
        public string Name { get; set; } = "";

        /// <summary>Selects read-only (EXAMINE): nothing in the mailbox can change, \Recent and \Seen stay as they are.</summary>
        [Parameter]
        public SwitchParameter ReadOnly { get; set; }

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            var session = ResolveSession();
            if (!FromSameSession(session, Name)) return;
            Name = MailboxPath(session, Name)!;
            using (var lease = TryUseMailbox(session, Name, ReadOnly, reselect: true))
            {
                if (lease == null) return;
                var client = session.Client;
                var mailbox = new ImapMailbox(session, Name)
                {
                    Messages = client.Exists,
                    Recent = client.RecentCount,
                    UidValidity = client.UidValidity,
                    // Courier's SELECT leaves UIDNEXT out: the engine learns it then.
                    UidNext = client.UidNext != 0 ? client.UidNext : Await(client.EnsureUidNextAsync()),
                    HighestModSeq = HighestModSeqOf(client),
                    Flags = client.MailboxFlags.ToArray(),
                    PermanentFlags = client.PermanentFlags.ToArray(),
                    IsReadOnly = client.IsReadOnly,
                };
                WriteObject(mailbox.ToOutput());
            }
        }

        /// <summary>The selected mailbox's HIGHESTMODSEQ on a CONDSTORE server (learnt when SELECT did not say), else null.</summary>
        private ulong? HighestModSeqOf(Imap4Client client)
        {
            if (!client.HasCapability("CONDSTORE")) return null;
            try
            {
                return Await(client.SelectedHighestModSeqAsync());
            }
            catch (ImapException ex) when (!IsFatal(ex))
            {
                WriteVerbose("Could not learn the HIGHESTMODSEQ of '" + client.SelectedMailbox + "': " + ex.Message);
                return null;
            }
        }
    }

    /// <summary>
    /// <para type="synopsis">Creates mailboxes.</para>
    /// </summary>
    [Cmdlet(VerbsCommon.New, "ImapMailbox", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(ImapMailbox))]
    public sealed class NewImapMailboxCommand : ImapSessionCmdlet
    {
        /// <summary>The full names of the mailboxes to create (parents are created as needed by most servers).</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string[] Name { get; set; } = Array.Empty<string>();

        /// <summary>Also subscribes to the new mailboxes.</summary>
        [Parameter]
        public SwitchParameter Subscribe { get; set; }

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            var session = ResolveSession();
            if (!FromSameSession(session, Name)) return;
            Name = MailboxPath(session, Name);
            foreach (var name in Name)
            {
                if (!ShouldProcess(name, "Create mailbox")) continue;
                if (!TryCommand(() => session.Client.CreateAsync(name), "CREATE " + name, name, out _)) continue;
                if (Subscribe && !TryCommand(() => session.Client.SubscribeAsync(name), "SUBSCRIBE " + name, name, out _)) continue;
                if (TryRun(() => MailboxLister.List(session, name, false, false, Await), name, out var created))
                    foreach (var m in created) WriteObject(m);
            }
            session.MailboxNameCache = Array.Empty<string>();
        }
    }

    /// <summary>
    /// <para type="synopsis">Renames a mailbox (and its children).</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Rename, "ImapMailbox", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(ImapMailbox))]
    public sealed class RenameImapMailboxCommand : ImapSessionCmdlet
    {
        /// <summary>The mailbox to rename.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(MailboxNameCompleter))]
        [ValidateNotNullOrEmpty]
        public string Name { get; set; } = "";

        /// <summary>The new full name.</summary>
        [Parameter(Mandatory = true, Position = 1)]
        [ValidateNotNullOrEmpty]
        public string NewName { get; set; } = "";

        /// <summary>Returns the renamed mailbox.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            var session = ResolveSession();
            if (!FromSameSession(session, Name)) return;
            // Before the selected mailbox is closed for the rename: a name no server accepts changes nothing.
            if (!IsValidMailboxName(Name, nameof(Name)) || !IsValidMailboxName(NewName, nameof(NewName))) return;
            Name = MailboxPath(session, Name)!;
            NewName = MailboxPath(session, NewName)!;
            if (!ShouldProcess(Name, "Rename mailbox to '" + NewName + "'")) return;
            // A selected mailbox that is renamed would leave UIDs pointing at a name that is gone.
            bool selected = ImapSession.SameMailbox(session.SelectedMailbox, Name);
            Func<Task<ImapResponse>> rename = () => session.Client.RenameAsync(Name, NewName);
            if (selected)
            {
                if (!TryRun(() => Check(AfterDeselect(session, session.SelectedMailbox ?? Name, rename, StopToken), "RENAME"), Name, out _)) return;
            }
            else if (!TryCommand(rename, "RENAME " + Name, Name, out _)) return;
            session.MailboxNameCache = Array.Empty<string>();
            if (PassThru && TryRun(() => MailboxLister.List(session, NewName, false, false, Await), NewName, out var renamed))
                foreach (var m in renamed) WriteObject(m);
        }

        /// <summary>
        /// Leaves the selected state without expunging: UNSELECT where offered, else RFC 3691's
        /// advice, EXAMINE the mailbox (read-only) and then CLOSE, which expunges nothing. A bare
        /// CLOSE would silently remove every message marked \Deleted.
        /// </summary>
        internal static async Task<ImapResponse?> DeselectWithoutExpunge(ImapSession session, string selected)
        {
            var client = session.Client;
            if (client.State != ImapState.SELECTED) return null;
            if (client.HasCapability("UNSELECT")) return await client.UnselectAsync().ConfigureAwait(false);
            var examine = await client.ExamineAsync(selected).ConfigureAwait(false);
            if (!examine.IsOk) return examine;
            return await client.CloseAsync().ConfigureAwait(false);
        }

        /// <summary>Deselects (without expunging) and then runs <paramref name="command"/>, with no other mailbox command in between.</summary>
        internal static ImapResponse AfterDeselect(ImapSession session, string selected, Func<Task<ImapResponse>> command, CancellationToken cancellationToken)
            => session.WithNoMailbox(async () =>
            {
                var deselect = await DeselectWithoutExpunge(session, selected).ConfigureAwait(false);
                if (deselect != null && !deselect.IsOk) return deselect;
                return await command().ConfigureAwait(false);
            }, cancellationToken);
    }

    /// <summary>
    /// <para type="synopsis">Deletes mailboxes and every message in them; mailboxes with children only with -Recurse.</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Remove, "ImapMailbox", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(void))]
    public sealed class RemoveImapMailboxCommand : ImapSessionCmdlet
    {
        /// <summary>The mailboxes to delete. Takes names and mailbox objects from the pipeline.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(MailboxNameCompleter))]
        [ValidateNotNullOrEmpty]
        public string[] Name { get; set; } = Array.Empty<string>();

        /// <summary>Also deletes the mailboxes below each one, deepest first. Without it a mailbox with children is not deleted (MailboxHasChildren).</summary>
        [Parameter]
        public SwitchParameter Recurse { get; set; }

        private const string Action = "Delete mailbox and all its messages";

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            var session = ResolveSession();
            if (!FromSameSession(session, Name)) return;
            Name = MailboxPath(session, Name);
            try
            {
                foreach (var name in Name) Remove(session, name);
            }
            finally
            {
                session.MailboxNameCache = Array.Empty<string>();
            }
        }

        private void Remove(ImapSession session, string name)
        {
            ImapMailbox? self = null;
            if (!TryRun(() => MailboxLister.Children(session, name, Await, out self), name, out var found)) return;
            // \NonExistent nodes only stand for the path to a real mailbox further down; there is nothing to delete.
            var children = found.Where(c => !MailboxLister.HasAttribute(c, "\\NonExistent"))
                .OrderByDescending(c => Depth(c)).ThenByDescending(c => c.Name, StringComparer.Ordinal).ToList();
            if (children.Count > 0 && !Recurse)
            {
                WriteError(new ErrorRecord(new InvalidOperationException("The mailbox '" + name + "' has " + children.Count + " child mailbox" + (children.Count == 1 ? "" : "es") +
                    " (" + string.Join(", ", children.Take(5).Select(c => "'" + c.Name + "'")) + (children.Count > 5 ? ", …" : "") +
                    "); nothing was deleted. Use -Recurse to delete it with everything below it."), "MailboxHasChildren", ErrorCategory.InvalidOperation, name));
                return;
            }
            string? kept = null;
            foreach (var child in children)
            {
                if (!Confirm(child.Name, out bool whatIf))
                {
                    if (!whatIf) kept ??= child.Name;
                    continue;
                }
                if (!Delete(session, child.Name)) kept ??= child.Name;
            }
            if (kept != null)
            {
                // Deleting the parent now would leave the child behind under a parent that is gone, or fail.
                WriteError(new ErrorRecord(new InvalidOperationException("The mailbox '" + name + "' was not deleted because its child '" + kept + "' was not."),
                    "MailboxHasChildren", ErrorCategory.InvalidOperation, name));
                return;
            }
            if (self != null && MailboxLister.HasAttribute(self, "\\NonExistent") && children.Count > 0)
            {
                WriteVerbose("'" + name + "' is only the path to the mailboxes below it; with them deleted there is nothing left to delete.");
                return;
            }
            if (Confirm(name, out _)) Delete(session, name);
        }

        private bool Confirm(string name, out bool whatIf)
        {
            bool yes = ShouldProcess("Performing the operation \"" + Action + "\" on target \"" + name + "\".",
                "Are you sure you want to perform this action?" + Environment.NewLine + "Performing the operation \"" + Action + "\" on target \"" + name + "\".",
                "Confirm", out var reason);
            whatIf = reason == ShouldProcessReason.WhatIf;
            return yes;
        }

        private bool Delete(ImapSession session, string name)
        {
            Func<Task<ImapResponse>> delete = () => session.Client.DeleteAsync(name);
            if (ImapSession.SameMailbox(session.SelectedMailbox, name))
                return TryRun(() => Check(RenameImapMailboxCommand.AfterDeselect(session, session.SelectedMailbox ?? name, delete, StopToken), "DELETE " + name), name, out _);
            return TryCommand(delete, "DELETE " + name, name, out _);
        }

        private static int Depth(ImapMailbox mailbox) => mailbox.Delimiter is char d ? mailbox.Name.Count(c => c == d) : 0;
    }

    /// <summary>
    /// <para type="synopsis">Closes the selected mailbox: UNSELECT, or CLOSE (which expunges \Deleted messages) with -Expunge.</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Close, "ImapMailbox", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(void))]
    public sealed class CloseImapMailboxCommand : ImapSessionCmdlet
    {
        /// <summary>Permanently removes the messages marked \Deleted while closing (CLOSE).</summary>
        [Parameter]
        public SwitchParameter Expunge { get; set; }

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            var session = ResolveSession();
            if (!FromSameSession(session, null)) return;
            var selected = session.SelectedMailbox;
            if (selected == null)
            {
                WriteVerbose("No mailbox is selected.");
                return;
            }
            if (!ShouldProcess(selected, Expunge ? "Close and expunge deleted messages" : "Close without expunging")) return;
            var client = session.Client;
            Func<Task<ImapResponse>> close;
            if (Expunge) close = () => client.CloseAsync();
            else if (client.HasCapability("UNSELECT")) close = () => client.UnselectAsync();
            else
            {
                // RFC 3691's advice without UNSELECT: re-open read-only, then CLOSE expunges nothing.
                close = async () =>
                {
                    var examine = await client.ExamineAsync(selected).ConfigureAwait(false);
                    if (!examine.IsOk) return examine;
                    return await client.CloseAsync().ConfigureAwait(false);
                };
            }
            TryRun(() => Check(session.WithNoMailbox(close, StopToken), Expunge ? "CLOSE" : "UNSELECT"), selected, out _);
        }
    }

    /// <summary>
    /// <para type="synopsis">Subscribes to mailboxes.</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Add, "ImapSubscription", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(void))]
    public sealed class AddImapSubscriptionCommand : ImapSessionCmdlet
    {
        /// <summary>The mailboxes to subscribe to. Takes names and mailbox objects from the pipeline.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(MailboxNameCompleter))]
        [ValidateNotNullOrEmpty]
        public string[] Name { get; set; } = Array.Empty<string>();

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            var session = ResolveSession();
            if (!FromSameSession(session, Name)) return;
            Name = MailboxPath(session, Name);
            foreach (var name in Name)
                if (ShouldProcess(name, "Subscribe"))
                    TryCommand(() => session.Client.SubscribeAsync(name), "SUBSCRIBE " + name, name, out _);
        }
    }

    /// <summary>
    /// <para type="synopsis">Unsubscribes from mailboxes.</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Remove, "ImapSubscription", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(void))]
    public sealed class RemoveImapSubscriptionCommand : ImapSessionCmdlet
    {
        /// <summary>The mailboxes to unsubscribe from. Takes names and mailbox objects from the pipeline.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(MailboxNameCompleter))]
        [ValidateNotNullOrEmpty]
        public string[] Name { get; set; } = Array.Empty<string>();

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            var session = ResolveSession();
            if (!FromSameSession(session, Name)) return;
            Name = MailboxPath(session, Name);
            foreach (var name in Name)
                if (ShouldProcess(name, "Unsubscribe"))
                    TryCommand(() => session.Client.UnsubscribeAsync(name), "UNSUBSCRIBE " + name, name, out _);
        }
    }
}
