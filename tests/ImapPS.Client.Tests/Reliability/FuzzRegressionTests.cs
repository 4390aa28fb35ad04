using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using ImapPS.Client.Protocol;
using ImapPS.Client.Reliability.Fuzzing;
using ImapPS.Client.Tests.Support;

namespace ImapPS.Client.Tests.Reliability
{
    /// <summary>
    /// Every input the fuzzer (tests/ImapPS.Fuzz) ever saved in FuzzRegressions/ is replayed through the same
    /// harness, whole and in the chunks it was found with: only typed ImapExceptions may come out, within the budget.
    /// </summary>
    public class FuzzRegressionTests
    {
        private static readonly TimeSpan Budget = TimeSpan.FromSeconds(2);

        public static string Folder
            => Path.Combine(SharedCorpus.FindRepositoryRoot(AppContext.BaseDirectory) ?? throw new InvalidOperationException("repository root not found"),
                "tests", "ImapPS.Client.Tests", "Reliability", "FuzzRegressions");

        public static IEnumerable<object[]> SavedInputs()
            => Directory.Exists(Folder)
                ? Directory.EnumerateFiles(Folder, "*.bin").OrderBy(f => f, StringComparer.Ordinal).Select(f => new object[] { Path.GetFileName(f) })
                : Enumerable.Empty<object[]>();

        [Fact]
        public void The_regression_folder_holds_inputs()
            => Assert.NotEmpty(SavedInputs());

        [Theory]
        [MemberData(nameof(SavedInputs))]
        public void A_saved_fuzz_input_only_ever_raises_typed_errors(string file)
        {
            var input = File.ReadAllBytes(Path.Combine(Folder, file));
            int chunkSeed = 0;
            int c = file.IndexOf(".c", StringComparison.Ordinal);
            if (c > 0) int.TryParse(file.Substring(c + 2).Replace(".bin", ""), NumberStyles.None, CultureInfo.InvariantCulture, out chunkSeed);
            foreach (var seed in new[] { 0, chunkSeed, 1, 2 })
            {
                var sw = Stopwatch.StartNew();
                FuzzHarness.Execute(input, seed);
                Assert.True(sw.Elapsed < Budget, $"{file} with chunk seed {seed} took {sw.Elapsed.TotalMilliseconds:0} ms");
            }
        }

        [Fact]
        public void A_literal_header_inside_another_literals_data_is_not_read_past_the_response()
        {
            // Found by the fuzzer: the name swallows "~{3}", so the imaplib2 split starts inside the literal's data
            // and met "{3}\r\n" announcing 3 bytes beyond the end of the response (ArgumentException before the fix).
            var reader = new ResponseReader();
            var bytes = Encoding.ASCII.GetBytes("* PR~{3}\r\nR~{3}\r\n");
            reader.Append(bytes, 0, bytes.Length);
            Assert.True(reader.TryReadResponse(out var response));
            var parts = response!.SplitAtLiterals(response.DataOffset);
            Assert.DoesNotContain(parts, p => p.Value != null && p.Value.Length > response.Length);
            FuzzHarness.Walk(response);
        }

        [Fact]
        public void A_response_code_that_starts_with_NIL_has_an_empty_name()
        {
            // Found by the fuzzer: "[NIL …]" made CodeName throw NullReferenceException.
            var response = ServerResponse.Parse(Encoding.ASCII.GetBytes("A1 OK [NIL x] done\r\n"));
            Assert.True(response.HasCode);
            Assert.Equal("", response.CodeName);
        }

        [CorpusFact]
        public void Every_seed_of_the_fuzzer_passes_the_harness()
        {
            int seeds = 0, typed = 0;
            foreach (var reply in TranscriptLibrary.RequireShared().Replies)
            {
                if (FuzzHarness.Execute(reply.Bytes).TypedError != null) typed++;
                seeds++;
            }
            foreach (var single in TranscriptLibrary.RubyResponses())
            {
                var result = FuzzHarness.Execute(single.Bytes);
                if (result.TypedError != null) typed++;
                seeds++;
            }
            Assert.True(seeds > 500, seeds + " seeds");
            // Some ruby responses are recorded parse failures on purpose; they must fail typed, and most replies parse.
            Assert.True(typed < seeds / 4, $"{typed} of {seeds} seeds ended in a typed error");
        }
    }
}
