# The module ships one build per PowerShell edition (docs/loading.md): core/ (net10.0, ReadyToRun) for
# PowerShell 7.6 and desktop/ (netstandard2.0) for Windows PowerShell 5.1; ImapPS.psd1 chooses by
# $PSEdition. These tests check that each edition gets its own build and that both builds are complete.
# Windows PowerShell itself is not available here: the desktop build is loaded under PowerShell 7 instead.

BeforeDiscovery {
    . $PSScriptRoot/TestHelpers.ps1
    $script:moduleBuilt = $null -ne (Get-ImapModuleDirectory)
}

Describe 'One build per PowerShell edition' -Skip:(-not $moduleBuilt) {
    BeforeAll {
        . $PSScriptRoot/TestHelpers.ps1
        $script:ModuleDir = Get-ImapModuleDirectory
        $script:Manifest = Join-Path $ModuleDir 'ImapPS.psd1'

        function Invoke-FreshPwsh([string]$Script) {
            <# Runs a script in a new PowerShell process and returns its output parsed from the last JSON line. #>
            $process = [Environment]::ProcessPath
            $start = [Diagnostics.ProcessStartInfo]::new($process)
            if ([IO.Path]::GetFileNameWithoutExtension($process) -eq 'dotnet') {
                $start.ArgumentList.Add([Reflection.Assembly]::GetEntryAssembly().Location)
            }
            foreach ($argument in '-NoProfile', '-NonInteractive', '-Command', $Script) { $start.ArgumentList.Add($argument) }
            $start.RedirectStandardOutput = $true
            $start.RedirectStandardError = $true
            $start.UseShellExecute = $false
            $child = [Diagnostics.Process]::Start($start)
            try {
                $stdout = $child.StandardOutput.ReadToEndAsync()
                $stderr = $child.StandardError.ReadToEndAsync()
                if (-not $child.WaitForExit(120000)) {
                    $child.Kill($true)
                    throw 'The child PowerShell did not finish within 120 s.'
                }
                $child.WaitForExit()
                if ($child.ExitCode -ne 0) { throw "The child PowerShell failed ($($child.ExitCode)): $($stderr.Result)" }
                return ($stdout.Result -split "`n" | Where-Object { $_.Trim() } | Select-Object -Last 1) | ConvertFrom-Json
            }
            finally {
                $child.Dispose()
            }
        }

        function Get-ManifestValue([string]$Key, [string]$Edition) {
            <#
            Evaluates one entry of the manifest as PowerShell would for the given edition: $PSEdition is a
            read-only automatic variable, so the entry's expression is evaluated with $PSEdition replaced.
            #>
            $ast = [Management.Automation.Language.Parser]::ParseFile($Manifest, [ref]$null, [ref]$null)
            $table = $ast.Find({ param($node) $node -is [Management.Automation.Language.HashtableAst] }, $false)
            $pair = $table.KeyValuePairs | Where-Object { $_.Item1.Value -eq $Key }
            if (-not $pair) { throw "$Key is not in the manifest." }
            $expression = $pair.Item2.Extent.Text -replace '\$PSEdition\b', '$edition'
            $edition = $Edition
            return . ([scriptblock]::Create($expression))
        }

        function Get-TargetFramework([string]$Path) {
            <# The TargetFrameworkAttribute of an assembly file, read from its metadata without loading it. #>
            $stream = [IO.File]::OpenRead($Path)
            try {
                $pe = [Reflection.PortableExecutable.PEReader]::new($stream)
                $reader = [Reflection.Metadata.PEReaderExtensions]::GetMetadataReader($pe)
                foreach ($handle in $reader.GetAssemblyDefinition().GetCustomAttributes()) {
                    $attribute = $reader.GetCustomAttribute($handle)
                    $type = $reader.GetTypeReference([Reflection.Metadata.TypeReferenceHandle]$reader.GetMemberReference([Reflection.Metadata.MemberReferenceHandle]$attribute.Constructor).Parent)
                    if ($reader.GetString($type.Name) -eq 'TargetFrameworkAttribute') {
                        $blob = $reader.GetBlobReader($attribute.Value)
                        $null = $blob.ReadUInt16()   # prolog
                        return $blob.ReadSerializedString()
                    }
                }
                return $null
            }
            finally {
                $stream.Dispose()
            }
        }

        function Test-ReadyToRun([string]$Path) {
            <# A ReadyToRun image carries native code behind the CLI header's ManagedNativeHeader directory; an IL-only one has none. #>
            $stream = [IO.File]::OpenRead($Path)
            try {
                $pe = [Reflection.PortableExecutable.PEReader]::new($stream)
                return $pe.PEHeaders.CorHeader.ManagedNativeHeaderDirectory.Size -gt 0
            }
            finally {
                $stream.Dispose()
            }
        }
    }

    It 'chooses core/ImapPS.dll for PowerShell 7 and desktop/ImapPS.dll for Windows PowerShell' {
        Get-ManifestValue RootModule 'Core' | Should -Be 'core/ImapPS.dll'
        Get-ManifestValue RootModule 'Desktop' | Should -Be 'desktop/ImapPS.dll'
        Join-Path $ModuleDir (Get-ManifestValue RootModule 'Core') | Should -Exist
        Join-Path $ModuleDir (Get-ManifestValue RootModule 'Desktop') | Should -Exist
    }

    It 'asks for PowerShell 7.6 on Core (.NET 10) and 5.1 on Desktop' {
        Get-ManifestValue PowerShellVersion 'Core' | Should -Be '7.6'
        Get-ManifestValue PowerShellVersion 'Desktop' | Should -Be '5.1'
    }

    It 'is a valid manifest for PowerShell''s own checks' {
        $info = Test-ModuleManifest -Path $Manifest -ErrorAction Stop
        $info.RootModule | Should -Be 'core/ImapPS.dll'
        $info.CompatiblePSEditions | Should -Be @('Desktop', 'Core')
    }

    It 'loads the net10.0 build from core/ into PowerShell 7, with its dependencies from core/dependencies/' {
        $result = Invoke-FreshPwsh @"
`$ErrorActionPreference = 'Stop'
`$module = Import-Module '$Manifest' -PassThru
`$check = [ImapPS.ModuleInitialization]::TestDependencies()
[ordered]@{
    Path      = `$module.Path
    Assembly  = [ImapPS.ModuleInitialization].Assembly.Location
    Client    = [ImapPS.Client.Imap4Client].Assembly.Location
    Framework = ([ImapPS.ModuleInitialization].Assembly.GetCustomAttributes([Runtime.Versioning.TargetFrameworkAttribute], `$false)).FrameworkName
    MimeKit   = `$check.MimeKit.Location
    Subject   = `$check.Subject
    Cmdlets   = `$module.ExportedCmdlets.Count
    HasTypes  = `$null -ne (Get-TypeData ImapPS.ImapMessage)
    Help      = (Get-Help Connect-Imap).Synopsis
} | ConvertTo-Json -Compress
"@
        $core = Join-Path $ModuleDir 'core'
        $result.Path | Should -Be (Join-Path $core 'ImapPS.dll')
        $result.Assembly | Should -Be (Join-Path $core 'ImapPS.dll')
        $result.Client | Should -Be (Join-Path $core 'ImapPS.Client.dll')
        $result.Framework | Should -Be '.NETCoreApp,Version=v10.0'
        $result.MimeKit | Should -Be (Join-Path $core 'dependencies/MimeKit.dll')
        $result.Subject | Should -Be 'Grüße aus ImapPS'
        $result.Cmdlets | Should -Be @((Get-ManifestValue CmdletsToExport 'Core')).Count
        $result.HasTypes | Should -BeTrue -Because 'the type data beside the manifest gives piped objects their hidden Session'
        $result.Help | Should -Not -BeNullOrEmpty -Because 'the help beside the manifest serves the core build'
    }

    It 'keeps the netstandard2.0 build in desktop/ loadable: forced under PowerShell 7 it imports, exports every cmdlet and resolves MimeKit from desktop/dependencies/' {
        $desktop = Join-Path $ModuleDir 'desktop'
        $result = Invoke-FreshPwsh @"
`$ErrorActionPreference = 'Stop'
`$module = Import-Module '$(Join-Path $desktop 'ImapPS.dll')' -PassThru
`$check = [ImapPS.ModuleInitialization]::TestDependencies()
[ordered]@{
    Assembly  = [ImapPS.ModuleInitialization].Assembly.Location
    Framework = ([ImapPS.ModuleInitialization].Assembly.GetCustomAttributes([Runtime.Versioning.TargetFrameworkAttribute], `$false)).FrameworkName
    MimeKit   = `$check.MimeKit.Location
    Bouncy    = `$check.BouncyCastle.Location
    Subject   = `$check.Subject
    Cmdlets   = `$module.ExportedCmdlets.Count
    HasTypes  = `$null -ne (Get-TypeData ImapPS.ImapMessage)
} | ConvertTo-Json -Compress
"@
        $result.Assembly | Should -Be (Join-Path $desktop 'ImapPS.dll')
        $result.Framework | Should -Be '.NETStandard,Version=v2.0'
        $result.MimeKit | Should -Be (Join-Path $desktop 'dependencies/MimeKit.dll')
        $result.Bouncy | Should -Be (Join-Path $desktop 'dependencies/BouncyCastle.Cryptography.dll')
        $result.Subject | Should -Be 'Grüße aus ImapPS'
        $result.Cmdlets | Should -Be @((Get-ManifestValue CmdletsToExport 'Desktop')).Count
        $result.HasTypes | Should -BeTrue
    }

    It 'adds the hidden members at import without loading another module, once however often it is imported' {
        # Update-TypeData in a nested pipeline made every import load Microsoft.PowerShell.Utility (and
        # JIT-compile ≈ 590 methods); the type data now goes straight into the runspace's type table.
        $dll = Join-Path $ModuleDir 'core/ImapPS.dll'
        $result = Invoke-FreshPwsh @"
`$ErrorActionPreference = 'Stop'
`$before = @(Get-Module).Name
Import-Module '$Manifest'
`$after = @(Get-Module).Name
Import-Module '$Manifest' -Force
Import-Module '$dll'
`$probe = [pscustomobject]@{ Own = 1 }
`$probe.PSObject.TypeNames.Insert(0, 'ImapPS.ImapMessage')
`$inRunspace = [powershell]::Create()
`$elsewhere = `$inRunspace.AddScript("Import-Module '$dll'; (Get-TypeData ImapPS.ImapMessage).Members.Keys | Sort-Object").Invoke()
[ordered]@{
    Before    = `$before
    After     = `$after
    Visible   = @((`$probe | Get-Member -MemberType Properties).Name | Sort-Object)
    All       = @((`$probe | Get-Member -MemberType Properties -Force).Name | Sort-Object)
    Json      = `$probe | ConvertTo-Json -Compress
    Members   = @((Get-TypeData ImapPS.ImapMessage).Members.Keys | Sort-Object)
    Mailbox   = @((Get-TypeData ImapPS.ImapMailbox).Members.Keys)
    Idle      = @((Get-TypeData ImapPS.ImapIdleEvent).Members.Keys | Sort-Object)
    Session   = @((Get-TypeData ImapPS.ImapSession).Members.Keys)
    Result    = @((Get-TypeData ImapPS.ImapCommandResult).Members.Keys | Sort-Object)
    Address   = (Get-TypeData ImapPS.ImapAddress).DefaultDisplayProperty
    Elsewhere = @(`$elsewhere)
    Errors    = @(`$Error | ForEach-Object { "`$_" })
} | ConvertTo-Json -Compress
"@
        $hidden = @('Attachments', 'BodyStructure', 'Headers', 'Live', 'Message', 'Session')
        $result.Before | Should -BeNullOrEmpty
        $result.After | Should -Be @('ImapPS') -Because 'importing ImapPS loads no other module'
        $result.Visible | Should -Be @('Own')
        $result.All | Should -Be (@('Own', 'pstypenames') + $hidden | Sort-Object)
        $result.Json | Should -Be '{"Own":1}'
        $result.Members | Should -Be $hidden
        $result.Mailbox | Should -Be @('Session')
        $result.Idle | Should -Be @('Live', 'Session')
        $result.Session | Should -Be @('Client')
        $result.Result | Should -Be @('Response', 'Session', 'Tagged', 'Untagged')
        $result.Address | Should -Be 'DisplayName'
        $result.Elsewhere | Should -Be $hidden -Because 'a new runspace that imports the DLL gets the type data too'
        $result.Errors | Should -BeNullOrEmpty -Because 'a second import finds the type data there and adds nothing'
    }

    It 'warms the engine and the first cmdlets up at import, on the thread pool, leaving no session; IMAPPS_WARMUP=0 turns it off' {
        $probe = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$Manifest'
`$warmUp = [ImapPS.ModuleInitialization].Assembly.GetType('ImapPS.ModuleWarmUp')
`$flags = [Reflection.BindingFlags]'NonPublic,Static'
`$task = `$warmUp.GetProperty('Completion', `$flags).GetValue(`$null)
`$finished = `$task.Wait(60000)
`$failure = `$warmUp.GetProperty('Failure', `$flags).GetValue(`$null)
[ordered]@{
    Finished = `$finished
    Status   = "`$(`$task.Status)"
    Failure  = "`$failure"
    Engine   = `$null -ne [ImapPS.Client.ImapWarmUp].GetField('_started', `$flags).GetValue(`$null)
    Sessions = @(Get-ImapSession).Count
} | ConvertTo-Json -Compress
"@
        $on = Invoke-FreshPwsh $probe
        $on.Finished | Should -BeTrue
        $on.Status | Should -Be 'RanToCompletion'
        $on.Failure | Should -BeNullOrEmpty -Because 'the in-process session (LOGIN, EXAMINE, SEARCH, FETCH, LOGOUT) and the cmdlet metadata succeed'
        $on.Engine | Should -BeTrue
        $on.Sessions | Should -Be 0 -Because 'the warm-up session is the engine''s, never registered as an ImapSession'
        $off = Invoke-FreshPwsh ("`$env:IMAPPS_WARMUP = '0'`n" + $probe)
        $off.Engine | Should -BeFalse
        $off.Status | Should -Be 'RanToCompletion' -Because 'a warm-up turned off is a completed task'
        $off.Failure | Should -BeNullOrEmpty
    }

    It 'adds the same hidden members through Update-TypeData where the type table cannot be reached directly' {
        $dll = Join-Path $ModuleDir 'core/ImapPS.dll'
        $result = Invoke-FreshPwsh @"
`$ErrorActionPreference = 'Stop'
`$assembly = [Reflection.Assembly]::LoadFrom('$dll')
`$flags = [Reflection.BindingFlags]'NonPublic, Static'
`$init = `$assembly.GetType('ImapPS.ModuleInitialization', `$true)
`$types = `$assembly.GetType('ImapPS.ImapTypeData', `$true).GetMethod('Create', `$flags).Invoke(`$null, @())
`$had = `$init.GetMethod('HasTypeData', `$flags).Invoke(`$null, @())
`$init.GetMethod('AddWithUpdateTypeData', `$flags).Invoke(`$null, @(,`$types))
`$probe = [pscustomobject]@{ Own = 1 }
`$probe.PSObject.TypeNames.Insert(0, 'ImapPS.ImapMessage')
[ordered]@{
    Had     = `$had
    Has     = `$init.GetMethod('HasTypeData', `$flags).Invoke(`$null, @())
    Visible = @((`$probe | Get-Member -MemberType Properties).Name)
    Members = @((Get-TypeData ImapPS.ImapMessage).Members.Keys | Sort-Object)
    Result  = @((Get-TypeData ImapPS.ImapCommandResult).Members.Keys | Sort-Object)
    Address = (Get-TypeData ImapPS.ImapAddress).DefaultDisplayProperty
} | ConvertTo-Json -Compress
"@
        $result.Had | Should -BeFalse
        $result.Has | Should -BeTrue
        $result.Visible | Should -Be @('Own')
        $result.Members | Should -Be @('Attachments', 'BodyStructure', 'Headers', 'Live', 'Message', 'Session')
        $result.Result | Should -Be @('Response', 'Session', 'Tagged', 'Untagged')
        $result.Address | Should -Be 'DisplayName'
    }

    It 'builds desktop/ for netstandard2.0 as IL and core/ for net10.0 with ReadyToRun code' {
        foreach ($name in 'ImapPS.dll', 'ImapPS.Client.dll') {
            Get-TargetFramework (Join-Path $ModuleDir "desktop/$name") | Should -Be '.NETStandard,Version=v2.0'
            Get-TargetFramework (Join-Path $ModuleDir "core/$name") | Should -Be '.NETCoreApp,Version=v10.0'
            Test-ReadyToRun (Join-Path $ModuleDir "desktop/$name") | Should -BeFalse
            Test-ReadyToRun (Join-Path $ModuleDir "core/$name") | Should -BeTrue -Because "core/$name is compiled ahead for PowerShell 7's cold start"
        }
        Test-ReadyToRun (Join-Path $ModuleDir 'core/dependencies/MimeKit.dll') | Should -BeTrue
        # BouncyCastle is loaded only for S/MIME: left as IL, it keeps 7 MB out of the package.
        Test-ReadyToRun (Join-Path $ModuleDir 'core/dependencies/BouncyCastle.Cryptography.dll') | Should -BeFalse
    }

    It 'ships every assembly each build references, in that build''s folder' {
        foreach ($edition in 'core', 'desktop') {
            $folder = Join-Path $ModuleDir $edition
            $shipped = @{}
            foreach ($file in @(Get-ChildItem $folder -Filter *.dll -File) + @(Get-ChildItem (Join-Path $folder 'dependencies') -Filter *.dll -File)) {
                $shipped[[IO.Path]::GetFileNameWithoutExtension($file.Name)] = $file.FullName
            }
            foreach ($name in 'ImapPS', 'ImapPS.Client', 'MimeKit', 'BouncyCastle.Cryptography') { $shipped.Keys | Should -Contain $name }
            foreach ($path in $shipped.Values) {
                $stream = [IO.File]::OpenRead($path)
                try {
                    $reader = [Reflection.Metadata.PEReaderExtensions]::GetMetadataReader([Reflection.PortableExecutable.PEReader]::new($stream))
                    foreach ($handle in $reader.AssemblyReferences) {
                        $name = $reader.GetString($reader.GetAssemblyReference($handle).Name)
                        # Everything else is the framework's (netstandard, System.*, mscorlib) or PowerShell's own.
                        if ($name -match '^(netstandard|mscorlib|System\..*|System|Microsoft\.Win32\..*|Microsoft\.CSharp|Microsoft\.VisualBasic|Microsoft\.Bcl\.Cryptography)$' -and -not $shipped.ContainsKey($name)) { continue }
                        if ($name -eq 'System.Management.Automation') { continue }
                        $shipped.Keys | Should -Contain $name -Because "$([IO.Path]::GetFileName($path)) in $edition/ references $name"
                    }
                }
                finally {
                    $stream.Dispose()
                }
            }
        }
    }
}
