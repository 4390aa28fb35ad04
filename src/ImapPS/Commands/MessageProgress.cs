using System;
using System.Management.Automation;

namespace ImapPS.Commands
{
    /// <summary>
    /// Progress of a cmdlet that works through many messages. Each report is a new ProgressRecord
    /// (a host or a progress collection keeps the record it is given, so reusing one would make
    /// every collected record read as the last), with the true count so far and, when known, the
    /// total. Small jobs report nothing, so a one-message command does not flash a progress bar.
    /// Call it on the pipeline thread only.
    /// </summary>
    internal sealed class MessageProgress
    {
        /// <summary>Jobs of fewer messages than this show no progress.</summary>
        internal const int Threshold = 100;

        private readonly Cmdlet _cmdlet;
        private readonly int _activityId;
        private readonly string _activity;
        private readonly string _verb;
        private long _total;
        private bool _totalKnown;
        private long _lastShown;
        private bool _shown;

        /// <param name="cmdlet">The cmdlet that writes the records.</param>
        /// <param name="activity">The activity (the cmdlet's name).</param>
        /// <param name="verb">What happened to a message, for the status line: "copied", "saved", …</param>
        internal MessageProgress(Cmdlet cmdlet, string activity, string verb)
        {
            _cmdlet = cmdlet;
            _activity = activity;
            _verb = verb;
            _activityId = StableId(activity);
        }

        /// <summary>The messages done so far.</summary>
        internal long Count { get; private set; }

        /// <summary>Adds <paramref name="messages"/> to the total (when the whole job is known up front).</summary>
        internal void AddToTotal(long messages)
        {
            _total += messages;
            _totalKnown = true;
        }

        /// <summary>Counts <paramref name="messages"/> more as done and reports when the job is large enough.</summary>
        /// <param name="messages">How many messages were just finished.</param>
        /// <param name="where">Where, for the status line (e.g. "to Archive"), or null.</param>
        internal void Add(long messages, string? where = null)
        {
            if (messages <= 0) return;
            Count += messages;
            if (!_shown && Math.Max(Count, _totalKnown ? _total : 0) < Threshold) return;
            // At most about fifty updates per job; always the last one.
            long step = _totalKnown ? Math.Max(1, _total / 50) : 1;
            if (_shown && Count - _lastShown < step && !(_totalKnown && Count >= _total)) return;
            string status = Count + (_totalKnown ? " of " + _total : "") + " messages " + _verb + (string.IsNullOrEmpty(where) ? "" : " " + where);
            var record = new ProgressRecord(_activityId, _activity, status)
            {
                PercentComplete = _totalKnown && _total > 0 ? (int)Math.Min(100, 100 * Count / _total) : -1,
            };
            _cmdlet.WriteProgress(record);
            _shown = true;
            _lastShown = Count;
        }

        /// <summary>Ends the progress bar (when one was shown).</summary>
        internal void Complete()
        {
            if (!_shown) return;
            _shown = false;
            _cmdlet.WriteProgress(new ProgressRecord(_activityId, _activity, Count + " messages " + _verb) { RecordType = ProgressRecordType.Completed, PercentComplete = 100 });
        }

        /// <summary>An activity id from the activity's name, the same in every process (string.GetHashCode is not).</summary>
        private static int StableId(string activity)
        {
            unchecked
            {
                int hash = 17;
                foreach (char c in activity) hash = hash * 31 + c;
                return (hash & 0x7FFFFFFF) % 100000 + 1;
            }
        }
    }
}
