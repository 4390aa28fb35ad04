<#
.SYNOPSIS
    Cold-start costs of the ImapPS cmdlets (issue 18), measured inside ONE fresh pwsh process.
.DESCRIPTION
    Started by bench/ImapPS.Bench once per sample, so every number is a cold process's.
    -Mode OneShot: Import-Module, Connect-Imap and the first Get-ImapMessage -Uid, each timed.
    -Mode Job: a scheduled job's first command after Import-Module
    (Search-ImapMessage -Mailbox INBOX | Measure-Object), then the same pipeline twice more
    in the same process (warm). -Mode Memory: Get-ImapMessage -All | Measure-Object once, and
    this process's peak working set (the issue's 100,000-message row). Prints one JSON line; with it, on PowerShell 7, the number of
    methods the JIT compiled in each phase (jitImport, jitConnect, jitFirst, jitCold): what
    ReadyToRun images save shows there, independent of the machine's load. The counts are the
    process's: while the module's import-time warm-up runs (on another thread, into Connect-Imap)
    they include what it compiles; IMAPPS_WARMUP=0 leaves them to the measured commands alone.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)][string]$ModulePath,
    [Parameter(Mandatory)][string]$Server,
    [Parameter(Mandatory)][int]$Port,
    [Parameter(Mandatory)][string]$User,
    [Parameter(Mandatory)][string]$Password,
    [Parameter(Mandatory)][ValidateSet('OneShot', 'Job', 'Memory')][string]$Mode,
    [uint32]$Uid = 1
)

$ErrorActionPreference = 'Stop'
$credential = [pscredential]::new($User, (ConvertTo-SecureString $Password -AsPlainText -Force))
# JitInfo is .NET 6+; Windows PowerShell reports no counts.
$jitInfo = 'System.Runtime.JitInfo' -as [type]
function Get-JitCount { if ($jitInfo) { $jitInfo::GetCompiledMethodCount($false) } else { -1 } }
$jit0 = Get-JitCount
$watch = [Diagnostics.Stopwatch]::StartNew()
Import-Module $ModulePath
$import = $watch.Elapsed.TotalSeconds
$jit1 = Get-JitCount
if ($Mode -eq 'OneShot') {
    $watch.Restart()
    $session = Connect-Imap -Server $Server -Port $Port -Credential $credential -Security None
    $connect = $watch.Elapsed.TotalSeconds
    $jit2 = Get-JitCount
    $watch.Restart()
    $message = Get-ImapMessage -Session $session -Mailbox INBOX -Uid $Uid
    $first = $watch.Elapsed.TotalSeconds
    $jit3 = Get-JitCount
    if ($message.Uid -ne $Uid) { throw "Get-ImapMessage -Uid $Uid returned $($message.Uid)." }
    Disconnect-Imap -Session $session
    @{ import = $import; connect = $connect; first = $first
        jitImport = $jit1 - $jit0; jitConnect = $jit2 - $jit1; jitFirst = $jit3 - $jit2 } | ConvertTo-Json -Compress
    exit 0
}
if ($Mode -eq 'Memory') {
    $session = Connect-Imap -Server $Server -Port $Port -Credential $credential -Security None
    # The process's peak before the pipeline: pwsh's own start is bimodal here (115 or 124 MB), so the
    # pipeline's share is the peak's growth from this point.
    $before = (Get-Process -Id $PID).PeakWorkingSet64
    $gen1 = [GC]::CollectionCount(1); $gen2 = [GC]::CollectionCount(2)
    $watch.Restart()
    $count = (Get-ImapMessage -Session $session -Mailbox INBOX -All | Measure-Object).Count
    $seconds = $watch.Elapsed.TotalSeconds
    $peak = (Get-Process -Id $PID).PeakWorkingSet64
    $gen1 = [GC]::CollectionCount(1) - $gen1; $gen2 = [GC]::CollectionCount(2) - $gen2
    Disconnect-Imap -Session $session
    @{ import = $import; count = $count; seconds = $seconds; peak = $peak; before = $before; gen1 = $gen1; gen2 = $gen2 } | ConvertTo-Json -Compress
    exit 0
}
$session = Connect-Imap -Server $Server -Port $Port -Credential $credential -Security None
$times = @()
$count = 0
$jitCold = 0
for ($i = 0; $i -lt 3; $i++) {
    $jitBefore = Get-JitCount
    $watch.Restart()
    $count = (Search-ImapMessage -Session $session -Mailbox INBOX | Measure-Object).Count
    $times += $watch.Elapsed.TotalSeconds
    if ($i -eq 0) { $jitCold = (Get-JitCount) - $jitBefore }
}
Disconnect-Imap -Session $session
@{ import = $import; cold = $times[0]; warm = @($times[1], $times[2]); count = $count; jitImport = $jit1 - $jit0; jitCold = $jitCold } | ConvertTo-Json -Compress
