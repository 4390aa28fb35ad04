using System;
using ImapPS.Client.Tests.Support;
using ImapPS.Client.Transport;

namespace ImapPS.Client.Tests.Engine
{
    /// <summary>The client keeps its own copy of the options (issue 12: <c>Clone</c> was shallow).</summary>
    public class OptionsTests
    {
        [Fact]
        public void The_copy_a_client_keeps_does_not_see_later_changes_to_the_callers_options()
        {
            var options = new ImapClientOptions();
            var copy = options.Clone();

            options.Tls.Level = TlsLevel.NoSsl;
            options.Tls.ExtraCaCertificates.Add(TestCertificates.Localhost);
            options.Limits.MaxLineLength = 10;
            options.IgnoredCapabilities.Add("MOVE");
            options.MaxCommandLength = 100;

            Assert.Equal(TlsLevel.Secure, copy.Tls.Level);
            Assert.Empty(copy.Tls.ExtraCaCertificates);
            Assert.Equal(new ImapClientOptions().Limits.MaxLineLength, copy.Limits.MaxLineLength);
            Assert.Empty(copy.IgnoredCapabilities);
            Assert.Equal(8000, copy.MaxCommandLength);
        }
    }
}
