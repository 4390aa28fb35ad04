using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Xml;

namespace ImapPS.HelpBuilder;

/// <summary>
/// Writes PowerShell's MAML help (the &lt;Module&gt;.dll-Help.xml that Get-Help reads for binary
/// cmdlets), one command:command per page, in the element layout PowerShell's own help files use.
/// </summary>
public static class MamlWriter
{
    private const string MshNs = "http://msh";
    private const string MamlNs = "http://schemas.microsoft.com/maml/2004/10";
    private const string CommandNs = "http://schemas.microsoft.com/maml/dev/command/2004/10";
    private const string DevNs = "http://schemas.microsoft.com/maml/dev/2004/10";
    private const string MsHelpNs = "http://msdn.microsoft.com/mshelp";

    public static void Write(IEnumerable<CmdletPage> pages, string path)
    {
        string? directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null) Directory.CreateDirectory(directory);
        using var stream = File.Create(path);
        Write(pages, stream);
    }

    public static string WriteToString(IEnumerable<CmdletPage> pages)
    {
        using var stream = new MemoryStream();
        Write(pages, stream);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    public static void Write(IEnumerable<CmdletPage> pages, Stream stream)
    {
        var settings = new XmlWriterSettings { Indent = true, Encoding = new UTF8Encoding(false), NewLineChars = "\n" };
        using var xml = XmlWriter.Create(stream, settings);
        xml.WriteStartDocument();
        xml.WriteStartElement("helpItems", MshNs);
        xml.WriteAttributeString("schema", "maml");
        foreach (var page in pages.OrderBy(p => p.Name, StringComparer.OrdinalIgnoreCase))
        {
            WriteCommand(xml, page);
        }
        xml.WriteEndElement();
        xml.WriteEndDocument();
    }

    private static void WriteCommand(XmlWriter xml, CmdletPage page)
    {
        xml.WriteStartElement("command", "command", CommandNs);
        xml.WriteAttributeString("xmlns", "maml", null, MamlNs);
        xml.WriteAttributeString("xmlns", "command", null, CommandNs);
        xml.WriteAttributeString("xmlns", "dev", null, DevNs);
        xml.WriteAttributeString("xmlns", "MSHelp", null, MsHelpNs);

        xml.WriteStartElement("details", CommandNs);
        xml.WriteElementString("name", CommandNs, page.Name);
        xml.WriteElementString("verb", CommandNs, page.Verb);
        xml.WriteElementString("noun", CommandNs, page.Noun);
        WriteDescription(xml, page.Synopsis);
        xml.WriteEndElement();

        WriteDescription(xml, page.Description);
        WriteSyntax(xml, page);

        xml.WriteStartElement("parameters", CommandNs);
        foreach (var parameter in page.Parameters)
        {
            WriteParameter(xml, parameter, parameter.Primary, inSyntax: false);
        }
        xml.WriteEndElement();

        WriteTypes(xml, "inputTypes", "inputType", page.Inputs);
        WriteTypes(xml, "returnValues", "returnValue", page.Outputs);

        xml.WriteStartElement("alertSet", MamlNs);
        xml.WriteStartElement("alert", MamlNs);
        WriteParagraphs(xml, page.Notes);
        xml.WriteEndElement();
        xml.WriteEndElement();

        xml.WriteStartElement("examples", CommandNs);
        foreach (var example in page.Examples)
        {
            xml.WriteStartElement("example", CommandNs);
            xml.WriteElementString("title", MamlNs, $"---------- {example.Title} ----------");
            xml.WriteElementString("code", DevNs, example.Code);
            xml.WriteStartElement("remarks", DevNs);
            WriteParagraphs(xml, example.Remarks);
            xml.WriteEndElement();
            xml.WriteEndElement();
        }
        xml.WriteEndElement();

        xml.WriteStartElement("relatedLinks", CommandNs);
        var links = new List<PageLink>();
        if (!string.IsNullOrEmpty(page.OnlineVersion)) links.Add(new PageLink("Online Version:", page.OnlineVersion));
        links.AddRange(page.RelatedLinks);
        foreach (var link in links)
        {
            xml.WriteStartElement("navigationLink", MamlNs);
            xml.WriteElementString("linkText", MamlNs, link.Text);
            xml.WriteElementString("uri", MamlNs, link.Uri);
            xml.WriteEndElement();
        }
        xml.WriteEndElement();

        xml.WriteEndElement();
    }

    /// <summary>One syntaxItem per parameter set, built from the pages' yaml blocks as platyPS does.</summary>
    private static void WriteSyntax(XmlWriter xml, CmdletPage page)
    {
        xml.WriteStartElement("syntax", CommandNs);
        foreach (var set in SyntaxSets(page))
        {
            var members = new List<(PageParameter Parameter, ParameterMetadataBlock Block)>();
            foreach (var parameter in page.Parameters)
            {
                var block = set is null
                    ? parameter.Primary
                    : parameter.Metadata.FirstOrDefault(b => b.AppliesTo(set));
                if (block is not null) members.Add((parameter, block));
            }
            // Positional parameters first, in position order, as PowerShell's own syntax lines show them.
            var ordered = members.Where(m => m.Block.Position.HasValue).OrderBy(m => m.Block.Position!.Value)
                .Concat(members.Where(m => !m.Block.Position.HasValue));

            xml.WriteStartElement("syntaxItem", CommandNs);
            xml.WriteElementString("name", MamlNs, page.Name);
            foreach (var (parameter, block) in ordered)
            {
                WriteParameter(xml, parameter, block, inSyntax: true);
            }
            xml.WriteEndElement();
        }
        xml.WriteEndElement();
    }

    /// <summary>The set names under SYNTAX, else those named in the yaml blocks, else one unnamed set (null).</summary>
    internal static IReadOnlyList<string?> SyntaxSets(CmdletPage page)
    {
        if (page.SyntaxParameterSets.Count > 0) return page.SyntaxParameterSets.Cast<string?>().ToList();
        var named = page.Parameters.SelectMany(p => p.Metadata).SelectMany(b => b.ParameterSets)
            .Where(s => s != "(All)").Distinct(StringComparer.OrdinalIgnoreCase).Cast<string?>().ToList();
        return named.Count > 0 ? named : new List<string?> { null };
    }

    private static void WriteParameter(XmlWriter xml, PageParameter parameter, ParameterMetadataBlock block, bool inSyntax)
    {
        bool isSwitch = string.Equals(block.Type, "SwitchParameter", StringComparison.OrdinalIgnoreCase) ||
            string.Equals(block.Type, "System.Management.Automation.SwitchParameter", StringComparison.OrdinalIgnoreCase);
        bool isArray = block.Type.EndsWith("[]", StringComparison.Ordinal);

        xml.WriteStartElement("parameter", CommandNs);
        xml.WriteAttributeString("required", block.Required ? "true" : "false");
        xml.WriteAttributeString("variableLength", isArray ? "true" : "false");
        xml.WriteAttributeString("globbing", block.AcceptsWildcards ? "true" : "false");
        xml.WriteAttributeString("pipelineInput", block.PipelineInput);
        xml.WriteAttributeString("position", block.Position?.ToString(CultureInfo.InvariantCulture) ?? "named");
        xml.WriteAttributeString("aliases", block.Aliases.Count == 0 ? "none" : string.Join(", ", block.Aliases));
        xml.WriteElementString("name", MamlNs, parameter.Name);
        WriteDescription(xml, parameter.Description);
        // A switch takes no value: in a syntax line it must read [-Force], not [-Force <SwitchParameter>].
        if (!(inSyntax && isSwitch))
        {
            xml.WriteStartElement("parameterValue", CommandNs);
            xml.WriteAttributeString("required", isSwitch ? "false" : "true");
            xml.WriteAttributeString("variableLength", isArray ? "true" : "false");
            xml.WriteString(block.Type);
            xml.WriteEndElement();
        }
        xml.WriteStartElement("type", DevNs);
        xml.WriteElementString("name", MamlNs, block.Type);
        xml.WriteElementString("uri", MamlNs, string.Empty);
        xml.WriteEndElement();
        xml.WriteElementString("defaultValue", DevNs, block.DefaultValue);
        xml.WriteEndElement();
    }

    private static void WriteTypes(XmlWriter xml, string listElement, string itemElement, List<PageTypeEntry> entries)
    {
        xml.WriteStartElement(listElement, CommandNs);
        foreach (var entry in entries)
        {
            xml.WriteStartElement(itemElement, CommandNs);
            xml.WriteStartElement("type", DevNs);
            xml.WriteElementString("name", MamlNs, entry.TypeName);
            xml.WriteEndElement();
            WriteDescription(xml, entry.Description);
            xml.WriteEndElement();
        }
        xml.WriteEndElement();
    }

    private static void WriteDescription(XmlWriter xml, List<string> paragraphs)
    {
        xml.WriteStartElement("description", MamlNs);
        WriteParagraphs(xml, paragraphs);
        xml.WriteEndElement();
    }

    private static void WriteParagraphs(XmlWriter xml, List<string> paragraphs)
    {
        foreach (var paragraph in paragraphs)
        {
            xml.WriteElementString("para", MamlNs, paragraph);
        }
    }
}
