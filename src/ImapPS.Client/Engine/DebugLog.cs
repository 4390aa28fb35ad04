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
        private readonly string[] _ring = new string[RingSize];
        private int _next;
        private int _count;
        private readonly object _lock = new object();

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

        public void Log(int level, string message)
        {
            if (!Enabled(level)) return;
            string line = DateTime.UtcNow.ToString("HH:mm:ss.fff") + " " + Identifier + " " + message;
            Line?.Invoke(level, message);
            if (level <= Level)
            {
                lock (_lock) Write(line);
            }
            else if (level <= BufferLevel)
            {
                lock (_lock)
                {
                    _ring[_next] = line;
                    _next = (_next + 1) % RingSize;
                    if (_count < RingSize) _count++;
                }
            }
        }

        /// <summary>The buffered lines, oldest first.</summary>
        public IReadOnlyList<string> Buffered
        {
            get
            {
                lock (_lock)
                {
                    var list = new List<string>(_count);
                    int start = (_next - _count + RingSize) % RingSize;
                    for (int i = 0; i < _count; i++) list.Add(_ring[(start + i) % RingSize]);
                    return list;
                }
            }
        }

        /// <summary>Writes the ring buffer (on error), then empties it.</summary>
        public void DumpBuffer(string reason)
        {
            lock (_lock)
            {
                if (_count == 0) return;
                Write(Identifier + " last " + _count + " debug lines before: " + reason);
                int start = (_next - _count + RingSize) % RingSize;
                for (int i = 0; i < _count; i++) Write("  " + _ring[(start + i) % RingSize]);
                _count = 0;
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
