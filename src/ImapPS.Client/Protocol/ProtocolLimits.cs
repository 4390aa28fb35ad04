using System;

namespace ImapPS.Client.Protocol
{
    /// <summary>
    /// Bounds that keep a hostile or broken server from exhausting memory. Every response the
    /// reader accepts is checked against these before anything is allocated for it.
    /// </summary>
    public sealed class ProtocolLimits
    {
        /// <summary>The largest literal accepted, in bytes (default 512 MiB).</summary>
        public long MaxLiteralSize { get; set; } = 512L * 1024 * 1024;

        /// <summary>The longest line (between literals) accepted, in bytes (default 16 MiB).</summary>
        public int MaxLineLength { get; set; } = 16 * 1024 * 1024;

        /// <summary>
        /// Literals at least this large are read straight into an array of their own (or into a
        /// caller's stream) instead of the shared read buffer, so they are copied only once.
        /// </summary>
        public int LargeLiteralThreshold { get; set; } = 64 * 1024;

        /// <summary>The default limits.</summary>
        public static ProtocolLimits Default => new ProtocolLimits();

        /// <summary>A copy the caller's later changes do not reach.</summary>
        internal ProtocolLimits Clone() => (ProtocolLimits)MemberwiseClone();

        internal void Validate()
        {
            if (MaxLiteralSize < 0) throw new ArgumentOutOfRangeException(nameof(MaxLiteralSize));
            if (MaxLineLength < 1024) throw new ArgumentOutOfRangeException(nameof(MaxLineLength), "at least 1024 bytes");
            if (LargeLiteralThreshold < 1) throw new ArgumentOutOfRangeException(nameof(LargeLiteralThreshold));
        }
    }
}
