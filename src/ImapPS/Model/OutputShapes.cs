using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.ComponentModel;
using System.Linq;
using System.Management.Automation;
using MimeKit;

namespace ImapPS
{
    /// <summary>
    /// Flags or mailbox attributes as IMAP writes them. It is a list of strings, and it prints as
    /// one space-separated line (<c>\Seen \Flagged $Label1</c>), so Export-Csv and string
    /// interpolation show the flags instead of the type name.
    /// </summary>
    public sealed class ImapFlagList : ReadOnlyCollection<string>
    {
        /// <summary>An empty list.</summary>
#if NET8_0_OR_GREATER
        // .NET 8 added ReadOnlyCollection<T>.Empty; this one is typed as the list itself.
        public static new ImapFlagList Empty { get; } = new ImapFlagList(Array.Empty<string>());
#else
        public static ImapFlagList Empty { get; } = new ImapFlagList(Array.Empty<string>());
#endif

        /// <summary>Creates a list of <paramref name="flags"/>.</summary>
        public ImapFlagList(IEnumerable<string> flags) : base(flags.ToArray()) { }

        /// <summary>The flags separated by spaces, as in a FLAGS response.</summary>
        public override string ToString() => string.Join(" ", this);

        internal static ImapFlagList From(IEnumerable<string>? flags) => flags == null ? Empty : flags as ImapFlagList ?? new ImapFlagList(flags);
    }

    /// <summary>One address of a message header: the display name (decoded) and the address.</summary>
    public sealed class ImapAddress
    {
        /// <summary>Creates an address.</summary>
        public ImapAddress(string? name, string? address)
        {
            Name = string.IsNullOrEmpty(name) ? null : name;
            Address = string.IsNullOrEmpty(address) ? null : address;
        }

        /// <summary>The display name, or null when the sender gave none (for a group: the group's name).</summary>
        public string? Name { get; }

        /// <summary>The address (local-part@domain), or null for an empty group.</summary>
        public string? Address { get; }

        /// <summary>What a list or table shows: the name, or the address when there is no name.</summary>
        public string DisplayName => Name ?? Address ?? "";

        /// <summary>The address as a header writes it: <c>Name &lt;address&gt;</c>, or just the address.</summary>
        public override string ToString()
        {
            if (Address == null) return Name == null ? "" : Name + ":;";
            if (Name == null) return Address;
            return (NeedsQuotes(Name) ? "\"" + Name.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"" : Name) + " <" + Address + ">";
        }

        private static bool NeedsQuotes(string name) => name.IndexOfAny(new[] { ',', ';', '<', '>', '"', '(', ')', '@', ':', '\\', '[', ']' }) >= 0;
    }

    /// <summary>
    /// The addresses of one header (From, To, Cc, Reply-To). It prints as the header would list
    /// them (<c>Kenji Smith &lt;kenji@example.com&gt;, ops@example.com</c>), so Export-Csv writes
    /// readable text.
    /// </summary>
    public sealed class ImapAddressList : ReadOnlyCollection<ImapAddress>
    {
        /// <summary>An empty list.</summary>
#if NET8_0_OR_GREATER
        // .NET 8 added ReadOnlyCollection<T>.Empty; this one is typed as the list itself.
        public static new ImapAddressList Empty { get; } = new ImapAddressList(Array.Empty<ImapAddress>());
#else
        public static ImapAddressList Empty { get; } = new ImapAddressList(Array.Empty<ImapAddress>());
#endif

        /// <summary>Creates a list of <paramref name="addresses"/>.</summary>
        public ImapAddressList(IEnumerable<ImapAddress> addresses) : base(addresses.ToArray()) { }

        /// <summary>
        /// The same addresses, for scripts written against MimeKit's InternetAddressList
        /// (<c>$m.From.Mailboxes.Address</c>); <c>$m.From.Address</c> reads the same.
        /// </summary>
        public IEnumerable<ImapAddress> Mailboxes => this;

        /// <summary>The addresses separated by commas.</summary>
        public override string ToString() => string.Join(", ", this.Select(a => a.ToString()));

        /// <summary>The display names (or addresses) separated by commas: what a table shows.</summary>
        public string ToDisplayString() => string.Join(", ", this.Select(a => a.DisplayName));

        internal static ImapAddressList FromMimeKit(InternetAddressList list)
        {
            var result = new List<ImapAddress>();
            // Groups are walked with an explicit stack: header input is the sender's, so no recursion.
            var stack = new Stack<IEnumerator<InternetAddress>>();
            stack.Push(list.GetEnumerator());
            while (stack.Count > 0)
            {
                var e = stack.Peek();
                if (!e.MoveNext()) { stack.Pop(); continue; }
                switch (e.Current)
                {
                    case MailboxAddress mailbox:
                        result.Add(new ImapAddress(mailbox.Name, mailbox.Address));
                        break;
                    case GroupAddress group when group.Members.Count == 0:
                        result.Add(new ImapAddress(group.Name, null));
                        break;
                    case GroupAddress group:
                        stack.Push(group.Members.GetEnumerator());
                        break;
                }
            }
            return new ImapAddressList(result);
        }
    }

    /// <summary>
    /// The getters of the members that ImapTypeData adds as hidden properties: live
    /// references (a session, its engine, parsed MIME objects) that scripts and pipeline binding
    /// reach by name, but that serialisers (ConvertTo-Json, Export-Csv) and Format-List do not see.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static class ImapHiddenMembers
    {
        private static T? Base<T>(PSObject instance) where T : class => instance?.BaseObject as T;

        /// <summary>The session an output object came from (it binds to -Session down the pipeline).</summary>
        public static ImapSession? GetSession(PSObject instance) => instance?.BaseObject switch
        {
            ImapMessage m => m.Session,
            ImapMailbox m => m.Session,
            ImapIdleEvent e => e.Session,
            ImapCommandResult r => r.Session,
            _ => null,
        };

        /// <summary>
        /// True for objects of a live stream that may never end (IDLE events, and messages read
        /// because of one): it binds the message cmdlets' hidden -Live, so they act at once.
        /// </summary>
        public static bool GetLive(PSObject instance) => instance?.BaseObject switch
        {
            ImapIdleEvent _ => true,
            ImapMessage m => m.Live,
            _ => false,
        };

        /// <summary>The engine under a session.</summary>
        public static ImapPS.Client.Imap4Client? GetClient(PSObject instance) => Base<ImapSession>(instance)?.Client;

        // The MimeKit getters return object: ImapTypeData reads this class's signatures in OnImport,
        // before ImapPS's resolve handler can load MimeKit (docs/loading.md).

        /// <summary>The parsed message, a MimeKit.MimeMessage (Get-ImapMessage -Full).</summary>
        public static object? GetMessage(PSObject instance) => Base<ImapMessage>(instance)?.Message;

        /// <summary>The attachments as MimeKit entities (Get-ImapMessage -Full).</summary>
        public static object? GetAttachments(PSObject instance) => Base<ImapMessage>(instance)?.Attachments;

        /// <summary>The header block, a MimeKit.HeaderList (Get-ImapMessage -Headers).</summary>
        public static object? GetHeaders(PSObject instance) => Base<ImapMessage>(instance)?.Headers;

        /// <summary>The MIME structure as the server describes it (Get-ImapMessage -BodyStructure).</summary>
        public static ImapPS.Client.Protocol.BodyStructure? GetBodyStructure(PSObject instance) => Base<ImapMessage>(instance)?.BodyStructure;

        /// <summary>The engine's result of a raw command (Invoke-ImapCommand).</summary>
        public static ImapPS.Client.ImapResponse? GetResponse(PSObject instance) => Base<ImapCommandResult>(instance)?.Response;

        /// <summary>The engine's tagged response of a raw command.</summary>
        public static ImapPS.Client.Protocol.ServerResponse? GetTagged(PSObject instance) => Base<ImapCommandResult>(instance)?.Response.Tagged;

        /// <summary>The engine's untagged responses of a raw command.</summary>
        public static IReadOnlyList<ImapPS.Client.Protocol.ServerResponse>? GetUntagged(PSObject instance) => Base<ImapCommandResult>(instance)?.Response.Untagged;
    }
}
