using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using ImapPS.Client;
using ImapPS.Client.Protocol;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;

namespace ImapPS.Bench;

/// <summary>Connect, log in and select for each client kind: never timed.</summary>
public static class Clients
{
    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    public static async Task<Imap4Client> EngineAsync(string host, int port, MailboxInfo box, bool select = true, ImapClientOptions? options = null)
    {
        var client = await Imap4Client.ConnectAsync(host, port, options).ConfigureAwait(false);
        var login = await client.LoginAsync(box.User, box.Password).ConfigureAwait(false);
        if (!login.IsOk) throw new InvalidOperationException("Engine LOGIN failed: " + login.Text);
        if (select)
        {
            var r = await client.SelectAsync(box.Mailbox).ConfigureAwait(false);
            if (!r.IsOk) throw new InvalidOperationException("Engine SELECT failed: " + r.Text);
        }

        return client;
    }

    public static ImapClient MailKit(string host, int port, MailboxInfo box, FolderAccess access = FolderAccess.ReadWrite)
    {
        var client = new ImapClient { Timeout = (int)Timeout.TotalMilliseconds };
        client.Connect(host, port, SecureSocketOptions.None);
        client.Authenticate(box.User, box.Password);
        if (access != FolderAccess.None) client.Inbox.Open(access);
        return client;
    }

    public static Task<RawImap> RawAsync(string host, int port, MailboxInfo box, bool select = true)
        => RawImap.LoginAsync(host, port, box.User, box.Password, select ? box.Mailbox : null, Timeout);

    public static async Task CloseAsync(Imap4Client client)
    {
        try
        {
            await client.LogoutAsync().WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Closing only; the numbers are taken.
        }

        client.Dispose();
    }

    public static void Close(ImapClient client)
    {
        try
        {
            client.Disconnect(true);
        }
        catch (Exception)
        {
            // Closing only.
        }

        client.Dispose();
    }

    /// <summary>A compact UID set ("1:3,7,9:12") for a sorted list.</summary>
    public static string CompactSet(IReadOnlyList<uint> sorted)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < sorted.Count; i++)
        {
            uint first = sorted[i];
            while (i + 1 < sorted.Count && sorted[i + 1] == sorted[i] + 1) i++;
            if (sb.Length > 0) sb.Append(',');
            sb.Append(first.ToString(CultureInfo.InvariantCulture));
            if (sorted[i] != first) sb.Append(':').Append(sorted[i].ToString(CultureInfo.InvariantCulture));
        }

        return sb.ToString();
    }

    /// <summary>The numbers of "* SEARCH n n n" responses.</summary>
    public static List<uint> SearchHits(ImapResponse response)
    {
        var hits = new List<uint>();
        foreach (ServerResponse r in response.Untagged)
        {
            if (r.Name != "SEARCH") continue;
            for (var v = r.Data; !v.IsNone; v = v.Next())
            {
                if (v.TryGetUInt32(out uint n)) hits.Add(n);
            }
        }

        hits.Sort();
        return hits;
    }

    /// <summary>Parses "* SEARCH 1 2 3" lines captured by the raw client.</summary>
    public static List<uint> SearchHits(string captured)
    {
        var hits = new List<uint>();
        foreach (string line in captured.Split('\n'))
        {
            if (!line.StartsWith("* SEARCH", StringComparison.Ordinal)) continue;
            foreach (string part in line.Substring(8).Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                hits.Add(uint.Parse(part, CultureInfo.InvariantCulture));
            }
        }

        hits.Sort();
        return hits;
    }
}
