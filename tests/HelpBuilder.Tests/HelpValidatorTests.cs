using System.Collections.Generic;
using System.Linq;

namespace ImapPS.HelpBuilder.Tests;

public class HelpValidatorTests
{
    private static readonly ValidationOptions Normal = new();

    private static IReadOnlyList<Diagnostic> Validate(IEnumerable<CmdletPage> pages, ValidationOptions? options = null) =>
        HelpValidator.Validate(pages.ToList(), TestData.Cmdlets, options ?? Normal);

    private static List<CmdletPage> With(CmdletPage replacement) =>
        TestData.AllPages().Select(p => p.Name == replacement.Name ? replacement : p).ToList();

    private static Diagnostic Single(IReadOnlyList<Diagnostic> diagnostics, Severity severity, string fragment)
    {
        var diagnostic = Assert.Single(diagnostics);
        Assert.Equal(severity, diagnostic.Severity);
        Assert.Contains(fragment, diagnostic.Message);
        return diagnostic;
    }

    [Fact]
    public void TheSamplePagesMatchTheSampleCmdletsExactly()
    {
        Assert.Empty(Validate(TestData.AllPages(), new ValidationOptions { Strict = true }));
    }

    [Fact]
    public void ACmdletWithoutAPageIsAnError()
    {
        var diagnostic = Single(Validate(new[] { TestData.Page("Get-SampleItem") }), Severity.Error, "Set-SampleItem has no help page");
        Assert.Contains("SetSampleItemCommand", diagnostic.Location);
    }

    [Fact]
    public void AllowMissingHelpTurnsAMissingPageIntoAWarningOnly()
    {
        Single(Validate(new[] { TestData.Page("Get-SampleItem") }, new ValidationOptions { AllowMissingHelp = true }), Severity.Warning, "has no help page");
        // It does not excuse a bad page.
        var diagnostics = Validate(new[] { TestData.WithoutParameter("Get-SampleItem", "Force") }, new ValidationOptions { AllowMissingHelp = true });
        Assert.Contains(diagnostics, d => d.Severity == Severity.Error && d.Message.Contains("-Force"));
    }

    [Fact]
    public void APageForACmdletThatDoesNotExistIsAnError()
    {
        var ghost = MarkdownPageParser.Parse(TestData.PageText("Set-SampleItem").Replace("# Set-SampleItem", "# Remove-SampleItem"), "Remove-SampleItem.md");
        var diagnostics = Validate(TestData.AllPages().Append(ghost));
        var diagnostic = Single(diagnostics, Severity.Error, "documents Remove-SampleItem, but the module has no such cmdlet");
        Assert.Equal("Remove-SampleItem.md", diagnostic.Location);
    }

    [Fact]
    public void AnUndocumentedParameterIsAnError()
    {
        Single(Validate(With(TestData.WithoutParameter("Get-SampleItem", "Force"))), Severity.Error, "-Force of Get-SampleItem is not documented");
    }

    [Fact]
    public void AnInheritedParameterMustBeDocumentedToo()
    {
        Single(Validate(With(TestData.WithoutParameter("Get-SampleItem", "Store"))), Severity.Error, "-Store of Get-SampleItem is not documented");
    }

    [Fact]
    public void ShouldProcessCmdletsMustDocumentWhatIfAndConfirm()
    {
        Single(Validate(With(TestData.WithoutParameter("Set-SampleItem", "WhatIf"))), Severity.Error, "-WhatIf of Set-SampleItem is not documented (the cmdlet supports ShouldProcess)");
    }

    [Fact]
    public void DocumentingAParameterThatDoesNotExistIsAnError()
    {
        var page = TestData.Edited("Get-SampleItem", "### -Force", "### -Recurse");
        var diagnostics = Validate(With(page));
        Assert.Equal(2, diagnostics.Count);
        Assert.Contains(diagnostics, d => d.Severity == Severity.Error && d.Message.Contains("documents -Recurse, which Get-SampleItem does not have"));
        Assert.Contains(diagnostics, d => d.Severity == Severity.Error && d.Message.Contains("-Force of Get-SampleItem is not documented"));
    }

    [Fact]
    public void DocumentingAParameterByItsAliasSaysSo()
    {
        var page = TestData.Edited("Get-SampleItem", "### -Name", "### -N");
        var diagnostics = Validate(With(page));
        Assert.Contains(diagnostics, d => d.Message.Contains("'N' is an alias of -Name"));
    }

    [Fact]
    public void AParameterWithoutDescriptionOrYamlIsAnError()
    {
        var noDescription = TestData.Edited("Get-SampleItem", "Gets hidden items too.\n", "");
        Single(Validate(With(noDescription)), Severity.Error, "-Force has no description");

        var noYaml = TestData.Edited("Set-SampleItem", "The new value.\n\n```yaml", "The new value.\n\n```text");
        Assert.Contains(Validate(With(noYaml)), d => d.Severity == Severity.Error && d.Message.Contains("-Value has no ```yaml block"));
    }

    [Fact]
    public void AnEmptySynopsisOrDescriptionIsAnError()
    {
        Single(Validate(With(TestData.Edited("Set-SampleItem", "Sets a sample item's value.", ""))), Severity.Error, "SYNOPSIS is empty");
        Single(Validate(With(TestData.Edited("Set-SampleItem", "Sets the value of one item.", ""))), Severity.Error, "DESCRIPTION is empty");
    }

    [Fact]
    public void FewerThanTwoExamplesWarnsAndFailsInStrictMode()
    {
        var page = TestData.Edited("Set-SampleItem", "### Example 2: Preview a change\n```powershell\n1..3 | Set-SampleItem -Name beta -WhatIf\n```\n\nShows what would change.\n", "");
        Single(Validate(With(page)), Severity.Warning, "has 1 example(s); at least 2 are expected");
        Single(Validate(With(page), new ValidationOptions { Strict = true }), Severity.Error, "has 1 example(s)");
    }

    [Fact]
    public void AnExampleWithoutCodeIsAnError()
    {
        var page = TestData.Edited("Set-SampleItem", "```powershell\nSet-SampleItem -Name alpha -Value 1\n```", "");
        Single(Validate(With(page)), Severity.Error, "'Example 1: Set a value' has no ```powershell code block");
    }

    [Theory]
    [InlineData("Type: String[]\nParameter Sets: ByName", "Type: String\nParameter Sets: ByName", "-Name: Type is 'String', the code says String[]")]
    [InlineData("Parameter Sets: ByName\nAliases: N", "Parameter Sets: ByName\nAliases: N, Nm", "-Name: Aliases are 'N, Nm', the code says 'N'")]
    [InlineData("Parameter Sets: ByName\nAliases: N", "Parameter Sets: (All)\nAliases: N", "-Name: Parameter Sets are '(All)', the code says 'ByName'")]
    [InlineData("Required: True\nPosition: Named", "Required: False\nPosition: Named", "-Id: Required is False in set ById, the code says True")]
    [InlineData("Required: False\nPosition: 0", "Required: False\nPosition: 1", "-Name: Position is 1 in set ByName, the code says 0")]
    [InlineData("Accept pipeline input: True (ByPropertyName, ByValue)", "Accept pipeline input: True (ByValue)", "-Name: Accept pipeline input is 'True (ByValue)' in set ByName, the code says 'True (ByPropertyName, ByValue)'")]
    public void YamlThatContradictsTheCodeWarnsAndFailsInStrictMode(string find, string replace, string message)
    {
        var page = TestData.Edited("Get-SampleItem", find, replace);
        Single(Validate(With(page)), Severity.Warning, message);
        Single(Validate(With(page), new ValidationOptions { Strict = true }), Severity.Error, message);
    }

    [Fact]
    public void LayoutErrorsOfAPageAreReported()
    {
        var page = TestData.Edited("Set-SampleItem", "## NOTES", "## REMARKS");
        Single(Validate(With(page)), Severity.Error, "unknown section '## REMARKS'");
    }

    [Fact]
    public void TwoPagesForOneCmdletIsAnError()
    {
        var copy = MarkdownPageParser.Parse(TestData.PageText("Set-SampleItem"), "Set-SampleItem.copy.md");
        Assert.Contains(Validate(TestData.AllPages().Append(copy)), d => d.Severity == Severity.Error && d.Message.Contains("is also documented in"));
    }
}
