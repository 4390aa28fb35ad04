using System.Collections.Generic;
using System.Diagnostics;

namespace ImapPS.Testing
{
    /// <summary>An executable and its arguments, kept apart so callers need not re-split a string.</summary>
    public sealed class CommandLine
    {
        /// <summary>Creates a command line.</summary>
        public CommandLine(string fileName, IReadOnlyList<string> arguments)
        {
            FileName = fileName;
            Arguments = arguments;
        }

        /// <summary>The executable's path.</summary>
        public string FileName { get; }

        /// <summary>The arguments, unquoted.</summary>
        public IReadOnlyList<string> Arguments { get; }

        /// <summary>The arguments joined and quoted for <see cref="ProcessStartInfo.Arguments"/>.</summary>
        public string ArgumentString => ProcessRunner.JoinArguments(Arguments);

        /// <summary>A start info with stdin and stdout redirected, as a stream transport needs.</summary>
        public ProcessStartInfo ToProcessStartInfo() => new ProcessStartInfo
        {
            FileName = FileName,
            Arguments = ArgumentString,
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };

        /// <inheritdoc />
        public override string ToString() => FileName + " " + ArgumentString;
    }
}
