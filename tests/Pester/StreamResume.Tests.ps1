#Requires -Modules Pester
# Issue 15, streams that survive: Get-ImapMessage -All, Save-ImapMessage and Search-ImapMessage on a
# Connect-Imap -Reconnect session, cut by a proxy at fixed FETCH responses (counted over every
# connection, so one proxy cuts one run several times), resume after the last message they wrote:
# each message exactly once. Synchronised on the bytes the proxy relays, never on time.

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    . $PSScriptRoot/ModuleTestHelpers.ps1
    $script:Server = Start-ImapTestServer
    $script:ModulePath = (Get-Module ImapPS).Path
    $script:Fast = @{ Reconnect = $true; ReconnectAttempts = 10000; ReconnectDelay = [timespan]::FromMilliseconds(20); ReconnectGiveUpAfter = [timespan]::FromSeconds(60) }
    $script:Cred = New-ImapTestUser -Server $Server

    function Get-Error([scriptblock]$Script) {
        try { & $Script; return $null } catch { return $_ }
    }

    # The large mailbox: UIDs 1..N in seed order (a fresh maildir). 5,000 by default: on this loaded 2-core machine
    # seeding 20,000 takes about 26 s and Dovecot's first FETCH of their envelopes about 20 s more (its cache is cold);
    # IMAPPS_RESUME_COUNT=20000 runs the issue's figure.
    $script:BigCount = if ($env:IMAPPS_RESUME_COUNT) { [int]$env:IMAPPS_RESUME_COUNT } else { 5000 }
    $seedClock = [Diagnostics.Stopwatch]::StartNew()
    $null = $Server.SeedMaildir($Cred.UserName, 'Big', [ImapPS.Testing.SeedMessage]::Numbered(1, $BigCount, 0, 0))
    Write-Host "Seeded $BigCount messages in $([int]$seedClock.Elapsed.TotalMilliseconds) ms"

    # 500 messages to save: every 50th is 100 KB, so it is streamed to its file as it arrives (above the 64 KiB threshold).
    $script:SaveSeed = [ImapPS.Testing.SeedMessage]::Numbered(1, 500, 50, 100000)
    $null = $Server.SeedMaildir($Cred.UserName, 'ToSave', $SaveSeed)
    $script:Check = Connect-ImapTest -Server $Server -Credential $Cred
}

AfterAll {
    Get-ImapSession -IncludeClosed | Disconnect-Imap -ErrorAction SilentlyContinue
    $script:Server | Stop-ImapTestServer
}

Describe 'Streaming cmdlets on a -Reconnect session resume after a lost connection' {
    It 'Get-ImapMessage -All over the large mailbox, cut three times: every UID exactly once, in order' {
        $expected = @(Search-ImapMessage -Session $Check -Mailbox Big -UidOnly)
        $expected.Count | Should -Be $BigCount
        # Cuts before the 3,001st, 9,001st and 15,001st FETCH response the client would have received (over all its connections).
        $cuts = [int[]]@(([int]($BigCount * 0.15) + 1), ([int]($BigCount * 0.45) + 1), ([int]($BigCount * 0.75) + 1))
        $proxy = [ImapPS.Testing.CuttingProxy]::StartCuttingReplies($Server.Host, $Server.ImapPort, ' FETCH (', $cuts)
        try {
            $s = Connect-Imap -Server $proxy.Host -Port $proxy.Port -Credential $Cred -Security None @Fast -WarningAction SilentlyContinue
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $uids = [System.Collections.Generic.List[uint32]]::new()
            Get-ImapMessage -Session $s -Mailbox Big -All -WarningVariable warned -WarningAction SilentlyContinue | ForEach-Object { $uids.Add($_.Uid) }
            Write-Host "Get-ImapMessage -All of $BigCount messages with $($proxy.CutCount) cuts: $([int]$clock.Elapsed.TotalMilliseconds) ms"
            $proxy.CutCount | Should -Be 3
            $s.ReconnectCount | Should -Be 3
            $uids.Count | Should -Be $BigCount
            # Exactly once and in UID order: the sequence equals the server's UIDs, sorted.
            ($uids -join ',') | Should -BeExactly ($expected -join ',')
            @($warned | Where-Object { "$_" -match 'resumes after the lost connection' }).Count | Should -Be 3
            @($warned | Where-Object { "$_" -match 're-established' }).Count | Should -Be 3
            Disconnect-Imap -Session $s
        }
        finally { $proxy.Dispose() }
    }

    It 'Save-ImapMessage of 500 messages, cut three times inside messages being streamed to disk: each saved once, byte-identical, no partial file' {
        $dir = Join-Path ([IO.Path]::GetTempPath()) ("imapps-resume-" + [guid]::NewGuid().ToString('N'))
        # The 100th, 250th and 400th FETCH responses are 100 KB messages: each cut falls 20,000 bytes into its literal,
        # while the engine writes it to a temporary file. Line 100 is message 100; after a cut the message cut is asked for again, so
        # line 251 is message 250 and line 402 message 400.
        $proxy = [ImapPS.Testing.CuttingProxy]::StartCuttingReplies($Server.Host, $Server.ImapPort, ' FETCH (', [int[]]@(100, 251, 402), 20000)
        try {
            $s = Connect-Imap -Server $proxy.Host -Port $proxy.Port -Credential $Cred -Security None @Fast -WarningAction SilentlyContinue
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $files = @(Save-ImapMessage -Session $s -Mailbox ToSave -Uid (1..500) -Destination "$dir/" -PassThru -WarningVariable warned -WarningAction SilentlyContinue)
            Write-Host "Save-ImapMessage of 500 messages with $($proxy.CutCount) cuts: $([int]$clock.Elapsed.TotalMilliseconds) ms"
            $proxy.CutCount | Should -Be 3
            $s.ReconnectCount | Should -Be 3
            @($warned | Where-Object { "$_" -match 'resumes after the lost connection' }).Count | Should -Be 3
            $files.Count | Should -Be 500
            @($files.Name | Select-Object -Unique).Count | Should -Be 500
            # Nothing else in the folder: no temporary .part file, no second copy of a message.
            $onDisk = @(Get-ChildItem -LiteralPath $dir -Force)
            $onDisk.Count | Should -Be 500
            $uidValidity = (Get-ImapMailbox -Session $Check -Name ToSave -Status).UidValidity
            $sha = [Security.Cryptography.SHA256]::Create()
            $different = @(for ($i = 1; $i -le 500; $i++) {
                $path = Join-Path $dir ("ToSave_{0}_{1}.eml" -f $uidValidity, $i)
                if (-not [IO.File]::Exists($path)) { "UID $i is not saved"; continue }
                $saved = [Convert]::ToHexString($sha.ComputeHash([IO.File]::ReadAllBytes($path)))
                if ($saved -ne [Convert]::ToHexString($sha.ComputeHash($SaveSeed[$i - 1].Bytes))) { "UID $i differs from the server's copy" }
            })
            $different | Should -BeNullOrEmpty
            Disconnect-Imap -Session $s
        }
        finally {
            $proxy.Dispose()
            Remove-Item -LiteralPath $dir -Recurse -Force -ErrorAction SilentlyContinue
        }
    }

    It 'Search-ImapMessage -Descending, cut twice during the fetch of the summaries: each result once, in the order of the search' {
        $top = [Math]::Min(3000, $BigCount)
        $expected = @(Search-ImapMessage -Session $Check -Mailbox Big -Uid "1:$top" -Descending -UidOnly)
        $expected.Count | Should -Be $top
        $proxy = [ImapPS.Testing.CuttingProxy]::StartCuttingReplies($Server.Host, $Server.ImapPort, ' FETCH (', [int[]]@(700, 1900))
        try {
            $s = Connect-Imap -Server $proxy.Host -Port $proxy.Port -Credential $Cred -Security None @Fast -WarningAction SilentlyContinue
            $found = @(Search-ImapMessage -Session $s -Mailbox Big -Uid "1:$top" -Descending -WarningVariable warned -WarningAction SilentlyContinue)
            $proxy.CutCount | Should -Be 2
            $s.ReconnectCount | Should -Be 2
            $found.Count | Should -Be $top
            ($found.Uid -join ',') | Should -BeExactly ($expected -join ',')
            @($warned | Where-Object { "$_" -match 'resumes after the lost connection' }).Count | Should -Be 2
            Disconnect-Imap -Session $s
        }
        finally { $proxy.Dispose() }
    }

    It 'Search-ImapMessage whose SEARCH is cut before its answer sends it again, then streams every result once' {
        $proxy = [ImapPS.Testing.CuttingProxy]::Start($Server.Host, $Server.ImapPort, ' UID SEARCH ', 1, 'BeforeReply')
        try {
            $s = Connect-Imap -Server $proxy.Host -Port $proxy.Port -Credential $Cred -Security None @Fast -WarningAction SilentlyContinue
            $found = @(Search-ImapMessage -Session $s -Mailbox ToSave -Subject 'message 1' -WarningVariable warned -WarningAction SilentlyContinue)
            $proxy.HasCut | Should -BeTrue
            $s.ReconnectCount | Should -Be 1
            "$warned" | Should -Match 'search .* is sent again'
            # message 1, 10..19, 100..199: 111 messages, each once.
            $found.Count | Should -Be 111
            @($found.Uid | Select-Object -Unique).Count | Should -Be 111
            Disconnect-Imap -Session $s
        }
        finally { $proxy.Dispose() }
    }

    It 'a stream cut again and again before any message arrives stops with ReconnectFailed after the policy''s retries' {
        # Every connection is cut before its first FETCH response: no progress, so the policy's MaxOperationRetries (3) bounds it.
        $proxy = [ImapPS.Testing.CuttingProxy]::StartCuttingReplies($Server.Host, $Server.ImapPort, ' FETCH (', [int[]]@(1, 2, 3, 4, 5, 6, 7, 8))
        try {
            $s = Connect-Imap -Server $proxy.Host -Port $proxy.Port -Credential $Cred -Security None @Fast -WarningAction SilentlyContinue
            $s.ReconnectPolicy.MaxOperationRetries | Should -Be 3
            $got = [System.Collections.Generic.List[object]]::new()
            $err = Get-Error { Get-ImapMessage -Session $s -Mailbox ToSave -All -WarningAction SilentlyContinue | ForEach-Object { $got.Add($_) } }
            $err.FullyQualifiedErrorId | Should -BeLike 'ReconnectFailed,*'
            $err.Exception.Message | Should -Match '4 times in a row'
            $proxy.CutCount | Should -Be 4
            $got.Count | Should -Be 0
        }
        finally { $proxy.Dispose() }
    }

    It 'without -Reconnect the same cut ends Get-ImapMessage -All with ConnectionLost, as before' {
        $proxy = [ImapPS.Testing.CuttingProxy]::StartCuttingReplies($Server.Host, $Server.ImapPort, ' FETCH (', [int[]]@(1001))
        try {
            $s = Connect-Imap -Server $proxy.Host -Port $proxy.Port -Credential $Cred -Security None
            $got = [System.Collections.Generic.List[object]]::new()
            $err = Get-Error { Get-ImapMessage -Session $s -Mailbox Big -All | ForEach-Object { $got.Add($_) } }
            $proxy.CutCount | Should -Be 1
            $err.FullyQualifiedErrorId | Should -BeLike 'ConnectionLost,*'
            $got.Count | Should -Be 1000
            $s.IsConnected | Should -BeFalse
        }
        finally { $proxy.Dispose() }
    }

    It 'a UIDVALIDITY changed across the reconnect ends the stream with UidValidityChanged and emits nothing more' {
        $null = $Server.SeedMaildir($Cred.UserName, 'Shifty', [ImapPS.Testing.SeedMessage]::Numbered(1, 300, 0, 0))
        $before = (Get-ImapMailbox -Session $Check -Name Shifty -Status).UidValidity
        $proxy = [ImapPS.Testing.CuttingProxy]::StartCuttingReplies($Server.Host, $Server.ImapPort, ' FETCH (', [int[]]@(101))
        $proxy.HoldAfterCut = $true
        $ps = $null
        try {
            $s = Connect-Imap -Server $proxy.Host -Port $proxy.Port -Credential $Cred -Security None @Fast -WarningAction SilentlyContinue
            # The stream runs in a second runspace, so this one can re-create the mailbox while the proxy holds the reconnect.
            $queue = [System.Collections.Concurrent.BlockingCollection[object]]::new()
            $ps = [powershell]::Create()
            $null = $ps.AddScript('param($m, $s, $q) Import-Module $m; try { Get-ImapMessage -Session $s -Mailbox Shifty -All -WarningAction SilentlyContinue | ForEach-Object { $q.Add($_) } } catch { $_ }').
                AddArgument($ModulePath).AddArgument($s).AddArgument($queue)
            $handle = $ps.BeginInvoke()
            $proxy.WaitForCut([timespan]::FromSeconds(30)) | Should -BeTrue
            Remove-ImapMailbox -Session $Check -Name Shifty -Confirm:$false
            $null = New-ImapMailbox -Session $Check -Name Shifty
            $new = Add-ImapMessage -Session $Check -Mailbox Shifty -Message (New-ImapTestMessage -Subject 'new one')
            $new.UidValidity | Should -Not -Be $before
            $proxy.Release()
            $handle.AsyncWaitHandle.WaitOne([timespan]::FromSeconds(30)) | Should -BeTrue -Because 'the stream ends'
            $result = @($ps.EndInvoke($handle))
            $err = $result | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] }
            $err.FullyQualifiedErrorId | Should -BeLike 'UidValidityChanged,*'
            $err.Exception.Expected | Should -Be $before
            # What came before the cut, once, and nothing after it.
            $emitted = @($queue.ToArray())
            ($emitted.Uid -join ',') | Should -Be ((1..100) -join ',')
            $emitted | ForEach-Object { $_.UidValidity | Should -Be $before }
            # The new mailbox was not touched.
            $now = @(Get-ImapMessage -Session $Check -Mailbox Shifty -All)
            $now.Count | Should -Be 1
            $now[0].Flags | Should -Not -Contain '\Seen'
        }
        finally {
            $proxy.Release()
            $proxy.Dispose()
            if ($ps) { $ps.Dispose() }
        }
    }
}
