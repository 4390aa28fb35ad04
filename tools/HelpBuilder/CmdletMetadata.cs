using System.Collections.Generic;

namespace ImapPS.HelpBuilder;

/// <summary>What the compiled module says about one cmdlet: its name, sets and parameters.</summary>
public sealed class CmdletMetadata
{
    /// <summary>PowerShell's name for the set a parameter belongs to when it names none.</summary>
    public const string AllParameterSets = "__AllParameterSets";

    public required string Verb { get; init; }
    public required string Noun { get; init; }
    public string Name => Verb + "-" + Noun;

    /// <summary>The implementing type's full name (for messages).</summary>
    public string TypeName { get; init; } = string.Empty;
    public string? DefaultParameterSet { get; init; }
    public bool SupportsShouldProcess { get; init; }
    public List<ParameterMetadata> Parameters { get; } = new();
}

/// <summary>A cmdlet parameter: a property with one [Parameter] attribute per set.</summary>
public sealed class ParameterMetadata
{
    public required string Name { get; init; }

    /// <summary>The type as help pages name it (String, String[], SwitchParameter, Int32 for int?).</summary>
    public required string TypeName { get; init; }

    /// <summary>Other acceptable spellings of the type (full names), for comparing with a page.</summary>
    public List<string> TypeNameAlternatives { get; } = new();
    public List<string> Aliases { get; } = new();
    public List<ParameterSetMembership> Sets { get; } = new();

    /// <summary>True for -WhatIf and -Confirm, which PowerShell adds to SupportsShouldProcess cmdlets.</summary>
    public bool IsShouldProcessParameter { get; init; }
}

/// <summary>The [Parameter] attribute of one set.</summary>
public sealed record ParameterSetMembership(
    string SetName,
    bool Mandatory,
    int? Position,
    bool ValueFromPipeline,
    bool ValueFromPipelineByPropertyName);
