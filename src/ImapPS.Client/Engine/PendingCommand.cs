using System;
using System.Collections.Generic;
using System.IO;
using System.Threading.Tasks;
using ImapPS.Client.Protocol;

namespace ImapPS.Client
{
    /// <summary>Everything the client needs to know to schedule, send and complete one command.</summary>
    internal sealed class CommandSpec
    {
        public CommandSpec(string name, params ImapArgument[] arguments)
        {
            Name = name;
            Arguments = arguments;
        }

        /// <summary>The command word(s) as sent, e.g. "UID FETCH".</summary>
        public string Name { get; }

        public ImapArgument[] Arguments { get; }

        /// <summary>
        /// State-changing: waits until every command in flight has completed, and keeps every later
        /// command waiting until it has completed itself.
        /// </summary>
        public bool Exclusive { get; set; }

        /// <summary>The untagged response names this command's results come in.</summary>
        public string[]? Collects { get; set; }

        /// <summary>For FETCH/STORE: the messages the command asked about; null means "any message".</summary>
        public MessageSetFilter? MessageFilter { get; set; }

        /// <summary>For STATUS and similar: the mailbox the untagged answer names, so commands on other mailboxes run in parallel.</summary>
        public string? CollectKey { get; set; }

        /// <summary>Which collected name provides imaplib2's data (null: every collected response, in arrival order).</summary>
        public string? DataName { get; set; }

        /// <summary>When set, collected responses are handed to it as they arrive instead of being kept.</summary>
        public Action<ServerResponse>? OnData { get; set; }

        /// <summary>When set, large literals of this command's responses may be written to the stream it returns.</summary>
        public Func<LiteralRequest, Stream?>? LiteralSink { get; set; }

        /// <summary>Handles server continuations after the command line was sent (AUTHENTICATE, IDLE).</summary>
        public Func<PendingCommand, ServerResponse, Task>? ContinuationHandler { get; set; }

        /// <summary>The states in which the command is legal (null: any but LOGOUT).</summary>
        public ImapState[]? ValidStates { get; set; }

        /// <summary>True for commands that change or remove messages (refused once the mailbox turned read-only).</summary>
        public bool Modifies { get; set; }

        /// <summary>Runs on the reader when the tagged OK arrives, before the command completes (STARTTLS, COMPRESS).</summary>
        public Func<Task>? OnTaggedOk { get; set; }

        /// <summary>Runs under the client's lock just before the command is written (SELECT resets the mailbox state here, not at issue time).</summary>
        public Action? BeforeSend { get; set; }

        /// <summary>
        /// Runs on the reader, under the client's lock, when the tagged response arrives and before the
        /// command completes, so a state change is in place before any command queued behind it is admitted.
        /// </summary>
        public Action<ServerResponse>? OnTagged { get; set; }

        public bool Collects_(string name)
        {
            if (Collects == null) return false;
            foreach (var c in Collects)
                if (ReferenceEquals(c, name) || c == name) return true;
            return false;
        }
    }

    /// <summary>One command on its way through the client: waiting, sent, or complete.</summary>
    internal sealed class PendingCommand
    {
        public PendingCommand(CommandSpec spec, long order)
        {
            Spec = spec;
            Order = order;
        }

        public CommandSpec Spec { get; }

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

        public bool Conflicts(PendingCommand other)
        {
            var mine = Spec.Collects;
            var theirs = other.Spec.Collects;
            if (mine == null || theirs == null) return false;
            foreach (var name in mine)
            {
                if (!other.Spec.Collects_(name)) continue;
                if (name == "FETCH")
                {
                    var a = Spec.MessageFilter;
                    var b = other.Spec.MessageFilter;
                    if (a != null && b != null && !a.Overlaps(b)) continue;
                    return true;
                }
                if (Spec.CollectKey != null && other.Spec.CollectKey != null && Spec.CollectKey != other.Spec.CollectKey) continue;
                return true;
            }
            return false;
        }
    }
}
