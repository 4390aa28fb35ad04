using System.Linq;
using System.Xml.Linq;

namespace ImapPS.HelpBuilder.Tests;

public class MamlWriterTests
{
    private static readonly XNamespace Msh = "http://msh";
    private static readonly XNamespace Maml = "http://schemas.microsoft.com/maml/2004/10";
    private static readonly XNamespace Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
    private static readonly XNamespace Dev = "http://schemas.microsoft.com/maml/dev/2004/10";

    private readonly XElement _root = XDocument.Parse(MamlWriter.WriteToString(TestData.AllPages())).Root!;

    private XElement CommandElement(string name) =>
        _root.Elements(Command + "command").Single(c => (string)c.Element(Command + "details")!.Element(Command + "name")! == name);

    private static string[] Paras(XElement? container) =>
        container!.Elements(Maml + "para").Select(p => p.Value).ToArray();

    [Fact]
    public void RootIsMamlHelpItemsWithOneCommandPerPage()
    {
        Assert.Equal(Msh + "helpItems", _root.Name);
        Assert.Equal("maml", (string?)_root.Attribute("schema"));
        Assert.Equal(2, _root.Elements(Command + "command").Count());
    }

    [Fact]
    public void DetailsCarryNameVerbNounAndSynopsis()
    {
        var details = CommandElement("Get-SampleItem").Element(Command + "details")!;
        Assert.Equal("Get", details.Element(Command + "verb")!.Value);
        Assert.Equal("SampleItem", details.Element(Command + "noun")!.Value);
        Assert.Equal(new[] { "Gets sample items by name or id." }, Paras(details.Element(Maml + "description")));
        Assert.Equal(3, Paras(CommandElement("Get-SampleItem").Element(Maml + "description")).Length);
    }

    [Fact]
    public void SyntaxHasOneItemPerSetWithPositionalParametersFirst()
    {
        var items = CommandElement("Get-SampleItem").Element(Command + "syntax")!.Elements(Command + "syntaxItem").ToList();
        Assert.Equal(2, items.Count);
        string[] Names(XElement item) => item.Elements(Command + "parameter").Select(p => p.Element(Maml + "name")!.Value).ToArray();
        Assert.Equal(new[] { "Name", "Force", "Store" }, Names(items[0]));
        Assert.Equal(new[] { "Id", "Force", "Store" }, Names(items[1]));

        var force = items[0].Elements(Command + "parameter").Single(p => p.Element(Maml + "name")!.Value == "Force");
        // A switch shows as [-Force]: no parameterValue in a syntax line.
        Assert.Null(force.Element(Command + "parameterValue"));
        var name = items[0].Elements(Command + "parameter").First();
        Assert.Equal("String[]", name.Element(Command + "parameterValue")!.Value);
        Assert.Equal("0", (string?)name.Attribute("position"));
        Assert.Equal("true", (string?)name.Attribute("variableLength"));
    }

    [Fact]
    public void ParametersCarryEverythingGetHelpShows()
    {
        var parameters = CommandElement("Get-SampleItem").Element(Command + "parameters")!.Elements(Command + "parameter").ToList();
        Assert.Equal(4, parameters.Count);
        var name = parameters[0];
        Assert.Equal("false", (string?)name.Attribute("required"));
        Assert.Equal("0", (string?)name.Attribute("position"));
        Assert.Equal("True (ByPropertyName, ByValue)", (string?)name.Attribute("pipelineInput"));
        Assert.Equal("true", (string?)name.Attribute("globbing"));
        Assert.Equal("N", (string?)name.Attribute("aliases"));
        Assert.Equal(new[] { "The names of the items to get." }, Paras(name.Element(Maml + "description")));
        Assert.Equal("String[]", name.Element(Dev + "type")!.Element(Maml + "name")!.Value);
        Assert.Equal("None", name.Element(Dev + "defaultValue")!.Value);

        var id = parameters[1];
        Assert.Equal("true", (string?)id.Attribute("required"));
        Assert.Equal("named", (string?)id.Attribute("position"));
        Assert.Equal("none", (string?)id.Attribute("aliases"));

        var force = parameters[2];
        Assert.Equal("SwitchParameter", force.Element(Command + "parameterValue")!.Value);
        Assert.Equal("false", (string?)force.Element(Command + "parameterValue")!.Attribute("required"));
    }

    [Fact]
    public void ExamplesInputsOutputsNotesAndLinks()
    {
        var command = CommandElement("Get-SampleItem");
        var examples = command.Element(Command + "examples")!.Elements(Command + "example").ToList();
        Assert.Equal(2, examples.Count);
        Assert.Contains("Example 1: Get an item by name", examples[0].Element(Maml + "title")!.Value);
        Assert.Equal("Get-SampleItem -Name alpha", examples[0].Element(Dev + "code")!.Value);
        Assert.Equal(new[] { "This command gets the item named alpha." }, Paras(examples[0].Element(Dev + "remarks")));

        var input = command.Element(Command + "inputTypes")!.Element(Command + "inputType")!;
        Assert.Equal("System.String", input.Element(Dev + "type")!.Element(Maml + "name")!.Value);
        Assert.Equal(new[] { "A name, bound to -Name." }, Paras(input.Element(Maml + "description")));
        Assert.Equal("System.String", command.Element(Command + "returnValues")!.Element(Command + "returnValue")!
            .Element(Dev + "type")!.Element(Maml + "name")!.Value);

        Assert.Equal(new[] { "Sample notes, with a code span." }, Paras(command.Element(Maml + "alertSet")!.Element(Maml + "alert")));

        var links = command.Element(Command + "relatedLinks")!.Elements(Maml + "navigationLink")
            .Select(l => (l.Element(Maml + "linkText")!.Value, l.Element(Maml + "uri")!.Value)).ToArray();
        Assert.Equal(new[]
        {
            ("Online Version:", "https://example.org/help/Get-SampleItem"),
            ("Set-SampleItem", ""),
            ("Sample store", "https://example.org/store"),
        }, links);
    }

    [Fact]
    public void APageWithoutNamedSetsGetsOneSyntaxItem()
    {
        var items = CommandElement("Set-SampleItem").Element(Command + "syntax")!.Elements(Command + "syntaxItem").ToList();
        var item = Assert.Single(items);
        Assert.Equal(new[] { "Name", "Value", "PassThru", "Store", "WhatIf", "Confirm" },
            item.Elements(Command + "parameter").Select(p => p.Element(Maml + "name")!.Value));
    }

    [Fact]
    public void TextIsEscapedNotInterpreted()
    {
        var page = TestData.Edited("Set-SampleItem", "Sets the value of one item.", "Uses <angle> & \"quotes\" ]]> safely.");
        var root = XDocument.Parse(MamlWriter.WriteToString(new[] { page })).Root!;
        var description = root.Element(Command + "command")!.Element(Maml + "description")!;
        Assert.Equal(new[] { "Uses <angle> & \"quotes\" ]]> safely." }, Paras(description));
    }
}
