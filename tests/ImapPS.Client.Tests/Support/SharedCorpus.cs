using System;
using System.IO;

namespace ImapPS.Client.Tests.Support
{
    /// <summary>
    /// Locates the shared, read-only test-data folder (<c>../shared</c> beside the repository root,
    /// or the folder named by the <c>IMAPPS_SHARED</c> environment variable).
    /// A standalone clone has no such folder: <see cref="Available"/> is then false and the corpus
    /// tests skip through <see cref="CorpusFactAttribute"/> / <see cref="CorpusTheoryAttribute"/>.
    /// </summary>
    public static class SharedCorpus
    {
        /// <summary>Environment variable that overrides the location of the shared folder.</summary>
        public const string EnvironmentVariable = ImapPS.Testing.RepositoryLayout.SharedVariable;

        /// <summary>The skip reason used by the corpus attributes when the corpus is absent.</summary>
        public const string SkipReason = "needs ../shared/corpus (set IMAPPS_SHARED): not present in this clone";

        private static readonly Lazy<string?> LazyRoot = new Lazy<string?>(Locate);

        /// <summary>Full path of the shared folder, or null when it cannot be found.</summary>
        public static string? Root => LazyRoot.Value;

        /// <summary>True when the shared folder and its <c>corpus</c> subfolder exist.</summary>
        public static bool Available => Root != null;

        /// <summary><c>corpus</c> under <see cref="Root"/>, or null.</summary>
        public static string? CorpusDir => Combine("corpus");

        /// <summary>MailKit server replies and replay sessions: <c>corpus/imap-transcripts</c>.</summary>
        public static string? TranscriptsDir => Combine("corpus", "imap-transcripts");

        /// <summary>MIME messages: <c>corpus/messages</c>.</summary>
        public static string? MessagesDir => Combine("corpus", "messages");

        /// <summary>Scripted sessions (imaptest, James MPT): <c>corpus/imap-scripts</c>.</summary>
        public static string? ScriptsDir => Combine("corpus", "imap-scripts");

        /// <summary>Single responses (ruby net-imap): <c>corpus/imap-responses</c>.</summary>
        public static string? ResponsesDir => Combine("corpus", "imap-responses");

        /// <summary>The root, or an exception naming the skip reason (for code that runs only when available).</summary>
        public static string RequireRoot() => Root ?? throw new InvalidOperationException(SkipReason);

        private static string? Combine(params string[] parts)
        {
            var root = Root;
            if (root == null)
                return null;
            var all = new string[parts.Length + 1];
            all[0] = root;
            Array.Copy(parts, 0, all, 1, parts.Length);
            return Path.Combine(all);
        }

        // One locator for every test runner: ImapPS.Testing also serves the Pester tests and benchmarks.
        private static string? Locate()
            => ImapPS.Testing.RepositoryLayout.FindCorpusDirectory() is string corpus ? Path.GetDirectoryName(corpus) : null;

        /// <summary>Walks up from <paramref name="start"/> to the first folder holding <c>ImapPS.sln</c>.</summary>
        public static string? FindRepositoryRoot(string start) => ImapPS.Testing.RepositoryLayout.FindRepositoryRoot(start);

    }

    /// <summary>A fact that skips, with <see cref="SharedCorpus.SkipReason"/>, when the shared corpus is absent.</summary>
    public sealed class CorpusFactAttribute : FactAttribute
    {
        /// <summary>Sets <see cref="FactAttribute.Skip"/> when <see cref="SharedCorpus.Available"/> is false.</summary>
        public CorpusFactAttribute()
        {
            if (!SharedCorpus.Available)
                Skip = SharedCorpus.SkipReason;
        }
    }

    /// <summary>A theory that skips, with <see cref="SharedCorpus.SkipReason"/>, when the shared corpus is absent.</summary>
    public sealed class CorpusTheoryAttribute : TheoryAttribute
    {
        /// <summary>Sets <see cref="FactAttribute.Skip"/> when <see cref="SharedCorpus.Available"/> is false.</summary>
        public CorpusTheoryAttribute()
        {
            if (!SharedCorpus.Available)
                Skip = SharedCorpus.SkipReason;
        }
    }
}
