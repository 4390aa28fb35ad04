<#
.SYNOPSIS
    Cold starts of several builds of the module side by side (issue 18): every sample a fresh pwsh,
    the builds interleaved round by round, so a loaded machine slows them alike.
.DESCRIPTION
    Starts a private Dovecot (out/ImapPS.Testing), seeds -Count small messages, then runs
    bench/Measure-ColdStart.ps1 -Mode OneShot and -Mode Job -Runs times per module and prints the
    medians per module: one-shot total (import + connect + first Get-ImapMessage), the scheduled
    job's cold/warm ratio, and how many methods the JIT compiled in each phase.
.EXAMPLE
    dotnet pwsh -NoProfile bench/Compare-ColdStart.ps1 -ModulePath /tmp/before/ImapPS.psd1, out/ImapPS/0.1.0/ImapPS.psd1 -Memory -Count 100000
.EXAMPLE
    dotnet pwsh -NoProfile bench/Compare-ColdStart.ps1 -ModulePath /tmp/before/ImapPS.psd1, out/ImapPS/0.1.0/ImapPS.psd1 -Runs 5
.EXAMPLE
    dotnet pwsh -NoProfile bench/Compare-ColdStart.ps1 -ModulePath out/ImapPS/0.1.0/ImapPS.psd1 -WarmUpOff -Runs 5
    The module with its import-time warm-up and without it (IMAPPS_WARMUP=0), interleaved.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)][string[]]$ModulePath,
    [int]$Runs = 3,
    [int]$Count = 20000,
    # Instead of the cold starts: the peak working set of Get-ImapMessage -All | Measure-Object (use -Count 100000).
    [switch]$Memory,
    # Also run every module with IMAPPS_WARMUP=0 (its import-time warm-up turned off), as "<module> (warm-up off)".
    [switch]$WarmUpOff
)
$ErrorActionPreference = 'Stop'
# -File passes "a,b" as one string.
$ModulePath = @($ModulePath | ForEach-Object { $_ -split ',' } | Where-Object { $_ })
$repo = Split-Path $PSScriptRoot
Add-Type -Path (Join-Path $repo 'out/ImapPS.Testing/ImapPS.Testing.dll')
$script = Join-Path $PSScriptRoot 'Measure-ColdStart.ps1'
$pwsh = [Environment]::ProcessPath
$prefix = @(if ([IO.Path]::GetFileNameWithoutExtension($pwsh) -eq 'dotnet') { [Reflection.Assembly]::GetEntryAssembly().Location })

function Get-Median([double[]]$Values) {
    $sorted = @($Values | Sort-Object)
    if ($sorted.Count % 2) { return $sorted[[int][math]::Floor($sorted.Count / 2)] }
    return ($sorted[$sorted.Count / 2 - 1] + $sorted[$sorted.Count / 2]) / 2
}

$server = [ImapPS.Testing.DovecotServer]::Start()
try {
    $generator = [ImapPS.Testing.MessageGenerator]::new(18)
    $seeded = $server.SeedMaildir('alice', 'INBOX', $generator.Generate([ImapPS.Testing.MessageProfile]::Small, $Count))
    # One label per module and warm-up setting; the label is what the tables below print as Module.
    $variants = foreach ($module in $ModulePath) {
        if ($WarmUpOff) { [pscustomobject]@{ Label = "$module (warm-up off)"; Path = $module; WarmUp = '0' } }
        [pscustomobject]@{ Label = $module; Path = $module; WarmUp = $null }
    }
    $ModulePath = @($variants.Label)
    $samples = @{}
    foreach ($variant in $variants) { $samples[$variant.Label] = [Collections.Generic.List[object]]::new() }
    $savedWarmUp = $env:IMAPPS_WARMUP
    for ($i = 0; $i -lt $Runs; $i++) {
        foreach ($variant in $variants) {
            foreach ($mode in $(if ($Memory) { 'Memory' } else { 'OneShot', 'Job' })) {
                $arguments = $prefix + @('-NoProfile', '-NonInteractive', '-File', $script, '-Mode', $mode, '-ModulePath', (Resolve-Path $variant.Path).Path,
                    '-Server', $server.Host, '-Port', $server.ImapPort, '-User', $server.Alice.Name, '-Password', $server.Alice.Password, '-Uid', [int]($seeded / 2))
                $env:IMAPPS_WARMUP = $variant.WarmUp
                try { $json = & $pwsh @arguments | Select-Object -Last 1 } finally { $env:IMAPPS_WARMUP = $savedWarmUp }
                if ($LASTEXITCODE -ne 0) { throw "Measure-ColdStart.ps1 -Mode $mode failed for $($variant.Label)" }
                $samples[$variant.Label].Add(($json | ConvertFrom-Json | Add-Member -PassThru Mode $mode))
            }
        }
    }
    if ($Memory) {
        foreach ($module in $ModulePath) {
            $memorySamples = @($samples[$module])
            [pscustomobject]@{
                Module   = $module
                Count    = $memorySamples[0].count
                PeakMB   = [math]::Round((Get-Median $memorySamples.peak) / 1MB)
                PeaksMB  = ($memorySamples.peak | ForEach-Object { [math]::Round($_ / 1MB) }) -join ', '
                # The pipeline's own share: the peak's growth from just before Get-ImapMessage (pwsh's start varies by ~9 MB).
                GrowthMB = [math]::Round((Get-Median ($memorySamples | ForEach-Object { $_.peak - $_.before })) / 1MB, 1)
                Gen1     = Get-Median $memorySamples.gen1
                Gen2     = Get-Median $memorySamples.gen2
                Seconds  = [math]::Round((Get-Median $memorySamples.seconds), 2)
            }
        }
        return
    }
    foreach ($module in $ModulePath) {
        $one = @($samples[$module] | Where-Object Mode -EQ OneShot)
        $job = @($samples[$module] | Where-Object Mode -EQ Job)
        [pscustomobject]@{
            Module      = $module
            OneShotMs   = [math]::Round(1000 * (Get-Median ($one | ForEach-Object { $_.import + $_.connect + $_.first })))
            ImportMs    = [math]::Round(1000 * (Get-Median $one.import))
            ConnectMs   = [math]::Round(1000 * (Get-Median $one.connect))
            FirstGetMs  = [math]::Round(1000 * (Get-Median $one.first))
            JitImport   = Get-Median $one.jitImport
            JitConnect  = Get-Median $one.jitConnect
            JitFirstGet = Get-Median $one.jitFirst
            JobColdS    = [math]::Round((Get-Median $job.cold), 3)
            JobWarmS    = [math]::Round((Get-Median ($job | ForEach-Object { Get-Median $_.warm })), 3)
            JobRatio    = [math]::Round((Get-Median $job.cold) / (Get-Median ($job | ForEach-Object { Get-Median $_.warm })), 2)
            JitJobCold  = Get-Median $job.jitCold
        }
    }
}
finally {
    $server.Stop()
}
