using System;
using System.Collections.Generic;
using System.Text;
using ImapPS.Client.Protocol;

namespace ImapPS.Client
{
    /// <summary>
    /// Receives the result of a command issued with a callback: the response (null on error), the
    /// caller's argument, and the error (null on success). Runs on a thread-pool thread.
    /// </summary>
    public delegate void ImapCallback(ImapResponse? response, object? argument, Exception? error);

    /// <summary>
    /// One item of a command's data, as imaplib2 returns it: a line of text, or a pair of the text
    /// up to a literal (ending in <c>{n}</c>) and the literal's bytes.
    /// </summary>
    public sealed class ImapDataItem
    {
        /// <summary>Creates an item.</summary>
        public ImapDataItem(string text, byte[]? literal = null)
        {
            Text = text;
            Literal = literal;
        }

        /// <summary>A list of items, as imaplib2 returns for GETQUOTAROOT (<c>[[QUOTAROOT …], [QUOTA …]]</c>); its text is the items' texts.</summary>
        public ImapDataItem(IReadOnlyList<ImapDataItem?> items)
        {
            Items = items ?? throw new ArgumentNullException(nameof(items));
            var sb = new StringBuilder("[");
            for (int i = 0; i < items.Count; i++)
            {
                if (i > 0) sb.Append(", ");
                sb.Append(items[i] == null ? "None" : "'" + items[i] + "'");
            }
            Text = sb.Append(']').ToString();
        }

        /// <summary>The items of a list item; null for a line or a pair.</summary>
        public IReadOnlyList<ImapDataItem?>? Items { get; }

        /// <summary>The text (the header of a pair).</summary>
        public string Text { get; }

        /// <summary>The literal's bytes for a pair; null for a plain line.</summary>
        public byte[]? Literal { get; }

        /// <summary>True for a (header, literal) pair.</summary>
        public bool IsPair => Literal != null;

        /// <summary>The text, with a literal shown as its size.</summary>
        public override string ToString() => Literal == null ? Text : Text + " <" + Literal.Length + " bytes>";
    }

    /// <summary>
    /// The result of a command: imaplib2's <c>(typ, [data, …])</c> as <see cref="Type"/> and
    /// <see cref="Data"/>, plus the parsed responses (<see cref="Tagged"/>, <see cref="Untagged"/>)
    /// for typed decoding.
    /// </summary>
    public sealed class ImapResponse
    {
        private readonly Func<ImapResponse, IReadOnlyList<ImapDataItem?>>? _dataFactory;
        private IReadOnlyList<ImapDataItem?>? _data;

        internal ImapResponse(string type, ServerResponse? tagged, IReadOnlyList<ServerResponse> untagged,
            Func<ImapResponse, IReadOnlyList<ImapDataItem?>>? dataFactory, IReadOnlyList<ImapDataItem?>? data = null)
        {
            Type = type;
            Tagged = tagged;
            Untagged = untagged;
            _dataFactory = dataFactory;
            _data = data;
        }

        /// <summary>
        /// What a blocking command method returns when it was given a callback: the real result goes
        /// to the callback. Its <see cref="Type"/> is empty.
        /// </summary>
        public static ImapResponse Deferred { get; } = new ImapResponse("", null, Array.Empty<ServerResponse>(), null, Array.Empty<ImapDataItem?>());

        /// <summary>"OK", "NO" or "BAD" (from the tagged response).</summary>
        public string Type { get; }

        /// <summary>True when <see cref="Type"/> is OK.</summary>
        public bool IsOk => Type == "OK";

        /// <summary>
        /// The command's data in imaplib2's form (built on first use). An item is null where
        /// imaplib2 returns <c>None</c>: a command that names its data (LIST, SEARCH, FETCH, STORE,
        /// UID …) and received none returns <c>[null]</c>, as does <c>Response(code)</c> with
        /// nothing kept; other commands return the tagged text, response code included.
        /// </summary>
        public IReadOnlyList<ImapDataItem?> Data => _data ??= _dataFactory?.Invoke(this) ?? Array.Empty<ImapDataItem?>();

        /// <summary>The tagged completion response.</summary>
        public ServerResponse? Tagged { get; }

        /// <summary>The untagged responses that belong to this command, in arrival order.</summary>
        public IReadOnlyList<ServerResponse> Untagged { get; }

        /// <summary>The tagged response's text.</summary>
        public string Text => Tagged?.Text ?? "";

        /// <summary>Deconstructs into imaplib2's pair: <c>var (type, data) = client.Noop();</c></summary>
        public void Deconstruct(out string type, out IReadOnlyList<ImapDataItem?> data)
        {
            type = Type;
            data = Data;
        }

        /// <summary>The first data item's text, or "" (also for imaplib2's <c>None</c>).</summary>
        public string FirstText => Data.Count > 0 ? Data[0]?.Text ?? "" : "";

        /// <summary>imaplib2's rendering, e.g. <c>('OK', ['1 2 3'])</c>.</summary>
        public override string ToString()
        {
            var sb = new StringBuilder("('").Append(Type).Append("', [");
            for (int i = 0; i < Data.Count; i++)
            {
                if (i > 0) sb.Append(", ");
                if (i >= 20) { sb.Append("… ").Append(Data.Count - 20).Append(" more"); break; }
                if (Data[i] == null) sb.Append("None");
                else sb.Append('\'').Append(Data[i]).Append('\'');
            }
            return sb.Append("])").ToString();
        }
    }

    /// <summary>What changed in the selected mailbox.</summary>
    public enum MailboxChangeKind
    {
        /// <summary>The message count changed (<c>* n EXISTS</c>): new messages arrived.</summary>
        Exists,
        /// <summary>The recent count changed.</summary>
        Recent,
        /// <summary>A message was expunged (<c>* n EXPUNGE</c>).</summary>
        Expunge,
        /// <summary>UIDs were expunged (<c>* VANISHED</c>, QRESYNC).</summary>
        Vanished,
        /// <summary>A message's flags changed (an unsolicited <c>* n FETCH (FLAGS …)</c>).</summary>
        Flags,
        /// <summary>The mailbox's defined flags changed (<c>* FLAGS</c>).</summary>
        MailboxFlags,
    }

    /// <summary>An unsolicited change to the selected mailbox, as reported by the server.</summary>
    public sealed class MailboxChangedEventArgs : EventArgs
    {
        internal MailboxChangedEventArgs(MailboxChangeKind kind, string? mailbox, uint number, uint? uid, IReadOnlyList<string>? flags, ServerResponse response)
        {
            Kind = kind;
            Mailbox = mailbox;
            Number = number;
            Uid = uid;
            Flags = flags;
            Response = response;
        }

        /// <summary>What changed.</summary>
        public MailboxChangeKind Kind { get; }

        /// <summary>The selected mailbox when it happened.</summary>
        public string? Mailbox { get; }

        /// <summary>The new count (Exists, Recent) or the message sequence number (Expunge, Flags).</summary>
        public uint Number { get; }

        /// <summary>The message's UID when the server told it.</summary>
        public uint? Uid { get; }

        /// <summary>The message's new flags (Flags) or the mailbox's flags (MailboxFlags).</summary>
        public IReadOnlyList<string>? Flags { get; }

        /// <summary>The response that reported the change.</summary>
        public ServerResponse Response { get; }
    }

    /// <summary>An untagged response that no command asked for, or a response code such as ALERT.</summary>
    public sealed class UntaggedResponseEventArgs : EventArgs
    {
        internal UntaggedResponseEventArgs(ServerResponse response) => Response = response;

        /// <summary>The response.</summary>
        public ServerResponse Response { get; }
    }

    /// <summary>A command's callback threw; the exception was caught so the connection carries on.</summary>
    public sealed class CallbackFailedEventArgs : EventArgs
    {
        internal CallbackFailedEventArgs(Exception error, object? argument)
        {
            Error = error;
            Argument = argument;
        }

        /// <summary>What the callback threw.</summary>
        public Exception Error { get; }

        /// <summary>The callback argument the command was issued with.</summary>
        public object? Argument { get; }
    }
}
