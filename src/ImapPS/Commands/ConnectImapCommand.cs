using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Management.Automation;
using System.Net;
using System.Net.Security;
using System.Security;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;
using ImapPS.Client;

namespace ImapPS.Commands
{
    /// <summary>
    /// <para type="synopsis">Connects to an IMAP server and makes the session the runspace's default.</para>
    /// </summary>
    [Cmdlet(VerbsCommunications.Connect, "Imap", DefaultParameterSetName = CredentialSet)]
    [OutputType(typeof(ImapSession))]
    public sealed class ConnectImapCommand : ImapCmdlet
    {
        private const string CredentialSet = "Credential";
        private const string TokenSet = "AccessToken";
        private const string TokenProviderSet = "AccessTokenProvider";
        private const string CommandSet = "Command";

        // Work the engine's threads hand to the pipeline thread (certificate callbacks), so a
        // script block never runs on a foreign thread.
        private readonly BlockingCollection<Action> _pipelineWork = new BlockingCollection<Action>();
        private int _pipelineThreadId;

        /// <summary>The server's host name or address.</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = CredentialSet)]
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = TokenSet)]
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = TokenProviderSet)]
        [Alias("ComputerName", "Host")]
        [ValidateNotNullOrEmpty]
        public string Server { get; set; } = "";

        /// <summary>The port; by default 993 (implicit TLS) with -Security Auto or Ssl, 143 with None or StartTls.</summary>
        [Parameter(ParameterSetName = CredentialSet)]
        [Parameter(ParameterSetName = TokenSet)]
        [Parameter(ParameterSetName = TokenProviderSet)]
        [ValidateRange(1, 65535)]
        public int Port { get; set; }

        /// <summary>The user name and password. Without it the session stays unauthenticated.</summary>
        [Parameter(Position = 1, ParameterSetName = CredentialSet)]
        [Credential]
        public PSCredential? Credential { get; set; }

        /// <summary>The user name for -AccessToken or -AccessTokenProvider.</summary>
        [Parameter(Mandatory = true, ParameterSetName = TokenSet)]
        [Parameter(Mandatory = true, ParameterSetName = TokenProviderSet)]
        [ValidateNotNullOrEmpty]
        public string UserName { get; set; } = "";

        /// <summary>An OAuth 2.0 access token (XOAUTH2 or OAUTHBEARER).</summary>
        [Parameter(Mandatory = true, ParameterSetName = TokenSet)]
        public SecureString? AccessToken { get; set; }

        /// <summary>
        /// A script block that returns an OAuth 2.0 access token (a string or a SecureString), run
        /// at the first connect and again at every reconnect, so a job that outlives a token keeps
        /// working. It runs on the pipeline thread of the command that needs the token.
        /// </summary>
        [Parameter(Mandatory = true, ParameterSetName = TokenProviderSet)]
        public ScriptBlock? AccessTokenProvider { get; set; }

        /// <summary>Auto, None, Ssl or StartTls.</summary>
        [Parameter(ParameterSetName = CredentialSet)]
        [Parameter(ParameterSetName = TokenSet)]
        [Parameter(ParameterSetName = TokenProviderSet)]
        public ImapSecurity Security { get; set; } = ImapSecurity.Auto;

        /// <summary>Accepts any server certificate (with a warning).</summary>
        [Parameter(ParameterSetName = CredentialSet)]
        [Parameter(ParameterSetName = TokenSet)]
        [Parameter(ParameterSetName = TokenProviderSet)]
        public SwitchParameter SkipCertificateCheck { get; set; }

        /// <summary>Decides whether a server certificate is trusted: receives the certificate as $_ (and $args: certificate, chain, host, policy errors); a true result accepts it.</summary>
        [Parameter(ParameterSetName = CredentialSet)]
        [Parameter(ParameterSetName = TokenSet)]
        [Parameter(ParameterSetName = TokenProviderSet)]
        public ScriptBlock? CertificateValidation { get; set; }

        /// <summary>The SASL mechanism: PLAIN, LOGIN, CRAM-MD5, XOAUTH2 or OAUTHBEARER. By default LOGIN (passwords) or XOAUTH2/OAUTHBEARER (tokens).</summary>
        [Parameter(ParameterSetName = CredentialSet)]
        [Parameter(ParameterSetName = TokenSet)]
        [Parameter(ParameterSetName = TokenProviderSet)]
        [ValidateSet("LOGIN", "PLAIN", "CRAM-MD5", "XOAUTH2", "OAUTHBEARER", IgnoreCase = true)]
        public string? AuthenticationMechanism { get; set; }

        /// <summary>Turns on COMPRESS=DEFLATE when the server offers it.</summary>
        [Parameter]
        public SwitchParameter Compress { get; set; }

        /// <summary>How long the server may stay silent before the connection is aborted; also bounds connecting.</summary>
        [Parameter]
        public TimeSpan? Timeout { get; set; }

        /// <summary>
        /// The longest any command of the session may take, however steadily the server sends (IDLE
        /// is exempt). A command still waiting its turn fails alone (CommandDeadline); one already
        /// sent ends the connection (ConnectionLost). Default: no deadline.
        /// </summary>
        [Parameter]
        public TimeSpan? CommandDeadline { get; set; }

        /// <summary>A name for the session (in Get-ImapSession and traces).</summary>
        [Parameter]
        public string? Identifier { get; set; }

        /// <summary>Closes this runspace's open sessions to the same server and user before connecting.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <summary>A command that speaks IMAP on its standard streams (PREAUTH), e.g. "ssh host /usr/lib/dovecot/imap".</summary>
        [Parameter(Mandatory = true, ParameterSetName = CommandSet)]
        [ValidateNotNullOrEmpty]
        public string Command { get; set; } = "";

        /// <summary>
        /// Re-establish the connection when it is lost (same server, TLS rule and credentials), select
        /// the mailbox again with a UIDVALIDITY check, and repeat reads and idempotent commands that
        /// the loss interrupted. The policy: -ReconnectPolicy, or the -Reconnect* parameters.
        /// </summary>
        [Parameter]
        public SwitchParameter Reconnect { get; set; }

        /// <summary>The reconnect policy as an object (ImapPS.Client.ImapReconnectPolicy); implies -Reconnect.</summary>
        [Parameter]
        public ImapReconnectPolicy? ReconnectPolicy { get; set; }

        /// <summary>How many attempts one reconnect makes before it gives up (default 10); implies -Reconnect.</summary>
        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int? ReconnectAttempts { get; set; }

        /// <summary>The wait before the second attempt, doubled for each further one up to 60 s, with jitter (default 1 s); implies -Reconnect.</summary>
        [Parameter]
        public TimeSpan? ReconnectDelay { get; set; }

        /// <summary>How long after a loss no further attempt starts (default 10 minutes); implies -Reconnect.</summary>
        [Parameter]
        public TimeSpan? ReconnectGiveUpAfter { get; set; }

        /// <summary>Capabilities to act as if the server did not offer (for testing fallbacks, e.g. MOVE).</summary>
        [Parameter]
        public string[]? IgnoreCapability { get; set; }

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            // Whatever happens, the previous default session stops being the default: a script
            // that goes on after a failed Connect-Imap must not act on the previous account.
            try
            {
                Connect();
            }
            finally
            {
                // Registered but then stopped downstream (Select-Object -First 1) still counts as connected.
                if (!_registered && !_failureRecorded)
                    SessionRegistry.ConnectFailed("The last Connect-Imap (" + TargetDescription + ") was stopped before it connected, so there is no default session.");
            }
        }

        private bool IsTokenSet => ParameterSetName == TokenSet || ParameterSetName == TokenProviderSet;

        // -AccessTokenProvider, once Connect() made it; its Work queue becomes the session's PipelineWork.
        private AccessTokenScript? _tokenScript;

        private bool _failureRecorded;
        private bool _registered;

        private string TargetDescription
        {
            get
            {
                if (ParameterSetName == CommandSet) return Command;
                string? user = IsTokenSet ? UserName : Credential?.UserName;
                return (user == null ? "" : user + "@") + Server + (Port != 0 ? ":" + Port : "");
            }
        }

        /// <summary>Fails Connect-Imap, noting that there is no default session now and why.</summary>
        private new void ThrowTerminatingError(ErrorRecord errorRecord)
        {
            _failureRecorded = true;
            SessionRegistry.ConnectFailed("The last Connect-Imap (" + TargetDescription + ") failed: " + errorRecord.Exception.Message.TrimEnd('.') +
                ". There is no default session.");
            base.ThrowTerminatingError(errorRecord);
        }

        private void Connect()
        {
            _pipelineThreadId = Thread.CurrentThread.ManagedThreadId;
            if (Force) CloseExisting();
            // The engine dumps its trace ring to stderr on abort; here -Debug and the ErrorRecord carry it instead.
            var options = new ImapClientOptions { Identifier = Identifier, DebugWriter = System.IO.TextWriter.Null };
            if (Timeout != null)
            {
                if (Timeout.Value <= TimeSpan.Zero)
                    ThrowTerminatingError(new ErrorRecord(new ArgumentOutOfRangeException(nameof(Timeout), "The timeout must be positive."), "InvalidTimeout", ErrorCategory.InvalidArgument, Timeout));
                options.ResponseTimeout = Timeout;
                options.ConnectTimeout = Timeout.Value;
            }
            if (CommandDeadline != null)
            {
                if (CommandDeadline.Value <= TimeSpan.Zero)
                    ThrowTerminatingError(new ErrorRecord(new ArgumentOutOfRangeException(nameof(CommandDeadline), "The command deadline must be positive."), "InvalidTimeout", ErrorCategory.InvalidArgument, CommandDeadline));
                options.CommandDeadline = CommandDeadline;
            }
            if (IgnoreCapability != null) foreach (var c in IgnoreCapability) options.IgnoredCapabilities.Add(c);
            if (Security == ImapSecurity.None && ParameterSetName != CommandSet && (Credential != null || IsTokenSet))
                WriteWarning("-Security None: the " + (IsTokenSet ? "access token" : "password") + " of '" +
                    (IsTokenSet ? UserName : Credential!.UserName) + "' and all mail cross the network to " + Server +
                    " in clear, readable by anyone on the way. Use -Security Auto, StartTls or Ssl unless the network is trusted.");
            if (SkipCertificateCheck)
            {
                WriteWarning("The server's certificate will not be checked: anyone between you and " + Server + " can read and change this session.");
                options.Tls.Validator = (certificate, chain, host, errors) => true;
            }
            else if (CertificateValidation != null)
            {
                var script = CertificateValidation;
                options.Tls.Validator = (certificate, chain, host, errors) =>
                {
                    bool accepted = OnPipelineThread(() => InvokeValidator(script, certificate, chain, host, errors));
                    if (accepted) lock (_acceptedCertificates) _acceptedCertificates.Add(certificate.Thumbprint);
                    return accepted;
                };
            }
            var policy = ReconnectPolicyFromParameters();
            if (AccessTokenProvider != null) _tokenScript = new AccessTokenScript(AccessTokenProvider, options.ConnectTimeout);

            Imap4Client? client = null;
            string securityUsed;
            try
            {
                if (ParameterSetName == CommandSet)
                {
                    client = RunConnect(() => Task.FromResult((Imap4Client)new Imap4StreamClient(Command, options)), Command);
                    Trace(client);
                    securityUsed = "Stream";
                }
                else
                {
                    // Auto, Ssl and StartTls promise TLS: a PREAUTH greeting on a plain connection (which
                    // rules STARTTLS out) is refused by the engine before a single command is sent.
                    options.RequireTls = Security != ImapSecurity.None;
                    int port = Port != 0 ? Port : (Security == ImapSecurity.Ssl || Security == ImapSecurity.Auto ? 993 : 143);
                    bool implicitTls = Security == ImapSecurity.Ssl || (Security == ImapSecurity.Auto && port == 993);
                    client = implicitTls
                        ? RunConnect(async () => (Imap4Client)await Imap4SslClient.ConnectAsync(Server, port, options).ConfigureAwait(false), Server + ":" + port)
                        : RunConnect(() => Imap4Client.ConnectAsync(Server, port, options), Server + ":" + port);
                    securityUsed = implicitTls ? "Ssl" : "None";
                    Trace(client);
                    if (!implicitTls && Security != ImapSecurity.None && client.State == ImapState.NONAUTH)
                    {
                        if (client.HasCapability("STARTTLS"))
                        {
                            RunStep(client, () => client.StartTlsAsync(), "StartTlsFailed", ErrorCategory.SecurityError);
                            securityUsed = "StartTls";
                        }
                        else if (Security == ImapSecurity.StartTls || Credential != null || IsTokenSet)
                        {
                            Fail(client, new ImapSecurityException("The server " + Server + ":" + port + " does not offer STARTTLS; refusing to send credentials in clear. Use -Security Ssl, or -Security None to allow it."),
                                "StartTlsNotOffered", ErrorCategory.SecurityError);
                        }
                    }
                    Authenticate(client, port);
                }
                if (Compress)
                {
                    if (client.HasCapability("COMPRESS=DEFLATE")) RunStep(client, () => client.EnableCompressionAsync(), "CompressFailed", ErrorCategory.ProtocolError);
                    else WriteWarning("The server does not offer COMPRESS=DEFLATE; the session is not compressed.");
                }
            }
            catch (PipelineStoppedException)
            {
                client?.Dispose();
                throw;
            }

            string? user = IsTokenSet ? UserName : Credential?.UserName;
            var reconnector = policy == null ? null : new ImapReconnectingClient(Recipe(options, client!, securityUsed), client!, policy);
            var session = new ImapSession(client!, ParameterSetName == CommandSet ? Command : Server, client!.Port, user, securityUsed, Identifier, reconnector);
            if (_tokenScript != null) session.PipelineWork = _tokenScript.Work;
            if (reconnector != null) WriteVerbose("Session '" + session.Name + "' reconnects: " + reconnector.Policy + ".");
            SessionRegistry.Add(session);
            _registered = true;
            WriteObject(session);
        }

        // Thumbprints of the certificates -CertificateValidation accepted: a reconnect accepts these and
        // no other, without running the script block again on a thread that has no runspace.
        private readonly HashSet<string> _acceptedCertificates = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

        /// <summary>The reconnect policy the parameters ask for, or null without -Reconnect.</summary>
        private ImapReconnectPolicy? ReconnectPolicyFromParameters()
        {
            if (!Reconnect && ReconnectPolicy == null && ReconnectAttempts == null && ReconnectDelay == null && ReconnectGiveUpAfter == null) return null;
            var policy = ReconnectPolicy?.Clone() ?? new ImapReconnectPolicy();
            if (ReconnectAttempts is int attempts) policy.MaxAttempts = attempts;
            if (ReconnectDelay is TimeSpan delay)
            {
                policy.InitialDelay = delay;
                if (policy.MaxDelay < delay) policy.MaxDelay = delay;
            }
            if (ReconnectGiveUpAfter is TimeSpan giveUp) policy.GiveUpAfter = giveUp;
            try
            {
                policy.Validate();
            }
            catch (ArgumentOutOfRangeException ex)
            {
                ThrowTerminatingError(new ErrorRecord(ex, "InvalidReconnectPolicy", ErrorCategory.InvalidArgument, policy));
            }
            return policy;
        }

        /// <summary>
        /// How to make this connection again: the same endpoint, the security actually used (a session
        /// upgraded with STARTTLS never reconnects in clear), the same certificate rule and credentials.
        /// </summary>
        private ImapConnectionRecipe Recipe(ImapClientOptions options, Imap4Client client, string securityUsed)
        {
            ImapConnectionRecipe recipe;
            if (ParameterSetName == CommandSet) recipe = ImapConnectionRecipe.ForCommand(Command, options);
            else
            {
                ImapAuthentication authentication;
                if (_tokenScript != null) authentication = ImapAuthentication.OAuth(UserName, _tokenScript.ProvideAsync, AuthenticationMechanism);
                else if (IsTokenSet)
                {
                    var token = AccessToken!.Copy();
                    token.MakeReadOnly();
                    authentication = ImapAuthentication.OAuth(UserName, _ => Task.FromResult(new NetworkCredential("", token).Password), AuthenticationMechanism);
                }
                else authentication = Credential != null ? ImapAuthentication.Password(Credential.UserName, Credential.Password, AuthenticationMechanism) : ImapAuthentication.None;
                var security = securityUsed == "Ssl" ? ImapTransportSecurity.Implicit : securityUsed == "StartTls" ? ImapTransportSecurity.StartTls : ImapTransportSecurity.None;
                recipe = new ImapConnectionRecipe(Server, client.Port, security, authentication, options) { Compress = Compress };
            }
            if (CertificateValidation != null && !SkipCertificateCheck)
            {
                var accepted = _acceptedCertificates;
                // Only a certificate the script accepted: the script may pin one that the platform would also trust.
                recipe.Options.Tls.Validator = (certificate, chain, host, errors) =>
                {
                    lock (accepted) return accepted.Contains(certificate.Thumbprint);
                };
            }
            return recipe;
        }

        private void CloseExisting()
        {
            string? user = IsTokenSet ? UserName : Credential?.UserName;
            foreach (var old in SessionRegistry.All)
            {
                if (!string.Equals(old.Server, ParameterSetName == CommandSet ? Command : Server, StringComparison.OrdinalIgnoreCase)) continue;
                if (!string.Equals(old.User, user, StringComparison.Ordinal)) continue;
                if (Port != 0 && old.Port != Port) continue;
                WriteVerbose("Closing session " + old.Name);
                old.MarkClosed("It was replaced by Connect-Imap -Force.");
                try { old.Client.LogoutAsync().Wait(TimeSpan.FromSeconds(10)); } catch (AggregateException) { }
                old.Dispose();
                SessionRegistry.Remove(old);
            }
        }

        private void Authenticate(Imap4Client client, int port)
        {
            if (client.State != ImapState.NONAUTH) return;
            if (IsTokenSet)
            {
                string token;
                if (_tokenScript == null) token = new NetworkCredential("", AccessToken).Password;
                else
                {
                    try
                    {
                        token = _tokenScript.Invoke();
                    }
                    catch (ImapException ex)
                    {
                        Fail(client, ex, "AccessTokenProviderFailed", ErrorCategory.AuthenticationError);
                        return;
                    }
                }
                string mechanism = AuthenticationMechanism?.ToUpperInvariant()
                    ?? (client.HasCapability("AUTH=XOAUTH2") ? "XOAUTH2" : client.HasCapability("AUTH=OAUTHBEARER") ? "OAUTHBEARER" : "");
                SaslMechanism sasl;
                if (mechanism == "XOAUTH2") sasl = SaslMechanism.XOAuth2(UserName, token);
                else if (mechanism == "OAUTHBEARER") sasl = SaslMechanism.OAuthBearer(UserName, token, Server, port);
                else
                {
                    Fail(client, new ImapException("The server offers neither AUTH=XOAUTH2 nor AUTH=OAUTHBEARER, so an access token cannot be used" +
                        (mechanism.Length > 0 ? " (" + mechanism + " takes a password)." : ".")), "MechanismNotSupported", ErrorCategory.AuthenticationError);
                    return;
                }
                RunStep(client, () => client.AuthenticateAsync(sasl), "AuthenticationFailed", ErrorCategory.AuthenticationError);
                return;
            }
            if (Credential == null) return;
            string name = Credential.UserName;
            string password = Credential.GetNetworkCredential().Password;
            string? mech = AuthenticationMechanism?.ToUpperInvariant();
            if (mech == null && client.HasCapability("LOGINDISABLED") && client.HasCapability("AUTH=PLAIN")) mech = "PLAIN";
            if (mech == null || mech == "LOGIN" && !client.HasCapability("AUTH=LOGIN"))
                RunStep(client, () => client.LoginAsync(name, password), "AuthenticationFailed", ErrorCategory.AuthenticationError);
            else
            {
                SaslMechanism sasl = mech switch
                {
                    "PLAIN" => SaslMechanism.Plain(name, password),
                    "LOGIN" => SaslMechanism.Login(name, password),
                    "CRAM-MD5" => SaslMechanism.CramMd5(name, password),
                    "XOAUTH2" => SaslMechanism.XOAuth2(name, password),
                    _ => SaslMechanism.OAuthBearer(name, password, Server, port),
                };
                if (!client.HasCapability("AUTH=" + sasl.Name))
                    Fail(client, new ImapException("The server does not offer AUTH=" + sasl.Name + "."), "MechanismNotSupported", ErrorCategory.AuthenticationError);
                RunStep(client, () => client.AuthenticateAsync(sasl), "AuthenticationFailed", ErrorCategory.AuthenticationError);
            }
        }

        private Imap4Client RunConnect(Func<Task<Imap4Client>> connect, string target)
        {
            // Off the pipeline thread: a TLS handshake may call the certificate validator
            // synchronously, and the validator waits for this thread to run the script block.
            var task = Task.Run(connect);
            try
            {
                return PumpUntil(task);
            }
            catch (Exception ex) when (!(ex is PipelineStoppedException))
            {
                if (ex is OperationCanceledException) throw new PipelineStoppedException();
                switch (ex)
                {
                    case ImapGreetingException greeting when greeting.ServerSpeaksTls:
                        ThrowTerminatingError(new ErrorRecord(new ImapGreetingException(ex.Message + " Connect with -Security Ssl.", true, ex),
                            "ImplicitTlsPort", ErrorCategory.ConnectionError, target));
                        break;
                    case ImapGreetingException _:
                        ThrowTerminatingError(new ErrorRecord(new ImapGreetingException(ex.Message + " If this is an implicit-TLS (IMAPS) port, which waits for the client to start TLS, " +
                                "connect with -Security Ssl; otherwise check the host and port.", false, ex),
                            "GreetingTimeout", ErrorCategory.ConnectionError, target));
                        break;
                    case ImapSecurityException tls when tls.TlsFailure == TlsFailureKind.PlainImapPort:
                        ThrowTerminatingError(new ErrorRecord(new ImapSecurityException(ex.Message + ". Connect with -Security StartTls (or Auto) to this port.", tls.TlsFailure, ex),
                            "TlsFailed", ErrorCategory.SecurityError, target));
                        break;
                }
                bool security = ex is ImapSecurityException || ex is System.Security.Authentication.AuthenticationException;
                ThrowTerminatingError(new ErrorRecord(ex, security ? "TlsFailed" : "ConnectionFailed",
                    security ? ErrorCategory.SecurityError : ErrorCategory.ConnectionError, target));
                throw;
            }
        }

        private void RunStep(Imap4Client client, Func<Task<ImapResponse>> step, string errorId, ErrorCategory category)
        {
            try
            {
                var response = PumpUntil(step());
                if (!response.IsOk) throw new ImapException(response.Text);
            }
            catch (Exception ex) when (!(ex is PipelineStoppedException))
            {
                if (ex is OperationCanceledException) { client.Dispose(); throw new PipelineStoppedException(); }
                // A STARTTLS whose handshake failed ends the connection: an abort whose cause is a security failure.
                bool security = ex is ImapSecurityException || ex.InnerException is ImapSecurityException;
                if (ex is ImapAbortException && !security) { errorId = "ConnectionFailed"; category = ErrorCategory.ConnectionError; }
                if (security) { errorId = errorId == "AuthenticationFailed" ? "InsecureAuthenticationRefused" : errorId; category = ErrorCategory.SecurityError; }
                Fail(client, ex, errorId, category);
            }
        }

        private void Fail(Imap4Client client, Exception ex, string errorId, ErrorCategory category)
        {
            client.Dispose();
            ThrowTerminatingError(new ErrorRecord(ex, errorId, category, Server.Length > 0 ? Server : Command));
        }

        /// <summary>Waits for <paramref name="task"/>, running work the engine posts for the pipeline thread meanwhile.</summary>
        private T PumpUntil<T>(Task<T> task) => ImapSession.Wait(task, StopToken, FlushTrace, _pipelineWork);

        private bool OnPipelineThread(Func<bool> func)
        {
            if (Thread.CurrentThread.ManagedThreadId == _pipelineThreadId) return func();
            var done = new TaskCompletionSource<bool>();
            _pipelineWork.Add(() =>
            {
                try { done.SetResult(func()); }
                catch (Exception ex) { done.SetException(ex); }
            });
            // The connect timeout bounds the handshake; a script block that never returns is the caller's.
            try { return done.Task.Wait(TimeSpan.FromMinutes(5)) && done.Task.Result; }
            catch (AggregateException) { return false; }
        }

        private bool InvokeValidator(ScriptBlock script, X509Certificate2 certificate, X509Chain? chain, string host, SslPolicyErrors errors)
        {
            try
            {
                var vars = new List<PSVariable> { new PSVariable("_", certificate) };
                var results = script.InvokeWithContext(null, vars, certificate, chain, host, errors);
                return results.Count > 0 && LanguagePrimitives.IsTrue(results[results.Count - 1]);
            }
            catch (RuntimeException ex)
            {
                WriteWarning("The certificate validation script failed: " + ex.Message);
                return false;
            }
        }
    }
}
