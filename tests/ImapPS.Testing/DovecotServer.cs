using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading;

namespace ImapPS.Testing
{
    /// <summary>
    /// A private Dovecot IMAP server on 127.0.0.1 for one test run: its own temp folder, config,
    /// users, self-signed certificate and free ports. It never touches the system Dovecot service,
    /// its configuration or its ports.
    /// </summary>
    /// <remarks>
    /// Dovecot runs in the foreground under a small shell watchdog whose stdin is a pipe held by this
    /// process. When this process ends for any reason, even a crash, the pipe closes and the
    /// watchdog terminates Dovecot, so a failed test run cannot leave a server behind.
    /// </remarks>
    public sealed class DovecotServer : IDisposable
    {
        /// <summary>The default password of alice: a double quote, a backslash and a space, so every
        /// client has to quote and escape it correctly.</summary>
        public const string AlicePassword = "pa\"ss\\ word";

        /// <summary>The default password of bob: nothing that needs quoting.</summary>
        public const string BobPassword = "bobsecret7";

        private const string DovecotInstallHint =
            "Install it with: apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y dovecot-imapd";

        // Dovecot's default auth_username_chars; a name outside it would be refused at login.
        private const string UsernameChars =
            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ01234567890.-_@";

        private const string WatchdogScript =
            "dovecot=\"$1\"; conf=\"$2\"; dir=\"$3\"\n" +
            "exec >>\"$dir/watchdog.log\" 2>&1\n" +
            "\"$dovecot\" -F -c \"$conf\" </dev/null >>\"$dir/dovecot.stderr\" 2>&1 &\n" +
            "pid=$!\n" +
            "echo \"$pid\" >\"$dir/dovecot.pid.tmp\" && mv \"$dir/dovecot.pid.tmp\" \"$dir/dovecot.pid\"\n" +
            "# stdin is a pipe from the test process: EOF means it stopped us or died.\n" +
            "while read -r _; do :; done\n" +
            "kill -TERM \"$pid\" 2>/dev/null\n" +
            "( sleep 10; kill -KILL \"$pid\" 2>/dev/null ) &\n" +
            "killer=$!\n" +
            "wait \"$pid\"\n" +
            "kill \"$killer\" 2>/dev/null\n" +
            "exit 0\n";

        private static readonly object LiveServersLock = new object();
        private static readonly HashSet<DovecotServer> LiveServers = new HashSet<DovecotServer>();
        private static bool processExitHooked;
        private static long maildirSequence;

        private readonly object stateLock = new object();
        private readonly DovecotOptions options;
        private readonly List<TestUser> users = new List<TestUser>();
        private readonly string dovecotPath;
        private readonly string doveadmPath;
        private readonly string imapPath;
        private readonly bool runningAsRoot;
        private readonly string mailUser;
        private Process? watchdog;
        private int dovecotPid;
        private bool stopped;

        private DovecotServer(DovecotOptions options, string dovecotPath, string doveadmPath, string imapPath)
        {
            this.options = options;
            this.dovecotPath = dovecotPath;
            this.doveadmPath = doveadmPath;
            this.imapPath = imapPath;
            runningAsRoot = string.Equals(Environment.UserName, "root", StringComparison.Ordinal);
            mailUser = runningAsRoot ? "mail" : Environment.UserName;

            RootDirectory = Path.Combine(Path.GetTempPath(), "imapps-dovecot-" + Guid.NewGuid().ToString("N").Substring(0, 12));
            ConfigPath = Path.Combine(RootDirectory, "dovecot.conf");
            CertificatePath = Path.Combine(RootDirectory, "cert.pem");
            KeyPath = Path.Combine(RootDirectory, "key.pem");
            LogPath = Path.Combine(RootDirectory, "dovecot.log");
            PasswdDirectory = Path.Combine(RootDirectory, "passwd.d");
            MailRoot = Path.Combine(RootDirectory, "mail");
            Certificate = null!;
        }

        /// <summary>The address the server listens on: always the IPv4 loopback.</summary>
        public string Host => "127.0.0.1";

        /// <summary>The plain IMAP port (offers STARTTLS).</summary>
        public int ImapPort { get; private set; }

        /// <summary>The implicit-TLS IMAP port.</summary>
        public int ImapsPort { get; private set; }

        /// <summary>The temp folder holding config, sockets, state, logs and mail. Deleted by <see cref="Stop"/>.</summary>
        public string RootDirectory { get; }

        /// <summary>The generated dovecot.conf.</summary>
        public string ConfigPath { get; }

        /// <summary>The server certificate, PEM.</summary>
        public string CertificatePath { get; }

        /// <summary>The server's private key, PEM.</summary>
        public string KeyPath { get; }

        /// <summary>Dovecot's log file.</summary>
        public string LogPath { get; }

        /// <summary>
        /// The folder of passwd-files, one per user (<c>passwd.d/NAME</c>). Dovecot checks a
        /// passwd-file for changes at most once a second, so a single shared file would make a user
        /// added right after a login invisible for up to a second; a file of its own is read fresh.
        /// </summary>
        public string PasswdDirectory { get; }

        /// <summary>The folder under which each user's home (and Maildir) lives.</summary>
        public string MailRoot { get; }

        /// <summary>The self-signed server certificate (CN=localhost, SAN DNS:localhost, IP:127.0.0.1).</summary>
        public X509Certificate2 Certificate { get; private set; }

        /// <summary>The SHA-1 thumbprint of <see cref="Certificate"/>, upper-case hex.</summary>
        public string CertificateThumbprint => Certificate.Thumbprint;

        /// <summary>The options the server was started with.</summary>
        public DovecotOptions Options => options.Clone();

        /// <summary>The users, alice and bob first, then those added by <see cref="AddUser"/>.</summary>
        public IReadOnlyList<TestUser> Users
        {
            get
            {
                lock (stateLock)
                {
                    return users.ToArray();
                }
            }
        }

        /// <summary>The user alice, whose password needs quoting and escaping.</summary>
        public TestUser Alice => GetUser("alice");

        /// <summary>The user bob, with a plain password.</summary>
        public TestUser Bob => GetUser("bob");

        /// <summary>Whether the server is still running (not yet stopped).</summary>
        public bool IsRunning
        {
            get
            {
                lock (stateLock)
                {
                    return !stopped && IsProcessAlive(dovecotPid);
                }
            }
        }

        /// <summary>
        /// Starts a private Dovecot instance and waits until it greets. Throws
        /// <see cref="DovecotException"/>, with the tail of Dovecot's log, when Dovecot is not installed
        /// or does not come up within <see cref="DovecotOptions.StartTimeout"/>.
        /// </summary>
        public static DovecotServer Start(DovecotOptions? options = null)
        {
            options = (options ?? new DovecotOptions()).Clone();
            string dovecot = ProcessRunner.FindExecutable("dovecot")
                ?? throw new DovecotException("Dovecot is not installed ('dovecot' not found on PATH or in /usr/sbin). " + DovecotInstallHint);
            string doveadm = ProcessRunner.FindExecutable("doveadm")
                ?? throw new DovecotException("doveadm is not installed. " + DovecotInstallHint);
            string imap = new[] { "/usr/lib/dovecot/imap", "/usr/libexec/dovecot/imap", "/usr/local/libexec/dovecot/imap" }
                .FirstOrDefault(File.Exists)
                ?? throw new DovecotException("Dovecot's imap binary was not found in /usr/lib/dovecot. " + DovecotInstallHint);

            RemoveStaleFolders();
            var server = new DovecotServer(options, dovecot, doveadm, imap);
            try
            {
                server.Prepare();
                server.Launch();
                return server;
            }
            catch
            {
                server.Stop();
                throw;
            }
        }

        /// <summary>Returns the user with this name.</summary>
        public TestUser GetUser(string name)
        {
            lock (stateLock)
            {
                return users.FirstOrDefault(u => u.Name == name)
                    ?? throw new ArgumentException($"No user '{name}' on this server.", nameof(name));
            }
        }

        /// <summary>
        /// Adds a user with a passwd-file of its own, which Dovecot reads at the user's first login,
        /// so the user can log in at once; tests use this to get a fresh, isolated mailbox. (Dovecot
        /// caches a failed lookup's file state for the rest of that second, so do not try a name
        /// before adding it.)
        /// </summary>
        public TestUser AddUser(string name, string password)
        {
            if (string.IsNullOrEmpty(name) || name.Any(c => UsernameChars.IndexOf(c) < 0))
            {
                throw new ArgumentException($"User name '{name}' must be non-empty and use only {UsernameChars}.", nameof(name));
            }

            if (password == null || password.IndexOfAny(new[] { ':', '\r', '\n', '\0' }) >= 0)
            {
                throw new ArgumentException("A passwd-file password cannot contain ':', CR, LF or NUL.", nameof(password));
            }

            var user = new TestUser(name, password);
            lock (stateLock)
            {
                if (users.Any(u => u.Name == name))
                {
                    throw new ArgumentException($"User '{name}' already exists.", nameof(name));
                }

                WritePasswdFile(user);
                users.Add(user);
            }

            return user;
        }

        /// <summary>
        /// The command that runs an already-authenticated IMAP session on stdin/stdout (the PREAUTH
        /// stream transport): <c>/usr/lib/dovecot/imap -c CONF -u USER</c>.
        /// </summary>
        public CommandLine StreamCommand(string user)
        {
            GetUser(user);
            return new CommandLine(imapPath, new[] { "-c", ConfigPath, "-u", user });
        }

        /// <summary>
        /// Runs <c>doveadm -c CONF args…</c> and returns its stdout. Throws
        /// <see cref="DovecotException"/> with doveadm's stderr when it fails or exceeds
        /// <see cref="DovecotOptions.DoveadmTimeout"/>.
        /// </summary>
        public string Doveadm(params string[] args)
        {
            var arguments = new List<string> { "-c", ConfigPath };
            arguments.AddRange(args);
            try
            {
                return ProcessRunner.RunChecked(doveadmPath, arguments, options.DoveadmTimeout);
            }
            catch (Exception ex) when (ex is InvalidOperationException || ex is TimeoutException)
            {
                throw new DovecotException(ex.Message, ex);
            }
        }

        /// <summary>
        /// The maildir folder that holds <paramref name="mailbox"/> of <paramref name="user"/>
        /// (Maildir++ layout: INBOX is the home itself, <c>A/B</c> is <c>.A.B</c>).
        /// </summary>
        public string GetMaildirPath(string user, string mailbox)
        {
            string home = Path.Combine(MailRoot, user);
            if (string.Equals(mailbox, "INBOX", StringComparison.OrdinalIgnoreCase))
            {
                return home;
            }

            string[] parts = mailbox.Split('/');
            if (parts.Any(p => p.Length == 0 || p.IndexOf('.') >= 0))
            {
                throw new ArgumentException(
                    $"Mailbox '{mailbox}' cannot be stored in Maildir++: no empty levels and no '.' in names.", nameof(mailbox));
            }

            return Path.Combine(home, "." + string.Join(".", parts.Select(ModifiedUtf7.Encode)));
        }

        /// <summary>
        /// Writes messages straight into a user's maildir (far faster than APPEND), creating the
        /// mailbox if needed, then runs <c>doveadm force-resync</c> so no client pays for indexing.
        /// Messages get UIDs in the order given; INTERNALDATE comes from the file's mtime and flags
        /// from the maildir name. Returns the number of messages written.
        /// </summary>
        public int SeedMaildir(string user, string mailbox, IEnumerable<SeedMessage> messages)
        {
            if (messages == null)
            {
                throw new ArgumentNullException(nameof(messages));
            }

            GetUser(user);
            string folder = GetMaildirPath(user, mailbox);
            string cur = Path.Combine(folder, "cur");
            Directory.CreateDirectory(cur);
            Directory.CreateDirectory(Path.Combine(folder, "new"));
            Directory.CreateDirectory(Path.Combine(folder, "tmp"));
            if (!string.Equals(mailbox, "INBOX", StringComparison.OrdinalIgnoreCase))
            {
                string marker = Path.Combine(folder, "maildirfolder");
                if (!File.Exists(marker))
                {
                    File.WriteAllBytes(marker, new byte[0]);
                }
            }

            int processId = Process.GetCurrentProcess().Id;
            int count = 0;
            foreach (SeedMessage message in messages)
            {
                // Dovecot gives new files UIDs in the order of the time stamp that starts their name,
                // so a strictly increasing counter keeps the caller's order.
                long sequence = Interlocked.Increment(ref maildirSequence);
                string name = string.Format(
                    CultureInfo.InvariantCulture,
                    "{0}.M{1}P{2}.imapps,S={3},W={4}:2,{5}",
                    1_000_000_000L + sequence,
                    sequence % 1_000_000,
                    processId,
                    message.Bytes.Length,
                    VirtualSize(message.Bytes),
                    MaildirFlags(message.Flags));
                string path = Path.Combine(cur, name);
                File.WriteAllBytes(path, message.Bytes);
                File.SetLastWriteTimeUtc(path, message.InternalDate.UtcDateTime);
                count++;
            }

            GiveToMailUser(Path.Combine(MailRoot, user));
            Doveadm("force-resync", "-u", user, mailbox);
            return count;
        }

        /// <summary>
        /// Writes messages into a user's maildir <c>new/</c> folder the way a delivery agent does (into
        /// <c>tmp/</c>, then renamed), without telling Dovecot: it finds them at the next sync, so this
        /// works while the server is stopped (<see cref="StopKeepingMail"/>). Creates the mailbox folder
        /// if needed. Returns the number of messages written.
        /// </summary>
        public int DeliverToMaildir(string user, string mailbox, IEnumerable<SeedMessage> messages)
        {
            if (messages == null)
            {
                throw new ArgumentNullException(nameof(messages));
            }

            GetUser(user);
            string folder = GetMaildirPath(user, mailbox);
            string tmp = Path.Combine(folder, "tmp");
            string fresh = Path.Combine(folder, "new");
            Directory.CreateDirectory(Path.Combine(folder, "cur"));
            Directory.CreateDirectory(fresh);
            Directory.CreateDirectory(tmp);
            if (!string.Equals(mailbox, "INBOX", StringComparison.OrdinalIgnoreCase) && !File.Exists(Path.Combine(folder, "maildirfolder")))
            {
                File.WriteAllBytes(Path.Combine(folder, "maildirfolder"), new byte[0]);
            }

            int processId = Process.GetCurrentProcess().Id;
            int count = 0;
            foreach (SeedMessage message in messages)
            {
                long sequence = Interlocked.Increment(ref maildirSequence);
                string name = string.Format(CultureInfo.InvariantCulture, "{0}.M{1}P{2}.imapps-lda", 1_000_000_000L + sequence, sequence % 1_000_000, processId);
                string path = Path.Combine(tmp, name);
                File.WriteAllBytes(path, message.Bytes);
                File.Move(path, Path.Combine(fresh, name));
                count++;
            }

            GiveToMailUser(Path.Combine(MailRoot, user));
            return count;
        }

        /// <summary>
        /// Changes a message's flags behind Dovecot's back, as another maildir client (mutt, an MDA)
        /// would: renames its file's <c>:2,</c> suffix to <paramref name="maildirFlags"/> (letters such as
        /// <c>FS</c>: F flagged, S seen, R replied, T trashed, D draft), moving it into <c>cur/</c>.
        /// Dovecot finds the change at its next sync of the folder. The message is found by UID in
        /// <c>dovecot-uidlist</c>.
        /// </summary>
        public void SetMaildirFlags(string user, string mailbox, uint uid, string maildirFlags)
        {
            string file = FindMaildirFile(user, mailbox, uid);
            string folder = GetMaildirPath(user, mailbox);
            string name = Path.GetFileName(file);
            int colon = name.IndexOf(":2,", StringComparison.Ordinal);
            string baseName = colon >= 0 ? name.Substring(0, colon) : name;
            string sorted = new string(maildirFlags.OrderBy(c => c).Distinct().ToArray());
            File.Move(file, Path.Combine(folder, "cur", baseName + ":2," + sorted));
        }

        /// <summary>Deletes a message's file behind Dovecot's back (found by UID in <c>dovecot-uidlist</c>): Dovecot expunges it at its next sync of the folder.</summary>
        public void RemoveFromMaildir(string user, string mailbox, uint uid) => File.Delete(FindMaildirFile(user, mailbox, uid));

        private string FindMaildirFile(string user, string mailbox, uint uid)
        {
            string folder = GetMaildirPath(user, mailbox);
            string? baseName = null;
            // dovecot-uidlist: a header line, then "<uid> [<extensions>] :<file name up to the flags>".
            foreach (string line in File.ReadAllLines(Path.Combine(folder, "dovecot-uidlist")).Skip(1))
            {
                int space = line.IndexOf(' ');
                int colon = line.IndexOf(" :", StringComparison.Ordinal);
                if (space <= 0 || colon < 0) continue;
                if (line.Substring(0, space) == uid.ToString(CultureInfo.InvariantCulture)) baseName = line.Substring(colon + 2);
            }
            if (baseName == null) throw new InvalidOperationException($"UID {uid} is not in {folder}/dovecot-uidlist.");
            foreach (string sub in new[] { "cur", "new" })
                foreach (string file in Directory.GetFiles(Path.Combine(folder, sub)))
                {
                    string name = Path.GetFileName(file);
                    if (name == baseName || name.StartsWith(baseName + ":", StringComparison.Ordinal)) return file;
                }
            throw new InvalidOperationException($"The file of UID {uid} ({baseName}) is not in {folder}.");
        }

        /// <summary>
        /// Deletes a mailbox's maildir folder and makes an empty one in its place, behind Dovecot's
        /// back (call it while the server is stopped): the mailbox comes back with a new UIDVALIDITY.
        /// </summary>
        public void RecreateMaildirFolder(string user, string mailbox)
        {
            if (string.Equals(mailbox, "INBOX", StringComparison.OrdinalIgnoreCase))
            {
                throw new ArgumentException("INBOX is the user's home: re-create another mailbox.", nameof(mailbox));
            }

            string folder = GetMaildirPath(user, mailbox);
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }

            foreach (string sub in new[] { "cur", "new", "tmp" })
            {
                Directory.CreateDirectory(Path.Combine(folder, sub));
            }

            File.WriteAllBytes(Path.Combine(folder, "maildirfolder"), new byte[0]);

            // The mailbox list index remembers each mailbox's UIDVALIDITY and would hand the old one
            // to the new folder; without it Dovecot gives the folder a new one, as after a DELETE and CREATE.
            foreach (string index in Directory.GetFiles(Path.Combine(MailRoot, user), "dovecot.list.index*"))
            {
                File.Delete(index);
            }

            GiveToMailUser(Path.Combine(MailRoot, user));
        }

        /// <summary>
        /// Kills Dovecot and all its processes (every connection drops at once) but keeps its folder, configuration, ports and mail,
        /// so <see cref="StartAgain"/> brings the same server back. Returns once it has exited.
        /// </summary>
        public void StopKeepingMail()
        {
            lock (stateLock)
            {
                if (stopped)
                {
                    throw new InvalidOperationException("The server has been stopped for good.");
                }
            }

            // Killed, not asked to stop: after SIGTERM the master exits but an imap process may go on
            // serving its connection for a while. Like a crash or a power cut, every connection drops now.
            KillTree(dovecotPid);
            StopProcesses();
        }

        /// <summary>
        /// Starts Dovecot again after <see cref="StopKeepingMail"/>, on the same ports with the same
        /// configuration and mail, and waits until it greets.
        /// </summary>
        public void StartAgain()
        {
            lock (stateLock)
            {
                if (stopped)
                {
                    throw new InvalidOperationException("The server has been stopped for good.");
                }
            }

            if (IsProcessAlive(dovecotPid))
            {
                throw new InvalidOperationException("Dovecot is still running.");
            }

            StartWatchdog();
            string? failure = WaitUntilReady();
            if (failure != null)
            {
                throw new DovecotException($"Dovecot did not start again: {failure}.\nLast lines of its log:\n" + LogTail());
            }
        }

        /// <summary>
        /// Stops the server (SIGTERM to the master, as doveadm stop sends; a kill of the whole process
        /// tree if it lingers), waits for it to exit and deletes its folder. Safe to call more than once.
        /// </summary>
        public void Stop() => StopCore();

        /// <inheritdoc />
        public void Dispose() => Stop();

        /// <inheritdoc />
        public override string ToString() => $"Dovecot {Host} imap={ImapPort} imaps={ImapsPort} ({RootDirectory})";

        private void Prepare()
        {
            Directory.CreateDirectory(RootDirectory);
            Directory.CreateDirectory(MailRoot);
            Directory.CreateDirectory(Path.Combine(RootDirectory, "run"));
            Directory.CreateDirectory(Path.Combine(RootDirectory, "state"));
            CreateCertificate();

            lock (stateLock)
            {
                Directory.CreateDirectory(PasswdDirectory);
                users.Add(new TestUser("alice", AlicePassword));
                users.Add(new TestUser("bob", BobPassword));
                users.ForEach(WritePasswdFile);
            }

            GiveToMailUser(MailRoot);
        }

        private void CreateCertificate()
        {
            string openssl = ProcessRunner.FindExecutable("openssl")
                ?? throw new DovecotException("The openssl command is needed to make the test certificate (apt-get install -y openssl).");
            try
            {
                ProcessRunner.RunChecked(
                    openssl,
                    new[]
                    {
                        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", "30",
                        "-subj", "/CN=localhost",
                        "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                        "-keyout", KeyPath, "-out", CertificatePath,
                    },
                    TimeSpan.FromSeconds(30));
            }
            catch (Exception ex) when (ex is InvalidOperationException || ex is TimeoutException)
            {
                throw new DovecotException("Creating the test certificate failed: " + ex.Message, ex);
            }

            Certificate = LoadPemCertificate(CertificatePath);
        }

        private static X509Certificate2 LoadPemCertificate(string path)
        {
            const string Begin = "-----BEGIN CERTIFICATE-----";
            const string End = "-----END CERTIFICATE-----";
            string pem = File.ReadAllText(path);
            int start = pem.IndexOf(Begin, StringComparison.Ordinal);
            int end = pem.IndexOf(End, StringComparison.Ordinal);
            if (start < 0 || end < start)
            {
                throw new DovecotException($"'{path}' holds no PEM certificate.");
            }

            string base64 = pem.Substring(start + Begin.Length, end - start - Begin.Length);
            return new X509Certificate2(Convert.FromBase64String(base64));
        }

        private void Launch()
        {
            const int MaxAttempts = 5;
            for (int attempt = 1; ; attempt++)
            {
                ImapPort = FreePort();
                do
                {
                    ImapsPort = FreePort();
                }
                while (ImapsPort == ImapPort);

                File.WriteAllText(ConfigPath, BuildConfiguration(), new UTF8Encoding(false));
                StartWatchdog();
                Register(this);

                string? failure = WaitUntilReady();
                if (failure == null)
                {
                    return;
                }

                string log = LogTail();
                StopProcesses();
                bool portClash = log.IndexOf("Address already in use", StringComparison.OrdinalIgnoreCase) >= 0;
                if (portClash && attempt < MaxAttempts)
                {
                    // Another process took a port between our probe and Dovecot's bind: pick again.
                    ResetLogs();
                    continue;
                }

                throw new DovecotException(
                    $"Dovecot did not start: {failure} (config {ConfigPath}, ports {ImapPort}/{ImapsPort}).\n" +
                    "Last lines of its log:\n" + log);
            }
        }

        private void StartWatchdog()
        {
            string pidFile = Path.Combine(RootDirectory, "dovecot.pid");
            File.Delete(pidFile);
            var startInfo = new ProcessStartInfo
            {
                FileName = "/bin/sh",
                Arguments = ProcessRunner.JoinArguments(new[] { "-c", WatchdogScript, "imapps-dovecot-watchdog", dovecotPath, ConfigPath, RootDirectory }),
                UseShellExecute = false,
                RedirectStandardInput = true,
            };

            try
            {
                watchdog = Process.Start(startInfo) ?? throw new DovecotException("/bin/sh did not start.");
            }
            catch (System.ComponentModel.Win32Exception ex)
            {
                throw new DovecotException("Cannot start /bin/sh to run Dovecot: " + ex.Message, ex);
            }

            var deadline = Stopwatch.StartNew();
            while (!File.Exists(pidFile))
            {
                if (watchdog.HasExited || deadline.Elapsed > TimeSpan.FromSeconds(5))
                {
                    throw new DovecotException("The Dovecot watchdog did not start Dovecot. " + LogTail());
                }

                Thread.Sleep(10);
            }

            dovecotPid = int.Parse(File.ReadAllText(pidFile).Trim(), CultureInfo.InvariantCulture);
        }

        /// <summary>Returns null once the plain port greets, or why it did not.</summary>
        private string? WaitUntilReady()
        {
            var deadline = Stopwatch.StartNew();
            string lastError = "no attempt";
            while (deadline.Elapsed < options.StartTimeout)
            {
                if (!IsProcessAlive(dovecotPid))
                {
                    return "the dovecot process exited";
                }

                try
                {
                    using (var client = new TcpClient(AddressFamily.InterNetwork))
                    {
                        client.ReceiveTimeout = 2000;
                        client.SendTimeout = 2000;
                        if (!client.ConnectAsync(IPAddress.Loopback, ImapPort).Wait(1000))
                        {
                            lastError = "connect timed out";
                            continue;
                        }

                        var buffer = new byte[512];
                        int read = client.GetStream().Read(buffer, 0, buffer.Length);
                        string greeting = Encoding.ASCII.GetString(buffer, 0, read);
                        if (greeting.StartsWith("* OK", StringComparison.Ordinal))
                        {
                            return null;
                        }

                        lastError = "unexpected greeting: " + greeting.Trim();
                    }
                }
                catch (Exception ex) when (ex is SocketException || ex is IOException || ex is AggregateException)
                {
                    lastError = ex.GetBaseException().Message;
                }

                // Readiness polling while the master binds its listeners; not test synchronisation.
                Thread.Sleep(50);
            }

            return $"no greeting on port {ImapPort} within {options.StartTimeout.TotalSeconds:0.#} s ({lastError})";
        }

        private string BuildConfiguration()
        {
            string root = RootDirectory;
            var mailPlugins = new List<string>();
            var imapPlugins = new List<string>();
            if (options.Quota)
            {
                mailPlugins.Add("quota");
                imapPlugins.Add("imap_quota");
            }

            if (options.Acl)
            {
                mailPlugins.Add("acl");
                imapPlugins.Add("imap_acl");
            }

            if (options.Compress)
            {
                mailPlugins.Add("zlib");
                imapPlugins.Add("imap_zlib");
            }

            var c = new StringBuilder();
            c.AppendLine("# Generated by ImapPS.Testing for a private test instance; not the system configuration.");
            c.AppendLine("protocols = imap");
            c.AppendLine("listen = 127.0.0.1");
            c.AppendLine($"base_dir = {root}/run");
            c.AppendLine($"state_dir = {root}/state");
            c.AppendLine($"log_path = {LogPath}");
            c.AppendLine("auth_verbose = yes");
            c.AppendLine("auth_failure_delay = 0");
            c.AppendLine("ssl = yes");
            c.AppendLine($"ssl_cert = <{CertificatePath}");
            c.AppendLine($"ssl_key = <{KeyPath}");
            c.AppendLine("disable_plaintext_auth = no");
            c.AppendLine("auth_mechanisms = plain login cram-md5");
            c.AppendLine("mail_location = maildir:~");
            c.AppendLine($"mail_uid = {mailUser}");
            c.AppendLine($"mail_gid = {mailUser}");
            c.AppendLine("first_valid_uid = 1");
            c.AppendLine("first_valid_gid = 1");
            if (!runningAsRoot)
            {
                c.AppendLine($"default_internal_user = {mailUser}");
                c.AppendLine($"default_login_user = {mailUser}");
            }

            if (options.FsyncNever)
            {
                c.AppendLine("mail_fsync = never");
            }

            if (mailPlugins.Count > 0)
            {
                c.AppendLine("mail_plugins = $mail_plugins " + string.Join(" ", mailPlugins));
            }

            if (options.Metadata)
            {
                c.AppendLine("mail_attribute_dict = file:%h/dovecot-attributes");
            }

            c.AppendLine("namespace inbox {");
            c.AppendLine("  inbox = yes");
            c.AppendLine("  separator = /");
            c.AppendLine("  mailbox Drafts {\n    special_use = \\Drafts\n    auto = subscribe\n  }");
            c.AppendLine("  mailbox Sent {\n    special_use = \\Sent\n    auto = subscribe\n  }");
            c.AppendLine("  mailbox Trash {\n    special_use = \\Trash\n    auto = subscribe\n  }");
            c.AppendLine("  mailbox Junk {\n    special_use = \\Junk\n    auto = subscribe\n  }");
            c.AppendLine("}");
            c.AppendLine("passdb {");
            c.AppendLine("  driver = passwd-file");
            c.AppendLine($"  args = scheme=PLAIN username_format=%u {PasswdDirectory}/%u");
            c.AppendLine("}");
            c.AppendLine("userdb {");
            c.AppendLine("  driver = static");
            c.AppendLine($"  args = uid={mailUser} gid={mailUser} home={MailRoot}/%u");
            c.AppendLine("}");
            c.AppendLine("service imap-login {");
            c.AppendLine("  chroot =");
            c.AppendLine($"  inet_listener imap {{\n    address = 127.0.0.1\n    port = {ImapPort}\n  }}");
            c.AppendLine($"  inet_listener imaps {{\n    address = 127.0.0.1\n    port = {ImapsPort}\n    ssl = yes\n  }}");
            c.AppendLine("}");
            c.AppendLine("service anvil {\n  chroot =\n}");
            c.AppendLine("protocol imap {");
            if (imapPlugins.Count > 0)
            {
                c.AppendLine("  mail_plugins = $mail_plugins " + string.Join(" ", imapPlugins));
            }

            c.AppendLine(FormattableString.Invariant($"  mail_max_userip_connections = {options.MaxUserIpConnections}"));
            if (options.Metadata)
            {
                c.AppendLine("  imap_metadata = yes");
            }

            c.AppendLine("}");
            c.AppendLine("plugin {");
            if (options.Quota)
            {
                c.AppendLine("  quota = count:User quota");
                c.AppendLine($"  quota_rule = *:storage={options.QuotaStorageLimit}");
                c.AppendLine("  quota_vsizes = yes");
            }

            if (options.Acl)
            {
                c.AppendLine("  acl = vfile");
            }

            c.AppendLine("}");
            if (!string.IsNullOrEmpty(options.ExtraConfiguration))
            {
                c.AppendLine(options.ExtraConfiguration);
            }

            return c.ToString().Replace("\r\n", "\n");
        }

        private void StopCore()
        {
            lock (stateLock)
            {
                if (stopped)
                {
                    return;
                }

                stopped = true;
            }

            try
            {
                StopProcesses();
            }
            finally
            {
                Unregister(this);
                DeleteRootDirectory();
                Certificate?.Dispose();
            }
        }

        private void StopProcesses()
        {
            // Closing the watchdog's stdin makes it send Dovecot's master SIGTERM, which is all
            // 'doveadm stop' does, and wait for it (the master needs about 1 s to stop its children;
            // doveadm would then poll for another 2 s). A master that ignores it is killed after 10 s.
            Process? shell = watchdog;
            watchdog = null;
            if (shell != null)
            {
                try
                {
                    // EOF on its stdin makes the watchdog terminate Dovecot and wait for it.
                    shell.StandardInput.Close();
                }
                catch (IOException)
                {
                    // The watchdog is already gone.
                }

                if (!shell.WaitForExit(15000))
                {
                    KillTree(dovecotPid);
                    ProcessRunner.TryKill(shell);
                    shell.WaitForExit(5000);
                }

                shell.Dispose();
            }

            if (IsProcessAlive(dovecotPid))
            {
                KillTree(dovecotPid);
            }
        }

        private void DeleteRootDirectory()
        {
            for (int attempt = 0; attempt < 5 && Directory.Exists(RootDirectory); attempt++)
            {
                try
                {
                    Directory.Delete(RootDirectory, recursive: true);
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                {
                    // A process that was just killed may still be closing files in it.
                    Thread.Sleep(100);
                }
            }
        }

        private void ResetLogs()
        {
            foreach (string name in new[] { "dovecot.log", "dovecot.stderr", "watchdog.log" })
            {
                File.Delete(Path.Combine(RootDirectory, name));
            }
        }

        private string LogTail()
        {
            var lines = new List<string>();
            foreach (string name in new[] { "dovecot.stderr", "dovecot.log", "watchdog.log" })
            {
                string path = Path.Combine(RootDirectory, name);
                if (!File.Exists(path))
                {
                    continue;
                }

                string[] content = File.ReadAllLines(path);
                lines.AddRange(content.Skip(Math.Max(0, content.Length - 30)).Select(l => name + ": " + l));
            }

            return lines.Count == 0 ? "(Dovecot wrote no log)" : string.Join("\n", lines);
        }

        private void GiveToMailUser(string path)
        {
            if (!runningAsRoot)
            {
                return;
            }

            try
            {
                ProcessRunner.RunChecked("chown", new[] { "-R", "mail:mail", path }, TimeSpan.FromSeconds(120));
            }
            catch (Exception ex) when (ex is InvalidOperationException || ex is TimeoutException)
            {
                throw new DovecotException($"Cannot give '{path}' to the mail user: {ex.Message}", ex);
            }
        }

        /// <summary>
        /// Deletes folders left by runs that were killed (their Dovecot already stopped by the
        /// watchdog): those whose recorded Dovecot process is gone, or that never got one and are old.
        /// </summary>
        private static void RemoveStaleFolders()
        {
            string[] candidates;
            try
            {
                candidates = Directory.GetDirectories(Path.GetTempPath(), "imapps-dovecot-*");
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                return;
            }

            foreach (string folder in candidates)
            {
                try
                {
                    string pidFile = Path.Combine(folder, "dovecot.pid");
                    bool stale = File.Exists(pidFile)
                        ? !IsProcessAlive(int.TryParse(File.ReadAllText(pidFile).Trim(), out int pid) ? pid : 0)
                        : Directory.GetLastWriteTimeUtc(folder) < DateTime.UtcNow.AddHours(-1);
                    if (stale)
                    {
                        Directory.Delete(folder, recursive: true);
                    }
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                {
                    // Another run is cleaning up too, or the folder is not ours to delete.
                }
            }
        }

        private void WritePasswdFile(TestUser user)
        {
            // Written aside and renamed so Dovecot never reads a half-written line.
            string path = Path.Combine(PasswdDirectory, user.Name);
            string temporary = Path.Combine(RootDirectory, "passwd." + Guid.NewGuid().ToString("N") + ".tmp");
            File.WriteAllText(temporary, $"{user.Name}:{{PLAIN}}{user.Password}:::::\n", new UTF8Encoding(false));
            File.Move(temporary, path);
        }

        private static int FreePort()
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            int port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            return port;
        }

        /// <summary>The size with every line end counted as CRLF, as Dovecot's W= field expects.</summary>
        private static long VirtualSize(byte[] bytes)
        {
            long size = bytes.Length;
            for (int i = 0; i < bytes.Length; i++)
            {
                if (bytes[i] == (byte)'\n' && (i == 0 || bytes[i - 1] != (byte)'\r'))
                {
                    size++;
                }
            }

            return size;
        }

        private static string MaildirFlags(IReadOnlyList<string> flags)
        {
            var letters = new SortedSet<char>();
            foreach (string flag in flags)
            {
                switch (flag.ToLowerInvariant())
                {
                    case "\\draft": letters.Add('D'); break;
                    case "\\flagged": letters.Add('F'); break;
                    case "\\answered": letters.Add('R'); break;
                    case "\\seen": letters.Add('S'); break;
                    case "\\deleted": letters.Add('T'); break;
                    default:
                        throw new ArgumentException(
                            $"Flag '{flag}' cannot be seeded: only \\Seen, \\Answered, \\Flagged, \\Deleted and \\Draft are supported.");
                }
            }

            return new string(letters.ToArray());
        }

        private static bool IsProcessAlive(int pid)
        {
            if (pid <= 0)
            {
                return false;
            }

            try
            {
                // A zombie still has a /proc entry; only a state other than Z (or X) is alive.
                string stat = File.ReadAllText($"/proc/{pid}/stat");
                int close = stat.LastIndexOf(')');
                char state = close >= 0 && close + 2 < stat.Length ? stat[close + 2] : '?';
                return state != 'Z' && state != 'X';
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                return false;
            }
        }

        /// <summary>Kills a process and all its descendants, children first found via /proc.</summary>
        private static void KillTree(int rootPid)
        {
            if (rootPid <= 0)
            {
                return;
            }

            var children = new Dictionary<int, List<int>>();
            foreach (string dir in Directory.GetDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
                {
                    continue;
                }

                try
                {
                    string stat = File.ReadAllText(Path.Combine(dir, "stat"));
                    string[] fields = stat.Substring(stat.LastIndexOf(')') + 2).Split(' ');
                    int parent = int.Parse(fields[1], CultureInfo.InvariantCulture);
                    if (!children.TryGetValue(parent, out List<int>? list))
                    {
                        children[parent] = list = new List<int>();
                    }

                    list.Add(pid);
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is FormatException)
                {
                    // The process ended while we looked.
                }
            }

            var order = new List<int>();
            var pending = new Stack<int>();
            pending.Push(rootPid);
            while (pending.Count > 0)
            {
                int pid = pending.Pop();
                order.Add(pid);
                if (children.TryGetValue(pid, out List<int>? list))
                {
                    foreach (int child in list)
                    {
                        pending.Push(child);
                    }
                }
            }

            foreach (int pid in order)
            {
                try
                {
                    using (Process process = Process.GetProcessById(pid))
                    {
                        process.Kill();
                    }
                }
                catch (Exception ex) when (ex is ArgumentException || ex is InvalidOperationException || ex is System.ComponentModel.Win32Exception)
                {
                    // Already gone.
                }
            }
        }

        private static void Register(DovecotServer server)
        {
            lock (LiveServersLock)
            {
                LiveServers.Add(server);
                if (!processExitHooked)
                {
                    AppDomain.CurrentDomain.ProcessExit += (sender, e) => StopAllOnExit();
                    processExitHooked = true;
                }
            }
        }

        private static void Unregister(DovecotServer server)
        {
            lock (LiveServersLock)
            {
                LiveServers.Remove(server);
            }
        }

        private static void StopAllOnExit()
        {
            DovecotServer[] servers;
            lock (LiveServersLock)
            {
                servers = LiveServers.ToArray();
            }

            foreach (DovecotServer server in servers)
            {
                try
                {
                    server.StopCore();
                }
                catch (Exception)
                {
                    // Best effort while the process is going away.
                }
            }
        }
    }
}
