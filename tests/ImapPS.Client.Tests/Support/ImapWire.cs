using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace ImapPS.Client.Tests.Support
{
    /// <summary>Byte helpers shared by the corpus readers and the scripted servers.</summary>
    public static class ImapWire
    {
        /// <summary>The placeholder MailKit's reply files use for the tag of the answered command.</summary>
        public const string TagPlaceholder = "A########";

        /// <summary>ISO-8859-1: one char per byte, so any byte sequence survives a round trip through a string.</summary>
        public static readonly Encoding Latin1 = Encoding.Latin1;

        /// <summary>Converts every bare LF to CRLF; existing CRLF pairs are kept as they are.</summary>
        public static byte[] LfToCrlf(byte[] data)
        {
            if (data == null) throw new ArgumentNullException(nameof(data));
            var extra = 0;
            for (var i = 0; i < data.Length; i++)
            {
                if (data[i] == (byte)'\n' && (i == 0 || data[i - 1] != (byte)'\r'))
                    extra++;
            }
            if (extra == 0)
                return (byte[])data.Clone();
            var result = new byte[data.Length + extra];
            var o = 0;
            for (var i = 0; i < data.Length; i++)
            {
                if (data[i] == (byte)'\n' && (i == 0 || data[i - 1] != (byte)'\r'))
                    result[o++] = (byte)'\r';
                result[o++] = data[i];
            }
            return result;
        }

        /// <summary>Replaces every occurrence of <paramref name="find"/> (ASCII) with <paramref name="replacement"/> (ASCII).</summary>
        public static byte[] Replace(byte[] data, string find, string replacement)
        {
            if (find.Length == 0) throw new ArgumentException("Empty search string.", nameof(find));
            var needle = Latin1.GetBytes(find);
            var with = Latin1.GetBytes(replacement);
            var first = IndexOf(data, needle, 0);
            if (first < 0)
                return data;
            var output = new MemoryStream(data.Length + Math.Max(0, with.Length - needle.Length) * 4);
            var start = 0;
            for (var at = first; at >= 0; at = IndexOf(data, needle, start))
            {
                output.Write(data, start, at - start);
                output.Write(with, 0, with.Length);
                start = at + needle.Length;
            }
            output.Write(data, start, data.Length - start);
            return output.ToArray();
        }

        /// <summary>
        /// Replaces the tag at the start of every tagged line (a first token that is not <c>*</c> or <c>+</c>
        /// and equals <paramref name="recordedTag"/>) with <paramref name="actualTag"/>. Used for replies whose
        /// tag was filled in when they were recorded.
        /// </summary>
        public static byte[] ReplaceLineTags(byte[] data, string recordedTag, string actualTag)
        {
            if (recordedTag == actualTag)
                return data;
            var needle = Latin1.GetBytes(recordedTag + " ");
            var with = Latin1.GetBytes(actualTag + " ");
            var output = new MemoryStream(data.Length + 16);
            var lineStart = 0;
            while (lineStart < data.Length)
            {
                var lineEnd = Array.IndexOf(data, (byte)'\n', lineStart);
                var next = lineEnd < 0 ? data.Length : lineEnd + 1;
                if (StartsWith(data, lineStart, needle))
                {
                    output.Write(with, 0, with.Length);
                    output.Write(data, lineStart + needle.Length, next - lineStart - needle.Length);
                }
                else
                {
                    output.Write(data, lineStart, next - lineStart);
                }
                lineStart = next;
            }
            return output.ToArray();
        }

        /// <summary>Position of <paramref name="needle"/> in <paramref name="data"/> at or after <paramref name="start"/>, or -1.</summary>
        public static int IndexOf(byte[] data, byte[] needle, int start)
        {
            if (needle.Length == 0) return start;
            var last = data.Length - needle.Length;
            for (var i = Array.IndexOf(data, needle[0], start); i >= 0 && i <= last; i = Array.IndexOf(data, needle[0], i + 1))
            {
                if (StartsWith(data, i, needle))
                    return i;
            }
            return -1;
        }

        /// <summary>True when <paramref name="data"/> holds <paramref name="prefix"/> at <paramref name="offset"/>.</summary>
        public static bool StartsWith(byte[] data, int offset, byte[] prefix)
        {
            if (offset + prefix.Length > data.Length) return false;
            for (var i = 0; i < prefix.Length; i++)
            {
                if (data[offset + i] != prefix[i]) return false;
            }
            return true;
        }

        /// <summary>True for MailKit-style recorded tags: <c>A</c> followed by eight digits.</summary>
        public static bool IsRecordedTag(string token)
        {
            if (token.Length != 9 || token[0] != 'A') return false;
            for (var i = 1; i < 9; i++)
            {
                if (token[i] < '0' || token[i] > '9') return false;
            }
            return true;
        }

        /// <summary>
        /// If <paramref name="line"/> (one CRLF-terminated line, without literal data) ends with a literal
        /// marker <c>{n}</c> or <c>{n+}</c> / <c>{n-}</c>, returns its length and whether it is synchronising.
        /// </summary>
        public static bool TryGetTrailingLiteral(ReadOnlySpan<byte> line, out long length, out bool synchronizing)
        {
            length = 0;
            synchronizing = false;
            var end = line.Length;
            if (end >= 2 && line[end - 2] == (byte)'\r' && line[end - 1] == (byte)'\n') end -= 2;
            else if (end >= 1 && line[end - 1] == (byte)'\n') end -= 1;
            if (end < 3 || line[end - 1] != (byte)'}') return false;
            var i = end - 2;
            synchronizing = true;
            if (line[i] == (byte)'+' || line[i] == (byte)'-')
            {
                synchronizing = false;
                i--;
            }
            var digitsEnd = i;
            while (i >= 0 && line[i] >= (byte)'0' && line[i] <= (byte)'9') i--;
            if (i < 0 || line[i] != (byte)'{' || i == digitsEnd) return false;
            long value = 0;
            for (var d = i + 1; d <= digitsEnd; d++)
            {
                if (value > (long.MaxValue - 9) / 10) return false;
                value = value * 10 + (line[d] - (byte)'0');
            }
            length = value;
            return true;
        }

        /// <summary>First space-separated token of <paramref name="text"/> (or the whole text up to CR/LF).</summary>
        public static string FirstToken(string text)
        {
            var end = 0;
            while (end < text.Length && text[end] != ' ' && text[end] != '\r' && text[end] != '\n') end++;
            return text.Substring(0, end);
        }

        /// <summary>
        /// The command name of a tagged command line, upper-cased: the word after the tag, plus the next word
        /// for <c>UID</c> commands (<c>"UID FETCH"</c>). Null when there is no word after the tag.
        /// </summary>
        public static string? CommandName(string commandLine)
        {
            var words = SplitWords(commandLine, 3);
            if (words.Count < 2) return null;
            var name = words[1].ToUpperInvariant();
            if (name == "UID" && words.Count >= 3)
                name += " " + words[2].ToUpperInvariant();
            return name;
        }

        private static List<string> SplitWords(string text, int max)
        {
            var words = new List<string>(max);
            var i = 0;
            while (i < text.Length && words.Count < max)
            {
                while (i < text.Length && text[i] == ' ') i++;
                var start = i;
                while (i < text.Length && text[i] != ' ' && text[i] != '\r' && text[i] != '\n') i++;
                if (i > start) words.Add(text.Substring(start, i - start));
                if (i < text.Length && (text[i] == '\r' || text[i] == '\n')) break;
            }
            return words;
        }
    }
}
