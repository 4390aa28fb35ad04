using System;
using System.Collections.Generic;

namespace ImapPS.Client.Protocol
{
    /// <summary>
    /// A METADATA response (RFC 5464): <c>* METADATA "INBOX" (/private/comment "x" …)</c> (entries with
    /// values) or the unsolicited form <c>* METADATA "" /shared/comment /shared/admin</c> (entry names
    /// only, values null: the entries changed).
    /// </summary>
    public sealed class MetadataData
    {
        /// <summary>The mailbox name ("" for server metadata), decoded from modified UTF-7 where valid.</summary>
        public string Mailbox { get; internal set; } = "";

        /// <summary>The mailbox name as sent.</summary>
        public string RawMailbox { get; internal set; } = "";

        /// <summary>Entry names and values, in response order; a value is null for NIL or for the entry-list form.</summary>
        public IReadOnlyList<KeyValuePair<string, string?>> Entries { get; internal set; } = Array.Empty<KeyValuePair<string, string?>>();

        /// <summary>True for the entry-list form (names only, no values).</summary>
        public bool IsEntryList { get; internal set; }

        /// <summary>Decodes a METADATA response.</summary>
        public static MetadataData Parse(ServerResponse response)
        {
            Decode.Expect(response, "METADATA");
            var c = Cursor.AtData(response);
            var data = new MetadataData();
            data.RawMailbox = c.ReadNString() ?? throw c.Error("a mailbox name");
            data.Mailbox = Decode.MailboxName(data.RawMailbox, false);
            var entries = new List<KeyValuePair<string, string?>>();
            if (c.TryEnterList())
            {
                while (!c.AtEnd)
                {
                    string name = c.ReadNString() ?? throw c.Error("an entry name");
                    string? value = c.AtEnd ? null : c.ReadNString();
                    entries.Add(new KeyValuePair<string, string?>(name, value));
                }
                c.LeaveList();
            }
            else
            {
                data.IsEntryList = true;
                while (!c.AtEnd) entries.Add(new KeyValuePair<string, string?>(c.ReadNString() ?? "", null));
            }
            data.Entries = entries;
            return data;
        }
    }

    /// <summary>
    /// Message annotations (RFC 5257), from <c>FETCH (ANNOTATION (/comment (value.priv "x" value.shared NIL)))</c>,
    /// or the ANNOTATEMORE draft's <c>* ANNOTATION "mailbox" "/entry" ("value.shared" "x")</c>.
    /// </summary>
    public sealed class AnnotationData
    {
        /// <summary>The mailbox of an untagged ANNOTATION response; null for FETCH annotations.</summary>
        public string? Mailbox { get; internal set; }

        /// <summary>Entries (e.g. <c>/comment</c>) with their attributes (e.g. <c>value.priv</c> → value; NIL → null).</summary>
        public IReadOnlyList<AnnotationEntry> Entries { get; internal set; } = Array.Empty<AnnotationEntry>();

        /// <summary>Decodes a FETCH response's ANNOTATION item, or an untagged ANNOTATION response.</summary>
        /// <exception cref="ArgumentException">A FETCH response without ANNOTATION, or another response.</exception>
        public static AnnotationData Parse(ServerResponse response)
        {
            if (response == null) throw new ArgumentNullException(nameof(response));
            if (response.Name == "FETCH")
                return FetchData.Parse(response).Annotation ?? throw new ArgumentException("The FETCH response has no ANNOTATION item.", nameof(response));
            Decode.Expect(response, "ANNOTATION");
            var c = Cursor.AtData(response);
            string mailbox = c.ReadNString() ?? "";
            if (c.IsListStart) return Read(ref c, mailbox);
            // Draft form: mailbox entry (attributes) [entry (attributes) …]
            var entries = new List<AnnotationEntry>();
            while (!c.AtEnd)
            {
                string entry = c.ReadNString() ?? "";
                entries.Add(new AnnotationEntry(entry, ReadAttributes(ref c)));
            }
            return new AnnotationData { Mailbox = mailbox, Entries = entries };
        }

        internal static AnnotationData Read(ref Cursor c, string? mailbox)
        {
            var data = new AnnotationData { Mailbox = mailbox };
            if (!c.TryEnterList())
            {
                c.Skip();
                return data;
            }
            var entries = new List<AnnotationEntry>(1);
            while (!c.AtEnd)
            {
                string entry = c.ReadNString() ?? "";
                var attributes = c.AtEnd ? (IReadOnlyList<KeyValuePair<string, string?>>)Array.Empty<KeyValuePair<string, string?>>() : ReadAttributes(ref c);
                entries.Add(new AnnotationEntry(entry, attributes));
            }
            c.LeaveList();
            data.Entries = entries;
            return data;
        }

        private static IReadOnlyList<KeyValuePair<string, string?>> ReadAttributes(ref Cursor c)
        {
            var attributes = new List<KeyValuePair<string, string?>>(2);
            if (!c.TryEnterList())
            {
                // An entry without attributes (FETCH ANNOTATION (/comment) in a NOTIFY update): nothing to read.
                return attributes;
            }
            while (!c.AtEnd)
            {
                string name = c.ReadNString() ?? "";
                string? value = c.AtEnd ? null : c.ReadNString();
                attributes.Add(new KeyValuePair<string, string?>(name, value));
            }
            c.LeaveList();
            return attributes;
        }
    }

    /// <summary>One annotation entry with its attribute values.</summary>
    public sealed class AnnotationEntry
    {
        internal AnnotationEntry(string entry, IReadOnlyList<KeyValuePair<string, string?>> attributes)
        {
            Entry = entry;
            Attributes = attributes;
        }

        /// <summary>The entry name, e.g. <c>/comment</c>.</summary>
        public string Entry { get; }

        /// <summary>Attribute names (e.g. <c>value.priv</c>, <c>size.shared</c>) and values (null for NIL).</summary>
        public IReadOnlyList<KeyValuePair<string, string?>> Attributes { get; }

        /// <summary>The value of an attribute (ignoring case), or null.</summary>
        public string? this[string attribute]
        {
            get
            {
                foreach (var a in Attributes)
                    if (string.Equals(a.Key, attribute, StringComparison.OrdinalIgnoreCase)) return a.Value;
                return null;
            }
        }
    }

    /// <summary>Helpers shared by the decoders.</summary>
    internal static class Decode
    {
        internal static void Expect(ServerResponse response, string name)
        {
            if (response == null) throw new ArgumentNullException(nameof(response));
            if (response.Name != name) throw new ArgumentException("Not a " + name + " response: " + response.Name, nameof(response));
        }

        internal static void Expect(ServerResponse response, string name1, string name2, string? name3 = null)
        {
            if (response == null) throw new ArgumentNullException(nameof(response));
            if (response.Name != name1 && response.Name != name2 && response.Name != name3)
                throw new ArgumentException("Not a " + name1 + " response: " + response.Name, nameof(response));
        }

        /// <summary>A mailbox name decoded from modified UTF-7; the raw name when it is not valid modified UTF-7 or <paramref name="utf8"/> is set.</summary>
        internal static string MailboxName(string raw, bool utf8)
        {
            if (utf8 || raw.IndexOf('&') < 0) return raw;
            return ModifiedUtf7.TryDecode(raw, out var decoded) ? decoded! : raw;
        }

        internal static uint? ToUInt32(ulong? v) => v.HasValue && v.Value <= uint.MaxValue ? (uint)v.Value : (uint?)null;
    }
}
