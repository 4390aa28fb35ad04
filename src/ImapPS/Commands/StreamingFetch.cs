using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading.Tasks;
using ImapPS.Client;
using ImapPS.Client.Protocol;

namespace ImapPS.Commands
{
    /// <summary>One thing a <see cref="StreamingFetch"/> hands to the pipeline thread: a message's data, or the end of a batch.</summary>
    internal readonly struct FetchEvent
    {
        private FetchEvent(FetchData? data, int batch, bool succeeded, bool connectionLost = false)
        {
            Data = data;
            Batch = batch;
            Succeeded = succeeded;
            ConnectionLost = connectionLost;
        }

        /// <summary>A FETCH response of the batch, decoded; null for a batch's end.</summary>
        public FetchData? Data { get; }

        /// <summary>The batch the event belongs to (the number given to <see cref="StreamingFetch.Issue"/>).</summary>
        public int Batch { get; }

        /// <summary>For a batch's end: true when the server answered OK (a failure was already written as an error).</summary>
        public bool Succeeded { get; }

        /// <summary>True for a batch's end.</summary>
        public bool IsCompletion => Data == null;

        /// <summary>
        /// For a batch's end on a resumable fetch (<see cref="StreamingFetch.ResumeOn"/>): the connection
        /// was lost before the batch ended, and nothing was written; its messages that did not arrive
        /// are fetched again by <see cref="StreamingFetch.Resume"/>.
        /// </summary>
        public bool ConnectionLost { get; }

        internal static FetchEvent Arrived(int batch, FetchData data) => new FetchEvent(data, batch, true);

        internal static FetchEvent Completed(int batch, bool succeeded) => new FetchEvent(null, batch, succeeded);

        internal static FetchEvent Lost(int batch) => new FetchEvent(null, batch, false, connectionLost: true);
    }

    /// <summary>
    /// The one streaming FETCH of the cmdlets: each batch is issued while the mailbox is leased
    /// (never held while the pipeline writes), the engine's reader hands each FETCH response to a
    /// queue, and the pipeline thread takes, decodes and returns them as they arrive, flushing the
    /// engine's trace meanwhile and stopping at Ctrl+C. A batch that fails writes one error (a lost
    /// connection terminates, as <see cref="ImapSessionCmdlet"/>'s TryRun does) and ends with an
    /// unsuccessful completion; the caller decides what is missing. It counts progress per message.
    /// </summary>
    /// <remarks>
    /// Resuming (<see cref="ResumeOn"/>, on a Connect-Imap -Reconnect session): a lost connection
    /// ends each batch in flight with <see cref="FetchEvent.ConnectionLost"/> instead of terminating;
    /// once none is in flight the caller calls <see cref="Resume"/>, which reconnects by the session's
    /// path (the selected mailbox selected again, its UIDVALIDITY checked: a change terminates with
    /// UidValidityChanged before anything is sent) and warns, and then issues the fetch again for the
    /// messages it has not emitted yet (<see cref="MarkEmitted"/>, <see cref="Remaining"/>). Every
    /// message reaches the pipeline once: what was emitted is never asked for again, and a message
    /// arrives whole or not at all (a FETCH response is handed over only once it is complete).
    /// Losses in a row without a message emitted in between are bounded by the reconnect policy's
    /// <see cref="ImapReconnectPolicy.MaxOperationRetries"/> (then ReconnectFailed); each reconnect is
    /// bounded by its attempts and give-up time.
    /// </remarks>
    internal sealed class StreamingFetch
    {
        private readonly ImapCmdlet _cmdlet;
        private readonly object? _target;
        private readonly MessageProgress? _progress;
        private readonly string? _progressWhere;
        private readonly BlockingCollection<object> _queue = new BlockingCollection<object>();
        private readonly HashSet<uint>? _counted;
        private readonly HashSet<uint> _emitted = new HashSet<uint>();
        private ImapSessionCmdlet? _resumer;
        private ImapSession? _session;
        private string? _activity;
        private uint _uidValidity;
        private Exception? _lost;
        private int _lossesInARow;
        private int _emittedAtLastLoss = -1;
        private int _emittedCount;
        private Func<uint, bool>? _emittedByOrder;

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

        /// <summary>The UID of the last message the caller emitted (<see cref="MarkEmitted"/>, or each message <see cref="RunResumable"/> returned), or null.</summary>
        internal uint? LastEmittedUid { get; private set; }

        /// <summary>
        /// For a caller that emits UIDs in ascending order, each once: <paramref name="wasEmitted"/>
        /// answers <see cref="WasEmitted"/> from its own position (a UID below the next one to emit
        /// was emitted or told missing), so no set of every emitted UID is kept (1.6 MB, and its
        /// growth as much again, on the large-object heap for 100,000 messages). <see cref="Remaining"/>
        /// is not available then.
        /// </summary>
        internal StreamingFetch EmittedInAscendingOrder(Func<uint, bool> wasEmitted)
        {
            _emittedByOrder = wasEmitted;
            return this;
        }

        /// <summary>
        /// Makes the fetch survive a lost connection when <paramref name="session"/> reconnects
        /// (Connect-Imap -Reconnect); without -Reconnect nothing changes: a loss terminates with
        /// ConnectionLost. <paramref name="activity"/> names the work in the warning ("Get-ImapMessage").
        /// </summary>
        internal StreamingFetch ResumeOn(ImapSessionCmdlet cmdlet, ImapSession session, string activity)
        {
            if (session.Reconnects)
            {
                _resumer = cmdlet;
                _session = session;
                _activity = activity;
            }
            return this;
        }

        /// <summary>True when the connection was lost and <see cref="Resume"/> has not been called since.</summary>
        internal bool HasLost => _lost != null;

        /// <summary>Forgets a loss after which nothing had to be fetched again (every message had arrived; only a tagged OK was lost): the next command reconnects.</summary>
        internal void ForgetLoss() => _lost = null;

        /// <summary>Notes that the caller wrote the message <paramref name="uid"/> to the pipeline: a resumed fetch never asks for it again.</summary>
        internal void MarkEmitted(uint uid)
        {
            if (_emittedByOrder != null || _emitted.Add(uid)) _emittedCount++;
            LastEmittedUid = uid;
        }

        /// <summary>True when <paramref name="uid"/> was emitted.</summary>
        internal bool WasEmitted(uint uid) => _emittedByOrder?.Invoke(uid) ?? _emitted.Contains(uid);

        /// <summary>The UIDs of <paramref name="uids"/> not emitted yet, in their order.</summary>
        internal List<uint> Remaining(IEnumerable<uint> uids)
            => _emittedByOrder == null ? uids.Where(u => !_emitted.Contains(u)).ToList() : throw new InvalidOperationException("Emitted UIDs are not kept in ascending mode.");

        /// <summary>
        /// Leases the mailbox with <paramref name="lease"/> and, while it is held, issues
        /// <paramref name="fetch"/> with the callback that queues its responses. False when no
        /// lease could be had (the lease wrote why); nothing was issued then.
        /// </summary>
        internal bool Issue(int batch, Func<MailboxLease?> lease, Func<MailboxLease, Action<ServerResponse>, Task<ImapResponse>> fetch)
        {
            if (_session != null && _session.Client.AbortError is Exception gone)
            {
                // Lost between two batches: this one ends as lost without touching the dead connection.
                InFlight++;
                _queue.Add(new KeyValuePair<int, Task<ImapResponse>>(batch, Task.FromException<ImapResponse>(gone)));
                return true;
            }
            Task<ImapResponse> task;
            using (var held = lease())
            {
                if (held == null) return false;
                if (_session != null)
                {
                    // The UIDs asked for belong to the UIDVALIDITY of the first batch; a resumed batch must find it unchanged.
                    if (_uidValidity == 0) _uidValidity = held.UidValidity;
                    else if (held.UidValidity != _uidValidity)
                        _cmdlet.ThrowTerminatingError(ImapCmdlet.ErrorFor(new ImapUidValidityChangedException(held.Mailbox, _uidValidity, held.UidValidity), _target));
                }
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
                if (data.Uid is uint uid && _counted != null && _counted.Add(uid)) _progress!.Add(1, _progressWhere);
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
                if (_session != null && ex is ImapAbortException && !(ex is ImapReconnectFailedException))
                {
                    _lost ??= ex;
                    return FetchEvent.Lost(completed.Key);
                }
                if (ImapCmdlet.IsFatal(ex)) _cmdlet.ThrowTerminatingError(ImapCmdlet.ErrorFor(ex, _target));
                _cmdlet.WriteError(ImapCmdlet.ErrorFor(ex, _target));
                return FetchEvent.Completed(completed.Key, false);
            }
            return FetchEvent.Completed(completed.Key, true);
        }

        /// <summary>
        /// After a loss (<see cref="HasLost"/>, nothing in flight): reconnects the session (by the path
        /// every command takes: the policy's attempts, the mailbox selected again, its UIDVALIDITY
        /// checked; a failure terminates with ReconnectFailed or UidValidityChanged, and nothing is
        /// sent), writes the reconnect notices and a warning that the stream resumes with
        /// <paramref name="left"/> messages to go. The caller then issues the fetch of what it has not
        /// emitted. Terminates with ReconnectFailed when the connection was lost more than the
        /// policy's MaxOperationRetries times in a row without a message emitted in between.
        /// </summary>
        internal void Resume(int left)
        {
            var cause = _lost ?? throw new InvalidOperationException("The connection was not lost.");
            if (InFlight != 0) throw new InvalidOperationException("Batches are still in flight.");
            var session = _session!;
            var resumer = _resumer!;
            int emitted = _emittedCount;
            _lossesInARow = emitted == _emittedAtLastLoss ? _lossesInARow + 1 : 1;
            _emittedAtLastLoss = emitted;
            // The first loss of a run is followed by retry 1; the policy allows MaxOperationRetries of them.
            if (_lossesInARow > session.Reconnector!.Policy.MaxOperationRetries)
            {
                resumer.WriteSessionNotices(session);
                _cmdlet.ThrowTerminatingError(ImapCmdlet.ErrorFor(new ImapReconnectFailedException(_activity + " lost its connection " + _lossesInARow +
                    " times in a row without receiving a message in between, so it stopped after " + emitted + " messages (" + left + " not received): the reconnect policy allows " +
                    session.Reconnector.Policy.MaxOperationRetries + " retries of an operation. The last loss: " + cause.Message, _lossesInARow, TimeSpan.Zero, cause), _target));
            }
            _lost = null;
            if (session.NeedsReconnect) resumer.ReconnectSession(session);
            else resumer.WriteSessionNotices(session);
            _cmdlet.WriteWarning(_activity + " resumes after the lost connection: " + emitted + " messages were written, " + left + " are fetched again" +
                (LastEmittedUid is uint last ? " (the last written was UID " + last + ")" : "") + "; none is written twice.");
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

        /// <summary>
        /// <see cref="Run"/> over <paramref name="uids"/> that resumes after a lost connection (see
        /// <see cref="ResumeOn"/>; without it, it is <see cref="Run"/>): each message returned counts
        /// as emitted, and a resumed fetch asks only for the UIDs of <paramref name="uids"/> not
        /// returned yet (<paramref name="fetch"/> gets their UID set). Only responses that
        /// <paramref name="isMessage"/> accepts (they hold what was asked for) are returned and count;
        /// others (a flag change the server reports meanwhile) are dropped. <paramref name="onLost"/> runs
        /// after a loss, before reconnecting: what the lost fetch left half done (a file being
        /// written) must go then. <see cref="LastSucceeded"/> is true when the last fetch ended with
        /// OK, or when every UID was returned before the loss.
        /// </summary>
        internal IEnumerable<FetchData> RunResumable(IReadOnlyList<uint> uids, Func<MailboxLease?> lease,
            Func<MailboxLease, string, Action<ServerResponse>, Task<ImapResponse>> fetch, Func<FetchData, bool> isMessage, Action? onLost = null)
        {
            LastSucceeded = false;
            var wanted = new HashSet<uint>(uids);
            var remaining = uids.ToList();
            if (remaining.Count == 0) yield break;
            while (true)
            {
                var set = SequenceSet.Build(remaining);
                LastIssued = Issue(0, lease, (held, onData) => fetch(held, set, onData));
                if (!LastIssued) yield break;
                bool lost = false;
                while (InFlight > 0)
                {
                    var e = Next();
                    if (e.IsCompletion)
                    {
                        LastSucceeded = e.Succeeded;
                        lost = e.ConnectionLost;
                    }
                    else
                    {
                        // Only what was asked for, whole, and not emitted yet: an unsolicited FETCH (a flag change) is not a message of this stream.
                        var data = e.Data!;
                        if (!(data.Uid is uint uid) || !wanted.Contains(uid) || _emitted.Contains(uid) || !isMessage(data)) continue;
                        MarkEmitted(uid);
                        yield return data;
                    }
                }
                if (!lost) yield break;
                onLost?.Invoke();
                remaining = Remaining(remaining);
                if (remaining.Count == 0)
                {
                    // Everything arrived; only the tagged OK was lost. The next command reconnects.
                    ForgetLoss();
                    LastSucceeded = true;
                    yield break;
                }
                Resume(remaining.Count);
            }
        }

        /// <summary>Whether the last <see cref="Run"/> ended with the server's OK.</summary>
        internal bool LastSucceeded { get; private set; }

        /// <summary>Whether the last <see cref="Run"/> got its lease and issued the fetch (when not, the lease wrote why, and the mailbox cannot be used now).</summary>
        internal bool LastIssued { get; private set; }
    }
}
