using System;
using System.Collections.Generic;
using System.IO;

namespace ImapPS.Client.Tests.Reliability
{
    /// <summary>
    /// A server's reading of one client command (RFC 3501 §9): tag, then atoms, quoted strings (with <c>\\</c> and
    /// <c>\"</c> escapes), literals <c>{n}</c>/<c>{n+}</c> and parenthesised lists, flattened. Used by the injection
    /// tests to decode the arguments exactly as a server would and compare them with what the caller passed.
    /// </summary>
    internal static class CommandArguments
    {
        /// <summary>The tokens of <paramref name="raw"/> (one whole command including its literals and final CRLF).</summary>
        /// <exception cref="InvalidDataException">The bytes are not one well-formed command.</exception>
        public static List<byte[]> Parse(byte[] raw)
        {
            var tokens = new List<byte[]>();
            int i = 0;
            int depth = 0;
            while (true)
            {
                if (i >= raw.Length) throw new InvalidDataException("the command does not end with CRLF");
                byte b = raw[i];
                if (b == '\r')
                {
                    if (i + 1 != raw.Length - 1 || raw[i + 1] != '\n') throw new InvalidDataException("CR inside the command at " + i);
                    if (depth != 0) throw new InvalidDataException("unbalanced parentheses");
                    return tokens;
                }
                if (b == '\n' || b == 0) throw new InvalidDataException("bare LF or NUL in the command line at " + i);
                if (b == ' ') { i++; continue; }
                if (b == '(' ) { depth++; i++; continue; }
                if (b == ')') { depth--; i++; continue; }
                if (b == '"')
                {
                    var value = new MemoryStream();
                    i++;
                    while (true)
                    {
                        if (i >= raw.Length) throw new InvalidDataException("unterminated quoted string");
                        byte c = raw[i];
                        if (c == '"') { i++; break; }
                        if (c == '\r' || c == '\n') throw new InvalidDataException("line break inside a quoted string");
                        if (c == '\\')
                        {
                            if (i + 1 >= raw.Length || (raw[i + 1] != '\\' && raw[i + 1] != '"')) throw new InvalidDataException("bad escape in a quoted string");
                            value.WriteByte(raw[i + 1]);
                            i += 2;
                            continue;
                        }
                        value.WriteByte(c);
                        i++;
                    }
                    tokens.Add(value.ToArray());
                    continue;
                }
                if (b == '{' || (b == '~' && i + 1 < raw.Length && raw[i + 1] == '{'))
                {
                    if (b == '~') i++;
                    int close = Array.IndexOf(raw, (byte)'}', i);
                    if (close < 0) throw new InvalidDataException("unterminated literal header");
                    var header = System.Text.Encoding.ASCII.GetString(raw, i + 1, close - i - 1).TrimEnd('+', '-');
                    if (!int.TryParse(header, out int length)) throw new InvalidDataException("bad literal length " + header);
                    if (close + 2 >= raw.Length || raw[close + 1] != '\r' || raw[close + 2] != '\n') throw new InvalidDataException("literal header not at the end of a line");
                    int start = close + 3;
                    if (start + length > raw.Length) throw new InvalidDataException("literal runs past the command");
                    var literal = new byte[length];
                    Buffer.BlockCopy(raw, start, literal, 0, length);
                    tokens.Add(literal);
                    i = start + length;
                    continue;
                }
                int end = i;
                while (end < raw.Length && raw[end] != ' ' && raw[end] != '\r' && raw[end] != ')' && raw[end] != '\n' && raw[end] != '(')
                {
                    // A '[' opens a section (BODY[HEADER.FIELDS (A B)]) that may hold spaces and parentheses.
                    if (raw[end] == '[')
                    {
                        int closeBracket = Array.IndexOf(raw, (byte)']', end);
                        if (closeBracket < 0) throw new InvalidDataException("unterminated section");
                        end = closeBracket;
                    }
                    end++;
                }
                var atom = new byte[end - i];
                Buffer.BlockCopy(raw, i, atom, 0, atom.Length);
                tokens.Add(atom);
                i = end;
            }
        }
    }
}
