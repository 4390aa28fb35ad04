using System;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ImapPS.Client.Tests.Support
{
    /// <summary>Self-signed server certificates for the loopback TLS test servers.</summary>
    public static class TestCertificates
    {
        private static readonly Lazy<X509Certificate2> LazyLocalhost = new Lazy<X509Certificate2>(() => CreateSelfSigned());

        /// <summary>One process-wide self-signed certificate for <c>localhost</c> / <c>127.0.0.1</c> (created on first use).</summary>
        public static X509Certificate2 Localhost => LazyLocalhost.Value;

        /// <summary>
        /// Creates a self-signed ECDSA P-256 server certificate for <paramref name="hostName"/> with subject alternative
        /// names <paramref name="hostName"/>, 127.0.0.1 and ::1, valid from yesterday for a week.
        /// </summary>
        public static X509Certificate2 CreateSelfSigned(string hostName = "localhost")
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest("CN=" + hostName, key, HashAlgorithmName.SHA256);
            var names = new SubjectAlternativeNameBuilder();
            names.AddDnsName(hostName);
            names.AddIpAddress(IPAddress.Loopback);
            names.AddIpAddress(IPAddress.IPv6Loopback);
            request.CertificateExtensions.Add(names.Build());
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, false));
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
                new OidCollection { new Oid("1.3.6.1.5.5.7.3.1") }, false));
            var now = DateTimeOffset.UtcNow;
            using var ephemeral = request.CreateSelfSigned(now.AddDays(-1), now.AddDays(7));
            // A PKCS#12 round trip gives a certificate whose private key every platform's TLS stack accepts.
            return X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pkcs12), null);
        }

        /// <summary>A client validation callback that accepts exactly <paramref name="certificate"/> and nothing else.</summary>
        public static RemoteCertificateValidationCallback TrustOnly(X509Certificate2 certificate)
        {
            var thumbprint = certificate.GetCertHashString(HashAlgorithmName.SHA256);
            return (sender, presented, chain, errors) =>
                presented != null && string.Equals(presented.GetCertHashString(HashAlgorithmName.SHA256), thumbprint, StringComparison.OrdinalIgnoreCase);
        }
    }
}
