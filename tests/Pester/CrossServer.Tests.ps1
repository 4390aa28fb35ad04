#Requires -Modules Pester
# The admin scenario, written once with '/' paths, run against Dovecot, Cyrus 3.6 and Courier-IMAP 5.0.
# Cyrus and Courier come from ../shared/servers (ImapPS.Testing.ExternalServer: own folder and ports,
# stopped afterwards); where they cannot be had (no ../shared, not root) the tests are skipped with the reason.

BeforeDiscovery {
    $script:Kinds = @(@{ Kind = 'dovecot' }, @{ Kind = 'cyrus' }, @{ Kind = 'courier' })
}

Describe 'The admin scenario on <Kind>' -ForEach $Kinds {
    BeforeAll {
        . $PSScriptRoot/TestHelpers.ps1
        . $PSScriptRoot/ModuleTestHelpers.ps1
        $script:SkipReason = $null
        $script:Server = $null
        $script:External = $null
        # Each server's block has its own session: a skipped block must not clean up with the last one's.
        $script:S = $null
        if ($Kind -eq 'dovecot') {
            $script:Server = Start-ImapTestServer
            $cred = Get-ImapTestCredential -Server $Server
            $thumbprint = $Server.CertificateThumbprint
            $port = $Server.ImapPort
        }
        else {
            $script:SkipReason = [ImapPS.Testing.ExternalServer]::UnavailableReason($Kind)
            if (-not $SkipReason) {
                # A server that can be had but does not start fails here, with up.sh's output.
                $script:External = [ImapPS.Testing.ExternalServer]::Start($Kind)
                $cred = [pscredential]::new('alice', (ConvertTo-SecureString -String ([ImapPS.Testing.ExternalServer]::Password) -AsPlainText -Force))
                $thumbprint = [System.Security.Cryptography.X509Certificates.X509Certificate2]::new($External.CertificatePath).Thumbprint
                $port = $External.ImapPort
            }
        }
        if (-not $SkipReason) {
            $script:S = Connect-Imap -Server 127.0.0.1 -Port $port -Credential $cred -Security StartTls -CertificateValidation { $_.Thumbprint -eq $thumbprint }
            $script:Root = 'xs' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        }
    }

    AfterAll {
        if ($script:S -and $script:S.IsConnected) {
            Get-ImapMailbox -Session $S -Name "$Root*" -ErrorAction SilentlyContinue | Sort-Object { $_.Name.Length } -Descending |
                Remove-ImapMailbox -Session $S -Confirm:$false -ErrorAction SilentlyContinue
            Disconnect-Imap -Session $S -ErrorAction SilentlyContinue
        }
        $script:Server | Stop-ImapTestServer
        if ($script:External) { $script:External.Dispose() }
    }

    BeforeEach {
        if ($SkipReason) { Set-ItResult -Skipped -Because $SkipReason }
    }

    It 'creates a folder tree from / paths, in the personal namespace the server needs' {
        $verbose = New-ImapMailbox -Session $S -Name $Root, "$Root/2024", "$Root/Done" -Verbose 4>&1
        $created = @($verbose | Where-Object { $_ -is [ImapPS.ImapMailbox] })
        $created.Path | Should -Be @($Root, "$Root/2024", "$Root/Done")
        $paths = $S.MailboxPaths
        if ($Kind -eq 'courier') {
            # Courier keeps personal folders under INBOX. with '.' between levels.
            $paths.PersonalPrefix | Should -Be 'INBOX.'
            $created.Name | Should -Be @("INBOX.$Root", "INBOX.$Root.2024", "INBOX.$Root.Done")
            ($verbose | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message |
                Should -Contain "'$Root/2024' is 'INBOX.$Root.2024' on this server (personal namespace 'INBOX.', delimiter '.')."
        }
        else {
            $paths.PersonalPrefix | Should -Be ''
            $created.Name | Should -Be $created.Path
        }
        $listed = Get-ImapMailbox -Session $S -Name "$Root/*"
        $listed.Path | Sort-Object | Should -Be @("$Root/2024", "$Root/Done")
        # A listed object's server name works as a path too.
        (Get-ImapMailbox -Session $S -Name $listed[0].Name).Path | Should -Be $listed[0].Path
    }

    It 'appends, searches, flags, copies and moves with / paths' {
        $year = "$Root/2024"
        $added = 'invoice 1', 'invoice 2', 'letter' | ForEach-Object { Add-ImapMessage -Session $S -Mailbox $year -Message (New-ImapTestMessage -Subject $_) }
        $added.Count | Should -Be 3
        $invoices = Search-ImapMessage -Session $S -Mailbox $year -Subject invoice
        $invoices.Subject | Sort-Object | Should -Be @('invoice 1', 'invoice 2')

        $invoices | Where-Object Subject -EQ 'invoice 1' | Set-ImapFlag -Session $S -Add Flagged -Confirm:$false
        (Search-ImapMessage -Session $S -Mailbox $year -Flagged).Subject | Should -Be 'invoice 1'

        Search-ImapMessage -Session $S -Mailbox $year -Subject letter | Copy-ImapMessage -Session $S -Destination "$Root/Done" -Confirm:$false
        # MOVE where offered; on Courier (no MOVE) COPY + UID EXPUNGE of exactly that message.
        $invoices | Where-Object Subject -EQ 'invoice 2' | Move-ImapMessage -Session $S -Destination "$Root/Done" -Confirm:$false

        (Search-ImapMessage -Session $S -Mailbox $year).Subject | Sort-Object | Should -Be @('invoice 1', 'letter')
        (Search-ImapMessage -Session $S -Mailbox "$Root/Done").Subject | Sort-Object | Should -Be @('invoice 2', 'letter')
        $done = Get-ImapMailbox -Session $S -Name "$Root/Done" -Status
        $done.Messages | Should -Be 2
        $done.Path | Should -Be "$Root/Done"
    }

    It 'selects by path and knows UIDNEXT on every server' {
        $sel = Select-ImapMailbox -Session $S -Name "$Root/Done"
        $sel.Path | Should -Be "$Root/Done"
        # Courier's SELECT has no OK [UIDNEXT] (RFC 3501 6.3.1): the module learns it.
        $sel.UidNext | Should -BeGreaterThan 2
        $status = Get-ImapMailbox -Session $S -Name "$Root/Done" -Status
        $sel.UidNext | Should -Be $status.UidNext
        Close-ImapMailbox -Session $S -Confirm:$false
    }

    It 'removes messages and the folder tree by path' {
        Search-ImapMessage -Session $S -Mailbox "$Root/Done" -Subject letter | Remove-ImapMessage -Session $S -Expunge -Confirm:$false
        (Search-ImapMessage -Session $S -Mailbox "$Root/Done").Subject | Should -Be 'invoice 2'
        Remove-ImapMailbox -Session $S -Name "$Root/2024", "$Root/Done", $Root -Confirm:$false
        Get-ImapMailbox -Session $S -Name "$Root*" | Should -BeNullOrEmpty
    }
}
