using System;
using System.IO;
using System.Linq;

namespace ImapPS.HelpBuilder.Tests;

public sealed class PageScaffolderTests : IDisposable
{
    private readonly string _docs = Directory.CreateTempSubdirectory("helpbuilder-scaffold-").FullName;

    public void Dispose() => Directory.Delete(_docs, recursive: true);

    [Fact]
    public void SyntaxLinesMatchWhatPowerShellShows()
    {
        var get = TestData.Cmdlets.Single(c => c.Name == "Get-SampleItem");
        Assert.Equal("Get-SampleItem [[-Name] <String[]>] [-Force] [-Store <String>] [<CommonParameters>]", PageScaffolder.SyntaxLine(get, "ByName"));
        Assert.Equal("Get-SampleItem -Id <Int32> [-Force] [-Store <String>] [<CommonParameters>]", PageScaffolder.SyntaxLine(get, "ById"));
        var set = TestData.Cmdlets.Single(c => c.Name == "Set-SampleItem");
        Assert.Equal("Set-SampleItem [-Name] <String> [-Value <Int32>] [-PassThru] [-Store <String>] [-WhatIf] [-Confirm] [<CommonParameters>]",
            PageScaffolder.SyntaxLine(set, CmdletMetadata.AllParameterSets));
    }

    [Fact]
    public void ScaffoldsAgreeWithTheCodeAndCannotShipWithPlaceholders()
    {
        var written = PageScaffolder.WriteMissing(TestData.Cmdlets, _docs);
        Assert.Equal(2, written.Count);
        var pages = written.Select(MarkdownPageParser.ParseFile).ToList();
        Assert.All(pages, p => Assert.Empty(p.LayoutErrors));

        var diagnostics = HelpValidator.Validate(pages, TestData.Cmdlets, new ValidationOptions { Strict = true });
        // The only complaint is the placeholders: syntax sets, types, aliases, positions and pipeline input all match.
        Assert.Equal(2, diagnostics.Count);
        Assert.All(diagnostics, d => Assert.Contains("placeholders from the scaffold", d.Message));
        Assert.Equal(new[] { "ByName", "ById" }, pages.Single(p => p.Name == "Get-SampleItem").SyntaxParameterSets);
    }

    [Fact]
    public void ExistingPagesAreLeftAlone()
    {
        string existing = Path.Combine(_docs, "Get-SampleItem.md");
        File.WriteAllText(existing, "mine");
        var written = PageScaffolder.WriteMissing(TestData.Cmdlets, _docs);
        Assert.Equal(new[] { Path.Combine(_docs, "Set-SampleItem.md") }, written);
        Assert.Equal("mine", File.ReadAllText(existing));
    }

    [Fact]
    public void TheCommandLineScaffoldsWithoutAnOutput()
    {
        var output = new StringWriter();
        int code = Program.Run(new[] { "--docs", _docs, "--assembly", TestData.SampleAssembly, "--scaffold" }, output, new StringWriter());
        Assert.Equal(Program.Success, code);
        Assert.Contains("2 page(s) scaffolded", output.ToString());
        Assert.True(File.Exists(Path.Combine(_docs, "Set-SampleItem.md")));
    }
}
