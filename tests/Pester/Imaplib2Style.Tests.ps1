#Requires -Modules Pester
# ImapPS.Client called from PowerShell the way imaplib2's documentation reads: None is $null,
# with no [NullString] and no callback overload getting in the way (issue 13, item 10).

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    . $PSScriptRoot/ModuleTestHelpers.ps1
    $script:Server = Start-ImapTestServer
    $cred = New-ImapTestUser -Server $Server
    $options = [ImapPS.Client.ImapClientOptions]::new()
    $script:M = [ImapPS.Client.Imap4Client]::new($Server.Host, $Server.ImapPort, $options)
    $null = $M.Login($cred.UserName, $cred.GetNetworkCredential().Password)
    function script:Message([string]$Subject) { [Text.Encoding]::ASCII.GetBytes("Subject: $Subject`r`n`r`nbody`r`n") }
}

AfterAll {
    if ($script:M) { $script:M.Dispose() }
    $script:Server | Stop-ImapTestServer
}

Describe 'imaplib2-style calls from PowerShell' {
    It 'appends with $null for mailbox, flags and date (INBOX, as imaplib2 does)' {
        $r = $M.Append($null, $null, $null, (Message 'first'))
        $r.Type | Should -Be 'OK'
        $r.Data[0].Text | Should -Match '^\[APPENDUID \d+ 1\] '
    }

    It 'takes the date as seconds since 1970 or as an INTERNALDATE string' {
        $M.Append('INBOX', '(\Seen)', 0, (Message 'epoch')).Type | Should -Be 'OK'
        $M.Append('', $null, '"17-Jul-1996 02:44:25 -0700"', (Message 'dated')).Type | Should -Be 'OK'
        $null = $M.Select()
        $dates = $M.Fetch('2:3', '(INTERNALDATE)').Data | ForEach-Object Text
        $dates[0] | Should -Match 'INTERNALDATE "01-Jan-1970 00:00:00 \+0000"|INTERNALDATE "\d\d-\w{3}-19(69|70) '
        $dates[1] | Should -Match 'INTERNALDATE "17-Jul-1996 (09:44:25 \+0000|02:44:25 -0700)"'
    }

    It 'searches with $null as the charset, binding to the plain form' {
        $null = $M.Select()
        $r = $M.Search($null, 'SUBJECT', '"dated"')
        $r.Type | Should -Be 'OK'
        $r.Data[0].Text | Should -Be '3'
        $M.Uid('SEARCH', 'SUBJECT', '"epoch"').Data[0].Text | Should -Be '2'
        $M.Sort('(SUBJECT)', 'UTF-8', 'ALL').Data[0].Text | Should -Be '3 2 1'
    }

    It 'returns None ($null) where imaplib2 does: a LIST without a match, a silent STORE, response() of nothing' {
        $list = $M.List('""', 'nomatch%')
        $list.Type | Should -Be 'OK'
        $list.Data.Count | Should -Be 1
        $list.Data[0] | Should -BeNullOrEmpty
        $M.Store('1', '+FLAGS.SILENT', '(\Flagged)').Data[0] | Should -BeNullOrEmpty
        $M.Response('ALERT').Data[0] | Should -BeNullOrEmpty
    }

    It 'reads pre-quoted and single-quoted mailbox names as the documentation says' {
        $M.Create('"Pre Quoted"').Type | Should -Be 'OK'
        $M.Create("'single'").Type | Should -Be 'OK'
        $M.List('""', '"Pre%"').Data[0].Text | Should -Be '(\HasNoChildren) "/" "Pre Quoted"'
        $M.List('""', 'sing*').Data[0].Text | Should -Be '(\HasNoChildren) "/" single'
        $M.Delete('"Pre Quoted"').Type | Should -Be 'OK'
        $M.Delete('single').Type | Should -Be 'OK'
    }
}
