# The private Dovecot server that every module test runs against.

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    $script:server = Start-ImapTestServer

    function Read-Greeting([int]$Port) {
        $client = [Net.Sockets.TcpClient]::new()
        try {
            if (-not $client.ConnectAsync($script:server.Host, $Port).Wait(5000)) { throw 'connect timed out' }
            $client.ReceiveTimeout = 5000
            $reader = [IO.StreamReader]::new($client.GetStream(), [Text.Encoding]::ASCII)
            return $reader.ReadLine()
        }
        finally {
            $client.Dispose()
        }
    }
}

AfterAll {
    Stop-ImapTestServer $script:server
}

Describe 'Private Dovecot test server' {
    It 'greets on the plain port of 127.0.0.1 and offers STARTTLS' {
        $script:server.Host | Should -Be '127.0.0.1'
        $greeting = Read-Greeting $script:server.ImapPort
        $greeting | Should -Match '^\* OK \[CAPABILITY IMAP4rev1 .*STARTTLS'
    }

    It 'logs alice in with her password quoted and escaped' {
        $credential = Get-ImapTestCredential $script:server
        $password = $credential.GetNetworkCredential().Password
        $password | Should -Match '["\\ ]'
        $quoted = '"' + $password.Replace('\', '\\').Replace('"', '\"') + '"'

        $client = [Net.Sockets.TcpClient]::new($script:server.Host, $script:server.ImapPort)
        try {
            $client.ReceiveTimeout = 5000
            $stream = $client.GetStream()
            $reader = [IO.StreamReader]::new($stream, [Text.Encoding]::ASCII)
            $writer = [IO.StreamWriter]::new($stream, [Text.Encoding]::ASCII)
            $writer.NewLine = "`r`n"
            $writer.AutoFlush = $true
            $null = $reader.ReadLine()
            $writer.WriteLine("a1 LOGIN alice $quoted")
            $reader.ReadLine() | Should -Match '^a1 OK .*QUOTA.*Logged in'
            $writer.WriteLine('a2 LOGOUT')
            $reader.ReadLine() | Should -BeLike '`* BYE*'
        }
        finally {
            $client.Dispose()
        }
    }

    It 'serves a self-signed certificate for localhost' {
        $script:server.Certificate.Subject | Should -Be 'CN=localhost'
        $script:server.CertificateThumbprint | Should -Be $script:server.Certificate.Thumbprint
        Test-Path $script:server.CertificatePath | Should -BeTrue
    }

    It 'seeds generated messages into a mailbox' {
        $user = $script:server.AddUser('pester1', 'pester pass')
        $generator = [ImapPS.Testing.MessageGenerator]::new(11)
        $script:server.SeedMaildir($user.Name, 'INBOX', $generator.Generate([ImapPS.Testing.MessageProfile]::Small, 25)) | Should -Be 25
        $script:server.Doveadm('mailbox', 'status', '-u', $user.Name, 'messages', 'INBOX') | Should -Match 'messages=25'
    }

    It 'stops a second server and removes its folder' {
        $second = Start-ImapTestServer ([ImapPS.Testing.DovecotOptions]::ForBenchmarks())
        $root = $second.RootDirectory
        $second.IsRunning | Should -BeTrue
        Stop-ImapTestServer $second
        $second.IsRunning | Should -BeFalse
        Test-Path $root | Should -BeFalse
    }
}
