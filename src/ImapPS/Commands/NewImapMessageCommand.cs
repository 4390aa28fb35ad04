using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.IO;
using System.Linq;
using System.Management.Automation;
using MimeKit;

namespace ImapPS.Commands
{
    /// <summary>
    /// <para type="synopsis">Composes a message (addresses, subject, text and HTML body, attachments, headers) for Add-ImapMessage.</para>
    /// </summary>
    /// <remarks>
    /// MimeKit loads in the module's own load context, so a script cannot name [MimeKit.MimeMessage]
    /// itself; this cmdlet is the supported way to build one. It talks to no server.
    /// </remarks>
    [Cmdlet(VerbsCommon.New, "ImapMessage")]
    [OutputType(typeof(MimeMessage))]
    public sealed class NewImapMessageCommand : PSCmdlet
    {
        /// <summary>The sender: "Name &lt;address&gt;" or an address.</summary>
        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty]
        public string? From { get; set; }

        /// <summary>The recipients.</summary>
        [Parameter(Position = 1)]
        public string[]? To { get; set; }

        /// <summary>The carbon-copy recipients.</summary>
        [Parameter]
        public string[]? Cc { get; set; }

        /// <summary>The blind carbon-copy recipients (kept in the message, as a draft or sent copy keeps them).</summary>
        [Parameter]
        public string[]? Bcc { get; set; }

        /// <summary>Where replies go.</summary>
        [Parameter]
        public string[]? ReplyTo { get; set; }

        /// <summary>The subject.</summary>
        [Parameter(Position = 2)]
        public string? Subject { get; set; }

        /// <summary>The plain-text body.</summary>
        [Parameter]
        [Alias("TextBody")]
        public string? Body { get; set; }

        /// <summary>The HTML body; with -Body too the message carries both (multipart/alternative).</summary>
        [Parameter]
        public string? HtmlBody { get; set; }

        /// <summary>Files to attach (their names become the attachments' file names).</summary>
        [Parameter]
        public string[]? Attachment { get; set; }

        /// <summary>More header fields: @{ 'X-Priority' = '1'; 'Keywords' = 'report' }.</summary>
        [Parameter]
        public IDictionary? Header { get; set; }

        /// <summary>The Date header (default: now).</summary>
        [Parameter]
        public DateTimeOffset? Date { get; set; }

        /// <summary>The Message-ID, without angle brackets (default: a new unique one).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? MessageId { get; set; }

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            var message = new MimeMessage();
            AddAddresses(message.From, From == null ? null : new[] { From }, nameof(From));
            AddAddresses(message.To, To, nameof(To));
            AddAddresses(message.Cc, Cc, nameof(Cc));
            AddAddresses(message.Bcc, Bcc, nameof(Bcc));
            AddAddresses(message.ReplyTo, ReplyTo, nameof(ReplyTo));
            message.Subject = Subject ?? "";
            message.Date = Date ?? DateTimeOffset.Now;
            message.MessageId = MessageId ?? MimeKit.Utils.MimeUtils.GenerateMessageId();

            var builder = new BodyBuilder { TextBody = Body, HtmlBody = HtmlBody };
            foreach (var path in ResolveFiles(Attachment))
            {
                try
                {
                    builder.Attachments.Add(path);
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                {
                    ThrowTerminatingError(new ErrorRecord(new IOException("Cannot attach '" + path + "': " + ex.Message, ex), "AttachmentUnreadable", ErrorCategory.ReadError, path));
                }
            }
            message.Body = builder.ToMessageBody();

            if (Header != null)
            {
                foreach (DictionaryEntry entry in Header)
                {
                    string field = entry.Key?.ToString() ?? "";
                    var values = entry.Value == null ? new[] { "" } : (string[])LanguagePrimitives.ConvertTo(entry.Value, typeof(string[]), System.Globalization.CultureInfo.InvariantCulture);
                    try
                    {
                        if (IsManagedHeader(field))
                            throw new ArgumentException("it is set by the cmdlet itself (-From, -To, -Cc, -Bcc, -ReplyTo, -Subject, -Date, -MessageId, and the body parameters).");
                        foreach (var value in values) message.Headers.Add(field, value ?? "");
                    }
                    catch (ArgumentException ex)
                    {
                        ThrowTerminatingError(new ErrorRecord(new ArgumentException("-Header '" + field + "' cannot be used: " + ex.Message, ex), "InvalidHeader", ErrorCategory.InvalidArgument, field));
                    }
                }
            }
            WriteObject(message);
        }

        private static bool IsManagedHeader(string field)
            => new[] { "From", "Sender", "To", "Cc", "Bcc", "Reply-To", "Subject", "Date", "Message-Id", "Content-Type", "Content-Transfer-Encoding", "MIME-Version" }
                .Any(f => string.Equals(f, field, StringComparison.OrdinalIgnoreCase));

        private void AddAddresses(InternetAddressList list, string[]? values, string parameter)
        {
            if (values == null) return;
            foreach (var value in values)
            {
                if (string.IsNullOrWhiteSpace(value)) continue;
                if (InternetAddressList.TryParse(value, out var parsed) && parsed.Count > 0)
                    list.AddRange(parsed);
                else
                    ThrowTerminatingError(new ErrorRecord(new ArgumentException("-" + parameter + " '" + value + "' is not an e-mail address (write 'Name <user@example.com>' or 'user@example.com')."),
                        "InvalidAddress", ErrorCategory.InvalidArgument, value));
            }
        }

        private IEnumerable<string> ResolveFiles(string[]? paths)
        {
            if (paths == null) yield break;
            foreach (var path in paths)
            {
                Collection<string> resolved;
                try
                {
                    resolved = GetResolvedProviderPathFromPSPath(path, out var provider);
                    if (provider.Name != "FileSystem") throw new ArgumentException("'" + path + "' is not a file.");
                }
                catch (Exception ex) when (ex is ItemNotFoundException || ex is ArgumentException || ex is System.Management.Automation.DriveNotFoundException || ex is ProviderNotFoundException)
                {
                    ThrowTerminatingError(new ErrorRecord(new FileNotFoundException("Cannot attach '" + path + "': there is no such file.", path, ex), "AttachmentNotFound", ErrorCategory.ObjectNotFound, path));
                    yield break;
                }
                foreach (var file in resolved)
                {
                    if (Directory.Exists(file))
                        ThrowTerminatingError(new ErrorRecord(new IOException("Cannot attach '" + file + "': it is a folder."), "AttachmentNotFound", ErrorCategory.InvalidArgument, file));
                    yield return file;
                }
            }
        }
    }
}
