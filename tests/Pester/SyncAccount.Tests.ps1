#Requires -Modules Pester
# Sync-ImapAccount: many account pairs from CSV rows, several at once in one process, one result per
# account; a failing account fails alone; Ctrl+C logs every worker's connections out.

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    . $PSScriptRoot/ModuleTestHelpers.ps1
    $script:Server = Start-ImapTestServer
    $script:Temp = Join-Path ([IO.Path]::GetTempPath()) ('imapps-syncaccount-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
    $null = New-Item -ItemType Directory -Path $Temp
    $script:Thumbprint = $Server.CertificateThumbprint
    $script:Proxies = [Collections.Generic.List[IDisposable]]::new()

    function Msg([string]$Subject, [string[]]$Flag = @(), [switch]$NoMessageId, [datetimeoffset]$Date = [datetimeoffset]'2024-03-04T05:06:07+02:00') {
        $id = if ($NoMessageId) { '' } else { "Message-ID: <$([guid]::NewGuid().ToString('N'))@account.test>`r`n" }
        $text = "From: a@example.com`r`nTo: b@example.com`r`nSubject: $Subject`r`nDate: Mon, 04 Mar 2024 05:06:07 +0200`r`n$id" + "MIME-Version: 1.0`r`nContent-Type: text/plain`r`n`r`nHello.`r`n"
        return [ImapPS.Testing.SeedMessage]::new([Text.Encoding]::UTF8.GetBytes($text), [string[]]$Flag, $Date)
    }

    function Get-Snapshot($Session, [string]$Mailbox) {
        <# Every message of a mailbox as "sha256|flags|internaldate", sorted (as Sync.Tests does). #>
        $dir = Join-Path $script:Temp ('snap-' + [guid]::NewGuid().ToString('N'))
        $messages = @(Get-ImapMessage -Session $Session -Mailbox $Mailbox -All)
        if ($messages.Count -eq 0) { return @() }
        Save-ImapMessage -Session $Session -Mailbox $Mailbox -Uid $messages.Uid -Destination "$dir/"
        $byUid = @{}
        Get-ChildItem $dir -Filter *.eml | ForEach-Object { $byUid[[uint32]($_.BaseName -replace '^.*_', '')] = (Get-FileHash $_.FullName -Algorithm SHA256).Hash }
        @($messages | ForEach-Object {
                '{0}|{1}|{2}' -f $byUid[$_.Uid], (@($_.Flags | Where-Object { $_ -ne '\Recent' } | Sort-Object) -join ' '), $_.InternalDate.UtcDateTime.ToString('o')
            } | Sort-Object)
    }

    function New-AccountPair([string]$Tag) {
        <# A seeded source user (INBOX: 3, Archive/2024: 2) and an empty destination user, with a password file for each. #>
        $src = New-ImapTestUser -Server $script:Server -Prefix 'as'
        $dst = New-ImapTestUser -Server $script:Server -Prefix 'ad'
        $null = $script:Server.SeedMaildir($src.UserName, 'INBOX', [ImapPS.Testing.SeedMessage[]]@((Msg "$Tag one" -Flag '\Seen'), (Msg "$Tag two" -Flag '\Flagged', '\Answered'), (Msg "$Tag no id" -NoMessageId)))
        $null = $script:Server.SeedMaildir($src.UserName, 'Archive/2024', [ImapPS.Testing.SeedMessage[]]@((Msg "$Tag archived" -Flag '\Seen' -Date ([datetimeoffset]'2020-01-02T03:04:05Z')), (Msg "$Tag later")))
        foreach ($c in $src, $dst) { [IO.File]::WriteAllText((Join-Path $script:Temp "$($c.UserName).pass"), $c.GetNetworkCredential().Password + "`n") }
        [pscustomobject]@{ Source = $src; Destination = $dst }
    }

    function Write-AccountCsv([object[]]$Pairs, [string]$SourceHost, [int]$SourcePort, [string]$SourceSecurity) {
        <# The CSV file of imapsync's batch habit: no password in it, one password file per account. #>
        $path = Join-Path $script:Temp ('accounts-' + [guid]::NewGuid().ToString('N').Substring(0, 8) + '.csv')
        $Pairs | ForEach-Object {
            [pscustomobject]@{
                SourceServer = $SourceHost; SourcePort = $SourcePort; SourceUser = $_.Source.UserName; SourceSecurity = $SourceSecurity
                SourcePasswordFile = Join-Path $script:Temp "$($_.Source.UserName).pass"
                DestinationServer = $script:Server.Host; DestinationPort = $script:Server.ImapPort; DestinationUser = $_.Destination.UserName; DestinationSecurity = 'StartTls'
                DestinationPasswordFile = Join-Path $script:Temp "$($_.Destination.UserName).pass"
            }
        } | Export-Csv -LiteralPath $path -NoTypeInformation
        return $path
    }

    function Assert-Migrated($Pair) {
        $src = Connect-ImapTest -Server $script:Server -Credential $Pair.Source
        $dst = Connect-ImapTest -Server $script:Server -Credential $Pair.Destination
        try {
            foreach ($mailbox in 'INBOX', 'Archive/2024') {
                $expected = @(Get-Snapshot $src $mailbox)
                $expected.Count | Should -BeGreaterThan 0
                Get-Snapshot $dst $mailbox | Should -Be $expected -Because "$mailbox of $($Pair.Source.UserName) is copied byte for byte with flags and dates"
            }
        }
        finally { $src, $dst | Disconnect-Imap -ErrorAction SilentlyContinue }
    }
}

AfterAll {
    $script:Proxies | ForEach-Object { $_.Dispose() }
    Get-ImapSession -IncludeClosed | Disconnect-Imap -ErrorAction SilentlyContinue
    Stop-ImapTestServer $script:Server
    if ($script:Temp) { Remove-Item -LiteralPath $script:Temp -Recurse -Force -ErrorAction SilentlyContinue }
}

Describe 'Sync-ImapAccount' {
    It 'migrates three accounts from a CSV file two at a time, identical, one result each; a second run copies nothing' {
        $pairs = @(1..3 | ForEach-Object { New-AccountPair "acct$_" })
        # Source connections go through a proxy that greets nobody until two connections are open at
        # once: the run can only pass if two accounts really run at the same time.
        $proxy = [ImapPS.Testing.RendezvousProxy]::Start($Server.Host, $Server.ImapsPort, 2, 20)
        $Proxies.Add($proxy)
        $csv = Write-AccountCsv $pairs $proxy.Host $proxy.Port 'Ssl'
        $thumbprint = $Thumbprint

        $all = @(Import-Csv $csv | Sync-ImapAccount -ThrottleLimit 2 -CertificateValidation { $_.Thumbprint -eq $thumbprint } -Verbose *>&1)
        $results = @($all | Where-Object { $_ -is [ImapPS.ImapAccountSyncResult] })
        @($all | Where-Object { $_ -is [Management.Automation.ErrorRecord] }) | Should -BeNullOrEmpty
        $proxy.MetQuorum | Should -BeTrue -Because 'two accounts were connected at the same time'
        $proxy.Accepted | Should -Be 3 -Because 'one source connection per account'

        $results.Count | Should -Be 3
        @($results.SourceAccount | Sort-Object) | Should -Be @($pairs.Source.UserName | ForEach-Object { "$_@$($proxy.Host)" } | Sort-Object)
        foreach ($r in $results) {
            $r.Status | Should -Be Succeeded
            # Every mailbox of the account: INBOX, Archive/2024 and those the server creates for a new user.
            $r.Mailboxes | Should -Be $r.MailboxResults.Count
            ($r.MailboxResults | Where-Object SourceMailbox -EQ INBOX).Copied | Should -Be 3
            ($r.MailboxResults | Where-Object SourceMailbox -EQ 'Archive/2024').Copied | Should -Be 2
            $r.Copied | Should -Be 5
            $r.Skipped | Should -Be 0
            $r.Failed | Should -Be 0
            $r.Bytes | Should -BeGreaterThan 0
            $r.Error | Should -BeNullOrEmpty
            $r.DestinationAccount | Should -Be "$($pairs[$r.Index - 1].Destination.UserName)@$($Server.Host)" -Because 'Index is the row of the result'
        }
        foreach ($pair in $pairs) { Assert-Migrated $pair }

        # No secret in any stream: results, verbose (the commands sent), warnings, errors.
        $text = ($all | ForEach-Object { if ($_ -is [ImapPS.ImapAccountSyncResult]) { $_ | ConvertTo-Json -Depth 4 } else { "$_" } }) -join "`n"
        @($all | Where-Object { $_ -is [Management.Automation.VerboseRecord] }).Count | Should -BeGreaterThan 0 -Because '-Verbose shows the commands sent'
        foreach ($c in $pairs.Source + $pairs.Destination) {
            $secret = $c.GetNetworkCredential().Password.Substring(3, 8)
            $text | Should -Not -BeLike "*$secret*"
        }

        $again = @(Import-Csv $csv | Sync-ImapAccount -ThrottleLimit 2 -CertificateValidation { $_.Thumbprint -eq $thumbprint })
        $again.Count | Should -Be 3
        ($again | Measure-Object Copied -Sum).Sum | Should -Be 0
        $again | ForEach-Object { $_.Skipped | Should -Be 5; $_.Status | Should -Be Succeeded }
    }

    It 'fails only the account with a wrong password or an unreachable server, with an error naming it' {
        $pairs = @(1..3 | ForEach-Object { New-AccountPair "fail$_" })
        [IO.File]::WriteAllText((Join-Path $Temp "$($pairs[1].Destination.UserName).pass"), "not the password`n")
        $csv = Write-AccountCsv $pairs $Server.Host $Server.ImapPort 'StartTls'
        $rows = @(Import-Csv $csv)
        # A fourth row whose source server does not listen: a port that was just free.
        $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0); $listener.Start(); $closedPort = $listener.LocalEndpoint.Port; $listener.Stop()
        $unreachable = $rows[0].PSObject.Copy(); $unreachable.SourcePort = $closedPort
        $rows += $unreachable
        $thumbprint = $Thumbprint

        $results = @($rows | Sync-ImapAccount -ThrottleLimit 2 -CertificateValidation { $_.Thumbprint -eq $thumbprint } -ErrorVariable errors -ErrorAction SilentlyContinue)
        $results.Count | Should -Be 4
        $byIndex = @{}; $results | ForEach-Object { $byIndex[$_.Index] = $_ }
        $byIndex[1].Status | Should -Be Succeeded
        $byIndex[3].Status | Should -Be Succeeded
        $byIndex[2].Status | Should -Be Failed
        $byIndex[2].Copied | Should -Be 0
        $byIndex[2].Error | Should -Not -BeNullOrEmpty
        $byIndex[4].Status | Should -Be Failed
        $errors.Count | Should -Be 2
        $auth = $errors | Where-Object { $_.FullyQualifiedErrorId -eq 'AuthenticationFailed,ImapPS.Commands.SyncImapAccountCommand' }
        $auth | Should -Not -BeNullOrEmpty
        "$auth" | Should -BeLike "*$($pairs[1].Destination.UserName)@*"
        $auth.TargetObject | Should -BeOfType [string] -Because 'the target is the account, never the row with its secrets'
        ($errors | Where-Object { $_.FullyQualifiedErrorId -eq 'ConnectionFailed,ImapPS.Commands.SyncImapAccountCommand' }) | Should -Not -BeNullOrEmpty
        Assert-Migrated $pairs[0]
        Assert-Migrated $pairs[2]
        "$($errors | Out-String)" | Should -Not -BeLike '*not the password*'
    }

    It 'refuses a row with two secrets, none, or an unknown security, before connecting' {
        $row = @{ SourceServer = $Server.Host; SourcePort = $Server.ImapPort; SourceUser = 'nobody'; DestinationServer = $Server.Host; DestinationPort = $Server.ImapPort; DestinationUser = 'nobody2' }
        $pass = Join-Path $Temp 'x.pass'; 'secret-one' | Set-Content $pass
        $rows = @(
            [pscustomobject]($row + @{ SourcePasswordFile = $pass; SourcePassword = 'secret-two'; DestinationPasswordFile = $pass })
            [pscustomobject]($row + @{ DestinationPasswordFile = $pass })
            [pscustomobject]($row + @{ SourcePasswordFile = $pass; DestinationPasswordFile = $pass; SourceSecurity = 'Plain' })
        )
        $results = @($rows | Sync-ImapAccount -ErrorVariable errors -ErrorAction SilentlyContinue -WarningAction SilentlyContinue)
        $results.Status | Should -Be @('Failed', 'Failed', 'Failed')
        @($errors.FullyQualifiedErrorId -replace ',.*') | Should -Be @('AmbiguousCredential', 'CredentialMissing', 'InvalidSecurity')
        "$($errors | Out-String) $($results | ConvertTo-Json)" | Should -Not -BeLike '*secret-*'
    }

    It 'stops every account at Ctrl+C and logs out all their connections' {
        $pairs = @(1..2 | ForEach-Object { New-AccountPair "stop$_" })
        $sourceProxy = [ImapPS.Testing.RendezvousProxy]::Start($Server.Host, $Server.ImapsPort, 2, 20)
        $destinationProxy = [ImapPS.Testing.RendezvousProxy]::Start($Server.Host, $Server.ImapsPort, 2, 20)
        $Proxies.Add($sourceProxy); $Proxies.Add($destinationProxy)
        $rows = @($pairs | ForEach-Object {
                [pscustomobject]@{ SourceServer = $sourceProxy.Host; SourcePort = $sourceProxy.Port; SourceUser = $_.Source.UserName; SourceSecurity = 'Ssl'; SourcePasswordFile = Join-Path $Temp "$($_.Source.UserName).pass"
                    DestinationServer = $destinationProxy.Host; DestinationPort = $destinationProxy.Port; DestinationUser = $_.Destination.UserName; DestinationSecurity = 'Ssl'; DestinationPasswordFile = Join-Path $Temp "$($_.Destination.UserName).pass" }
            })
        $inMapFolder = [Threading.ManualResetEventSlim]::new($false)
        $release = [Threading.ManualResetEventSlim]::new($false)
        $initial = [initialsessionstate]::CreateDefault2()
        $initial.ImportPSModule((Get-Module ImapPS).Path)
        $ps = [powershell]::Create($initial)
        try {
            # -MapFolder runs on the pipeline thread: holding it there holds both accounts mid-sync,
            # each with its two connections open, when the command is stopped.
            $null = $ps.AddScript({
                    param($Rows, $Thumbprint, $InMapFolder, $Release)
                    $Rows | Sync-ImapAccount -ThrottleLimit 2 -CertificateValidation { $_.Thumbprint -eq $Thumbprint } -MapFolder {
                        $InMapFolder.Set(); $null = $Release.Wait(20000); $_
                    }
                }).AddArgument($rows).AddArgument($Thumbprint).AddArgument($inMapFolder).AddArgument($release)
            $handle = $ps.BeginInvoke()
            $inMapFolder.Wait(30000) | Should -BeTrue -Because 'the accounts reached their first mailbox'
            $sourceProxy.MetQuorum | Should -BeTrue
            $sourceProxy.Open | Should -Be 2
            $destinationProxy.Open | Should -Be 2
            $stopping = $ps.BeginStop($null, $null)
            $release.Set()
            $stopping.AsyncWaitHandle.WaitOne(30000) | Should -BeTrue -Because 'Ctrl+C ends the command'
            $ps.EndStop($stopping)
            # Every connection was logged out and closed when the stop returned; the proxy sees the close a moment later.
            $sourceProxy.WaitUntilOpenAtMost(0, [TimeSpan]::FromSeconds(20)) | Should -BeTrue -Because 'every source connection is closed'
            $destinationProxy.WaitUntilOpenAtMost(0, [TimeSpan]::FromSeconds(20)) | Should -BeTrue -Because 'every destination connection is closed'
            $handle.IsCompleted | Should -BeTrue
        }
        finally {
            $release.Set()
            $ps.Dispose()
        }
    }
}
