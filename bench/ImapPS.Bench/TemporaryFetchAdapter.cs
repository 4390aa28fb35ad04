using System.Collections.Generic;
using ImapPS.Client.Protocol;

namespace ImapPS.Bench;

// TEMPORARY: W1 needs "every response parsed into an object with envelope fields". The engine's
// typed decoder (FetchData.Parse on branch `decoders`) is not merged yet; until it is, this
// adapter walks the engine's ImapValue view into a plain object. It does no RFC 2047 decoding and
// no date parsing, so it is lighter than the real decoder will be. Replace with FetchData.Parse.

/// <summary>One address of an envelope, as the server sent it.</summary>
public sealed record BenchAddress(string? Name, string? Mailbox, string? Host);

/// <summary>W1's summary: the fields UID FETCH (UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE) returns.</summary>
public sealed class BenchSummary
{
    public uint Uid;
    public string[] Flags = System.Array.Empty<string>();
    public string? InternalDate;
    public long Size;
    public string? Date;
    public string? Subject;
    public BenchAddress[]? From, Sender, ReplyTo, To, Cc, Bcc;
    public string? InReplyTo;
    public string? MessageId;
}

public static class TemporaryFetchAdapter
{
    public static BenchSummary Parse(ServerResponse response)
    {
        var summary = new BenchSummary();
        var e = response.Data.GetEnumerator();
        while (e.MoveNext())
        {
            var key = e.Current;
            if (!e.MoveNext()) break;
            var value = e.Current;
            if (key.IsAtom("UID")) summary.Uid = value.AsUInt32();
            else if (key.IsAtom("FLAGS")) summary.Flags = Strings(value);
            else if (key.IsAtom("INTERNALDATE")) summary.InternalDate = value.AsString();
            else if (key.IsAtom("RFC822.SIZE")) summary.Size = (long)value.AsUInt64();
            else if (key.IsAtom("ENVELOPE")) ParseEnvelope(value, summary);
        }

        return summary;
    }

    private static void ParseEnvelope(ImapValue envelope, BenchSummary s)
    {
        var v = envelope.First;
        s.Date = v.AsString(); v = v.Next();
        s.Subject = v.AsString(); v = v.Next();
        s.From = Addresses(v); v = v.Next();
        s.Sender = Addresses(v); v = v.Next();
        s.ReplyTo = Addresses(v); v = v.Next();
        s.To = Addresses(v); v = v.Next();
        s.Cc = Addresses(v); v = v.Next();
        s.Bcc = Addresses(v); v = v.Next();
        s.InReplyTo = v.AsString(); v = v.Next();
        s.MessageId = v.AsString();
    }

    private static BenchAddress[]? Addresses(ImapValue list)
    {
        if (!list.IsList) return null;
        var result = new List<BenchAddress>(2);
        foreach (var a in list)
        {
            var name = a.First;
            var route = name.Next();
            var mailbox = route.Next();
            var host = mailbox.Next();
            result.Add(new BenchAddress(name.AsString(), mailbox.AsString(), host.AsString()));
        }

        return result.ToArray();
    }

    private static string[] Strings(ImapValue list)
    {
        if (!list.IsList) return System.Array.Empty<string>();
        var result = new List<string>(4);
        foreach (var f in list) result.Add(f.AsString() ?? "");
        return result.ToArray();
    }
}
