# What ./build.ps1 -Task Package produces: the module's .nupkg installs from a folder repository with
# PSResourceGet and imports BY NAME in a fresh PowerShell; ImapPS.Client's .nupkg carries the library,
# its XML docs, a README and the repository metadata.

BeforeDiscovery {
    . $PSScriptRoot/TestHelpers.ps1
    $script:moduleBuilt = $null -ne (Get-ImapModuleDirectory)
}

Describe 'Packages from build.ps1 -Task Package' -Skip:(-not $moduleBuilt) {
    BeforeAll {
        . $PSScriptRoot/TestHelpers.ps1
        Add-Type -AssemblyName System.IO.Compression.FileSystem

        function Invoke-FreshPwsh {
            <#
            Runs a script in a new PowerShell process (the one running this test: pwsh, or 'dotnet pwsh.dll')
            and returns its exit code and output. The process is killed if it outlives the timeout.
            #>
            param([string]$Script, [hashtable]$Environment = @{}, [int]$TimeoutSeconds = 120, [string[]]$Arguments)
            $process = [Environment]::ProcessPath
            $start = [Diagnostics.ProcessStartInfo]::new($process)
            if ([IO.Path]::GetFileNameWithoutExtension($process) -eq 'dotnet') {
                $start.ArgumentList.Add([Reflection.Assembly]::GetEntryAssembly().Location)
            }
            foreach ($argument in '-NoProfile', '-NonInteractive') { $start.ArgumentList.Add($argument) }
            if ($Arguments) { foreach ($argument in $Arguments) { $start.ArgumentList.Add($argument) } }
            else { $start.ArgumentList.Add('-Command'); $start.ArgumentList.Add($Script) }
            $start.RedirectStandardOutput = $true
            $start.RedirectStandardError = $true
            $start.UseShellExecute = $false
            foreach ($key in $Environment.Keys) { $start.Environment[$key] = $Environment[$key] }
            $child = [Diagnostics.Process]::Start($start)
            try {
                $stdout = $child.StandardOutput.ReadToEndAsync()
                $stderr = $child.StandardError.ReadToEndAsync()
                if (-not $child.WaitForExit($TimeoutSeconds * 1000)) {
                    $child.Kill($true)
                    throw "The child PowerShell did not finish within $TimeoutSeconds s."
                }
                $child.WaitForExit()
                return [pscustomobject]@{ ExitCode = $child.ExitCode; Output = $stdout.Result; Errors = $stderr.Result }
            }
            finally {
                $child.Dispose()
            }
        }

        $script:version = Split-Path (Get-ImapModuleDirectory) -Leaf
        $script:builtCmdletCount = (Get-Module ImapPS).ExportedCmdlets.Count

        # The real Package task, on the module the build already assembled.
        $run = Invoke-FreshPwsh -TimeoutSeconds 600 -Arguments @('-File', (Join-Path $RepoRoot 'build.ps1'), '-Task', 'Package', '-NoBuild')
        if ($run.ExitCode -ne 0) { throw "build.ps1 -Task Package -NoBuild failed ($($run.ExitCode)):`n$($run.Output)`n$($run.Errors)" }

        $script:packagesDir = Join-Path $RepoRoot 'out/packages'
        $script:modulePackage = Join-Path $packagesDir "ImapPS.$version.nupkg"
        $script:clientPackage = Join-Path $RepoRoot "out/nuget/ImapPS.Client.$version.nupkg"

        # A repository of our own (registrations are per user and persistent, so unique and removed in AfterAll).
        Import-Module Microsoft.PowerShell.PSResourceGet -ErrorAction Stop
        $script:repository = "ImapPSTest-$([guid]::NewGuid().ToString('N').Substring(0, 12))"
        Register-PSResourceRepository -Name $repository -Uri $packagesDir -Trusted
        $script:installRoot = Join-Path $TestDrive 'Modules'
        New-Item -ItemType Directory -Path $installRoot | Out-Null
        # Save-PSResource installs into a folder of our choosing; Install-PSResource would touch the user's scope.
        Save-PSResource -Name ImapPS -Version $version -Repository $repository -Path $installRoot -TrustRepository

        function Read-ZipEntries([string]$Path) {
            $zip = [IO.Compression.ZipFile]::OpenRead($Path)
            try { return @($zip.Entries | ForEach-Object FullName) } finally { $zip.Dispose() }
        }

        function Read-ZipText([string]$Path, [string]$Entry) {
            $zip = [IO.Compression.ZipFile]::OpenRead($Path)
            try {
                $reader = [IO.StreamReader]::new($zip.GetEntry($Entry).Open())
                try { return $reader.ReadToEnd() } finally { $reader.Dispose() }
            }
            finally { $zip.Dispose() }
        }
    }

    AfterAll {
        if ($script:repository) { Unregister-PSResourceRepository -Name $script:repository -ErrorAction Ignore }
    }

    It 'publishes the module with its help into a folder repository' {
        $modulePackage | Should -Exist
        $entries = Read-ZipEntries $modulePackage
        # Both editions' builds travel in the one package: core/ for PowerShell 7.6, desktop/ for Windows PowerShell 5.1.
        foreach ($file in 'ImapPS.psd1', 'ImapPS.format.ps1xml', 'en-US/ImapPS.dll-Help.xml', 'en-US/about_ImapPS.help.txt',
            'core/ImapPS.dll', 'core/ImapPS.Client.dll', 'core/dependencies/MimeKit.dll', 'core/dependencies/BouncyCastle.Cryptography.dll',
            'desktop/ImapPS.dll', 'desktop/ImapPS.Client.dll', 'desktop/dependencies/MimeKit.dll', 'desktop/dependencies/BouncyCastle.Cryptography.dll',
            'desktop/dependencies/System.Memory.dll', 'desktop/dependencies/System.Buffers.dll') {
            $entries | Should -Contain $file
        }
        # Nothing outside the two edition folders is an assembly: PowerShell must not find a third ImapPS.dll.
        $entries | Where-Object { $_ -like '*.dll' -and $_ -notlike 'core/*' -and $_ -notlike 'desktop/*' } | Should -BeNullOrEmpty
        $entries | Where-Object { $_ -like '*System.Management.Automation.dll' } | Should -BeNullOrEmpty
        Find-PSResource -Name ImapPS -Repository $repository | ForEach-Object { "$($_.Version)" } | Should -Be $version
    }

    It 'installs from the repository and imports by name in a fresh PowerShell' {
        Join-Path $installRoot "ImapPS/$version/ImapPS.psd1" | Should -Exist
        $script = @'
$ErrorActionPreference = 'Stop'
$env:PSModulePath = $env:IMAPPS_INSTALL_ROOT + [IO.Path]::PathSeparator + $env:PSModulePath
$module = Import-Module ImapPS -PassThru
$about = (Get-Help about_ImapPS | Out-String)
[ordered]@{
    Version  = "$($module.Version)"
    Base     = $module.ModuleBase
    Assembly = [ImapPS.ModuleInitialization].Assembly.Location
    Cmdlets  = @(Get-Command -Module ImapPS -CommandType Cmdlet).Count
    AboutHelp = $about -match 'UIDVALIDITY'
} | ConvertTo-Json -Compress
'@
        $run = Invoke-FreshPwsh -Script $script -Environment @{ IMAPPS_INSTALL_ROOT = $installRoot }
        $run.ExitCode | Should -Be 0 -Because $run.Errors
        $result = $run.Output | ConvertFrom-Json
        $result.Version | Should -Be $version
        $result.Base | Should -BeLike "$installRoot*"
        $result.Assembly | Should -Be (Join-Path $result.Base 'core/ImapPS.dll')
        $result.Cmdlets | Should -Be $builtCmdletCount
        $result.AboutHelp | Should -BeTrue
    }

    It 'exports the cmdlets and connects to a server when installed' {
        if ($builtCmdletCount -eq 0 -or -not (Get-Command Connect-Imap -Module ImapPS -ErrorAction Ignore)) {
            Set-ItResult -Skipped -Because 'the built module exports no Connect-Imap yet'
            return
        }
        $server = Start-ImapTestServer
        try {
            $credential = Get-ImapTestCredential $server
            $script = @'
$ErrorActionPreference = 'Stop'
$env:PSModulePath = $env:IMAPPS_INSTALL_ROOT + [IO.Path]::PathSeparator + $env:PSModulePath
Import-Module ImapPS
$password = ConvertTo-SecureString $env:IMAPPS_TEST_PASSWORD -AsPlainText -Force
$credential = [pscredential]::new($env:IMAPPS_TEST_USER, $password)
# -Security None warns on the host, which a redirected child writes to stdout (with colour codes) before the JSON.
$session = Connect-Imap -Server $env:IMAPPS_TEST_HOST -Port ([int]$env:IMAPPS_TEST_PORT) -Credential $credential -Security None -WarningAction SilentlyContinue
$result = [ordered]@{ Type = $session.GetType().FullName; Server = $session.Server; User = $session.User }
$session | Disconnect-Imap -Confirm:$false
$result | ConvertTo-Json -Compress
'@
            $run = Invoke-FreshPwsh -Script $script -Environment @{
                IMAPPS_INSTALL_ROOT  = $installRoot
                IMAPPS_TEST_HOST     = $server.Host
                IMAPPS_TEST_PORT     = "$($server.ImapPort)"
                IMAPPS_TEST_USER     = $credential.UserName
                IMAPPS_TEST_PASSWORD = $credential.GetNetworkCredential().Password
            }
            $run.ExitCode | Should -Be 0 -Because $run.Errors
            $result = $run.Output | ConvertFrom-Json
            $result.Type | Should -Be 'ImapPS.ImapSession'
            $result.User | Should -Be $credential.UserName
        }
        finally {
            Stop-ImapTestServer $server
        }
    }

    It 'packs ImapPS.Client with its XML docs, README and repository metadata' {
        $clientPackage | Should -Exist
        $entries = Read-ZipEntries $clientPackage
        $entries | Should -Contain 'lib/netstandard2.0/ImapPS.Client.dll'
        $entries | Should -Contain 'lib/netstandard2.0/ImapPS.Client.xml'
        $entries | Should -Contain 'lib/net10.0/ImapPS.Client.dll'
        $entries | Should -Contain 'README.md'
        [xml]$nuspec = Read-ZipText $clientPackage 'ImapPS.Client.nuspec'
        $metadata = $nuspec.package.metadata
        $metadata.version | Should -Be $version
        $metadata.readme | Should -Be 'README.md'
        $metadata.repository.type | Should -Be 'git'
        $metadata.repository.url | Should -Be 'https://github.com/imapps/ImapPS'
        $metadata.license.InnerText | Should -Be 'MIT'
        @($metadata.dependencies.group.dependency).id | Should -Contain 'System.Memory'
        Join-Path $RepoRoot "out/nuget/ImapPS.Client.$version.snupkg" | Should -Exist
    }
}
