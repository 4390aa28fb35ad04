using System;
using System.Diagnostics;
using System.Threading;

namespace ImapPS.Client
{
    // The watchdog: the timer that aborts a connection whose server stays silent, and the timer
    // that renews IDLE. Kept apart from the command path so timeout policy lives in one file.
    public partial class Imap4Client
    {
        private Timer? _watchdog;
        private Timer? _idleTimer;

        private TimeSpan WatchPeriod
        {
            get
            {
                var t = Options.ResponseTimeout;
                if (t == null) return TimeSpan.FromSeconds(1);
                long ms = Math.Max(20, Math.Min(1000, (long)t.Value.TotalMilliseconds / 5));
                return TimeSpan.FromMilliseconds(ms);
            }
        }

        private void Watch()
        {
            try
            {
                var timeout = Options.ResponseTimeout;
                if (timeout == null || _abortError != null) return;
                long now = Stopwatch.GetTimestamp();
                long limit = (long)(timeout.Value.TotalSeconds * Stopwatch.Frequency);
                if (Volatile.Read(ref _writesInProgress) > 0 && now - Interlocked.Read(ref _writeProgressTicks) > limit)
                {
                    Abort(new ImapAbortException("The server did not take the command's bytes within " + timeout.Value.TotalSeconds + " s; the connection was closed."));
                    return;
                }
                long lastRead = Interlocked.Read(ref _lastReadTicks);
                bool silent = false;
                lock (_lock)
                {
                    foreach (var c in _running)
                    {
                        long written = Interlocked.Read(ref c.LastWriteTicks);
                        if (!c.Sent || c.Idling || written == 0) continue;
                        // Silence counts from the later of the command's last write and the last byte read.
                        if (now - Math.Max(written, lastRead) > limit) { silent = true; break; }
                    }
                }
                if (silent)
                    Abort(new ImapAbortException("The server did not answer within " + timeout.Value.TotalSeconds + " s; the connection was closed."));
            }
            catch (Exception e)
            {
                // A timer callback must never throw: that would end the process.
                _debug.Log(1, "watchdog failed: " + e.Message);
            }
        }
    }
}
