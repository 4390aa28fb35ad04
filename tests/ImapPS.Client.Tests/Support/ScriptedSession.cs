using System;
using System.IO;

namespace ImapPS.Client.Tests.Support
{
    /// <summary>
    /// What the engine's scripted-server tests share: how long to wait for a script, the server with
    /// a generous per-step timeout, and client options with a quiet debug log.
    /// Use with <c>using static ImapPS.Client.Tests.Support.ScriptedSession;</c>.
    /// </summary>
    internal static class ScriptedSession
    {
        /// <summary>How long a test waits for the server's script to finish.</summary>
        public static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

        /// <summary>Starts a scripted server whose steps wait up to 15 s for the client.</summary>
        public static ScriptedImapServer Start(ServerScript script)
            => ScriptedImapServer.Start(new ScriptedServerOptions { StepTimeout = TimeSpan.FromSeconds(15) }, script);

        /// <summary>Client options: a response timeout of <paramref name="timeoutSeconds"/>, debug output to <paramref name="debug"/> (none by default).</summary>
        public static ImapClientOptions Options(int timeoutSeconds = 20, TextWriter? debug = null, int level = 0)
            => new ImapClientOptions { ResponseTimeout = TimeSpan.FromSeconds(timeoutSeconds), DebugWriter = debug ?? TextWriter.Null, DebugLevel = level };
    }
}
