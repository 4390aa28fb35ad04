@{
    # A test-only module that carries other versions of MimeKit and BouncyCastle (tests/Pester/CoLoading.Tests.ps1).
    RootModule        = 'FakeMimeModule.dll'
    ModuleVersion     = '1.0.0'
    GUID              = '5b0f3f4e-8a2d-4c55-9d7e-3c1a2b9e6f01'
    Author            = 'ImapPS contributors'
    Description       = 'Test-only module carrying fake MimeKit and BouncyCastle assemblies.'
    PowerShellVersion = '5.1'
    CmdletsToExport   = @('Get-FakeMime')
    FunctionsToExport = @()
    AliasesToExport   = @()
    VariablesToExport = @()
}
