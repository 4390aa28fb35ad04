using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using Markdig;
using Markdig.Extensions.Yaml;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace ImapPS.HelpBuilder;

/// <summary>
/// Reads a help page in platyPS's markdown layout: "# Verb-Noun", then the sections SYNOPSIS,
/// SYNTAX, DESCRIPTION, EXAMPLES, PARAMETERS, INPUTS, OUTPUTS, NOTES and RELATED LINKS. Layout
/// problems are collected on the page rather than thrown, so one run reports every bad page.
/// </summary>
public static class MarkdownPageParser
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().UseYamlFrontMatter().Build();

    private static readonly HashSet<string> KnownSections = new(StringComparer.Ordinal)
    {
        "SYNOPSIS", "SYNTAX", "DESCRIPTION", "EXAMPLES", "PARAMETERS", "INPUTS", "OUTPUTS", "NOTES", "RELATED LINKS",
    };

    // Code blocks in EXAMPLES with one of these info strings are the example's code; others (output, text) are remarks.
    private static readonly HashSet<string> PowerShellInfoStrings = new(StringComparer.OrdinalIgnoreCase)
    {
        "", "powershell", "pwsh", "ps", "ps1", "posh",
    };

    public static CmdletPage ParseFile(string path) => Parse(File.ReadAllText(path), path);

    public static CmdletPage Parse(string markdown, string sourcePath)
    {
        var document = Markdown.Parse(markdown.Replace("\r\n", "\n"), Pipeline);
        var title = document.OfType<HeadingBlock>().FirstOrDefault(h => h.Level == 1);
        var page = new CmdletPage
        {
            SourcePath = sourcePath,
            RawText = markdown,
            Name = title is null ? Path.GetFileNameWithoutExtension(sourcePath) : InlineText(title.Inline).Trim(),
        };
        if (title is null) page.LayoutErrors.Add("the page has no '# Verb-Noun' title");

        string? section = null;
        PageExample? example = null;
        PageParameter? parameter = null;
        PageTypeEntry? typeEntry = null;
        bool inCommonParameters = false;

        foreach (var block in document)
        {
            if (block is YamlFrontMatterBlock frontMatter)
            {
                ReadFrontMatter(frontMatter, page);
                continue;
            }
            if (block is HeadingBlock heading)
            {
                string text = InlineText(heading.Inline).Trim();
                if (heading.Level == 1)
                {
                    if (!ReferenceEquals(heading, title)) page.LayoutErrors.Add($"a second '# {text}' title (line {heading.Line + 1})");
                    continue;
                }
                if (heading.Level == 2)
                {
                    section = text.ToUpperInvariant();
                    example = null; parameter = null; typeEntry = null; inCommonParameters = false;
                    if (!KnownSections.Contains(section)) page.LayoutErrors.Add($"unknown section '## {text}' (line {heading.Line + 1})");
                    else if (!page.Sections.Add(section)) page.LayoutErrors.Add($"section '## {text}' appears twice");
                    continue;
                }
                if (heading.Level == 3)
                {
                    switch (section)
                    {
                        case "SYNTAX":
                            page.SyntaxParameterSets.Add(StripDefaultMarker(text));
                            break;
                        case "EXAMPLES":
                            example = new PageExample { Title = text };
                            page.Examples.Add(example);
                            break;
                        case "PARAMETERS":
                            parameter = null; inCommonParameters = false;
                            if (string.Equals(text, "CommonParameters", StringComparison.OrdinalIgnoreCase))
                            {
                                page.MentionsCommonParameters = true;
                                inCommonParameters = true;
                            }
                            else if (text.Length > 1 && text[0] == '-')
                            {
                                parameter = new PageParameter { Name = text[1..].Trim() };
                                page.Parameters.Add(parameter);
                            }
                            else
                            {
                                page.LayoutErrors.Add($"parameter heading '### {text}' must be '### -Name' (line {heading.Line + 1})");
                            }
                            break;
                        case "INPUTS":
                        case "OUTPUTS":
                            typeEntry = new PageTypeEntry(text, new List<string>());
                            (section == "INPUTS" ? page.Inputs : page.Outputs).Add(typeEntry);
                            break;
                        default:
                            page.LayoutErrors.Add($"unexpected heading '### {text}' in {section ?? "the page header"} (line {heading.Line + 1})");
                            break;
                    }
                    continue;
                }
                page.LayoutErrors.Add($"unexpected heading level {heading.Level}: '{text}' (line {heading.Line + 1})");
                continue;
            }

            switch (section)
            {
                case null:
                    if (!(block is HtmlBlock)) page.LayoutErrors.Add($"text before the first section (line {block.Line + 1})");
                    break;
                case "SYNOPSIS":
                    page.Synopsis.AddRange(Paragraphs(block));
                    break;
                case "SYNTAX":
                    break; // Syntax is generated from the parameters' metadata, as platyPS does.
                case "DESCRIPTION":
                    page.Description.AddRange(Paragraphs(block));
                    break;
                case "NOTES":
                    page.Notes.AddRange(Paragraphs(block));
                    break;
                case "EXAMPLES":
                    if (example is null)
                    {
                        if (!(block is HtmlBlock)) page.LayoutErrors.Add($"text under EXAMPLES before the first '### Example' heading (line {block.Line + 1})");
                    }
                    else if (block is FencedCodeBlock fenced && PowerShellInfoStrings.Contains(FirstWord(fenced.Info)))
                    {
                        example.CodeBlocks.Add(CodeText(fenced));
                    }
                    else
                    {
                        example.Remarks.AddRange(Paragraphs(block));
                    }
                    break;
                case "PARAMETERS":
                    if (inCommonParameters) break;
                    if (parameter is null)
                    {
                        if (!(block is HtmlBlock)) page.LayoutErrors.Add($"text under PARAMETERS before the first '### -Name' heading (line {block.Line + 1})");
                    }
                    else if (block is FencedCodeBlock yaml && string.Equals(FirstWord(yaml.Info), "yaml", StringComparison.OrdinalIgnoreCase))
                    {
                        parameter.Metadata.Add(ReadParameterMetadata(CodeText(yaml), page, parameter.Name));
                    }
                    else
                    {
                        parameter.Description.AddRange(Paragraphs(block));
                    }
                    break;
                case "INPUTS":
                case "OUTPUTS":
                    if (typeEntry is null)
                    {
                        if (!(block is HtmlBlock)) page.LayoutErrors.Add($"text under {section} outside a '### TypeName' entry (line {block.Line + 1})");
                    }
                    else
                    {
                        typeEntry.Description.AddRange(Paragraphs(block));
                    }
                    break;
                case "RELATED LINKS":
                    ReadLinks(block, page.RelatedLinks);
                    break;
            }
        }
        return page;
    }

    private static string StripDefaultMarker(string setHeading)
    {
        const string marker = "(Default)";
        string name = setHeading.Trim();
        if (name.EndsWith(marker, StringComparison.OrdinalIgnoreCase)) name = name[..^marker.Length].Trim();
        return name;
    }

    private static string FirstWord(string? info)
    {
        if (string.IsNullOrWhiteSpace(info)) return string.Empty;
        string trimmed = info.Trim();
        int space = trimmed.IndexOfAny(new[] { ' ', '\t', '{' });
        return space < 0 ? trimmed : trimmed[..space];
    }

    private static void ReadFrontMatter(YamlFrontMatterBlock block, CmdletPage page)
    {
        foreach (var line in block.Lines.Lines)
        {
            string text = line.Slice.ToString();
            int colon = text.IndexOf(':');
            if (colon < 0) continue;
            string key = text[..colon].Trim();
            string value = text[(colon + 1)..].Trim();
            if (string.Equals(key, "online version", StringComparison.OrdinalIgnoreCase) && value.Length > 0)
                page.OnlineVersion = value;
        }
    }

    /// <summary>Reads the "Key: Value" lines of a parameter's yaml block (a fixed set of keys; no YAML library needed).</summary>
    internal static ParameterMetadataBlock ReadParameterMetadata(string yaml, CmdletPage page, string parameterName)
    {
        var block = new ParameterMetadataBlock();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var rawLine in yaml.Split('\n'))
        {
            string line = rawLine.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            int colon = line.IndexOf(':');
            if (colon <= 0)
            {
                page.LayoutErrors.Add($"-{parameterName}: yaml line '{line}' is not 'Key: Value'");
                continue;
            }
            string key = line[..colon].Trim();
            string value = line[(colon + 1)..].Trim();
            seen.Add(key);
            switch (key.ToLowerInvariant())
            {
                case "type":
                    block.Type = value;
                    break;
                case "parameter sets":
                    block.ParameterSets.AddRange(SplitList(value));
                    break;
                case "aliases":
                    block.Aliases.AddRange(SplitList(value).Where(a => !string.Equals(a, "None", StringComparison.OrdinalIgnoreCase)));
                    break;
                case "required":
                    block.Required = ReadBool(value, key, page, parameterName);
                    break;
                case "position":
                    if (string.Equals(value, "Named", StringComparison.OrdinalIgnoreCase)) block.Position = null;
                    else if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int position)) block.Position = position;
                    else page.LayoutErrors.Add($"-{parameterName}: Position must be 'Named' or a number, not '{value}'");
                    break;
                case "default value":
                    block.DefaultValue = value.Length == 0 ? "None" : value;
                    break;
                case "accept pipeline input":
                    if (!value.StartsWith("True", StringComparison.OrdinalIgnoreCase) && !value.StartsWith("False", StringComparison.OrdinalIgnoreCase))
                        page.LayoutErrors.Add($"-{parameterName}: Accept pipeline input must be 'False' or 'True (ByValue|ByPropertyName)', not '{value}'");
                    block.PipelineInput = value;
                    break;
                case "accept wildcard characters":
                    block.AcceptsWildcards = ReadBool(value, key, page, parameterName);
                    break;
                case "applicable":
                    break; // platyPS 2 writes this for remoting; it does not affect help.
                default:
                    page.LayoutErrors.Add($"-{parameterName}: unknown yaml key '{key}'");
                    break;
            }
        }
        foreach (var required in new[] { "Type", "Parameter Sets", "Required", "Position", "Accept pipeline input" })
        {
            if (!seen.Contains(required)) page.LayoutErrors.Add($"-{parameterName}: the yaml block has no '{required}:'");
        }
        return block;
    }

    private static IEnumerable<string> SplitList(string value) =>
        value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static bool ReadBool(string value, string key, CmdletPage page, string parameterName)
    {
        if (bool.TryParse(value, out bool result)) return result;
        page.LayoutErrors.Add($"-{parameterName}: {key} must be True or False, not '{value}'");
        return false;
    }

    private static void ReadLinks(Block block, List<PageLink> links)
    {
        if (block is LeafBlock leaf && leaf.Inline is not null)
        {
            bool found = false;
            foreach (var link in leaf.Inline.Descendants<LinkInline>())
            {
                found = true;
                string url = link.Url ?? string.Empty;
                string text = InlineText(link).Trim();
                links.Add(new PageLink(text.Length == 0 ? url : text, IsAbsoluteWebUri(url) ? url : string.Empty));
            }
            foreach (var autolink in leaf.Inline.Descendants<AutolinkInline>())
            {
                found = true;
                links.Add(new PageLink(autolink.Url, autolink.Url));
            }
            string plain = InlineText(leaf.Inline).Trim();
            if (!found && plain.Length > 0) links.Add(new PageLink(plain, string.Empty));
            return;
        }
        if (block is ContainerBlock container)
        {
            foreach (var child in container) ReadLinks(child, links);
        }
    }

    private static bool IsAbsoluteWebUri(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);

    /// <summary>Turns a block into help paragraphs: plain text, list items as "- item", code kept line by line.</summary>
    internal static IEnumerable<string> Paragraphs(Block block)
    {
        switch (block)
        {
            case HtmlBlock:
            case ThematicBreakBlock:
            case LinkReferenceDefinitionGroup:
                yield break;
            case CodeBlock code:
                yield return Indent(CodeText(code));
                yield break;
            case LeafBlock leaf:
                string text = leaf.Inline is null ? string.Empty : InlineText(leaf.Inline).Trim();
                if (text.Length > 0) yield return text;
                yield break;
            case ListBlock list:
                // One paragraph per list, one line per item: Get-Help puts a blank line between paragraphs.
                int number = int.TryParse(list.OrderedStart, out int start) ? start : 1;
                var items = new List<string>();
                foreach (var item in list.OfType<ListItemBlock>())
                {
                    string marker = list.IsOrdered ? $"{number++}. " : "- ";
                    var parts = item.SelectMany(Paragraphs).ToList();
                    if (parts.Count == 0) continue;
                    items.Add(marker + string.Join(" ", parts.Select(p => p.Replace("\n", "\n  "))));
                }
                if (items.Count > 0) yield return string.Join("\n", items);
                yield break;
            case ContainerBlock container:
                foreach (var child in container)
                {
                    foreach (var paragraph in Paragraphs(child)) yield return paragraph;
                }
                yield break;
        }
    }

    private static string Indent(string code) => string.Join("\n", code.Split('\n').Select(l => "    " + l));

    internal static string CodeText(LeafBlock code)
    {
        var builder = new StringBuilder();
        var lines = code.Lines;
        for (int i = 0; i < lines.Count; i++)
        {
            if (i > 0) builder.Append('\n');
            builder.Append(lines.Lines[i].Slice.ToString());
        }
        return builder.ToString().TrimEnd();
    }

    /// <summary>Plain text of inlines: emphasis dropped, code spans and link texts kept, soft breaks as spaces.</summary>
    internal static string InlineText(ContainerInline? container)
    {
        var builder = new StringBuilder();
        AppendInlines(container, builder);
        return builder.ToString();
    }

    private static void AppendInlines(ContainerInline? container, StringBuilder builder)
    {
        if (container is null) return;
        foreach (var inline in container)
        {
            switch (inline)
            {
                case LiteralInline literal:
                    builder.Append(literal.Content.ToString());
                    break;
                case CodeInline code:
                    builder.Append(code.Content);
                    break;
                case LineBreakInline lineBreak:
                    builder.Append(lineBreak.IsHard ? '\n' : ' ');
                    break;
                case AutolinkInline autolink:
                    builder.Append(autolink.Url);
                    break;
                case HtmlEntityInline entity:
                    builder.Append(entity.Transcoded.ToString());
                    break;
                case HtmlInline html:
                    // Help is plain text: "<name>" placeholders stay as written, comments go.
                    if (!html.Tag.StartsWith("<!--", StringComparison.Ordinal)) builder.Append(html.Tag);
                    break;
                case ContainerInline nested:
                    AppendInlines(nested, builder);
                    break;
            }
        }
    }
}
