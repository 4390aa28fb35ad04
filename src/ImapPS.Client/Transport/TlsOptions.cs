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
        public X509Certificate2Collection ExtraCaCertificates { get; private set; } = new X509Certificate2Collection();

        /// <summary>A copy with its own certificate collection (the certificates themselves are shared).</summary>
        internal TlsOptions Clone()
        {
            var copy = (TlsOptions)MemberwiseClone();
            copy.ExtraCaCertificates = new X509Certificate2Collection(ExtraCaCertificates);
            return copy;
        }

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
                reason = "the certificate validation callback rejected the certificate" +
                    (errors == SslPolicyErrors.None ? " (the platform's own check found no fault)" : " (the platform's own check: " + Explain(cert2, chain, host, errors) + ")");
                return false;
            }
            if (errors == SslPolicyErrors.None) return true;
            if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) == 0 &&
                (errors & SslPolicyErrors.RemoteCertificateChainErrors) != 0 && ExtraCaCertificates.Count > 0 && ChainsToExtraCa(cert2))
                return true;
            reason = Explain(cert2, chain, host, errors);
            return false;
        }

        /// <summary>
        /// The platform's verdict in words: each fault of the certificate (expired, not yet valid,
        /// wrong host name, untrusted issuer, revoked, …) with the dates and names involved, from
        /// <see cref="SslPolicyErrors"/> and the chain's <see cref="X509ChainStatusFlags"/>.
        /// </summary>
        internal static string Explain(X509Certificate2 certificate, X509Chain? chain, string host, SslPolicyErrors errors)
        {
            var faults = new System.Collections.Generic.List<string>();
            if ((errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0) faults.Add("the server sent no certificate");
            if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
                faults.Add("it is issued to '" + certificate.GetNameInfo(X509NameType.DnsName, false) + "', which does not match the host name '" + host + "'");
            var flags = X509ChainStatusFlags.NoError;
            if (chain != null)
                foreach (var status in chain.ChainStatus) flags |= status.Status;
            // The leaf's own dates decide the words; a chain element's (an expired CA) count too.
            var now = DateTime.Now;
            if (certificate.NotAfter < now)
                faults.Add("it expired on " + certificate.NotAfter.ToUniversalTime().ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture) + " UTC");
            else if (certificate.NotBefore > now)
                faults.Add("it is not valid before " + certificate.NotBefore.ToUniversalTime().ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture) + " UTC (check this computer's clock)");
            else if ((flags & X509ChainStatusFlags.NotTimeValid) != 0)
                faults.Add("a certificate of its chain is outside its validity period");
            if ((flags & (X509ChainStatusFlags.UntrustedRoot | X509ChainStatusFlags.PartialChain)) != 0)
                faults.Add(certificate.Subject == certificate.Issuer
                    ? "it is self-signed, and this computer does not trust it"
                    : "it is issued by '" + certificate.Issuer + "', an authority this computer does not trust (or the server sent an incomplete chain)");
            if ((flags & X509ChainStatusFlags.Revoked) != 0) faults.Add("it has been revoked");
            if ((flags & X509ChainStatusFlags.NotSignatureValid) != 0) faults.Add("its signature is not valid");
            if ((flags & X509ChainStatusFlags.NotValidForUsage) != 0) faults.Add("it is not meant for server authentication");
            const X509ChainStatusFlags described = X509ChainStatusFlags.NotTimeValid | X509ChainStatusFlags.UntrustedRoot | X509ChainStatusFlags.PartialChain |
                X509ChainStatusFlags.Revoked | X509ChainStatusFlags.NotSignatureValid | X509ChainStatusFlags.NotValidForUsage |
                X509ChainStatusFlags.RevocationStatusUnknown | X509ChainStatusFlags.OfflineRevocation;
            if (chain != null)
                foreach (var status in chain.ChainStatus)
                    if ((status.Status & ~described) != 0 && !string.IsNullOrWhiteSpace(status.StatusInformation))
                        faults.Add(status.StatusInformation.Trim().TrimEnd('.'));
            if (faults.Count == 0) faults.Add("the platform rejected it (" + errors + ")");
            return "the server's certificate is not trusted: " + string.Join("; ", faults) + " (" + certificate.Subject + ", SHA-1 " + certificate.Thumbprint + ")";
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
