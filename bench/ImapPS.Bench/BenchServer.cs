using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Text;
using ImapPS.Testing;

namespace ImapPS.Bench;

/// <summary>Facts about a seeded mailbox that the workloads and the report need.</summary>
public sealed record MailboxInfo(string User, string Password, string Mailbox, int Count, long TotalBytes, int InvoiceCount, int SeenCount, int MaxBytes);

/// <summary>
/// The benchmark's own Dovecot: quota off (so APPEND is not dominated by recounting),
/// mail_fsync=never, enough processes for 200 sessions; users for each seeded mailbox.
/// </summary>
public sealed class BenchServer : IDisposable
{
    public const string Password = "benchpw";

    private BenchServer(DovecotServer server) => Server = server;

    public DovecotServer Server { get; }

    public string Host => Server.Host;

    public int Port => Server.ImapPort;

    public static BenchServer Start(int maxProcesses)
    {
        var options = DovecotOptions.ForBenchmarks();
        options.FsyncNever = true;
        options.DoveadmTimeout = TimeSpan.FromMinutes(10);
        // Dovecot's default_process_limit of 100 would refuse the 200-session IDLE run (one imap
        // process per session; imap-login runs one process per connection too).
        options.ExtraConfiguration =
            $"default_process_limit = {maxProcesses}\n" +
            $"default_client_limit = {maxProcesses * 4}\n" +
            "default_vsz_limit = 1G\n";
        return new BenchServer(DovecotServer.Start(options));
    }

    /// <summary>
    /// Writes <paramref name="count"/> generated messages into the user's maildir, force-resyncs,
    /// and runs one doveadm fetch of the envelope fields so Dovecot's cache holds them.
    /// </summary>
    public MailboxInfo Seed(string user, MessageProfile profile, int count, Action<string> log)
    {
        Server.AddUser(user, Password);
        var generator = new MessageGenerator(seed: 1);
        long total = 0;
        int invoices = 0, seen = 0, max = 0;
        var watch = Stopwatch.StartNew();
        IEnumerable<SeedMessage> Tracked()
        {
            foreach (SeedMessage m in generator.Generate(profile, count))
            {
                total += m.Size;
                max = Math.Max(max, m.Size);
                if (m.Subject != null && m.Subject.IndexOf("invoice", StringComparison.OrdinalIgnoreCase) >= 0) invoices++;
                if (m.HasFlag("\\Seen")) seen++;
                yield return m;
            }
        }

        Server.SeedMaildir(user, "INBOX", Tracked());
        log($"  seeded {count:N0} {profile} messages for {user} ({total / 1048576.0:F0} MB) in {watch.Elapsed.TotalSeconds:F1} s");
        watch.Restart();
        PreIndex(user, "INBOX");
        log($"  indexed (force-resync + envelope fetch) in {watch.Elapsed.TotalSeconds:F1} s");
        return new MailboxInfo(user, Password, "INBOX", count, total, invoices, seen, max);
    }

    /// <summary>Seeds one message of about <paramref name="bytes"/> bytes (a base64 attachment).</summary>
    public MailboxInfo SeedLarge(string user, int bytes)
    {
        Server.AddUser(user, Password);
        byte[] message = LargeMessage(bytes);
        Server.SeedMaildir(user, "INBOX", new[] { new SeedMessage(message) });
        PreIndex(user, "INBOX");
        return new MailboxInfo(user, Password, "INBOX", 1, message.Length, 0, 0, message.Length);
    }

    /// <summary>A user with an empty INBOX (IDLE runs, append target).</summary>
    public MailboxInfo AddEmptyUser(string user)
    {
        Server.AddUser(user, Password);
        Server.SeedMaildir(user, "INBOX", new SeedMessage[0]);
        return new MailboxInfo(user, Password, "INBOX", 0, 0, 0, 0, 0);
    }

    public void Dispose() => Server.Dispose();

    private void PreIndex(string user, string mailbox)
    {
        // SeedMaildir already ran force-resync; this fetch fills Dovecot's cache with what W1 asks for.
        Server.Doveadm("fetch", "-u", user, "uid flags date.received size.virtual imap.envelope", "mailbox", mailbox, "all");
    }

    private static byte[] LargeMessage(int bytes)
    {
        var header = "From: Big Sender <big@example.com>\r\nTo: bench@example.com\r\nSubject: A large message\r\n" +
                     "Date: Mon, 06 Jan 2025 08:00:00 +0000\r\nMessage-ID: <large@example.com>\r\nMIME-Version: 1.0\r\n" +
                     "Content-Type: application/octet-stream; name=\"large.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\n";
        var sb = new StringBuilder(bytes + 1024);
        sb.Append(header);
        // Deterministic base64 lines: 76 characters plus CRLF.
        var random = new Random(42);
        var raw = new byte[57];
        while (sb.Length < bytes)
        {
            random.NextBytes(raw);
            sb.Append(Convert.ToBase64String(raw)).Append("\r\n");
        }

        return Encoding.ASCII.GetBytes(sb.ToString());
    }
}
