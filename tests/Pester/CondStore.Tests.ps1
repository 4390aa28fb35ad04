#Requires -Modules Pester
# CONDSTORE in the cmdlets (issue 15): ImapMessage.ModSeq, HighestModSeq on Select-ImapMailbox,
# -ChangedSince on Get-ImapMessage and Search-ImapMessage, Set-ImapFlag -UnchangedSince; against a
# private Dovecot, and against the scripted loopback server for a server without CONDSTORE and a
# mailbox without mod-sequences.

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    . $PSScriptRoot/ModuleTestHelpers.ps1
    . $PSScriptRoot/LoopbackImapServer.ps1
    $script:Server = Start-ImapTestServer

    function New-CondStoreMailbox([object]$Session, [int]$Count) {
        <# A fresh mailbox with $Count messages; returns its name and their UIDs in order. #>
        $name = 'cs' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        $null = New-ImapMailbox -Session $Session -Name $name
        $uids = foreach ($i in 1..$Count) { (Add-ImapMessage -Session $Session -Mailbox $name -Message (New-ImapTestMessage -Subject "condstore $i")).Uid }
        [pscustomobject]@{ Name = $name; Uids = @($uids) }
    }
}

AfterAll {
    Get-ImapSession -IncludeClosed | Disconnect-Imap -ErrorAction SilentlyContinue
    $script:Server | Stop-ImapTestServer
}

Describe 'CONDSTORE in the cmdlets, against Dovecot' {
    BeforeAll {
        $script:Cred = New-ImapTestUser -Server $Server -Prefix cs
        $script:S = Connect-ImapTest -Server $Server -Credential $Cred
        # A second client of the same account: its changes are the ones a script did not make.
        $script:Other = Connect-ImapTest -Server $Server -Credential $Cred
    }

    It 'gives every message its ModSeq, which grows when its flags change' {
        $mb = New-CondStoreMailbox $S 2
        $before = @(Get-ImapMessage -Session $S -Mailbox $mb.Name -All)
        $before.Count | Should -Be 2
        $before | ForEach-Object { $_.ModSeq | Should -BeGreaterThan 0 }
        $null = Set-ImapFlag -Session $S -Mailbox $mb.Name -Uid $mb.Uids[1] -Add Flagged
        $after = @(Search-ImapMessage -Session $S -Mailbox $mb.Name)
        $after[0].ModSeq | Should -Be $before[0].ModSeq
        $after[1].ModSeq | Should -BeGreaterThan $before[1].ModSeq
        $after[1].ModSeq | Should -BeOfType ([uint64])
    }

    It 'returns HighestModSeq from Select-ImapMailbox on a session that has not used CONDSTORE yet' {
        $mb = New-CondStoreMailbox $Other 2
        # Dovecot reports HIGHESTMODSEQ on SELECT only once CONDSTORE is enabled: a fresh session has not.
        $fresh = Connect-ImapTest -Server $Server -Credential $Cred
        try {
            $selected = Select-ImapMailbox -Session $fresh -Name $mb.Name
            $selected.HighestModSeq | Should -BeGreaterThan 0
            $highest = (@(Get-ImapMessage -Session $fresh -Mailbox $mb.Name -All).ModSeq | Measure-Object -Maximum).Maximum
            $selected.HighestModSeq | Should -Be $highest
            (Get-ImapMailbox -Session $fresh -Name $mb.Name -Status).HighestModSeq | Should -Be $selected.HighestModSeq
        } finally {
            Disconnect-Imap -Session $fresh
        }
    }

    It '-ChangedSince returns exactly the messages changed (by another client) or added since a stored HighestModSeq' {
        $mb = New-CondStoreMailbox $S 5
        $stored = (Select-ImapMailbox -Session $S -Name $mb.Name).HighestModSeq
        $null = Set-ImapFlag -Session $Other -Mailbox $mb.Name -Uid $mb.Uids[1], $mb.Uids[3] -Add Seen
        $added = (Add-ImapMessage -Session $Other -Mailbox $mb.Name -Message (New-ImapTestMessage -Subject 'condstore new')).Uid
        $expected = @($mb.Uids[1], $mb.Uids[3], $added)

        $all = @(Get-ImapMessage -Session $S -Mailbox $mb.Name -All -ChangedSince $stored)
        $all.Uid | Should -Be $expected
        $all | ForEach-Object { $_.ModSeq | Should -BeGreaterThan $stored }

        $errs = $null
        $byUid = @(Get-ImapMessage -Session $S -Mailbox $mb.Name -Uid (@($mb.Uids) + $added + 999999) -ChangedSince $stored -ErrorVariable errs -ErrorAction SilentlyContinue)
        $byUid.Uid | Should -Be $expected
        @($errs).Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'MessageNotFound,*'
        $errs[0].TargetObject | Should -Be 999999

        @(Search-ImapMessage -Session $S -Mailbox $mb.Name -ChangedSince $stored).Uid | Should -Be $expected
        @(Search-ImapMessage -Session $S -Mailbox $mb.Name -ChangedSince $stored -Seen -UidOnly) | Should -Be @($mb.Uids[1], $mb.Uids[3])
        @(Search-ImapMessage -Session $S -Mailbox $mb.Name -ChangedSince 0 -UidOnly).Count | Should -Be 6
        $now = (Select-ImapMailbox -Session $S -Name $mb.Name).HighestModSeq
        @(Get-ImapMessage -Session $S -Mailbox $mb.Name -All -ChangedSince $now).Count | Should -Be 0
    }

    It 'Set-ImapFlag -UnchangedSince leaves a message another client changed meanwhile, reports it as ModifiedSince, and changes the others' {
        $mb = New-CondStoreMailbox $S 3
        $read = @(Get-ImapMessage -Session $S -Mailbox $mb.Name -All)
        $since = ($read.ModSeq | Measure-Object -Maximum).Maximum
        $null = Set-ImapFlag -Session $Other -Mailbox $mb.Name -Uid $mb.Uids[1] -Add Answered

        $errs = $null
        $out = @($read | Set-ImapFlag -Session $S -Add '$Done' -UnchangedSince $since -PassThru -ErrorVariable errs -ErrorAction SilentlyContinue)
        $out.Uid | Should -Be @($mb.Uids[0], $mb.Uids[2])
        $out | ForEach-Object { $_.Flags | Should -Contain '$Done' }
        @($errs).Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'ModifiedSince,*'
        $errs[0].CategoryInfo.Category | Should -Be 'ResourceUnavailable'
        $errs[0].TargetObject | Should -Be $mb.Uids[1]
        $errs[0].Exception.Message | Should -Match "UID $($mb.Uids[1])\b"

        $now = @(Get-ImapMessage -Session $Other -Mailbox $mb.Name -All)
        $now[1].Flags | Should -Not -Contain '$Done'
        $now[1].Flags | Should -Contain '\Answered'
        $now[0].Flags | Should -Contain '$Done'
        $now[2].Flags | Should -Contain '$Done'
    }

    It 'Set-ImapFlag -UnchangedSince -WhatIf changes nothing, and -Add with -Remove is refused' {
        $mb = New-CondStoreMailbox $S 1
        $m = Get-ImapMessage -Session $S -Mailbox $mb.Name -Uid $mb.Uids[0]
        $m | Set-ImapFlag -Session $S -Add Flagged -UnchangedSince $m.ModSeq -WhatIf
        (Get-ImapMessage -Session $S -Mailbox $mb.Name -Uid $mb.Uids[0]).Flags | Should -Not -Contain '\Flagged'
        { $m | Set-ImapFlag -Session $S -Add Flagged -Remove Seen -UnchangedSince $m.ModSeq -ErrorAction Stop } |
            Should -Throw -ErrorId 'UnchangedSinceWithTwoChanges,ImapPS.Commands.SetImapFlagCommand'
    }
}

Describe 'CONDSTORE options on servers and mailboxes without mod-sequences' {
    It 'selects with CONDSTORE''s parameter, so the first Get-ImapMessage learns HIGHESTMODSEQ from the SELECT and sends no STATUS' {
        $responder = {
            param($tag, $line)
            if ($line -match '^(SELECT|EXAMINE) INBOX \(CONDSTORE\)$') { return "* 1 EXISTS`r`n* OK [UIDVALIDITY 7] ok`r`n* OK [UIDNEXT 2] ok`r`n* OK [HIGHESTMODSEQ 12] ok`r`n{tag} OK [READ-ONLY] done`r`n" }
            if ($line -match '^(SELECT|EXAMINE|STATUS) ') { return "{tag} BAD not what this test expects`r`n" }
            if ($line -match '^UID FETCH 1 \(.*MODSEQ\)') { return "* 1 FETCH (UID 1 FLAGS (\Seen) RFC822.SIZE 42 MODSEQ (12))`r`n{tag} OK done`r`n" }
            "{tag} OK done`r`n"
        }
        $server = Start-LoopbackImapServer -Greeting '* PREAUTH [CAPABILITY IMAP4rev1 CONDSTORE] hi' -Responder $responder
        $session = Connect-Imap -Server 127.0.0.1 -Port $server.Port -Security None
        try {
            $m = Get-ImapMessage -Session $session -Mailbox INBOX -Uid 1
            $m.Uid | Should -Be 1
            $m.ModSeq | Should -Be 12
        } finally {
            Disconnect-Imap -Session $session
        }
        Wait-LoopbackImapServer $server
        $server.State.Received | Should -Match '(?m)^\S+ EXAMINE INBOX \(CONDSTORE\)\r$'
        $server.State.Received | Should -Not -Match '(?m)^\S+ STATUS '
    }

    It 'terminates with CondStoreNotSupported on a server without CONDSTORE, sending no search, fetch or store' {
        $responder = {
            param($tag, $line)
            if ($line -match '^(SELECT|EXAMINE) ') { return "* 2 EXISTS`r`n* OK [UIDVALIDITY 7] ok`r`n* OK [UIDNEXT 3] ok`r`n{tag} OK [READ-WRITE] done`r`n" }
            if ($line -match '^UID SEARCH ') { return "* SEARCH 1 2`r`n{tag} OK done`r`n" }
            "{tag} OK done`r`n"
        }
        $server = Start-LoopbackImapServer -Greeting '* PREAUTH [CAPABILITY IMAP4rev1 UIDPLUS] hi' -Responder $responder
        $session = Connect-Imap -Server 127.0.0.1 -Port $server.Port -Security None
        try {
            { Get-ImapMessage -Session $session -Mailbox INBOX -All -ChangedSince 5 } |
                Should -Throw -ErrorId 'CondStoreNotSupported,ImapPS.Commands.GetImapMessageCommand'
            { Get-ImapMessage -Session $session -Mailbox INBOX -Uid 1 -ChangedSince 5 } |
                Should -Throw -ErrorId 'CondStoreNotSupported,ImapPS.Commands.GetImapMessageCommand'
            $err = $null
            try { Search-ImapMessage -Session $session -Mailbox INBOX -ChangedSince 5 } catch { $err = $_ }
            $err.FullyQualifiedErrorId | Should -Be 'CondStoreNotSupported,ImapPS.Commands.SearchImapMessageCommand'
            $err.CategoryInfo.Category | Should -Be 'NotImplemented'
            $err.Exception.Message | Should -Match 'CONDSTORE'
            { Set-ImapFlag -Session $session -Mailbox INBOX -Uid 1 -Add Seen -UnchangedSince 5 } |
                Should -Throw -ErrorId 'CondStoreNotSupported,ImapPS.Commands.SetImapFlagCommand'
        } finally {
            Disconnect-Imap -Session $session
        }
        Wait-LoopbackImapServer $server
        $server.State.Received | Should -Not -Match 'FETCH|STORE|MODSEQ|CHANGEDSINCE'
    }

    It 'terminates with ModSeqNotSupported in a NOMODSEQ mailbox, and reads its messages without MODSEQ' {
        $responder = {
            param($tag, $line)
            if ($line -match '^(SELECT|EXAMINE) ') { return "* 1 EXISTS`r`n* OK [UIDVALIDITY 7] ok`r`n* OK [UIDNEXT 2] ok`r`n* OK [NOMODSEQ] no mod-sequences here`r`n{tag} OK [READ-WRITE] done`r`n" }
            if ($line -match '^UID SEARCH ') { return "* SEARCH 1`r`n{tag} OK done`r`n" }
            if ($line -match '^UID FETCH .*MODSEQ') { return "{tag} BAD NOMODSEQ mailbox`r`n" }
            if ($line -match '^UID FETCH ') { return "* 1 FETCH (UID 1 FLAGS (\Seen) RFC822.SIZE 42)`r`n{tag} OK done`r`n" }
            "{tag} OK done`r`n"
        }
        $server = Start-LoopbackImapServer -Greeting '* PREAUTH [CAPABILITY IMAP4rev1 CONDSTORE ENABLE] hi' -Responder $responder
        $session = Connect-Imap -Server 127.0.0.1 -Port $server.Port -Security None
        try {
            $m = Get-ImapMessage -Session $session -Mailbox INBOX -Uid 1
            $m.Uid | Should -Be 1
            $m.Size | Should -Be 42
            $m.ModSeq | Should -BeNullOrEmpty
            (Select-ImapMailbox -Session $session -Name INBOX).HighestModSeq | Should -BeNullOrEmpty
            $err = $null
            try { Get-ImapMessage -Session $session -Mailbox INBOX -All -ChangedSince 5 } catch { $err = $_ }
            $err.FullyQualifiedErrorId | Should -Be 'ModSeqNotSupported,ImapPS.Commands.GetImapMessageCommand'
            $err.CategoryInfo.Category | Should -Be 'NotImplemented'
            $err.Exception.Message | Should -Match 'NOMODSEQ'
            { Set-ImapFlag -Session $session -Mailbox INBOX -Uid 1 -Add Seen -UnchangedSince 5 } |
                Should -Throw -ErrorId 'ModSeqNotSupported,ImapPS.Commands.SetImapFlagCommand'
        } finally {
            Disconnect-Imap -Session $session
        }
        Wait-LoopbackImapServer $server
        $server.State.Received | Should -Not -Match 'MODSEQ|CHANGEDSINCE|\bSTORE\b' -Because 'the SELECT''s (CONDSTORE) parameter aside, nothing asks for mod-sequences'
    }

    It 'does not take an unsolicited FETCH (UID, FLAGS, MODSEQ of another client''s change) for the answer to its own FETCH' {
        $responder = {
            param($tag, $line)
            if ($line -match '^(SELECT|EXAMINE) ') { return "* 2 EXISTS`r`n* OK [UIDVALIDITY 7] ok`r`n* OK [UIDNEXT 3] ok`r`n* OK [HIGHESTMODSEQ 10] ok`r`n{tag} OK [READ-WRITE] done`r`n" }
            if ($line -match '^UID FETCH ') {
                return "* 2 FETCH (UID 2 FLAGS (\Flagged) MODSEQ (11))`r`n* 1 FETCH (UID 1 FLAGS () RFC822.SIZE 41 MODSEQ (5))`r`n* 2 FETCH (UID 2 FLAGS (\Flagged) RFC822.SIZE 42 MODSEQ (11))`r`n{tag} OK done`r`n"
            }
            "{tag} OK done`r`n"
        }
        $server = Start-LoopbackImapServer -Greeting '* PREAUTH [CAPABILITY IMAP4rev1 CONDSTORE] hi' -Responder $responder
        $session = Connect-Imap -Server 127.0.0.1 -Port $server.Port -Security None
        try {
            $messages = @(Get-ImapMessage -Session $session -Mailbox INBOX -Uid 1, 2)
            $messages.Uid | Should -Be @(1, 2)
            $messages.Size | Should -Be @(41, 42)
            $messages.ModSeq | Should -Be @(5, 11)
        } finally {
            Disconnect-Imap -Session $session
        }
        Wait-LoopbackImapServer $server
    }
}
