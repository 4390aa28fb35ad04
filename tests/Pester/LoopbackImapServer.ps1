<#
    A tiny hostile IMAP server for the cmdlet tests: one connection on 127.0.0.1 (ephemeral port) on a
    thread job, scripted by a responder (Trust.Tests.ps1, DeadPeer.Tests.ps1). Dot-source it:

        BeforeAll { . $PSScriptRoot/TestHelpers.ps1; . $PSScriptRoot/LoopbackImapServer.ps1 }

    A responder that returns '' leaves the command unanswered (the server stays silent but keeps reading).
#>

function Start-LoopbackImapServer {
    <#
        Accepts $Connections connections (one after the other; default 1) on 127.0.0.1 (ephemeral port), sends
        $Greeting on each, then answers each command line with & $Responder <tag> <command line> <connection number>
        (a string to send; '{tag}' is replaced by the tag; a reply of '{close}' closes the connection without an
        answer, a cut). LOGOUT gets BYE. Everything the client sent is in .State.Received once .Job has finished.
        Every wait is bounded (10 s).
    #>
    param([Parameter(Mandatory)] [string]$Greeting, [scriptblock]$Responder = { param($tag, $line) "{tag} OK done`r`n" }, [int]$Connections = 1)
    $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $listener.Start()
    $state = [hashtable]::Synchronized(@{ Received = ''; Error = $null })
    $job = Start-ThreadJob -ArgumentList $listener, $Greeting, $Responder.ToString(), $state, $Connections -ScriptBlock {
        param($listener, $greeting, $responderText, $state, $connections)
        $responder = [scriptblock]::Create($responderText)
        $latin1 = [System.Text.Encoding]::Latin1
        try {
            for ($connection = 1; $connection -le $connections; $connection++) {
                $client = $null
                try {
                    $accept = $listener.AcceptTcpClientAsync()
                    if (-not $accept.Wait(10000)) { throw "connection $connection did not come within 10 s" }
                    $client = $accept.Result
                    $client.ReceiveTimeout = 10000
                    $client.SendTimeout = 10000
                    $stream = $client.GetStream()
                    $bytes = $latin1.GetBytes($greeting + "`r`n")
                    $stream.Write($bytes, 0, $bytes.Length)
                    $buffer = [byte[]]::new(65536)
                    $pending = ''
                    $done = $false
                    while (-not $done) {
                        $n = $stream.Read($buffer, 0, $buffer.Length)
                        if ($n -le 0) { break }
                        $chunk = $latin1.GetString($buffer, 0, $n)
                        $state.Received += $chunk
                        $pending += $chunk
                        while (-not $done -and ($end = $pending.IndexOf("`r`n")) -ge 0) {
                            $line = $pending.Substring(0, $end)
                            $pending = $pending.Substring($end + 2)
                            $tag, $command = $line -split ' ', 2
                            if ($command -match '^LOGOUT') { $reply = "* BYE bye`r`n{tag} OK done`r`n"; $done = $true }
                            else { $reply = & $responder $tag $command $connection }
                            if ($reply -eq '{close}') { $done = $true; break }
                            $bytes = $latin1.GetBytes($reply.Replace('{tag}', $tag))
                            $stream.Write($bytes, 0, $bytes.Length)
                        }
                    }
                } catch [System.IO.IOException] {
                    # The client closed (or reset) the connection.
                } finally {
                    if ($client) { $client.Dispose() }
                }
            }
        } catch {
            $state.Error = $_.ToString()
        } finally {
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
