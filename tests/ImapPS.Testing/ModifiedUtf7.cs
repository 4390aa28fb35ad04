using System;
using System.Text;

namespace ImapPS.Testing
{
    /// <summary>IMAP's modified UTF-7 (RFC 3501 §5.1.3), which Dovecot uses for maildir folder names.</summary>
    internal static class ModifiedUtf7
    {
        private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

        public static string Encode(string name)
        {
            var result = new StringBuilder(name.Length);
            int i = 0;
            while (i < name.Length)
            {
                char c = name[i];
                if (c >= 0x20 && c <= 0x7e)
                {
                    result.Append(c == '&' ? "&-" : c.ToString());
                    i++;
                    continue;
                }

                int start = i;
                while (i < name.Length && (name[i] < 0x20 || name[i] > 0x7e))
                {
                    i++;
                }

                byte[] utf16 = Encoding.BigEndianUnicode.GetBytes(name.Substring(start, i - start));
                result.Append('&');
                int bits = 0;
                int buffer = 0;
                foreach (byte b in utf16)
                {
                    buffer = (buffer << 8) | b;
                    bits += 8;
                    while (bits >= 6)
                    {
                        bits -= 6;
                        result.Append(Alphabet[(buffer >> bits) & 0x3f]);
                    }
                }

                if (bits > 0)
                {
                    result.Append(Alphabet[(buffer << (6 - bits)) & 0x3f]);
                }

                result.Append('-');
            }

            return result.ToString();
        }
    }
}
