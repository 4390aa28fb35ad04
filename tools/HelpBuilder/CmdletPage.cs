using System.Collections.Generic;

namespace ImapPS.HelpBuilder;

/// <summary>One cmdlet's help page, as read from a platyPS-layout markdown file.</summary>
public sealed class CmdletPage
{
    /// <summary>The file the page came from (for messages).</summary>
    public required string SourcePath { get; init; }

    /// <summary>The cmdlet name from the page's "# Verb-Noun" title.</summary>
    public required string Name { get; init; }

    /// <summary>The markdown as read.</summary>
    public string RawText { get; init; } = string.Empty;

    /// <summary>The "online version:" URI of the front matter, if any.</summary>
    public string? OnlineVersion { get; set; }

    public List<string> Synopsis { get; } = new();

    /// <summary>Parameter-set names in the order of the "### Name" headings under SYNTAX (empty for one unnamed set).</summary>
    public List<string> SyntaxParameterSets { get; } = new();

    public List<string> Description { get; } = new();
    public List<PageExample> Examples { get; } = new();
    public List<PageParameter> Parameters { get; } = new();

    /// <summary>Whether the page has a "### CommonParameters" entry.</summary>
    public bool MentionsCommonParameters { get; set; }

    public List<PageTypeEntry> Inputs { get; } = new();
    public List<PageTypeEntry> Outputs { get; } = new();
    public List<string> Notes { get; } = new();
    public List<PageLink> RelatedLinks { get; } = new();

    /// <summary>Top-level sections ("## NAME") present in the page, upper-cased.</summary>
    public HashSet<string> Sections { get; } = new();

    /// <summary>Problems found while reading the page (layout errors).</summary>
    public List<string> LayoutErrors { get; } = new();

    public string Verb => Name.Contains('-') ? Name[..Name.IndexOf('-')] : Name;
    public string Noun => Name.Contains('-') ? Name[(Name.IndexOf('-') + 1)..] : string.Empty;
}

/// <summary>An example: its title, PowerShell code and the explanation around it.</summary>
public sealed class PageExample
{
    public required string Title { get; init; }
    public List<string> CodeBlocks { get; } = new();
    public List<string> Remarks { get; } = new();
    public string Code => string.Join("\n\n", CodeBlocks);
}

/// <summary>A "### -Name" entry of PARAMETERS.</summary>
public sealed class PageParameter
{
    public required string Name { get; init; }
    public List<string> Description { get; } = new();

    /// <summary>One metadata block per group of parameter sets (platyPS writes several when Required/Position differ by set).</summary>
    public List<ParameterMetadataBlock> Metadata { get; } = new();

    public ParameterMetadataBlock Primary => Metadata.Count > 0 ? Metadata[0] : ParameterMetadataBlock.Empty;
}

/// <summary>The ```yaml block of a parameter.</summary>
public sealed class ParameterMetadataBlock
{
    public static readonly ParameterMetadataBlock Empty = new();

    public string Type { get; set; } = string.Empty;

    /// <summary>Set names; "(All)" stands for every set.</summary>
    public List<string> ParameterSets { get; } = new();
    public List<string> Aliases { get; } = new();
    public bool Required { get; set; }

    /// <summary>0-based position, or null for "Named".</summary>
    public int? Position { get; set; }
    public string DefaultValue { get; set; } = "None";

    /// <summary>As written, e.g. "False" or "True (ByPropertyName)".</summary>
    public string PipelineInput { get; set; } = "False";
    public bool AcceptsWildcards { get; set; }

    public bool AppliesToAllSets => ParameterSets.Count == 0 || ParameterSets.Exists(s => s == "(All)");

    public bool AppliesTo(string set) => AppliesToAllSets || ParameterSets.Exists(s => string.Equals(s, set, System.StringComparison.OrdinalIgnoreCase));
}

/// <summary>An entry of INPUTS or OUTPUTS: a type name and what it means.</summary>
public sealed record PageTypeEntry(string TypeName, List<string> Description);

/// <summary>A RELATED LINKS entry; Uri is empty for links to other pages.</summary>
public sealed record PageLink(string Text, string Uri);
