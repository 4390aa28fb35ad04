using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using ImapPS.Client.Protocol;

namespace ImapPS.Client
{
    // Events and imaplib2's callbacks: what the server reports unasked reaches the caller here, on
    // the thread pool and in order, so a slow handler never stalls the reader.
    public partial class Imap4Client
    {
        /// <summary>Raised (on a thread-pool thread, in order) when the server reports a change to the selected mailbox.</summary>
        public event EventHandler<MailboxChangedEventArgs>? MailboxChanged;

        /// <summary>Raised (on a thread-pool thread, in order) for untagged responses no command claimed, and for ALERTs.</summary>
        public event EventHandler<UntaggedResponseEventArgs>? UntaggedResponse;

        private void RaiseChange(ServerResponse r, PendingCommand? claimant)
        {
            if (MailboxChanged == null && UntaggedResponse == null) return;
            bool selecting;
            lock (_lock) selecting = IsSelecting();
            switch (r.Name)
            {
                case "EXISTS":
                    if (!selecting) _events.Enqueue(Change(MailboxChangeKind.Exists, r.Number, null, null, r));
                    return;
                case "RECENT":
                    if (!selecting) _events.Enqueue(Change(MailboxChangeKind.Recent, r.Number, null, null, r));
                    return;
                case "EXPUNGE":
                    _events.Enqueue(Change(MailboxChangeKind.Expunge, r.Number, null, null, r));
                    return;
                case "VANISHED":
                    _events.Enqueue(Change(MailboxChangeKind.Vanished, 0, null, null, r));
                    return;
                case "FLAGS":
                    if (!selecting) _events.Enqueue(Change(MailboxChangeKind.MailboxFlags, 0, null, ReadFlagList(r.Data), r));
                    return;
                case "FETCH":
                    // FETCH data claimed by IDLE is still news from the server (flags changed elsewhere).
                    if (claimant != null && !claimant.Spec.ReportsClaimedChanges) return;
                    string[]? flags = null;
                    var e = r.Data.GetEnumerator();
                    while (e.MoveNext())
                    {
                        var key = e.Current;
                        if (!e.MoveNext()) break;
                        if (key.IsAtom("FLAGS")) flags = ReadFlagList(e.Current);
                    }
                    _events.Enqueue(Change(MailboxChangeKind.Flags, r.Number, FetchUid(r), flags, r));
                    return;
                default:
                    _events.Enqueue(new UntaggedResponseEventArgs(r));
                    return;
            }
        }

        private MailboxChangedEventArgs Change(MailboxChangeKind kind, uint number, uint? uid, IReadOnlyList<string>? flags, ServerResponse r)
            => new MailboxChangedEventArgs(kind, SelectedMailbox, number, uid, flags, r);

        /// <summary>Runs a command in imaplib2's callback style: returns at once, calls back later on the thread pool.</summary>
        internal ImapResponse? WithCallback(Task<ImapResponse> task, ImapCallback? callback, object? argument)
        {
            if (callback == null) return Sync(task);
            task.ContinueWith(t =>
            {
                ImapResponse? result = null;
                Exception? error = null;
                if (t.IsFaulted) error = t.Exception!.GetBaseException();
                else if (t.IsCanceled) error = new ImapAbortException("The command was cancelled.");
                else result = t.Result;
                try
                {
                    callback(result, argument, error);
                }
                catch (Exception e)
                {
                    // imaplib2 logs a failing callback and carries on; the connection must not suffer for it.
                    _debug.Log(1, "callback failed: " + e.GetType().Name + ": " + e.Message);
                    _debug.DumpBuffer("a callback failed");
                    CallbackFailed?.Invoke(this, new CallbackFailedEventArgs(e, argument));
                }
            }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            return null;
        }

        /// <summary>Raised (on the thread that ran the callback) when a command's callback throws. The client stays usable.</summary>
        public event EventHandler<CallbackFailedEventArgs>? CallbackFailed;

        /// <summary>Delivers events one at a time, in order, on the thread pool, so handlers never stall the reader.</summary>
        private sealed class EventQueue
        {
            private readonly Imap4Client _client;
            private readonly Queue<EventArgs> _queue = new Queue<EventArgs>();
            private bool _draining;

            public EventQueue(Imap4Client client) => _client = client;

            public void Enqueue(EventArgs e)
            {
                lock (_queue)
                {
                    _queue.Enqueue(e);
                    if (_draining) return;
                    _draining = true;
                }
                ThreadPool.QueueUserWorkItem(_ => Drain());
            }

            private void Drain()
            {
                while (true)
                {
                    EventArgs e;
                    lock (_queue)
                    {
                        if (_queue.Count == 0)
                        {
                            _draining = false;
                            return;
                        }
                        e = _queue.Dequeue();
                    }
                    try
                    {
                        if (e is MailboxChangedEventArgs m) _client.MailboxChanged?.Invoke(_client, m);
                        else if (e is UntaggedResponseEventArgs u) _client.UntaggedResponse?.Invoke(_client, u);
                    }
                    catch (Exception ex)
                    {
                        _client._debug.Log(1, "event handler failed: " + ex.Message);
                    }
                }
            }
        }
    }
}
