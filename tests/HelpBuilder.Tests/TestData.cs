using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;

namespace ImapPS.HelpBuilder.Tests;

/// <summary>Paths of the sample module and its pages, and helpers to vary a page for one test.</summary>
internal static class TestData
{
    public static string Directory => Metadata("TestDataDirectory");
    public static string DocsDirectory => Path.Combine(Directory, "docs");
    public static string SampleAssembly => Metadata("SampleModuleAssembly");

    public static string PagePath(string cmdlet) => Path.Combine(DocsDirectory, cmdlet + ".md");
    public static string PageText(string cmdlet) => File.ReadAllText(PagePath(cmdlet));

    public static CmdletPage Page(string cmdlet) => MarkdownPageParser.ParseFile(PagePath(cmdlet));

    /// <summary>The page with one exact piece of text replaced; fails the test if the text is not there.</summary>
    public static CmdletPage Edited(string cmdlet, string find, string replace)
    {
        string text = PageText(cmdlet);
        Assert.Contains(find, text);
        return MarkdownPageParser.Parse(text.Replace(find, replace), PagePath(cmdlet));
    }

    /// <summary>The page with the "### -Name" section (heading up to the next heading) removed.</summary>
    public static CmdletPage WithoutParameter(string cmdlet, string parameter)
    {
        string text = PageText(cmdlet).Replace("\r\n", "\n");
        int start = text.IndexOf($"### -{parameter}\n", StringComparison.Ordinal);
        Assert.True(start >= 0, $"-{parameter} is not on the page");
        int end = text.IndexOf("\n### ", start + 1, StringComparison.Ordinal);
        return MarkdownPageParser.Parse(text.Remove(start, end + 1 - start), PagePath(cmdlet));
    }

    private static readonly Lazy<IReadOnlyList<CmdletMetadata>> SampleCmdlets = new(() => CmdletInspector.Inspect(SampleAssembly));

    public static IReadOnlyList<CmdletMetadata> Cmdlets => SampleCmdlets.Value;

    public static List<CmdletPage> AllPages() => new() { Page("Get-SampleItem"), Page("Set-SampleItem") };

    private static string Metadata(string key) =>
        typeof(TestData).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;
}
