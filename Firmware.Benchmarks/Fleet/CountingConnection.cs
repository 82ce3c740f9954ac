using System.Collections.Concurrent;
using System.Diagnostics;
using DeviceFirmware.Mqtt;

namespace Firmware.Benchmarks.Fleet;

/// <summary>
/// What a fleet's connections did, shared by all of them: every connect attempt with its time, and
/// how many devices are online now (connected and their <c>connected: true</c> report accepted).
/// </summary>
internal sealed class ConnectLog
{
    private readonly ConcurrentQueue<long> _attempts = new();
    private readonly ConcurrentDictionary<string, int> _reasons = new(StringComparer.Ordinal);
    private int _online;
    private int _succeeded;
    private int _failed;

    /// <summary>Stopwatch timestamps of every <see cref="IMqttConnection.ConnectAsync"/> call.</summary>
    public IReadOnlyCollection<long> Attempts => _attempts;

    public int Online => Volatile.Read(ref _online);

    public int Succeeded => Volatile.Read(ref _succeeded);

    public int Failed => Volatile.Read(ref _failed);

    public void Attempt() => _attempts.Enqueue(Stopwatch.GetTimestamp());

    public void Success() => Interlocked.Increment(ref _succeeded);

    public void Failure(string reason)
    {
        Interlocked.Increment(ref _failed);
        _reasons.AddOrUpdate(reason.Length > 120 ? reason[..120] : reason, 1, (_, n) => n + 1);
    }

    /// <summary>Why connect attempts failed, most frequent first ("reason: count").</summary>
    public string TopFailures(int count)
    {
        var all = new List<KeyValuePair<string, int>>(_reasons);
        all.Sort((a, b) => b.Value.CompareTo(a.Value));
        var text = new List<string>();
        for (var i = 0; i < Math.Min(count, all.Count); i++)
        {
            text.Add(all[i].Value + " x " + all[i].Key);
        }

        return string.Join("; ", text);
    }

    public void Up() => Interlocked.Increment(ref _online);

    public void Down() => Interlocked.Decrement(ref _online);

    /// <summary>Forgets the attempts and counts so far (the online count stays: it is a state).</summary>
    public void Reset()
    {
        _attempts.Clear();
        _reasons.Clear();
        Volatile.Write(ref _succeeded, 0);
        Volatile.Write(ref _failed, 0);
    }
}

/// <summary>
/// The firmware's real <see cref="IMqttConnection"/> with a counter around it: records each connect
/// attempt in the <see cref="ConnectLog"/>, and marks the device online at the first
/// <c>/update/accepted</c> after a connect (the agent's <c>connected: true</c> report is its first update).
/// </summary>
internal sealed class CountingConnection : IMqttConnection
{
    private readonly IMqttConnection _inner;
    private readonly ConnectLog _log;
    private int _online;

    public CountingConnection(IMqttConnection inner, ConnectLog log)
    {
        _inner = inner;
        _log = log;
        _inner.MessageReceived += OnMessage;
        _inner.ConnectionLost += OnLost;
    }

    public event Action<string, ReadOnlyMemory<byte>>? MessageReceived;

    public event Action<string>? ConnectionLost;

    public bool IsConnected => _inner.IsConnected;

    public bool IsOnline => Volatile.Read(ref _online) == 1;

    public async Task ConnectAsync(CancellationToken cancellationToken)
    {
        _log.Attempt();
        GoOffline();
        try
        {
            await _inner.ConnectAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            _log.Failure(ex.Message);
            throw;
        }

        _log.Success();
    }

    public Task SubscribeAsync(IReadOnlyList<string> topics, CancellationToken cancellationToken) => _inner.SubscribeAsync(topics, cancellationToken);

    public Task PublishAsync(string topic, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken) => _inner.PublishAsync(topic, payload, cancellationToken);

    public async Task DisconnectAsync(CancellationToken cancellationToken)
    {
        GoOffline();
        await _inner.DisconnectAsync(cancellationToken).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync()
    {
        GoOffline();
        return _inner.DisposeAsync();
    }

    private void OnMessage(string topic, ReadOnlyMemory<byte> payload)
    {
        if (topic.EndsWith("/update/accepted", StringComparison.Ordinal) && Interlocked.CompareExchange(ref _online, 1, 0) == 0)
        {
            _log.Up();
        }

        MessageReceived?.Invoke(topic, payload);
    }

    private void OnLost(string reason)
    {
        GoOffline();
        ConnectionLost?.Invoke(reason);
    }

    private void GoOffline()
    {
        if (Interlocked.CompareExchange(ref _online, 0, 1) == 1)
        {
            _log.Down();
        }
    }
}
