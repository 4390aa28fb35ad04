using System;
using System.Threading.Tasks;
using ImapPS.Client.Protocol;

namespace ImapPS.Client
{
    /// <summary>
    /// IDLE (RFC 2177). State-changing: nothing runs beside it, and the scheduler ends it (DONE)
    /// as soon as another command waits. It claims the mailbox changes the server reports while it
    /// idles, and they still reach the caller as events. Its continuation (the server starting to
    /// idle) is answered by the handler its method sets, which also arms the renewal timer; that
    /// method (<see cref="Imap4Client.IdleAsync"/>) also checks the IDLE capability, next to the
    /// timer code the watchdog owns.
    /// </summary>
    internal sealed class IdleCommand : ImapCommand
    {
        private static readonly string[] ChangeResponses = { "EXISTS", "RECENT", "EXPUNGE", "FETCH", "VANISHED" };

        public IdleCommand()
            : base("IDLE", Authenticated, ChangeResponses)
        {
        }

        /// <summary>Runs when the server starts idling.</summary>
        public Func<PendingCommand, ServerResponse, Task>? ContinuationHandler { get; set; }

        public override bool Exclusive => true;

        public override bool ReportsClaimedChanges => true;

        public override bool HandlesContinuations => true;

        public override Task OnContinuationAsync(Imap4Client client, PendingCommand pending, ServerResponse continuation)
            => ContinuationHandler!(pending, continuation);
    }
}
