using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Net;
using System.Security;
using System.Threading;
using System.Threading.Tasks;
using ImapPS.Client;

namespace ImapPS
{
    /// <summary>
    /// Connect-Imap's -AccessTokenProvider: a script block asked for a fresh OAuth access token at
    /// the first connect and at every reconnect. A script block may only run on a thread of a
    /// runspace, while a reconnect happens on an engine thread: the engine thread posts the call to
    /// <see cref="Work"/>, which every cmdlet waiting on the session runs on its pipeline thread
    /// (<see cref="ImapSession.PipelineWork"/>), and waits for the token within a bound.
    /// </summary>
    internal sealed class AccessTokenScript
    {
        private readonly ScriptBlock _script;
        private readonly Runspace? _origin;
        private readonly TimeSpan _bound;

        /// <param name="script">The script block; its last non-null output is the token (a string or a SecureString).</param>
        /// <param name="bound">How long an engine thread waits for a pipeline thread to run the script and return.</param>
        internal AccessTokenScript(ScriptBlock script, TimeSpan bound)
        {
            _script = script;
            _origin = Runspace.DefaultRunspace;
            _bound = bound;
        }

        /// <summary>Calls posted by engine threads, for a pipeline thread to run.</summary>
        internal BlockingCollection<Action> Work { get; } = new BlockingCollection<Action>();

        /// <summary>How many times the script block was run (for Verbose output and tests).</summary>
        internal int Calls => Volatile.Read(ref _calls);

        private int _calls;

        /// <summary>Runs the script block on the current thread, which must belong to a runspace.</summary>
        /// <exception cref="ImapException">The script block failed or returned no token; the message never holds a token.</exception>
        internal string Invoke()
        {
            Interlocked.Increment(ref _calls);
            // In the runspace that connected, the script block sees that runspace's variables (a cached
            // refresh token, say). A pipeline thread of another runspace (ForEach-Object -Parallel on a
            // shared session) gets a copy not bound to the first runspace, which must not be entered from a foreign thread.
            var script = ReferenceEquals(Runspace.DefaultRunspace, _origin) ? _script : ScriptBlock.Create(_script.ToString());
            System.Collections.ObjectModel.Collection<PSObject> output;
            try
            {
                output = script.Invoke();
            }
            catch (RuntimeException ex)
            {
                throw new ImapException("The -AccessTokenProvider script block failed: " + ex.Message, ex);
            }
            var last = output.LastOrDefault(o => o != null)?.BaseObject;
            string? token = last is SecureString secure ? new NetworkCredential("", secure).Password : last as string;
            if (string.IsNullOrEmpty(token))
                throw new ImapException("The -AccessTokenProvider script block returned no token: it must output the access token as a string or a SecureString" +
                    (last == null ? "." : ", not a " + last.GetType().Name + "."));
            return token!;
        }

        /// <summary>
        /// The engine's token provider: on a runspace's thread it runs the script block at once;
        /// on an engine thread it posts the call for a pipeline thread and waits at most the bound.
        /// </summary>
        internal Task<string> ProvideAsync(CancellationToken cancellationToken)
        {
            if (Runspace.DefaultRunspace != null) return Task.FromResult(Invoke());
            var result = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            Work.Add(() =>
            {
                if (result.Task.IsCompleted) return; // given up on already
                try { result.TrySetResult(Invoke()); }
                catch (Exception ex) { result.TrySetException(ex); }
            });
            return WithinBound(result, cancellationToken);
        }

        private async Task<string> WithinBound(TaskCompletionSource<string> result, CancellationToken cancellationToken)
        {
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                var delay = Task.Delay(_bound, timeout.Token);
                if (await Task.WhenAny(result.Task, delay).ConfigureAwait(false) != result.Task)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    result.TrySetCanceled();
                    throw new ImapException("A new access token was needed to reconnect, but no command of the session ran the -AccessTokenProvider script block within " +
                        _bound.TotalSeconds.ToString("0.#", System.Globalization.CultureInfo.InvariantCulture) + " s (it runs while a command of the session waits).");
                }
                timeout.Cancel();
                return await result.Task.ConfigureAwait(false);
            }
        }
    }
}
