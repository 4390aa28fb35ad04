using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace ImapPS.HelpBuilder;

/// <summary>
/// HelpBuilder --docs &lt;folder of Cmdlet.md pages&gt; --assembly &lt;Module.dll&gt; --output &lt;Module.dll-Help.xml&gt;
///             [--reference &lt;folder or dll&gt;]... [--strict] [--allow-missing-help]
/// HelpBuilder --docs &lt;folder&gt; --assembly &lt;Module.dll&gt; --scaffold   (writes starting pages for undocumented cmdlets)
/// Exit codes: 0 help written, 1 validation failed (nothing written), 2 bad usage or unreadable input.
/// </summary>
public static class Program
{
    public const int Success = 0;
    public const int ValidationFailed = 1;
    public const int UsageError = 2;

    private const string Usage =
        "usage: HelpBuilder --docs <folder> --assembly <Module.dll> --output <Module.dll-Help.xml> " +
        "[--reference <folder-or-dll>]... [--strict] [--allow-missing-help]\n" +
        "       HelpBuilder --docs <folder> --assembly <Module.dll> [--reference <folder-or-dll>]... --scaffold";

    public static int Main(string[] args) => Run(args, Console.Out, Console.Error);

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        string? docs = null, assembly = null, target = null;
        var references = new List<string>();
        bool strict = false, allowMissing = false, scaffold = false;
        for (int i = 0; i < args.Length; i++)
        {
            string? Value() => i + 1 < args.Length ? args[++i] : null;
            switch (args[i])
            {
                case "--docs": docs = Value(); break;
                case "--assembly": assembly = Value(); break;
                case "--output": target = Value(); break;
                case "--reference": if (Value() is { } reference) references.Add(reference); break;
                case "--strict": strict = true; break;
                case "--allow-missing-help": allowMissing = true; break;
                case "--scaffold": scaffold = true; break;
                case "-h" or "--help": output.WriteLine(Usage); return Success;
                default:
                    error.WriteLine($"HelpBuilder: unknown argument '{args[i]}'");
                    error.WriteLine(Usage);
                    return UsageError;
            }
        }
        if (docs is null || assembly is null || (target is null && !scaffold))
        {
            error.WriteLine(Usage);
            return UsageError;
        }

        IReadOnlyList<CmdletMetadata> cmdlets;
        try
        {
            cmdlets = CmdletInspector.Inspect(assembly, references);
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or BadImageFormatException or UnauthorizedAccessException)
        {
            error.WriteLine($"HelpBuilder: cannot inspect {assembly}: {ex.Message}");
            error.WriteLine("HelpBuilder: references are resolved from the assembly's folder, this runtime and --reference (folders or files).");
            return UsageError;
        }

        if (scaffold)
        {
            var written = PageScaffolder.WriteMissing(cmdlets, docs);
            foreach (var file in written) output.WriteLine($"HelpBuilder: wrote {file}");
            output.WriteLine($"HelpBuilder: {written.Count} page(s) scaffolded; replace every '{PageScaffolder.PlaceholderMarker} ... }}}}' before building.");
            return Success;
        }

        var files = Directory.Exists(docs)
            ? Directory.GetFiles(docs, "*.md")
                // The folder's README is the index of the pages, not a cmdlet page.
                .Where(f => !string.Equals(Path.GetFileName(f), "README.md", StringComparison.OrdinalIgnoreCase))
                .OrderBy(f => f, StringComparer.Ordinal).ToList()
            : new List<string>();
        var pages = files.Select(MarkdownPageParser.ParseFile).ToList();

        var options = new ValidationOptions { Strict = strict, AllowMissingHelp = allowMissing };
        var diagnostics = HelpValidator.Validate(pages, cmdlets, options);
        foreach (var diagnostic in diagnostics.OrderByDescending(d => d.Severity).ThenBy(d => d.Location, StringComparer.Ordinal))
        {
            error.WriteLine(diagnostic);
        }
        int errors = diagnostics.Count(d => d.Severity == Severity.Error);
        int warnings = diagnostics.Count - errors;
        string mode = strict ? "strict" : allowMissing ? "missing help allowed" : "normal";
        if (errors > 0)
        {
            error.WriteLine($"HelpBuilder: {errors} error(s), {warnings} warning(s) in {pages.Count} page(s) for {cmdlets.Count} cmdlet(s) ({mode}); help not written.");
            return ValidationFailed;
        }

        MamlWriter.Write(pages, target!);
        output.WriteLine($"HelpBuilder: wrote {target}: {pages.Count} of {cmdlets.Count} cmdlet(s) documented, {warnings} warning(s) ({mode}).");
        return Success;
    }
}
