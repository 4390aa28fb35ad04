using System;
using System.IO;
using System.Threading.Tasks;
using ImapPS.Client.Protocol;

namespace ImapPS.Client
{
    /// <summary>
    /// One IMAP command as the engine schedules, writes, routes and completes it. Each command
    /// family (one file under Engine/Commands) answers the questions the scheduler and the reader
    /// ask, so each rule is written once, next to the command it is about:
    /// how it is written (<see cref="Name"/>, <see cref="Arguments"/>), when it is legal
    /// (<see cref="ValidStates"/>, <see cref="CheckIssue"/>), which untagged responses it claims
    /// (<see cref="Claims"/>) and so whether it may run beside another command
    /// (<see cref="ConflictsWith"/>), where its large literals go (<see cref="OpenLiteralSink"/>),
    /// how its result is decoded (<see cref="DataName"/>, <see cref="FinishAsync"/>), and what it
    /// does to the connection's state when its tagged response arrives (<see cref="OnTagged"/>).
    /// </summary>
    internal abstract class ImapCommand
    {
        internal static readonly ImapState[] NonAuth = { ImapState.NONAUTH };
        internal static readonly ImapState[] Authenticated = { ImapState.AUTH, ImapState.SELECTED };
        internal static readonly ImapState[] Selected = { ImapState.SELECTED };
        internal static readonly ImapState[] AnyState = { ImapState.NONAUTH, ImapState.AUTH, ImapState.SELECTED };
        protected static readonly string[] Nothing = Array.Empty<string>();

        private string? _capabilityLabel;
        private string[]? _requiredCapabilities;

        protected ImapCommand(string name, ImapState[]? validStates, string[]? collects, params ImapArgument[] arguments)
        {
            Name = name;
            ValidStates = validStates;
            Collects = collects ?? Nothing;
            Arguments = arguments;
        }

        /// <summary>The command word(s) as sent, e.g. "UID FETCH".</summary>
        public string Name { get; }

        public ImapArgument[] Arguments { get; }

        /// <summary>The states in which the command is legal (null: any but LOGOUT).</summary>
        public ImapState[]? ValidStates { get; }

        /// <summary>The untagged response names this command's results come in.</summary>
        public string[] Collects { get; }

        /// <summary>
        /// State-changing: waits until every command in flight has completed, and keeps every later
        /// command waiting until it has completed itself.
        /// </summary>
        public virtual bool Exclusive => false;

        /// <summary>True for commands that change or remove messages (refused once the mailbox turned read-only).</summary>
        public virtual bool Modifies => false;

        /// <summary>True for commands that send credentials (refused in clear when the options require TLS).</summary>
        public virtual bool SendsCredentials => false;

        /// <summary>Which collected name provides imaplib2's data (null: every collected response, in arrival order).</summary>
        public virtual string? DataName => null;

        private Imaplib2Data.Shape? _dataShape;
        private bool _dataShapeKnown;

        /// <summary>
        /// Which claimed responses make up imaplib2's data and whether a success without any is
        /// <c>[None]</c>: <see cref="DataName"/> when the command names one, else imaplib2's rule for
        /// its name (<see cref="Imaplib2Data"/>); null when every claimed response is data. Worked
        /// out once per command; read on the reader only (routing and completion).
        /// </summary>
        public Imaplib2Data.Shape? DataShape
        {
            get
            {
                if (!_dataShapeKnown)
                {
                    string? name = DataName;
                    if (name != null) _dataShape = new Imaplib2Data.Shape(new[] { name }, noneWhenEmpty: false);
                    else if (Imaplib2Data.TryGet(Name, out var shape)) _dataShape = shape;
                    _dataShapeKnown = true;
                }
                return _dataShape;
            }
        }

        /// <summary>Makes the command refuse, before anything is sent, a server that offers none of <paramref name="anyOf"/>.</summary>
        protected void Require(string label, params string[] anyOf)
        {
            _capabilityLabel = label;
            _requiredCapabilities = anyOf;
        }

        /// <summary>Refuses the command before it is queued (missing capability, a refusal of its own). Throws.</summary>
        public virtual void CheckIssue(Imap4Client client)
        {
            if (_requiredCapabilities != null) client.RequireCapability(_capabilityLabel!, _requiredCapabilities);
        }

        // ------------------------------------------------------------------ untagged responses

        public bool CollectsName(string name)
        {
            foreach (var c in Collects)
                if (ReferenceEquals(c, name) || c == name) return true;
            return false;
        }

        /// <summary>True when the untagged data response in <paramref name="route"/> is this command's result.</summary>
        public virtual bool Claims(UntaggedRoute route) => CollectsName(route.Name);

        /// <summary>
        /// True when a response could be claimed by both commands, so they must not run at once:
        /// they collect a response of the same name, and neither can tell that the other's
        /// responses of that name are not its own (disjoint message sets, another mailbox).
        /// </summary>
        public bool ConflictsWith(ImapCommand other)
        {
            foreach (var name in Collects)
            {
                if (!other.CollectsName(name)) continue;
                if (Distinguishes(other, name) || other.Distinguishes(this, name)) continue;
                return true;
            }
            return false;
        }

        /// <summary>True when no response named <paramref name="name"/> can be claimed by both this command and <paramref name="other"/>.</summary>
        protected virtual bool Distinguishes(ImapCommand other, string name) => false;

        /// <summary>
        /// True when an untagged status response with a response code, sent while this command runs,
        /// belongs to it (e.g. the COPYUID of UID MOVE arrives in an untagged OK). Only a
        /// state-changing command can own them: nothing else is running then, so the attribution is
        /// certain, and parallel callers never read each other's codes.
        /// </summary>
        public virtual bool ClaimsStatusCodes => Exclusive;

        /// <summary>For commands that claim FETCH responses by UID: the UIDs (at most <paramref name="limit"/>), so the scheduler can index them; otherwise null.</summary>
        public virtual uint[]? ClaimedUids(int limit) => null;

        /// <summary>When set, claimed responses are handed to it as they arrive instead of being kept.</summary>
        public virtual Action<ServerResponse>? OnData => null;

        /// <summary>Where a large literal of a response this command claims goes (null: into memory).</summary>
        public virtual Stream? OpenLiteralSink(LiteralRequest request) => null;

        /// <summary>True when a changed message this command claims is still news for the caller's events (IDLE).</summary>
        public virtual bool ReportsClaimedChanges => false;

        // ------------------------------------------------------------------ continuations

        /// <summary>True when the command answers the server's continuations itself (AUTHENTICATE, IDLE).</summary>
        public virtual bool HandlesContinuations => false;

        /// <summary>Answers a continuation (runs off the reader: it may write).</summary>
        public virtual Task OnContinuationAsync(Imap4Client client, PendingCommand pending, ServerResponse continuation)
            => throw new ImapProtocolException("The server sent an unexpected continuation request.", "", 0);

        /// <summary>True when the server's continuations carry secrets and are not logged (SASL challenges).</summary>
        public virtual bool RedactsContinuations => false;

        // ------------------------------------------------------------------ state

        /// <summary>Runs under the client's lock just before the command is written (SELECT resets the mailbox state here, not at issue time).</summary>
        public virtual void BeforeSend(Imap4Client client)
        {
        }

        /// <summary>
        /// Runs on the reader, under the client's lock, when the tagged response arrives and before the
        /// command completes, so a state change is in place before any command queued behind it is admitted.
        /// </summary>
        public virtual void OnTagged(Imap4Client client, PendingCommand pending, ServerResponse tagged)
        {
        }

        /// <summary>Work the reader does at the tagged OK before it reads on (STARTTLS, COMPRESS switch the transport), or null.</summary>
        public virtual Func<Task>? OnTaggedOk(Imap4Client client) => null;

        // ------------------------------------------------------------------ result

        /// <summary>True when <see cref="FinishAsync"/> does more than return the response.</summary>
        public virtual bool HasFollowUp => false;

        /// <summary>Turns the completed response into the caller's result (on the caller's side, not the reader); may throw or issue further commands.</summary>
        public virtual Task<ImapResponse> FinishAsync(Imap4Client client, ImapResponse response) => Task.FromResult(response);

        /// <summary>A message set argument: a valid sequence set goes out as is, anything else is quoted like any string.</summary>
        protected static ImapArgument SetArgument(string set)
            => SequenceSet.IsValid(set) ? ImapArgument.FromSequenceSet(set) : (ImapArgument)set;

        /// <summary>A parenthesised list given as text, with or without its parentheses.</summary>
        internal static ImapArgument ParenList(string items)
        {
            items = items.Trim();
            return ImapArgument.Raw(items.StartsWith("(", StringComparison.Ordinal) ? items : "(" + items + ")");
        }
    }

    /// <summary>
    /// The untagged response the reader is routing, with what routing needs read from it at most once
    /// (the UID of a FETCH). Used on the reader only, under the client's lock.
    /// </summary>
    internal sealed class UntaggedRoute
    {
        private bool _uidRead;
        private uint? _uid;

        public UntaggedRoute(Imap4Client client) => Client = client;

        public Imap4Client Client { get; }

        public ServerResponse Response { get; private set; } = null!;

        public string Name => Response.Name;

        public void Reset(ServerResponse response)
        {
            Response = response;
            _uidRead = false;
            _uid = null;
        }

        /// <summary>The response's UID (FETCH), found by the decoders' allocation-free scan, or null.</summary>
        public uint? Uid
        {
            get
            {
                if (!_uidRead)
                {
                    _uid = FetchData.TryGetUid(Response, out var uid) ? uid : (uint?)null;
                    _uidRead = true;
                }
                return _uid;
            }
        }
    }
}
