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

        /// <summary>From contains the text (several values: any of them).</summary>
        [Parameter] public string[]? From { get; set; }
        /// <summary>To contains the text (several values: any of them).</summary>
        [Parameter] public string[]? To { get; set; }
        /// <summary>Cc contains the text (several values: any of them).</summary>
        [Parameter] public string[]? Cc { get; set; }
        /// <summary>Bcc contains the text (several values: any of them).</summary>
        [Parameter] public string[]? Bcc { get; set; }
        /// <summary>Subject contains the text (several values: any of them).</summary>
        [Parameter] public string[]? Subject { get; set; }
        /// <summary>The body contains the text (several values: any of them).</summary>
        [Parameter] public string[]? Body { get; set; }
        /// <summary>The header or body contains the text (several values: any of them).</summary>
        [Parameter] public string[]? Text { get; set; }
        /// <summary>Received (INTERNALDATE, the date the message reached the server) on or after this day.</summary>
        [Parameter] public DateTime? Since { get; set; }
        /// <summary>Received (INTERNALDATE) before this day.</summary>
        [Parameter] public DateTime? Before { get; set; }
        /// <summary>Received (INTERNALDATE) on this day.</summary>
        [Parameter] public DateTime? On { get; set; }
        /// <summary>Saved into this mailbox (RFC 8514 SAVEDATE: moved, copied or appended there) on or after this day. Needs SAVEDATE.</summary>
        [Parameter] public DateTime? SavedSince { get; set; }
        /// <summary>Saved into this mailbox (RFC 8514 SAVEDATE) before this day. Needs SAVEDATE.</summary>
        [Parameter] public DateTime? SavedBefore { get; set; }
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
        /// <summary>Has one of these keywords.</summary>
        [Parameter] [ArgumentCompleter(typeof(KeywordCompleter))] public string[]? Keyword { get; set; }
        /// <summary>Header field contains: @{ 'X-Mailer' = 'Outlook'; 'List-Id' = '' } ('' matches any message that has the field). Every field must match; several values of one field: any of them.</summary>
        [Parameter] public Hashtable? Header { get; set; }
        /// <summary>Leaves out messages that match any entry: criteria as a hashtable with the names of this cmdlet's parameters, e.g. @{ From = 'noreply'; Seen = $true }.</summary>
        [Parameter] public Hashtable? Not { get; set; }
        /// <summary>Keeps messages that match at least one of these groups of criteria (hashtables with the names of this cmdlet's parameters; within a group every entry must match).</summary>
        [Parameter] public Hashtable[]? Any { get; set; }
        /// <summary>Only these UIDs: numbers or ranges such as "1:100", "200,300:*"; several values mean any of them.</summary>
        [Parameter] public string[]? Uid { get; set; }
        /// <summary>Only messages whose mod-sequence (ModSeq) is above this one: changed or added since a HighestModSeq stored earlier (CONDSTORE).</summary>
        [Parameter] public ulong? ChangedSince { get; set; }
        /// <summary>Raw IMAP search criteria, added to the others (e.g. 'OR FROM alice FROM bob'); one line.</summary>
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
            if (!FromSameSession(session, Mailbox)) return;
            Mailbox = MailboxPath(session, Mailbox);
            var mailbox = ResolveMailbox(session, Mailbox);
            if (!_mailboxOnCommandLine && Mailbox != null && session.IsKnownUnselectable(mailbox))
            {
                // Get-ImapMailbox | Search-ImapMessage: a \Noselect hierarchy node holds no messages.
                WriteVerbose("Skipped '" + mailbox + "': it cannot be selected (\\Noselect), so it holds no messages.");
                return;
            }
            var criteria = BuildCriteria();
            if (ChangedSince is ulong changed && changed < long.MaxValue) criteria = SearchKey.AllOf(new[] { criteria, SearchKey.ModSeq(changed + 1) });
            var client = session.Client;
            if (_usesSaveDate && !client.HasCapability("SAVEDATE"))
                ThrowTerminatingError(new ErrorRecord(new NotSupportedException("The server " + session.Server + " does not offer SAVEDATE (RFC 8514), so it cannot search by the date a message was saved into the mailbox. " +
                        "-Before, -Since and -On compare the date the message was received (INTERNALDATE), which moving a message to another mailbox keeps: they do not tell when it was moved there."),
                    "SaveDateNotSupported", ErrorCategory.NotImplemented, mailbox));
            bool sorted = SortBy != null && SortBy.Length > 0;
            uint uidValidity;
            IReadOnlyList<uint> found;
            try
            {
                // On a -Reconnect session a cut SEARCH or SORT is sent again (TrySearch).
                if (!TrySearch(session, mailbox, null, c => sorted
                        ? c.UidSortAsync(SortBy!.Select(k => new SortCriterion(SortKeyOf(k), Descending)).ToList(), criteria)
                        : c.UidSearchAsync(criteria, compactResult: true), out found, out uidValidity,
                        lease => { if (ChangedSince is ulong since) RequireModSeq(session, mailbox, nameof(ChangedSince), since, lease); }))
                    return;
            }
            catch (ImapCapabilityException ex)
            {
                // Refused before sending: the server does not sort (or not by display name).
                WriteError(new ErrorRecord(new NotSupportedException(ex.Message + " Sort the results with Sort-Object instead.", ex), "SortNotSupported", ErrorCategory.NotImplemented, mailbox));
                return;
            }
            var uids = found.ToList();
            if (!sorted)
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

        private static SortField SortKeyOf(ImapSortKey key) => key switch
        {
            ImapSortKey.Arrival => SortField.Arrival,
            ImapSortKey.Date => SortField.Date,
            ImapSortKey.From => SortField.From,
            ImapSortKey.To => SortField.To,
            ImapSortKey.Cc => SortField.Cc,
            ImapSortKey.Subject => SortField.Subject,
            ImapSortKey.Size => SortField.Size,
            ImapSortKey.DisplayFrom => SortField.DisplayFrom,
            ImapSortKey.DisplayTo => SortField.DisplayTo,
            _ => throw new ArgumentOutOfRangeException(nameof(key)),
        };

        private bool _usesSaveDate;

        /// <summary>The names -Not and -Any accept as hashtable keys: the criteria parameters.</summary>
        internal static readonly string[] CriterionNames =
        {
            "From", "To", "Cc", "Bcc", "Subject", "Body", "Text", "Since", "Before", "On", "SavedSince", "SavedBefore",
            "Larger", "Smaller", "Seen", "Unseen", "Flagged", "Answered", "Deleted", "Draft", "Keyword", "Header",
        };

        /// <summary>The search program of the bound criteria, -Uid and -Query (every one must match; ALL when none is given).</summary>
        internal SearchKey BuildCriteria()
        {
            var keys = new List<SearchKey>();
            try
            {
                foreach (var name in CriterionNames)
                    if (MyInvocation.BoundParameters.TryGetValue(name, out var value))
                        AddCriterion(keys, name, value, "-" + name);
                if (Not != null)
                    foreach (var group in Criteria(Not, "-Not"))
                        keys.Add(SearchKey.Not(group));
                if (Any != null && Any.Length > 0)
                    keys.Add(SearchKey.AnyOf(Any.Select((h, i) => SearchKey.AllOf(Criteria(h, "-Any[" + i + "]")))));
            }
            catch (ArgumentException ex)
            {
                ThrowTerminatingError(new ErrorRecord(new ArgumentException(ex.Message, ex), "InvalidCriterion", ErrorCategory.InvalidArgument, null));
            }
            if (Uid != null && Uid.Length > 0)
            {
                foreach (var set in Uid)
                    if (!SequenceSet.IsValid(set))
                        ThrowTerminatingError(new ErrorRecord(new ArgumentException("'" + set + "' is not a UID set (e.g. 1:100,200,300:*)."), "InvalidUidSet", ErrorCategory.InvalidArgument, set));
                // A list of UIDs means any of them (as in Get-ImapMessage): one UID criterion with
                // the union of the sets, not one criterion per value, which IMAP would AND.
                keys.Add(SearchKey.Uid(string.Join(",", Uid)));
            }
            if (!string.IsNullOrWhiteSpace(Query))
            {
                try
                {
                    keys.Add(SearchKey.Raw(Query!.Trim()));
                }
                catch (ArgumentException)
                {
                    string why = Query!.IndexOf('\0') >= 0 ? "a NUL character" : Query.IndexOfAny(new[] { '\r', '\n' }) >= 0 ? "a line break" : "a literal such as {5}";
                    ThrowTerminatingError(new ErrorRecord(new ArgumentException("-Query cannot contain " + why + ": write the criteria on one line, and give text with line breaks " +
                            "through -Subject, -Body, -Text or -Header, which send it safely."), "InvalidQuery", ErrorCategory.InvalidArgument, Query));
                }
            }
            // One conjunction at the top, written flat (A B C), as IMAP ANDs the keys of a program.
            return SearchKey.AllOf(keys);
        }

        /// <summary>The criteria of a hashtable given to -Not or -Any: one key per entry, every entry must match.</summary>
        private List<SearchKey> Criteria(Hashtable table, string where)
        {
            var keys = new List<SearchKey>();
            foreach (DictionaryEntry entry in table)
            {
                string key = entry.Key?.ToString() ?? "";
                string? name = CriterionNames.FirstOrDefault(n => string.Equals(n, key, StringComparison.OrdinalIgnoreCase));
                if (name == null)
                    throw new ArgumentException(where + " has '" + key + "', which is not a search criterion. Use these names: " + string.Join(", ", CriterionNames) + ".");
                AddCriterion(keys, name, entry.Value, where + "." + name);
            }
            if (keys.Count == 0) throw new ArgumentException(where + " is empty: give at least one criterion, e.g. @{ From = 'alice' }.");
            return keys;
        }

        /// <summary>Adds the search key for one criterion (a parameter, or an entry of -Not/-Any); several values of a text criterion match any of them.</summary>
        private void AddCriterion(List<SearchKey> keys, string name, object? value, string where)
        {
            value = value is PSObject pso ? pso.BaseObject : value;
            if (value == null) throw new ArgumentException(where + " has no value.");
            T Convert<T>()
            {
                try { return (T)LanguagePrimitives.ConvertTo(value, typeof(T), CultureInfo.InvariantCulture); }
                catch (PSInvalidCastException) { throw new ArgumentException(where + " must be a " + typeof(T).Name + ", not '" + value + "'."); }
            }
            SearchKey AnyText(SearchTextField field)
            {
                var values = Convert<string[]>();
                if (values.Length == 0) throw new ArgumentException(where + " has no value.");
                return SearchKey.AnyOf(values.Select(v => SearchKey.Text(field, v)));
            }
            bool IsOn() => value is SwitchParameter sw ? sw.IsPresent : LanguagePrimitives.IsTrue(value);
            switch (name)
            {
                case "From": keys.Add(AnyText(SearchTextField.From)); break;
                case "To": keys.Add(AnyText(SearchTextField.To)); break;
                case "Cc": keys.Add(AnyText(SearchTextField.Cc)); break;
                case "Bcc": keys.Add(AnyText(SearchTextField.Bcc)); break;
                case "Subject": keys.Add(AnyText(SearchTextField.Subject)); break;
                case "Body": keys.Add(AnyText(SearchTextField.Body)); break;
                case "Text": keys.Add(AnyText(SearchTextField.Text)); break;
                case "Since": keys.Add(SearchKey.Date(SearchDateField.Since, Convert<DateTime>())); break;
                case "Before": keys.Add(SearchKey.Date(SearchDateField.Before, Convert<DateTime>())); break;
                case "On": keys.Add(SearchKey.Date(SearchDateField.On, Convert<DateTime>())); break;
                case "SavedSince": _usesSaveDate = true; keys.Add(SearchKey.Date(SearchDateField.SavedSince, Convert<DateTime>())); break;
                case "SavedBefore": _usesSaveDate = true; keys.Add(SearchKey.Date(SearchDateField.SavedBefore, Convert<DateTime>())); break;
                case "Larger": keys.Add(SearchKey.Size(true, Convert<long>())); break;
                case "Smaller": keys.Add(SearchKey.Size(false, Convert<long>())); break;
                case "Seen": case "Flagged": case "Answered": case "Deleted": case "Draft":
                    keys.Add(SearchKey.Flag(name, IsOn())); break;
                case "Unseen": keys.Add(SearchKey.Flag("Seen", !IsOn())); break;
                case "Keyword":
                    {
                        var values = Convert<string[]>();
                        if (values.Length == 0) throw new ArgumentException(where + " has no value.");
                        var flags = values.Select(FlagNames.ToImap).ToList();
                        foreach (var f in flags)
                            if (f.StartsWith("\\", StringComparison.Ordinal))
                                throw new ArgumentException("'" + f.Substring(1) + "' is a system flag, not a keyword; use the criterion for it (Seen, Answered, Flagged, Deleted, Draft).");
                        keys.Add(SearchKey.AnyOf(flags.Select(f => SearchKey.Keyword(f, true))));
                        break;
                    }
                case "Header":
                    {
                        if (!(value is IDictionary fields)) throw new ArgumentException(where + " must be a hashtable of field names and texts, e.g. @{ 'List-Id' = 'news' }.");
                        foreach (DictionaryEntry h in fields)
                        {
                            string field = h.Key?.ToString() ?? "";
                            if (field.Length == 0) throw new ArgumentException(where + " has an empty field name.");
                            var texts = h.Value == null ? new[] { "" } : (string[])LanguagePrimitives.ConvertTo(h.Value, typeof(string[]), CultureInfo.InvariantCulture);
                            if (texts.Length == 0) texts = new[] { "" };
                            keys.Add(SearchKey.AnyOf(texts.Select(t => SearchKey.Header(field, t ?? ""))));
                        }
                        break;
                    }
            }
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
