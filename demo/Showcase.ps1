<#
.SYNOPSIS
    A short tour of a mailbox with ImapPS: connect, list folders, search on the server, show a
    message list, flag and file messages, watch for new mail, disconnect.
.DESCRIPTION
    build.ps1 -Task Demo runs this against a throwaway Dovecot seeded with generated mail. The
    module must already be imported. The server's self-signed certificate is trusted by its
    thumbprint only (never by turning validation off), and the session upgrades to TLS with
    STARTTLS before the password is sent.
.EXAMPLE
    ./demo/Showcase.ps1 -Server localhost -Port 10143 -Credential (Get-Credential alice) -CertificateThumbprint 3F2A…
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string]$Server,
    [Parameter(Mandatory)] [int]$Port,
    [Parameter(Mandatory)] [pscredential]$Credential,
    [Parameter(Mandatory)] [string]$CertificateThumbprint
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'

function Write-Section([string]$Title) {
    Write-Host "`n== $Title" -ForegroundColor Cyan
}

function Show([Parameter(ValueFromPipeline)] $InputObject) {
    # Format-Table output, rendered now so it appears between the section headings.
    begin { $items = [Collections.Generic.List[object]]::new() }
    process { $items.Add($InputObject) }
    end { $items | Format-Table -AutoSize | Out-String -Width 160 | Write-Host }
}

Write-Section "Connect-Imap -Security StartTls (certificate trusted by thumbprint)"
$trusted = $CertificateThumbprint
$session = Connect-Imap -Server $Server -Port $Port -Credential $Credential -Security StartTls `
    -CertificateValidation { $_.Thumbprint -eq $trusted }.GetNewClosure()
$session | Show

Write-Section 'Get-ImapMailbox -Status'
Get-ImapMailbox -Status | Show

Write-Section 'Select-ImapMailbox INBOX'
Select-ImapMailbox INBOX | Show

Write-Section 'Search-ImapMessage -Subject invoice -SortBy Date -Descending -First 8 (runs on the server)'
$invoices = @(Search-ImapMessage -Subject invoice -SortBy Date -Descending -First 8)
$invoices | Show

Write-Section 'Unread mail, grouped by sender (Group-Object on the summaries)'
Search-ImapMessage -Unseen -First 200 |
    Group-Object { $_.From } |
    Sort-Object Count -Descending |
    Select-Object -First 5 Count, Name |
    Show

if ($invoices.Count -gt 0) {
    Write-Section 'Flag the invoices and file them in a new "Invoices" mailbox'
    New-ImapMailbox Invoices | Out-Null
    $invoices | Set-ImapFlag -Add Flagged -PassThru | Move-ImapMessage -Destination Invoices | Out-Null
    Get-ImapMailbox Invoices -Status | Show
    Get-ImapMessage -Mailbox Invoices -All | Show
}

Write-Section 'Invoke-ImapIdle: a second session appends a message; the first sees it'
$other = Connect-Imap -Server $Server -Port $Port -Credential $Credential -Security StartTls `
    -CertificateValidation { $_.Thumbprint -eq $trusted }.GetNewClosure()
$message = "From: demo@example.com`r`nTo: $($Credential.UserName)@example.com`r`nSubject: Hello from the demo`r`n`r`nSent while the first session was idling.`r`n"
$job = Start-ThreadJob -ScriptBlock {
    param($s, $m, $module)
    Import-Module $module
    Start-Sleep -Milliseconds 500   # lets the first session enter IDLE; the event below is what the demo waits for
    Add-ImapMessage -Session $s -Mailbox INBOX -Message ([Text.Encoding]::ASCII.GetBytes($m)) | Out-Null
} -ArgumentList $other, $message, (Get-Module ImapPS).Path
Select-ImapMailbox INBOX -Session $session | Out-Null
Invoke-ImapIdle -Session $session -Count 1 -Timeout ([TimeSpan]::FromSeconds(20)) | Show
$job | Wait-Job | Receive-Job -ErrorAction Continue
$job | Remove-Job
Search-ImapMessage -Session $session -Subject 'Hello from the demo' | Show

Write-Section 'Disconnect-Imap'
$other, $session | Disconnect-Imap
Write-Host 'Done.'
