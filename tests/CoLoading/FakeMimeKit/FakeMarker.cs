namespace MimeKit
{
    /// <summary>Exists only in the fake MimeKit, so a call to it proves which copy was bound.</summary>
    public static class FakeMarker
    {
        /// <summary>Identifies this copy and the BouncyCastle it is bound to.</summary>
        public static string Identify() =>
            "fake MimeKit " + typeof(FakeMarker).Assembly.GetName().Version + " with " + Org.BouncyCastle.FakeMarker.Identify();
    }
}
