using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using ImapPS.Testing;

namespace ImapPS.Client.Tests.Fixture
{
    /// <summary>
    /// A deliberately dumb IMAP connection for checking the test server independently of the engine:
    /// it writes command lines and reads whole responses (literals inlined), nothing more. Every read
    /// has a timeout.
    /// </summary>
    internal sealed class RawImapConnection : IDisposable
    {
        private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(10);

        private readonly List<IDisposable> owned = new List<IDisposable>();
        private readonly byte[] buffer = new byte[16384];
        private Stream reader;
        private Stream writer;
        private int start;
        private int end;
        private int tagCounter;

        private RawImapConnection(Stream reader, Stream writer, params IDisposable[] owned)
        {
            this.reader = reader;
            this.writer = writer;
            this.owned.AddRange(owned);
        }

        /// <summary>Connects to the plain port; the greeting is left unread.</summary>
        public static RawImapConnection ConnectPlain(DovecotServer server)
        {
            var client = new TcpClient { NoDelay = true };
            if (!client.ConnectAsync(server.Host, server.ImapPort).Wait(ReadTimeout))
            {
                client.Dispose();
                throw new TimeoutException("connect timed out");
            }

            NetworkStream stream = client.GetStream();
            return new RawImapConnection(stream, stream, stream, client);
        }

        /// <summary>Connects to the implicit-TLS port and completes the handshake.</summary>
        public static RawImapConnection ConnectTls(DovecotServer server, RemoteCertificateValidationCallback validate, string targetHost = "localhost")
        {
            var client = new TcpClient { NoDelay = true };
            if (!client.ConnectAsync(server.Host, server.ImapsPort).Wait(ReadTimeout))
            {
                client.Dispose();
                throw new TimeoutException("connect timed out");
            }

            var ssl = new SslStream(client.GetStream(), leaveInnerStreamOpen: false, validate);
            try
            {
                AuthenticateWithTimeout(ssl, targetHost);
            }
            catch
            {
                ssl.Dispose();
                client.Dispose();
                throw;
            }

            return new RawImapConnection(ssl, ssl, ssl, client);
        }

        /// <summary>Runs a stream-transport command and talks to its stdin/stdout.</summary>
        public static RawImapConnection StartProcess(CommandLine command)
        {
            Process process = Process.Start(command.ToProcessStartInfo())
                ?? throw new InvalidOperationException("process did not start");
            var killer = new ProcessKiller(process);
            return new RawImapConnection(process.StandardOutput.BaseStream, process.StandardInput.BaseStream, killer);
        }

        /// <summary>A validation callback that accepts exactly one certificate, by thumbprint, and records what it saw.</summary>
        public static RemoteCertificateValidationCallback PinnedTo(string thumbprint, List<SslPolicyErrors>? observed = null)
        {
            return (sender, certificate, chain, errors) =>
            {
                observed?.Add(errors);
                if (certificate == null)
                {
                    return false;
                }

                using (var presented = new X509Certificate2(certificate))
                {
                    return string.Equals(presented.Thumbprint, thumbprint, StringComparison.OrdinalIgnoreCase);
                }
            };
        }

        /// <summary>Quotes a string as an IMAP quoted string.</summary>
        public static string Quote(string value) => "\"" + value.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";

        /// <summary>Reads one complete response line, with any literals inlined.</summary>
        public string ReadResponse()
        {
            var response = new StringBuilder();
            while (true)
            {
                string line = ReadLine();
                response.Append(line);
                int literal = LiteralLength(line);
                if (literal < 0)
                {
                    return response.ToString();
                }

                response.Append("\r\n").Append(Encoding.UTF8.GetString(ReadExactly(literal)));
            }
        }

        /// <summary>Sends a tagged command and returns every response up to and including the tagged one.</summary>
        public List<string> Command(string command)
        {
            string tag = "t" + (++tagCounter).ToString(System.Globalization.CultureInfo.InvariantCulture);
            Send(tag + " " + command);
            var responses = new List<string>();
            while (true)
            {
                string response = ReadResponse();
                responses.Add(response);
                if (response.StartsWith(tag + " ", StringComparison.Ordinal))
                {
                    return responses;
                }
            }
        }

        /// <summary>The tagged status line of <see cref="Command"/>'s result, e.g. "OK", "NO".</summary>
        public static string Status(List<string> responses)
        {
            string tagged = responses[responses.Count - 1];
            string[] parts = tagged.Split(' ');
            return parts.Length > 1 ? parts[1] : string.Empty;
        }

        /// <summary>Issues STARTTLS and switches this connection to TLS.</summary>
        public List<string> StartTls(RemoteCertificateValidationCallback validate, string targetHost = "localhost")
        {
            List<string> responses = Command("STARTTLS");
            if (Status(responses) != "OK")
            {
                return responses;
            }

            if (start != end)
            {
                throw new InvalidOperationException("Plaintext data after the STARTTLS reply (a response injection).");
            }

            var ssl = new SslStream(reader, leaveInnerStreamOpen: true, validate);
            AuthenticateWithTimeout(ssl, targetHost);
            owned.Insert(0, ssl);
            reader = ssl;
            writer = ssl;
            return responses;
        }

        public void Send(string line)
        {
            byte[] bytes = Encoding.UTF8.GetBytes(line + "\r\n");
            Task write = writer.WriteAsync(bytes, 0, bytes.Length);
            if (!write.Wait(ReadTimeout))
            {
                throw new TimeoutException("write timed out");
            }

            writer.Flush();
        }

        public void Dispose()
        {
            foreach (IDisposable d in owned)
            {
                try
                {
                    d.Dispose();
                }
                catch (IOException)
                {
                    // Closing a broken connection.
                }
            }
        }

        private static void AuthenticateWithTimeout(SslStream ssl, string targetHost)
        {
            Task handshake = ssl.AuthenticateAsClientAsync(targetHost, null, SslProtocols.None, checkCertificateRevocation: false);
            try
            {
                if (!handshake.Wait(ReadTimeout))
                {
                    throw new TimeoutException("TLS handshake timed out");
                }
            }
            catch (AggregateException ex) when (ex.InnerException != null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(ex.InnerException).Throw();
            }
        }

        private static int LiteralLength(string line)
        {
            if (!line.EndsWith("}", StringComparison.Ordinal))
            {
                return -1;
            }

            int open = line.LastIndexOf('{');
            string digits = line.Substring(open + 1, line.Length - open - 2).TrimEnd('+');
            return open >= 0 && int.TryParse(digits, out int length) ? length : -1;
        }

        private string ReadLine()
        {
            var line = new MemoryStream();
            while (true)
            {
                for (int i = start; i < end; i++)
                {
                    if (buffer[i] == (byte)'\n')
                    {
                        line.Write(buffer, start, i - start + 1);
                        start = i + 1;
                        string text = Encoding.UTF8.GetString(line.ToArray());
                        return text.TrimEnd('\n').TrimEnd('\r');
                    }
                }

                line.Write(buffer, start, end - start);
                start = end = 0;
                Fill();
            }
        }

        private byte[] ReadExactly(int count)
        {
            var result = new byte[count];
            int copied = 0;
            while (copied < count)
            {
                if (start == end)
                {
                    start = end = 0;
                    Fill();
                }

                int n = Math.Min(count - copied, end - start);
                Buffer.BlockCopy(buffer, start, result, copied, n);
                start += n;
                copied += n;
            }

            return result;
        }

        private void Fill()
        {
            using (var cancel = new CancellationTokenSource(ReadTimeout))
            {
                Task<int> read = reader.ReadAsync(buffer, 0, buffer.Length, cancel.Token);
                if (!read.Wait(ReadTimeout + TimeSpan.FromSeconds(1)))
                {
                    throw new TimeoutException($"no data from the server within {ReadTimeout.TotalSeconds} s");
                }

                if (read.Result == 0)
                {
                    throw new EndOfStreamException("the server closed the connection");
                }

                end = read.Result;
            }
        }

        private sealed class ProcessKiller : IDisposable
        {
            private readonly Process process;

            public ProcessKiller(Process process) => this.process = process;

            public void Dispose()
            {
                try
                {
                    process.StandardInput.Close();
                    if (!process.WaitForExit(5000))
                    {
                        process.Kill(entireProcessTree: true);
                    }
                }
                catch (InvalidOperationException)
                {
                    // Already exited.
                }
                finally
                {
                    process.Dispose();
                }
            }
        }
    }
}
