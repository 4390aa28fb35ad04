using System;
using System.Collections.Generic;

namespace ImapPS.Testing
{
    /// <summary>
    /// A message to put into a mailbox with <see cref="DovecotServer.SeedMaildir"/>: the raw RFC 5322
    /// bytes, the flags and INTERNALDATE it should have, and (for generated messages) the header
    /// values the generator chose, so tests can assert against them without parsing.
    /// </summary>
    public sealed class SeedMessage
    {
        private static readonly string[] NoStrings = new string[0];

        /// <summary>Creates a seed message from raw bytes.</summary>
        /// <param name="bytes">The whole message, header and body, ideally with CRLF line ends.</param>
        /// <param name="flags">System flags such as <c>\Seen</c>; keywords are not supported by maildir seeding.</param>
        /// <param name="internalDate">The INTERNALDATE; defaults to the time of creation.</param>
        public SeedMessage(byte[] bytes, IEnumerable<string>? flags = null, DateTimeOffset? internalDate = null)
        {
            Bytes = bytes ?? throw new ArgumentNullException(nameof(bytes));
            Flags = flags == null ? NoStrings : new List<string>(flags).ToArray();
            InternalDate = internalDate ?? DateTimeOffset.UtcNow;
        }

        /// <summary>The raw message.</summary>
        public byte[] Bytes { get; }

        /// <summary>The size in bytes, which is also the RFC822.SIZE Dovecot reports for CRLF messages.</summary>
        public int Size => Bytes.Length;

        /// <summary>IMAP system flags, e.g. <c>\Seen</c>, <c>\Flagged</c>.</summary>
        public IReadOnlyList<string> Flags { get; }

        /// <summary>The INTERNALDATE the message gets (maildir stores it as the file's mtime).</summary>
        public DateTimeOffset InternalDate { get; }

        /// <summary>The decoded Subject, when known.</summary>
        public string? Subject { get; set; }

        /// <summary>The From address (addr-spec, e.g. <c>boss@example.com</c>), when known.</summary>
        public string? From { get; set; }

        /// <summary>The From display name, when known and present.</summary>
        public string? FromName { get; set; }

        /// <summary>The To addresses (addr-specs), when known.</summary>
        public IReadOnlyList<string> To { get; set; } = NoStrings;

        /// <summary>The Cc addresses (addr-specs), when known.</summary>
        public IReadOnlyList<string> Cc { get; set; } = NoStrings;

        /// <summary>The Message-ID including angle brackets, when known.</summary>
        public string? MessageId { get; set; }

        /// <summary>The In-Reply-To message id including angle brackets, or null for a thread root.</summary>
        public string? InReplyTo { get; set; }

        /// <summary>The top-level media type, e.g. <c>multipart/mixed</c>, when known.</summary>
        public string? ContentType { get; set; }

        /// <summary>The number of attachment parts, when known.</summary>
        public int AttachmentCount { get; set; }

        /// <summary>
        /// <paramref name="count"/> plain messages numbered from <paramref name="first"/> ("message N",
        /// a unique Message-ID, CRLF line ends), made in bulk for large mailboxes (20,000 in well under a
        /// second, where a PowerShell loop takes tens). Each message whose number is a multiple of
        /// <paramref name="largeEvery"/> (0: none) gets a body of about <paramref name="largeBytes"/> bytes.
        /// </summary>
        public static SeedMessage[] Numbered(int first, int count, int largeEvery = 0, int largeBytes = 0)
        {
            if (count < 0) throw new ArgumentOutOfRangeException(nameof(count));
            var result = new SeedMessage[count];
            var date = new DateTimeOffset(2025, 1, 6, 10, 0, 0, TimeSpan.Zero);
            string filler = new string('x', 76) + "\r\n";
            for (int i = 0; i < count; i++)
            {
                int n = first + i;
                var text = new System.Text.StringBuilder(256);
                text.Append("From: sender").Append(n).Append("@example.com\r\nTo: rcpt@example.com\r\nSubject: message ").Append(n)
                    .Append("\r\nDate: Mon, 06 Jan 2025 10:00:00 +0000\r\nMessage-ID: <m").Append(n).Append('.').Append(Guid.NewGuid().ToString("N"))
                    .Append("@test.example>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n");
                if (largeEvery > 0 && n % largeEvery == 0)
                    for (int b = 0; b < largeBytes; b += filler.Length) text.Append(filler);
                else
                    text.Append("Body of message ").Append(n).Append(".\r\n");
                result[i] = new SeedMessage(System.Text.Encoding.ASCII.GetBytes(text.ToString()), null, date.AddMinutes(n)) { Subject = "message " + n };
            }
            return result;
        }

        /// <summary>Whether <see cref="Flags"/> contains the flag (case-insensitive, as IMAP compares flags).</summary>
        public bool HasFlag(string flag)
        {
            foreach (string f in Flags)
            {
                if (string.Equals(f, flag, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }

            return false;
        }

        /// <inheritdoc />
        public override string ToString() => $"{MessageId ?? "(no id)"} {Subject} ({Size} bytes)";
    }
}
