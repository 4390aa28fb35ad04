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
            => Call(SelectWritableAsync(Imaplib2Arguments.Name(mailbox), readOnly), callback, callbackArgument);

        // imaplib2's select(): a mailbox the server opens read-only when write access was asked
        // for raises readonly (the mailbox stays selected, read-only). The …Async form returns OK
        // and sets IsReadOnly instead, for callers that check it.
        private async Task<ImapResponse> SelectWritableAsync(string mailbox, bool readOnly)
        {
            var response = await SelectAsync(mailbox, readOnly).ConfigureAwait(false);
            if (response.IsOk && !readOnly && IsReadOnly)
                throw new ImapReadOnlyException(mailbox + " is not writable: the server opened it read-only.");
            return response;
        }

        /// <inheritdoc cref="Select"/>
        public Task<ImapResponse> SelectAsync(string mailbox = "INBOX", bool readOnly = false) => Issue(new SelectCommand(mailbox, readOnly));

        /// <summary>
        /// SELECT (or EXAMINE) with CONDSTORE's parameter (RFC 7162 3.1.8) when <paramref name="condStore"/>
        /// is set: the server then reports the mailbox's <c>[HIGHESTMODSEQ]</c> (or <c>[NOMODSEQ]</c>)
        /// with the SELECT, so <see cref="HighestModSeq"/> and <see cref="NoModSeq"/> are known without
        /// the STATUS (HIGHESTMODSEQ) that <see cref="SelectedHighestModSeqAsync"/> would otherwise send.
        /// Like that STATUS, it enables CONDSTORE for the session. Without <paramref name="condStore"/>,
        /// the same as <see cref="SelectAsync(string, bool)"/>.
        /// </summary>
        /// <exception cref="ImapCapabilityException">With <paramref name="condStore"/> on a server that does not offer CONDSTORE (nothing is sent).</exception>
        public Task<ImapResponse> SelectAsync(string mailbox, bool readOnly, bool condStore) => Issue(new SelectCommand(mailbox, readOnly, condStore: condStore));

        /// <summary>
        /// SELECT (or EXAMINE) with QRESYNC's parameter (RFC 7162 3.2.5): besides selecting, the
        /// server reports what changed since <paramref name="qresync"/>'s mod-sequence: the UIDs
        /// expunged (VANISHED (EARLIER)) and the messages changed or added (FETCH with FLAGS and
        /// MODSEQ), all in the result. Needs <c>EnableAsync("QRESYNC")</c> first
        /// (<see cref="ImapCapabilityException"/> before sending otherwise). A refused SELECT
        /// throws <see cref="ImapCommandException"/>, as the typed operations do.
        /// </summary>
        public async Task<ImapQResyncResult> SelectAsync(string mailbox, bool readOnly, QResyncParameters qresync)
        {
            if (qresync == null) throw new ArgumentNullException(nameof(qresync));
            var response = await Issue(new SelectCommand(mailbox, readOnly, qresync)).ConfigureAwait(false);
            if (!response.IsOk) throw new ImapCommandException(readOnly ? "EXAMINE" : "SELECT", response);
            return ImapQResyncResult.From(this, response);
        }

        /// <summary>EXAMINE: selects a mailbox read-only.</summary>
        public ImapResponse Examine(string mailbox = "INBOX", ImapCallback? callback = null, object? callbackArgument = null)
            => Call(SelectAsync(Imaplib2Arguments.Name(mailbox), true), callback, callbackArgument);

        /// <inheritdoc cref="Examine"/>
        public Task<ImapResponse> ExamineAsync(string mailbox = "INBOX") => SelectAsync(mailbox, true);

        /// <summary>CREATE a mailbox.</summary>
        public ImapResponse Create(string mailbox, ImapCallback? callback = null, object? callbackArgument = null) => Call(CreateAsync(Imaplib2Arguments.Name(mailbox)), callback, callbackArgument);

        /// <inheritdoc cref="Create"/>
        public Task<ImapResponse> CreateAsync(string mailbox) => Issue(MailboxAdminCommand.Create(mailbox));

        /// <summary>DELETE a mailbox.</summary>
        public ImapResponse Delete(string mailbox, ImapCallback? callback = null, object? callbackArgument = null) => Call(DeleteAsync(Imaplib2Arguments.Name(mailbox)), callback, callbackArgument);

        /// <inheritdoc cref="Delete"/>
        public Task<ImapResponse> DeleteAsync(string mailbox) => Issue(MailboxAdminCommand.Delete(mailbox));

        /// <summary>RENAME a mailbox.</summary>
        public ImapResponse Rename(string oldMailbox, string newMailbox, ImapCallback? callback = null, object? callbackArgument = null)
            => Call(RenameAsync(Imaplib2Arguments.Name(oldMailbox), Imaplib2Arguments.Name(newMailbox)), callback, callbackArgument);

        /// <inheritdoc cref="Rename"/>
        public Task<ImapResponse> RenameAsync(string oldMailbox, string newMailbox)
            => Issue(MailboxAdminCommand.Rename(oldMailbox, newMailbox));

        /// <summary>SUBSCRIBE to a mailbox.</summary>
        public ImapResponse Subscribe(string mailbox, ImapCallback? callback = null, object? callbackArgument = null) => Call(SubscribeAsync(Imaplib2Arguments.Name(mailbox)), callback, callbackArgument);

        /// <inheritdoc cref="Subscribe"/>
        public Task<ImapResponse> SubscribeAsync(string mailbox) => Issue(MailboxAdminCommand.Subscribe(mailbox));

        /// <summary>UNSUBSCRIBE from a mailbox.</summary>
        public ImapResponse Unsubscribe(string mailbox, ImapCallback? callback = null, object? callbackArgument = null) => Call(UnsubscribeAsync(Imaplib2Arguments.Name(mailbox)), callback, callbackArgument);

        /// <inheritdoc cref="Unsubscribe"/>
        public Task<ImapResponse> UnsubscribeAsync(string mailbox) => Issue(MailboxAdminCommand.Unsubscribe(mailbox));

        /// <summary>LIST mailboxes (imaplib2's defaults: reference "" and pattern *). Names are given and returned decoded by the typed decoders.</summary>
        public ImapResponse List(string directory = "", string pattern = "*", ImapCallback? callback = null, object? callbackArgument = null)
            => Call(ListAsync(Imaplib2Arguments.Name(directory), Imaplib2Arguments.Name(pattern)), callback, callbackArgument);

        /// <inheritdoc cref="List"/>
        public Task<ImapResponse> ListAsync(string directory = "", string pattern = "*")
            => Issue(ListCommand.List(directory, pattern));

        /// <summary>LIST with LIST-EXTENDED selection and return options, e.g. <c>RETURN (SPECIAL-USE STATUS (MESSAGES UNSEEN))</c>.</summary>
        public Task<ImapResponse> ListExtendedAsync(string? selectionOptions, string directory, string pattern, string? returnOptions)
            => Issue(ListCommand.Extended(selectionOptions, directory, pattern, returnOptions));

        /// <summary>LSUB: subscribed mailboxes.</summary>
        public ImapResponse Lsub(string directory = "", string pattern = "*", ImapCallback? callback = null, object? callbackArgument = null)
            => Call(LsubAsync(Imaplib2Arguments.Name(directory), Imaplib2Arguments.Name(pattern)), callback, callbackArgument);

        /// <inheritdoc cref="Lsub"/>
        public Task<ImapResponse> LsubAsync(string directory = "", string pattern = "*")
            => Issue(ListCommand.Lsub(directory, pattern));

        /// <summary>STATUS of a mailbox, e.g. names <c>(MESSAGES UNSEEN UIDNEXT UIDVALIDITY)</c>.</summary>
        public ImapResponse Status(string mailbox, string names, ImapCallback? callback = null, object? callbackArgument = null)
            => Call(StatusAsync(Imaplib2Arguments.Name(mailbox), names), callback, callbackArgument);

        /// <inheritdoc cref="Status"/>
        public Task<ImapResponse> StatusAsync(string mailbox, string names) => Issue(new StatusCommand(mailbox, names));

        /// <summary>APPEND a message (bare CR or LF line ends become CRLF, as imaplib2 does). Flags like <c>(\Seen)</c>; date optional.</summary>
        /// <remarks>
        /// As in imaplib2, every argument but the message may be null: no mailbox (or "") means
        /// INBOX; <paramref name="internalDate"/> may be a date, seconds since 1970, or an
        /// INTERNALDATE string (quoted or not).
        /// </remarks>
        public ImapResponse Append(string? mailbox, string? flags, object? internalDate, byte[] message, ImapCallback? callback = null, object? callbackArgument = null)
            => Call(AppendAsync(Imaplib2Arguments.AppendMailbox(mailbox), flags, Imaplib2Arguments.DateTime(internalDate), message), callback, callbackArgument);

        /// <inheritdoc cref="Append(string, string, object, byte[], ImapCallback, object)"/>
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
        public ImapResponse GetQuota(string root, ImapCallback? callback = null, object? callbackArgument = null) => Call(GetQuotaAsync(Imaplib2Arguments.Name(root)), callback, callbackArgument);

        /// <inheritdoc cref="GetQuota"/>
        public Task<ImapResponse> GetQuotaAsync(string root) => Issue(ExtensionCommand.GetQuota(root));

        /// <summary>GETQUOTAROOT: the quota roots of a mailbox and their quotas.</summary>
        public ImapResponse GetQuotaRoot(string mailbox, ImapCallback? callback = null, object? callbackArgument = null) => Call(GetQuotaRootAsync(Imaplib2Arguments.Name(mailbox)), callback, callbackArgument);

        /// <inheritdoc cref="GetQuotaRoot"/>
        /// <remarks>The data has imaplib2's shape: two lists, the QUOTAROOT responses and the QUOTA responses.</remarks>
        public async Task<ImapResponse> GetQuotaRootAsync(string mailbox)
        {
            var response = await Issue(ExtensionCommand.GetQuotaRoot(mailbox)).ConfigureAwait(false);
            if (!response.IsOk) return response;
            ImapDataItem Group(string name)
            {
                var items = new List<ImapDataItem?>();
                foreach (var item in BuildData(response, new[] { name }, noneWhenEmpty: true)) items.Add(item);
                return new ImapDataItem(items);
            }
            return new ImapResponse(response.Type, response.Tagged, response.Untagged, null, new ImapDataItem?[] { Group("QUOTAROOT"), Group("QUOTA") });
        }

        /// <summary>SETQUOTA, e.g. limits <c>(STORAGE 512)</c>.</summary>
        public ImapResponse SetQuota(string root, string limits, ImapCallback? callback = null, object? callbackArgument = null) => Call(SetQuotaAsync(Imaplib2Arguments.Name(root), limits), callback, callbackArgument);

        /// <inheritdoc cref="SetQuota"/>
        public Task<ImapResponse> SetQuotaAsync(string root, string limits)
            => Issue(ExtensionCommand.SetQuota(root, limits));

        /// <summary>GETACL (RFC 4314).</summary>
        public ImapResponse GetAcl(string mailbox, ImapCallback? callback = null, object? callbackArgument = null) => Call(GetAclAsync(Imaplib2Arguments.Name(mailbox)), callback, callbackArgument);

        /// <inheritdoc cref="GetAcl"/>
        public Task<ImapResponse> GetAclAsync(string mailbox) => Issue(ExtensionCommand.GetAcl(mailbox));

        /// <summary>SETACL: gives <paramref name="who"/> the rights <paramref name="what"/> (e.g. "lrs", "+w", "-i").</summary>
        public ImapResponse SetAcl(string mailbox, string who, string what, ImapCallback? callback = null, object? callbackArgument = null)
            => Call(SetAclAsync(Imaplib2Arguments.Name(mailbox), who, what), callback, callbackArgument);

        /// <inheritdoc cref="SetAcl"/>
        public Task<ImapResponse> SetAclAsync(string mailbox, string who, string what)
            => Issue(ExtensionCommand.SetAcl(mailbox, who, what));

        /// <summary>DELETEACL: removes <paramref name="who"/>'s entry.</summary>
        public ImapResponse DeleteAcl(string mailbox, string who, ImapCallback? callback = null, object? callbackArgument = null)
            => Call(DeleteAclAsync(Imaplib2Arguments.Name(mailbox), who), callback, callbackArgument);

        /// <inheritdoc cref="DeleteAcl"/>
        public Task<ImapResponse> DeleteAclAsync(string mailbox, string who)
            => Issue(ExtensionCommand.DeleteAcl(mailbox, who));

        /// <summary>MYRIGHTS: the caller's own rights on a mailbox.</summary>
        public ImapResponse MyRights(string mailbox, ImapCallback? callback = null, object? callbackArgument = null) => Call(MyRightsAsync(Imaplib2Arguments.Name(mailbox)), callback, callbackArgument);

        /// <inheritdoc cref="MyRights"/>
        public Task<ImapResponse> MyRightsAsync(string mailbox) => Issue(ExtensionCommand.MyRights(mailbox));

        /// <summary>LISTRIGHTS: the rights that may be given to <paramref name="who"/>.</summary>
        public ImapResponse ListRights(string mailbox, string who, ImapCallback? callback = null, object? callbackArgument = null)
            => Call(ListRightsAsync(Imaplib2Arguments.Name(mailbox), who), callback, callbackArgument);

        /// <inheritdoc cref="ListRights"/>
        public Task<ImapResponse> ListRightsAsync(string mailbox, string who)
            => Issue(ExtensionCommand.ListRights(mailbox, who));

        /// <summary>GETANNOTATION (ANNOTATEMORE draft): entry and attribute, e.g. "/comment", "value.priv".</summary>
        public ImapResponse GetAnnotation(string mailbox, string entry, string attribute, ImapCallback? callback = null, object? callbackArgument = null)
            => Call(GetAnnotationAsync(Imaplib2Arguments.Name(mailbox), entry, attribute), callback, callbackArgument);

        /// <inheritdoc cref="GetAnnotation"/>
        public Task<ImapResponse> GetAnnotationAsync(string mailbox, string entry, string attribute)
            => Issue(ExtensionCommand.GetAnnotation(mailbox, entry, attribute));

        /// <summary>SETANNOTATION with imaplib2's free-form arguments.</summary>
        public ImapResponse SetAnnotation(params string[] arguments) => Sync(SetAnnotationAsync(arguments));

        /// <summary>SETANNOTATION in imaplib2's callback style.</summary>
        public ImapResponse SetAnnotation(string[] arguments, ImapCallback? callback, object? callbackArgument = null)
            => Call(SetAnnotationAsync(arguments), callback, callbackArgument);

        /// <inheritdoc cref="SetAnnotation(string[])"/>
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
