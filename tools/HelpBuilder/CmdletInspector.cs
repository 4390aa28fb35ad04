using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.InteropServices;

namespace ImapPS.HelpBuilder;

/// <summary>
/// Lists the cmdlets of a compiled module without running it: a MetadataLoadContext reads the
/// assembly (netstandard2.0, built against PowerShell Standard) from this net10.0 tool, so no
/// PowerShell runtime and no static constructors are involved.
/// </summary>
public static class CmdletInspector
{
    private const string SmaNamespace = "System.Management.Automation.";

    /// <param name="assemblyPath">The module assembly (ImapPS.dll).</param>
    /// <param name="referencePaths">Extra assemblies or folders to resolve references from; the assembly's own
    /// folder and this runtime's folder are always searched. System.Management.Automation must be among them.</param>
    public static IReadOnlyList<CmdletMetadata> Inspect(string assemblyPath, IEnumerable<string>? referencePaths = null)
    {
        string fullPath = Path.GetFullPath(assemblyPath);
        if (!File.Exists(fullPath)) throw new FileNotFoundException($"The module assembly '{fullPath}' does not exist.", fullPath);

        var candidates = new List<string>();
        foreach (var reference in referencePaths ?? Array.Empty<string>())
        {
            if (Directory.Exists(reference)) candidates.AddRange(Directory.GetFiles(reference, "*.dll"));
            else if (File.Exists(reference)) candidates.Add(Path.GetFullPath(reference));
            else throw new FileNotFoundException($"The reference path '{reference}' does not exist.", reference);
        }
        candidates.AddRange(Directory.GetFiles(Path.GetDirectoryName(fullPath)!, "*.dll"));
        candidates.AddRange(Directory.GetFiles(RuntimeEnvironment.GetRuntimeDirectory(), "*.dll"));

        using var context = new MetadataLoadContext(new PathAssemblyResolver(candidates));
        var assembly = context.LoadFromAssemblyPath(fullPath);
        Type[] types;
        try
        {
            types = assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException ex)
        {
            var reasons = ex.LoaderExceptions.Where(e => e is not null).Select(e => e!.Message).Distinct().Take(5);
            throw new InvalidOperationException($"Cannot read the types of '{fullPath}': {string.Join("; ", reasons)}", ex);
        }

        var cmdlets = new List<CmdletMetadata>();
        foreach (var type in types.Where(t => t.IsClass && !t.IsAbstract && t.IsPublic).OrderBy(t => t.FullName, StringComparer.Ordinal))
        {
            var cmdletAttribute = FindAttribute(type.GetCustomAttributesData(), "CmdletAttribute");
            if (cmdletAttribute is null) continue;
            if (!DerivesFromCmdlet(type))
                throw new InvalidOperationException($"{type.FullName} has [Cmdlet] but does not derive from System.Management.Automation.Cmdlet.");
            cmdlets.Add(ReadCmdlet(type, cmdletAttribute));
        }
        return cmdlets;
    }

    private static bool DerivesFromCmdlet(Type type)
    {
        for (var current = type.BaseType; current is not null; current = current.BaseType)
        {
            if (current.FullName == SmaNamespace + "Cmdlet") return true;
        }
        return false;
    }

    private static CmdletMetadata ReadCmdlet(Type type, CustomAttributeData attribute)
    {
        var cmdlet = new CmdletMetadata
        {
            Verb = (string)attribute.ConstructorArguments[0].Value!,
            Noun = (string)attribute.ConstructorArguments[1].Value!,
            TypeName = type.FullName ?? type.Name,
            DefaultParameterSet = NamedArgument<string>(attribute, "DefaultParameterSetName"),
            SupportsShouldProcess = NamedArgument<bool>(attribute, "SupportsShouldProcess"),
        };

        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        // Most derived first, so a property hidden with 'new' is read from the class that declares it last.
        for (var current = type; current is not null && current.FullName?.StartsWith(SmaNamespace, StringComparison.Ordinal) != true; current = current.BaseType)
        {
            foreach (var property in current.GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            {
                var attributes = property.GetCustomAttributesData();
                var parameterAttributes = attributes.Where(a => IsSmaAttribute(a, "ParameterAttribute")).ToList();
                if (parameterAttributes.Count == 0 || !seen.Add(property.Name)) continue;
                // Hidden parameters (DontShow) are plumbing, not interface: help leaves them out, as platyPS does.
                if (parameterAttributes.All(a => NamedArgument<bool>(a, "DontShow"))) continue;
                cmdlet.Parameters.Add(ReadParameter(property, attributes, parameterAttributes));
            }
        }

        if (cmdlet.SupportsShouldProcess)
        {
            foreach (var (name, alias) in new[] { ("WhatIf", "wi"), ("Confirm", "cf") })
            {
                var parameter = new ParameterMetadata { Name = name, TypeName = "SwitchParameter", IsShouldProcessParameter = true };
                parameter.TypeNameAlternatives.Add("System.Management.Automation.SwitchParameter");
                parameter.Aliases.Add(alias);
                parameter.Sets.Add(new ParameterSetMembership(CmdletMetadata.AllParameterSets, false, null, false, false));
                cmdlet.Parameters.Add(parameter);
            }
        }
        return cmdlet;
    }

    private static ParameterMetadata ReadParameter(PropertyInfo property, IList<CustomAttributeData> attributes, List<CustomAttributeData> parameterAttributes)
    {
        var parameter = new ParameterMetadata { Name = property.Name, TypeName = DisplayName(property.PropertyType) };
        parameter.TypeNameAlternatives.Add(property.PropertyType.FullName ?? property.PropertyType.Name);
        var underlying = NullableUnderlyingType(property.PropertyType);
        if (underlying is not null) parameter.TypeNameAlternatives.Add(underlying.FullName ?? underlying.Name);

        foreach (var alias in attributes.Where(a => IsSmaAttribute(a, "AliasAttribute")))
        {
            foreach (var argument in alias.ConstructorArguments)
            {
                if (argument.Value is IEnumerable<CustomAttributeTypedArgument> names)
                    parameter.Aliases.AddRange(names.Select(n => (string)n.Value!));
                else if (argument.Value is string single)
                    parameter.Aliases.Add(single);
            }
        }

        foreach (var attribute in parameterAttributes)
        {
            int position = NamedArgument<int?>(attribute, "Position") ?? int.MinValue;
            parameter.Sets.Add(new ParameterSetMembership(
                NamedArgument<string>(attribute, "ParameterSetName") ?? CmdletMetadata.AllParameterSets,
                NamedArgument<bool>(attribute, "Mandatory"),
                position == int.MinValue ? null : position,
                NamedArgument<bool>(attribute, "ValueFromPipeline"),
                NamedArgument<bool>(attribute, "ValueFromPipelineByPropertyName")));
        }
        return parameter;
    }

    /// <summary>The name PowerShell's help uses: String, String[], Int32 for int?, Dictionary[String,Int32].</summary>
    internal static string DisplayName(Type type)
    {
        var underlying = NullableUnderlyingType(type);
        if (underlying is not null) return DisplayName(underlying);
        if (type.IsArray) return DisplayName(type.GetElementType()!) + "[]";
        if (type.IsGenericType)
        {
            string name = type.Name;
            int tick = name.IndexOf('`');
            if (tick >= 0) name = name[..tick];
            return name + "[" + string.Join(",", type.GetGenericArguments().Select(DisplayName)) + "]";
        }
        return type.Name;
    }

    // Nullable.GetUnderlyingType compares with this runtime's Nullable<>, which is not the MetadataLoadContext's.
    private static Type? NullableUnderlyingType(Type type) =>
        type.IsGenericType && type.GetGenericTypeDefinition().FullName == "System.Nullable`1" ? type.GetGenericArguments()[0] : null;

    private static bool IsSmaAttribute(CustomAttributeData attribute, string name) =>
        attribute.AttributeType.FullName == SmaNamespace + name;

    private static CustomAttributeData? FindAttribute(IList<CustomAttributeData> attributes, string name) =>
        attributes.FirstOrDefault(a => IsSmaAttribute(a, name));

    private static T? NamedArgument<T>(CustomAttributeData attribute, string name)
    {
        foreach (var argument in attribute.NamedArguments)
        {
            if (argument.MemberName == name && argument.TypedValue.Value is T value) return value;
        }
        return default;
    }
}
