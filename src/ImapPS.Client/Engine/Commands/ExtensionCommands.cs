using System.Collections.Generic;
using System.Linq;
using ImapPS.Client.Protocol;

namespace ImapPS.Client
{
    /// <summary>
    /// The extensions whose answers are untagged responses of their own names, which no other
    /// command collects: QUOTA (RFC 2087), ACL (RFC 4314), ANNOTATEMORE, METADATA (RFC 5464),
    /// NAMESPACE (RFC 2342), ID (RFC 2971), and PROXYAUTH. Each is refused before sending when the
    /// server does not offer its capability (a server that does not know a command answers NO or
    /// BAD at best, or stalls).
    /// </summary>
    internal sealed class ExtensionCommand : ImapCommand
    {
        private readonly bool _exclusive;

        private ExtensionCommand(string name, string[]? collects, ImapState[] states, ImapArgument[] arguments, bool exclusive = false)
            : base(name, states, collects, arguments)
        {
            _exclusive = exclusive;
        }

        public override bool Exclusive => _exclusive;

        private static ExtensionCommand Make(string name, string capability, string[]? collects, params ImapArgument[] arguments)
        {
            var command = new ExtensionCommand(name, collects, Authenticated, arguments);
            command.Require(name, capability);
            return command;
        }

        private static readonly string[] Quota = { "QUOTA" };
        private static readonly string[] QuotaRootAndQuota = { "QUOTAROOT", "QUOTA" };
        private static readonly string[] Acl = { "ACL" };
        private static readonly string[] MyRightsResponses = { "MYRIGHTS" };
        private static readonly string[] ListRightsResponses = { "LISTRIGHTS" };
        private static readonly string[] Annotation = { "ANNOTATION" };
        private static readonly string[] Metadata = { "METADATA" };
        private static readonly string[] NamespaceResponses = { "NAMESPACE" };
        private static readonly string[] IdResponses = { "ID" };

        public static ExtensionCommand GetQuota(string root) => Make("GETQUOTA", "QUOTA", Quota, QuotaRoot(root));

        public static ExtensionCommand GetQuotaRoot(string mailbox) => Make("GETQUOTAROOT", "QUOTA", QuotaRootAndQuota, ImapArgument.Mailbox(mailbox));

        public static ExtensionCommand SetQuota(string root, string limits) => Make("SETQUOTA", "QUOTA", Quota, QuotaRoot(root), ParenList(limits));

        /// <summary>A quota root is a name like a mailbox's (sent as is, not UTF-7): CR, LF and NUL are refused the same way.</summary>
        private static ImapArgument QuotaRoot(string root)
        {
            InvalidMailboxNameException.ThrowIfInvalid(root, nameof(root));
            return ImapArgument.AString(root);
        }

        public static ExtensionCommand GetAcl(string mailbox) => Make("GETACL", "ACL", Acl, ImapArgument.Mailbox(mailbox));

        public static ExtensionCommand SetAcl(string mailbox, string who, string what)
            => Make("SETACL", "ACL", null, ImapArgument.Mailbox(mailbox), ImapArgument.AString(who), ImapArgument.AString(what));

        public static ExtensionCommand DeleteAcl(string mailbox, string who) => Make("DELETEACL", "ACL", null, ImapArgument.Mailbox(mailbox), ImapArgument.AString(who));

        public static ExtensionCommand MyRights(string mailbox) => Make("MYRIGHTS", "ACL", MyRightsResponses, ImapArgument.Mailbox(mailbox));

        public static ExtensionCommand ListRights(string mailbox, string who) => Make("LISTRIGHTS", "ACL", ListRightsResponses, ImapArgument.Mailbox(mailbox), ImapArgument.AString(who));

        public static ExtensionCommand GetAnnotation(string mailbox, string entry, string attribute)
            => Make("GETANNOTATION", "ANNOTATEMORE", Annotation, ImapArgument.Mailbox(mailbox), ImapArgument.Quoted(entry), ImapArgument.Quoted(attribute));

        public static ExtensionCommand SetAnnotation(string[] arguments)
            => Make("SETANNOTATION", "ANNOTATEMORE", Annotation, arguments.Select(a => (ImapArgument)a).ToArray());

        /// <summary>GETMETADATA; the server's own entries (mailbox "") are offered by METADATA or METADATA-SERVER.</summary>
        public static ExtensionCommand GetMetadata(string mailbox, IEnumerable<string> entries, string? options)
        {
            var args = new List<ImapArgument>();
            if (!string.IsNullOrWhiteSpace(options)) args.Add(ParenList(options!));
            args.Add(MetadataMailbox(mailbox));
            args.Add(ImapArgument.List(entries.Select(e => ImapArgument.AString(e)).ToArray()));
            return MetadataCommand("GETMETADATA", mailbox, Metadata, args.ToArray());
        }

        public static ExtensionCommand SetMetadata(string mailbox, IDictionary<string, string?> entries)
        {
            var items = new List<ImapArgument>();
            foreach (var kv in entries)
            {
                items.Add(ImapArgument.AString(kv.Key));
                items.Add(kv.Value == null ? ImapArgument.Raw("NIL") : ImapArgument.LiteralText(kv.Value));
            }
            return MetadataCommand("SETMETADATA", mailbox, null, new[] { MetadataMailbox(mailbox), ImapArgument.List(items.ToArray()) });
        }

        private static ImapArgument MetadataMailbox(string mailbox) => mailbox.Length == 0 ? ImapArgument.Quoted("") : ImapArgument.Mailbox(mailbox);

        private static ExtensionCommand MetadataCommand(string name, string mailbox, string[]? collects, ImapArgument[] args)
        {
            var command = new ExtensionCommand(name, collects, Authenticated, args);
            if (mailbox.Length == 0) command.Require(name, "METADATA", "METADATA-SERVER");
            else command.Require(name, "METADATA");
            return command;
        }

        public static ExtensionCommand Namespace() => Make("NAMESPACE", "NAMESPACE", NamespaceResponses);

        /// <summary>ID: the client's fields as a list of strings (RFC 2971 id-params-list: values are strings, never atoms; Cyrus answers BAD to an atom), or NIL.</summary>
        public static ExtensionCommand Id(IDictionary<string, string?>? fields)
        {
            ImapArgument arg;
            if (fields == null || fields.Count == 0) arg = ImapArgument.Raw("NIL");
            else
            {
                var items = new List<ImapArgument>();
                foreach (var kv in fields)
                {
                    items.Add(ImapArgument.Quoted(kv.Key));
                    items.Add(kv.Value == null ? ImapArgument.Raw("NIL") : ImapArgument.Quoted(kv.Value));
                }
                arg = ImapArgument.List(items.ToArray());
            }
            var command = new ExtensionCommand("ID", IdResponses, AnyState, new[] { arg });
            command.Require("ID", "ID");
            return command;
        }

        /// <summary>
        /// PROXYAUTH (imaplib2's proxyauth, from Cyrus 2.x): act as another user. No capability
        /// announces it and current servers do not have it (Cyrus 3.6: BAD Unrecognized command),
        /// so it is sent as asked; state-changing, since it changes who the session is.
        /// </summary>
        public static ExtensionCommand ProxyAuth(string user) => new ExtensionCommand("PROXYAUTH", null, Authenticated, new[] { ImapArgument.AString(user) }, exclusive: true);
    }

    /// <summary>
    /// ENABLE (RFC 5161): state-changing. At its tagged OK, a confirmed UTF8=ACCEPT switches how the
    /// client encodes and decodes mailbox names from then on.
    /// </summary>
    internal sealed class EnableCommand : ImapCommand
    {
        private static readonly string[] EnabledResponses = { "ENABLED" };

        public EnableCommand(string name, ImapArgument[] capabilities, bool requireCapability)
            : base(name, Authenticated, EnabledResponses, capabilities)
        {
            if (requireCapability) Require("ENABLE", "ENABLE");
        }

        public override bool Exclusive => true;

        public override void OnTagged(Imap4Client client, PendingCommand pending, ServerResponse tagged)
        {
            if (tagged.Status != ResponseStatus.Ok) return;
            foreach (var u in pending.Untagged)
                foreach (var v in u.DataItems)
                {
                    if (v.IsAtom("UTF8=ACCEPT")) client.AcceptUtf8Locked();
                    else if (v.IsAtom("QRESYNC")) client.MarkEnabledLocked("QRESYNC");
                    else if (v.IsAtom("CONDSTORE")) client.MarkEnabledLocked("CONDSTORE");
                }
        }
    }
}
