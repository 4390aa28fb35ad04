using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Threading;

namespace ImapPS.Client
{
    /// <summary>
    /// imaplib2's debug output: messages at or below <see cref="Level"/> are written at once;
    /// messages up to <see cref="BufferLevel"/> are kept in a ring of the last
    /// <see cref="RingSize"/> lines, which is written out when the connection fails. Callers pass
    /// text that is already redacted (commands render secrets as ***).
    /// </summary>
    internal sealed class DebugLog
    {
        public const int RingSize = 20;
        private const int MaxMessageLength = 400;
        private readonly Entry[] _ring = new Entry[RingSize];
        private int _next;
        private int _count;
        private readonly object _lock = new object();

        /// <summary>
        /// A ring entry keeps the message object and formats it only when the ring is read: the
        /// ring records every command and response by default, and formatting each one cost a
        /// quarter of a bulk FETCH's time.
        /// </summary>
        private struct Entry
        {
            public DateTime Time;
            public string Prefix;
            public object Message;
        }

        public DebugLog(int level, int bufferLevel, TextWriter? writer, string identifier)
        {
            Level = level;
            BufferLevel = bufferLevel;
            Writer = writer ?? Console.Error;
            Identifier = identifier;
        }

        public int Level { get; set; }
        public int BufferLevel { get; set; }
        public TextWriter Writer { get; set; }
        public string Identifier { get; }

        /// <summary>Raised for every line logged at any level, for hosts that show their own trace (e.g. -Debug).</summary>
        public event Action<int, string>? Line;

        public bool Enabled(int level) => level <= Level || level <= BufferLevel || Line != null;

        public void Log(int level, string message) => Log(level, "", message);

        /// <summary>
        /// Logs <paramref name="prefix"/> followed by <paramref name="message"/>'s text. The message's
        /// ToString must already be redacted (commands and responses are).
        /// </summary>
        public void Log(int level, string prefix, object message)
        {
            if (!Enabled(level)) return;
            var line = Line;
            if (line != null) line(level, prefix + Render(message));
            if (level <= Level)
            {
                string text = Format(DateTime.UtcNow, prefix, message);
                lock (_lock) Write(text);
            }
            else if (level <= BufferLevel)
            {
                lock (_lock)
                {
                    _ring[_next] = new Entry { Time = DateTime.UtcNow, Prefix = prefix, Message = message };
                    _next = (_next + 1) % RingSize;
                    if (_count < RingSize) _count++;
                }
            }
        }

        private static string Render(object message)
        {
            string text = message as string ?? message.ToString() ?? "";
            return text.Length <= MaxMessageLength ? text : text.Substring(0, MaxMessageLength) + "…";
        }

        private string Format(DateTime time, string prefix, object message)
            => time.ToString("HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture) + " " + Identifier + " " + prefix + Render(message);

        /// <summary>The buffered lines, oldest first.</summary>
        public IReadOnlyList<string> Buffered
        {
            get
            {
                lock (_lock)
                {
                    var list = new List<string>(_count);
                    int start = (_next - _count + RingSize) % RingSize;
                    for (int i = 0; i < _count; i++)
                    {
                        var e = _ring[(start + i) % RingSize];
                        list.Add(Format(e.Time, e.Prefix, e.Message));
                    }
                    return list;
                }
            }
        }

        /// <summary>Writes the ring buffer (on error), then empties it.</summary>
        public void DumpBuffer(string reason)
        {
            var lines = Buffered;
            lock (_lock)
            {
                if (lines.Count == 0) return;
                Write(Identifier + " last " + lines.Count + " debug lines before: " + reason);
                foreach (var l in lines) Write("  " + l);
                _count = 0;
                Array.Clear(_ring, 0, RingSize);
            }
        }

        private void Write(string line)
        {
            try
            {
                Writer.WriteLine(line);
                Writer.Flush();
            }
            catch (Exception) { /* a broken debug writer must not break the connection */ }
        }
    }
}
