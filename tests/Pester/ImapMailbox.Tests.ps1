#Requires -Modules Pester
# Mailbox cmdlets and server features (quota, ACL, namespace, metadata, thread) against a private Dovecot.

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    . $PSScriptRoot/ModuleTestHelpers.ps1
    $script:Server = Start-ImapTestServer
    $script:Cred = New-ImapTestUser -Server $Server
    $script:S = Connect-ImapTest -Server $Server -Credential $Cred
}

AfterAll {
    Get-ImapSession -IncludeClosed | Disconnect-Imap -ErrorAction SilentlyContinue
    $script:Server | Stop-ImapTestServer
}

Describe 'Mailboxes' {
    It 'creates, lists with counts, renames and deletes mailboxes (names in modified UTF-7 on the wire)' {
        $created = New-ImapMailbox -Session $S -Name 'Projekte/Übersicht' -Subscribe
        $created.Name | Should -Be 'Projekte/Übersicht'
        $created.Delimiter | Should -Be '/'
        1..3 | ForEach-Object { Add-ImapMessage -Session $S -Mailbox 'Projekte/Übersicht' -Message (New-ImapTestMessage -Subject "m$_") } | Out-Null
        $listed = Get-ImapMailbox -Session $S -Name 'Projekte/*' -Status
        $listed.Name | Should -Be 'Projekte/Übersicht'
        $listed.Messages | Should -Be 3
        $listed.Unseen | Should -Be 3
        $listed.UidNext | Should -Be 4
        $listed.IsSubscribed | Should -BeTrue
        (Get-ImapMailbox -Session $S -Subscribed).Name | Should -Contain 'Projekte/Übersicht'
        $renamed = Rename-ImapMailbox -Session $S -Name 'Projekte/Übersicht' -NewName 'Projekte/Archiv' -PassThru
        $renamed.Name | Should -Be 'Projekte/Archiv'
        Remove-ImapMailbox -Session $S -Name 'Projekte/Archiv' -Confirm:$false
        { Get-ImapMailbox -Session $S -Name 'Projekte/Archiv' -ErrorAction Stop } | Should -Throw -ErrorId 'MailboxNotFound,ImapPS.Commands.GetImapMailboxCommand'
    }

    It 'selects a mailbox and reports the selection' {
        Add-ImapMessage -Session $S -Mailbox INBOX -Message (New-ImapTestMessage) | Out-Null
        $sel = Select-ImapMailbox -Session $S -Name INBOX
        $sel.Messages | Should -BeGreaterThan 0
        $sel.UidValidity | Should -BeGreaterThan 0
        $sel.PermanentFlags | Should -Contain '\Seen'
        $sel.IsReadOnly | Should -BeFalse
        $S.SelectedMailbox | Should -Be 'INBOX'
        (Select-ImapMailbox -Session $S -Name INBOX -ReadOnly).IsReadOnly | Should -BeTrue
        Close-ImapMailbox -Session $S
        $S.SelectedMailbox | Should -BeNullOrEmpty
        { Select-ImapMailbox -Session $S -Name 'Nope' -ErrorAction Stop } | Should -Throw -ErrorId 'MailboxNotFound,ImapPS.Commands.SelectImapMailboxCommand'
    }

    It 'Close-ImapMailbox expunges only with -Expunge' {
        New-ImapMailbox -Session $S -Name CloseTest | Out-Null
        $null = Add-ImapMessage -Session $S -Mailbox CloseTest -Message (New-ImapTestMessage) -Flag Deleted
        Select-ImapMailbox -Session $S -Name CloseTest | Out-Null
        Close-ImapMailbox -Session $S
        (Get-ImapMailbox -Session $S -Name CloseTest -Status).Messages | Should -Be 1
        Select-ImapMailbox -Session $S -Name CloseTest | Out-Null
        Close-ImapMailbox -Session $S -Expunge -Confirm:$false
        (Get-ImapMailbox -Session $S -Name CloseTest -Status).Messages | Should -Be 0
    }

    It '-WhatIf changes nothing' {
        New-ImapMailbox -Session $S -Name 'WhatIfBox' -WhatIf
        { Get-ImapMailbox -Session $S -Name 'WhatIfBox' -ErrorAction Stop } | Should -Throw -ErrorId 'MailboxNotFound,ImapPS.Commands.GetImapMailboxCommand'
        New-ImapMailbox -Session $S -Name 'Keep' | Out-Null
        Remove-ImapMailbox -Session $S -Name 'Keep' -WhatIf
        Rename-ImapMailbox -Session $S -Name 'Keep' -NewName 'Kept' -WhatIf
        (Get-ImapMailbox -Session $S -Name 'Keep').Name | Should -Be 'Keep'
    }

    It 'reports a failed CREATE with the server''s text' {
        New-ImapMailbox -Session $S -Name 'Twice' | Out-Null
        $e = $null
        New-ImapMailbox -Session $S -Name 'Twice' -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -Be 'MailboxExists,ImapPS.Commands.NewImapMailboxCommand'
        $e[0].Exception.Message | Should -Match 'exists'
    }

    It 'subscribes and unsubscribes' {
        New-ImapMailbox -Session $S -Name 'Sub' | Out-Null
        Add-ImapSubscription -Session $S -Name 'Sub'
        (Get-ImapMailbox -Session $S -Subscribed).Name | Should -Contain 'Sub'
        Remove-ImapSubscription -Session $S -Name 'Sub'
        (Get-ImapMailbox -Session $S -Subscribed).Name | Should -Not -Contain 'Sub'
    }

    It 'pipes mailboxes into Search-ImapMessage' {
        New-ImapMailbox -Session $S -Name 'PipeA' | Out-Null
        Add-ImapMessage -Session $S -Mailbox PipeA -Message (New-ImapTestMessage -Subject 'In A') | Out-Null
        (Get-ImapMailbox -Session $S -Name PipeA | Search-ImapMessage).Subject | Should -Be 'In A'
    }

    It 'completes mailbox names from the session''s listing' {
        New-ImapMailbox -Session $S -Name 'Complete Me' | Out-Null
        $null = Get-ImapMailbox -Session $S
        $line = "Get-ImapMessage -Session `$S -Mailbox Compl"
        $completion = TabExpansion2 -inputScript $line -cursorColumn $line.Length
        $completion.CompletionMatches.CompletionText | Should -Contain "'Complete Me'"
    }

    It 'has the documented parameters' {
        Compare-Object @('Name', 'Session', 'Status', 'Subscribed') (Get-CmdletParameterName Get-ImapMailbox) | Should -BeNullOrEmpty
        Compare-Object @('Name', 'ReadOnly', 'Session') (Get-CmdletParameterName Select-ImapMailbox) | Should -BeNullOrEmpty
        Compare-Object @('Name', 'NewName', 'PassThru', 'Session') (Get-CmdletParameterName Rename-ImapMailbox) | Should -BeNullOrEmpty
        (Get-Command Remove-ImapMailbox).ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0].ConfirmImpact | Should -Be 'High'
        (Get-Command Remove-ImapMessage).ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0].ConfirmImpact | Should -Be 'High'
    }
}

Describe 'Server features' {
    It 'reads the quota of INBOX' {
        $q = @(Get-ImapQuota -Session $S -Mailbox INBOX)
        $storage = $q | Where-Object Resource -EQ 'STORAGE'
        $storage.Limit | Should -Be (100MB / 1KB)
        $storage.Usage | Should -BeGreaterOrEqual 0
    }

    It 'manages ACLs and rights' {
        New-ImapMailbox -Session $S -Name Shared1 | Out-Null
        Set-ImapAcl -Session $S -Mailbox Shared1 -Identifier bob -Rights lr
        (Get-ImapAcl -Session $S -Mailbox Shared1 | Where-Object Identifier -EQ 'bob').Rights | Should -Be 'lr'
        Set-ImapAcl -Session $S -Mailbox Shared1 -Identifier bob -Add s
        (Get-ImapAcl -Session $S -Mailbox Shared1 | Where-Object Identifier -EQ 'bob').Rights | Should -Be 'lrs'
        Remove-ImapAcl -Session $S -Mailbox Shared1 -Identifier bob
        Get-ImapAcl -Session $S -Mailbox Shared1 | Where-Object Identifier -EQ 'bob' | Should -BeNullOrEmpty
        (Get-ImapRight -Session $S -Mailbox Shared1).Rights | Should -Match 'a'
        (Get-ImapRight -Session $S -Mailbox Shared1 -Identifier bob).OptionalRights | Should -Not -BeNullOrEmpty
    }

    It 'lists namespaces' {
        $ns = @(Get-ImapNamespace -Session $S)
        ($ns | Where-Object Kind -EQ 'Personal').Delimiter | Should -Be '/'
    }

    It 'sets, reads and removes metadata' {
        Set-ImapMetadata -Session $S -Name INBOX -Entry /private/comment -Value 'hello'
        (Get-ImapMetadata -Session $S -Name INBOX -Entry /private/comment).Value | Should -Be 'hello'
        Set-ImapMetadata -Session $S -Name INBOX -Entry /private/comment -Value $null
        (Get-ImapMetadata -Session $S -Name INBOX -Entry /private/comment).Value | Should -BeNullOrEmpty
    }

    It 'threads a conversation' {
        New-ImapMailbox -Session $S -Name Threads | Out-Null
        $root = New-ImapTestMessage -Subject 'Plan' -MessageId '<root@t.example>'
        $replyText = "From: b@example.com`r`nSubject: Re: Plan`r`nMessage-ID: <reply@t.example>`r`nIn-Reply-To: <root@t.example>`r`nReferences: <root@t.example>`r`nDate: Tue, 07 Jan 2025 10:00:00 +0000`r`n`r`nok`r`n"
        Add-ImapMessage -Session $S -Mailbox Threads -Message $root | Out-Null
        Add-ImapMessage -Session $S -Mailbox Threads -Message ([Text.Encoding]::ASCII.GetBytes($replyText)) | Out-Null
        Add-ImapMessage -Session $S -Mailbox Threads -Message (New-ImapTestMessage -Subject 'Other') | Out-Null
        $threads = @(Get-ImapThread -Session $S -Mailbox Threads)
        $threads.Count | Should -Be 2
        ($threads | Where-Object MessageCount -EQ 2).AllUids() | Should -Be @(1, 2)
    }
}
