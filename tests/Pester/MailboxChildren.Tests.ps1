#Requires -Modules Pester
# Remove-ImapMailbox and child mailboxes (issue 11, item 7): CHILDREN in Get-ImapMailbox, MailboxHasChildren, -Recurse.

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    . $PSScriptRoot/ModuleTestHelpers.ps1
    $script:Server = Start-ImapTestServer
    $script:Cred = New-ImapTestUser -Server $Server
    $script:S = Connect-ImapTest -Server $Server -Credential $Cred

    function Get-Names([object]$Session, [string]$Pattern) {
        [string[]]$names = @(Get-ImapMailbox -Session $Session -Name $Pattern | Where-Object { $_.Attributes -notcontains '\NonExistent' } | ForEach-Object Name)
        [Array]::Sort($names, [StringComparer]::Ordinal)
        $names
    }
}

AfterAll {
    Get-ImapSession -IncludeClosed | Disconnect-Imap -ErrorAction SilentlyContinue
    $script:Server | Stop-ImapTestServer
}

Describe 'Mailbox children' {
    It 'Get-ImapMailbox shows \HasChildren and \HasNoChildren' {
        New-ImapMailbox -Session $S -Name 'Kids', 'Kids/Leaf' | Out-Null
        (Get-ImapMailbox -Session $S -Name 'Kids').Attributes | Should -Contain '\HasChildren'
        (Get-ImapMailbox -Session $S -Name 'Kids/Leaf').Attributes | Should -Contain '\HasNoChildren'
        (Get-ImapMailbox -Session $S | Where-Object Name -EQ 'Kids').Attributes | Should -Contain '\HasChildren'
    }

    It 'refuses to delete a mailbox with children without -Recurse, deleting nothing' {
        New-ImapMailbox -Session $S -Name 'Keep', 'Keep/Child' | Out-Null
        Add-ImapMessage -Session $S -Mailbox 'Keep' -Message (New-ImapTestMessage) | Out-Null
        $e = $null
        Remove-ImapMailbox -Session $S -Name 'Keep', 'Lonely' -Confirm:$false -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -Be 'MailboxHasChildren,ImapPS.Commands.RemoveImapMailboxCommand'
        $e[0].CategoryInfo.Category | Should -Be 'InvalidOperation'
        $e[0].Exception.Message | Should -Match 'Keep/Child'
        Get-Names $S 'Keep*' | Should -Be @('Keep', 'Keep/Child')
        (Get-ImapMailbox -Session $S -Name 'Keep' -Status).Messages | Should -Be 1
        # A mailbox without children is still deleted without -Recurse.
        Remove-ImapMailbox -Session $S -Name 'Keep/Child' -Confirm:$false -ErrorAction Stop
        Remove-ImapMailbox -Session $S -Name 'Keep' -Confirm:$false -ErrorAction Stop
        Get-Names $S 'Keep*' | Should -BeNullOrEmpty
    }

    It 'with -Recurse deletes the children deepest first, each through ShouldProcess, then the parent' {
        New-ImapMailbox -Session $S -Name 'Tree', 'Tree/A', 'Tree/A/B', 'Tree/C', 'Treehouse' | Out-Null
        Remove-ImapMailbox -Session $S -Name 'Tree' -Recurse -WhatIf
        Get-Names $S 'Tree*' | Should -Be @('Tree', 'Tree/A', 'Tree/A/B', 'Tree/C', 'Treehouse')
        $records = Remove-ImapMailbox -Session $S -Name 'Tree' -Recurse -Confirm:$false -Verbose 4>&1
        $targets = @($records | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -match 'on target "(.*)"' } |
            ForEach-Object { [regex]::Match($_.Message, 'on target "(.*)"').Groups[1].Value })
        $targets | Should -Be @('Tree/A/B', 'Tree/C', 'Tree/A', 'Tree')
        Get-Names $S 'Tree*' | Should -Be @('Treehouse')
    }

    It 'respects the server''s delimiter and finds children without CHILDREN or LIST-EXTENDED' {
        $options = [ImapPS.Testing.DovecotOptions]::new()
        $options.ExtraConfiguration = "imap_capability = IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE NAMESPACE UIDPLUS UNSELECT LITERAL+`n"
        $plain = Start-ImapTestServer -Options $options
        try {
            $cred = New-ImapTestUser -Server $plain
            $session = Connect-ImapTest -Server $plain -Credential $cred
            $session.Capabilities | Should -Not -Contain 'LIST-EXTENDED'
            $session.Capabilities | Should -Not -Contain 'CHILDREN'
            New-ImapMailbox -Session $session -Name 'Old', 'Old/X', 'Old/X/Y' | Out-Null
            { Remove-ImapMailbox -Session $session -Name 'Old' -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'MailboxHasChildren,ImapPS.Commands.RemoveImapMailboxCommand'
            Remove-ImapMailbox -Session $session -Name 'Old' -Recurse -Confirm:$false -ErrorAction Stop
            Get-Names $session 'Old*' | Should -BeNullOrEmpty
        }
        finally {
            if ($session) { Disconnect-Imap -Session $session -ErrorAction SilentlyContinue }
            $plain | Stop-ImapTestServer
        }
    }
}
