<#
.SYNOPSIS
    What Import-Module ImapPS costs, and which part of it is the module's (issue 18): fresh pwsh
    processes import variants of the built module, interleaved round by round; prints the medians
    of the import time and of the methods the JIT compiled during it.
.DESCRIPTION
    Variants, made in a temporary folder from the built module: as built; without the format file
    (FormatsToProcess emptied); without the type data (ImapPS.types.ps1xml removed, so OnImport loads
    none); with neither. The differences are what format and type data cost at import.
.EXAMPLE
    dotnet pwsh -NoProfile bench/Compare-Import.ps1 -Runs 7
#>
[CmdletBinding()]
param(
    [string]$ModuleDirectory = (Get-ChildItem (Join-Path (Split-Path $PSScriptRoot) 'out/ImapPS') -Directory | Select-Object -First 1).FullName,
    [int]$Runs = 5
)
$ErrorActionPreference = 'Stop'
$root = Join-Path ([IO.Path]::GetTempPath()) "imapps-import-$PID"
$variants = [ordered]@{}
foreach ($name in 'as built', 'no format file', 'no type data', 'neither') {
    $dir = Join-Path $root ($name -replace ' ', '-') | Join-Path -ChildPath 'ImapPS'
    New-Item -ItemType Directory -Path $dir -Force | Out-Null
    Copy-Item (Join-Path $ModuleDirectory '*') -Destination $dir -Recurse
    if ($name -in 'no format file', 'neither') {
        $manifest = Join-Path $dir 'ImapPS.psd1'
        (Get-Content -Raw $manifest) -replace "FormatsToProcess\s*=\s*@\([^)]*\)", 'FormatsToProcess = @()' | Set-Content $manifest -NoNewline
    }
    if ($name -in 'no type data', 'neither') { Remove-Item (Join-Path $dir 'ImapPS.types.ps1xml') }
    $variants[$name] = Join-Path $dir 'ImapPS.psd1'
}
$pwsh = [Environment]::ProcessPath
$prefix = @(if ([IO.Path]::GetFileNameWithoutExtension($pwsh) -eq 'dotnet') { [Reflection.Assembly]::GetEntryAssembly().Location })
$probe = @'
$jit = [System.Runtime.JitInfo]::GetCompiledMethodCount($false)
$watch = [Diagnostics.Stopwatch]::StartNew()
Import-Module $args[0]
$ms = $watch.Elapsed.TotalMilliseconds
@{ ms = $ms; jit = [System.Runtime.JitInfo]::GetCompiledMethodCount($false) - $jit } | ConvertTo-Json -Compress
'@
$samples = @{}
foreach ($name in $variants.Keys) { $samples[$name] = [Collections.Generic.List[object]]::new() }
try {
    for ($i = 0; $i -lt $Runs; $i++) {
        foreach ($name in $variants.Keys) {
            $json = & $pwsh @prefix -NoProfile -NonInteractive -Command "& { $probe } '$($variants[$name])'" | Select-Object -Last 1
            $samples[$name].Add(($json | ConvertFrom-Json))
        }
    }
    foreach ($name in $variants.Keys) {
        $ms = @($samples[$name].ms | Sort-Object)
        $jit = @($samples[$name].jit | Sort-Object)
        [pscustomobject]@{ Variant = $name; ImportMs = [math]::Round($ms[[int][math]::Floor($ms.Count / 2)]); JitMethods = $jit[[int][math]::Floor($jit.Count / 2)] }
    }
}
finally {
    Remove-Item $root -Recurse -Force
}
