#Requires -Version 7.0
<#
.SYNOPSIS
    Builds, tests, demonstrates and packages ImapPS.
.DESCRIPTION
    Build    compiles the solution, assembles the module in out/ImapPS/<version> (core/: net10.0 for
             PowerShell 7.6, compiled ReadyToRun for this machine's OS and architecture; desktop/:
             netstandard2.0 for Windows PowerShell 5.1; docs/loading.md) and builds its help
             (en-US/ImapPS.dll-Help.xml from docs/cmdlets/*.md, checked against the cmdlets).
    Test     installs missing prerequisites (Dovecot, python3-imaplib2, isync, Pester; Cyrus and Courier through
             ../shared/servers when present), builds, runs the
             xunit and Pester suites and ends with the line "tests: N passed, N failed, N skipped".
    Demo     installs missing prerequisites (Dovecot, openssl), builds, starts a throwaway Dovecot
             with generated mail and runs demo/Showcase.ps1.
    Bench    builds the module and runs the benchmark suite of ../shared/BENCHMARKS.md (bench/Run-
             Benchmarks.ps1) against ImapPS's engine and cmdlets, MailKit, imaplib2 and the raw
             socket floor, and Export/Sync-ImapMailbox beside mbsync (installs isync when missing);
             writes docs/performance.md. -Quick runs a smoke pass on tiny mailboxes.
             Then runs the parser micro-benchmark (bench/ImapPS.Bench.Parser, BenchmarkDotNet).
    Fuzz     runs the response-parser fuzzer (tests/ImapPS.Fuzz) for -Minutes minutes (default 10).
    Package  builds, publishes the module as a .nupkg into out/packages (a PSResourceGet folder
             repository) and packs ImapPS.Client as a NuGet package into out/nuget.
.PARAMETER AllowMissingHelp
    Build help even when cmdlets have no page yet, and treat help warnings as warnings. Used
    automatically while docs/cmdlets has no pages at all; otherwise help is checked strictly.
.PARAMETER Quick
    Bench only: one run of each workload on tiny mailboxes (a smoke test of the suite).
.PARAMETER Minutes
    Fuzz only: how long the fuzzer runs.
.PARAMETER NoBuild
    Package only: package what the last Build left in out/ and the Release outputs, without building.
    Clean    removes out/ and every bin/ and obj/ folder.
.EXAMPLE
    dotnet tool restore && dotnet pwsh ./build.ps1 -Task Test
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Demo', 'Bench', 'Fuzz', 'Package', 'Clean')]
    [string]$Task = 'Build',

    [string]$Configuration = 'Release',

    [switch]$AllowMissingHelp,

    [switch]$NoBuild,

    [switch]$Quick,

    [ValidateRange(1, 1440)]
    [int]$Minutes = 10
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'
# Native exit codes are checked explicitly (Invoke-Native), with a message saying what failed.
$PSNativeCommandUseErrorActionPreference = $false

$RepoRoot = $PSScriptRoot
$OutDir = Join-Path $RepoRoot 'out'
$ModuleOutRoot = Join-Path $OutDir 'ImapPS'
$TestingOutDir = Join-Path $OutDir 'ImapPS.Testing'
$ResultsDir = Join-Path $OutDir 'test-results'
$PackagesDir = Join-Path $OutDir 'packages'
$NuGetOutDir = Join-Path $OutDir 'nuget'

#region Helpers

function Write-Step([string]$Message) {
    Write-Host "==> $Message" -ForegroundColor Cyan
}

function Invoke-Native {
    <# Runs a native command and throws when it exits non-zero. #>
    param(
        [Parameter(Mandatory)] [string]$FilePath,
        [string[]]$ArgumentList = @(),
        [string]$What = "$FilePath $($ArgumentList -join ' ')"
    )
    # Out-Host keeps the command's output on screen and out of the caller's return value.
    & $FilePath @ArgumentList | Out-Host
    if ($LASTEXITCODE -ne 0) {
        throw "$What failed with exit code $LASTEXITCODE."
    }
}

function Get-PwshCommand {
    <# The command line that starts another instance of this PowerShell (as 'dotnet pwsh.dll' when run as a dotnet tool). #>
    $process = [Environment]::ProcessPath
    if ([IO.Path]::GetFileNameWithoutExtension($process) -eq 'dotnet') {
        return @($process, [Reflection.Assembly]::GetEntryAssembly().Location)
    }
    return @($process)
}

function Invoke-ChildPwsh {
    <# Runs a script in a fresh PowerShell process, so module loads do not leak into this one. #>
    param([Parameter(Mandatory)] [string]$Command, [string]$What = 'PowerShell child process')
    $pwsh = @(Get-PwshCommand)
    $arguments = @($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-Command', $Command)
    Invoke-Native -FilePath $pwsh[0] -ArgumentList $arguments -What $What
}

function Get-ModuleVersion {
    <# The single source of the version: VersionPrefix in Directory.Build.props. #>
    [xml]$props = Get-Content -Raw (Join-Path $RepoRoot 'Directory.Build.props')
    $version = @($props.Project.PropertyGroup | ForEach-Object { $_.SelectSingleNode('VersionPrefix') } | Where-Object { $_ }) |
        Select-Object -First 1
    if (-not $version) { throw 'VersionPrefix not found in Directory.Build.props.' }
    return $version.InnerText.Trim()
}

function Get-NuGetPackagesFolder {
    if ($env:NUGET_PACKAGES) { return $env:NUGET_PACKAGES }
    $output = & dotnet nuget locals global-packages --list
    if ($LASTEXITCODE -ne 0) { throw "'dotnet nuget locals global-packages --list' failed with exit code $LASTEXITCODE." }
    $line = @($output) | Where-Object { $_ -match '^\s*global-packages:\s*(.+?)\s*$' } | Select-Object -First 1
    if (-not $line) { throw "Cannot find the NuGet global packages folder in: $output" }
    return $Matches[1]
}

function Test-IsRoot {
    if (-not $IsLinux -and -not $IsMacOS) { return $false }
    $uid = & id -u
    return $LASTEXITCODE -eq 0 -and "$uid".Trim() -eq '0'
}

#endregion

#region Tasks

function Move-ModuleDependencies {
    <#
    Moves every assembly except ImapPS's own into <module>/dependencies, off the probing path, so
    ImapPS's resolve handler (src/ImapPS/ModuleInitialization.cs) loads them in isolation from other
    modules' copies (docs/loading.md).
    #>
    param([Parameter(Mandatory)] [string]$ModuleDir)
    $ownAssemblies = 'ImapPS.dll', 'ImapPS.Client.dll'
    $dependencyDir = Join-Path $ModuleDir 'dependencies'
    New-Item -ItemType Directory -Path $dependencyDir -Force | Out-Null
    $moved = @(Get-ChildItem $ModuleDir -Filter *.dll -File | Where-Object Name -NotIn $ownAssemblies)
    $moved | Move-Item -Destination $dependencyDir
    if (-not (Test-Path (Join-Path $dependencyDir 'MimeKit.dll'))) { throw "MimeKit.dll is missing from $dependencyDir." }
    Write-Host "Moved $($moved.Count) dependency assemblies to dependencies/"
}

function Get-ReadyToRunRuntime {
    <#
    The runtime identifier the PowerShell 7 build is compiled ReadyToRun for: this machine's OS and
    architecture. ReadyToRun code runs only there; elsewhere .NET JIT-compiles the IL in the same files.
    #>
    $os = if ($IsWindows) { 'win' } elseif ($IsMacOS) { 'osx' } else { 'linux' }
    $arch = [Runtime.InteropServices.RuntimeInformation]::OSArchitecture.ToString().ToLowerInvariant()
    return "$os-$arch"
}

# Per edition: the folder in the module (ImapPS.psd1 picks it by $PSEdition), the target framework,
# and the extra publish arguments. Windows PowerShell 5.1 runs the netstandard2.0 build; PowerShell 7.6
# (.NET 10) the net10.0 build, compiled ReadyToRun (docs/loading.md, docs/performance.md).
$ModuleEditions = @(
    @{ Folder = 'desktop'; Framework = 'netstandard2.0'; ReadyToRun = $false }
    @{ Folder = 'core'; Framework = 'net10.0'; ReadyToRun = $true }
)

function Invoke-BuildTask {
    $version = Get-ModuleVersion
    Write-Step "Building ImapPS.sln ($Configuration), version $version"
    Invoke-Native dotnet @('build', (Join-Path $RepoRoot 'ImapPS.sln'), '-c', $Configuration, '--nologo') -What 'dotnet build'

    Write-Step "Assembling out/ImapPS/$version"
    if (Test-Path $ModuleOutRoot) { Remove-Item $ModuleOutRoot -Recurse -Force }
    $moduleDir = Join-Path $ModuleOutRoot $version
    New-Item -ItemType Directory -Path $moduleDir -Force | Out-Null

    foreach ($edition in $ModuleEditions) {
        # publish gathers exactly the dependency closure of the module project for that framework.
        $publishDir = Join-Path $OutDir "publish/ImapPS/$($edition.Folder)"
        if (Test-Path $publishDir) { Remove-Item $publishDir -Recurse -Force }
        $arguments = @('publish', (Join-Path $RepoRoot 'src/ImapPS/ImapPS.csproj'), '-c', $Configuration, '-f', $edition.Framework, '--nologo', '-o', $publishDir)
        if ($edition.ReadyToRun) {
            # A runtime-specific publish compiles again (its own obj/ folder), then crossgen2 adds native code.
            $arguments += @('-r', (Get-ReadyToRunRuntime), '--self-contained', 'false', '-p:PublishReadyToRun=true')
        }
        else {
            $arguments += '--no-build'
        }
        Invoke-Native dotnet $arguments -What "dotnet publish ($($edition.Framework))"

        $editionDir = Join-Path $moduleDir $edition.Folder
        New-Item -ItemType Directory -Path $editionDir -Force | Out-Null
        # PowerShell itself provides System.Management.Automation; shipping one would shadow it.
        Get-ChildItem $publishDir -Filter *.dll |
            Where-Object Name -NE 'System.Management.Automation.dll' |
            Copy-Item -Destination $editionDir
        Move-ModuleDependencies -ModuleDir $editionDir
    }
    $publishDir = Join-Path $OutDir 'publish/ImapPS/desktop'

    $moduleSource = Join-Path $RepoRoot 'src/ImapPS'
    $formatFiles = @(Get-ChildItem $moduleSource -Filter *.ps1xml -File)
    if ($formatFiles) {
        $formatFiles | Copy-Item -Destination $moduleDir
    }
    if (-not (Test-Path (Join-Path $moduleDir 'ImapPS.format.ps1xml'))) {
        # The manifest lists the format file; until the module has views, an empty one keeps import working.
        Set-Content -Path (Join-Path $moduleDir 'ImapPS.format.ps1xml') -Encoding utf8NoBOM -Value @'
<?xml version="1.0" encoding="utf-8"?>
<Configuration>
  <ViewDefinitions />
</Configuration>
'@
    }

    $helpSource = Join-Path $moduleSource 'en-US'
    if (Test-Path $helpSource) {
        Copy-Item $helpSource -Destination $moduleDir -Recurse
    }
    Copy-Item (Join-Path $RepoRoot 'LICENSE') -Destination $moduleDir
    Build-ModuleHelp -ModuleDir $moduleDir -ModuleAssembly (Join-Path $publishDir 'ImapPS.dll')

    $manifest = Get-Content -Raw (Join-Path $RepoRoot 'ImapPS.psd1')
    $stamped = [regex]::Replace($manifest, "(?m)^(\s*ModuleVersion\s*=\s*)'[^']*'", "`${1}'$version'")
    if ($stamped -notmatch "ModuleVersion\s*=\s*'$([regex]::Escape($version))'") { throw 'Could not stamp ModuleVersion into the manifest.' }
    Set-Content -Path (Join-Path $moduleDir 'ImapPS.psd1') -Value $stamped -Encoding utf8NoBOM -NoNewline

    Write-Step 'Copying the test-support library to out/ImapPS.Testing'
    if (Test-Path $TestingOutDir) { Remove-Item $TestingOutDir -Recurse -Force }
    New-Item -ItemType Directory -Path $TestingOutDir -Force | Out-Null
    Copy-Item (Join-Path $RepoRoot "tests/ImapPS.Testing/bin/$Configuration/netstandard2.0/ImapPS.Testing.dll") -Destination $TestingOutDir

    Write-Step 'Checking that the module imports'
    $check = "`$ErrorActionPreference = 'Stop'; `$m = Import-Module '$ModuleOutRoot' -PassThru; if (`$m.Version -ne [version]'$version') { throw ""imported version `$(`$m.Version)"" }; if ((Split-Path (Split-Path `$m.Path) -Leaf) -ne 'core') { throw ""PowerShell 7 loaded `$(`$m.Path), not core/ImapPS.dll"" }; ""Imported ImapPS `$(`$m.Version) (`$(`$m.Path)) with `$(`$m.ExportedCmdlets.Count) cmdlets"""
    Invoke-ChildPwsh -Command $check -What 'Import-Module of out/ImapPS'
    return $moduleDir
}

function Build-ModuleHelp {
    <#
    Turns docs/cmdlets/*.md into en-US/ImapPS.dll-Help.xml with tools/HelpBuilder, which fails when a
    cmdlet or parameter is undocumented or a page documents something the module does not have.
    #>
    param([Parameter(Mandatory)] [string]$ModuleDir, [Parameter(Mandatory)] [string]$ModuleAssembly)
    $docs = Join-Path $RepoRoot 'docs/cmdlets'
    $pages = @(Get-ChildItem $docs -Filter *.md -File -ErrorAction Ignore)
    $helpBuilder = Join-Path $RepoRoot "tools/HelpBuilder/bin/$Configuration/net10.0/HelpBuilder.dll"
    if (-not (Test-Path $helpBuilder)) { throw "$helpBuilder does not exist; it is built with ImapPS.sln." }

    # The module compiles against PowerShellStandard.Library, which is not shipped: point the
    # metadata reader at the reference assembly in the NuGet package folder.
    $sma = Join-Path (Get-NuGetPackagesFolder) 'powershellstandard.library/5.1.1/lib/netstandard2.0/System.Management.Automation.dll'
    if (-not (Test-Path $sma)) { throw "$sma does not exist; restore src/ImapPS first." }
    $arguments = @($helpBuilder, '--docs', $docs, '--assembly', $ModuleAssembly, '--reference', $sma,
        '--output', (Join-Path $ModuleDir 'en-US/ImapPS.dll-Help.xml'))
    if ($AllowMissingHelp -or $pages.Count -eq 0) {
        # Until the cmdlet pages land there is nothing to hold the cmdlets to; say so rather than fail.
        $arguments += '--allow-missing-help'
        Write-Step "Building help from $($pages.Count) page(s) in docs/cmdlets (missing help allowed)"
    }
    else {
        $arguments += '--strict'
        Write-Step "Building help from $($pages.Count) page(s) in docs/cmdlets (strict)"
    }
    Invoke-Native dotnet $arguments -What 'HelpBuilder (help pages do not match the cmdlets; see the errors above)'

    foreach ($file in 'en-US/ImapPS.dll-Help.xml', 'en-US/about_ImapPS.help.txt') {
        if (-not (Test-Path (Join-Path $ModuleDir $file))) { throw "The built module lacks $file." }
    }
}

function Test-DovecotInstalled {
    <# What ImapPS.Testing.DovecotServer needs: dovecot and doveadm (dovecot-core) and the imap binary (dovecot-imapd). #>
    $sbin = '/usr/sbin', '/usr/local/sbin', '/sbin'
    foreach ($tool in 'dovecot', 'doveadm') {
        if (-not (Get-Command $tool -CommandType Application -ErrorAction Ignore) -and
            -not ($sbin | Where-Object { Test-Path (Join-Path $_ $tool) -PathType Leaf })) { return $false }
    }
    return [bool]('/usr/lib/dovecot/imap', '/usr/libexec/dovecot/imap', '/usr/local/libexec/dovecot/imap' |
        Where-Object { Test-Path $_ -PathType Leaf })
}

function Install-Prerequisites {
    <#
    Installs with apt-get what is missing: Dovecot's IMAP server and openssl (the private test server and
    its certificate), and for the test suite also Python's imaplib2 (the cross-check client) and isync
    (mbsync, the Maildir puller the export is compared with).
    #>
    param([switch]$ServerOnly)
    $packages = [Collections.Generic.List[string]]::new()
    if (-not (Test-DovecotInstalled)) { $packages.Add('dovecot-imapd') }
    if (-not (Get-Command openssl -ErrorAction Ignore)) { $packages.Add('openssl') }
    if (-not $ServerOnly) {
        # Debian's package serves the system interpreter, which need not be the python3 first on PATH.
        $python = if (Test-Path /usr/bin/python3) { '/usr/bin/python3' } else { (Get-Command python3 -ErrorAction Ignore)?.Source }
        $hasImaplib2 = $false
        if ($python) {
            & $python -c 'import imaplib2' 2>$null
            $hasImaplib2 = $LASTEXITCODE -eq 0
        }
        if (-not $hasImaplib2) { $packages.Add('python3-imaplib2') }
        # mbsync (Debian's isync): the reference Maildir puller Archive.Tests.ps1 compares Export-ImapMailbox with.
        if (-not (Get-Command mbsync -CommandType Application -ErrorAction Ignore)) { $packages.Add('isync') }
    }
    if ($packages.Count -eq 0) { return }

    $aptGet = Get-Command apt-get -CommandType Application -ErrorAction Ignore | Select-Object -First 1
    if (-not $IsLinux -or -not $aptGet) {
        throw "Missing prerequisites: $($packages -join ', '). Install Dovecot's IMAP server (dovecot-imapd / dovecot), openssl$(if (-not $ServerOnly) { ", Python's imaplib2 and isync (mbsync)" }) with your package manager, then run again."
    }

    $prefix = @()
    if (-not (Test-IsRoot)) {
        if (-not (Get-Command sudo -ErrorAction Ignore)) { throw "Installing $($packages -join ', ') needs root (or sudo)." }
        $prefix = @('sudo', '--preserve-env=DEBIAN_FRONTEND')
    }

    Write-Step "Installing $($packages -join ', ') with apt-get"
    $env:DEBIAN_FRONTEND = 'noninteractive'
    $command = @($prefix) + @($aptGet.Source)
    Invoke-Native $command[0] (@($command | Select-Object -Skip 1) + @('update')) -What 'apt-get update'
    Invoke-Native $command[0] (@($command | Select-Object -Skip 1) + @('install', '-y', '--no-install-recommends') + $packages) -What "apt-get install $($packages -join ' ')"
    if ($packages -contains 'dovecot-imapd' -and -not (Test-DovecotInstalled)) {
        throw 'apt-get installed dovecot-imapd, but dovecot, doveadm or /usr/lib/dovecot/imap is still missing.'
    }
}

function Initialize-CrossServers {
    <#
    The cross-server tests (xunit CrossServer/*, Pester CrossServer.Tests.ps1) start private Cyrus and
    Courier instances through ../shared/servers/<kind>/up.sh, which installs the packages it needs
    with apt. Each is started and stopped once here, one after the other, so the installs happen
    before the test runners start them in parallel (two apt runs at once would fight over apt's
    locks), and so a server that cannot start is reported here, clearly, with up.sh's output.
    Without ../shared (or IMAPPS_SHARED) the tests skip with that reason and nothing is done here.
    #>
    $shared = if ($env:IMAPPS_SHARED) { $env:IMAPPS_SHARED } else { Join-Path (Split-Path $RepoRoot) 'shared' }
    foreach ($kind in 'cyrus', 'courier') {
        $scripts = Join-Path $shared "servers/$kind"
        if (-not (Test-Path (Join-Path $scripts 'up.sh'))) {
            Write-Step "No $scripts/up.sh: the $kind tests will be skipped"
            continue
        }
        if (-not $IsLinux -or -not (Test-IsRoot)) {
            Write-Step "The $kind starter needs root on Linux: the $kind tests will be skipped"
            continue
        }
        # Once the packages are in, the tests' own starts take 2-5 s each: no need to warm up.
        $marker = @{ cyrus = 'libical3', 'sasl2-bin', 'libzephyr4'; courier = 'courier-base', 'courier-authdaemon', 'gamin' }[$kind]
        $status = @(& dpkg-query -W -f='${Status}\n' @marker 2>$null)
        $installed = $LASTEXITCODE -eq 0 -and @($status | Where-Object { $_ -match 'install ok installed' }).Count -eq $marker.Count
        if ($installed) { continue }
        $dir = Join-Path ([IO.Path]::GetTempPath()) "imapps-prepare-$kind-$PID"
        $listeners = 1..2 | ForEach-Object { $l = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0); $l.Start(); $l }
        $ports = $listeners | ForEach-Object { $_.LocalEndpoint.Port }
        $listeners | ForEach-Object { $_.Stop() }
        Write-Step "Preparing $kind for the cross-server tests ($scripts/up.sh, packages installed once)"
        $clock = [Diagnostics.Stopwatch]::StartNew()
        try {
            $env:DEBIAN_FRONTEND = 'noninteractive'
            $output = & bash (Join-Path $scripts 'up.sh') $dir $ports[0] $ports[1] 2>&1
            if ($LASTEXITCODE -ne 0) {
                throw "Starting $kind with $scripts/up.sh failed (exit code $LASTEXITCODE):`n$($output -join "`n")"
            }
        }
        finally {
            & bash (Join-Path $scripts 'down.sh') $dir --purge 2>&1 | Out-Null
        }
        Write-Host ("    {0} ready in {1:N1} s" -f $kind, $clock.Elapsed.TotalSeconds)
    }
}

function Restore-Pester {
    <# Restores Pester from NuGet through tools/pester and returns the path of Pester.psd1. #>
    $project = Join-Path $RepoRoot 'tools/pester/Pester.Restore.csproj'
    [xml]$xml = Get-Content -Raw $project
    $version = ($xml.Project.ItemGroup.PackageDownload | Where-Object Include -EQ 'Pester').Version.Trim('[', ']')
    Write-Step "Restoring Pester $version"
    Invoke-Native dotnet @('restore', $project, '--nologo') -What 'dotnet restore of tools/pester'
    $manifest = Join-Path (Get-NuGetPackagesFolder) "pester/$version/tools/Pester.psd1"
    if (-not (Test-Path $manifest)) { throw "Pester was restored but $manifest does not exist." }
    return $manifest
}

function Invoke-XunitTests {
    $projects = 'ImapPS.Client.Tests', 'HelpBuilder.Tests'
    Write-Step "Running xunit tests ($(($projects | ForEach-Object { "tests/$_" }) -join ', '))"
    $resultsDir = Join-Path $ResultsDir 'xunit'
    if (Test-Path $resultsDir) { Remove-Item $resultsDir -Recurse -Force }

    $outcomes = [Collections.Generic.List[string]]::new()
    $problems = [Collections.Generic.List[string]]::new()
    foreach ($project in $projects) {
        $trxName = "$project.trx"
        & dotnet test (Join-Path $RepoRoot "tests/$project") -c $Configuration --no-build --nologo `
            --logger "trx;LogFileName=$trxName" --logger 'console;verbosity=normal' --results-directory $resultsDir | Out-Host
        $exitCode = $LASTEXITCODE

        $trx = Join-Path $resultsDir $trxName
        if (-not (Test-Path $trx)) { $problems.Add("$project wrote no TRX (dotnet test exit code $exitCode)"); continue }
        [xml]$xml = Get-Content -Raw $trx
        # Count the results themselves: the summary counters leave skipped tests out of notExecuted.
        $projectOutcomes = @($xml.GetElementsByTagName('UnitTestResult') | ForEach-Object { $_.GetAttribute('outcome') })
        $projectFailed = @($projectOutcomes | Where-Object { $_ -in 'Failed', 'Error', 'Timeout', 'Aborted' }).Count
        if ($projectOutcomes.Count -eq 0) { $problems.Add("$project has no tests") }
        elseif ($exitCode -ne 0 -and $projectFailed -eq 0) {
            # A crashed test host can leave a TRX without failures: the run is still not a pass.
            $problems.Add("dotnet test of $project exited with $exitCode ($($xml.TestRun.ResultSummary.outcome))")
        }
        foreach ($outcome in $projectOutcomes) { $outcomes.Add($outcome) }
    }

    return [pscustomobject]@{
        Runner  = 'xunit'
        Passed  = @($outcomes | Where-Object { $_ -eq 'Passed' }).Count
        Failed  = @($outcomes | Where-Object { $_ -in 'Failed', 'Error', 'Timeout', 'Aborted' }).Count
        Skipped = @($outcomes | Where-Object { $_ -in 'NotExecuted', 'Inconclusive', 'NotRunnable' }).Count
        Ran     = $problems.Count -eq 0
        Note    = $problems -join '; '
    }
}

function Invoke-PesterTests([string]$PesterManifest) {
    Write-Step 'Running Pester tests (tests/Pester)'
    $resultFile = Join-Path $ResultsDir 'pester-summary.json'
    New-Item -ItemType Directory -Path $ResultsDir -Force | Out-Null
    if (Test-Path $resultFile) { Remove-Item $resultFile -Force }

    $runner = Join-Path $RepoRoot 'tools/pester/Invoke-PesterRun.ps1'
    $pwsh = @(Get-PwshCommand)
    $arguments = @($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-File', $runner,
        '-PesterManifest', $PesterManifest, '-TestPath', (Join-Path $RepoRoot 'tests/Pester'),
        '-SummaryFile', $resultFile, '-NUnitFile', (Join-Path $ResultsDir 'pester.xml'))
    & $pwsh[0] @arguments | Out-Host
    $exitCode = $LASTEXITCODE

    if (-not (Test-Path $resultFile)) {
        return [pscustomobject]@{ Runner = 'Pester'; Passed = 0; Failed = 0; Skipped = 0; Ran = $false; Note = "no summary written (exit code $exitCode)" }
    }
    $summary = Get-Content -Raw $resultFile | ConvertFrom-Json
    $result = [pscustomobject]@{
        Runner  = 'Pester'
        Passed  = [int]$summary.Passed
        Failed  = [int]$summary.Failed + [int]$summary.FailedBlocks + [int]$summary.FailedContainers
        Skipped = [int]$summary.Skipped + [int]$summary.NotRun
        Ran     = $true
        Note    = ''
    }
    if ([int]$summary.Total -eq 0) { $result.Ran = $false; $result.Note = 'no tests were found' }
    return $result
}

function Invoke-TestTask {
    $results = [Collections.Generic.List[object]]::new()
    $problem = $null
    try {
        Install-Prerequisites
        Initialize-CrossServers
        $pester = Restore-Pester
        Invoke-BuildTask | Out-Null
        $results.Add((Invoke-XunitTests))
        $results.Add((Invoke-PesterTests $pester))
    }
    catch {
        $problem = $_
        Write-Host "ERROR: $($_.Exception.Message)" -ForegroundColor Red
        Write-Host $_.ScriptStackTrace -ForegroundColor DarkGray
    }

    $passed = 0; $failed = 0; $skipped = 0
    foreach ($r in $results) {
        $state = if (-not $r.Ran) { "DID NOT RUN: $($r.Note)" } elseif ($r.Failed) { 'FAILED' } else { 'ok' }
        Write-Host ("{0,-7} {1} passed, {2} failed, {3} skipped  {4}" -f $r.Runner, $r.Passed, $r.Failed, $r.Skipped, $state)
        $passed += $r.Passed; $failed += $r.Failed; $skipped += $r.Skipped
    }
    $allRan = $results.Count -eq 2 -and -not ($results | Where-Object { -not $_.Ran })
    Write-Host "tests: $passed passed, $failed failed, $skipped skipped"
    return ($null -eq $problem -and $allRan -and $failed -eq 0)
}

function Invoke-DemoTask {
    # The demo's server is a private Dovecot: on a fresh machine it has to be installed first, as for Test.
    Install-Prerequisites -ServerOnly
    Invoke-BuildTask | Out-Null
    Add-Type -Path (Join-Path $TestingOutDir 'ImapPS.Testing.dll')

    Write-Step 'Starting a throwaway Dovecot with generated mail'
    $server = [ImapPS.Testing.DovecotServer]::Start()
    try {
        $generator = [ImapPS.Testing.MessageGenerator]::new(2026)
        $generator.MaxAttachmentBytes = 48KB   # keeps seeding quick; the shape of the mail stays the same
        $seeded = $server.SeedMaildir('alice', 'INBOX', $generator.Generate([ImapPS.Testing.MessageProfile]::Mixed, 300))
        $seeded += $server.SeedMaildir('alice', 'Projects/Apollo', $generator.Generate([ImapPS.Testing.MessageProfile]::Mixed, 40))
        $seeded += $server.SeedMaildir('alice', 'Archive/2025', $generator.Generate([ImapPS.Testing.MessageProfile]::Small, 60))
        Write-Host "Dovecot on $($server.Host):$($server.ImapPort) (TLS $($server.ImapsPort)) with $seeded messages for alice."

        $password = ConvertTo-SecureString -String $server.Alice.Password -AsPlainText -Force
        $credential = [pscredential]::new($server.Alice.Name, $password)
        Import-Module (Join-Path $RepoRoot 'out/ImapPS') -Force
        & (Join-Path $RepoRoot 'demo/Showcase.ps1') -Server 'localhost' -Port $server.ImapPort -Credential $credential `
            -CertificateThumbprint $server.CertificateThumbprint
    }
    finally {
        Write-Step 'Stopping the demo server'
        $server.Stop()
    }
}

function Invoke-BenchTask {
    $moduleDir = Invoke-BuildTask
    $pwsh = @(Get-PwshCommand)
    $arguments = @($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-File', (Join-Path $RepoRoot 'bench/Run-Benchmarks.ps1'),
        '-Configuration', $Configuration, '-ModulePath', (Join-Path $moduleDir 'ImapPS.psd1'), '-NoBuild')
    if ($Quick) { $arguments += '-Quick' }
    Write-Step "Running the benchmark suite$(if ($Quick) { ' (quick)' })"
    Invoke-Native -FilePath $pwsh[0] -ArgumentList $arguments -What 'bench/Run-Benchmarks.ps1'

    # The parser micro-benchmark (BenchmarkDotNet, in memory); its short job takes about a minute.
    Write-Step 'Running the parser micro-benchmark (bench/ImapPS.Bench.Parser)'
    Invoke-Native dotnet @('run', '-c', $Configuration, '--no-build', '--project', (Join-Path $RepoRoot 'bench/ImapPS.Bench.Parser'), '--', '--quick') -What 'the parser benchmark'
}

function Invoke-FuzzTask {
    Write-Step "Fuzzing the response parser for $Minutes minute(s)"
    $project = Join-Path $RepoRoot 'tests/ImapPS.Fuzz/ImapPS.Fuzz.csproj'
    if (-not (Test-Path $project)) { throw "$project does not exist." }
    Invoke-Native dotnet @('run', '-c', $Configuration, '--project', $project, '--', '--minutes', "$Minutes") -What 'the fuzzer'
}

function Invoke-PackageTask {
    $version = Get-ModuleVersion
    $moduleDir = Join-Path $ModuleOutRoot $version
    if ($NoBuild) {
        if (-not (Test-Path (Join-Path $moduleDir 'ImapPS.psd1'))) { throw "No built module in $moduleDir; run -Task Build first or drop -NoBuild." }
    }
    else {
        $moduleDir = Invoke-BuildTask | Select-Object -Last 1
    }
    foreach ($dir in $PackagesDir, $NuGetOutDir) {
        if (Test-Path $dir) { Remove-Item $dir -Recurse -Force }
        New-Item -ItemType Directory -Path $dir -Force | Out-Null
    }
    Publish-ModulePackage -ModuleDir $moduleDir -Version $version
    Publish-ClientPackage -Version $version
}

function Publish-ModulePackage {
    <# Publishes the built module to out/packages, a PSResourceGet folder repository, and checks it installs and imports. #>
    param([Parameter(Mandatory)] [string]$ModuleDir, [Parameter(Mandatory)] [string]$Version)
    $stagingDir = Join-Path $OutDir 'staging/ImapPS'
    if (Test-Path (Split-Path $stagingDir)) { Remove-Item (Split-Path $stagingDir) -Recurse -Force }
    New-Item -ItemType Directory -Path $stagingDir -Force | Out-Null
    # Publish-PSResource wants a folder named after the module, not a version folder.
    Copy-Item (Join-Path $ModuleDir '*') -Destination $stagingDir -Recurse

    Import-Module Microsoft.PowerShell.PSResourceGet -ErrorAction Stop
    $repository = "ImapPSLocal-$PID"
    Register-PSResourceRepository -Name $repository -Uri $PackagesDir -Trusted
    try {
        Write-Step "Publishing ImapPS $Version to out/packages"
        Publish-PSResource -Path $stagingDir -Repository $repository
        $package = Get-ChildItem $PackagesDir -Filter '*.nupkg' | Select-Object -First 1
        if (-not $package) { throw 'Publish-PSResource wrote no .nupkg.' }

        Write-Step 'Checking that the package installs from the folder'
        $checkDir = Join-Path $OutDir 'package-check'
        if (Test-Path $checkDir) { Remove-Item $checkDir -Recurse -Force }
        New-Item -ItemType Directory -Path $checkDir | Out-Null
        Save-PSResource -Name ImapPS -Version $Version -Repository $repository -Path $checkDir -TrustRepository
        Invoke-ChildPwsh -What 'Import-Module of the installed package' -Command (
            "`$ErrorActionPreference = 'Stop'; `$m = Import-Module '$(Join-Path $checkDir 'ImapPS')' -PassThru; ""Installed package imports: ImapPS `$(`$m.Version)""")
        Remove-Item $checkDir -Recurse -Force
        Write-Host "Package: $($package.FullName)"
        Write-Host "Install it with: Register-PSResourceRepository -Name ImapPSLocal -Uri '$PackagesDir' -Trusted; Install-PSResource ImapPS -Repository ImapPSLocal"
    }
    finally {
        Unregister-PSResourceRepository -Name $repository
    }
}

function Publish-ClientPackage {
    <# Packs ImapPS.Client (library, XML docs, README, symbols) from the Release build into out/nuget. #>
    param([Parameter(Mandatory)] [string]$Version)
    Write-Step "Packing ImapPS.Client $Version to out/nuget"
    Invoke-Native dotnet @('pack', (Join-Path $RepoRoot 'src/ImapPS.Client/ImapPS.Client.csproj'), '-c', $Configuration,
        '--no-build', '--nologo', '-o', $NuGetOutDir) -What 'dotnet pack of ImapPS.Client'
    $package = Join-Path $NuGetOutDir "ImapPS.Client.$Version.nupkg"
    if (-not (Test-Path $package)) { throw "dotnet pack did not write $package." }
    Write-Host "Package: $package"
}

function Invoke-CleanTask {
    Write-Step 'Removing out/ and bin/obj folders'
    if (Test-Path $OutDir) { Remove-Item $OutDir -Recurse -Force }
    foreach ($root in 'src', 'tests', 'tools', 'bench', 'demo') {
        $path = Join-Path $RepoRoot $root
        if (-not (Test-Path $path)) { continue }
        Get-ChildItem $path -Directory -Recurse -Include bin, obj |
            Where-Object { Test-Path $_.FullName } |
            Remove-Item -Recurse -Force
    }
}

#endregion

Push-Location $RepoRoot
try {
    switch ($Task) {
        'Build' { Invoke-BuildTask | Out-Null }
        'Test' { if (-not (Invoke-TestTask)) { exit 1 } }
        'Demo' { Invoke-DemoTask }
        'Bench' { Invoke-BenchTask }
        'Fuzz' { Invoke-FuzzTask }
        'Package' { Invoke-PackageTask }
        'Clean' { Invoke-CleanTask }
    }
}
finally {
    Pop-Location
}
