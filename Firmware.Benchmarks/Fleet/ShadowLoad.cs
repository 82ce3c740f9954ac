using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using MQTTnet;
using MQTTnet.Protocol;

namespace Firmware.Benchmarks.Fleet;

/// <summary>
/// An application on LocalIotCore's plain loopback port that commands devices through their shadows:
/// it publishes <c>desired.MOTOR</c> to <c>$aws/things/&lt;thing&gt;/shadow/update</c> and watches every
/// thing's <c>/update/accepted</c>, counting them and timing each command until the accepted update that
/// carries the matching <c>reported.MOTOR</c> (the device switched its relay and said so).
/// </summary>
internal sealed class ShadowLoad : IAsyncDisposable
{
    private const string Prefix = "$aws/things/";
    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
    private readonly ConcurrentDictionary<string, Pending> _pending = new(StringComparer.Ordinal);
    private long _accepted;

    public ShadowLoad()
    {
        _client.ApplicationMessageReceivedAsync += e =>
        {
            OnAccepted(e.ApplicationMessage.Topic, e.ApplicationMessage.Payload);
            return Task.CompletedTask;
        };
    }

    /// <summary>Every /update/accepted seen (any thing, desired or reported).</summary>
    public long Accepted => Interlocked.Read(ref _accepted);

    public async Task ConnectAsync(int plainPort)
    {
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", plainPort)
            .WithClientId("app-fleet-load")
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V311)
            .WithTimeout(TimeSpan.FromSeconds(10))
            .Build();
        await _client.ConnectAsync(options).ConfigureAwait(false);
        await _client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(Prefix + "+/shadow/update/accepted", MqttQualityOfServiceLevel.AtLeastOnce).Build()).ConfigureAwait(false);
    }

    /// <summary>Sets desired.MOTOR and waits for the device's matching report; the latency, or null when it did not come in time.</summary>
    public async Task<TimeSpan?> CommandAsync(string thing, bool on, TimeSpan timeout)
    {
        var motor = on ? "ON" : "OFF";
        var pending = new Pending(motor);
        _pending[thing] = pending;
        var start = Stopwatch.GetTimestamp();
        try
        {
            var message = new MqttApplicationMessageBuilder()
                .WithTopic(Prefix + thing + "/shadow/update")
                .WithPayload(Encoding.UTF8.GetBytes("{\"state\":{\"desired\":{\"MOTOR\":\"" + motor + "\"}}}"))
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .Build();
            await _client.PublishAsync(message).ConfigureAwait(false);
            var reportedAt = await pending.Reported.Task.WaitAsync(timeout).ConfigureAwait(false);
            return Stopwatch.GetElapsedTime(start, reportedAt);
        }
        catch (Exception ex) when (ex is TimeoutException or MQTTnet.Exceptions.MqttCommunicationException)
        {
            // No answer in time, or the application's own link failed: the command did not complete.
            return null;
        }
        finally
        {
            _pending.TryRemove(new KeyValuePair<string, Pending>(thing, pending));
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected)
        {
            await _client.DisconnectAsync().ConfigureAwait(false);
        }

        _client.Dispose();
    }

    private void OnAccepted(string topic, System.Buffers.ReadOnlySequence<byte> payload)
    {
        var at = Stopwatch.GetTimestamp();
        Interlocked.Increment(ref _accepted);
        var end = topic.IndexOf("/shadow/", StringComparison.Ordinal);
        if (end <= Prefix.Length || !_pending.TryGetValue(topic[Prefix.Length..end], out var pending))
        {
            return;
        }

        try
        {
            var reported = JsonNode.Parse(System.Buffers.BuffersExtensions.ToArray(payload))?["state"]?["reported"]?["MOTOR"];
            if (reported is JsonValue value && value.TryGetValue<string>(out var motor) && motor == pending.Motor)
            {
                pending.Reported.TrySetResult(at);
            }
        }
        catch (System.Text.Json.JsonException)
        {
        }
    }

    private sealed class Pending(string motor)
    {
        public string Motor { get; } = motor;

        public TaskCompletionSource<long> Reported { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
