using System;
using System.Collections.Generic;

namespace ImapPS.Client.Protocol
{
    /// <summary>
    /// The ENVELOPE of a message (RFC 3501 §7.4.2). Strings are raw: RFC 2047 encoded words are left
    /// for the model layer to decode.
    /// </summary>
    public sealed class Envelope
    {
        private static readonly IReadOnlyList<EnvelopeAddress> NoAddresses = Array.Empty<EnvelopeAddress>();
        private DateTimeOffset? _parsedDate;
        private bool _dateParsed;

        /// <summary>The Date header as sent, or null.</summary>
        public string? Date { get; internal set; }

        /// <summary><see cref="Date"/> parsed leniently (RFC 5322 and common deviations); null when absent or unreadable.</summary>
        public DateTimeOffset? ParsedDate
        {
            get
            {
                if (!_dateParsed)
                {
                    _parsedDate = Date == null ? null : MessageDate.Parse(Date);
                    _dateParsed = true;
                }
                return _parsedDate;
            }
        }

        /// <summary>The Subject header as sent (possibly RFC 2047-encoded), or null.</summary>
        public string? Subject { get; internal set; }

        /// <summary>From addresses.</summary>
        public IReadOnlyList<EnvelopeAddress> From { get; internal set; } = NoAddresses;

        /// <summary>Sender addresses (servers fill this from From when the header is absent).</summary>
        public IReadOnlyList<EnvelopeAddress> Sender { get; internal set; } = NoAddresses;

        /// <summary>Reply-To addresses.</summary>
        public IReadOnlyList<EnvelopeAddress> ReplyTo { get; internal set; } = NoAddresses;

        /// <summary>To addresses.</summary>
        public IReadOnlyList<EnvelopeAddress> To { get; internal set; } = NoAddresses;

        /// <summary>Cc addresses.</summary>
        public IReadOnlyList<EnvelopeAddress> Cc { get; internal set; } = NoAddresses;

        /// <summary>Bcc addresses.</summary>
        public IReadOnlyList<EnvelopeAddress> Bcc { get; internal set; } = NoAddresses;

        /// <summary>The In-Reply-To header as sent, or null.</summary>
        public string? InReplyTo { get; internal set; }

        /// <summary>The Message-ID header as sent, or null.</summary>
        public string? MessageId { get; internal set; }

        /// <summary>Decodes an ENVELOPE list.</summary>
        /// <exception cref="ImapProtocolException">The value is not a list.</exception>
        public static Envelope Parse(ImapValue value)
        {
            var c = new Cursor(value);
            return Read(ref c);
        }

        /// <summary>
        /// Reads an envelope. Servers get it wrong in several ways, all tolerated: NIL or a string
        /// where an address list belongs (read as no addresses), fewer or more than ten fields,
        /// extra spaces (Outlook), and a list where a string belongs.
        /// </summary>
        internal static Envelope Read(ref Cursor c)
        {
            c.EnterList("an ENVELOPE list");
            var e = new Envelope();
            for (int field = 0; !c.AtEnd; field++)
            {
                switch (field)
                {
                    case 0: e.Date = c.ReadNString(); break;
                    case 1: e.Subject = c.ReadNString(); break;
                    case 2: e.From = ReadAddresses(ref c); break;
                    case 3: e.Sender = ReadAddresses(ref c); break;
                    case 4: e.ReplyTo = ReadAddresses(ref c); break;
                    case 5: e.To = ReadAddresses(ref c); break;
                    case 6: e.Cc = ReadAddresses(ref c); break;
                    case 7: e.Bcc = ReadAddresses(ref c); break;
                    case 8: e.InReplyTo = c.ReadNString(); break;
                    case 9: e.MessageId = c.ReadNString(); break;
                    default: c.Skip(); break;
                }
            }
            c.LeaveList();
            return e;
        }

        private static IReadOnlyList<EnvelopeAddress> ReadAddresses(ref Cursor c)
        {
            if (!c.TryEnterList())
            {
                c.Skip();
                return NoAddresses;
            }
            EnvelopeAddress? first = null;
            List<EnvelopeAddress>? more = null;
            string? group = null;
            bool groupHasMembers = false;
            while (!c.AtEnd)
            {
                if (!c.TryEnterList())
                {
                    c.Skip();
                    continue;
                }
                string? name = null, route = null, mailbox = null, host = null;
                for (int field = 0; !c.AtEnd; field++)
                {
                    switch (field)
                    {
                        case 0: name = c.ReadNString(); break;
                        case 1: route = c.ReadNString(); break;
                        case 2: mailbox = c.ReadNString(); break;
                        case 3: host = c.ReadNString(); break;
                        default: c.Skip(); break;
                    }
                }
                c.LeaveList();
                EnvelopeAddress? add = null;
                if (host == null && mailbox != null)
                {
                    // RFC 3501: NIL host starts a group named by the mailbox field.
                    group = mailbox;
                    groupHasMembers = false;
                    continue;
                }
                if (host == null && mailbox == null)
                {
                    // End of group. An empty group keeps one placeholder entry so its name is not lost.
                    if (group != null && !groupHasMembers)
                        add = new EnvelopeAddress(name, route, null, null, group);
                    group = null;
                    if (add == null) continue;
                }
                else
                {
                    add = new EnvelopeAddress(name, route, mailbox, host, group);
                    groupHasMembers = group != null;
                }
                if (first == null) first = add;
                else (more ??= new List<EnvelopeAddress>(4) { first }).Add(add);
            }
            c.LeaveList();
            if (more != null) return more;
            return first == null ? NoAddresses : new[] { first };
        }
    }

    /// <summary>
    /// One address of an <see cref="Envelope"/>. Group syntax (RFC 3501: an address with a NIL host
    /// starts a group named by its mailbox field; one with NIL mailbox and host ends it) is flattened:
    /// the markers are not entries, and each member carries the group's name in <see cref="GroupName"/>.
    /// A group without members (<c>undisclosed-recipients:;</c>) appears as one entry with
    /// <see cref="IsEmptyGroup"/> true and null <see cref="Mailbox"/>/<see cref="Host"/>.
    /// </summary>
    public sealed class EnvelopeAddress
    {
        /// <summary>Creates an address.</summary>
        public EnvelopeAddress(string? name, string? route, string? mailbox, string? host, string? groupName = null)
        {
            Name = name;
            Route = route;
            Mailbox = mailbox;
            Host = host;
            GroupName = groupName;
        }

        /// <summary>The display name as sent (may be RFC 2047-encoded), or null.</summary>
        public string? Name { get; }

        /// <summary>The obsolete source route (at-domain-list), or null.</summary>
        public string? Route { get; }

        /// <summary>The local part, or null.</summary>
        public string? Mailbox { get; }

        /// <summary>The domain, or null.</summary>
        public string? Host { get; }

        /// <summary>The name of the group this address belongs to, or null.</summary>
        public string? GroupName { get; }

        /// <summary>True for the placeholder entry of a group that has no members.</summary>
        public bool IsEmptyGroup => GroupName != null && Mailbox == null && Host == null;

        /// <summary><c>mailbox@host</c>; just the mailbox when there is no host; null when there is no mailbox.</summary>
        public string? Address => Mailbox == null ? null : Host == null || Host.Length == 0 ? Mailbox : Mailbox + "@" + Host;

        /// <inheritdoc/>
        public override string ToString()
        {
            string? address = Address;
            if (address == null) return GroupName != null ? GroupName + ":;" : Name ?? "";
            return string.IsNullOrEmpty(Name) ? address : "\"" + Name + "\" <" + address + ">";
        }
    }

    /// <summary>A lenient parser for RFC 5322 Date header values (also the obsolete RFC 822 forms).</summary>
    public static class MessageDate
    {
        private static readonly string[] Months = { "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec" };

        /// <summary>
        /// Parses <c>[Day,] d Mon yyyy hh:mm[:ss] [zone]</c>, tolerating missing day-of-week or seconds,
        /// two- and three-digit years (RFC 5322 §4.3), named and military zones, a missing zone (UTC),
        /// dashes or commas as separators, and trailing comments such as <c>(PDT)</c>. Returns null
        /// when the text has no readable date.
        /// </summary>
        public static DateTimeOffset? Parse(string? text)
        {
            if (text == null) return null;
            int i = 0, n = text.Length;
            SkipJunk(text, ref i);
            // Optional day-of-week.
            if (i < n && char.IsLetter(text[i]))
            {
                while (i < n && char.IsLetter(text[i])) i++;
                SkipJunk(text, ref i);
            }
            if (!ReadInt(text, ref i, 2, out int day)) return null;
            SkipJunk(text, ref i);
            int month = ReadMonth(text, ref i);
            if (month == 0) return null;
            SkipJunk(text, ref i);
            int yearStart = i;
            if (!ReadInt(text, ref i, 4, out int year)) return null;
            int yearDigits = i - yearStart;
            if (yearDigits == 2) year += year < 50 ? 2000 : 1900;
            else if (yearDigits == 3) year += 1900;
            SkipJunk(text, ref i);
            int hour = 0, minute = 0, second = 0;
            if (ReadInt(text, ref i, 2, out hour))
            {
                if (i >= n || text[i] != ':' ) return null;
                i++;
                if (!ReadInt(text, ref i, 2, out minute)) return null;
                if (i < n && text[i] == ':')
                {
                    i++;
                    if (!ReadInt(text, ref i, 2, out second)) return null;
                }
                // Fractional seconds appear in the wild; ignore them.
                if (i < n && text[i] == '.') { i++; while (i < n && char.IsDigit(text[i])) i++; }
            }
            while (i < n && text[i] == ' ') i++;
            int offsetMinutes = ReadZone(text, i);
            if (day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60 || year < 1 || year > 9999) return null;
            if (second == 60) second = 59;
            if (day > DateTime.DaysInMonth(year, month)) return null;
            try
            {
                return new DateTimeOffset(year, month, day, hour, minute, second, TimeSpan.FromMinutes(offsetMinutes));
            }
            catch (ArgumentException)
            {
                return null;
            }
        }

        private static void SkipJunk(string s, ref int i)
        {
            while (i < s.Length && (s[i] == ' ' || s[i] == ',' || s[i] == '-' || s[i] == '\t')) i++;
        }

        private static bool ReadInt(string s, ref int i, int maxDigits, out int value)
        {
            value = 0;
            int start = i;
            while (i < s.Length && i - start < maxDigits && s[i] >= '0' && s[i] <= '9')
            {
                value = value * 10 + (s[i] - '0');
                i++;
            }
            if (i < s.Length && s[i] >= '0' && s[i] <= '9') { i = start; return false; }
            return i > start;
        }

        private static int ReadMonth(string s, ref int i)
        {
            if (i + 3 > s.Length) return 0;
            for (int m = 0; m < 12; m++)
            {
                if (char.ToLowerInvariant(s[i]) == Months[m][0] && char.ToLowerInvariant(s[i + 1]) == Months[m][1] && char.ToLowerInvariant(s[i + 2]) == Months[m][2])
                {
                    i += 3;
                    while (i < s.Length && char.IsLetter(s[i])) i++;
                    return m + 1;
                }
            }
            return 0;
        }

        private static int ReadZone(string s, int i)
        {
            if (i >= s.Length) return 0;
            char c = s[i];
            if ((c == '+' || c == '-') && i + 5 <= s.Length)
            {
                int v = 0;
                for (int k = 1; k <= 4; k++)
                {
                    char d = s[i + k];
                    if (d < '0' || d > '9') return 0;
                    v = v * 10 + (d - '0');
                }
                int minutes = v / 100 * 60 + v % 100;
                if (v / 100 > 23 || v % 100 > 59) return 0;
                return c == '-' ? -minutes : minutes;
            }
            int end = i;
            while (end < s.Length && char.IsLetter(s[end])) end++;
            switch (s.Substring(i, end - i).ToUpperInvariant())
            {
                case "EDT": return -4 * 60;
                case "EST": case "CDT": return -5 * 60;
                case "CST": case "MDT": return -6 * 60;
                case "MST": case "PDT": return -7 * 60;
                case "PST": return -8 * 60;
                default: return 0; // UT, GMT, Z, military zones (RFC 5322 says treat as unknown: -0000) and anything else
            }
        }
    }
}
