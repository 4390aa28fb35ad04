using System;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace ImapPS.Client.Transport
{
    /// <summary>imaplib2's TLS levels.</summary>
    public enum TlsLevel
    {
        /// <summary>TLS 1.2 and later only (the default).</summary>
        Secure,
        /// <summary>Any TLS version, including 1.0 and 1.1, but never SSL. Only when the caller asks.</summary>
        NoSsl,
        /// <summary>Whatever the operating system allows. Only when the caller asks.</summary>
        Compat,
    }

    /// <summary>
    /// Decides whether a server certificate is trusted. Receives the certificate, its chain, the host
    /// name the client connected to and the platform's verdict; returns true to accept.
    /// </summary>
    public delegate bool CertificateValidator(X509Certificate2 certificate, X509Chain? chain, string host, SslPolicyErrors errors);

    /// <summary>How a TLS connection is made and how the server's certificate is checked.</summary>
    public sealed class TlsOptions
    {
        /// <summary>The TLS versions allowed (default: TLS 1.2 and later).</summary>
        public TlsLevel Level { get; set; } = TlsLevel.Secure;

        /// <summary>A client certificate to present, if the server asks for one.</summary>
        public X509Certificate2? ClientCertificate { get; set; }

        /// <summary>Extra certificate authorities (or self-signed server certificates) to trust, beside the system's.</summary>
        public X509Certificate2Collection ExtraCaCertificates { get; } = new X509Certificate2Collection();

        /// <summary>
        /// When set, it decides whether the server's certificate is accepted (it receives the platform's
        /// verdict). When unset, the platform's validation with host name checks applies, extended by
        /// <see cref="ExtraCaCertificates"/>.
        /// </summary>
        public CertificateValidator? Validator { get; set; }

        /// <summary>The SslProtocols value for <see cref="Level"/>.</summary>
        public SslProtocols Protocols
        {
            get
            {
                const SslProtocols tls13 = (SslProtocols)12288;
                switch (Level)
                {
                    case TlsLevel.Secure: return SslProtocols.Tls12 | tls13;
#pragma warning disable CS0618, SYSLIB0039 // older TLS only when the caller asks for it explicitly
                    case TlsLevel.NoSsl: return SslProtocols.Tls | SslProtocols.Tls11 | SslProtocols.Tls12 | tls13;
#pragma warning restore CS0618, SYSLIB0039
                    default: return SslProtocols.None;
                }
            }
        }

        /// <summary>Maps imaplib2's level names (tls_secure, tls_no_ssl, tls_compat) to a level.</summary>
        public static TlsLevel ParseLevel(string name)
        {
            switch (name.ToLowerInvariant())
            {
                case "tls_secure": case "secure": return TlsLevel.Secure;
                case "tls_no_ssl": case "nossl": return TlsLevel.NoSsl;
                case "tls_compat": case "compat": return TlsLevel.Compat;
                default: throw new ArgumentException("Unknown TLS level '" + name + "' (expected tls_secure, tls_no_ssl or tls_compat).", nameof(name));
            }
        }

        internal bool Validate(string host, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors, out string? reason)
        {
            reason = null;
            if (certificate == null)
            {
                reason = "the server sent no certificate";
                return false;
            }
            var cert2 = certificate as X509Certificate2 ?? new X509Certificate2(certificate);
            if (Validator != null)
            {
                if (Validator(cert2, chain, host, errors)) return true;
                reason = "the certificate validation callback rejected the certificate";
                return false;
            }
            if (errors == SslPolicyErrors.None) return true;
            if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
            {
                reason = "the certificate does not match the host name '" + host + "'";
                return false;
            }
            if ((errors & SslPolicyErrors.RemoteCertificateChainErrors) != 0 && ExtraCaCertificates.Count > 0 && ChainsToExtraCa(cert2))
                return true;
            reason = "the certificate is not trusted (" + errors + ")";
            return false;
        }

        private bool ChainsToExtraCa(X509Certificate2 certificate)
        {
            foreach (var ca in ExtraCaCertificates)
                if (ca.Thumbprint == certificate.Thumbprint) return true;
            using (var chain = new X509Chain())
            {
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                chain.ChainPolicy.VerificationFlags = X509VerificationFlags.AllowUnknownCertificateAuthority;
                chain.ChainPolicy.ExtraStore.AddRange(ExtraCaCertificates);
                if (!chain.Build(certificate)) return false;
                var root = chain.ChainElements[chain.ChainElements.Count - 1].Certificate;
                foreach (var ca in ExtraCaCertificates)
                    if (ca.Thumbprint == root.Thumbprint) return true;
                return false;
            }
        }
    }
}
