using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using ImapPS.Client.Transport;

namespace ImapPS.Client
{
    // The watchdog: the timer that aborts a connection whose server stays silent, finds a dead peer,
    // and enforces command deadlines, and the timer that renews IDLE. Kept apart from the command
    // path so timeout policy lives in one file.
    //
    // Bounds (all measured by one timer that ticks every WatchPeriod, at most 1 s):
    // - a command waiting for the server: ResponseTimeout of silence (no byte read since its last write);
    // - what a live server answers at once (an IDLE's continuation, DONE, a NOOP with nothing else in
    //   flight): DeadPeerTimeout of silence, at most ResponseTimeout;
    // - any command but IDLE: CommandDeadline from the call, however steadily bytes arrive.
    // During IDLE nothing is owed, so IDLE is renewed (DONE sent) every IdleRenewal: a frozen server
    // is found within IdleRenewal + DeadPeerTimeout + WatchPeriod.
    public partial class Imap4Client
    {
        private Timer? _watchdog;
        private Timer? _idleTimer;
        private readonly AsyncLocal<DeadlineScope?> _deadlineScope = new AsyncLocal<DeadlineScope?>();

        private TimeSpan WatchPeriod
        {
            get
            {
                var t = Shortest(Shortest(Options.ResponseTimeout, Options.DeadPeerTimeout), Options.CommandDeadline);
                if (t == null) return TimeSpan.FromSeconds(1);
                long ms = Math.Max(20, Math.Min(1000, (long)t.Value.TotalMilliseconds / 5));
                return TimeSpan.FromMilliseconds(ms);
            }
        }

        private static TimeSpan? Shortest(TimeSpan? a, TimeSpan? b) => a == null ? b : b == null ? a : (a < b ? a : b);

        /// <summary>How long a DONE, an IDLE's continuation or a lone NOOP may go unanswered, or null.</summary>
        private TimeSpan? DeadPeerLimit => Shortest(Options.ResponseTimeout, Options.DeadPeerTimeout);

        /// <summary>Starts the watchdog and turns TCP keepalive on (once the greeting is in).</summary>
        private void StartWatchdog()
        {
            if (_transport is TcpTransport tcp && !tcp.EnableKeepAlive(Options.TcpKeepAlive))
                _debug.Log(1, "TCP keepalive could not be turned on");
            _watchdog = new Timer(_ => Watch(), null, WatchPeriod, WatchPeriod);
        }

        /// <summary>
        /// Makes every command issued by this thread or async flow until the result is disposed use
        /// <paramref name="deadline"/> instead of <see cref="ImapClientOptions.CommandDeadline"/>
        /// (null: no deadline). Scopes nest; dispose them in reverse order.
        /// </summary>
        /// <example><code>using (client.WithCommandDeadline(TimeSpan.FromMinutes(5))) client.Fetch("1:*", "(BODY.PEEK[])");</code></example>
        public IDisposable WithCommandDeadline(TimeSpan? deadline)
        {
            if (deadline != null && deadline <= TimeSpan.Zero)
                throw new ArgumentOutOfRangeException(nameof(deadline), deadline, "The command deadline must be positive (or null).");
            var scope = new DeadlineScope(this, deadline, _deadlineScope.Value);
            _deadlineScope.Value = scope;
            return scope;
        }

        private sealed class DeadlineScope : IDisposable
        {
            private readonly Imap4Client _client;

            public DeadlineScope(Imap4Client client, TimeSpan? deadline, DeadlineScope? outer)
            {
                _client = client;
                Deadline = deadline;
                Outer = outer;
            }

            public TimeSpan? Deadline { get; }
            public DeadlineScope? Outer { get; }

            public void Dispose()
            {
                if (ReferenceEquals(_client._deadlineScope.Value, this)) _client._deadlineScope.Value = Outer;
            }
        }

        /// <summary>Gives a command just issued its deadline (IDLE has none: its own timeout bounds it).</summary>
        private void ArmDeadline(PendingCommand cmd)
        {
            if (cmd.Spec.Name == "IDLE") return;
            var scope = _deadlineScope.Value;
            var deadline = scope != null ? scope.Deadline : Options.CommandDeadline;
            if (deadline == null) return;
            cmd.Deadline = deadline.Value;
            cmd.DeadlineTicks = Stopwatch.GetTimestamp() + Ticks(deadline.Value);
        }

        /// <summary>A command whose deadline passed before it was sent fails alone; nothing was written. Caller holds the lock.</summary>
        private static void ThrowIfPastDeadline(PendingCommand cmd)
        {
            if (cmd.DeadlineTicks != 0 && !cmd.Sent && Stopwatch.GetTimestamp() > cmd.DeadlineTicks)
                throw DeadlineBeforeSending(cmd);
        }

        private static ImapDeadlineException DeadlineBeforeSending(PendingCommand cmd)
            => new ImapDeadlineException("The command " + cmd.Spec.Name + " was not sent: its deadline of " + Seconds(cmd.Deadline) +
                " s passed while it waited for the commands before it. The connection is still usable.", cmd.Spec.Name, cmd.Deadline);

        private static long Ticks(TimeSpan t) => (long)(t.TotalSeconds * Stopwatch.Frequency);

        private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);

        private void Watch()
        {
            try
            {
                if (_abortError != null) return;
                var timeout = Options.ResponseTimeout;
                var deadPeer = DeadPeerLimit;
                long now = Stopwatch.GetTimestamp();
                long limit = timeout == null ? long.MaxValue : Ticks(timeout.Value);
                long peerLimit = deadPeer == null ? long.MaxValue : Ticks(deadPeer.Value);
                if (timeout != null && Volatile.Read(ref _writesInProgress) > 0 && now - Interlocked.Read(ref _writeProgressTicks) > limit)
                {
                    Abort(new ImapTimeoutException("The server did not take the command's bytes within " + timeout.Value.TotalSeconds + " s; the connection was closed.",
                        ImapTimeoutKind.Write, timeout.Value));
                    return;
                }
                long lastRead = Interlocked.Read(ref _lastReadTicks);
                ImapTimeoutException? timedOut = null;
                List<PendingCommand>? unsent = null;
                lock (_lock)
                {
                    bool alone = _running.Count == 1;
                    foreach (var c in _running)
                    {
                        if (c.DeadlineTicks != 0 && now > c.DeadlineTicks)
                        {
                            if (!c.Sent) { (unsent ??= new List<PendingCommand>()).Add(c); continue; }
                            timedOut = new ImapTimeoutException("The command " + c.Spec.Name + " did not complete within its deadline of " + Seconds(c.Deadline) +
                                " s (the server may be sending its answer slowly); its answer may be half read, so the connection was closed.",
                                ImapTimeoutKind.CommandDeadline, c.Deadline, c.Spec.Name);
                            break;
                        }
                        long written = Interlocked.Read(ref c.LastWriteTicks);
                        if (!c.Sent || c.Idling || written == 0) continue;
                        // What a live server answers at once: its silence means a dead peer, sooner.
                        bool probe = c.Spec.Name == "IDLE" || (alone && string.Equals(c.Spec.Name, "NOOP", StringComparison.OrdinalIgnoreCase));
                        // Silence counts from the later of the command's last write and the last byte read.
                        long silence = now - Math.Max(written, lastRead);
                        if (probe && silence > peerLimit)
                        {
                            string what = c.Spec.Name == "IDLE" ? (c.DoneSent ? "DONE" : "IDLE") : c.Spec.Name;
                            timedOut = new ImapTimeoutException("The server did not answer within " + Seconds(deadPeer!.Value) + " s (" + what +
                                " unanswered: the server is not responding, a dead peer); the connection was closed.", ImapTimeoutKind.DeadPeer, deadPeer.Value, what);
                            break;
                        }
                        if (silence > limit)
                        {
                            timedOut = new ImapTimeoutException("The server did not answer within " + timeout!.Value.TotalSeconds + " s; the connection was closed.",
                                ImapTimeoutKind.Response, timeout.Value, c.Spec.Name);
                            break;
                        }
                    }
                    if (timedOut == null)
                        foreach (var c in _waiting)
                            if (c.DeadlineTicks != 0 && now > c.DeadlineTicks) (unsent ??= new List<PendingCommand>()).Add(c);
                }
                if (timedOut != null)
                {
                    Abort(timedOut);
                    return;
                }
                // Only a command still waiting for admission is failed from here. One admitted meanwhile,
                // or waiting for the write lock, is refused by Register's check (ThrowIfUnusable) under
                // the lock that marks it sent, so a command is never reported unsent after it was written.
                if (unsent != null)
                    foreach (var c in unsent)
                        c.Admitted.TrySetException(DeadlineBeforeSending(c));
            }
            catch (Exception e)
            {
                // A timer callback must never throw: that would end the process.
                _debug.Log(1, "watchdog failed: " + e.Message);
            }
        }
    }
}
