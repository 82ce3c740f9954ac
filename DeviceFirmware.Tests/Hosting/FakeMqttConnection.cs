using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using DeviceFirmware.Mqtt;

namespace DeviceFirmware.Tests.Hosting;

/// <summary>
/// An in-memory <see cref="IMqttConnection"/> that can play a minimal shadow service: it answers
/// /update with /update/accepted (echoing the clientToken) and /get with /get/rejected 404.
/// </summary>
internal sealed class FakeMqttConnection : IMqttConnection
{
    private readonly object _gate = new();

    public event Action<string, ReadOnlyMemory<byte>>? MessageReceived;

    public event Action<string>? ConnectionLost;

    public bool IsConnected { get; private set; }

    public string? FailConnectWith { get; set; }

    public bool AnswerShadow { get; set; } = true;

    public int ConnectAttempts;

    public int Disconnects;

    public ConcurrentQueue<(string Topic, string Payload)> Published { get; } = new();

    public TaskCompletionSource Connected { get; private set; } = NewSignal();

    public TaskCompletionSource Disconnected { get; } = NewSignal();

    public TaskCompletionSource ConnectAttempted { get; private set; } = NewSignal();

    public Task ConnectAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref ConnectAttempts);
        ConnectAttempted.TrySetResult();
        if (FailConnectWith is string reason)
        {
            throw new MqttConnectException(reason);
        }

        IsConnected = true;
        Connected.TrySetResult();
        return Task.CompletedTask;
    }

    public void ResetSignals()
    {
        Connected = NewSignal();
        ConnectAttempted = NewSignal();
    }

    public Task SubscribeAsync(IReadOnlyList<string> topics, CancellationToken cancellationToken) =>
        IsConnected ? Task.CompletedTask : Task.FromException(new InvalidOperationException("not connected"));

    public Task PublishAsync(string topic, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        if (!IsConnected)
        {
            return Task.FromException(new InvalidOperationException("not connected"));
        }

        var text = Encoding.UTF8.GetString(payload.Span);
        Published.Enqueue((topic, text));
        if (AnswerShadow)
        {
            Answer(topic, text);
        }

        return Task.CompletedTask;
    }

    public Task DisconnectAsync(CancellationToken cancellationToken)
    {
        IsConnected = false;
        Interlocked.Increment(ref Disconnects);
        Disconnected.TrySetResult();
        return Task.CompletedTask;
    }

    public void Drop(string reason)
    {
        IsConnected = false;
        ConnectionLost?.Invoke(reason);
    }

    public void Deliver(string topic, string json) => MessageReceived?.Invoke(topic, Encoding.UTF8.GetBytes(json));

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private void Answer(string topic, string payload)
    {
        lock (_gate)
        {
            using var doc = JsonDocument.Parse(payload);
            var token = doc.RootElement.TryGetProperty("clientToken", out var t) ? t.GetString() : null;
            if (topic.EndsWith("/shadow/update", StringComparison.Ordinal))
            {
                var state = doc.RootElement.GetProperty("state").GetRawText();
                Deliver(topic + "/accepted", "{\"state\":" + state + ",\"version\":2,\"clientToken\":\"" + token + "\"}");
            }
            else if (topic.EndsWith("/shadow/get", StringComparison.Ordinal))
            {
                Deliver(topic + "/rejected", "{\"code\":404,\"message\":\"No shadow exists\",\"clientToken\":\"" + token + "\"}");
            }
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
