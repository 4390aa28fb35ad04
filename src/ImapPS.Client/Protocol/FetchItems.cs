using System;
using System.Collections.Generic;
using System.Text;

namespace ImapPS.Client.Protocol
{
    /// <summary>The message attributes a FETCH asks for, besides body sections.</summary>
    [Flags]
    public enum FetchAttributes
    {
        /// <summary>Nothing but the sections.</summary>
        None = 0,
        /// <summary>UID.</summary>
        Uid = 1,
        /// <summary>FLAGS.</summary>
        Flags = 2,
        /// <summary>INTERNALDATE.</summary>
        InternalDate = 4,
        /// <summary>RFC822.SIZE.</summary>
        Size = 8,
        /// <summary>ENVELOPE.</summary>
        Envelope = 16,
        /// <summary>BODYSTRUCTURE.</summary>
        BodyStructure = 32,
        /// <summary>MODSEQ (RFC 7162): needs CONDSTORE and a mailbox that keeps mod-sequences.</summary>
        ModSeq = 64,
        /// <summary>What a message listing shows: UID, FLAGS, INTERNALDATE, RFC822.SIZE and ENVELOPE.</summary>
        Summary = Uid | Flags | InternalDate | Size | Envelope,
    }

    /// <summary>
    /// The items of one FETCH, typed: attributes and body sections. Sections are always fetched
    /// with BODY.PEEK, so reading a message never sets \Seen. The item list is written here, in
    /// the protocol layer, so no caller writes FETCH syntax; a section is checked against RFC
    /// 3501's grammar (part numbers, then HEADER, TEXT or MIME) before anything is sent.
    /// </summary>
    public sealed class FetchItems
    {
        private readonly string[] _sections;
        private readonly string[] _headerFields;

        /// <summary>The items <paramref name="attributes"/> plus BODY.PEEK of each of <paramref name="sections"/>.</summary>
        /// <param name="attributes">The attributes.</param>
        /// <param name="sections">Body sections: <c>""</c> for the whole message, <c>HEADER</c>, <c>TEXT</c>, <c>1.2</c>, <c>2.MIME</c>, …</param>
        /// <exception cref="ArgumentException">A section is not a valid section specifier, or nothing is asked for.</exception>
        public FetchItems(FetchAttributes attributes, params string[] sections)
            : this(attributes, sections, Array.Empty<string>())
        {
        }

        private FetchItems(FetchAttributes attributes, string[]? sections, string[] headerFields)
        {
            _sections = sections ?? Array.Empty<string>();
            _headerFields = headerFields;
            foreach (var s in _sections)
                if (!IsValidSection(s)) throw new ArgumentException("'" + s + "' is not a body section (\"\", HEADER, TEXT, or part numbers such as 1.2, optionally followed by .HEADER, .TEXT or .MIME).", nameof(sections));
            if (attributes == FetchAttributes.None && _sections.Length == 0 && _headerFields.Length == 0) throw new ArgumentException("A FETCH needs at least one item.", nameof(attributes));
            Attributes = attributes;
        }

        /// <summary>The attributes asked for.</summary>
        public FetchAttributes Attributes { get; }

        /// <summary>The body sections asked for (fetched with BODY.PEEK).</summary>
        public IReadOnlyList<string> Sections => _sections;

        /// <summary>The header fields asked for with <see cref="WithHeaderFields"/>, in upper case (empty when none).</summary>
        public IReadOnlyList<string> HeaderFields => _headerFields;

        /// <summary>
        /// The section name of the header fields asked for, as <see cref="FetchData.FindSection"/>
        /// finds it (<c>HEADER.FIELDS (MESSAGE-ID DATE)</c>); null when none are asked for.
        /// </summary>
        public string? HeaderFieldsSection => _headerFields.Length == 0 ? null : "HEADER.FIELDS (" + string.Join(" ", _headerFields) + ")";

        /// <summary>The section of the whole message (BODY[]).</summary>
        public const string WholeMessage = "";

        /// <summary>The section of the header (BODY[HEADER]); <see cref="FetchData.FindSection"/> finds it by this name.</summary>
        public const string HeaderSection = "HEADER";

        /// <summary>The section of the text after the header (BODY[TEXT]), the body of a message that is not multipart.</summary>
        public const string TextSection = "TEXT";

        /// <summary>UID and FLAGS.</summary>
        public static FetchItems UidAndFlags { get; } = new FetchItems(FetchAttributes.Uid | FetchAttributes.Flags);

        /// <summary>A message listing's items (<see cref="FetchAttributes.Summary"/>).</summary>
        public static FetchItems Summary { get; } = new FetchItems(FetchAttributes.Summary);

        /// <summary>The same items with <paramref name="attributes"/> added.</summary>
        public FetchItems With(FetchAttributes attributes) => new FetchItems(Attributes | attributes, _sections, _headerFields);

        /// <summary>The same items with BODY.PEEK of <paramref name="sections"/> added.</summary>
        public FetchItems WithSections(params string[] sections)
        {
            var all = new string[_sections.Length + sections.Length];
            _sections.CopyTo(all, 0);
            sections.CopyTo(all, _sections.Length);
            return new FetchItems(Attributes, all, _headerFields);
        }

        /// <summary>
        /// The same items with BODY.PEEK[HEADER.FIELDS (…)] of <paramref name="fieldNames"/> added
        /// (RFC 3501 6.4.5): only those header fields of each message, e.g. <c>Message-ID</c>.
        /// A name is a header field name (RFC 5322: printable ASCII but the colon) that is also an
        /// IMAP atom, so it is sent as written; names already asked for are not repeated.
        /// </summary>
        /// <exception cref="ArgumentException">No name is given, or a name is not a field name.</exception>
        public FetchItems WithHeaderFields(params string[] fieldNames)
        {
            if (fieldNames is null || fieldNames.Length == 0) throw new ArgumentException("HEADER.FIELDS needs at least one field name.", nameof(fieldNames));
            var all = new List<string>(_headerFields);
            foreach (var name in fieldNames)
            {
                if (!IsValidFieldName(name)) throw new ArgumentException("'" + name + "' is not a header field name (printable ASCII without spaces, the colon, or ( ) { } [ ] % * \\ \").", nameof(fieldNames));
                string upper = name.ToUpperInvariant();
                if (!all.Contains(upper)) all.Add(upper);
            }
            return new FetchItems(Attributes, _sections, all.ToArray());
        }

        /// <summary>True when <paramref name="name"/> is a header field name (RFC 5322 <c>ftext</c>) that is also an IMAP atom.</summary>
        public static bool IsValidFieldName(string? name)
        {
            if (string.IsNullOrEmpty(name)) return false;
            foreach (char c in name!)
            {
                if (c <= ' ' || c >= 127 || c == ':') return false;
                if (c == '(' || c == ')' || c == '{' || c == '}' || c == '[' || c == ']' || c == '%' || c == '*' || c == '"' || c == '\\') return false;
            }
            return true;
        }

        /// <summary>The parenthesised item list as sent, e.g. <c>(UID FLAGS BODY.PEEK[HEADER])</c>.</summary>
        public override string ToString()
        {
            var sb = new StringBuilder("(");
            void Add(string item)
            {
                if (sb.Length > 1) sb.Append(' ');
                sb.Append(item);
            }
            if ((Attributes & FetchAttributes.Uid) != 0) Add("UID");
            if ((Attributes & FetchAttributes.Flags) != 0) Add("FLAGS");
            if ((Attributes & FetchAttributes.InternalDate) != 0) Add("INTERNALDATE");
            if ((Attributes & FetchAttributes.Size) != 0) Add("RFC822.SIZE");
            if ((Attributes & FetchAttributes.Envelope) != 0) Add("ENVELOPE");
            if ((Attributes & FetchAttributes.BodyStructure) != 0) Add("BODYSTRUCTURE");
            if ((Attributes & FetchAttributes.ModSeq) != 0) Add("MODSEQ");
            foreach (var s in _sections) Add("BODY.PEEK[" + s.ToUpperInvariant() + "]");
            if (_headerFields.Length > 0) Add("BODY.PEEK[" + HeaderFieldsSection + "]");
            return sb.Append(')').ToString();
        }

        /// <summary>
        /// RFC 3501 <c>section-spec</c> without HEADER.FIELDS: empty, HEADER, TEXT, or a part
        /// number (<c>1.2.3</c>, no zero) optionally followed by <c>.HEADER</c>, <c>.TEXT</c> or <c>.MIME</c>.
        /// </summary>
        public static bool IsValidSection(string? section)
        {
            if (section == null) return false;
            if (section.Length == 0) return true;
            string upper = section.ToUpperInvariant();
            if (upper == "HEADER" || upper == "TEXT") return true;
            int i = 0;
            bool any = false;
            while (i < upper.Length)
            {
                int start = i;
                while (i < upper.Length && upper[i] >= '0' && upper[i] <= '9') i++;
                if (i == start)
                    return any && (upper.Substring(start) == "HEADER" || upper.Substring(start) == "TEXT" || upper.Substring(start) == "MIME");
                if (upper[start] == '0' || i - start > 9) return false;
                any = true;
                if (i == upper.Length) return true;
                if (upper[i] != '.') return false;
                i++;
                if (i == upper.Length) return false;
            }
            return false;
        }
    }
}
