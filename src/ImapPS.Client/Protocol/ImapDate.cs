using System;
using System.Text;

namespace ImapPS.Client.Protocol
{
    /// <summary>
    /// IMAP date-time conversions (imaplib2's <c>Internaldate2Time</c> and <c>Time2Internaldate</c>)
    /// and the SEARCH date format. Month names are always English; no culture is consulted.
    /// </summary>
    public static class ImapDate
    {
        private static readonly string[] MonthNames = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
        private static readonly byte[] InternalDateKey = Encoding.ASCII.GetBytes("INTERNALDATE \"");

        // 'dd-Mmm-yyyy HH:mm:ss +hhmm'
        private const int DateTimeLength = 26;

        /// <summary>
        /// Parses an INTERNALDATE. Accepts a response containing <c>INTERNALDATE "17-Jul-1996 02:44:25 -0700"</c>
        /// (like imaplib2, the last occurrence that parses wins), or just the date-time, quoted or not.
        /// The day may be two digits, a space and a digit, or (unquoted) one digit; month names are
        /// matched case-insensitively.
        /// </summary>
        /// <returns>The instant with the offset the server gave (call <see cref="DateTimeOffset.ToLocalTime"/>
        /// for local time, as imaplib2 returns), or null when the input is not a valid date-time.</returns>
        public static DateTimeOffset? Internaldate2Time(ReadOnlySpan<byte> response)
        {
            int searchEnd = response.Length;
            while (searchEnd > 0)
            {
                int at = response.Slice(0, searchEnd).LastIndexOf(InternalDateKey);
                if (at < 0) break;
                ReadOnlySpan<byte> rest = response.Slice(at + InternalDateKey.Length);
                if (TryParseDateTime(rest, out DateTimeOffset value, out int used) && used < rest.Length && rest[used] == '"')
                    return value;
                searchEnd = at;
            }
            if (response.IndexOf(InternalDateKey) >= 0) return null;

            ReadOnlySpan<byte> text = Trim(response);
            if (text.Length >= 2 && text[0] == '"' && text[text.Length - 1] == '"')
                text = text.Slice(1, text.Length - 2);
            else
                text = TrimStart(text); // " 7-Jul-1996 ..." unquoted: the leading space of the day is gone too
            return TryParseDateTime(text, out DateTimeOffset result, out int length) && length == text.Length ? result : (DateTimeOffset?)null;
        }

        /// <inheritdoc cref="Internaldate2Time(ReadOnlySpan{byte})"/>
        public static DateTimeOffset? Internaldate2Time(byte[] response)
            => Internaldate2Time(new ReadOnlySpan<byte>(response ?? throw new ArgumentNullException(nameof(response))));

        /// <inheritdoc cref="Internaldate2Time(ReadOnlySpan{byte})"/>
        public static DateTimeOffset? Internaldate2Time(string response)
        {
            if (response is null) throw new ArgumentNullException(nameof(response));
            // Non-ASCII characters cannot be part of a date; mapping them to 0xFF keeps them invalid.
            var bytes = new byte[response.Length];
            for (int i = 0; i < response.Length; i++) bytes[i] = response[i] < 0x80 ? (byte)response[i] : (byte)0xFF;
            return Internaldate2Time(bytes);
        }

        /// <summary>
        /// Formats an instant as <c>"DD-Mmm-YYYY HH:MM:SS +HHMM"</c>, double quotes included, in the
        /// value's own offset (seconds of the offset, as in historic zones, are dropped).
        /// </summary>
        public static string Time2Internaldate(DateTimeOffset value) => Format(value.DateTime, value.Offset);

        /// <summary>
        /// Formats a <see cref="DateTime"/>: UTC kind with <c>+0000</c>; Local and Unspecified kinds are
        /// taken as local time with the local zone's offset at that time, as imaplib2 does for time tuples.
        /// </summary>
        public static string Time2Internaldate(DateTime value)
            => value.Kind == DateTimeKind.Utc
                ? Format(value, TimeSpan.Zero)
                : Format(value, TimeZoneInfo.Local.GetUtcOffset(DateTime.SpecifyKind(value, DateTimeKind.Local)));

        /// <summary>Formats seconds since the Unix epoch (fractions truncated toward the past) as local time, as imaplib2 does.</summary>
        public static string Time2Internaldate(double secondsSinceEpoch) => Time2Internaldate(secondsSinceEpoch, TimeZoneInfo.Local);

        /// <summary>Formats seconds since the Unix epoch (fractions truncated toward the past) in <paramref name="zone"/>.</summary>
        public static string Time2Internaldate(double secondsSinceEpoch, TimeZoneInfo zone)
        {
            if (zone is null) throw new ArgumentNullException(nameof(zone));
            double seconds = Math.Floor(secondsSinceEpoch);
            // DateTimeOffset covers years 1 to 9999.
            if (double.IsNaN(seconds) || seconds < -62135596800d || seconds > 253402300799d)
                throw new ArgumentOutOfRangeException(nameof(secondsSinceEpoch), "The time is outside the years 1 to 9999.");
            DateTimeOffset utc = DateTimeOffset.FromUnixTimeSeconds((long)seconds);
            return Time2Internaldate(TimeZoneInfo.ConvertTime(utc, zone));
        }

        /// <summary>
        /// Passes through a string already in INTERNALDATE form: a quoted one is returned as is, an
        /// unquoted one gets its quotes. Anything else throws, like imaplib2's <c>ValueError</c>.
        /// </summary>
        /// <exception cref="ArgumentException">The string is not an INTERNALDATE date-time.</exception>
        public static string Time2Internaldate(string value)
        {
            if (value is null) throw new ArgumentNullException(nameof(value));
            bool quoted = value.Length >= 2 && value[0] == '"' && value[value.Length - 1] == '"';
            if (value.IndexOf("INTERNALDATE", StringComparison.OrdinalIgnoreCase) >= 0 || Internaldate2Time(value) is null)
                throw new ArgumentException("Not an INTERNALDATE date-time (expected \"DD-Mmm-YYYY HH:MM:SS +HHMM\").", nameof(value));
            return quoted ? value : "\"" + value.Trim() + "\"";
        }

        /// <summary>The SEARCH date form <c>d-Mmm-yyyy</c> (<c>1-Feb-2024</c>) of a date; the time is ignored.</summary>
        public static string FormatSearchDate(DateTime date)
        {
            var text = new StringBuilder(11);
            text.Append(date.Day).Append('-').Append(MonthNames[date.Month - 1]).Append('-');
            AppendDigits(text, date.Year, 4);
            return text.ToString();
        }

        /// <summary>The SEARCH date form of the calendar day in the value's own offset.</summary>
        public static string FormatSearchDate(DateTimeOffset date) => FormatSearchDate(date.DateTime);

        private static string Format(DateTime local, TimeSpan offset)
        {
            var text = new StringBuilder(DateTimeLength + 2);
            text.Append('"');
            AppendDigits(text, local.Day, 2);
            text.Append('-').Append(MonthNames[local.Month - 1]).Append('-');
            AppendDigits(text, local.Year, 4);
            text.Append(' ');
            AppendDigits(text, local.Hour, 2);
            text.Append(':');
            AppendDigits(text, local.Minute, 2);
            text.Append(':');
            AppendDigits(text, local.Second, 2);
            int minutes = (int)(offset.Ticks / TimeSpan.TicksPerMinute);
            text.Append(minutes < 0 ? " -" : " +");
            minutes = Math.Abs(minutes);
            AppendDigits(text, minutes / 60, 2);
            AppendDigits(text, minutes % 60, 2);
            text.Append('"');
            return text.ToString();
        }

        private static void AppendDigits(StringBuilder text, int value, int width)
        {
            // Culture-free: StringBuilder.Append(int) would use the current culture's digits on some platforms.
            Span<char> digits = stackalloc char[10];
            int count = 0;
            do
            {
                digits[count++] = (char)('0' + value % 10);
                value /= 10;
            } while (value > 0);
            for (int i = count; i < width; i++) text.Append('0');
            for (int i = count - 1; i >= 0; i--) text.Append(digits[i]);
        }

        /// <summary>Parses <c>date-time</c> without quotes at the start of <paramref name="text"/>.</summary>
        private static bool TryParseDateTime(ReadOnlySpan<byte> text, out DateTimeOffset value, out int used)
        {
            value = default;
            used = 0;
            int i = 0;
            int day;
            if (text.Length > 0 && text[0] == ' ')
            {
                i = 1; // date-day-fixed = SP DIGIT
                if (!TryDigits(text, ref i, 1, out day)) return false;
            }
            else
            {
                // 2DIGIT, or leniently one digit when the caller trimmed the space away.
                if (!TryDigits(text, ref i, 1, out day)) return false;
                if (IsDigit(text, i)) day = day * 10 + (text[i++] - '0');
            }
            if (!Expect(text, ref i, '-')) return false;
            if (i + 3 > text.Length) return false;
            int month = MonthFromName(text.Slice(i, 3));
            if (month == 0) return false;
            i += 3;
            if (!Expect(text, ref i, '-')) return false;
            if (!TryDigits(text, ref i, 4, out int year)) return false;
            if (!Expect(text, ref i, ' ')) return false;
            if (!TryDigits(text, ref i, 2, out int hour) || !Expect(text, ref i, ':')) return false;
            if (!TryDigits(text, ref i, 2, out int minute) || !Expect(text, ref i, ':')) return false;
            if (!TryDigits(text, ref i, 2, out int second) || !Expect(text, ref i, ' ')) return false;
            if (i >= text.Length || (text[i] != '+' && text[i] != '-')) return false;
            bool negative = text[i] == '-';
            i++;
            if (!TryDigits(text, ref i, 2, out int zoneHours) || !TryDigits(text, ref i, 2, out int zoneMinutes)) return false;

            if (year < 1 || day < 1 || day > DateTime.DaysInMonth(year, month)) return false;
            if (hour > 23 || minute > 59 || second > 59 || zoneMinutes > 59 || zoneHours > 14) return false;
            var offset = new TimeSpan(zoneHours, zoneMinutes, 0);
            if (offset > TimeSpan.FromHours(14)) return false;
            if (negative) offset = -offset;
            try
            {
                value = new DateTimeOffset(year, month, day, hour, minute, second, offset);
            }
            catch (ArgumentOutOfRangeException)
            {
                return false; // the UTC instant falls outside year 1..9999
            }
            used = i;
            return true;
        }

        private static bool IsDigit(ReadOnlySpan<byte> text, int i) => i < text.Length && text[i] >= '0' && text[i] <= '9';

        private static bool TryDigits(ReadOnlySpan<byte> text, ref int i, int count, out int value)
        {
            value = 0;
            for (int k = 0; k < count; k++)
            {
                if (!IsDigit(text, i)) return false;
                value = value * 10 + (text[i++] - '0');
            }
            return true;
        }

        private static bool Expect(ReadOnlySpan<byte> text, ref int i, char c)
        {
            if (i >= text.Length || text[i] != c) return false;
            i++;
            return true;
        }

        private static int MonthFromName(ReadOnlySpan<byte> name)
        {
            for (int m = 0; m < MonthNames.Length; m++)
            {
                string candidate = MonthNames[m];
                if ((name[0] | 0x20) == (candidate[0] | 0x20) && (name[1] | 0x20) == candidate[1] && (name[2] | 0x20) == candidate[2])
                    return m + 1;
            }
            return 0;
        }

        private static ReadOnlySpan<byte> Trim(ReadOnlySpan<byte> text) => TrimEnd(TrimStart(text));

        private static ReadOnlySpan<byte> TrimStart(ReadOnlySpan<byte> text)
        {
            int start = 0;
            while (start < text.Length && IsWhite(text[start])) start++;
            return text.Slice(start);
        }

        private static ReadOnlySpan<byte> TrimEnd(ReadOnlySpan<byte> text)
        {
            int end = text.Length;
            while (end > 0 && IsWhite(text[end - 1])) end--;
            return text.Slice(0, end);
        }

        private static bool IsWhite(byte b) => b == ' ' || b == '\t' || b == '\r' || b == '\n';
    }
}
