#Requires -Modules Pester
# Trust (issue 11): no wrong account, no wrong mailbox, no silent skip, every partial state after a
# cut told. Against a private Dovecot; cuts come from ImapPS.Testing.CuttingProxy in front of it.

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    . $PSScriptRoot/ModuleTestHelpers.ps1
    $script:Server = Start-ImapTestServer
    $script:Dir = Join-Path ([IO.Path]::GetTempPath()) ("imapps-trust-" + [guid]::NewGuid().ToString('N'))
    New-Item -ItemType Directory -Path $Dir | Out-Null

    function Get-SentCommand([object[]]$Records, [string]$Pattern) {
        @($Records | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -match $Pattern })
    }

    function Connect-ThroughProxy([object]$Proxy, [pscredential]$Credential, [hashtable]$Extra = @{}) {
        # Plain IMAP, so the proxy can read the commands; -Identifier keeps the name simple.
        Connect-Imap -Server $Proxy.Host -Port $Proxy.Port -Credential $Credential -Security None @Extra
    }

    function Get-Error([scriptblock]$Script) {
        # The terminating error a script throws, or $null.
        try { & $Script; return $null } catch { return $_ }
    }
}

AfterAll {
    Get-ImapSession -IncludeClosed | Disconnect-Imap -ErrorAction SilentlyContinue
    $script:Server | Stop-ImapTestServer
    Remove-Item $script:Dir -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'The default session never falls back to another account' {
    BeforeAll {
        $script:AliceCred = New-ImapTestUser -Server $Server -Prefix 'alice'
        $script:BobCred = New-ImapTestUser -Server $Server -Prefix 'bob'
    }
    AfterEach { Get-ImapSession -IncludeClosed | Disconnect-Imap -ErrorAction SilentlyContinue }

    It 'fails with NoSession after a failed Connect-Imap, naming it, instead of running on the previous session' {
        $alice = Connect-ImapTest -Server $Server -Credential $AliceCred
        $wrong = [pscredential]::new($BobCred.UserName, (ConvertTo-SecureString 'wrong password' -AsPlainText -Force))
        (Get-Error { Connect-ImapTest -Server $Server -Credential $wrong }).FullyQualifiedErrorId | Should -Be 'AuthenticationFailed,ImapPS.Commands.ConnectImapCommand'

        $err = Get-Error { Get-ImapMailbox -Name INBOX }
        $err.FullyQualifiedErrorId | Should -Be 'NoSession,ImapPS.Commands.GetImapMailboxCommand'
        $err.CategoryInfo.Category | Should -Be 'ConnectionError'
        $err.Exception.Message | Should -BeLike "*last Connect-Imap ($($BobCred.UserName)@*) failed*"
        Get-ImapSession -Default | Should -BeNullOrEmpty
        # Switching is explicit: -Session, or the session piped in.
        (Get-ImapMailbox -Session $alice -Name INBOX).Name | Should -Be 'INBOX'
        ($alice | Get-ImapMailbox -Name INBOX).Name | Should -Be 'INBOX'
    }

    It 'fails with NoSession after Disconnect-Imap of the default instead of picking an older session' {
        $alice = Connect-ImapTest -Server $Server -Credential $AliceCred
        $bob = Connect-ImapTest -Server $Server -Credential $BobCred
        Disconnect-Imap
        $bob.IsConnected | Should -BeFalse
        $alice.IsConnected | Should -BeTrue
        $err = Get-Error { Search-ImapMessage -UidOnly }
        $err.FullyQualifiedErrorId | Should -Be 'NoSession,ImapPS.Commands.SearchImapMessageCommand'
        $err.Exception.Message | Should -BeLike "*'$($bob.Name)' is closed. It was closed with Disconnect-Imap.*"
        # The closed session says so in the user's terms, not the engine's "disposed".
        $err = Get-Error { Get-ImapMailbox -Session $bob }
        $err.FullyQualifiedErrorId | Should -Be 'SessionClosed,ImapPS.Commands.GetImapMailboxCommand'
        $err.Exception.Message | Should -BeLike '*It was closed with Disconnect-Imap.*'
        $err.Exception.Message | Should -Not -BeLike '*disposed*'
    }

    It 'keeps a session as the default when the pipeline downstream stops after taking it' {
        $s = Connect-ImapTest -Server $Server -Credential $AliceCred | Select-Object -First 1
        Get-ImapSession -Default | Should -Be $s
        (Get-ImapMailbox -Name INBOX).Name | Should -Be 'INBOX'
    }

    It 'fails with SessionClosed and the server''s BYE after the server drops the default session' {
        $alice = Connect-ImapTest -Server $Server -Credential $AliceCred
        $bob = Connect-ImapTest -Server $Server -Credential $BobCred
        Select-ImapMailbox -Session $bob -Name INBOX | Out-Null
        # IDLE on bob ends (faults) when the connection drops: the event the test waits for.
        $idle = $bob.Client.IdleAsync([timespan]::FromMinutes(2))
        $null = $Server.Doveadm('kick', $BobCred.UserName)
        try { $null = $idle.Wait([timespan]::FromSeconds(30)) } catch [AggregateException] { }
        $idle.IsFaulted | Should -BeTrue
        $bob.IsConnected | Should -BeFalse

        $err = Get-Error { Get-ImapMailbox -Name INBOX }
        $err.FullyQualifiedErrorId | Should -Be 'SessionClosed,ImapPS.Commands.GetImapMailboxCommand'
        $err.CategoryInfo.Category | Should -Be 'ConnectionError'
        $err.Exception.Message | Should -BeLike "The default IMAP session '$($bob.Name)' is closed. The server*"
        $err.Exception.Message | Should -BeLike '*do not switch to another session*'
        $bob.CloseReason | Should -Not -BeNullOrEmpty
        $alice.IsConnected | Should -BeTrue
        Get-ImapSession -Default | Should -Be $bob
    }
}

Describe 'A piped session binds as the session (README example)' {
    BeforeAll {
        $script:Cred = New-ImapTestUser -Server $Server -Prefix 'readme'
        $script:Setup = Connect-ImapTest -Server $Server -Credential $Cred -Extra @{ Identifier = 'setup' }
        New-ImapMailbox -Session $Setup -Name Important, Decoy | Out-Null
        Add-ImapMessage -Session $Setup -Mailbox Decoy -Message (New-ImapTestMessage -Subject 'decoy') | Out-Null
        foreach ($m in @(
                @{ From = 'boss@example.com'; Subject = 'boss unseen 1' },
                @{ From = 'boss@example.com'; Subject = 'boss unseen 2' },
                @{ From = 'other@example.com'; Subject = 'other unseen' })) {
            Add-ImapMessage -Session $Setup -Mailbox INBOX -Message (New-ImapTestMessage @m) | Out-Null
        }
        Add-ImapMessage -Session $Setup -Mailbox INBOX -Flag Seen -Message (New-ImapTestMessage -From 'boss@example.com' -Subject 'boss seen') | Out-Null
    }

    It 'runs the README''s pipeline as written: Connect-Imap | Search-ImapMessage -Unseen -From boss | Set-ImapFlag | Move-ImapMessage' {
        $thumbprint = $Server.CertificateThumbprint
        Connect-Imap -Server $Server.Host -Port $Server.ImapPort -Credential $Cred -Security StartTls -CertificateValidation { $_.Thumbprint -eq $thumbprint } |
            Search-ImapMessage -Unseen -From boss |
            Set-ImapFlag -Add Flagged -PassThru |
            Move-ImapMessage -Destination Important -ErrorAction Stop

        $moved = @(Search-ImapMessage -Session $Setup -Mailbox Important)
        ($moved.Subject | Sort-Object) | Should -Be @('boss unseen 1', 'boss unseen 2')
        $moved | ForEach-Object { $_.IsFlagged | Should -BeTrue }
        (@(Search-ImapMessage -Session $Setup -Mailbox INBOX).Subject | Sort-Object) | Should -Be @('boss seen', 'other unseen')
    }

    It 'takes a piped session as the session, the mailbox defaulting as documented (<Name>)' -ForEach @(
        @{ Name = 'Search-ImapMessage'; Run = { param($s) @($s | Search-ImapMessage).Subject | Sort-Object }; Expected = @('boss seen', 'other unseen') }
        @{ Name = 'Get-ImapMessage -All'; Run = { param($s) @($s | Get-ImapMessage -All).Subject | Sort-Object }; Expected = @('boss seen', 'other unseen') }
        @{ Name = 'Get-ImapMailbox'; Run = { param($s) @($s | Get-ImapMailbox | Where-Object Name -In 'Decoy', 'Important', 'INBOX').Name | Sort-Object }; Expected = @('Decoy', 'Important', 'INBOX') }
        @{ Name = 'Get-ImapThread'; Run = { param($s) @($s | Get-ImapThread).Count }; Expected = 2 }
    ) {
        # The session is named like a mailbox with other contents: using its name would read that one.
        $s = Connect-ImapTest -Server $Server -Credential $Cred -Extra @{ Identifier = 'Decoy' }
        try {
            & $Run $s | Should -Be $Expected
        }
        finally { Disconnect-Imap -Session $s }
    }

    It 'refuses a piped session where a mailbox name is required, instead of using its name (<Name>)' -ForEach @(
        @{ Name = 'Remove-ImapMailbox'; Run = { param($s) $s | Remove-ImapMailbox -Confirm:$false } }
        @{ Name = 'Select-ImapMailbox'; Run = { param($s) $s | Select-ImapMailbox } }
        @{ Name = 'New-ImapMailbox'; Run = { param($s) $s | New-ImapMailbox } }
        @{ Name = 'Add-ImapMessage'; Run = { param($s) $s | Add-ImapMessage -Mailbox INBOX } }
    ) {
        # The session is named like an existing mailbox: using its name would hit that mailbox.
        New-ImapMailbox -Session $Setup -Name Victim -ErrorAction SilentlyContinue | Out-Null
        $s = Connect-ImapTest -Server $Server -Credential $Cred -Extra @{ Identifier = 'Victim' }
        try {
            $err = Get-Error { & $Run $s }
            $err.FullyQualifiedErrorId | Should -BeLike 'SessionPipedAsValue,*'
            $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
            @(Get-ImapMailbox -Session $Setup -Name Victim).Count | Should -Be 1
        }
        finally { Disconnect-Imap -Session $s }
    }
}

Describe 'Missing UIDs and UID lists' {
    BeforeAll {
        $script:Cred = New-ImapTestUser -Server $Server -Prefix 'uids'
        $script:S = Connect-ImapTest -Server $Server -Credential $Cred
        New-ImapMailbox -Session $S -Name Dest | Out-Null
        function New-Messages([int]$Count) {
            $tag = [guid]::NewGuid().ToString('N').Substring(0, 6)
            1..$Count | ForEach-Object { Add-ImapMessage -Session $S -Mailbox INBOX -Message (New-ImapTestMessage -Subject "uid test $tag $_") }
        }
    }

    It 'Search-ImapMessage -Uid with several values finds any of them' {
        $m = @(New-Messages 3)
        $found = @(Search-ImapMessage -Session $S -Mailbox INBOX -Uid "$($m[0].Uid)", "$($m[2].Uid)" -UidOnly)
        $found | Should -Be @($m[0].Uid, $m[2].Uid)
        @(Search-ImapMessage -Session $S -Mailbox INBOX -Uid "$($m[0].Uid):$($m[1].Uid)", "$($m[2].Uid)").Count | Should -Be 3
    }

    It '<Name> reports each missing UID as MessageNotFound and changes the others, in one batch' -ForEach @(
        @{ Name = 'Set-ImapFlag'; Run = { param($in) $in | Set-ImapFlag -Session $S -Add Flagged -Verbose 4>&1 }; Check = { param($m) (Get-ImapMessage -Session $S -Mailbox INBOX -Uid $m.Uid).IsFlagged } }
        @{ Name = 'Copy-ImapMessage'; Run = { param($in) $in | Copy-ImapMessage -Session $S -Destination Dest -Verbose 4>&1 }; Check = { param($m) @(Search-ImapMessage -Session $S -Mailbox Dest -Subject $m.Subject).Count -eq 1 } }
        @{ Name = 'Move-ImapMessage'; Run = { param($in) $in | Move-ImapMessage -Session $S -Destination Dest -Verbose 4>&1 }; Check = { param($m) @(Search-ImapMessage -Session $S -Mailbox INBOX -Uid "$($m.Uid)").Count -eq 0 } }
        @{ Name = 'Remove-ImapMessage'; Run = { param($in) $in | Remove-ImapMessage -Session $S -Expunge -Confirm:$false -Verbose 4>&1 }; Check = { param($m) @(Search-ImapMessage -Session $S -Mailbox INBOX -Uid "$($m.Uid)").Count -eq 0 } }
    ) {
        # The errors are collected as records (2>&1), whatever preference the test runner has.
        $ErrorActionPreference = 'Continue'
        $m = @(New-Messages 2 | Get-ImapMessage -Session $S)
        $missing = [uint32]($m[-1].Uid + 1000)
        # Two piped messages, then a UID that names no message, all for INBOX: one batch.
        $in = @($m[0]; $m[1]; [pscustomobject]@{ Mailbox = 'INBOX'; Uid = $missing; UidValidity = $m[0].UidValidity })
        $out = & $Run $in 2>&1
        $errors = @($out | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'MessageNotFound,*'
        $errors[0].TargetObject | Should -Be $missing
        $errors[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        (Get-SentCommand $out 'UID SEARCH UID').Count | Should -Be 1
        foreach ($message in $m) { & $Check $message | Should -BeTrue }
    }
}

Describe 'Partial states after a cut are told' {
    BeforeAll {
        $script:Cred = New-ImapTestUser -Server $Server -Prefix 'cut'
        $script:Check = Connect-ImapTest -Server $Server -Credential $Cred -Extra @{ Identifier = 'check' }
    }
    AfterEach { if ($script:Proxy) { $script:Proxy.Dispose(); $script:Proxy = $null } }

    It 'says what the MOVE fallback did when the connection drops at <Step>' -ForEach @(
        @{ Step = 'UID COPY'; Told = '*UID COPY of UIDs * was sent, outcome unknown*not marked \Deleted and not expunged*'; Copied = $null; Deleted = $false; Present = $true }
        @{ Step = 'UID STORE'; Told = '*were copied from*marking the originals \Deleted was sent, outcome unknown; they were not expunged*'; Copied = $true; Deleted = $null; Present = $true }
        @{ Step = 'UID EXPUNGE'; Told = '*were copied from*originals were marked \Deleted; UID EXPUNGE of them was sent, outcome unknown*'; Copied = $true; Deleted = $true; Present = $null }
    ) {
        $source = 'Src' + [guid]::NewGuid().ToString('N').Substring(0, 6)
        $dest = 'Dst' + [guid]::NewGuid().ToString('N').Substring(0, 6)
        New-ImapMailbox -Session $Check -Name $source, $dest | Out-Null
        $subject = "cut at $Step"
        $m = @(1..2 | ForEach-Object { Add-ImapMessage -Session $Check -Mailbox $source -Message (New-ImapTestMessage -Subject $subject) })
        $script:Proxy = [ImapPS.Testing.CuttingProxy]::Start($Server.Host, $Server.ImapPort, " $Step ", 1, 'BeforeCommand')
        $s = Connect-ThroughProxy $Proxy $Cred @{ IgnoreCapability = 'MOVE'; Identifier = 'cut' }

        $err = Get-Error { Move-ImapMessage -Session $s -Mailbox $source -Uid $m.Uid -Destination $dest }
        $Proxy.HasCut | Should -BeTrue
        $err.FullyQualifiedErrorId | Should -Be 'ConnectionLost,ImapPS.Commands.MoveImapMessageCommand'
        $err.Exception.Message | Should -BeLike '*The server closed the connection*'
        $err.Exception.Message | Should -BeLike $Told
        # What the error states as done is what the server holds.
        $inDest = @(Search-ImapMessage -Session $Check -Mailbox $dest -Subject $subject)
        $inSource = @(Search-ImapMessage -Session $Check -Mailbox $source -Subject $subject)
        if ($Copied -eq $true) { $inDest.Count | Should -Be 2 }
        if ($Step -eq 'UID COPY') { $inDest.Count | Should -Be 0 }   # cut before the COPY reached the server
        if ($Present -eq $true) { $inSource.Count | Should -Be 2 }
        if ($Deleted -eq $false) { $inSource | ForEach-Object { $_.IsDeleted | Should -BeFalse } }
        if ($Deleted -eq $true) { @(Search-ImapMessage -Session $Check -Mailbox $source -Subject $subject -Deleted).Count | Should -Be 2 }
    }

    It 'says that a UID MOVE cut before its reply has an unknown outcome, and where the messages may be' {
        $source = 'Src' + [guid]::NewGuid().ToString('N').Substring(0, 6)
        $dest = 'Dst' + [guid]::NewGuid().ToString('N').Substring(0, 6)
        New-ImapMailbox -Session $Check -Name $source, $dest | Out-Null
        $m = @(1..2 | ForEach-Object { Add-ImapMessage -Session $Check -Mailbox $source -Message (New-ImapTestMessage -Subject 'cut at UID MOVE') })
        $script:Proxy = [ImapPS.Testing.CuttingProxy]::Start($Server.Host, $Server.ImapPort, ' UID MOVE ', 1, 'BeforeReply')
        $s = Connect-ThroughProxy $Proxy $Cred @{ Identifier = 'cut' }

        # UIDs, not the objects: messages read on $Check are refused by another session (SessionMismatch).
        $err = Get-Error { Move-ImapMessage -Session $s -Mailbox $source -Uid $m.Uid -Destination $dest }
        $Proxy.HasCut | Should -BeTrue
        $err.FullyQualifiedErrorId | Should -Be 'ConnectionLost,ImapPS.Commands.MoveImapMessageCommand'
        $err.Exception.Message | Should -BeLike "*UID MOVE of UIDs * from '$source' to '$dest' was sent, outcome unknown: each message is in one of the two mailboxes. Check both before retrying.*"
        # The server did move them.
        @(Search-ImapMessage -Session $Check -Mailbox $dest).Count | Should -Be 2
    }

    It 'tags appended messages with their file and tells that the APPEND in flight may have been stored' {
        $box = 'Add' + [guid]::NewGuid().ToString('N').Substring(0, 6)
        New-ImapMailbox -Session $Check -Name $box | Out-Null
        $files = 1..3 | ForEach-Object {
            $p = Join-Path $Dir "add-$box-$_.eml"
            [IO.File]::WriteAllBytes($p, (New-ImapTestMessage -Subject "file $_ of $box"))
            $p
        }
        # Cut after the server stored the second file, before the client sees its OK.
        $script:Proxy = [ImapPS.Testing.CuttingProxy]::Start($Server.Host, $Server.ImapPort, ' APPEND ', 2, 'BeforeReply')
        $s = Connect-ThroughProxy $Proxy $Cred @{ Identifier = 'cut' }

        $added = [System.Collections.Generic.List[object]]::new()
        $err = Get-Error { $files | Add-ImapMessage -Session $s -Mailbox $box | ForEach-Object { $added.Add($_) } }
        $Proxy.HasCut | Should -BeTrue
        $added.Count | Should -Be 1
        $added[0].SourcePath | Should -Be $files[0]
        $err.FullyQualifiedErrorId | Should -Be 'ConnectionLost,ImapPS.Commands.AddImapMessageCommand'
        $err.TargetObject | Should -Be $files[1]
        $err.Exception.Message | Should -BeLike "*1 message was appended before*APPEND of '$($files[1])' to '$box' was sent, outcome unknown: the server may have stored it. Check*"
        # The server did store it: that is why the error must not call it simply failed.
        (@(Search-ImapMessage -Session $Check -Mailbox $box).Subject | Sort-Object) | Should -Be @("file 1 of $box", "file 2 of $box")
    }
}
