<#
.SYNOPSIS
    Runs one co-loading scenario in the current (fresh) PowerShell process and writes its outcome as JSON.
.DESCRIPTION
    tests/Pester/CoLoading.Tests.ps1 starts this script in a new process per scenario, because an
    assembly, once loaded, stays loaded: scenarios sharing a process would see each other's state.
    Each step runs in order; a failing step is recorded and the next one still runs, so a test
    can tell which step broke. The last line of output is the JSON document.
.PARAMETER Steps
    Any of: ImportFake, UseFake, ImportImap, UseImap, RemoveImap, CheckCmdletTypes.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string]$ImapModule,
    [string]$FakeModule,
    [Parameter(Mandatory)] [string[]]$Steps
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'

function Get-ContextName([Reflection.Assembly]$Assembly) {
    $context = [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($Assembly)
    if ($null -eq $context) { return $null }
    return $context.Name
}

function Get-CmdletTypeOffender {
    <# Cmdlet types and parameter types of ImapPS that come from dependencies/: PowerShell resolves them at import. #>
    $dependencies = [ImapPS.ModuleInitialization]::DependencyDirectory
    $cmdlets = @(Get-Command -Module ImapPS -CommandType Cmdlet)
    $offenders = [Collections.Generic.List[string]]::new()
    $visit = {
        param([type]$Type, [string]$Where)
        if ($null -eq $Type) { return }
        if ($Type.HasElementType) { & $visit $Type.GetElementType() $Where; return }
        if ($Type.IsGenericType) { foreach ($argument in $Type.GetGenericArguments()) { & $visit $argument $Where } }
        $location = $Type.Assembly.Location
        if ($location -and $location.StartsWith($dependencies, [StringComparison]::Ordinal)) {
            $offenders.Add("$Where uses $($Type.FullName) from $($Type.Assembly.GetName().Name)")
        }
    }
    foreach ($cmdlet in $cmdlets) {
        for ($type = $cmdlet.ImplementingType; $null -ne $type; $type = $type.BaseType) {
            & $visit $type "$($cmdlet.Name) (type)"
            foreach ($interface in $type.GetInterfaces()) { & $visit $interface "$($cmdlet.Name) (interface)" }
        }
        foreach ($parameter in $cmdlet.Parameters.Values) {
            & $visit $parameter.ParameterType "$($cmdlet.Name) -$($parameter.Name)"
        }
    }
    return [pscustomobject]@{ CmdletCount = $cmdlets.Count; Offenders = @($offenders) }
}

# pwsh -File passes a list as one comma-separated string.
$Steps = @($Steps | ForEach-Object { $_ -split ',' } | Where-Object { $_ })

$results = [Collections.Generic.List[object]]::new()
foreach ($step in $Steps) {
    $result = [ordered]@{ Step = $step; Ok = $true; Output = $null; Error = $null }
    try {
        switch ($step) {
            'ImportFake' { Import-Module (Join-Path $FakeModule 'FakeMimeModule.psd1') }
            'UseFake' { $result.Output = [string](Get-FakeMime) }
            'ImportImap' { Import-Module $ImapModule }
            'UseImap' {
                $check = [ImapPS.ModuleInitialization]::TestDependencies()
                $result.Output = [ordered]@{
                    Subject              = $check.Subject
                    MimeKit              = $check.MimeKit.FullName
                    MimeKitContext       = Get-ContextName $check.MimeKit
                    BouncyCastle         = $check.BouncyCastle.FullName
                    BouncyCastleContext  = Get-ContextName $check.BouncyCastle
                    IsResolverAttached   = [ImapPS.ModuleInitialization]::IsResolverAttached
                }
            }
            'RemoveImap' {
                Remove-Module ImapPS
                # The type stays reachable: the assembly cannot be unloaded, only the module removed.
                $result.Output = [ordered]@{ IsResolverAttached = [ImapPS.ModuleInitialization]::IsResolverAttached }
            }
            'CheckCmdletTypes' { $result.Output = Get-CmdletTypeOffender }
            default { throw "Unknown step '$step'." }
        }
    }
    catch {
        $result.Ok = $false
        $exception = $_.Exception
        while ($exception -is [Management.Automation.MethodInvocationException] -and $exception.InnerException) { $exception = $exception.InnerException }
        $result.Error = "$($exception.GetType().FullName): $($exception.Message)"
    }
    $results.Add([pscustomobject]$result)
}

$assemblies = foreach ($assembly in [AppDomain]::CurrentDomain.GetAssemblies()) {
    $name = $assembly.GetName()
    if ($name.Name -notin 'MimeKit', 'BouncyCastle.Cryptography') { continue }
    [pscustomobject]@{ Name = $name.Name; Version = "$($name.Version)"; Context = Get-ContextName $assembly; Location = $assembly.Location }
}

$log = @()
if ('ImapPS.ModuleInitialization' -as [type]) { $log = @([ImapPS.ModuleInitialization]::GetResolutionLog()) }

[pscustomobject]@{ Steps = @($results); Assemblies = @($assemblies); ResolutionLog = $log } | ConvertTo-Json -Depth 6 -Compress
