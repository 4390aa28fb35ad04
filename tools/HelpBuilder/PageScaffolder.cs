using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;

namespace ImapPS.HelpBuilder;

/// <summary>
/// Writes a starting page for a cmdlet that has none, as platyPS's New-MarkdownHelp does: syntax
/// and parameter metadata come from the code, the prose is left as "{{ Fill ... }}" placeholders,
/// which the validator rejects, so a scaffold cannot ship unedited.
/// </summary>
public static class PageScaffolder
{
    public const string PlaceholderMarker = "{{ Fill";

    /// <summary>Writes &lt;Name&gt;.md into <paramref name="directory"/> for each cmdlet without one; returns the files written.</summary>
    public static IReadOnlyList<string> WriteMissing(IEnumerable<CmdletMetadata> cmdlets, string directory)
    {
        Directory.CreateDirectory(directory);
        var written = new List<string>();
        foreach (var cmdlet in cmdlets)
        {
            string path = Path.Combine(directory, cmdlet.Name + ".md");
            if (File.Exists(path)) continue;
            File.WriteAllText(path, Render(cmdlet), new UTF8Encoding(false));
            written.Add(path);
        }
        return written;
    }

    public static string Render(CmdletMetadata cmdlet)
    {
        var md = new StringBuilder();
        md.Append("---\nexternal help file: ImapPS.dll-Help.xml\nModule Name: ImapPS\nonline version:\nschema: 2.0.0\n---\n\n");
        md.Append("# ").Append(cmdlet.Name).Append("\n\n## SYNOPSIS\n").Append(PlaceholderMarker).Append(" in the Synopsis }}\n\n## SYNTAX\n\n");

        var sets = SetNames(cmdlet);
        foreach (var set in sets)
        {
            if (set != CmdletMetadata.AllParameterSets)
            {
                bool isDefault = string.Equals(set, cmdlet.DefaultParameterSet, StringComparison.OrdinalIgnoreCase);
                md.Append("### ").Append(set).Append(isDefault ? " (Default)" : "").Append('\n');
            }
            md.Append("```\n").Append(SyntaxLine(cmdlet, set)).Append("\n```\n\n");
        }

        md.Append("## DESCRIPTION\n").Append(PlaceholderMarker).Append(" in the Description }}\n\n## EXAMPLES\n\n");
        for (int i = 1; i <= 2; i++)
        {
            md.Append("### Example ").Append(i).Append(": ").Append(PlaceholderMarker).Append(" in the title }}\n```powershell\n")
              .Append(PlaceholderMarker).Append(" in the code }}\n```\n\n").Append(PlaceholderMarker).Append(" in what the example does }}\n\n");
        }

        md.Append("## PARAMETERS\n\n");
        foreach (var parameter in cmdlet.Parameters)
        {
            md.Append("### -").Append(parameter.Name).Append('\n').Append(PlaceholderMarker).Append(" in the description of ")
              .Append(parameter.Name).Append(" }}\n\n");
            foreach (var group in parameter.Sets.GroupBy(s => (s.Mandatory, s.Position, HelpValidator.PipelineInput(s))))
            {
                var names = group.Select(s => s.SetName).ToList();
                string setList = names.Contains(CmdletMetadata.AllParameterSets) ? "(All)" : string.Join(", ", names);
                bool isSwitch = parameter.TypeName == "SwitchParameter";
                md.Append("```yaml\n")
                  .Append("Type: ").Append(parameter.TypeName).Append('\n')
                  .Append("Parameter Sets: ").Append(setList).Append('\n')
                  .Append("Aliases:").Append(parameter.Aliases.Count == 0 ? "" : " " + string.Join(", ", parameter.Aliases)).Append("\n\n")
                  .Append("Required: ").Append(group.Key.Mandatory ? "True" : "False").Append('\n')
                  .Append("Position: ").Append(group.Key.Position?.ToString(CultureInfo.InvariantCulture) ?? "Named").Append('\n')
                  .Append("Default value: ").Append(isSwitch ? "False" : "None").Append('\n')
                  .Append("Accept pipeline input: ").Append(group.Key.Item3).Append('\n')
                  .Append("Accept wildcard characters: False\n```\n\n");
            }
        }
        md.Append("### CommonParameters\nThis cmdlet supports the common parameters: -Debug, -ErrorAction, -ErrorVariable, -InformationAction, ")
          .Append("-InformationVariable, -OutVariable, -OutBuffer, -PipelineVariable, -ProgressAction, -Verbose, -WarningAction, and -WarningVariable. ")
          .Append("For more information, see [about_CommonParameters](http://go.microsoft.com/fwlink/?LinkID=113216).\n\n");
        md.Append("## INPUTS\n\n### None\n").Append(PlaceholderMarker).Append(" in what the pipeline accepts }}\n\n");
        md.Append("## OUTPUTS\n\n### None\n").Append(PlaceholderMarker).Append(" in what the cmdlet writes }}\n\n");
        md.Append("## NOTES\n\n## RELATED LINKS\n");
        return md.ToString();
    }

    private static List<string> SetNames(CmdletMetadata cmdlet)
    {
        var named = cmdlet.Parameters.SelectMany(p => p.Sets).Select(s => s.SetName)
            .Where(s => s != CmdletMetadata.AllParameterSets).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        if (named.Count == 0) return new List<string> { CmdletMetadata.AllParameterSets };
        // The default set first, as Get-Help lists it.
        return named.OrderBy(s => string.Equals(s, cmdlet.DefaultParameterSet, StringComparison.OrdinalIgnoreCase) ? 0 : 1).ToList();
    }

    internal static string SyntaxLine(CmdletMetadata cmdlet, string set)
    {
        var members = new List<(ParameterMetadata Parameter, ParameterSetMembership Membership)>();
        foreach (var parameter in cmdlet.Parameters)
        {
            var membership = parameter.Sets.FirstOrDefault(s => string.Equals(s.SetName, set, StringComparison.OrdinalIgnoreCase))
                ?? parameter.Sets.FirstOrDefault(s => s.SetName == CmdletMetadata.AllParameterSets);
            if (membership is not null) members.Add((parameter, membership));
        }
        var ordered = members.Where(m => m.Membership.Position.HasValue).OrderBy(m => m.Membership.Position!.Value)
            .Concat(members.Where(m => !m.Membership.Position.HasValue));

        var line = new StringBuilder(cmdlet.Name);
        foreach (var (parameter, membership) in ordered)
        {
            bool isSwitch = parameter.TypeName == "SwitchParameter";
            string name = membership.Position.HasValue ? $"[-{parameter.Name}]" : $"-{parameter.Name}";
            string text = isSwitch ? $"-{parameter.Name}" : $"{name} <{parameter.TypeName}>";
            line.Append(' ').Append(membership.Mandatory ? text : $"[{text}]");
        }
        return line.Append(" [<CommonParameters>]").ToString();
    }
}
