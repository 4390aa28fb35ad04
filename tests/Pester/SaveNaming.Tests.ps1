#Requires -Modules Pester
# File names of Save-ImapAttachment and Save-ImapMessage (issue 11, items 6 and 13): names that depend only on the
# message, re-runs with a moved search window, RFC 2231 names, -Force, hostile names, and folder destinations.

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    . $PSScriptRoot/ModuleTestHelpers.ps1
    $script:Server = Start-ImapTestServer
    $script:Cred = New-ImapTestUser -Server $Server
    $script:S = Connect-ImapTest -Server $Server -Credential $Cred
    $script:Dir = Join-Path ([IO.Path]::GetTempPath()) ("imapps-names-" + [guid]::NewGuid().ToString('N'))
    New-Item -ItemType Directory -Path $Dir | Out-Null

    function Add-AttachmentMessage {
        <# Appends a multipart message with a text part and the given attachments; each is @{ Headers = '...'; Content = 'text' }. #>
        param([string]$Mailbox = 'INBOX', [string]$Subject = 'attachments', [hashtable[]]$Attachment)
        $text = "From: a@example.com`r`nTo: b@example.com`r`nSubject: $Subject`r`nMessage-ID: <$([guid]::NewGuid().ToString('N'))@test.example>`r`nMIME-Version: 1.0`r`nContent-Type: multipart/mixed; boundary=b0`r`n`r`n--b0`r`nContent-Type: text/plain`r`n`r`nsee attached`r`n"
        foreach ($a in $Attachment) {
            $body = [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($a.Content))
            $text += "--b0`r`n$($a.Headers)`r`nContent-Transfer-Encoding: base64`r`n`r`n$body`r`n"
        }
        $text += "--b0--`r`n"
        Add-ImapMessage -Session $S -Mailbox $Mailbox -Message $text
    }

    function New-Attachment([string]$Name, [string]$Content, [string]$Type = 'application/octet-stream') {
        # A quoted-string: backslashes and quotes escaped, so the server reports exactly $Name.
        $quoted = '"' + $Name.Replace('\', '\\').Replace('"', '\"') + '"'
        @{ Headers = "Content-Type: $Type; name=$quoted`r`nContent-Disposition: attachment; filename=$quoted"; Content = $Content }
    }

    function Get-Listing([string]$Path) {
        # Visible files only: the manifest is a dot file.
        [string[]]$listing = @(Get-ChildItem -LiteralPath $Path -File | ForEach-Object { "$($_.Name)=$(Get-Content -Raw -LiteralPath $_.FullName)" })
        [Array]::Sort($listing, [StringComparer]::Ordinal)
        $listing
    }
}

AfterAll {
    Get-ImapSession -IncludeClosed | Disconnect-Imap -ErrorAction SilentlyContinue
    $script:Server | Stop-ImapTestServer
    Remove-Item $script:Dir -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Save-ImapAttachment file names' {
    It 'keeps every earlier file when a re-run''s window moves: saves only what is new, without errors, with or without -Force' {
        New-ImapMailbox -Session $S -Name Window | Out-Null
        $a = Add-AttachmentMessage -Mailbox Window -Attachment (New-Attachment 'invoice.pdf' 'A')
        $b = Add-AttachmentMessage -Mailbox Window -Attachment (New-Attachment 'invoice.pdf' 'B')
        $c = Add-AttachmentMessage -Mailbox Window -Attachment (New-Attachment 'invoice.pdf' 'C')
        $target = Join-Path $Dir 'window'
        $first = @($a, $b | Save-ImapAttachment -Destination $target -PassThru -ErrorAction Stop)
        $first.Name | Should -Be @('invoice.pdf', "invoice (uid $($b.Uid)).pdf")
        # The window moves: B again, C new. B is already saved; C must not take or skip A's file.
        $e = $null
        $second = @($b, $c | Save-ImapAttachment -Destination $target -PassThru -ErrorVariable e)
        $e | Should -BeNullOrEmpty
        $second.Name | Should -Be @("invoice (uid $($c.Uid)).pdf")
        $expected = @("invoice (uid $($b.Uid)).pdf=B", "invoice (uid $($c.Uid)).pdf=C", 'invoice.pdf=A')
        Get-Listing $target | Should -Be $expected
        # With -Force, and in another order, nothing moves and nothing is rewritten.
        $third = @($c, $b | Save-ImapAttachment -Destination $target -PassThru -Force -ErrorVariable e)
        $e | Should -BeNullOrEmpty
        $third | Should -BeNullOrEmpty
        Get-Listing $target | Should -Be $expected
        Remove-ImapMailbox -Session $S -Name Window -Confirm:$false
    }

    It 'qualifies a name taken by another message with the UID, and numbers two attachments of one name in one message' {
        $d = Add-AttachmentMessage -Attachment (New-Attachment 'report.txt' 'd1'), (New-Attachment 'report.txt' 'd2'), (New-Attachment 'report (2).txt' 'd3')
        $e = Add-AttachmentMessage -Attachment (New-Attachment 'report.txt' 'e1')
        $target = Join-Path $Dir 'same-name'
        $files = @($d, $e | Save-ImapAttachment -Destination $target -PassThru -ErrorAction Stop)
        $files.Name | Should -Be @('report.txt', 'report (2).txt', 'report (2) (2).txt', "report (uid $($e.Uid)).txt")
        Get-Listing $target | Should -Be @('report (2) (2).txt=d3', 'report (2).txt=d2', "report (uid $($e.Uid)).txt=e1", 'report.txt=d1')
        # When E was saved first (an earlier run), E keeps the plain name and D's first attachment takes its UID name.
        $fresh = Join-Path $Dir 'same-name-2'
        ($e | Save-ImapAttachment -Destination $fresh -PassThru -ErrorAction Stop).Name | Should -Be 'report.txt'
        @($d | Save-ImapAttachment -Destination $fresh -PassThru -ErrorAction Stop).Name |
            Should -Be @("report (uid $($d.Uid)).txt", 'report (2).txt', 'report (2) (2).txt')
    }

    It 'decodes RFC 2231 names (filename*, name*, continuations) so -Filter finds them' {
        $m = Add-AttachmentMessage -Attachment @(
            @{ Headers = "Content-Type: application/pdf`r`nContent-Disposition: attachment; filename*=UTF-8''Rechnung%20%E2%82%AC.pdf"; Content = 'r' },
            @{ Headers = "Content-Type: application/pdf; name*=UTF-8''Beleg%C3%BC.pdf"; Content = 'b' },
            @{ Headers = "Content-Type: application/pdf`r`nContent-Disposition: attachment; filename*0*=UTF-8''Teil; filename*1*=%20zwei.pdf"; Content = 't' },
            @{ Headers = "Content-Type: application/pdf`r`nContent-Disposition: attachment; filename=""=?UTF-8?B?w5xiZXJzaWNodC5wZGY=?="""; Content = 'u' },
            @{ Headers = "Content-Type: text/plain`r`nContent-Disposition: attachment; filename*=iso-8859-1''Notiz%E4.txt"; Content = 'n' })
        $target = Join-Path $Dir 'rfc2231'
        $files = @($m | Save-ImapAttachment -Destination $target -Filter '*.pdf' -PassThru -ErrorAction Stop)
        $files.Name | Should -Be @('Rechnung €.pdf', 'Belegü.pdf', 'Teil zwei.pdf', 'Übersicht.pdf')
        $all = @($m | Save-ImapAttachment -Destination (Join-Path $Dir 'rfc2231-all') -PassThru -ErrorAction Stop)
        $all.Name | Should -Contain 'Notizä.txt'
        # The same names as Get-ImapMessage -Full reports.
        $full = Get-ImapMessage -Session $S -Mailbox INBOX -Uid $m.Uid -Full
        @($full.Message.BodyParts | Where-Object FileName | ForEach-Object FileName) | Should -Be $all.Name
    }

    It '-Force replaces only the same message''s own file' {
        $a = Add-AttachmentMessage -Attachment (New-Attachment 'statement.pdf' 'mine')
        $b = Add-AttachmentMessage -Attachment (New-Attachment 'statement.pdf' 'other')
        $f = Add-AttachmentMessage -Attachment (New-Attachment 'foreign.pdf' 'from the server')
        $target = Join-Path $Dir 'force'
        $a | Save-ImapAttachment -Destination $target -ErrorAction Stop
        Set-Content -LiteralPath (Join-Path $target 'statement.pdf') -Value 'edited' -NoNewline
        Set-Content -LiteralPath (Join-Path $target 'foreign.pdf') -Value 'not written by ImapPS' -NoNewline
        # Without -Force the message's own edited file is an error, not an overwrite.
        { $a | Save-ImapAttachment -Destination $target -ErrorAction Stop } | Should -Throw -ErrorId 'FileExists,ImapPS.Commands.SaveImapAttachmentCommand'
        Get-Content -Raw (Join-Path $target 'statement.pdf') | Should -Be 'edited'
        $files = @($a, $b, $f | Save-ImapAttachment -Destination $target -Force -PassThru -ErrorAction Stop)
        $files.Name | Should -Be @('statement.pdf', "statement (uid $($b.Uid)).pdf", "foreign (uid $($f.Uid)).pdf")
        Get-Listing $target | Should -Be @("foreign (uid $($f.Uid)).pdf=from the server", 'foreign.pdf=not written by ImapPS', "statement (uid $($b.Uid)).pdf=other", 'statement.pdf=mine')
    }

    It 'cuts a long name and still qualifies it with the UID when another message took it' {
        $long = ('ü' * 150) + '.pdf'
        $a = Add-AttachmentMessage -Attachment (New-Attachment $long 'one')
        $b = Add-AttachmentMessage -Attachment (New-Attachment $long 'two')
        $target = Join-Path $Dir 'long'
        $files = @($a, $b | Save-ImapAttachment -Destination $target -PassThru -ErrorAction Stop)
        $files.Name | Should -Be @((('ü' * 70) + '.pdf'), (('ü' * 70) + " (uid $($b.Uid)).pdf"))
        @($a, $b | Save-ImapAttachment -Destination $target -PassThru -ErrorAction Stop) | Should -BeNullOrEmpty
    }

    It 'never writes outside the destination, whatever the sender names a file' {
        $names = @('../../escape.txt', '/etc/abs.txt', '..\..\win.txt', 'C:\Windows\drive.txt', '..', '.imapps-attachments', 'CON.txt', 'a<b>c:d|e?f*.txt', "evil$([char]0x202E)fdp.exe")
        $parts = @($names | ForEach-Object { New-Attachment $_ ($_ + ' content') })
        $parts += @{ Headers = "Content-Type: application/octet-stream`r`nContent-Disposition: attachment; filename*=UTF-8''%2E%2E%2F%2E%2E%2Fencoded.txt"; Content = 'encoded' }
        $m = Add-AttachmentMessage -Attachment $parts
        $root = Join-Path $Dir 'jail'
        $target = Join-Path $root 'deep/target'
        New-Item -ItemType Directory -Path $target | Out-Null
        $files = @($m | Save-ImapAttachment -Destination $target -PassThru -ErrorAction Stop)
        $files.Count | Should -Be 10
        foreach ($file in $files) { $file.DirectoryName | Should -Be (Get-Item -LiteralPath $target).FullName }
        $files.Name | Should -Be @('escape.txt', 'abs.txt', 'win.txt', 'drive.txt', "attachment-$($m.Uid)-6", '_imapps-attachments', '_CON.txt', 'a_b_c_d_e_f_.txt', 'evil_fdp.exe', 'encoded.txt')
        @(Get-ChildItem -LiteralPath $root -Recurse -Force -File | Where-Object DirectoryName -NE (Get-Item -LiteralPath $target).FullName) | Should -BeNullOrEmpty
        # The manifest is the cmdlet's own, not the attachment named like it.
        Get-Content -LiteralPath (Join-Path $target '.imapps-attachments') | Select-Object -First 1 | Should -Match '^# ImapPS Save-ImapAttachment'
    }
}

Describe 'Save-ImapMessage destinations' {
    It 'treats a destination that does not exist and has no extension as a folder to create' {
        New-ImapMailbox -Session $S -Name Dest | Out-Null
        $one = Add-ImapMessage -Session $S -Mailbox Dest -Message (New-ImapTestMessage -Subject one)
        $two = Add-ImapMessage -Session $S -Mailbox Dest -Message (New-ImapTestMessage -Subject two)
        $folder = Join-Path $Dir 'new-backup'
        $e = $null
        $files = @($one, $two | Save-ImapMessage -Destination $folder -PassThru -ErrorVariable e)
        $e | Should -BeNullOrEmpty
        Test-Path -LiteralPath $folder -PathType Container | Should -BeTrue
        $files.Name | Should -Be @("Dest_$($one.UidValidity)_$($one.Uid).eml", "Dest_$($two.UidValidity)_$($two.Uid).eml")
        # A new path with an extension is a file, holding one message.
        $file = Join-Path $Dir 'single-new.eml'
        $one, $two | Save-ImapMessage -Destination $file -ErrorVariable e -ErrorAction SilentlyContinue
        Test-Path -LiteralPath $file -PathType Leaf | Should -BeTrue
        $e[0].FullyQualifiedErrorId | Should -Be 'DestinationIsFile,ImapPS.Commands.SaveImapMessageCommand'
    }
}
