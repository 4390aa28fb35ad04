# The generated mail must be valid MIME that a real parser reads back as the generator describes it.

BeforeDiscovery {
    $script:mimeKitMissing = -not (Get-ChildItem (Join-Path $PSScriptRoot '../../out/ImapPS') -Filter MimeKit.dll -Recurse -ErrorAction Ignore)
}

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    $null = Import-ImapMimeKit
}

Describe 'MessageGenerator output read back with MimeKit' -Skip:$script:mimeKitMissing {
    BeforeAll {
        $script:messages = @([ImapPS.Testing.MessageGenerator]::new(4).Generate([ImapPS.Testing.MessageProfile]::Mixed, 250))
        $script:parsed = foreach ($m in $script:messages) {
            $stream = [IO.MemoryStream]::new($m.Bytes)
            try { [MimeKit.MimeMessage]::Load($stream) } finally { $stream.Dispose() }
        }
    }

    It 'decodes every Subject, including encoded-words, to the generated text' {
        for ($i = 0; $i -lt $script:messages.Count; $i++) {
            $script:parsed[$i].Subject | Should -BeExactly $script:messages[$i].Subject -Because "message $i ($($script:messages[$i].MessageId))"
        }
    }

    It 'keeps From, Message-ID, In-Reply-To and Date consistent' {
        for ($i = 0; $i -lt $script:messages.Count; $i++) {
            $expected = $script:messages[$i]
            $actual = $script:parsed[$i]
            $actual.From.Mailboxes[0].Address | Should -Be $expected.From
            if ($expected.FromName) { $actual.From.Mailboxes[0].Name | Should -BeExactly $expected.FromName }
            "<$($actual.MessageId)>" | Should -Be $expected.MessageId
            if ($expected.InReplyTo) { "<$($actual.InReplyTo)>" | Should -Be $expected.InReplyTo }
            [Math]::Abs(($actual.Date - $expected.InternalDate).TotalSeconds) | Should -BeLessThan 180
            @($actual.To.Mailboxes.Address) | Should -Be @($expected.To)
        }
    }

    It 'has the generated top-level type and number of attachments' {
        for ($i = 0; $i -lt $script:messages.Count; $i++) {
            $expected = $script:messages[$i]
            $script:parsed[$i].Body.ContentType.MimeType | Should -Be $expected.ContentType
            @($script:parsed[$i].Attachments).Count | Should -Be $expected.AttachmentCount
        }
    }

    It 'gives non-ASCII attachment names that decode' {
        $names = $script:parsed | ForEach-Object { $_.Attachments } | ForEach-Object { $_.FileName }
        $names | Where-Object { $_ -like 'Résumé-*' } | Should -Not -BeNullOrEmpty
    }
}
