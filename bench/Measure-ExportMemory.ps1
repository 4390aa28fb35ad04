<#
.SYNOPSIS
    Peak resident memory of Export-ImapMailbox (Maildir) at several mailbox sizes, each in a fresh
    account of one private Dovecot, to show that the export's memory does not grow with the mailbox.
    Prints one line per size: the largest message, the wall time, the resident set before the export
    (after a full GC) and its peak during it (VmHWM, reset through /proc/self/clear_refs).
.EXAMPLE
    dotnet pwsh -NoProfile -File bench/Measure-ExportMemory.ps1 -Sizes 5000, 20000
#>
param([int[]]$Sizes = @(5000, 20000), [string]$RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '..')).Path)
$ErrorActionPreference = 'Stop'; $ProgressPreference = 'SilentlyContinue'
Import-Module (Join-Path $RepoRoot out/ImapPS) -Force
Add-Type -Path (Join-Path $RepoRoot out/ImapPS.Testing/ImapPS.Testing.dll)
function Peak { [math]::Round([double]((Get-Content /proc/self/status | Where-Object { $_ -like 'VmHWM:*' }) -split '\s+')[1] / 1024) }
$options = [ImapPS.Testing.DovecotOptions]::ForBenchmarks(); $options.FsyncNever = $true
$srv = [ImapPS.Testing.DovecotServer]::Start($options)
try {
  foreach ($n in $Sizes) {
    $user = "u$n"
    $null = $srv.AddUser($user, 'pw1')
    $gen = [ImapPS.Testing.MessageGenerator]::new(1)
    $msgs = $gen.Generate([ImapPS.Testing.MessageProfile]::Mixed, $n)
    $max = ($msgs | Measure-Object -Property Size -Maximum).Maximum
    $null = $srv.SeedMaildir($user, 'INBOX', $msgs); $msgs = $null
    $cred = [pscredential]::new($user, (ConvertTo-SecureString 'pw1' -AsPlainText -Force))
    $s = Connect-Imap -Server $srv.Host -Port $srv.ImapPort -Security None -Credential $cred -WarningAction SilentlyContinue
    $dir = Join-Path ([IO.Path]::GetTempPath()) ("em-" + [guid]::NewGuid().ToString('N'))
    [GC]::Collect(); [GC]::WaitForPendingFinalizers(); [GC]::Collect()
    [IO.File]::WriteAllText('/proc/self/clear_refs', '5')
    $before = Peak
    $w = [Diagnostics.Stopwatch]::StartNew()
    $null = Export-ImapMailbox -Session $s -Mailbox INBOX -Destination $dir
    $w.Stop()
    "n=$n largest=$max wall=$([math]::Round($w.Elapsed.TotalSeconds,1)) rssBefore=$before peakRss=$(Peak) MB"
    Disconnect-Imap -Session $s
    Remove-Item -Recurse -Force $dir
  }
} finally { $srv.Dispose() }
