#Requires -Modules Pester
# Issue 11: no wrong account, no wrong mailbox, no clear-text downgrade, no crash.
# PREAUTH and THREAD need a hostile server: a tiny loopback listener (127.0.0.1, port 0) on a thread job.
# Mailbox names and Invoke-ImapCommand's guard are tested against the private Dovecot.

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    . $PSScriptRoot/ModuleTestHelpers.ps1
    $script:Server = Start-ImapTestServer

    . $PSScriptRoot/LoopbackImapServer.ps1
}

AfterAll {
    Get-ImapSession -IncludeClosed | Disconnect-Imap -ErrorAction SilentlyContinue
    $script:Server | Stop-ImapTestServer
}

Describe 'A PREAUTH greeting on a plain connection' {
    It 'is refused with -Security <Security> before a single byte is sent' -TestCases @(
        @{ Security = 'StartTls' }
        @{ Security = 'Auto' }
    ) {
        param($Security)
        $server = Start-LoopbackImapServer -Greeting '* PREAUTH [CAPABILITY IMAP4rev1 STARTTLS] Logged in as mallory'
        $err = $null
        try { Connect-Imap -Server 127.0.0.1 -Port $server.Port -Security $Security -ErrorAction Stop | Out-Null }
        catch { $err = $_ }
        $err | Should -Not -BeNullOrEmpty
        $err.CategoryInfo.Category | Should -Be 'SecurityError'
        $err.FullyQualifiedErrorId | Should -Be 'TlsFailed,ImapPS.Commands.ConnectImapCommand'
        $err.Exception | Should -BeOfType ([ImapPS.Client.ImapSecurityException])
        $err.Exception.Message | Should -Match 'PREAUTH'
        Wait-LoopbackImapServer $server
        $server.State.Received | Should -BeExactly ''
        @(Get-ImapSession | Where-Object Port -eq $server.Port).Count | Should -Be 0
    }

    It 'is accepted with -Security None (the caller chose clear text)' {
        $server = Start-LoopbackImapServer -Greeting '* PREAUTH [CAPABILITY IMAP4rev1] Logged in'
        $session = Connect-Imap -Server 127.0.0.1 -Port $server.Port -Security None
        $session.State | Should -Be 'AUTH'
        $session.Security | Should -Be 'None'
        Disconnect-Imap -Session $session
        Wait-LoopbackImapServer $server
        $server.State.Received | Should -Match 'LOGOUT'
    }

    It 'keeps working over the stream transport (a local pipe, where PREAUTH is normal)' {
        $session = Connect-Imap -Command $Server.StreamCommand('alice').ToString()
        $session.State | Should -Be 'AUTH'
        (Get-ImapMailbox -Session $session -Name INBOX).Name | Should -Be 'INBOX'
        Disconnect-Imap -Session $session
    }
}

Describe 'A THREAD reply of one chain of 1,000,000 messages' -Tag Thread {
    It 'becomes one thread without overflowing the stack, in the cmdlet, the model and the format view' {
        $responder = {
            param($tag, $line)
            if ($line -match '^(SELECT|EXAMINE) ') { return "* 1000000 EXISTS`r`n* OK [UIDVALIDITY 7] ok`r`n* OK [UIDNEXT 1000001] ok`r`n{tag} OK [READ-ONLY] done`r`n" }
            if ($line -match '^UID THREAD ') { return '* THREAD (' + [string]::Join(' ', [System.Linq.Enumerable]::Range(1, 1000000)) + ")`r`n{tag} OK done`r`n" }
            "{tag} OK done`r`n"
        }
        $server = Start-LoopbackImapServer -Greeting '* PREAUTH [CAPABILITY IMAP4rev1 THREAD=REFERENCES] hi' -Responder $responder
        $session = Connect-Imap -Server 127.0.0.1 -Port $server.Port -Security None
        $threads = @(Get-ImapThread -Session $session -Mailbox INBOX)
        $threads.Count | Should -Be 1
        $root = $threads[0]
        $root.Uid | Should -Be 1
        $root.UidValidity | Should -Be 7
        $root.MessageCount | Should -Be 1000000
        $uids = [System.Collections.Generic.List[uint32]]::new([System.Collections.Generic.IEnumerable[uint32]]$root.AllUids())
        $uids.Count | Should -Be 1000000
        $uids[999999] | Should -Be 1000000
        ($root | Out-String) | Should -Match '1000000'
        Disconnect-Imap -Session $session
        Wait-LoopbackImapServer $server
    }
}

Describe 'Mailbox names with CR, LF or NUL' {
    BeforeAll {
        $script:Cred = New-ImapTestUser -Server $Server
        $script:S = Connect-ImapTest -Server $Server -Credential $Cred
    }

    It 'Rename-ImapMailbox refuses them before sending (InvalidArgument) and the session stays usable' {
        New-ImapMailbox -Session $S -Name 'trust-src' | Out-Null
        $err = $null
        try { Rename-ImapMailbox -Session $S -Name "x`r`nZZ1 LOGOUT" -NewName 'y' -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -Be 'InvalidArgument,ImapPS.Commands.RenameImapMailboxCommand'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err.Exception | Should -BeOfType ([ImapPS.Client.InvalidMailboxNameException])
        { Rename-ImapMailbox -Session $S -Name 'trust-src' -NewName "y`nZZ2 NOOP" -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidArgument,ImapPS.Commands.RenameImapMailboxCommand'
        $S.IsConnected | Should -BeTrue
        (Get-ImapMailbox -Session $S -Name 'trust-src').Name | Should -Be 'trust-src'
        Rename-ImapMailbox -Session $S -Name 'trust-src' -NewName 'trust-dst' -PassThru | Select-Object -ExpandProperty Name | Should -Be 'trust-dst'
    }

    It 'piped names are refused one by one, and the others are created' {
        $created = 'trust-ok1', "trust-bad`r`nA1 NOOP", "trust-nul`0", 'trust-ok2' |
            New-ImapMailbox -Session $S -ErrorVariable errs -ErrorAction SilentlyContinue
        $created.Name | Should -Be @('trust-ok1', 'trust-ok2')
        $errs.Count | Should -Be 2
        $errs | ForEach-Object { $_.FullyQualifiedErrorId | Should -Be 'InvalidArgument,ImapPS.Commands.NewImapMailboxCommand' }
        $errs | ForEach-Object { $_.CategoryInfo.Category | Should -Be 'InvalidArgument' }
    }

    It '<Name> refuses them as InvalidArgument and the session stays usable' -TestCases @(
        @{ Name = 'Select-ImapMailbox'; Run = { Select-ImapMailbox -Session $S -Name "INBOX`r`n" -ErrorAction Stop } }
        @{ Name = 'Get-ImapMailbox'; Run = { Get-ImapMailbox -Session $S -Name "*`n" -ErrorAction Stop } }
        @{ Name = 'Remove-ImapMailbox'; Run = { Remove-ImapMailbox -Session $S -Name "x`n" -Confirm:$false -ErrorAction Stop } }
        @{ Name = 'Add-ImapSubscription'; Run = { Add-ImapSubscription -Session $S -Name "x`r" -ErrorAction Stop } }
        @{ Name = 'Add-ImapMessage'; Run = { Add-ImapMessage -Session $S -Mailbox "x`n" -Message (New-ImapTestMessage) -ErrorAction Stop } }
        @{ Name = 'Get-ImapMessage'; Run = { Get-ImapMessage -Session $S -Mailbox "x`0" -All -ErrorAction Stop } }
        @{ Name = 'Get-ImapAcl'; Run = { Get-ImapAcl -Session $S -Mailbox "x`n" -ErrorAction Stop } }
        @{ Name = 'Get-ImapQuota'; Run = { Get-ImapQuota -Session $S -Mailbox "x`n" -ErrorAction Stop } }
    ) {
        param($Name, $Run)
        $err = $null
        try { & $Run } catch { $err = $_ }
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -BeLike 'InvalidArgument,*'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $S.IsConnected | Should -BeTrue
        (Get-ImapMailbox -Session $S -Name INBOX).Name | Should -Be 'INBOX'
    }
}

Describe 'Invoke-ImapCommand and state-changing commands' {
    It 'refuses "SELECT INBOX", so the expunge of dst2 UID 3 cannot hit INBOX (the issue''s scenario)' {
        $cred = New-ImapTestUser -Server $Server
        $s = Connect-ImapTest -Server $Server -Credential $cred
        New-ImapMailbox -Session $s -Name dst2 | Out-Null
        1..3 | ForEach-Object { Add-ImapMessage -Session $s -Mailbox INBOX -Message (New-ImapTestMessage -Subject "inbox $_") } | Out-Null
        1..3 | ForEach-Object { Add-ImapMessage -Session $s -Mailbox dst2 -Message (New-ImapTestMessage -Subject "dst2 $_") } | Out-Null
        Select-ImapMailbox -Session $s -Name dst2 | Out-Null
        { Invoke-ImapCommand -Session $s -Command 'SELECT INBOX' -ErrorAction Stop } |
            Should -Throw -ErrorId 'CommandNotAllowed,ImapPS.Commands.InvokeImapCommandCommand'
        $s.SelectedMailbox | Should -Be 'dst2'
        Remove-ImapMessage -Session $s -Mailbox dst2 -Uid 3 -Expunge -Confirm:$false
        (Get-ImapMessage -Session $s -Mailbox INBOX -All).Subject | Should -Be @('inbox 1', 'inbox 2', 'inbox 3')
        (Get-ImapMessage -Session $s -Mailbox dst2 -All).Subject | Should -Be @('dst2 1', 'dst2 2')
        Disconnect-Imap -Session $s
    }

    It 'refuses <Command> (Uid: <Uid>) and dst stays selected, in the module and on the server' -TestCases @(
        foreach ($c in 'SELECT INBOX', 'select INBOX', '  Select   INBOX', 'EXAMINE INBOX', 'examine', 'CLOSE', 'close', 'UNSELECT', 'Unselect',
            'LOGOUT', 'logout', 'LOGIN a b', 'AUTHENTICATE PLAIN', 'STARTTLS', 'COMPRESS DEFLATE', 'IDLE', 'idle', 'ENABLE UTF8=ACCEPT',
            'enable QRESYNC', 'UNAUTHENTICATE', 'PROXYAUTH bob', 'NOTIFY NONE', 'LANGUAGE DE', 'COMPARATOR i;octet', 'UID SELECT INBOX', 'uid examine INBOX') {
            @{ Command = $c; Uid = $false }
        }
        @{ Command = 'SELECT'; Uid = $true }
        @{ Command = 'close'; Uid = $true }
    ) {
        param($Command, $Uid)
        if (-not $script:Guarded) {
            $script:Guarded = Connect-ImapTest -Server $Server -Credential (New-ImapTestUser -Server $Server)
            New-ImapMailbox -Session $script:Guarded -Name dst | Out-Null
        }
        $s = $script:Guarded
        Select-ImapMailbox -Session $s -Name dst | Out-Null
        { Invoke-ImapCommand -Session $s -Command $Command -Uid:$Uid -Argument INBOX -ErrorAction Stop } |
            Should -Throw -ErrorId 'CommandNotAllowed,ImapPS.Commands.InvokeImapCommandCommand'
        $s.IsConnected | Should -BeTrue
        $s.SelectedMailbox | Should -Be 'dst'
        $s.Client.SelectedMailbox | Should -Be 'dst'
        # The server agrees: NOOP runs in the selected state, and a UID SEARCH answers for dst (empty).
        (Invoke-ImapCommand -Session $s -Command NOOP).Type | Should -Be 'OK'
        (Invoke-ImapCommand -Session $s -Command 'UID SEARCH' -Argument ALL).Type | Should -Be 'OK'
    }

    It 'still sends harmless commands whatever their case: <Command>' -TestCases @(
        @{ Command = 'noop' }
        @{ Command = 'Capability' }
        @{ Command = 'NAMESPACE' }
    ) {
        param($Command)
        $s = Connect-ImapTest -Server $Server -Credential (New-ImapTestUser -Server $Server)
        (Invoke-ImapCommand -Session $s -Command $Command).Type | Should -Be 'OK'
        Disconnect-Imap -Session $s
    }
}

Describe 'A message with MIME parts nested 2,000 levels deep' {
    It 'is parsed by Get-ImapMessage -Full with the nesting bounded, so writing it back cannot overflow the stack' {
        $depth = 2000
        $text = [System.Text.StringBuilder]::new("From: a@example.com`r`nTo: b@example.com`r`nSubject: deep`r`nMIME-Version: 1.0`r`n")
        foreach ($i in 0..($depth - 1)) { $null = $text.Append("Content-Type: multipart/mixed; boundary=`"b$i`"`r`n`r`n--b$i`r`n") }
        $null = $text.Append("Content-Type: text/plain`r`n`r`nhello`r`n")
        foreach ($i in ($depth - 1)..0) { $null = $text.Append("--b$i--`r`n") }
        $s = Connect-ImapTest -Server $Server -Credential (New-ImapTestUser -Server $Server)
        Add-ImapMessage -Session $s -Mailbox INBOX -Message ([System.Text.Encoding]::ASCII.GetBytes($text.ToString())) | Out-Null
        $m = Get-ImapMessage -Session $s -Mailbox INBOX -All -Full
        $levels = 0
        $entity = $m.Message.Body
        while ($null -ne $entity -and $entity.GetType().FullName -eq 'MimeKit.Multipart' -and $entity.Count -gt 0) { $levels++; $entity = $entity[0] }
        $levels | Should -BeGreaterThan 50
        $levels | Should -BeLessOrEqual 101
        $m.Message.ToString().Length | Should -BeGreaterThan ($text.Length / 2)
        Disconnect-Imap -Session $s
    }
}

Describe 'A SEARCH reply that names a UID twice' {
    It 'Get-ImapMessage -All returns each message once, in UID order, and goes on past the repeated UID' {
        # FetchMessages keeps only the UIDs still to emit; a UID asked for twice (here 2, between 1 and 3)
        # must be passed over at its second place, not waited for.
        $responder = {
            param($tag, $line)
            if ($line -match '^(SELECT|EXAMINE) ') { return "* 3 EXISTS`r`n* OK [UIDVALIDITY 7] ok`r`n* OK [UIDNEXT 4] ok`r`n{tag} OK [READ-WRITE] done`r`n" }
            if ($line -match '^UID SEARCH ') { return "* SEARCH 3 2 1 2`r`n{tag} OK done`r`n" }
            if ($line -match '^UID FETCH ') {
                $out = ''
                foreach ($u in 1..3) { $out += "* $u FETCH (UID $u FLAGS () INTERNALDATE `"01-Jan-2024 00:00:00 +0000`" RFC822.SIZE $(100 + $u) ENVELOPE (NIL `"s$u`" NIL NIL NIL NIL NIL NIL NIL NIL))`r`n" }
                return $out + "{tag} OK done`r`n"
            }
            "{tag} OK done`r`n"
        }
        $server = Start-LoopbackImapServer -Greeting '* PREAUTH [CAPABILITY IMAP4rev1] hi' -Responder $responder
        $session = Connect-Imap -Server 127.0.0.1 -Port $server.Port -Security None -WarningAction SilentlyContinue
        $got = @(Get-ImapMessage -Session $session -Mailbox INBOX -All)
        $got.Uid -join ',' | Should -Be '1,2,3'
        $got.Subject -join ',' | Should -Be 's1,s2,s3'
        $got.Size -join ',' | Should -Be '101,102,103'
        Disconnect-Imap -Session $session
        Wait-LoopbackImapServer $server
    }
}
