#Requires -Modules Pester
# Issue 16, "The everyday surface": errors that tell the user what to do; searching and reading.

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    . $PSScriptRoot/ModuleTestHelpers.ps1
    $script:Server = Start-ImapTestServer
    $script:ModulePath = (Get-Module ImapPS).Path

    # Loopback servers that misbehave on purpose: silent, or answering a ClientHello with fixed
    # bytes, or TLS with a given certificate. Each accepts connections until disposed.
    if (-not ('ImapPSTests.FakeTlsServer' -as [type])) {
        Add-Type -TypeDefinition @'
using System;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Tasks;
namespace ImapPSTests {
    public sealed class FakeTlsServer : IDisposable {
        private readonly TcpListener _listener = new TcpListener(IPAddress.Loopback, 0);
        private readonly X509Certificate2 _certificate;
        private readonly byte[] _reply;
        public int Port { get; }
        public int Accepted;
        // certificate: a TLS server with it; reply: after the client's first bytes, these bytes.
        public FakeTlsServer(X509Certificate2 certificate, byte[] reply) {
            _certificate = certificate; _reply = reply;
            _listener.Start();
            Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
            _ = Task.Run(AcceptLoop);
        }
        private async Task AcceptLoop() {
            while (true) {
                TcpClient client;
                try { client = await _listener.AcceptTcpClientAsync(); } catch { return; }
                System.Threading.Interlocked.Increment(ref Accepted);
                _ = Task.Run(() => Serve(client));
            }
        }
        private async Task Serve(TcpClient client) {
            using (client) {
                try {
                    var stream = client.GetStream();
                    if (_certificate != null) {
                        using (var tls = new SslStream(stream)) {
                            await tls.AuthenticateAsServerAsync(_certificate);
                            var greeting = System.Text.Encoding.ASCII.GetBytes("* OK ready\r\n");
                            await tls.WriteAsync(greeting, 0, greeting.Length);
                            await tls.ReadAsync(new byte[1024], 0, 1024);
                        }
                    } else if (_reply != null) {
                        var buffer = new byte[4096];
                        if (await stream.ReadAsync(buffer, 0, buffer.Length) > 0) await stream.WriteAsync(_reply, 0, _reply.Length);
                        await stream.ReadAsync(buffer, 0, buffer.Length);
                    } else {
                        await stream.ReadAsync(new byte[4096], 0, 4096);
                    }
                } catch { }
            }
        }
        public void Dispose() { _listener.Stop(); }
    }
}
'@
    }

    function New-ExpiredCertificate {
        $key = [System.Security.Cryptography.RSA]::Create(2048)
        $request = [System.Security.Cryptography.X509Certificates.CertificateRequest]::new('CN=localhost', $key,
            [System.Security.Cryptography.HashAlgorithmName]::SHA256, [System.Security.Cryptography.RSASignaturePadding]::Pkcs1)
        $now = [DateTimeOffset]::UtcNow
        $cert = $request.CreateSelfSigned($now.AddDays(-30), $now.AddDays(-2))
        [System.Security.Cryptography.X509Certificates.X509CertificateLoader]::LoadPkcs12($cert.Export('Pkcs12'), $null)
    }

    function Get-TerminatingError([scriptblock]$Script) {
        try { & $Script; $null } catch { $_ }
    }
}

AfterAll {
    Get-ImapSession -IncludeClosed | Disconnect-Imap -ErrorAction SilentlyContinue
    $script:Server | Stop-ImapTestServer
}

Describe 'Errors that tell the user what to do' {
    BeforeAll {
        $script:Cred = New-ImapTestUser -Server $Server
        $script:S = Connect-ImapTest -Server $Server -Credential $Cred
    }

    It 'refuses UID 0 with InvalidUid, in the user''s terms' {
        $null = Get-ImapMessage -Session $S -Mailbox INBOX -Uid 0 -ErrorVariable e -ErrorAction SilentlyContinue
        $e.Count | Should -Be 1
        $e[0].FullyQualifiedErrorId | Should -Be 'InvalidUid,ImapPS.Commands.GetImapMessageCommand'
        $e[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $e[0].Exception.Message | Should -Match 'UID'
        $e[0].Exception.Message | Should -Not -Match "Parameter 'numbers'"
    }

    It 'refuses a line break in -Query with InvalidQuery, not the engine''s parameter name' {
        $err = Get-TerminatingError { Search-ImapMessage -Session $S -Query "SUBJECT x`r`nFLAGGED" }
        $err.FullyQualifiedErrorId | Should -Be 'InvalidQuery,ImapPS.Commands.SearchImapMessageCommand'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err.Exception.Message | Should -Match 'line break'
        $err.Exception.Message | Should -Not -Match 'fragment'
    }

    It 'refuses a message of one account piped with -Session of another (SessionMismatch), and leaves the other account alone' {
        $bobCred = New-ImapTestUser -Server $Server
        $bob = Connect-ImapTest -Server $Server -Credential $bobCred
        try {
            $mine = Add-ImapMessage -Session $S -Mailbox INBOX -Message (New-ImapTestMessage -Subject 'alice''s')
            $theirs = Add-ImapMessage -Session $bob -Mailbox INBOX -Message (New-ImapTestMessage -Subject 'bob''s')
            $mine | Get-ImapMessage -Session $bob -ErrorVariable e1 -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $e1[0].FullyQualifiedErrorId | Should -Be 'SessionMismatch,ImapPS.Commands.GetImapMessageCommand'
            $e1[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
            $e1[0].Exception.Message | Should -Match 'another|account'
            $e1[0].Exception.Message | Should -Not -Match 'recreated'
            $mine | Set-ImapFlag -Session $bob -Add Flagged -ErrorVariable e2 -ErrorAction SilentlyContinue
            $e2[0].FullyQualifiedErrorId | Should -Be 'SessionMismatch,ImapPS.Commands.SetImapFlagCommand'
            $mine | Remove-ImapMessage -Session $bob -Confirm:$false -ErrorVariable e3 -ErrorAction SilentlyContinue
            $e3[0].FullyQualifiedErrorId | Should -Be 'SessionMismatch,ImapPS.Commands.RemoveImapMessageCommand'
            $after = Get-ImapMessage -Session $bob -Mailbox INBOX -Uid $theirs.Uid
            $after.Subject | Should -Be "bob's"
            $after.IsFlagged | Should -BeFalse
            # Without -Session the message's own session is used.
            ($mine | Get-ImapMessage).Subject | Should -Be "alice's"
        }
        finally { Disconnect-Imap -Session $bob }
    }

    It 'refuses a mailbox of one account piped with -Session of another (SessionMismatch), and leaves the other account''s same-named mailbox alone' {
        $bobCred = New-ImapTestUser -Server $Server
        $bob = Connect-ImapTest -Server $Server -Credential $bobCred
        $name = 'Same' + [guid]::NewGuid().ToString('N').Substring(0, 6)
        try {
            $mine = New-ImapMailbox -Session $S -Name $name
            $null = New-ImapMailbox -Session $bob -Name $name
            $null = Add-ImapMessage -Session $bob -Mailbox $name -Message (New-ImapTestMessage -Subject 'bob keeps this')
            $mine | Remove-ImapMailbox -Session $bob -Confirm:$false -ErrorVariable e1 -ErrorAction SilentlyContinue
            $e1.Count | Should -Be 1
            $e1[0].FullyQualifiedErrorId | Should -Be 'SessionMismatch,ImapPS.Commands.RemoveImapMailboxCommand'
            $e1[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
            $mine | Rename-ImapMailbox -Session $bob -NewName ($name + 'x') -Confirm:$false -ErrorVariable e2 -ErrorAction SilentlyContinue
            $e2[0].FullyQualifiedErrorId | Should -Be 'SessionMismatch,ImapPS.Commands.RenameImapMailboxCommand'
            $mine | Get-ImapMessage -Session $bob -All -ErrorVariable e3 -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $e3[0].FullyQualifiedErrorId | Should -Be 'SessionMismatch,ImapPS.Commands.GetImapMessageCommand'
            # bob's mailbox of the same name is untouched.
            (Get-ImapMailbox -Session $bob -Name $name).Name | Should -Be $name
            (Search-ImapMessage -Session $bob -Mailbox $name).Subject | Should -Be 'bob keeps this'
            # Without -Session the mailbox's own session is used.
            $mine | Remove-ImapMailbox -Confirm:$false
            @((Get-ImapMailbox -Session $S).Name) | Should -Not -Contain $name
        }
        finally {
            Remove-ImapMailbox -Session $bob -Name $name -Confirm:$false -ErrorAction SilentlyContinue
            Disconnect-Imap -Session $bob
        }
    }

    It 'warns that -Security None sends the password in clear' {
        $s = Connect-Imap -Server $Server.Host -Port $Server.ImapPort -Credential $Cred -Security None -WarningVariable w -WarningAction SilentlyContinue
        try {
            $w.Count | Should -Be 1
            "$($w[0])" | Should -Match 'clear'
            "$($w[0])" | Should -Match ([regex]::Escape($Cred.UserName))
        }
        finally { Disconnect-Imap -Session $s }
    }

    It 'reports a lost connection during Invoke-ImapIdle as ConnectionLost (ConnectionError)' {
        $watcherCred = New-ImapTestUser -Server $Server
        $watcher = Connect-ImapTest -Server $Server -Credential $watcherCred
        $ps = [powershell]::Create()
        $null = $ps.AddScript('param($m, $s) Import-Module $m; try { Invoke-ImapIdle -Session $s -Mailbox INBOX -Timeout 00:00:30 } catch { $_ }').AddArgument($ModulePath).AddArgument($watcher)
        $handle = $ps.BeginInvoke()
        try {
            # Wait (bounded) until the watcher idles, then have the server drop every session of the user.
            $deadline = [DateTime]::UtcNow.AddSeconds(15)
            while ($watcher.Client.State -ne 'SELECTED' -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
            $null = $Server.Doveadm('kick', $watcherCred.UserName)
            $handle.AsyncWaitHandle.WaitOne([TimeSpan]::FromSeconds(20)) | Should -BeTrue
            $out = @($ps.EndInvoke($handle))
            $err = $out | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] } | Select-Object -First 1
            $err | Should -Not -BeNullOrEmpty
            $err.FullyQualifiedErrorId | Should -Be 'ConnectionLost,ImapPS.Commands.InvokeImapIdleCommand'
            $err.CategoryInfo.Category | Should -Be 'ConnectionError'
            "$err" | Should -Match 'lost while watching'
        }
        finally { $ps.Dispose() }
    }

    It 'says "-Security Ssl" when -Security Auto meets an implicit-TLS port, without waiting for the timeout' {
        $err = Get-TerminatingError { Connect-Imap -Server $Server.Host -Port $Server.ImapsPort -Credential $Cred -Timeout 00:01:00 }
        $err.FullyQualifiedErrorId | Should -Be 'ImplicitTlsPort,ImapPS.Commands.ConnectImapCommand'
        $err.CategoryInfo.Category | Should -Be 'ConnectionError'
        $err.Exception.Message | Should -Match '-Security Ssl'
    }

    It 'says so when a server sends nothing at all, naming the implicit-TLS possibility' {
        $silent = [ImapPSTests.FakeTlsServer]::new($null, $null)
        try {
            $err = Get-TerminatingError { Connect-Imap -Server 127.0.0.1 -Port $silent.Port -Credential $Cred -Security None -Timeout 00:00:04 -WarningAction SilentlyContinue }
            $err.FullyQualifiedErrorId | Should -Be 'GreetingTimeout,ImapPS.Commands.ConnectImapCommand'
            $err.Exception.Message | Should -Match 'no IMAP greeting'
            $err.Exception.Message | Should -Match '-Security Ssl'
        }
        finally { $silent.Dispose() }
    }

    It 'says "-Security StartTls" when -Security Ssl meets a plain IMAP port' {
        $err = Get-TerminatingError { Connect-Imap -Server $Server.Host -Port $Server.ImapPort -Security Ssl -Credential $Cred -Timeout 00:00:20 }
        $err.FullyQualifiedErrorId | Should -Be 'TlsFailed,ImapPS.Commands.ConnectImapCommand'
        $err.Exception.Message | Should -Match 'plain IMAP'
        $err.Exception.Message | Should -Match 'StartTls'
    }

    It 'names an expired certificate as expired, with its date' {
        $cert = New-ExpiredCertificate
        $tls = [ImapPSTests.FakeTlsServer]::new($cert, $null)
        try {
            $err = Get-TerminatingError { Connect-Imap -Server localhost -Port $tls.Port -Security Ssl -Credential $Cred -Timeout 00:00:20 }
            $err.FullyQualifiedErrorId | Should -Be 'TlsFailed,ImapPS.Commands.ConnectImapCommand'
            $err.CategoryInfo.Category | Should -Be 'SecurityError'
            $err.Exception.Message | Should -Match 'expired'
            $err.Exception.Message | Should -Match ([regex]::Escape($cert.NotAfter.ToUniversalTime().ToString('yyyy-MM-dd')))
        }
        finally { $tls.Dispose() }
    }

    It 'names a server that offers only TLS 1.1' {
        # A TLS 1.1-only server answers a ClientHello with a ServerHello of version 3.2 (TLS 1.1).
        $hello = [byte[]](@(0x02, 0x00, 0x00, 0x46, 0x03, 0x02) + @(1..32) + @(0x20) + @(1..32) + @(0x00, 0x2F, 0x00))
        $record = [byte[]](@(0x16, 0x03, 0x02, 0x00, $hello.Length) + $hello)
        $old = [ImapPSTests.FakeTlsServer]::new($null, $record)
        try {
            $err = Get-TerminatingError { Connect-Imap -Server 127.0.0.1 -Port $old.Port -Security Ssl -Credential $Cred -Timeout 00:00:20 }
            $err.FullyQualifiedErrorId | Should -Be 'TlsFailed,ImapPS.Commands.ConnectImapCommand'
            $err.Exception.Message | Should -Match 'TLS 1\.1'
            $err.Exception.Message | Should -Match 'TLS 1\.2'
            $err.Exception.Message | Should -Not -Match 'see inner exception'
        }
        finally { $old.Dispose() }
    }
}

Describe 'Searching' {
    BeforeAll {
        $script:Cred = New-ImapTestUser -Server $Server
        $script:S = Connect-ImapTest -Server $Server -Credential $Cred
        $null = New-ImapMailbox -Session $S -Name Search
        $script:M = @{}
        foreach ($spec in @(
                @{ Key = 'a'; From = 'ann@example.com'; Subject = 'one'; Flag = @('Seen') },
                @{ Key = 'b'; From = 'ben@example.com'; Subject = 'two'; Flag = @() },
                @{ Key = 'c'; From = 'cid@example.com'; Subject = 'three'; Flag = @('Seen', 'Flagged') },
                @{ Key = 'q'; From = 'quote@example.com'; Subject = 'say "hi" OR ALL'; Flag = @() })) {
            $M[$spec.Key] = Add-ImapMessage -Session $S -Mailbox Search -Message (New-ImapTestMessage -From $spec.From -Subject $spec.Subject) -Flag $spec.Flag
        }
    }

    It 'treats several values of one criterion as OR: -From a, b' {
        @(Search-ImapMessage -Session $S -Mailbox Search -From ann, ben -UidOnly) | Sort-Object | Should -Be @($M.a.Uid, $M.b.Uid)
    }

    It 'leaves out what -Not matches' {
        @(Search-ImapMessage -Session $S -Mailbox Search -Not @{ From = 'ann', 'quote' } -UidOnly) | Sort-Object | Should -Be @($M.b.Uid, $M.c.Uid)
        @(Search-ImapMessage -Session $S -Mailbox Search -Not @{ Seen = $true } -UidOnly) | Sort-Object | Should -Be @($M.b.Uid, $M.q.Uid)
    }

    It 'keeps what any -Any group matches, each group all of its entries' {
        $found = @(Search-ImapMessage -Session $S -Mailbox Search -Any @{ From = 'ben' }, @{ Seen = $true; Flagged = $true } -UidOnly) | Sort-Object
        $found | Should -Be @($M.b.Uid, $M.c.Uid)
    }

    It 'sends every value through the engine''s quoting: a subject with quotes and OR ALL matches only itself' {
        @(Search-ImapMessage -Session $S -Mailbox Search -Subject 'say "hi" OR ALL' -UidOnly) | Should -Be @($M.q.Uid)
        @(Search-ImapMessage -Session $S -Mailbox Search -Any @{ Subject = "line`r`nbreak" }, @{ From = 'cid' } -UidOnly) | Should -Be @($M.c.Uid)
    }

    It 'refuses an unknown criterion in -Not or -Any with InvalidCriterion' {
        $err = Get-TerminatingError { Search-ImapMessage -Session $S -Mailbox Search -Not @{ Sender = 'x' } }
        $err.FullyQualifiedErrorId | Should -Be 'InvalidCriterion,ImapPS.Commands.SearchImapMessageCommand'
        $err.Exception.Message | Should -Match 'Sender'
    }

    It 'tells the saved date (-SavedBefore, -SavedSince) from the received date (-Before)' {
        $old = Add-ImapMessage -Session $S -Mailbox Search -Message (New-ImapTestMessage -Subject 'received long ago') -InternalDate '2001-02-03T04:05:06Z'
        $tomorrow = (Get-Date).Date.AddDays(1)
        @(Search-ImapMessage -Session $S -Mailbox Search -Before '2002-01-01' -UidOnly) | Should -Be @($old.Uid)
        @(Search-ImapMessage -Session $S -Mailbox Search -SavedBefore '2002-01-01' -UidOnly) | Should -BeNullOrEmpty
        @(Search-ImapMessage -Session $S -Mailbox Search -SavedSince (Get-Date).Date.AddDays(-1) -UidOnly) | Should -Contain $old.Uid
        @(Search-ImapMessage -Session $S -Mailbox Search -SavedBefore $tomorrow.AddDays(1) -UidOnly) | Should -Contain $old.Uid
    }

    It 'refuses -SavedBefore with SaveDateNotSupported when the server lacks SAVEDATE' {
        $s2 = Connect-ImapTest -Server $Server -Credential $Cred -Extra @{ IgnoreCapability = 'SAVEDATE' }
        try {
            $err = Get-TerminatingError { Search-ImapMessage -Session $s2 -Mailbox Search -SavedBefore '2020-01-01' }
            $err.FullyQualifiedErrorId | Should -Be 'SaveDateNotSupported,ImapPS.Commands.SearchImapMessageCommand'
            $err.CategoryInfo.Category | Should -Be 'NotImplemented'
            $err.Exception.Message | Should -Match 'SAVEDATE'
        }
        finally { Disconnect-Imap -Session $s2 }
    }
}

Describe 'Reading and composing' {
    BeforeAll {
        $script:Cred = New-ImapTestUser -Server $Server
        $script:S = Connect-ImapTest -Server $Server -Credential $Cred
        $script:Dir = Join-Path ([IO.Path]::GetTempPath()) ("imapps-surface-" + [guid]::NewGuid().ToString('N'))
        New-Item -ItemType Directory -Path $Dir | Out-Null
    }
    AfterAll { Remove-Item $Dir -Recurse -Force -ErrorAction SilentlyContinue }

    It 'reads the text part alone (-TextBody), decoded, without downloading the attachment or setting \Seen' {
        $big = 'A' * 300000
        $raw = "From: a@example.com`r`nTo: b@example.com`r`nSubject: with attachment`r`nMIME-Version: 1.0`r`n" +
            "Content-Type: multipart/mixed; boundary=`"XX`"`r`n`r`n--XX`r`nContent-Type: text/plain; charset=iso-8859-1`r`nContent-Transfer-Encoding: quoted-printable`r`n`r`n" +
            "Gr=FC=DFe aus K=F6ln`r`n--XX`r`nContent-Type: application/octet-stream; name=`"big.bin`"`r`nContent-Disposition: attachment; filename=`"big.bin`"`r`nContent-Transfer-Encoding: base64`r`n`r`n" +
            ([Convert]::ToBase64String([Text.Encoding]::ASCII.GetBytes($big)) -replace '(.{76})', "`$1`r`n") + "`r`n--XX--`r`n"
        $added = Add-ImapMessage -Session $S -Mailbox INBOX -Message ([Text.Encoding]::ASCII.GetBytes($raw))
        $verbose = $( $m = Get-ImapMessage -Session $S -Mailbox INBOX -Uid $added.Uid -TextBody -Verbose ) 4>&1 | ForEach-Object { "$_" }
        $m.TextBody.Trim() | Should -Be 'Grüße aus Köln'
        $m.Attachments | Should -BeNullOrEmpty
        $m.BodyStructure | Should -BeNullOrEmpty -Because 'the structure is only kept with -BodyStructure'
        ($verbose -join "`n") | Should -Match 'BODY\.PEEK\[1\]'
        ($verbose -join "`n") | Should -Not -Match 'BODY\.PEEK\[\]'
        (Get-ImapMessage -Session $S -Mailbox INBOX -Uid $added.Uid).IsSeen | Should -BeFalse
    }

    It 'converts an HTML-only body to text (-TextBody) and keeps the HTML' {
        $html = '<html><head><style>p{color:red}</style><title>t</title></head><body><p>Hello&nbsp;<b>World</b> &amp; co</p><ul><li>one</li><li>two</li></ul>line<br>next</body></html>'
        $b64 = [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($html))
        $raw = "From: a@example.com`r`nSubject: html only`r`nMIME-Version: 1.0`r`nContent-Type: text/html; charset=utf-8`r`nContent-Transfer-Encoding: base64`r`n`r`n$b64`r`n"
        $added = Add-ImapMessage -Session $S -Mailbox INBOX -Message ([Text.Encoding]::ASCII.GetBytes($raw))
        $m = Get-ImapMessage -Session $S -Mailbox INBOX -Uid $added.Uid -TextBody
        $m.HtmlBody | Should -Be $html
        $lines = $m.TextBody -split "\r?\n" | Where-Object { $_ }
        $lines | Should -Be @('Hello World & co', '- one', '- two', 'line', 'next')
    }

    It 'composes a message with New-ImapMessage that Add-ImapMessage appends, and reads it back' {
        $file = Join-Path $Dir 'report.csv'
        Set-Content -Path $file -Value "a,b`n1,2" -NoNewline
        $composed = New-ImapMessage -From 'Änne <anne@example.com>' -To 'bob@example.com', 'Carl <carl@example.com>' -Cc 'dora@example.com' `
            -Subject 'Bericht für März' -Body 'Text body' -HtmlBody '<p>HTML body</p>' -Attachment $file -Header @{ 'X-Report' = 'monthly' }
        $composed.GetType().FullName | Should -Be 'MimeKit.MimeMessage'
        ($composed | Format-Table | Out-String -Width 200) | Should -Match 'Bericht'
        $added = $composed | Add-ImapMessage -Session $S -Mailbox INBOX
        $added.Uid | Should -BeGreaterThan 0
        $m = Get-ImapMessage -Session $S -Mailbox INBOX -Uid $added.Uid -Full
        $m.Subject | Should -Be 'Bericht für März'
        $m.From[0].Name | Should -Be 'Änne'
        $m.From[0].Address | Should -Be 'anne@example.com'
        @($m.To | ForEach-Object Address) | Should -Be @('bob@example.com', 'carl@example.com')
        $m.Cc[0].Address | Should -Be 'dora@example.com'
        $m.TextBody.Trim() | Should -Be 'Text body'
        $m.HtmlBody | Should -Match 'HTML body'
        $m.Attachments.Count | Should -Be 1
        $m.Attachments[0].FileName | Should -Be 'report.csv'
        $stream = [IO.MemoryStream]::new()
        $m.Attachments[0].Content.DecodeTo($stream)
        ([Text.Encoding]::UTF8.GetString($stream.ToArray()) -replace "`r`n", "`n") | Should -Be "a,b`n1,2" -Because "a text attachment travels with CRLF line ends"
        $m.Message.Headers['X-Report'] | Should -Be 'monthly'
        $m.MessageId | Should -Be ('<' + $composed.MessageId + '>')
    }

    It 'refuses what it cannot compose: InvalidAddress, AttachmentNotFound, InvalidHeader' {
        (Get-TerminatingError { New-ImapMessage -From 'not an address' }).FullyQualifiedErrorId | Should -Be 'InvalidAddress,ImapPS.Commands.NewImapMessageCommand'
        (Get-TerminatingError { New-ImapMessage -Attachment (Join-Path $Dir 'missing.txt') }).FullyQualifiedErrorId | Should -Be 'AttachmentNotFound,ImapPS.Commands.NewImapMessageCommand'
        (Get-TerminatingError { New-ImapMessage -Header @{ Subject = 'x' } }).FullyQualifiedErrorId | Should -Be 'InvalidHeader,ImapPS.Commands.NewImapMessageCommand'
    }
}

Describe 'IDLE reports every change the server reports' {
    BeforeAll {
        $script:Cred = New-ImapTestUser -Server $Server
        $script:Watcher = Connect-ImapTest -Server $Server -Credential $Cred
        $script:Writer = Connect-ImapTest -Server $Server -Credential $Cred
    }

    It 'turns a message flagged and expunged right after it was reported into a NewMessage and an Expunged event' {
        $null = Add-ImapMessage -Session $Writer -Mailbox INBOX -Message (New-ImapTestMessage -Subject 'before')
        # The engine's trace events tell when IDLE was sent and when the server reported the new message.
        $null = Register-ObjectEvent -InputObject $Watcher.Client -EventName DebugLine -SourceIdentifier SurfaceIdle
        function Wait-Trace([string]$Pattern) {
            $deadline = [DateTime]::UtcNow.AddSeconds(15)
            while ([DateTime]::UtcNow -lt $deadline) {
                $e = Wait-Event -SourceIdentifier SurfaceIdle -Timeout 15
                if (-not $e) { return $false }
                $e | Remove-Event
                if ($e.SourceArgs[1] -match $Pattern) { return $true }
            }
            $false
        }
        $ps = [powershell]::Create()
        $null = $ps.AddScript('param($m, $s) Import-Module $m; Invoke-ImapIdle -Session $s -Mailbox INBOX -Kind NewMessage, Expunged -Count 2 -Timeout 00:00:30').AddArgument($ModulePath).AddArgument($Watcher)
        $handle = $ps.BeginInvoke()
        try {
            Wait-Trace '^> \S+ IDLE$' | Should -BeTrue -Because 'the watcher starts idling'
            $added = Add-ImapMessage -Session $Writer -Mailbox INBOX -Message (New-ImapTestMessage -Subject 'fleeting')
            # Dovecot reports the EXISTS; the flag change and expunge follow at once, while the
            # watcher reads the new message: Dovecot reports that expunge only on the next sync.
            Wait-Trace '^< \* 2 EXISTS' | Should -BeTrue -Because 'Dovecot reports the new message'
            $added | Set-ImapFlag -Add Flagged
            $added | Remove-ImapMessage -Expunge -Confirm:$false
            $handle.AsyncWaitHandle.WaitOne([TimeSpan]::FromSeconds(25)) | Should -BeTrue
            $events = @($ps.EndInvoke($handle))
            $ps.Streams.Error | Should -BeNullOrEmpty
            $events.Count | Should -Be 2
            $events[0].Kind | Should -Be 'NewMessage'
            if ($events[0].Vanished) { $events[0].Uid | Should -BeNullOrEmpty } else { $events[0].Uid | Should -Be $added.Uid }
            $events[1].Kind | Should -Be 'Expunged'
            $events[1].SequenceNumber | Should -Be 2
        }
        finally {
            Unregister-Event -SourceIdentifier SurfaceIdle -ErrorAction SilentlyContinue
            Get-Event -SourceIdentifier SurfaceIdle -ErrorAction SilentlyContinue | Remove-Event
            $ps.Dispose()
        }
    }
}
