using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ImapPS.Client.Tests.Engine;
using ImapPS.Client.Tests.Fixture;
using Xunit.Abstractions;

namespace ImapPS.Client.Tests.Parity
{
    /// <summary>Skips when Debian's python3-imaplib2 is not installed (the build's Test task installs it).</summary>
    public sealed class Imaplib2TheoryAttribute : TheoryAttribute
    {
        public Imaplib2TheoryAttribute()
        {
            if (!ParityTests.Imaplib2Available) Skip = "needs /usr/bin/python3 with python3-imaplib2 (build.ps1 -Task Test installs it)";
        }
    }

    /// <summary>
    /// The differential suite of issue 13: every scenario of <c>scenarios.json</c> runs once through
    /// Debian's imaplib2 (imaplib2_side.py) and once through ImapPS.Client, each as a fresh user of
    /// the same Dovecot, and each step's <c>(type, data)</c> must be equal after removing what
    /// differs between two runs by nature (Dovecot's timings, UIDVALIDITY, the user name). A step
    /// may be listed as <c>documented</c> (imaplib2 breaks its own documentation there; ImapPS must
    /// return the documented result, and imaplib2 must still differ from it, so the list stays
    /// true) or <c>deliberate</c> (ImapPS differs on purpose, with the reason docs/engine.md gives).
    /// </summary>
    [Collection(DovecotFixture.CollectionName)]
    public sealed class ParityTests : ClientTestBase
    {
        private const string Python = "/usr/bin/python3";
        private readonly ITestOutputHelper output;

        public ParityTests(DovecotFixture fixture, ITestOutputHelper output) : base(fixture) => this.output = output;

        internal static readonly bool Imaplib2Available = Probe();

        private static bool Probe()
        {
            if (!File.Exists(Python)) return false;
            try
            {
                using var p = Process.Start(new ProcessStartInfo(Python, "-c \"import imaplib2\"") { RedirectStandardError = true, UseShellExecute = false })!;
                return p.WaitForExit(30000) && p.ExitCode == 0;
            }
            catch (System.ComponentModel.Win32Exception) { return false; }
        }

        private static string Here(string file) => Path.Combine(AppContext.BaseDirectory, "Parity", file);

        internal static JsonArray Scenarios() => JsonNode.Parse(File.ReadAllText(Here("scenarios.json")))!.AsArray();

        public static TheoryData<string> Names()
        {
            var data = new TheoryData<string>();
            foreach (var s in Scenarios()) data.Add((string)s!["name"]!);
            return data;
        }

        [Imaplib2Theory]
        [MemberData(nameof(Names))]
        public void ImapPS_returns_what_imaplib2_documents(string name)
        {
            var scenario = Scenarios().Single(s => (string)s!["name"]! == name)!.AsObject();
            var steps = scenario["steps"]!.AsArray();

            var pyUser = Fixture.CreateUser("py");
            var theirs = RunImaplib2(steps, pyUser.Name, pyUser.Password);

            var csUser = Fixture.CreateUser("cs");
            var runner = new ParityRunner(o => Plain(o), Options(), csUser.Name, csUser.Password);
            var ours = runner.Run(steps, (M, step) => Deliver(csUser.Name, csUser.Password, step));

            // Callbacks issued back to back race in imaplib2 (its results may mix: a FETCH can take a
            // STORE's answer); such a scenario compares only how each step ended (type or error).
            bool typesOnly = (string?)scenario["compare"] == "type";
            JsonObject Compared(JsonObject r) => typesOnly ? new JsonObject { ["step"] = r["step"]!.DeepClone(), ["type"] = r["type"]?.DeepClone(), ["error"] = r["error"]?.DeepClone() } : r;
            var documented = scenario["documented"]?.AsObject();
            var deliberate = scenario["deliberate"]?.AsObject();
            var problems = new List<string>();
            var oursById = ours.ToDictionary(r => (string)r!["step"]!, r => Compared(Normalise(r!, csUser.Name)));
            var theirsById = theirs.ToDictionary(r => (string)r!["step"]!, r => Compared(Normalise(r!, pyUser.Name)));
            Assert.Equal(theirsById.Keys.OrderBy(k => k), oursById.Keys.OrderBy(k => k));
            foreach (var id in theirsById.Keys)
            {
                var exception = documented?[id] ?? deliberate?[id];
                if (exception != null)
                {
                    var expect = Compared(Normalise(ParityRunner.With(id, exception["expect"]!.DeepClone().AsObject()), csUser.Name));
                    if (!JsonNode.DeepEquals(expect, oursById[id]))
                        problems.Add($"{id}: ImapPS {oursById[id].ToJsonString()} but the documented result is {expect.ToJsonString()}");
                    if (documented?[id] != null && JsonNode.DeepEquals(expect, theirsById[id]))
                        problems.Add($"{id}: listed as an imaplib2 break ({exception["reason"]}) but imaplib2 now returns the documented result: remove it from the list");
                    continue;
                }
                if (!JsonNode.DeepEquals(theirsById[id], oursById[id]))
                    problems.Add($"{id}: imaplib2 {theirsById[id].ToJsonString()} / ImapPS {oursById[id].ToJsonString()}");
            }
            foreach (var wire in scenario["wire"]?.AsObject() ?? new JsonObject())
            {
                string expected = (string)wire.Value!;
                if (!runner.Wire.Contains(expected, StringComparison.Ordinal))
                    problems.Add($"{wire.Key}: the documented quoting sends `{expected}`, which ImapPS's wire does not show");
            }
            foreach (var p in problems) output.WriteLine(p);
            Assert.True(problems.Count == 0, string.Join("\n", problems));
        }

        /// <summary>
        /// The suite's own count, for docs/engine.md and the issue: every recorded step is an item;
        /// an item matches imaplib2, or is listed as a documented imaplib2 break or a deliberate
        /// difference. Each listed step must exist, so the lists cannot go stale.
        /// </summary>
        [Fact]
        public void The_suite_counts_its_items_and_every_listed_difference_names_a_step()
        {
            int items = 0, documented = 0, deliberate = 0;
            foreach (var scenario in Scenarios())
            {
                var ids = new HashSet<string>();
                foreach (var step in scenario!["steps"]!.AsArray())
                {
                    string op = (string)step!["op"]!;
                    if (op == "call" || op == "static" || op == "pop" || op == "state") ids.Add((string)step["id"]!);
                }
                items += ids.Count;
                foreach (var list in new[] { "documented", "deliberate" })
                    foreach (var entry in scenario[list]?.AsObject() ?? new JsonObject())
                    {
                        Assert.True(ids.Contains(entry.Key), scenario["name"] + ": " + list + " names no step " + entry.Key);
                        Assert.False(string.IsNullOrWhiteSpace((string?)entry.Value!["reason"]), scenario["name"] + ": " + entry.Key + " gives no reason");
                        if (list == "documented") documented++; else deliberate++;
                    }
            }
            output.WriteLine($"parity items: {items}; same as imaplib2: {items - documented - deliberate}; imaplib2 breaks its documentation, ImapPS follows it: {documented}; deliberate differences: {deliberate}");
            Assert.True(items > 100, "the suite covers every documented method");
        }

        private void Deliver(string user, string password, JsonObject step)
        {
            using var side = Plain();
            side.Login(user, password);
            var r = side.Append((string?)step["mailbox"] ?? "INBOX", null, null, Encoding.ASCII.GetBytes((string)step["message"]!));
            Assert.Equal("OK", r.Type);
            side.Logout();
        }

        private JsonArray RunImaplib2(JsonArray steps, string user, string password)
        {
            var input = new JsonObject
            {
                ["host"] = Server.Host,
                ["port"] = Server.ImapPort,
                ["user"] = user,
                ["password"] = password,
                ["steps"] = steps.DeepClone(),
            };
            var start = new ProcessStartInfo(Python, "\"" + Here("imaplib2_side.py") + "\"")
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            using var p = Process.Start(start)!;
            var stderr = p.StandardError.ReadToEndAsync();
            var stdout = p.StandardOutput.ReadToEndAsync();
            p.StandardInput.Write(input.ToJsonString());
            p.StandardInput.Close();
            if (!p.WaitForExit(120000))
            {
                p.Kill(true);
                throw new TimeoutException("imaplib2_side.py did not finish within 2 minutes");
            }
            Assert.True(p.ExitCode == 0, "imaplib2_side.py failed: " + stderr.Result);
            return JsonNode.Parse(stdout.Result)!.AsArray();
        }

        // Dovecot's command timings, a mailbox's UIDVALIDITY (a timestamp) and the user's name differ
        // between the two runs by nature; everything else must be equal.
        private static readonly Regex Timing = new Regex(@" \(\d+\.\d+ \+ \d+\.\d+(?: \+ \d+\.\d+)? secs\)", RegexOptions.CultureInvariant);
        private static readonly Regex Validity = new Regex(@"\b(UIDVALIDITY|APPENDUID|COPYUID) \d+", RegexOptions.CultureInvariant);

        internal static JsonObject Normalise(JsonNode result, string user)
        {
            var copy = result.DeepClone().AsObject();
            if (copy["untagged"] is JsonArray pairs)
                foreach (var pair in pairs)
                    if ((string?)pair![0] == "UIDVALIDITY")
                        pair[1] = new JsonArray(((JsonArray)pair[1]!).Select(_ => (JsonNode?)JsonValue.Create("#")).ToArray());
            if ((string?)copy["type"] == "UIDVALIDITY" && copy["data"] is JsonArray values)
                copy["data"] = new JsonArray(values.Select(v => (JsonNode?)JsonValue.Create(v == null ? null : "#")).ToArray());
            return (JsonObject)Walk(copy, user)!;
        }

        private static JsonNode? Walk(JsonNode? node, string user)
        {
            switch (node)
            {
                case null: return null;
                case JsonObject o:
                    var result = new JsonObject();
                    foreach (var kv in o) result[kv.Key] = Walk(kv.Value, user);
                    return result;
                case JsonArray a:
                    return new JsonArray(a.Select(x => Walk(x, user)).ToArray());
                default:
                    if (node.GetValueKind() != JsonValueKind.String) return node.DeepClone();
                    string s = (string)node!;
                    s = Timing.Replace(s, "");
                    s = Validity.Replace(s, "$1 #");
                    s = s.Replace(user, "$USER", StringComparison.Ordinal);
                    return JsonValue.Create(s);
            }
        }
    }
}
