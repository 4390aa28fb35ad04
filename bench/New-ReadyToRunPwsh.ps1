<#
.SYNOPSIS
    Makes a copy of the pinned PowerShell tool whose own assemblies carry ReadyToRun code, as
    PowerShell's release packages do, to measure cold starts against both (issue 18).
.DESCRIPTION
    The PowerShell .NET tool (NuGet package PowerShell 7.6.9, what `dotnet pwsh` runs here) ships
    System.Management.Automation and the other PowerShell assemblies as IL only, so every method
    PowerShell runs in a fresh process is JIT-compiled first. PowerShell's release packages (deb,
    rpm, tar.gz, MSI) are published with ReadyToRun code. This script copies the tool's folder and
    compiles its PowerShell assemblies with crossgen2 from the NuGet cache (the package the
    module's own ReadyToRun build restores), then prints how to start it. Nothing is installed.
.PARAMETER Destination
    The folder to create (replaced if it exists).
.EXAMPLE
    dotnet pwsh -NoProfile bench/New-ReadyToRunPwsh.ps1 -Destination /tmp/pwsh-r2r
    dotnet /tmp/pwsh-r2r/pwsh.dll -NoProfile -File bench/Compare-ColdStart.ps1 -ModulePath out/ImapPS/0.1.0/ImapPS.psd1 -WarmUpOff -Runs 5
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)][string]$Destination
)
$ErrorActionPreference = 'Stop'
$source = Split-Path ([psobject].Assembly.Location)
$runtimeVersion = [Environment]::Version.ToString()
$rid = [Runtime.InteropServices.RuntimeInformation]::RuntimeIdentifier
$framework = Split-Path ([object].Assembly.Location)
$packages = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path $HOME '.nuget/packages' }
$crossgen = Join-Path $packages "microsoft.netcore.app.crossgen2.$rid/$runtimeVersion/tools/crossgen2"
if (-not (Test-Path $crossgen)) {
    throw "crossgen2 $runtimeVersion for $rid is not in the NuGet cache ($crossgen). Build the module first (dotnet pwsh ./build.ps1 -Task Build), which restores it."
}
if (Test-Path $Destination) { Remove-Item -Recurse -Force $Destination }
Copy-Item -Recurse $source $Destination
$os, $arch = $rid -split '-', 2
$assemblies = 'System.Management.Automation', 'Microsoft.PowerShell.ConsoleHost', 'Microsoft.PowerShell.Commands.Utility',
    'Microsoft.PowerShell.Commands.Management', 'Microsoft.PowerShell.Security', 'Microsoft.PowerShell.SDK', 'pwsh'
foreach ($name in $assemblies) {
    $ilPath = Join-Path $source "$name.dll"
    $output = Join-Path $Destination "$name.dll"
    # A response file: PowerShell would expand the reference wildcards itself, crossgen2 must.
    $response = Join-Path $Destination "$name.crossgen2.rsp"
    Set-Content -Path $response -Value @($ilPath, "-o:$output", "-r:$(Join-Path $framework '*.dll')", "-r:$(Join-Path $source '*.dll')", "--targetos:$os", "--targetarch:$arch", '-O')
    $log = & $crossgen "@$response" 2>&1
    Remove-Item $response
    if ($LASTEXITCODE -ne 0) { throw "crossgen2 failed for ${name}: $log" }
    '{0}: {1:N0} bytes of IL -> {2:N0} bytes with ReadyToRun code' -f $name, (Get-Item $ilPath).Length, (Get-Item $output).Length
}
"Start it with: dotnet $(Join-Path $Destination 'pwsh.dll')"
