using System;
using System.Collections.Generic;

namespace ImapPS.Client
{
    /// <summary>
    /// Which untagged responses make up a command's data in imaplib2's <c>(type, data)</c>: the
    /// <c>untagged_response</c> each imaplib2 method names. One table, so the rule is written once:
    /// a command in it returns the responses of those names, or <c>[None]</c> when it succeeded
    /// without any; the responses it received under other names stay in the pool for
    /// <c>Response()</c>, as in imaplib2 (SELECT's FLAGS and RECENT, IDLE's EXISTS). A command not in
    /// the table returns every response it claimed, or the tagged text with its response code.
    /// </summary>
    internal static class Imaplib2Data
    {
        internal readonly struct Shape
        {
            public Shape(string[] names, bool noneWhenEmpty)
            {
                Names = names;
                NoneWhenEmpty = noneWhenEmpty;
            }

            /// <summary>The response names that are data (empty: none is).</summary>
            public string[] Names { get; }

            /// <summary>A success without data returns <c>[None]</c>, not the tagged text.</summary>
            public bool NoneWhenEmpty { get; }

            public bool Includes(string name) => Array.IndexOf(Names, name) >= 0;
        }

        private static Shape Of(params string[] names) => new Shape(names, true);

        private static readonly Dictionary<string, Shape> Table = new Dictionary<string, Shape>(StringComparer.Ordinal)
        {
            ["CAPABILITY"] = Of("CAPABILITY"),
            ["EXPUNGE"] = Of("EXPUNGE", "VANISHED"),
            ["FETCH"] = Of("FETCH"),
            ["UID FETCH"] = Of("FETCH"),
            ["STORE"] = Of("FETCH"),
            ["UID STORE"] = Of("FETCH"),
            ["UID COPY"] = Of("FETCH"),
            ["SEARCH"] = Of("SEARCH", "ESEARCH"),
            ["UID SEARCH"] = Of("SEARCH", "ESEARCH"),
            ["SORT"] = Of("SORT", "ESEARCH"),
            ["UID SORT"] = Of("SORT", "ESEARCH"),
            ["THREAD"] = Of("THREAD"),
            ["UID THREAD"] = Of("THREAD"),
            ["LIST"] = Of("LIST"),
            ["LSUB"] = Of("LSUB"),
            ["STATUS"] = Of("STATUS"),
            ["NAMESPACE"] = Of("NAMESPACE"),
            ["ID"] = Of("ID"),
            ["GETACL"] = Of("ACL"),
            ["MYRIGHTS"] = Of("MYRIGHTS"),
            ["LISTRIGHTS"] = Of("LISTRIGHTS"),
            ["GETQUOTA"] = Of("QUOTA"),
            ["SETQUOTA"] = Of("QUOTA"),
            ["GETQUOTAROOT"] = Of("QUOTAROOT", "QUOTA"),
            ["GETANNOTATION"] = Of("ANNOTATION"),
            ["SETANNOTATION"] = Of("ANNOTATION"),
            ["GETMETADATA"] = Of("METADATA"),
            ["SELECT"] = Of("EXISTS"),
            ["EXAMINE"] = Of("EXISTS"),
            // imaplib2's idle() returns the tagged text; what arrived while idling is kept.
            ["IDLE"] = new Shape(Array.Empty<string>(), false),
        };

        /// <summary>The command's data shape, or false when it returns all it claimed (or its tagged text).</summary>
        public static bool TryGet(string command, out Shape shape) => Table.TryGetValue(command, out shape);
    }
}
