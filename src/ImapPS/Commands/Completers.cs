using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Threading;

namespace ImapPS.Commands
{
    /// <summary>Completes mailbox names from the session's cached LIST (listing once when the cache is empty).</summary>
    public sealed class MailboxNameCompleter : IArgumentCompleter
    {
        /// <inheritdoc />
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var session = (fakeBoundParameters?["Session"] as PSObject)?.BaseObject as ImapSession
                ?? fakeBoundParameters?["Session"] as ImapSession
                ?? SessionRegistry.Default;
            if (session == null || !session.IsConnected) return Array.Empty<CompletionResult>();
            var names = session.MailboxNameCache;
            if (names.Count == 0)
            {
                try
                {
                    // Completion must stay responsive: a slow server yields no suggestions, not a hang.
                    using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(3)))
                        MailboxLister.List(session, "*", false, false, t => ImapSession.Wait(t, cts.Token));
                    names = session.MailboxNameCache;
                }
                catch (Exception)
                {
                    return Array.Empty<CompletionResult>();
                }
            }
            string word = Unquote(wordToComplete ?? "");
            return names
                .Where(n => n.StartsWith(word, StringComparison.OrdinalIgnoreCase))
                .OrderBy(n => n, StringComparer.OrdinalIgnoreCase)
                .Select(n => new CompletionResult(Quote(n), n, CompletionResultType.ParameterValue, n))
                .ToArray();
        }

        internal static string Unquote(string word) => word.Trim('\'', '"');

        internal static string Quote(string value)
            => value.IndexOfAny(new[] { ' ', '\'', '"', '$', '`', '(', ')', '{', '}', ';', ',', '&', '@', '#' }) >= 0
                ? "'" + value.Replace("'", "''") + "'"
                : value;
    }

    /// <summary>Completes flag names: the system flags and the keywords defined in the selected mailbox.</summary>
    public sealed class FlagCompleter : IArgumentCompleter
    {
        internal static readonly string[] SystemFlags = { "Seen", "Answered", "Flagged", "Deleted", "Draft" };

        /// <inheritdoc />
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var session = SessionRegistry.Default;
            var keywords = session?.IsConnected == true
                ? session.Client.MailboxFlags.Where(f => !f.StartsWith("\\", StringComparison.Ordinal))
                : Enumerable.Empty<string>();
            string word = MailboxNameCompleter.Unquote(wordToComplete ?? "");
            return SystemFlags.Concat(keywords)
                .Distinct(StringComparer.OrdinalIgnoreCase)
                .Where(f => f.StartsWith(word, StringComparison.OrdinalIgnoreCase))
                .Select(f => new CompletionResult(MailboxNameCompleter.Quote(f), f, CompletionResultType.ParameterValue, f))
                .ToArray();
        }
    }
}
