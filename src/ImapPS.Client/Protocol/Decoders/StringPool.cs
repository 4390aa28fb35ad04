using System;

namespace ImapPS.Client.Protocol
{
    /// <summary>
    /// A small per-thread cache of short ASCII strings (host names, mailbox local parts, display
    /// names, MIME parameter values). A mailbox listing repeats the same few senders and domains
    /// thousands of times; handing out the same string instance for the same bytes saves most of the
    /// allocations of decoding an envelope. Collisions simply replace the slot: the cache never grows.
    /// </summary>
    internal static class StringPool
    {
        private const int Size = 1024;
        internal const int MaxLength = 48;

        [ThreadStatic]
        private static string?[]? _entries;

        /// <summary>The string for ASCII bytes, from the cache when present; null when the bytes are not short ASCII.</summary>
        internal static string? Get(byte[] b, int start, int length)
        {
            if (length > MaxLength) return null;
            if (length == 0) return string.Empty;
            uint hash = 2166136261;
            for (int i = start; i < start + length; i++)
            {
                byte c = b[i];
                if (c >= 0x80) return null;
                hash = (hash ^ c) * 16777619;
            }
            var entries = _entries ??= new string?[Size];
            int slot = (int)(hash & (Size - 1));
            string? existing = entries[slot];
            if (existing != null && existing.Length == length)
            {
                int i = 0;
                while (i < length && existing[i] == b[start + i]) i++;
                if (i == length) return existing;
            }
            var created = CreateAscii(b, start, length);
            entries[slot] = created;
            return created;
        }

        private static string CreateAscii(byte[] b, int start, int length)
        {
            return ImapText.Ascii(b, start, length);
        }
    }
}

namespace ImapPS.Client.Protocol
{
    /// <summary>
    /// A fixed set of words (flags, media types, parameter names) looked up by bytes, ignoring ASCII
    /// case, through a small open-addressing hash table: one hash pass and usually one comparison,
    /// instead of comparing against every word.
    /// </summary>
    internal sealed class WordTable
    {
        private readonly string?[] _slots;
        private readonly int _mask;

        internal WordTable(params string[] words)
        {
            int size = 16;
            while (size < words.Length * 4) size *= 2;
            _slots = new string?[size];
            _mask = size - 1;
            foreach (var word in words)
            {
                int slot = (int)(Hash(word) & (uint)_mask);
                while (_slots[slot] != null) slot = (slot + 1) & _mask;
                _slots[slot] = word;
            }
        }

        private static uint Hash(string s)
        {
            uint hash = 2166136261;
            foreach (char c in s) hash = (hash ^ (uint)(c | 0x20)) * 16777619;
            return hash;
        }

        /// <summary>The table's word equal to the bytes (ignoring ASCII case), or null.</summary>
        internal string? Find(byte[] b, int start, int length)
        {
            uint hash = 2166136261;
            for (int i = start; i < start + length; i++) hash = (hash ^ (uint)(b[i] | 0x20)) * 16777619;
            int slot = (int)(hash & (uint)_mask);
            while (true)
            {
                string? word = _slots[slot];
                if (word == null) return null;
                if (word.Length == length && ImapValue.AsciiEqualsIgnoreCase(b, start, length, word)) return word;
                slot = (slot + 1) & _mask;
            }
        }
    }
}
