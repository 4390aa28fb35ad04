<#
.SYNOPSIS
    Cold-start costs of the ImapPS cmdlets (issue 18), measured inside ONE fresh pwsh process.
.DESCRIPTION
    Started by bench/ImapPS.Bench once per sample, so every number is a cold process's.
    -Mode OneShot: Import-Module, Connect-Imap and the first Get-ImapMessage -Uid, each timed.
    -Mode Job: a scheduled job's first command after Import-Module
    (Search-ImapMessage -Mailbox INBOX | Measure-Object), then the same pipeline twice more
    in the same process (warm). Prints one JSON line.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)][string]$ModulePath,
    [Parameter(Mandatory)][string]$Server,
    [Parameter(Mandatory)][int]$Port,
    [Parameter(Mandatory)][string]$User,
    [Parameter(Mandatory)][string]$Password,
    [Parameter(Mandatory)][ValidateSet('OneShot', 'Job')][string]$Mode,
    [uint32]$Uid = 1
)

$ErrorActionPreference = 'Stop'
$credential = [pscredential]::new($User, (ConvertTo-SecureString $Password -AsPlainText -Force))
$watch = [Diagnostics.Stopwatch]::StartNew()
Import-Module $ModulePath
$import = $watch.Elapsed.TotalSeconds
if ($Mode -eq 'OneShot') {
    $watch.Restart()
    $session = Connect-Imap -Server $Server -Port $Port -Credential $credential -Security None
    $connect = $watch.Elapsed.TotalSeconds
    $watch.Restart()
    $message = Get-ImapMessage -Session $session -Mailbox INBOX -Uid $Uid
    $first = $watch.Elapsed.TotalSeconds
    if ($message.Uid -ne $Uid) { throw "Get-ImapMessage -Uid $Uid returned $($message.Uid)." }
    Disconnect-Imap -Session $session
    @{ import = $import; connect = $connect; first = $first } | ConvertTo-Json -Compress
    exit 0
}
$session = Connect-Imap -Server $Server -Port $Port -Credential $credential -Security None
$times = @()
$count = 0
for ($i = 0; $i -lt 3; $i++) {
    $watch.Restart()
    $count = (Search-ImapMessage -Session $session -Mailbox INBOX | Measure-Object).Count
    $times += $watch.Elapsed.TotalSeconds
}
Disconnect-Imap -Session $session
@{ import = $import; cold = $times[0]; warm = @($times[1], $times[2]); count = $count } | ConvertTo-Json -Compress
