using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using ImapPS.Client.Protocol;
using ImapPS.Client.Tests.Support;

namespace ImapPS.Client.Tests.Reliability
{
    /// <summary>
    /// No value a caller passes can make the server see a second command. A scripted server records every command
    /// exactly as a server reads it (lines and literals); for each hostile value in each argument position the client
    /// either refuses before sending anything, or the server reads exactly one command of the expected name, in which
    /// typed values (mailbox names, user names, passwords, ID values) decode to exactly what the caller passed.
    /// </summary>
    public class InjectionTests
    {
        /// <summary>Values that would split, end or re-frame a command if they were written carelessly.</summary>
        public static readonly string[] Hostile =
        {
            "line\r\nX1 DELETE victim",
            "lf\nX2 DELETE victim",
            "cr\rX3 DELETE victim",
            "nul\0X4 DELETE victim",
            "quo\"te",
            "\" X5 DELETE victim \"",
            "back\\slash\\",
            "{123}",
            "tail {5}",
            "tail {5+}\r\nX6 DELETE victim",
            "8bit é ü 日本",
            "(paren",
            "star*%",
            "",
        };

        /// <summary>How a position's value is put on the wire: typed values must decode to the caller's value.</summary>
        public enum Kind { Mailbox, AString, Untyped, Fragment }

        private sealed class Position
        {
            public Position(string name, string command, Kind kind, Func<Imap4Client, string, Task> run, ImapState state = ImapState.SELECTED)
            {
                Name = name; Command = command; Kind = kind; Run = run; State = state;
            }
            public string Name { get; }
            public string Command { get; }
            public Kind Kind { get; }
            public Func<Imap4Client, string, Task> Run { get; }
            public ImapState State { get; }
        }

        private static readonly Position[] Positions =
        {
            new Position("login-user", "LOGIN", Kind.AString, (c, v) => c.LoginAsync(v, "pw"), ImapState.NONAUTH),
            new Position("login-password", "LOGIN", Kind.AString, (c, v) => c.LoginAsync("user", v), ImapState.NONAUTH),
            new Position("select", "SELECT", Kind.Mailbox, (c, v) => c.SelectAsync(v)),
            new Position("examine", "EXAMINE", Kind.Mailbox, (c, v) => c.ExamineAsync(v)),
            new Position("create", "CREATE", Kind.Mailbox, (c, v) => c.CreateAsync(v)),
            new Position("delete", "DELETE", Kind.Mailbox, (c, v) => c.DeleteAsync(v)),
            new Position("rename-from", "RENAME", Kind.Mailbox, (c, v) => c.RenameAsync(v, "to")),
            new Position("rename-to", "RENAME", Kind.Mailbox, (c, v) => c.RenameAsync("from", v)),
            new Position("subscribe", "SUBSCRIBE", Kind.Mailbox, (c, v) => c.SubscribeAsync(v)),
            new Position("status", "STATUS", Kind.Mailbox, (c, v) => c.StatusAsync(v, "(MESSAGES)")),
            new Position("copy", "COPY", Kind.Mailbox, (c, v) => c.CopyAsync("1", v)),
            new Position("append", "APPEND", Kind.Mailbox, (c, v) => c.AppendAsync(v, null, null, Encoding.ASCII.GetBytes("Subject: x\r\n\r\nx\r\n"))),
            new Position("getacl", "GETACL", Kind.Mailbox, (c, v) => c.GetAclAsync(v)),
            new Position("setacl-who", "SETACL", Kind.AString, (c, v) => c.SetAclAsync("INBOX", v, "lr")),
            new Position("list-pattern", "LIST", Kind.Untyped, (c, v) => c.ListAsync("", v)),
            new Position("search-term", "SEARCH", Kind.Untyped, (c, v) => c.SearchAsync(null, "SUBJECT", v)),
            new Position("search-header", "SEARCH", Kind.Untyped, (c, v) => c.SearchAsync(null, "HEADER", v, "x")),
            new Position("id-value", "ID", Kind.AString, (c, v) => c.IdAsync(new Dictionary<string, string?> { ["name"] = v })),
            new Position("xatom-argument", "XTEST", Kind.Untyped, (c, v) => c.XatomAsync("XTEST", v)),
            new Position("store-flag", "STORE", Kind.Fragment, (c, v) => c.StoreAsync("1", "+FLAGS", "(" + v + ")")),
            new Position("fetch-header-name", "FETCH", Kind.Fragment, (c, v) => c.FetchAsync("1", "(BODY.PEEK[HEADER.FIELDS (" + v + ")])")),
        };

        public static IEnumerable<object[]> PositionNames() => Positions.Select(p => new object[] { p.Name });

        [Theory]
        [MemberData(nameof(PositionNames))]
        public async Task No_value_in_this_position_makes_the_server_read_a_second_command(string positionName)
        {
            var position = Positions.Single(p => p.Name == positionName);
            int sent = 0, refused = 0;
            foreach (bool literalPlus in new[] { false, true })
            {
                foreach (var value in Hostile)
                {
                    if (await RunOne(position, value, literalPlus)) sent++;
                    else refused++;
                }
            }
            // Every position must carry the harmless values; refusing everything would prove nothing.
            Assert.True(sent >= 2 * 6, $"{positionName}: only {sent} of {sent + refused} values were sent");
        }

        /// <summary>Runs one value in one position; returns true when the command was sent (false: refused before sending).</summary>
        private static async Task<bool> RunOne(Position position, string value, bool literalPlus)
        {
            // The server offers every extension a position uses: the client sends nothing unoffered.
            string caps = "IMAP4rev1 UIDPLUS ACL ID" + (literalPlus ? " LITERAL+" : "");
            var commands = new List<ImapCommandRead>();
            var script = new ServerScript()
                .Send("* OK [CAPABILITY " + caps + "] injection test server\r\n")
                .Do(async (c, token) =>
                {
                    // Answer every command OK (synchronising literals get a continuation) until the client closes.
                    while (true)
                    {
                        ImapCommandRead command;
                        try { command = await c.ReadCommandAsync("+ go ahead\r\n", token); }
                        catch (Exception e) when (e is EndOfStreamException || e is IOException) { return; }
                        lock (commands) commands.Add(command);
                        string reply = command.Name == "SELECT" || command.Name == "EXAMINE" ? "* 1 EXISTS\r\n" : "";
                        reply += command.Name == "LOGOUT" ? "* BYE bye\r\n" : "";
                        await c.WriteAsync(Encoding.ASCII.GetBytes(reply + command.Tag + " OK [CAPABILITY " + caps + "] done\r\n"), token);
                    }
                }, "answer everything");

            await using var server = ScriptedImapServer.Start(script);
            string context = $"{position.Name} {(literalPlus ? "LITERAL+" : "sync")} value «{Printable(value)}»";
            int setupCommands = 0;
            bool wasSent;
            using (var client = await Imap4Client.ConnectAsync(server.Host, server.Port, ReliabilityKit.FastOptions()))
            {
                if (position.State != ImapState.NONAUTH) { await client.LoginAsync("user", "pw"); setupCommands++; }
                if (position.State == ImapState.SELECTED) { await client.SelectAsync("INBOX"); setupCommands++; }

                Exception? error = null;
                try { await ReliabilityKit.Within(position.Run(client, value), TimeSpan.FromSeconds(5), context); }
                catch (Exception e) when (!(e is TimeoutException)) { error = e; }
                if (error != null && !(error is ArgumentException) && !(error is ImapException && !(error is ImapAbortException)))
                    throw new Xunit.Sdk.XunitException(context + ": unexpected " + error);
                Assert.Null(client.AbortError);

                // The connection's framing is intact: the next command is read as the next command.
                var noop = await ReliabilityKit.Within(client.NoopAsync(), TimeSpan.FromSeconds(5), context + " then NOOP");
                Assert.Equal("OK", noop.Type);
                await client.LogoutAsync();
                wasSent = error == null;
            }

            List<ImapCommandRead> seen;
            lock (commands) seen = commands.Skip(setupCommands).ToList();
            var names = seen.Select(c => c.Name ?? "?").ToList();
            var expected = (wasSent ? new[] { position.Command } : new string[0]).Concat(new[] { "NOOP", "LOGOUT" }).ToList();
            Assert.True(expected.SequenceEqual(names), context + ": the server read " + string.Join(", ", seen.Select(c => "«" + Printable(c.Text) + "»")));
            if (wasSent) CheckArgument(position, value, seen[0], context);
            return wasSent;
        }

        private static void CheckArgument(Position position, string value, ImapCommandRead command, string context)
        {
            byte[]? expected = position.Kind switch
            {
                Kind.Mailbox => Encoding.UTF8.GetBytes(new CommandBuilder().EncodeMailboxName(value)),
                Kind.AString => Encoding.UTF8.GetBytes(value),
                // imaplib2's untyped strings and engine-formatted fragments pass characters like '{' or '"' through by
                // design (they cannot break the framing, which the command count above proves): framing only.
                _ => null,
            };
            if (expected == null) return;
            List<byte[]> tokens;
            try { tokens = CommandArguments.Parse(command.Raw); }
            catch (InvalidDataException e) { throw new Xunit.Sdk.XunitException(context + ": the command is not well-formed: " + e.Message + " in «" + Printable(command.Text) + "»"); }
            Assert.Equal(command.Tag, Encoding.ASCII.GetString(tokens[0]));
            Assert.True(tokens.Any(t => t.AsSpan().SequenceEqual(expected)),
                context + ": no argument decodes to the value; tokens: " + string.Join(" | ", tokens.Select(t => Printable(Encoding.UTF8.GetString(t)))));
        }

        internal static string Printable(string s)
            => s.Replace("\r", "\\r").Replace("\n", "\\n").Replace("\0", "\\0");
    }
}
