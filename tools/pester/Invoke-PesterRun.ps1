<#
.SYNOPSIS
    Runs the Pester suite in its own process for build.ps1 and writes a JSON summary of the counts.
.DESCRIPTION
    build.ps1 starts this script in a fresh PowerShell so that modules and assemblies the tests load
    (ImapPS, ImapPS.Testing, MimeKit) never leak into the build process. The summary file is written
    only when Pester ran, so a missing file tells the caller that the runner itself failed.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string]$PesterManifest,
    [Parameter(Mandatory)] [string]$TestPath,
    [Parameter(Mandatory)] [string]$SummaryFile,
    [string]$NUnitFile
)

$ErrorActionPreference = 'Stop'
Import-Module $PesterManifest -Force

$configuration = New-PesterConfiguration
$configuration.Run.Path = $TestPath
$configuration.Run.PassThru = $true
$configuration.Run.Exit = $false
$configuration.Output.Verbosity = 'Detailed'
# Failure messages are plain text: colour codes (a warning rendered by a child pwsh, say) are not
# valid XML characters, and the NUnit report is written separately below so that a report that
# cannot be written never loses the counts.
$PSStyle.OutputRendering = 'PlainText'

$result = Invoke-Pester -Configuration $configuration

if ($NUnitFile) {
    try { $result | Export-NUnitReport -Path $NUnitFile }
    catch { Write-Warning "The NUnit report '$NUnitFile' could not be written: $_" }
}

[ordered]@{
    Result           = "$($result.Result)"
    Total            = $result.TotalCount
    Passed           = $result.PassedCount
    Failed           = $result.FailedCount
    Skipped          = $result.SkippedCount
    NotRun           = $result.NotRunCount
    FailedBlocks     = $result.FailedBlocksCount
    FailedContainers = $result.FailedContainersCount
} | ConvertTo-Json | Set-Content -Path $SummaryFile -Encoding utf8NoBOM
