using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;

namespace ImapPS.Bench;

/// <summary>
/// A loopback TCP proxy that adds latency (this kernel has no netem): every chunk read in either
/// direction is forwarded <see cref="OneWayDelay"/> after it arrived, so the round trip grows by
/// twice that. Bandwidth is not limited and order is kept: it models a long, fat pipe.
/// </summary>
public sealed class DelayProxy : IDisposable
{
    private readonly TcpListener listener;
    private readonly IPEndPoint target;
    private readonly CancellationTokenSource stop = new();
    private readonly List<TcpClient> sockets = new();
    private readonly Task acceptLoop;

    public DelayProxy(IPEndPoint target, TimeSpan oneWayDelay)
    {
        this.target = target;
        OneWayDelay = oneWayDelay;
        listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        acceptLoop = Task.Run(AcceptLoopAsync);
    }

    public TimeSpan OneWayDelay { get; }

    public int Port => ((IPEndPoint)listener.LocalEndpoint).Port;

    private async Task AcceptLoopAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            TcpClient inbound;
            try
            {
                inbound = await listener.AcceptTcpClientAsync(stop.Token).ConfigureAwait(false);
            }
            catch (Exception) when (stop.IsCancellationRequested)
            {
                return;
            }

            var outbound = new TcpClient { NoDelay = true };
            inbound.NoDelay = true;
            try
            {
                await outbound.ConnectAsync(target.Address, target.Port, stop.Token).ConfigureAwait(false);
            }
            catch (Exception)
            {
                inbound.Dispose();
                outbound.Dispose();
                continue;
            }

            lock (sockets)
            {
                sockets.Add(inbound);
                sockets.Add(outbound);
            }

            _ = PumpAsync(inbound, outbound);
            _ = PumpAsync(outbound, inbound);
        }
    }

    private async Task PumpAsync(TcpClient from, TcpClient to)
    {
        var queue = Channel.CreateUnbounded<(long Due, byte[] Data, int Count)>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        long delayTicks = (long)(OneWayDelay.TotalSeconds * Stopwatch.Frequency);
        var writer = Task.Run(async () =>
        {
            var output = to.GetStream();
            try
            {
                await foreach (var item in queue.Reader.ReadAllAsync(stop.Token).ConfigureAwait(false))
                {
                    await WaitUntilAsync(item.Due).ConfigureAwait(false);
                    await output.WriteAsync(item.Data.AsMemory(0, item.Count), stop.Token).ConfigureAwait(false);
                }
            }
            catch (Exception)
            {
                // The connection closed or the proxy stopped.
            }
            finally
            {
                try { to.Client.Shutdown(SocketShutdown.Send); } catch (Exception) { }
            }
        });

        var input = from.GetStream();
        try
        {
            while (true)
            {
                var chunk = new byte[64 * 1024];
                int n = await input.ReadAsync(chunk, stop.Token).ConfigureAwait(false);
                if (n == 0) break;
                queue.Writer.TryWrite((Stopwatch.GetTimestamp() + delayTicks, chunk, n));
            }
        }
        catch (Exception)
        {
            // Closed.
        }

        queue.Writer.TryComplete();
        await writer.ConfigureAwait(false);
    }

    private static async Task WaitUntilAsync(long due)
    {
        while (true)
        {
            long remaining = due - Stopwatch.GetTimestamp();
            if (remaining <= 0) return;
            double ms = remaining * 1000.0 / Stopwatch.Frequency;
            // Timers overshoot by about a millisecond: sleep most of the way, then yield-spin
            // for the last two so the added delay is what it says.
            if (ms > 2.5) await Task.Delay(TimeSpan.FromMilliseconds(ms - 2)).ConfigureAwait(false);
            else Thread.Yield();
        }
    }

    public void Dispose()
    {
        stop.Cancel();
        listener.Stop();
        lock (sockets)
        {
            foreach (var s in sockets) s.Dispose();
        }

        try { acceptLoop.Wait(TimeSpan.FromSeconds(5)); } catch (Exception) { }
    }
}
