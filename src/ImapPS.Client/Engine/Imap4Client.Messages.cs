using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using ImapPS.Client.Protocol;

namespace ImapPS.Client
{
    // imaplib2's surface, selected state: the messages of the selected mailbox (FETCH, STORE,
    // COPY, MOVE, SEARCH, SORT, THREAD, EXPUNGE, UID …, CLOSE). Each method is one line over a
    // typed command (Engine/Commands).
    public partial class Imap4Client
    {
        // ---------------------------------------------------------------- selected

        /// <summary>CHECK: a checkpoint of the selected mailbox.</summary>
        public ImapResponse Check(ImapCallback? callback = null, object? callbackArgument = null) => Call(CheckAsync(), callback, callbackArgument);

        /// <inheritdoc cref="Check"/>
        public Task<ImapResponse> CheckAsync() => Issue(NoopCommand.Check());

        /// <summary>CLOSE: expunges (unless read-only) and deselects the mailbox.</summary>
        public ImapResponse Close(ImapCallback? callback = null, object? callbackArgument = null) => Call(CloseAsync(), callback, callbackArgument);

        /// <inheritdoc cref="Close"/>
        public Task<ImapResponse> CloseAsync() => Issue(new DeselectCommand(expunge: true));

        /// <summary>UNSELECT (RFC 3691): deselects the mailbox without expunging.</summary>
        public ImapResponse Unselect(ImapCallback? callback = null, object? callbackArgument = null) => Call(UnselectAsync(), callback, callbackArgument);

        /// <inheritdoc cref="Unselect"/>
        public Task<ImapResponse> UnselectAsync() => Issue(new DeselectCommand(expunge: false));

        /// <summary>EXPUNGE: removes every \Deleted message of the selected mailbox. Returns the expunged sequence numbers.</summary>
        public ImapResponse Expunge(ImapCallback? callback = null, object? callbackArgument = null) => Call(ExpungeAsync(), callback, callbackArgument);

        /// <inheritdoc cref="Expunge"/>
        public Task<ImapResponse> ExpungeAsync()
            => Issue(ExpungeCommand.All());

        /// <summary>FETCH message parts, e.g. <c>Fetch("1:5", "(UID FLAGS ENVELOPE)")</c>.</summary>
        public ImapResponse Fetch(string messageSet, string messageParts, ImapCallback? callback = null, object? callbackArgument = null)
            => Call(FetchAsync(messageSet, messageParts), callback, callbackArgument);

        /// <inheritdoc cref="Fetch"/>
        public Task<ImapResponse> FetchAsync(string messageSet, string messageParts) => Issue(new FetchCommand(false, messageSet, messageParts));

        /// <summary>FETCH (or UID FETCH) of the messages whose MODSEQ is above <paramref name="changedSince"/> (CONDSTORE, RFC 7162); each answer carries its MODSEQ.</summary>
        public Task<ImapResponse> FetchAsync(string messageSet, string messageParts, ulong changedSince, bool uid = false)
            => Issue(new FetchCommand(uid, messageSet, messageParts, changedSince));

        /// <summary>
        /// FETCH (or UID FETCH) handing each response to <paramref name="onResponse"/> as it arrives
        /// (on the reader: keep it short), so results stream without being held in memory. Large
        /// literals may go straight to the stream <paramref name="literalSink"/> returns.
        /// </summary>
        public Task<ImapResponse> FetchEachAsync(string messageSet, string messageParts, bool uid, Action<ServerResponse> onResponse,
            Func<LiteralRequest, Stream?>? literalSink = null)
            => Issue(new FetchCommand(uid, messageSet, messageParts) { Each = onResponse, LiteralSink = literalSink });

        /// <summary>PARTIAL (imaplib2): part of a message's body, via FETCH BODY[part]&lt;start.length&gt;.</summary>
        public ImapResponse Partial(uint messageNumber, string messagePart, long start, long length, ImapCallback? callback = null, object? callbackArgument = null)
            => Call(PartialAsync(messageNumber, messagePart, start, length), callback, callbackArgument);

        /// <inheritdoc cref="Partial"/>
        public Task<ImapResponse> PartialAsync(uint messageNumber, string messagePart, long start, long length)
        {
            string part = messagePart.Trim('(', ')', ' ');
            // PARTIAL named the RFC822 items as well as BODY sections; they map onto BODY sections.
            string section;
            if (part.StartsWith("BODY", StringComparison.OrdinalIgnoreCase)) section = part;
            else if (string.Equals(part, "RFC822", StringComparison.OrdinalIgnoreCase)) section = "BODY.PEEK[]";
            else if (string.Equals(part, "RFC822.HEADER", StringComparison.OrdinalIgnoreCase)) section = "BODY.PEEK[HEADER]";
            else if (string.Equals(part, "RFC822.TEXT", StringComparison.OrdinalIgnoreCase)) section = "BODY.PEEK[TEXT]";
            else section = "BODY.PEEK[" + part + "]";
            return FetchAsync(messageNumber.ToString(System.Globalization.CultureInfo.InvariantCulture), "(" + section + "<" + start + "." + length + ">)");
        }

        /// <summary>STORE flags, e.g. <c>Store("1:3", "+FLAGS", @"(\Deleted)")</c>.</summary>
        public ImapResponse Store(string messageSet, string command, string flags, ImapCallback? callback = null, object? callbackArgument = null)
            => Call(StoreAsync(messageSet, command, flags), callback, callbackArgument);

        /// <inheritdoc cref="Store"/>
        public Task<ImapResponse> StoreAsync(string messageSet, string command, string flags) => Issue(new StoreCommand(false, messageSet, command, flags));

        /// <summary>
        /// STORE (or UID STORE) with typed options: <paramref name="silent"/> adds <c>.SILENT</c> (no FETCH answers);
        /// <paramref name="unchangedSince"/> (CONDSTORE, RFC 7162) changes only messages whose MODSEQ is not above it,
        /// and the others come back in the tagged OK's <c>[MODIFIED set]</c>.
        /// </summary>
        public Task<ImapResponse> StoreAsync(string messageSet, string command, string flags, bool uid, bool silent = false, ulong? unchangedSince = null)
            => Issue(new StoreCommand(uid, messageSet, command, flags, silent, unchangedSince));

        /// <summary>COPY messages to another mailbox.</summary>
        public ImapResponse Copy(string messageSet, string newMailbox, ImapCallback? callback = null, object? callbackArgument = null)
            => Call(CopyAsync(messageSet, Imaplib2Arguments.Name(newMailbox)), callback, callbackArgument);

        /// <inheritdoc cref="Copy"/>
        public Task<ImapResponse> CopyAsync(string messageSet, string newMailbox)
            => Issue(new CopyMoveCommand(move: false, uid: false, messageSet, newMailbox));

        /// <summary>MOVE (RFC 6851) messages to another mailbox.</summary>
        public ImapResponse Move(string messageSet, string newMailbox, ImapCallback? callback = null, object? callbackArgument = null)
            => Call(MoveAsync(messageSet, Imaplib2Arguments.Name(newMailbox)), callback, callbackArgument);

        /// <inheritdoc cref="Move"/>
        public Task<ImapResponse> MoveAsync(string messageSet, string newMailbox) => Issue(new CopyMoveCommand(move: true, uid: false, messageSet, newMailbox));

        /// <summary>SEARCH, imaplib2 style: <c>Search(null, "SUBJECT", "invoice")</c> or <c>Search(null, "(UNSEEN FROM boss)")</c>.</summary>
        public ImapResponse Search(string? charset, params string[] criteria) => Sync(SearchAsync(Imaplib2Arguments.Charset(charset), criteria));

        /// <summary>
        /// SEARCH in imaplib2's callback style: returns <see cref="ImapResponse.Deferred"/> at once;
        /// the callback gets the result. The callback comes after the criteria, as imaplib2's
        /// keyword argument does, so a call like PowerShell's <c>$M.Search($null, 'SUBJECT', '"x"')</c>
        /// can only mean the plain form.
        /// </summary>
        public ImapResponse Search(string? charset, string[] criteria, ImapCallback? callback, object? callbackArgument = null)
            => Call(SearchAsync(Imaplib2Arguments.Charset(charset), criteria), callback, callbackArgument);

        /// <inheritdoc cref="Search(string?, string[])"/>
        public Task<ImapResponse> SearchAsync(string? charset, params string[] criteria) => Issue(SearchCommand.Search(false, charset, SearchCommand.Strings(criteria)));

        /// <summary>SEARCH with typed arguments (the engine's own callers use this so values are quoted exactly).</summary>
        public Task<ImapResponse> SearchAsync(bool uid, string? charset, IReadOnlyList<ImapArgument> criteria)
            => Issue(SearchCommand.Search(uid, charset, criteria));

        /// <summary>SEARCH with RFC 4731 return options (e.g. MIN, MAX, COUNT, ALL): one ESEARCH answer instead of every number. Needs ESEARCH.</summary>
        public Task<ImapResponse> SearchAsync(bool uid, string? charset, IReadOnlyList<ImapArgument> criteria, IReadOnlyList<string> returnOptions)
            => Issue(SearchCommand.Search(uid, charset, criteria, returnOptions ?? throw new ArgumentNullException(nameof(returnOptions))));

        /// <summary>SORT (RFC 5256): <c>Sort("(DATE)", "UTF-8", "ALL")</c>.</summary>
        public ImapResponse Sort(string sortCriteria, string charset, params string[] searchCriteria) => Sync(SortAsync(sortCriteria, charset, searchCriteria));

        /// <summary>SORT in imaplib2's callback style.</summary>
        public ImapResponse Sort(string sortCriteria, string charset, string[] searchCriteria, ImapCallback? callback, object? callbackArgument = null)
            => Call(SortAsync(sortCriteria, charset, searchCriteria), callback, callbackArgument);

        /// <inheritdoc cref="Sort(string, string, string[])"/>
        public Task<ImapResponse> SortAsync(string sortCriteria, string charset, params string[] searchCriteria)
            => Issue(SearchCommand.Sort(false, sortCriteria, charset, SearchCommand.Strings(searchCriteria)));

        /// <summary>THREAD (RFC 5256): <c>Thread("REFERENCES", "UTF-8", "ALL")</c>.</summary>
        public ImapResponse Thread(string threadingAlgorithm, string charset, params string[] searchCriteria) => Sync(ThreadAsync(threadingAlgorithm, charset, searchCriteria));

        /// <summary>THREAD in imaplib2's callback style.</summary>
        public ImapResponse Thread(string threadingAlgorithm, string charset, string[] searchCriteria, ImapCallback? callback, object? callbackArgument = null)
            => Call(ThreadAsync(threadingAlgorithm, charset, searchCriteria), callback, callbackArgument);

        /// <inheritdoc cref="Thread(string, string, string[])"/>
        public Task<ImapResponse> ThreadAsync(string threadingAlgorithm, string charset, params string[] searchCriteria)
            => Issue(SearchCommand.Thread(false, threadingAlgorithm, charset, SearchCommand.Strings(searchCriteria)));

        // UID COPY and UID MOVE name a mailbox, which follows imaplib2's quoting rules here.
        private static string[] Imaplib2UidArguments(string command, string[] args)
        {
            var upper = command.Trim().ToUpperInvariant();
            if ((upper == "COPY" || upper == "MOVE") && args.Length >= 2)
            {
                args = (string[])args.Clone();
                args[1] = Imaplib2Arguments.Name(args[1]);
            }
            return args;
        }

        /// <summary>
        /// UID variants: <c>Uid("FETCH", "1:*", "(FLAGS)")</c>, and SEARCH, SORT, THREAD, STORE, COPY, MOVE,
        /// and EXPUNGE (UIDPLUS: only the given UIDs).
        /// </summary>
        public ImapResponse Uid(string command, params string[] args) => Sync(UidAsync(command, Imaplib2UidArguments(command, args)));

        /// <summary>UID commands in imaplib2's callback style.</summary>
        public ImapResponse Uid(string command, string[] args, ImapCallback? callback, object? callbackArgument = null)
            => Call(UidAsync(command, Imaplib2UidArguments(command, args)), callback, callbackArgument);

        /// <inheritdoc cref="Uid(string, string[])"/>
        public Task<ImapResponse> UidAsync(string command, params string[] args)
        {
            string c = command.ToUpperInvariant();
            string Arg(int i) => i < args.Length ? args[i] : throw new ArgumentException("UID " + c + " needs more arguments.", nameof(args));
            switch (c)
            {
                case "FETCH": return Issue(new FetchCommand(true, Arg(0), Arg(1)));
                case "STORE": return Issue(new StoreCommand(true, Arg(0), Arg(1), Arg(2)));
                case "SEARCH": return Issue(SearchCommand.Search(true, null, SearchCommand.Strings(args)));
                case "SORT": return Issue(SearchCommand.Sort(true, Arg(0), Arg(1), SearchCommand.Strings(args.Skip(2))));
                case "THREAD": return Issue(SearchCommand.Thread(true, Arg(0), Arg(1), SearchCommand.Strings(args.Skip(2))));
                case "COPY": return Issue(new CopyMoveCommand(move: false, uid: true, Arg(0), Arg(1)));
                case "MOVE": return Issue(new CopyMoveCommand(move: true, uid: true, Arg(0), Arg(1)));
                case "EXPUNGE": return Issue(ExpungeCommand.Uids(Arg(0)));
                default:
                    var all = new string[args.Length + 1];
                    all[0] = command;
                    Array.Copy(args, 0, all, 1, args.Length);
                    return XatomAsync("UID", all);
            }
        }
    }
}
