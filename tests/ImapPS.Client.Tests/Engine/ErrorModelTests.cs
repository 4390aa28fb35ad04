using System;
using System.Collections.Generic;
using System.IO;
using System.Threading.Tasks;
using ImapPS.Client.Tests.Support;
using static ImapPS.Client.Tests.Support.ScriptedSession;

namespace ImapPS.Client.Tests.Engine
{
    /// <summary>
    /// The error model (issue 12): a command that failed is an <see cref="ImapCommandException"/>;
    /// only a connection that is gone is an <see cref="ImapAbortException"/>; refusals the client makes
    /// itself (read-only, security) have their own types and leave the connection usable.
    /// </summary>
    public class ErrorModelTests
    {
        [Fact]
        public async Task A_mailbox_turned_read_only_refuses_changes_without_claiming_the_connection_is_gone()
        {
            var tags = new List<string>();
            await using var server = Start(new ServerScript()
                .Send("* PREAUTH [CAPABILITY IMAP4rev1] hi\r\n")
                .ExpectLine(ScriptSteps.Command("SELECT INBOX", tags), "SELECT INBOX")
                .Send("* 1 EXISTS\r\n* OK [UIDVALIDITY 9] ok\r\n{tag} OK [READ-WRITE] selected\r\n")
                .ExpectLine(ScriptSteps.Command("NOOP", tags), "NOOP")
                .Send("* OK [READ-ONLY] the mailbox is now read-only\r\n{tag} OK done\r\n")
                .ExpectLine(ScriptSteps.Command("NOOP", tags), "NOOP after the refusal")
                .ReplyTagged("OK still here")
                .AnswerLogout(tags));
            using var client = new Imap4Client(server.Host, server.Port, Options());
            client.Select("INBOX");
            client.Noop();
            var refused = Assert.Throws<ImapReadOnlyException>(() => client.Store("1", "+FLAGS", "(\\Seen)"));
            Assert.False(typeof(ImapAbortException).IsAssignableFrom(refused.GetType()), "a read-only refusal must not claim the connection is gone");
            Assert.Null(client.AbortError);
            Assert.Equal("OK", client.Noop().Type);
            client.Logout();
            await server.WaitForCompletionAsync(Patience);
            server.AssertNoErrors();
        }

        [Fact]
        public async Task BAD_is_a_command_exception_with_the_response_code_and_the_connection_stays()
        {
            var tags = new List<string>();
            await using var server = Start(new ServerScript()
                .Send("* PREAUTH [CAPABILITY IMAP4rev1] hi\r\n")
                .ExpectLine(ScriptSteps.Command("NOOP", tags), "NOOP")
                .ReplyTagged("BAD [CLIENTBUG] not like that")
                .ExpectLine(ScriptSteps.Command("NOOP", tags), "second NOOP")
                .ReplyTagged("OK fine")
                .AnswerLogout(tags));
            using var client = new Imap4Client(server.Host, server.Port, Options());
            var bad = Assert.Throws<ImapCommandException>(() => client.Noop());
            Assert.Equal("BAD", bad.ResponseType);
            Assert.Equal("CLIENTBUG", bad.ResponseCode);
            Assert.Equal("NOOP", bad.Command);
            Assert.Null(client.AbortError);
            Assert.Equal("OK", client.Noop().Type);
            client.Logout();
            await server.WaitForCompletionAsync(Patience);
            server.AssertNoErrors();
        }

        [Fact]
        public async Task LOGINDISABLED_is_a_security_refusal_that_leaves_the_connection_usable()
        {
            var tags = new List<string>();
            await using var server = Start(new ServerScript()
                .Send("* OK [CAPABILITY IMAP4rev1 LOGINDISABLED] hi\r\n")
                .ExpectLine(ScriptSteps.Command("NOOP", tags), "NOOP after the refusal")
                .ReplyTagged("OK fine")
                .AnswerLogout(tags));
            using var client = new Imap4Client(server.Host, server.Port, Options());
            var refused = Assert.Throws<ImapSecurityException>(() => client.Login("user", "secret"));
            Assert.False(typeof(ImapAbortException).IsAssignableFrom(refused.GetType()), "a security refusal must not claim the connection is gone");
            Assert.Null(client.AbortError);
            Assert.Equal("OK", client.Noop().Type);
            client.Logout();
            await server.WaitForCompletionAsync(Patience);
            server.AssertNoErrors();
            Assert.DoesNotContain("secret", server.ReceivedText);
        }

        [Fact]
        public async Task A_refused_LOGIN_is_a_command_exception_with_the_response_code()
        {
            var tags = new List<string>();
            await using var server = Start(new ServerScript()
                .Send("* OK [CAPABILITY IMAP4rev1] hi\r\n")
                .ExpectLine(line => { tags.Add(line.Split(' ')[0]); return line.Split(' ')[1] == "LOGIN"; }, "LOGIN")
                .ReplyTagged("NO [AUTHENTICATIONFAILED] wrong")
                .AnswerLogout(tags));
            using var client = new Imap4Client(server.Host, server.Port, Options());
            var failed = Assert.Throws<ImapCommandException>(() => client.Login("user", "secret"));
            Assert.Equal("AUTHENTICATIONFAILED", failed.ResponseCode);
            Assert.Equal("NO", failed.ResponseType);
            Assert.Null(client.AbortError);
            client.Logout();
            await server.WaitForCompletionAsync(Patience);
            server.AssertNoErrors();
        }
    }
}
