#Requires -Modules Pester
# Export-ImapMailbox and Import-ImapMailbox against a private Dovecot, checked with tools nobody here
# wrote: Dovecot itself serving an exported Maildir, Python's mailbox module reading an exported mbox.

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    . $PSScriptRoot/ModuleTestHelpers.ps1
    $script:Server = Start-ImapTestServer
    $script:Temp = Join-Path ([IO.Path]::GetTempPath()) ('imapps-archive-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
    $null = New-Item -ItemType Directory -Path $Temp

    function New-Folder([string]$Name) {
        $path = Join-Path $script:Temp ($Name + '-' + [guid]::NewGuid().ToString('N').Substring(0, 6))
        return $path
    }

    function Seed([string]$User, [string]$Mailbox, [object[]]$Messages) {
        $null = $script:Server.SeedMaildir($User, $Mailbox, [ImapPS.Testing.SeedMessage[]]@($Messages))
    }

    function Msg([string]$Subject, [string[]]$Flag = @(), [string]$Body = 'Hello.', [switch]$NoMessageId, [datetimeoffset]$Date = [datetimeoffset]'2024-03-04T05:06:07+02:00') {
        $id = if ($NoMessageId) { '' } else { "Message-ID: <$([guid]::NewGuid().ToString('N'))@archive.test>`r`n" }
        $text = "From: a@example.com`r`nTo: b@example.com`r`nSubject: $Subject`r`nDate: Mon, 04 Mar 2024 05:06:07 +0200`r`n$id" + "MIME-Version: 1.0`r`nContent-Type: text/plain`r`n`r`n$Body`r`n"
        return [ImapPS.Testing.SeedMessage]::new([Text.Encoding]::UTF8.GetBytes($text), [string[]]$Flag, $Date)
    }

    # A mailbox with what an archive must keep: system flags, keywords, a body with "From " lines, no Message-ID.
    function Get-MixedMessages {
        @(
            (Msg 'plain'),
            (Msg 'seen flagged' -Flag '\Seen', '\Flagged' -Date ([datetimeoffset]'2023-12-31T23:59:59-05:00')),
            (Msg 'answered draft deleted' -Flag '\Answered', '\Draft', '\Deleted'),
            (Msg 'keywords'),
            (Msg 'from lines' -Body "From the top`r`n>From once quoted`r`n>>From twice`r`nFrom`r`n`r`nFrom again" -Flag '\Seen'),
            (Msg 'no id' -NoMessageId),
            (Msg 'trailing blank' -Body "text`r`n`r`n")
        )
    }

    function Add-Keywords($Session) {
        <# The seeder writes only system flags: keywords are stored through IMAP. #>
        $k = Search-ImapMessage -Session $Session -Mailbox INBOX -Subject keywords
        Set-ImapFlag -Session $Session -Mailbox INBOX -Uid $k.Uid -Add '$Forwarded', '$Label1', 'Custom'
    }

    function New-User([string]$Prefix = 'ar') {
        $cred = New-ImapTestUser -Server $script:Server -Prefix $Prefix
        return $cred
    }

    function Get-Snapshot($Session, [string]$Mailbox) {
        <# Every message of a mailbox as "sha256|flags|internaldate", sorted: what must survive a round trip. #>
        $dir = New-Folder 'snap'
        $messages = @(Get-ImapMessage -Session $Session -Mailbox $Mailbox -All)
        if ($messages.Count -eq 0) { return @() }
        Save-ImapMessage -Session $Session -Mailbox $Mailbox -Uid $messages.Uid -Destination "$dir/"
        $byUid = @{}
        Get-ChildItem $dir -Filter *.eml | ForEach-Object { $byUid[[uint32]($_.BaseName -replace '^.*_', '')] = (Get-FileHash $_.FullName -Algorithm SHA256).Hash }
        @($messages | ForEach-Object {
                $flags = (@($_.Flags | Where-Object { $_ -ne '\Recent' } | Sort-Object) -join ' ')
                '{0}|{1}|{2}' -f $byUid[$_.Uid], $flags, $_.InternalDate.UtcDateTime.ToString('o')
            } | Sort-Object)
    }

    function Get-FolderHashes([string]$Path) {
        <# The SHA-256 of every message file under a Maildir or .eml tree (not the state files). #>
        @(Get-ChildItem $Path -Recurse -File | Where-Object { $_.Directory.Name -in 'cur', 'new' -or $_.Extension -eq '.eml' } |
                ForEach-Object { (Get-FileHash $_.FullName -Algorithm SHA256).Hash } | Sort-Object)
    }
}

AfterAll {
    Get-ImapSession -IncludeClosed | Disconnect-Imap -ErrorAction SilentlyContinue
    Stop-ImapTestServer $script:Server
    if ($script:Temp) { Remove-Item -LiteralPath $script:Temp -Recurse -Force -ErrorAction SilentlyContinue }
}

Describe 'Export-ImapMailbox' {
    BeforeAll {
        $script:Cred = New-User
        Seed $Cred.UserName INBOX (Get-MixedMessages)
        Seed $Cred.UserName 'Archive/2024' @((Msg 'archived one' -Flag '\Seen'), (Msg 'archived two'))
        Seed $Cred.UserName 'Archive/Old' @((Msg 'old'))
        $script:S = Connect-ImapTest -Server $Server -Credential $Cred
        Add-Keywords $S
    }

    It 'writes a Maildir++ tree that Dovecot serves back with every message, flag, internal date and folder identical' {
        $reader = New-User 'mr'
        $mailHome = Join-Path $Server.MailRoot $reader.UserName
        $results = @(Export-ImapMailbox -Session $S -Mailbox INBOX, Archive -Recurse -Destination $mailHome)
        # Archive itself is only a hierarchy node (\NonExistent in Maildir++): passed over.
        @($results.Mailbox | Sort-Object) | Should -Be @('Archive/2024', 'Archive/Old', 'INBOX')
        $results | ForEach-Object { $_.Complete | Should -BeTrue; $_.Method | Should -Be 'First' }
        ($results | Where-Object Mailbox -EQ INBOX).Added | Should -Be 7
        Test-Path (Join-Path $mailHome '.Archive.2024/cur') | Should -BeTrue
        # Dovecot reads the Maildir as the reader's own mail.
        # (as root, Dovecot's mail processes run as the mail user, as the fixture's own folders do)
        if ((& id -u) -eq '0') { & chown -R mail:mail $mailHome }
        $r = Connect-ImapTest -Server $Server -Credential $reader
        try {
            foreach ($mailbox in 'INBOX', 'Archive/2024', 'Archive/Old') {
                $original = Get-Snapshot $S $mailbox
                $served = Get-Snapshot $r $mailbox
                $served.Count | Should -Be $original.Count
                $served | Should -Be $original -Because "every message of $mailbox reads back identical"
            }
        }
        finally { Disconnect-Imap -Session $r }
    }

    It 'writes an mbox that Python''s mailbox module reads message by message, with quoted From lines' {
        if (-not (Get-Command python3 -ErrorAction Ignore)) { Set-ItResult -Skipped -Because 'python3 is not installed (build.ps1 -Task Test installs it with python3-imaplib2)'; return }
        $file = (New-Folder 'mbox') + '.mbox'
        $result = Export-ImapMailbox -Session $S -Mailbox INBOX -Format Mbox -Destination $file
        $result.Destination | Should -Be $file
        $script_ = @'
import mailbox, sys, json
box = mailbox.mbox(sys.argv[1], create=False)
out = []
for m in box:
    out.append({"subject": m["subject"], "id": m["message-id"], "from": m.get_from(), "payload": m.get_payload()})
print(json.dumps(out))
'@
        $py = Join-Path $Temp 'readmbox.py'
        Set-Content -Path $py -Value $script_
        $read = & python3 $py $file | ConvertFrom-Json
        $LASTEXITCODE | Should -Be 0
        $original = @(Get-ImapMessage -Session $S -Mailbox INBOX -All | Sort-Object Uid)
        $read.Count | Should -Be $original.Count -Because 'a "From " line in a body must not start a new message'
        for ($i = 0; $i -lt $original.Count; $i++) {
            $read[$i].subject | Should -Be $original[$i].Subject
            $read[$i].id | Should -Be $original[$i].MessageId
            # The From line carries the internal date, in UTC, as asctime writes it.
            $utc = $original[$i].InternalDate.UtcDateTime
            $read[$i].from | Should -BeLike ('MAILER-DAEMON ' + $utc.ToString('ddd MMM ', [cultureinfo]::InvariantCulture) + $utc.Day.ToString().PadLeft(2) + $utc.ToString(' HH:mm:ss yyyy', [cultureinfo]::InvariantCulture))
        }
        $fromLines = $read | Where-Object subject -EQ 'from lines'
        $fromLines.payload | Should -Be ">From the top`n>>From once quoted`n>>>From twice`nFrom`n`n>From again`n"
    }

    It 'transfers nothing on a second run, and only new messages and flag changes after changes (<Name>)' -ForEach @(
        @{ Name = 'CONDSTORE'; Extra = @{}; Unchanged = 'Unchanged'; Changed = 'CONDSTORE' }
        @{ Name = 'UID ranges without CONDSTORE'; Extra = @{ IgnoreCapability = 'CONDSTORE', 'QRESYNC' }; Unchanged = 'Full'; Changed = 'Full' }
    ) {
        $cred = New-User 'inc'
        Seed $cred.UserName INBOX @((Msg 'one'), (Msg 'two'), (Msg 'three' -Flag '\Seen'))
        $s = Connect-ImapTest -Server $Server -Credential $cred -Extra $Extra
        try {
            $dir = New-Folder 'inc'
            (Export-ImapMailbox -Session $s -Mailbox INBOX -Destination $dir).Added | Should -Be 3
            $before = Get-ChildItem $dir/cur | ForEach-Object Name
            $again = Export-ImapMailbox -Session $s -Mailbox INBOX -Destination $dir
            $again.Method | Should -Be $Unchanged
            $again.Added | Should -Be 0
            $again.FlagsUpdated | Should -Be 0
            @(Get-ChildItem $dir/cur | ForEach-Object Name) | Should -Be $before

            $one = Search-ImapMessage -Session $s -Mailbox INBOX -Subject one
            Set-ImapFlag -Session $s -Mailbox INBOX -Uid $one.Uid -Add Flagged, Seen
            $null = Add-ImapMessage -Session $s -Mailbox INBOX -Message (New-ImapTestMessage -Subject 'four')
            $third = Export-ImapMailbox -Session $s -Mailbox INBOX -Destination $dir
            $third.Method | Should -Be $Changed
            $third.Added | Should -Be 1
            $third.FlagsUpdated | Should -Be 1
            $third.Messages | Should -Be 4
            @(Get-ChildItem $dir/cur -Filter "$($one.Uid).*:2,FS").Count | Should -Be 1 -Because 'the flag change renames the Maildir file'
            @(Get-ChildItem $dir/cur).Count | Should -Be 4
        }
        finally { Disconnect-Imap -Session $s }
    }

    It 'recognises messages after a UIDVALIDITY change and writes none twice (<Format>)' -ForEach @(
        @{ Format = 'Maildir' }, @{ Format = 'Mbox' }, @{ Format = 'Eml' }
    ) {
        $cred = New-User 'uv'
        $messages = @((Msg 'a'), (Msg 'b' -Flag '\Seen'), (Msg 'c' -NoMessageId))
        Seed $cred.UserName Box $messages
        $s = Connect-ImapTest -Server $Server -Credential $cred
        try {
            $dir = New-Folder 'uv'
            $first = Export-ImapMailbox -Session $s -Mailbox Box -Destination $dir -Format $Format
            $first.Added | Should -Be 3
            $files = @(Get-ChildItem $dir -Recurse -File -Force).Count
            # Recreate the mailbox with the same messages: a new UIDVALIDITY, the same content.
            Remove-ImapMailbox -Session $s -Name Box -Confirm:$false
            # A UID list of its own gives the new mailbox a UIDVALIDITY that surely differs (Dovecot's is the time in seconds).
            $folder = $Server.GetMaildirPath($cred.UserName, 'Box')
            $null = New-Item -ItemType Directory -Path (Join-Path $folder 'cur') -Force
            [IO.File]::WriteAllText((Join-Path $folder 'dovecot-uidlist'), "3 V$($first.UidValidity + 1000) N1`n")
            Seed $cred.UserName Box $messages
            $null = Add-ImapMessage -Session $s -Mailbox Box -Message (New-ImapTestMessage -Subject 'new after recreate')
            $second = Export-ImapMailbox -Session $s -Mailbox Box -Destination $dir -Format $Format
            $second.UidValidityChanged | Should -BeTrue
            $second.UidValidity | Should -Not -Be $first.UidValidity
            $second.Matched | Should -Be 3
            $second.Added | Should -Be 1
            $second.Messages | Should -Be 4
            if ($Format -eq 'Mbox') {
                @(Get-Content (Join-Path $dir 'Box.mbox') | Where-Object { $_ -like 'From MAILER-DAEMON *' }).Count | Should -Be 4 -Because 'only the new message is appended'
            }
            else { @(Get-ChildItem $dir -Recurse -File -Force).Count | Should -Be ($files + 1) -Because 'only the new message is a new file' }
        }
        finally { Disconnect-Imap -Session $s }
    }

    It 'takes only the mailboxes -Include names and none that -Exclude names, and writes nothing under -WhatIf' {
        $dir = New-Folder 'filter'
        $results = @(Export-ImapMailbox -Session $S -Mailbox INBOX, Archive -Recurse -Include 'Archive/*' -Exclude '*/Old' -Destination $dir)
        $results.Mailbox | Should -Be 'Archive/2024'
        @(Get-ChildItem $dir -Directory -Force).Name | Should -Be '.Archive.2024'
        $dry = New-Folder 'whatif'
        Export-ImapMailbox -Session $S -Mailbox INBOX -Destination $dry -WhatIf | Should -BeNullOrEmpty
        Test-Path $dry | Should -BeFalse
    }

    It 'fetches a message again when its Maildir file was deleted' {
        $cred = New-User 'del'
        Seed $cred.UserName INBOX @((Msg 'keep'), (Msg 'lost'))
        $s = Connect-ImapTest -Server $Server -Credential $cred -Extra @{ IgnoreCapability = 'CONDSTORE', 'QRESYNC' }
        try {
            $dir = New-Folder 'del'
            $null = Export-ImapMailbox -Session $s -Mailbox INBOX -Destination $dir
            $lost = Search-ImapMessage -Session $s -Mailbox INBOX -Subject lost
            Set-ImapFlag -Session $s -Mailbox INBOX -Uid $lost.Uid -Add Seen
            Get-ChildItem "$dir/cur" -Filter "$($lost.Uid).*" | Remove-Item
            $again = Export-ImapMailbox -Session $s -Mailbox INBOX -Destination $dir
            $again.Added | Should -Be 1
            @(Get-ChildItem "$dir/cur" -Filter "$($lost.Uid).*:2,S").Count | Should -Be 1
        }
        finally { Disconnect-Imap -Session $s }
    }

    It 'refuses a destination that holds another mailbox''s export, writing nothing' {
        $dir2 = New-Folder 'x'
        $null = Export-ImapMailbox -Session $S -Mailbox 'Archive/Old' -Format Mbox -Destination "$dir2.mbox"
        $before = (Get-FileHash "$dir2.mbox").Hash
        $null = Export-ImapMailbox -Session $S -Mailbox 'Archive/2024' -Format Mbox -Destination "$dir2.mbox" -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'DestinationInUse,ImapPS.Commands.ExportImapMailboxCommand'
        (Get-FileHash "$dir2.mbox").Hash | Should -Be $before
    }
}

Describe 'Export-ImapMailbox beside mbsync (isync)' {
    # mbsync is the reference Maildir puller. It stores each message with its line ends turned to the
    # local LF convention and one header of its own, "X-TUID: <12 characters>", written as the last
    # header line (isync 1.4's copy_msg_convert: both for every message it propagates, pull included);
    # Export-ImapMailbox keeps the server's bytes exactly (CRLF, nothing added). So the test checks
    # that, with exactly those two changes undone, every file is the same byte for byte.
    BeforeAll {
        $script:Mbsync = Get-Command mbsync -CommandType Application -ErrorAction Ignore | Select-Object -First 1
        if (-not $Mbsync) { return }
        # A password without quotes or backslashes, so the mbsyncrc needs no quoting rules.
        $script:MbUser = 'mbs' + [guid]::NewGuid().ToString('N').Substring(0, 10)
        $script:MbPassword = 'pw' + [guid]::NewGuid().ToString('N').Substring(0, 12)
        $null = $Server.AddUser($MbUser, $MbPassword)
        Seed $MbUser INBOX (Get-MixedMessages)
        $script:Cred = [pscredential]::new($MbUser, (ConvertTo-SecureString $MbPassword -AsPlainText -Force))
        $script:S = Connect-ImapTest -Server $Server -Credential $Cred
        Add-Keywords $S
    }

    It 'writes every message with the bytes mbsync pulls (less mbsync''s LF line ends and X-TUID header) and the same flags' {
        if (-not $Mbsync) { Set-ItResult -Skipped -Because 'mbsync is not installed (build.ps1 -Task Test installs Debian''s isync)'; return }
        $ours = Join-Path $TestDrive 'ours'
        $theirs = Join-Path $TestDrive 'theirs'
        $null = New-Item -ItemType Directory -Path $theirs
        $exported = Export-ImapMailbox -Session $S -Mailbox INBOX -Destination $ours
        $exported.Added | Should -Be 7

        # Pull only, over STARTTLS trusting exactly the fixture's certificate. Its names are localhost
        # and IP 127.0.0.1; isync 1.4 matches DNS names only, so the host is localhost (loopback).
        $rc = Join-Path $TestDrive 'mbsyncrc'
        Set-Content -LiteralPath $rc -Value @"
IMAPAccount far
Host localhost
Port $($Server.ImapPort)
User $MbUser
Pass $MbPassword
SSLType STARTTLS
CertificateFile $($Server.CertificatePath)

IMAPStore far
Account far

MaildirStore near
Path $theirs/
Inbox $theirs/INBOX

Channel pull
Far :far:
Near :near:
Patterns INBOX
Sync Pull
Create Near
Expunge None
SyncState *
"@
        $output = & $Mbsync.Source -c $rc -a 2>&1
        $LASTEXITCODE | Should -Be 0 -Because "mbsync said: $($output -join ' | ')"

        # Our files are named <uid>.…:2,<flags>, mbsync's …,U=<uid>:2,<flags>: pair them by UID.
        $mine = @{}
        Get-ChildItem (Join-Path $ours 'cur') -File | ForEach-Object { $mine[[uint32]($_.Name -replace '\..*$', '')] = $_ }
        $pulled = @{}
        Get-ChildItem (Join-Path $theirs 'INBOX/cur'), (Join-Path $theirs 'INBOX/new') -File | ForEach-Object {
            $_.Name | Should -Match ',U=(\d+):2,' -Because 'mbsync names a pulled file with its UID'
            $pulled[[uint32]($_.Name -replace '^.*,U=(\d+):2,.*$', '$1')] = $_
        }
        $mine.Count | Should -Be 7
        @($pulled.Keys | Sort-Object) | Should -Be @($mine.Keys | Sort-Object) -Because 'both tools hold every message of the mailbox'

        # Our files are the server's bytes: each hashes as Save-ImapMessage's copy of the same UID.
        $served = Join-Path $TestDrive 'served'
        Save-ImapMessage -Session $S -Mailbox INBOX -Uid @($mine.Keys) -Destination "$served/"
        $latin1 = [Text.Encoding]::Latin1
        foreach ($uid in $mine.Keys) {
            $file = $mine[$uid]
            $original = Get-ChildItem $served -Filter "*_$uid.eml"
            (Get-FileHash $file.FullName).Hash | Should -Be (Get-FileHash $original.FullName).Hash -Because "UID $uid is exported byte for byte as the server serves it"

            $ourBytes = [IO.File]::ReadAllBytes($file.FullName)
            $theirBytes = [IO.File]::ReadAllBytes($pulled[$uid].FullName)
            $ourText = $latin1.GetString($ourBytes)
            $theirText = $latin1.GetString($theirBytes)
            $ourText | Should -Match "^[^\n]*\r\n" -Because 'the server sends CRLF line ends and the export keeps them'
            $theirText.Contains("`r") | Should -BeFalse -Because 'mbsync writes LF line ends into a Maildir'
            # mbsync's own header: exactly one X-TUID line, the last of the header.
            $header = $theirText.Substring(0, $theirText.IndexOf("`n`n") + 1)
            $tuid = [regex]::Matches($theirText, '(?m)^X-TUID: [^\n]*\n')
            $tuid.Count | Should -Be 1 -Because "mbsync adds one X-TUID header to UID $uid"
            $header.EndsWith($tuid[0].Value) | Should -BeTrue -Because 'X-TUID is appended at the end of the header'
            $withoutTuid = $theirText.Remove($tuid[0].Index, $tuid[0].Length)
            $withoutTuid | Should -BeExactly ($ourText.Replace("`r`n", "`n")) -Because "UID $uid holds the same bytes once CRLF is LF and mbsync's X-TUID is gone"

            # The standard flags (Maildir letters D F P R S T; keywords are lower-case letters of ours only).
            $ourFlags = ($file.Name -replace '^.*:2,', '') -creplace '[^A-Z]', ''
            $theirFlags = ($pulled[$uid].Name -replace '^.*:2,', '') -creplace '[^A-Z]', ''
            $theirFlags | Should -BeExactly $ourFlags -Because "UID $uid has the same system flags in both copies"
        }
        # The letters that occur at all, so the comparison covers every one mbsync maps.
        $letters = -join ($mine.Values | ForEach-Object { ($_.Name -replace '^.*:2,', '') -creplace '[^A-Z]', '' })
        (@($letters.ToCharArray() | Sort-Object -Unique -CaseSensitive) -join '') | Should -BeExactly 'DFPRST'
    }
}

Describe 'Export-ImapMailbox cut mid-way' {
    BeforeAll {
        $script:Cred = New-User 'cut'
        Seed $Cred.UserName INBOX @(1..320 | ForEach-Object { Msg "bulk $_" -Flag @(if ($_ % 3 -eq 0) { '\Seen' }) -Body ("line $_`r`n" * ($_ % 7 + 1)) })
        $script:Reference = @{}
        $s = Connect-ImapTest -Server $Server -Credential $Cred
        foreach ($format in 'Maildir', 'Mbox', 'Eml') {
            $dir = New-Folder "ref-$format"
            $null = Export-ImapMailbox -Session $s -Mailbox INBOX -Destination $dir -Format $format
            $Reference[$format] = $dir
        }
        Disconnect-Imap -Session $s
    }
    AfterEach { if ($script:Proxy) { $script:Proxy.Dispose(); $script:Proxy = $null } }

    It 'ends identical to an uncut run when re-run after the connection drops (<Format>, <Cut>)' -ForEach @(
        @{ Format = 'Maildir'; Cut = 'BeforeCommand' }, @{ Format = 'Maildir'; Cut = 'BeforeReply' }
        @{ Format = 'Mbox'; Cut = 'BeforeCommand' }, @{ Format = 'Mbox'; Cut = 'BeforeReply' }
        @{ Format = 'Eml'; Cut = 'BeforeReply' }
    ) {
        $dir = New-Folder "cut-$Format"
        # The first UID FETCH lists the mailbox; the next ones fetch chunks of 250 messages: cut at the second chunk.
        $script:Proxy = [ImapPS.Testing.CuttingProxy]::Start($Server.Host, $Server.ImapPort, ' UID FETCH ', 3, $Cut)
        $s = Connect-Imap -Server $Proxy.Host -Port $Proxy.Port -Credential $Cred -Security None -Identifier 'cut'
        $err = $null
        try { $null = Export-ImapMailbox -Session $s -Mailbox INBOX -Destination $dir -Format $Format -ErrorAction Stop } catch { $err = $_ }
        $Proxy.HasCut | Should -BeTrue
        $err.FullyQualifiedErrorId | Should -Be 'ConnectionLost,ImapPS.Commands.ExportImapMailboxCommand'
        $err.Exception.Message | Should -BeLike '*run the same command again to resume*'

        $s2 = Connect-ImapTest -Server $Server -Credential $Cred
        try {
            $rerun = Export-ImapMailbox -Session $s2 -Mailbox INBOX -Destination $dir -Format $Format
            $rerun.Complete | Should -BeTrue
            $rerun.Added | Should -BeLessThan 320 -Because 'the messages written before the cut are not fetched again'
            $rerun.Messages | Should -Be 320
        }
        finally { Disconnect-Imap -Session $s2 }
        $ref = $Reference[$Format]
        if ($Format -eq 'Mbox') {
            (Get-FileHash (Join-Path $dir INBOX.mbox)).Hash | Should -Be (Get-FileHash (Join-Path $ref INBOX.mbox)).Hash
        }
        else {
            $names = { param($p) @(Get-ChildItem $p -Recurse -File | Where-Object { $_.Directory.Name -eq 'cur' -or $_.Extension -eq '.eml' } | ForEach-Object Name | Sort-Object) }
            (& $names $dir) | Should -Be (& $names $ref)
            Get-FolderHashes $dir | Should -Be (Get-FolderHashes $ref)
        }
        @(Get-ChildItem $dir -Recurse -File -Filter '.imapps-*.part' -Force).Count | Should -Be 0
    }

    It 'cuts off a partial message a crash left at the end of an mbox, and resumes' {
        $dir = (New-Folder 'crash') + '.mbox'
        $ref = Join-Path $Reference['Mbox'] INBOX.mbox
        Copy-Item -LiteralPath $ref -Destination $dir
        Copy-Item -LiteralPath ($ref + '.imapps-state') -Destination "$dir.imapps-state"
        [IO.File]::AppendAllText($dir, "From MAILER-DAEMON Mon Jan  1 00:00:00 2024`nSubject: half a mess")
        $s = Connect-ImapTest -Server $Server -Credential $Cred
        try { $result = Export-ImapMailbox -Session $s -Mailbox INBOX -Destination $dir -Format Mbox -Verbose 4>&1 }
        finally { Disconnect-Imap -Session $s }
        @($result | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -like 'Cut off 64 bytes*' }).Count | Should -Be 1
        ($result | Where-Object { $_ -is [ImapPS.ImapExportResult] }).Method | Should -Be 'Unchanged'
        (Get-FileHash $dir).Hash | Should -Be (Get-FileHash $ref).Hash
    }
}

Describe 'Import-ImapMailbox' {
    BeforeAll {
        $script:Cred = New-User 'im'
        Seed $Cred.UserName INBOX (Get-MixedMessages)
        Seed $Cred.UserName 'Archive/2024' @((Msg 'archived one' -Flag '\Seen'), (Msg 'archived two'))
        $script:S = Connect-ImapTest -Server $Server -Credential $Cred
        Add-Keywords $S
    }

    It 'round-trips Export -> Import -> Export with identical bytes, flags and internal dates (<Format>, <Name>)' -ForEach @(
        @{ Format = 'Maildir'; Name = 'MULTIAPPEND'; Extra = @{} }
        @{ Format = 'Mbox'; Name = 'MULTIAPPEND'; Extra = @{} }
        @{ Format = 'Eml'; Name = 'MULTIAPPEND'; Extra = @{} }
        @{ Format = 'Maildir'; Name = 'one APPEND each'; Extra = @{ IgnoreCapability = 'MULTIAPPEND' } }
    ) {
        $first = New-Folder "rt1-$Format"
        $null = Export-ImapMailbox -Session $S -Mailbox INBOX, Archive -Recurse -Destination $first -Format $Format
        $target = New-User 'rt'
        $t = Connect-ImapTest -Server $Server -Credential $target -Extra $Extra
        try {
            $imported = @(Import-ImapMailbox -Session $t -Path $first -Recurse -Format $Format)
            ($imported | Measure-Object Added -Sum).Sum | Should -Be 9
            foreach ($mailbox in 'INBOX', 'Archive/2024') {
                Get-Snapshot $t $mailbox | Should -Be (Get-Snapshot $S $mailbox) -Because "$mailbox keeps bytes, flags and internal dates"
            }
            $second = New-Folder "rt2-$Format"
            $null = Export-ImapMailbox -Session $t -Mailbox INBOX, Archive -Recurse -Destination $second -Format $Format
            if ($Format -eq 'Mbox') {
                foreach ($f in 'INBOX.mbox', 'Archive/2024.mbox') {
                    (Get-FileHash (Join-Path $second $f)).Hash | Should -Be (Get-FileHash (Join-Path $first $f)).Hash
                }
            }
            else { Get-FolderHashes $second | Should -Be (Get-FolderHashes $first) }

            # A re-run adds nothing: every message is recognised (Message-ID and size, or content without one).
            $again = @(Import-ImapMailbox -Session $t -Path $first -Recurse -Format $Format)
            ($again | Measure-Object Added -Sum).Sum | Should -Be 0
            ($again | Measure-Object Skipped -Sum).Sum | Should -Be 9
            @(Get-ImapMessage -Session $t -Mailbox INBOX -All).Count | Should -Be 7
        }
        finally { Disconnect-Imap -Session $t }
    }

    It 'changes nothing under -WhatIf' {
        $dir = New-Folder 'wi'
        $null = Export-ImapMailbox -Session $S -Mailbox 'Archive/2024' -Format Eml -Destination $dir
        $target = New-User 'wi'
        $t = Connect-ImapTest -Server $Server -Credential $target
        try {
            $out = Import-ImapMailbox -Session $t -Path (Join-Path $dir 'Archive/2024') -Mailbox Restored -WhatIf
            $out | Should -BeNullOrEmpty
            @(Get-ImapMailbox -Session $t).Name | Should -Not -Contain 'Restored'
        }
        finally { Disconnect-Imap -Session $t }
    }

    It 'refuses a folder that names no mailbox without -Mailbox' {
        $dir = New-Folder 'nomb'
        $null = Export-ImapMailbox -Session $S -Mailbox 'Archive/2024' -Format Eml -Destination $dir
        $null = Import-ImapMailbox -Session $S -Path (Join-Path $dir 'Archive/2024') -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'MailboxRequired,ImapPS.Commands.ImportImapMailboxCommand'
    }
}
