using System;
using System.Text;

namespace ImapPS.Client.Protocol
{
    /// <summary>
    /// Modified UTF-7 for mailbox names (RFC 3501 §5.1.3): printable ASCII stands for itself
    /// (<c>&amp;</c> as <c>&amp;-</c>), everything else is UTF-16BE in base64 with <c>,</c> for
    /// <c>/</c>, between <c>&amp;</c> and <c>-</c>.
    /// </summary>
    /// <remarks>
    /// Decoding is strict: it accepts only the canonical encoding <see cref="Encode"/> produces, and
    /// throws <see cref="ImapMailboxNameException"/> otherwise. Leniency would be unsafe here: a name
    /// decoded from a non-canonical form would be re-encoded differently, so a later SELECT of the
    /// decoded name would address another mailbox. Use <see cref="TryDecode"/> to keep the raw name
    /// instead. Unpaired surrogates are carried faithfully in both directions (UTF-16 code units).
    /// Under UTF8=ACCEPT mailbox names are plain UTF-8 and this encoding is not used
    /// (see <see cref="CommandBuilder.EncodeMailboxName"/>).
    /// </remarks>
    public static class ModifiedUtf7
    {
        private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";
        private static readonly sbyte[] AlphabetIndex = BuildIndex();

        private static sbyte[] BuildIndex()
        {
            var index = new sbyte[128];
            for (int i = 0; i < index.Length; i++) index[i] = -1;
            for (int i = 0; i < Alphabet.Length; i++) index[Alphabet[i]] = (sbyte)i;
            return index;
        }

        private static bool IsDirect(char c) => c >= 0x20 && c <= 0x7E;

        /// <summary>Encodes a mailbox name. The result is printable ASCII. Returns the same instance when nothing needs encoding.</summary>
        public static string Encode(string name)
        {
            if (name is null) throw new ArgumentNullException(nameof(name));
            int i = 0;
            while (i < name.Length && IsDirect(name[i]) && name[i] != '&') i++;
            if (i == name.Length) return name;

            var output = new StringBuilder(name.Length + 16);
            output.Append(name, 0, i);
            while (i < name.Length)
            {
                char c = name[i];
                if (c == '&')
                {
                    output.Append("&-");
                    i++;
                }
                else if (IsDirect(c))
                {
                    output.Append(c);
                    i++;
                }
                else
                {
                    output.Append('&');
                    int bits = 0, bitCount = 0;
                    while (i < name.Length && !IsDirect(name[i]))
                    {
                        bits = (bits << 16) | name[i];
                        bitCount += 16;
                        while (bitCount >= 6)
                        {
                            bitCount -= 6;
                            output.Append(Alphabet[(bits >> bitCount) & 0x3F]);
                        }
                        bits &= (1 << bitCount) - 1;
                        i++;
                    }
                    if (bitCount > 0) output.Append(Alphabet[(bits << (6 - bitCount)) & 0x3F]);
                    output.Append('-');
                }
            }
            return output.ToString();
        }

        /// <summary>Decodes a mailbox name. Returns the same instance when it contains no <c>&amp;</c>.</summary>
        /// <exception cref="ImapMailboxNameException">The name is not canonical modified UTF-7.</exception>
        public static string Decode(string encodedName)
        {
            if (encodedName is null) throw new ArgumentNullException(nameof(encodedName));
            string? decoded = DecodeCore(encodedName, out string error, out int position);
            if (decoded is null) throw new ImapMailboxNameException(error, encodedName, position);
            return decoded;
        }

        /// <summary>Decodes a mailbox name, or returns false (and null) when it is not canonical modified UTF-7.</summary>
        public static bool TryDecode(string encodedName, out string? decodedName)
        {
            if (encodedName is null) throw new ArgumentNullException(nameof(encodedName));
            decodedName = DecodeCore(encodedName, out _, out _);
            return decodedName != null;
        }

        private static string? DecodeCore(string input, out string error, out int position)
        {
            error = "";
            position = 0;
            int i = 0;
            while (i < input.Length && input[i] != '&')
            {
                if (!IsDirect(input[i])) return Fail("Only printable US-ASCII may appear outside a base64 section", i, out error, out position);
                i++;
            }
            if (i == input.Length) return input;

            var output = new StringBuilder(input.Length);
            output.Append(input, 0, i);
            bool previousWasShift = false;
            while (i < input.Length)
            {
                char c = input[i];
                if (c != '&')
                {
                    if (!IsDirect(c)) return Fail("Only printable US-ASCII may appear outside a base64 section", i, out error, out position);
                    output.Append(c);
                    previousWasShift = false;
                    i++;
                    continue;
                }
                int shiftStart = i;
                i++;
                if (i < input.Length && input[i] == '-')
                {
                    output.Append('&');
                    previousWasShift = false;
                    i++;
                    continue;
                }
                if (previousWasShift)
                    return Fail("Adjacent base64 sections must be merged into one", shiftStart, out error, out position);

                int bits = 0, bitCount = 0;
                while (true)
                {
                    if (i == input.Length) return Fail("A base64 section is not terminated by '-'", shiftStart, out error, out position);
                    char d = input[i];
                    if (d == '-') break;
                    int value = d < 128 ? AlphabetIndex[d] : -1;
                    if (value < 0) return Fail("Not a modified base64 character", i, out error, out position);
                    bits = (bits << 6) | value;
                    bitCount += 6;
                    if (bitCount >= 16)
                    {
                        bitCount -= 16;
                        char unit = (char)((bits >> bitCount) & 0xFFFF);
                        if (IsDirect(unit))
                            return Fail("A printable US-ASCII character must not be base64-encoded", i, out error, out position);
                        output.Append(unit);
                        bits &= (1 << bitCount) - 1;
                    }
                    i++;
                }
                // Canonical padding: fewer than 6 leftover bits, all zero, and at least one character.
                if (bitCount >= 6 || bits != 0 || i == shiftStart + 1)
                    return Fail("A base64 section has invalid padding", i, out error, out position);
                previousWasShift = true;
                i++; // the '-'
            }
            return output.ToString();
        }

        private static string? Fail(string message, int at, out string error, out int position)
        {
            error = message;
            position = at;
            return null;
        }
    }
}
