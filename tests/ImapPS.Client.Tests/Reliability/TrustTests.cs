using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using ImapPS.Client.Protocol;
using ImapPS.Client.Tests.Engine;
using ImapPS.Client.Tests.Support;

namespace ImapPS.Client.Tests.Reliability
{
    /// <summary>
    /// Issue 11 against hostile scripted servers: a PREAUTH greeting never gets a session in clear when TLS is
    /// required; a THREAD reply of any depth cannot overflow the stack; mailbox names with CR, LF or NUL are
    /// refused before anything is written; the generic command paths never let the client believe a mailbox
    /// is selected that is not.
    /// </summary>
    public class TrustTests
    {
        private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

        private static ScriptedImapServer Start(ServerScript script, ScriptedServerOptions? options = null)
            => ScriptedImapServer.Start(options ?? new ScriptedServerOptions { StepTimeout = TimeSpan.FromSeconds(15) }, script);

        // These tests are about what the client accepts, not about time: the steady options' connect
        // timeout lets a cold TLS handshake at the start of a loaded run finish (it once took over 2 s).
        private static ImapClientOptions Options(bool requireTls = false)
        {
            var o = ReliabilityKit.SteadyOptions();
            o.RequireTls = requireTls;
            return o;
        }

        // ------------------------------------------------------------ 1. PREAUTH and TLS

        [Fact]
        public async Task A_preauth_greeting_on_plain_tcp_is_refused_when_tls_is_required_and_nothing_is_sent()
        {
            await using var server = Start(new ServerScript()
                .Send("* PREAUTH [CAPABILITY IMAP4rev1 STARTTLS] Logged in as mallory\r\n")
                .ExpectEof());
            var error = Assert.Throws<ImapSecurityException>(() => new Imap4Client(server.Host, server.Port, Options(requireTls: true)));
            Assert.Contains("PREAUTH", error.Message);
            await server.WaitForCompletionAsync(Patience);
            Assert.Equal("", server.ReceivedText);
        }

        [Fact]
        public async Task A_preauth_greeting_without_a_capability_code_is_refused_before_the_capability_command()
        {
            // Without a CAPABILITY code the client would ask for CAPABILITY: that must not go out either.
            await using var server = Start(new ServerScript()
                .Send("* PREAUTH Logged in\r\n")
                .ExpectEof());
            await Assert.ThrowsAsync<ImapSecurityException>(() => Imap4Client.ConnectAsync(server.Host, server.Port, Options(requireTls: true)));
            await server.WaitForCompletionAsync(Patience);
            Assert.Equal("", server.ReceivedText);
        }

        [Fact]
        public async Task A_preauth_greeting_on_plain_tcp_is_accepted_when_tls_is_not_required()
        {
            await using var server = Start(new ServerScript()
                .Send("* PREAUTH [CAPABILITY IMAP4rev1] Logged in\r\n")
                .AnswerLogout());
            using var client = new Imap4Client(server.Host, server.Port, Options(requireTls: false));
            Assert.Equal(ImapState.AUTH, client.State);
            client.Logout();
            await server.WaitForCompletionAsync(Patience);
        }

        [Fact]
        public async Task A_preauth_greeting_over_implicit_tls_is_accepted_when_tls_is_required()
        {
            var certificate = TestCertificates.Localhost;
            await using var server = Start(new ServerScript()
                .Send("* PREAUTH [CAPABILITY IMAP4rev1] Logged in\r\n")
                .AnswerLogout(), new ScriptedServerOptions { Certificate = certificate, StepTimeout = TimeSpan.FromSeconds(15) });
            var options = Options(requireTls: true);
            options.Tls.ExtraCaCertificates.Add(certificate);
            using var client = await Imap4SslClient.ConnectAsync("localhost", server.Port, options);
            Assert.True(client.IsEncrypted);
            Assert.Equal(ImapState.AUTH, client.State);
            client.Logout();
            await server.WaitForCompletionAsync(Patience);
        }

        [Fact]
        public async Task Login_and_authenticate_in_clear_are_refused_before_sending_when_tls_is_required()
        {
            var tags = new List<string>();
            await using var server = Start(new ServerScript()
                .Send("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\r\n")
                .AnswerLogout(tags));
            using var client = new Imap4Client(server.Host, server.Port, Options(requireTls: true));
            Assert.Throws<ImapSecurityException>(() => client.Login("alice", "secret"));
            await Assert.ThrowsAsync<ImapSecurityException>(() => client.AuthenticateAsync(SaslMechanism.Plain("alice", "secret")));
            Assert.Equal(ImapState.NONAUTH, client.State);
            client.Logout();
            await server.WaitForCompletionAsync(Patience);
            Assert.Equal($"{tags[0]} LOGOUT\r\n", server.ReceivedText);
        }

        // ------------------------------------------------------------ 2. THREAD depth

        private static string Chain(int count) => "(" + string.Join(" ", Enumerable.Range(1, count)) + ")";

        /// <summary>"(1 (2 (3 …)))": every message its own branch, nested <paramref name="depth"/> lists deep.</summary>
        private static string Nested(int depth)
        {
            var sb = new StringBuilder(depth * 9);
            for (int i = 1; i <= depth; i++) sb.Append('(').Append(i).Append(' ');
            sb.Length--;
            sb.Append(')', depth);
            return sb.ToString();
        }

        private static ServerResponse Parse(string line)
        {
            var reader = new ResponseReader();
            var bytes = Encoding.ASCII.GetBytes(line + "\r\n");
            reader.Append(bytes, 0, bytes.Length);
            Assert.True(reader.TryReadResponse(out var r));
            return r!;
        }

        /// <summary>Walks a thread tree with an explicit stack; returns the node count and the deepest depth.</summary>
        private static (int Nodes, int Depth, uint Last) Walk(ThreadNode root)
        {
            int nodes = 0, deepest = 0;
            uint last = 0;
            var stack = new Stack<(ThreadNode Node, int Depth)>();
            stack.Push((root, 0));
            while (stack.Count > 0)
            {
                var (node, depth) = stack.Pop();
                nodes++;
                deepest = Math.Max(deepest, depth);
                if (node.Number != null) last = Math.Max(last, node.Number.Value);
                foreach (var child in node.Children) stack.Push((child, depth + 1));
            }
            return (nodes, deepest, last);
        }

        [Fact]
        public async Task A_thread_reply_of_one_chain_of_a_million_messages_arrives_and_decodes()
        {
            const int count = 1_000_000;
            await using var server = Start(new ServerScript()
                .Send("* PREAUTH [CAPABILITY IMAP4rev1 THREAD=REFERENCES] hi\r\n")
                .ExpectLine("SELECT")
                .Send("* 1000000 EXISTS\r\n* OK [UIDVALIDITY 7] ok\r\n{tag} OK [READ-WRITE] selected\r\n")
                .ExpectLine("UID THREAD")
                .Send("* THREAD " + Chain(count) + "\r\n{tag} OK done\r\n")
                .AnswerLogout());
            using var client = new Imap4Client(server.Host, server.Port, Options());
            client.Select();
            var response = await client.UidAsync("THREAD", "REFERENCES", "UTF-8", "ALL");
            var roots = ThreadNode.Parse(response.Untagged.Single(u => u.Name == "THREAD"));
            var root = Assert.Single(roots);
            Assert.Equal((count, count - 1, (uint)count), Walk(root));
            client.Logout();
            await server.WaitForCompletionAsync(Patience);
        }

        [Fact]
        public void Thread_branches_nested_a_hundred_thousand_levels_deep_decode_without_recursion()
        {
            const int depth = 100_000;
            var root = Assert.Single(ThreadNode.Parse(Parse("* THREAD " + Nested(depth))));
            Assert.Equal((depth, depth - 1, (uint)depth), Walk(root));
        }

        [Fact]
        public void Thread_decoding_keeps_the_rfc_5256_shape()
        {
            var roots = ThreadNode.Parse(Parse("* THREAD (2)(3 6 (4 23)(44 7 96))((8)(9 10))"));
            Assert.Equal(3, roots.Count);
            Assert.Equal(2u, roots[0].Number);
            var six = Assert.Single(roots[1].Children);
            Assert.Equal(6u, six.Number);
            Assert.Equal(new uint?[] { 4, 44 }, six.Children.Select(c => c.Number));
            Assert.Equal(23u, Assert.Single(six.Children[0].Children).Number);
            Assert.Equal(96u, Assert.Single(Assert.Single(six.Children[1].Children).Children).Number);
            Assert.Null(roots[2].Number);
            Assert.Equal(new uint?[] { 8, 9 }, roots[2].Children.Select(c => c.Number));
            Assert.Throws<ImapProtocolException>(() => ThreadNode.Parse(Parse("* THREAD (1 (2)")));
            Assert.Throws<ImapProtocolException>(() => ThreadNode.Parse(Parse("* THREAD (1 (2 x))")));
        }

        // ------------------------------------------------------------ 3. Mailbox names with CR, LF or NUL

        public static IEnumerable<object[]> BadNames() => new[] { "x\r\nZZ1 LOGOUT", "x\nZZ1 NOOP", "x\rZZ1", "x\0y" }.Select(n => new object[] { n });

        /// <summary>Every engine method that takes a mailbox name (or a quota root, or a LIST pattern), given <paramref name="bad"/>.</summary>
        private static IEnumerable<(string What, Func<Imap4Client, Task> Call)> MailboxCalls(string bad)
        {
            var message = Encoding.ASCII.GetBytes("Subject: x\r\n\r\nbody\r\n");
            yield return ("Select", c => c.SelectAsync(bad));
            yield return ("Examine", c => c.ExamineAsync(bad));
            yield return ("Create", c => c.CreateAsync(bad));
            yield return ("Delete", c => c.DeleteAsync(bad));
            yield return ("Rename from", c => c.RenameAsync(bad, "ok"));
            yield return ("Rename to", c => c.RenameAsync("ok", bad));
            yield return ("Subscribe", c => c.SubscribeAsync(bad));
            yield return ("Unsubscribe", c => c.UnsubscribeAsync(bad));
            yield return ("List pattern", c => c.ListAsync("", bad));
            yield return ("List reference", c => c.ListAsync(bad, "*"));
            yield return ("ListExtended", c => c.ListExtendedAsync(null, "", bad, null));
            yield return ("Lsub", c => c.LsubAsync("", bad));
            yield return ("Status", c => c.StatusAsync(bad, "(MESSAGES)"));
            yield return ("Append", c => c.AppendAsync(bad, null, null, message));
            yield return ("Append stream", c => c.AppendAsync(bad, null, null, new System.IO.MemoryStream(message), message.Length));
            yield return ("AppendMany", c => c.AppendManyAsync(bad, new[] { ((string?)null, (DateTimeOffset?)null, message) }));
            yield return ("Copy", c => c.CopyAsync("1", bad));
            yield return ("Move", c => c.MoveAsync("1", bad));
            yield return ("Uid COPY", c => c.UidAsync("COPY", "1", bad));
            yield return ("Uid MOVE", c => c.UidAsync("MOVE", "1", bad));
            yield return ("GetQuota", c => c.GetQuotaAsync(bad));
            yield return ("SetQuota", c => c.SetQuotaAsync(bad, "(STORAGE 10)"));
            yield return ("GetQuotaRoot", c => c.GetQuotaRootAsync(bad));
            yield return ("GetAcl", c => c.GetAclAsync(bad));
            yield return ("SetAcl", c => c.SetAclAsync(bad, "bob", "lr"));
            yield return ("DeleteAcl", c => c.DeleteAclAsync(bad, "bob"));
            yield return ("MyRights", c => c.MyRightsAsync(bad));
            yield return ("ListRights", c => c.ListRightsAsync(bad, "bob"));
            yield return ("GetAnnotation", c => c.GetAnnotationAsync(bad, "/comment", "value.priv"));
            yield return ("GetMetadata", c => c.GetMetadataAsync(bad, new[] { "/private/comment" }));
            yield return ("SetMetadata", c => c.SetMetadataAsync(bad, new Dictionary<string, string?> { ["/private/comment"] = "x" }));
        }

        [Theory]
        [MemberData(nameof(BadNames))]
        public async Task Every_method_refuses_a_mailbox_name_with_cr_lf_or_nul_before_writing_and_the_session_goes_on(string bad)
        {
            var tags = new List<string>();
            await using var server = Start(new ServerScript()
                .Send("* PREAUTH [CAPABILITY IMAP4rev1 MOVE MULTIAPPEND UIDPLUS QUOTA ACL METADATA LITERAL+] hi\r\n")
                .ExpectLine(ScriptSteps.Command("NOOP", tags), "NOOP")
                .ReplyTagged("OK still here")
                .AnswerLogout(tags));
            using var client = new Imap4Client(server.Host, server.Port, Options());
            foreach (var (what, call) in MailboxCalls(bad))
            {
                Exception? error = null;
                try { await call(client); }
                catch (Exception e) { error = e; }
                Assert.True(error is InvalidMailboxNameException, what + " did not refuse the name: " + (error?.ToString() ?? "no error"));
                Assert.IsAssignableFrom<ArgumentException>(error);
            }
            Assert.Equal("still here", client.Noop().Text);
            Assert.Equal(ImapState.AUTH, client.State);
            client.Logout();
            await server.WaitForCompletionAsync(Patience);
            Assert.Equal($"{tags[0]} NOOP\r\n{tags[1]} LOGOUT\r\n", server.ReceivedText);
        }

        // ------------------------------------------------------------ 4. The generic command paths

        public static IEnumerable<object[]> StateChangingLines() => new[]
        {
            "SELECT INBOX", "select INBOX", "Select", "EXAMINE INBOX", "examine", "UID SELECT INBOX", "uid Examine INBOX",
            "CLOSE", "close", "UNSELECT", "LOGOUT", "LOGIN a b", "AUTHENTICATE PLAIN", "STARTTLS", "IDLE", "idle",
            "UNAUTHENTICATE", "PROXYAUTH bob", "NOTIFY NONE", "LANGUAGE DE", "COMPARATOR", "UID ENABLE", "UID COMPRESS", "UID select INBOX",
        }.Select(l => new object[] { l });

        [Theory]
        [MemberData(nameof(StateChangingLines))]
        public async Task A_raw_state_changing_command_is_refused_and_the_selected_mailbox_stays_true(string line)
        {
            var tags = new List<string>();
            await using var server = Start(new ServerScript()
                .Send("* PREAUTH [CAPABILITY IMAP4rev1 UNSELECT IDLE] hi\r\n")
                .ExpectLine(ScriptSteps.Command("SELECT dst2", tags), "SELECT dst2")
                .Send("* 3 EXISTS\r\n{tag} OK [READ-WRITE] selected\r\n")
                .ExpectLine(ScriptSteps.Command("NOOP", tags), "NOOP")
                .ReplyTagged("OK noop")
                .AnswerLogout(tags));
            using var client = new Imap4Client(server.Host, server.Port, Options());
            client.Select("dst2");
            string[] words = line.Split(' ');
            await Assert.ThrowsAsync<ArgumentException>(() => client.ExecuteAsync(line, Array.Empty<ImapArgument>()));
            await Assert.ThrowsAsync<ArgumentException>(() => client.ExecuteAsync(words[0], words.Skip(1).Select(w => (ImapArgument)w).ToArray(), exclusive: false));
            Assert.Throws<ArgumentException>(() => client.Xatom(words[0], words.Skip(1).ToArray()));
            Assert.Equal("dst2", client.SelectedMailbox);
            Assert.Equal(ImapState.SELECTED, client.State);
            Assert.Equal("noop", client.Noop().Text);
            client.Logout();
            await server.WaitForCompletionAsync(Patience);
            Assert.Equal($"{tags[0]} SELECT dst2\r\n{tags[1]} NOOP\r\n{tags[2]} LOGOUT\r\n", server.ReceivedText);
        }

        [Fact]
        public async Task A_raw_enable_gets_the_engines_handling_so_utf8_accept_changes_how_names_are_sent()
        {
            var tags = new List<string>();
            await using var server = Start(new ServerScript()
                .Send("* PREAUTH [CAPABILITY IMAP4rev1 ENABLE UTF8=ACCEPT] hi\r\n")
                .ExpectLine(ScriptSteps.Command("enable UTF8=ACCEPT", tags), "ENABLE")
                .Send("* ENABLED UTF8=ACCEPT\r\n{tag} OK enabled\r\n")
                .ExpectLine(line =>
                {
                    // The script reads ISO-8859-1: turn the bytes back into UTF-8 text.
                    string text = Encoding.UTF8.GetString(ImapWire.Latin1.GetBytes(line));
                    Assert.EndsWith(" CREATE \"Fächer\"", text);
                    return true;
                }, "CREATE with the name in UTF-8, not modified UTF-7")
                .ReplyTagged("OK created")
                .AnswerLogout(tags));
            using var client = new Imap4Client(server.Host, server.Port, Options());
            Assert.True((await client.ExecuteAsync("enable", new[] { ImapArgument.Atom("UTF8=ACCEPT") }, exclusive: false)).IsOk);
            Assert.True(client.Create("Fächer").IsOk);
            client.Logout();
            await server.WaitForCompletionAsync(Patience);
        }

        [Theory]
        [InlineData("SELECT INBOX", "SELECT")]
        [InlineData("  select\tINBOX", "SELECT")]
        [InlineData("uid  fetch 1:* FLAGS", "FETCH")]
        [InlineData("UID", "UID")]
        [InlineData("XLIST", "XLIST")]
        [InlineData("", "")]
        public void Command_names_are_read_whatever_the_case_arguments_or_uid_prefix(string line, string name)
            => Assert.Equal(name, ImapCommandNames.NameOf(line));
    }
}
