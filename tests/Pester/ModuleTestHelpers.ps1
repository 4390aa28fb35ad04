<#
    Helpers for the module's cmdlet tests. Dot-source after TestHelpers.ps1:

        BeforeAll { . $PSScriptRoot/TestHelpers.ps1; . $PSScriptRoot/ModuleTestHelpers.ps1 }
#>

function New-ImapTestUser {
    <# Adds a fresh user (so test files and tests never share a mailbox) and returns its PSCredential. #>
    param([Parameter(Mandatory)] [object]$Server, [string]$Prefix = 'u')
    $name = $Prefix + [guid]::NewGuid().ToString('N').Substring(0, 10)
    $password = 'pw ' + [guid]::NewGuid().ToString('N').Substring(0, 8) + '"\'
    $null = $Server.AddUser($name, $password)
    return [pscredential]::new($name, (ConvertTo-SecureString -String $password -AsPlainText -Force))
}

function Connect-ImapTest {
    <# Connects to the test server with STARTTLS, trusting exactly its certificate. Extra parameters go to Connect-Imap. #>
    param([Parameter(Mandatory)] [object]$Server, [Parameter(Mandatory)] [pscredential]$Credential, [hashtable]$Extra = @{})
    $thumbprint = $Server.CertificateThumbprint
    Connect-Imap -Server $Server.Host -Port $Server.ImapPort -Credential $Credential -Security StartTls `
        -CertificateValidation { $_.Thumbprint -eq $thumbprint } @Extra
}

function New-ImapTestMessage {
    <# A small RFC 5322 message as bytes (CRLF line ends). #>
    param([string]$Subject = 'Test', [string]$From = 'sender@example.com', [string]$To = 'rcpt@example.com', [string]$Body = 'Hello.', [string]$MessageId)
    if (-not $MessageId) { $MessageId = "<$([guid]::NewGuid().ToString('N'))@test.example>" }
    $text = "From: $From`r`nTo: $To`r`nSubject: $Subject`r`nDate: Mon, 06 Jan 2025 10:00:00 +0000`r`nMessage-ID: $MessageId`r`nMIME-Version: 1.0`r`nContent-Type: text/plain; charset=utf-8`r`nContent-Transfer-Encoding: 8bit`r`n`r`n$Body`r`n"
    return [Text.Encoding]::UTF8.GetBytes($text)
}

function Get-CmdletParameterName {
    <# The parameters a cmdlet declares, without the common and ShouldProcess ones. #>
    param([Parameter(Mandatory)] [string]$Name)
    $common = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters
    (Get-Command $Name).Parameters.Values | Where-Object { $_.Name -notin $common -and -not ($_.Attributes | Where-Object { $_ -is [Parameter] -and $_.DontShow }) } |
        ForEach-Object Name | Sort-Object
}

function Watch-IdleStart {
    <# Queues the engine's trace lines of $Session for Wait-IdleStarted (PowerShell keeps them for Wait-Event). #>
    param([Parameter(Mandatory)] [object]$Session)
    Get-EventSubscriber -SourceIdentifier IdleSent -ErrorAction SilentlyContinue | Unregister-Event
    Get-Event -SourceIdentifier IdleSent -ErrorAction SilentlyContinue | Remove-Event
    $null = Register-ObjectEvent -InputObject $Session.Client -EventName DebugLine -SourceIdentifier IdleSent
}

function Wait-IdleStarted {
    <# Waits until the session watched by Watch-IdleStart has sent IDLE; throws after $TimeoutSeconds. #>
    param([int]$TimeoutSeconds = 10)
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    try {
        while ($true) {
            $left = [int][Math]::Ceiling(($deadline - [DateTime]::UtcNow).TotalSeconds)
            if ($left -le 0) { throw 'IDLE was not sent in time' }
            $e = Wait-Event -SourceIdentifier IdleSent -Timeout $left
            if (-not $e) { throw 'IDLE was not sent in time' }
            $e | Remove-Event
            if ($e.SourceArgs[1] -match '^> \S+ IDLE$') { return }
        }
    }
    finally { Unregister-Event -SourceIdentifier IdleSent -ErrorAction SilentlyContinue }
}
