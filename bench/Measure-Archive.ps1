<#
.SYNOPSIS
    Issue 17's workloads through the cmdlets: a full Export-ImapMailbox to a Maildir, a no-op
    incremental re-run, and a Sync-ImapMailbox of the same mailbox to a second account, on a mailbox
    of generated mixed messages in a private Dovecot (ImapPS.Testing). Prints one JSON line with the
    times, the bytes, and this process's peak working set.
.EXAMPLE
    dotnet pwsh -NoProfile -File bench/Measure-Archive.ps1 -Messages 5000
#>
[CmdletBinding()]
param(
    [int]$Messages = 5000,
    [string]$RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '..')).Path
)

$ErrorActionPreference = 'Stop'
Add-Type -Path (Join-Path $RepoRoot 'out/ImapPS.Testing/ImapPS.Testing.dll')
Import-Module (Join-Path $RepoRoot 'out/ImapPS') -Force
$server = [ImapPS.Testing.DovecotServer]::Start([ImapPS.Testing.DovecotOptions]::ForBenchmarks())
$work = Join-Path ([IO.Path]::GetTempPath()) ('imapps-archive-bench-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
try {
    $source = $server.AddUser('benchsrc', 'benchpw1')
    $target = $server.AddUser('benchdst', 'benchpw2')
    $generator = [ImapPS.Testing.MessageGenerator]::new(17)
    $null = $server.SeedMaildir('benchsrc', 'INBOX', $generator.Generate([ImapPS.Testing.MessageProfile]::Mixed, $Messages))
    $thumb = $server.CertificateThumbprint
    function Connect-Bench([string]$User, [string]$Password) {
        Connect-Imap -Server $server.Host -Port $server.ImapPort -Security StartTls -CertificateValidation { $_.Thumbprint -eq $thumb } `
            -Credential ([pscredential]::new($User, (ConvertTo-SecureString $Password -AsPlainText -Force)))
    }
    $src = Connect-Bench 'benchsrc' 'benchpw1'
    $dst = Connect-Bench 'benchdst' 'benchpw2'
    $ProgressPreference = 'SilentlyContinue'
    $uids = (Search-ImapMessage -Session $src -Mailbox INBOX -UidOnly)
    $save = Measure-Command { Save-ImapMessage -Session $src -Mailbox INBOX -Uid $uids -Destination (Join-Path $work 'save/') }
    $full = Measure-Command { $script:exported = Export-ImapMailbox -Session $src -Mailbox INBOX -Destination $work }
    $noop = Measure-Command { $script:again = Export-ImapMailbox -Session $src -Mailbox INBOX -Destination $work }
    $sync = Measure-Command { $script:synced = Sync-ImapMailbox -Source $src -Destination $dst -Mailbox INBOX }
    $resync = Measure-Command { $script:resynced = Sync-ImapMailbox -Source $src -Destination $dst -Mailbox INBOX }
    [ordered]@{
        messages          = $Messages
        bytes             = $exported.Bytes
        saveSeconds       = [math]::Round($save.TotalSeconds, 2)
        exportSeconds     = [math]::Round($full.TotalSeconds, 2)
        noopExportSeconds = [math]::Round($noop.TotalSeconds, 3)
        noopMethod        = $again.Method
        syncSeconds       = [math]::Round($sync.TotalSeconds, 2)
        syncCopied        = $synced.Copied
        noopSyncSeconds   = [math]::Round($resync.TotalSeconds, 2)
        peakWorkingSetMB  = [math]::Round([Diagnostics.Process]::GetCurrentProcess().PeakWorkingSet64 / 1MB)
    } | ConvertTo-Json -Compress
}
finally {
    Get-ImapSession -IncludeClosed | Disconnect-Imap -ErrorAction SilentlyContinue
    $server.Stop()
    Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction SilentlyContinue
}
