using System;
using System.IO;
using System.Security.Authentication;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace ImapPS.Client.Transport
{
    /// <summary>
    /// Reads the first bytes a server sent during a failed TLS handshake and names the reason in
    /// words: a TLS alert (protocol_version, handshake_failure, …), a ServerHello of a version older
    /// than the client accepts, or a plain IMAP greeting. Looks at one record header at most.
    /// </summary>
    internal static class TlsDiagnosis
    {
        private const byte Handshake = 0x16, Alert = 0x15, ServerHello = 0x02;

        public static TlsFailureKind Diagnose(byte[] first, out string reason)
        {
            reason = "";
            if (first.Length == 0)
            {
                reason = "the server closed the connection without answering the TLS handshake";
                return TlsFailureKind.Other;
            }
            if (first.Length >= 2 && first[0] == (byte)'*' && first[1] == (byte)' ')
            {
                reason = "the server speaks plain IMAP on this port (it greeted with «" + Printable(first, 60) + "»), not TLS from the first byte; use STARTTLS on this port";
                return TlsFailureKind.PlainImapPort;
            }
            if (first.Length >= 3 && first[1] == 3 && (first[0] == Handshake || first[0] == Alert))
            {
                if (first[0] == Alert && first.Length >= 7)
                {
                    byte description = first[6];
                    switch (description)
                    {
                        case 70:
                            reason = "the server supports none of the TLS versions this client accepts (TLS 1.2 and later): it answered with a protocol_version alert, so it offers only an older version";
                            return TlsFailureKind.ProtocolVersion;
                        case 40:
                            reason = "the server refused the handshake (handshake_failure alert): it shares no cipher suite or TLS version with this client, which accepts TLS 1.2 and later";
                            return TlsFailureKind.HandshakeRefused;
                        case 71:
                            reason = "the server requires stronger security than this client offered (insufficient_security alert)";
                            return TlsFailureKind.HandshakeRefused;
                        case 112:
                            reason = "the server does not serve the host name the client asked for (unrecognized_name alert)";
                            return TlsFailureKind.HandshakeRefused;
                        case 116:
                            reason = "the server requires a client certificate (certificate_required alert)";
                            return TlsFailureKind.HandshakeRefused;
                        default:
                            reason = "the server ended the handshake with TLS alert " + description;
                            return TlsFailureKind.HandshakeRefused;
                    }
                }
                // A ServerHello: record header (5), handshake type (1), length (3), server_version (2).
                if (first[0] == Handshake && first.Length >= 11 && first[5] == ServerHello && first[9] == 3 && first[10] < 3)
                {
                    reason = "the server offers only " + VersionName(first[10]) + ", and this client requires TLS 1.2 or later (it chose " +
                        VersionName(first[10]) + " in its ServerHello)";
                    return TlsFailureKind.ProtocolVersion;
                }
                return TlsFailureKind.Other;
            }
            reason = "the server answered with bytes that are neither TLS nor IMAP («" + Printable(first, 40) + "»): check the host and port";
            return TlsFailureKind.NotTls;
        }

        /// <summary>The platform's reason, inner exceptions included (its outer message alone is "see inner exception").</summary>
        public static string Describe(Exception e, TlsOptions options)
        {
            var text = new StringBuilder();
            for (var x = e; x != null; x = x.InnerException)
            {
                string m = x.Message;
                if (m.IndexOf("see inner exception", StringComparison.OrdinalIgnoreCase) >= 0 && x.InnerException != null) continue;
                if (text.Length > 0) text.Append(": ");
                text.Append(m.TrimEnd('.'));
            }
            if (options.Level == TlsLevel.Secure) text.Append(" (this client accepts TLS 1.2 and later)");
            return text.ToString();
        }

        private static string VersionName(byte minor) => minor switch
        {
            0 => "SSL 3.0",
            1 => "TLS 1.0",
            2 => "TLS 1.1",
            3 => "TLS 1.2",
            _ => "TLS version 3." + minor,
        };

        private static string Printable(byte[] bytes, int max)
        {
            var text = new StringBuilder();
            for (int i = 0; i < bytes.Length && i < max; i++)
            {
                byte b = bytes[i];
                if (b == '\r' || b == '\n') break;
                text.Append(b >= 0x20 && b < 0x7F ? (char)b : '.');
            }
            return text.ToString();
        }
    }

    /// <summary>A pass-through stream that keeps a copy of the first bytes read from it.</summary>
    internal sealed class FirstBytesStream : Stream
    {
        private const int Keep = 64;
        private readonly Stream _inner;
        private readonly byte[] _first = new byte[Keep];
        private int _count;

        public FirstBytesStream(Stream inner) => _inner = inner;

        /// <summary>The first bytes read (up to 64).</summary>
        public byte[] FirstBytes
        {
            get
            {
                var copy = new byte[Volatile.Read(ref _count)];
                Array.Copy(_first, copy, copy.Length);
                return copy;
            }
        }

        private void Record(byte[] buffer, int offset, int n)
        {
            if (n <= 0 || _count >= Keep) return;
            int take = Math.Min(n, Keep - _count);
            Array.Copy(buffer, offset, _first, _count, take);
            Volatile.Write(ref _count, _count + take);
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = _inner.Read(buffer, offset, count);
            Record(buffer, offset, n);
            return n;
        }

        public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            int n = await _inner.ReadAsync(buffer, offset, count, cancellationToken).ConfigureAwait(false);
            Record(buffer, offset, n);
            return n;
        }

        public override void Write(byte[] buffer, int offset, int count) => _inner.Write(buffer, offset, count);
        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => _inner.WriteAsync(buffer, offset, count, cancellationToken);
        public override void Flush() => _inner.Flush();
        public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
