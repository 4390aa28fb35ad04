using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Threading.Tasks;
using ImapPS.Client;
using ImapPS.Client.Protocol;

namespace ImapPS.Commands
{
    /// <summary>Sort keys of SORT (RFC 5256, RFC 5957 for the Display keys).</summary>
    public enum ImapSortKey
    {
        /// <summary>INTERNALDATE.</summary>
        Arrival,
        /// <summary>The Date header.</summary>
        Date,
        /// <summary>The first From address.</summary>
        From,
        /// <summary>The first To address.</summary>
        To,
        /// <summary>The first Cc address.</summary>
        Cc,
        /// <summary>The base subject.</summary>
        Subject,
        /// <summary>RFC822.SIZE.</summary>
        Size,
        /// <summary>The From display name (SORT=DISPLAY).</summary>
        DisplayFrom,
        /// <summary>The To display name (SORT=DISPLAY).</summary>
        DisplayTo,
    }

    /// <summary>
    /// <para type="synopsis">Searches a mailbox on the server and streams summaries of the messages found.</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Search, "ImapMessage", DefaultParameterSetName = "Criteria")]
    [OutputType(typeof(ImapMessage), typeof(uint))]
    public sealed class SearchImapMessageCommand : ImapMessageCmdlet
    {
        /// <summary>The mailbox to search: by default the selected one, else INBOX.</summary>
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("Name")]
        [ArgumentCompleter(typeof(MailboxNameCompleter))]
        public string? Mailbox { get; set; }

        /// <summary>From contains (each value must match).</summary>
        [Parameter] public string[]? From { get; set; }
        /// <summary>To contains.</summary>
        [Parameter] public string[]? To { get; set; }
        /// <summary>Cc contains.</summary>
        [Parameter] public string[]? Cc { get; set; }
        /// <summary>Bcc contains.</summary>
        [Parameter] public string[]? Bcc { get; set; }
        /// <summary>Subject contains.</summary>
        [Parameter] public string[]? Subject { get; set; }
        /// <summary>The body contains.</summary>
        [Parameter] public string[]? Body { get; set; }
        /// <summary>The header or body contains.</summary>
        [Parameter] public string[]? Text { get; set; }
        /// <summary>Received (INTERNALDATE) on or after this date.</summary>
        [Parameter] public DateTime? Since { get; set; }
        /// <summary>Received before this date.</summary>
        [Parameter] public DateTime? Before { get; set; }
        /// <summary>Received on this date.</summary>
        [Parameter] public DateTime? On { get; set; }
        /// <summary>Larger than this many bytes.</summary>
        [Parameter] public long? Larger { get; set; }
        /// <summary>Smaller than this many bytes.</summary>
        [Parameter] public long? Smaller { get; set; }
        /// <summary>Has \Seen (-Seen:$false: has not).</summary>
        [Parameter] public SwitchParameter Seen { get; set; }
        /// <summary>Has no \Seen.</summary>
        [Parameter] public SwitchParameter Unseen { get; set; }
        /// <summary>Has \Flagged (-Flagged:$false: has not).</summary>
        [Parameter] public SwitchParameter Flagged { get; set; }
        /// <summary>Has \Answered (-Answered:$false: has not).</summary>
        [Parameter] public SwitchParameter Answered { get; set; }
        /// <summary>Has \Deleted (-Deleted:$false: has not).</summary>
        [Parameter] public SwitchParameter Deleted { get; set; }
        /// <summary>Has \Draft (-Draft:$false: has not).</summary>
        [Parameter] public SwitchParameter Draft { get; set; }
        /// <summary>Has each of these keywords.</summary>
        [Parameter] [ArgumentCompleter(typeof(KeywordCompleter))] public string[]? Keyword { get; set; }
        /// <summary>Header field contains: @{ 'X-Mailer' = 'Outlook'; 'List-Id' = '' } ('' matches any message that has the field).</summary>
        [Parameter] public Hashtable? Header { get; set; }
        /// <summary>Only these UIDs: numbers or ranges such as "1:100", "200,300:*"; several values mean any of them.</summary>
        [Parameter] public string[]? Uid { get; set; }
        /// <summary>Raw IMAP search criteria, added to the others (e.g. 'OR FROM alice FROM bob').</summary>
        [Parameter] public string? Query { get; set; }
        /// <summary>Sorts on the server (SORT).</summary>
        [Parameter] public ImapSortKey[]? SortBy { get; set; }
        /// <summary>Reverses the order (newest or largest first).</summary>
        [Parameter] public SwitchParameter Descending { get; set; }
        /// <summary>At most this many messages (the first in the result's order).</summary>
        [Parameter] [ValidateRange(1, int.MaxValue)] public int? First { get; set; }
        /// <summary>Only the matching UIDs (no FETCH): returns numbers (UInt32).</summary>
        [Parameter] public SwitchParameter UidOnly { get; set; }

        private bool _mailboxOnCommandLine;

        /// <inheritdoc />
        protected override void BeginInput()
        {
            _mailboxOnCommandLine = MyInvocation.BoundParameters.ContainsKey(nameof(Mailbox));
            foreach (var k in Keyword ?? Array.Empty<string>())
            {
                try
                {
                    if (FlagNames.ToImap(k).StartsWith("\\", StringComparison.Ordinal))
                        throw new ArgumentException("'" + k + "' is a system flag, not a keyword; use the switch for it (-Seen, -Answered, -Flagged, -Deleted, -Draft).");
                }
                catch (ArgumentException ex)
                {
                    ThrowTerminatingError(new ErrorRecord(ex, "InvalidKeyword", ErrorCategory.InvalidArgument, k));
                }
            }
        }

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            var session = ResolveSession();
            var mailbox = ResolveMailbox(session, Mailbox);
            if (!_mailboxOnCommandLine && Mailbox != null && session.IsKnownUnselectable(mailbox))
            {
                // Get-ImapMailbox | Search-ImapMessage: a \Noselect hierarchy node holds no messages.
                WriteVerbose("Skipped '" + mailbox + "': it cannot be selected (\\Noselect), so it holds no messages.");
                return;
            }
            var criteria = BuildCriteria(out bool utf8);
            var client = session.Client;
            if (SortBy != null && SortBy.Length > 0 && !client.HasCapability("SORT"))
            {
                WriteError(new ErrorRecord(new NotSupportedException("The server does not offer SORT; sort the results with Sort-Object instead."), "SortNotSupported", ErrorCategory.NotImplemented, mailbox));
                return;
            }
            Task<ImapResponse> search;
            uint uidValidity;
            using (var lease = TryUseMailbox(session, mailbox, true))
            {
                if (lease == null) return;
                uidValidity = lease.UidValidity;
                search = IssueSearch(client, criteria, utf8);
            }
            if (!TryRun(() => Check(Await(search), "SEARCH"), mailbox, out var response)) return;
            var uids = new List<uint>();
            foreach (var r in response.Untagged)
                if (r.Name == "SEARCH" || r.Name == "ESEARCH" || r.Name == "SORT")
                    uids.AddRange(SearchResult.Parse(r).Numbers);
            if (SortBy == null || SortBy.Length == 0)
            {
                uids.Sort();
                if (Descending) uids.Reverse();
            }
            IReadOnlyList<uint> result = First.HasValue && uids.Count > First.Value ? uids.Take(First.Value).ToList() : uids;
            WriteVerbose("Found " + uids.Count + " messages in " + mailbox + ".");
            if (UidOnly)
            {
                foreach (var u in result) WriteObject(u);
                return;
            }
            foreach (var message in FetchMessages(session, mailbox, uidValidity, result, FetchExtras.None, reportMissing: false, activity: "Search-ImapMessage"))
                WriteObject(message);
        }

        private Task<ImapResponse> IssueSearch(Imap4Client client, List<ImapArgument> criteria, bool utf8)
        {
            if (SortBy != null && SortBy.Length > 0)
            {
                var keys = string.Join(" ", SortBy.Select(k => (Descending ? "REVERSE " : "") + SortKeyName(k)));
                var args = new List<ImapArgument> { ImapArgument.Raw("(" + keys + ")"), ImapArgument.Atom(utf8 ? "UTF-8" : "US-ASCII") };
                args.AddRange(criteria);
                return client.ExecuteAsync("UID SORT", args, new[] { "SORT" }, exclusive: false);
            }
            var head = new List<ImapArgument>();
            if (client.HasCapability("ESEARCH")) head.Add(ImapArgument.Raw("RETURN (ALL)"));
            if (utf8) { head.Add(ImapArgument.Atom("CHARSET")); head.Add(ImapArgument.Atom("UTF-8")); }
            head.AddRange(criteria);
            return client.ExecuteAsync("UID SEARCH", head, new[] { "SEARCH", "ESEARCH" }, exclusive: false);
        }

        private static string SortKeyName(ImapSortKey key) => key switch
        {
            ImapSortKey.DisplayFrom => "DISPLAYFROM",
            ImapSortKey.DisplayTo => "DISPLAYTO",
            _ => key.ToString().ToUpperInvariant(),
        };

        internal List<ImapArgument> BuildCriteria(out bool utf8)
        {
            var c = new List<ImapArgument>();
            bool nonAscii = false;
            void AddText(string key, string[]? values)
            {
                if (values == null) return;
                foreach (var v in values)
                {
                    c.Add(ImapArgument.Atom(key));
                    c.Add(ImapArgument.AString(v));
                    if (v.Any(ch => ch > 127)) nonAscii = true;
                }
            }
            void Flag(string name, SwitchParameter value, bool bound)
            {
                if (!bound) return;
                c.Add(ImapArgument.Atom(value.IsPresent ? name : "UN" + name));
            }
            bool Bound(string name) => MyInvocation.BoundParameters.ContainsKey(name);

            AddText("FROM", From);
            AddText("TO", To);
            AddText("CC", Cc);
            AddText("BCC", Bcc);
            AddText("SUBJECT", Subject);
            AddText("BODY", Body);
            AddText("TEXT", Text);
            if (Since.HasValue) { c.Add(ImapArgument.Atom("SINCE")); c.Add(ImapArgument.Atom(ImapDate.FormatSearchDate(Since.Value))); }
            if (Before.HasValue) { c.Add(ImapArgument.Atom("BEFORE")); c.Add(ImapArgument.Atom(ImapDate.FormatSearchDate(Before.Value))); }
            if (On.HasValue) { c.Add(ImapArgument.Atom("ON")); c.Add(ImapArgument.Atom(ImapDate.FormatSearchDate(On.Value))); }
            if (Larger.HasValue) { c.Add(ImapArgument.Atom("LARGER")); c.Add(ImapArgument.FromNumber(Larger.Value)); }
            if (Smaller.HasValue) { c.Add(ImapArgument.Atom("SMALLER")); c.Add(ImapArgument.FromNumber(Smaller.Value)); }
            Flag("SEEN", Seen, Bound(nameof(Seen)));
            if (Bound(nameof(Unseen))) c.Add(ImapArgument.Atom(Unseen.IsPresent ? "UNSEEN" : "SEEN"));
            Flag("FLAGGED", Flagged, Bound(nameof(Flagged)));
            Flag("ANSWERED", Answered, Bound(nameof(Answered)));
            Flag("DELETED", Deleted, Bound(nameof(Deleted)));
            Flag("DRAFT", Draft, Bound(nameof(Draft)));
            if (Keyword != null)
                foreach (var k in Keyword) { c.Add(ImapArgument.Atom("KEYWORD")); c.Add(ImapArgument.Atom(FlagNames.ToImap(k))); }
            if (Header != null)
                foreach (DictionaryEntry h in Header)
                {
                    string name = h.Key?.ToString() ?? "";
                    string value = h.Value?.ToString() ?? "";
                    c.Add(ImapArgument.Atom("HEADER"));
                    c.Add(ImapArgument.AString(name));
                    c.Add(ImapArgument.AString(value));
                    if (value.Any(ch => ch > 127)) nonAscii = true;
                }
            if (Uid != null && Uid.Length > 0)
            {
                foreach (var set in Uid)
                    if (!SequenceSet.IsValid(set))
                        ThrowTerminatingError(new ErrorRecord(new ArgumentException("'" + set + "' is not a UID set (e.g. 1:100,200,300:*)."), "InvalidUidSet", ErrorCategory.InvalidArgument, set));
                // A list of UIDs means any of them (as in Get-ImapMessage): one UID criterion with
                // the union of the sets, not one criterion per value, which IMAP would AND.
                c.Add(ImapArgument.Atom("UID"));
                c.Add(ImapArgument.FromSequenceSet(string.Join(",", Uid)));
            }
            if (!string.IsNullOrWhiteSpace(Query))
            {
                c.Add(ImapArgument.Raw(Query!.Trim()));
                if (Query.Any(ch => ch > 127)) nonAscii = true;
            }
            if (c.Count == 0) c.Add(ImapArgument.Atom("ALL"));
            utf8 = nonAscii;
            return c;
        }
    }

    /// <summary>Flag names as users write them (Seen, Flagged, $Label1) and as IMAP wants them (\Seen, $Label1).</summary>
    internal static class FlagNames
    {
        public static string ToImap(string flag)
        {
            flag = flag.Trim();
            foreach (var f in FlagCompleter.SystemFlags)
                if (string.Equals(flag, f, StringComparison.OrdinalIgnoreCase) || string.Equals(flag, "\\" + f, StringComparison.OrdinalIgnoreCase))
                    return "\\" + f;
            if (flag.Length == 0 || flag.Any(ch => ch <= ' ' || ch > '~' || "(){%*\"\\]".IndexOf(ch) >= 0))
                throw new ArgumentException("'" + flag + "' is not a valid IMAP keyword (keywords are atoms: no spaces, parentheses, quotes, %, * or backslashes).");
            return flag;
        }
    }
}
