using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace ImapPS.Bench.Parser
{
    /// <summary>
    /// A deterministic, realistic <c>UID FETCH 1:* (UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE)</c>
    /// reply: a mix of plain, alternative and mixed-with-attachment messages, encoded and plain subjects,
    /// one to four recipients, the flag combinations a real mailbox has.
    /// </summary>
    internal static class FetchStream
    {
        private static readonly string[] Months = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
        private static readonly string[] Days = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };
        private static readonly string[] First = { "Alice", "Bob", "Carol", "Dave", "Eve", "Frank", "Grace", "Heidi", "Ivan", "Judy", "Mallory", "Oscar", "Peggy", "Trent", "Victor", "Walter" };
        private static readonly string[] Last = { "Smith", "Jones", "Miller", "Davis", "Garcia", "Wilson", "Moore", "Taylor", "Anderson", "Thomas", "Jackson", "White" };
        private static readonly string[] Hosts = { "example.com", "mail.example.org", "corp.example.net", "lists.example.edu", "gmail.com", "outlook.com" };
        private static readonly string[] Words = { "quarterly", "report", "meeting", "notes", "re:", "update", "project", "invoice", "schedule", "review", "draft", "final", "budget", "team", "lunch", "release", "build", "failed", "fixed", "status" };
        private static readonly string[][] FlagSets =
        {
            new[] { "\\Seen" }, new[] { "\\Seen" }, new[] { "\\Seen" }, new string[0], new[] { "\\Seen", "\\Answered" },
            new[] { "\\Seen", "\\Flagged" }, new[] { "\\Seen", "$Forwarded" }, new[] { "\\Seen", "\\Answered", "$Label1" }, new[] { "\\Recent" },
        };

        internal static byte[] Generate(int count)
        {
            var random = new Random(20240607);
            var sb = new StringBuilder(count * 1100);
            uint uid = 1000;
            for (int n = 1; n <= count; n++)
            {
                uid += (uint)random.Next(1, 4);
                var flags = FlagSets[random.Next(FlagSets.Length)];
                int day = random.Next(1, 29), month = random.Next(12), year = 2015 + random.Next(10);
                int h = random.Next(24), m = random.Next(60), s = random.Next(60);
                string zone = random.Next(3) == 0 ? "+0000" : random.Next(2) == 0 ? "-0700" : "+0200";
                sb.Append("* ").Append(n).Append(" FETCH (UID ").Append(uid).Append(" FLAGS (").Append(string.Join(" ", flags)).Append(") INTERNALDATE \"")
                  .Append(day.ToString("00", CultureInfo.InvariantCulture)).Append('-').Append(Months[month]).Append('-').Append(year).Append(' ')
                  .Append(h.ToString("00")).Append(':').Append(m.ToString("00")).Append(':').Append(s.ToString("00")).Append(' ').Append(zone).Append("\" RFC822.SIZE ");
                int shape = random.Next(10);
                int textSize = random.Next(200, 20000);
                int size = textSize + 900 + (shape >= 8 ? random.Next(10000, 400000) : 0);
                sb.Append(size).Append(" ENVELOPE (\"").Append(Days[random.Next(7)]).Append(", ").Append(day).Append(' ').Append(Months[month]).Append(' ').Append(year).Append(' ')
                  .Append(h.ToString("00")).Append(':').Append(m.ToString("00")).Append(':').Append(s.ToString("00")).Append(' ').Append(zone).Append("\" ");
                string subject = Subject(random);
                sb.Append(random.Next(5) == 0 ? "\"=?UTF-8?B?" + Convert.ToBase64String(Encoding.UTF8.GetBytes(subject + " \u00e4\u00f6\u00fc")) + "?=\"" : Quote(subject)).Append(' ');
                string from = Address(random);
                sb.Append('(').Append(from).Append(") (").Append(from).Append(") (").Append(from).Append(") (");
                int to = 1 + random.Next(random.Next(4) == 0 ? 4 : 1);
                for (int i = 0; i < to; i++) sb.Append(Address(random));
                sb.Append(") ");
                sb.Append(random.Next(4) == 0 ? "(" + Address(random) + ") " : "NIL ");
                sb.Append("NIL ");
                sb.Append(random.Next(3) == 0 ? "\"<" + random.Next() + "." + random.Next() + "@" + Hosts[random.Next(Hosts.Length)] + ">\" " : "NIL ");
                sb.Append("\"<").Append(random.Next()).Append('.').Append(uid).Append('@').Append(Hosts[random.Next(Hosts.Length)]).Append(">\") BODYSTRUCTURE ");
                string plain = "(\"text\" \"plain\" (\"charset\" \"utf-8\" \"format\" \"flowed\") NIL NIL \"quoted-printable\" " + textSize + " " + (textSize / 60) + " NIL NIL NIL NIL)";
                string html = "(\"text\" \"html\" (\"charset\" \"utf-8\") NIL NIL \"quoted-printable\" " + (textSize * 3) + " " + (textSize / 40) + " NIL NIL NIL NIL)";
                string boundary = "(\"boundary\" \"----=_Part_" + random.Next() + "_" + uid + "\")";
                if (shape < 5) { sb.Append(plain); }
                else if (shape < 8) { sb.Append('(').Append(plain).Append(html).Append(" \"alternative\" ").Append(boundary).Append(" NIL NIL NIL)"); }
                else
                {
                    sb.Append("((").Append(plain).Append(html).Append(" \"alternative\" ").Append(boundary).Append(" NIL NIL NIL)")
                      .Append("(\"application\" \"pdf\" (\"name\" \"report-").Append(uid).Append(".pdf\") NIL NIL \"base64\" ").Append(size - textSize).Append(" NIL (\"attachment\" (\"filename\" \"report-").Append(uid).Append(".pdf\")) NIL NIL)")
                      .Append(" \"mixed\" ").Append(boundary).Append(" NIL NIL NIL)");
                }
                sb.Append(")\r\n");
            }
            sb.Append("A0004 OK UID FETCH completed\r\n");
            return Encoding.UTF8.GetBytes(sb.ToString());
        }

        private static string Subject(Random random)
        {
            int words = 2 + random.Next(8);
            var parts = new string[words];
            for (int i = 0; i < words; i++) parts[i] = Words[random.Next(Words.Length)];
            return string.Join(" ", parts);
        }

        private static string Address(Random random)
        {
            string first = First[random.Next(First.Length)], last = Last[random.Next(Last.Length)];
            string name = random.Next(5) == 0 ? "NIL" : Quote(first + " " + last);
            return "(" + name + " NIL " + Quote((first + "." + last).ToLowerInvariant()) + " " + Quote(Hosts[random.Next(Hosts.Length)]) + ")";
        }

        /// <summary>The number of protocol tokens (atoms, numbers, strings, NILs, list openings) in the stream.</summary>
        internal static long CountTokens(byte[] data)
        {
            long tokens = 0;
            int i = 0;
            while (i < data.Length)
            {
                byte c = data[i];
                if (c == (byte)' ' || c == (byte)')' || c == (byte)'\r' || c == (byte)'\n') { i++; continue; }
                tokens++;
                if (c == (byte)'(') { i++; continue; }
                if (c == (byte)'"')
                {
                    i++;
                    while (i < data.Length && data[i] != (byte)'"') i += data[i] == (byte)'\\' ? 2 : 1;
                    i++;
                    continue;
                }
                while (i < data.Length && data[i] != (byte)' ' && data[i] != (byte)'(' && data[i] != (byte)')' && data[i] != (byte)'\r') i++;
            }
            return tokens;
        }

        private static string Quote(string s) => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
    }
}
