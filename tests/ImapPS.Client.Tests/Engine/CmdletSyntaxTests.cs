using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using ImapPS.Client.Tests.Support;

namespace ImapPS.Client.Tests.Engine
{
    /// <summary>
    /// The cmdlets call typed engine operations and write no IMAP syntax themselves: outside
    /// Invoke-ImapCommand (whose job is raw commands) and the -Query parameters (raw criteria,
    /// passed through SearchKey.Raw), no source file of src/ImapPS calls the engine's string
    /// surface or holds a string literal made of IMAP command words, FETCH items or flag lists.
    /// </summary>
    public class CmdletSyntaxTests
    {
        /// <summary>Invoke-ImapCommand sends what the user wrote: raw syntax is its purpose.</summary>
        private static readonly string[] AllowedFiles = { "InvokeImapCommandCommand.cs" };

        /// <summary>Display text that happens to be one IMAP word: "INBOX UID 7" in messages and ShouldProcess targets.</summary>
        private static readonly string[] AllowedLiterals = { " UID " };

        // The engine's imaplib2 surface takes IMAP syntax in strings; the cmdlets must not use it.
        private static readonly Regex StringSurfaceCall = new Regex(
            @"\.\s*(ExecuteAsync|UidAsync|XatomAsync|FetchAsync|FetchEachAsync|StoreAsync|SearchAsync|SortAsync|ThreadAsync|CopyAsync|MoveAsync|PartialAsync|ListExtendedAsync)\s*\(" +
            @"|[Cc]lient\s*\.\s*(Uid|Xatom|Fetch|Store|Search|Sort|Thread)\s*\(" +
            @"|ImapArgument\s*\.\s*(Raw|Atom)\s*\(", RegexOptions.CultureInvariant);

        private static readonly HashSet<string> Keywords = new HashSet<string>(StringComparer.Ordinal)
        {
            "UID", "FETCH", "STORE", "SEARCH", "ESEARCH", "SORT", "THREAD", "COPY", "MOVE", "EXPUNGE",
            "FLAGS", "+FLAGS", "-FLAGS", "FLAGS.SILENT", "+FLAGS.SILENT", "-FLAGS.SILENT", "BODY", "BODY.PEEK", "BINARY.PEEK",
            "RFC822", "RFC822.SIZE", "RFC822.HEADER", "RFC822.TEXT", "ENVELOPE", "BODYSTRUCTURE", "INTERNALDATE",
            "HEADER", "HEADER.FIELDS", "CHARSET", "RETURN", "REVERSE", "MESSAGES", "UNSEEN", "UIDNEXT", "UIDVALIDITY",
            "RECENT", "HIGHESTMODSEQ", "SUBSCRIBED", "CHILDREN", "SPECIAL-USE", "DEPTH", "infinity", "ALL", "SILENT", "PEEK",
        };

        [Fact]
        public void Cmdlets_write_no_IMAP_syntax()
        {
            var root = SharedCorpus.FindRepositoryRoot(AppContext.BaseDirectory) ?? throw new InvalidOperationException("repository root not found");
            var violations = Violations(Path.Combine(root, "src", "ImapPS"));
            Assert.True(violations.Count == 0, "IMAP syntax in the cmdlets (use a typed operation of Imap4Client.Operations.cs):\n" + string.Join("\n", violations));
        }

        [Fact]
        public void The_scan_finds_what_the_cmdlets_used_to_write()
        {
            // The shapes the cmdlets wrote before the typed operations, one per line: each must be found.
            var before = new[]
            {
                "search = client.ExecuteAsync(\"UID SORT\", args, new[] { \"SORT\" }, exclusive: false);",
                "session.Client.UidAsync(\"STORE\", chunk, \"+FLAGS.SILENT\", \"(\\\\Deleted)\");",
                "var items = FetchItems(\"(UID BODY.PEEK[\" + group.Key + \"])\");",
                "const string SummaryItems = \"UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE\";",
                "head.Add(ImapArgument.Raw(\"RETURN (ALL)\"));",
                "string statusItems = \"MESSAGES UNSEEN RECENT UIDNEXT UIDVALIDITY\";",
                "var depth = Recurse ? \"(DEPTH infinity)\" : null;",
                "var deleted = @\"(\\Deleted)\";",
                "var result = client.Uid(\"FETCH\", set, items);",
            };
            foreach (var line in before)
                Assert.True(LineViolations("X.cs", line).Any(), "not found: " + line);
            // Prose that names commands is not syntax, nor a comment, nor a capability or a response name.
            var fine = new[]
            {
                "string ifCut = \"UID STORE of UIDs \" + set + \" was sent, outcome unknown\";",
                "WriteVerbose(\"Marked \\\\Deleted\"); // UID STORE +FLAGS.SILENT (\\Deleted)",
                "if (client.HasCapability(\"MOVE\")) return;",
                "case \"EXPUNGE\": break;",
                "if (r.Name == \"SEARCH\") return;",
                "public bool IsSeen => HasFlag(\"\\\\Seen\");",
                "ShouldProcess(mailbox + \" UID \" + set, \"Save\");",
                "var key = SearchKey.Uid(set);",
                "public string Query { get; set; } = \"ALL\";",
            };
            foreach (var line in fine)
                Assert.False(LineViolations("X.cs", line).Any(), "flagged: " + line);
        }

        private static List<string> Violations(string srcRoot)
        {
            var found = new List<string>();
            foreach (var file in Directory.EnumerateFiles(srcRoot, "*.cs", SearchOption.AllDirectories).OrderBy(f => f, StringComparer.Ordinal))
            {
                string name = Path.GetFileName(file);
                if (AllowedFiles.Contains(name) || file.Contains(Path.DirectorySeparatorChar + "obj" + Path.DirectorySeparatorChar)) continue;
                var lines = File.ReadAllLines(file);
                for (int i = 0; i < lines.Length; i++)
                    foreach (var v in LineViolations(name, lines[i]))
                        found.Add(Path.GetRelativePath(srcRoot, file) + ":" + (i + 1) + ": " + v);
            }
            return found;
        }

        /// <summary>The violations of one line (string literals on one line; the sources keep them so).</summary>
        private static IEnumerable<string> LineViolations(string file, string line)
        {
            var code = new StringBuilder();
            var literals = new List<(string Text, string Before)>();
            int i = 0;
            while (i < line.Length)
            {
                char c = line[i];
                if (c == '/' && i + 1 < line.Length && line[i + 1] == '/') break;
                bool verbatim = (c == '@' || c == '$') && i + 1 < line.Length && (line[i + 1] == '"' || (line[i + 1] == '@' || line[i + 1] == '$') && i + 2 < line.Length && line[i + 2] == '"');
                if (c == '\'' && i + 2 < line.Length)
                {
                    // A char literal: '"' must not open a string.
                    int end = line.IndexOf('\'', i + (line[i + 1] == '\\' ? 3 : 2));
                    if (end > i) { code.Append("' '"); i = end + 1; continue; }
                }
                if (c == '"' || verbatim)
                {
                    bool isVerbatim = line.Substring(i, Math.Min(3, line.Length - i)).Contains('@');
                    int start = line.IndexOf('"', i) + 1;
                    var text = new StringBuilder();
                    int j = start;
                    while (j < line.Length)
                    {
                        if (isVerbatim && line[j] == '"' && j + 1 < line.Length && line[j + 1] == '"') { text.Append('"'); j += 2; continue; }
                        if (!isVerbatim && line[j] == '\\' && j + 1 < line.Length) { text.Append(line[j + 1] == '\\' ? "\\" : line[j + 1].ToString()); j += 2; continue; }
                        if (line[j] == '"') break;
                        text.Append(line[j++]);
                    }
                    literals.Add((text.ToString(), code.ToString()));
                    code.Append("\"\"");
                    i = j + 1;
                    continue;
                }
                code.Append(c);
                i++;
            }
            var m = StringSurfaceCall.Match(code.ToString());
            if (m.Success) yield return "calls " + m.Value.Trim();
            foreach (var (text, before) in literals)
            {
                if (AllowedLiterals.Contains(text)) continue;
                string context = before.TrimEnd();
                // Capability names, response names being decoded, and the default of a -Query parameter (raw criteria by design).
                if (context.EndsWith("HasCapability(", StringComparison.Ordinal) || context.EndsWith("case", StringComparison.Ordinal) || context.EndsWith("Name ==", StringComparison.Ordinal) ||
                    Regex.IsMatch(context, @"\bQuery\s*\{\s*get;\s*set;\s*\}\s*=$")) continue;
                if (IsSyntax(text)) yield return "literal \"" + text + "\"";
            }
        }

        /// <summary>
        /// True when every token of the text is IMAP syntax (a keyword, a \flag, a number or a bracket)
        /// and one is a keyword, or a flag in a parenthesised list: a lone flag name (\Seen) is
        /// what the model compares decoded flags with, not syntax written to the server.
        /// </summary>
        private static bool IsSyntax(string text)
        {
            var tokens = Regex.Split(text, @"[\s()\[\]<>]+").Where(t => t.Length > 0).ToList();
            bool anyWord = false;
            foreach (var t in tokens)
            {
                if (Keywords.Contains(t)) { anyWord = true; continue; }
                if (Regex.IsMatch(t, @"^\\[A-Za-z]+$")) { anyWord |= text.IndexOf('(') >= 0; continue; }
                if (Regex.IsMatch(t, @"^[0-9.:,*+\-]+$")) continue;
                return false;
            }
            return anyWord;
        }
    }
}
