using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Threading.Tasks;

namespace ImapPS.Testing
{
    /// <summary>The outcome of a finished native command.</summary>
    internal sealed class ProcessResult
    {
        public ProcessResult(int exitCode, string standardOutput, string standardError)
        {
            ExitCode = exitCode;
            StandardOutput = standardOutput;
            StandardError = standardError;
        }

        public int ExitCode { get; }
        public string StandardOutput { get; }
        public string StandardError { get; }
    }

    /// <summary>Runs short-lived native commands with a hard timeout and captured output.</summary>
    internal static class ProcessRunner
    {
        public static ProcessResult Run(string fileName, IEnumerable<string> arguments, TimeSpan timeout)
        {
            var startInfo = new ProcessStartInfo
            {
                FileName = fileName,
                Arguments = JoinArguments(arguments),
                UseShellExecute = false,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                StandardOutputEncoding = Encoding.UTF8,
                StandardErrorEncoding = Encoding.UTF8,
            };

            using (var process = new Process { StartInfo = startInfo })
            {
                try
                {
                    process.Start();
                }
                catch (Exception ex)
                {
                    throw new InvalidOperationException($"Cannot start '{fileName}': {ex.Message}", ex);
                }

                // Nothing ever reads our stdin; closing it stops a command from waiting for input.
                process.StandardInput.Close();
                Task<string> stdout = process.StandardOutput.ReadToEndAsync();
                Task<string> stderr = process.StandardError.ReadToEndAsync();

                if (!process.WaitForExit((int)timeout.TotalMilliseconds))
                {
                    TryKill(process);
                    throw new TimeoutException(
                        $"'{fileName} {startInfo.Arguments}' did not finish within {timeout.TotalSeconds:0.#} s.");
                }

                // The parameterless wait also waits for the redirected streams to reach EOF.
                process.WaitForExit();
                return new ProcessResult(process.ExitCode, stdout.Result, stderr.Result);
            }
        }

        /// <summary>Runs a command and throws, with its stderr, when it exits non-zero.</summary>
        public static string RunChecked(string fileName, IEnumerable<string> arguments, TimeSpan timeout)
        {
            ProcessResult result = Run(fileName, arguments, timeout);
            if (result.ExitCode != 0)
            {
                throw new InvalidOperationException(
                    $"'{fileName} {JoinArguments(arguments)}' failed with exit code {result.ExitCode}: " +
                    (result.StandardError.Trim().Length > 0 ? result.StandardError.Trim() : result.StandardOutput.Trim()));
            }

            return result.StandardOutput;
        }

        /// <summary>Finds an executable on PATH or in the sbin folders a non-login shell may lack.</summary>
        public static string? FindExecutable(string name, params string[] extraDirectories)
        {
            var directories = new List<string>();
            string? path = Environment.GetEnvironmentVariable("PATH");
            if (path != null)
            {
                directories.AddRange(path.Split(new[] { Path.PathSeparator }, StringSplitOptions.RemoveEmptyEntries));
            }

            directories.AddRange(extraDirectories);
            directories.AddRange(new[] { "/usr/sbin", "/usr/local/sbin", "/sbin", "/usr/bin", "/bin" });
            foreach (string directory in directories)
            {
                string candidate = Path.Combine(directory, name);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }

            return null;
        }

        /// <summary>Quotes arguments the way .NET's argument parser on Unix splits them back.</summary>
        public static string JoinArguments(IEnumerable<string> arguments)
        {
            var builder = new StringBuilder();
            foreach (string argument in arguments)
            {
                if (builder.Length > 0)
                {
                    builder.Append(' ');
                }

                if (argument.Length > 0 && argument.IndexOfAny(new[] { ' ', '\t', '"', '\\', '\'' }) < 0)
                {
                    builder.Append(argument);
                    continue;
                }

                // The runtime splits arguments with the Windows convention on every OS: backslashes
                // are literal unless they precede a quote, so only those runs are doubled.
                builder.Append('"');
                int pendingBackslashes = 0;
                foreach (char c in argument)
                {
                    if (c == '\\')
                    {
                        pendingBackslashes++;
                        continue;
                    }

                    if (c == '"')
                    {
                        builder.Append('\\', pendingBackslashes * 2 + 1);
                    }
                    else
                    {
                        builder.Append('\\', pendingBackslashes);
                    }

                    pendingBackslashes = 0;
                    builder.Append(c);
                }

                builder.Append('\\', pendingBackslashes * 2);
                builder.Append('"');
            }

            return builder.ToString();
        }

        public static void TryKill(Process process)
        {
            try
            {
                if (!process.HasExited)
                {
                    process.Kill();
                }
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }
            catch (System.ComponentModel.Win32Exception)
            {
                // Already gone or not ours.
            }
        }
    }
}
