#Requires -Modules Pester
# Invoke-ImapIdle: events from another session's APPEND, stopping, and the session afterwards.

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    . $PSScriptRoot/ModuleTestHelpers.ps1
    $script:Server = Start-ImapTestServer
    $script:Cred = New-ImapTestUser -Server $Server
    $script:Watcher = Connect-ImapTest -Server $Server -Credential $Cred
    $script:Writer = Connect-ImapTest -Server $Server -Credential $Cred
    $script:ModulePath = (Get-Module ImapPS).Path

    function Start-Idle([string]$Arguments) {
        # A second runspace runs the watcher, so this one can append meanwhile and stop it like Ctrl+C.
        $ps = [powershell]::Create()
        $null = $ps.AddScript("param(`$m, `$s) Import-Module `$m; Invoke-ImapIdle -Session `$s $Arguments").AddArgument($ModulePath).AddArgument($Watcher)
        $output = [System.Management.Automation.PSDataCollection[psobject]]::new()
        $handle = $ps.BeginInvoke([System.Management.Automation.PSDataCollection[psobject]]$null, $output)
        [pscustomobject]@{ PowerShell = $ps; Handle = $handle; Output = $output }
    }
}

AfterAll {
    Get-ImapSession -IncludeClosed | Disconnect-Imap -ErrorAction SilentlyContinue
    $script:Server | Stop-ImapTestServer
}

Describe 'Invoke-ImapIdle' {
    It 'streams a NewMessage event with the UID soon after another session appends' {
        $null = Add-ImapMessage -Session $Writer -Mailbox INBOX -Message (New-ImapTestMessage -Subject 'before')
        Watch-IdleStart $Watcher
        $idle = Start-Idle '-Mailbox INBOX -Count 1 -Timeout 00:00:30'
        try {
            Wait-IdleStarted
            $added = Add-ImapMessage -Session $Writer -Mailbox INBOX -Message (New-ImapTestMessage -Subject 'during')
            # Latency is measured by the benchmarks (W6), not here: the event must come, well before -Timeout.
            $idle.Handle.AsyncWaitHandle.WaitOne([TimeSpan]::FromSeconds(20)) | Should -BeTrue
            $idle.PowerShell.Streams.Error | Should -BeNullOrEmpty
            $idle.Output.Count | Should -Be 1
            $event = $idle.Output[0]
            $event.Kind | Should -Be 'NewMessage'
            $event.Uid | Should -Be $added.Uid
            $event.Mailbox | Should -Be 'INBOX'
        }
        finally { $idle.PowerShell.Dispose() }
    }

    It 'ends at -Timeout with no events' {
        $clock = [Diagnostics.Stopwatch]::StartNew()
        @(Invoke-ImapIdle -Session $Watcher -Mailbox INBOX -Timeout 00:00:01).Count | Should -Be 0
        # It ended by -Timeout, not by chance: not before the second, and nowhere near the IDLE renewal.
        $clock.Elapsed.TotalSeconds | Should -BeGreaterOrEqual 0.9
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 20
    }

    It 'stops cleanly like Ctrl+C and leaves the session usable' {
        Watch-IdleStart $Watcher
        $idle = Start-Idle '-Mailbox INBOX'
        try {
            Wait-IdleStarted
            $stop = $idle.PowerShell.BeginStop($null, $null)
            $stop.AsyncWaitHandle.WaitOne([TimeSpan]::FromSeconds(10)) | Should -BeTrue
            $idle.PowerShell.InvocationStateInfo.State | Should -Be 'Stopped'
        }
        finally { $idle.PowerShell.Dispose() }
        $Watcher.IsConnected | Should -BeTrue
        @(Search-ImapMessage -Session $Watcher -Mailbox INBOX).Count | Should -BeGreaterThan 0
    }

    It 'feeds new messages into Get-ImapMessage' {
        Watch-IdleStart $Watcher
        $idle = Start-Idle '-Mailbox INBOX -Count 1 -Timeout 00:00:30 | Get-ImapMessage'
        try {
            Wait-IdleStarted
            $null = Add-ImapMessage -Session $Writer -Mailbox INBOX -Message (New-ImapTestMessage -Subject 'piped')
            $idle.Handle.AsyncWaitHandle.WaitOne([TimeSpan]::FromSeconds(20)) | Should -BeTrue
            $idle.Output[0].Subject | Should -Be 'piped'
        }
        finally { $idle.PowerShell.Dispose() }
    }

    It 'has the documented parameters' {
        Compare-Object @('Count', 'Kind', 'Mailbox', 'RenewalInterval', 'Session', 'Timeout') (Get-CmdletParameterName Invoke-ImapIdle) | Should -BeNullOrEmpty
    }
}
