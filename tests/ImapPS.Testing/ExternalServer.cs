using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Threading;

namespace ImapPS.Testing
{
    /// <summary>
    /// A private Cyrus IMAP 3.6 or Courier-IMAP 5.0 instance on 127.0.0.1 for one test run, started
    /// by the shared starter scripts (<c>../shared/servers/&lt;kind&gt;/up.sh DIR PORT PORTS</c>) in a
    /// folder and on ports of its own, so parallel runs never collide, and stopped (and its folder
    /// removed) by <c>down.sh DIR --purge</c> on <see cref="Dispose"/> or when the process exits.
    /// The scripts install what they need with apt; the users are alice/secret and bob/secret.
    /// </summary>
    public sealed class ExternalServer : IDisposable
    {
        /// <summary>The password of both users the starter scripts create.</summary>
        public const string Password = "secret";

        private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(6);
        private static readonly object LiveLock = new object();
        private static readonly List<ExternalServer> Live = new List<ExternalServer>();
        private static bool exitHooked;

        private readonly string scriptDirectory;
        private int stopped;

        private ExternalServer(string kind, string scriptDirectory, string directory, int imapPort, int imapsPort, TimeSpan startTime, string log)
        {
            Kind = kind;
            this.scriptDirectory = scriptDirectory;
            Directory = directory;
            ImapPort = imapPort;
            ImapsPort = imapsPort;
            StartTime = startTime;
            StartLog = log;
        }

        /// <summary><c>cyrus</c> or <c>courier</c>.</summary>
        public string Kind { get; }

        /// <summary>The instance's folder (config, spool, logs).</summary>
        public string Directory { get; }

        /// <summary>Always 127.0.0.1.</summary>
        public string Host => "127.0.0.1";

        /// <summary>Plain IMAP with STARTTLS.</summary>
        public int ImapPort { get; }

        /// <summary>Implicit TLS (self-signed certificate, CN=localhost).</summary>
        public int ImapsPort { get; }

        /// <summary>How long up.sh took (package installs included on a fresh machine).</summary>
        public TimeSpan StartTime { get; }

        /// <summary>What up.sh printed.</summary>
        public string StartLog { get; }

        /// <summary>The instance's self-signed certificate (PEM), for trusting it in TLS tests.</summary>
        public string CertificatePath => Kind == "cyrus" ? Path.Combine(Directory, "cert.pem") : Path.Combine(Directory, "etc", "cert.pem");

        /// <summary>The folder holding <c>up.sh</c> and <c>down.sh</c> for <paramref name="kind"/>, or null when ../shared (or IMAPPS_SHARED) lacks it.</summary>
        public static string? FindScripts(string kind)
        {
            string? shared = RepositoryLayout.FindSharedDirectory();
            if (shared == null) return null;
            string dir = Path.Combine(shared, "servers", kind);
            return File.Exists(Path.Combine(dir, "up.sh")) && File.Exists(Path.Combine(dir, "down.sh")) ? dir : null;
        }

        /// <summary>
        /// Why <paramref name="kind"/> cannot be had on this machine (no starter scripts, not Linux,
        /// not root), or null when it can: then a failure to start is a test failure, not a skip.
        /// </summary>
        public static string? UnavailableReason(string kind)
        {
            if (FindScripts(kind) == null)
                return "needs ../shared/servers/" + kind + "/up.sh (set IMAPPS_SHARED): not present beside this clone";
            if (Path.DirectorySeparatorChar != '/' || !File.Exists("/usr/bin/apt-get"))
                return "the " + kind + " starter needs a Debian-like Linux with apt-get";
            if (!string.Equals(Environment.UserName, "root", StringComparison.Ordinal))
                return "the " + kind + " starter installs packages and runs the daemons as user mail: it needs root";
            return null;
        }

        /// <summary>Starts an instance of <paramref name="kind"/> (<c>cyrus</c> or <c>courier</c>); throws with up.sh's output when that fails.</summary>
        public static ExternalServer Start(string kind)
        {
            string? reason = UnavailableReason(kind);
            if (reason != null) throw new InvalidOperationException(reason);
            string scripts = FindScripts(kind)!;
            string dir = Path.Combine(Path.GetTempPath(), "imapps-" + kind + "-" + Process.GetCurrentProcess().Id + "-" + Guid.NewGuid().ToString("N").Substring(0, 8));
            int[] ports = FreePorts(2);
            var clock = Stopwatch.StartNew();
            ProcessResult result;
            try
            {
                result = ProcessRunner.Run("/bin/bash", new[] { Path.Combine(scripts, "up.sh"), dir, ports[0].ToString(), ports[1].ToString() }, StartTimeout);
            }
            catch (Exception e)
            {
                RunDown(scripts, dir);
                throw new InvalidOperationException("Starting " + kind + " (" + Path.Combine(scripts, "up.sh") + " " + dir + ") failed: " + e.Message, e);
            }
            string log = (result.StandardOutput + result.StandardError).Trim();
            if (result.ExitCode != 0)
            {
                RunDown(scripts, dir);
                throw new InvalidOperationException("Starting " + kind + " failed: up.sh exited with " + result.ExitCode + ":\n" + log);
            }
            var server = new ExternalServer(kind, scripts, dir, ports[0], ports[1], clock.Elapsed, log);
            lock (LiveLock)
            {
                Live.Add(server);
                if (!exitHooked)
                {
                    exitHooked = true;
                    AppDomain.CurrentDomain.ProcessExit += (_, __) => StopAll();
                }
            }
            return server;
        }

        /// <summary>Stops the instance and removes its folder. Idempotent.</summary>
        public void Dispose()
        {
            if (Interlocked.Exchange(ref stopped, 1) != 0) return;
            lock (LiveLock) Live.Remove(this);
            RunDown(scriptDirectory, Directory);
        }

        private static void StopAll()
        {
            ExternalServer[] all;
            lock (LiveLock) all = Live.ToArray();
            foreach (var s in all) s.Dispose();
        }

        private static void RunDown(string scripts, string dir)
        {
            try
            {
                ProcessRunner.Run("/bin/bash", new[] { Path.Combine(scripts, "down.sh"), dir, "--purge" }, TimeSpan.FromSeconds(60));
            }
            catch (Exception)
            {
                // Best effort: the instance's folder is under the temp directory and names this process.
            }
        }

        private static int[] FreePorts(int count)
        {
            var listeners = new List<TcpListener>();
            try
            {
                for (int i = 0; i < count; i++)
                {
                    var l = new TcpListener(IPAddress.Loopback, 0);
                    l.Start();
                    listeners.Add(l);
                }
                var ports = new int[count];
                for (int i = 0; i < count; i++) ports[i] = ((IPEndPoint)listeners[i].LocalEndpoint).Port;
                return ports;
            }
            finally
            {
                foreach (var l in listeners) l.Stop();
            }
        }

        /// <inheritdoc />
        public override string ToString() => Kind + " on 127.0.0.1:" + ImapPort + "/" + ImapsPort + " (" + Directory + ")";
    }
}
