#Requires -Modules Pester
# Connect-Imap, Disconnect-Imap, Get-ImapSession and Invoke-ImapCommand against a private Dovecot.

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    . $PSScriptRoot/ModuleTestHelpers.ps1
    $script:Server = Start-ImapTestServer
    $script:Cred = New-ImapTestUser -Server $Server
}

AfterAll {
    Get-ImapSession -IncludeClosed | Disconnect-Imap -ErrorAction SilentlyContinue
    $script:Server | Stop-ImapTestServer
}

Describe 'Connect-Imap' {
    It 'connects with STARTTLS, trusting the certificate through a script block, and becomes the default session' {
        $s = Connect-ImapTest -Server $Server -Credential $Cred
        $s.Security | Should -Be 'StartTls'
        $s.IsEncrypted | Should -BeTrue
        $s.State | Should -Be 'AUTH'
        $s.User | Should -Be $Cred.UserName
        $s.Capabilities | Should -Contain 'IDLE'
        Get-ImapSession -Default | Should -Be $s
        Disconnect-Imap -Session $s
        $s.IsConnected | Should -BeFalse
    }

    It 'connects with implicit TLS (-Security Ssl) and compression' {
        $thumb = $Server.CertificateThumbprint
        $s = Connect-Imap -Server $Server.Host -Port $Server.ImapsPort -Security Ssl -Credential $Cred -CertificateValidation { $_.Thumbprint -eq $thumb } -Compress
        $s.Security | Should -Be 'Ssl'
        $s.IsCompressed | Should -BeTrue
        @(Get-ImapMailbox -Session $s -Name INBOX).Count | Should -Be 1
        Disconnect-Imap -Session $s
    }

    It 'refuses a certificate it cannot verify, with a SecurityError' {
        { Connect-Imap -Server $Server.Host -Port $Server.ImapPort -Credential $Cred } | Should -Throw -ErrorId 'StartTlsFailed,ImapPS.Commands.ConnectImapCommand'
        $err = $null
        try { Connect-Imap -Server $Server.Host -Port $Server.ImapsPort -Security Ssl -Credential $Cred } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -Be 'TlsFailed,ImapPS.Commands.ConnectImapCommand'
        $err.CategoryInfo.Category | Should -Be 'SecurityError'
    }

    It 'warns with -SkipCertificateCheck and connects' {
        $s = Connect-Imap -Server $Server.Host -Port $Server.ImapPort -Credential $Cred -SkipCertificateCheck -WarningVariable w -WarningAction SilentlyContinue
        $w | Should -Not -BeNullOrEmpty
        $s.IsEncrypted | Should -BeTrue
        Disconnect-Imap -Session $s
    }

    It 'sends the password in clear only with -Security None' {
        $s = Connect-Imap -Server $Server.Host -Port $Server.ImapPort -Credential $Cred -Security None
        $s.IsEncrypted | Should -BeFalse
        $s.Security | Should -Be 'None'
        Disconnect-Imap -Session $s
    }

    It 'fails authentication with AuthenticationFailed (terminating, $? false)' {
        $bad = [pscredential]::new($Cred.UserName, (ConvertTo-SecureString 'wrong' -AsPlainText -Force))
        $err = $null
        try { Connect-ImapTest -Server $Server -Credential $bad } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -Be 'AuthenticationFailed,ImapPS.Commands.ConnectImapCommand'
        $err.CategoryInfo.Category | Should -Be 'AuthenticationError'
    }

    It 'authenticates with SASL mechanisms' -ForEach @(@{ M = 'PLAIN' }, @{ M = 'CRAM-MD5' }, @{ M = 'LOGIN' }) {
        $s = Connect-ImapTest -Server $Server -Credential $Cred -Extra @{ AuthenticationMechanism = $M }
        $s.State | Should -Be 'AUTH'
        Disconnect-Imap -Session $s
    }

    It 'fails to connect with ConnectionFailed' {
        { Connect-Imap -Server 127.0.0.1 -Port 1 -Credential $Cred -Security None -Timeout 00:00:05 } | Should -Throw -ErrorId 'ConnectionFailed,ImapPS.Commands.ConnectImapCommand'
    }

    It 'connects to a PREAUTH subprocess with -Command' {
        $s = Connect-Imap -Command $Server.StreamCommand('alice').ToString()
        $s.Security | Should -Be 'Stream'
        $s.State | Should -Be 'AUTH'
        @(Get-ImapMailbox -Session $s -Name INBOX).Name | Should -Be 'INBOX'
        Disconnect-Imap -Session $s
    }

    It 'shows the commands it sends with -Verbose, password redacted' {
        $plain = $Cred.GetNetworkCredential().Password
        $out = Connect-ImapTest -Server $Server -Credential $Cred -Extra @{ Verbose = $true } 4>&1
        $verbose = @($out | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message
        $verbose | Where-Object { $_ -match 'LOGIN' } | Should -Not -BeNullOrEmpty
        ($verbose -join "`n") | Should -Not -Match ([regex]::Escape($plain))
        $out | Where-Object { $_ -is [ImapPS.ImapSession] } | Disconnect-Imap
    }

    It 'has the documented parameters and parameter sets' {
        $expected = 'AccessToken', 'AccessTokenProvider', 'AuthenticationMechanism', 'CertificateValidation', 'Command', 'CommandDeadline', 'Compress', 'Credential', 'Force', 'Identifier',
            'IgnoreCapability', 'Port', 'Reconnect', 'ReconnectAttempts', 'ReconnectDelay', 'ReconnectGiveUpAfter', 'ReconnectPolicy',
            'Security', 'Server', 'SkipCertificateCheck', 'Timeout', 'UserName'
        Compare-Object $expected (Get-CmdletParameterName Connect-Imap) | Should -BeNullOrEmpty
        $cmd = Get-Command Connect-Imap
        $cmd.DefaultParameterSet | Should -Be 'Credential'
        ($cmd.ParameterSets.Name | Sort-Object) | Should -Be @('AccessToken', 'AccessTokenProvider', 'Command', 'Credential')
        $cmd.OutputType.Type | Should -Contain ([ImapPS.ImapSession])
    }
}

Describe 'Sessions' {
    It 'lists, names and disconnects sessions; -Force replaces one to the same server and user' {
        $a = Connect-ImapTest -Server $Server -Credential $Cred -Extra @{ Identifier = 'first' }
        $b = Connect-ImapTest -Server $Server -Credential $Cred -Extra @{ Identifier = 'second'; Force = $true }
        $a.IsConnected | Should -BeFalse
        (Get-ImapSession -Name 'sec*').Name | Should -Be 'second'
        Get-ImapSession -Default | Should -Be $b
        Disconnect-Imap
        $b.IsConnected | Should -BeFalse
    }

    It 'reports NoSession when there is no session' {
        Get-ImapSession | Disconnect-Imap
        { Get-ImapMailbox -ErrorAction Stop } | Should -Throw -ErrorId 'NoSession,ImapPS.Commands.GetImapMailboxCommand'
    }

    It 'reports SessionClosed for a closed session' {
        $s = Connect-ImapTest -Server $Server -Credential $Cred
        Disconnect-Imap -Session $s
        { Get-ImapMailbox -Session $s } | Should -Throw -ErrorId 'SessionClosed,ImapPS.Commands.GetImapMailboxCommand'
    }
}

Describe 'Invoke-ImapCommand' {
    BeforeAll { $script:S = Connect-ImapTest -Server $Server -Credential $Cred }

    It 'runs any command and returns the raw response' {
        $r = Invoke-ImapCommand -Session $S -Command NOOP
        $r.Type | Should -Be 'OK'
        $r = Invoke-ImapCommand -Session $S -Command STATUS INBOX '(MESSAGES)'
        $r.Untagged[0].Name | Should -Be 'STATUS'
        $r = Invoke-ImapCommand -Session $S -Command FETCH '1:*' '(FLAGS)' -Uid -Mailbox INBOX
        $r.IsOk | Should -BeTrue
    }

    It 'writes the server''s text as an error for a NO' {
        $r = Invoke-ImapCommand -Session $S -Command STATUS 'No/Such' '(MESSAGES)' -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -Be 'MailboxNotFound,ImapPS.Commands.InvokeImapCommandCommand'
        $r.Type | Should -Be 'NO'
    }

    It 'refuses commands that would change the session behind the module''s back' {
        { Invoke-ImapCommand -Session $S -Command LOGOUT -ErrorAction Stop } | Should -Throw -ErrorId 'CommandNotAllowed,ImapPS.Commands.InvokeImapCommandCommand'
    }
}
