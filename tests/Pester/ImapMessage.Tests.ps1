#Requires -Modules Pester
# Message cmdlets against a private Dovecot: search, get, add, save, flag, copy, move, remove.

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    . $PSScriptRoot/ModuleTestHelpers.ps1
    $script:Server = Start-ImapTestServer
}

AfterAll {
    Get-ImapSession -IncludeClosed | Disconnect-Imap -ErrorAction SilentlyContinue
    $script:Server | Stop-ImapTestServer
}

Describe 'Search-ImapMessage and Get-ImapMessage' {
    BeforeAll {
        $cred = New-ImapTestUser -Server $Server
        $generator = [ImapPS.Testing.MessageGenerator]::new(11)
        $script:Seeded = [Collections.Generic.List[ImapPS.Testing.SeedMessage]]::new($generator.Generate([ImapPS.Testing.MessageProfile]::Small, 200))
        $null = $Server.SeedMaildir($cred.UserName, 'INBOX', $script:Seeded)
        $script:S = Connect-ImapTest -Server $Server -Credential $cred
    }

    It 'returns a summary for every message, in UID order' {
        $all = @(Search-ImapMessage -Session $S -Mailbox INBOX)
        $all.Count | Should -Be 200
        ($all.Uid | Sort-Object) -join ',' | Should -Be ($all.Uid -join ',')
        $all[0].Mailbox | Should -Be 'INBOX'
        $all[0].UidValidity | Should -BeGreaterThan 0
        $all[0].Subject | Should -Be $Seeded[0].Subject
        $all[0].MessageId | Should -Be $Seeded[0].MessageId
        $all[0].Size | Should -Be $Seeded[0].Size
    }

    It 'lists the mailbox for Get-ImapMessage -All with ESEARCH''s compact answer, and still returns every message in UID order' {
        # A plain UID SEARCH ALL answers with one line of every UID (~700 KB for 100,000 messages).
        $output = Get-ImapMessage -Session $S -Mailbox INBOX -All -Verbose 4>&1
        $sent = @($output | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message
        $sent | Where-Object { $_ -match '^\S+ UID SEARCH RETURN \(ALL\) ALL$' } | Should -Not -BeNullOrEmpty -Because 'Dovecot offers ESEARCH'
        $all = @($output | Where-Object { $_ -is [ImapPS.ImapMessage] })
        $all.Count | Should -Be 200
        ($all.Uid | Sort-Object) -join ',' | Should -Be ($all.Uid -join ',')
        ($all.Uid | Select-Object -Unique).Count | Should -Be 200
        $all[0].Subject | Should -Be $Seeded[0].Subject
        $all[199].Subject | Should -Be $Seeded[199].Subject
    }

    It 'filters on the server: -Unseen matches the seeded flags' {
        $expected = @($Seeded | Where-Object { -not $_.HasFlag('\Seen') }).Count
        @(Search-ImapMessage -Session $S -Unseen).Count | Should -Be $expected
        @(Search-ImapMessage -Session $S -Seen:$false).Count | Should -Be $expected
        @(Search-ImapMessage -Session $S -Seen).Count | Should -Be (200 - $expected)
    }

    It 'finds a subject with non-ASCII text (CHARSET UTF-8)' {
        $target = $Seeded | Where-Object { $_.Subject -match '[^\x00-\x7F]' } | Select-Object -First 1
        if (-not $target) { Set-ItResult -Skipped -Because 'the generator made no non-ASCII subject'; return }
        $word = ($target.Subject -split ' ' | Where-Object { $_ -match '[^\x00-\x7F]' } | Select-Object -First 1)
        $found = @(Search-ImapMessage -Session $S -Subject $word)
        $found.MessageId | Should -Contain $target.MessageId
    }

    It 'sorts on the server with -SortBy and limits with -First' {
        $sorted = @(Search-ImapMessage -Session $S -SortBy Size -Descending -First 5)
        $sorted.Count | Should -Be 5
        $sizes = $sorted.Size
        ($sizes | Sort-Object -Descending) -join ',' | Should -Be ($sizes -join ',')
        $sizes[0] | Should -Be (($Seeded | Measure-Object Size -Maximum).Maximum)
    }

    It 'gets messages by UID, from the pipeline, and in full' {
        $m = Get-ImapMessage -Session $S -Mailbox INBOX -Uid 2 -Full
        $m.Uid | Should -Be 2
        $m.Message | Should -Not -BeNullOrEmpty
        $m.Message.MessageId | Should -Be $Seeded[1].MessageId.Trim('<', '>')
        @(Search-ImapMessage -Session $S -Uid '1:3' | Get-ImapMessage).Uid | Should -Be @(1, 2, 3)
    }

    It 'reports a UID that does not exist with MessageNotFound' {
        { Get-ImapMessage -Session $S -Uid 99999 -ErrorAction Stop } | Should -Throw -ErrorId 'MessageNotFound,ImapPS.Commands.GetImapMessageCommand'
    }

    It 'fails with MailboxNotFound for a mailbox that does not exist' {
        { Search-ImapMessage -Session $S -Mailbox 'No/Such' -ErrorAction Stop } | Should -Throw -ErrorId 'MailboxNotFound,ImapPS.Commands.SearchImapMessageCommand'
    }

    It 'returns every message exactly once from 200 parallel Get-ImapMessage calls on one session' {
        $s = $S
        $module = (Get-Module ImapPS).Path
        $results = 1..200 | ForEach-Object -ThrottleLimit 8 -Parallel {
            Import-Module $using:module
            Get-ImapMessage -Session $using:s -Mailbox INBOX -Uid $_
        }
        $results.Count | Should -Be 200
        ($results.Uid | Sort-Object -Unique).Count | Should -Be 200
        foreach ($r in $results) { $r.MessageId | Should -Be $Seeded[$r.Uid - 1].MessageId }
    }

    It 'has the documented parameters' {
        $expected = 'Answered', 'Any', 'Bcc', 'Before', 'Body', 'Cc', 'ChangedSince', 'Deleted', 'Descending', 'Draft', 'First', 'Flagged', 'From', 'Header', 'Keyword', 'Larger',
            'Mailbox', 'Not', 'On', 'Query', 'SavedBefore', 'SavedSince', 'Seen', 'Session', 'Since', 'Smaller', 'SortBy', 'Subject', 'Text', 'To', 'Uid', 'UidOnly', 'Unseen'
        Compare-Object $expected (Get-CmdletParameterName Search-ImapMessage) | Should -BeNullOrEmpty
        Compare-Object @('All', 'BodyStructure', 'ChangedSince', 'Full', 'Headers', 'Mailbox', 'Session', 'TextBody', 'Uid', 'UidValidity') (Get-CmdletParameterName Get-ImapMessage) | Should -BeNullOrEmpty
        (Get-Command Get-ImapMessage).DefaultParameterSet | Should -Be 'Uid'
    }
}

Describe 'Get-ImapMessage over many fetch batches' {
    # The fetch goes out in batches, a few in flight at once (FetchMessages); 1,300 messages make
    # several windows of them, so the order, the completeness and the missing-UID errors are checked
    # across batch boundaries whatever the batch size is.
    BeforeAll {
        $cred = New-ImapTestUser -Server $Server
        $generator = [ImapPS.Testing.MessageGenerator]::new(23)
        $script:Many = [Collections.Generic.List[ImapPS.Testing.SeedMessage]]::new($generator.Generate([ImapPS.Testing.MessageProfile]::Small, 1300))
        $null = $Server.SeedMaildir($cred.UserName, 'INBOX', $script:Many)
        $script:M = Connect-ImapTest -Server $Server -Credential $cred
    }

    It 'returns every message of -All once, in UID order, each with its own summary' {
        $output = Get-ImapMessage -Session $M -Mailbox INBOX -All -Verbose 4>&1
        $fetches = @(@($output | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message | Where-Object { $_ -match '^\S+ UID FETCH ' })
        $fetches.Count | Should -BeGreaterThan 4 -Because 'the messages span more batches than are in flight at once'
        $all = @($output | Where-Object { $_ -is [ImapPS.ImapMessage] })
        $all.Count | Should -Be 1300
        $all.Uid -join ',' | Should -Be ((1..1300) -join ',')
        foreach ($i in 0, 49, 50, 299, 300, 777, 1299) {
            $all[$i].Subject | Should -Be $Many[$i].Subject
            $all[$i].Size | Should -Be $Many[$i].Size
        }
    }

    It 'returns -Uid in the order given across batches and reports each UID that does not exist once, in its place' {
        # Descending, with a UID that does not exist after every 97th one: 1,300 asked, 14 missing.
        $asked = [Collections.Generic.List[uint32]]::new()
        $missing = [Collections.Generic.List[uint32]]::new()
        for ($u = 1300; $u -ge 1; $u--) {
            $asked.Add($u)
            if ($u % 97 -eq 0) { $asked.Add(5000 + $u); $missing.Add(5000 + $u) }
        }
        $errors = $null
        $got = @(Get-ImapMessage -Session $M -Mailbox INBOX -Uid $asked -ErrorVariable errors -ErrorAction SilentlyContinue)
        $got.Count | Should -Be 1300
        $got.Uid -join ',' | Should -Be ((1300..1) -join ',')
        $got[0].Subject | Should -Be $Many[1299].Subject
        $got[1299].Subject | Should -Be $Many[0].Subject
        @($errors).Count | Should -Be $missing.Count
        @($errors | ForEach-Object { $_.FullyQualifiedErrorId }) | Select-Object -Unique | Should -Be 'MessageNotFound,ImapPS.Commands.GetImapMessageCommand'
        @($errors | ForEach-Object { [uint32]$_.TargetObject }) -join ',' | Should -Be ($missing -join ',')
    }
}

Describe 'Add, Save, flags and moves' {
    BeforeAll {
        $cred = New-ImapTestUser -Server $Server
        $script:S = Connect-ImapTest -Server $Server -Credential $cred
        $script:Dir = Join-Path ([IO.Path]::GetTempPath()) ("imapps-test-" + [guid]::NewGuid().ToString('N'))
        New-Item -ItemType Directory -Path $Dir | Out-Null
        New-ImapMailbox -Session $S -Name 'Important', 'Other' | Out-Null
    }
    AfterAll { Remove-Item $Dir -Recurse -Force -ErrorAction SilentlyContinue }

    It 'appends a file byte for byte (bare LF becomes CRLF) and Save-ImapMessage gives the same bytes back' {
        $lf = [Text.Encoding]::UTF8.GetBytes("From: a@example.com`nSubject: LF only`n`nbody line`n")
        $path = Join-Path $Dir 'lf.eml'
        [IO.File]::WriteAllBytes($path, $lf)
        $added = Add-ImapMessage -Session $S -Mailbox INBOX -Path $path -Flag Seen
        $added.Uid | Should -BeGreaterThan 0
        $added.Mailbox | Should -Be 'INBOX'
        $saved = $added | Save-ImapMessage -Destination (Join-Path $Dir 'out') -PassThru
        $expected = [Text.Encoding]::UTF8.GetBytes("From: a@example.com`r`nSubject: LF only`r`n`r`nbody line`r`n")
        [IO.File]::ReadAllBytes($saved.FullName) | Should -Be $expected
    }

    It 'streams a large message to disk unchanged' {
        $body = 'x' * 76
        $lines = 1..4000 | ForEach-Object { "$body $_" }
        $bytes = New-ImapTestMessage -Subject 'Large' -Body ($lines -join "`r`n")
        $added = Add-ImapMessage -Session $S -Mailbox INBOX -Message $bytes
        $file = Join-Path $Dir 'large.eml'
        Save-ImapMessage -Session $S -Mailbox INBOX -Uid $added.Uid -Destination $file
        [IO.File]::ReadAllBytes($file).Length | Should -Be $bytes.Length
        (Get-FileHash $file).Hash | Should -Be (Get-FileHash -InputStream ([IO.MemoryStream]::new($bytes))).Hash
        { Save-ImapMessage -Session $S -Mailbox INBOX -Uid $added.Uid -Destination $file -ErrorAction Stop } | Should -Throw -ErrorId 'FileExists,ImapPS.Commands.SaveImapMessageCommand'
        Save-ImapMessage -Session $S -Mailbox INBOX -Uid $added.Uid -Destination $file -Force -PassThru | Should -Not -BeNullOrEmpty
    }

    It 'finds an appended message by search' {
        $subject = 'Findable ' + [guid]::NewGuid().ToString('N')
        $added = Add-ImapMessage -Session $S -Mailbox INBOX -Message (New-ImapTestMessage -Subject $subject)
        $found = @(Search-ImapMessage -Session $S -Mailbox INBOX -Subject $subject)
        $found.Count | Should -Be 1
        $found[0].Uid | Should -Be $added.Uid
    }

    It 'search -> flag -> move, with counts checked on the server' {
        1..6 | ForEach-Object { Add-ImapMessage -Session $S -Mailbox INBOX -Message (New-ImapTestMessage -Subject "Boss $_" -From 'boss@corp.example') } | Out-Null
        1..3 | ForEach-Object { Add-ImapMessage -Session $S -Mailbox INBOX -Message (New-ImapTestMessage -Subject "Peer $_" -From 'peer@corp.example') } | Out-Null
        $moved = @(Search-ImapMessage -Session $S -Mailbox INBOX -Unseen -From boss | Set-ImapFlag -Add Flagged -PassThru | Move-ImapMessage -Destination Important -PassThru)
        $moved.Count | Should -Be 6
        $important = @(Search-ImapMessage -Session $S -Mailbox Important)
        $important.Count | Should -Be 6
        $important | ForEach-Object { $_.Flags | Should -Contain '\Flagged' }
        @(Search-ImapMessage -Session $S -Mailbox INBOX -From boss).Count | Should -Be 0
        @(Search-ImapMessage -Session $S -Mailbox INBOX -From peer).Count | Should -Be 3
        ($moved.Uid | Sort-Object) -join ',' | Should -Be (($important.Uid | Sort-Object) -join ',')
    }

    It 'replaces and removes flags' {
        $m = Add-ImapMessage -Session $S -Mailbox Other -Message (New-ImapTestMessage) -Flag Seen, '$Work'
        # \Recent belongs to the session and cannot be stored; leave it out of the comparison.
        ($m | Set-ImapFlag -Replace Flagged -PassThru).Flags | Where-Object { $_ -ne '\Recent' } | Should -Be @('\Flagged')
        ($m | Set-ImapFlag -Add Seen -Remove Flagged -PassThru).Flags | Where-Object { $_ -ne '\Recent' } | Should -Be @('\Seen')
        { $m | Set-ImapFlag -Add 'bad flag' } | Should -Throw -ErrorId 'InvalidFlag,ImapPS.Commands.SetImapFlagCommand'
    }

    It '-WhatIf changes nothing' {
        $m = Add-ImapMessage -Session $S -Mailbox Other -Message (New-ImapTestMessage -Subject 'WhatIf')
        $m | Set-ImapFlag -Add Flagged -WhatIf
        $m | Move-ImapMessage -Destination Important -WhatIf
        $m | Remove-ImapMessage -Expunge -WhatIf
        $m | Copy-ImapMessage -Destination Important -WhatIf
        $again = Get-ImapMessage -Session $S -Mailbox Other -Uid $m.Uid
        $again.Flags | Should -Not -Contain '\Flagged'
        $again.Flags | Should -Not -Contain '\Deleted'
    }

    It 'copies and removes exactly the given messages' {
        $a = Add-ImapMessage -Session $S -Mailbox Other -Message (New-ImapTestMessage -Subject 'Copy me')
        $copy = $a | Copy-ImapMessage -Destination Important -PassThru
        $copy.Mailbox | Should -Be 'Important'
        (Get-ImapMessage -Session $S -Mailbox Important -Uid $copy.Uid).Subject | Should -Be 'Copy me'
        $keep = Add-ImapMessage -Session $S -Mailbox Other -Message (New-ImapTestMessage -Subject 'Deleted but kept') -Flag Deleted
        $a | Remove-ImapMessage -Expunge -Confirm:$false
        { Get-ImapMessage -Session $S -Mailbox Other -Uid $a.Uid -ErrorAction Stop } | Should -Throw -ErrorId 'MessageNotFound,ImapPS.Commands.GetImapMessageCommand'
        (Get-ImapMessage -Session $S -Mailbox Other -Uid $keep.Uid).Flags | Should -Contain '\Deleted'
    }

    It 'moves without the MOVE capability and leaves another \Deleted message untouched' {
        $cred2 = New-ImapTestUser -Server $Server
        $noMove = Connect-ImapTest -Server $Server -Credential $cred2 -Extra @{ IgnoreCapability = 'MOVE' }
        $noMove.HasCapability('MOVE') | Should -BeFalse
        New-ImapMailbox -Session $noMove -Name Target | Out-Null
        $bystander = Add-ImapMessage -Session $noMove -Mailbox INBOX -Message (New-ImapTestMessage -Subject 'Bystander') -Flag Deleted
        $mover = Add-ImapMessage -Session $noMove -Mailbox INBOX -Message (New-ImapTestMessage -Subject 'Mover')
        $moved = $mover | Move-ImapMessage -Destination Target -PassThru -Verbose 4>&1
        $sent = ($moved | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message
        $sent | Where-Object { $_ -match "^\S+ UID EXPUNGE $($mover.Uid)$" } | Should -Not -BeNullOrEmpty -Because 'the fallback expunges exactly the moved UID'
        $sent | Where-Object { $_ -match '^\S+ EXPUNGE' } | Should -BeNullOrEmpty -Because 'a bare EXPUNGE would remove the bystander'
        $inbox = @(Get-ImapMessage -Session $noMove -Mailbox INBOX -All)
        $inbox.Uid | Should -Be @($bystander.Uid)
        $inbox[0].Flags | Should -Contain '\Deleted'
        (Search-ImapMessage -Session $noMove -Mailbox Target).Subject | Should -Be 'Mover'
        Disconnect-Imap -Session $noMove
    }

    It 'refuses objects from a deleted and recreated mailbox (UIDVALIDITY guard)' {
        New-ImapMailbox -Session $S -Name Recreated | Out-Null
        $old = Add-ImapMessage -Session $S -Mailbox Recreated -Message (New-ImapTestMessage -Subject 'Old')
        $oldSummary = Get-ImapMessage -Session $S -Mailbox Recreated -Uid $old.Uid
        Remove-ImapMailbox -Session $S -Name Recreated -Confirm:$false
        New-ImapMailbox -Session $S -Name Recreated | Out-Null
        $null = Add-ImapMessage -Session $S -Mailbox Recreated -Message (New-ImapTestMessage -Subject 'New')
        { $oldSummary | Get-ImapMessage -ErrorAction Stop } | Should -Throw -ErrorId 'UidValidityMismatch,ImapPS.Commands.GetImapMessageCommand'
        { $oldSummary | Remove-ImapMessage -Expunge -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'UidValidityMismatch,ImapPS.Commands.RemoveImapMessageCommand'
        (Search-ImapMessage -Session $S -Mailbox Recreated).Subject | Should -Be 'New'
    }

    It 'Save-ImapMessage of an object from a recreated mailbox writes only the UIDVALIDITY error' {
        New-ImapMailbox -Session $S -Name RecreatedSave | Out-Null
        $old = Add-ImapMessage -Session $S -Mailbox RecreatedSave -Message (New-ImapTestMessage -Subject 'Old')
        $oldSummary = Get-ImapMessage -Session $S -Mailbox RecreatedSave -Uid $old.Uid
        Remove-ImapMailbox -Session $S -Name RecreatedSave -Confirm:$false
        New-ImapMailbox -Session $S -Name RecreatedSave | Out-Null
        $out = @($oldSummary | Save-ImapMessage -Destination (Join-Path $Dir 'recreated') -ErrorVariable saveErrors -ErrorAction SilentlyContinue)
        $out | Should -BeNullOrEmpty
        # Nothing was fetched, so no UID is reported missing.
        @($saveErrors).Count | Should -Be 1
        $saveErrors[0].FullyQualifiedErrorId | Should -Be 'UidValidityMismatch,ImapPS.Commands.SaveImapMessageCommand'
        Remove-ImapMailbox -Session $S -Name RecreatedSave -Confirm:$false
    }

    It 'reports a search the server rejects as CommandFailed, also under -Verbose' {
        # Under -Verbose the wait flushes the engine's trace; a failed command must still come out as itself, not wrapped.
        foreach ($verbose in $false, $true) {
            $null = Search-ImapMessage -Session $S -Mailbox INBOX -Query 'NOSUCHSEARCHKEY' -Verbose:$verbose -ErrorVariable searchErrors -ErrorAction SilentlyContinue 4>$null
            @($searchErrors).Count | Should -Be 1
            $searchErrors[0].FullyQualifiedErrorId | Should -Be 'CommandFailed,ImapPS.Commands.SearchImapMessageCommand'
            $searchErrors[0].Exception | Should -BeOfType ([ImapPS.Client.ImapCommandException])
        }
    }

    It 'saves only the attachments, with a collision policy' {
        $g = [ImapPS.Testing.MessageGenerator]::new(5)
        $g.MaxAttachmentBytes = 48KB
        $withAttachment = $g.Generate([ImapPS.Testing.MessageProfile]::Mixed, 60) | Where-Object { $_.AttachmentCount -gt 0 } | Select-Object -First 1
        $m = Add-ImapMessage -Session $S -Mailbox INBOX -Message $withAttachment.Bytes
        $target = Join-Path $Dir 'att'
        $files = @($m | Save-ImapAttachment -Destination $target -PassThru)
        $files.Count | Should -Be $withAttachment.AttachmentCount
        $full = Get-ImapMessage -Session $S -Mailbox INBOX -Uid $m.Uid -Full
        foreach ($a in $full.Attachments) {
            $stream = [IO.MemoryStream]::new()
            $a.Content.DecodeTo($stream)
            $file = $files | Where-Object Name -EQ ([IO.Path]::GetFileName($a.FileName))
            $file | Should -Not -BeNullOrEmpty
            [IO.File]::ReadAllBytes($file.FullName) | Should -Be $stream.ToArray()
        }
        # Saving again finds every file already saved: no error, nothing written.
        @($m | Save-ImapAttachment -Destination $target -PassThru -ErrorAction Stop) | Should -BeNullOrEmpty
        @(Get-ChildItem $target -File).Count | Should -Be $withAttachment.AttachmentCount
    }
}
