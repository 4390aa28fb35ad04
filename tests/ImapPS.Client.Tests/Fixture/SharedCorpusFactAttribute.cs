using ImapPS.Testing;

namespace ImapPS.Client.Tests.Fixture
{
    /// <summary>
    /// A fact that needs the shared corpus (../shared/corpus, or $IMAPPS_SHARED/corpus); it is
    /// reported as skipped, with the reason, when the corpus is not there (e.g. in a fresh clone).
    /// </summary>
    public sealed class SharedCorpusFactAttribute : FactAttribute
    {
        public SharedCorpusFactAttribute()
        {
            if (RepositoryLayout.FindCorpusDirectory() == null)
            {
                Skip = "The shared corpus was not found (expected ../shared/corpus beside the repository, or set IMAPPS_SHARED).";
            }
        }

        /// <summary>The corpus folder; only valid inside a test that was not skipped.</summary>
        public static string CorpusDirectory => RepositoryLayout.FindCorpusDirectory()
            ?? throw new System.InvalidOperationException("The shared corpus is not available.");
    }
}
