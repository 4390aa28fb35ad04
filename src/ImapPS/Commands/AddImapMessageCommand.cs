using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Text;
using ImapPS.Client;
using ImapPS.Client.Protocol;

namespace ImapPS.Commands
{
    /// <summary>
    /// <para type="synopsis">Appends messages (.eml files, raw bytes or MimeKit messages) to a mailbox.</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Add, "ImapMessage", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, DefaultParameterSetName = PathSet)]
    [OutputType(typeof(ImapMessage))]
    public sealed class AddImapMessageCommand : ImapSessionCmdlet
    {
        private const string PathSet = "Path";
        private const string LiteralPathSet = "LiteralPath";
        private const string MessageSet = "Message";
        private int _count;

        /// <summary>The mailbox to append to.</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [ArgumentCompleter(typeof(MailboxNameCompleter))]
        [ValidateNotNullOrEmpty]
        public string Mailbox { get; set; } = "";

        /// <summary>Message files (.eml), wildcards allowed.</summary>
        [Parameter(Mandatory = true, Position = 1, ValueFromPipeline = true, ParameterSetName = PathSet)]
        [SupportsWildcards]
        public string[] Path { get; set; } = Array.Empty<string>();

        /// <summary>Message files, taken literally.</summary>
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = LiteralPathSet)]
        [Alias("PSPath", "FullName")]
        public string[] LiteralPath { get; set; } = Array.Empty<string>();

        /// <summary>
        /// A message: a byte array (sent as given), a MimeKit MimeMessage, or a string holding the
        /// message text. From the pipeline only byte arrays and MimeMessage objects bind here:
        /// piped strings are paths (-Path) and piped files bind to -LiteralPath.
        /// </summary>
        [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = MessageSet)]
        [MessageContentTransformation]
        public byte[] Message { get; set; } = Array.Empty<byte>();

        /// <summary>Flags for the new message (Seen, Flagged, keywords, …).</summary>
        [Parameter]
        [ArgumentCompleter(typeof(FlagCompleter))]
        public string[]? Flag { get; set; }

        /// <summary>The INTERNALDATE to give the message (default: now, as the server decides).</summary>
        [Parameter]
        public DateTimeOffset? InternalDate { get; set; }

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            var session = ResolveSession();
            Mailbox = MailboxPath(session, Mailbox)!;
            string? flags;
            try { flags = Flag == null || Flag.Length == 0 ? null : "(" + string.Join(" ", Flag.Select(FlagNames.ToImap)) + ")"; }
            catch (ArgumentException ex) { ThrowTerminatingError(new ErrorRecord(ex, "InvalidFlag", ErrorCategory.InvalidArgument, Flag)); return; }

            if (ParameterSetName == MessageSet)
            {
                if (!ShouldProcess("message of " + Message.Length + " bytes", "Append to '" + Mailbox + "'")) return;
                var bytes = Message;
                long size;
                using (var measure = new MemoryStream(bytes, false)) size = bytes.Length + CrlfNormalisingStream.CountInsertions(measure);
                if (session.Reconnector != null) SafeAppend(session, flags, bytes, size, "message of " + bytes.Length + " bytes", Mailbox, null);
                else Append(session, () => session.Client.AppendAsync(Mailbox, flags, InternalDate, bytes), size, "message of " + bytes.Length + " bytes", Mailbox, null);
                return;
            }
            var paths = ParameterSetName == PathSet ? ResolvePaths(Path, false) : ResolvePaths(LiteralPath, true);
            foreach (var path in paths)
            {
                if (!ShouldProcess(path, "Append to '" + Mailbox + "'")) continue;
                if (session.Reconnector != null)
                {
                    // A -Reconnect session appends from memory: after a cut, the same bytes are looked for (by Message-ID) or sent again.
                    byte[] fileBytes;
                    try { fileBytes = File.ReadAllBytes(path); }
                    catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                    {
                        WriteError(new ErrorRecord(ex, "FileReadFailed", ErrorCategory.ReadError, path));
                        continue;
                    }
                    long fileSize;
                    using (var measure = new MemoryStream(fileBytes, false)) fileSize = fileBytes.Length + CrlfNormalisingStream.CountInsertions(measure);
                    SafeAppend(session, flags, fileBytes, fileSize, "'" + path + "'", path, path);
                    continue;
                }
                FileStream? file = null;
                Stream content;
                long length;
                try
                {
                    // FileShare.Read: the length announced in the literal must stay true while it is sent.
                    file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 65536);
                    long extra = CrlfNormalisingStream.CountInsertions(file);
                    file.Position = 0;
                    length = file.Length + extra;
                    content = extra == 0 ? (Stream)file : new CrlfNormalisingStream(file);
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                {
                    file?.Dispose();
                    WriteError(new ErrorRecord(ex, "FileReadFailed", ErrorCategory.ReadError, path));
                    continue;
                }
                using (content)
                    Append(session, () => session.Client.AppendAsync(Mailbox, flags, InternalDate, content, length), length, "'" + path + "'", path, path);
            }
        }

        private IEnumerable<string> ResolvePaths(string[] paths, bool literal)
        {
            foreach (var p in paths)
            {
                List<string> resolved = new List<string>();
                try
                {
                    if (literal) resolved.Add(GetUnresolvedProviderPathFromPSPath(p));
                    else resolved.AddRange(GetResolvedProviderPathFromPSPath(p, out _));
                }
                catch (ItemNotFoundException ex)
                {
                    WriteError(new ErrorRecord(ex, "FileNotFound", ErrorCategory.ObjectNotFound, p));
                    continue;
                }
                foreach (var r in resolved)
                {
                    if (!File.Exists(r)) WriteError(new ErrorRecord(new FileNotFoundException("The file '" + r + "' does not exist.", r), "FileNotFound", ErrorCategory.ObjectNotFound, r));
                    else yield return r;
                }
            }
        }

        private void Append(ImapSession session, Func<System.Threading.Tasks.Task<ImapResponse>> append, long size, string what, object target, string? sourcePath)
        {
            // The server may have stored the message whose APPEND the cut interrupted: say so, so
            // a retry does not store it twice, and say what this command appended before.
            string ifCut = (_count == 1 ? "1 message was appended before" : _count > 1 ? _count + " messages were appended before" : "") + (_count > 0 ? " (their objects carry SourcePath). " : "") +
                "APPEND of " + what + " to '" + Mailbox + "' was sent, outcome unknown: the server may have stored it. Check '" + Mailbox +
                "' before retrying, or the message may be stored twice." + (ParameterSetName == MessageSet ? "" : " Later files were not appended.");
            if (!TryCommand(append, "APPEND", target, out var response, ifCut)) return;
            _count++;
            if (response.Tagged != null && ResponseCodes.TryGetAppendUid(response.Tagged, out var uidValidity, out var uids) && uids.Count > 0)
            {
                var message = new ImapMessage(session, Mailbox, uidValidity, uids[0])
                {
                    Size = size,
                    Flags = Flag?.Select(FlagNames.ToImap).ToArray() ?? Array.Empty<string>(),
                    InternalDate = InternalDate,
                    SourcePath = sourcePath,
                };
                WriteObject(message);
            }
            else WriteVerbose("Appended " + what + " to " + Mailbox + " (the server does not report the new UID).");
            if (_count % 20 == 0) WriteProgress(new ProgressRecord(41, "Add-ImapMessage", _count + " messages appended to " + Mailbox));
        }

        /// <summary>
        /// APPEND on a -Reconnect session: a cut before the answer reconnects and looks for the
        /// message by Message-ID from the UIDNEXT noted before; found, it is not sent again; not
        /// found, it is sent again; without a Message-ID the outcome is reported as unknown.
        /// </summary>
        private void SafeAppend(ImapSession session, string? flags, byte[] bytes, long size, string what, object target, string? sourcePath)
        {
            var reconnector = session.Reconnector!;
            var stop = StopToken;
            bool ok = TryRun(() => Await(reconnector.AppendAsync(Mailbox, flags, InternalDate, bytes, stop)), target, out var result);
            WriteSessionNotices(session);
            if (!ok) return;
            _count++;
            if (result.FoundAfterLoss)
                WriteWarning("The connection was lost after " + what + " was sent to '" + Mailbox + "'; it was found there (UID " + result.Uid + ") and not sent again.");
            if (result.Uid is uint uid && result.UidValidity is uint uidValidity)
            {
                WriteObject(new ImapMessage(session, Mailbox, uidValidity, uid)
                {
                    Size = size,
                    Flags = Flag?.Select(FlagNames.ToImap).ToArray() ?? Array.Empty<string>(),
                    InternalDate = InternalDate,
                    SourcePath = sourcePath,
                });
            }
            else WriteVerbose("Appended " + what + " to " + Mailbox + " (the server does not report the new UID).");
            if (_count % 20 == 0) WriteProgress(new ProgressRecord(41, "Add-ImapMessage", _count + " messages appended to " + Mailbox));
        }

        /// <inheritdoc />
        protected override void EndProcessing()
        {
            if (_count >= 20) WriteProgress(new ProgressRecord(41, "Add-ImapMessage", "Done") { RecordType = ProgressRecordType.Completed });
            base.EndProcessing();
        }
    }
}
