@{
    # The build (build.ps1 -Task Build) stamps ModuleVersion from VersionPrefix in Directory.Build.props.
    # One build per edition (docs/loading.md): PowerShell 7.6 loads core/ (net10.0, ReadyToRun), Windows
    # PowerShell 5.1 desktop/ (netstandard2.0). The manifest chooses, so no loader script runs at import.
    RootModule           = if ($PSEdition -eq 'Core') { 'core/ImapPS.dll' } else { 'desktop/ImapPS.dll' }
    ModuleVersion        = '0.1.0'
    GUID                 = 'c589ef2d-89ea-452c-b0f3-d67514653795'
    Author               = 'ImapPS contributors'
    CompanyName          = 'ImapPS'
    Copyright            = 'Copyright (c) 2026 ImapPS contributors. MIT License.'
    Description          = 'IMAP for PowerShell: connect to any IMAP4rev1 server and search, read, flag, move, save and watch mail from the pipeline. Built on ImapPS.Client, a threaded IMAP engine with many commands in flight on one connection, IDLE, TLS/STARTTLS, COMPRESS=DEFLATE and QUOTA/ACL/METADATA support; messages are parsed with MimeKit.'
    CompatiblePSEditions = @('Desktop', 'Core')
    # core/ is built for .NET 10, which PowerShell 7.4 (.NET 8) and 7.5 (.NET 9) cannot load: they are
    # refused here with a clear message instead of failing on a missing System.Runtime.
    PowerShellVersion    = if ($PSEdition -eq 'Core') { '7.6' } else { '5.1' }
    NestedModules        = @()
    FormatsToProcess     = @('ImapPS.format.ps1xml')
    CmdletsToExport      = @(
        'Connect-Imap', 'Disconnect-Imap', 'Get-ImapSession',
        'Get-ImapMailbox', 'Select-ImapMailbox', 'New-ImapMailbox', 'Rename-ImapMailbox', 'Remove-ImapMailbox', 'Close-ImapMailbox',
        'Add-ImapSubscription', 'Remove-ImapSubscription',
        'Get-ImapQuota', 'Set-ImapQuota',
        'Get-ImapAcl', 'Set-ImapAcl', 'Remove-ImapAcl', 'Get-ImapRight',
        'Get-ImapNamespace', 'Get-ImapMetadata', 'Set-ImapMetadata',
        'Search-ImapMessage', 'Get-ImapMessage', 'Save-ImapMessage', 'Save-ImapAttachment', 'Add-ImapMessage', 'New-ImapMessage',
        'Set-ImapFlag', 'Copy-ImapMessage', 'Move-ImapMessage', 'Remove-ImapMessage', 'Get-ImapThread',
        'Invoke-ImapIdle', 'Invoke-ImapCommand',
        'Export-ImapMailbox', 'Import-ImapMailbox', 'Sync-ImapMailbox', 'Sync-ImapAccount'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('IMAP', 'Email', 'Mail', 'Mailbox', 'IDLE', 'MimeKit', 'PSEdition_Desktop', 'PSEdition_Core', 'Windows', 'Linux', 'MacOS')
            LicenseUri   = 'https://github.com/imapps/ImapPS/blob/main/LICENSE'
            ProjectUri   = 'https://github.com/imapps/ImapPS'
            ReleaseNotes = 'First preview: threaded IMAP engine and the ImapPS cmdlets.'
        }
    }
}
