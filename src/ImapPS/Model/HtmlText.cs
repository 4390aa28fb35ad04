using System;
using System.IO;
using System.Text;
using MimeKit.Text;

namespace ImapPS
{
    /// <summary>
    /// Turns an HTML body into readable plain text with MimeKit's HTML tokenizer: text with its
    /// character references decoded and whitespace collapsed, block elements (p, div, li, tr, h1–h6,
    /// br, …) as line breaks, list items with a dash, and script, style and head content left out.
    /// One pass over the tokens, no recursion, so hostile nesting costs nothing.
    /// </summary>
    internal static class HtmlText
    {
        public static string ToPlainText(string html)
        {
            var output = new StringBuilder(html.Length / 2);
            var tokenizer = new HtmlTokenizer(new StringReader(html)) { DecodeCharacterReferences = true };
            int skipDepth = 0;          // inside script, style, head or title
            bool pendingSpace = false;
            bool pre = false;
            while (tokenizer.ReadNextToken(out var token))
            {
                if (token is HtmlTagToken tag)
                {
                    string name = tag.Name.ToLowerInvariant();
                    if (name == "script" || name == "style" || name == "head" || name == "title")
                    {
                        if (tag.IsEndTag) { if (skipDepth > 0) skipDepth--; }
                        else if (!tag.IsEmptyElement) skipDepth++;
                        continue;
                    }
                    if (skipDepth > 0) continue;
                    if (name == "pre") pre = !tag.IsEndTag;
                    switch (name)
                    {
                        case "br":
                            NewLine(output, force: true);
                            pendingSpace = false;
                            break;
                        case "li":
                            if (!tag.IsEndTag) { NewLine(output, force: false); output.Append("- "); pendingSpace = false; }
                            break;
                        case "p": case "div": case "tr": case "table": case "ul": case "ol": case "blockquote": case "pre": case "hr":
                        case "h1": case "h2": case "h3": case "h4": case "h5": case "h6": case "section": case "article": case "header": case "footer":
                            NewLine(output, force: false);
                            if (!tag.IsEndTag && (name == "p" || name.Length == 2 && name[0] == 'h' && char.IsDigit(name[1]))) BlankLine(output);
                            pendingSpace = false;
                            break;
                        case "td": case "th":
                            if (tag.IsEndTag) pendingSpace = true;
                            break;
                    }
                }
                else if (token is HtmlDataToken data && skipDepth == 0 && token.Kind != HtmlTokenKind.Comment && token.Kind != HtmlTokenKind.DocType)
                {
                    foreach (char c in data.Data)
                    {
                        if (pre) { if (c != '\r') output.Append(c); continue; }
                        if (char.IsWhiteSpace(c) && c != '\u00A0') { pendingSpace = output.Length > 0 && output[output.Length - 1] != '\n'; continue; }
                        if (pendingSpace) output.Append(' ');
                        pendingSpace = false;
                        output.Append(c == '\u00A0' ? ' ' : c);
                    }
                }
            }
            return output.ToString().Trim('\n', ' ').Replace("\n", Environment.NewLine);
        }

        private static void NewLine(StringBuilder output, bool force)
        {
            TrimTrailingSpaces(output);
            if (force || (output.Length > 0 && output[output.Length - 1] != '\n')) output.Append('\n');
        }

        private static void BlankLine(StringBuilder output)
        {
            if (output.Length >= 2 && output[output.Length - 1] == '\n' && output[output.Length - 2] != '\n') output.Append('\n');
        }

        private static void TrimTrailingSpaces(StringBuilder output)
        {
            while (output.Length > 0 && output[output.Length - 1] == ' ') output.Length--;
        }
    }
}
