using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using ImapPS.Client.Protocol;

namespace ImapPS.Client
{
    /// <summary>
    /// imaplib2's untagged-response pool: the responses no command took as its data, in order of
    /// reception, read by name with <c>response(code)</c> or all at once with
    /// <c>pop_untagged_responses()</c>. An untagged status response is kept twice, as imaplib2
    /// keeps it: once under its status (OK, NO, BAD, with the text and code) and once under its
    /// response code (with the code's arguments). Each name keeps at most a bounded number of
    /// entries, the oldest dropped first, so a server that floods unsolicited responses cannot grow
    /// it without limit; every operation is O(1) per entry. Not thread-safe: the client calls it
    /// under its lock.
    /// </summary>
    internal sealed class UntaggedPool
    {
        private readonly LinkedList<Entry> _order = new LinkedList<Entry>();
        private readonly Dictionary<string, Queue<LinkedListNode<Entry>>> _byName = new Dictionary<string, Queue<LinkedListNode<Entry>>>(StringComparer.Ordinal);
        private readonly Func<int> _limit;

        public UntaggedPool(Func<int> limitPerName) => _limit = limitPerName;

        /// <summary>How a pooled response is read back.</summary>
        public enum Kind : byte
        {
            /// <summary>A data response: its number and data (<c>* 3 EXISTS</c> → "3").</summary>
            Data,
            /// <summary>A status response under its status: the text with its response code.</summary>
            Status,
            /// <summary>A response code under its name: the code's arguments, "" when it has none.</summary>
            Code,
        }

        private readonly struct Entry
        {
            public Entry(string name, ServerResponse response, Kind kind)
            {
                Name = name;
                Response = response;
                Kind = kind;
            }

            public string Name { get; }
            public ServerResponse Response { get; }
            public Kind Kind { get; }
        }

        public int Count => _order.Count;

        public void Add(string name, ServerResponse response, Kind kind)
        {
            if (!_byName.TryGetValue(name, out var queue)) _byName[name] = queue = new Queue<LinkedListNode<Entry>>();
            if (queue.Count >= Math.Max(1, _limit())) _order.Remove(queue.Dequeue());
            queue.Enqueue(_order.AddLast(new Entry(name, response, kind)));
        }

        /// <summary>Removes and returns, oldest first, the responses kept under <paramref name="name"/> with their texts; null when there are none.</summary>
        public List<KeyValuePair<string, ServerResponse>>? Take(string name)
        {
            if (!_byName.TryGetValue(name, out var queue)) return null;
            _byName.Remove(name);
            var taken = new List<KeyValuePair<string, ServerResponse>>(queue.Count);
            foreach (var node in queue)
            {
                _order.Remove(node);
                taken.Add(new KeyValuePair<string, ServerResponse>(TextOf(node.Value), node.Value.Response));
            }
            return taken;
        }

        /// <summary>The text of the newest entry of <paramref name="name"/>, left in place; null when there is none.</summary>
        public string? Peek(string name)
            => _byName.TryGetValue(name, out var queue) && queue.Count > 0 ? TextOf(LastOf(queue).Value) : null;

        /// <summary>Removes and returns every entry, in order of reception.</summary>
        public List<KeyValuePair<string, string>> TakeAll()
        {
            var all = new List<KeyValuePair<string, string>>(_order.Count);
            foreach (var e in _order) all.Add(new KeyValuePair<string, string>(e.Name, TextOf(e)));
            Clear();
            return all;
        }

        /// <summary>Drops every entry kept under one of <paramref name="names"/>.</summary>
        public void Drop(params string[] names)
        {
            foreach (var name in names)
            {
                if (!_byName.TryGetValue(name, out var queue)) continue;
                foreach (var node in queue) _order.Remove(node);
                _byName.Remove(name);
            }
        }

        public void Clear()
        {
            _order.Clear();
            _byName.Clear();
        }

        private static LinkedListNode<Entry> LastOf(Queue<LinkedListNode<Entry>> queue)
        {
            LinkedListNode<Entry>? last = null;
            foreach (var node in queue) last = node;
            return last!;
        }

        private static string TextOf(Entry e)
        {
            var r = e.Response;
            switch (e.Kind)
            {
                case Kind.Status:
                    return r.TextWithCode;
                case Kind.Code:
                    var sb = new StringBuilder();
                    for (var v = r.CodeArgument; !v.IsNone; v = v.Next())
                    {
                        if (sb.Length > 0) sb.Append(' ');
                        sb.Append(v.ToString());
                    }
                    return sb.ToString();
                default:
                    if (r.HasNumber) return r.Number.ToString(CultureInfo.InvariantCulture) + (r.Data.IsNone ? "" : " " + r.DataText);
                    return r.DataText;
            }
        }
    }
}
