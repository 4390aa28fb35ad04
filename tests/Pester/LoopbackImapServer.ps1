<#
    A tiny hostile IMAP server for the cmdlet tests: one connection on 127.0.0.1 (ephemeral port) on a
    thread job, scripted by a responder (Trust.Tests.ps1, DeadPeer.Tests.ps1). Dot-source it:

        BeforeAll { . $PSScriptRoot/TestHelpers.ps1; . $PSScriptRoot/LoopbackImapServer.ps1 }

    A responder that returns '' leaves the command unanswered (the server stays silent but keeps reading).
#>

function Start-LoopbackImapServer {
    <#
        Accepts one connection on 127.0.0.1 (ephemeral port), sends $Greeting, then answers each command line
        with & $Responder <tag> <command line> (a string to send; '{tag}' is replaced by the tag). LOGOUT gets BYE.
        Everything the client sent is in .State.Received once .Job has finished. Every wait is bounded (10 s).
    #>
    param([Parameter(Mandatory)] [string]$Greeting, [scriptblock]$Responder = { param($tag, $line) "{tag} OK done`r`n" })
    $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $listener.Start()
    $state = [hashtable]::Synchronized(@{ Received = ''; Error = $null })
    $job = Start-ThreadJob -ArgumentList $listener, $Greeting, $Responder.ToString(), $state -ScriptBlock {
        param($listener, $greeting, $responderText, $state)
        $responder = [scriptblock]::Create($responderText)
        $latin1 = [System.Text.Encoding]::Latin1
        $client = $null
        try {
            $accept = $listener.AcceptTcpClientAsync()
            if (-not $accept.Wait(10000)) { throw 'no client connected within 10 s' }
            $client = $accept.Result
            $client.ReceiveTimeout = 10000
            $client.SendTimeout = 10000
            $stream = $client.GetStream()
            $bytes = $latin1.GetBytes($greeting + "`r`n")
            $stream.Write($bytes, 0, $bytes.Length)
            $buffer = [byte[]]::new(65536)
            $pending = ''
            while ($true) {
                $n = $stream.Read($buffer, 0, $buffer.Length)
                if ($n -le 0) { break }
                $chunk = $latin1.GetString($buffer, 0, $n)
                $state.Received += $chunk
                $pending += $chunk
                $bye = $false
                while (($end = $pending.IndexOf("`r`n")) -ge 0) {
                    $line = $pending.Substring(0, $end)
                    $pending = $pending.Substring($end + 2)
                    $tag, $command = $line -split ' ', 2
                    if ($command -match '^LOGOUT') { $reply = "* BYE bye`r`n{tag} OK done`r`n"; $bye = $true }
                    else { $reply = & $responder $tag $command }
                    $bytes = $latin1.GetBytes($reply.Replace('{tag}', $tag))
                    $stream.Write($bytes, 0, $bytes.Length)
                }
                if ($bye) { break }
            }
        } catch [System.IO.IOException] {
            # The client closed (or reset) the connection.
        } catch {
            $state.Error = $_.ToString()
        } finally {
            if ($client) { $client.Dispose() }
            $listener.Stop()
        }
    }
    [pscustomobject]@{ Port = $listener.LocalEndpoint.Port; Job = $job; State = $state }
}

function Wait-LoopbackImapServer {
    param([Parameter(Mandatory)] $Loopback)
    $null = Wait-Job -Job $Loopback.Job -Timeout 20
    $Loopback.Job.State | Should -Be 'Completed'
    Remove-Job -Job $Loopback.Job -Force
    $Loopback.State.Error | Should -BeNullOrEmpty
}
