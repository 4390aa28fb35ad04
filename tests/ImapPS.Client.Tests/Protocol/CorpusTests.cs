using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using ImapPS.Client;
using ImapPS.Client.Protocol;
using ImapPS.Client.Tests.Fixture;

using ImapPS.Client.Tests.Support;

namespace ImapPS.Client.Tests.Protocol
{
    /// <summary>Loading the shared corpus's server replies the way MailKit replays them, and decoding them with the typed decoders.</summary>
    internal static class ReplyCorpus
    {
        /// <summary>
        /// MailKit's gmail/headers.1+unsolicited-info.txt announces a 515-byte literal but, once its LF
        /// line ends become CRLF (as MailKit sends it), 518 bytes follow: the literal ends three bytes
        /// early and the rest of the line is not valid FETCH data. MailKit's own test never reaches it
        /// with a strict parser; ours must reject it.
        /// </summary>
        internal const string LiteralLengthMismatch = "gmail/headers.1+unsolicited-info.txt";

        internal static string TranscriptDirectory => Path.Combine(SharedCorpus.CorpusDir!, "imap-transcripts");

        /// <summary>Every reply file, as a path relative to the transcript folder with '/' separators.</summary>
        internal static IEnumerable<string> ReplyFiles()
            => Directory.EnumerateFiles(TranscriptDirectory, "*.txt", SearchOption.AllDirectories)
                .Select(p => Path.GetRelativePath(TranscriptDirectory, p).Replace('\\', '/'))
                .OrderBy(p => p, StringComparer.Ordinal);

        /// <summary>A reply file as sent: bare LF made CRLF, the tag placeholder filled in.</summary>
        internal static byte[] LoadReply(string relativePath, string tag = "A00000001")
        {
            var raw = File.ReadAllBytes(Path.Combine(TranscriptDirectory, relativePath));
            var output = new List<byte>(raw.Length + raw.Length / 20);
            var placeholder = Encoding.ASCII.GetBytes("A########");
            var tagBytes = Encoding.ASCII.GetBytes(tag);
            for (int i = 0; i < raw.Length; i++)
            {
                if (raw[i] == (byte)'A' && i + placeholder.Length <= raw.Length && raw.AsSpan(i, placeholder.Length).SequenceEqual(placeholder))
                {
                    output.AddRange(tagBytes);
                    i += placeholder.Length - 1;
                    continue;
                }
                if (raw[i] == (byte)'\n' && (i == 0 || raw[i - 1] != (byte)'\r')) output.Add((byte)'\r');
                output.Add(raw[i]);
            }
            return output.ToArray();
        }

        /// <summary>Frames every response in <paramref name="bytes"/>, feeding the reader in chunks.</summary>
        internal static List<ServerResponse> ReadAll(byte[] bytes, int chunk = 4096)
        {
            var reader = new ResponseReader();
            var result = new List<ServerResponse>();
            for (int offset = 0; offset < bytes.Length; offset += chunk)
            {
                reader.Append(bytes, offset, Math.Min(chunk, bytes.Length - offset));
                while (reader.TryReadResponse(out var r)) result.Add(r!);
            }
            if (reader.BufferedCount != 0 || reader.InLiteral)
                throw new InvalidDataException(reader.BufferedCount + " bytes left over after the last complete response");
            return result;
        }

        /// <summary>Decodes a response with its typed decoder; returns the decoded object, or null for names without one.</summary>
        internal static object? Decode(ServerResponse r)
        {
            switch (r.Name)
            {
                case "FETCH": return FetchData.Parse(r);
                case "LIST": case "LSUB": case "XLIST": return ListEntry.Parse(r);
                case "STATUS": return StatusData.Parse(r);
                case "SEARCH": case "SORT": case "ESEARCH": return SearchResult.Parse(r);
                case "THREAD": return ThreadNode.Parse(r);
                case "QUOTA": return QuotaData.Parse(r);
                case "QUOTAROOT": return QuotaRootData.Parse(r);
                case "ACL": return AclData.Parse(r);
                case "LISTRIGHTS": return ListRightsData.Parse(r);
                case "MYRIGHTS": return MyRightsData.Parse(r);
                case "NAMESPACE": return NamespaceData.Parse(r);
                case "ID": return IdData.Parse(r);
                case "ENABLED": return EnabledData.Parse(r);
                case "CAPABILITY": return CapabilityData.Parse(r);
                case "METADATA": return MetadataData.Parse(r);
                case "ANNOTATION": return AnnotationData.Parse(r);
                case "VANISHED": return VanishedData.Parse(r);
            }
            if (r.Status != ResponseStatus.None && r.HasCode)
            {
                // Response-code readers never throw; they say whether the code is usable.
                ResponseCodes.TryGetAppendUid(r, out _, out _);
                ResponseCodes.TryGetCopyUid(r, out _, out _, out _);
                ResponseCodes.PermanentFlags(r);
                ResponseCodes.BadCharset(r);
                ResponseCodes.HighestModSeq(r);
                ResponseCodes.UidValidity(r);
                CapabilityData.TryParse(r, out _);
            }
            return null;
        }
    }

    public class CorpusTests
    {
        private static readonly HashSet<string> DecodedNames = new HashSet<string>
        {
            "FETCH", "LIST", "LSUB", "XLIST", "STATUS", "SEARCH", "SORT", "ESEARCH", "THREAD", "QUOTA", "QUOTAROOT", "ACL",
            "LISTRIGHTS", "MYRIGHTS", "NAMESPACE", "ID", "ENABLED", "CAPABILITY", "METADATA", "ANNOTATION", "VANISHED",
        };

        [CorpusFact]
        public void Every_reply_file_parses_and_decodes()
        {
            var failures = new List<string>();
            int files = 0, responses = 0, decoded = 0;
            var names = new Dictionary<string, int>();
            foreach (var file in ReplyCorpus.ReplyFiles())
            {
                if (file == ReplyCorpus.LiteralLengthMismatch) continue;
                files++;
                try
                {
                    foreach (var r in ReplyCorpus.ReadAll(ReplyCorpus.LoadReply(file)))
                    {
                        responses++;
                        Assert.False(r.IsUnstructured && DecodedNames.Contains(r.Name));
                        if (ReplyCorpus.Decode(r) != null)
                        {
                            decoded++;
                            names[r.Name] = names.TryGetValue(r.Name, out int n) ? n + 1 : 1;
                        }
                    }
                }
                catch (Exception e)
                {
                    failures.Add(file + ": " + e.GetType().Name + ": " + e.Message);
                }
            }
            Assert.True(failures.Count == 0, string.Join("\n", failures));
            Assert.True(files >= 340, "only " + files + " reply files");
            Assert.True(responses > 1000, "only " + responses + " responses");
            // Every decoder the corpus exercises was exercised.
            foreach (var name in new[] { "FETCH", "LIST", "LSUB", "XLIST", "STATUS", "SEARCH", "ESEARCH", "THREAD", "QUOTA", "QUOTAROOT", "ACL", "MYRIGHTS", "LISTRIGHTS", "NAMESPACE", "ID", "CAPABILITY", "METADATA", "ENABLED", "VANISHED", "SORT" })
                Assert.True(names.ContainsKey(name), "no " + name + " response decoded; decoded: " + string.Join(", ", names.Keys));
        }

        [CorpusFact]
        public void Reply_with_a_wrong_literal_length_is_rejected()
        {
            var bytes = ReplyCorpus.LoadReply(ReplyCorpus.LiteralLengthMismatch);
            var ex = Assert.Throws<ImapProtocolException>(() => ReplyCorpus.ReadAll(bytes));
            Assert.NotEmpty(ex.Excerpt);
        }

        [CorpusFact]
        public void Reply_files_parse_the_same_whatever_the_chunk_size()
        {
            foreach (var file in new[] { "dovecot/fetch-bodystructure.txt", "gmail/fetch-previewtext-bodystructure.txt", "dovecot/getbodypart.txt" })
            {
                var path = Path.Combine(ReplyCorpus.TranscriptDirectory, file);
                if (!File.Exists(path)) continue;
                var bytes = ReplyCorpus.LoadReply(file);
                var whole = ReplyCorpus.ReadAll(bytes, bytes.Length).Select(r => r.ToString()).ToList();
                foreach (int chunk in new[] { 1, 7, 64 })
                    Assert.Equal(whole, ReplyCorpus.ReadAll(bytes, chunk).Select(r => r.ToString()).ToList());
            }
        }

        private static readonly Regex FetchLine = new Regex(@"^\* (\d+) FETCH \((.*)$", RegexOptions.Multiline | RegexOptions.IgnoreCase);
        private static readonly Regex UidItem = new Regex(@"(?:^|\(|\s)UID (\d+)");
        private static readonly Regex FlagsItem = new Regex(@"(?:^|\(|\s)FLAGS \(([^)]*)\)");
        private static readonly Regex SearchLine = new Regex(@"^\* SEARCH((?: \d+)*)\s*\r?$", RegexOptions.Multiline);

        /// <summary>
        /// Replays every session script's server side through the reader and the decoders, and checks
        /// the typed results against what a plain text scan of the same reply sees: how many FETCH
        /// responses, which sequence numbers, UIDs and flags, and which SEARCH numbers.
        /// </summary>
        [CorpusFact]
        public void Session_replies_decode_to_what_the_transcripts_say()
        {
            var sessions = Directory.EnumerateFiles(ReplyCorpus.TranscriptDirectory, "session*.json", SearchOption.AllDirectories)
                .Concat(Directory.EnumerateFiles(Path.Combine(ReplyCorpus.TranscriptDirectory, "sessions"), "*.json"))
                .Distinct().OrderBy(p => p, StringComparer.Ordinal).ToList();
            Assert.True(sessions.Count >= 130, "only " + sessions.Count + " session scripts");
            var failures = new List<string>();
            int steps = 0, fetches = 0, uids = 0, searches = 0;
            foreach (var session in sessions)
            {
                using var doc = JsonDocument.Parse(File.ReadAllBytes(session));
                int index = 0;
                foreach (var step in doc.RootElement.EnumerateArray())
                {
                    index++;
                    string where = Path.GetFileName(session) + " step " + index;
                    byte[] bytes;
                    if (step.TryGetProperty("server", out var server) && server.ValueKind == JsonValueKind.String)
                    {
                        string file = server.GetString()!;
                        if (file == ReplyCorpus.LiteralLengthMismatch) continue;
                        string tag = step.TryGetProperty("tag", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()! : "A00000000";
                        bytes = ReplyCorpus.LoadReply(file, tag);
                        where += " (" + file + ")";
                    }
                    else if (step.TryGetProperty("server_inline", out var inline) && inline.ValueKind == JsonValueKind.String)
                    {
                        bool utf8 = step.TryGetProperty("server_inline_encoding", out var enc) && enc.GetString() == "utf-8";
                        bytes = (utf8 ? Encoding.UTF8 : Encoding.Latin1).GetBytes(inline.GetString()!);
                    }
                    else continue;
                    steps++;
                    try
                    {
                        var responses = ReplyCorpus.ReadAll(bytes);
                        var typed = responses.Select(r => (r, d: ReplyCorpus.Decode(r))).ToList();
                        string text = Encoding.Latin1.GetString(bytes);
                        // Only first lines count: literal contents (message headers) can contain anything.
                        var firstLines = responses.Select(r => r.ToString()).ToList();
                        var fetchLines = firstLines.Where(l => FetchLine.IsMatch(l)).ToList();
                        var decodedFetches = typed.Where(x => x.d is FetchData).Select(x => (FetchData)x.d!).ToList();
                        Assert.Equal(fetchLines.Count, decodedFetches.Count);
                        for (int i = 0; i < fetchLines.Count; i++)
                        {
                            var m = FetchLine.Match(fetchLines[i]);
                            Assert.Equal(uint.Parse(m.Groups[1].Value), decodedFetches[i].SequenceNumber);
                            var uid = UidItem.Match(m.Groups[2].Value);
                            if (uid.Success)
                            {
                                Assert.Equal(uint.Parse(uid.Groups[1].Value), decodedFetches[i].Uid);
                                Assert.True(FetchData.TryGetUid(typed.Where(x => x.d is FetchData).ElementAt(i).r, out uint fast));
                                Assert.Equal(decodedFetches[i].Uid, fast);
                                uids++;
                            }
                            else Assert.Null(decodedFetches[i].Uid);
                            var flags = FlagsItem.Match(m.Groups[2].Value);
                            if (flags.Success)
                                Assert.Equal(flags.Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries), decodedFetches[i].Flags!, StringComparer.OrdinalIgnoreCase);
                            fetches++;
                        }
                        foreach (Match m in SearchLine.Matches(text))
                        {
                            var expected = m.Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(uint.Parse).ToList();
                            Assert.Contains(typed, x => x.d is SearchResult s && s.Kind == "SEARCH" && s.Numbers.SequenceEqual(expected));
                            searches++;
                        }
                    }
                    catch (Exception e)
                    {
                        failures.Add(where + ": " + e.GetType().Name + ": " + e.Message);
                    }
                }
            }
            Assert.True(failures.Count == 0, string.Join("\n", failures.Take(30)));
            Assert.True(steps > 1000, "only " + steps + " steps");
            Assert.True(fetches > 300 && uids > 100 && searches >= 4, $"fetches {fetches}, uids {uids}, searches {searches}");
        }

        private sealed class RubyCase
        {
            public string File = "", Name = "", Response = "";
            public string? TestType, ExpectedError;
        }

        private static List<RubyCase> RubyCases()
        {
            var path = Path.Combine(SharedCorpus.CorpusDir!, "imap-responses", "ruby-net-imap", "responses.json");
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            return doc.RootElement.EnumerateArray().Select(e => new RubyCase
            {
                File = e.GetProperty("file").GetString()!,
                Name = e.GetProperty("name").GetString()!,
                Response = e.GetProperty("response").GetString()!,
                TestType = e.TryGetProperty("test_type", out var t) ? t.GetString() : null,
                ExpectedError = e.TryGetProperty("expected_error", out var x) ? x.GetString() : null,
            }).ToList();
        }

        /// <summary>
        /// ruby/net-imap's response-parser fixtures: each parses and decodes, except those marked
        /// invalid, which must fail with <see cref="ImapProtocolException"/>. One deliberate
        /// difference: net-imap rejects an unknown FETCH item (<c>UNKNOWN 92285</c>); this client keeps
        /// it in <see cref="FetchData.Extensions"/> because servers do add vendor items (XAOL-*, X-GM-*).
        /// </summary>
        [CorpusFact]
        public void Ruby_net_imap_responses()
        {
            var cases = RubyCases();
            Assert.True(cases.Count >= 190, "only " + cases.Count + " cases");
            var failures = new List<string>();
            int invalid = 0;
            foreach (var c in cases)
            {
                // The JSON holds the response text; net-imap reads it as binary, one char per byte where not UTF-8.
                var bytes = Encoding.UTF8.GetBytes(c.Response);
                bool mustFail = c.TestType == "assert_parse_failure";
                bool unknownFetchItem = mustFail && c.Response.StartsWith("* 123 FETCH (UNKNOWN", StringComparison.Ordinal);
                try
                {
                    var responses = ReplyCorpus.ReadAll(bytes);
                    foreach (var r in responses) ReplyCorpus.Decode(r);
                    if (unknownFetchItem)
                    {
                        var f = FetchData.Parse(responses.Single());
                        Assert.Equal("UNKNOWN", f.Extensions.Single().Key);
                    }
                    else if (mustFail) failures.Add(c.File + " / " + c.Name + ": parsed, but the fixture marks it invalid (" + c.ExpectedError + ")");
                }
                catch (ImapProtocolException) when (mustFail)
                {
                    invalid++;
                }
                catch (Exception e)
                {
                    failures.Add(c.File + " / " + c.Name + ": " + e.GetType().Name + ": " + e.Message);
                }
            }
            Assert.True(failures.Count == 0, string.Join("\n", failures));
            Assert.Equal(1, invalid);
        }
    }
}
