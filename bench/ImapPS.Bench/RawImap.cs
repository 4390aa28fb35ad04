using System;
using System.IO;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace ImapPS.Bench;

/// <summary>
/// The raw-socket floor: writes command bytes and reads until the tagged status line, parsing
/// nothing. Tags start with "Zq", which never begins a line of a message, so a scan for
/// "\r\nZq&lt;n&gt; " finds the tagged line without tracking literals.
/// </summary>
public sealed class RawImap : IDisposable
{
    private readonly TcpClient client;
    private readonly NetworkStream stream;
    private byte[] buffer = new byte[256 * 1024];
    private int start;
    private int end;
    private int tagNumber;

    private RawImap(TcpClient client)
    {
        this.client = client;
        stream = client.GetStream();
    }

    /// <summary>Bytes read so far, for reporting.</summary>
    public long BytesRead { get; private set; }

    public static async Task<RawImap> ConnectAsync(string host, int port, TimeSpan timeout)
    {
        var tcp = new TcpClient { NoDelay = true };
        using (var cts = new CancellationTokenSource(timeout))
        {
            await tcp.ConnectAsync(host, port, cts.Token).ConfigureAwait(false);
        }

        tcp.ReceiveTimeout = (int)timeout.TotalMilliseconds;
        tcp.SendTimeout = (int)timeout.TotalMilliseconds;
        var raw = new RawImap(tcp);
        await raw.ReadLineAsync().ConfigureAwait(false); // greeting
        return raw;
    }

    public static async Task<RawImap> LoginAsync(string host, int port, string user, string password, string? select, TimeSpan timeout)
    {
        var raw = await ConnectAsync(host, port, timeout).ConfigureAwait(false);
        string status = await raw.CommandAsync($"LOGIN {Quote(user)} {Quote(password)}").ConfigureAwait(false);
        if (!status.StartsWith("OK", StringComparison.Ordinal)) throw new InvalidOperationException("Raw LOGIN failed: " + status);
        if (select != null)
        {
            status = await raw.CommandAsync("SELECT " + Quote(select)).ConfigureAwait(false);
            if (!status.StartsWith("OK", StringComparison.Ordinal)) throw new InvalidOperationException("Raw SELECT failed: " + status);
        }

        return raw;
    }

    public static string Quote(string s) => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";

    /// <summary>The next tag this connection will use.</summary>
    public string NextTag() => "Zq" + Interlocked.Increment(ref tagNumber);

    /// <summary>Sends one command and reads to its tagged line; returns the status text after the tag.</summary>
    public async Task<string> CommandAsync(string command, StringBuilder? capture = null)
    {
        string tag = NextTag();
        await WriteAsync(Encoding.UTF8.GetBytes(tag + " " + command + "\r\n")).ConfigureAwait(false);
        return await ReadToTagAsync(tag, capture).ConfigureAwait(false);
    }

    public async Task WriteAsync(ReadOnlyMemory<byte> bytes)
    {
        await stream.WriteAsync(bytes).ConfigureAwait(false);
    }

    /// <summary>
    /// Reads until the line "TAG ..." and returns what follows the tag. Everything before is only
    /// scanned (or appended to <paramref name="capture"/> when given, for the few commands whose
    /// data the harness needs, like SEARCH).
    /// </summary>
    public async Task<string> ReadToTagAsync(string tag, StringBuilder? capture = null)
    {
        byte[] pattern = Encoding.ASCII.GetBytes("\n" + tag + " ");
        int scanFrom = start;
        bool startIsLineStart = true; // whole lines are consumed, so the buffer start begins a line
        while (true)
        {
            int lineBegin = -1;
            var window = buffer.AsSpan(start, end - start);
            if (startIsLineStart && window.Length >= pattern.Length - 1 && window.StartsWith(pattern.AsSpan(1)))
            {
                lineBegin = start;
            }
            else
            {
                int hit = buffer.AsSpan(scanFrom, end - scanFrom).IndexOf(pattern);
                if (hit >= 0) lineBegin = scanFrom + hit + 1;
            }

            if (lineBegin >= 0)
            {
                int lf = buffer.AsSpan(lineBegin, end - lineBegin).IndexOf((byte)'\n');
                if (lf >= 0)
                {
                    capture?.Append(Encoding.UTF8.GetString(buffer, start, lineBegin - start));
                    int statusStart = lineBegin + pattern.Length - 1;
                    string status = Encoding.UTF8.GetString(buffer, statusStart, lineBegin + lf - statusStart).TrimEnd('\r');
                    start = lineBegin + lf + 1;
                    return status;
                }

                // The tagged line is incomplete: drop what precedes it and read on.
                capture?.Append(Encoding.UTF8.GetString(buffer, start, lineBegin - start));
                start = lineBegin;
                startIsLineStart = true;
            }
            else
            {
                // Keep only a tail that could be the start of the pattern.
                int keep = Math.Min(end - start, pattern.Length - 1);
                capture?.Append(Encoding.UTF8.GetString(buffer, start, end - keep - start));
                if (keep < end - start) startIsLineStart = false;
                start = end - keep;
            }

            Compact();
            scanFrom = start;
            await FillAsync(tag).ConfigureAwait(false);
        }
    }

    /// <summary>Reads one line (for the greeting, continuations and untagged data in IDLE).</summary>
    public async Task<string> ReadLineAsync()
    {
        while (true)
        {
            int lf = buffer.AsSpan(start, end - start).IndexOf((byte)'\n');
            if (lf >= 0)
            {
                string line = Encoding.UTF8.GetString(buffer, start, lf).TrimEnd('\r');
                start += lf + 1;
                return line;
            }

            Compact();
            await FillAsync("a line").ConfigureAwait(false);
        }
    }

    private void Compact()
    {
        if (start == 0) return;
        Array.Copy(buffer, start, buffer, 0, end - start);
        end -= start;
        start = 0;
    }

    private async Task FillAsync(string waitingFor)
    {
        if (end == buffer.Length) Array.Resize(ref buffer, buffer.Length * 2);
        int n = await stream.ReadAsync(buffer.AsMemory(end)).ConfigureAwait(false);
        if (n == 0) throw new IOException("The server closed the connection while the floor client waited for " + waitingFor + ".");
        BytesRead += n;
        end += n;
    }

    public void Dispose()
    {
        client.Dispose();
    }

}
