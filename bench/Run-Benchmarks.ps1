<#
.SYNOPSIS
    Runs the ImapPS benchmark suite (issue 6, workloads of ../shared/BENCHMARKS.md).
.DESCRIPTION
    Builds bench/ImapPS.Bench, which starts its own Dovecot (quota off, mail_fsync=never), seeds the
    mailboxes, runs W1–W6, the floor, the memory and scale measurements for the ImapPS engine,
    MailKit 4.18.2, a raw socket and Python's imaplib2, the backup cmdlets beside mbsync
    (bench/Measure-Archive.ps1, part "archive"), prints the ratio table and writes
    docs/performance.md (full mode) or bench/out/results-quick.md (-Quick).
    Full mode takes about 10–15 minutes on a 2-core machine; -Quick is a smoke run of under 2 minutes
    on tiny mailboxes, one run each.
.EXAMPLE
    ./bench/Run-Benchmarks.ps1 -Quick
.EXAMPLE
    ./bench/Run-Benchmarks.ps1 -Only W1,W3 -Runs 5 -Output /tmp/w1-w3.md
#>
[CmdletBinding()]
param(
    # Tiny mailboxes and one run of each workload: a smoke test of the whole suite.
    [switch]$Quick,
    # Runs per workload (default 3; 1 with -Quick).
    [int]$Runs = 0,
    # Only these parts: W1 W2 W3 W3rtt W4 W5 W6 cmdlets cold archive save idle scale python.
    [string[]]$Only,
    # Skip these parts.
    [string[]]$Skip,
    # The ImapPS module manifest (or .dll) for the cmdlet workloads; the module build.ps1 assembled in out/ImapPS when omitted.
    [string]$ModulePath,
    # A second module (e.g. an earlier build) whose cmdlet and cold-start rows run beside -ModulePath's in the same run, labelled "before:".
    [string]$BaselineModulePath,
    # For the cold part: a copy of pwsh with ReadyToRun code, as PowerShell's release packages are, made by
    # bench/New-ReadyToRunPwsh.ps1 in out/bench/pwsh-r2r unless it is there. -NoReadyToRunPwsh skips those rows.
    [switch]$NoReadyToRunPwsh,
    [string]$Configuration = 'Release',
    # Where the Markdown results go (default docs/performance.md, or bench/out/results-quick.md with -Quick).
    [string]$Output,
    # Use the existing build of the harness.
    [switch]$NoBuild
)

$ErrorActionPreference = 'Stop'
$root = Split-Path -Parent $PSScriptRoot

function Install-AptPackage([string]$Package) {
    if (-not $IsLinux -or -not (Get-Command apt-get -ErrorAction SilentlyContinue)) {
        throw "$Package is required; install it with your package manager."
    }
    Write-Host "Installing $Package (apt-get)…"
    $env:DEBIAN_FRONTEND = 'noninteractive'
    & apt-get update -qq | Out-Null
    & apt-get install -y -qq $Package | Out-Null
    if ($LASTEXITCODE -ne 0) { throw "apt-get install $Package failed." }
}

# Prerequisites on a fresh machine: the server, the imaplib2 reference client and mbsync.
if (-not (Get-Command dovecot -ErrorAction SilentlyContinue) -and -not (Test-Path /usr/sbin/dovecot)) {
    Install-AptPackage dovecot-imapd
}
if (-not (Test-Path /usr/lib/python3/dist-packages/imaplib2.py)) {
    Install-AptPackage python3-imaplib2
}
# mbsync, measured beside Export-ImapMailbox in the archive part (bench/Measure-Archive.ps1).
if (-not (Get-Command mbsync -CommandType Application -ErrorAction SilentlyContinue) -and (-not $Only -or $Only -contains 'archive') -and $Skip -notcontains 'archive') {
    Install-AptPackage isync
}

$project = Join-Path $root 'bench/ImapPS.Bench/ImapPS.Bench.csproj'
if (-not $NoBuild) {
    & dotnet build $project -c $Configuration --nologo -v quiet -clp:ErrorsOnly
    if ($LASTEXITCODE -ne 0) { throw "Building the benchmark harness failed." }
}
$dll = Join-Path $root "bench/ImapPS.Bench/bin/$Configuration/net10.0/ImapPS.Bench.dll"

if (-not $ModulePath) {
    $candidate = Get-ChildItem -Path (Join-Path $root 'out/ImapPS') -Recurse -Filter 'ImapPS.psd1' -ErrorAction SilentlyContinue |
        Select-Object -First 1
    if ($candidate) { $ModulePath = $candidate.FullName }
}

$arguments = @('--repo', $root)
if ($Quick) { $arguments += '--quick' }
if ($Runs -gt 0) { $arguments += @('--runs', $Runs) }
if ($Only) { $arguments += @('--only', ($Only -join ',')) }
if ($Skip) { $arguments += @('--skip', ($Skip -join ',')) }
if ($ModulePath) { $arguments += @('--module', $ModulePath) }
if ($BaselineModulePath) { $arguments += @('--baseline-module', $BaselineModulePath) }
if ($Output) { $arguments += @('--output', $Output) }
$coldRuns = (-not $Only -or $Only -contains 'cold') -and $Skip -notcontains 'cold'
if ($coldRuns -and -not $NoReadyToRunPwsh -and -not $Quick) {
    $r2rPwsh = Join-Path $root 'out/bench/pwsh-r2r'
    if (-not (Test-Path (Join-Path $r2rPwsh 'pwsh.dll'))) {
        & (Join-Path $PSScriptRoot 'New-ReadyToRunPwsh.ps1') -Destination $r2rPwsh | Out-Host
    }
    $arguments += @('--r2r-pwsh', (Join-Path $r2rPwsh 'pwsh.dll'))
}

& dotnet $dll @arguments
if ($LASTEXITCODE -ne 0) { throw "The benchmark suite failed (exit code $LASTEXITCODE)." }
