using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Firmware.EndToEnd.Harness;

/// <summary>The kinds of network fault the proxy makes.</summary>
public enum NetworkFault
{
    /// <summary>Every open connection stops carrying bytes (both ways) and new ones hang: a pulled cable, a dead NAT entry.</summary>
    Blackhole,

    /// <summary>Only the connections open now go silent; new ones pass: the device finds a new path while the broker still holds the old session.</summary>
    BlackholeExisting,

    /// <summary>Every open connection is reset (RST).</summary>
    Reset,

    /// <summary>New connections are refused (reset at once); open ones are reset too: the broker is unreachable.</summary>
    Refuse,

    /// <summary>Every chunk waits before it is forwarded, and the rate is capped: a congested uplink.</summary>
    Slow,
}

/// <summary>
/// A TCP proxy between the firmware and the broker that makes real network faults on loopback:
/// silence (blackhole), resets, refusal and a slow link. Written for the tests: a fault proxy such as
/// Toxiproxy is not in Debian's packages, and this one is small. Bytes held during a blackhole are
/// forwarded when it ends, as TCP retransmission would deliver them if neither side gave up.
/// </summary>
public sealed class FaultProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _upstream;
    private readonly ConcurrentDictionary<Link, byte> _links = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private volatile Gate _newLinks = Gate.CreateOpen();
    private volatile bool _refusing;
    private volatile bool _slow;

    public FaultProxy(int upstreamPort)
    {
        _upstream = new IPEndPoint(IPAddress.Loopback, upstreamPort);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = Task.Run(AcceptAsync);
    }

    public int Port { get; }

    /// <summary>Bytes carried since the start, both directions.</summary>
    public long BytesForwarded => Interlocked.Read(ref _bytes);

    /// <summary>Delay added to every chunk while <see cref="NetworkFault.Slow"/> is on.</summary>
    public TimeSpan SlowLatency { get; set; } = TimeSpan.FromMilliseconds(300);

    /// <summary>Rate cap while <see cref="NetworkFault.Slow"/> is on.</summary>
    public int SlowBytesPerSecond { get; set; } = 4 * 1024;

    private long _bytes;

    public void Inject(NetworkFault fault)
    {
        switch (fault)
        {
            case NetworkFault.Blackhole:
                if (_newLinks.IsOpen)
                {
                    _newLinks = Gate.CreateClosed();
                }

                foreach (var link in _links.Keys)
                {
                    link.Gate.Close();
                }

                break;
            case NetworkFault.BlackholeExisting:
                foreach (var link in _links.Keys)
                {
                    link.Gate.Close();
                }

                break;
            case NetworkFault.Reset:
                ResetAll();
                break;
            case NetworkFault.Refuse:
                _refusing = true;
                ResetAll();
                break;
            case NetworkFault.Slow:
                _slow = true;
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(fault), fault, null);
        }
    }

    /// <summary>Ends every fault: silent links carry bytes again, new connections pass, full speed.</summary>
    public void Heal()
    {
        _refusing = false;
        _slow = false;
        _newLinks.Open();
        _newLinks = Gate.CreateOpen();
        foreach (var link in _links.Keys)
        {
            link.Gate.Open();
        }
    }

    public int OpenConnections => _links.Count;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        ResetAll();
        try
        {
            await _accepting.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        _stop.Dispose();
    }

    private void ResetAll()
    {
        foreach (var link in _links.Keys)
        {
            link.Reset();
            _links.TryRemove(link, out _);
        }
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var downstream = await _listener.AcceptSocketAsync(_stop.Token).ConfigureAwait(false);
            if (_refusing)
            {
                Abort(downstream);
                continue;
            }

            _ = Task.Run(() => OpenLinkAsync(downstream));
        }
    }

    private async Task OpenLinkAsync(Socket downstream)
    {
        // A blackholed path does not even complete the connection upstream until it heals.
        var gate = _newLinks;
        await gate.WaitAsync(_stop.Token).ConfigureAwait(false);
        var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        downstream.NoDelay = true;
        try
        {
            await upstream.ConnectAsync(_upstream, _stop.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            Abort(downstream);
            upstream.Dispose();
            return;
        }

        if (_refusing)
        {
            Abort(downstream);
            Abort(upstream);
            return;
        }

        var link = new Link(downstream, upstream, Gate.CreateOpen());
        _links[link] = 0;
        await Task.WhenAll(PumpAsync(link, downstream, upstream), PumpAsync(link, upstream, downstream)).ConfigureAwait(false);
        _links.TryRemove(link, out _);
    }

    private async Task PumpAsync(Link link, Socket from, Socket to)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var n = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token).ConfigureAwait(false);
                await link.Gate.WaitAsync(_stop.Token).ConfigureAwait(false);
                if (n == 0)
                {
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }

                var offset = 0;
                while (offset < n)
                {
                    var chunk = n - offset;
                    if (_slow)
                    {
                        chunk = Math.Min(chunk, 512);
                        await Task.Delay(SlowLatency + TimeSpan.FromSeconds((double)chunk / SlowBytesPerSecond), _stop.Token).ConfigureAwait(false);
                        await link.Gate.WaitAsync(_stop.Token).ConfigureAwait(false);
                    }

                    await to.SendAsync(buffer.AsMemory(offset, chunk), SocketFlags.None, _stop.Token).ConfigureAwait(false);
                    offset += chunk;
                    Interlocked.Add(ref _bytes, chunk);
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            link.Reset();
        }
    }

    private static void Abort(Socket socket)
    {
        try
        {
            socket.LingerState = new LingerOption(true, 0);
            socket.Close();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private sealed class Link(Socket downstream, Socket upstream, Gate gate)
    {
        public Gate Gate { get; } = gate;

        public void Reset()
        {
            Abort(downstream);
            Abort(upstream);
        }
    }

    /// <summary>Open or closed; closed holds every waiter until it opens.</summary>
    private sealed class Gate
    {
        private TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool IsOpen => _open.Task.IsCompleted;

        public static Gate CreateOpen()
        {
            var gate = new Gate();
            gate._open.TrySetResult();
            return gate;
        }

        public static Gate CreateClosed() => new();

        public void Close()
        {
            lock (this)
            {
                if (_open.Task.IsCompleted)
                {
                    _open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }
            }
        }

        public void Open()
        {
            lock (this)
            {
                _open.TrySetResult();
            }
        }

        public Task WaitAsync(CancellationToken cancellationToken)
        {
            Task open;
            lock (this)
            {
                open = _open.Task;
            }

            return open.WaitAsync(cancellationToken);
        }
    }
}
