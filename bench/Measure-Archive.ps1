<#
.SYNOPSIS
    Issue 17's workloads through the cmdlets, with mbsync (Debian's isync) side by side: a full
    Export-ImapMailbox to a Maildir and its no-op incremental re-run, mbsync's full pull of the same
    mailbox into a Maildir and its no-op re-run, and a Sync-ImapMailbox of the mailbox to a second
    account (and its no-op re-run). Prints one JSON line with the times, the bytes, and the peak
    resident memory of each step.
.DESCRIPTION
    With -Server, it works on the Dovecot the benchmark harness (bench/ImapPS.Bench, part "archive")
    started and seeded: -User's INBOX is the mailbox, -TargetUser's account (empty) receives the Sync.
    Without -Server it starts its own Dovecot (benchmark options: no quota plugin, no fsync) and seeds
    -Messages generated Mixed messages (../shared/BENCHMARKS.md's `mixed` profile; 20,000 by default).

    Both tools connect the same way: plain IMAP on loopback (no TLS, so neither pays for encryption),
    LOGIN. mbsync 1.4 always turns on COMPRESS=DEFLATE when the server offers it (the benchmark's
    Dovecot does), so the export runs once more over a compressed session, like for like.
    Every step runs once, in this order: Save-ImapMessage of every UID (the byte-for-byte saver,
    as a baseline; it is also the first reader, so the later steps find the server warm), Export full,
    Export no-op, Export full over COMPRESS=DEFLATE (into a fresh folder), mbsync full pull (its default FSync yes: an fsync per message), mbsync no-op, mbsync
    full pull with FSync no (the export's durability: it does not fsync), Sync full, Sync no-op.
    CPU: this process's processor time per cmdlet step (every thread), mbsync's user + system time
    (GNU time); the server's is in neither. On a loaded machine the CPU seconds compare the clients
    better than the wall clock: the scheduler shares the cores per thread, so a single-threaded
    client (mbsync) gets less of them than a multi-threaded one.
    Peak memory: this process's peak resident set per cmdlet step (the kernel's mark is reset before
    each step through /proc/self/clear_refs), mbsync's maximum resident set (GNU time's %M).
    Without mbsync the mbsync fields are null and "mbsyncMissing" says why.
.EXAMPLE
    dotnet pwsh -NoProfile -File bench/Measure-Archive.ps1 -Messages 2000
.EXAMPLE
    ./bench/Run-Benchmarks.ps1 -Only archive     # through the harness, on its 20,000-message mailbox
#>
[CmdletBinding()]
param(
    # How many messages to seed when this script starts its own Dovecot (ignored with -Server).
    [int]$Messages = 20000,
    [string]$RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '..')).Path,
    # The module to measure (default: the one build.ps1 assembled in out/ImapPS).
    [string]$ModulePath,
    # A running server to use instead of starting one (loopback only; plain IMAP with LOGIN).
    [string]$Server,
    [int]$Port,
    [string]$User,
    [string]$Password,
    [string]$TargetUser,
    [string]$TargetPassword,
    # Where the Maildirs go (a fresh folder under the temp folder by default; removed afterwards).
    [string]$WorkFolder
)

$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
if (-not $ModulePath) { $ModulePath = Join-Path $RepoRoot 'out/ImapPS' }
Import-Module $ModulePath -Force

$ownServer = $null
if (-not $Server) {
    Add-Type -Path (Join-Path $RepoRoot 'out/ImapPS.Testing/ImapPS.Testing.dll')
    $options = [ImapPS.Testing.DovecotOptions]::ForBenchmarks()
    $options.FsyncNever = $true
    $ownServer = [ImapPS.Testing.DovecotServer]::Start($options)
    $Server = $ownServer.Host
    $Port = $ownServer.ImapPort
    $User, $Password, $TargetUser, $TargetPassword = 'benchsrc', 'benchpw1', 'benchdst', 'benchpw2'
    $null = $ownServer.AddUser($User, $Password)
    $null = $ownServer.AddUser($TargetUser, $TargetPassword)
    $generator = [ImapPS.Testing.MessageGenerator]::new(1)
    $null = $ownServer.SeedMaildir($User, 'INBOX', $generator.Generate([ImapPS.Testing.MessageProfile]::Mixed, $Messages))
    $null = $ownServer.SeedMaildir($TargetUser, 'INBOX', [ImapPS.Testing.SeedMessage[]]@())
}
if (-not ([Net.IPAddress]::TryParse($Server, [ref]$null) -and [Net.IPAddress]::IsLoopback([Net.IPAddress]::Parse($Server)))) {
    throw "The benchmark talks to loopback servers only, not '$Server'."
}

$work = if ($WorkFolder) { $WorkFolder } else { Join-Path ([IO.Path]::GetTempPath()) ('imapps-archive-bench-' + [guid]::NewGuid().ToString('N').Substring(0, 8)) }
$null = New-Item -ItemType Directory -Path $work -Force

function Reset-PeakMemory { try { [IO.File]::WriteAllText('/proc/self/clear_refs', '5') } catch { } }
function Get-PeakMemoryMB {
    $line = Get-Content /proc/self/status -ErrorAction Ignore | Where-Object { $_ -like 'VmHWM:*' }
    if ($line) { return [math]::Round([double](($line -split '\s+')[1]) / 1024) }
    return [math]::Round([Diagnostics.Process]::GetCurrentProcess().PeakWorkingSet64 / 1MB)
}
function Measure-Step([scriptblock]$Step) {
    [GC]::Collect()
    Reset-PeakMemory
    $process = [Diagnostics.Process]::GetCurrentProcess()
    $cpu = $process.TotalProcessorTime
    $watch = [Diagnostics.Stopwatch]::StartNew()
    $value = & $Step
    $watch.Stop()
    $process.Refresh()
    [pscustomobject]@{
        Seconds    = [math]::Round($watch.Elapsed.TotalSeconds, 3)
        CpuSeconds = [math]::Round(($process.TotalProcessorTime - $cpu).TotalSeconds, 2)
        PeakMB     = Get-PeakMemoryMB
        Value      = $value
    }
}

$mbsync = Get-Command mbsync -CommandType Application -ErrorAction Ignore | Select-Object -First 1
$gnuTime = if (Test-Path /usr/bin/time) { '/usr/bin/time' }
function Invoke-Mbsync([string]$Rc) {
    <# One mbsync run, timed here (wall clock) and by GNU time (CPU seconds, maximum resident set). #>
    $stats = Join-Path $work ('time-' + [guid]::NewGuid().ToString('N').Substring(0, 6))
    $watch = [Diagnostics.Stopwatch]::StartNew()
    $output = if ($gnuTime) { & $gnuTime -f '%U %S %M' -o $stats $mbsync.Source -q -c $Rc -a 2>&1 } else { & $mbsync.Source -q -c $Rc -a 2>&1 }
    $watch.Stop()
    if ($LASTEXITCODE -ne 0) { throw "mbsync failed ($LASTEXITCODE): $($output -join ' | ')" }
    $cpu, $peak = $null, $null
    if ($gnuTime -and (Test-Path $stats)) {
        $user, $system, $rss = (Get-Content $stats | Select-Object -Last 1) -split ' '
        $cpu = [math]::Round([double]$user + [double]$system, 2)
        $peak = [math]::Round([double]$rss / 1024)
        Remove-Item -LiteralPath $stats
    }
    [pscustomobject]@{ Seconds = [math]::Round($watch.Elapsed.TotalSeconds, 3); CpuSeconds = $cpu; PeakMB = $peak }
}
function New-MbsyncConfig([string]$Name, [bool]$FSync) {
    <# Pull only, into a Maildir of its own: INBOX of -User, plain IMAP on loopback as the cmdlets use it. #>
    $maildir = Join-Path $work $Name
    $null = New-Item -ItemType Directory -Path $maildir -Force
    $rc = Join-Path $work "$Name.mbsyncrc"
    $passFile = Join-Path $work "$Name.pass"
    [IO.File]::WriteAllText($passFile, $Password)
    Set-Content -LiteralPath $rc -Value @"
FSync $(if ($FSync) { 'yes' } else { 'no' })

IMAPAccount far
Host $Server
Port $Port
User $User
PassCmd "cat $passFile"
SSLType None
AuthMechs LOGIN

IMAPStore far
Account far

MaildirStore near
Path $maildir/
Inbox $maildir/INBOX

Channel pull
Far :far:
Near :near:
Patterns INBOX
Sync Pull
Create Near
Expunge None
SyncState *
"@
    return $rc
}

try {
    function Connect-Bench([string]$Name, [string]$Secret, [switch]$Compress) {
        # Plain IMAP on loopback, as mbsync is configured below: neither side pays for TLS.
        Connect-Imap -Server $Server -Port $Port -Security None -Compress:$Compress -WarningAction SilentlyContinue -Credential ([pscredential]::new($Name, (ConvertTo-SecureString $Secret -AsPlainText -Force)))
    }
    $src = Connect-Bench $User $Password
    $dst = Connect-Bench $TargetUser $TargetPassword
    # mbsync 1.4 turns on COMPRESS=DEFLATE whenever the server offers it (it has no setting against it):
    # the same export over a compressed session is the like-for-like row.
    $compressed = Connect-Bench $User $Password -Compress

    $uids = @(Search-ImapMessage -Session $src -Mailbox INBOX -UidOnly)
    $save = Measure-Step { Save-ImapMessage -Session $src -Mailbox INBOX -Uid $uids -Destination (Join-Path $work 'save/') }
    Remove-Item -LiteralPath (Join-Path $work 'save') -Recurse -Force
    $full = Measure-Step { Export-ImapMailbox -Session $src -Mailbox INBOX -Destination (Join-Path $work 'export') }
    $noop = Measure-Step { Export-ImapMailbox -Session $src -Mailbox INBOX -Destination (Join-Path $work 'export') }
    $deflate = Measure-Step { Export-ImapMailbox -Session $compressed -Mailbox INBOX -Destination (Join-Path $work 'export-deflate') }
    Remove-Item -LiteralPath (Join-Path $work 'export-deflate') -Recurse -Force

    $mb = [ordered]@{ full = $null; noop = $null; fullNoFsync = $null }
    $mbsyncMissing = $null
    if ($mbsync) {
        $rc = New-MbsyncConfig 'mbsync' $true
        $mb.full = Invoke-Mbsync $rc
        $mb.noop = Invoke-Mbsync $rc
        $mb.fullNoFsync = Invoke-Mbsync (New-MbsyncConfig 'mbsync-nofsync' $false)
        $pulled = @(Get-ChildItem (Join-Path $work 'mbsync/INBOX/cur'), (Join-Path $work 'mbsync/INBOX/new') -File).Count
        if ($pulled -ne $uids.Count) { throw "mbsync pulled $pulled of $($uids.Count) messages." }
        Remove-Item -LiteralPath (Join-Path $work 'mbsync-nofsync') -Recurse -Force
    }
    else { $mbsyncMissing = 'mbsync is not installed (Debian package isync; bench/Run-Benchmarks.ps1 installs it with apt-get)' }

    $sync = Measure-Step { Sync-ImapMailbox -Source $src -Destination $dst -Mailbox INBOX }
    $resync = Measure-Step { Sync-ImapMailbox -Source $src -Destination $dst -Mailbox INBOX }
    if ($full.Value.Added -ne $uids.Count) { throw "Export-ImapMailbox added $($full.Value.Added) of $($uids.Count) messages." }

    [ordered]@{
        messages             = $uids.Count
        bytes                = $full.Value.Bytes
        saveSeconds          = $save.Seconds
        saveCpu              = $save.CpuSeconds
        savePeakMB           = $save.PeakMB
        exportSeconds        = $full.Seconds
        exportCpu            = $full.CpuSeconds
        exportPeakMB         = $full.PeakMB
        noopExportSeconds    = $noop.Seconds
        deflateExportSeconds = $deflate.Seconds
        deflateExportCpu     = $deflate.CpuSeconds
        noopMethod           = "$($noop.Value.Method)"
        mbsyncSeconds        = $mb.full?.Seconds
        mbsyncCpu            = $mb.full?.CpuSeconds
        mbsyncPeakMB         = $mb.full?.PeakMB
        noopMbsyncSeconds    = $mb.noop?.Seconds
        mbsyncNoFsyncSeconds = $mb.fullNoFsync?.Seconds
        mbsyncNoFsyncCpu     = $mb.fullNoFsync?.CpuSeconds
        mbsyncMissing        = $mbsyncMissing
        syncSeconds          = $sync.Seconds
        syncCpu              = $sync.CpuSeconds
        syncPeakMB           = $sync.PeakMB
        syncCopied           = $sync.Value.Copied
        noopSyncSeconds      = $resync.Seconds
        loadAverage          = (Get-Content /proc/loadavg -ErrorAction Ignore) -replace '^(\S+ \S+ \S+).*$', '$1'
    } | ConvertTo-Json -Compress
}
finally {
    Get-ImapSession -IncludeClosed | Disconnect-Imap -ErrorAction SilentlyContinue
    if ($ownServer) { $ownServer.Stop() }
    if (-not $WorkFolder) { Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction SilentlyContinue }
}
