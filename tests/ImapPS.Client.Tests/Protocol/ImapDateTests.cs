using System;
using System.Globalization;
using System.Text;
using CsCheck;
using ImapPS.Client.Protocol;

namespace ImapPS.Client.Tests.Protocol
{
    public class ImapDateTests
    {
        private static readonly DateTimeOffset July17 = new DateTimeOffset(1996, 7, 17, 2, 44, 25, TimeSpan.FromHours(-7));

        [Theory]
        [InlineData("* 12 FETCH (INTERNALDATE \"17-Jul-1996 02:44:25 -0700\")")]
        [InlineData("* 12 FETCH (UID 4 INTERNALDATE \"17-Jul-1996 02:44:25 -0700\" FLAGS (\\Seen))")]
        [InlineData("INTERNALDATE \"17-Jul-1996 02:44:25 -0700\"")]
        [InlineData("\"17-Jul-1996 02:44:25 -0700\"")]
        [InlineData("17-Jul-1996 02:44:25 -0700")]
        [InlineData("  17-Jul-1996 02:44:25 -0700\r\n")]
        [InlineData("17-JUL-1996 02:44:25 -0700")]
        [InlineData("17-jul-1996 02:44:25 -0700")]
        // The last INTERNALDATE that parses wins, as with imaplib2's greedy '.*'.
        [InlineData("INTERNALDATE \"01-Jan-2000 00:00:00 +0000\" INTERNALDATE \"17-Jul-1996 02:44:25 -0700\"")]
        [InlineData("INTERNALDATE \"17-Jul-1996 02:44:25 -0700\" INTERNALDATE \"bogus\"")]
        public void ParsesInternalDateForms(string input)
        {
            DateTimeOffset? parsed = ImapDate.Internaldate2Time(input);
            Assert.Equal(July17, parsed);
            Assert.Equal(July17.Offset, parsed!.Value.Offset);
            Assert.Equal(July17, ImapDate.Internaldate2Time(Encoding.ASCII.GetBytes(input)));
        }

        [Theory]
        [InlineData("\" 7-Jul-1996 02:44:25 +0000\"", 7)]
        [InlineData("INTERNALDATE \" 7-Jul-1996 02:44:25 +0000\"", 7)]
        [InlineData(" 7-Jul-1996 02:44:25 +0000", 7)]
        [InlineData("7-Jul-1996 02:44:25 +0000", 7)]
        [InlineData("07-Jul-1996 02:44:25 +0000", 7)]
        [InlineData("29-Feb-2024 02:44:25 +0000", 29)]
        public void DayMayHaveALeadingSpaceOrZero(string input, int day)
        {
            Assert.Equal(day, ImapDate.Internaldate2Time(input)!.Value.Day);
        }

        [Theory]
        [InlineData("17-Jul-1996 02:44:25 +0530", 5, 30)]
        [InlineData("17-Jul-1996 02:44:25 -0330", -3, -30)]
        [InlineData("17-Jul-1996 02:44:25 +1400", 14, 0)]
        [InlineData("17-Jul-1996 02:44:25 -1200", -12, 0)]
        [InlineData("17-Jul-1996 02:44:25 +0000", 0, 0)]
        public void KeepsTheServersOffset(string input, int hours, int minutes)
        {
            Assert.Equal(new TimeSpan(hours, minutes, 0), ImapDate.Internaldate2Time(input)!.Value.Offset);
        }

        [Theory]
        [InlineData("")]
        [InlineData("garbage")]
        [InlineData("INTERNALDATE \"bogus\"")]
        [InlineData("INTERNALDATE 17-Jul-1996 02:44:25 -0700")]
        [InlineData("\"17-Jul-1996 02:44:25 -0700")]
        [InlineData("17-Jul-1996 02:44:25")]
        [InlineData("17-Jul-1996 02:44 -0700")]
        [InlineData("32-Jul-1996 02:44:25 -0700")]
        [InlineData("00-Jul-1996 02:44:25 -0700")]
        [InlineData("29-Feb-2023 02:44:25 -0700")]
        [InlineData("17-Foo-1996 02:44:25 -0700")]
        [InlineData("17-Jul-96 02:44:25 -0700")]
        [InlineData("17-Jul-1996 24:00:00 -0700")]
        [InlineData("17-Jul-1996 02:60:25 -0700")]
        [InlineData("17-Jul-1996 02:44:60 -0700")]
        [InlineData("17-Jul-1996 02:44:25 +0060")]
        [InlineData("17-Jul-1996 02:44:25 +1500")]
        [InlineData("17-Jul-1996 02:44:25 0700")]
        [InlineData("17-Jul-1996 02:44:25 -0700 trailing")]
        [InlineData("17-Jul-1996  02:44:25 -0700")]
        [InlineData("01-Jan-0001 00:00:00 +0100")]
        [InlineData("17-Jul-1996 02:44:25 -07\u00e900")]
        public void MalformedInputGivesNull(string input)
        {
            Assert.Null(ImapDate.Internaldate2Time(input));
            Assert.Null(ImapDate.Internaldate2Time(Encoding.UTF8.GetBytes(input)));
        }

        [Theory]
        [InlineData(1996, 7, 17, 2, 44, 25, -420, "\"17-Jul-1996 02:44:25 -0700\"")]
        [InlineData(2024, 2, 1, 23, 5, 9, 330, "\"01-Feb-2024 23:05:09 +0530\"")]
        [InlineData(2024, 12, 31, 0, 0, 0, 0, "\"31-Dec-2024 00:00:00 +0000\"")]
        [InlineData(1, 1, 1, 0, 0, 0, 0, "\"01-Jan-0001 00:00:00 +0000\"")]
        [InlineData(2020, 6, 30, 12, 0, 0, -210, "\"30-Jun-2020 12:00:00 -0330\"")]
        [InlineData(2020, 6, 30, 12, 0, 0, -30, "\"30-Jun-2020 12:00:00 -0030\"")]
        public void FormatsDateTimeOffsetInItsOwnOffset(int year, int month, int day, int hour, int minute, int second, int offsetMinutes, string expected)
        {
            var value = new DateTimeOffset(year, month, day, hour, minute, second, TimeSpan.FromMinutes(offsetMinutes));
            Assert.Equal(expected, ImapDate.Time2Internaldate(value));
        }

        [Fact]
        public void FormatsUtcDateTimeWithZeroOffset()
        {
            Assert.Equal("\"17-Jul-1996 09:44:25 +0000\"", ImapDate.Time2Internaldate(new DateTime(1996, 7, 17, 9, 44, 25, DateTimeKind.Utc)));
        }

        [Theory]
        [InlineData(DateTimeKind.Local)]
        [InlineData(DateTimeKind.Unspecified)]
        public void FormatsLocalAndUnspecifiedDateTimeWithTheLocalOffset(DateTimeKind kind)
        {
            var value = new DateTime(2021, 3, 4, 5, 6, 7, kind);
            TimeSpan offset = TimeZoneInfo.Local.GetUtcOffset(DateTime.SpecifyKind(value, DateTimeKind.Local));
            string expected = ImapDate.Time2Internaldate(new DateTimeOffset(DateTime.SpecifyKind(value, DateTimeKind.Unspecified), offset));
            Assert.Equal(expected, ImapDate.Time2Internaldate(value));
            Assert.StartsWith("\"04-Mar-2021 05:06:07 ", ImapDate.Time2Internaldate(value));
        }

        [Theory]
        [InlineData(0d, "\"01-Jan-1970 00:00:00 +0000\"")]
        [InlineData(1.9d, "\"01-Jan-1970 00:00:01 +0000\"")]
        [InlineData(-1d, "\"31-Dec-1969 23:59:59 +0000\"")]
        [InlineData(-0.5d, "\"31-Dec-1969 23:59:59 +0000\"")]
        [InlineData(837596665d, "\"17-Jul-1996 09:44:25 +0000\"")]
        public void FormatsEpochSeconds(double seconds, string expected)
        {
            Assert.Equal(expected, ImapDate.Time2Internaldate(seconds, TimeZoneInfo.Utc));
        }

        [Fact]
        public void FormatsEpochSecondsInTheGivenAndTheLocalZone()
        {
            var zone = TimeZoneInfo.CreateCustomTimeZone("Test-0330", TimeSpan.FromMinutes(-210), "Test", "Test");
            Assert.Equal("\"17-Jul-1996 06:14:25 -0330\"", ImapDate.Time2Internaldate(837596665d, zone));
            string local = ImapDate.Time2Internaldate(837596665d);
            Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(837596665), ImapDate.Internaldate2Time(local));
            Assert.Equal(TimeZoneInfo.Local.GetUtcOffset(DateTimeOffset.FromUnixTimeSeconds(837596665)), ImapDate.Internaldate2Time(local)!.Value.Offset);
        }

        [Theory]
        [InlineData(double.NaN)]
        [InlineData(double.PositiveInfinity)]
        [InlineData(1e13)]
        [InlineData(-1e12)]
        public void RejectsEpochSecondsOutOfRange(double seconds)
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => ImapDate.Time2Internaldate(seconds, TimeZoneInfo.Utc));
        }

        [Fact]
        public void PassesThroughStringsAlreadyInInternalDateForm()
        {
            const string quoted = "\"17-Jul-1996 02:44:25 -0700\"";
            Assert.Same(quoted, ImapDate.Time2Internaldate(quoted));
            Assert.Equal(quoted, ImapDate.Time2Internaldate("17-Jul-1996 02:44:25 -0700"));
            Assert.Throws<ArgumentException>(() => ImapDate.Time2Internaldate("\"yesterday\""));
            Assert.Throws<ArgumentException>(() => ImapDate.Time2Internaldate("INTERNALDATE \"17-Jul-1996 02:44:25 -0700\""));
            Assert.Throws<ArgumentException>(() => ImapDate.Time2Internaldate(""));
        }

        [Theory]
        [InlineData(2024, 2, 1, "1-Feb-2024")]
        [InlineData(2024, 12, 31, "31-Dec-2024")]
        [InlineData(999, 5, 9, "9-May-0999")]
        public void FormatsSearchDates(int year, int month, int day, string expected)
        {
            Assert.Equal(expected, ImapDate.FormatSearchDate(new DateTime(year, month, day, 23, 59, 59)));
            Assert.Equal(expected, ImapDate.FormatSearchDate(new DateTimeOffset(year, month, day, 23, 59, 59, TimeSpan.FromHours(-9))));
        }

        [Theory]
        [InlineData("de-DE")]
        [InlineData("th-TH")]   // Buddhist calendar: year 2539 if the culture were consulted
        [InlineData("ar-SA")]   // Um Al-Qura calendar, Arabic month names
        [InlineData("fa-IR")]   // Persian calendar and digits
        [InlineData("tr-TR")]   // dotted/dotless i in case conversions
        public void IgnoresTheCurrentCulture(string culture)
        {
            CultureInfo saved = CultureInfo.CurrentCulture;
            CultureInfo savedUi = CultureInfo.CurrentUICulture;
            try
            {
                CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = new CultureInfo(culture);
                Assert.Equal("\"17-Jul-1996 02:44:25 -0700\"", ImapDate.Time2Internaldate(July17));
                Assert.Equal("\"17-Jul-1996 09:44:25 +0000\"", ImapDate.Time2Internaldate(837596665d, TimeZoneInfo.Utc));
                Assert.Equal("17-Jul-1996", ImapDate.FormatSearchDate(July17));
                Assert.Equal(July17, ImapDate.Internaldate2Time("INTERNALDATE \"17-JUL-1996 02:44:25 -0700\""));
                Assert.Equal(new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero), ImapDate.Internaldate2Time("01-jan-2020 00:00:00 +0000"));
            }
            finally
            {
                CultureInfo.CurrentCulture = saved;
                CultureInfo.CurrentUICulture = savedUi;
            }
        }

        [Fact]
        public void FormattedDatesRoundTrip()
        {
            Gen.Select(
                    Gen.Long[new DateTime(1, 1, 2).Ticks, new DateTime(9999, 12, 30).Ticks],
                    Gen.Int[-14 * 60, 14 * 60])
                .Sample((ticks, offsetMinutes) =>
                {
                    var value = new DateTimeOffset(ticks - ticks % TimeSpan.TicksPerSecond, TimeSpan.FromMinutes(offsetMinutes));
                    string formatted = ImapDate.Time2Internaldate(value);
                    DateTimeOffset? parsed = ImapDate.Internaldate2Time(formatted);
                    Assert.Equal(value, parsed);
                    Assert.Equal(value.Offset, parsed!.Value.Offset);
                    Assert.Equal(value.DateTime, parsed.Value.DateTime);
                }, iter: 5000);
        }
    }
}
