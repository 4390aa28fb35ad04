# Help of the built module: what Get-Help -Full shows for every exported cmdlet, the about topic,
# and a check that HelpBuilder's MAML is read by Get-Help the way it was written (on a sample module).

BeforeDiscovery {
    . $PSScriptRoot/TestHelpers.ps1
    $module = Get-Module ImapPS
    $script:cmdletCases = @(if ($module) {
            $module.ExportedCmdlets.Keys | Sort-Object | ForEach-Object { @{ Name = $_ } }
        })
    $script:moduleBuilt = $null -ne $module
}

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1

    function Get-DocumentedParameterNames([string]$Name) {
        <# The parameters a page must describe: all but the common ones PowerShell documents itself (WhatIf/Confirm included). #>
        $common = [System.Management.Automation.PSCmdlet]::CommonParameters
        # Hidden (DontShow) parameters are plumbing that help leaves out.
        (Get-Command $Name).Parameters.Values | Where-Object { $_.Name -notin $common -and -not ($_.Attributes | Where-Object { $_ -is [Parameter] -and $_.DontShow }) } |
            ForEach-Object Name | Sort-Object
    }

    function Get-Paragraphs($Container) {
        <# The text of a help description (an array of @{Text=...}), joined. #>
        (@($Container) | ForEach-Object { if ($_ -is [string]) { $_ } else { $_.Text } }) -join "`n"
    }
}

Describe 'Help of <Name>' -ForEach $cmdletCases {
    BeforeAll {
        $script:help = Get-Help $Name -Full
    }

    It 'has a synopsis written for it' {
        $synopsis = "$($help.Synopsis)".Trim()
        $synopsis | Should -Not -BeNullOrEmpty
        # Without help, PowerShell makes the synopsis up from the syntax.
        $synopsis | Should -Not -BeLike "$Name *"
    }

    It 'has a description' {
        (Get-Paragraphs $help.description).Trim() | Should -Not -BeNullOrEmpty
    }

    It 'describes every parameter' {
        $documented = @{}
        foreach ($parameter in @($help.parameters.parameter)) {
            if ($parameter) { $documented[$parameter.name] = (Get-Paragraphs $parameter.description).Trim() }
        }
        $missing = @(Get-DocumentedParameterNames $Name | Where-Object { -not $documented[$_] })
        $missing | Should -BeNullOrEmpty -Because "Get-Help $Name -Full should describe every parameter"
    }

    It 'has at least two examples' {
        @($help.examples.example).Count | Should -BeGreaterOrEqual 2
    }

    It 'has examples whose code parses' {
        foreach ($example in @($help.examples.example)) {
            $code = "$($example.code)"
            $code.Trim() | Should -Not -BeNullOrEmpty -Because "$($example.title) needs code"
            $tokens = $null; $errors = $null
            [System.Management.Automation.Language.Parser]::ParseInput($code, [ref]$tokens, [ref]$errors) | Out-Null
            @($errors | ForEach-Object { "$($_.Message) at $($_.Extent.StartLineNumber):$($_.Extent.StartColumnNumber)" }) |
                Should -BeNullOrEmpty -Because "the code of $($example.title) must parse"
        }
    }

    It 'names its inputs and outputs' {
        @($help.inputTypes.inputType).Count | Should -BeGreaterThan 0
        @($help.returnValues.returnValue).Count | Should -BeGreaterThan 0
    }
}

if ($cmdletCases.Count -eq 0) {
    Describe 'Help of the exported cmdlets' {
        It 'is checked once the module exports cmdlets' -TestCases @(@{ Built = $moduleBuilt }) {
            $reason = if ($Built) { 'the built module exports no cmdlets yet' } else { "the module is not built (run 'dotnet pwsh ./build.ps1')" }
            Set-ItResult -Skipped -Because $reason
        }
    }
}

Describe 'about_ImapPS' -Skip:(-not $moduleBuilt) {
    It 'ships in en-US beside the MAML help' {
        Join-Path $ImapModuleDirectory 'en-US/about_ImapPS.help.txt' | Should -Exist
        Join-Path $ImapModuleDirectory 'en-US/ImapPS.dll-Help.xml' | Should -Exist
    }

    It 'is found by Get-Help and covers the concepts' {
        $text = (Get-Help about_ImapPS) -join "`n"
        foreach ($heading in 'SESSIONS', 'THE UID PIPELINE', 'PARALLEL USE', 'IDLE', 'SECURITY', 'ERRORS') {
            $text | Should -Match "(?m)^$heading\s*$"
        }
        $text | Should -Match 'UIDVALIDITY'
    }

    It 'keeps lines within 80 columns' {
        $long = @(Get-Content (Join-Path $ImapModuleDirectory 'en-US/about_ImapPS.help.txt') | Where-Object Length -GT 80)
        $long | Should -BeNullOrEmpty
    }
}

Describe 'HelpBuilder MAML as Get-Help reads it' {
    BeforeAll {
        $sampleDll = Join-Path $RepoRoot 'tests/HelpBuilder.Tests/TestData/SampleCmdlets/bin/Release/netstandard2.0/SampleCmdlets.dll'
        $helpBuilder = Join-Path $RepoRoot 'tools/HelpBuilder/bin/Release/net10.0/HelpBuilder.dll'
        $script:skipReason = if (-not (Test-Path $sampleDll) -or -not (Test-Path $helpBuilder)) {
            "SampleCmdlets.dll or HelpBuilder.dll is not built (Release); run 'dotnet pwsh ./build.ps1'"
        }
        if (-not $skipReason) {
            $moduleDir = Join-Path $TestDrive 'SampleCmdlets'
            New-Item -ItemType Directory -Path $moduleDir | Out-Null
            Copy-Item $sampleDll -Destination $moduleDir
            $output = & dotnet $helpBuilder --docs (Join-Path $RepoRoot 'tests/HelpBuilder.Tests/TestData/docs') `
                --assembly $sampleDll --output (Join-Path $moduleDir 'en-US/SampleCmdlets.dll-Help.xml') --strict 2>&1
            if ($LASTEXITCODE -ne 0) { throw "HelpBuilder failed ($LASTEXITCODE): $output" }
            $script:sampleModule = Import-Module (Join-Path $moduleDir 'SampleCmdlets.dll') -PassThru -Force
            $script:help = Get-Help Get-SampleItem -Full
        }
    }

    AfterAll {
        if ($script:sampleModule) { Remove-Module $script:sampleModule -Force }
    }

    BeforeEach {
        if ($skipReason) { Set-ItResult -Skipped -Because $skipReason }
    }

    It 'shows the synopsis, description and syntax of each parameter set' {
        $help.Synopsis | Should -Be 'Gets sample items by name or id.'
        Get-Paragraphs $help.description | Should -Match 'gets items from a sample store'
        $syntax = ($help.syntax | Out-String) -replace '\s+', ' '
        $syntax | Should -Match ([regex]::Escape('Get-SampleItem [[-Name] <String[]>] [-Force] [-Store <String>]'))
        $syntax | Should -Match ([regex]::Escape('Get-SampleItem -Id <Int32> [-Force] [-Store <String>]'))
    }

    It 'shows each parameter with description, type, required, position, pipeline input and aliases' {
        $name = $help.parameters.parameter | Where-Object name -EQ 'Name'
        Get-Paragraphs $name.description | Should -Be 'The names of the items to get.'
        $name.type.name | Should -Be 'String[]'
        $name.required | Should -Be 'false'
        $name.position | Should -Be '0'
        $name.pipelineInput | Should -Be 'True (ByPropertyName, ByValue)'
        $name.aliases | Should -Be 'N'
        $name.globbing | Should -Be 'true'
        $id = $help.parameters.parameter | Where-Object name -EQ 'Id'
        $id.required | Should -Be 'true'
        $id.position | Should -Be 'named'
    }

    It 'shows examples with code and remarks, inputs, outputs, notes and links' {
        $examples = @($help.examples.example)
        $examples.Count | Should -Be 2
        $examples[0].title | Should -Match 'Example 1: Get an item by name'
        $examples[0].code | Should -Be 'Get-SampleItem -Name alpha'
        Get-Paragraphs $examples[0].remarks | Should -Match 'gets the item named alpha'
        $help.inputTypes.inputType.type.name | Should -Be 'System.String'
        $help.returnValues.returnValue.type.name | Should -Be 'System.String'
        Get-Paragraphs $help.alertSet.alert | Should -Be 'Sample notes, with a code span.'
        @($help.relatedLinks.navigationLink).uri | Should -Contain 'https://example.org/store'
    }

    It 'renders -Full text with every section' {
        $text = Get-Help Get-SampleItem -Full | Out-String -Width 200
        foreach ($section in 'NAME', 'SYNOPSIS', 'SYNTAX', 'DESCRIPTION', 'PARAMETERS', 'INPUTS', 'OUTPUTS', 'NOTES', 'RELATED LINKS') {
            $text | Should -Match "(?m)^$section\s*$"
        }
        $text | Should -Match 'Accept pipeline input\?\s+True \(ByPropertyName, ByValue\)'
        $text | Should -Match '-Force \[<SwitchParameter>\]'
    }
}
