using System;
using System.Collections.Generic;

namespace ImapPS.Client.Protocol
{
    /// <summary>An ACL response (RFC 4314): <c>* ACL INBOX Fred rwipslda test rwipslda</c>.</summary>
    public sealed class AclData
    {
        /// <summary>The mailbox (decoded from modified UTF-7).</summary>
        public string Mailbox { get; internal set; } = "";

        /// <summary>Identifier/rights pairs.</summary>
        public IReadOnlyList<AclEntry> Entries { get; internal set; } = Array.Empty<AclEntry>();

        /// <summary>Decodes an ACL response.</summary>
        public static AclData Parse(ServerResponse response, bool utf8 = false)
        {
            Decode.Expect(response, "ACL");
            var c = Cursor.AtData(response);
            var data = new AclData { Mailbox = Decode.MailboxName(c.ReadAString("a mailbox name"), utf8) };
            var entries = new List<AclEntry>();
            while (!c.AtEnd)
            {
                string identifier = c.ReadAString("an identifier");
                entries.Add(new AclEntry(identifier, c.ReadAString("the rights of " + identifier)));
            }
            data.Entries = entries;
            return data;
        }
    }

    /// <summary>One identifier and its rights.</summary>
    public sealed class AclEntry
    {
        internal AclEntry(string identifier, string rights)
        {
            Identifier = identifier;
            Rights = rights;
        }

        /// <summary>The identifier (user or group; a leading '-' means negative rights).</summary>
        public string Identifier { get; }

        /// <summary>The rights letters.</summary>
        public string Rights { get; }
    }

    /// <summary>A LISTRIGHTS response: <c>* LISTRIGHTS ~/Mail/saved smith la r swicdkxte</c>.</summary>
    public sealed class ListRightsData
    {
        /// <summary>The mailbox.</summary>
        public string Mailbox { get; internal set; } = "";

        /// <summary>The identifier.</summary>
        public string Identifier { get; internal set; } = "";

        /// <summary>Rights always granted.</summary>
        public string RequiredRights { get; internal set; } = "";

        /// <summary>Groups of rights that may be granted (each group together).</summary>
        public IReadOnlyList<string> OptionalRights { get; internal set; } = Array.Empty<string>();

        /// <summary>Decodes a LISTRIGHTS response.</summary>
        public static ListRightsData Parse(ServerResponse response, bool utf8 = false)
        {
            Decode.Expect(response, "LISTRIGHTS");
            var c = Cursor.AtData(response);
            var data = new ListRightsData { Mailbox = Decode.MailboxName(c.ReadAString("a mailbox name"), utf8) };
            data.Identifier = c.ReadAString("an identifier");
            data.RequiredRights = c.ReadAString("the required rights");
            var optional = new List<string>();
            while (!c.AtEnd) optional.Add(c.ReadNString() ?? "");
            data.OptionalRights = optional;
            return data;
        }
    }

    /// <summary>A MYRIGHTS response: <c>* MYRIGHTS INBOX rwiptsldaex</c>.</summary>
    public sealed class MyRightsData
    {
        /// <summary>The mailbox.</summary>
        public string Mailbox { get; internal set; } = "";

        /// <summary>The rights letters.</summary>
        public string Rights { get; internal set; } = "";

        /// <summary>Decodes a MYRIGHTS response.</summary>
        public static MyRightsData Parse(ServerResponse response, bool utf8 = false)
        {
            Decode.Expect(response, "MYRIGHTS");
            var c = Cursor.AtData(response);
            var data = new MyRightsData { Mailbox = Decode.MailboxName(c.ReadAString("a mailbox name"), utf8) };
            data.Rights = c.ReadAString("rights");
            return data;
        }
    }

    /// <summary>A NAMESPACE response (RFC 2342): <c>* NAMESPACE (("" "/")) (("~" "/")) NIL</c>.</summary>
    public sealed class NamespaceData
    {
        /// <summary>Personal namespaces.</summary>
        public IReadOnlyList<NamespaceEntry> Personal { get; internal set; } = Array.Empty<NamespaceEntry>();

        /// <summary>Other users' namespaces.</summary>
        public IReadOnlyList<NamespaceEntry> Other { get; internal set; } = Array.Empty<NamespaceEntry>();

        /// <summary>Shared namespaces.</summary>
        public IReadOnlyList<NamespaceEntry> Shared { get; internal set; } = Array.Empty<NamespaceEntry>();

        /// <summary>Decodes a NAMESPACE response.</summary>
        public static NamespaceData Parse(ServerResponse response, bool utf8 = false)
        {
            Decode.Expect(response, "NAMESPACE");
            var c = Cursor.AtData(response);
            var data = new NamespaceData();
            for (int i = 0; i < 3 && !c.AtEnd; i++)
            {
                var list = ReadNamespaces(ref c, utf8);
                if (i == 0) data.Personal = list;
                else if (i == 1) data.Other = list;
                else data.Shared = list;
            }
            return data;
        }

        private static IReadOnlyList<NamespaceEntry> ReadNamespaces(ref Cursor c, bool utf8)
        {
            if (!c.TryEnterList())
            {
                c.Skip();
                return Array.Empty<NamespaceEntry>();
            }
            var result = new List<NamespaceEntry>(1);
            while (!c.AtEnd)
            {
                c.EnterList("a namespace (prefix delimiter)");
                string prefix = Decode.MailboxName(c.ReadNString() ?? "", utf8);
                string? delimiter = c.AtEnd ? null : c.ReadNString();
                var extensions = new List<KeyValuePair<string, IReadOnlyList<string>>>();
                while (!c.AtEnd)
                {
                    string name = c.ReadNString() ?? "";
                    extensions.Add(new KeyValuePair<string, IReadOnlyList<string>>(name, c.AtEnd ? Array.Empty<string>() : c.ReadStringList()));
                }
                c.LeaveList();
                result.Add(new NamespaceEntry(prefix, string.IsNullOrEmpty(delimiter) ? null : delimiter![0], extensions));
            }
            c.LeaveList();
            return result;
        }
    }

    /// <summary>One namespace: prefix, delimiter and extension data.</summary>
    public sealed class NamespaceEntry
    {
        internal NamespaceEntry(string prefix, char? delimiter, IReadOnlyList<KeyValuePair<string, IReadOnlyList<string>>> extensions)
        {
            Prefix = prefix;
            Delimiter = delimiter;
            Extensions = extensions;
        }

        /// <summary>The prefix (e.g. "", "INBOX.", "#shared/"), decoded from modified UTF-7.</summary>
        public string Prefix { get; }

        /// <summary>The hierarchy delimiter, or null for a flat namespace.</summary>
        public char? Delimiter { get; }

        /// <summary>Namespace response extensions (name → values).</summary>
        public IReadOnlyList<KeyValuePair<string, IReadOnlyList<string>>> Extensions { get; }
    }

    /// <summary>An ID response (RFC 2971): <c>* ID ("name" "Dovecot")</c>; NIL gives an empty dictionary.</summary>
    public sealed class IdData
    {
        /// <summary>The fields (keys case-insensitive; NIL values are null).</summary>
        public IReadOnlyDictionary<string, string?> Fields { get; internal set; } = new Dictionary<string, string?>(0);

        /// <summary>Decodes an ID response.</summary>
        public static IdData Parse(ServerResponse response)
        {
            Decode.Expect(response, "ID");
            var c = Cursor.AtData(response);
            var fields = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            if (c.TryEnterList())
            {
                while (!c.AtEnd)
                {
                    string key = c.ReadNString() ?? "";
                    string? value = c.AtEnd ? null : c.ReadNString();
                    if (!fields.ContainsKey(key)) fields[key] = value;
                }
                c.LeaveList();
            }
            return new IdData { Fields = fields };
        }
    }

    /// <summary>An ENABLED response (RFC 5161): the capabilities the server enabled.</summary>
    public sealed class EnabledData
    {
        /// <summary>The enabled capabilities, upper-cased.</summary>
        public IReadOnlyList<string> Capabilities { get; internal set; } = Array.Empty<string>();

        /// <summary>Decodes an ENABLED response.</summary>
        public static EnabledData Parse(ServerResponse response)
        {
            Decode.Expect(response, "ENABLED");
            return new EnabledData { Capabilities = CapabilityData.ReadAtoms(response.Data) };
        }
    }

    /// <summary>Capabilities, from <c>* CAPABILITY …</c> or a <c>[CAPABILITY …]</c> response code.</summary>
    public sealed class CapabilityData
    {
        /// <summary>The capabilities, upper-cased (e.g. <c>IMAP4REV1</c>, <c>AUTH=PLAIN</c>).</summary>
        public IReadOnlyList<string> Capabilities { get; internal set; } = Array.Empty<string>();

        /// <summary>The SASL mechanisms (from <c>AUTH=</c> entries), upper-cased.</summary>
        public IReadOnlyList<string> AuthMechanisms
        {
            get
            {
                var result = new List<string>();
                foreach (var c in Capabilities)
                    if (c.StartsWith("AUTH=", StringComparison.Ordinal)) result.Add(c.Substring(5));
                return result;
            }
        }

        /// <summary>True when the capability is present (ignoring case).</summary>
        public bool Has(string capability)
        {
            foreach (var c in Capabilities)
                if (string.Equals(c, capability, StringComparison.OrdinalIgnoreCase)) return true;
            return false;
        }

        /// <summary>Decodes a CAPABILITY response, or the CAPABILITY response code of any status response.</summary>
        /// <exception cref="ArgumentException">Neither a CAPABILITY response nor one with a CAPABILITY code.</exception>
        public static CapabilityData Parse(ServerResponse response)
        {
            if (!TryParse(response, out var data)) throw new ArgumentException("No capabilities in a " + response.Name + " response.", nameof(response));
            return data!;
        }

        /// <summary>Like <see cref="Parse"/>, but returns false when the response carries no capabilities.</summary>
        public static bool TryParse(ServerResponse response, out CapabilityData? data)
        {
            if (response == null) throw new ArgumentNullException(nameof(response));
            data = null;
            if (response.Name == "CAPABILITY" && response.Status == ResponseStatus.None)
            {
                data = new CapabilityData { Capabilities = ReadAtoms(response.Data) };
                return true;
            }
            if (response.CodeName == "CAPABILITY")
            {
                data = new CapabilityData { Capabilities = ReadAtoms(response.CodeArgument) };
                return true;
            }
            return false;
        }

        internal static IReadOnlyList<string> ReadAtoms(ImapValue first)
        {
            var result = new List<string>();
            for (var v = first; !v.IsNone; v = v.Next())
            {
                if (v.IsList) continue;
                var s = v.AsString();
                if (!string.IsNullOrEmpty(s)) result.Add(s!.ToUpperInvariant());
            }
            return result;
        }
    }

    /// <summary>A VANISHED response (RFC 7162): <c>* VANISHED (EARLIER) 300:310,405,411</c>.</summary>
    public sealed class VanishedData
    {
        private IReadOnlyList<uint>? _uids;

        /// <summary>True for <c>(EARLIER)</c>: a reply to a FETCH or SELECT, not a live expunge.</summary>
        public bool Earlier { get; internal set; }

        /// <summary>
        /// The vanished UIDs as the server sent them, ranges in ascending order of their low end as
        /// sent (not merged): <c>1:4294967295</c> is one range, read without allocating per UID.
        /// </summary>
        public IReadOnlyList<UidRange> Ranges { get; internal set; } = Array.Empty<UidRange>();

        /// <summary>How many UIDs the ranges name (counted, not expanded).</summary>
        public long Count
        {
            get
            {
                long n = 0;
                foreach (var r in Ranges) n += r.Count;
                return n;
            }
        }

        /// <summary>
        /// The vanished UIDs, expanded on first use (at most <see cref="NumberSet.MaxExpandedCount"/>;
        /// a larger set throws <see cref="ImapProtocolException"/>: use <see cref="Ranges"/>).
        /// </summary>
        public IReadOnlyList<uint> Uids
        {
            get
            {
                if (_uids != null) return _uids;
                if (Count > NumberSet.MaxExpandedCount)
                    throw new ImapProtocolException("Malformed server response: a VANISHED set of " + Count + " UIDs, more than " + NumberSet.MaxExpandedCount, "", 0);
                var list = new List<uint>((int)Count);
                foreach (var r in Ranges)
                    for (uint n = r.Low; ; n++)
                    {
                        list.Add(n);
                        if (n == r.High) break;
                    }
                return _uids = list;
            }
        }

        /// <summary>Decodes a VANISHED response.</summary>
        /// <exception cref="ImapProtocolException">The UID set is missing or malformed (<c>0</c>, <c>*</c>, empty parts, non-digits).</exception>
        public static VanishedData Parse(ServerResponse response)
        {
            Decode.Expect(response, "VANISHED");
            var c = Cursor.AtData(response);
            var data = new VanishedData();
            if (c.TryEnterList())
            {
                while (!c.AtEnd)
                {
                    if (c.IsAtom("EARLIER")) data.Earlier = true;
                    c.Skip();
                }
                c.LeaveList();
            }
            if (c.AtEnd || c.IsListStart) throw c.Error("a UID set");
            int start = c.Pos, end = c.AtomEnd();
            var ranges = new List<UidRange>();
            if (!UidRange.TryParseSet(c.B, start, end, ranges)) throw Tokenizer.Error(c.R, "malformed UID set in VANISHED", start);
            data.Ranges = ranges;
            return data;
        }

        /// <summary>
        /// For a live expunge (<c>* VANISHED 2,4</c>, not <c>(EARLIER)</c>): how many messages left
        /// the mailbox, counted without expanding the set. False for EARLIER or a malformed set.
        /// </summary>
        internal static bool TryCountLive(ServerResponse response, out long count)
        {
            count = 0;
            var c = Cursor.AtData(response);
            if (c.AtEnd || c.IsListStart) return false;
            int start = c.Pos;
            return NumberSet.TryCount(c.B, start, c.AtomEnd(), out count);
        }
    }

    /// <summary>Typed readers for response codes (<c>[APPENDUID …]</c>, <c>[COPYUID …]</c>, <c>[UIDVALIDITY n]</c>, …).</summary>
    public static class ResponseCodes
    {
        /// <summary>Reads <c>[APPENDUID uidvalidity uid-set]</c> (a set for MULTIAPPEND).</summary>
        public static bool TryGetAppendUid(ServerResponse response, out uint uidValidity, out IReadOnlyList<uint> uids)
        {
            uidValidity = 0;
            uids = Array.Empty<uint>();
            if (!TryCode(response, "APPENDUID", out var c)) return false;
            try
            {
                if (!TryUInt32(ref c, out uidValidity)) return false;
                var list = new List<uint>();
                if (!TryReadSet(ref c, list)) return false;
                uids = list;
                return true;
            }
            catch (ImapProtocolException)
            {
                return false;
            }
        }

        /// <summary>Reads <c>[COPYUID uidvalidity source-set destination-set]</c>; the two lists pair up element by element.</summary>
        public static bool TryGetCopyUid(ServerResponse response, out uint uidValidity, out IReadOnlyList<uint> source, out IReadOnlyList<uint> destination)
        {
            uidValidity = 0;
            source = destination = Array.Empty<uint>();
            if (!TryCode(response, "COPYUID", out var c)) return false;
            try
            {
                if (!TryUInt32(ref c, out uidValidity)) return false;
                var s = new List<uint>();
                var d = new List<uint>();
                if (!TryReadSet(ref c, s) || !TryReadSet(ref c, d) || s.Count != d.Count) return false;
                source = s;
                destination = d;
                return true;
            }
            catch (ImapProtocolException)
            {
                return false;
            }
        }

        /// <summary>
        /// Reads <c>[MODIFIED set]</c> (RFC 7162 3.1.3): the messages a conditional STORE left
        /// unchanged because they had changed since its UNCHANGEDSINCE (UIDs for UID STORE).
        /// </summary>
        public static bool TryGetModified(ServerResponse response, out IReadOnlyList<uint> messages)
        {
            messages = Array.Empty<uint>();
            if (!TryCode(response, "MODIFIED", out var c)) return false;
            try
            {
                var list = new List<uint>();
                if (!TryReadSet(ref c, list)) return false;
                messages = list;
                return true;
            }
            catch (ImapProtocolException)
            {
                return false;
            }
        }

        /// <summary>[UIDVALIDITY n], or null.</summary>
        public static uint? UidValidity(ServerResponse response) => Number32(response, "UIDVALIDITY");

        /// <summary>[UIDNEXT n], or null.</summary>
        public static uint? UidNext(ServerResponse response) => Number32(response, "UIDNEXT");

        /// <summary>[UNSEEN n] (the first unseen message's sequence number), or null.</summary>
        public static uint? Unseen(ServerResponse response) => Number32(response, "UNSEEN");

        /// <summary>[HIGHESTMODSEQ n], or null.</summary>
        public static ulong? HighestModSeq(ServerResponse response)
            => TryCode(response, "HIGHESTMODSEQ", out var c) && TryUInt64(ref c, out ulong v) ? v : (ulong?)null;

        /// <summary>[APPENDLIMIT n], or null.</summary>
        public static ulong? AppendLimit(ServerResponse response)
            => TryCode(response, "APPENDLIMIT", out var c) && TryUInt64(ref c, out ulong v) ? v : (ulong?)null;

        /// <summary>[PERMANENTFLAGS (…)], or null when the response has no such code.</summary>
        public static IReadOnlyList<string>? PermanentFlags(ServerResponse response)
            => TryCode(response, "PERMANENTFLAGS", out var c) ? ReadList(ref c) : null;

        /// <summary>[BADCHARSET (…)] charsets (possibly empty), or null when the response has no such code.</summary>
        public static IReadOnlyList<string>? BadCharset(ServerResponse response)
            => TryCode(response, "BADCHARSET", out var c) ? ReadList(ref c) : null;

        private static IReadOnlyList<string> ReadList(ref Cursor c)
        {
            var result = new List<string>();
            if (!c.TryEnterList()) return result;
            while (!c.AtEnd && c.Peek != (byte)']')
            {
                if (c.IsListStart) { c.Skip(); continue; }
                var s = c.ReadNString();
                if (s != null) result.Add(s);
            }
            return result;
        }

        private static uint? Number32(ServerResponse response, string code)
            => TryCode(response, code, out var c) && TryUInt32(ref c, out uint v) ? v : (uint?)null;

        private static bool TryCode(ServerResponse response, string code, out Cursor cursor)
        {
            if (response == null) throw new ArgumentNullException(nameof(response));
            cursor = default;
            if (!response.HasCode || !string.Equals(response.CodeName, code, StringComparison.Ordinal)) return false;
            var arg = response.CodeArgument;
            // A code without arguments ([BADCHARSET]) reads as an empty argument list.
            cursor = arg.IsNone || arg.Response == null ? new Cursor(response, response.Length) : new Cursor(arg.Response, arg.Offset);
            return true;
        }

        private static bool TryUInt32(ref Cursor c, out uint value)
        {
            value = 0;
            if (!TryUInt64(ref c, out ulong v) || v > uint.MaxValue) return false;
            value = (uint)v;
            return true;
        }

        private static bool TryUInt64(ref Cursor c, out ulong value)
        {
            value = 0;
            // In a response code a number ends at ']' too, which the cursor does not treat as a delimiter.
            int p = c.Pos;
            int start = p;
            ulong v = 0;
            while (p < c.End && c.B[p] >= (byte)'0' && c.B[p] <= (byte)'9')
            {
                if (p - start >= 20) return false;
                ulong next = v * 10 + (uint)(c.B[p] - '0');
                if (next / 10 != v) return false;
                v = next;
                p++;
            }
            if (p == start) return false;
            value = v;
            c.Pos = p;
            c.SkipSpaces();
            return true;
        }

        private static bool TryReadSet(ref Cursor c, List<uint> target)
        {
            int start = c.Pos;
            int p = start;
            while (p < c.End && ((c.B[p] >= (byte)'0' && c.B[p] <= (byte)'9') || c.B[p] == (byte)':' || c.B[p] == (byte)',')) p++;
            if (p == start) return false;
            if (!NumberSet.TryExpand(c.B, start, p, target, out _)) return false;
            c.Pos = p;
            c.SkipSpaces();
            return true;
        }
    }

    /// <summary>A range of UIDs <see cref="Low"/>..<see cref="High"/> (inclusive, Low &lt;= High, neither 0).</summary>
    public readonly struct UidRange
    {
        /// <summary>A range; the ends may come in either order (RFC 4315).</summary>
        public UidRange(uint low, uint high)
        {
            if (low > high) { uint t = low; low = high; high = t; }
            Low = low;
            High = high;
        }

        /// <summary>The first UID.</summary>
        public uint Low { get; }

        /// <summary>The last UID.</summary>
        public uint High { get; }

        /// <summary>How many UIDs the range holds.</summary>
        public long Count => (long)High - Low + 1;

        /// <summary>True when <paramref name="uid"/> is in the range.</summary>
        public bool Contains(uint uid) => uid >= Low && uid <= High;

        /// <inheritdoc />
        public override string ToString() => Low == High ? Low.ToString(System.Globalization.CultureInfo.InvariantCulture)
            : Low.ToString(System.Globalization.CultureInfo.InvariantCulture) + ":" + High.ToString(System.Globalization.CultureInfo.InvariantCulture);

        /// <summary>Reads a set such as <c>3:1,9</c> of non-zero numbers into ranges; false when the bytes are not one (no <c>*</c>).</summary>
        internal static bool TryParseSet(byte[] b, int start, int end, List<UidRange> ranges) => NumberSet.TryReadRanges(b, start, end, ranges, out _);
    }
}
