using System;
using System.IO;
using System.Linq;

namespace ImapPS.HelpBuilder.Tests;

public class CmdletInspectorTests
{
    [Fact]
    public void FindsEveryConcreteCmdletAndNothingElse()
    {
        Assert.Equal(new[] { "Get-SampleItem", "Set-SampleItem" }, TestData.Cmdlets.Select(c => c.Name).OrderBy(n => n));
    }

    [Fact]
    public void ReadsParametersSetsAliasesAndInheritedOnes()
    {
        var get = TestData.Cmdlets.Single(c => c.Name == "Get-SampleItem");
        Assert.Equal("ByName", get.DefaultParameterSet);
        Assert.False(get.SupportsShouldProcess);
        // HiddenInput (DontShow) is left out.
        Assert.Equal(new[] { "Force", "Id", "Name", "Store" }, get.Parameters.Select(p => p.Name).OrderBy(n => n));

        var name = get.Parameters.Single(p => p.Name == "Name");
        Assert.Equal("String[]", name.TypeName);
        Assert.Equal(new[] { "N" }, name.Aliases);
        var set = Assert.Single(name.Sets);
        Assert.Equal(new ParameterSetMembership("ByName", false, 0, true, true), set);

        var id = get.Parameters.Single(p => p.Name == "Id");
        Assert.Equal(new ParameterSetMembership("ById", true, null, false, false), Assert.Single(id.Sets));

        var store = get.Parameters.Single(p => p.Name == "Store");
        Assert.Equal(new ParameterSetMembership(CmdletMetadata.AllParameterSets, false, null, false, true), Assert.Single(store.Sets));
        Assert.Equal("SwitchParameter", get.Parameters.Single(p => p.Name == "Force").TypeName);
    }

    [Fact]
    public void ShouldProcessAddsWhatIfAndConfirmAndNullableShowsItsValueType()
    {
        var set = TestData.Cmdlets.Single(c => c.Name == "Set-SampleItem");
        Assert.True(set.SupportsShouldProcess);
        Assert.Contains(set.Parameters, p => p.Name == "WhatIf" && p.IsShouldProcessParameter);
        Assert.Contains(set.Parameters, p => p.Name == "Confirm" && p.IsShouldProcessParameter);
        var value = set.Parameters.Single(p => p.Name == "Value");
        Assert.Equal("Int32", value.TypeName);
        Assert.Contains("System.Int32", value.TypeNameAlternatives);
    }

    [Fact]
    public void AMissingAssemblyIsAClearError()
    {
        var ex = Assert.Throws<FileNotFoundException>(() => CmdletInspector.Inspect(Path.Combine(TestData.Directory, "nope.dll")));
        Assert.Contains("nope.dll", ex.Message);
    }
}
