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
            var session = CompletionContext.Session(fakeBoundParameters);
            if (session == null) return Array.Empty<CompletionResult>();
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

    /// <summary>
    /// Completes flag names for commands that store flags (Set-ImapFlag, Add-ImapMessage): the
    /// system flags, and the keywords of the mailbox the command works in (the FLAGS and
    /// PERMANENTFLAGS the server gave when it was last selected on the session).
    /// </summary>
    public sealed class FlagCompleter : IArgumentCompleter
    {
        internal static readonly string[] SystemFlags = { "Seen", "Answered", "Flagged", "Deleted", "Draft" };

        /// <inheritdoc />
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
            => CompletionContext.Results(SystemFlags.Concat(CompletionContext.Keywords(fakeBoundParameters)), wordToComplete, sort: false);
    }

    /// <summary>
    /// Completes keywords only (Search-ImapMessage -Keyword, which takes system flags through its
    /// switches): the keywords of the mailbox searched, from its FLAGS and PERMANENTFLAGS.
    /// </summary>
    public sealed class KeywordCompleter : IArgumentCompleter
    {
        /// <inheritdoc />
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
            => CompletionContext.Results(CompletionContext.Keywords(fakeBoundParameters), wordToComplete, sort: true);
    }

    /// <summary>Completes the names of this runspace's open sessions (-Session, Get-ImapSession -Name).</summary>
    public sealed class SessionNameCompleter : IArgumentCompleter
    {
        /// <inheritdoc />
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            bool includeClosed = fakeBoundParameters?["IncludeClosed"] is object flag && LanguagePrimitives.IsTrue(flag);
            var names = SessionRegistry.All.Where(s => includeClosed || s.IsConnected).Select(s => s.Name);
            return CompletionContext.Results(names, wordToComplete, sort: true);
        }
    }

    /// <summary>What the completers share: the session and mailbox a command line is about, and quoting.</summary>
    internal static class CompletionContext
    {
        /// <summary>The session given with -Session (an object, a name or an Id), else the default one; null when none is open.</summary>
        public static ImapSession? Session(IDictionary? fakeBoundParameters)
        {
            ImapSession? session;
            try
            {
                var given = fakeBoundParameters?["Session"];
                session = given == null ? SessionRegistry.Default : SessionArgument.Resolve(given);
            }
            catch (ArgumentException)
            {
                return null;
            }
            return session != null && session.IsConnected ? session : null;
        }

        /// <summary>The keywords of the mailbox the command line names (-Mailbox), else of the selected mailbox, else of INBOX.</summary>
        public static IEnumerable<string> Keywords(IDictionary? fakeBoundParameters)
        {
            var session = Session(fakeBoundParameters);
            if (session == null) return Enumerable.Empty<string>();
            var given = fakeBoundParameters?["Mailbox"];
            string? mailbox = (given is PSObject p ? p.BaseObject : given) as string;
            return session.KnownKeywords(string.IsNullOrEmpty(mailbox) ? session.SelectedMailbox ?? "INBOX" : mailbox!);
        }

        public static CompletionResult[] Results(IEnumerable<string> values, string? wordToComplete, bool sort)
        {
            string word = MailboxNameCompleter.Unquote(wordToComplete ?? "");
            var matches = values
                .Distinct(StringComparer.OrdinalIgnoreCase)
                .Where(v => v.StartsWith(word, StringComparison.OrdinalIgnoreCase));
            if (sort) matches = matches.OrderBy(v => v, StringComparer.OrdinalIgnoreCase);
            return matches.Select(v => new CompletionResult(MailboxNameCompleter.Quote(v), v, CompletionResultType.ParameterValue, v)).ToArray();
        }
    }

    /// <summary>
    /// Lets -Session take a session's name (as Get-ImapSession shows it and tab completion offers
    /// it) or its Id, besides the object. A name that matches several sessions is refused: the
    /// command must never pick one account of two.
    /// </summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    public sealed class SessionArgumentAttribute : ArgumentTransformationAttribute
    {
        /// <inheritdoc />
        public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
        {
            var value = inputData is PSObject p ? p.BaseObject : inputData;
            if (value is string || value is int || value is long || value is ImapSession || value == null) return SessionArgument.Resolve(value);
            if (value is IEnumerable items)
            {
                var sessions = new List<ImapSession?>();
                foreach (var item in items) sessions.Add(SessionArgument.Resolve(item));
                return sessions.ToArray();
            }
            return inputData;
        }
    }

    internal static class SessionArgument
    {
        /// <summary>The session <paramref name="value"/> names: itself, a name (case-insensitive) or an Id of this runspace's sessions.</summary>
        /// <exception cref="ArgumentException">No session, or more than one, has that name or Id.</exception>
        public static ImapSession? Resolve(object? value)
        {
            value = value is PSObject p ? p.BaseObject : value;
            switch (value)
            {
                case null: return null;
                case ImapSession session: return session;
                case int id: return ById(id);
                case long id when id >= int.MinValue && id <= int.MaxValue: return ById((int)id);
                case string name:
                    var named = SessionRegistry.All.Where(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase)).ToList();
                    if (named.Count == 1) return named[0];
                    if (named.Count == 0)
                        throw new ArgumentException("There is no IMAP session named '" + name + "' in this runspace. Get-ImapSession lists the sessions; connect with Connect-Imap.");
                    throw new ArgumentException("Several IMAP sessions are named '" + name + "' (Ids " + string.Join(", ", named.Select(s => s.Id)) +
                        "); pass the session object or its Id, or give sessions distinct names with Connect-Imap -Identifier.");
                default:
                    throw new ArgumentException("'" + value + "' is not an IMAP session, a session name or a session Id.");
            }
        }

        private static ImapSession ById(int id)
            => SessionRegistry.All.FirstOrDefault(s => s.Id == id)
               ?? throw new ArgumentException("There is no IMAP session with Id " + id + " in this runspace. Get-ImapSession lists the sessions.");
    }
}
