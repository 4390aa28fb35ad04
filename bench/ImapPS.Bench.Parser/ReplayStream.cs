using System;
using System.IO;
using System.Text;

namespace ImapPS.Bench.Parser
{
    /// <summary>
    /// An in-memory IMAP server for driving MailKit's ImapClient: it answers each command line the
    /// client writes with a canned reply (tag substituted), and serves FETCH replies from a
    /// pre-generated buffer in 64 KB reads, so the benchmark measures parsing, not I/O.
    /// </summary>
    internal sealed class ReplayStream : Stream
    {
        private readonly byte[] _fetchBody;
        private readonly StringBuilder _line = new StringBuilder();
        private byte[] _pending;
        private int _pendingOffset;
        private byte[]? _fetchTail;

        internal ReplayStream(byte[] fetchBodyWithoutTaggedLine)
        {
            _fetchBody = fetchBodyWithoutTaggedLine;
            _pending = Encoding.ASCII.GetBytes("* OK [CAPABILITY IMAP4rev1 LITERAL+ UIDPLUS] ready\r\n");
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_pendingOffset >= _pending.Length)
            {
                if (_fetchTail == null) throw new InvalidOperationException("The client reads with no reply pending.");
                _pending = _fetchTail;
                _pendingOffset = 0;
                _fetchTail = null;
            }
            int n = Math.Min(Math.Min(count, 64 * 1024), _pending.Length - _pendingOffset);
            Buffer.BlockCopy(_pending, _pendingOffset, buffer, offset, n);
            _pendingOffset += n;
            return n;
        }

        public override void Write(byte[] buffer, int offset, int count)
        {
            for (int i = 0; i < count; i++)
            {
                char c = (char)buffer[offset + i];
                _line.Append(c);
                if (c == '\n') Answer(_line.ToString());
            }
        }

        private void Answer(string line)
        {
            _line.Clear();
            string tag = line.Substring(0, line.IndexOf(' '));
            string command = line.Substring(tag.Length + 1).TrimEnd();
            string reply;
            if (command.StartsWith("LOGIN", StringComparison.OrdinalIgnoreCase) || command.StartsWith("AUTHENTICATE", StringComparison.OrdinalIgnoreCase))
                reply = tag + " OK [CAPABILITY IMAP4rev1 LITERAL+ UIDPLUS] Logged in\r\n";
            else if (command.StartsWith("EXAMINE", StringComparison.OrdinalIgnoreCase) || command.StartsWith("SELECT", StringComparison.OrdinalIgnoreCase))
                reply = "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n* 20000 EXISTS\r\n* 0 RECENT\r\n* OK [UIDVALIDITY 1] ok\r\n* OK [UIDNEXT 99999] ok\r\n" + tag + " OK [READ-ONLY] done\r\n";
            else if (command.IndexOf("FETCH", StringComparison.OrdinalIgnoreCase) >= 0)
            {
                _pending = _fetchBody;
                _pendingOffset = 0;
                _fetchTail = Encoding.ASCII.GetBytes(tag + " OK FETCH completed\r\n");
                return;
            }
            else reply = tag + " OK done\r\n";
            _pending = Encoding.ASCII.GetBytes(reply);
            _pendingOffset = 0;
        }
    }
}
