using System.Collections.Generic;
using ImapPS.Client.Protocol;

namespace ImapPS.Client
{
    /// <summary>
    /// SEARCH, SORT and THREAD (and their UID forms). Their results are one untagged response of
    /// their own name (or ESEARCH, RFC 4731), which carries no message set to tell two apart: two of
    /// them run one after the other, unless the server tags its ESEARCH answers (the reader routes a
    /// response that names its command's tag to that command).
    /// </summary>
    internal sealed class SearchCommand : ImapCommand
    {
        private static readonly string[] SearchResponses = { "SEARCH", "ESEARCH" };
        private static readonly string[] SortResponses = { "SORT", "ESEARCH" };
        private static readonly string[] ThreadResponses = { "THREAD" };

        private SearchCommand(string name, string[] collects, ImapArgument[] arguments)
            : base(name, Selected, collects, arguments)
        {
        }

        /// <summary>SEARCH [RETURN (options)] [CHARSET c] criteria (RFC 4731 return options, e.g. MIN MAX COUNT ALL, need ESEARCH).</summary>
        public static SearchCommand Search(bool uid, string? charset, IEnumerable<ImapArgument> criteria, IReadOnlyList<string>? returnOptions = null)
        {
            var args = new List<ImapArgument>();
            if (returnOptions != null)
            {
                args.Add(ImapArgument.Atom("RETURN"));
                var options = new ImapArgument[returnOptions.Count];
                for (int i = 0; i < options.Length; i++) options[i] = ImapArgument.Atom(returnOptions[i]);
                args.Add(ImapArgument.List(options));
            }
            if (charset != null) { args.Add(ImapArgument.Atom("CHARSET")); args.Add(ImapArgument.Atom(charset)); }
            args.AddRange(criteria);
            var command = new SearchCommand(uid ? "UID SEARCH" : "SEARCH", SearchResponses, args.ToArray());
            if (returnOptions != null) command.Require("SEARCH RETURN", "ESEARCH");
            return command;
        }

        /// <summary>SORT (RFC 5256): (criteria) charset search-criteria.</summary>
        public static SearchCommand Sort(bool uid, string sortCriteria, string charset, IEnumerable<ImapArgument> criteria)
            => Sort(uid, ParenList(sortCriteria), charset, criteria);

        /// <summary>SORT with the sort program already built (a parenthesised list of criteria).</summary>
        public static SearchCommand Sort(bool uid, ImapArgument sortProgram, string charset, IEnumerable<ImapArgument> criteria)
        {
            var args = new List<ImapArgument> { sortProgram, ImapArgument.Atom(charset) };
            args.AddRange(criteria);
            var command = new SearchCommand(uid ? "UID SORT" : "SORT", SortResponses, args.ToArray());
            command.Require(command.Name, "SORT");
            return command;
        }

        /// <summary>THREAD (RFC 5256): algorithm charset search-criteria.</summary>
        public static SearchCommand Thread(bool uid, string algorithm, string charset, IEnumerable<ImapArgument> criteria)
        {
            var args = new List<ImapArgument> { ImapArgument.Atom(algorithm), ImapArgument.Atom(charset) };
            args.AddRange(criteria);
            var command = new SearchCommand(uid ? "UID THREAD" : "THREAD", ThreadResponses, args.ToArray());
            string capability = "THREAD=" + algorithm.ToUpperInvariant();
            command.Require(command.Name, capability);
            return command;
        }

        /// <summary>imaplib2's criteria: each string one argument, quoted where it needs to be.</summary>
        public static IEnumerable<ImapArgument> Strings(IEnumerable<string> criteria)
        {
            foreach (var c in criteria) yield return c;
        }
    }
}
