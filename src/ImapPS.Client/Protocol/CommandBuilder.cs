using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO;

namespace ImapPS.Client.Protocol
{
    /// <summary>Which literal forms the server accepts (RFC 7888).</summary>
    public enum LiteralSupport
    {
        /// <summary>Only synchronising literals <c>{n}</c>: every literal waits for a <c>+</c>.</summary>
        Synchronizing,
        /// <summary>LITERAL- (and IMAP4rev2): <c>{n+}</c> up to 4096 bytes, <c>{n}</c> above.</summary>
        LiteralMinus,
        /// <summary>LITERAL+: every literal is non-synchronising <c>{n+}</c>.</summary>
        LiteralPlus,
    }

    /// <summary>
    /// Turns a tag, a command name and arguments into a <see cref="CommandPayload"/>. Immutable and
    /// thread-safe: when the server's capabilities or the session's ENABLEd extensions change,
    /// make a new builder with <see cref="WithLiteralSupport"/> / <see cref="WithUtf8Accept"/>.
    /// </summary>
    /// <remarks>
    /// <para>Untyped string arguments follow imaplib2's <c>_checkquote</c>, made injection-proof:</para>
    /// <list type="number">
    /// <item>A string containing CR, LF or NUL is always sent as a literal of its UTF-8 bytes, whatever its form.</item>
    /// <item>A string of length ≥ 2 enclosed in <c>"…"</c> or <c>(…)</c> is sent as is (UTF-8 bytes for any
    /// 8-bit characters: with no CR/LF/NUL it cannot break the framing, and the caller pre-formatted it).</item>
    /// <item>A string of length ≥ 2 enclosed in <c>'…'</c> is sent without the single quotes (imaplib2's way to
    /// pass <c>1:*</c>), unless the inside is empty or ends with <c>}</c> while containing <c>{</c>: that could
    /// become a literal header at the end of the line, so the inside is then quoted by the next rules instead.</item>
    /// <item>A non-empty string made only of imaplib2's safe characters <c>[!#$&amp;'+,./0-9:;&lt;=&gt;?@A-Z[]^_`a-z|}~-]</c> is sent as is.</item>
    /// <item>Otherwise it is quoted, with <c>\</c> and <c>"</c> escaped; if it has 8-bit characters it is a
    /// literal instead, unless UTF8=ACCEPT is enabled, in which case it is quoted UTF-8 (RFC 6855).</item>
    /// </list>
    /// <para>
    /// Untyped byte arrays pass unquoted, as in imaplib2, unless they contain CR, LF or NUL or end like a
    /// literal header; those become literals. The second argument of LOGIN (the password) is always quoted
    /// (or a literal) and redacted; arguments after the mechanism of AUTHENTICATE are redacted.
    /// </para>
    /// <para>
    /// Literals use <c>{n+}</c> or <c>{n}</c> according to <see cref="LiteralSupport"/>. Strings become
    /// literals of their UTF-8 bytes; the engine must say <c>CHARSET UTF-8</c> where the command needs it.
    /// A NUL is not allowed in an IMAP4rev1 literal either: the server will answer BAD, but the framing
    /// stays intact. APPEND's <c>UTF8 (~{n}…)</c> form is not produced.
    /// </para>
    /// </remarks>
    public sealed class CommandBuilder
    {
        /// <summary>The largest literal sent non-synchronising under LITERAL- (RFC 7888).</summary>
        public const int LiteralMinusLimit = 4096;

        private const int InitialBufferSize = 256;

        /// <summary>A builder for a server without LITERAL+/LITERAL- and without UTF8=ACCEPT.</summary>
        public CommandBuilder() : this(LiteralSupport.Synchronizing, false) { }

        /// <summary>A builder for the given server abilities.</summary>
        /// <param name="literalSupport">The literal forms the server announced.</param>
        /// <param name="utf8Accept">True once <c>ENABLE UTF8=ACCEPT</c> succeeded: 8-bit strings are
        /// quoted as UTF-8 and mailbox names are sent as UTF-8 rather than modified UTF-7.</param>
        public CommandBuilder(LiteralSupport literalSupport, bool utf8Accept)
        {
            if (literalSupport < LiteralSupport.Synchronizing || literalSupport > LiteralSupport.LiteralPlus)
                throw new ArgumentOutOfRangeException(nameof(literalSupport));
            LiteralSupport = literalSupport;
            Utf8Accept = utf8Accept;
        }

        /// <summary>The literal forms in use.</summary>
        public LiteralSupport LiteralSupport { get; }

        /// <summary>True when UTF8=ACCEPT is enabled for the session.</summary>
        public bool Utf8Accept { get; }

        /// <summary>A builder like this one with other literal support.</summary>
        public CommandBuilder WithLiteralSupport(LiteralSupport literalSupport) => new CommandBuilder(literalSupport, Utf8Accept);

        /// <summary>A builder like this one with UTF8=ACCEPT on or off.</summary>
        public CommandBuilder WithUtf8Accept(bool utf8Accept) => new CommandBuilder(LiteralSupport, utf8Accept);

        /// <summary>
        /// The best literal form a capability list allows: LITERAL+ over LITERAL- (which IMAP4rev2
        /// implies) over synchronising. Capability names are compared case-insensitively.
        /// </summary>
        public static LiteralSupport LiteralSupportFrom(IEnumerable<string> capabilities)
        {
            if (capabilities is null) throw new ArgumentNullException(nameof(capabilities));
            var best = LiteralSupport.Synchronizing;
            foreach (string capability in capabilities)
            {
                if (string.Equals(capability, "LITERAL+", StringComparison.OrdinalIgnoreCase)) return LiteralSupport.LiteralPlus;
                if (string.Equals(capability, "LITERAL-", StringComparison.OrdinalIgnoreCase)
                    || string.Equals(capability, "IMAP4rev2", StringComparison.OrdinalIgnoreCase))
                    best = LiteralSupport.LiteralMinus;
            }
            return best;
        }

        /// <summary>The builder's settings, for logs and test output.</summary>
        public override string ToString() => "CommandBuilder(" + LiteralSupport + ", Utf8Accept=" + Utf8Accept + ")";

        /// <summary>
        /// A mailbox name as it goes on the wire before quoting: modified UTF-7, or unchanged under UTF8=ACCEPT.
        /// </summary>
        public string EncodeMailboxName(string name) => Utf8Accept ? name : ModifiedUtf7.Encode(name);

        /// <summary>Builds <c>tag SP command *(SP argument) CRLF</c>. Arguments that are <see cref="ImapArgument.IsNone"/> are skipped.</summary>
        /// <exception cref="ArgumentException">The tag or command name is not valid, or a string
        /// argument holds an unpaired surrogate. Messages name the argument's index, never its value.</exception>
        public CommandPayload Build(string tag, string command, params ImapArgument[] arguments)
            => Build(tag, command, (IReadOnlyList<ImapArgument>)(arguments ?? Array.Empty<ImapArgument>()));

        /// <inheritdoc cref="Build(string, string, ImapArgument[])"/>
        public CommandPayload Build(string tag, string command, IReadOnlyList<ImapArgument> arguments)
        {
            if (tag is null) throw new ArgumentNullException(nameof(tag));
            if (command is null) throw new ArgumentNullException(nameof(command));
            if (arguments is null) throw new ArgumentNullException(nameof(arguments));
            if (!ImapSyntax.IsValidTag(tag)) throw new ArgumentException("A tag must be one or more ASTRING-CHARs other than '+'.", nameof(tag));
            if (!ImapSyntax.IsValidCommandName(command)) throw new ArgumentException("A command name must be atoms separated by single spaces.", nameof(command));

            bool isLogin = string.Equals(command, "LOGIN", StringComparison.OrdinalIgnoreCase);
            bool isAuthenticate = string.Equals(command, "AUTHENTICATE", StringComparison.OrdinalIgnoreCase);

            var writer = new Writer(InitialBufferSize);
            try
            {
                writer.WriteAscii(tag);
                writer.WriteByte((byte)' ');
                writer.WriteAscii(command);
                for (int i = 0; i < arguments.Count; i++)
                {
                    ImapArgument argument = arguments[i];
                    if (argument.IsNone) continue;
                    if (isLogin && i == 1)
                        argument = ImapArgument.Sensitive(QuotedPassword(argument));
                    else if (isAuthenticate && i >= 1 && !argument.IsSensitive)
                        argument = ImapArgument.Sensitive(argument);
                    writer.WriteByte((byte)' ');
                    WriteArgument(ref writer, argument, i);
                }
                writer.WriteByte((byte)'\r');
                writer.WriteByte((byte)'\n');
                return writer.ToPayload(tag, command, wholeLineSensitive: false);
            }
            finally
            {
                writer.Release();
            }
        }

        /// <summary>
        /// A continuation line the client sends after a <c>+</c> (an AUTHENTICATE response, <c>*</c> to
        /// cancel it, or <c>DONE</c> to end IDLE): <paramref name="line"/> followed by CRLF. With
        /// <paramref name="sensitive"/> (the default) the log rendering is <c>***</c>.
        /// </summary>
        /// <exception cref="ArgumentException">The line contains CR, LF or NUL, or an unpaired surrogate.</exception>
        public CommandPayload BuildContinuation(string line, bool sensitive = true)
        {
            if (line is null) throw new ArgumentNullException(nameof(line));
            if (ImapSyntax.ContainsLineBreakOrNul(line)) throw new ArgumentException("A continuation line cannot contain CR, LF or NUL.", nameof(line));
            if (Utf8.Length(line, 0, line.Length) < 0) throw new ArgumentException("A continuation line cannot contain an unpaired surrogate.", nameof(line));
            var writer = new Writer(line.Length * 3 + 2);
            try
            {
                writer.WriteUtf8(line, 0, line.Length);
                writer.WriteByte((byte)'\r');
                writer.WriteByte((byte)'\n');
                return writer.ToPayload(null, "", sensitive);
            }
            finally
            {
                writer.Release();
            }
        }

        /// <summary>imaplib2 always quotes the LOGIN password; untyped bytes get the same treatment.</summary>
        private static ImapArgument QuotedPassword(ImapArgument password)
        {
            if (password.Kind == ImapArgumentKind.AutoString) return ImapArgument.Quoted((string)password.Value!);
            if (password.Kind != ImapArgumentKind.AutoBytes) return password;
            ReadOnlySpan<byte> bytes = password.Bytes.Span;
            foreach (byte b in bytes)
                if (b >= 0x80 || ImapSyntax.IsLineBreakOrNul(b)) return ImapArgument.Literal(password.Bytes);
            var text = new char[bytes.Length];
            for (int i = 0; i < bytes.Length; i++) text[i] = (char)bytes[i];
            return ImapArgument.Quoted(new string(text));
        }

        private void WriteArgument(ref Writer writer, in ImapArgument argument, int index)
        {
            int start = writer.Position;
            writer.SuppressLiteralRedaction = argument.IsSensitive;
            switch (argument.Kind)
            {
                case ImapArgumentKind.AutoString:
                    WriteAutoString(ref writer, (string)argument.Value!, index);
                    break;
                case ImapArgumentKind.AutoBytes:
                    {
                        ReadOnlySpan<byte> bytes = argument.Bytes.Span;
                        if (bytes.Length == 0) writer.WriteAscii("\"\"");
                        else if (ImapSyntax.ContainsLineBreakOrNul(bytes) || ImapSyntax.EndsWithLiteralHeader(bytes)) WriteLiteral(ref writer, bytes);
                        else writer.WriteBytes(bytes);
                        break;
                    }
                case ImapArgumentKind.Atom:
                    writer.WriteAscii((string)argument.Value!);
                    break;
                case ImapArgumentKind.AString:
                    WriteAString(ref writer, (string)argument.Value!, index);
                    break;
                case ImapArgumentKind.Quoted:
                    {
                        string value = (string)argument.Value!;
                        WriteQuotedOrLiteral(ref writer, value, Classify(value, index));
                        break;
                    }
                case ImapArgumentKind.LiteralBytes:
                    WriteLiteral(ref writer, argument.Bytes.Span);
                    break;
                case ImapArgumentKind.LiteralString:
                    {
                        string value = (string)argument.Value!;
                        WriteStringLiteral(ref writer, value, Classify(value, index).Utf8Length);
                        break;
                    }
                case ImapArgumentKind.LiteralStream:
                    {
                        int headerStart = writer.Position;
                        WriteLiteralHeader(ref writer, argument.Number);
                        writer.AddStream((Stream)argument.Value!, argument.Number);
                        writer.AddLiteralRedaction(headerStart, argument.Number);
                        break;
                    }
                case ImapArgumentKind.Number:
                    writer.WriteNumber(argument.Number);
                    break;
                case ImapArgumentKind.Raw:
                case ImapArgumentKind.SequenceSet:
                    {
                        string value = (string)argument.Value!;
                        Classify(value, index); // rejects unpaired surrogates
                        writer.WriteUtf8(value, 0, value.Length);
                        break;
                    }
                case ImapArgumentKind.Mailbox:
                    WriteAString(ref writer, EncodeMailboxName((string)argument.Value!), index);
                    break;
                case ImapArgumentKind.List:
                    {
                        // Each item follows the same rules as a top-level argument (literals included),
                        // so a list can never carry an unescaped line break either.
                        var items = (ImapArgument[])argument.Value!;
                        writer.WriteByte((byte)'(');
                        bool first = true;
                        foreach (var item in items)
                        {
                            if (item.IsNone) continue;
                            if (!first) writer.WriteByte((byte)' ');
                            first = false;
                            WriteArgument(ref writer, item, index);
                        }
                        writer.WriteByte((byte)')');
                        break;
                    }
                default:
                    throw new ArgumentException("Argument " + index + " has an unknown kind.", "arguments");
            }
            writer.SuppressLiteralRedaction = false;
            if (argument.IsSensitive) writer.AddSensitiveRedaction(start);
        }

        private void WriteAutoString(ref Writer writer, string value, int index)
        {
            Shape shape = Classify(value, index);
            if (shape.HasLineBreakOrNul)
            {
                WriteStringLiteral(ref writer, value, shape.Utf8Length);
                return;
            }
            int length = value.Length;
            if (length >= 2)
            {
                char first = value[0], last = value[length - 1];
                if ((first == '"' && last == '"') || (first == '(' && last == ')'))
                {
                    writer.WriteUtf8(value, 0, length);
                    return;
                }
                if (first == '\'' && last == '\'')
                {
                    string inner = value.Substring(1, length - 2);
                    if (inner.Length > 0 && !ImapSyntax.EndsWithLiteralHeader(inner)) writer.WriteUtf8(inner, 0, inner.Length);
                    else WriteAString(ref writer, inner, index);
                    return;
                }
            }
            if (shape.AllSafe) writer.WriteAscii(value);
            else WriteQuotedOrLiteral(ref writer, value, shape);
        }

        private void WriteAString(ref Writer writer, string value, int index)
        {
            Shape shape = Classify(value, index);
            if (shape.AllSafe) writer.WriteAscii(value);
            else WriteQuotedOrLiteral(ref writer, value, shape);
        }

        private void WriteQuotedOrLiteral(ref Writer writer, string value, Shape shape)
        {
            if (shape.HasLineBreakOrNul || (shape.HasEightBit && !Utf8Accept))
            {
                WriteStringLiteral(ref writer, value, shape.Utf8Length);
                return;
            }
            writer.Ensure(checked(value.Length * 3 + 2));
            writer.WriteByte((byte)'"');
            int runStart = 0;
            for (int i = 0; i < value.Length; i++)
            {
                char c = value[i];
                if (c == '"' || c == '\\')
                {
                    writer.WriteUtf8(value, runStart, i - runStart);
                    writer.WriteByte((byte)'\\');
                    runStart = i; // the quote or backslash itself starts the next run
                }
            }
            writer.WriteUtf8(value, runStart, value.Length - runStart);
            writer.WriteByte((byte)'"');
        }

        private void WriteStringLiteral(ref Writer writer, string value, int utf8Length)
        {
            int headerStart = writer.Position;
            WriteLiteralHeader(ref writer, utf8Length);
            writer.WriteUtf8(value, 0, value.Length);
            writer.AddLiteralRedaction(headerStart, utf8Length);
        }

        private void WriteLiteral(ref Writer writer, ReadOnlySpan<byte> body)
        {
            int headerStart = writer.Position;
            WriteLiteralHeader(ref writer, body.Length);
            writer.WriteBytes(body);
            writer.AddLiteralRedaction(headerStart, body.Length);
        }

        private void WriteLiteralHeader(ref Writer writer, long length)
        {
            bool synchronizing = LiteralSupport == LiteralSupport.Synchronizing
                || (LiteralSupport == LiteralSupport.LiteralMinus && length > LiteralMinusLimit);
            writer.WriteByte((byte)'{');
            writer.WriteNumber(length);
            if (!synchronizing) writer.WriteByte((byte)'+');
            writer.WriteByte((byte)'}');
            writer.WriteByte((byte)'\r');
            writer.WriteByte((byte)'\n');
            if (synchronizing) writer.StartSegment();
        }

        private struct Shape
        {
            public bool HasLineBreakOrNul;
            public bool HasEightBit;
            public bool AllSafe;
            public int Utf8Length;
        }

        private static Shape Classify(string value, int index)
        {
            var shape = new Shape { AllSafe = value.Length > 0 };
            for (int i = 0; i < value.Length; i++)
            {
                char c = value[i];
                if (c < 0x80)
                {
                    if (ImapSyntax.IsLineBreakOrNul(c)) shape.HasLineBreakOrNul = true;
                    if (!ImapSyntax.IsSafe(c)) shape.AllSafe = false;
                }
                else
                {
                    shape.HasEightBit = true;
                    shape.AllSafe = false;
                }
            }
            shape.Utf8Length = shape.HasEightBit ? Utf8.Length(value, 0, value.Length) : value.Length;
            if (shape.Utf8Length < 0)
                throw new ArgumentException("Argument " + index + " contains an unpaired UTF-16 surrogate, which cannot be sent as UTF-8.", "arguments");
            return shape;
        }

        /// <summary>The growable, pooled output of one build.</summary>
        private struct Writer
        {
            private byte[] _buffer;
            private int _partStart;
            private List<CommandPayload.Part>? _parts;
            private List<int>? _segmentStarts;
            private List<CommandPayload.Redaction>? _redactions;

            public Writer(int initialSize)
            {
                _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(initialSize, 16));
                Position = 0;
                _partStart = 0;
                _parts = null;
                _segmentStarts = null;
                _redactions = null;
                SuppressLiteralRedaction = false;
            }

            public int Position;

            /// <summary>True while writing a sensitive argument: its literals are covered by the <c>***</c>.</summary>
            public bool SuppressLiteralRedaction;

            public void Ensure(int extra)
            {
                if (_buffer.Length - Position < extra) Grow(extra);
            }

            private void Grow(int extra)
            {
                int needed = checked(Position + extra);
                byte[] larger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, _buffer.Length * 2));
                Buffer.BlockCopy(_buffer, 0, larger, 0, Position);
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = larger;
            }

            public void WriteByte(byte value)
            {
                if (Position == _buffer.Length) Grow(1);
                _buffer[Position++] = value;
            }

            /// <summary>Writes a string already known to be ASCII.</summary>
            public void WriteAscii(string value)
            {
                Ensure(value.Length);
                byte[] buffer = _buffer;
                int position = Position;
                for (int i = 0; i < value.Length; i++) buffer[position++] = (byte)value[i];
                Position = position;
            }

            /// <summary>Writes UTF-16 as UTF-8; callers have rejected unpaired surrogates already.</summary>
            public void WriteUtf8(string value, int start, int count)
            {
                Ensure(checked(count * 3));
                Position += Utf8.Encode(value, start, count, _buffer, Position);
            }

            public void WriteBytes(ReadOnlySpan<byte> bytes)
            {
                Ensure(bytes.Length);
                bytes.CopyTo(new Span<byte>(_buffer, Position, bytes.Length));
                Position += bytes.Length;
            }

            public void WriteNumber(long value)
            {
                Ensure(20);
                if (value == 0)
                {
                    _buffer[Position++] = (byte)'0';
                    return;
                }
                int digits = 0;
                for (long rest = value; rest > 0; rest /= 10) digits++;
                int end = Position + digits;
                for (int i = end - 1; i >= Position; i--)
                {
                    _buffer[i] = (byte)('0' + (int)(value % 10));
                    value /= 10;
                }
                Position = end;
            }

            private void CloseBufferPart()
            {
                _parts ??= new List<CommandPayload.Part>(4);
                if (Position > _partStart)
                    _parts.Add(new CommandPayload.Part { Offset = _partStart, Length = Position - _partStart });
                _partStart = Position;
            }

            /// <summary>Ends the current segment: what follows is sent after the server's <c>+</c>.</summary>
            public void StartSegment()
            {
                CloseBufferPart();
                _segmentStarts ??= new List<int>(2) { 0 };
                _segmentStarts.Add(_parts!.Count);
            }

            public void AddStream(Stream stream, long length)
            {
                CloseBufferPart();
                _parts!.Add(new CommandPayload.Part { Stream = stream, StreamLength = length });
            }

            public void AddLiteralRedaction(int start, long literalLength)
            {
                if (SuppressLiteralRedaction) return;
                (_redactions ??= new List<CommandPayload.Redaction>(2)).Add(
                    new CommandPayload.Redaction { Start = start, End = Position, LiteralLength = literalLength });
            }

            public void AddSensitiveRedaction(int start)
            {
                (_redactions ??= new List<CommandPayload.Redaction>(1)).Add(
                    new CommandPayload.Redaction { Start = start, End = Position, LiteralLength = -1 });
            }

            public CommandPayload ToPayload(string? tag, string command, bool wholeLineSensitive)
            {
                if (_parts != null) CloseBufferPart();
                byte[] exact = new byte[Position];
                Buffer.BlockCopy(_buffer, 0, exact, 0, Position);
                return new CommandPayload(tag, command, exact, _parts?.ToArray(), _segmentStarts?.ToArray(),
                    _redactions?.ToArray(), wholeLineSensitive);
            }

            public void Release()
            {
                if (_buffer.Length > 0) ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = Array.Empty<byte>();
            }
        }
    }

    /// <summary>UTF-16 to UTF-8 without the replacement character: unpaired surrogates are errors.</summary>
    internal static class Utf8
    {
        /// <summary>The UTF-8 length of <c>value[start..start+count)</c>, or -1 when it holds an unpaired surrogate.</summary>
        public static int Length(string value, int start, int count)
        {
            int length = 0;
            int end = start + count;
            for (int i = start; i < end; i++)
            {
                char c = value[i];
                if (c < 0x80) length += 1;
                else if (c < 0x800) length += 2;
                else if (char.IsHighSurrogate(c))
                {
                    if (i + 1 >= end || !char.IsLowSurrogate(value[i + 1])) return -1;
                    length += 4;
                    i++;
                }
                else if (char.IsLowSurrogate(c)) return -1;
                else length += 3;
            }
            return length;
        }

        /// <summary>Encodes a range already checked by <see cref="Length"/>; returns the bytes written.</summary>
        public static int Encode(string value, int start, int count, byte[] destination, int offset)
        {
            int position = offset;
            int end = start + count;
            for (int i = start; i < end; i++)
            {
                int c = value[i];
                if (c < 0x80)
                {
                    destination[position++] = (byte)c;
                }
                else if (c < 0x800)
                {
                    destination[position++] = (byte)(0xC0 | (c >> 6));
                    destination[position++] = (byte)(0x80 | (c & 0x3F));
                }
                else if (c >= 0xD800 && c <= 0xDBFF && i + 1 < end && char.IsLowSurrogate(value[i + 1]))
                {
                    int scalar = char.ConvertToUtf32((char)c, value[++i]);
                    destination[position++] = (byte)(0xF0 | (scalar >> 18));
                    destination[position++] = (byte)(0x80 | ((scalar >> 12) & 0x3F));
                    destination[position++] = (byte)(0x80 | ((scalar >> 6) & 0x3F));
                    destination[position++] = (byte)(0x80 | (scalar & 0x3F));
                }
                else
                {
                    destination[position++] = (byte)(0xE0 | (c >> 12));
                    destination[position++] = (byte)(0x80 | ((c >> 6) & 0x3F));
                    destination[position++] = (byte)(0x80 | (c & 0x3F));
                }
            }
            return position - offset;
        }
    }
}
