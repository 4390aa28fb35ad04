<#
    Shared helpers for every *.Tests.ps1. Dot-source it from BeforeAll:

        BeforeAll { . $PSScriptRoot/TestHelpers.ps1 }

    It loads the test-support library (ImapPS.Testing.dll: private Dovecot server, message
    generator) and, when the module has been built, imports out/ImapPS by path so tests exercise
    exactly what build.ps1 assembled.
#>

$script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path

function Get-ImapTestingAssemblyPath {
    $candidates = @(
        (Join-Path $script:RepoRoot 'out/ImapPS.Testing/ImapPS.Testing.dll'),
        (Join-Path $script:RepoRoot 'tests/ImapPS.Testing/bin/Release/netstandard2.0/ImapPS.Testing.dll'),
        (Join-Path $script:RepoRoot 'tests/ImapPS.Testing/bin/Debug/netstandard2.0/ImapPS.Testing.dll')
    )
    $found = $candidates | Where-Object { Test-Path $_ } | Select-Object -First 1
    if (-not $found) { throw "ImapPS.Testing.dll not found; run 'dotnet pwsh ./build.ps1' first. Looked in: $($candidates -join ', ')" }
    return $found
}

function Get-ImapModuleDirectory {
    <# The versioned folder of the built module (out/ImapPS/<version>), or $null when not built. #>
    $manifest = Get-ChildItem (Join-Path $script:RepoRoot 'out/ImapPS') -Filter ImapPS.psd1 -Recurse -ErrorAction Ignore |
        Sort-Object { [version]$_.Directory.Name } -Descending |
        Select-Object -First 1
    if ($manifest) { return $manifest.Directory.FullName }
    return $null
}

function Get-ImapEditionFolder {
    <# The folder of the build this PowerShell loads (ImapPS.psd1 chooses by edition: docs/loading.md). #>
    if ($PSEdition -eq 'Core') { 'core' } else { 'desktop' }
}

function Start-ImapTestServer {
    <#
    .SYNOPSIS
        Starts a private Dovecot (users alice and bob) and returns the ImapPS.Testing.DovecotServer.
    .PARAMETER Options
        An ImapPS.Testing.DovecotOptions, e.g. [ImapPS.Testing.DovecotOptions]::ForBenchmarks().
    #>
    param([object]$Options)
    return [ImapPS.Testing.DovecotServer]::Start($Options)
}

function Stop-ImapTestServer {
    <# Stops a server from Start-ImapTestServer; accepts $null so AfterAll never fails on a failed start. #>
    param([Parameter(ValueFromPipeline)] [object]$Server)
    process {
        if ($null -ne $Server) { $Server.Stop() }
    }
}

function Get-ImapTestCredential {
    <# A PSCredential for a server user (alice by default, whose password needs IMAP quoting). #>
    param([Parameter(Mandatory)] [object]$Server, [string]$UserName = 'alice')
    $user = $Server.GetUser($UserName)
    $secure = ConvertTo-SecureString -String $user.Password -AsPlainText -Force
    return [pscredential]::new($user.Name, $secure)
}

function Import-ImapMimeKit {
    <# Loads MimeKit from the built module folder, for tests that parse messages. Returns $false when not built. #>
    $moduleDir = Get-ImapModuleDirectory
    if (-not $moduleDir) { return $false }
    if (-not ('MimeKit.MimeMessage' -as [type])) {
        # The module keeps third-party assemblies in <edition>/dependencies/ (docs/loading.md).
        Add-Type -Path (Join-Path $moduleDir "$(Get-ImapEditionFolder)/dependencies/MimeKit.dll")
    }
    return $true
}

Add-Type -Path (Get-ImapTestingAssemblyPath)

$script:ImapModuleDirectory = Get-ImapModuleDirectory
if ($script:ImapModuleDirectory) {
    Import-Module (Join-Path $script:RepoRoot 'out/ImapPS') -Force -ErrorAction Stop
}
