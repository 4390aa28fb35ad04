using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading;

namespace ImapPS.Client.Tests.Parity
{
    /// <summary>
    /// Runs a parity scenario's steps through ImapPS.Client the way imaplib2_side.py runs them
    /// through imaplib2: each step names an imaplib2 method and its arguments (null for None), and
    /// the result is recorded in the same JSON shape, so the two can be compared item by item.
    /// </summary>
    internal sealed class ParityRunner
    {
        private readonly Func<Imap4Client> connect;
        private readonly string user;
        private readonly string password;
        private readonly Dictionary<string, JsonObject> callbacks = new Dictionary<string, JsonObject>();
        private readonly object gate = new object();
        private readonly StringWriter wire = new StringWriter();

        public ParityRunner(Func<ImapClientOptions, Imap4Client> connect, ImapClientOptions options, string user, string password)
        {
            options.DebugWriter = TextWriter.Synchronized(wire);
            options.DebugLevel = Math.Max(options.DebugLevel, 4);
            this.connect = () => connect(options);
            this.user = user;
            this.password = password;
        }

        /// <summary>What the client wrote and read, as its debug log shows it (passwords redacted).</summary>
        public string Wire => wire.ToString();

        public JsonArray Run(JsonArray steps, Action<Imap4Client, JsonObject> deliver)
        {
            var results = new JsonArray();
            using var M = connect();
            try
            {
                foreach (var node in steps)
                {
                    var step = node!.AsObject();
                    string op = (string)step["op"]!;
                    switch (op)
                    {
                        case "login":
                            M.Login(user, password);
                            continue;
                        case "deliver":
                            deliver(M, step);
                            continue;
                        case "wait":
                            foreach (var key in step["for"]!.AsArray().Select(k => (string)k!))
                                results.Add(WaitFor(key));
                            continue;
                        case "idling":
                            var until = DateTime.UtcNow + TimeSpan.FromSeconds(30);
                            while (!M.IsIdling)
                            {
                                if (DateTime.UtcNow > until) throw new TimeoutException("IDLE did not start");
                                Thread.Sleep(10);
                            }
                            continue;
                        case "static":
                            results.Add(With((string)step["id"]!, Static((string)step["m"]!, Args(step))));
                            continue;
                        case "state":
                            results.Add(new JsonObject { ["step"] = (string)step["id"]!, ["state"] = M.State.ToString() });
                            continue;
                        case "pop":
                            var untagged = new JsonArray();
                            foreach (var pair in M.PopUntaggedResponses())
                                untagged.Add(new JsonArray(pair.Key, new JsonArray(pair.Value.Select(Item).ToArray())));
                            results.Add(new JsonObject { ["step"] = (string)step["id"]!, ["untagged"] = untagged });
                            continue;
                    }
                    string id = (string)step["id"]!;
                    bool async = (bool?)step["cb"] ?? false;
                    ImapCallback? cb = null;
                    if (async)
                        cb = (response, argument, error) =>
                        {
                            lock (gate)
                            {
                                callbacks[(string)argument!] = error != null ? ErrorOf(error) : Shape(response!);
                                Monitor.PulseAll(gate);
                            }
                        };
                    try
                    {
                        var response = Call(M, (string)step["m"]!, Args(step), step["kw"]?.AsObject(), cb, id);
                        if (!async) results.Add(With(id, Shape(response)));
                    }
                    catch (Exception e) when (e is ImapException || e is ArgumentException || e is InvalidOperationException)
                    {
                        results.Add(With(id, ErrorOf(e)));
                    }
                }
            }
            finally
            {
                try { if (M.State != ImapState.LOGOUT) M.Logout(); } catch (ImapException) { }
            }
            return results;
        }

        private JsonObject WaitFor(string key)
        {
            lock (gate)
            {
                var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
                while (!callbacks.ContainsKey(key))
                {
                    var left = deadline - DateTime.UtcNow;
                    if (left <= TimeSpan.Zero || !Monitor.Wait(gate, left)) throw new TimeoutException("callback for " + key + " did not arrive");
                }
                var result = callbacks[key];
                callbacks.Remove(key);
                return With(key, result);
            }
        }

        /// <summary>The result with the step's id first, as both sides record it (the properties are moved, not copied).</summary>
        internal static JsonObject With(string id, JsonObject result)
        {
            var o = new JsonObject { ["step"] = id };
            foreach (var kv in result.ToList())
            {
                result.Remove(kv.Key);
                o[kv.Key] = kv.Value;
            }
            return o;
        }

        /// <summary>imaplib2's module functions, as the engine offers them (static methods of Imap4Client).</summary>
        private static JsonObject Static(string method, List<object?> a)
        {
            try
            {
                switch (method)
                {
                    case "Internaldate2Time":
                        var t = Imap4Client.Internaldate2Time((string)a[0]!);
                        return new JsonObject { ["value"] = t?.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture) };
                    case "Time2Internaldate":
                        string formatted = a[0] switch
                        {
                            double seconds => Imap4Client.Time2Internaldate(seconds),
                            string s => Imap4Client.Time2Internaldate(s),
                            _ => throw new NotSupportedException(),
                        };
                        return new JsonObject { ["value"] = formatted };
                    case "ParseFlags":
                        return new JsonObject { ["value"] = new JsonArray(Imap4Client.ParseFlags((string)a[0]!).Select(f => (JsonNode?)JsonValue.Create(f)).ToArray()) };
                    default:
                        throw new NotSupportedException("No mapping for imaplib2." + method);
                }
            }
            catch (ArgumentException)
            {
                // imaplib2 raises ValueError where the engine throws ArgumentException (docs/engine.md).
                return new JsonObject { ["error"] = "ValueError" };
            }
        }

        private static JsonObject ErrorOf(Exception e) => new JsonObject
        {
            ["error"] = e is ImapReadOnlyException ? "readonly" : e is ImapAbortException ? "abort" : "error",
        };

        internal static JsonObject Shape(ImapResponse response) => new JsonObject
        {
            ["type"] = response.Type,
            ["data"] = response.Data == null ? null : new JsonArray(response.Data.Select(Item).ToArray()),
        };

        private static JsonNode? Item(ImapDataItem? item)
        {
            if (item == null) return null;
            if (item.Items != null) return new JsonObject { ["list"] = new JsonArray(item.Items.Select(Item).ToArray()) };
            if (item.Literal == null) return JsonValue.Create(item.Text);
            return new JsonArray(JsonValue.Create(item.Text), JsonValue.Create(Encoding.Latin1.GetString(item.Literal)));
        }

        private static List<object?> Args(JsonObject step)
        {
            var list = new List<object?>();
            if (step["a"] is JsonArray a)
                foreach (var v in a)
                {
                    if (v == null) list.Add(null);
                    else if (v is JsonObject o && o["bytes"] != null) list.Add(Encoding.Latin1.GetBytes((string)o["bytes"]!));
                    else if (v.GetValueKind() == System.Text.Json.JsonValueKind.Number) list.Add(v.GetValue<double>());
                    else list.Add((string)v!);
                }
            return list;
        }

        private static string? S(List<object?> a, int i, string? otherwise = null) => i < a.Count ? (string?)a[i] : otherwise;

        /// <summary>imaplib2's method names mapped onto the engine's methods, argument by argument.</summary>
        private static ImapResponse Call(Imap4Client M, string method, List<object?> a, JsonObject? kw, ImapCallback? cb, string id)
        {
            string[] Rest(int from) => a.Skip(from).Select(x => (string)x!).ToArray();
            switch (method)
            {
                case "capability": return M.Capability(cb, id);
                case "noop": return M.Noop(cb, id);
                case "check": return M.Check(cb, id);
                case "close": return M.Close(cb, id);
                case "expunge": return M.Expunge(cb, id);
                case "namespace": return M.Namespace(cb, id);
                case "recent": return M.Recent(cb, id);
                case "create": return M.Create(S(a, 0)!, cb, id);
                case "delete": return M.Delete(S(a, 0)!, cb, id);
                case "subscribe": return M.Subscribe(S(a, 0)!, cb, id);
                case "unsubscribe": return M.Unsubscribe(S(a, 0)!, cb, id);
                case "rename": return M.Rename(S(a, 0)!, S(a, 1)!, cb, id);
                case "select":
                    return M.Select(S(a, 0, "INBOX")!, (bool?)kw?["readonly"] ?? false, cb, id);
                case "examine": return M.Examine(S(a, 0, "INBOX")!, cb, id);
                case "list": return M.List(S(a, 0, "\"\"")!, S(a, 1, "*")!, cb, id);
                case "lsub": return M.Lsub(S(a, 0, "\"\"")!, S(a, 1, "*")!, cb, id);
                case "status": return M.Status(S(a, 0)!, S(a, 1)!, cb, id);
                case "append":
                    DateTimeOffset? date = a[2] is string ds ? Imap4Client.Internaldate2Time(ds) : null;
                    return M.Append(S(a, 0)!, S(a, 1), date, (byte[])a[3]!, cb, id);
                case "fetch": return M.Fetch(S(a, 0)!, S(a, 1)!, cb, id);
                case "store": return M.Store(S(a, 0)!, S(a, 1)!, S(a, 2)!, cb, id);
                case "copy": return M.Copy(S(a, 0)!, S(a, 1)!, cb, id);
                case "search": return cb == null ? M.Search(S(a, 0), Rest(1)) : M.Search(S(a, 0), Rest(1), cb, id);
                case "sort": return cb == null ? M.Sort(S(a, 0)!, S(a, 1)!, Rest(2)) : M.Sort(S(a, 0)!, S(a, 1)!, Rest(2), cb, id);
                case "thread": return cb == null ? M.Thread(S(a, 0)!, S(a, 1)!, Rest(2)) : M.Thread(S(a, 0)!, S(a, 1)!, Rest(2), cb, id);
                case "uid": return cb == null ? M.Uid(S(a, 0)!, Rest(1)) : M.Uid(S(a, 0)!, Rest(1), cb, id);
                case "xatom": return cb == null ? M.Xatom(S(a, 0)!, Rest(1)) : M.Xatom(S(a, 0)!, Rest(1), cb, id);
                case "getquotaroot": return M.GetQuotaRoot(S(a, 0)!, cb, id);
                case "getquota": return M.GetQuota(S(a, 0)!, cb, id);
                case "getacl": return M.GetAcl(S(a, 0)!, cb, id);
                case "setacl": return M.SetAcl(S(a, 0)!, S(a, 1)!, S(a, 2)!, cb, id);
                case "deleteacl": return M.DeleteAcl(S(a, 0)!, S(a, 1)!, cb, id);
                case "myrights": return M.MyRights(S(a, 0)!, cb, id);
                case "listrights": return M.ListRights(S(a, 0)!, S(a, 1)!, cb, id);
                case "enable": return M.Enable(S(a, 0)!, cb, id);
                case "response": return M.Response(S(a, 0)!, cb, id);
                case "setquota": return M.SetQuota(S(a, 0)!, S(a, 1)!, cb, id);
                case "getannotation": return M.GetAnnotation(S(a, 0)!, S(a, 1)!, S(a, 2)!, cb, id);
                case "proxyauth": return M.ProxyAuth(S(a, 0)!, cb, id);
                case "partial": return M.Partial(uint.Parse(S(a, 0)!, CultureInfo.InvariantCulture), S(a, 1)!, long.Parse(S(a, 2)!, CultureInfo.InvariantCulture), long.Parse(S(a, 3)!, CultureInfo.InvariantCulture), cb, id);
                case "id":
                    // imaplib2's id(field1, value1, …) is ImapPS's Id(dictionary): the pairs become its entries.
                    Dictionary<string, string?>? fields = null;
                    if (a.Count > 0)
                    {
                        fields = new Dictionary<string, string?>();
                        for (int i = 0; i + 1 < a.Count; i += 2) fields[S(a, i)!] = S(a, i + 1);
                    }
                    return M.Id(fields, cb, id);
                case "idle":
                    TimeSpan? timeout = a.Count > 0 && a[0] is double seconds ? TimeSpan.FromSeconds(seconds) : null;
                    return M.Idle(timeout, cb, id);
                default: throw new NotSupportedException("No mapping for imaplib2's " + method + "()");
            }
        }
    }
}
