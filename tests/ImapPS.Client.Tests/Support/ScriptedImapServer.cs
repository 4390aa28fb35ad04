using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace ImapPS.Client.Tests.Support
{
    /// <summary>Settings of a <see cref="ScriptedImapServer"/>.</summary>
    public sealed class ScriptedServerOptions
    {
        /// <summary>Bound on every wait of a script step (client data, TLS handshake, test gates). Default 10 s.</summary>
        public TimeSpan StepTimeout { get; set; } = TimeSpan.FromSeconds(10);

        /// <summary>When set, every connection starts with a TLS handshake (implicit TLS) and <see cref="ServerScript.StartTls"/> uses it.</summary>
        public X509Certificate2? Certificate { get; set; }

        /// <summary>Implicit TLS on accept (default true when <see cref="Certificate"/> is set). False = plain until <see cref="ServerScript.StartTls"/>.</summary>
        public bool ImplicitTls { get; set; } = true;

        /// <summary>When more clients connect than scripts were given, run the last script again instead of rejecting them as an error.</summary>
        public bool RepeatLastScript { get; set; }

        /// <summary>How long disposal waits for connection tasks to finish after cancelling them. Default 5 s.</summary>
        public TimeSpan DisposeTimeout { get; set; } = TimeSpan.FromSeconds(5);
    }

    /// <summary>A failure inside the scripted server: which connection and step, and why.</summary>
    public sealed class ScriptFailureException : Exception
    {
        /// <summary>Creates the failure.</summary>
        public ScriptFailureException(int connection, int step, string stepDescription, Exception inner)
            : base($"connection #{connection}, step {step} ({stepDescription}): {inner.GetType().Name}: {inner.Message}", inner)
        {
            Connection = connection;
            Step = step;
            StepDescription = stepDescription;
        }

        /// <summary>Connection index (order of acceptance).</summary>
        public int Connection { get; }

        /// <summary>Step index, or -1 before the first step (TLS handshake, acceptance).</summary>
        public int Step { get; }

        /// <summary>The step as built.</summary>
        public string StepDescription { get; }
    }

    /// <summary>
    /// A TCP (optionally TLS) IMAP server on 127.0.0.1 with an ephemeral port that runs a <see cref="ServerScript"/>
    /// per accepted connection, for fault-injection tests: stalls, drops, trickled and garbage replies, TLS stalls.
    /// The i-th connection runs the i-th script. Everything the client sent is logged byte-exact per connection.
    /// Nothing here hangs a test: every step wait is bounded, and disposal cancels all work and closes every socket.
    /// Failures inside the server are collected in <see cref="Errors"/> and surfaced by <see cref="AssertNoErrors"/>
    /// and <see cref="WaitForCompletionAsync"/>.
    /// </summary>
    public sealed class ScriptedImapServer : IAsyncDisposable, IDisposable
    {
        private static readonly byte[] GarbageTemplateLines = BuildGarbage(withNewlines: true);
        private static readonly byte[] GarbageTemplateFlat = BuildGarbage(withNewlines: false);

        private readonly IReadOnlyList<ServerScript> _scripts;
        private readonly ScriptedServerOptions _options;
        private readonly TcpListener _listener;
        private readonly CancellationTokenSource _disposeCts = new CancellationTokenSource();
        private readonly List<ServerConnection> _connections = new List<ServerConnection>();
        private readonly List<Task> _connectionTasks = new List<Task>();
        private readonly ConcurrentQueue<Exception> _errors = new ConcurrentQueue<Exception>();
        private readonly ConcurrentDictionary<string, TaskCompletionSource<bool>> _checkpoints = new ConcurrentDictionary<string, TaskCompletionSource<bool>>(StringComparer.Ordinal);
        private readonly List<TaskCompletionSource<ServerConnection>> _connectionWaiters = new List<TaskCompletionSource<ServerConnection>>();
        private readonly TaskCompletionSource<bool> _allScriptsDone = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly Task _acceptLoop;
        private int _scriptsFinished;
        private int _disposed;

        private ScriptedImapServer(IReadOnlyList<ServerScript> scripts, ScriptedServerOptions options)
        {
            if (scripts.Count == 0) throw new ArgumentException("At least one script is needed.", nameof(scripts));
            foreach (var script in scripts)
                _ = script.Steps; // validates: no dangling Trickle/DropAfterBytes modifier
            _scripts = scripts;
            _options = options;
            _listener = new TcpListener(IPAddress.Loopback, 0);
            _listener.Start();
            EndPoint = (IPEndPoint)_listener.LocalEndpoint;
            _acceptLoop = Task.Run(AcceptLoopAsync);
        }

        /// <summary>Starts a server whose i-th connection runs <paramref name="scripts"/>[i].</summary>
        public static ScriptedImapServer Start(params ServerScript[] scripts) => new ScriptedImapServer(scripts, new ScriptedServerOptions());

        /// <summary>Starts a server with <paramref name="options"/> whose i-th connection runs <paramref name="scripts"/>[i].</summary>
        public static ScriptedImapServer Start(ScriptedServerOptions options, params ServerScript[] scripts)
            => new ScriptedImapServer(scripts, options ?? throw new ArgumentNullException(nameof(options)));

        /// <summary>The listening address: 127.0.0.1 and an ephemeral port.</summary>
        public IPEndPoint EndPoint { get; }

        /// <summary>Always <c>127.0.0.1</c>.</summary>
        public string Host => EndPoint.Address.ToString();

        /// <summary>The listening port.</summary>
        public int Port => EndPoint.Port;

        /// <summary>The options in use.</summary>
        public ScriptedServerOptions Options => _options;

        /// <summary>Accepted connections so far, in order.</summary>
        public IReadOnlyList<ServerConnection> Connections
        {
            get { lock (_connections) return _connections.ToArray(); }
        }

        /// <summary>Failures collected so far (script mismatches, timeouts, unexpected connections, I/O errors).</summary>
        public IReadOnlyList<Exception> Errors => _errors.ToArray();

        /// <summary>Completes when every given script has finished; faults if any of them failed.</summary>
        public Task Completion => _allScriptsDone.Task;

        /// <summary>Everything the first connection's client sent (empty when nobody connected).</summary>
        public byte[] Received => Connections.FirstOrDefault()?.Received ?? Array.Empty<byte>();

        /// <summary><see cref="Received"/> as ISO-8859-1 text.</summary>
        public string ReceivedText => ImapWire.Latin1.GetString(Received);

        /// <summary>Throws if the server recorded any failure.</summary>
        public void AssertNoErrors()
        {
            var errors = Errors;
            if (errors.Count == 0) return;
            throw new AggregateException($"The scripted server recorded {errors.Count} error(s): " + string.Join(" | ", errors.Select(e => e.Message)), errors);
        }

        /// <summary>
        /// Waits (at most <paramref name="timeout"/>, default the step timeout) until every script has finished, then
        /// throws if any error was recorded. A timeout throws <see cref="TimeoutException"/> naming the unfinished scripts.
        /// </summary>
        public async Task WaitForCompletionAsync(TimeSpan? timeout = null)
        {
            var limit = timeout ?? _options.StepTimeout;
            var finished = await Task.WhenAny(_allScriptsDone.Task, Task.Delay(limit, _disposeCts.Token)).ConfigureAwait(false);
            if (finished != _allScriptsDone.Task)
            {
                var connections = Connections;
                var state = string.Join(", ", Enumerable.Range(0, _scripts.Count).Select(i =>
                    i < connections.Count ? $"#{i}: {connections[i].StepsCompleted}/{_scripts[i].Count} steps" : $"#{i}: not connected"));
                AssertNoErrors();
                throw new TimeoutException($"Scripts not finished within {limit.TotalSeconds:0.###} s ({state}).");
            }
            AssertNoErrors();
        }

        /// <summary>Waits (at most <paramref name="timeout"/>, default the step timeout) for the connection with the given index.</summary>
        public async Task<ServerConnection> WaitForConnectionAsync(int index = 0, TimeSpan? timeout = null)
        {
            TaskCompletionSource<ServerConnection> waiter;
            lock (_connections)
            {
                if (index < _connections.Count)
                    return _connections[index];
                while (_connectionWaiters.Count <= index)
                    _connectionWaiters.Add(new TaskCompletionSource<ServerConnection>(TaskCreationOptions.RunContinuationsAsynchronously));
                waiter = _connectionWaiters[index];
            }
            var limit = timeout ?? _options.StepTimeout;
            var done = await Task.WhenAny(waiter.Task, Task.Delay(limit, _disposeCts.Token)).ConfigureAwait(false);
            if (done != waiter.Task)
                throw new TimeoutException($"No connection #{index} within {limit.TotalSeconds:0.###} s.");
            return await waiter.Task.ConfigureAwait(false);
        }

        /// <summary>Waits (at most <paramref name="timeout"/>, default the step timeout) until a script reaches <see cref="ServerScript.Checkpoint"/> <paramref name="name"/>.</summary>
        public async Task WaitForCheckpointAsync(string name, TimeSpan? timeout = null)
        {
            var tcs = Checkpoint(name);
            var limit = timeout ?? _options.StepTimeout;
            var done = await Task.WhenAny(tcs.Task, Task.Delay(limit, _disposeCts.Token)).ConfigureAwait(false);
            if (done != tcs.Task)
                throw new TimeoutException($"Checkpoint '{name}' not reached within {limit.TotalSeconds:0.###} s.");
        }

        private TaskCompletionSource<bool> Checkpoint(string name)
            => _checkpoints.GetOrAdd(name, _ => new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously));

        private async Task AcceptLoopAsync()
        {
            var token = _disposeCts.Token;
            while (!token.IsCancellationRequested)
            {
                Socket socket;
                try
                {
                    socket = await _listener.AcceptSocketAsync(token).ConfigureAwait(false);
                }
                catch (Exception) when (token.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex)
                {
                    _errors.Enqueue(new ScriptFailureException(-1, -1, "accept", ex));
                    return;
                }

                ServerConnection connection;
                lock (_connections)
                {
                    if (token.IsCancellationRequested)
                    {
                        socket.Dispose();
                        return;
                    }
                    connection = new ServerConnection(_connections.Count, socket, _options.StepTimeout, token);
                    _connections.Add(connection);
                    _connectionTasks.Add(Task.Run(() => RunConnectionAsync(connection)));
                    if (connection.Index < _connectionWaiters.Count)
                        _connectionWaiters[connection.Index].TrySetResult(connection);
                }
            }
        }

        private async Task RunConnectionAsync(ServerConnection connection)
        {
            var token = _disposeCts.Token;
            ServerScript? script = connection.Index < _scripts.Count ? _scripts[connection.Index]
                : _options.RepeatLastScript ? _scripts[_scripts.Count - 1] : null;
            var counted = connection.Index < _scripts.Count;
            if (script == null)
            {
                _errors.Enqueue(new ScriptFailureException(connection.Index, -1, "accept",
                    new InvalidOperationException($"Unexpected connection #{connection.Index}: only {_scripts.Count} script(s) were given.")));
                connection.MarkScriptDone(null);
                connection.Abort();
                return;
            }

            var stepIndex = -1;
            var stepDescription = "connect";
            try
            {
                var steps = script.Steps;
                if (_options.Certificate != null && _options.ImplicitTls && !script.StartsWithTlsStall)
                {
                    stepDescription = "implicit TLS handshake";
                    await connection.WithTimeoutAsync(stepDescription, t => connection.StartTlsAsync(_options.Certificate, t)).ConfigureAwait(false);
                }

                var finished = false;
                for (stepIndex = 0; stepIndex < steps.Count; stepIndex++)
                {
                    var step = steps[stepIndex];
                    stepDescription = step.Description;
                    if (step.Kind == StepKind.Stall || step.Kind == StepKind.TlsHandshakeStall)
                    {
                        // Reaching the stall is the end of the script; the stall itself lasts until the client
                        // closes or the server is disposed.
                        connection.IncrementSteps();
                        FinishScript(connection, counted, null);
                        finished = true;
                        await StallAsync(connection, step, token).ConfigureAwait(false);
                        break;
                    }
                    var keepGoing = await RunStepAsync(connection, step, token).ConfigureAwait(false);
                    if (!step.CountsOwnProgress)
                        connection.IncrementSteps();
                    if (!keepGoing) break;
                }
                stepIndex = -1;
                if (!finished)
                    FinishScript(connection, counted, null);

                // After the script the connection stays up (half-closed after a graceful close), logging what the
                // client still sends, until the client closes or the server is disposed. Disposing the socket while
                // client bytes sit unread would send an RST, which can destroy data the client has not read yet.
                if (!connection.IsAborted)
                    await connection.DrainUntilClosedAsync(token).ConfigureAwait(false);
            }
            catch (Exception ex) when (token.IsCancellationRequested)
            {
                // Disposal interrupted the step: not a failure of the client.
                FinishScript(connection, counted, new OperationCanceledException("Server disposed before the script finished.", ex), record: false);
            }
            catch (Exception ex)
            {
                var failure = new ScriptFailureException(connection.Index, stepIndex, stepDescription, ex);
                FinishScript(connection, counted, failure);
            }
            finally
            {
                connection.Abort();
                connection.ReleaseStreams();
            }
        }

        private void FinishScript(ServerConnection connection, bool counted, Exception? failure, bool record = true)
        {
            if (!connection.MarkScriptDone(failure))
                return;
            if (failure != null && record)
                _errors.Enqueue(failure);
            if (!counted) return;
            if (failure != null)
            {
                if (record)
                    _allScriptsDone.TrySetException(failure);
                return;
            }
            if (Interlocked.Increment(ref _scriptsFinished) == _scripts.Count)
                _allScriptsDone.TrySetResult(true);
        }

        /// <summary>Runs one step; returns false when the step ended the script (closed or stalled for good).</summary>
        private async Task<bool> RunStepAsync(ServerConnection connection, ScriptStep step, CancellationToken token)
        {
            switch (step.Kind)
            {
                case StepKind.Send:
                    return await SendAsync(connection, step, step.Payload!(connection), token).ConfigureAwait(false);

                case StepKind.ExpectLine:
                {
                    var bytes = await connection.WithTimeoutAsync(step.Description, connection.ReadLineAsync).ConfigureAwait(false);
                    var line = ImapWire.Latin1.GetString(bytes).TrimEnd('\r', '\n');
                    bool capture = step.CaptureTag;
                    bool ok;
                    if (step.LinePredicate != null)
                    {
                        ok = step.LinePredicate(line);
                    }
                    else if (string.Equals(ImapWire.CommandName(line), step.ExpectedName, StringComparison.OrdinalIgnoreCase))
                    {
                        ok = true;
                    }
                    else
                    {
                        ok = string.Equals(line, step.ExpectedName, StringComparison.OrdinalIgnoreCase);
                        capture = false;
                    }
                    if (!ok)
                        throw new InvalidDataException($"Unexpected client line: \"{line}\".");
                    if (capture)
                        connection.LastTag = ImapWire.FirstToken(line);
                    return true;
                }

                case StepKind.ExpectCommand:
                {
                    var command = await connection.WithTimeoutAsync(step.Description, t => connection.ReadCommandAsync(step.Continuation, t)).ConfigureAwait(false);
                    if (step.ExpectedName != null && !string.Equals(command.Name, step.ExpectedName, StringComparison.OrdinalIgnoreCase))
                        throw new InvalidDataException($"Expected command {step.ExpectedName}, client sent \"{command.FirstLine.TrimEnd()}\".");
                    connection.LastTag = command.Tag;
                    return true;
                }

                case StepKind.ExpectBytes:
                {
                    var bytes = await connection.WithTimeoutAsync(step.Description, t => connection.ReadExactAsync(step.Count, t)).ConfigureAwait(false);
                    if (step.BytesCheck != null && !step.BytesCheck(bytes))
                        throw new InvalidDataException($"The {bytes.Length} bytes received did not pass the check.");
                    return true;
                }

                case StepKind.ExpectEof:
                {
                    var extra = await connection.WithTimeoutAsync(step.Description, async t =>
                    {
                        var drained = await connection.DrainUntilClosedAsync(t).ConfigureAwait(false);
                        t.ThrowIfCancellationRequested();
                        return drained;
                    }).ConfigureAwait(false);
                    if (extra > 0)
                        throw new InvalidDataException($"Client sent {extra} more bytes before closing.");
                    return false;
                }

                case StepKind.Drop:
                    await connection.CloseAsync(step.Reset, token).ConfigureAwait(false);
                    return false;

                case StepKind.SendGarbage:
                    return await SendGarbageAsync(connection, step, token).ConfigureAwait(false);

                case StepKind.StartTls:
                {
                    var certificate = _options.Certificate ?? throw new InvalidOperationException("StartTls needs ScriptedServerOptions.Certificate.");
                    await connection.WithTimeoutAsync(step.Description, t => connection.StartTlsAsync(certificate, t)).ConfigureAwait(false);
                    return true;
                }

                case StepKind.StartCompression:
                    connection.StartCompression();
                    return true;

                case StepKind.HoldWrites:
                    connection.HoldWrites();
                    return true;

                case StepKind.ReleaseWrites:
                    await connection.WithTimeoutAsync(step.Description, connection.ReleaseWritesAsync).ConfigureAwait(false);
                    return true;

                case StepKind.Checkpoint:
                    Checkpoint(step.Name!).TrySetResult(true);
                    return true;

                case StepKind.WaitFor:
                    await connection.WithTimeoutAsync(step.Description, async t =>
                    {
                        var done = await Task.WhenAny(step.Gate!, Task.Delay(Timeout.Infinite, t)).ConfigureAwait(false);
                        await done.ConfigureAwait(false);
                    }).ConfigureAwait(false);
                    return true;

                case StepKind.Do:
                    await step.Action!(connection, token).ConfigureAwait(false);
                    return !connection.IsClosed;

                default:
                    throw new InvalidOperationException("Unknown step kind " + step.Kind);
            }
        }

        private static async Task StallAsync(ServerConnection connection, ScriptStep step, CancellationToken token)
        {
            if (step.ReadWhileStalled)
                await connection.DrainUntilClosedAsync(token).ConfigureAwait(false);
            else
                await Task.Delay(Timeout.Infinite, token).ConfigureAwait(false);
        }

        private static async Task<bool> SendAsync(ServerConnection connection, ScriptStep step, byte[] data, CancellationToken token)
        {
            var count = data.Length;
            var drop = step.Modifier?.DropAfter;
            if (drop != null && drop.Value < count)
                count = (int)drop.Value;

            var trickle = step.Modifier?.TrickleDelay;
            if (trickle != null)
            {
                for (var i = 0; i < count; i++)
                {
                    await connection.WithTimeoutAsync(step.Description, t => connection.WriteAsync(data, i, 1, t)).ConfigureAwait(false);
                    if (i + 1 < count)
                        await Task.Delay(trickle.Value, token).ConfigureAwait(false);
                }
            }
            else
            {
                await connection.WithTimeoutAsync(step.Description, t => connection.WriteAsync(data, 0, count, t)).ConfigureAwait(false);
            }

            if (drop == null)
                return true;
            await connection.CloseAsync(reset: false, token).ConfigureAwait(false);
            return false;
        }

        private static async Task<bool> SendGarbageAsync(ServerConnection connection, ScriptStep step, CancellationToken token)
        {
            var template = step.GarbageWithoutNewline ? GarbageTemplateFlat : GarbageTemplateLines;
            var total = step.GarbageLength;
            var drop = step.Modifier?.DropAfter;
            if (drop != null && drop.Value < total)
                total = drop.Value;
            long sent = 0;
            try
            {
                while (sent < total)
                {
                    var chunk = (int)Math.Min(template.Length, total - sent);
                    await connection.WithTimeoutAsync(step.Description, t => connection.WriteAsync(template, 0, chunk, t)).ConfigureAwait(false);
                    sent += chunk;
                }
            }
            catch (IOException) when (!token.IsCancellationRequested)
            {
                // The client gave up on the garbage and closed: the behaviour under test, not a server failure.
                connection.ClientAbortedDuringSend = true;
                return false;
            }
            if (drop == null)
                return true;
            await connection.CloseAsync(reset: false, token).ConfigureAwait(false);
            return false;
        }

        private static byte[] BuildGarbage(bool withNewlines)
        {
            // 819 lines of 78 letters + CRLF: chunks end on a line boundary, so long garbage stays well-formed lines.
            const string alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
            var buffer = new byte[819 * 80];
            for (var i = 0; i < buffer.Length; i++)
            {
                var column = i % 80;
                buffer[i] = withNewlines && column == 78 ? (byte)'\r'
                    : withNewlines && column == 79 ? (byte)'\n'
                    : (byte)alphabet[(i * 7 + i / 80) % alphabet.Length];
            }
            return buffer;
        }

        /// <summary>Cancels every script, closes the listener and every connection, and waits (bounded) for the server tasks.</summary>
        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
            _disposeCts.Cancel();
            try { _listener.Stop(); } catch (SocketException) { }
            Task[] tasks;
            lock (_connections)
            {
                foreach (var connection in _connections)
                    connection.Abort();
                tasks = _connectionTasks.Append(_acceptLoop).ToArray();
                foreach (var waiter in _connectionWaiters)
                    waiter.TrySetCanceled();
            }
            var all = Task.WhenAll(tasks);
            await Task.WhenAny(all, Task.Delay(_options.DisposeTimeout)).ConfigureAwait(false);
            if (!all.IsCompleted)
                _errors.Enqueue(new TimeoutException($"Server tasks still running {_options.DisposeTimeout.TotalSeconds:0.###} s after dispose."));
            _allScriptsDone.TrySetCanceled();
        }

        /// <summary>Synchronous <see cref="DisposeAsync"/> (bounded by <see cref="ScriptedServerOptions.DisposeTimeout"/>).</summary>
        public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();
    }
}
