using System;

namespace ImapPS.Testing
{
    /// <summary>
    /// Which Dovecot features a <see cref="DovecotServer"/> enables. The defaults give the full
    /// extension set the module's tests need; <see cref="ForBenchmarks"/> turns off what distorts
    /// measurements.
    /// </summary>
    public sealed class DovecotOptions
    {
        /// <summary>QUOTA via the <c>quota = count</c> backend. Default on.</summary>
        public bool Quota { get; set; } = true;

        /// <summary>The storage limit of the default quota rule, in Dovecot's notation. Default "100M".</summary>
        public string QuotaStorageLimit { get; set; } = "100M";

        /// <summary>ACL and RIGHTS= via the vfile backend. Default on.</summary>
        public bool Acl { get; set; } = true;

        /// <summary>COMPRESS=DEFLATE via zlib/imap_zlib. Default on.</summary>
        public bool Compress { get; set; } = true;

        /// <summary>METADATA (RFC 5464) via imap_metadata and a file attribute dictionary. Default on.</summary>
        public bool Metadata { get; set; } = true;

        /// <summary><c>mail_fsync = never</c>, so runs measure the client rather than the disk. Default on.</summary>
        public bool FsyncNever { get; set; } = true;

        /// <summary>Sessions allowed per user and IP (Dovecot's default of 10 is too few for parallel tests).</summary>
        public int MaxUserIpConnections { get; set; } = 1000;

        /// <summary>How long <see cref="DovecotServer.Start"/> waits for the greeting. Default 15 s.</summary>
        public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(15);

        /// <summary>How long one doveadm invocation may take. Default 120 s (resyncing a large seeded mailbox).</summary>
        public TimeSpan DoveadmTimeout { get; set; } = TimeSpan.FromSeconds(120);

        /// <summary>
        /// Extra configuration lines appended verbatim to the generated dovecot.conf, for a test that
        /// needs a setting this class does not model.
        /// </summary>
        public string? ExtraConfiguration { get; set; }

        /// <summary>
        /// Options for benchmark runs: everything of <see cref="DovecotOptions()"/> except QUOTA, whose
        /// count backend recounts the mailbox on every APPEND.
        /// </summary>
        public static DovecotOptions ForBenchmarks() => new DovecotOptions { Quota = false };

        internal DovecotOptions Clone() => (DovecotOptions)MemberwiseClone();
    }
}
