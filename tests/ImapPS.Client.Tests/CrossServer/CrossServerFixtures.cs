using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Security.Cryptography.X509Certificates;
using ImapPS.Testing;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace ImapPS.Client.Tests.CrossServer
{
    /// <summary>
    /// One server for the cross-server suite, whatever its kind: where to connect, who to log in
    /// as, and the certificate to pin. Started once per test run by its fixture.
    /// </summary>
    public abstract class ServerFixture : IDisposable
    {
        /// <summary><c>dovecot</c>, <c>cyrus</c> or <c>courier</c>.</summary>
        public abstract string Kind { get; }

        public string Host { get; protected set; } = "127.0.0.1";
        public int ImapPort { get; protected set; }
        public int ImapsPort { get; protected set; }
        public string User { get; protected set; } = "alice";
        public string Password { get; protected set; } = ExternalServer.Password;
        public string OtherUser { get; protected set; } = "bob";
        public string OtherPassword { get; protected set; } = ExternalServer.Password;
        public X509Certificate2? Certificate { get; protected set; }

        /// <summary>How long the server took to start (apt installs included on a fresh machine).</summary>
        public TimeSpan StartTime { get; protected set; }

        /// <summary>Options that pin the server's own self-signed certificate (it is issued to localhost; we connect to 127.0.0.1).</summary>
        public ImapClientOptions Options()
        {
            var options = new ImapClientOptions { ResponseTimeout = TimeSpan.FromSeconds(30) };
            var pinned = Certificate?.Thumbprint;
            options.Tls.Validator = (cert, chain, host, errors) => pinned != null && string.Equals(cert.Thumbprint, pinned, StringComparison.OrdinalIgnoreCase);
            return options;
        }

        public abstract void Dispose();
    }

    /// <summary>The private Dovecot the other suites use, started once more for the cross-server suite.</summary>
    public sealed class DovecotTargetFixture : ServerFixture
    {
        private readonly DovecotServer _server;

        public DovecotTargetFixture()
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            _server = DovecotServer.Start();
            StartTime = clock.Elapsed;
            ImapPort = _server.ImapPort;
            ImapsPort = _server.ImapsPort;
            User = "alice";
            Password = DovecotServer.AlicePassword;
            OtherUser = "bob";
            OtherPassword = DovecotServer.BobPassword;
            Certificate = _server.Certificate;
        }

        public override string Kind => "dovecot";

        public override void Dispose() => _server.Dispose();
    }

    /// <summary>Cyrus or Courier through the shared starter scripts; nothing is started when the server cannot be had here.</summary>
    public abstract class ExternalServerFixture : ServerFixture
    {
        private readonly ExternalServer? _server;

        protected ExternalServerFixture(string kind)
        {
            // Unavailable (no ../shared): the tests are skipped by CrossServerFact, so do not start.
            if (ExternalServer.UnavailableReason(kind) != null) return;
            _server = ExternalServer.Start(kind);
            StartTime = _server.StartTime;
            ImapPort = _server.ImapPort;
            ImapsPort = _server.ImapsPort;
            Certificate = X509CertificateLoader.LoadCertificateFromFile(_server.CertificatePath);
        }

        public override void Dispose() => _server?.Dispose();
    }

    public sealed class CyrusFixture : ExternalServerFixture
    {
        public CyrusFixture() : base("cyrus") { }

        public override string Kind => "cyrus";
    }

    public sealed class CourierFixture : ExternalServerFixture
    {
        public CourierFixture() : base("courier") { }

        public override string Kind => "courier";
    }

    /// <summary>Names the server kind a suite class runs against, for <see cref="CrossServerFactAttribute"/>.</summary>
    [AttributeUsage(AttributeTargets.Class)]
    public sealed class ServerKindAttribute : Attribute
    {
        public ServerKindAttribute(string kind) => Kind = kind;

        public string Kind { get; }
    }

    /// <summary>
    /// A fact of the cross-server suite: written once in the abstract suite and run by each concrete
    /// class; skipped, with the reason, in a class whose server cannot be had on this machine (no
    /// ../shared/servers, not root). A server that can be had but fails to start fails the tests.
    /// </summary>
    [XunitTestCaseDiscoverer("ImapPS.Client.Tests.CrossServer.CrossServerFactDiscoverer", "ImapPS.Client.Tests")]
    [AttributeUsage(AttributeTargets.Method)]
    public sealed class CrossServerFactAttribute : FactAttribute
    {
        /// <summary>The test reads ../shared/corpus: skipped, with the reason, where it is absent.</summary>
        public bool RequiresCorpus { get; set; }
    }

    public sealed class CrossServerFactDiscoverer : IXunitTestCaseDiscoverer
    {
        private readonly IMessageSink _sink;

        public CrossServerFactDiscoverer(IMessageSink diagnosticMessageSink) => _sink = diagnosticMessageSink;

        public IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute)
        {
            yield return new CrossServerTestCase(_sink, discoveryOptions.MethodDisplayOrDefault(), discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod);
        }

        internal static string? SkipReasonFor(ITestMethod testMethod)
        {
            var type = testMethod.TestClass.Class.ToRuntimeType();
            var kind = type?.GetCustomAttribute<ServerKindAttribute>()?.Kind;
            return kind == null || kind == "dovecot" ? null : ExternalServer.UnavailableReason(kind);
        }
    }

    /// <summary>A test case whose skip reason comes from the concrete class's server, not from the attribute.</summary>
    public sealed class CrossServerTestCase : XunitTestCase
    {
        [Obsolete("Called by the de-serializer; should only be called by deriving classes for de-serialization purposes")]
        public CrossServerTestCase() { }

        public CrossServerTestCase(IMessageSink sink, TestMethodDisplay display, TestMethodDisplayOptions options, ITestMethod testMethod)
            : base(sink, display, options, testMethod) { }

        protected override string GetSkipReason(IAttributeInfo factAttribute)
            => CrossServerFactDiscoverer.SkipReasonFor(TestMethod)
               ?? (factAttribute.GetNamedArgument<bool>(nameof(CrossServerFactAttribute.RequiresCorpus)) && !Support.SharedCorpus.Available ? Support.SharedCorpus.SkipReason : null)
               ?? base.GetSkipReason(factAttribute);
    }
}
