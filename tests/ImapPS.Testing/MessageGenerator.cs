using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace ImapPS.Testing
{
    /// <summary>The kinds of mailbox <see cref="MessageGenerator"/> can fill (see BENCHMARKS.md).</summary>
    public enum MessageProfile
    {
        /// <summary>
        /// Realistic mail: text/plain, multipart/alternative and multipart/mixed with base64
        /// attachments; mostly 2–20 KB with a long tail up to ~2 MB; reply chains; encoded-word and
        /// non-ASCII subjects; ~5 % "invoice" subjects; ~1/3 \Seen.
        /// </summary>
        Mixed,

        /// <summary>Small messages of 1–3 KB (text/plain and multipart/alternative) for scaling runs.</summary>
        Small,
    }

    /// <summary>
    /// Generates deterministic, realistic RFC 5322 messages (CRLF line ends): the same seed gives the
    /// same bytes on every run, runtime and platform.
    /// </summary>
    public sealed class MessageGenerator
    {
        private const int SmallMinBytes = 1024;
        private const int SmallMaxBytes = 3072;
        private const int RecentThreadWindow = 200;
        private const string Crlf = "\r\n";

        private static readonly string[] FirstNames =
        {
            "Alice", "Bob", "Carol", "David", "Erin", "Frank", "Grace", "Heidi", "Ivan", "Judy",
            "Mallory", "Niaj", "Olivia", "Peggy", "Rupert", "Sybil", "Trent", "Victor", "Walter", "Yolanda",
        };

        private static readonly string[] LastNames =
        {
            "Smith", "Jones", "Taylor", "Brown", "Wilson", "Evans", "Thomas", "Roberts", "Walker", "Wright",
            "Hughes", "Green", "Hall", "Wood", "Clarke", "Harris", "Lewis", "Young", "King", "Baker",
        };

        private static readonly string[][] NonAsciiPeople =
        {
            new[] { "José Álvarez", "jose.alvarez" }, new[] { "Zoë Müller", "zoe.mueller" },
            new[] { "Łukasz Wójcik", "lukasz.wojcik" }, new[] { "Søren Kierkegård", "soren.k" },
            new[] { "François Lefèvre", "francois.lefevre" }, new[] { "李雷", "li.lei" },
            new[] { "Ольга Иванова", "olga.ivanova" }, new[] { "Αλέξανδρος Παππάς", "alexandros" },
            new[] { "Ñandú Pérez", "nandu" }, new[] { "Björk Guðmundsdóttir", "bjork" },
        };

        private static readonly string[] Domains =
        {
            "example.com", "example.org", "example.net", "mail.example.com", "corp.example",
            "lists.example.org", "research.example.edu", "shop.example",
        };

        private static readonly string[] Words =
        {
            "the", "project", "meeting", "schedule", "review", "draft", "update", "please", "team", "budget",
            "timeline", "customer", "release", "feedback", "question", "proposal", "agenda", "notes", "server",
            "deadline", "contract", "design", "document", "plan", "quarter", "results", "report", "and", "with",
            "for", "about", "next", "week", "this", "that", "we", "should", "could", "would", "will", "have",
            "been", "discuss", "confirm", "attached", "changes", "version", "issue", "fixed", "tests", "deploy",
            "morning", "afternoon", "thanks", "regards", "kind", "team", "office", "travel", "call", "sync",
            "numbers", "forecast", "approval", "details", "options", "summary", "priority", "action", "items",
            "follow", "up", "on", "in", "to", "of", "a", "is", "are", "it", "our", "your", "their", "from",
        };

        private static readonly string[] NonAsciiWords =
        {
            "café", "naïve", "Grüße", "Straße", "résumé", "façade", "smörgåsbord", "日本語", "данные", "λόγος", "déjà vu",
        };

        private static readonly string[] Projects =
        {
            "Apollo", "Borealis", "Cobalt", "Delta", "Ember", "Falcon", "Granite", "Helios", "Ion", "Juniper",
        };

        private static readonly string[] Weekdays = { "Monday", "Tuesday", "Wednesday", "Thursday", "Friday" };

        private static readonly string[] Months =
        {
            "January", "February", "March", "April", "May", "June",
            "July", "August", "September", "October", "November", "December",
        };

        private static readonly string[] AsciiSubjectTemplates =
        {
            "Review the {noun} for {project}", "Meeting notes: {project} {weekday}", "Question about the {noun}",
            "{project} status update", "Lunch on {weekday}?", "Quarterly {noun} review", "[{project}-dev] {noun} changes",
            "Fwd: {noun} for {month}", "Reminder: {noun} due {weekday}", "Draft {noun} v{num}", "Can we move the {project} sync?",
            "Build {num} failed on {project}", "Welcome to the {project} team", "Travel plans for {month}",
        };

        private static readonly string[] InvoiceSubjectTemplates =
        {
            "Invoice {num} for {project}", "Your invoice #{num} is ready", "Overdue invoice {num}",
            "Invoice {num} ({month})", "Question about invoice {num}", "Corrected invoice for {project}",
        };

        private static readonly string[] NonAsciiSubjectTemplates =
        {
            "Café meeting on {weekday}", "Grüße aus Zürich", "Résumé for {project}", "Überprüfung der {noun}",
            "日本語のテスト {num}", "Отчёт за {month}", "Ζήτημα {num}", "Smörgåsbord on {weekday}",
            "Release {num} ✅ shipped", "Naïve façade of the {noun}", "Año nuevo: {project} plans", "Ein schöner Tag",
        };

        private static readonly string[] Nouns =
        {
            "budget", "roadmap", "contract", "design", "forecast", "proposal", "schedule", "report", "slides", "survey",
        };

        private static readonly string[][] AttachmentTypes =
        {
            new[] { "application/pdf", "report-{0}.pdf" }, new[] { "image/png", "photo-{0}.png" },
            new[] { "image/jpeg", "IMG_{0}.jpg" }, new[] { "application/zip", "archive-{0}.zip" },
            new[] { "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "budget-{0}.xlsx" },
            new[] { "text/csv", "data-{0}.csv" }, new[] { "application/octet-stream", "dump-{0}.bin" },
        };

        private static readonly string[] TimeZones = { "+0000", "+0100", "+0200", "-0500", "-0800", "+0530", "+0900" };
        private static readonly string[] DayNames = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
        private static readonly string[] MonthNames = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

        // Size buckets of the Mixed profile in per-mille: ~88 % at 2–20 KB, then a tail up to 2 MB.
        private static readonly int[][] MixedSizeBuckets =
        {
            new[] { 300, 2_048, 5_120 }, new[] { 330, 5_120, 10_240 }, new[] { 250, 10_240, 20_480 },
            new[] { 60, 20_480, 51_200 }, new[] { 40, 51_200, 204_800 }, new[] { 13, 204_800, 716_800 },
            new[] { 7, 716_800, 2_097_152 },
        };

        private readonly DeterministicRandom random;
        private readonly Person[] people;
        private readonly List<ThreadEntry> recent = new List<ThreadEntry>();
        private DateTimeOffset clock;
        private bool clockStarted;
        private int index;

        /// <summary>Creates a generator; equal seeds produce equal message sequences.</summary>
        public MessageGenerator(int seed = 1)
        {
            Seed = seed;
            random = new DeterministicRandom(unchecked((ulong)seed) ^ 0x1A4D_5053_0000_0001UL);
            people = CreatePeople(random);
        }

        /// <summary>The seed this generator was created with.</summary>
        public int Seed { get; }

        /// <summary>The INTERNALDATE of the first message; later ones follow at 1–90 minute gaps.</summary>
        public DateTimeOffset StartDate { get; set; } = new DateTimeOffset(2025, 1, 6, 8, 0, 0, TimeSpan.Zero);

        /// <summary>
        /// Caps each attachment's decoded size (for quick demos); null keeps the profile's sizes.
        /// Changing it changes the generated bytes, not the sequence of other choices.
        /// </summary>
        public int? MaxAttachmentBytes { get; set; }

        /// <summary>How many messages this generator has produced.</summary>
        public int Count => index;

        /// <summary>Generates <paramref name="count"/> messages lazily.</summary>
        public IEnumerable<SeedMessage> Generate(MessageProfile profile, int count)
        {
            if (count < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(count));
            }

            for (int i = 0; i < count; i++)
            {
                yield return Next(profile);
            }
        }

        /// <summary>Generates the next message.</summary>
        public SeedMessage Next(MessageProfile profile)
        {
            if (!clockStarted)
            {
                clock = StartDate;
                clockStarted = true;
            }
            else
            {
                clock = clock.AddSeconds(random.Next(60, 5_400));
            }

            index++;
            var message = new Draft();
            message.Sender = random.Pick(people);
            message.To = PickRecipients(message.Sender, random.Next(1, 4));
            message.Cc = random.Chance(400) ? PickRecipients(message.Sender, random.Next(1, 4)) : new List<Person>();
            message.Date = clock.AddSeconds(-random.Next(1, 120)).ToOffset(message.Sender.Offset);
            message.MessageId = string.Format(
                CultureInfo.InvariantCulture,
                "<{0:yyyyMMddHHmmss}.{1:x8}.{2}@{3}>",
                message.Date.UtcDateTime,
                (uint)random.NextUInt64(),
                index,
                message.Sender.Domain);
            ChooseSubject(message);

            var flags = new List<string>();
            if (random.Chance(333))
            {
                flags.Add("\\Seen");
            }

            if (random.Chance(40))
            {
                flags.Add("\\Flagged");
            }

            if (random.Chance(80))
            {
                flags.Add("\\Answered");
            }

            int target = profile == MessageProfile.Small
                ? random.Next(SmallMinBytes + 100, SmallMaxBytes - 100)
                : MixedTargetSize();
            byte[] bytes = Render(message, profile, target);
            if (profile == MessageProfile.Small)
            {
                // Headers vary a lot in size (recipients, encoded words); correct the body until the
                // whole message lies inside the profile's range.
                for (int attempt = 0; attempt < 4 && (bytes.Length < SmallMinBytes || bytes.Length > SmallMaxBytes); attempt++)
                {
                    int goal = (SmallMinBytes + SmallMaxBytes) / 2;
                    target += goal - bytes.Length;
                    message.AttachmentCount = 0;
                    bytes = Render(message, profile, target);
                }
            }

            recent.Add(new ThreadEntry(message.BaseSubject, message.SubjectStyle, message.MessageId, message.References, message.IsInvoice));
            if (recent.Count > RecentThreadWindow)
            {
                recent.RemoveAt(0);
            }

            return new SeedMessage(bytes, flags, clock)
            {
                Subject = message.Subject,
                From = message.Sender.Address,
                FromName = message.Sender.Name,
                To = message.To.Select(p => p.Address).ToArray(),
                Cc = message.Cc.Select(p => p.Address).ToArray(),
                MessageId = message.MessageId,
                InReplyTo = message.InReplyTo,
                ContentType = message.ContentType,
                AttachmentCount = message.AttachmentCount,
            };
        }

        private static Person[] CreatePeople(DeterministicRandom random)
        {
            var result = new List<Person>
            {
                new Person("Pat Boss", "boss", "example.com", "+0100", quoteName: false),
            };

            for (int i = 0; i < 50; i++)
            {
                string first = random.Pick(FirstNames);
                string last = random.Pick(LastNames);
                string domain = random.Pick(Domains);
                bool lastFirst = random.Chance(100);
                string name = lastFirst ? last + ", " + first : first + " " + last;
                string local = (first + "." + last).ToLowerInvariant() + (i >= 20 ? i.ToString(CultureInfo.InvariantCulture) : string.Empty);
                result.Add(new Person(name, local, domain, random.Pick(TimeZones), quoteName: lastFirst));
            }

            foreach (string[] person in NonAsciiPeople)
            {
                result.Add(new Person(person[0], person[1], random.Pick(Domains), random.Pick(TimeZones), quoteName: false));
            }

            // A few senders with no display name at all.
            result.Add(new Person(null, "noreply", "shop.example", "+0000", quoteName: false));
            result.Add(new Person(null, "builds", "ci.example.org", "+0000", quoteName: false));
            return result.ToArray();
        }

        private List<Person> PickRecipients(Person sender, int count)
        {
            var chosen = new List<Person>();
            while (chosen.Count < count)
            {
                Person p = random.Pick(people);
                if (p != sender && !chosen.Contains(p))
                {
                    chosen.Add(p);
                }
            }

            return chosen;
        }

        private void ChooseSubject(Draft message)
        {
            // A reply inherits its thread's subject, so the invoice share stays that of the roots.
            if (recent.Count > 0 && random.Chance(300))
            {
                ThreadEntry parent = recent[recent.Count - 1 - random.Next(recent.Count)];
                message.BaseSubject = parent.BaseSubject;
                message.SubjectStyle = parent.Style;
                message.IsInvoice = parent.IsInvoice;
                message.InReplyTo = parent.MessageId;
                var references = new List<string>(parent.References.Skip(Math.Max(0, parent.References.Count - 9)));
                references.Add(parent.MessageId);
                message.References = references;
                message.Subject = "Re: " + parent.BaseSubject;
                return;
            }

            message.References = new List<string>();
            int roll = random.Next(1000);
            if (roll < 50)
            {
                message.IsInvoice = true;
                message.BaseSubject = FillTemplate(random.Pick(InvoiceSubjectTemplates));
                message.SubjectStyle = SubjectStyle.Plain;
            }
            else if (roll < 180)
            {
                message.BaseSubject = FillTemplate(random.Pick(NonAsciiSubjectTemplates));
                int style = random.Next(100);
                bool latin1 = message.BaseSubject.All(c => c <= 0xFF);
                message.SubjectStyle = style < 10 ? SubjectStyle.RawUtf8
                    : latin1 && style < 35 ? SubjectStyle.Latin1Q
                    : style < 65 ? SubjectStyle.Utf8B
                    : SubjectStyle.Utf8Q;
            }
            else
            {
                message.BaseSubject = FillTemplate(random.Pick(AsciiSubjectTemplates));
                message.SubjectStyle = SubjectStyle.Plain;
            }

            message.Subject = message.BaseSubject;
        }

        private string FillTemplate(string template)
        {
            return template
                .Replace("{project}", random.Pick(Projects))
                .Replace("{weekday}", random.Pick(Weekdays))
                .Replace("{month}", random.Pick(Months))
                .Replace("{noun}", random.Pick(Nouns))
                .Replace("{num}", random.Next(100, 99_999).ToString(CultureInfo.InvariantCulture));
        }

        private int MixedTargetSize()
        {
            int roll = random.Next(1000);
            foreach (int[] bucket in MixedSizeBuckets)
            {
                if (roll < bucket[0])
                {
                    return random.Next(bucket[1], bucket[2]);
                }

                roll -= bucket[0];
            }

            return random.Next(2_048, 20_480);
        }

        private byte[] Render(Draft message, MessageProfile profile, int target)
        {
            var header = new StringBuilder();
            AppendHeader(header, "Date", FormatDate(message.Date));
            AppendHeader(header, "From", FormatAddress(message.Sender));
            AppendHeader(header, "To", string.Join(", ", message.To.Select(FormatAddress)));
            if (message.Cc.Count > 0)
            {
                AppendHeader(header, "Cc", string.Join(", ", message.Cc.Select(FormatAddress)));
            }

            AppendHeader(header, "Subject", EncodeSubject(message.Subject, message.SubjectStyle));
            AppendHeader(header, "Message-ID", message.MessageId);
            if (message.InReplyTo != null)
            {
                AppendHeader(header, "In-Reply-To", message.InReplyTo);
                AppendHeader(header, "References", string.Join(" ", message.References));
            }

            AppendHeader(header, "MIME-Version", "1.0");

            bool nonAsciiBody = message.SubjectStyle != SubjectStyle.Plain && random.Chance(700);
            int remaining = Math.Max(300, target - Utf8Length(header) - 150);
            int kind = random.Next(100);
            var body = new StringBuilder();
            if (profile == MessageProfile.Small)
            {
                if (kind < 85)
                {
                    message.ContentType = "text/plain";
                    AppendTextPart(header, body, remaining, nonAsciiBody, message.IsInvoice, html: false);
                }
                else
                {
                    message.ContentType = "multipart/alternative";
                    AppendAlternative(header, body, remaining - 250, nonAsciiBody, message.IsInvoice);
                }
            }
            else if (target <= 20_480 && kind < 45)
            {
                message.ContentType = "text/plain";
                AppendTextPart(header, body, remaining, nonAsciiBody, message.IsInvoice, html: false);
            }
            else if (target <= 20_480 && kind < 75)
            {
                message.ContentType = "multipart/alternative";
                AppendAlternative(header, body, remaining - 300, nonAsciiBody, message.IsInvoice);
            }
            else
            {
                message.ContentType = "multipart/mixed";
                message.AttachmentCount = AppendMixed(header, body, remaining, nonAsciiBody, message.IsInvoice);
            }

            string text = header.Append(Crlf).Append(body).ToString();
            return Encoding.UTF8.GetBytes(text);
        }

        private void AppendTextPart(StringBuilder header, StringBuilder body, int bytes, bool nonAscii, bool invoice, bool html)
        {
            AppendTextHeaders(header, nonAscii, html);
            AppendText(body, Math.Max(120, bytes), nonAscii, invoice, html);
        }

        private static void AppendTextHeaders(StringBuilder header, bool nonAscii, bool html)
        {
            AppendHeader(header, "Content-Type", (html ? "text/html" : "text/plain") + "; charset=" + (nonAscii ? "utf-8" : "us-ascii"));
            AppendHeader(header, "Content-Transfer-Encoding", nonAscii ? "quoted-printable" : "7bit");
        }

        private void AppendAlternative(StringBuilder header, StringBuilder body, int bytes, bool nonAscii, bool invoice)
        {
            string boundary = Boundary("alt");
            AppendHeader(header, "Content-Type", $"multipart/alternative; boundary=\"{boundary}\"");
            int plainBytes = Math.Max(120, bytes * 2 / 5);
            body.Append("--").Append(boundary).Append(Crlf);
            var partHeader = new StringBuilder();
            AppendTextHeaders(partHeader, nonAscii, html: false);
            body.Append(partHeader).Append(Crlf);
            AppendText(body, plainBytes, nonAscii, invoice, html: false);
            body.Append("--").Append(boundary).Append(Crlf);
            partHeader.Clear();
            AppendTextHeaders(partHeader, nonAscii, html: true);
            body.Append(partHeader).Append(Crlf);
            AppendText(body, Math.Max(160, bytes - plainBytes), nonAscii, invoice, html: true);
            body.Append("--").Append(boundary).Append("--").Append(Crlf);
        }

        private int AppendMixed(StringBuilder header, StringBuilder body, int bytes, bool nonAscii, bool invoice)
        {
            string boundary = Boundary("mixed");
            AppendHeader(header, "Content-Type", $"multipart/mixed; boundary=\"{boundary}\"");
            body.Append("This is a multi-part message in MIME format.").Append(Crlf);

            int textBytes = Math.Min(bytes / 3, random.Next(300, 2_500));
            body.Append("--").Append(boundary).Append(Crlf);
            var partHeader = new StringBuilder();
            if (random.Chance(400))
            {
                var inner = new StringBuilder();
                AppendAlternative(partHeader, inner, textBytes, nonAscii, invoice);
                body.Append(partHeader).Append(Crlf).Append(inner);
            }
            else
            {
                AppendTextHeaders(partHeader, nonAscii, html: false);
                body.Append(partHeader).Append(Crlf);
                AppendText(body, textBytes, nonAscii, invoice, html: false);
            }

            int attachments = random.Next(1, 4);
            // base64 turns 57 bytes into a 76-character line plus CRLF.
            int rawTotal = Math.Max(200, (bytes - textBytes - attachments * 250) * 57 / 78);
            for (int i = 0; i < attachments; i++)
            {
                int raw = i == attachments - 1 ? rawTotal : random.Next(rawTotal / 4 + 1, rawTotal / 2 + 2);
                rawTotal = Math.Max(100, rawTotal - raw);
                if (MaxAttachmentBytes.HasValue)
                {
                    raw = Math.Min(raw, Math.Max(1, MaxAttachmentBytes.Value));
                }

                AppendAttachment(body, boundary, raw, invoice && i == 0);
            }

            body.Append("--").Append(boundary).Append("--").Append(Crlf);
            return attachments;
        }

        private void AppendAttachment(StringBuilder body, string boundary, int rawBytes, bool invoicePdf)
        {
            string[] type = invoicePdf ? AttachmentTypes[0] : random.Pick(AttachmentTypes);
            string number = random.Next(1, 9_999).ToString(CultureInfo.InvariantCulture);
            string fileName = invoicePdf ? "INV-" + number + ".pdf" : string.Format(CultureInfo.InvariantCulture, type[1], number);
            bool nonAsciiName = random.Chance(60);
            string disposition;
            if (nonAsciiName)
            {
                fileName = "Résumé-" + fileName;
                // RFC 2231 for the disposition, plus the widespread encoded-word form in the name parameter.
                disposition = $"attachment;{Crlf} filename*=UTF-8''{PercentEncode(fileName)}";
            }
            else
            {
                disposition = $"attachment; filename=\"{fileName}\"";
            }

            var content = new byte[rawBytes];
            random.NextBytes(content, 0, content.Length);
            byte[] magic = type[0] == "application/pdf" ? Encoding.ASCII.GetBytes("%PDF-1.4\n")
                : type[0] == "image/png" ? new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }
                : new byte[0];
            Array.Copy(magic, content, Math.Min(magic.Length, content.Length));

            string nameParameter = "\"" + (nonAsciiName ? EncodeWords(fileName, SubjectStyle.Utf8B) : fileName) + "\"";
            body.Append("--").Append(boundary).Append(Crlf);
            body.Append("Content-Type: ").Append(type[0]).Append(";").Append(Crlf).Append(" name=").Append(nameParameter).Append(Crlf);
            body.Append("Content-Disposition: ").Append(disposition).Append(Crlf);
            body.Append("Content-Transfer-Encoding: base64").Append(Crlf).Append(Crlf);
            string base64 = Convert.ToBase64String(content);
            for (int i = 0; i < base64.Length; i += 76)
            {
                body.Append(base64, i, Math.Min(76, base64.Length - i)).Append(Crlf);
            }
        }

        private void AppendText(StringBuilder body, int bytes, bool nonAscii, bool invoice, bool html)
        {
            // Lines are counted as they will be written (quoted-printable when non-ASCII), so the
            // part lands close to the size asked for.
            int produced = 0;
            void Line(string text)
            {
                string encoded = nonAscii ? QuotedPrintable(text) : text;
                body.Append(encoded).Append(Crlf);
                produced += encoded.Length + 2;
            }

            if (html)
            {
                Line("<html><head><meta charset=\"utf-8\"></head><body>");
            }

            Line(html ? "<p>Hello,</p>" : "Hello,");
            Line(string.Empty);
            if (invoice)
            {
                string invoiceLine = "Please find invoice INV-" + random.Next(1_000, 99_999).ToString(CultureInfo.InvariantCulture) + " attached.";
                Line(html ? "<p>" + invoiceLine + "</p>" : invoiceLine);
                Line(string.Empty);
            }

            string closing = html ? "<p>Regards</p></body></html>" : "Regards";
            int budget = Math.Max(0, bytes - closing.Length - 2);
            bool full = false;
            while (!full && produced < budget)
            {
                string paragraph = Paragraph(nonAscii);
                List<string> wrapped = Wrap(html ? "<p>" + HtmlEscape(paragraph) + "</p>" : paragraph, 72);
                foreach (string line in wrapped)
                {
                    // Stop mid-paragraph rather than overshoot the size the profile asked for.
                    int length = (nonAscii ? QuotedPrintable(line).Length : line.Length) + 2;
                    if (produced + length + 2 > budget)
                    {
                        full = true;
                        break;
                    }

                    Line(line);
                }

                Line(string.Empty);
            }

            Line(closing);
        }

        private string Paragraph(bool nonAscii)
        {
            var text = new StringBuilder();
            int sentences = random.Next(2, 6);
            for (int s = 0; s < sentences; s++)
            {
                int words = random.Next(6, 16);
                for (int w = 0; w < words; w++)
                {
                    string word = nonAscii && random.Chance(80) ? random.Pick(NonAsciiWords) : random.Pick(Words);
                    if (w == 0)
                    {
                        word = char.ToUpperInvariant(word[0]) + word.Substring(1);
                    }

                    text.Append(word).Append(w == words - 1 ? ". " : " ");
                }
            }

            return text.ToString().TrimEnd();
        }

        private string Boundary(string kind) =>
            string.Format(CultureInfo.InvariantCulture, "=_imapps_{0}_{1}_{2:x8}", kind, index, (uint)random.NextUInt64());

        private static List<string> Wrap(string text, int width)
        {
            var lines = new List<string>();
            var line = new StringBuilder();
            foreach (string word in text.Split(' '))
            {
                if (line.Length > 0 && line.Length + 1 + word.Length > width)
                {
                    lines.Add(line.ToString());
                    line.Clear();
                }

                if (line.Length > 0)
                {
                    line.Append(' ');
                }

                line.Append(word);
            }

            if (line.Length > 0)
            {
                lines.Add(line.ToString());
            }

            return lines;
        }

        private static string HtmlEscape(string text) =>
            text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");

        /// <summary>Appends "Name: value" folded at spaces so no line exceeds 78 characters.</summary>
        private static void AppendHeader(StringBuilder header, string name, string value)
        {
            var line = new StringBuilder(name).Append(": ");
            int lineStart = 0;
            string[] tokens = value.Split(' ');
            for (int i = 0; i < tokens.Length; i++)
            {
                if (i > 0)
                {
                    if (line.Length - lineStart + 1 + tokens[i].Length > 78)
                    {
                        line.Append(Crlf);
                        lineStart = line.Length;
                    }

                    line.Append(' ');
                }

                line.Append(tokens[i]);
            }

            header.Append(line).Append(Crlf);
        }

        private static string FormatAddress(Person person)
        {
            if (person.Name == null)
            {
                return person.Address;
            }

            string name = person.Name.Any(c => c > 0x7e) ? EncodeWords(person.Name, SubjectStyle.Utf8Q)
                : person.QuoteName ? "\"" + person.Name + "\""
                : person.Name;
            return name + " <" + person.Address + ">";
        }

        private static string FormatDate(DateTimeOffset date)
        {
            TimeSpan offset = date.Offset;
            string sign = offset < TimeSpan.Zero ? "-" : "+";
            offset = offset.Duration();
            return string.Format(
                CultureInfo.InvariantCulture,
                "{0}, {1:00} {2} {3:0000} {4:00}:{5:00}:{6:00} {7}{8:00}{9:00}",
                DayNames[(int)date.DayOfWeek], date.Day, MonthNames[date.Month - 1], date.Year,
                date.Hour, date.Minute, date.Second, sign, offset.Hours, offset.Minutes);
        }

        private static string EncodeSubject(string subject, SubjectStyle style)
        {
            if (style == SubjectStyle.Plain || style == SubjectStyle.RawUtf8)
            {
                return subject;
            }

            // Keep a reply prefix readable, as mail clients do.
            if (subject.StartsWith("Re: ", StringComparison.Ordinal))
            {
                return "Re: " + EncodeWords(subject.Substring(4), style);
            }

            return EncodeWords(subject, style);
        }

        /// <summary>RFC 2047 encoded-words, split on character boundaries and separated by spaces.</summary>
        private static string EncodeWords(string text, SubjectStyle style)
        {
            Encoding encoding = style == SubjectStyle.Latin1Q ? Encoding.GetEncoding("ISO-8859-1") : Encoding.UTF8;
            string charset = style == SubjectStyle.Latin1Q ? "ISO-8859-1" : "UTF-8";
            bool base64 = style == SubjectStyle.Utf8B;
            var words = new List<string>();
            var chunk = new StringBuilder();
            var encodedChunk = new StringBuilder();
            int i = 0;
            while (i < text.Length)
            {
                int length = char.IsHighSurrogate(text[i]) && i + 1 < text.Length ? 2 : 1;
                string element = text.Substring(i, length);
                byte[] bytes = encoding.GetBytes(element);
                string encoded = base64 ? string.Empty : QEncode(bytes);
                int chunkBytes = encoding.GetByteCount(chunk.ToString());
                bool full = base64 ? chunkBytes + bytes.Length > 45 : encodedChunk.Length + encoded.Length > 60;
                if (full && chunk.Length > 0)
                {
                    words.Add(Word(charset, base64, encoding, chunk.ToString(), encodedChunk.ToString()));
                    chunk.Clear();
                    encodedChunk.Clear();
                }

                chunk.Append(element);
                encodedChunk.Append(encoded);
                i += length;
            }

            if (chunk.Length > 0)
            {
                words.Add(Word(charset, base64, encoding, chunk.ToString(), encodedChunk.ToString()));
            }

            return string.Join(" ", words);
        }

        private static string Word(string charset, bool base64, Encoding encoding, string text, string qEncoded) =>
            base64
                ? "=?" + charset + "?B?" + Convert.ToBase64String(encoding.GetBytes(text)) + "?="
                : "=?" + charset + "?Q?" + qEncoded + "?=";

        private static string QEncode(byte[] bytes)
        {
            var result = new StringBuilder();
            foreach (byte b in bytes)
            {
                if (b == (byte)' ')
                {
                    result.Append('_');
                }
                else if ((b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9'))
                {
                    result.Append((char)b);
                }
                else
                {
                    result.Append('=').Append(b.ToString("X2", CultureInfo.InvariantCulture));
                }
            }

            return result.ToString();
        }

        private static string PercentEncode(string text)
        {
            var result = new StringBuilder();
            foreach (byte b in Encoding.UTF8.GetBytes(text))
            {
                bool plain = (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9') || b == '-' || b == '.' || b == '_';
                result.Append(plain ? ((char)b).ToString() : "%" + b.ToString("X2", CultureInfo.InvariantCulture));
            }

            return result.ToString();
        }

        /// <summary>Quoted-printable for one line, with soft breaks keeping lines at most 76 characters.</summary>
        private static string QuotedPrintable(string line)
        {
            byte[] bytes = Encoding.UTF8.GetBytes(line);
            var result = new StringBuilder();
            int column = 0;
            for (int i = 0; i < bytes.Length; i++)
            {
                byte b = bytes[i];
                bool last = i == bytes.Length - 1;
                string piece = (b >= 33 && b <= 126 && b != (byte)'=') || ((b == (byte)' ' || b == (byte)'\t') && !last)
                    ? ((char)b).ToString()
                    : "=" + b.ToString("X2", CultureInfo.InvariantCulture);
                if (column + piece.Length > 75)
                {
                    result.Append('=').Append(Crlf);
                    column = 0;
                }

                result.Append(piece);
                column += piece.Length;
            }

            return result.ToString();
        }

        private static int Utf8Length(StringBuilder text) => Encoding.UTF8.GetByteCount(text.ToString());

        private enum SubjectStyle
        {
            Plain,
            RawUtf8,
            Utf8B,
            Utf8Q,
            Latin1Q,
        }

        private sealed class Person
        {
            public Person(string? name, string local, string domain, string zone, bool quoteName)
            {
                Name = name;
                Address = local + "@" + domain;
                Domain = domain;
                QuoteName = quoteName;
                int hours = int.Parse(zone.Substring(1, 2), CultureInfo.InvariantCulture);
                int minutes = int.Parse(zone.Substring(3, 2), CultureInfo.InvariantCulture);
                var offset = new TimeSpan(hours, minutes, 0);
                Offset = zone[0] == '-' ? offset.Negate() : offset;
            }

            public string? Name { get; }
            public string Address { get; }
            public string Domain { get; }
            public bool QuoteName { get; }
            public TimeSpan Offset { get; }
        }

        private sealed class Draft
        {
            public Person Sender = null!;
            public List<Person> To = null!;
            public List<Person> Cc = null!;
            public DateTimeOffset Date;
            public string MessageId = string.Empty;
            public string Subject = string.Empty;
            public string BaseSubject = string.Empty;
            public SubjectStyle SubjectStyle;
            public bool IsInvoice;
            public string? InReplyTo;
            public List<string> References = new List<string>();
            public string ContentType = "text/plain";
            public int AttachmentCount;
        }

        private sealed class ThreadEntry
        {
            public ThreadEntry(string baseSubject, SubjectStyle style, string messageId, List<string> references, bool isInvoice)
            {
                BaseSubject = baseSubject;
                Style = style;
                MessageId = messageId;
                References = references;
                IsInvoice = isInvoice;
            }

            public string BaseSubject { get; }
            public SubjectStyle Style { get; }
            public string MessageId { get; }
            public List<string> References { get; }
            public bool IsInvoice { get; }
        }
    }
}
