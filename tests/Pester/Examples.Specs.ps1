<#
    What each documentation example needs (Setup: mailboxes, messages, files, preset variables) and how its
    effect is checked (Check; without one the example must write output). Dot-sourced by Examples.Tests.ps1,
    whose helpers (Mail, Seed, Mailboxes, File, Preset, Inspect, Messages, MailboxNames) these blocks use.
    Keys are "<page> <example number>". In Check, $Output is what the example wrote and $Vars its variables.
    Setup runs with the example's session ($ctx.Session) open; Select names a mailbox to leave selected.
#>

$specNow = $script:Epoch
$specBossMail = {
    Seed INBOX @(
        (Mail -From 'boss@example.com' -Subject 'Budget'),
        (Mail -From 'boss@example.com' -Subject 'Review'),
        (Mail -From 'boss@example.com' -Subject 'Old news' -Flag Seen),
        (Mail -From 'carol@example.com' -Subject 'Lunch'))
    Mailboxes Important
}
$specBossFiled = {
    $important = Messages Important
    @($important.Subject | Sort-Object) | Should -Be @('Budget', 'Review')
    $important | ForEach-Object { $_.Flags | Should -Contain '\Flagged' }
    @((Messages INBOX).Subject | Sort-Object) | Should -Be @('Lunch', 'Old news')
}
$specApolloAcl = { Mailboxes 'Projects/Apollo'; $null = Set-ImapAcl -Session $ctx.Session -Mailbox 'Projects/Apollo' -Identifier bob -Rights lrs }
function AclOf([string]$Mailbox, [string]$Identifier) {
    @(Get-ImapAcl -Session (Inspect) -Mailbox $Mailbox | Where-Object Identifier -EQ $Identifier)
}
function MetadataOf([string]$Mailbox, [string]$Entry) {
    (Get-ImapMetadata -Session (Inspect) -Mailbox $Mailbox -Entry $Entry).Value
}

$ExampleSpecs['README 1'] = @{
    Setup = { . $specBossMail }
    # The example imports the module from the repository's out folder, as a reader who built it would.
    InRepository = $true
    Check = $specBossFiled
}

#region Add-ImapMessage
$ExampleSpecs['Add-ImapMessage 1'] = @{
    Setup = { Mailboxes 'Archive/Imported'; 'a', 'b', 'c' | ForEach-Object { $null = File "export/$_.eml" (EmlBytes "Export $_") } }
    Check = {
        $imported = Messages 'Archive/Imported'
        @($imported.Subject | Sort-Object) | Should -Be @('Export a', 'Export b', 'Export c')
        $imported | ForEach-Object { $_.Flags | Should -Contain '\Seen' }
    }
}
$ExampleSpecs['Add-ImapMessage 2'] = @{
    Setup = {
        Mailboxes 'Archive/Imported'
        $null = File 'export/top.eml' (EmlBytes 'Top')
        $null = File 'export/2024/[draft] one.eml' (EmlBytes 'Bracketed')
        $null = File 'export/2024/q1/deep.eml' (EmlBytes 'Deep')
        $null = File 'export/notes.txt' ([Text.Encoding]::UTF8.GetBytes('not a message'))
    }
    Check = { @((Messages 'Archive/Imported').Subject | Sort-Object) | Should -Be @('Bracketed', 'Deep', 'Top') }
}
$ExampleSpecs['Add-ImapMessage 3'] = @{
    Setup = { $file = File 'backup/4711.eml' (EmlBytes 'Restored'); $file.LastWriteTime = [datetime]'2023-05-04T10:30:00' }
    Check = {
        $restored = Messages INBOX | Where-Object Subject -EQ 'Restored'
        $restored.InternalDate.UtcDateTime | Should -Be ([datetime]'2023-05-04T10:30:00').ToUniversalTime()
        $restored.Flags | Should -Contain '\Seen'
        $restored.Flags | Should -Contain '\Flagged'
    }
}
$ExampleSpecs['Add-ImapMessage 4'] = @{
    Setup = { Mailboxes Drafts }
    Check = { (Messages Drafts).Subject | Should -Be 'Quarterly report'; (Messages Drafts).Flags | Should -Contain '\Draft' }
}
$ExampleSpecs['Add-ImapMessage 5'] = @{
    Setup = { Mailboxes Drafts }
    Check = { (Messages Drafts).Subject | Should -Be 'Quarterly report'; (Messages Drafts).Flags | Should -Contain '\Draft' }
}
$ExampleSpecs['Add-ImapMessage 6'] = @{
    Setup = { $null = File 'message.eml' (EmlBytes 'Raw bytes') }
    Check = {
        $Output | Should -Not -BeNullOrEmpty
        $Vars.added.Uid | Should -BeGreaterThan 0
        (Messages INBOX).Subject | Should -Be 'Raw bytes'
    }
}
#endregion

#region Subscriptions
$ExampleSpecs['Add-ImapSubscription 1'] = @{
    Setup = { Mailboxes 'Projects/Apollo' }
    Check = { (Get-ImapMailbox -Session (Inspect) -Subscribed).Name | Should -Contain 'Projects/Apollo' }
}
$ExampleSpecs['Add-ImapSubscription 2'] = @{
    Setup = { Mailboxes 'Reports', 'Lists/dev' }
    Check = {
        $subscribed = (Get-ImapMailbox -Session (Inspect) -Subscribed).Name
        $subscribed | Should -Contain 'Reports'
        $subscribed | Should -Contain 'Lists/dev'
        $subscribed | Should -Contain 'INBOX'
    }
}
$ExampleSpecs['Remove-ImapSubscription 1'] = @{
    Setup = { Mailboxes 'Lists/announce' -Subscribe }
    Check = { (Get-ImapMailbox -Session (Inspect) -Subscribed).Name | Should -Not -Contain 'Lists/announce' }
}
$ExampleSpecs['Remove-ImapSubscription 2'] = @{
    Setup = { Mailboxes 'Archive/2023', 'Archive/2024', 'Reports' -Subscribe }
    Check = { @((Get-ImapMailbox -Session (Inspect) -Subscribed).Name | Where-Object { $_ -like 'Archive/*' -or $_ -eq 'Reports' }) | Should -Be @('Reports') }
}
#endregion

#region Close-ImapMailbox
$ExampleSpecs['Close-ImapMailbox 1'] = @{
    Select = 'INBOX'
    Check  = { $ctx.Session.SelectedMailbox | Should -BeNullOrEmpty; $ctx.Session.IsConnected | Should -BeTrue }
}
$ExampleSpecs['Close-ImapMailbox 2'] = @{
    Setup = { Seed Trash @((Mail -Subject 'keep'), (Mail -Subject 'gone' -Flag Deleted)) }
    Check = { (Messages Trash).Subject | Should -Be 'keep' }
}
$ExampleSpecs['Close-ImapMailbox 3'] = @{
    Setup  = { Seed Trash @((Mail -Subject 'keep'), (Mail -Subject 'gone' -Flag Deleted)) }
    Select = 'Trash'
    Check  = { $ctx.Session.SelectedMailbox | Should -Be 'Trash'; (Messages Trash).Count | Should -Be 2 }
}
#endregion

#region Sessions
$ExampleSpecs['Connect-Imap 1'] = @{
    Check = {
        $Output | Should -Not -BeNullOrEmpty
        $Vars.session | Should -Not -Be $ctx.Session
        $Vars.session.State | Should -Be 'AUTH'
        $Vars.session.Security | Should -Be 'Ssl'
    }
}
$ExampleSpecs['Connect-Imap 2'] = @{
    # The exported certificate of the example's server.
    Setup = { $null = File 'mail-internal.cer' ([IO.File]::ReadAllBytes($script:Server.CertificatePath)) }
    Check = { $Output[0].State | Should -Be 'AUTH'; $Output[0].Security | Should -Be 'StartTls' }
}
$ExampleSpecs['Connect-Imap 3'] = @{
    Check = { $Output[0].State | Should -Be 'AUTH'; $Output[0].User | Should -Be $ctx.User }
}
$ExampleSpecs['Connect-Imap 4'] = @{
    Check = { $Vars.s.Security | Should -Be 'Stream'; $Output.Name | Should -Contain 'INBOX' }
}
$ExampleSpecs['Connect-Imap 5'] = @{
    Check = { $Vars.session.State | Should -Be 'AUTH'; $Output | Should -BeNullOrEmpty }
}
$ExampleSpecs['Connect-Imap 6'] = @{
    Check = {
        $Output | Should -Not -BeNullOrEmpty
        $Vars.session.Reconnects | Should -BeTrue
        $Vars.session.ReconnectCount | Should -Be 0
        $Vars.session.ReconnectPolicy.MaxAttempts | Should -Be 30
        $Vars.session.ReconnectPolicy.GiveUpAfter | Should -Be ([timespan]'00:30:00')
    }
}
$ExampleSpecs['Connect-Imap 7'] = @{
    # The token file the example's identity tooling keeps current; XOAUTH2 with it authenticates the fixture user.
    Setup = { $null = File 'token.txt' ([Text.Encoding]::UTF8.GetBytes($ctx.Credential.GetNetworkCredential().Password + "`n")) }
    Check = {
        $Output | Should -Not -BeNullOrEmpty
        $Vars.session.State | Should -Be 'AUTH'
        $Vars.session.User | Should -Be $ctx.User
        $Vars.session.Reconnects | Should -BeTrue
    }
}
$ExampleSpecs['Disconnect-Imap 1'] = @{
    Check = { $ctx.Session.IsConnected | Should -BeFalse; Get-ImapSession -IncludeClosed | Should -BeNullOrEmpty }
}
$ExampleSpecs['Disconnect-Imap 2'] = @{
    Setup = { $dropped = Connect-Fixture $ctx.Credential; $dropped.Client.Abort(); $null = Connect-Fixture $ctx.Credential }
    Check = { Get-ImapSession -IncludeClosed | Should -BeNullOrEmpty }
}
$ExampleSpecs['Disconnect-Imap 3'] = @{
    Setup = { Seed INBOX @((Mail -Subject 'new 1'), (Mail -Subject 'new 2'), (Mail -Subject 'read' -Flag Seen)) }
    Check = { $Output.Count | Should -Be 1; $Output[0].Count | Should -Be 2; $Vars.session.IsConnected | Should -BeFalse }
}
$ExampleSpecs['Get-ImapSession 1'] = @{}
$ExampleSpecs['Get-ImapSession 2'] = @{ Check = { $Output | Should -Be $true } }
$ExampleSpecs['Get-ImapSession 3'] = @{
    Setup = { $null = Connect-Fixture $ctx.Credential @{ Identifier = 'backup-nightly' }; $null = Connect-Fixture $ctx.Credential @{ Identifier = 'archive' } }
    Check = { $Output | Should -Not -BeNullOrEmpty; @(Get-ImapSession -Name 'backup*', 'archive').Count | Should -Be 2 }
}
#endregion

#region Copy and move
$ExampleSpecs['Copy-ImapMessage 1'] = @{
    Setup = { Seed INBOX @((Mail -Subject 'Contract draft'), (Mail -Subject 'Signed contract'), (Mail -Subject 'Lunch')); Mailboxes 'Legal/Contracts' }
    Check = { @((Messages 'Legal/Contracts').Subject | Sort-Object) | Should -Be @('Contract draft', 'Signed contract'); (Messages INBOX).Count | Should -Be 3 }
}
$ExampleSpecs['Copy-ImapMessage 2'] = @{
    Setup = { Seed INBOX @(Mail -Subject 'Apollo launch') -FirstUid 4711; Mailboxes 'Projects/Apollo' }
    Check = { $copy = Messages 'Projects/Apollo'; $copy.Subject | Should -Be 'Apollo launch'; $copy.Flags | Should -Contain '$Apollo' }
}
$ExampleSpecs['Copy-ImapMessage 3'] = @{
    Setup = { Seed 'Old/Project' @(1..3 | ForEach-Object { Mail -Subject "Project $_" }); Mailboxes 'Archive/Project' }
    Check = { (Messages 'Archive/Project').Count | Should -Be 3; (Messages 'Old/Project').Count | Should -Be 3 }
}
$ExampleSpecs['Move-ImapMessage 1'] = @{ Setup = $specBossMail; Check = $specBossFiled }
$ExampleSpecs['Move-ImapMessage 2'] = @{
    Setup = { Seed INBOX @((Mail -Subject 'Last year' -Date '2024-06-01T09:00:00+00:00'), (Mail -Subject 'This year' -Date '2025-02-01T09:00:00+00:00')); Mailboxes 'Archive/2024' }
    Check = { (Messages 'Archive/2024').Subject | Should -Be 'Last year'; (Messages INBOX).Subject | Should -Be 'This year' }
}
$ExampleSpecs['Move-ImapMessage 3'] = @{
    Setup = { Seed INBOX @(Mail -Subject 'Apollo notes') -FirstUid 4711; Mailboxes 'Projects/Apollo' }
    Check = { $Output | Should -Not -BeNullOrEmpty; (Messages 'Projects/Apollo').Subject | Should -Be 'Apollo notes'; Messages INBOX | Should -BeNullOrEmpty }
}
#endregion

#region ACL and rights
$ExampleSpecs['Get-ImapAcl 1'] = @{ Setup = { Mailboxes 'Shared/Support' } }
$ExampleSpecs['Get-ImapAcl 2'] = @{ Setup = $specApolloAcl; Check = { ($Output | Out-String) | Should -Match 'bob' } }
$ExampleSpecs['Set-ImapAcl 1'] = @{
    Setup = { Mailboxes 'Projects/Apollo' }
    Check = { (AclOf 'Projects/Apollo' bob).Rights | Should -Be 'lrs' }
}
$ExampleSpecs['Set-ImapAcl 2'] = @{
    Setup = { Mailboxes 'Shared/Support'; $null = Set-ImapAcl -Session $ctx.Session -Mailbox 'Shared/Support' -Identifier carol -Rights lr }
    Check = { $Output | Should -Not -BeNullOrEmpty; (AclOf 'Shared/Support' carol).Rights | Should -Match '^(?=.*l)(?=.*r)(?=.*i)(?=.*w)' }
}
$ExampleSpecs['Set-ImapAcl 3'] = @{
    Setup = { . $specApolloAcl; Mailboxes 'Projects/Gemini' }
    Check = { (AclOf 'Projects/Gemini' bob).Rights | Should -Be 'lrs' }
}
$ExampleSpecs['Remove-ImapAcl 1'] = @{ Setup = $specApolloAcl; Check = { AclOf 'Projects/Apollo' bob | Should -BeNullOrEmpty } }
$ExampleSpecs['Remove-ImapAcl 2'] = @{
    Setup = { Mailboxes 'Public'; $null = Set-ImapAcl -Session $ctx.Session -Mailbox 'Public' -Identifier anyone -Rights lr }
    Check = { AclOf 'Public' anyone | Should -Not -BeNullOrEmpty -Because '-WhatIf changes nothing' }
}
$ExampleSpecs['Get-ImapRight 1'] = @{ Setup = { Mailboxes 'Shared/Support' }; Check = { $Vars.mine.Rights | Should -Match 'e' } }
$ExampleSpecs['Get-ImapRight 2'] = @{ Setup = { Mailboxes 'Projects/Apollo' } }
$ExampleSpecs['Get-ImapRight 3'] = @{}
#endregion

#region Get-ImapMailbox
$ExampleSpecs['Get-ImapMailbox 1'] = @{ Check = { $Output.Name | Should -Contain 'INBOX' } }
$ExampleSpecs['Get-ImapMailbox 2'] = @{
    Setup = { Seed 'Archive/2023' @((Mail), (Mail)); Seed 'Archive/2024' @(Mail) }
    Check = { ($Output | Out-String) | Should -Match 'Archive/2023' }
}
$ExampleSpecs['Get-ImapMailbox 3'] = @{
    Setup = { Seed Sent @((Mail -Subject 'Sent yesterday' -Date $specNow.AddDays(-1)), (Mail -Subject 'Sent long ago' -Date $specNow.AddDays(-30))) }
    Check = { $Output.Subject | Should -Be 'Sent yesterday' }
}
$ExampleSpecs['Get-ImapMailbox 4'] = @{
    Setup = {
        Seed Invoices @((Mail -From 'billing@example.com' -Subject 'Invoice 1'), (Mail -From 'carol@example.com'))
        Seed Unsubscribed @(Mail -From 'billing@example.com' -Subject 'Invoice 2')
        $null = Add-ImapSubscription -Session $ctx.Session -Name Invoices
    }
    Check = { $Output.Subject | Should -Be 'Invoice 1' }
}
#endregion

#region Get-ImapMessage
$ExampleSpecs['Get-ImapMessage 1'] = @{
    Setup = { Seed INBOX @(Mail -Subject 'Invoice 4711' -Body 'Please find the invoice attached.' -Attachment 'invoice-4711.pdf') -FirstUid 4711 }
    Check = { $Output | Should -Contain 'invoice-4711.pdf'; ($Output | Out-String) | Should -Match 'Please find the invoice attached' }
}
$ExampleSpecs['Get-ImapMessage 2'] = @{
    Setup = {
        Seed INBOX @(
            (Mail -Subject 'Invoice March' -Date '2025-03-10T09:00:00+00:00' -Body 'Total: 120.00 EUR'),
            (Mail -Subject 'Invoice 2024' -Date '2024-12-01T09:00:00+00:00' -Body 'Total: 99.00 EUR'),
            (Mail -Subject 'Hello' -Date '2025-03-11T09:00:00+00:00'))
    }
    Check = { $Output.Count | Should -Be 1; $Output[0].Total | Should -Be '120.00'; $Output[0].Subject | Should -Be 'Invoice March' }
}
$ExampleSpecs['Get-ImapMessage 3'] = @{
    Setup = { Seed 'Archive/2024' @((Mail -From 'ann@example.com'), (Mail -From 'ann@example.com'), (Mail -From 'ben@example.com')) }
    Check = { $Output[0].Name | Should -Be 'ann@example.com'; $Output[0].Count | Should -Be 2; $Output.Count | Should -Be 2 }
}
$ExampleSpecs['Get-ImapMessage 4'] = @{
    Setup = { Seed INBOX @(1..12 | ForEach-Object { Mail -Subject "Message $_" }) }
    Check = { $Vars.m.Uid | Should -Be 12; ($Output | Out-String) | Should -Match 'mx\.example\.com' }
}
$ExampleSpecs['Get-ImapMessage 6'] = @{
    Setup = { $null = Add-ImapMessage -Session $ctx.Session -Mailbox INBOX -Message (Mail -Subject 'build failed' -Body 'Step 3 failed.' -Attachment 'log.bin').Bytes }
    Check = { $Output.Subject | Should -Be 'build failed'; $Output.TextBody.Trim() | Should -Be 'Step 3 failed.' }
}
$ExampleSpecs['Get-ImapMessage 7'] = @{
    Setup = {
        Seed INBOX @((Mail -Subject 'Seen before'), (Mail -Subject 'Flagged since'), (Mail -Subject 'Also seen before'))
        $stored = (Select-ImapMailbox -Session $ctx.Session -Name INBOX).HighestModSeq
        $null = File 'inbox.modseq' ([Text.Encoding]::ASCII.GetBytes("$stored"))
        $null = Search-ImapMessage -Session $ctx.Session -Mailbox INBOX -Subject 'Flagged since' | Set-ImapFlag -Session $ctx.Session -Add Flagged
    }
    Check = {
        @($Output).Count | Should -Be 1
        $Output[0].Subject | Should -Be 'Flagged since'
        $Output[0].ModSeq | Should -BeGreaterThan $Vars.last
        $Vars.last | Should -BeGreaterThan 0
        [uint64](Get-Content -LiteralPath (Join-Path $ctx.Directory 'inbox.modseq')) | Should -Be $Vars.inbox.HighestModSeq
        $Vars.inbox.HighestModSeq | Should -BeGreaterOrEqual $Output[0].ModSeq
    }
}
$ExampleSpecs['Get-ImapMessage 5'] = @{
    Setup = { Seed INBOX @(1..200 | ForEach-Object { Mail -Subject "Message $_" }) }
    Check = { $Output.Count | Should -Be 200; @($Output.Uid | Sort-Object -Unique).Count | Should -Be 200 }
}
#endregion

#region Metadata
$ExampleSpecs['Get-ImapMetadata 1'] = @{
    Setup = { Mailboxes 'Projects/Apollo'; $null = Set-ImapMetadata -Session $ctx.Session -Mailbox 'Projects/Apollo' -Entry /private/comment -Value 'Apollo notes' }
    Check = { $Output.Value | Should -Contain 'Apollo notes' }
}
$ExampleSpecs['Get-ImapMetadata 2'] = @{
    Setup = { $null = Set-ImapMetadata -Session $ctx.Session -Mailbox INBOX -Entry /private/comment -Value 'Inbox notes' }
    Check = { $Output.Value | Should -Contain 'Inbox notes' }
}
$ExampleSpecs['Get-ImapMetadata 3'] = @{
    Check = { $Output | Should -Be 'mailto:postmaster@example.com' }
}
$ExampleSpecs['Set-ImapMetadata 1'] = @{
    Setup = { Mailboxes 'Projects/Apollo' }
    Check = { MetadataOf 'Projects/Apollo' /private/comment | Should -Be 'Closed 2025-03; keep until 2032' }
}
$ExampleSpecs['Set-ImapMetadata 2'] = @{
    Setup = { Mailboxes 'Projects/Apollo'; $null = Set-ImapMetadata -Session $ctx.Session -Mailbox 'Projects/Apollo' -Entry /private/comment -Value 'old' }
    Check = { MetadataOf 'Projects/Apollo' /private/comment | Should -BeNullOrEmpty }
}
$ExampleSpecs['Set-ImapMetadata 3'] = @{
    Setup = { Mailboxes 'Archive/2023', 'Archive/2024', 'Newsletters' }
    Check = {
        MetadataOf 'Archive/2023' /shared/vendor/example/retention | Should -Be '7y'
        MetadataOf 'Newsletters' /shared/vendor/example/retention | Should -Be '90d'
    }
}
$ExampleSpecs['Set-ImapMetadata 4'] = @{
    Setup = { Mailboxes 'Projects/Apollo', 'Archive/Apollo'; $null = Set-ImapMetadata -Session $ctx.Session -Mailbox 'Projects/Apollo' -Entry /private/comment -Value 'Apollo notes' }
    Check = { MetadataOf 'Archive/Apollo' /private/comment | Should -Be 'Apollo notes' }
}
#endregion

#region Namespace and quota
$ExampleSpecs['Get-ImapNamespace 1'] = @{ Check = { $Output.Kind | Should -Contain 'Personal' } }
$ExampleSpecs['Get-ImapNamespace 2'] = @{ Check = { MailboxNames | Should -Contain 'Archive/2025' } }
$ExampleSpecs['Get-ImapNamespace 3'] = @{
    Setup = {
        # bob shares a folder with the example's user.
        $folder = 'Team-' + $ctx.User
        $bob = Connect-Fixture (Get-ImapTestCredential -Server $script:Server -UserName bob)
        $null = New-ImapMailbox -Session $bob -Name $folder
        $null = Set-ImapAcl -Session $bob -Mailbox $folder -Identifier $ctx.User -Rights lr
        Disconnect-Imap -Session $bob
        # bob's Connect-Imap made his session the default, and closing it leaves none (commands never fall back to
        # another session): the example's user connects again, as a script would.
        $script:Ctx.Session = Connect-Fixture $script:Ctx.Credential
        Preset session $script:Ctx.Session
        Preset folder $folder
    }
    Check = { $Output.Name | Should -Contain "shared/bob/Team-$($ctx.User)" }
}
$ExampleSpecs['Get-ImapQuota 1'] = @{ Check = { $Output.Resource | Should -Contain 'STORAGE' } }
$ExampleSpecs['Get-ImapQuota 2'] = @{ Check = { $Vars.storage.Limit | Should -BeGreaterThan 0; $Output | Should -BeNullOrEmpty -Because 'the mailbox is nearly empty' } }
$ExampleSpecs['Get-ImapQuota 3'] = @{ Check = { $Output.Root | Should -Contain 'User quota' } }
$ExampleSpecs['Set-ImapQuota 1'] = @{ Check = { (Get-ImapQuota -Session (Inspect) -Root 'user/alice').Limit | Should -Be (2GB / 1KB) } }
$ExampleSpecs['Set-ImapQuota 2'] = @{ Check = { $Output | Should -BeNullOrEmpty } }
$ExampleSpecs['Set-ImapQuota 3'] = @{ Check = { (Get-ImapQuota -Session (Inspect) -Mailbox INBOX | Where-Object Resource -EQ STORAGE).Limit | Should -Be (2 * 100MB / 1KB) } }
#endregion

#region Threads and raw commands
$specThread = {
    param([string]$Mailbox, [switch]$Unseen)
    $flags = if ($Unseen) { @() } else { @('Seen') }
    $root = "<root-$([guid]::NewGuid().ToString('N'))@example.com>"
    Seed $Mailbox @(
        (Mail -Subject 'Release plan' -MessageId $root -Flag $flags -Date '2025-02-01T09:00:00+00:00'),
        (Mail -Subject 'Re: Release plan' -InReplyTo $root -Flag $flags -Date '2025-02-02T09:00:00+00:00'),
        (Mail -Subject 'Re: Release plan' -InReplyTo $root -Flag $flags -Date '2025-02-03T09:00:00+00:00'),
        (Mail -Subject 'Lunch' -Flag $flags -Date '2025-02-04T09:00:00+00:00'))
}
$ExampleSpecs['Get-ImapThread 1'] = @{ Setup = { & $specThread INBOX }; Check = { $Output[0].MessageCount | Should -Be 3 } }
$ExampleSpecs['Get-ImapThread 2'] = @{ Setup = { & $specThread 'Lists/dev' }; Check = { ($Output | Out-String) | Should -Match 'Re: Release plan' } }
$ExampleSpecs['Get-ImapThread 3'] = @{ Setup = { & $specThread INBOX -Unseen }; Check = { @($Output | Sort-Object MessageCount -Descending)[0].MessageCount | Should -Be 3 } }
$ExampleSpecs['Invoke-ImapCommand 1'] = @{ Check = { $Output | Should -Be $true } }
$ExampleSpecs['Invoke-ImapCommand 2'] = @{ Setup = { Seed INBOX @((Mail), (Mail)) }; Check = { $Output | Should -Match 'MESSAGES 2' } }
$ExampleSpecs['Invoke-ImapCommand 3'] = @{ Setup = { Seed INBOX @((Mail), (Mail)) }; Check = { $Output.Count | Should -Be 2; $Output | Should -Match 'MODSEQ' } }
$ExampleSpecs['Invoke-ImapCommand 4'] = @{
    Setup = { Seed Trash @((Mail -Subject 'keep'), (Mail -Subject 'gone' -Flag Deleted)) }
    Check = { (Messages Trash).Subject | Should -Be 'keep' }
}
#endregion

#region Invoke-ImapIdle (run in a second runspace and stopped like Ctrl+C)
$specDeliver = { param([string]$From = 'news@example.com', [string]$Subject = 'Fresh news', [string]$Mailbox = 'INBOX')
    $null = Add-ImapMessage -Session (Inspect) -Mailbox $Mailbox -Message (Mail -From $From -Subject $Subject).Bytes }
$ExampleSpecs['Invoke-ImapIdle 1'] = @{
    Setup = { Seed INBOX @(Mail -Subject 'Old news') }; Background = $true; Trigger = { & $specDeliver }
    Check = { $Output | Should -Match 'Fresh news' }
}
$ExampleSpecs['Invoke-ImapIdle 2'] = @{
    Background = $true; Trigger = { & $specDeliver }
    Check      = { $Vars.event.Kind | Should -Be 'NewMessage'; $Output | Should -BeNullOrEmpty }
}
$ExampleSpecs['Invoke-ImapIdle 3'] = @{
    Setup   = { Mailboxes Alerts; Seed INBOX @(Mail -From 'alerts@monitoring.example.com' -Subject 'Before the watch') }
    Background = $true; Trigger = { & $specDeliver 'alerts@monitoring.example.com' 'Disk full' }
    Check   = { (Messages Alerts).Subject | Should -Be 'Disk full'; (Messages INBOX).Subject | Should -Be 'Before the watch' }
}
$ExampleSpecs['Invoke-ImapIdle 4'] = @{
    Setup   = { Mailboxes 'Shared/Support' }
    Background = $true; Trigger = { & $specDeliver -Mailbox 'Shared/Support' }
    Check   = { $rows = @(Import-Csv (Join-Path $ctx.Directory 'support-activity.csv')); $rows.Kind | Should -Contain 'NewMessage' }
}
$ExampleSpecs['Invoke-ImapIdle 5'] = @{
    Background = $true; Trigger = { & $specDeliver }
    Check      = { $Output | Should -Match 'new message UID \d+$' }
}
#endregion

#region Mailboxes
$ExampleSpecs['New-ImapMailbox 1'] = @{ Check = { MailboxNames | Should -Contain 'Projects/Apollo' } }
$ExampleSpecs['New-ImapMailbox 2'] = @{
    Check = { @((Get-ImapMailbox -Session (Inspect) -Subscribed -Name 'Archive/2025/*').Name).Count | Should -Be 12 }
}
$ExampleSpecs['New-ImapMailbox 3'] = @{ Check = { MailboxNames | Should -Contain 'Reports' } }
$ExampleSpecs['Remove-ImapMailbox 1'] = @{
    Setup   = { Mailboxes 'Projects/Apollo' }
    # "after confirming": the reader answers the prompt.
    Confirm = 'yes'
    Check   = { MailboxNames | Should -Not -Contain 'Projects/Apollo' }
}
$ExampleSpecs['Remove-ImapMailbox 2'] = @{
    Setup = { Seed 'Archive/2023' @(Mail); Mailboxes 'Archive/Empty', 'Archive/Parent'; Seed 'Archive/Parent/Child' @(Mail) }
    Check = {
        $names = MailboxNames
        $names | Should -Not -Contain 'Archive/Empty'
        $names | Should -Contain 'Archive/2023' -Because 'it holds a message'
        $names | Should -Contain 'Archive/Parent' -Because 'it has a child'
        $names | Should -Contain 'Archive/Parent/Child'
    }
}
$ExampleSpecs['Remove-ImapMailbox 3'] = @{
    Setup = { Mailboxes 'Old/A', 'Old/B/C' }
    Check = { $names = MailboxNames; $names | Should -Contain 'Old/A'; $names | Should -Contain 'Old/B/C' }
}
$ExampleSpecs['Rename-ImapMailbox 1'] = @{
    Setup = { Mailboxes 'Projects/Apollo' }
    Check = { $names = MailboxNames; $names | Should -Contain 'Projects/Apollo (done)'; $names | Should -Not -Contain 'Projects/Apollo' }
}
$ExampleSpecs['Rename-ImapMailbox 2'] = @{
    Setup = { Mailboxes 'Clients/Acme', 'Archive' }
    Check = { $Output | Should -Not -BeNullOrEmpty; MailboxNames | Should -Contain 'Archive/Clients/Acme' }
}
$ExampleSpecs['Rename-ImapMailbox 3'] = @{
    Setup = { Mailboxes 'Reports/Sales', 'Reports/Ops' }
    Check = { $names = MailboxNames; $names | Should -Contain 'Reports/Sales'; $names | Should -Not -Contain 'Reports/2024-Sales' }
}
$ExampleSpecs['Select-ImapMailbox 1'] = @{ Setup = { Seed INBOX @(Mail) }; Check = { ($Output | Out-String) | Should -Match 'UidValidity' } }
$ExampleSpecs['Select-ImapMailbox 2'] = @{
    Setup = { Seed 'Shared/Support' @((Mail -Subject 'Printer down' -Body 'It is on fire.' -Date $specNow), (Mail -Subject 'Older' -Date $specNow.AddDays(-3))) }
    Check = {
        ($Output | Out-String) | Should -Match 'It is on fire'
        $ctx.Session.SelectedMailbox | Should -Be 'Shared/Support'
        (Messages 'Shared/Support') | ForEach-Object { $_.Flags | Should -Not -Contain '\Seen' -Because 'the mailbox was read only' }
    }
}
$ExampleSpecs['Select-ImapMailbox 3'] = @{ Setup = { Mailboxes Projects }; Check = { $Vars.state.PermanentFlags | Should -Contain '\*' } }
#endregion

#region Removing, flagging, searching and saving messages
$ExampleSpecs['Remove-ImapMessage 1'] = @{
    Setup   = { Seed INBOX @((Mail -Subject 'Delete me'), (Mail -Subject 'Keep me')) -FirstUid 4711 }
    # "Delete a message permanently" prompts (ConfirmImpact High); the reader answers yes.
    Confirm = 'yes'
    Check   = { (Messages INBOX).Subject | Should -Be 'Keep me' }
}
$ExampleSpecs['Remove-ImapMessage 2'] = @{
    Setup = { Seed Newsletters @((Mail -Subject 'Stale' -Date $specNow.AddDays(-120)), (Mail -Subject 'Current' -Date $specNow.AddDays(-10))) }
    Check = { (Messages Newsletters).Subject | Should -Be 'Current' }
}
$ExampleSpecs['Remove-ImapMessage 3'] = @{
    Setup = { Seed INBOX @((Mail -From 'noreply@example.com'), (Mail -From 'noreply@example.com')) }
    Check = { Messages INBOX | ForEach-Object { $_.Flags | Should -Not -Contain '\Deleted' } }
}
$ExampleSpecs['Set-ImapFlag 1'] = @{
    Setup = { Seed Newsletters @((Mail), (Mail), (Mail -Flag Seen)) }
    Check = { Messages Newsletters | ForEach-Object { $_.Flags | Should -Contain '\Seen' } }
}
$ExampleSpecs['Set-ImapFlag 2'] = @{
    Setup = { Seed INBOX @(Mail -Flag Seen) -FirstUid 4711 }
    Check = { $Output | Should -Not -BeNullOrEmpty; $flags = (Messages INBOX).Flags; $flags | Should -Contain '\Flagged'; $flags | Should -Not -Contain '\Seen' }
}
$ExampleSpecs['Set-ImapFlag 3'] = @{
    Setup = { Seed INBOX @((Mail -From 'ci@example.com' -Subject 'Build 1'), (Mail -From 'ci@example.com' -Subject 'Build 2'), (Mail -Subject 'Human')) }
    Check = {
        @(Messages INBOX | Where-Object { $_.Flags -contains '$Automated' }).Subject | Sort-Object | Should -Be @('Build 1', 'Build 2')
    }
}
$ExampleSpecs['Set-ImapFlag 4'] = @{
    Setup = { Seed INBOX @(Mail -Flag Flagged, Answered); Preset message (Get-ImapMessage -Session $ctx.Session -Mailbox INBOX -Uid 1) }
    Check = { @((Messages INBOX).Flags) | Should -Be @('\Seen') }
}
$ExampleSpecs['Search-ImapMessage 1'] = @{
    Setup = { Seed INBOX @((Mail -From 'boss@example.com' -Subject 'Unread'), (Mail -From 'boss@example.com' -Subject 'Read' -Flag Seen)) }
    Check = { $Output.Subject | Should -Be 'Unread' }
}
$ExampleSpecs['Search-ImapMessage 2'] = @{ Setup = $specBossMail; Check = $specBossFiled }
$ExampleSpecs['Search-ImapMessage 3'] = @{
    Setup = { Seed 'Archive/2024' @(1..12 | ForEach-Object { Mail -Subject "Report $_" -Date ([datetimeoffset]'2024-01-15T09:00:00+00:00').AddDays($_ * 20) -PadTo ($_ * 1000) }) }
    Check = { ($Output | Out-String) | Should -Match 'Report 12' }
}
$ExampleSpecs['Search-ImapMessage 4'] = @{
    Setup = {
        Seed INBOX @(
            (Mail -From 'alice@example.com' -Subject 'Later, from the list' -Header @{ 'List-Id' = 'Developers <dev.lists.example.org>' }),
            (Mail -From 'bob@example.com' -Subject 'Not tagged' -Header @{ 'List-Id' = 'Developers <dev.lists.example.org>' }),
            (Mail -From 'carol@example.com' -Subject 'Tagged, not on the list'))
        $null = Set-ImapFlag -Session $ctx.Session -Mailbox INBOX -Uid 1, 3 -Add '$Later'
    }
    Check = { $Output.Subject | Should -Be 'Later, from the list' }
}
$ExampleSpecs['Search-ImapMessage 6'] = @{
    Setup = { Seed INBOX @((Mail -From 'alice@example.com' -Subject 'A'), (Mail -From 'bob@example.com' -Subject 'B' -Flag Seen), (Mail -From 'carol@example.com' -Subject 'C')) }
    Check = { @($Output.Subject) | Should -Be @('A') }
}
$ExampleSpecs['Search-ImapMessage 7'] = @{
    Setup = { Seed INBOX @((Mail -From 'boss@example.com' -Subject 'Plan'), (Mail -Subject 'urgent: disk' -Flag Flagged), (Mail -Subject 'urgent: not flagged'), (Mail -Subject 'Flagged only' -Flag Flagged)) }
    Check = { @($Output.Subject | Sort-Object) | Should -Be @('Plan', 'urgent: disk') }
}
$ExampleSpecs['Search-ImapMessage 8'] = @{
    # Received long ago but put in Trash now: -SavedBefore keeps it, where -Before would remove it.
    Setup = { Mailboxes Trash; $null = Add-ImapMessage -Session $ctx.Session -Mailbox Trash -Message (EmlBytes 'Deleted today') -InternalDate '2001-01-01T00:00:00Z' }
    Confirm = 'yes'
    Check = { (Messages Trash).Subject | Should -Be 'Deleted today' }
}
$ExampleSpecs['Search-ImapMessage 5'] = @{ Setup = { Seed INBOX @(Mail) }; Check = { $Output | Should -Be 0 } }
$ExampleSpecs['Save-ImapAttachment 1'] = @{
    Setup = { Seed INBOX @(Mail -Subject 'Report' -Attachment 'report.pdf') -FirstUid 4711 }
    Check = { (Get-Item (Join-Path $ctx.Directory 'attachments/report.pdf')).Length | Should -Be 4096 }
}
$ExampleSpecs['Save-ImapAttachment 2'] = @{
    Setup = {
        Seed INBOX @(
            (Mail -From 'billing@example.com' -Subject 'March' -Date '2025-03-10T09:00:00+00:00' -Attachment 'invoice-march.pdf'),
            (Mail -From 'billing@example.com' -Subject 'February' -Date '2025-02-10T09:00:00+00:00' -Attachment 'invoice-february.pdf'),
            (Mail -From 'billing@example.com' -Subject 'Terms' -Date '2025-03-12T09:00:00+00:00' -Attachment 'terms.zip'))
    }
    Check = {
        $Output | Should -Not -BeNullOrEmpty
        @(Get-ChildItem (Join-Path $ctx.Directory 'invoices/2025-03')).Name | Should -Be @('invoice-march.pdf')
    }
}
$ExampleSpecs['Save-ImapAttachment 3'] = @{
    Setup = { Seed INBOX @(Mail -Subject 'Big' -Date $specNow.AddDays(-1) -Attachment 'big.bin' -AttachmentBytes 1.2MB) }
    Check = { @(Get-ChildItem (Join-Path $ctx.Directory 'large') -ErrorAction SilentlyContinue) | Should -BeNullOrEmpty -Because '-WhatIf saves nothing' }
}
$ExampleSpecs['Save-ImapMessage 1'] = @{
    Setup = { Seed INBOX @(Mail -Subject 'Invoice') -FirstUid 4711 }
    Check = { Get-Content (Join-Path $ctx.Directory 'invoice.eml') -Raw | Should -Match 'Subject: Invoice' }
}
$ExampleSpecs['Save-ImapMessage 2'] = @{
    Setup = { Seed 'Archive/2024' @((Mail -From 'legal@example.com' -Subject 'NDA'), (Mail -From 'legal@example.com' -Subject 'Contract'), (Mail -Subject 'Other')) }
    Check = {
        $Output.Count | Should -Be 1
        $Output[0].Count | Should -Be 2
        @(Get-ChildItem (Join-Path $ctx.Directory 'legal-2024') -File).Count | Should -Be 2
    }
}
$ExampleSpecs['Save-ImapMessage 3'] = @{
    Setup = { Seed Projects @(1..3 | ForEach-Object { Mail -Subject "Project $_" }) }
    Check = { @(Get-ChildItem (Join-Path $ctx.Directory 'projects-backup') -File -Filter *.eml).Count | Should -Be 3 }
}
#endregion

#region New-ImapMessage
$ExampleSpecs['New-ImapMessage 1'] = @{
    Setup = { Mailboxes Drafts }
    Check = { (Messages Drafts).Subject | Should -Be 'Quarterly report'; (Messages Drafts).Flags | Should -Contain '\Draft' }
}
$ExampleSpecs['New-ImapMessage 2'] = @{
    Setup = { Mailboxes Reports; $null = File 'backup.log' ([Text.Encoding]::ASCII.GetBytes("backup done`r`n")) }
    Check = { @(Messages Reports).Count | Should -Be 1; (Messages Reports).Flags | Should -Contain '\Seen' }
}
$ExampleSpecs['New-ImapMessage 3'] = @{ Check = { "$Output" | Should -Match 'Subject: Hi' } }
#endregion

#region Export-ImapMailbox and Import-ImapMailbox
$ExampleSpecs['Export-ImapMailbox 1'] = @{
    Setup = { Seed INBOX @((Mail -Subject 'One' -Flag Seen), (Mail -Subject 'Two' -Flag Flagged), (Mail -Subject 'Three')) }
    Check = {
        $Output.Added | Should -Be 3
        @(Get-ChildItem (Join-Path $ctx.Directory 'backup/cur') -File).Name | Where-Object { $_ -like '*:2,S' } | Should -HaveCount 1
        @(Get-ChildItem (Join-Path $ctx.Directory 'backup/cur') -File).Count | Should -Be 3
    }
}
$ExampleSpecs['Export-ImapMailbox 2'] = @{
    Setup = {
        Seed INBOX @(Mail -Subject 'Inbox mail')
        Seed 'Archive/2024' @(Mail -Subject 'Kept')
        Seed 'Archive/Old' @(Mail -Subject 'Left out')
    }
    Check = {
        @($Output.Mailbox | Sort-Object) | Should -Be @('Archive/2024', 'INBOX')
        @(Get-ChildItem (Join-Path $ctx.Directory 'nightly/.Archive.2024/cur') -File).Count | Should -Be 1
        Test-Path (Join-Path $ctx.Directory 'nightly/.Archive.Old') | Should -BeFalse
    }
}
$ExampleSpecs['Export-ImapMailbox 3'] = @{
    Setup = { Seed 'Archive/2024' @((Mail -Subject 'First'), (Mail -Subject 'Second')) }
    Check = {
        $lines = Get-Content (Join-Path $ctx.Directory 'archive-2024.mbox')
        @($lines | Where-Object { $_ -like 'From MAILER-DAEMON *' }).Count | Should -Be 2
        @($lines | Where-Object { $_ -like 'Subject: *' }) | Should -Be @('Subject: First', 'Subject: Second')
    }
}
$ExampleSpecs['Export-ImapMailbox 4'] = @{
    Setup = { Seed Projects @(Mail -Subject 'Plan'); Seed 'Projects/Apollo' @((Mail -Subject 'Launch'), (Mail -Subject 'Orbit')) }
    Check = {
        "$($Output | Out-String)" | Should -Match 'Projects/Apollo'
        @(Get-ChildItem (Join-Path $ctx.Directory 'projects/Projects') -File -Filter *.eml).Count | Should -Be 1
        @(Get-ChildItem (Join-Path $ctx.Directory 'projects/Projects/Apollo') -File -Filter *.eml).Count | Should -Be 2
    }
}
$ExampleSpecs['Import-ImapMailbox 1'] = @{
    Setup = {
        $null = File 'backup/cur/1.restore.host:2,S' (EmlBytes 'Restored inbox mail')
        $null = File 'backup/.Archive.2024/cur/1.restore.host:2,FS' (EmlBytes 'Restored archive mail')
        $null = New-Item -ItemType Directory -Path (Join-Path $ctx.Directory 'backup/new'), (Join-Path $ctx.Directory 'backup/tmp')
    }
    Check = {
        ($Output | Measure-Object Added -Sum).Sum | Should -Be 2
        $inbox = Messages INBOX
        $inbox.Subject | Should -Be 'Restored inbox mail'
        $inbox.Flags | Should -Contain '\Seen'
        $archived = Messages 'Archive/2024'
        $archived.Subject | Should -Be 'Restored archive mail'
        $archived.Flags | Should -Contain '\Flagged'
    }
}
$ExampleSpecs['Import-ImapMailbox 2'] = @{
    Setup = {
        $one = [Text.Encoding]::UTF8.GetString((EmlBytes 'Mbox one')) -replace "`r`n", "`n"
        $two = [Text.Encoding]::UTF8.GetString((EmlBytes 'Mbox two')) -replace "`r`n", "`n"
        $null = File 'archive-2024.mbox' ([Text.Encoding]::UTF8.GetBytes("From someone@example.com Mon Jan  6 10:00:00 2025`n$one`nFrom someone@example.com Tue Jan  7 11:30:00 2025`n$two`n"))
    }
    Check = {
        $messages = @(Messages 'Archive/2024' | Sort-Object Subject)
        $messages.Subject | Should -Be @('Mbox one', 'Mbox two')
        $messages[0].InternalDate.UtcDateTime | Should -Be ([datetime]'2025-01-06T10:00:00')
        $messages[1].InternalDate.UtcDateTime | Should -Be ([datetime]'2025-01-07T11:30:00')
    }
}
$ExampleSpecs['Import-ImapMailbox 3'] = @{
    Setup = { $null = File 'mails/a.eml' (EmlBytes 'Dry run') }
    Check = { MailboxNames | Should -Not -Contain 'Restored' }
}
#endregion

#region Sync-ImapMailbox
$ExampleSpecs['Sync-ImapMailbox 1'] = @{
    Setup = {
        Seed INBOX @((Mail -Subject 'Inbox one' -Flag Seen), (Mail -Subject 'Inbox two'))
        Seed 'Archive/2024' @(Mail -Subject 'Archived' -Flag Flagged)
    }
    Check = {
        @($Output.DestinationMailbox | Sort-Object) | Should -Be @('Migrated', 'Migrated/2024')
        @((Messages Migrated).Subject | Sort-Object) | Should -Be @('Inbox one', 'Inbox two')
        ((Messages Migrated) | Where-Object Subject -EQ 'Inbox one').Flags | Should -Contain '\Seen'
        (Messages 'Migrated/2024').Flags | Should -Contain '\Flagged'
    }
}
$ExampleSpecs['Sync-ImapMailbox 2'] = @{
    Setup = { Seed Projects @((Mail -Subject 'Plan'), (Mail -Subject 'Budget')) }
    Check = {
        $Output.WhatIf | Should -BeTrue
        $Output.Copied | Should -Be 2
        $Output.DestinationMailbox | Should -Be 'Mirror/Projects'
        MailboxNames | Should -Not -Contain 'Mirror/Projects'
    }
}
$ExampleSpecs['Sync-ImapMailbox 3'] = @{
    Setup = { Seed INBOX @((Mail -Subject 'Fresh' -Date ([datetimeoffset]::UtcNow.AddDays(-3))), (Mail -Subject 'Stale' -Date ([datetimeoffset]::UtcNow.AddDays(-90)))) }
    Check = { (Messages Recent).Subject | Should -Be 'Fresh' }
}
#endregion

$ExampleSpecs['Copy-ImapMessage 4'] = @{
    Setup = { Mailboxes Legal; Seed INBOX @((Mail -From 'legal@example.com' -Subject 'NDA' -Flag Seen), (Mail -From 'legal@example.com' -Subject 'Contract'), (Mail -Subject 'Other')) }
    Check = {
        @($Output.Mailbox | Select-Object -Unique) | Should -Be @('Legal')
        @((Messages Legal).Subject | Sort-Object) | Should -Be @('Contract', 'NDA')
        ((Messages Legal) | Where-Object Subject -EQ 'NDA').Flags | Should -Contain '\Seen'
    }
}

$ExampleSpecs['Sync-ImapMailbox 4'] = @{
    Setup = {
        Seed INBOX @((Mail -Subject 'Account mail one'), (Mail -Subject 'Account mail two' -Flag Seen))
        $null = File 'accounts.csv' ([Text.Encoding]::UTF8.GetBytes("SourceServer,SourceUser,DestinationServer,DestinationUser`r`nimap.old.example,alice,imap.new.example,alice`r`n"))
    }
    Check = {
        $Output | Should -Not -BeNullOrEmpty
        @((Messages Migrated).Subject | Sort-Object) | Should -Be @('Account mail one', 'Account mail two')
    }
}

#region Sync-ImapAccount
# Sync-ImapAccount connects by itself, to the servers its rows name: the Setup writes rows that name the
# fixture (its STARTTLS port; Security Auto on a port other than 993 is STARTTLS) and users of its own.
# Examples.Tests wraps the cmdlet to trust exactly the fixture's self-signed certificate.
function New-AccountExampleSetup([string]$CsvName, [int]$Pairs) {
    $lines = [Collections.Generic.List[string]]::new()
    $lines.Add('SourceServer,SourcePort,SourceUser,SourcePasswordFile,DestinationServer,DestinationPort,DestinationUser,DestinationPasswordFile')
    $made = foreach ($i in 1..$Pairs) {
        $old = New-ImapTestUser -Server $script:Server -Prefix 'exold'
        $new = New-ImapTestUser -Server $script:Server -Prefix 'exnew'
        $null = $script:Server.SeedMaildir($old.UserName, 'INBOX', [ImapPS.Testing.SeedMessage[]]@((Mail -Subject "Mail of $i" -Flag Seen), (Mail -Subject "More of $i")))
        $null = $script:Server.SeedMaildir($old.UserName, 'Trash', [ImapPS.Testing.SeedMessage[]]@(Mail -Subject "Deleted of $i"))
        foreach ($c in $old, $new) { $null = File "secrets/$($c.UserName)" ([Text.Encoding]::UTF8.GetBytes($c.GetNetworkCredential().Password + "`n")) }
        $lines.Add("$($script:Server.Host),$($script:Server.ImapPort),$($old.UserName),secrets/$($old.UserName),$($script:Server.Host),$($script:Server.ImapPort),$($new.UserName),secrets/$($new.UserName)")
        [pscustomobject]@{ Old = $old; New = $new }
    }
    $null = File $CsvName ([Text.Encoding]::UTF8.GetBytes(($lines -join "`r`n") + "`r`n"))
    $script:Ctx | Add-Member -NotePropertyName AccountPairs -NotePropertyValue @($made) -Force
}
function AccountMessages([pscredential]$Credential, [string]$Mailbox) {
    $session = Connect-Fixture $Credential
    try { @(Get-ImapMessage -Session $session -Mailbox $Mailbox -All) } finally { Disconnect-Imap -Session $session }
}
$ExampleSpecs['Sync-ImapAccount 1'] = @{
    Setup = { New-AccountExampleSetup 'accounts.csv' 2 }
    Check = {
        $Output.Count | Should -Be 2
        $Output | ForEach-Object { $_.Status | Should -Be Succeeded; $_.Copied | Should -Be 2 }
        $i = 0
        foreach ($pair in $script:Ctx.AccountPairs) {
            $i++
            @((AccountMessages $pair.New INBOX).Subject | Sort-Object) | Should -Be @("Mail of $i", "More of $i")
            # The server gives every new user a Trash; -Exclude Trash leaves it empty.
            @(AccountMessages $pair.New Trash).Count | Should -Be 0 -Because '-Exclude Trash'
        }
    }
}
$ExampleSpecs['Sync-ImapAccount 2'] = @{
    Setup = {
        # One row whose accounts are both the fixture user (Get-Credential answers with its password): the old mail goes below "Old mail".
        Seed INBOX @((Mail -Subject 'Kept one' -Flag Seen), (Mail -Subject 'Kept two'))
        $null = File 'users.csv' ([Text.Encoding]::UTF8.GetBytes("SourceServer,SourcePort,SourceUser,DestinationServer,DestinationPort,DestinationUser`r`n" +
                "$($script:Server.Host),$($script:Server.ImapPort),$($script:Ctx.User),$($script:Server.Host),$($script:Server.ImapPort),$($script:Ctx.User)`r`n"))
    }
    Check = {
        $Output | Should -Not -BeNullOrEmpty
        @((Messages 'Old mail/INBOX').Subject | Sort-Object) | Should -Be @('Kept one', 'Kept two')
        ((Messages 'Old mail/INBOX') | Where-Object Subject -EQ 'Kept one').Flags | Should -Contain '\Seen'
    }
}
$ExampleSpecs['Sync-ImapAccount 3'] = @{
    Setup = { New-AccountExampleSetup 'accounts.csv' 2 }
    Check = {
        @($Vars.results.Status) | Should -Be @('Succeeded', 'Succeeded')
        $Output | Should -BeNullOrEmpty -Because 'every account succeeded, so there is nothing to retry'
        $i = 0
        foreach ($pair in $script:Ctx.AccountPairs) { $i++; @(AccountMessages $pair.New Trash).Subject | Should -Be "Deleted of $i" }
    }
}
#endregion
