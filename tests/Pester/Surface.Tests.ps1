#Requires -Modules Pester
# The everyday surface (issue 16): what leaves the module (JSON, CSV, tables), what tab completion
# offers, and the progress long commands report.

BeforeDiscovery {
    . $PSScriptRoot/TestHelpers.ps1
    $script:OutputTypes = @(Get-Command -Module ImapPS | ForEach-Object { $_.OutputType.Type } |
            Where-Object { $_ -and $_.FullName -like 'ImapPS.*' } | Sort-Object FullName -Unique | ForEach-Object FullName)
}

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    . $PSScriptRoot/ModuleTestHelpers.ps1
    $script:Server = Start-ImapTestServer
    $script:Cred = New-ImapTestUser -Server $Server
    $script:S = Connect-ImapTest -Server $Server -Credential $Cred -Extra @{ Identifier = 'surface-main' }

    # The message under test: a sender without a display name, a Cc list with and without names.
    $raw = "From: nobody@example.com`r`nTo: Team <team@example.com>`r`n" +
        "Cc: Kenji Smith <kenji@example.com>, plain@example.com, =?utf-8?q?M=C3=A1ria_Horv=C3=A1th?= <maria@example.com>`r`n" +
        "Subject: Quarterly numbers`r`nMessage-ID: <surface-1@test.example>`r`nDate: Mon, 06 Jan 2025 10:00:00 +0000`r`n`r`nThe numbers.`r`n"
    $script:Mine = Add-ImapMessage -Session $S -Mailbox INBOX -Message ([Text.Encoding]::UTF8.GetBytes($raw))
    # Another message whose subject and sender must never show up in the first one's output.
    $null = Add-ImapMessage -Session $S -Mailbox INBOX -Message (New-ImapTestMessage -Subject 'Confidential merger plan' -From 'ceo-private@example.org')
    Set-ImapFlag -Session $S -Mailbox INBOX -Uid $Mine.Uid -Add Seen, '$Important' | Out-Null
    # Both messages cross the wire, so the engine's trace and response pool hold the other one.
    $null = Search-ImapMessage -Session $S -Mailbox INBOX
    $null = Get-ImapMessage -Session $S -Mailbox INBOX -All -Full

    $script:OtherData = 'Confidential merger plan', 'ceo-private@example.org'

    function Get-Sample([string]$TypeName) {
        # One real object of each output type, as the cmdlets emit it.
        switch ($TypeName) {
            'ImapPS.ImapMessage' {
                Get-ImapMessage -Session $S -Mailbox INBOX -Uid $Mine.Uid
                Get-ImapMessage -Session $S -Mailbox INBOX -Uid $Mine.Uid -Full -Headers -BodyStructure
            }
            'ImapPS.ImapMailbox' {
                Get-ImapMailbox -Session $S -Name INBOX
                Select-ImapMailbox -Session $S -Name INBOX
            }
            'ImapPS.ImapSession' { $S }
            'ImapPS.ImapIdleEvent' {
                # Events need a second writer while idling; the object's shape is what is tested here.
                $ctor = [ImapPS.ImapIdleEvent].GetConstructors([Reflection.BindingFlags]'NonPublic, Instance')[0]
                $ctor.Invoke(@($S.PSObject.BaseObject, 'INBOX', [uint32]1, [ImapPS.ImapIdleEventKind]::NewMessage))
            }
            'ImapPS.ImapQuota' { Get-ImapQuota -Session $S -Mailbox INBOX }
            'ImapPS.ImapAcl' { Get-ImapAcl -Session $S -Mailbox INBOX }
            'ImapPS.ImapRight' { Get-ImapRight -Session $S -Mailbox INBOX }
            'ImapPS.ImapNamespace' { Get-ImapNamespace -Session $S }
            'ImapPS.ImapMetadataEntry' {
                Set-ImapMetadata -Session $S -Mailbox INBOX -Entry /private/comment -Value 'note'
                Get-ImapMetadata -Session $S -Mailbox INBOX -Entry /private/comment
            }
            'ImapPS.ImapThread' { Get-ImapThread -Session $S -Mailbox INBOX }
            'ImapPS.ImapCommandResult' { Invoke-ImapCommand -Session $S -Command NOOP }
            'ImapPS.ImapExportResult' { Export-ImapMailbox -Session $S -Mailbox INBOX -Format Eml -Destination (Join-Path ([IO.Path]::GetTempPath()) ('imapps-surface-' + [guid]::NewGuid().ToString('N'))) }
            'ImapPS.ImapImportResult' {
                $export = Export-ImapMailbox -Session $S -Mailbox INBOX -Format Eml -Destination (Join-Path ([IO.Path]::GetTempPath()) ('imapps-surface-' + [guid]::NewGuid().ToString('N')))
                Import-ImapMailbox -Session $S -Path $export.Destination -Mailbox SurfaceImport
            }
            'ImapPS.ImapSyncResult' { Sync-ImapMailbox -Source $S -Destination $S -Mailbox INBOX -MapFolder @{ INBOX = 'SurfaceSync' } }
            'ImapPS.ImapAccountSyncResult' {
                $thumbprint = $Server.CertificateThumbprint
                [pscustomobject]@{ SourceServer = $Server.Host; SourcePort = $Server.ImapPort; SourceUser = $Cred.UserName; SourceSecurity = 'StartTls'
                    DestinationServer = $Server.Host; DestinationPort = $Server.ImapPort; DestinationUser = $Cred.UserName; DestinationSecurity = 'StartTls' } |
                    Sync-ImapAccount -SourceCredential { $Cred } -DestinationCredential { $Cred } -Include INBOX -MapFolder @{ INBOX = 'SurfaceAccount' } -CertificateValidation { $_.Thumbprint -eq $thumbprint }
            }
            default { throw "No sample for ${TypeName}: add one to Get-Sample." }
        }
    }
}

AfterAll {
    Get-ImapSession -IncludeClosed | Disconnect-Imap -ErrorAction SilentlyContinue
    $script:Server | Stop-ImapTestServer
}

Describe 'Objects leave the module cleanly' {
    Context 'ConvertTo-Json of <_>' -ForEach $OutputTypes {
        BeforeAll {
            $script:Samples = @(Get-Sample $_)
        }

        It 'serialises at every depth from 1 to 10 without the session, the engine or other messages' {
            $Samples.Count | Should -BeGreaterThan 0
            foreach ($sample in $Samples) {
                foreach ($depth in 1..10) {
                    $json = $sample | ConvertTo-Json -Depth $depth -WarningAction SilentlyContinue -ErrorAction Stop
                    foreach ($secret in $OtherData) { $json | Should -Not -Match ([regex]::Escape($secret)) -Because "depth $depth of $($sample.GetType().Name)" }
                    $json | Should -Not -Match '"(Client|DebugBuffer|Session|Response|Tagged|Untagged|Message|Headers|BodyStructure|Attachments)"\s*:' -Because "depth $depth"
                }
            }
        }

        It 'has no enum-typed public property (serialisers would write numbers)' {
            $type = $_ -as [type]
            $enums = @($type.GetProperties() | Where-Object { $t = $_.PropertyType; ([Nullable]::GetUnderlyingType($t) ?? $t).IsEnum })
            $enums.Name | Should -BeNullOrEmpty
        }
    }

    It 'writes states and kinds as names, and the session as its name' {
        ($S | ConvertTo-Json -Depth 3 | ConvertFrom-Json).State | Should -BeIn 'AUTH', 'SELECTED'
        (Get-Sample 'ImapPS.ImapIdleEvent' | ConvertTo-Json | ConvertFrom-Json).Kind | Should -Be 'NewMessage'
        $json = Get-ImapMessage -Session $S -Mailbox INBOX -Uid $Mine.Uid | ConvertTo-Json -Depth 5 | ConvertFrom-Json
        $json.SessionName | Should -Be 'surface-main'
        $json.Flags | Should -Contain '$Important'
        @($json.Cc).Count | Should -Be 3
        $json.Cc[1].Address | Should -Be 'plain@example.com'
        $json.Cc[2].Name | Should -Be 'Mária Horváth'
    }

    It 'keeps the live session reachable and bound down the pipeline even when another session is the default' {
        $m = Get-ImapMessage -Session $S -Mailbox INBOX -Uid $Mine.Uid
        $m.Session | Should -Be $S
        $S.Client | Should -Not -BeNullOrEmpty
        $other = Connect-ImapTest -Server $Server -Credential (New-ImapTestUser -Server $Server)
        try {
            # $other is now the default; the piped message must still act on its own session.
            $changed = $m | Set-ImapFlag -Add Flagged -PassThru
            $changed.SessionName | Should -Be 'surface-main'
            $changed.IsFlagged | Should -BeTrue
        } finally {
            Disconnect-Imap -Session $other
        }
    }

    It 'exports a message to a flat CSV row that Import-Csv reads back and pipes to the right session' {
        $path = Join-Path $TestDrive 'messages.csv'
        Get-ImapMessage -Session $S -Mailbox INBOX -Uid $Mine.Uid -Full | Export-Csv -Path $path
        $row = Import-Csv -Path $path
        $columns = $row.PSObject.Properties.Name
        foreach ($c in 'Session', 'Message', 'TextBody', 'HtmlBody', 'Attachments', 'Headers', 'BodyStructure') { $columns | Should -Not -Contain $c }
        $row.PSObject.Properties.Value | Where-Object { $_ -match '^(System|MimeKit|ImapPS)\.' } | Should -BeNullOrEmpty
        $row.Flags -split ' ' | Should -Contain '\Seen'
        $row.Flags -split ' ' | Should -Contain '$Important'
        $row.From | Should -Be 'nobody@example.com'
        $row.Cc | Should -Be 'Kenji Smith <kenji@example.com>, plain@example.com, Mária Horváth <maria@example.com>'
        $row.SessionName | Should -Be 'surface-main'

        $other = Connect-ImapTest -Server $Server -Credential (New-ImapTestUser -Server $Server)
        try {
            # The row names its session, mailbox, UIDVALIDITY and UID; the default session is another account.
            $back = $row | Get-ImapMessage
            $back.Subject | Should -Be 'Quarterly numbers'
            $back.SessionName | Should -Be 'surface-main'
            $fromJson = Get-ImapMessage -Session $S -Mailbox INBOX -Uid $Mine.Uid | ConvertTo-Json -Depth 4 | ConvertFrom-Json | Get-ImapMessage
            $fromJson.Subject | Should -Be 'Quarterly numbers'
        } finally {
            Disconnect-Imap -Session $other
        }
    }

    It 'shows addresses as the name, or the address when there is none, in lists and tables' {
        $m = Get-ImapMessage -Session $S -Mailbox INBOX -Uid $Mine.Uid
        $list = $m | Format-List | Out-String -Width 200
        $list | Should -Match 'From\s+: nobody@example\.com'
        $list | Should -Match 'Cc\s+: Kenji Smith, plain@example\.com, Mária Horváth'
        $list | Should -Not -Match '\{\}'
        $list | Should -Not -Match ', ,'
        ($m | Format-Table | Out-String -Width 200) | Should -Match 'nobody@example\.com'
        ($m.Cc | Format-Table | Out-String -Width 200) | Should -Match 'plain@example\.com'
    }

    It 'fills the mailbox table''s counts from LIST-STATUS, and leaves the columns out without it' {
        $table = Get-ImapMailbox -Session $S -Name INBOX | Format-Table | Out-String -Width 200
        $table | Should -Match 'Messages'
        $table | Should -Match 'INBOX\s+2\s'
        $plain = Connect-ImapTest -Server $Server -Credential $Cred -Extra @{ IgnoreCapability = 'LIST-STATUS' }
        try {
            $mailbox = Get-ImapMailbox -Session $plain -Name INBOX
            $mailbox.Messages | Should -BeNullOrEmpty
            ($mailbox | Format-Table | Out-String -Width 200) | Should -Not -Match 'Messages|Unseen'
        } finally {
            Disconnect-Imap -Session $plain
        }
    }

    It 'keeps the count columns for a whole listing whose first row is a \Noselect node' {
        New-ImapMailbox -Session $S -Name 'Nodes/Leaf' | Out-Null
        $null = Add-ImapMessage -Session $S -Mailbox 'Nodes/Leaf' -Message (New-ImapTestMessage -Subject 'counted leaf')
        Invoke-ImapCommand -Session $S -Command DELETE Nodes -ErrorAction SilentlyContinue | Out-Null
        $listing = @(Get-ImapMailbox -Session $S -Name 'Nodes*' | Sort-Object { $_.Name.Length })
        if ($listing.Count -lt 2 -or $listing[0].IsSelectable) {
            Set-ItResult -Skipped -Because 'this Dovecot layout has no \Noselect parent'
            return
        }
        $listing[0].Messages | Should -BeNullOrEmpty
        $table = $listing | Format-Table | Out-String -Width 200
        $table | Should -Match 'Messages'
        $table | Should -Match 'Nodes/Leaf\s+1\s'
    }

    It 'skips \Noselect hierarchy nodes when mailboxes are piped to Search-ImapMessage' {
        New-ImapMailbox -Session $S -Name 'Tree/Leaf' | Out-Null
        $null = Add-ImapMessage -Session $S -Mailbox 'Tree/Leaf' -Message (New-ImapTestMessage -Subject 'in the leaf')
        Invoke-ImapCommand -Session $S -Command DELETE Tree -ErrorAction SilentlyContinue | Out-Null
        $tree = Get-ImapMailbox -Session $S -Name 'Tree*'
        if (@($tree | Where-Object { -not $_.IsSelectable }).Count -eq 0) {
            Set-ItResult -Skipped -Because 'this Dovecot layout has no \Noselect parent'
            return
        }
        $found = @($tree | Search-ImapMessage -ErrorAction Stop)
        $found.Subject | Should -Be 'in the leaf'
        # Named on the command line, the same mailbox is still an error: the caller asked for it.
        { Search-ImapMessage -Session $S -Mailbox Tree -ErrorAction Stop } | Should -Throw
    }
}

Describe 'Completion' {
    BeforeAll {
        function Get-Completion([string]$Line, [switch]$AsInserted) {
            # The values offered (ListItemText); -AsInserted: the text put on the line, quoted where needed.
            $matches = (TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches
            if ($AsInserted) { @($matches.CompletionText) } else { @($matches.ListItemText) }
        }
        Select-ImapMailbox -Session $S -Name INBOX | Out-Null
    }

    It 'completes only keywords for Search-ImapMessage -Keyword' {
        $offered = Get-Completion 'Search-ImapMessage -Session surface-main -Keyword '
        $offered | Should -Contain '$Important'
        $offered | Should -Not -Contain 'Seen'
        $offered | Should -Not -Contain 'Flagged'
        Get-Completion "Search-ImapMessage -Session surface-main -Keyword '`$Imp" -AsInserted | Should -Be "'`$Important'"
    }

    It 'completes system flags and the keywords of the mailbox named on the line for Set-ImapFlag' {
        New-ImapMailbox -Session $S -Name Tagged | Out-Null
        $null = Add-ImapMessage -Session $S -Mailbox Tagged -Message (New-ImapTestMessage) -Flag 'ProjectX'
        Select-ImapMailbox -Session $S -Name Tagged | Out-Null
        Select-ImapMailbox -Session $S -Name INBOX | Out-Null
        $inbox = Get-Completion 'Set-ImapFlag -Session surface-main -Add '
        $inbox | Should -Contain 'Seen'
        $inbox | Should -Contain '$Important'
        $inbox | Should -Not -Contain 'ProjectX'
        Get-Completion 'Set-ImapFlag -Session surface-main -Mailbox Tagged -Add Pro' | Should -Be 'ProjectX'
        Get-Completion 'Search-ImapMessage -Session surface-main -Mailbox Tagged -Keyword ' | Should -Contain 'ProjectX'
    }

    It 'completes session names for Get-ImapSession -Name, Disconnect-Imap -Session and -Session, and -Session takes them' {
        Get-Completion 'Get-ImapSession -Name surf' | Should -Be 'surface-main'
        Get-Completion 'Disconnect-Imap -Session surf' | Should -Be 'surface-main'
        Get-Completion 'Get-ImapMailbox -Session surf' | Should -Be 'surface-main'
        (Get-ImapMailbox -Session surface-main -Name INBOX).SessionName | Should -Be 'surface-main'
        (Get-ImapMailbox -Session $S.Id -Name INBOX).SessionName | Should -Be 'surface-main'
    }

    It 'refuses a session name that names two sessions' {
        $a = Connect-ImapTest -Server $Server -Credential $Cred -Extra @{ Identifier = 'twin' }
        $b = Connect-ImapTest -Server $Server -Credential $Cred -Extra @{ Identifier = 'twin' }
        try {
            { Get-ImapMailbox -Session twin -ErrorAction Stop } | Should -Throw '*Several IMAP sessions are named*'
            { Get-ImapMailbox -Session nosuchsession -ErrorAction Stop } | Should -Throw '*no IMAP session named*'
        } finally {
            Disconnect-Imap -Session $a, $b
        }
    }

    It 'completes mailbox names from the LIST cache for every mailbox parameter' {
        $null = Get-ImapMailbox -Session $S
        foreach ($line in 'Search-ImapMessage -Mailbox Tag', 'Copy-ImapMessage -Destination Tag', 'Get-ImapAcl -Mailbox Tag', 'Invoke-ImapIdle -Mailbox Tag', 'Get-ImapThread -Mailbox Tag') {
            # The session named on the line: the default session is gone once the last one connected was closed.
            $line = $line -replace '^(\S+)', '$1 -Session surface-main'
            Get-Completion $line | Should -Be 'Tagged' -Because $line
        }
    }
}

Describe 'Progress' {
    BeforeAll {
        function Invoke-WithProgress([string]$Script) {
            # A PowerShell of its own, so its progress stream can be read back record by record.
            $ps = [powershell]::Create()
            try {
                $null = $ps.AddCommand('Import-Module').AddParameter('Name', (Join-Path (Get-Module ImapPS).ModuleBase 'ImapPS.psd1')).AddStatement()
                $null = $ps.AddScript($Script).AddArgument($S)
                $output = $ps.Invoke()
                $ps.Streams.Error | Should -BeNullOrEmpty
                [pscustomobject]@{ Output = $output; Progress = @($ps.Streams.Progress) }
            } finally {
                $ps.Dispose()
            }
        }

        function Get-Counts($Records) {
            # "<n> of <total> messages …" or "<n> messages …" → n.
            @($Records | Where-Object RecordType -EQ Processing | ForEach-Object { [int]($_.StatusDescription -replace '^(\d+).*$', '$1') })
        }

        New-ImapMailbox -Session $S -Name Bulk, BulkCopy, Attach | Out-Null
        1..75 | ForEach-Object { Add-ImapMessage -Session $S -Mailbox Bulk -Message (New-ImapTestMessage -Subject "bulk $_") } | Out-Null
        # Doubling by copying the mailbox into itself: 75 → 150 → 300 → 600.
        1..3 | ForEach-Object { Search-ImapMessage -Session $S -Mailbox Bulk -UidOnly | Copy-ImapMessage -Session $S -Mailbox Bulk -Destination Bulk }

        $attachment = "From: a@example.com`r`nSubject: with file`r`nMIME-Version: 1.0`r`nContent-Type: multipart/mixed; boundary=b`r`n`r`n--b`r`nContent-Type: text/plain`r`n`r`nsee file`r`n--b`r`n" +
            "Content-Type: text/plain; name=f.txt`r`nContent-Disposition: attachment; filename=f.txt`r`n`r`nfile body`r`n--b--`r`n"
        1..75 | ForEach-Object { Add-ImapMessage -Session $S -Mailbox Attach -Message ([Text.Encoding]::ASCII.GetBytes($attachment)) } | Out-Null
        Search-ImapMessage -Session $S -Mailbox Attach -UidOnly | Copy-ImapMessage -Session $S -Mailbox Attach -Destination Attach
    }

    It 'Search-ImapMessage reports each record with its own, rising count up to the true total' {
        $run = Invoke-WithProgress 'param($s) Search-ImapMessage -Session $s -Mailbox Bulk | Measure-Object | ForEach-Object Count'
        $run.Output[0] | Should -Be 600
        $counts = Get-Counts $run.Progress
        $counts.Count | Should -BeGreaterThan 2
        for ($i = 1; $i -lt $counts.Count; $i++) { $counts[$i] | Should -BeGreaterThan $counts[$i - 1] }
        $counts[-1] | Should -Be 600
        ($run.Progress | Where-Object RecordType -EQ Processing)[-1].StatusDescription | Should -Match '^600 of 600 '
        $run.Progress[-1].RecordType | Should -Be Completed
    }

    It 'Copy-ImapMessage reports messages copied over the piped batches' {
        $run = Invoke-WithProgress 'param($s) Search-ImapMessage -Session $s -Mailbox Bulk | Copy-ImapMessage -Destination BulkCopy'
        $copying = @($run.Progress | Where-Object ActivityId -EQ ($run.Progress | Where-Object Activity -EQ 'Copy-ImapMessage' | Select-Object -First 1).ActivityId)
        $counts = Get-Counts $copying
        $counts | Should -Be @(500, 600)
        $copying[-1].RecordType | Should -Be Completed
        (Get-ImapMailbox -Session $S -Name BulkCopy -Status).Messages | Should -Be 600
    }

    It 'Save-ImapAttachment reports the messages whose attachments are saved' {
        $dir = Join-Path $TestDrive 'attachments'
        $run = Invoke-WithProgress "param(`$s) `$uids = Search-ImapMessage -Session `$s -Mailbox Attach -UidOnly; Save-ImapAttachment -Session `$s -Mailbox Attach -Uid `$uids -Destination '$dir'"
        $saving = @($run.Progress | Where-Object Activity -EQ 'Save-ImapAttachment')
        $counts = Get-Counts $saving
        $counts.Count | Should -BeGreaterThan 2
        for ($i = 1; $i -lt $counts.Count; $i++) { $counts[$i] | Should -BeGreaterThan $counts[$i - 1] }
        ($saving | Where-Object RecordType -EQ Processing)[-1].StatusDescription | Should -Match '^150 of 150 '
        $saving[-1].RecordType | Should -Be Completed
        # The copies share name and content, so they share one file (Save-ImapAttachment's naming).
        @(Get-ChildItem $dir -File).Count | Should -BeGreaterThan 0
    }
}
