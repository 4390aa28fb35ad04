using System.Linq;

namespace ImapPS.HelpBuilder.Tests;

public class MarkdownPageParserTests
{
    private readonly CmdletPage _page = TestData.Page("Get-SampleItem");

    [Fact]
    public void ReadsTitleFrontMatterAndProse()
    {
        Assert.Empty(_page.LayoutErrors);
        Assert.Equal("Get-SampleItem", _page.Name);
        Assert.Equal("Get", _page.Verb);
        Assert.Equal("SampleItem", _page.Noun);
        Assert.Equal("https://example.org/help/Get-SampleItem", _page.OnlineVersion);
        Assert.Equal(new[] { "Gets sample items by name or id." }, _page.Synopsis);
        // Soft line breaks join, emphasis and code-span markers drop, list items keep a marker.
        Assert.Equal(new[]
        {
            "The Get-SampleItem cmdlet gets items from a sample store. It reads names from the pipeline.",
            "Items are returned:",
            "- in store order\n- one at a time",
        }, _page.Description);
        Assert.Equal(new[] { "ByName", "ById" }, _page.SyntaxParameterSets);
    }

    [Fact]
    public void ReadsExamplesWithCodeAndRemarksApart()
    {
        Assert.Equal(2, _page.Examples.Count);
        var first = _page.Examples[0];
        Assert.Equal("Example 1: Get an item by name", first.Title);
        Assert.Equal("Get-SampleItem -Name alpha", first.Code);
        Assert.Equal(new[] { "This command gets the item named alpha." }, first.Remarks);

        var second = _page.Examples[1];
        Assert.Equal("Get-SampleItem -Id 7 |\n    Select-Object -First 1", second.Code);
        // An ```output block is shown as text, never mixed into the code that must parse.
        Assert.Equal(new[] { "    alpha", "This command gets item 7." }, second.Remarks);
    }

    [Fact]
    public void ReadsParametersAndTheirYaml()
    {
        Assert.Equal(new[] { "Name", "Id", "Force", "Store" }, _page.Parameters.Select(p => p.Name));
        Assert.True(_page.MentionsCommonParameters);

        var name = _page.Parameters[0];
        Assert.Equal(new[] { "The names of the items to get." }, name.Description);
        var yaml = Assert.Single(name.Metadata);
        Assert.Equal("String[]", yaml.Type);
        Assert.Equal(new[] { "ByName" }, yaml.ParameterSets);
        Assert.Equal(new[] { "N" }, yaml.Aliases);
        Assert.False(yaml.Required);
        Assert.Equal(0, yaml.Position);
        Assert.Equal("True (ByPropertyName, ByValue)", yaml.PipelineInput);
        Assert.True(yaml.AcceptsWildcards);

        var id = _page.Parameters[1].Primary;
        Assert.True(id.Required);
        Assert.Null(id.Position);
        Assert.Empty(id.Aliases);
        Assert.True(_page.Parameters[2].Primary.AppliesToAllSets);
        Assert.Equal("False", _page.Parameters[2].Primary.DefaultValue);
    }

    [Fact]
    public void ReadsInputsOutputsNotesAndLinks()
    {
        var input = Assert.Single(_page.Inputs);
        Assert.Equal("System.String", input.TypeName);
        Assert.Equal(new[] { "A name, bound to -Name." }, input.Description);
        Assert.Equal("System.String", Assert.Single(_page.Outputs).TypeName);
        Assert.Equal(new[] { "Sample notes, with a code span." }, _page.Notes);
        Assert.Equal(new[]
        {
            new PageLink("Set-SampleItem", ""),
            new PageLink("Sample store", "https://example.org/store"),
        }, _page.RelatedLinks);
    }

    [Fact]
    public void ReportsLayoutProblemsInsteadOfThrowing()
    {
        const string markdown = """
            Some text before anything.

            ## SYNOPSIS
            No title.

            ## FOO
            Unknown.

            ## PARAMETERS

            ### Name
            Missing dash.

            ### -Count
            Bad yaml.

            ```yaml
            Type: Int32
            Parameter Sets: (All)
            Required: maybe
            Position: first
            Accept pipeline input: Sometimes
            Colour: blue
            ```
            """;
        var page = MarkdownPageParser.Parse(markdown, "Broken.md");
        Assert.Equal("Broken", page.Name);
        string[] expected =
        {
            "no '# Verb-Noun' title", "text before the first section", "unknown section '## FOO'",
            "'### Name' must be '### -Name'", "Required must be True or False", "Position must be 'Named' or a number",
            "Accept pipeline input must be", "unknown yaml key 'Colour'",
        };
        foreach (var fragment in expected)
        {
            Assert.Contains(page.LayoutErrors, e => e.Contains(fragment));
        }
    }

    [Fact]
    public void SetSpecificYamlBlocksAreKeptPerSet()
    {
        var page = MarkdownPageParser.Parse("""
            # Get-Thing

            ## PARAMETERS

            ### -Path
            The path.

            ```yaml
            Type: String
            Parameter Sets: A
            Aliases:

            Required: True
            Position: 0
            Default value: None
            Accept pipeline input: False
            Accept wildcard characters: False
            ```

            ```yaml
            Type: String
            Parameter Sets: B, C
            Aliases:

            Required: False
            Position: Named
            Default value: None
            Accept pipeline input: False
            Accept wildcard characters: False
            ```
            """, "Get-Thing.md");
        Assert.Empty(page.LayoutErrors);
        var path = Assert.Single(page.Parameters);
        Assert.Equal(2, path.Metadata.Count);
        Assert.True(path.Metadata[0].AppliesTo("a"));
        Assert.True(path.Metadata[1].AppliesTo("C"));
        Assert.False(path.Metadata[1].Required);
        Assert.Equal(new string?[] { "A", "B", "C" }, MamlWriter.SyntaxSets(page));
    }
}
