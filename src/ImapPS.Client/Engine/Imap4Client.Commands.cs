using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using ImapPS.Client.Protocol;

namespace ImapPS.Client
{
    // imaplib2's surface: one method per IMAP command, named after imaplib2's, each a thin layer
    // over a typed command (Engine/Commands): the command knows how it is written, what it claims,
    // what it does to the session and how its result reads. Each has a blocking form (with
    // imaplib2's optional callback: given one, the call returns ImapResponse.Deferred at once and
    // the callback receives the result later) and an …Async form.
    public partial class Imap4Client
    {
        private ImapResponse Call(Task<ImapResponse> task, ImapCallback? callback, object? argument)
            => WithCallback(task, callback, argument) ?? ImapResponse.Deferred;

        // ---------------------------------------------------------------- any state

        /// <summary>CAPABILITY: asks the server for its capabilities and keeps them.</summary>
        public ImapResponse Capability(ImapCallback? callback = null, object? callbackArgument = null) => Call(CapabilityAsync(), callback, callbackArgument);

        /// <inheritdoc cref="Capability"/>
        public Task<ImapResponse> CapabilityAsync() => Issue(new CapabilityCommand());

        /// <summary>NOOP: lets the server report changes (they arrive as events and in <see cref="Response(string)"/>).</summary>
        public ImapResponse Noop(ImapCallback? callback = null, object? callbackArgument = null) => Call(NoopAsync(), callback, callbackArgument);

        /// <inheritdoc cref="Noop"/>
        public Task<ImapResponse> NoopAsync() => Issue(NoopCommand.Noop());

        /// <summary>LOGOUT: ends the session and closes the connection. The client cannot be used afterwards.</summary>
        public ImapResponse Logout(ImapCallback? callback = null, object? callbackArgument = null) => Call(LogoutAsync(), callback, callbackArgument);

        /// <inheritdoc cref="Logout"/>
        public Task<ImapResponse> LogoutAsync() => LogoutOnceAsync();

        /// <summary>ID (RFC 2971): sends the client's identification (name/value pairs) and returns the server's.</summary>
        public ImapResponse Id(IDictionary<string, string?>? fields = null, ImapCallback? callback = null, object? callbackArgument = null)
            => Call(IdAsync(fields), callback, callbackArgument);

        /// <inheritdoc cref="Id"/>
        public Task<ImapResponse> IdAsync(IDictionary<string, string?>? fields = null) => Issue(ExtensionCommand.Id(fields));

        // ---------------------------------------------------------------- not authenticated

        /// <summary>LOGIN: plain-text login. The password is always quoted (or a literal), and never logged.</summary>
        /// <exception cref="ImapException">The server refused the login (NO), or offers LOGINDISABLED.</exception>
        public ImapResponse Login(string user, string password, ImapCallback? callback = null, object? callbackArgument = null)
            => Call(LoginAsync(user, password), callback, callbackArgument);

        /// <inheritdoc cref="Login"/>
        public Task<ImapResponse> LoginAsync(string user, string password) => Issue(new LoginCommand(user, password));

        /// <summary>LOGIN with CRAM-MD5 (AUTHENTICATE CRAM-MD5), so the password never crosses the wire.</summary>
        public ImapResponse LoginCramMd5(string user, string password, ImapCallback? callback = null, object? callbackArgument = null)
            => Call(AuthenticateAsync(SaslMechanism.CramMd5(user, password)), callback, callbackArgument);

        /// <inheritdoc cref="LoginCramMd5"/>
        public Task<ImapResponse> LoginCramMd5Async(string user, string password) => AuthenticateAsync(SaslMechanism.CramMd5(user, password));

        /// <summary>AUTHENTICATE with imaplib2's authobject: called with each decoded challenge, returns the answer or null to cancel.</summary>
        public ImapResponse Authenticate(string mechanism, Func<byte[], byte[]?> authObject, ImapCallback? callback = null, object? callbackArgument = null)
            => Call(AuthenticateAsync(SaslMechanism.FromFunction(mechanism, authObject)), callback, callbackArgument);

        /// <summary>AUTHENTICATE with a SASL mechanism (PLAIN, LOGIN, CRAM-MD5, XOAUTH2, OAUTHBEARER or your own). Uses SASL-IR when offered.</summary>
        public ImapResponse Authenticate(SaslMechanism mechanism, ImapCallback? callback = null, object? callbackArgument = null)
            => Call(AuthenticateAsync(mechanism), callback, callbackArgument);

        /// <inheritdoc cref="Authenticate(SaslMechanism, ImapCallback, object)"/>
        public Task<ImapResponse> AuthenticateAsync(SaslMechanism mechanism) => Issue(AuthenticateCommand.For(mechanism, HasCapability("SASL-IR")));

        /// <summary>
        /// STARTTLS: upgrades the connection to TLS, then discards and re-reads the capabilities.
        /// Refuses (never falls back to plain text) when the server does not offer it.
        /// </summary>
        /// <exception cref="ImapSecurityException">STARTTLS is not offered, or the TLS handshake or certificate check failed.</exception>
        public ImapResponse StartTls(ImapCallback? callback = null, object? callbackArgument = null) => Call(StartTlsAsync(), callback, callbackArgument);

        /// <inheritdoc cref="StartTls"/>
        public Task<ImapResponse> StartTlsAsync() => Issue(new StartTlsCommand());

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

        // ---------------------------------------------------------------- selected

        /// <summary>CHECK: a checkpoint of the selected mailbox.</summary>
        public ImapResponse Check(ImapCallback? callback = null, object? callbackArgument = null) => Call(CheckAsync(), callback, callbackArgument);

        /// <inheritdoc cref="Check"/>
        public Task<ImapResponse> CheckAsync() => Issue(NoopCommand.Check());

        /// <summary>CLOSE: expunges (unless read-only) and deselects the mailbox.</summary>
        public ImapResponse Close(ImapCallback? callback = null, object? callbackArgument = null) => Call(CloseAsync(), callback, callbackArgument);

        /// <inheritdoc cref="Close"/>
        public Task<ImapResponse> CloseAsync() => Issue(new DeselectCommand(expunge: true));

        /// <summary>UNSELECT (RFC 3691): deselects the mailbox without expunging.</summary>
        public ImapResponse Unselect(ImapCallback? callback = null, object? callbackArgument = null) => Call(UnselectAsync(), callback, callbackArgument);

        /// <inheritdoc cref="Unselect"/>
        public Task<ImapResponse> UnselectAsync() => Issue(new DeselectCommand(expunge: false));

        /// <summary>EXPUNGE: removes every \Deleted message of the selected mailbox. Returns the expunged sequence numbers.</summary>
        public ImapResponse Expunge(ImapCallback? callback = null, object? callbackArgument = null) => Call(ExpungeAsync(), callback, callbackArgument);

        /// <inheritdoc cref="Expunge"/>
        public Task<ImapResponse> ExpungeAsync()
            => Issue(ExpungeCommand.All());

        /// <summary>FETCH message parts, e.g. <c>Fetch("1:5", "(UID FLAGS ENVELOPE)")</c>.</summary>
        public ImapResponse Fetch(string messageSet, string messageParts, ImapCallback? callback = null, object? callbackArgument = null)
            => Call(FetchAsync(messageSet, messageParts), callback, callbackArgument);

        /// <inheritdoc cref="Fetch"/>
        public Task<ImapResponse> FetchAsync(string messageSet, string messageParts) => Issue(new FetchCommand(false, messageSet, messageParts));

        /// <summary>FETCH (or UID FETCH) of the messages whose MODSEQ is above <paramref name="changedSince"/> (CONDSTORE, RFC 7162); each answer carries its MODSEQ.</summary>
        public Task<ImapResponse> FetchAsync(string messageSet, string messageParts, ulong changedSince, bool uid = false)
            => Issue(new FetchCommand(uid, messageSet, messageParts, changedSince));

        /// <summary>
        /// FETCH (or UID FETCH) handing each response to <paramref name="onResponse"/> as it arrives
        /// (on the reader: keep it short), so results stream without being held in memory. Large
        /// literals may go straight to the stream <paramref name="literalSink"/> returns.
        /// </summary>
        public Task<ImapResponse> FetchEachAsync(string messageSet, string messageParts, bool uid, Action<ServerResponse> onResponse,
            Func<LiteralRequest, Stream?>? literalSink = null)
            => Issue(new FetchCommand(uid, messageSet, messageParts) { Each = onResponse, LiteralSink = literalSink });

        /// <summary>PARTIAL (imaplib2): part of a message's body, via FETCH BODY[part]&lt;start.length&gt;.</summary>
        public ImapResponse Partial(uint messageNumber, string messagePart, long start, long length, ImapCallback? callback = null, object? callbackArgument = null)
            => Call(PartialAsync(messageNumber, messagePart, start, length), callback, callbackArgument);

        /// <inheritdoc cref="Partial"/>
        public Task<ImapResponse> PartialAsync(uint messageNumber, string messagePart, long start, long length)
        {
            string part = messagePart.Trim('(', ')', ' ');
            // PARTIAL named the RFC822 items as well as BODY sections; they map onto BODY sections.
            string section;
            if (part.StartsWith("BODY", StringComparison.OrdinalIgnoreCase)) section = part;
            else if (string.Equals(part, "RFC822", StringComparison.OrdinalIgnoreCase)) section = "BODY.PEEK[]";
            else if (string.Equals(part, "RFC822.HEADER", StringComparison.OrdinalIgnoreCase)) section = "BODY.PEEK[HEADER]";
            else if (string.Equals(part, "RFC822.TEXT", StringComparison.OrdinalIgnoreCase)) section = "BODY.PEEK[TEXT]";
            else section = "BODY.PEEK[" + part + "]";
            return FetchAsync(messageNumber.ToString(System.Globalization.CultureInfo.InvariantCulture), "(" + section + "<" + start + "." + length + ">)");
        }

        /// <summary>STORE flags, e.g. <c>Store("1:3", "+FLAGS", @"(\Deleted)")</c>.</summary>
        public ImapResponse Store(string messageSet, string command, string flags, ImapCallback? callback = null, object? callbackArgument = null)
            => Call(StoreAsync(messageSet, command, flags), callback, callbackArgument);

        /// <inheritdoc cref="Store"/>
        public Task<ImapResponse> StoreAsync(string messageSet, string command, string flags) => Issue(new StoreCommand(false, messageSet, command, flags));

        /// <summary>
        /// STORE (or UID STORE) with typed options: <paramref name="silent"/> adds <c>.SILENT</c> (no FETCH answers);
        /// <paramref name="unchangedSince"/> (CONDSTORE, RFC 7162) changes only messages whose MODSEQ is not above it,
        /// and the others come back in the tagged OK's <c>[MODIFIED set]</c>.
        /// </summary>
        public Task<ImapResponse> StoreAsync(string messageSet, string command, string flags, bool uid, bool silent = false, ulong? unchangedSince = null)
            => Issue(new StoreCommand(uid, messageSet, command, flags, silent, unchangedSince));

        /// <summary>COPY messages to another mailbox.</summary>
        public ImapResponse Copy(string messageSet, string newMailbox, ImapCallback? callback = null, object? callbackArgument = null)
            => Call(CopyAsync(messageSet, Imaplib2Arguments.Name(newMailbox)), callback, callbackArgument);

        /// <inheritdoc cref="Copy"/>
        public Task<ImapResponse> CopyAsync(string messageSet, string newMailbox)
            => Issue(new CopyMoveCommand(move: false, uid: false, messageSet, newMailbox));

        /// <summary>MOVE (RFC 6851) messages to another mailbox.</summary>
        public ImapResponse Move(string messageSet, string newMailbox, ImapCallback? callback = null, object? callbackArgument = null)
            => Call(MoveAsync(messageSet, Imaplib2Arguments.Name(newMailbox)), callback, callbackArgument);

        /// <inheritdoc cref="Move"/>
        public Task<ImapResponse> MoveAsync(string messageSet, string newMailbox) => Issue(new CopyMoveCommand(move: true, uid: false, messageSet, newMailbox));

        /// <summary>SEARCH, imaplib2 style: <c>Search(null, "SUBJECT", "invoice")</c> or <c>Search(null, "(UNSEEN FROM boss)")</c>.</summary>
        public ImapResponse Search(string? charset, params string[] criteria) => Sync(SearchAsync(Imaplib2Arguments.Charset(charset), criteria));

        /// <summary>
        /// SEARCH in imaplib2's callback style: returns <see cref="ImapResponse.Deferred"/> at once;
        /// the callback gets the result. The callback comes after the criteria, as imaplib2's
        /// keyword argument does, so a call like PowerShell's <c>$M.Search($null, 'SUBJECT', '"x"')</c>
        /// can only mean the plain form.
        /// </summary>
        public ImapResponse Search(string? charset, string[] criteria, ImapCallback? callback, object? callbackArgument = null)
            => Call(SearchAsync(Imaplib2Arguments.Charset(charset), criteria), callback, callbackArgument);

        /// <inheritdoc cref="Search(string?, string[])"/>
        public Task<ImapResponse> SearchAsync(string? charset, params string[] criteria) => Issue(SearchCommand.Search(false, charset, SearchCommand.Strings(criteria)));

        /// <summary>SEARCH with typed arguments (the engine's own callers use this so values are quoted exactly).</summary>
        public Task<ImapResponse> SearchAsync(bool uid, string? charset, IReadOnlyList<ImapArgument> criteria)
            => Issue(SearchCommand.Search(uid, charset, criteria));

        /// <summary>SEARCH with RFC 4731 return options (e.g. MIN, MAX, COUNT, ALL): one ESEARCH answer instead of every number. Needs ESEARCH.</summary>
        public Task<ImapResponse> SearchAsync(bool uid, string? charset, IReadOnlyList<ImapArgument> criteria, IReadOnlyList<string> returnOptions)
            => Issue(SearchCommand.Search(uid, charset, criteria, returnOptions ?? throw new ArgumentNullException(nameof(returnOptions))));

        /// <summary>SORT (RFC 5256): <c>Sort("(DATE)", "UTF-8", "ALL")</c>.</summary>
        public ImapResponse Sort(string sortCriteria, string charset, params string[] searchCriteria) => Sync(SortAsync(sortCriteria, charset, searchCriteria));

        /// <summary>SORT in imaplib2's callback style.</summary>
        public ImapResponse Sort(string sortCriteria, string charset, string[] searchCriteria, ImapCallback? callback, object? callbackArgument = null)
            => Call(SortAsync(sortCriteria, charset, searchCriteria), callback, callbackArgument);

        /// <inheritdoc cref="Sort(string, string, string[])"/>
        public Task<ImapResponse> SortAsync(string sortCriteria, string charset, params string[] searchCriteria)
            => Issue(SearchCommand.Sort(false, sortCriteria, charset, SearchCommand.Strings(searchCriteria)));

        /// <summary>THREAD (RFC 5256): <c>Thread("REFERENCES", "UTF-8", "ALL")</c>.</summary>
        public ImapResponse Thread(string threadingAlgorithm, string charset, params string[] searchCriteria) => Sync(ThreadAsync(threadingAlgorithm, charset, searchCriteria));

        /// <summary>THREAD in imaplib2's callback style.</summary>
        public ImapResponse Thread(string threadingAlgorithm, string charset, string[] searchCriteria, ImapCallback? callback, object? callbackArgument = null)
            => Call(ThreadAsync(threadingAlgorithm, charset, searchCriteria), callback, callbackArgument);

        /// <inheritdoc cref="Thread(string, string, string[])"/>
        public Task<ImapResponse> ThreadAsync(string threadingAlgorithm, string charset, params string[] searchCriteria)
            => Issue(SearchCommand.Thread(false, threadingAlgorithm, charset, SearchCommand.Strings(searchCriteria)));

        // UID COPY and UID MOVE name a mailbox, which follows imaplib2's quoting rules here.
        private static string[] Imaplib2UidArguments(string command, string[] args)
        {
            var upper = command.Trim().ToUpperInvariant();
            if ((upper == "COPY" || upper == "MOVE") && args.Length >= 2)
            {
                args = (string[])args.Clone();
                args[1] = Imaplib2Arguments.Name(args[1]);
            }
            return args;
        }

        /// <summary>
        /// UID variants: <c>Uid("FETCH", "1:*", "(FLAGS)")</c>, and SEARCH, SORT, THREAD, STORE, COPY, MOVE,
        /// and EXPUNGE (UIDPLUS: only the given UIDs). Any other subcommand is sent as
        /// <c>UID command args…</c> with imaplib2's quoting, as imaplib2 sends it, unless it would
        /// change the session's state (see <see cref="Xatom(string, string[])"/>).
        /// </summary>
        public ImapResponse Uid(string command, params string[] args) => Sync(UidAsync(command, Imaplib2UidArguments(command, args)));

        /// <summary>UID commands in imaplib2's callback style.</summary>
        public ImapResponse Uid(string command, string[] args, ImapCallback? callback, object? callbackArgument = null)
            => Call(UidAsync(command, Imaplib2UidArguments(command, args)), callback, callbackArgument);

        /// <inheritdoc cref="Uid(string, string[])"/>
        public Task<ImapResponse> UidAsync(string command, params string[] args)
        {
            string c = command.ToUpperInvariant();
            string Arg(int i) => i < args.Length ? args[i] : throw new ArgumentException("UID " + c + " needs more arguments.", nameof(args));
            switch (c)
            {
                case "FETCH": return Issue(new FetchCommand(true, Arg(0), Arg(1)));
                case "STORE": return Issue(new StoreCommand(true, Arg(0), Arg(1), Arg(2)));
                case "SEARCH": return Issue(SearchCommand.Search(true, null, SearchCommand.Strings(args)));
                case "SORT": return Issue(SearchCommand.Sort(true, Arg(0), Arg(1), SearchCommand.Strings(args.Skip(2))));
                case "THREAD": return Issue(SearchCommand.Thread(true, Arg(0), Arg(1), SearchCommand.Strings(args.Skip(2))));
                case "COPY": return Issue(new CopyMoveCommand(move: false, uid: true, Arg(0), Arg(1)));
                case "MOVE": return Issue(new CopyMoveCommand(move: true, uid: true, Arg(0), Arg(1)));
                case "EXPUNGE": return Issue(ExpungeCommand.Uids(Arg(0)));
                default:
                    var all = new string[args.Length + 1];
                    all[0] = command;
                    Array.Copy(args, 0, all, 1, args.Length);
                    return XatomAsync("UID", all);
            }
        }

        /// <summary>Any command by name, with imaplib2's argument quoting (for extensions this client does not know).</summary>
        public ImapResponse Xatom(string name, params string[] args) => Sync(XatomAsync(name, args));

        /// <summary>XATOM in imaplib2's callback style.</summary>
        public ImapResponse Xatom(string name, string[] args, ImapCallback? callback, object? callbackArgument = null)
            => Call(XatomAsync(name, args), callback, callbackArgument);

        /// <inheritdoc cref="Xatom(string, string[])"/>
        /// <exception cref="ArgumentException">The command changes the session's state and has a method of its own (see <see cref="ImapCommandNames.ChangesSessionState"/>).</exception>
        public Task<ImapResponse> XatomAsync(string name, params string[] args)
            => RunGenericAsync(name.ToUpperInvariant(), args.Select(a => (ImapArgument)a).ToArray(), null, exclusive: true);

        /// <summary>
        /// Any command with typed arguments; <paramref name="collects"/> names the untagged responses that are its results.
        /// ENABLE and COMPRESS get the engine's own handling; the other state-changing commands are refused.
        /// </summary>
        /// <exception cref="ArgumentException">The command changes the session's state and has a method of its own (see <see cref="ImapCommandNames.ChangesSessionState"/>).</exception>
        public Task<ImapResponse> ExecuteAsync(string command, IReadOnlyList<ImapArgument> arguments, IReadOnlyList<string>? collects = null, bool exclusive = true)
            => RunGenericAsync(command, arguments.ToArray(), collects?.Select(c => c.ToUpperInvariant()).ToArray(), exclusive);

        // ---------------------------------------------------------------- IDLE

        /// <summary>
        /// IDLE (RFC 2177): waits until the server reports a change to the selected mailbox, the
        /// timeout passes (default 29 minutes), or another command is issued (which ends IDLE and
        /// proceeds on its own). Changes are also raised as <see cref="MailboxChanged"/> events.
        /// Returns the changes reported while idling as data.
        /// </summary>
        public ImapResponse Idle(TimeSpan? timeout = null, ImapCallback? callback = null, object? callbackArgument = null)
            => Call(IdleAsync(timeout), callback, callbackArgument);

        /// <summary>
        /// How long one IDLE lasts by default: servers may drop a client idle for 30 minutes
        /// (RFC 2177), so it is renewed before that. Invoke-ImapIdle renews at the same interval.
        /// </summary>
        public static readonly TimeSpan IdleRenewal = TimeSpan.FromMinutes(29);

        /// <inheritdoc cref="Idle"/>
        public Task<ImapResponse> IdleAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
        {
            var limit = timeout ?? IdleRenewal;
            CancellationTokenRegistration registration = default;
            var spec = new IdleCommand();
            spec.ContinuationHandler = (cmd, continuation) =>
            {
                bool endNow;
                lock (_lock)
                {
                    _idle = cmd;
                    cmd.Idling = !cmd.DoneSent;
                    endNow = _waiting.Count > 0 || cmd.Untagged.Count > 0;
                    if (!endNow)
                    {
                        _idleTimer?.Dispose();
                        _idleTimer = new Timer(_ => { lock (_lock) if (ReferenceEquals(_idle, cmd)) _ = Task.Run(() => SendDoneAsync(cmd)); }, null, limit, Infinite);
                    }
                }
                if (cancellationToken.CanBeCanceled)
                    registration = cancellationToken.Register(() => _ = Task.Run(() => SendDoneAsync(cmd)));
                if (endNow) return SendDoneAsync(cmd);
                return Task.CompletedTask;
            };
            var run = Issue(spec);
            return run.ContinueWith(t => { registration.Dispose(); return t; }, TaskScheduler.Default).Unwrap();
        }

        // ---------------------------------------------------------------- untagged responses (imaplib2)

        /// <summary>
        /// imaplib2's <c>response(code)</c>: removes and returns the kept untagged responses (or
        /// response codes) named <paramref name="code"/>, e.g. "EXISTS", "UIDVALIDITY", "ALERT".
        /// </summary>
        public ImapResponse Response(string code, ImapCallback? callback, object? callbackArgument = null)
            => Call(Task.FromResult(Response(code)), callback, callbackArgument);

        /// <inheritdoc cref="Response(string, ImapCallback, object)"/>
        public ImapResponse Response(string code)
        {
            code = code.ToUpperInvariant();
            List<KeyValuePair<string, ServerResponse>>? taken;
            lock (_lock) taken = _pool.Take(code);
            if (taken == null) return new ImapResponse(code, null, Array.Empty<ServerResponse>(), null, new ImapDataItem?[] { null });
            return new ImapResponse(code, null, taken.Select(t => t.Value).ToArray(), null, taken.Select(t => (ImapDataItem?)new ImapDataItem(t.Key)).ToArray());
        }

        internal string? PooledText(string code)
        {
            lock (_lock) return _pool.Peek(code);
        }

        /// <summary>
        /// imaplib2's <c>recent()</c>: the kept RECENT counts, or when none are kept, those a NOOP
        /// brings; <c>[null]</c> when there are none.
        /// </summary>
        public ImapResponse Recent(ImapCallback? callback = null, object? callbackArgument = null) => Call(RecentAsync(), callback, callbackArgument);

        /// <inheritdoc cref="Recent"/>
        public async Task<ImapResponse> RecentAsync()
        {
            var kept = Response("RECENT");
            if (kept.Data[0] == null)
            {
                await NoopAsync().ConfigureAwait(false);
                kept = Response("RECENT");
            }
            return new ImapResponse("OK", null, Array.Empty<ServerResponse>(), null, kept.Data);
        }

        /// <summary>
        /// imaplib2's <c>pop_untagged_responses()</c>: every kept untagged response, in order of
        /// reception, as (name, [text]) pairs; the pool is emptied. An untagged status response
        /// appears twice, under its status and under its response code, as in imaplib2.
        /// </summary>
        public IReadOnlyList<KeyValuePair<string, IReadOnlyList<ImapDataItem?>>> PopUntaggedResponses()
        {
            List<KeyValuePair<string, string>> all;
            lock (_lock) all = _pool.TakeAll();
            var result = new List<KeyValuePair<string, IReadOnlyList<ImapDataItem?>>>(all.Count);
            foreach (var entry in all)
                result.Add(new KeyValuePair<string, IReadOnlyList<ImapDataItem?>>(entry.Key, new ImapDataItem?[] { new ImapDataItem(entry.Value) }));
            return result;
        }

        // ---------------------------------------------------------------- imaplib2's static helpers

        /// <summary>Parses an INTERNALDATE (<c>"17-Jul-1996 02:44:25 -0700"</c>, quoted or not).</summary>
        public static DateTimeOffset? Internaldate2Time(string response) => ImapDate.Internaldate2Time(response);

        /// <summary>Formats a time as an IMAP date-time string, with the quotes.</summary>
        public static string Time2Internaldate(DateTimeOffset time) => ImapDate.Time2Internaldate(time);

        /// <summary>Formats a time as an IMAP date-time string, with the quotes (local time for Local/Unspecified kinds).</summary>
        public static string Time2Internaldate(DateTime time) => ImapDate.Time2Internaldate(time);

        /// <summary>Passes an INTERNALDATE string through (adding the quotes when missing); anything else throws <see cref="ArgumentException"/>.</summary>
        public static string Time2Internaldate(string internalDate) => ImapDate.Time2Internaldate(internalDate);

        /// <summary>Formats seconds since the Unix epoch as an IMAP date-time string, in local time, with the quotes.</summary>
        public static string Time2Internaldate(double secondsSinceEpoch) => ImapDate.Time2Internaldate(secondsSinceEpoch);

        /// <summary>Returns the flags of a <c>… FLAGS (…)</c> response.</summary>
        public static string[] ParseFlags(string response) => ImapFlags.ParseFlags(response);
    }
}
