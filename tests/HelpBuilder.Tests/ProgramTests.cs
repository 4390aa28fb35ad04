using System.Linq;
using System;
using System.IO;
using System.Xml.Linq;

namespace ImapPS.HelpBuilder.Tests;

public sealed class ProgramTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("helpbuilder-tests-").FullName;
    private readonly StringWriter _out = new();
    private readonly StringWriter _err = new();

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private string Output => Path.Combine(_work, "en-US", "SampleCmdlets.dll-Help.xml");

    private int Run(string docs, params string[] extra) =>
        Program.Run(new[] { "--docs", docs, "--assembly", TestData.SampleAssembly, "--output", Output }.Concat(extra).ToArray(), _out, _err);

    private string DocsWith(params string[] cmdlets)
    {
        string docs = Directory.CreateDirectory(Path.Combine(_work, "docs")).FullName;
        foreach (var cmdlet in cmdlets) File.Copy(TestData.PagePath(cmdlet), Path.Combine(docs, cmdlet + ".md"));
        return docs;
    }

    [Fact]
    public void ValidPagesProduceLoadableMaml()
    {
        Assert.Equal(Program.Success, Run(TestData.DocsDirectory, "--strict"));
        Assert.Contains("2 of 2 cmdlet(s) documented, 0 warning(s) (strict)", _out.ToString());
        Assert.Equal("", _err.ToString());
        Assert.Equal(2, XDocument.Load(Output).Root!.Elements().Count());
    }

    [Fact]
    public void AMissingPageFailsAndWritesNothing()
    {
        Assert.Equal(Program.ValidationFailed, Run(DocsWith("Get-SampleItem")));
        Assert.Contains("error: SampleCmdlets.SetSampleItemCommand: Set-SampleItem has no help page", _err.ToString());
        Assert.Contains("1 error(s)", _err.ToString());
        Assert.False(File.Exists(Output));
    }

    [Fact]
    public void AllowMissingHelpWithNoPagesAtAllSucceedsWithWarnings()
    {
        string empty = Directory.CreateDirectory(Path.Combine(_work, "empty")).FullName;
        Assert.Equal(Program.Success, Run(empty, "--allow-missing-help"));
        Assert.Contains("warning: SampleCmdlets.GetSampleItemCommand: Get-SampleItem has no help page", _err.ToString());
        Assert.Contains("0 of 2 cmdlet(s) documented, 2 warning(s) (missing help allowed)", _out.ToString());
        Assert.Empty(XDocument.Load(Output).Root!.Elements());
    }

    [Fact]
    public void StrictModeFailsOnWarnings()
    {
        string docs = DocsWith("Get-SampleItem", "Set-SampleItem");
        string page = Path.Combine(docs, "Get-SampleItem.md");
        File.WriteAllText(page, File.ReadAllText(page).Replace("Position: 0", "Position: 2"));
        Assert.Equal(Program.Success, Run(docs));
        Assert.Contains("warning:", _err.ToString());
        Assert.Equal(Program.ValidationFailed, Run(docs, "--strict"));
    }

    [Fact]
    public void BadUsageAndUnreadableAssembliesExitWithTwo()
    {
        Assert.Equal(Program.UsageError, Program.Run(new[] { "--docs", "x" }, _out, _err));
        Assert.Equal(Program.UsageError, Program.Run(new[] { "--bogus" }, _out, _err));
        Assert.Equal(Program.UsageError, Program.Run(new[] { "--docs", "x", "--assembly", Path.Combine(_work, "missing.dll"), "--output", Output }, _out, _err));
        Assert.Contains("cannot inspect", _err.ToString());
    }
}
