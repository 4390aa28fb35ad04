using System;
using System.Diagnostics;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace ImapPS.Client.Transport
{
    /// <summary>
    /// Talks IMAP to a subprocess over its standard input and output (imaplib2's IMAP4_stream),
    /// for example <c>ssh host imapd</c> or Dovecot's <c>imap -u USER</c> in PREAUTH mode.
    /// </summary>
    public sealed class ProcessTransport : ImapTransport
    {
        private readonly Process _process;
        private readonly string _description;
        private readonly StringBuilder _stderr = new StringBuilder();

        private ProcessTransport(Process process, string description)
        {
            _process = process;
            _description = description;
            ReadStream = process.StandardOutput.BaseStream;
            WriteStream = process.StandardInput.BaseStream;
        }

        /// <inheritdoc />
        public override string Description => _description;

        /// <summary>What the process wrote to standard error so far (kept for error messages, at most 8 KB).</summary>
        public string StandardError
        {
            get { lock (_stderr) return _stderr.ToString(); }
        }

        /// <summary>Starts a command line through the platform's shell, as imaplib2 does.</summary>
        public static ProcessTransport StartShell(string commandLine)
        {
            bool windows = RuntimeInformation.IsOSPlatform(OSPlatform.Windows);
            return Start(windows ? "cmd.exe" : "/bin/sh", windows ? new[] { "/c", commandLine } : new[] { "-c", commandLine }, commandLine);
        }

        /// <summary>Starts a program with arguments (no shell involved).</summary>
        public static ProcessTransport Start(string fileName, string[] arguments, string? description = null)
        {
            var psi = new ProcessStartInfo(fileName, JoinArguments(arguments))
            {
                UseShellExecute = false,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                CreateNoWindow = true,
            };
            var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
            if (!process.Start()) throw new IOException("Could not start " + fileName);
            var transport = new ProcessTransport(process, description ?? fileName);
            process.ErrorDataReceived += (s, e) =>
            {
                if (e.Data == null) return;
                lock (transport._stderr)
                    if (transport._stderr.Length < 8192) transport._stderr.AppendLine(e.Data);
            };
            process.BeginErrorReadLine();
            return transport;
        }

        /// <summary>Quotes arguments by the rules both .NET on Unix and the Windows C runtime use to split them again.</summary>
        internal static string JoinArguments(string[] arguments)
        {
            var sb = new StringBuilder();
            foreach (var a in arguments)
            {
                if (sb.Length > 0) sb.Append(' ');
                if (a.Length > 0 && a.IndexOfAny(new[] { ' ', '\t', '"', '\\', '\'' }) < 0)
                {
                    sb.Append(a);
                    continue;
                }
                sb.Append('"');
                int backslashes = 0;
                foreach (char c in a)
                {
                    if (c == '\\') { backslashes++; continue; }
                    if (c == '"') sb.Append('\\', backslashes * 2 + 1);
                    else sb.Append('\\', backslashes);
                    backslashes = 0;
                    sb.Append(c);
                }
                sb.Append('\\', backslashes * 2);
                sb.Append('"');
            }
            return sb.ToString();
        }

        /// <inheritdoc />
        protected override void CloseCore()
        {
            SafeDispose(WriteStream);
            try
            {
                if (!_process.WaitForExit(2000))
                {
                    try { _process.Kill(); } catch (InvalidOperationException) { /* exited meanwhile */ }
                    _process.WaitForExit(2000);
                }
            }
            catch (Exception) { /* the process is gone either way */ }
            SafeDispose(ReadStream);
            SafeDispose(_process);
        }
    }
}
