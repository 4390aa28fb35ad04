using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace ImapPS.HelpBuilder;

public enum Severity
{
    Warning,
    Error,
}

/// <summary>One finding of the validator, tied to a page file or a cmdlet.</summary>
public sealed record Diagnostic(Severity Severity, string Location, string Message)
{
    public override string ToString() => $"{(Severity == Severity.Error ? "error" : "warning")}: {Location}: {Message}";
}

/// <summary>How strict the checks are.</summary>
public sealed record ValidationOptions
{
    /// <summary>Warnings (too few examples, metadata that disagrees with the code) become errors.</summary>
    public bool Strict { get; init; }

    /// <summary>A cmdlet without a page is a warning instead of an error (while pages are being written).</summary>
    public bool AllowMissingHelp { get; init; }

    /// <summary>Fewer examples than this is a warning (an error in strict mode).</summary>
    public int MinimumExamples { get; init; } = 2;
}

/// <summary>
/// Checks help pages against the compiled cmdlets: every cmdlet has a page, every page is a
/// cmdlet, every parameter is documented and nothing documented is missing from the code.
/// </summary>
public static class HelpValidator
{
    public static IReadOnlyList<Diagnostic> Validate(IReadOnlyList<CmdletPage> pages, IReadOnlyList<CmdletMetadata> cmdlets, ValidationOptions options)
    {
        var diagnostics = new List<Diagnostic>();
        void Report(Severity severity, string location, string message) =>
            diagnostics.Add(new Diagnostic(options.Strict ? Severity.Error : severity, location, message));

        var cmdletsByName = new Dictionary<string, CmdletMetadata>(StringComparer.OrdinalIgnoreCase);
        foreach (var cmdlet in cmdlets)
        {
            if (!cmdletsByName.TryAdd(cmdlet.Name, cmdlet))
                Report(Severity.Error, cmdlet.TypeName, $"{cmdlet.Name} is implemented twice ({cmdletsByName[cmdlet.Name].TypeName} and {cmdlet.TypeName})");
        }

        var pagesByName = new Dictionary<string, CmdletPage>(StringComparer.OrdinalIgnoreCase);
        foreach (var page in pages)
        {
            string location = page.SourcePath;
            foreach (var problem in page.LayoutErrors) Report(Severity.Error, location, problem);

            if (!pagesByName.TryAdd(page.Name, page))
            {
                Report(Severity.Error, location, $"{page.Name} is also documented in {pagesByName[page.Name].SourcePath}");
                continue;
            }
            string expectedFile = page.Name + ".md";
            if (!string.Equals(Path.GetFileName(page.SourcePath), expectedFile, StringComparison.Ordinal))
                Report(Severity.Warning, location, $"the page for {page.Name} should be named {expectedFile}");

            if (!cmdletsByName.TryGetValue(page.Name, out var cmdlet))
            {
                Report(Severity.Error, location, $"documents {page.Name}, but the module has no such cmdlet");
                continue;
            }
            if (!string.Equals(page.Name, cmdlet.Name, StringComparison.Ordinal))
                Report(Severity.Warning, location, $"the title '{page.Name}' differs in case from the cmdlet {cmdlet.Name}");

            if (page.RawText.Contains(PageScaffolder.PlaceholderMarker, StringComparison.Ordinal))
                Report(Severity.Error, location, $"still has '{PageScaffolder.PlaceholderMarker} ... }}}}' placeholders from the scaffold");
            CheckContent(page, location, options, Report);
            CheckParameters(page, cmdlet, location, Report);
        }

        foreach (var cmdlet in cmdlets)
        {
            if (pagesByName.ContainsKey(cmdlet.Name)) continue;
            diagnostics.Add(new Diagnostic(options.AllowMissingHelp ? Severity.Warning : Severity.Error, cmdlet.TypeName,
                $"{cmdlet.Name} has no help page (expected {cmdlet.Name}.md)"));
        }
        return diagnostics;
    }

    private static void CheckContent(CmdletPage page, string location, ValidationOptions options, Action<Severity, string, string> report)
    {
        if (page.Synopsis.Count == 0) report(Severity.Error, location, "SYNOPSIS is empty or missing");
        if (page.Description.Count == 0) report(Severity.Error, location, "DESCRIPTION is empty or missing");
        if (page.Examples.Count < options.MinimumExamples)
            report(Severity.Warning, location, $"has {page.Examples.Count} example(s); at least {options.MinimumExamples} are expected");
        foreach (var example in page.Examples)
        {
            if (example.CodeBlocks.Count == 0) report(Severity.Error, location, $"'{example.Title}' has no ```powershell code block");
            if (example.Remarks.Count == 0) report(Severity.Warning, location, $"'{example.Title}' has no text explaining it");
        }
    }

    private static void CheckParameters(CmdletPage page, CmdletMetadata cmdlet, string location, Action<Severity, string, string> report)
    {
        var documented = new Dictionary<string, PageParameter>(StringComparer.OrdinalIgnoreCase);
        foreach (var parameter in page.Parameters)
        {
            if (!documented.TryAdd(parameter.Name, parameter))
                report(Severity.Error, location, $"-{parameter.Name} is documented twice");
        }

        foreach (var parameter in cmdlet.Parameters)
        {
            if (!documented.ContainsKey(parameter.Name))
            {
                string why = parameter.IsShouldProcessParameter ? " (the cmdlet supports ShouldProcess)" : string.Empty;
                report(Severity.Error, location, $"-{parameter.Name} of {cmdlet.Name} is not documented{why}");
            }
        }

        var byName = cmdlet.Parameters.ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);
        foreach (var pageParameter in documented.Values)
        {
            if (!byName.TryGetValue(pageParameter.Name, out var parameter))
            {
                var aliased = cmdlet.Parameters.FirstOrDefault(p => p.Aliases.Contains(pageParameter.Name, StringComparer.OrdinalIgnoreCase));
                string hint = aliased is null ? string.Empty : $" ('{pageParameter.Name}' is an alias of -{aliased.Name}; document the parameter by its name)";
                report(Severity.Error, location, $"documents -{pageParameter.Name}, which {cmdlet.Name} does not have{hint}");
                continue;
            }
            if (pageParameter.Description.Count == 0)
                report(Severity.Error, location, $"-{parameter.Name} has no description");
            if (pageParameter.Metadata.Count == 0)
            {
                report(Severity.Error, location, $"-{parameter.Name} has no ```yaml block (Type, Parameter Sets, Aliases, Required, Position, ...)");
                continue;
            }
            CheckMetadata(pageParameter, parameter, cmdlet, location, report);
        }
    }

    /// <summary>Compares the yaml blocks with the [Parameter] attributes, so Get-Help does not contradict the code.</summary>
    private static void CheckMetadata(PageParameter pageParameter, ParameterMetadata parameter, CmdletMetadata cmdlet, string location, Action<Severity, string, string> report)
    {
        string name = "-" + parameter.Name;
        foreach (var block in pageParameter.Metadata)
        {
            if (!string.Equals(block.Type, parameter.TypeName, StringComparison.OrdinalIgnoreCase) &&
                !parameter.TypeNameAlternatives.Contains(block.Type, StringComparer.OrdinalIgnoreCase))
                report(Severity.Warning, location, $"{name}: Type is '{block.Type}', the code says {parameter.TypeName}");

            var pageAliases = new HashSet<string>(block.Aliases, StringComparer.OrdinalIgnoreCase);
            if (!pageAliases.SetEquals(parameter.Aliases))
                report(Severity.Warning, location, $"{name}: Aliases are '{Join(block.Aliases)}', the code says '{Join(parameter.Aliases)}'");
        }

        // Which sets the page covers, and with which metadata.
        bool codeInAllSets = parameter.Sets.Any(s => s.SetName == CmdletMetadata.AllParameterSets);
        var codeSets = parameter.Sets.Select(s => s.SetName).Where(s => s != CmdletMetadata.AllParameterSets).ToHashSet(StringComparer.OrdinalIgnoreCase);
        bool pageAllSets = pageParameter.Metadata.Any(b => b.AppliesToAllSets);
        var pageSets = pageParameter.Metadata.SelectMany(b => b.ParameterSets).Where(s => s != "(All)").ToHashSet(StringComparer.OrdinalIgnoreCase);
        if (codeInAllSets != pageAllSets || (!codeInAllSets && !pageSets.SetEquals(codeSets)))
        {
            string code = codeInAllSets ? "(All)" : Join(codeSets);
            string documentedSets = pageAllSets ? "(All)" : Join(pageSets);
            report(Severity.Warning, location, $"{name}: Parameter Sets are '{documentedSets}', the code says '{code}'");
            return;
        }

        foreach (var membership in parameter.Sets)
        {
            var block = membership.SetName == CmdletMetadata.AllParameterSets
                ? pageParameter.Metadata.FirstOrDefault(b => b.AppliesToAllSets)
                : pageParameter.Metadata.FirstOrDefault(b => b.AppliesTo(membership.SetName));
            if (block is null) continue;
            string set = membership.SetName == CmdletMetadata.AllParameterSets ? string.Empty : $" in set {membership.SetName}";
            if (block.Required != membership.Mandatory)
                report(Severity.Warning, location, $"{name}: Required is {block.Required}{set}, the code says {membership.Mandatory}");
            if (block.Position != membership.Position)
                report(Severity.Warning, location, $"{name}: Position is {Position(block.Position)}{set}, the code says {Position(membership.Position)}");
            bool pageByValue = block.PipelineInput.Contains("ByValue", StringComparison.OrdinalIgnoreCase);
            bool pageByName = block.PipelineInput.Contains("ByPropertyName", StringComparison.OrdinalIgnoreCase);
            if (pageByValue != membership.ValueFromPipeline || pageByName != membership.ValueFromPipelineByPropertyName)
                report(Severity.Warning, location, $"{name}: Accept pipeline input is '{block.PipelineInput}'{set}, the code says '{PipelineInput(membership)}'");
        }
    }

    private static string Join(IEnumerable<string> values)
    {
        var list = values.OrderBy(v => v, StringComparer.OrdinalIgnoreCase).ToList();
        return list.Count == 0 ? "None" : string.Join(", ", list);
    }

    private static string Position(int? position) => position?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "Named";

    /// <summary>The "Accept pipeline input" text platyPS writes for a set.</summary>
    public static string PipelineInput(ParameterSetMembership membership) =>
        (membership.ValueFromPipelineByPropertyName, membership.ValueFromPipeline) switch
        {
            (true, true) => "True (ByPropertyName, ByValue)",
            (true, false) => "True (ByPropertyName)",
            (false, true) => "True (ByValue)",
            _ => "False",
        };
}
