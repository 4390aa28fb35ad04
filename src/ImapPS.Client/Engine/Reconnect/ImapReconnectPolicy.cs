using System;

namespace ImapPS.Client
{
    /// <summary>
    /// How a lost connection is re-established (<see cref="ImapReconnectingClient"/>): how many
    /// attempts, how long to wait between them (exponential backoff with jitter, so a thousand
    /// watchers cut by one server restart do not all knock at the same instant), and when to give up.
    /// </summary>
    public sealed class ImapReconnectPolicy
    {
        /// <summary>Attempts to connect again after one loss, before giving up (default 10).</summary>
        public int MaxAttempts { get; set; } = 10;

        /// <summary>The wait before the second attempt (the first is made at once; default 1 s).</summary>
        public TimeSpan InitialDelay { get; set; } = TimeSpan.FromSeconds(1);

        /// <summary>The longest wait between two attempts (default 60 s).</summary>
        public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(60);

        /// <summary>The factor each wait grows by (default 2).</summary>
        public double BackoffMultiplier { get; set; } = 2.0;

        /// <summary>
        /// The share of each wait that is random, 0 to 1 (default 0.5: a wait of 4 s becomes 2–4 s).
        /// </summary>
        public double Jitter { get; set; } = 0.5;

        /// <summary>
        /// How long after the loss no further attempt starts (default 10 minutes); the last attempt
        /// is bounded by the connect timeout.
        /// </summary>
        public TimeSpan GiveUpAfter { get; set; } = TimeSpan.FromMinutes(10);

        /// <summary>
        /// How often one operation is retried after a reconnect before its failure is final
        /// (default 3): a command that kills the connection every time must not loop forever.
        /// </summary>
        public int MaxOperationRetries { get; set; } = 3;

        /// <summary>
        /// The wait before attempt <paramref name="attempt"/> (1-based; the first attempt does not wait):
        /// <c>InitialDelay × BackoffMultiplier^(attempt-2)</c>, at most <see cref="MaxDelay"/>, less a random share of up to <see cref="Jitter"/>.
        /// </summary>
        public TimeSpan DelayBefore(int attempt, Random random)
        {
            if (random == null) throw new ArgumentNullException(nameof(random));
            if (attempt <= 1) return TimeSpan.Zero;
            double ms = InitialDelay.TotalMilliseconds * Math.Pow(BackoffMultiplier, attempt - 2);
            if (double.IsNaN(ms) || ms > MaxDelay.TotalMilliseconds) ms = MaxDelay.TotalMilliseconds;
            double jitter;
            lock (random) jitter = random.NextDouble();
            ms -= ms * Jitter * jitter;
            return TimeSpan.FromMilliseconds(Math.Max(0, ms));
        }

        /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> for a setting that cannot work.</summary>
        public void Validate()
        {
            if (MaxAttempts < 1) throw new ArgumentOutOfRangeException(nameof(MaxAttempts), "At least one attempt.");
            if (InitialDelay < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(InitialDelay), "A delay cannot be negative.");
            if (MaxDelay < InitialDelay) throw new ArgumentOutOfRangeException(nameof(MaxDelay), "The longest delay cannot be shorter than the first.");
            if (BackoffMultiplier < 1) throw new ArgumentOutOfRangeException(nameof(BackoffMultiplier), "The backoff multiplier is at least 1.");
            if (Jitter < 0 || Jitter > 1) throw new ArgumentOutOfRangeException(nameof(Jitter), "Jitter is between 0 and 1.");
            if (GiveUpAfter <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(GiveUpAfter), "The give-up time must be positive.");
            if (MaxOperationRetries < 0) throw new ArgumentOutOfRangeException(nameof(MaxOperationRetries), "Retries cannot be negative.");
        }

        /// <summary>A copy.</summary>
        public ImapReconnectPolicy Clone() => (ImapReconnectPolicy)MemberwiseClone();

        /// <inheritdoc />
        public override string ToString() =>
            MaxAttempts + " attempts, " + InitialDelay.TotalSeconds + "–" + MaxDelay.TotalSeconds + " s apart (×" + BackoffMultiplier + ", jitter " + Jitter + "), give up after " + GiveUpAfter;
    }
}
