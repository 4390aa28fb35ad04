#Requires -Modules Pester
# Issue 15, reconnect: Connect-Imap -Reconnect sessions against a private Dovecot that is killed and
# started again (same ports, same mail), a mailbox re-created behind its back, and a proxy that cuts
# one command. Synchronised on output and on the server's state, never on time.

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    . $PSScriptRoot/ModuleTestHelpers.ps1
    # Its own server: these tests stop it.
    $script:Server = Start-ImapTestServer
    $script:ModulePath = (Get-Module ImapPS).Path
    # Quick retries, so an outage ends within each test's bound; many of them, so the outage never spends the policy.
    $script:Fast = @{ Reconnect = $true; ReconnectAttempts = 10000; ReconnectDelay = [timespan]::FromMilliseconds(20); ReconnectGiveUpAfter = [timespan]::FromSeconds(60) }

    function Start-Idle([object]$Session, [string]$Arguments) {
        # A second runspace runs the watcher, so this one can stop the server meanwhile.
        # Events go through a blocking queue that this runspace takes from with a timeout (waiting on
        # the output collection's DataAdded event can deadlock with the writer).
        $queue = [System.Collections.Concurrent.BlockingCollection[object]]::new()
        $ps = [powershell]::Create()
        $null = $ps.AddScript("param(`$m, `$s, `$q) Import-Module `$m; Invoke-ImapIdle -Session `$s $Arguments | ForEach-Object { `$q.Add(`$_) }").
            AddArgument($ModulePath).AddArgument($Session).AddArgument($queue)
        $handle = $ps.BeginInvoke()
        [pscustomobject]@{ PowerShell = $ps; Handle = $handle; Queue = $queue; Output = [System.Collections.Generic.List[object]]::new() }
    }

    function Wait-IdleOutput([object]$Idle, [int]$Count, [int]$TimeoutSeconds = 20) {
        # Waits on the output collection's DataAdded events until $Count events were written.
        $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
        while ($Idle.Output.Count -lt $Count) {
            $left = $deadline - [DateTime]::UtcNow
            if ($left -le [TimeSpan]::Zero) { break }
            $item = $null
            if ($Idle.Queue.TryTake([ref]$item, $left)) { $Idle.Output.Add($item) }
        }
        # The watcher's streams are read only once it has ended.
        $why = if ($Idle.Handle.IsCompleted) { "it ended; errors: $($Idle.PowerShell.Streams.Error)" } else { 'it is still running' }
        $Idle.Output.Count | Should -BeGreaterOrEqual $Count -Because "the watcher wrote $($Idle.Output.Count) events ($why)"
    }


    function Stop-Idle([object]$Idle, [switch]$Keep) {
        if ($Idle) {
            $null = $Idle.PowerShell.BeginStop($null, $null)
            $Idle.Handle.AsyncWaitHandle.WaitOne([TimeSpan]::FromSeconds(20)) | Should -BeTrue -Because 'the watcher stops like Ctrl+C'
            $item = $null
            while ($Idle.Queue.TryTake([ref]$item)) { $Idle.Output.Add($item) }
            if (-not $Keep) { $Idle.PowerShell.Dispose() }
        }
    }

    function Get-Error([scriptblock]$Script) {
        try { & $Script; return $null } catch { return $_ }
    }

    function New-MaildirMessage([string]$Subject) {
        [ImapPS.Testing.SeedMessage]::new((New-ImapTestMessage -Subject $Subject), $null, $null)
    }
}

AfterAll {
    Get-ImapSession -IncludeClosed | Disconnect-Imap -ErrorAction SilentlyContinue
    $script:Server | Stop-ImapTestServer
}

Describe 'Connect-Imap -Reconnect' {
    It 'makes a session that says it reconnects, with the policy asked for' {
        $cred = New-ImapTestUser -Server $Server
        $s = Connect-ImapTest -Server $Server -Credential $cred -Extra @{ ReconnectAttempts = 7; ReconnectGiveUpAfter = [timespan]'00:02:00' }
        $s.Reconnects | Should -BeTrue
        $s.ReconnectCount | Should -Be 0
        $s.ReconnectPolicy.MaxAttempts | Should -Be 7
        $s.ReconnectPolicy.GiveUpAfter | Should -Be ([timespan]'00:02:00')
        ($s | Out-String) | Should -Match 'Reconnects'
        $plain = Connect-ImapTest -Server $Server -Credential $cred
        $plain.Reconnects | Should -BeFalse
        $plain.ReconnectPolicy | Should -BeNullOrEmpty
        Disconnect-Imap -Session $s, $plain
    }

    It 'refuses an impossible policy' {
        $cred = New-ImapTestUser -Server $Server
        $policy = [ImapPS.Client.ImapReconnectPolicy]@{ Jitter = 3 }
        $err = Get-Error { Connect-ImapTest -Server $Server -Credential $cred -Extra @{ ReconnectPolicy = $policy } }
        $err.FullyQualifiedErrorId | Should -Be 'InvalidReconnectPolicy,ImapPS.Commands.ConnectImapCommand'
    }

    It 'repeats a read cut by the connection and says it reconnected' {
        $cred = New-ImapTestUser -Server $Server
        $proxy = [ImapPS.Testing.CuttingProxy]::Start($Server.Host, $Server.ImapPort, ' GETACL ', 1, 'BeforeReply')
        try {
            $s = Connect-Imap -Server $proxy.Host -Port $proxy.Port -Credential $cred -Security None @Fast -WarningAction SilentlyContinue
            $acl = Get-ImapAcl -Session $s -Mailbox INBOX -WarningVariable warned -WarningAction SilentlyContinue
            $proxy.HasCut | Should -BeTrue
            @($acl).Identifier | Should -Contain $cred.UserName
            $s.ReconnectCount | Should -Be 1
            $s.IsConnected | Should -BeTrue
            "$warned" | Should -Match 're-established after 1 attempt'
            Disconnect-Imap -Session $s
        }
        finally { $proxy.Dispose() }
    }

    It 'an APPEND cut at the moment of sending leaves exactly one message (<Cut>)' -ForEach @(
        @{ Cut = 'BeforeCommand'; FoundAfterLoss = $false }
        @{ Cut = 'BeforeReply'; FoundAfterLoss = $true }
    ) {
        $cred = New-ImapTestUser -Server $Server
        $proxy = [ImapPS.Testing.CuttingProxy]::Start($Server.Host, $Server.ImapPort, ' APPEND ', 1, $Cut)
        try {
            $s = Connect-Imap -Server $proxy.Host -Port $proxy.Port -Credential $cred -Security None @Fast -WarningAction SilentlyContinue
            $added = Add-ImapMessage -Session $s -Mailbox INBOX -Message (New-ImapTestMessage -Subject "cut $Cut") -WarningVariable warned -WarningAction SilentlyContinue
            $proxy.HasCut | Should -BeTrue
            $added.Uid | Should -Not -BeNullOrEmpty
            if ($FoundAfterLoss) { "$warned" | Should -Match 'found there .* not sent again' }
            else { "$warned" | Should -Not -Match 'found there' }
            $check = Connect-ImapTest -Server $Server -Credential $cred
            $inbox = @(Search-ImapMessage -Session $check -Mailbox INBOX -Subject "cut $Cut")
            $inbox.Count | Should -Be 1
            $inbox[0].Uid | Should -Be $added.Uid
            Disconnect-Imap -Session $s, $check
        }
        finally { $proxy.Dispose() }
    }

    It '<Verb>-ImapMessage cut at the moment of sending leaves each message once in the destination (<Cut>)' -ForEach @(
        @{ Verb = 'Copy'; Wire = ' UID COPY '; Cut = 'BeforeCommand'; FoundAfterLoss = $false }
        @{ Verb = 'Copy'; Wire = ' UID COPY '; Cut = 'BeforeReply'; FoundAfterLoss = $true }
        @{ Verb = 'Move'; Wire = ' UID MOVE '; Cut = 'BeforeCommand'; FoundAfterLoss = $false }
        @{ Verb = 'Move'; Wire = ' UID MOVE '; Cut = 'BeforeReply'; FoundAfterLoss = $true }
    ) {
        $cred = New-ImapTestUser -Server $Server
        $seed = Connect-ImapTest -Server $Server -Credential $cred
        New-ImapMailbox -Session $seed -Name Target | Out-Null
        $sent = 1..3 | ForEach-Object { Add-ImapMessage -Session $seed -Mailbox INBOX -Message (New-ImapTestMessage -Subject "$Verb $Cut $_") }
        $proxy = [ImapPS.Testing.CuttingProxy]::Start($Server.Host, $Server.ImapPort, $Wire, 1, $Cut)
        try {
            $s = Connect-Imap -Server $proxy.Host -Port $proxy.Port -Credential $cred -Security None @Fast -WarningAction SilentlyContinue
            $copies = @(& "$Verb-ImapMessage" -Session $s -Mailbox INBOX -Uid $sent.Uid -Destination Target -PassThru -Confirm:$false -Verbose 4>&1 -WarningAction SilentlyContinue)
            $proxy.HasCut | Should -BeTrue
            $said = @($copies | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }) -join "`n"
            $copies = @($copies | Where-Object { $_ -is [ImapPS.ImapMessage] })
            if ($FoundAfterLoss) { $said | Should -Match 'found in ''Target'' afterwards, so it was not sent again' }
            else { $said | Should -Not -Match 'found in ''Target''' }
            $check = Connect-ImapTest -Server $Server -Credential $cred
            $target = @(Get-ImapMessage -Session $check -Mailbox Target -All)
            $target.Count | Should -Be 3 -Because 'each message is in the destination exactly once'
            @($target.Subject | Sort-Object) | Should -Be @(1..3 | ForEach-Object { "$Verb $Cut $_" })
            @($copies.Uid | Sort-Object) | Should -Be @($target.Uid | Sort-Object) -Because '-PassThru names the copies, found or reported'
            $left = @(Get-ImapMessage -Session $check -Mailbox INBOX -All)
            $left.Count | Should -Be ($(if ($Verb -eq 'Move') { 0 } else { 3 }))
            Disconnect-Imap -Session $s, $check, $seed
        }
        finally { $proxy.Dispose() }
    }
}

Describe 'A -Reconnect session across a server restart' {
    It 'Invoke-ImapIdle reports every message delivered while Dovecot was down exactly once, marked IsCatchUp' {
        $cred = New-ImapTestUser -Server $Server
        $watch = Connect-ImapTest -Server $Server -Credential $cred -Extra $Fast
        $writer = Connect-ImapTest -Server $Server -Credential $cred
        Watch-IdleStart $watch
        $idle = Start-Idle $watch '-Mailbox INBOX -Kind NewMessage'
        try {
            # Live first: proves the watcher is idling before the server goes away.
            Wait-IdleStarted -TimeoutSeconds 20
            $first = Add-ImapMessage -Session $writer -Mailbox INBOX -Message (New-ImapTestMessage -Subject 'live')
            Wait-IdleOutput $idle 1
            $idle.Output[0].Uid | Should -Be $first.Uid
            $idle.Output[0].IsCatchUp | Should -BeFalse

            $Server.StopKeepingMail()
            try { $Server.DeliverToMaildir($cred.UserName, 'INBOX', [ImapPS.Testing.SeedMessage[]](1..10 | ForEach-Object { New-MaildirMessage "gap $_" })) | Should -Be 10 }
            finally { $Server.StartAgain() }

            Wait-IdleOutput $idle 11
            $caught = @($idle.Output | Select-Object -Skip 1)
            $caught.Count | Should -Be 10
            $caught | ForEach-Object { $_.Kind | Should -Be 'NewMessage'; $_.IsCatchUp | Should -BeTrue }

            # A sentinel after the catch-up: the next event must be it, so nothing from the gap came twice.
            $check = Connect-ImapTest -Server $Server -Credential $cred
            $last = Add-ImapMessage -Session $check -Mailbox INBOX -Message (New-ImapTestMessage -Subject 'after')
            Wait-IdleOutput $idle 12
            $idle.Output[11].Uid | Should -Be $last.Uid
            $idle.Output[11].IsCatchUp | Should -BeFalse
            $uids = @($idle.Output.Uid)
            @($uids | Select-Object -Unique).Count | Should -Be 12
            $onServer = @(Search-ImapMessage -Session $check -Mailbox INBOX | ForEach-Object Uid | Sort-Object)
            $onServer | Should -Be @($uids | Sort-Object)
            $watch.ReconnectCount | Should -Be 1
        }
        finally {
            if (-not $Server.IsRunning) { $Server.StartAgain() }
            Stop-Idle $idle -Keep
        }
        $idle.Output.Count | Should -Be 12
        @($idle.PowerShell.Streams.Warning.Message) -join "`n" | Should -Match 're-established'
        $idle.PowerShell.Streams.Error | Should -BeNullOrEmpty
        $idle.PowerShell.Dispose()
    }

    It 'Invoke-ImapIdle also reports the flag changes and expunges made while Dovecot was down (QRESYNC), each once, marked IsCatchUp' {
        $cred = New-ImapTestUser -Server $Server
        $writer = Connect-ImapTest -Server $Server -Credential $cred
        $before = @(1..6 | ForEach-Object { (Add-ImapMessage -Session $writer -Mailbox INBOX -Message (New-ImapTestMessage -Subject "before $_")).Uid })
        $watch = Connect-ImapTest -Server $Server -Credential $cred -Extra $Fast
        $watch.Client.Capabilities | Should -Contain 'QRESYNC'
        Watch-IdleStart $watch
        $idle = Start-Idle $watch '-Mailbox INBOX'
        try {
            # Live first: proves the watcher is idling before the server goes away.
            Wait-IdleStarted -TimeoutSeconds 20
            $first = Add-ImapMessage -Session $writer -Mailbox INBOX -Message (New-ImapTestMessage -Subject 'live')
            Wait-IdleOutput $idle 1
            $idle.Output[0].Kind | Should -Be 'NewMessage'
            $idle.Output[0].Uid | Should -Be $first.Uid
            $idle.Output[0].IsCatchUp | Should -BeFalse

            # Down: 10 deliveries; UIDs 2 and 3 of those before get flags, 4 and 5 are deleted, all in the maildir.
            $Server.StopKeepingMail()
            try {
                $Server.DeliverToMaildir($cred.UserName, 'INBOX', [ImapPS.Testing.SeedMessage[]](1..10 | ForEach-Object { New-MaildirMessage "gap $_" })) | Should -Be 10
                $Server.SetMaildirFlags($cred.UserName, 'INBOX', $before[1], 'F')
                $Server.SetMaildirFlags($cred.UserName, 'INBOX', $before[2], 'RS')
                $Server.RemoveFromMaildir($cred.UserName, 'INBOX', $before[3])
                $Server.RemoveFromMaildir($cred.UserName, 'INBOX', $before[4])
            }
            finally { $Server.StartAgain() }

            Wait-IdleOutput $idle 15
            $caught = @($idle.Output | Select-Object -Skip 1)
            $caught.Count | Should -Be 14
            $caught | ForEach-Object { $_.IsCatchUp | Should -BeTrue -Because "$($_.Kind) UID $($_.Uid) happened during the outage" }
            @($caught | Where-Object Kind -eq 'Expunged' | ForEach-Object Uid) | Should -Be @($before[3], $before[4])
            $flagged = @($caught | Where-Object Kind -eq 'FlagsChanged')
            @($flagged.Uid) | Should -Be @($before[1], $before[2])
            # \Recent belongs to the session (the first one after the restart sees these as recent), not to the change.
            @($flagged[0].Flags | Where-Object { $_ -ne '\Recent' }) | Should -Be @('\Flagged')
            @($flagged[1].Flags | Where-Object { $_ -ne '\Recent' } | Sort-Object) | Should -Be @('\Answered', '\Seen')
            $new = @($caught | Where-Object Kind -eq 'NewMessage' | ForEach-Object Uid)
            $new.Count | Should -Be 10
            $new | Should -Be @($new | Sort-Object)
            $new | ForEach-Object { $_ | Should -BeGreaterThan $first.Uid }

            # A sentinel after the catch-up: the next event must be it, so nothing from the gap came twice.
            $check = Connect-ImapTest -Server $Server -Credential $cred
            $last = Add-ImapMessage -Session $check -Mailbox INBOX -Message (New-ImapTestMessage -Subject 'after')
            Wait-IdleOutput $idle 16
            $idle.Output[15].Kind | Should -Be 'NewMessage'
            $idle.Output[15].Uid | Should -Be $last.Uid
            $idle.Output[15].IsCatchUp | Should -BeFalse
            $onServer = @(Search-ImapMessage -Session $check -Mailbox INBOX | ForEach-Object Uid | Sort-Object)
            $onServer | Should -Be @(@($before[0], $before[1], $before[2], $before[5], $first.Uid) + $new + $last.Uid)
            $watch.ReconnectCount | Should -Be 1
        }
        finally {
            if (-not $Server.IsRunning) { $Server.StartAgain() }
            Stop-Idle $idle -Keep
        }
        $idle.Output.Count | Should -Be 16
        @($idle.PowerShell.Streams.Warning.Message) -join "`n" | Should -Match 're-established'
        $idle.PowerShell.Streams.Error | Should -BeNullOrEmpty
        $idle.PowerShell.Dispose()
    }

    It 'Invoke-ImapIdle on a -Reconnect session reports a live expunge by UID (VANISHED: QRESYNC is on) and still every message after it' {
        $cred = New-ImapTestUser -Server $Server
        $writer = Connect-ImapTest -Server $Server -Credential $cred
        $old = @(1..3 | ForEach-Object { (Add-ImapMessage -Session $writer -Mailbox INBOX -Message (New-ImapTestMessage -Subject "old $_")).Uid })
        $watch = Connect-ImapTest -Server $Server -Credential $cred -Extra $Fast
        Watch-IdleStart $watch
        $idle = Start-Idle $watch '-Mailbox INBOX -Kind NewMessage, Expunged'
        try {
            Wait-IdleStarted -TimeoutSeconds 20
            # The watcher enabled QRESYNC for its catch-up: the server now reports expunges as VANISHED (UIDs), not EXPUNGE.
            $watch.Client.IsEnabled('QRESYNC') | Should -BeTrue
            Remove-ImapMessage -Session $writer -Mailbox INBOX -Uid $old[1] -Expunge -Confirm:$false
            Wait-IdleOutput $idle 1
            $idle.Output[0].Kind | Should -Be 'Expunged'
            $idle.Output[0].Uid | Should -Be $old[1]
            $idle.Output[0].MessageCount | Should -Be 2
            # Three messages again: the count the server reports is the one before the expunge, and the new message must still be seen.
            $new = Add-ImapMessage -Session $writer -Mailbox INBOX -Message (New-ImapTestMessage -Subject 'after the expunge')
            Wait-IdleOutput $idle 2
            $idle.Output[1].Kind | Should -Be 'NewMessage'
            $idle.Output[1].Uid | Should -Be $new.Uid
            $idle.Output[1].IsCatchUp | Should -BeFalse
            # And the one after it, at a count never seen before.
            $next = Add-ImapMessage -Session $writer -Mailbox INBOX -Message (New-ImapTestMessage -Subject 'next')
            Wait-IdleOutput $idle 3
            $idle.Output[2].Uid | Should -Be $next.Uid
        }
        finally { Stop-Idle $idle -Keep }
        $idle.Output.Count | Should -Be 3
        $idle.PowerShell.Streams.Error | Should -BeNullOrEmpty
        $idle.PowerShell.Dispose()
    }

    It 'stops with UidValidityChanged, touching nothing, when the selected mailbox was re-created meanwhile' {
        $cred = New-ImapTestUser -Server $Server
        $s = Connect-ImapTest -Server $Server -Credential $cred -Extra $Fast
        $null = New-ImapMailbox -Session $s -Name Watched
        $old = Add-ImapMessage -Session $s -Mailbox Watched -Message (New-ImapTestMessage -Subject 'old')
        $null = Select-ImapMailbox -Session $s -Name Watched
        $Server.StopKeepingMail()
        try {
            $Server.RecreateMaildirFolder($cred.UserName, 'Watched')
            $null = $Server.DeliverToMaildir($cred.UserName, 'Watched', [ImapPS.Testing.SeedMessage[]]@(New-MaildirMessage 'new'))
        }
        finally { $Server.StartAgain() }

        # What the job would do next with the UID it holds.
        $err = Get-Error { Set-ImapFlag -Session $s -Mailbox Watched -Uid $old.Uid -Add Deleted -WarningAction SilentlyContinue }
        $err.FullyQualifiedErrorId | Should -BeLike 'UidValidityChanged,*'
        $err.Exception | Should -BeOfType ([ImapPS.Client.ImapUidValidityChangedException])
        $err.Exception.Expected | Should -Be $old.UidValidity
        $check = Connect-ImapTest -Server $Server -Credential $cred
        $now = @(Get-ImapMessage -Session $check -Mailbox Watched -All)
        $now.Count | Should -Be 1
        $now[0].Subject | Should -Be 'new'
        $now[0].Flags | Should -Not -Contain '\Deleted'
        $now[0].UidValidity | Should -Not -Be $old.UidValidity
        Disconnect-Imap -Session $s, $check
    }
}

Describe 'Connect-Imap -AccessTokenProvider' {
    BeforeAll {
        . $PSScriptRoot/LoopbackImapServer.ps1
        $script:OAuthGreeting = '* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=XOAUTH2] ready'
        function Get-SentTokens([object]$Loopback) {
            # XOAUTH2's initial response: base64 of "user=…^Aauth=Bearer <token>^A^A".
            foreach ($m in [regex]::Matches($Loopback.State.Received, 'AUTHENTICATE XOAUTH2 (\S+)')) {
                $decoded = [System.Text.Encoding]::ASCII.GetString([Convert]::FromBase64String($m.Groups[1].Value))
                ($decoded -split "`u{1}" | Where-Object { $_ -like 'auth=Bearer *' }) -replace '^auth=Bearer ', ''
            }
        }
    }

    It 'asks the script block for a fresh token at the first connect and again at each reconnect, in the caller''s runspace' {
        $loopback = Start-LoopbackImapServer -Connections 2 -Greeting $OAuthGreeting -Responder {
            param($tag, $line, $connection)
            if ($line -match '^AUTHENTICATE XOAUTH2 ') { "{tag} OK authenticated`r`n" }
            elseif ($line -match '^NOOP' -and $connection -eq 1) { '{close}' }
            else { "{tag} OK done`r`n" }
        }
        # The script block reads and changes the caller's variables: it runs in this runspace, not a copy.
        $script:tokensIssued = 0
        $s = Connect-Imap -Server 127.0.0.1 -Port $loopback.Port -Security None -UserName jobs@example.com -AccessTokenProvider { $script:tokensIssued++; "token-$script:tokensIssued" } `
            -Reconnect -ReconnectDelay 00:00:00.02 -WarningAction SilentlyContinue
        $script:tokensIssued | Should -Be 1
        # The server cuts the connection at this NOOP; the next command reconnects with a new token.
        $cut = try { Invoke-ImapCommand -Session $s -Command NOOP; $null } catch { $_ }
        $cut.FullyQualifiedErrorId | Should -Match '^ConnectionLost'
        (Invoke-ImapCommand -Session $s -Command NOOP -WarningVariable reconnected -WarningAction SilentlyContinue).IsOk | Should -BeTrue
        "$reconnected" | Should -Match 're-established'
        $script:tokensIssued | Should -Be 2
        Disconnect-Imap -Session $s
        Wait-LoopbackImapServer $loopback
        @(Get-SentTokens $loopback) | Should -Be @('token-1', 'token-2')
    }

    It 'fails the connect with AccessTokenProviderFailed when the script block <Case>, and sends no token' -ForEach @(
        @{ Case = 'throws'; Script = { throw 'the identity provider is down' }; Says = 'identity provider is down' }
        @{ Case = 'returns nothing'; Script = { $null }; Says = 'returned no token' }
        @{ Case = 'returns something else'; Script = { 42 }; Says = 'not a Int32' }
    ) {
        $loopback = Start-LoopbackImapServer -Greeting $OAuthGreeting
        $failure = try { Connect-Imap -Server 127.0.0.1 -Port $loopback.Port -Security None -UserName jobs@example.com -AccessTokenProvider $Script -WarningAction SilentlyContinue; $null } catch { $_ }
        $failure.FullyQualifiedErrorId | Should -Match '^AccessTokenProviderFailed'
        $failure.CategoryInfo.Category | Should -Be 'AuthenticationError'
        $failure.Exception.Message | Should -Match $Says
        Wait-LoopbackImapServer $loopback
        $loopback.State.Received | Should -Not -Match 'AUTHENTICATE'
    }
}
