using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;

namespace ImapPS.Client.Tests.Support
{
    /// <summary>
    /// Reader for the MailKit transcript corpus (<c>corpus/imap-transcripts</c>), the corpus MIME messages
    /// and the ruby net-imap single responses. Applies the corpus conventions documented in
    /// <c>imap-transcripts/README.md</c>: LF becomes CRLF, <c>A########</c> becomes the tag.
    /// </summary>
    public sealed class TranscriptLibrary
    {
        /// <summary>The tag put in place of <see cref="ImapWire.TagPlaceholder"/> by <see cref="Replies"/>.</summary>
        public const string FixedTag = "A00000001";

        private readonly Dictionary<string, byte[]> _fileCache = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        private readonly object _cacheLock = new object();

        /// <summary>Opens the transcript folder <paramref name="transcriptsDir"/>.</summary>
        public TranscriptLibrary(string transcriptsDir)
        {
            if (!Directory.Exists(transcriptsDir))
                throw new DirectoryNotFoundException(transcriptsDir);
            TranscriptsDir = Path.GetFullPath(transcriptsDir);
        }

        /// <summary>The library over <see cref="SharedCorpus.TranscriptsDir"/>, or null when the corpus is absent.</summary>
        public static TranscriptLibrary? Shared { get; } =
            SharedCorpus.TranscriptsDir is string dir && Directory.Exists(dir) ? new TranscriptLibrary(dir) : null;

        /// <summary><see cref="Shared"/>, or an exception with the skip reason.</summary>
        public static TranscriptLibrary RequireShared() => Shared ?? throw new InvalidOperationException(SharedCorpus.SkipReason);

        /// <summary>Full path of <c>imap-transcripts</c>.</summary>
        public string TranscriptsDir { get; }

        /// <summary>
        /// Every server reply file: <c>*.txt</c> in the server folders (not <c>common/message.N.msg</c>,
        /// not <c>sessions/</c>), ordered by path. 350 in the reference corpus.
        /// </summary>
        public IReadOnlyList<TranscriptReply> Replies => _replies ??= LoadReplies();
        private IReadOnlyList<TranscriptReply>? _replies;

        /// <summary>Every replay session: <c>&lt;server&gt;/session*.json</c> and <c>sessions/*.json</c>. 132 in the reference corpus.</summary>
        public IReadOnlyList<ReplaySession> Sessions => _sessions ??= LoadSessions();
        private IReadOnlyList<ReplaySession>? _sessions;

        /// <summary>The 50 RFC 822 messages <c>common/message.N.msg</c>, ordered by N.</summary>
        public IReadOnlyList<CorpusMessage> MailKitMessages => _messages ??= LoadMailKitMessages();
        private IReadOnlyList<CorpusMessage>? _messages;

        /// <summary>A reply file (path relative to <see cref="TranscriptsDir"/>) after CRLF conversion, with <paramref name="tag"/> in place of the placeholder.</summary>
        public byte[] ReadReply(string relativePath, string tag = FixedTag)
            => ImapWire.Replace(ReadConverted(relativePath), ImapWire.TagPlaceholder, tag);

        /// <summary>A file (path relative to <see cref="TranscriptsDir"/>) after LF→CRLF conversion, placeholder untouched. Cached.</summary>
        public byte[] ReadConverted(string relativePath)
        {
            lock (_cacheLock)
            {
                if (_fileCache.TryGetValue(relativePath, out var cached))
                    return cached;
            }
            var converted = ImapWire.LfToCrlf(File.ReadAllBytes(FullPath(relativePath)));
            lock (_cacheLock)
                _fileCache[relativePath] = converted;
            return converted;
        }

        /// <summary>Loads one session by its path relative to <see cref="TranscriptsDir"/> (e.g. <c>exchange/session.json</c>).</summary>
        public ReplaySession LoadSession(string relativePath)
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(FullPath(relativePath)));
            if (document.RootElement.ValueKind != JsonValueKind.Array)
                throw new InvalidDataException(relativePath + ": a session is a JSON array of steps.");
            var steps = new List<ReplayStep>();
            foreach (var element in document.RootElement.EnumerateArray())
                steps.Add(ParseStep(relativePath, steps.Count, element));
            return new ReplaySession(NormalizeRelative(relativePath), steps);
        }

        private ReplayStep ParseStep(string session, int index, JsonElement e)
        {
            string? Str(string name) => e.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
            bool Bool(string name) => e.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.True;

            var clientEncoding = Str("client_encoding") == "utf-8" ? Encoding.UTF8 : ImapWire.Latin1;
            var client = Str("client");
            var literalPath = Str("client_literal");
            var serverFile = Str("server");
            var serverInline = Str("server_inline");
            if (serverFile == null && serverInline == null)
                throw new InvalidDataException($"{session} step {index}: neither server nor server_inline.");

            byte[] template;
            if (serverFile != null)
            {
                template = ReadConverted(serverFile);
            }
            else
            {
                var inlineEncoding = Str("server_inline_encoding") == "utf-8" ? Encoding.UTF8 : ImapWire.Latin1;
                template = inlineEncoding.GetBytes(serverInline!);
            }

            return new ReplayStep(
                index,
                client,
                client == null ? null : clientEncoding.GetBytes(client),
                Str("client_prefix"),
                Str("client_prefix") is string prefix ? clientEncoding.GetBytes(prefix) : null,
                literalPath,
                literalPath == null ? null : ReadConverted(literalPath),
                Str("client_suffix"),
                Str("tag"),
                serverFile,
                serverInline,
                template,
                Bool("compressed"),
                Str("note"));
        }

        private IReadOnlyList<TranscriptReply> LoadReplies()
        {
            var replies = new List<TranscriptReply>();
            foreach (var serverDir in ServerFolders())
            {
                foreach (var file in Directory.EnumerateFiles(serverDir, "*.txt", SearchOption.AllDirectories))
                {
                    var relative = Relative(file);
                    replies.Add(new TranscriptReply(this, relative, relative.Substring(0, relative.IndexOf('/'))));
                }
            }
            replies.Sort((a, b) => string.CompareOrdinal(a.RelativePath, b.RelativePath));
            return replies;
        }

        private IReadOnlyList<ReplaySession> LoadSessions()
        {
            var files = new List<string>();
            foreach (var serverDir in ServerFolders())
                files.AddRange(Directory.EnumerateFiles(serverDir, "session*.json", SearchOption.TopDirectoryOnly));
            var sessionsDir = Path.Combine(TranscriptsDir, "sessions");
            if (Directory.Exists(sessionsDir))
                files.AddRange(Directory.EnumerateFiles(sessionsDir, "*.json", SearchOption.TopDirectoryOnly));
            return files.Select(Relative).OrderBy(p => p, StringComparer.Ordinal).Select(LoadSession).ToList();
        }

        private IReadOnlyList<CorpusMessage> LoadMailKitMessages()
        {
            var common = Path.Combine(TranscriptsDir, "common");
            if (!Directory.Exists(common))
                return Array.Empty<CorpusMessage>();
            return Directory.EnumerateFiles(common, "message.*.msg")
                .Select(path => (path, n: int.TryParse(Path.GetFileName(path).Split('.')[1], out var n) ? n : int.MaxValue))
                .OrderBy(x => x.n).ThenBy(x => x.path, StringComparer.Ordinal)
                .Select(x => new CorpusMessage(x.path, "imap-transcripts/" + Relative(x.path), "mailkit"))
                .ToList();
        }

        private IEnumerable<string> ServerFolders()
            => Directory.EnumerateDirectories(TranscriptsDir)
                .Where(d => !string.Equals(Path.GetFileName(d), "sessions", StringComparison.Ordinal))
                .OrderBy(d => d, StringComparer.Ordinal);

        private string FullPath(string relativePath)
        {
            var full = Path.GetFullPath(Path.Combine(TranscriptsDir, relativePath));
            if (!full.StartsWith(TranscriptsDir + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                throw new ArgumentException("Path leaves the transcript folder: " + relativePath, nameof(relativePath));
            return full;
        }

        private string Relative(string fullPath) => NormalizeRelative(Path.GetRelativePath(TranscriptsDir, fullPath));

        private static string NormalizeRelative(string path) => path.Replace('\\', '/');

        // ---- corpus outside imap-transcripts ----

        /// <summary>
        /// Every single-message file under <paramref name="messagesDir"/> (default <see cref="SharedCorpus.MessagesDir"/>):
        /// <c>*.eml</c>, <c>*.msg</c>, <c>*.txt</c>, except the <c>mimekit/mbox</c> folder (mbox files, their expected
        /// summaries and offset tables are not single messages). 183 in the reference corpus. Bytes are as stored.
        /// </summary>
        public static IReadOnlyList<CorpusMessage> MimeMessages(string? messagesDir = null)
        {
            messagesDir ??= SharedCorpus.MessagesDir;
            if (messagesDir == null || !Directory.Exists(messagesDir))
                return Array.Empty<CorpusMessage>();
            var root = Path.GetFullPath(messagesDir);
            var mbox = Path.Combine(root, "mimekit", "mbox") + Path.DirectorySeparatorChar;
            return Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
                .Where(p => !p.StartsWith(mbox, StringComparison.Ordinal))
                .Where(p => p.EndsWith(".eml", StringComparison.OrdinalIgnoreCase)
                         || p.EndsWith(".msg", StringComparison.OrdinalIgnoreCase)
                         || p.EndsWith(".txt", StringComparison.OrdinalIgnoreCase))
                .OrderBy(p => p, StringComparer.Ordinal)
                .Select(p =>
                {
                    var relative = NormalizeRelative(Path.GetRelativePath(root, p));
                    return new CorpusMessage(p, "messages/" + relative, relative.Substring(0, relative.IndexOf('/')));
                })
                .ToList();
        }

        /// <summary>
        /// The ruby net-imap single responses (<c>imap-responses/ruby-net-imap/responses.json</c>), 193 in the reference corpus.
        /// Response text is encoded as UTF-8 (two responses hold non-ASCII UTF-8 text).
        /// </summary>
        public static IReadOnlyList<SingleResponse> RubyResponses(string? responsesDir = null)
        {
            responsesDir ??= SharedCorpus.ResponsesDir;
            if (responsesDir == null)
                return Array.Empty<SingleResponse>();
            var path = Path.Combine(responsesDir, "ruby-net-imap", "responses.json");
            if (!File.Exists(path))
                return Array.Empty<SingleResponse>();
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            var list = new List<SingleResponse>();
            foreach (var e in document.RootElement.EnumerateArray())
            {
                string? Str(string name) => e.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
                list.Add(new SingleResponse(
                    Str("name") ?? "(unnamed)",
                    Str("file") ?? "",
                    Encoding.UTF8.GetBytes(Str("response") ?? ""),
                    Str("test_type") == "assert_parse_failure",
                    Str("expected_error"),
                    Str("comment")));
            }
            return list;
        }
    }

    /// <summary>One server reply file of the transcript corpus.</summary>
    public sealed class TranscriptReply
    {
        private readonly TranscriptLibrary _library;

        internal TranscriptReply(TranscriptLibrary library, string relativePath, string server)
        {
            _library = library;
            RelativePath = relativePath;
            Server = server;
        }

        /// <summary>Path relative to <c>imap-transcripts</c>, with <c>/</c> separators (e.g. <c>gmail/greeting.txt</c>).</summary>
        public string RelativePath { get; }

        /// <summary>The server folder name (e.g. <c>gmail</c>).</summary>
        public string Server { get; }

        /// <summary>Bytes after CRLF conversion, with <see cref="TranscriptLibrary.FixedTag"/> in place of the placeholder.</summary>
        public byte[] Bytes => _library.ReadReply(RelativePath);

        /// <summary>True when the file answers a command (contains <see cref="ImapWire.TagPlaceholder"/>).</summary>
        public bool HasTagPlaceholder => ImapWire.IndexOf(_library.ReadConverted(RelativePath), ImapWire.Latin1.GetBytes(ImapWire.TagPlaceholder), 0) >= 0;

        /// <summary>The bytes with <paramref name="tag"/> in place of the placeholder.</summary>
        public byte[] BytesFor(string tag) => _library.ReadReply(RelativePath, tag);

        /// <inheritdoc/>
        public override string ToString() => RelativePath;
    }

    /// <summary>One replay script of the transcript corpus.</summary>
    public sealed class ReplaySession
    {
        internal ReplaySession(string relativePath, IReadOnlyList<ReplayStep> steps)
        {
            RelativePath = relativePath;
            Steps = steps;
        }

        /// <summary>Path relative to <c>imap-transcripts</c> (e.g. <c>exchange/session.json</c>).</summary>
        public string RelativePath { get; }

        /// <summary>The steps in exchange order.</summary>
        public IReadOnlyList<ReplayStep> Steps { get; }

        /// <summary>True when some step runs after COMPRESS DEFLATE.</summary>
        public bool UsesCompression => Steps.Any(s => s.Compressed);

        /// <summary>True when some step's client text was built by MailKit at run time (<c>client: null</c>).</summary>
        public bool HasDynamicClientText => Steps.Any(s => s.IsDynamic);

        /// <inheritdoc/>
        public override string ToString() => RelativePath;
    }

    /// <summary>
    /// One (client, server) exchange of a replay session. The client part is either fixed text
    /// (<see cref="Client"/>) or, when MailKit built it at run time, <see cref="ClientPrefix"/> /
    /// <see cref="ClientLiteral"/> / <see cref="ClientSuffix"/>.
    /// </summary>
    public sealed class ReplayStep
    {
        private readonly byte[] _serverTemplate;

        internal ReplayStep(int index, string? client, byte[]? clientBytes, string? clientPrefix, byte[]? clientPrefixBytes,
            string? clientLiteralPath, byte[]? clientLiteral, string? clientSuffix, string? tag, string? serverFile,
            string? serverInline, byte[] serverTemplate, bool compressed, string? note)
        {
            Index = index;
            Client = client;
            ClientBytes = clientBytes;
            ClientPrefix = clientPrefix;
            ClientPrefixBytes = clientPrefixBytes;
            ClientLiteralPath = clientLiteralPath;
            ClientLiteral = clientLiteral;
            ClientSuffix = clientSuffix;
            Tag = tag;
            ServerFile = serverFile;
            ServerInline = serverInline;
            _serverTemplate = serverTemplate;
            Compressed = compressed;
            Note = note;

            var head = client ?? clientPrefix;
            if (head != null)
            {
                var first = ImapWire.FirstToken(head);
                if (ImapWire.IsRecordedTag(first))
                {
                    CommandTag = first;
                    CommandName = ImapWire.CommandName(head);
                }
            }
        }

        /// <summary>Position in the session.</summary>
        public int Index { get; }

        /// <summary>Exact client text including CRLF; <c>""</c> for the greeting step; null when <see cref="IsDynamic"/>.</summary>
        public string? Client { get; }

        /// <summary><see cref="Client"/> as wire bytes (ISO-8859-1 or UTF-8 per <c>client_encoding</c>).</summary>
        public byte[]? ClientBytes { get; }

        /// <summary>Start of a run-time command line (only when <see cref="IsDynamic"/>); excludes the literal marker.</summary>
        public string? ClientPrefix { get; }

        /// <summary><see cref="ClientPrefix"/> as wire bytes.</summary>
        public byte[]? ClientPrefixBytes { get; }

        /// <summary>The file (relative path) whose content is the literal data, when there is one.</summary>
        public string? ClientLiteralPath { get; }

        /// <summary>The literal data (CRLF-converted file content), when there is one.</summary>
        public byte[]? ClientLiteral { get; }

        /// <summary>Text after the literal data (<c>"\r\n"</c>), when there is some.</summary>
        public string? ClientSuffix { get; }

        /// <summary>The <c>tag</c> field: the tag to substitute into the reply file.</summary>
        public string? Tag { get; }

        /// <summary>The tag this step's client text starts with, when the step is a tagged command (not a continuation).</summary>
        public string? CommandTag { get; }

        /// <summary>Upper-cased command name (<c>"UID FETCH"</c>) when the step is a tagged command.</summary>
        public string? CommandName { get; }

        /// <summary>The tag of the command this step's reply answers: <see cref="Tag"/>, else <see cref="CommandTag"/>.</summary>
        public string? RecordedTag => Tag ?? CommandTag;

        /// <summary>The reply file (relative path), or null when <see cref="ServerInline"/> is used.</summary>
        public string? ServerFile { get; }

        /// <summary>The reply text made in code by MailKit, or null.</summary>
        public string? ServerInline { get; }

        /// <summary>True when the step runs after COMPRESS DEFLATE (both directions deflated on the wire).</summary>
        public bool Compressed { get; }

        /// <summary>Human explanation of a dynamic step.</summary>
        public string? Note { get; }

        /// <summary>True for the greeting step (the client sends nothing).</summary>
        public bool IsGreeting => Client != null && Client.Length == 0;

        /// <summary>True when MailKit built the client text at run time.</summary>
        public bool IsDynamic => Client == null;

        /// <summary>True when the reply is a continuation request (starts with <c>+</c>).</summary>
        public bool ServerIsContinuation => _serverTemplate.Length > 0 && _serverTemplate[0] == (byte)'+';

        /// <summary>The reply ready to send for the recorded tag (CRLF-converted, tag substituted).</summary>
        public byte[] ServerBytes => ServerBytesFor(RecordedTag ?? TranscriptLibrary.FixedTag);

        /// <summary>The reply ready to send to a client whose tag for this command is <paramref name="actualTag"/>.</summary>
        public byte[] ServerBytesFor(string actualTag)
        {
            if (ServerFile != null)
                return ImapWire.Replace(_serverTemplate, ImapWire.TagPlaceholder, actualTag);
            var inlineTag = ImapWire.FirstToken(ServerInline!);
            return ImapWire.IsRecordedTag(inlineTag) ? ImapWire.ReplaceLineTags(_serverTemplate, inlineTag, actualTag) : _serverTemplate;
        }

        /// <summary>
        /// The client bytes MailKit sent for this step. For dynamic steps they are rebuilt from the parts:
        /// prefix + literal with a continuation reply = the command line ending in a synchronising <c>{N}</c>;
        /// literal + suffix without prefix = the literal data sent after that continuation;
        /// prefix + literal + suffix = one write with a non-synchronising <c>{N+}</c> literal.
        /// A prefix alone (MULTIAPPEND of messages generated at run time) cannot be rebuilt and returns just the prefix.
        /// </summary>
        public byte[] ClientWireBytes()
        {
            if (ClientBytes != null)
                return ClientBytes;
            var stream = new MemoryStream();
            if (ClientPrefixBytes != null)
                stream.Write(ClientPrefixBytes, 0, ClientPrefixBytes.Length);
            if (ClientLiteral != null)
            {
                var synchronizing = ClientPrefixBytes != null && ClientSuffix == null && ServerIsContinuation;
                if (ClientPrefixBytes != null)
                {
                    var marker = ImapWire.Latin1.GetBytes("{" + ClientLiteral.Length + (synchronizing ? "}\r\n" : "+}\r\n"));
                    stream.Write(marker, 0, marker.Length);
                }
                if (!synchronizing)
                    stream.Write(ClientLiteral, 0, ClientLiteral.Length);
            }
            if (ClientSuffix != null)
            {
                var suffix = ImapWire.Latin1.GetBytes(ClientSuffix);
                stream.Write(suffix, 0, suffix.Length);
            }
            return stream.ToArray();
        }

        /// <inheritdoc/>
        public override string ToString() => $"#{Index} {(Client ?? ClientPrefix ?? "(literal)").TrimEnd()} -> {ServerFile ?? "inline"}";
    }

    /// <summary>A single MIME message file of the corpus.</summary>
    public sealed class CorpusMessage
    {
        private readonly string _fullPath;

        internal CorpusMessage(string fullPath, string relativePath, string source)
        {
            _fullPath = fullPath;
            RelativePath = relativePath;
            Source = source;
        }

        /// <summary>Path relative to <c>corpus</c> (e.g. <c>messages/mime4j/x.msg</c>, <c>imap-transcripts/common/message.0.msg</c>).</summary>
        public string RelativePath { get; }

        /// <summary>Origin: <c>mimekit</c>, <c>ruby-mail</c>, <c>mime4j</c> or <c>mailkit</c>.</summary>
        public string Source { get; }

        /// <summary>Full path on disk.</summary>
        public string FullPath => _fullPath;

        /// <summary>The file content as stored (line endings as committed).</summary>
        public byte[] ReadBytes() => File.ReadAllBytes(_fullPath);

        /// <summary>The content with bare LF converted to CRLF (how it goes on the wire, e.g. as an APPEND literal).</summary>
        public byte[] ReadCrlfBytes() => ImapWire.LfToCrlf(ReadBytes());

        /// <inheritdoc/>
        public override string ToString() => RelativePath;
    }

    /// <summary>One ruby net-imap parser fixture response.</summary>
    public sealed class SingleResponse
    {
        internal SingleResponse(string name, string file, byte[] bytes, bool expectParseFailure, string? expectedError, string? comment)
        {
            Name = name;
            File = file;
            Bytes = bytes;
            ExpectParseFailure = expectParseFailure;
            ExpectedError = expectedError;
            Comment = comment;
        }

        /// <summary>Test name from the fixture.</summary>
        public string Name { get; }

        /// <summary>Fixture file (e.g. <c>fetch_responses.yml</c>).</summary>
        public string File { get; }

        /// <summary>The response bytes, CRLF-terminated.</summary>
        public byte[] Bytes { get; }

        /// <summary>True when net-imap expects the parser to reject the response (<c>assert_parse_failure</c>).</summary>
        public bool ExpectParseFailure { get; }

        /// <summary>net-imap's expected error text or pattern, when <see cref="ExpectParseFailure"/>.</summary>
        public string? ExpectedError { get; }

        /// <summary>Fixture comment (quirk explanations), when present.</summary>
        public string? Comment { get; }

        /// <inheritdoc/>
        public override string ToString() => Name;
    }
}
