using System;
using System.IO;

namespace ImapPS.Client.Protocol
{
    /// <summary>How an <see cref="ImapArgument"/> is to be put on the wire.</summary>
    internal enum ImapArgumentKind : byte
    {
        /// <summary>Nothing: skipped, like imaplib2 skips <c>None</c>.</summary>
        None,
        /// <summary>A string given without a type: imaplib2's <c>_checkquote</c> rules decide.</summary>
        AutoString,
        /// <summary>A byte array given without a type: passed as is unless it could inject.</summary>
        AutoBytes,
        Atom,
        AString,
        Quoted,
        LiteralBytes,
        LiteralString,
        LiteralStream,
        Number,
        Raw,
        SequenceSet,
        Mailbox,
        List,
    }

    /// <summary>
    /// One argument of an IMAP command. Either typed (built with the static factories, so the
    /// engine never relies on guessing) or untyped (an implicit conversion from <see cref="string"/>,
    /// <see cref="T:byte[]"/> or an integer, following imaplib2's quoting rules, see
    /// <see cref="CommandBuilder"/>). A value type, so building an argument list allocates nothing
    /// beyond the array that holds it.
    /// </summary>
    public readonly struct ImapArgument
    {
        private ImapArgument(ImapArgumentKind kind, object? value, long number, ReadOnlyMemory<byte> bytes, bool sensitive)
        {
            Kind = kind;
            Value = value;
            Number = number;
            Bytes = bytes;
            IsSensitive = sensitive;
        }

        internal ImapArgumentKind Kind { get; }

        /// <summary>The string (most kinds) or <see cref="Stream"/> (streamed literal).</summary>
        internal object? Value { get; }

        /// <summary>The number, or the declared length of a streamed literal.</summary>
        internal long Number { get; }

        internal ReadOnlyMemory<byte> Bytes { get; }

        /// <summary>
        /// True when the argument is a secret: the log rendering of the command shows <c>***</c>
        /// in its place.
        /// </summary>
        public bool IsSensitive { get; }

        /// <summary>True for the default value, which the builder skips.</summary>
        public bool IsNone => Kind == ImapArgumentKind.None;

        /// <summary>
        /// An untyped string, quoted by imaplib2's rules (see <see cref="CommandBuilder"/>).
        /// A null string becomes <see cref="IsNone"/> and is skipped.
        /// </summary>
        public static implicit operator ImapArgument(string? value)
            => value is null ? default : new ImapArgument(ImapArgumentKind.AutoString, value, 0, default, false);

        /// <summary>
        /// Untyped bytes, passed unquoted as imaplib2 does, unless they contain CR, LF or NUL or end
        /// like a literal header, in which case they are sent as a literal. Null is skipped.
        /// </summary>
        public static implicit operator ImapArgument(byte[]? value)
            => value is null ? default : new ImapArgument(ImapArgumentKind.AutoBytes, null, 0, value, false);

        /// <summary>A non-negative number.</summary>
        public static implicit operator ImapArgument(int value) => FromNumber(value);

        /// <summary>A non-negative number.</summary>
        public static implicit operator ImapArgument(long value) => FromNumber(value);

        /// <summary>A number.</summary>
        public static implicit operator ImapArgument(uint value) => FromNumber(value);

        /// <summary>
        /// An atom, sent as is. Throws <see cref="ArgumentException"/> when the value is empty or
        /// contains an atom-special (RFC 3501: <c>( ) { SP CTL % * " \ ]</c>) or a non-ASCII character.
        /// Use for keywords the engine itself chooses (<c>UIDNEXT</c>, <c>CHARSET</c>, <c>UTF-8</c>).
        /// </summary>
        public static ImapArgument Atom(string value)
        {
            if (value is null) throw new ArgumentNullException(nameof(value));
            int bad = ImapSyntax.FindNonAtomChar(value);
            if (bad >= 0)
                throw new ArgumentException(value.Length == 0
                    ? "An atom cannot be empty."
                    : "An atom cannot contain the character at index " + bad + " (atom-specials, controls and non-ASCII are not allowed).", nameof(value));
            return new ImapArgument(ImapArgumentKind.Atom, value, 0, default, false);
        }

        /// <summary>
        /// An astring: sent bare when every character is in imaplib2's safe set, otherwise quoted,
        /// otherwise (CR, LF, NUL, or 8-bit without UTF8=ACCEPT) as a literal of its UTF-8 bytes.
        /// </summary>
        public static ImapArgument AString(string value)
            => new ImapArgument(ImapArgumentKind.AString, value ?? throw new ArgumentNullException(nameof(value)), 0, default, false);

        /// <summary>
        /// A string that is always quoted (even when it would be a valid atom), or sent as a literal
        /// when quoting cannot carry it (CR, LF, NUL, or 8-bit without UTF8=ACCEPT).
        /// </summary>
        public static ImapArgument Quoted(string value)
            => new ImapArgument(ImapArgumentKind.Quoted, value ?? throw new ArgumentNullException(nameof(value)), 0, default, false);

        /// <summary>A literal holding these bytes (not copied: do not change them until the command is written).</summary>
        public static ImapArgument Literal(ReadOnlyMemory<byte> bytes)
            => new ImapArgument(ImapArgumentKind.LiteralBytes, null, 0, bytes, false);

        /// <summary>A literal holding these bytes (not copied: do not change them until the command is written).</summary>
        public static ImapArgument Literal(byte[] bytes)
            => Literal(new ReadOnlyMemory<byte>(bytes ?? throw new ArgumentNullException(nameof(bytes))));

        /// <summary>A literal holding the UTF-8 encoding of <paramref name="text"/>.</summary>
        public static ImapArgument LiteralText(string text)
            => new ImapArgument(ImapArgumentKind.LiteralString, text ?? throw new ArgumentNullException(nameof(text)), 0, default, false);

        /// <summary>
        /// A literal whose <paramref name="length"/> bytes are copied from <paramref name="content"/>
        /// (from its current position) only when the command is written, so a large APPEND is never
        /// buffered. The stream must deliver at least <paramref name="length"/> bytes; the builder
        /// neither disposes nor seeks it.
        /// </summary>
        public static ImapArgument Literal(Stream content, long length)
        {
            if (content is null) throw new ArgumentNullException(nameof(content));
            if (!content.CanRead) throw new ArgumentException("The literal stream must be readable.", nameof(content));
            if (length < 0) throw new ArgumentOutOfRangeException(nameof(length), "A literal length cannot be negative.");
            return new ImapArgument(ImapArgumentKind.LiteralStream, content, length, default, false);
        }

        /// <summary>A number (RFC 3501 <c>number</c>: non-negative).</summary>
        public static ImapArgument FromNumber(long value)
        {
            if (value < 0) throw new ArgumentOutOfRangeException(nameof(value), "IMAP numbers cannot be negative.");
            return new ImapArgument(ImapArgumentKind.Number, null, value, default, false);
        }

        /// <summary>
        /// A fragment the engine formats itself (a parenthesised FETCH item list, a flag list, a
        /// search key sequence), sent as is in UTF-8. Throws <see cref="ArgumentException"/> when it
        /// is empty, contains CR, LF or NUL, or contains a literal header (<c>{5}</c>) anywhere, since
        /// any of those would let the fragment change the framing of the command.
        /// </summary>
        public static ImapArgument Raw(string fragment)
        {
            if (fragment is null) throw new ArgumentNullException(nameof(fragment));
            if (fragment.Length == 0) throw new ArgumentException("A raw fragment cannot be empty.", nameof(fragment));
            if (ImapSyntax.ContainsLineBreakOrNul(fragment))
                throw new ArgumentException("A raw fragment cannot contain CR, LF or NUL.", nameof(fragment));
            if (ImapSyntax.EndsWithLiteralHeader(fragment) || ImapSyntax.ContainsLiteralHeader(fragment))
                throw new ArgumentException("A raw fragment cannot contain a literal header such as {5}.", nameof(fragment));
            return new ImapArgument(ImapArgumentKind.Raw, fragment, 0, default, false);
        }

        /// <summary>
        /// A sequence set (<c>1:5,7,9:*</c>, or <c>$</c> for a saved search result), validated
        /// against RFC 3501's grammar and sent as is. See <see cref="SequenceSet"/> to build one.
        /// </summary>
        public static ImapArgument FromSequenceSet(string set)
        {
            if (set is null) throw new ArgumentNullException(nameof(set));
            if (!SequenceSet.IsValid(set)) throw new ArgumentException("Not a valid sequence set.", nameof(set));
            return new ImapArgument(ImapArgumentKind.SequenceSet, set, 0, default, false);
        }

        /// <summary>
        /// A mailbox name, given decoded. The builder encodes it in modified UTF-7, or sends it as
        /// UTF-8 when the session enabled UTF8=ACCEPT, then quotes it as an astring.
        /// </summary>
        /// <exception cref="InvalidMailboxNameException">The name contains CR, LF or NUL: no server
        /// accepts it, and one that echoes it in its reply would break the session's framing.</exception>
        public static ImapArgument Mailbox(string name)
        {
            if (name is null) throw new ArgumentNullException(nameof(name));
            InvalidMailboxNameException.ThrowIfInvalid(name, "mailbox");
            return new ImapArgument(ImapArgumentKind.Mailbox, name, 0, default, false);
        }

        /// <summary>
        /// A parenthesised list of arguments, <c>(a b c)</c>, each written by its own rules (for
        /// SETMETADATA entries, ID fields, GETMETADATA entry lists).
        /// </summary>
        public static ImapArgument List(params ImapArgument[] items)
            => new ImapArgument(ImapArgumentKind.List, items ?? throw new ArgumentNullException(nameof(items)), 0, default, false);

        /// <summary>
        /// The same argument marked as a secret: it is shown as <c>***</c> in the command's log
        /// rendering and never appears in an exception message.
        /// </summary>
        public static ImapArgument Sensitive(ImapArgument argument)
            => new ImapArgument(argument.Kind, argument.Value, argument.Number, argument.Bytes, true);

        /// <summary>A secret string (a password, a token): always quoted or a literal, and redacted.</summary>
        public static ImapArgument Secret(string value) => Sensitive(Quoted(value));

        /// <summary>A short description for debuggers that never reveals a sensitive value.</summary>
        public override string ToString()
        {
            if (IsSensitive) return Kind + " ***";
            switch (Kind)
            {
                case ImapArgumentKind.None: return "None";
                case ImapArgumentKind.Number: return "Number " + Number;
                case ImapArgumentKind.LiteralStream: return "LiteralStream {" + Number + " bytes}";
                case ImapArgumentKind.LiteralBytes:
                case ImapArgumentKind.AutoBytes: return Kind + " {" + Bytes.Length + " bytes}";
                default: return Kind + " " + Value;
            }
        }
    }
}
