#Requires -Modules Pester
# Sync-ImapMailbox between two Dovecot users (one way, like imapsync), and between two servers whose
# namespaces differ ('/' without prefix against '.' with the INBOX. prefix).

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    . $PSScriptRoot/ModuleTestHelpers.ps1
    $script:Server = Start-ImapTestServer
    $script:Temp = Join-Path ([IO.Path]::GetTempPath()) ('imapps-sync-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
    $null = New-Item -ItemType Directory -Path $Temp

    function Msg([string]$Subject, [string[]]$Flag = @(), [switch]$NoMessageId, [datetimeoffset]$Date = [datetimeoffset]'2024-03-04T05:06:07+02:00', [int]$Pad = 0) {
        $id = if ($NoMessageId) { '' } else { "Message-ID: <$([guid]::NewGuid().ToString('N'))@sync.test>`r`n" }
        $body = 'Hello.' + ("`r`n" + ('y' * 70)) * $Pad
        $text = "From: a@example.com`r`nTo: b@example.com`r`nSubject: $Subject`r`nDate: Mon, 04 Mar 2024 05:06:07 +0200`r`n$id" + "MIME-Version: 1.0`r`nContent-Type: text/plain`r`n`r`n$body`r`n"
        return [ImapPS.Testing.SeedMessage]::new([Text.Encoding]::UTF8.GetBytes($text), [string[]]$Flag, $Date)
    }

    function Seed([object]$OnServer, [string]$User, [string]$Mailbox, [object[]]$Messages) {
        $null = $OnServer.SeedMaildir($User, $Mailbox, [ImapPS.Testing.SeedMessage[]]@($Messages))
    }

    function Get-Snapshot($Session, [string]$Mailbox) {
        <# Every message of a mailbox as "sha256|flags|internaldate", sorted. #>
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

    function New-SourceAccount {
        $cred = New-ImapTestUser -Server $script:Server -Prefix 'src'
        Seed $script:Server $cred.UserName INBOX @((Msg 'one' -Flag '\Seen'), (Msg 'two' -Flag '\Flagged', '\Answered'), (Msg 'no id' -NoMessageId), (Msg 'big' -Pad 2000))
        Seed $script:Server $cred.UserName 'Archive/2024' @((Msg 'archived' -Flag '\Seen' -Date ([datetimeoffset]'2020-01-02T03:04:05Z')), (Msg 'recent' -Date ([datetimeoffset]::UtcNow.AddDays(-2))))
        return $cred
    }
}

AfterAll {
    Get-ImapSession -IncludeClosed | Disconnect-Imap -ErrorAction SilentlyContinue
    Stop-ImapTestServer $script:Server
    Stop-ImapTestServer $script:Other
    if ($script:Temp) { Remove-Item -LiteralPath $script:Temp -Recurse -Force -ErrorAction SilentlyContinue }
}

Describe 'Sync-ImapMailbox between two accounts' {
    BeforeEach {
        $script:SrcCred = New-SourceAccount
        $script:DstCred = New-ImapTestUser -Server $Server -Prefix 'dst'
        $script:Src = Connect-ImapTest -Server $Server -Credential $SrcCred
        $script:Dst = Connect-ImapTest -Server $Server -Credential $DstCred
    }
    AfterEach {
        Get-ImapSession | Disconnect-Imap -ErrorAction SilentlyContinue
        if ($script:Proxy) { $script:Proxy.Dispose(); $script:Proxy = $null }
    }

    It 'copies every mailbox with identical bytes, flags and internal dates, and nothing on a second run' {
        $results = @(Sync-ImapMailbox -Source $Src -Destination $Dst)
        ($results | Where-Object SourceMailbox -EQ INBOX).Copied | Should -Be 4
        ($results | Where-Object SourceMailbox -EQ 'Archive/2024').Copied | Should -Be 2
        foreach ($mailbox in 'INBOX', 'Archive/2024') { Get-Snapshot $Dst $mailbox | Should -Be (Get-Snapshot $Src $mailbox) }

        $again = @(Sync-ImapMailbox -Source $Src -Destination $Dst)
        ($again | Measure-Object Copied -Sum).Sum | Should -Be 0
        ($again | Where-Object SourceMailbox -EQ INBOX).Skipped | Should -Be 4 -Because 'the message without a Message-ID is recognised by Date, From, Subject and size'
        @(Get-ImapMessage -Session $Dst -Mailbox INBOX -All).Count | Should -Be 4
    }

    It 'sets the flags of messages already there to the source''s' {
        $null = Sync-ImapMailbox -Source $Src -Destination $Dst -Mailbox INBOX
        $one = Search-ImapMessage -Session $Src -Mailbox INBOX -Subject one
        Set-ImapFlag -Session $Src -Mailbox INBOX -Uid $one.Uid -Add Flagged, '$Label1' -Remove Seen
        $result = Sync-ImapMailbox -Source $Src -Destination $Dst -Mailbox INBOX
        $result.FlagsUpdated | Should -Be 1
        $result.Copied | Should -Be 0
        Get-Snapshot $Dst INBOX | Should -Be (Get-Snapshot $Src INBOX)
    }

    It 'maps names with a hashtable or a script block, and leaves out what maps to nothing' {
        $r1 = @(Sync-ImapMailbox -Source $Src -Destination $Dst -Mailbox INBOX, Archive -Recurse -MapFolder @{ INBOX = 'Old/Inbox'; 'Archive/2024' = $null })
        $r1.DestinationMailbox | Should -Be 'Old/Inbox'
        $r2 = Sync-ImapMailbox -Source $Src -Destination $Dst -Mailbox 'Archive/2024' -MapFolder { "Old/$($_ -replace '/', '-')" }
        $r2.DestinationMailbox | Should -Be 'Old/Archive-2024'
        Get-Snapshot $Dst 'Old/Archive-2024' | Should -Be (Get-Snapshot $Src 'Archive/2024')
        @(Get-ImapMailbox -Session $Dst).Name | Should -Not -Contain 'Archive/2024'
    }

    It 'filters by age and size, and -DeleteExtra removes only messages the source does not have' {
        $r = Sync-ImapMailbox -Source $Src -Destination $Dst -Mailbox 'Archive/2024' -MaxAge 30
        $r.Copied | Should -Be 1
        $r.Filtered | Should -Be 1
        $r = Sync-ImapMailbox -Source $Src -Destination $Dst -Mailbox INBOX -MaxSize 10000
        $r.Copied | Should -Be 3
        $r.Filtered | Should -Be 1
        $extra = Add-ImapMessage -Session $Dst -Mailbox INBOX -Message (New-ImapTestMessage -Subject 'only on the destination')

        $dry = Sync-ImapMailbox -Source $Src -Destination $Dst -Mailbox INBOX -DeleteExtra -WhatIf
        $dry.WhatIf | Should -BeTrue
        $dry.Copied | Should -Be 1
        @(Get-ImapMessage -Session $Dst -Mailbox INBOX -All).Count | Should -Be 4 -Because '-WhatIf changes nothing'

        $mirror = Sync-ImapMailbox -Source $Src -Destination $Dst -Mailbox INBOX -DeleteExtra -Confirm:$false
        $mirror.Deleted | Should -Be 1
        $mirror.Copied | Should -Be 1
        @(Get-ImapMessage -Session $Dst -Mailbox INBOX -All).Subject | Should -Not -Contain 'only on the destination'
        Get-Snapshot $Dst INBOX | Should -Be (Get-Snapshot $Src INBOX)
    }

    It 'refuses to copy a mailbox onto itself' {
        $same = Connect-ImapTest -Server $Server -Credential $SrcCred
        $null = Sync-ImapMailbox -Source $Src -Destination $same -Mailbox INBOX -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'SameMailbox,ImapPS.Commands.SyncImapMailboxCommand'
    }

    It 'ends identical to an uncut run when re-run after the destination connection drops at an APPEND (<Cut>)' -ForEach @(
        @{ Cut = 'BeforeCommand' }, @{ Cut = 'BeforeReply' }
    ) {
        Seed $Server $SrcCred.UserName Bulk @(1..120 | ForEach-Object { Msg "bulk $_" -Flag @(if ($_ % 2) { '\Seen' }) })
        $script:Proxy = [ImapPS.Testing.CuttingProxy]::Start($Server.Host, $Server.ImapPort, ' APPEND ', 2, $Cut)
        $cutDst = Connect-Imap -Server $Proxy.Host -Port $Proxy.Port -Credential $DstCred -Security None -Identifier 'cutdst' -WarningAction SilentlyContinue
        $err = $null
        try { $null = Sync-ImapMailbox -Source $Src -Destination $cutDst -Mailbox Bulk -ErrorAction Stop } catch { $err = $_ }
        $Proxy.HasCut | Should -BeTrue
        $err.FullyQualifiedErrorId | Should -Be 'ConnectionLost,ImapPS.Commands.SyncImapMailboxCommand'
        $err.Exception.Message | Should -BeLike '*outcome unknown*Run the same command again*'
        $rerun = Sync-ImapMailbox -Source $Src -Destination $Dst -Mailbox Bulk
        $rerun.Skipped | Should -BeGreaterThan 0
        ($rerun.Skipped + $rerun.Copied) | Should -Be 120
        Get-Snapshot $Dst Bulk | Should -Be (Get-Snapshot $Src Bulk) -Because 'no message is missing or twice'
    }
}

Describe 'Copy-ImapMessage -DestinationSession' {
    It 'appends the chosen messages to another account with identical bytes, flags and internal dates' {
        $srcCred = New-SourceAccount
        $dstCred = New-ImapTestUser -Server $Server -Prefix 'cpd'
        $src = Connect-ImapTest -Server $Server -Credential $srcCred
        $dst = Connect-ImapTest -Server $Server -Credential $dstCred
        try {
            $null = New-ImapMailbox -Session $dst -Name Copied
            $null = Select-ImapMailbox -Session $src -Name INBOX -ReadOnly
            $copies = @(Get-ImapMessage -Session $src -Mailbox INBOX -All | Copy-ImapMessage -Destination Copied -DestinationSession $dst -PassThru)
            $copies.Count | Should -Be 4
            $copies | ForEach-Object { $_.SessionName | Should -Be $dst.Name; $_.Mailbox | Should -Be 'Copied' }
            Get-Snapshot $dst Copied | Should -Be (Get-Snapshot $src INBOX)
            @(Get-ImapMessage -Session $src -Mailbox INBOX -All).Count | Should -Be 4 -Because 'the source is unchanged'
        }
        finally { Get-ImapSession | Disconnect-Imap -ErrorAction SilentlyContinue }
    }
}

Describe 'Sync-ImapMailbox across namespaces' {
    BeforeAll {
        # A second server laid out like Courier: '.' between levels and every mailbox under INBOX.
        $options = [ImapPS.Testing.DovecotOptions]::new()
        $options.ExtraConfiguration = "namespace inbox {`n  separator = .`n  prefix = INBOX.`n}"
        $script:Other = Start-ImapTestServer -Options $options
        $script:OtherCred = New-ImapTestUser -Server $Other -Prefix 'ns'
    }

    It 'maps A/B to INBOX.A.B and back, and a second run copies nothing' {
        $srcCred = New-SourceAccount
        $src = Connect-ImapTest -Server $Server -Credential $srcCred
        $thumb = $Other.CertificateThumbprint
        $dst = Connect-Imap -Server $Other.Host -Port $Other.ImapPort -Credential $OtherCred -Security StartTls -CertificateValidation { $_.Thumbprint -eq $thumb }
        try {
            (Get-ImapNamespace -Session $dst | Where-Object Kind -EQ Personal).Prefix | Should -Be 'INBOX.'
            $results = @(Sync-ImapMailbox -Source $src -Destination $dst -Mailbox INBOX, Archive -Recurse)
            @($results.DestinationMailbox | Sort-Object) | Should -Be @('INBOX', 'INBOX.Archive.2024')
            Get-Snapshot $dst 'INBOX.Archive.2024' | Should -Be (Get-Snapshot $src 'Archive/2024')
            # And back: the '.'-server's INBOX.Archive.2024 is Archive/2024 on the '/'-server.
            $backCred = New-ImapTestUser -Server $Server -Prefix 'back'
            $back = Connect-ImapTest -Server $Server -Credential $backCred
            $null = Sync-ImapMailbox -Source $dst -Destination $back -Mailbox INBOX, Archive -Recurse
            Get-Snapshot $back 'Archive/2024' | Should -Be (Get-Snapshot $src 'Archive/2024')
            Get-Snapshot $back INBOX | Should -Be (Get-Snapshot $src INBOX)
            (@(Sync-ImapMailbox -Source $src -Destination $dst -Mailbox INBOX, Archive -Recurse) | Measure-Object Copied -Sum).Sum | Should -Be 0
        }
        finally { Get-ImapSession | Disconnect-Imap -ErrorAction SilentlyContinue }
    }
}
