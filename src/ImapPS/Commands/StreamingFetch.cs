using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Management.Automation;
using System.Threading.Tasks;
using ImapPS.Client;
using ImapPS.Client.Protocol;

namespace ImapPS.Commands
{
    /// <summary>One thing a <see cref="StreamingFetch"/> hands to the pipeline thread: a message's data, or the end of a batch.</summary>
    internal readonly struct FetchEvent
    {
        private FetchEvent(FetchData? data, int batch, bool succeeded)
        {
            Data = data;
            Batch = batch;
            Succeeded = succeeded;
        }

        /// <summary>A FETCH response of the batch, decoded; null for a batch's end.</summary>
        public FetchData? Data { get; }

        /// <summary>The batch the event belongs to (the number given to <see cref="StreamingFetch.Issue"/>).</summary>
        public int Batch { get; }

        /// <summary>For a batch's end: true when the server answered OK (a failure was already written as an error).</summary>
        public bool Succeeded { get; }

        /// <summary>True for a batch's end.</summary>
        public bool IsCompletion => Data == null;

        internal static FetchEvent Arrived(int batch, FetchData data) => new FetchEvent(data, batch, true);

        internal static FetchEvent Completed(int batch, bool succeeded) => new FetchEvent(null, batch, succeeded);
    }

    /// <summary>
    /// The one streaming FETCH of the cmdlets: each batch is issued while the mailbox is leased
    /// (never held while the pipeline writes), the engine's reader hands each FETCH response to a
    /// queue, and the pipeline thread takes, decodes and returns them as they arrive, flushing the
    /// engine's trace meanwhile and stopping at Ctrl+C. A batch that fails writes one error (a lost
    /// connection terminates, as <see cref="ImapSessionCmdlet"/>'s TryRun does) and ends with an
    /// unsuccessful completion; the caller decides what is missing. It counts progress per message
    /// and remembers the last UID handed out, so a later reconnect can resume after it.
    /// </summary>
    internal sealed class StreamingFetch
    {
        private readonly ImapCmdlet _cmdlet;
        private readonly object? _target;
        private readonly MessageProgress? _progress;
        private readonly string? _progressWhere;
        private readonly BlockingCollection<object> _queue = new BlockingCollection<object>();
        private readonly HashSet<uint>? _counted;

        /// <param name="cmdlet">The cmdlet whose pipeline thread takes the results.</param>
        /// <param name="target">The target object of errors (the mailbox, the UIDs).</param>
        /// <param name="progress">Counts each message once as its first response arrives; null for none.</param>
        /// <param name="progressWhere">Where, for the progress status line.</param>
        internal StreamingFetch(ImapCmdlet cmdlet, object? target, MessageProgress? progress = null, string? progressWhere = null)
        {
            _cmdlet = cmdlet;
            _target = target;
            _progress = progress;
            _progressWhere = progressWhere;
            if (progress != null) _counted = new HashSet<uint>();
        }

        /// <summary>Batches issued whose end has not been returned yet.</summary>
        internal int InFlight { get; private set; }

        /// <summary>The UID of the last message data returned by <see cref="Next"/>, or null (where a resumed fetch would start after).</summary>
        internal uint? LastEmittedUid { get; private set; }

        /// <summary>
        /// Leases the mailbox with <paramref name="lease"/> and, while it is held, issues
        /// <paramref name="fetch"/> with the callback that queues its responses. False when no
        /// lease could be had (the lease wrote why); nothing was issued then.
        /// </summary>
        internal bool Issue(int batch, Func<MailboxLease?> lease, Func<MailboxLease, Action<ServerResponse>, Task<ImapResponse>> fetch)
        {
            Task<ImapResponse> task;
            using (var held = lease())
            {
                if (held == null) return false;
                task = fetch(held, r => _queue.Add(new KeyValuePair<int, ServerResponse>(batch, r)));
            }
            InFlight++;
            task.ContinueWith(t => _queue.Add(new KeyValuePair<int, Task<ImapResponse>>(batch, t)), TaskScheduler.Default);
            return true;
        }

        /// <summary>Waits on the pipeline thread for the next response or batch end. Call only while <see cref="InFlight"/> is above 0.</summary>
        internal FetchEvent Next()
        {
            if (InFlight == 0) throw new InvalidOperationException("No fetch is in flight.");
            object item;
            try
            {
                while (!_queue.TryTake(out item!, 50, _cmdlet.StopToken)) _cmdlet.FlushTrace();
            }
            catch (OperationCanceledException)
            {
                throw new PipelineStoppedException();
            }
            if (item is KeyValuePair<int, ServerResponse> response)
            {
                var data = FetchData.Parse(response.Value);
                if (data.Uid is uint uid)
                {
                    LastEmittedUid = uid;
                    if (_counted != null && _counted.Add(uid)) _progress!.Add(1, _progressWhere);
                }
                return FetchEvent.Arrived(response.Key, data);
            }
            var completed = (KeyValuePair<int, Task<ImapResponse>>)item;
            InFlight--;
            _cmdlet.FlushTrace();
            var t = completed.Value;
            if (t.IsFaulted || t.IsCanceled)
            {
                var ex = t.Exception?.GetBaseException() ?? new OperationCanceledException();
                if (ex is OperationCanceledException && _cmdlet.StopToken.IsCancellationRequested) throw new PipelineStoppedException();
                if (ImapCmdlet.IsFatal(ex)) _cmdlet.ThrowTerminatingError(ImapCmdlet.ErrorFor(ex, _target));
                _cmdlet.WriteError(ImapCmdlet.ErrorFor(ex, _target));
                return FetchEvent.Completed(completed.Key, false);
            }
            return FetchEvent.Completed(completed.Key, true);
        }

        /// <summary>
        /// Issues one fetch and returns its messages' data as they arrive, until it ends.
        /// <see cref="LastSucceeded"/> then tells whether it ended with OK.
        /// </summary>
        internal IEnumerable<FetchData> Run(Func<MailboxLease?> lease, Func<MailboxLease, Action<ServerResponse>, Task<ImapResponse>> fetch)
        {
            LastSucceeded = false;
            LastIssued = Issue(0, lease, fetch);
            if (!LastIssued) yield break;
            while (InFlight > 0)
            {
                var e = Next();
                if (e.IsCompletion) LastSucceeded = e.Succeeded;
                else yield return e.Data!;
            }
        }

        /// <summary>Whether the last <see cref="Run"/> ended with the server's OK.</summary>
        internal bool LastSucceeded { get; private set; }

        /// <summary>Whether the last <see cref="Run"/> got its lease and issued the fetch (when not, the lease wrote why, and the mailbox cannot be used now).</summary>
        internal bool LastIssued { get; private set; }
    }
}
