#Requires -Modules Pester
# Issue 15: a server that stops answering during Invoke-ImapIdle, and Connect-Imap -CommandDeadline,
# against a loopback listener that leaves chosen commands unanswered.

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    . $PSScriptRoot/LoopbackImapServer.ps1

    # Answers SELECT like a one-message INBOX and IDLE with a continuation; never answers DONE (the
    # listener would put 'DONE' where the IDLE's tag belongs) nor the commands $Silent matches.
    function New-Responder([string]$Silent) {
        [scriptblock]::Create(@"
param(`$tag, `$line)
if (`$tag -eq 'DONE') { return '' }
if (`$line -match '^($Silent)\b') { return '' }
if (`$line -match '^(SELECT|EXAMINE) ') { return "* 1 EXISTS``r``n* OK [UIDVALIDITY 7] ok``r``n* OK [UIDNEXT 2] ok``r``n{tag} OK [READ-WRITE] done``r``n" }
if (`$line -match '^IDLE') { return "+ idling``r``n" }
"{tag} OK done``r``n"
"@)
    }
}

AfterAll {
    Get-ImapSession -IncludeClosed | Disconnect-Imap -ErrorAction SilentlyContinue
}

Describe 'Invoke-ImapIdle and a server that stops answering' {
    It 'ends with ConnectionLost naming the unanswered DONE, after -RenewalInterval plus the dead-peer bound' {
        $server = Start-LoopbackImapServer -Greeting '* PREAUTH [CAPABILITY IMAP4rev1 IDLE] hi' -Responder (New-Responder 'DONE')
        # -Timeout 2 s caps the dead-peer timeout (30 s by default) at 2 s: the bound is 1 + 2 s + the watchdog's 0.4 s.
        $session = Connect-Imap -Server 127.0.0.1 -Port $server.Port -Security None -Timeout 00:00:02
        $err = $null
        $clock = [Diagnostics.Stopwatch]::StartNew()
        try { Invoke-ImapIdle -Session $session -Mailbox INBOX -RenewalInterval 00:00:01 -ErrorAction Stop | Out-Null }
        catch { $err = $_ }
        $clock.Stop()
        Write-Host "Invoke-ImapIdle found the dead peer after $($clock.Elapsed.TotalSeconds.ToString('0.000')) s"
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -Be 'ConnectionLost,ImapPS.Commands.InvokeImapIdleCommand'
        $err.Exception | Should -BeOfType ([ImapPS.Client.ImapTimeoutException])
        $err.Exception.Kind | Should -Be 'DeadPeer'
        $err.Exception.Command | Should -Be 'DONE'
        $err.Exception.Message | Should -Match 'DONE unanswered'
        $session.Client.AbortError | Should -Be $err.Exception
        Wait-LoopbackImapServer $server
        $server.State.Received | Should -Match "(?m)^DONE\r$"
    }

    It 'refuses a -RenewalInterval of 30 minutes or more (RFC 2177)' {
        $server = Start-LoopbackImapServer -Greeting '* PREAUTH [CAPABILITY IMAP4rev1 IDLE] hi' -Responder (New-Responder 'NOTHING')
        $session = Connect-Imap -Server 127.0.0.1 -Port $server.Port -Security None
        { Invoke-ImapIdle -Session $session -Mailbox INBOX -RenewalInterval 00:30:00 -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidArgument,ImapPS.Commands.InvokeImapIdleCommand'
        Disconnect-Imap -Session $session
        Wait-LoopbackImapServer $server
        $server.State.Received | Should -Not -Match 'IDLE'
    }
}

Describe 'Connect-Imap -CommandDeadline' {
    It 'ends a command the server holds past the deadline with ConnectionLost, long before the silence timeout' {
        $server = Start-LoopbackImapServer -Greeting '* PREAUTH [CAPABILITY IMAP4rev1] hi' -Responder (New-Responder 'LIST')
        $session = Connect-Imap -Server 127.0.0.1 -Port $server.Port -Security None -Timeout 00:01:00 -CommandDeadline 00:00:01
        $err = $null
        try { Get-ImapMailbox -Session $session -ErrorAction Stop | Out-Null }
        catch { $err = $_ }
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -BeLike 'ConnectionLost,*'
        $err.Exception | Should -BeOfType ([ImapPS.Client.ImapTimeoutException])
        $err.Exception.Kind | Should -Be 'CommandDeadline'
        $err.Exception.Limit | Should -Be ([TimeSpan]::FromSeconds(1))
        $err.Exception.Message | Should -Match 'deadline of 1 s'
        Wait-LoopbackImapServer $server
    }

    It 'refuses a deadline that is not positive' {
        { Connect-Imap -Server 127.0.0.1 -Port 1 -Security None -CommandDeadline 00:00:00 -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidTimeout,ImapPS.Commands.ConnectImapCommand'
    }
}
