using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace DeviceFirmware.Tests.Support;

/// <summary>
/// A TCP proxy between a client and a broker that can cut every connection abruptly (RST), so the
/// broker sees an ungraceful drop — what a pulled cable or a crashed device looks like — or turn
/// into a silent blackhole (<see cref="Blackhole"/>): sockets stay open, nothing gets through.
/// </summary>
internal sealed class TcpFaultProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _upstreamPort;
    private readonly ConcurrentDictionary<Socket, byte> _sockets = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private readonly object _gateLock = new();

    // Completed while bytes flow; a pending task while blackholed.
    private TaskCompletionSource _flowing = Open();

    public TcpFaultProxy(int upstreamPort)
    {
        _upstreamPort = upstreamPort;
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = Task.Run(AcceptAsync);
    }

    public int Port { get; }

    /// <summary>Resets every open connection (both sides see a dropped link, no MQTT DISCONNECT).</summary>
    public void DropAll()
    {
        foreach (var socket in _sockets.Keys)
        {
            try
            {
                socket.LingerState = new LingerOption(true, 0);
                socket.Close();
            }
            catch (ObjectDisposedException)
            {
            }

            _sockets.TryRemove(socket, out _);
        }
    }

    /// <summary>
    /// Stops forwarding in both directions without closing anything, like a dead route or a NAT
    /// that forgot the flow: no bytes, no FIN, no RST reach either side. Bytes already read are
    /// held (TCP would retransmit them), not lost, so <see cref="Restore"/> keeps each stream intact.
    /// New connections are accepted but carry nothing until then.
    /// </summary>
    public void Blackhole()
    {
        lock (_gateLock)
        {
            if (_flowing.Task.IsCompleted)
            {
                _flowing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }

    /// <summary>Lets bytes (and closes) flow again, including what was held during the blackhole.</summary>
    public void Restore()
    {
        lock (_gateLock)
        {
            _flowing.TrySetResult();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        Restore();
        _listener.Stop();
        DropAll();
        try
        {
            await _accepting;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var downstream = await _listener.AcceptSocketAsync(_stop.Token);
            var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await upstream.ConnectAsync(IPAddress.Loopback, _upstreamPort, _stop.Token);
            }
            catch (SocketException)
            {
                downstream.Close();
                upstream.Dispose();
                continue;
            }

            _sockets[downstream] = 0;
            _sockets[upstream] = 0;
            _ = PumpAsync(downstream, upstream);
            _ = PumpAsync(upstream, downstream);
        }
    }

    private async Task PumpAsync(Socket from, Socket to)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var n = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                await FlowingAsync();
                if (n == 0)
                {
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }

                await to.SendAsync(buffer.AsMemory(0, n), SocketFlags.None, _stop.Token);
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            try
            {
                to.LingerState = new LingerOption(true, 0);
                to.Close();
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    private Task FlowingAsync()
    {
        Task flowing;
        lock (_gateLock)
        {
            flowing = _flowing.Task;
        }

        return flowing.WaitAsync(_stop.Token);
    }

    private static TaskCompletionSource Open()
    {
        var open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        open.SetResult();
        return open;
    }
}
