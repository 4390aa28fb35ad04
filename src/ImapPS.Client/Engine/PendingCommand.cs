using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using ImapPS.Client.Protocol;

namespace ImapPS.Client
{
    /// <summary>One command on its way through the client: waiting, sent, or complete.</summary>
    internal sealed class PendingCommand
    {
        public PendingCommand(ImapCommand command, long order)
        {
            Spec = command;
            Order = order;
        }

        /// <summary>The command: how it is written, what it claims, what it does to the connection's state.</summary>
        public ImapCommand Spec { get; }

        /// <summary>Issue order, for fairness and for attribution (earlier commands first).</summary>
        public long Order { get; }

        public string Tag { get; set; } = "";

        public TaskCompletionSource<bool> Admitted { get; } = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource<ImapResponse> Completion { get; } = new TaskCompletionSource<ImapResponse>(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Set while the command waits for a continuation before sending its next literal.</summary>
        public TaskCompletionSource<bool>? ContinuationWaiter { get; set; }

        public List<ServerResponse> Untagged { get; } = new List<ServerResponse>();

        /// <summary>The UIDs under which this running FETCH/STORE is indexed (small UID sets only), or null.</summary>
        public uint[]? IndexedUids { get; set; }

        /// <summary>When this command's last bytes were written (Stopwatch ticks; 0: not yet). The watchdog measures server silence from it.</summary>
        public long LastWriteTicks;

        /// <summary>When the command's deadline passes (Stopwatch ticks; 0: no deadline), and the deadline itself.</summary>
        public long DeadlineTicks;

        public TimeSpan Deadline;

        /// <summary>True once the command line has been written.</summary>
        public bool Sent { get; set; }

        /// <summary>True while the server is idling for this IDLE command (the response timeout does not apply).</summary>
        public bool Idling { get; set; }

        /// <summary>True once DONE was written for this IDLE command.</summary>
        public bool DoneSent { get; set; }

        /// <summary>True when this command and <paramref name="other"/> could claim the same untagged response (see <see cref="ImapCommand.ConflictsWith"/>).</summary>
        public bool Conflicts(PendingCommand other) => Spec.ConflictsWith(other.Spec);
    }
}
