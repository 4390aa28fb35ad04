using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Text;
using ImapPS.Client.Protocol;
using MimeKit;
using MimeKit.Utils;

namespace ImapPS
{
    /// <summary>
    /// A message in a mailbox, identified by mailbox, UIDVALIDITY and UID (stable across sessions),
    /// with the summary a mail client shows in its list. Get-ImapMessage -Full adds the parsed
    /// message; -Headers the header block; -BodyStructure the MIME tree as the server describes it.
    /// The live references (Session, Message, Attachments, Headers, BodyStructure) are hidden
    /// properties (ImapTypeData): reachable by name and bound down the pipeline, but left
    /// out of ConvertTo-Json, Export-Csv and Format-List, which see the message's own data only.
    /// </summary>
    public sealed class ImapMessage
    {
        private ImapFlagList _flags = ImapFlagList.Empty;

        internal ImapMessage(ImapSession session, string mailbox, uint uidValidity, uint uid)
        {
            Session = session;
            Mailbox = mailbox;
            UidValidity = uidValidity;
            Uid = uid;
        }

        /// <summary>The session the message was read on (the hidden property Session in PowerShell).</summary>
        internal ImapSession Session { get; }

        /// <summary>Read because of a live stream's record (Invoke-ImapIdle): later cmdlets act on it at once instead of batching.</summary>
        internal bool Live { get; set; }

        /// <summary>The name of the session the message was read on.</summary>
        public string SessionName => Session.Name;

        /// <summary>The Id of <see cref="Session"/>: cmdlets refuse an object piped to them with another session's -Session.</summary>
        public int SessionId => Session.Id;

        /// <summary>The mailbox that holds the message.</summary>
        public string Mailbox { get; }

        /// <summary>The mailbox's UIDVALIDITY when the message was read; cmdlets refuse the object when it no longer matches.</summary>
        public uint UidValidity { get; }

        /// <summary>The message's UID.</summary>
        public uint Uid { get; }

        /// <summary>The file the message was appended from (Add-ImapMessage -Path or -LiteralPath), else null.</summary>
        public string? SourcePath { get; internal set; }

        /// <summary>The message sequence number when it was read (changes as messages are expunged).</summary>
        public uint SequenceNumber { get; internal set; }

        /// <summary>The flags (\Seen, \Flagged, keywords, …); an <see cref="ImapFlagList"/>, which prints space-separated.</summary>
        public IReadOnlyList<string> Flags { get => _flags; internal set => _flags = ImapFlagList.From(value); }

        /// <summary>When the server received the message (INTERNALDATE).</summary>
        public DateTimeOffset? InternalDate { get; internal set; }

        /// <summary>The size in bytes (RFC822.SIZE).</summary>
        public long? Size { get; internal set; }

        /// <summary>
        /// The message's mod-sequence (CONDSTORE, RFC 7162): it grows whenever the message's flags
        /// change. Null when the server does not offer CONDSTORE or the mailbox keeps no mod-sequences.
        /// </summary>
        public ulong? ModSeq { get; internal set; }

        /// <summary>The subject, decoded (RFC 2047).</summary>
        public string? Subject { get; internal set; }

        /// <summary>The From addresses, names decoded.</summary>
        public ImapAddressList From { get; internal set; } = ImapAddressList.Empty;

        /// <summary>The To addresses.</summary>
        public ImapAddressList To { get; internal set; } = ImapAddressList.Empty;

        /// <summary>The Cc addresses.</summary>
        public ImapAddressList Cc { get; internal set; } = ImapAddressList.Empty;

        /// <summary>The Reply-To addresses.</summary>
        public ImapAddressList ReplyTo { get; internal set; } = ImapAddressList.Empty;

        /// <summary>The Date header.</summary>
        public DateTimeOffset? Date { get; internal set; }

        /// <summary>The Message-ID (with angle brackets, as sent).</summary>
        public string? MessageId { get; internal set; }

        /// <summary>The In-Reply-To header.</summary>
        public string? InReplyTo { get; internal set; }

        /// <summary>The parsed message (Get-ImapMessage -Full; the hidden property Message in PowerShell).</summary>
        internal MimeMessage? Message { get; set; }

        /// <summary>The plain-text body (-Full, or -TextBody: from the HTML part when there is no plain one). Hidden from Export-Csv and Format-List's default, which show one line per message; ConvertTo-Json includes it.</summary>
        [Hidden]
        public string? TextBody { get; internal set; }

        /// <summary>The HTML body (-Full; -TextBody when the text came from the HTML part). Hidden like <see cref="TextBody"/>.</summary>
        [Hidden]
        public string? HtmlBody { get; internal set; }

        /// <summary>The attachments (-Full; the hidden property Attachments in PowerShell).</summary>
        internal IReadOnlyList<MimeEntity>? Attachments { get; set; }

        /// <summary>The header block (-Headers; the hidden property Headers in PowerShell).</summary>
        internal HeaderList? Headers { get; set; }

        /// <summary>The MIME structure as the server describes it (-BodyStructure; the hidden property BodyStructure in PowerShell).</summary>
        internal BodyStructure? BodyStructure { get; set; }

        /// <summary>True when the message has \Seen.</summary>
        public bool IsSeen => HasFlag("\\Seen");

        /// <summary>True when the message has \Flagged.</summary>
        public bool IsFlagged => HasFlag("\\Flagged");

        /// <summary>True when the message has \Deleted.</summary>
        public bool IsDeleted => HasFlag("\\Deleted");

        /// <summary>True when the message has <paramref name="flag"/> (case-insensitive).</summary>
        public bool HasFlag(string flag) => Flags.Any(f => string.Equals(f, flag, StringComparison.OrdinalIgnoreCase));

        /// <inheritdoc />
        public override string ToString() => Mailbox + "/" + Uid + (Subject != null ? " " + Subject : "");

        /// <summary>Fills the summary fields from a FETCH response (FLAGS, INTERNALDATE, RFC822.SIZE, ENVELOPE).</summary>
        internal void Apply(FetchData data)
        {
            SequenceNumber = data.SequenceNumber;
            if (data.Flags != null) Flags = data.Flags.ToArray();
            if (data.InternalDate != null) InternalDate = data.InternalDate;
            if (data.Size != null) Size = data.Size;
            if (data.ModSeq != null) ModSeq = data.ModSeq;
            if (data.Body != null) BodyStructure = data.Body;
            var envelope = data.Envelope;
            if (envelope != null)
            {
                Subject = MimeText.DecodeText(envelope.Subject);
                From = MimeText.Addresses(envelope.From);
                To = MimeText.Addresses(envelope.To);
                Cc = MimeText.Addresses(envelope.Cc);
                ReplyTo = MimeText.Addresses(envelope.ReplyTo);
                Date = envelope.ParsedDate;
                MessageId = envelope.MessageId;
                InReplyTo = envelope.InReplyTo;
            }
        }

        internal void ApplyFull(MimeMessage message)
        {
            Message = message;
            TextBody = message.TextBody;
            HtmlBody = message.HtmlBody;
            Attachments = message.Attachments.ToList();
            if (Subject == null) Subject = message.Subject;
            if (From.Count == 0) From = ImapAddressList.FromMimeKit(message.From);
            if (To.Count == 0) To = ImapAddressList.FromMimeKit(message.To);
            if (Cc.Count == 0) Cc = ImapAddressList.FromMimeKit(message.Cc);
            if (ReplyTo.Count == 0) ReplyTo = ImapAddressList.FromMimeKit(message.ReplyTo);
            if (Date == null && message.Date != DateTimeOffset.MinValue) Date = message.Date;
            if (MessageId == null && message.MessageId != null) MessageId = "<" + message.MessageId + ">";
        }
    }

    /// <summary>RFC 2047 decoding of the raw header text the server puts in ENVELOPE, done by MimeKit.</summary>
    internal static class MimeText
    {
        private static readonly Encoding Utf8 = new UTF8Encoding(false);

        public static string? DecodeText(string? raw)
        {
            if (raw == null) return null;
            if (raw.IndexOf("=?", StringComparison.Ordinal) < 0) return raw;
            return Rfc2047.DecodeText(Utf8.GetBytes(raw));
        }

        /// <summary>
        /// The file name of an attachment, decoded the way MimeKit decodes it for Get-ImapMessage -Full:
        /// the Content-Disposition <c>filename</c>, else the Content-Type <c>name</c>, each with RFC 2231
        /// extended values (<c>filename*=UTF-8''…</c>), continuations (<c>filename*0*</c>, <c>filename*1*</c>)
        /// and RFC 2047 encoded words decoded. Null when the part names no file.
        /// </summary>
        public static string? AttachmentFileName(BodyPartBasic part)
            => DecodeParameter(part.DispositionParameters, "filename") ?? DecodeParameter(part.Parameters, "name");

        /// <summary>
        /// One MIME parameter with RFC 2231 and RFC 2047 decoding. BODYSTRUCTURE hands the parameters
        /// over raw; they are written back as a Content-Disposition value (quoted, so nothing a
        /// sender put in a value can add a parameter) and parsed by MimeKit.
        /// </summary>
        internal static string? DecodeParameter(IReadOnlyDictionary<string, string> parameters, string name)
        {
            var text = new StringBuilder("attachment");
            bool any = false;
            foreach (var pair in parameters)
            {
                var key = pair.Key;
                if (!key.StartsWith(name, StringComparison.OrdinalIgnoreCase)) continue;
                if (key.Length != name.Length && key[name.Length] != '*') continue;
                if (!key.All(IsAttributeChar)) continue;
                any = true;
                text.Append("; ").Append(key).Append('=');
                if (key.EndsWith("*", StringComparison.Ordinal) && pair.Value.Length > 0 && pair.Value.All(c => IsAttributeChar(c) || c == '\'' || c == '%'))
                    text.Append(pair.Value);  // an RFC 2231 extended value is never quoted
                else
                    text.Append('"').Append(pair.Value.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace('\r', ' ').Replace('\n', ' ')).Append('"');
            }
            if (!any) return null;
            if (!ContentDisposition.TryParse(text.ToString(), out var disposition)) return null;
            return disposition.Parameters.TryGetValue(name, out string? value) && !string.IsNullOrEmpty(value) ? value : null;
        }

        // RFC 2231 attribute-char: a token character other than *, ' and %; the * of an extended name is allowed here.
        private static bool IsAttributeChar(char c)
            => c > ' ' && c < 127 && "()<>@,;:\\\"/[]?='%".IndexOf(c) < 0;

        public static string? DecodePhrase(string? raw)
        {
            if (raw == null) return null;
            if (raw.IndexOf("=?", StringComparison.Ordinal) < 0) return raw;
            return Rfc2047.DecodePhrase(Utf8.GetBytes(raw));
        }

        public static ImapAddressList Addresses(IReadOnlyList<EnvelopeAddress> addresses)
        {
            if (addresses.Count == 0) return ImapAddressList.Empty;
            var list = new List<ImapAddress>(addresses.Count);
            foreach (var a in addresses)
            {
                if (a.IsEmptyGroup)
                {
                    list.Add(new ImapAddress(DecodePhrase(a.GroupName), null));
                    continue;
                }
                // Servers pass on whatever the sender wrote; an address MimeKit would reject is kept as text.
                if (a.Address is string address) list.Add(new ImapAddress(DecodePhrase(a.Name), address));
            }
            return new ImapAddressList(list);
        }
    }
}
