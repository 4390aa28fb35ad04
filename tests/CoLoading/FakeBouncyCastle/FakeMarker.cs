namespace Org.BouncyCastle
{
    /// <summary>Exists only in the fake BouncyCastle, so a call to it proves which copy was bound.</summary>
    public static class FakeMarker
    {
        /// <summary>Identifies this copy.</summary>
        public static string Identify() => "fake BouncyCastle.Cryptography " + typeof(FakeMarker).Assembly.GetName().Version;
    }
}
