using System;
using System.IO;

namespace ImapPS.Testing
{
    /// <summary>Finds the repository and the shared, read-only test data beside it.</summary>
    public static class RepositoryLayout
    {
        /// <summary>The environment variable that overrides where the shared folder is.</summary>
        public const string SharedVariable = "IMAPPS_SHARED";

        /// <summary>
        /// The repository root (the folder holding ImapPS.sln), searched upward from
        /// <paramref name="startDirectory"/> or, by default, from this assembly's folder and then the
        /// current directory. Null when not found.
        /// </summary>
        public static string? FindRepositoryRoot(string? startDirectory = null)
        {
            foreach (string? start in new[] { startDirectory, AppDomain.CurrentDomain.BaseDirectory, Path.GetDirectoryName(typeof(RepositoryLayout).Assembly.Location), Directory.GetCurrentDirectory() })
            {
                for (string? dir = start; !string.IsNullOrEmpty(dir); dir = Path.GetDirectoryName(dir))
                {
                    if (File.Exists(Path.Combine(dir, "ImapPS.sln")))
                    {
                        return dir;
                    }
                }
            }

            return null;
        }

        /// <summary>
        /// The shared folder (corpus, benchmark notes): <c>IMAPPS_SHARED</c> when set, otherwise
        /// <c>../shared</c> next to the repository root. Null when it does not exist, so tests that
        /// need it can skip with a clear message.
        /// </summary>
        public static string? FindSharedDirectory()
        {
            string? configured = Environment.GetEnvironmentVariable(SharedVariable);
            if (!string.IsNullOrEmpty(configured))
            {
                return Directory.Exists(configured) ? Path.GetFullPath(configured) : null;
            }

            string? root = FindRepositoryRoot();
            if (root == null)
            {
                return null;
            }

            string shared = Path.GetFullPath(Path.Combine(root, "..", "shared"));
            return Directory.Exists(shared) ? shared : null;
        }

        /// <summary>The shared corpus folder (<c>shared/corpus</c>), or null when absent.</summary>
        public static string? FindCorpusDirectory()
        {
            string? shared = FindSharedDirectory();
            string? corpus = shared == null ? null : Path.Combine(shared, "corpus");
            return corpus != null && Directory.Exists(corpus) ? corpus : null;
        }
    }
}
