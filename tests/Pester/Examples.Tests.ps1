#Requires -Modules Pester
<#
    Every example runs: each ```powershell block of README.md and each EXAMPLE of docs/cmdlets/*.md is a
    test case of its own ("<page> <number>"), run against a private Dovecot, so no example can rot.

    How an example runs (Invoke-Example):
    - A fresh user per example, whose mailboxes and messages the example names are seeded by its entry in
      $ExampleSpecs (Setup); the example runs in a temp folder of its own holding the files it names.
    - The user's session is open and the default session; $session, $cred, $accessToken (and whatever a
      Setup adds) are preset, as the example's earlier lines or its reader would have them.
    - Connect-Imap and Get-Credential are wrapped: any host an example names is the fixture's (host, port,
      TLS with exactly the fixture's certificate trusted), any user the fixture user, and 'ssh HOST CMD'
      the fixture's PREAUTH stream command. Sync-ImapAccount, which connects by itself to the servers of
      the rows its Setup writes, is wrapped to trust exactly the fixture's certificate. Everything else is
      the module's own cmdlets.
    - It passes when the example writes no error and no warning, throws nothing, and its effect holds:
      the entry's Check, or by default that the pipeline produced output.
    - Prompts: ConfirmPreference stays as a user has it unless the entry says the example's reader answers
      the prompt (Confirm = 'yes', which sets $ConfirmPreference = 'None').
    - Invoke-ImapIdle examples wait for mail and end only when stopped: they run in a second runspace
      (Background), the test delivers mail once IDLE is sent, waits for the next IDLE (the events have
      gone through the whole pipeline by then) and stops them like Ctrl+C.
    Examples that cannot run here by nature are listed in $NotRunnable with the reason; examples blocked by
    a known module defect are in $KnownDefects, skipped with the defect named until it is fixed.
#>

BeforeDiscovery {
    $repoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path

    function Get-DocExample {
        <# Every example: README's powershell blocks and each '### Example N' block of the cmdlet pages. #>
        param([string]$RepoRoot)
        $found = [Collections.Generic.List[object]]::new()
        function Get-Block([string[]]$Lines, [int]$Start) {
            # The first ```powershell block at or after $Start, before the next heading.
            for ($i = $Start; $i -lt $Lines.Count; $i++) {
                if ($Lines[$i] -match '^#') { return $null }
                if ($Lines[$i] -match '^```powershell\s*$') {
                    $code = [Collections.Generic.List[string]]::new()
                    for ($j = $i + 1; $j -lt $Lines.Count -and $Lines[$j] -notmatch '^```\s*$'; $j++) { $code.Add($Lines[$j]) }
                    return ($code -join "`n")
                }
            }
            return $null
        }

        $readme = Get-Content (Join-Path $RepoRoot 'README.md')
        $n = 0
        for ($i = 0; $i -lt $readme.Count; $i++) {
            if ($readme[$i] -match '^```powershell\s*$') {
                $n++
                $found.Add(@{ Key = "README $n"; Page = 'README.md'; Title = "README example $n"; Code = (Get-Block $readme $i) })
            }
        }
        foreach ($page in Get-ChildItem (Join-Path $RepoRoot 'docs/cmdlets') -Filter '*-*.md' | Sort-Object Name) {
            $lines = Get-Content $page.FullName
            for ($i = 0; $i -lt $lines.Count; $i++) {
                if ($lines[$i] -match '^### Example (\d+): (.+)$') {
                    $found.Add(@{ Key = "$($page.BaseName) $($Matches[1])"; Page = "docs/cmdlets/$($page.Name)"; Title = $Matches[2]; Code = (Get-Block $lines ($i + 1)) })
                }
            }
        }
        return $found
    }

    $Examples = Get-DocExample -RepoRoot $repoRoot
}

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    . $PSScriptRoot/ModuleTestHelpers.ps1

    # Examples that cannot run against a local Dovecot by their nature. Keep this short.
    $script:NotRunnable = @{
        'Set-ImapQuota 1' = "SETQUOTA is an administrator's command: Dovecot refuses it to mail users ('Quota can be changed only by admin'), and the fixture has no IMAP administrator"
        'Set-ImapQuota 3' = "SETQUOTA is an administrator's command: Dovecot refuses it to mail users ('Quota can be changed only by admin'), and the fixture has no IMAP administrator"
        'Sync-ImapAccount 4' = "it fans out over other machines with PowerShell remoting (Invoke-Command -ComputerName), and this machine reaches only loopback and has no remoting endpoint; what runs on each machine is Example 1's command, which runs here"
    }

    # Examples that fail because of a known defect of the module or its docs that another branch fixes.
    # The lead removes an entry when the fix is merged; the example then has to pass.
    $script:KnownDefects = @{
    }

    #region Server and per-example context

    # OAUTHBEARER/XOAUTH2 on a passwd-file passdb check the token as the password, which lets the
    # access-token example run; the shared namespace (with its dictionary of who shares what) lets the
    # 'Other users' example see bob's folders; 'anyone' may be granted rights; and the server names an
    # administrator (the /shared/admin server entry).
    $script:SharedDictionary = Join-Path ([IO.Path]::GetTempPath()) ('imapps-examples-shared-' + [guid]::NewGuid().ToString('N').Substring(0, 12))
    $options = [ImapPS.Testing.DovecotOptions]::new()
    $options.ExtraConfiguration = @"
auth_mechanisms = plain login cram-md5 oauthbearer xoauth2
namespace shared {
  type = shared
  separator = /
  prefix = shared/%%u/
  location = maildir:%%h:INDEXPVT=~/shared/%%u
  subscriptions = no
  list = children
}
mail_server_admin = mailto:postmaster@example.com
plugin {
  acl_shared_dict = file:$($script:SharedDictionary)
  acl_anyone = allow
}
"@
    $script:Server = Start-ImapTestServer -Options $options
    $script:FixtureThumbprint = $Server.CertificateThumbprint
    $thumbprint = $script:FixtureThumbprint
    $script:FixtureCertificateRule = { $_.Thumbprint -eq $thumbprint }.GetNewClosure()
    # As if the module were installed: runspaces the examples start (ForEach-Object -Parallel) load it by name.
    $script:SavedModulePath = $env:PSModulePath
    $env:PSModulePath = (Join-Path $script:RepoRoot 'out') + [IO.Path]::PathSeparator + $env:PSModulePath
    $script:Ctx = $null

    function Connect-Fixture([pscredential]$Credential, [hashtable]$Extra = @{}) {
        <# The module's own Connect-Imap to the fixture (never the example wrapper). #>
        $thumbprint = $script:FixtureThumbprint
        ImapPS\Connect-Imap -Server $script:Server.Host -Port $script:Server.ImapPort -Security StartTls -Credential $Credential `
            -CertificateValidation { $_.Thumbprint -eq $thumbprint } @Extra
    }

    function New-ExampleContext([string]$Key) {
        $credential = New-ImapTestUser -Server $script:Server -Prefix 'ex'
        $directory = Join-Path ([IO.Path]::GetTempPath()) ("imapps-example-" + [guid]::NewGuid().ToString('N').Substring(0, 12))
        $null = New-Item -ItemType Directory -Path $directory
        $session = Connect-Fixture $credential
        $script:Ctx = [pscustomobject]@{
            Key        = $Key
            Credential = $credential
            User       = $credential.UserName
            Password   = $credential.GetNetworkCredential().Password
            Directory  = $directory
            Session    = $session
            Variables  = @{ session = $session; cred = $credential; accessToken = $credential.GetNetworkCredential().Password }
            Inspector  = $null
            Confirm    = $null
            InRepository = $false
        }
        return $script:Ctx
    }

    function Remove-ExampleContext {
        if (-not $script:Ctx) { return }
        Get-ImapSession -IncludeClosed | Disconnect-Imap -ErrorAction SilentlyContinue
        Remove-Item -LiteralPath $script:Ctx.Directory -Recurse -Force -ErrorAction SilentlyContinue
        # The user's mail goes with it: one example's mailboxes never meet another's.
        $userHome = Join-Path $script:Server.MailRoot $script:Ctx.User
        Remove-Item -LiteralPath $userHome -Recurse -Force -ErrorAction SilentlyContinue
        $script:Ctx = $null
    }

    #endregion

    #region Helpers for Setup and Check blocks

    function Mail {
        <# A message to seed (ImapPS.Testing.SeedMessage). -Date is both the Date header and INTERNALDATE. #>
        param(
            [string]$From = 'someone@example.com', [string]$To = 'me@example.com', [string]$Subject = 'Hello',
            [datetimeoffset]$Date = [datetimeoffset]'2025-02-03T10:00:00+00:00', [string]$Body = 'Hello.',
            [string[]]$Flag = @(), [hashtable]$Header = @{}, [string]$Attachment, [int]$AttachmentBytes = 4096,
            [string]$MessageId = "<$([guid]::NewGuid().ToString('N'))@example.com>", [string]$InReplyTo, [int]$PadTo = 0
        )
        $lines = [Collections.Generic.List[string]]::new()
        $lines.Add("Received: from mx.example.com by imap.example.com; $($Date.ToString('ddd, dd MMM yyyy HH:mm:ss zzz', [cultureinfo]::InvariantCulture).Remove(29, 1))")
        $lines.Add("From: $From"); $lines.Add("To: $To"); $lines.Add("Subject: $Subject")
        $lines.Add("Date: $($Date.ToString('ddd, dd MMM yyyy HH:mm:ss zzz', [cultureinfo]::InvariantCulture).Remove(29, 1))")
        $lines.Add("Message-ID: $MessageId")
        if ($InReplyTo) { $lines.Add("In-Reply-To: $InReplyTo"); $lines.Add("References: $InReplyTo") }
        foreach ($name in $Header.Keys) { $lines.Add("${name}: $($Header[$name])") }
        $lines.Add('MIME-Version: 1.0')
        if ($PadTo -gt 0) { $Body += "`r`n" + (('x' * 76 + "`r`n") * [math]::Ceiling($PadTo / 78)) }
        if ($Attachment) {
            $boundary = 'b' + [guid]::NewGuid().ToString('N')
            $data = [byte[]]::new($AttachmentBytes)
            [Random]::new(7).NextBytes($data)
            $type = if ($Attachment -like '*.pdf') { 'application/pdf' } else { 'application/octet-stream' }
            $lines.Add("Content-Type: multipart/mixed; boundary=`"$boundary`""); $lines.Add('')
            $lines.Add("--$boundary"); $lines.Add('Content-Type: text/plain; charset=utf-8'); $lines.Add(''); $lines.Add($Body)
            $lines.Add("--$boundary"); $lines.Add("Content-Type: $type; name=`"$Attachment`"")
            $lines.Add("Content-Disposition: attachment; filename=`"$Attachment`""); $lines.Add('Content-Transfer-Encoding: base64'); $lines.Add('')
            $lines.Add(([Convert]::ToBase64String($data, [Base64FormattingOptions]::InsertLineBreaks)))
            $lines.Add("--$boundary--")
        }
        else {
            $lines.Add('Content-Type: text/plain; charset=utf-8'); $lines.Add(''); $lines.Add($Body)
        }
        $bytes = [Text.Encoding]::UTF8.GetBytes((($lines -join "`r`n") -replace "(?<!`r)`n", "`r`n") + "`r`n")
        $flags = [string[]]@($Flag | Where-Object { $_ } | ForEach-Object { if ($_ -match '^\\') { $_ } else { "\$_" } })
        return [ImapPS.Testing.SeedMessage]::new($bytes, $flags, $Date)
    }

    function Seed {
        <# Writes messages into a mailbox of the example's user (creating it); -FirstUid makes the first message get that UID. #>
        param([Parameter(Mandatory)] [string]$Mailbox, [object[]]$Messages = @(), [int]$FirstUid = 0)
        if ($FirstUid -gt 0) {
            # Dovecot's maildir UID list: a fresh list whose next UID is $FirstUid gives the files UIDs from there.
            $folder = $script:Server.GetMaildirPath($script:Ctx.User, $Mailbox)
            $null = New-Item -ItemType Directory -Path (Join-Path $folder 'cur') -Force
            $list = Join-Path $folder 'dovecot-uidlist'
            if (Test-Path $list) { throw "Seed -FirstUid needs a mailbox that has no messages yet ($Mailbox)." }
            [IO.File]::WriteAllText($list, "3 V$([DateTimeOffset]::UtcNow.ToUnixTimeSeconds()) N$FirstUid`n")
        }
        $null = $script:Server.SeedMaildir($script:Ctx.User, $Mailbox, [ImapPS.Testing.SeedMessage[]]@($Messages))
    }

    function Mailboxes([string[]]$Name, [switch]$Subscribe) {
        <# Creates empty mailboxes (and their parents). #>
        foreach ($n in $Name) { $null = New-ImapMailbox -Session $script:Ctx.Session -Name $n -Subscribe:$Subscribe }
    }

    function File([string]$Path, [byte[]]$Bytes) {
        <# Writes a file into the example's folder. #>
        $full = Join-Path $script:Ctx.Directory $Path
        $null = New-Item -ItemType Directory -Path (Split-Path $full) -Force
        [IO.File]::WriteAllBytes($full, $Bytes)
        return Get-Item -LiteralPath $full
    }

    function EmlBytes([string]$Subject) { (Mail -Subject $Subject).Bytes }

    function Inspect {
        <# A session of the example's user for checks, opened after the example ran. #>
        if (-not $script:Ctx.Inspector) { $script:Ctx.Inspector = Connect-Fixture $script:Ctx.Credential }
        return $script:Ctx.Inspector
    }

    function Messages([string]$Mailbox) {
        <# The messages of a mailbox, seen from the inspector session. #>
        @(Get-ImapMessage -Session (Inspect) -Mailbox $Mailbox -All)
    }

    function MailboxNames {
        @(Get-ImapMailbox -Session (Inspect)).Name
    }

    function Preset([string]$Name, [object]$Value) {
        <# A variable the example takes from an earlier line. #>
        $script:Ctx.Variables[$Name] = $Value
    }

    #endregion

    #region Running an example

    function New-ConnectImapWrapper {
        <# The text of a Connect-Imap proxy that points whatever the example names at the fixture. #>
        $metadata = [System.Management.Automation.CommandMetadata]::new((Get-Command ImapPS\Connect-Imap -CommandType Cmdlet))
        $proxy = [System.Management.Automation.ProxyCommand]::Create($metadata)
        # The proxy passes $PSBoundParameters to the real cmdlet; rewrite them first.
        $marker = 'begin' + "`n" + '{'
        if (-not $proxy.Contains($marker)) { $marker = 'begin' + "`r`n" + '{' }
        if (-not $proxy.Contains($marker)) { throw 'Unexpected ProxyCommand layout.' }
        $index = $proxy.IndexOf($marker) + $marker.Length
        return $proxy.Insert($index, "`n    Resolve-ExampleConnection `$PSBoundParameters`n")
    }
    $script:ConnectImapWrapper = New-ConnectImapWrapper

    function New-SyncImapAccountWrapper {
        <#
        The text of a Sync-ImapAccount proxy that trusts exactly the fixture's certificate, as the Connect-Imap
        wrapper does: the cmdlet connects by itself to the servers its rows name (the Setup writes rows that
        name the fixture), and the fixture's certificate is self-signed where a reader's servers have trusted ones.
        #>
        $metadata = [System.Management.Automation.CommandMetadata]::new((Get-Command ImapPS\Sync-ImapAccount -CommandType Cmdlet))
        $proxy = [System.Management.Automation.ProxyCommand]::Create($metadata)
        $marker = 'begin' + "`n" + '{'
        if (-not $proxy.Contains($marker)) { $marker = 'begin' + "`r`n" + '{' }
        if (-not $proxy.Contains($marker)) { throw 'Unexpected ProxyCommand layout.' }
        $index = $proxy.IndexOf($marker) + $marker.Length
        $trust = @'

    if (-not $PSBoundParameters.ContainsKey('CertificateValidation') -and -not $PSBoundParameters.ContainsKey('SkipCertificateCheck')) {
        $PSBoundParameters['CertificateValidation'] = $script:FixtureCertificateRule
    }
'@
        return $proxy.Insert($index, $trust)
    }
    $script:SyncImapAccountWrapper = New-SyncImapAccountWrapper

    function Resolve-ExampleConnection([System.Collections.Generic.Dictionary[string, object]]$Bound) {
        <# Maps an example's Connect-Imap arguments to the fixture. #>
        if ($Bound.ContainsKey('Command')) {
            # 'ssh HOST COMMAND' (or any command) opens a PREAUTH session of the fixture user.
            $Bound['Command'] = $script:Server.StreamCommand($script:Ctx.User).ToString()
            return
        }
        $security = if ($Bound.ContainsKey('Security')) { "$($Bound['Security'])" } else { 'Auto' }
        $port = if ($Bound.ContainsKey('Port')) { [int]$Bound['Port'] } else { 0 }
        if ($security -eq 'Ssl' -or ($security -eq 'Auto' -and ($port -eq 0 -or $port -eq 993))) {
            $Bound['Security'] = 'Ssl'; $Bound['Port'] = $script:Server.ImapsPort
        }
        else { $Bound['Port'] = $script:Server.ImapPort }
        $Bound['Server'] = $script:Server.Host
        if ($Bound.ContainsKey('Credential')) {
            # Whatever user the example names, the password is the fixture user's (from Get-Credential or $cred).
            if ($Bound['Credential'].UserName -ne $script:Ctx.User) { throw "The example's credential is not the fixture's: $($Bound['Credential'].UserName)" }
        }
        if ($Bound.ContainsKey('UserName')) { $Bound['UserName'] = $script:Ctx.User }
        if (-not $Bound.ContainsKey('CertificateValidation') -and -not $Bound.ContainsKey('SkipCertificateCheck')) {
            $thumbprint = $script:FixtureThumbprint
            $Bound['CertificateValidation'] = { $_.Thumbprint -eq $thumbprint }.GetNewClosure()
        }
    }

    function Invoke-Example {
        <# Runs an example's code in a scope of its own; returns its output, errors, warnings and variables. #>
        param([string]$__Code)
        Set-StrictMode -Off
        $ErrorActionPreference = 'Continue'
        $WarningPreference = 'Continue'
        if ($env:IMAPPS_EXAMPLE_VERBOSE) { $VerbosePreference = 'Continue' }
        if ($script:Ctx.Confirm -eq 'yes') { $ConfirmPreference = 'None' }
        foreach ($__name in $script:Ctx.Variables.Keys) { Set-Variable -Name $__name -Value $script:Ctx.Variables[$__name] }
        $__connect = $script:ConnectImapWrapper
        . ([scriptblock]::Create("function Connect-Imap {`n$__connect`n}"))
        $__syncAccount = $script:SyncImapAccountWrapper
        . ([scriptblock]::Create("function Sync-ImapAccount {`n$__syncAccount`n}"))
        function Get-Credential {
            <# The fixture credential, whatever user name the example asks for. #>
            param([Parameter(Position = 0)] [string]$UserName)
            $script:Ctx.Credential
        }
        $__block = [scriptblock]::Create($__Code)
        $__vars = @{}
        # An example that imports the module by a relative path (README: ./out/ImapPS) runs where that path
        # leads, the repository root: a copy imported from a temporary folder would leave PowerShell holding
        # format files that are deleted with the folder, and every later test file would fail to import.
        Push-Location -LiteralPath $(if ($script:Ctx.InRepository) { $script:RepoRoot } else { $script:Ctx.Directory })
        try {
            $__all = @(& {
                    . $__block
                    foreach ($__v in Get-Variable -Scope 0) { $__vars[$__v.Name] = $__v.Value }
                } 2>&1 3>&1)
        }
        finally { Pop-Location }
        [pscustomobject]@{
            Output    = @($__all | Where-Object { $_ -isnot [System.Management.Automation.ErrorRecord] -and $_ -isnot [System.Management.Automation.WarningRecord] })
            Errors    = @($__all | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
            Warnings  = @($__all | Where-Object { $_ -is [System.Management.Automation.WarningRecord] })
            Variables = $__vars
        }
    }

    function Invoke-ExampleInBackground {
        <#
        Runs an example that waits for mail (Invoke-ImapIdle) in a second runspace with its own default
        session, delivers mail with $Trigger once IDLE is sent, waits until IDLE is sent again (so the
        events went through the whole pipeline) or the example ends, then stops it like Ctrl+C.
        #>
        param([string]$Code, [scriptblock]$Trigger)
        $initial = [initialsessionstate]::CreateDefault2()
        $initial.ImportPSModule((Get-Module ImapPS).Path)
        $ps = [powershell]::Create($initial)
        try {
            $thumbprint = $script:FixtureThumbprint
            $null = $ps.AddScript({
                    param($Directory, $HostName, $Port, $Credential, $Thumbprint)
                    Set-Location -LiteralPath $Directory
                    Connect-Imap -Server $HostName -Port $Port -Security StartTls -Credential $Credential -CertificateValidation { $_.Thumbprint -eq $Thumbprint }
                }).AddArgument($script:Ctx.Directory).AddArgument($script:Server.Host).
            AddArgument($script:Server.ImapPort).AddArgument($script:Ctx.Credential).AddArgument($thumbprint)
            $session = @($ps.Invoke())[0]
            if ($ps.Streams.Error.Count) { throw "Background setup failed: $($ps.Streams.Error[0])" }
            $ps.Commands.Clear()

            $source = 'ExampleIdle-' + [guid]::NewGuid().ToString('N')
            $null = Register-ObjectEvent -InputObject $session.Client -EventName DebugLine -SourceIdentifier $source
            try {
                $output = [System.Management.Automation.PSDataCollection[psobject]]::new()
                $null = $ps.AddScript($Code)
                $handle = $ps.BeginInvoke([System.Management.Automation.PSDataCollection[psobject]]$null, $output)
                function Wait-Idle {
                    $deadline = [DateTime]::UtcNow.AddSeconds(30)
                    while (-not $handle.IsCompleted) {
                        $left = [int][Math]::Ceiling(($deadline - [DateTime]::UtcNow).TotalSeconds)
                        if ($left -le 0) { throw 'IDLE was not sent within 30 s.' }
                        $e = Wait-Event -SourceIdentifier $source -Timeout ([Math]::Min($left, 1))
                        if (-not $e) { continue }
                        $e | Remove-Event
                        if ($e.SourceArgs[1] -match '^> \S+ IDLE$') { return }
                    }
                }
                Wait-Idle
                if ($handle.IsCompleted) { throw "The example ended before IDLE: $($ps.Streams.Error | Select-Object -First 1)" }
                & $Trigger
                Wait-Idle
            }
            finally {
                Unregister-Event -SourceIdentifier $source -ErrorAction SilentlyContinue
                Get-Event -SourceIdentifier $source -ErrorAction SilentlyContinue | Remove-Event
            }
            if (-not $handle.IsCompleted) { $ps.Stop() }
            else { $null = $ps.EndInvoke($handle) }
            $variables = @{}
            foreach ($name in 'event') { $variables[$name] = $ps.Runspace.SessionStateProxy.GetVariable($name) }
            [pscustomobject]@{
                Output    = @($output)
                Errors    = @($ps.Streams.Error)
                Warnings  = @($ps.Streams.Warning)
                Variables = $variables
            }
        }
        finally {
            # Closes the background session with its runspace.
            $ps.Runspace.Dispose()
            $ps.Dispose()
        }
    }

    #endregion

    #region What each example needs and does

    $script:Epoch = [datetimeoffset]::Now
    $script:ExampleSpecs = @{}
    . $PSScriptRoot/Examples.Specs.ps1

    #endregion
}

AfterAll {
    Remove-ExampleContext
    $script:Server | Stop-ImapTestServer
    if ($script:SavedModulePath) { $env:PSModulePath = $script:SavedModulePath }
    Remove-Item -LiteralPath $script:SharedDictionary -Force -ErrorAction SilentlyContinue
}

Describe 'Documentation examples' {
    It 'finds the examples: README and every cmdlet page' -ForEach @(@{ Examples = $Examples }) {
        $Examples.Count | Should -BeGreaterThan 90
        ($Examples | Where-Object { -not $_.Code }).Key | Should -BeNullOrEmpty -Because 'every example heading has a powershell block'
        @($Examples | Where-Object Page -EQ 'README.md').Count | Should -BeGreaterThan 0
    }

    It 'knows every example it lists (no stale entries)' -ForEach @(@{ Examples = $Examples }) {
        $keys = $Examples.Key
        @($ExampleSpecs.Keys + $NotRunnable.Keys + $KnownDefects.Keys | Where-Object { $_ -notin $keys }) | Should -BeNullOrEmpty
        @($keys | Where-Object { -not $ExampleSpecs.ContainsKey($_) -and -not $NotRunnable.ContainsKey($_) }) | Should -BeNullOrEmpty -Because 'every example says what it needs and how its effect is checked'
    }

    Context '<Page>' -ForEach @($Examples | Group-Object Page | ForEach-Object { @{ Page = $_.Name; Cases = @($_.Group) } }) {
        It '<Key>: <Title>' -ForEach $Cases {
            # IMAPPS_EXAMPLE='Get-ImapMessage *' runs only the examples whose key matches (Pester's name filter cannot see expanded names).
            if ($env:IMAPPS_EXAMPLE -and $Key -notlike $env:IMAPPS_EXAMPLE) { Set-ItResult -Skipped -Because "IMAPPS_EXAMPLE is '$env:IMAPPS_EXAMPLE'"; return }
            if ($NotRunnable.ContainsKey($Key)) { Set-ItResult -Skipped -Because "cannot run here: $($NotRunnable[$Key])"; return }
            if ($KnownDefects.ContainsKey($Key)) { Set-ItResult -Skipped -Because "pending a known defect: $($KnownDefects[$Key])"; return }
            $spec = $ExampleSpecs[$Key]
            $ctx = New-ExampleContext $Key
            try {
                if ($spec.Confirm) { $ctx.Confirm = $spec.Confirm }
                if ($spec.InRepository) { $ctx.InRepository = $true }
                if ($spec.Setup) {
                    # A setup that fails is the test's fault: stop at once instead of running the example on half a fixture.
                    $ErrorActionPreference = 'Stop'
                    . $spec.Setup
                }
                if ($ctx.Session.SelectedMailbox) { Close-ImapMailbox -Session $ctx.Session }
                if ($spec.Select) { $null = Select-ImapMailbox -Session $ctx.Session -Name $spec.Select }
                $run = if ($spec.Background) { Invoke-ExampleInBackground -Code $Code -Trigger $spec.Trigger } else { Invoke-Example $Code }
                ($run.Errors | ForEach-Object { "$($_.FullyQualifiedErrorId): $_" }) | Should -BeNullOrEmpty -Because 'the example writes no error'
                ($run.Warnings | ForEach-Object { "$_" }) | Should -BeNullOrEmpty -Because 'the example writes no warning'
                if ($spec.Check) {
                    $Output = $run.Output; $Vars = $run.Variables
                    . $spec.Check
                }
                else {
                    $run.Output | Should -Not -BeNullOrEmpty -Because 'the example writes output'
                }
            }
            finally { Remove-ExampleContext }
        }
    }
}
