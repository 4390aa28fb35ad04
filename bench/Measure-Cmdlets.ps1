<#
.SYNOPSIS
    W1 through the ImapPS cmdlets (issue 6): summaries streamed to the pipeline and counted with
    Measure-Object, time to the first object, and this process's peak working set.
.DESCRIPTION
    Started by bench/ImapPS.Bench (one pwsh process per mailbox, so the peak working set belongs to
    that mailbox's run alone) against the Dovecot the harness started. Prints one JSON line.
    While the module lacks the cmdlets it prints {"pending": "..."} and the report says so.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)][string]$ModulePath,
    [Parameter(Mandatory)][string]$Server,
    [Parameter(Mandatory)][int]$Port,
    [Parameter(Mandatory)][string]$User,
    [Parameter(Mandatory)][string]$Password,
    [int]$Runs = 3,
    [int]$ExpectedCount = 0
)

$ErrorActionPreference = 'Stop'
function Write-Result([hashtable]$Result) {
    $Result | ConvertTo-Json -Compress
    exit 0
}

try {
    Import-Module $ModulePath -Force
}
catch {
    Write-Result @{ pending = "Import-Module $ModulePath failed: $($_.Exception.Message)" }
}

foreach ($name in 'Connect-Imap', 'Get-ImapMessage', 'Search-ImapMessage') {
    if (-not (Get-Command $name -ErrorAction SilentlyContinue)) {
        Write-Result @{ pending = "$name is not in the module yet" }
    }
}

$credential = [pscredential]::new($User, (ConvertTo-SecureString $Password -AsPlainText -Force))
$session = Connect-Imap -Server $Server -Port $Port -Credential $credential -Security None

function Measure-Seconds([scriptblock]$Work) {
    $watch = [Diagnostics.Stopwatch]::StartNew()
    $value = & $Work
    $watch.Stop()
    [pscustomobject]@{ Seconds = $watch.Elapsed.TotalSeconds; Value = $value }
}

function Get-Median([double[]]$Values) {
    $sorted = $Values | Sort-Object
    $mid = [int][math]::Floor($sorted.Count / 2)
    if ($sorted.Count % 2) { $sorted[$mid] } else { ($sorted[$mid - 1] + $sorted[$mid]) / 2 }
}

$seconds = @()
$count = 0
for ($i = 0; $i -lt $Runs; $i++) {
    [GC]::Collect()
    $run = Measure-Seconds { (Get-ImapMessage -Session $session -Mailbox INBOX -All | Measure-Object).Count }
    $seconds += $run.Seconds
    $count = $run.Value
    if ($ExpectedCount -and $count -ne $ExpectedCount) { throw "Get-ImapMessage -All counted $count, expected $ExpectedCount." }
}

# Time to the first summary: the pipeline stops after one object (StopProcessing ends the fetch).
$first = @()
for ($i = 0; $i -lt $Runs; $i++) {
    $first += (Measure-Seconds { Get-ImapMessage -Session $session -Mailbox INBOX -All | Select-Object -First 1 }).Seconds
}

# The same scan as a server-side search with no criteria (SEARCH ALL, then batched FETCHes).
$search = @()
for ($i = 0; $i -lt $Runs; $i++) {
    $search += (Measure-Seconds { (Search-ImapMessage -Session $session -Mailbox INBOX | Measure-Object).Count }).Seconds
}

Disconnect-Imap -Session $session
$peak = (Get-Process -Id $PID).PeakWorkingSet64
Write-Result @{
    seconds              = $seconds
    count                = $count
    firstObjectSeconds   = (Get-Median $first)
    searchSeconds        = $search
    peakWorkingSetBytes  = $peak
}
