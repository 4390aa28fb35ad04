using System;
using System.Collections.Generic;

namespace ImapPS.Client.Protocol
{
    /// <summary>A STATUS response: <c>* STATUS "INBOX" (MESSAGES 231 UIDNEXT 44292)</c>. Items not sent are null.</summary>
    public sealed class StatusData
    {
        /// <summary>The mailbox name as sent.</summary>
        public string RawMailbox { get; internal set; } = "";

        /// <summary>The mailbox name, decoded from modified UTF-7 (unless UTF-8).</summary>
        public string Mailbox { get; internal set; } = "";

        /// <summary>MESSAGES.</summary>
        public uint? Messages { get; internal set; }

        /// <summary>RECENT.</summary>
        public uint? Recent { get; internal set; }

        /// <summary>UIDNEXT.</summary>
        public uint? UidNext { get; internal set; }

        /// <summary>UIDVALIDITY.</summary>
        public uint? UidValidity { get; internal set; }

        /// <summary>UNSEEN.</summary>
        public uint? Unseen { get; internal set; }

        /// <summary>SIZE (RFC 8438).</summary>
        public ulong? Size { get; internal set; }

        /// <summary>HIGHESTMODSEQ (RFC 7162).</summary>
        public ulong? HighestModSeq { get; internal set; }

        /// <summary>DELETED (IMAP4rev2).</summary>
        public uint? Deleted { get; internal set; }

        /// <summary>APPENDLIMIT (RFC 7889); null also when the server sent NIL (no limit).</summary>
        public ulong? AppendLimit { get; internal set; }

        /// <summary>Decodes a STATUS response.</summary>
        public static StatusData Parse(ServerResponse response, bool utf8 = false)
        {
            Decode.Expect(response, "STATUS");
            var c = Cursor.AtData(response);
            var data = new StatusData();
            data.RawMailbox = c.ReadAString("a mailbox name");
            data.Mailbox = Decode.MailboxName(data.RawMailbox, utf8);
            // Some servers put a space-containing name unquoted; everything before the list is the name.
            while (!c.AtEnd && !c.IsListStart)
            {
                var more = c.ReadNString();
                if (more != null)
                {
                    data.RawMailbox += " " + more;
                    data.Mailbox = Decode.MailboxName(data.RawMailbox, utf8);
                }
            }
            if (c.AtEnd) return data;
            c.EnterList("a list of status items");
            while (!c.AtEnd)
            {
                if (c.IsListStart) { c.Skip(); continue; }
                int start = c.Pos;
                int end = c.AtomEnd();
                string name = ImapText.Decode(c.B, start, end - start).ToUpperInvariant();
                c.Pos = end;
                c.SkipSpaces();
                if (c.AtEnd) break;
                ulong? v = c.ReadNumberOrNull();
                switch (name)
                {
                    case "MESSAGES": data.Messages = Decode.ToUInt32(v); break;
                    case "RECENT": data.Recent = Decode.ToUInt32(v); break;
                    case "UIDNEXT": data.UidNext = Decode.ToUInt32(v); break;
                    case "UIDVALIDITY": data.UidValidity = Decode.ToUInt32(v); break;
                    case "UNSEEN": data.Unseen = Decode.ToUInt32(v); break;
                    case "SIZE": data.Size = v; break;
                    case "HIGHESTMODSEQ": data.HighestModSeq = v; break;
                    case "DELETED": data.Deleted = Decode.ToUInt32(v); break;
                    case "APPENDLIMIT": data.AppendLimit = v; break;
                }
            }
            c.LeaveList();
            return data;
        }
    }

    /// <summary>
    /// The result of SEARCH, SORT or ESEARCH:
    /// <c>* SEARCH 2 84 882 (MODSEQ 917162500)</c>, <c>* SORT 5 3 4</c>,
    /// <c>* ESEARCH (TAG "A282") UID MIN 2 MAX 19 COUNT 3 ALL 2,10:11 MODSEQ 5</c>.
    /// Sets are expanded into <see cref="Numbers"/> (at most <see cref="NumberSet.MaxExpandedCount"/>).
    /// </summary>
    public sealed class SearchResult
    {
        /// <summary>The response name: SEARCH, SORT or ESEARCH.</summary>
        public string Kind { get; internal set; } = "SEARCH";

        /// <summary>The numbers (sequence numbers or UIDs) in server order; for ESEARCH, the ALL set (or PARTIAL's set) expanded.</summary>
        public IReadOnlyList<uint> Numbers { get; internal set; } = Array.Empty<uint>();

        /// <summary>True when the numbers are UIDs (ESEARCH's UID marker); for SEARCH/SORT the caller knows.</summary>
        public bool IsUid { get; internal set; }

        /// <summary>ESEARCH MIN.</summary>
        public uint? Min { get; internal set; }

        /// <summary>ESEARCH MAX.</summary>
        public uint? Max { get; internal set; }

        /// <summary>ESEARCH COUNT.</summary>
        public uint? Count { get; internal set; }

        /// <summary>The MODSEQ (SEARCH's trailing <c>(MODSEQ n)</c> or ESEARCH's MODSEQ).</summary>
        public ulong? ModSeq { get; internal set; }

        /// <summary>The ESEARCH correlator tag, or null.</summary>
        public string? Tag { get; internal set; }

        /// <summary>The ESEARCH PARTIAL range (RFC 9394) as sent, e.g. <c>-1:-100</c>, or null.</summary>
        public string? PartialRange { get; internal set; }

        /// <summary>Decodes a SEARCH, SORT or ESEARCH response.</summary>
        public static SearchResult Parse(ServerResponse response)
        {
            Decode.Expect(response, "SEARCH", "SORT", "ESEARCH");
            var c = Cursor.AtData(response);
            var result = new SearchResult { Kind = response.Name };
            if (response.Name == "ESEARCH") ReadESearch(ref c, result);
            else
            {
                var numbers = new List<uint>();
                while (!c.AtEnd)
                {
                    if (c.TryEnterList())
                    {
                        // (MODSEQ n) after the numbers (RFC 7162).
                        while (!c.AtEnd)
                        {
                            if (c.IsAtom("MODSEQ"))
                            {
                                c.Skip();
                                if (!c.AtEnd) result.ModSeq = c.ReadNumberOrNull();
                            }
                            else c.Skip();
                        }
                        c.LeaveList();
                        continue;
                    }
                    numbers.Add(c.ReadUInt32("a message number"));
                }
                result.Numbers = numbers;
            }
            return result;
        }

        private static void ReadESearch(ref Cursor c, SearchResult result)
        {
            if (c.TryEnterList())
            {
                while (!c.AtEnd)
                {
                    bool isTag = c.IsAtom("TAG");
                    c.Skip();
                    if (c.AtEnd) break;
                    if (isTag) result.Tag = c.ReadNString();
                    else c.Skip();
                }
                c.LeaveList();
            }
            if (c.IsAtom("UID"))
            {
                result.IsUid = true;
                c.Skip();
            }
            List<uint>? numbers = null;
            while (!c.AtEnd)
            {
                int start = c.Pos;
                int end = c.AtomEnd();
                string name = ImapText.Decode(c.B, start, end - start).ToUpperInvariant();
                c.Pos = end;
                c.SkipSpaces();
                if (c.AtEnd) throw Tokenizer.Error(c.R, "missing value of ESEARCH item " + name, start);
                switch (name)
                {
                    case "MIN": result.Min = c.ReadUInt32("MIN"); break;
                    case "MAX": result.Max = c.ReadUInt32("MAX"); break;
                    case "COUNT": result.Count = c.ReadUInt32("COUNT"); break;
                    case "MODSEQ": result.ModSeq = c.ReadNumberOrNull(); break;
                    case "ALL":
                        NumberSet.AppendTo(ref c, numbers ??= new List<uint>(), "ALL");
                        break;
                    case "PARTIAL":
                        c.EnterList("a PARTIAL (range set) list");
                        if (!c.AtEnd) result.PartialRange = c.ReadNString();
                        if (!c.AtEnd)
                        {
                            if (c.IsNil) c.Skip();
                            else NumberSet.AppendTo(ref c, numbers ??= new List<uint>(), "PARTIAL");
                        }
                        c.LeaveList();
                        break;
                    default:
                        c.Skip();
                        break;
                }
            }
            if (numbers != null) result.Numbers = numbers;
        }
    }

    /// <summary>
    /// A node of a THREAD response (RFC 5256): <c>* THREAD (2)(3 6 (4 23)(44 7 96))</c>. A node without
    /// a number is a dummy parent that groups its children.
    /// </summary>
    public sealed class ThreadNode
    {
        internal ThreadNode(uint? number) { Number = number; }

        /// <summary>The message number (sequence number or UID), or null for a dummy parent.</summary>
        public uint? Number { get; }

        /// <summary>The replies to this message, in order.</summary>
        public IReadOnlyList<ThreadNode> Children { get; private set; } = Array.Empty<ThreadNode>();

        private void AddChild(ThreadNode child)
        {
            // Most nodes have one child (a chain of replies): a one-element array is the cheapest
            // holder, and a chain of a million messages is a million nodes.
            if (Children is List<ThreadNode> list) list.Add(child);
            else if (Children.Count == 0) Children = new[] { child };
            else Children = new List<ThreadNode>(4) { Children[0], child };
        }

        /// <summary>Decodes a THREAD response into its thread roots.</summary>
        /// <remarks>Iterative: neither a long chain nor deeply nested branches can overflow the stack.</remarks>
        public static IReadOnlyList<ThreadNode> Parse(ServerResponse response)
        {
            Decode.Expect(response, "THREAD");
            var c = Cursor.AtData(response);
            var roots = new List<ThreadNode>();
            var open = new List<ThreadNode>(); // the tail of every thread list entered and not yet left
            while (!c.AtEnd)
            {
                if (!c.IsListStart) throw c.Error("a thread list");
                roots.Add(ReadChain(ref c, open));
                while (open.Count > 0)
                {
                    if (c.AtEnd)
                    {
                        c.LeaveList();
                        open.RemoveAt(open.Count - 1);
                        continue;
                    }
                    if (!c.IsListStart) throw c.Error("a thread branch");
                    // "(3 6 (4 23)(44 7 96))": each branch hangs off the last message of the chain before it.
                    var tail = open[open.Count - 1];
                    tail.AddChild(ReadChain(ref c, open));
                }
            }
            return roots;
        }

        /// <summary>
        /// Enters a thread list and reads its chain <c>n n …</c> (each the parent of the next); returns
        /// the chain's first node and leaves its last on <paramref name="open"/>. A list that starts with
        /// branches gets a dummy parent.
        /// </summary>
        private static ThreadNode ReadChain(ref Cursor c, List<ThreadNode> open)
        {
            c.EnterList("a thread list");
            ThreadNode? root = null, tail = null;
            while (!c.AtEnd && !c.IsListStart)
            {
                var node = new ThreadNode(c.ReadUInt32("a message number"));
                if (tail == null) root = node;
                else tail.AddChild(node);
                tail = node;
            }
            if (tail == null) root = tail = new ThreadNode(null);
            open.Add(tail);
            return root!;
        }

        /// <inheritdoc/>
        public override string ToString() => Number?.ToString() ?? "(dummy)";
    }

    /// <summary>A QUOTA response (RFC 9208): <c>* QUOTA "" (STORAGE 10 512 MESSAGE 3 100)</c>.</summary>
    public sealed class QuotaData
    {
        /// <summary>The quota root.</summary>
        public string Root { get; internal set; } = "";

        /// <summary>The resources with usage and limit.</summary>
        public IReadOnlyList<QuotaResource> Resources { get; internal set; } = Array.Empty<QuotaResource>();

        /// <summary>Decodes a QUOTA response.</summary>
        public static QuotaData Parse(ServerResponse response)
        {
            Decode.Expect(response, "QUOTA");
            var c = Cursor.AtData(response);
            var data = new QuotaData { Root = c.ReadNString() ?? "" };
            var resources = new List<QuotaResource>(2);
            c.EnterList("a list of quota resources");
            while (!c.AtEnd)
            {
                string name = (c.ReadNString() ?? "").ToUpperInvariant();
                ulong usage = c.ReadNumber("a quota usage");
                ulong limit = c.ReadNumber("a quota limit");
                resources.Add(new QuotaResource(name, usage, limit));
            }
            c.LeaveList();
            data.Resources = resources;
            return data;
        }
    }

    /// <summary>One resource of a quota root.</summary>
    public sealed class QuotaResource
    {
        internal QuotaResource(string name, ulong usage, ulong limit)
        {
            Name = name;
            Usage = usage;
            Limit = limit;
        }

        /// <summary>The resource name in upper case (STORAGE in KiB, MESSAGE, MAILBOX, ANNOTATION-STORAGE, …).</summary>
        public string Name { get; }

        /// <summary>Current usage.</summary>
        public ulong Usage { get; }

        /// <summary>The limit.</summary>
        public ulong Limit { get; }
    }

    /// <summary>A QUOTAROOT response: <c>* QUOTAROOT INBOX "" "user"</c>.</summary>
    public sealed class QuotaRootData
    {
        /// <summary>The mailbox (decoded from modified UTF-7).</summary>
        public string Mailbox { get; internal set; } = "";

        /// <summary>The quota roots of the mailbox (may be empty).</summary>
        public IReadOnlyList<string> Roots { get; internal set; } = Array.Empty<string>();

        /// <summary>Decodes a QUOTAROOT response.</summary>
        public static QuotaRootData Parse(ServerResponse response, bool utf8 = false)
        {
            Decode.Expect(response, "QUOTAROOT");
            var c = Cursor.AtData(response);
            var data = new QuotaRootData { Mailbox = Decode.MailboxName(c.ReadAString("a mailbox name"), utf8) };
            var roots = new List<string>(1);
            while (!c.AtEnd) roots.Add(c.ReadNString() ?? "");
            data.Roots = roots;
            return data;
        }
    }
}
