using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using ImapPS.Client.Protocol;

namespace ImapPS.Client
{
    // imaplib2's surface, authenticated state: selecting, mailboxes, APPEND, and the server-wide
    // extensions (NAMESPACE, ENABLE, COMPRESS, QUOTA, ACL, ANNOTATEMORE, METADATA, PROXYAUTH).
    // Each method is one line over a typed command (Engine/Commands).
    public partial class Imap4Client
    {
        // ---------------------------------------------------------------- authenticated

        /// <summary>SELECT (or EXAMINE with <paramref name="readOnly"/>): returns the message count as data, as imaplib2 does.</summary>
        public ImapResponse Select(string mailbox = "INBOX", bool readOnly = false, ImapCallback? callback = null, object? callbackArgument = null)
            => Call(SelectAsync(mailbox, readOnly), callback, callbackArgument);

        /// <inheritdoc cref="Select"/>
        public Task<ImapResponse> SelectAsync(string mailbox = "INBOX", bool readOnly = false) => Issue(new SelectCommand(mailbox, readOnly));

        /// <summary>EXAMINE: selects a mailbox read-only.</summary>
        public ImapResponse Examine(string mailbox = "INBOX", ImapCallback? callback = null, object? callbackArgument = null)
            => Call(SelectAsync(mailbox, true), callback, callbackArgument);

        /// <inheritdoc cref="Examine"/>
        public Task<ImapResponse> ExamineAsync(string mailbox = "INBOX") => SelectAsync(mailbox, true);

        /// <summary>CREATE a mailbox.</summary>
        public ImapResponse Create(string mailbox, ImapCallback? callback = null, object? callbackArgument = null) => Call(CreateAsync(mailbox), callback, callbackArgument);

        /// <inheritdoc cref="Create"/>
        public Task<ImapResponse> CreateAsync(string mailbox) => Issue(MailboxAdminCommand.Create(mailbox));

        /// <summary>DELETE a mailbox.</summary>
        public ImapResponse Delete(string mailbox, ImapCallback? callback = null, object? callbackArgument = null) => Call(DeleteAsync(mailbox), callback, callbackArgument);

        /// <inheritdoc cref="Delete"/>
        public Task<ImapResponse> DeleteAsync(string mailbox) => Issue(MailboxAdminCommand.Delete(mailbox));

        /// <summary>RENAME a mailbox.</summary>
        public ImapResponse Rename(string oldMailbox, string newMailbox, ImapCallback? callback = null, object? callbackArgument = null)
            => Call(RenameAsync(oldMailbox, newMailbox), callback, callbackArgument);

        /// <inheritdoc cref="Rename"/>
        public Task<ImapResponse> RenameAsync(string oldMailbox, string newMailbox)
            => Issue(MailboxAdminCommand.Rename(oldMailbox, newMailbox));

        /// <summary>SUBSCRIBE to a mailbox.</summary>
        public ImapResponse Subscribe(string mailbox, ImapCallback? callback = null, object? callbackArgument = null) => Call(SubscribeAsync(mailbox), callback, callbackArgument);

        /// <inheritdoc cref="Subscribe"/>
        public Task<ImapResponse> SubscribeAsync(string mailbox) => Issue(MailboxAdminCommand.Subscribe(mailbox));

        /// <summary>UNSUBSCRIBE from a mailbox.</summary>
        public ImapResponse Unsubscribe(string mailbox, ImapCallback? callback = null, object? callbackArgument = null) => Call(UnsubscribeAsync(mailbox), callback, callbackArgument);

        /// <inheritdoc cref="Unsubscribe"/>
        public Task<ImapResponse> UnsubscribeAsync(string mailbox) => Issue(MailboxAdminCommand.Unsubscribe(mailbox));

        /// <summary>LIST mailboxes (imaplib2's defaults: reference "" and pattern *). Names are given and returned decoded by the typed decoders.</summary>
        public ImapResponse List(string directory = "", string pattern = "*", ImapCallback? callback = null, object? callbackArgument = null)
            => Call(ListAsync(directory, pattern), callback, callbackArgument);

        /// <inheritdoc cref="List"/>
        public Task<ImapResponse> ListAsync(string directory = "", string pattern = "*")
            => Issue(ListCommand.List(directory, pattern));

        /// <summary>LIST with LIST-EXTENDED selection and return options, e.g. <c>RETURN (SPECIAL-USE STATUS (MESSAGES UNSEEN))</c>.</summary>
        public Task<ImapResponse> ListExtendedAsync(string? selectionOptions, string directory, string pattern, string? returnOptions)
            => Issue(ListCommand.Extended(selectionOptions, directory, pattern, returnOptions));

        /// <summary>LSUB: subscribed mailboxes.</summary>
        public ImapResponse Lsub(string directory = "", string pattern = "*", ImapCallback? callback = null, object? callbackArgument = null)
            => Call(LsubAsync(directory, pattern), callback, callbackArgument);

        /// <inheritdoc cref="Lsub"/>
        public Task<ImapResponse> LsubAsync(string directory = "", string pattern = "*")
            => Issue(ListCommand.Lsub(directory, pattern));

        /// <summary>STATUS of a mailbox, e.g. names <c>(MESSAGES UNSEEN UIDNEXT UIDVALIDITY)</c>.</summary>
        public ImapResponse Status(string mailbox, string names, ImapCallback? callback = null, object? callbackArgument = null)
            => Call(StatusAsync(mailbox, names), callback, callbackArgument);

        /// <inheritdoc cref="Status"/>
        public Task<ImapResponse> StatusAsync(string mailbox, string names) => Issue(new StatusCommand(mailbox, names));

        /// <summary>APPEND a message (bare CR or LF line ends become CRLF, as imaplib2 does). Flags like <c>(\Seen)</c>; date optional.</summary>
        public ImapResponse Append(string mailbox, string? flags, DateTimeOffset? internalDate, byte[] message, ImapCallback? callback = null, object? callbackArgument = null)
            => Call(AppendAsync(mailbox, flags, internalDate, message), callback, callbackArgument);

        /// <inheritdoc cref="Append(string, string, DateTimeOffset?, byte[], ImapCallback, object)"/>
        public Task<ImapResponse> AppendAsync(string mailbox, string? flags, DateTimeOffset? internalDate, byte[] message)
            => Issue(AppendCommand.One(mailbox, flags, internalDate, ImapArgument.Literal(NormaliseLineEnds(message))));

        /// <summary>APPEND a message read from a stream of known length, sent exactly as given without buffering it.</summary>
        public Task<ImapResponse> AppendAsync(string mailbox, string? flags, DateTimeOffset? internalDate, Stream message, long length)
            => Issue(AppendCommand.One(mailbox, flags, internalDate, ImapArgument.Literal(message, length)));

        /// <summary>MULTIAPPEND (RFC 3502): appends several messages in one command; all or none are added.</summary>
        public ImapResponse AppendMany(string mailbox, IEnumerable<(string? Flags, DateTimeOffset? InternalDate, byte[] Message)> messages,
            ImapCallback? callback = null, object? callbackArgument = null)
            => Call(AppendManyAsync(mailbox, messages), callback, callbackArgument);

        /// <inheritdoc cref="AppendMany"/>
        public Task<ImapResponse> AppendManyAsync(string mailbox, IEnumerable<(string? Flags, DateTimeOffset? InternalDate, byte[] Message)> messages)
            => Issue(AppendCommand.Many(mailbox, messages));

        /// <summary>Converts bare CR and bare LF to CRLF; returns the same array when nothing needs changing.</summary>
        public static byte[] NormaliseLineEnds(byte[] message)
        {
            int extra = 0;
            for (int i = 0; i < message.Length; i++)
            {
                byte c = message[i];
                if (c == (byte)'\r') { if (i + 1 < message.Length && message[i + 1] == (byte)'\n') i++; else extra++; }
                else if (c == (byte)'\n') extra++;
            }
            if (extra == 0) return message;
            var result = new byte[message.Length + extra];
            int o = 0;
            for (int i = 0; i < message.Length; i++)
            {
                byte c = message[i];
                if (c == (byte)'\r')
                {
                    result[o++] = (byte)'\r';
                    result[o++] = (byte)'\n';
                    if (i + 1 < message.Length && message[i + 1] == (byte)'\n') i++;
                }
                else if (c == (byte)'\n')
                {
                    result[o++] = (byte)'\r';
                    result[o++] = (byte)'\n';
                }
                else result[o++] = c;
            }
            return result;
        }

        /// <summary>NAMESPACE (RFC 2342).</summary>
        public ImapResponse Namespace(ImapCallback? callback = null, object? callbackArgument = null) => Call(NamespaceAsync(), callback, callbackArgument);

        /// <inheritdoc cref="Namespace"/>
        public Task<ImapResponse> NamespaceAsync() => Issue(ExtensionCommand.Namespace());

        /// <summary>ENABLE an extension (RFC 5161), e.g. CONDSTORE, QRESYNC, UTF8=ACCEPT.</summary>
        public ImapResponse Enable(string capability, ImapCallback? callback = null, object? callbackArgument = null) => Call(EnableAsync(capability), callback, callbackArgument);

        /// <inheritdoc cref="Enable"/>
        public Task<ImapResponse> EnableAsync(string capability) => Issue(new EnableCommand("ENABLE", new[] { ImapArgument.Atom(capability) }, requireCapability: true));

        /// <summary>COMPRESS=DEFLATE (RFC 4978): compresses the rest of the session in both directions.</summary>
        public ImapResponse EnableCompression(ImapCallback? callback = null, object? callbackArgument = null) => Call(EnableCompressionAsync(), callback, callbackArgument);

        /// <inheritdoc cref="EnableCompression"/>
        public Task<ImapResponse> EnableCompressionAsync() => Issue(new CompressCommand("COMPRESS", new[] { ImapArgument.Atom("DEFLATE") }, checkedCall: true));

        // ---------------------------------------------------------------- quota, ACL, metadata

        /// <summary>GETQUOTA (RFC 2087).</summary>
        public ImapResponse GetQuota(string root, ImapCallback? callback = null, object? callbackArgument = null) => Call(GetQuotaAsync(root), callback, callbackArgument);

        /// <inheritdoc cref="GetQuota"/>
        public Task<ImapResponse> GetQuotaAsync(string root) => Issue(ExtensionCommand.GetQuota(root));

        /// <summary>GETQUOTAROOT: the quota roots of a mailbox and their quotas.</summary>
        public ImapResponse GetQuotaRoot(string mailbox, ImapCallback? callback = null, object? callbackArgument = null) => Call(GetQuotaRootAsync(mailbox), callback, callbackArgument);

        /// <inheritdoc cref="GetQuotaRoot"/>
        public Task<ImapResponse> GetQuotaRootAsync(string mailbox)
            => Issue(ExtensionCommand.GetQuotaRoot(mailbox));

        /// <summary>SETQUOTA, e.g. limits <c>(STORAGE 512)</c>.</summary>
        public ImapResponse SetQuota(string root, string limits, ImapCallback? callback = null, object? callbackArgument = null) => Call(SetQuotaAsync(root, limits), callback, callbackArgument);

        /// <inheritdoc cref="SetQuota"/>
        public Task<ImapResponse> SetQuotaAsync(string root, string limits)
            => Issue(ExtensionCommand.SetQuota(root, limits));

        /// <summary>GETACL (RFC 4314).</summary>
        public ImapResponse GetAcl(string mailbox, ImapCallback? callback = null, object? callbackArgument = null) => Call(GetAclAsync(mailbox), callback, callbackArgument);

        /// <inheritdoc cref="GetAcl"/>
        public Task<ImapResponse> GetAclAsync(string mailbox) => Issue(ExtensionCommand.GetAcl(mailbox));

        /// <summary>SETACL: gives <paramref name="who"/> the rights <paramref name="what"/> (e.g. "lrs", "+w", "-i").</summary>
        public ImapResponse SetAcl(string mailbox, string who, string what, ImapCallback? callback = null, object? callbackArgument = null)
            => Call(SetAclAsync(mailbox, who, what), callback, callbackArgument);

        /// <inheritdoc cref="SetAcl"/>
        public Task<ImapResponse> SetAclAsync(string mailbox, string who, string what)
            => Issue(ExtensionCommand.SetAcl(mailbox, who, what));

        /// <summary>DELETEACL: removes <paramref name="who"/>'s entry.</summary>
        public ImapResponse DeleteAcl(string mailbox, string who, ImapCallback? callback = null, object? callbackArgument = null)
            => Call(DeleteAclAsync(mailbox, who), callback, callbackArgument);

        /// <inheritdoc cref="DeleteAcl"/>
        public Task<ImapResponse> DeleteAclAsync(string mailbox, string who)
            => Issue(ExtensionCommand.DeleteAcl(mailbox, who));

        /// <summary>MYRIGHTS: the caller's own rights on a mailbox.</summary>
        public ImapResponse MyRights(string mailbox, ImapCallback? callback = null, object? callbackArgument = null) => Call(MyRightsAsync(mailbox), callback, callbackArgument);

        /// <inheritdoc cref="MyRights"/>
        public Task<ImapResponse> MyRightsAsync(string mailbox) => Issue(ExtensionCommand.MyRights(mailbox));

        /// <summary>LISTRIGHTS: the rights that may be given to <paramref name="who"/>.</summary>
        public ImapResponse ListRights(string mailbox, string who, ImapCallback? callback = null, object? callbackArgument = null)
            => Call(ListRightsAsync(mailbox, who), callback, callbackArgument);

        /// <inheritdoc cref="ListRights"/>
        public Task<ImapResponse> ListRightsAsync(string mailbox, string who)
            => Issue(ExtensionCommand.ListRights(mailbox, who));

        /// <summary>GETANNOTATION (ANNOTATEMORE draft): entry and attribute, e.g. "/comment", "value.priv".</summary>
        public ImapResponse GetAnnotation(string mailbox, string entry, string attribute, ImapCallback? callback = null, object? callbackArgument = null)
            => Call(GetAnnotationAsync(mailbox, entry, attribute), callback, callbackArgument);

        /// <inheritdoc cref="GetAnnotation"/>
        public Task<ImapResponse> GetAnnotationAsync(string mailbox, string entry, string attribute)
            => Issue(ExtensionCommand.GetAnnotation(mailbox, entry, attribute));

        /// <summary>SETANNOTATION with imaplib2's free-form arguments.</summary>
        public ImapResponse SetAnnotation(params string[] arguments) => Sync(SetAnnotationAsync(arguments));

        /// <inheritdoc cref="SetAnnotation"/>
        public Task<ImapResponse> SetAnnotationAsync(params string[] arguments)
            => Issue(ExtensionCommand.SetAnnotation(arguments));

        /// <summary>GETMETADATA (RFC 5464): entries such as "/private/comment"; options such as "(MAXSIZE 1024)" or "(DEPTH infinity)".</summary>
        public ImapResponse GetMetadata(string mailbox, IEnumerable<string> entries, string? options = null, ImapCallback? callback = null, object? callbackArgument = null)
            => Call(GetMetadataAsync(mailbox, entries, options), callback, callbackArgument);

        /// <inheritdoc cref="GetMetadata"/>
        public Task<ImapResponse> GetMetadataAsync(string mailbox, IEnumerable<string> entries, string? options = null)
            => Issue(ExtensionCommand.GetMetadata(mailbox, entries, options));

        /// <summary>SETMETADATA: sets (or, with a null value, removes) entries of a mailbox ("" for the server).</summary>
        public ImapResponse SetMetadata(string mailbox, IDictionary<string, string?> entries, ImapCallback? callback = null, object? callbackArgument = null)
            => Call(SetMetadataAsync(mailbox, entries), callback, callbackArgument);

        /// <inheritdoc cref="SetMetadata"/>
        public Task<ImapResponse> SetMetadataAsync(string mailbox, IDictionary<string, string?> entries)
            => Issue(ExtensionCommand.SetMetadata(mailbox, entries));

        /// <summary>
        /// PROXYAUTH (imaplib2's proxyauth, from Cyrus 2.x): act as another user. No capability
        /// announces it and current servers do not have it (Cyrus 3.6: BAD Unrecognized command),
        /// so it is sent as asked and the server's answer is returned.
        /// </summary>
        public ImapResponse ProxyAuth(string user, ImapCallback? callback = null, object? callbackArgument = null) => Call(ProxyAuthAsync(user), callback, callbackArgument);

        /// <inheritdoc cref="ProxyAuth"/>
        public Task<ImapResponse> ProxyAuthAsync(string user) => Issue(ExtensionCommand.ProxyAuth(user));
    }
}
