using System;
using System.Collections.Generic;
using System.Linq;
using BenchmarkDotNet.Attributes;
using ImapPS.Client.Protocol;
using MailKit;
using MailKit.Net.Imap;

namespace ImapPS.Bench.Parser
{
    /// <summary>
    /// Parsing a 20,000-message <c>UID FETCH (UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE)</c>
    /// reply from memory: ImapPS's reader alone, reader + <see cref="FetchData.Parse"/>, and MailKit's
    /// ImapClient.Fetch over an in-memory replay stream (MailKit's parser is internal, so it is driven
    /// through its public client API; that includes building IMessageSummary objects and a command round trip).
    /// </summary>
    [MemoryDiagnoser]
    public class ParserBenchmarks
    {
        internal const int Messages = 20_000;
        private const int Chunk = 64 * 1024;

        internal static byte[] Data = Array.Empty<byte>();
        internal static long Tokens;
        private byte[] _untaggedOnly = Array.Empty<byte>();
        private ImapClient? _mailKit;
        private ReplayStream? _replay;

        [GlobalSetup]
        public void Setup()
        {
            Data = FetchStream.Generate(Messages);
            Tokens = FetchStream.CountTokens(Data);
            int tagged = Array.LastIndexOf(Data, (byte)'\n', Data.Length - 2) + 1;
            _untaggedOnly = Data.AsSpan(0, tagged).ToArray();
            // Sanity: every message decodes, with the UIDs in order.
            int n = Parse(decode: true);
            if (n != Messages) throw new InvalidOperationException("decoded " + n + " messages");
        }

        [GlobalSetup(Target = nameof(MailKit_ImapClient_Fetch))]
        public void SetupMailKit()
        {
            Setup();
            _replay = new ReplayStream(_untaggedOnly);
            _mailKit = new ImapClient();
            _mailKit.Connect(_replay, "localhost", 143, MailKit.Security.SecureSocketOptions.None);
            _mailKit.Authenticate("user", "password");
            _mailKit.Inbox.Open(FolderAccess.ReadOnly);
            if (MailKit_ImapClient_Fetch() != Messages) throw new InvalidOperationException("MailKit did not fetch every message");
        }

        [GlobalCleanup(Target = nameof(MailKit_ImapClient_Fetch))]
        public void CleanupMailKit() => _mailKit?.Dispose();

        [Benchmark(Description = "ImapPS reader only")]
        public int ImapPS_Reader() => Parse(decode: false);

        [Benchmark(Baseline = true, Description = "ImapPS reader + FetchData.Parse")]
        public int ImapPS_Reader_FetchData() => Parse(decode: true);

        [Benchmark(Description = "MailKit 4.18.2 ImapClient.Fetch")]
        public int MailKit_ImapClient_Fetch()
        {
            var items = MessageSummaryItems.UniqueId | MessageSummaryItems.Flags | MessageSummaryItems.InternalDate |
                        MessageSummaryItems.Size | MessageSummaryItems.Envelope | MessageSummaryItems.BodyStructure;
            IList<IMessageSummary> summaries = _mailKit!.Inbox.Fetch(0, -1, items);
            return summaries.Count;
        }

        private static int Parse(bool decode)
        {
            var reader = new ResponseReader();
            byte[] data = Data;
            int messages = 0;
            uint lastUid = 0;
            for (int offset = 0; offset < data.Length;)
            {
                var target = reader.GetReadBuffer();
                int n = Math.Min(Math.Min(Chunk, target.Count), data.Length - offset);
                Buffer.BlockCopy(data, offset, target.Array!, target.Offset, n);
                reader.Advance(n);
                offset += n;
                while (reader.TryReadResponse(out var r))
                {
                    if (r!.Kind != ResponseKind.Untagged) continue;
                    if (decode)
                    {
                        var f = FetchData.Parse(r);
                        if (f.Uid <= lastUid) throw new InvalidOperationException("UIDs out of order");
                        lastUid = f.Uid!.Value;
                    }
                    messages++;
                }
            }
            return messages;
        }
    }
}
