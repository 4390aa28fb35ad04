#Requires -Modules Pester
# Every type a cmdlet declares as output has a format view, and each view renders real objects.

BeforeDiscovery {
    . $PSScriptRoot/TestHelpers.ps1
    $script:OutputTypes = @(Get-Command -Module ImapPS | ForEach-Object { $_.OutputType.Type } |
            Where-Object { $_ -and $_.FullName -like 'ImapPS.*' } | Sort-Object FullName -Unique | ForEach-Object FullName)
}

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    . $PSScriptRoot/ModuleTestHelpers.ps1
    $script:Server = Start-ImapTestServer
    $script:Cred = New-ImapTestUser -Server $Server
    $script:S = Connect-ImapTest -Server $Server -Credential $Cred

    function Format-Rendered($InputObject) {
        # The table view is what a user sees; Out-String renders it exactly as the console would.
        ($InputObject | Format-Table | Out-String -Width 200)
    }
}

AfterAll {
    Get-ImapSession -IncludeClosed | Disconnect-Imap -ErrorAction SilentlyContinue
    $script:Server | Stop-ImapTestServer
}

Describe 'Format views' {
    It 'has a view for <_>' -ForEach $OutputTypes {
        Get-FormatData -TypeName $_ | Should -Not -BeNullOrEmpty -Because "$_ is a declared output type"
    }

    It 'renders quota, ACL, rights, namespace, metadata, thread and raw command output through their views' {
        1..3 | ForEach-Object { Add-ImapMessage -Session $S -Mailbox INBOX -Message (New-ImapTestMessage -Subject "view $_") } | Out-Null
        Select-ImapMailbox -Session $S -Name INBOX | Out-Null
        Set-ImapMetadata -Session $S -Mailbox INBOX -Entry /private/comment -Value 'shown in a table' | Out-Null

        (Format-Rendered (Get-ImapQuota -Session $S -Mailbox INBOX)) | Should -Match 'Root\s+Resource\s+Usage\s+Limit\s+Used %'
        (Format-Rendered (Get-ImapAcl -Session $S -Mailbox INBOX)) | Should -Match 'Identifier\s+Rights'
        (Format-Rendered (Get-ImapRight -Session $S -Mailbox INBOX)) | Should -Match '\(you\)'
        (Format-Rendered (Get-ImapNamespace -Session $S)) | Should -Match 'Personal'
        (Format-Rendered (Get-ImapMetadata -Session $S -Mailbox INBOX -Entry /private/comment)) | Should -Match 'shown in a table'
        (Format-Rendered (Get-ImapThread -Session $S)) | Should -Match 'Thread\s+Messages\s+Replies'
        (Format-Rendered (Invoke-ImapCommand -Session $S -Command NOOP)) | Should -Match 'OK'
    }
}
