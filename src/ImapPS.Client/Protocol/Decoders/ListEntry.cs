using System;
using System.Collections.Generic;

namespace ImapPS.Client.Protocol
{
    /// <summary>
    /// One mailbox of a LIST, LSUB or XLIST response:
    /// <c>* LIST (\HasNoChildren \Sent) "/" "Sent" ("CHILDINFO" ("SUBSCRIBED"))</c>.
    /// </summary>
    public sealed class ListEntry
    {
        private static readonly string[] KnownAttributes =
        {
            "\\HasChildren", "\\HasNoChildren", "\\Noselect", "\\NonExistent", "\\Noinferiors", "\\Marked", "\\Unmarked", "\\Subscribed", "\\Remote",
            "\\All", "\\Archive", "\\Drafts", "\\Flagged", "\\Junk", "\\Sent", "\\Trash", "\\Important",
            "\\Inbox", "\\AllMail", "\\Spam", "\\Starred",
        };

        /// <summary>The response name: LIST, LSUB or XLIST.</summary>
        public string Kind { get; internal set; } = "LIST";

        /// <summary>The name attributes as sent (common ones as shared instances with canonical case).</summary>
        public IReadOnlyList<string> Attributes { get; internal set; } = Array.Empty<string>();

        /// <summary>The hierarchy delimiter, or null when the server has no hierarchy (NIL).</summary>
        public char? Delimiter { get; internal set; }

        /// <summary>The mailbox name as sent.</summary>
        public string RawName { get; internal set; } = "";

        /// <summary>The mailbox name: decoded from modified UTF-7 unless the server speaks UTF-8 (or the name is not valid modified UTF-7).</summary>
        public string Name { get; internal set; } = "";

        /// <summary>
        /// The special use (RFC 6154) as a canonical attribute: <c>\All \Archive \Drafts \Flagged \Junk \Sent \Trash \Important</c>;
        /// Gmail's XLIST attributes map to them (<c>\AllMail</c> → <c>\All</c>, <c>\Spam</c> → <c>\Junk</c>,
        /// <c>\Starred</c> → <c>\Flagged</c>), and XLIST's <c>\Inbox</c> stays <c>\Inbox</c>. Null when none.
        /// </summary>
        public string? SpecialUse { get; internal set; }

        /// <summary>CHILDINFO extended data (RFC 5258), e.g. SUBSCRIBED; empty when absent.</summary>
        public IReadOnlyList<string> ChildInfo { get; internal set; } = Array.Empty<string>();

        /// <summary>OLDNAME extended data (RFC 5465/9051, after a rename), decoded; null when absent.</summary>
        public string? OldName { get; internal set; }

        /// <summary>Other extended data items as (upper-case tag, value).</summary>
        public IReadOnlyList<KeyValuePair<string, ImapValue>> Extensions { get; internal set; } = Array.Empty<KeyValuePair<string, ImapValue>>();

        /// <summary>True when <c>\HasChildren</c> is present.</summary>
        public bool HasChildren => HasAttribute("\\HasChildren");

        /// <summary>True when <c>\HasNoChildren</c> (or <c>\Noinferiors</c>) is present.</summary>
        public bool HasNoChildren => HasAttribute("\\HasNoChildren") || HasAttribute("\\Noinferiors");

        /// <summary>True when the mailbox cannot be selected (<c>\Noselect</c> or <c>\NonExistent</c>).</summary>
        public bool NoSelect => HasAttribute("\\Noselect") || HasAttribute("\\NonExistent");

        /// <summary>True when <c>\NonExistent</c> is present.</summary>
        public bool NonExistent => HasAttribute("\\NonExistent");

        /// <summary>True when <c>\Subscribed</c> is present (LIST-EXTENDED) or this is an LSUB entry.</summary>
        public bool IsSubscribed => Kind == "LSUB" || HasAttribute("\\Subscribed");

        /// <summary>True when the attribute is present (ignoring case).</summary>
        public bool HasAttribute(string attribute)
        {
            foreach (var a in Attributes)
                if (string.Equals(a, attribute, StringComparison.OrdinalIgnoreCase)) return true;
            return false;
        }

        /// <summary>Decodes a LIST, LSUB or XLIST response.</summary>
        /// <param name="response">The response.</param>
        /// <param name="utf8">True when UTF8=ACCEPT is enabled: names are UTF-8, not modified UTF-7.</param>
        public static ListEntry Parse(ServerResponse response, bool utf8 = false)
        {
            Decode.Expect(response, "LIST", "LSUB", "XLIST");
            var c = Cursor.AtData(response);
            var entry = new ListEntry { Kind = response.Name };
            var attributes = new List<string>(3);
            if (c.TryEnterList())
            {
                while (!c.AtEnd)
                {
                    if (c.IsListStart) { c.Skip(); continue; }
                    var a = c.ReadInterned(KnownAttributes, lowerCase: false);
                    if (a != null) attributes.Add(a);
                }
                c.LeaveList();
            }
            else if (!c.IsNil) throw c.Error("a list of mailbox attributes");
            else c.Skip();
            entry.Attributes = attributes;
            if (c.AtEnd) throw c.Error("a hierarchy delimiter");
            var delimiter = c.ReadNString();
            entry.Delimiter = string.IsNullOrEmpty(delimiter) ? null : delimiter![0];
            if (c.AtEnd) throw c.Error("a mailbox name");
            entry.RawName = c.ReadNString() ?? throw c.Error("a mailbox name");
            entry.Name = Decode.MailboxName(entry.RawName, utf8);
            if (c.TryEnterList())
            {
                List<KeyValuePair<string, ImapValue>>? extensions = null;
                while (!c.AtEnd)
                {
                    string tag = (c.ReadNString() ?? "").ToUpperInvariant();
                    if (c.AtEnd) break;
                    if (tag == "CHILDINFO") entry.ChildInfo = c.ReadStringList();
                    else if (tag == "OLDNAME")
                    {
                        var old = c.ReadStringList();
                        if (old.Count > 0) entry.OldName = Decode.MailboxName(old[0], utf8);
                    }
                    else
                    {
                        (extensions ??= new List<KeyValuePair<string, ImapValue>>()).Add(new KeyValuePair<string, ImapValue>(tag, c.Value));
                        c.Skip();
                    }
                }
                c.LeaveList();
                if (extensions != null) entry.Extensions = extensions;
            }
            entry.SpecialUse = FindSpecialUse(attributes);
            return entry;
        }

        private static string? FindSpecialUse(List<string> attributes)
        {
            foreach (var a in attributes)
            {
                switch (a.ToUpperInvariant())
                {
                    case "\\ALL": case "\\ALLMAIL": return "\\All";
                    case "\\ARCHIVE": return "\\Archive";
                    case "\\DRAFTS": return "\\Drafts";
                    case "\\FLAGGED": case "\\STARRED": return "\\Flagged";
                    case "\\JUNK": case "\\SPAM": return "\\Junk";
                    case "\\SENT": return "\\Sent";
                    case "\\TRASH": return "\\Trash";
                    case "\\IMPORTANT": return "\\Important";
                    case "\\INBOX": return "\\Inbox";
                }
            }
            return null;
        }

        /// <inheritdoc/>
        public override string ToString() => Name;
    }
}
