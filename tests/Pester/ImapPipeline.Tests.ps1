#Requires -Modules Pester
# Pipeline binding, batching, file naming and error records of the cmdlets (review findings of issue 5).

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    . $PSScriptRoot/ModuleTestHelpers.ps1
    $script:Server = Start-ImapTestServer
    $script:Cred = New-ImapTestUser -Server $Server
    $script:S = Connect-ImapTest -Server $Server -Credential $Cred
    $script:Dir = Join-Path ([IO.Path]::GetTempPath()) ("imapps-pipe-" + [guid]::NewGuid().ToString('N'))
    New-Item -ItemType Directory -Path $Dir | Out-Null

    function Add-Many([string]$Mailbox, [int]$Count, [string]$Prefix = 'm') {
        # One MULTIAPPEND-free loop of APPENDs; returns the new messages.
        1..$Count | ForEach-Object { Add-ImapMessage -Session $S -Mailbox $Mailbox -Message (New-ImapTestMessage -Subject "$Prefix $_") }
    }

    function Get-SentCommand([object[]]$Records, [string]$Pattern) {
        @($Records | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -match $Pattern })
    }
}

AfterAll {
    Get-ImapSession -IncludeClosed | Disconnect-Imap -ErrorAction SilentlyContinue
    $script:Server | Stop-ImapTestServer
    Remove-Item $script:Dir -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Add-ImapMessage binding and streaming' {
    BeforeAll { New-ImapMailbox -Session $S -Name Files | Out-Null }

    It 'binds piped files to -LiteralPath and appends each file as given (bare CR/LF become CRLF)' {
        $src = Join-Path $Dir 'eml'
        New-Item -ItemType Directory -Path $src | Out-Null
        $crlf = New-ImapTestMessage -Subject 'crlf file'
        [IO.File]::WriteAllBytes((Join-Path $src 'crlf.eml'), $crlf)
        [IO.File]::WriteAllBytes((Join-Path $src 'lf.eml'), [Text.Encoding]::UTF8.GetBytes("From: a@example.com`nSubject: lf file`n`nline`rtwo`r`n`n"))
        $added = @(Get-ChildItem (Join-Path $src '*.eml') | Sort-Object Name | Add-ImapMessage -Session $S -Mailbox Files -ErrorAction Stop)
        $added.Count | Should -Be 2
        $out = Join-Path $Dir 'eml-out'
        $saved = @($added | Save-ImapMessage -Destination "$out/" -PassThru)
        $saved.Count | Should -Be 2
        [IO.File]::ReadAllBytes(($saved | Where-Object Name -Like "*_$($added[0].Uid).eml").FullName) | Should -Be $crlf
        $expected = [Text.Encoding]::UTF8.GetBytes("From: a@example.com`r`nSubject: lf file`r`n`r`nline`r`ntwo`r`n`r`n")
        [IO.File]::ReadAllBytes(($saved | Where-Object Name -Like "*_$($added[1].Uid).eml").FullName) | Should -Be $expected
        $added[1].Size | Should -Be $expected.Length
    }

    It 'still takes piped path strings (-Path) and piped byte arrays (-Message)' {
        $p = Join-Path $Dir 'string-path.eml'
        [IO.File]::WriteAllBytes($p, (New-ImapTestMessage -Subject 'by string'))
        ($p | Add-ImapMessage -Session $S -Mailbox Files).Uid | Should -BeGreaterThan 0
        $bytes = New-ImapTestMessage -Subject 'by bytes'
        $m = Write-Output -NoEnumerate $bytes | Add-ImapMessage -Session $S -Mailbox Files
        (Get-ImapMessage -Session $S -Mailbox Files -Uid $m.Uid).Subject | Should -Be 'by bytes'
        $t = Add-ImapMessage -Session $S -Mailbox Files -Message "Subject: as text`r`n`r`nbody`r`n"
        (Get-ImapMessage -Session $S -Mailbox Files -Uid $t.Uid).Subject | Should -Be 'as text'
    }

    It 'streams a large file with bare LF line ends unchanged apart from the line ends' {
        $line = 'y' * 70
        $text = "From: a@example.com`nSubject: big lf`n`n" + ((1..30000 | ForEach-Object { "$line $_" }) -join "`n") + "`n"
        $p = Join-Path $Dir 'big-lf.eml'
        [IO.File]::WriteAllText($p, $text)
        $m = Add-ImapMessage -Session $S -Mailbox Files -LiteralPath $p
        $expected = [Text.Encoding]::UTF8.GetBytes($text.Replace("`n", "`r`n"))
        $m.Size | Should -Be $expected.Length
        $f = Join-Path $Dir 'big-lf-back.eml'
        $m | Save-ImapMessage -Destination $f
        (Get-FileHash $f).Hash | Should -Be (Get-FileHash -InputStream ([IO.MemoryStream]::new($expected))).Hash
    }
    It 'keeps a CRLF split across the 64 KiB read buffer and ends a trailing bare CR with LF' {
        $head = "From: a@example.com`nSubject: boundary`n`n"
        $text = $head + ('a' * (65535 - $head.Length)) + "`r`nnext line`nlast`r"
        $p = Join-Path $Dir 'boundary.eml'
        [IO.File]::WriteAllBytes($p, [Text.Encoding]::ASCII.GetBytes($text))
        [IO.File]::ReadAllBytes($p)[65535] | Should -Be 13
        $m = Add-ImapMessage -Session $S -Mailbox Files -LiteralPath $p
        $expected = [Text.Encoding]::ASCII.GetBytes($head.Replace("`n", "`r`n") + ('a' * (65535 - $head.Length)) + "`r`nnext line`r`nlast`r`n")
        $m.Size | Should -Be $expected.Length
        $f = Join-Path $Dir 'boundary-back.eml'
        $m | Save-ImapMessage -Destination $f
        [IO.File]::ReadAllBytes($f) | Should -Be $expected
    }
}

Describe 'Mailbox objects and UIDs from the pipeline' {
    BeforeAll {
        New-ImapMailbox -Session $S -Name PipeBox | Out-Null
        $script:InPipeBox = @(Add-Many PipeBox 3 'pipebox')
        $null = Add-Many INBOX 1 'inbox'
    }

    It 'Get-ImapMailbox X | Get-ImapMessage -All reads X, not INBOX' {
        $got = @(Get-ImapMailbox -Session $S -Name PipeBox | Get-ImapMessage -All)
        $got.Count | Should -Be 3
        $got.Mailbox | Sort-Object -Unique | Should -Be 'PipeBox'
        # ImapMessage objects still bind their own Mailbox.
        @($got | Get-ImapMessage).Subject | Should -Be @('pipebox 1', 'pipebox 2', 'pipebox 3')
    }

    It 'Remove-ImapMailbox and Add-/Remove-ImapSubscription take piped names and mailbox objects' {
        'SubA', 'SubB' | New-ImapMailbox -Session $S | Out-Null
        'SubA' | Add-ImapSubscription -Session $S
        Get-ImapMailbox -Session $S -Name SubB | Add-ImapSubscription
        (Get-ImapMailbox -Session $S -Subscribed).Name | Should -Contain 'SubA'
        (Get-ImapMailbox -Session $S -Subscribed).Name | Should -Contain 'SubB'
        Get-ImapMailbox -Session $S -Name SubA | Remove-ImapSubscription
        'SubB' | Remove-ImapSubscription -Session $S
        (Get-ImapMailbox -Session $S -Subscribed).Name | Should -Not -Contain 'SubA'
        (Get-ImapMailbox -Session $S -Subscribed).Name | Should -Not -Contain 'SubB'
        'SubA' | Remove-ImapMailbox -Session $S -Confirm:$false
        Get-ImapMailbox -Session $S -Name SubB | Remove-ImapMailbox -Confirm:$false
        @(Get-ImapMailbox -Session $S -Name 'Sub*').Count | Should -Be 0
    }

    It 'Set-ImapFlag, Copy-, Move-, Remove- and Save-ImapMessage take piped UIDs with -Mailbox' {
        New-ImapMailbox -Session $S -Name UidTarget | Out-Null
        $uids = @($InPipeBox.Uid)
        $uids | Set-ImapFlag -Session $S -Mailbox PipeBox -Add Flagged
        @(Search-ImapMessage -Session $S -Mailbox PipeBox -Flagged).Count | Should -Be 3
        $uids[0] | Copy-ImapMessage -Session $S -Mailbox PipeBox -Destination UidTarget
        $uids[1] | Move-ImapMessage -Session $S -Mailbox PipeBox -Destination UidTarget
        @(Search-ImapMessage -Session $S -Mailbox UidTarget).Count | Should -Be 2
        $saved = $uids[0] | Save-ImapMessage -Session $S -Mailbox PipeBox -Destination (Join-Path $Dir 'by-uid.eml') -PassThru
        $saved.Name | Should -Be 'by-uid.eml'
        $uids[2] | Remove-ImapMessage -Session $S -Mailbox PipeBox -Expunge -Confirm:$false
        @(Search-ImapMessage -Session $S -Mailbox PipeBox).Uid | Should -Be @($uids[0])
    }
}

Describe 'Save-ImapMessage and Save-ImapAttachment file names' {
    BeforeAll {
        New-ImapMailbox -Session $S -Name 'Save/One', 'Save/Two' | Out-Null
        $script:One = Add-ImapMessage -Session $S -Mailbox 'Save/One' -Message (New-ImapTestMessage -Subject 'one')
        $script:Two = Add-ImapMessage -Session $S -Mailbox 'Save/Two' -Message (New-ImapTestMessage -Subject 'two')
    }

    It 'writes one piped message to the file named by -Destination' {
        $file = Join-Path $Dir 'single.eml'
        $r = $One | Save-ImapMessage -Destination $file -PassThru
        $r.FullName | Should -Be $file
        Test-Path $file -PathType Leaf | Should -BeTrue
    }

    It 'names files <Mailbox>_<UidValidity>_<Uid>.eml in a folder, so two mailboxes never collide' {
        $One.Uid | Should -Be $Two.Uid
        $folder = Join-Path $Dir 'many'
        New-Item -ItemType Directory -Path $folder | Out-Null
        $files = @($One, $Two | Save-ImapMessage -Destination $folder -PassThru)
        $files.Count | Should -Be 2
        $files[0].Name | Should -Be "Save_One_$($One.UidValidity)_$($One.Uid).eml"
        $files[1].Name | Should -Be "Save_Two_$($Two.UidValidity)_$($Two.Uid).eml"
    }

    It 'refuses a second message for a -Destination that names a file' {
        $file = Join-Path $Dir 'two-into-one.eml'
        $e = $null
        $One, $Two | Save-ImapMessage -Destination $file -ErrorVariable e -ErrorAction SilentlyContinue
        Test-Path $file -PathType Leaf | Should -BeTrue
        $e[0].FullyQualifiedErrorId | Should -Be 'DestinationIsFile,ImapPS.Commands.SaveImapMessageCommand'
    }

    It 'qualifies a name another message took with the UID; -Force replaces only the message''s own file' {
        $make = {
            param($subject)
            $text = "From: a@example.com`r`nSubject: $subject`r`nMIME-Version: 1.0`r`nContent-Type: multipart/mixed; boundary=b`r`n`r`n--b`r`nContent-Type: text/plain`r`n`r`nsee attached`r`n--b`r`nContent-Type: application/octet-stream; name=report.bin`r`nContent-Disposition: attachment; filename=report.bin`r`nContent-Transfer-Encoding: base64`r`n`r`n$([Convert]::ToBase64String([Text.Encoding]::ASCII.GetBytes($subject)))`r`n--b--`r`n"
            Add-ImapMessage -Session $S -Mailbox INBOX -Message $text
        }
        $a = & $make 'first'
        $b = & $make 'second'
        $target = Join-Path $Dir 'att-collide'
        $files = @($a, $b | Save-ImapAttachment -Destination $target -PassThru)
        $files.Name | Should -Be @('report.bin', "report (uid $($b.Uid)).bin")
        Get-Content -Raw $files[0].FullName | Should -Be 'first'
        Get-Content -Raw $files[1].FullName | Should -Be 'second'
        # Again with -Force after A's file was changed: only A's own file is replaced; B's is already saved.
        Set-Content -Path $files[0].FullName -Value 'stale' -NoNewline
        $again = @($a, $b | Save-ImapAttachment -Destination $target -PassThru -Force)
        $again.Name | Should -Be @('report.bin')
        Get-Content -Raw (Join-Path $target 'report.bin') | Should -Be 'first'
        Get-Content -Raw (Join-Path $target "report (uid $($b.Uid)).bin") | Should -Be 'second'
        @(Get-ChildItem $target).Count | Should -Be 2
        # Without -Force a re-run of identical files is quiet; a changed own file is an error, not an overwrite.
        $a, $b | Save-ImapAttachment -Destination $target -ErrorAction Stop
        Set-Content -Path $files[0].FullName -Value 'stale' -NoNewline
        { $a | Save-ImapAttachment -Destination $target -ErrorAction Stop } | Should -Throw -ErrorId 'FileExists,ImapPS.Commands.SaveImapAttachmentCommand'
        Get-Content -Raw (Join-Path $target 'report.bin') | Should -Be 'stale'
    }
}

Describe 'Argument errors and output types' {
    It 'reports an invalid -Keyword as InvalidKeyword' {
        { Search-ImapMessage -Session $S -Keyword 'bad word' -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidKeyword,ImapPS.Commands.SearchImapMessageCommand'
        $err = $null
        try { Search-ImapMessage -Session $S -Keyword 'bad word' -ErrorAction Stop } catch { $err = $_ }
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
    }

    It 'reports a non-numeric -Limit as InvalidQuotaLimit, also with -WhatIf' {
        { Set-ImapQuota -Session $S -Root '' -Limit @{ STORAGE = 'lots' } -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidQuotaLimit,ImapPS.Commands.SetImapQuotaCommand'
        { Set-ImapQuota -Session $S -Root '' -Limit @{ STORAGE = 'lots' } -WhatIf -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidQuotaLimit,ImapPS.Commands.SetImapQuotaCommand'
        $err = $null
        try { Set-ImapQuota -Session $S -Root '' -Limit @{ 'BAD NAME' = 1 } -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -Be 'InvalidQuotaLimit,ImapPS.Commands.SetImapQuotaCommand'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        { Set-ImapQuota -Session $S -Root '' -Limit @{ STORAGE = 1024 } -WhatIf } | Should -Not -Throw
    }

    It 'declares both output types of Search-ImapMessage' {
        (Get-Command Search-ImapMessage).OutputType.Type | Should -Contain ([uint32])
        (Get-Command Search-ImapMessage).OutputType.Type | Should -Contain ([ImapPS.ImapMessage])
    }

    It 'documents Get-ImapMailbox -Name as IMAP patterns, not PowerShell wildcards' {
        (Get-Command Get-ImapMailbox).Parameters['Name'].Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] } | Should -BeNullOrEmpty
        (Get-Help Get-ImapMailbox -Parameter Name).Description.Text -join ' ' | Should -Match '%'
    }
}

Describe 'Session safety' {
    It 'Rename-ImapMailbox of the selected mailbox never expunges (no UNSELECT: EXAMINE then CLOSE)' {
        $cred = New-ImapTestUser -Server $Server
        $s2 = Connect-ImapTest -Server $Server -Credential $cred -Extra @{ IgnoreCapability = 'UNSELECT' }
        $s2.HasCapability('UNSELECT') | Should -BeFalse
        New-ImapMailbox -Session $s2 -Name Keep | Out-Null
        $null = Add-ImapMessage -Session $s2 -Mailbox Keep -Message (New-ImapTestMessage -Subject 'deleted but kept') -Flag Deleted
        Select-ImapMailbox -Session $s2 -Name Keep | Out-Null
        Rename-ImapMailbox -Session $s2 -Name Keep -NewName Kept
        (Get-ImapMailbox -Session $s2 -Name Kept -Status).Messages | Should -Be 1
        New-ImapMailbox -Session $s2 -Name Gone | Out-Null
        Select-ImapMailbox -Session $s2 -Name Gone | Out-Null
        $records = Remove-ImapMailbox -Session $s2 -Name Gone -Confirm:$false -Verbose 4>&1
        (Get-SentCommand $records '^\S+ EXAMINE').Count | Should -Be 1
        Disconnect-Imap -Session $s2
    }

    It 'Invoke-ImapCommand refuses ENABLE' {
        { Invoke-ImapCommand -Session $S -Command ENABLE UTF8=ACCEPT -ErrorAction Stop } | Should -Throw -ErrorId 'CommandNotAllowed,ImapPS.Commands.InvokeImapCommandCommand'
    }

    It 'parallel Move-ImapMessage -PassThru on one session reports each message''s own destination UID' {
        New-ImapMailbox -Session $S -Name 'ParSrc', 'ParDst' | Out-Null
        # The cmdlet reads COPYUID from the MOVE's own responses; engines that leave the untagged
        # OK [COPYUID] in the shared pool cannot tell parallel moves apart.
        $probe = Add-ImapMessage -Session $S -Mailbox ParSrc -Message (New-ImapTestMessage -Subject 'probe')
        $r = Invoke-ImapCommand -Session $S -Command MOVE $probe.Uid ParDst -Uid -Mailbox ParSrc -Exclusive
        if (-not ($r.Untagged | Where-Object { [ImapPS.Client.Protocol.ResponseCodes]::TryGetCopyUid($_, [ref]0, [ref]$null, [ref]$null) })) {
            Set-ItResult -Skipped -Because 'the engine does not yet attach untagged COPYUID responses to the MOVE that caused them'
            return
        }
        $msgs = @(Add-Many ParSrc 24 'par' | ForEach-Object { $_ | Add-Member -NotePropertyName Expected -NotePropertyValue (Get-ImapMessage -Session $S -Mailbox ParSrc -Uid $_.Uid).Subject -PassThru })
        $module = (Get-Module ImapPS).Path
        $s = $S
        $moved = $msgs | ForEach-Object -ThrottleLimit 6 -Parallel {
            Import-Module $using:module
            $m = $_
            $new = $m | Move-ImapMessage -Session $using:s -Destination ParDst -PassThru
            [pscustomobject]@{ Subject = $m.Expected; NewUid = $new.Uid }
        }
        $moved.Count | Should -Be 24
        ($moved.NewUid | Sort-Object -Unique).Count | Should -Be 24
        $byUid = @{}
        Get-ImapMessage -Session $S -Mailbox ParDst -All | ForEach-Object { $byUid[$_.Uid] = $_.Subject }
        foreach ($r in $moved) { $byUid[$r.NewUid] | Should -Be $r.Subject }
    }
}

Describe 'Metadata from the pipeline' {
    It 'pipes Get-ImapMetadata output into Set-ImapMetadata' {
        New-ImapMailbox -Session $S -Name MetaSrc, MetaDst | Out-Null
        Set-ImapMetadata -Session $S -Mailbox MetaSrc -Entry /private/comment -Value 'copied'
        $e = Get-ImapMetadata -Session $S -Mailbox MetaSrc -Entry /private/comment
        $e.Mailbox | Should -Be 'MetaSrc'
        $e.Entry | Should -Be '/private/comment'
        $e | Set-ImapMetadata -Session $S -Value 'changed'
        (Get-ImapMetadata -Session $S -Mailbox MetaSrc -Entry /private/comment).Value | Should -Be 'changed'
        $e | Set-ImapMetadata -Session $S -Mailbox MetaDst
        (Get-ImapMetadata -Session $S -Mailbox MetaDst -Entry /private/comment).Value | Should -Be 'copied'
        (Get-ImapMailbox -Session $S -Name MetaDst | Get-ImapMetadata -Entry /private/comment).Value | Should -Be 'copied'
    }
}

Describe 'Batching piped messages' {
    It 'sends one command per batch of piped messages, not one per message' {
        New-ImapMailbox -Session $S -Name 'Batch', 'BatchDst' | Out-Null
        $msgs = @(Add-Many Batch 12 'batch')
        $records = $msgs | Set-ImapFlag -Add Flagged -PassThru -Verbose 4>&1
        (Get-SentCommand $records '^\S+ UID STORE ').Count | Should -Be 1
        $passed = @($records | Where-Object { $_ -is [ImapPS.ImapMessage] })
        $passed.Count | Should -Be 12
        $passed | ForEach-Object { $_.Flags | Should -Contain '\Flagged' }
        $records = $passed | Copy-ImapMessage -Destination BatchDst -PassThru -Verbose 4>&1
        (Get-SentCommand $records '^\S+ UID COPY ').Count | Should -Be 1
        @($records | Where-Object { $_ -is [ImapPS.ImapMessage] }).Count | Should -Be 12
        $records = $msgs | Save-ImapMessage -Destination (Join-Path $Dir 'batch/') -Verbose 4>&1
        (Get-SentCommand $records '^\S+ UID FETCH ').Count | Should -Be 1
        @(Get-ChildItem (Join-Path $Dir 'batch')).Count | Should -Be 12
        $records = $msgs | Move-ImapMessage -Destination BatchDst -PassThru -Verbose 4>&1
        (Get-SentCommand $records '^\S+ UID MOVE ').Count | Should -Be 1
        @($records | Where-Object { $_ -is [ImapPS.ImapMessage] }).Count | Should -Be 12
        $records = Get-ImapMessage -Session $S -Mailbox BatchDst -All | Remove-ImapMessage -Expunge -Confirm:$false -Verbose 4>&1
        (Get-SentCommand $records '^\S+ UID EXPUNGE ').Count | Should -Be 1
        @(Get-ImapMessage -Session $S -Mailbox BatchDst -All).Count | Should -Be 0
    }

    It 'splits a batch where the mailbox changes and reports a stale UIDVALIDITY for that batch only' {
        New-ImapMailbox -Session $S -Name 'BatchA', 'BatchB' | Out-Null
        $a = @(Add-Many BatchA 2 'a')
        $b = @(Add-Many BatchB 2 'b')
        $stale = $b | Select-Object Session, Mailbox, Uid, @{ n = 'UidValidity'; e = { $_.UidValidity + 1 } }
        $e = $null
        $out = @($a + $stale | Set-ImapFlag -Add Seen -PassThru -ErrorVariable e -ErrorAction SilentlyContinue)
        $out.Count | Should -Be 2
        $out.Mailbox | Sort-Object -Unique | Should -Be 'BatchA'
        $e.Count | Should -Be 1
        $e[0].FullyQualifiedErrorId | Should -Be 'UidValidityMismatch,ImapPS.Commands.SetImapFlagCommand'
        @(Search-ImapMessage -Session $S -Mailbox BatchB -Seen).Count | Should -Be 0
    }
}
