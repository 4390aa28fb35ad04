using System.Management.Automation;

namespace FakeMimeModule
{
    /// <summary>Calls into the fake MimeKit (and through it the fake BouncyCastle) and reports which copies answered.</summary>
    [Cmdlet(VerbsCommon.Get, "FakeMime")]
    [OutputType(typeof(string))]
    public sealed class GetFakeMimeCommand : PSCmdlet
    {
        /// <summary>Writes the fake MimeKit's identification.</summary>
        protected override void EndProcessing() => WriteObject(Identify());

        // Kept apart so a binding failure surfaces as this cmdlet's error, not as a JIT failure of EndProcessing.
        private static string Identify() => MimeKit.FakeMarker.Identify();
    }
}
