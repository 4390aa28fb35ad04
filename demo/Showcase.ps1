<#
.SYNOPSIS
    A short tour of a mailbox: list folders, find invoices, show their envelopes, flag one.
.DESCRIPTION
    build.ps1 -Task Demo runs this against a throwaway Dovecot seeded with generated mail.
    For now it speaks IMAP over a plain TcpClient; once the cmdlets land, the body between the
    "Tour" markers becomes a handful of ImapPS pipelines.
.EXAMPLE
    ./demo/Showcase.ps1 -Server 127.0.0.1 -Port 10143 -Credential (Get-Credential alice)
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string]$Server,
    [Parameter(Mandatory)] [int]$Port,
    [Parameter(Mandatory)] [pscredential]$Credential
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'

#region Minimal IMAP over a socket (stand-in until the cmdlets exist)

$script:tagNumber = 0

function Read-ImapBytesLine {
    # Byte-wise on purpose: literal lengths count bytes, and a StreamReader would buffer past them.
    $bytes = [IO.MemoryStream]::new()
    while ($true) {
        $b = $script:stream.ReadByte()
        if ($b -lt 0) { throw 'The server closed the connection.' }
        if ($b -eq 10) { break }
        if ($b -ne 13) { $bytes.WriteByte($b) }
    }
    [Text.Encoding]::UTF8.GetString($bytes.ToArray())
}

function Read-ImapLine {
    # One response; a literal {n} at a line end is read and inlined as a quoted string.
    $line = Read-ImapBytesLine
    while ($line -match '\{(\d+)\}$') {
        $literal = [byte[]]::new([int]$Matches[1])
        $read = 0
        while ($read -lt $literal.Length) {
            $n = $script:stream.Read($literal, $read, $literal.Length - $read)
            if ($n -le 0) { throw 'The server closed the connection inside a literal.' }
            $read += $n
        }
        $text = [Text.Encoding]::UTF8.GetString($literal)
        $line = $line.Substring(0, $line.LastIndexOf('{')) + (ConvertTo-ImapQuoted $text) + (Read-ImapBytesLine)
    }
    return $line
}

function Invoke-Imap([string]$Command, [string]$Display = $Command) {
    $tag = 'D{0:000}' -f ++$script:tagNumber
    Write-Verbose "C: $tag $Display"
    $bytes = [Text.Encoding]::UTF8.GetBytes("$tag $Command`r`n")
    $script:stream.Write($bytes, 0, $bytes.Length)
    $responses = [Collections.Generic.List[string]]::new()
    while ($true) {
        $line = Read-ImapLine
        if ($line.StartsWith("$tag ")) {
            if ($line -notmatch "^$tag OK") { throw "IMAP command '$Display' failed: $line" }
            return $responses
        }
        $responses.Add($line)
    }
}

function ConvertTo-ImapQuoted([string]$Text) {
    '"' + $Text.Replace('\', '\\').Replace('"', '\"') + '"'
}

function ConvertFrom-ImapList([string]$Text) {
    # Parses one parenthesised IMAP list (atoms, NIL, quoted strings, nested lists) into arrays.
    $state = @{ Text = $Text; At = 0 }
    Read-ImapItem $state
}

function Read-ImapItem([hashtable]$State) {
    $text = $State.Text
    while ($text[$State.At] -eq ' ') { $State.At++ }
    switch ($text[$State.At]) {
        '(' {
            $State.At++
            $items = [Collections.Generic.List[object]]::new()
            while ($true) {
                while ($text[$State.At] -eq ' ') { $State.At++ }
                if ($text[$State.At] -eq ')') { break }
                $items.Add((Read-ImapItem $State))
            }
            $State.At++
            return , $items.ToArray()
        }
        '"' {
            $State.At++
            $value = [Text.StringBuilder]::new()
            while ($text[$State.At] -ne '"') {
                if ($text[$State.At] -eq '\') { $State.At++ }
                [void]$value.Append($text[$State.At])
                $State.At++
            }
            $State.At++
            return $value.ToString()
        }
        default {
            $start = $State.At
            while ($State.At -lt $text.Length -and $text[$State.At] -notin ' ', ')', '(') { $State.At++ }
            $atom = $text.Substring($start, $State.At - $start)
            if ($atom -eq 'NIL') { return $null }
            return $atom
        }
    }
}

function ConvertFrom-EncodedWord([string]$Text) {
    # RFC 2047 encoded-words, enough for display.
    if (-not $Text) { return $Text }
    $Text = [regex]::Replace($Text, '\?=\s+=\?', '?==?')
    [regex]::Replace($Text, '=\?([^?]+)\?([BbQq])\?([^?]*)\?=', {
            param($m)
            $encoding = [Text.Encoding]::GetEncoding($m.Groups[1].Value)
            if ($m.Groups[2].Value -in 'B', 'b') { return $encoding.GetString([Convert]::FromBase64String($m.Groups[3].Value)) }
            $bytes = [Collections.Generic.List[byte]]::new()
            $q = $m.Groups[3].Value.Replace('_', ' ')
            for ($i = 0; $i -lt $q.Length; $i++) {
                if ($q[$i] -eq '=') { $bytes.Add([Convert]::ToByte($q.Substring($i + 1, 2), 16)); $i += 2 }
                else { $bytes.Add([byte][char]$q[$i]) }
            }
            $encoding.GetString($bytes.ToArray())
        })
}

#endregion

$client = [Net.Sockets.TcpClient]::new()
try {
    if (-not $client.ConnectAsync($Server, $Port).Wait(10000)) { throw "Cannot connect to ${Server}:$Port within 10 s." }
    $client.NoDelay = $true
    $client.ReceiveTimeout = 15000
    $client.SendTimeout = 15000
    $script:stream = $client.GetStream()
    Write-Host "S: $(Read-ImapLine)" -ForegroundColor DarkGray

    #region Tour
    $password = $Credential.GetNetworkCredential().Password
    $null = Invoke-Imap "LOGIN $(ConvertTo-ImapQuoted $Credential.UserName) $(ConvertTo-ImapQuoted $password)" -Display 'LOGIN … (hidden)'

    Write-Host "`nMailboxes" -ForegroundColor Cyan
    Invoke-Imap 'LIST "" "*"' | ForEach-Object {
        if ($_ -match '^\* LIST \(([^)]*)\) (\S+) (.+)$') {
            [pscustomobject]@{ Mailbox = $Matches[3].Trim('"'); Attributes = $Matches[1] }
        }
    } | Format-Table -AutoSize | Out-String -Width 200 | Write-Host

    $select = Invoke-Imap 'SELECT INBOX'
    $exists = ($select | Where-Object { $_ -match '^\* (\d+) EXISTS' } | ForEach-Object { [int]$Matches[1] })
    Write-Host "INBOX holds $exists messages." -ForegroundColor Cyan

    $hits = @((Invoke-Imap 'UID SEARCH SUBJECT invoice') -replace '^\* SEARCH ?', '' -split ' ' | Where-Object { $_ })
    Write-Host "`n$($hits.Count) messages mention an invoice; the first five:" -ForegroundColor Cyan
    $first = $hits | Select-Object -First 5
    if ($first) {
        Invoke-Imap "UID FETCH $($first -join ',') (UID FLAGS RFC822.SIZE ENVELOPE)" | ForEach-Object {
            $item = ConvertFrom-ImapList ($_ -replace '^\* \d+ FETCH ', '')
            $fields = @{}
            for ($i = 0; $i -lt $item.Count; $i += 2) { $fields[$item[$i]] = $item[$i + 1] }
            $envelope = $fields['ENVELOPE']
            $sender = $envelope[2][0]
            [pscustomobject]@{
                UID     = [int]$fields['UID']
                Date    = $envelope[0] -replace '^\w{3}, '
                From    = if ($sender[0]) { ConvertFrom-EncodedWord $sender[0] } else { "$($sender[2])@$($sender[3])" }
                Subject = ConvertFrom-EncodedWord $envelope[1]
                Size    = [int]$fields['RFC822.SIZE']
                Flags   = $fields['FLAGS'] -join ' '
            }
        } | Format-Table -AutoSize | Out-String -Width 200 | Write-Host

        $uid = $first[0]
        $null = Invoke-Imap "UID STORE $uid +FLAGS (\Flagged)"
        $flags = Invoke-Imap "UID FETCH $uid (FLAGS)"
        Write-Host "Flagged UID ${uid}: $flags" -ForegroundColor Cyan
    }

    $null = Invoke-Imap 'LOGOUT'
    #endregion
}
finally {
    $client.Dispose()
}
