using System;
using System.Globalization;
using System.Text;
using ImapPS.Client.Protocol;

namespace ImapPS.Client
{
    /// <summary>
    /// imaplib2's documented argument rules, applied by the blocking imaplib2-named methods (the
    /// <c>…Async</c> methods, which the cmdlets use, take names as they are):
    /// a string enclosed in <c>"…"</c> is already quoted, so it names what the quotes enclose; one
    /// enclosed in <c>'…'</c> loses the single quotes; <c>None</c> (null) and the empty string are
    /// the same where imaplib2 tests an argument for truth (APPEND's mailbox is then INBOX).
    /// </summary>
    internal static class Imaplib2Arguments
    {
        /// <summary>The mailbox (or pattern, or quota root) a pre-quoted argument names.</summary>
        public static string Name(string? argument)
        {
            if (argument == null) return "";
            int n = argument.Length;
            if (n >= 2 && argument[0] == '\'' && argument[n - 1] == '\'') return argument.Substring(1, n - 2);
            if (n >= 2 && argument[0] == '"' && argument[n - 1] == '"' && TryUnquote(argument, out var inner)) return inner;
            return argument;
        }

        /// <summary>APPEND's mailbox: INBOX when none is given.</summary>
        public static string AppendMailbox(string? argument) => string.IsNullOrEmpty(argument) ? "INBOX" : Name(argument);

        /// <summary>A charset argument: null when none (or "") is given.</summary>
        public static string? Charset(string? argument) => string.IsNullOrEmpty(argument) ? null : argument;

        /// <summary>
        /// APPEND's <c>date_time</c>: a DateTimeOffset or DateTime, seconds since the epoch (any number
        /// type), or an INTERNALDATE string, quoted or not; null or "" for none.
        /// </summary>
        public static DateTimeOffset? DateTime(object? value)
        {
            switch (value)
            {
                case null: return null;
                case DateTimeOffset d: return d;
                case System.DateTime d: return d.Kind == DateTimeKind.Utc ? new DateTimeOffset(d) : new DateTimeOffset(d.ToLocalTime());
                case string s:
                    if (s.Length == 0) return null;
                    return ImapDate.Internaldate2Time(s)
                        ?? throw new ArgumentException("date_time is not an INTERNALDATE such as \"17-Jul-1996 02:44:25 -0700\": " + s, nameof(value));
                case IConvertible c when IsNumber(value):
                    double seconds = c.ToDouble(CultureInfo.InvariantCulture);
                    return DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(seconds * 1000)).ToLocalTime();
                default:
                    throw new ArgumentException("date_time must be a date, a number of seconds since 1970 or an INTERNALDATE string, not " + value.GetType().Name + ".", nameof(value));
            }
        }

        private static bool IsNumber(object value)
            => value is int || value is long || value is double || value is float || value is decimal || value is uint || value is ulong || value is short || value is ushort || value is byte || value is sbyte;

        // A quoted string per RFC 3501: only \" and \\ may be escaped, and no bare quote inside.
        private static bool TryUnquote(string quoted, out string inner)
        {
            var sb = new StringBuilder(quoted.Length - 2);
            for (int i = 1; i < quoted.Length - 1; i++)
            {
                char c = quoted[i];
                if (c == '"') { inner = ""; return false; }
                if (c == '\\')
                {
                    if (i + 1 >= quoted.Length - 1) { inner = ""; return false; }
                    char next = quoted[++i];
                    if (next != '"' && next != '\\') { inner = ""; return false; }
                    c = next;
                }
                sb.Append(c);
            }
            inner = sb.ToString();
            return true;
        }
    }
}
