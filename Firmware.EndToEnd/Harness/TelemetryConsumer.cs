using System.Buffers;
using System.Text.Json;
using MQTTnet;
using MQTTnet.Protocol;

namespace Firmware.EndToEnd.Harness;

/// <summary>
/// An application client on the broker's plain loopback port: it consumes the thing's telemetry
/// (counting every <c>seq</c>, so gaps and duplicates show) and publishes what an application — or a
/// buggy or hostile one — would. It reconnects by itself when the broker restarts.
/// </summary>
public sealed class TelemetryConsumer : IAsyncDisposable
{
    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
    private readonly MqttClientOptions _options;
    private readonly string _telemetryTopic;
    private readonly Dictionary<long, int> _seen = [];
    private readonly CancellationTokenSource _stop = new();
    private Task? _reconnecting;

    public TelemetryConsumer(int plainPort, string thing)
    {
        _telemetryTopic = "things/" + thing + "/telemetry";
        _options = new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", plainPort)
            .WithClientId("app-telemetry-" + Guid.NewGuid().ToString("N")[..8])
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V311)
            .WithTimeout(TimeSpan.FromSeconds(5))
            .Build();
        _client.ApplicationMessageReceivedAsync += e =>
        {
            if (e.ApplicationMessage.Topic == _telemetryTopic)
            {
                OnTelemetry(e.ApplicationMessage.Payload.ToArray());
            }

            return Task.CompletedTask;
        };
        _client.DisconnectedAsync += _ =>
        {
            if (!_stop.IsCancellationRequested)
            {
                _reconnecting = Task.Run(ReconnectAsync);
            }

            return Task.CompletedTask;
        };
    }

    /// <summary>Messages that were not telemetry JSON with a numeric seq.</summary>
    public int Malformed { get; private set; }

    public bool IsConnected => _client.IsConnected;

    public async Task ConnectAsync()
    {
        await _client.ConnectAsync(_options, _stop.Token).ConfigureAwait(false);
        await _client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(_telemetryTopic, MqttQualityOfServiceLevel.AtLeastOnce).Build(), _stop.Token).ConfigureAwait(false);
    }

    /// <summary>The highest seq seen, or -1.</summary>
    public long HighestSeq
    {
        get
        {
            lock (_seen)
            {
                var highest = -1L;
                foreach (var seq in _seen.Keys)
                {
                    highest = Math.Max(highest, seq);
                }

                return highest;
            }
        }
    }

    /// <summary>What arrived: distinct seq numbers, extra copies, and the numbers missing between the first and the last seen.</summary>
    public TelemetryTally Tally(long? fromSeq = null)
    {
        lock (_seen)
        {
            long lowest = long.MaxValue, highest = long.MinValue;
            var duplicates = 0;
            foreach (var (seq, copies) in _seen)
            {
                if (fromSeq is long from && seq < from)
                {
                    continue;
                }

                lowest = Math.Min(lowest, seq);
                highest = Math.Max(highest, seq);
                duplicates += copies - 1;
            }

            if (lowest == long.MaxValue)
            {
                return new TelemetryTally(0, 0, [], -1, -1);
            }

            var missing = new List<long>();
            for (var seq = lowest; seq <= highest; seq++)
            {
                if (!_seen.ContainsKey(seq))
                {
                    missing.Add(seq);
                }
            }

            return new TelemetryTally((int)(highest - lowest + 1 - missing.Count), duplicates, missing, lowest, highest);
        }
    }

    public async Task PublishAsync(string topic, byte[] payload)
    {
        await _client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), _stop.Token).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_reconnecting is not null)
        {
            try
            {
                await _reconnecting.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }

        if (_client.IsConnected)
        {
            try
            {
                await _client.DisconnectAsync().ConfigureAwait(false);
            }
            catch (MQTTnet.Exceptions.MqttCommunicationException)
            {
            }
        }

        _client.Dispose();
        _stop.Dispose();
    }

    private void OnTelemetry(byte[] payload)
    {
        try
        {
            using var document = JsonDocument.Parse(payload);
            if (document.RootElement.TryGetProperty("seq", out var seq) && seq.TryGetInt64(out var number))
            {
                lock (_seen)
                {
                    _seen[number] = _seen.TryGetValue(number, out var copies) ? copies + 1 : 1;
                }

                return;
            }
        }
        catch (JsonException)
        {
        }

        Malformed++;
    }

    private async Task ReconnectAsync()
    {
        while (!_stop.IsCancellationRequested && !_client.IsConnected)
        {
            try
            {
                await ConnectAsync().ConfigureAwait(false);
                return;
            }
            catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException or InvalidOperationException or OperationCanceledException)
            {
                try
                {
                    await Task.Delay(200, _stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }
}

/// <summary>Telemetry as the consumer saw it between <see cref="Lowest"/> and <see cref="Highest"/>.</summary>
public sealed record TelemetryTally(int Distinct, int Duplicates, IReadOnlyList<long> Missing, long Lowest, long Highest)
{
    public override string ToString() =>
        "seq " + Lowest + ".." + Highest + ": " + Distinct + " distinct, " + Duplicates + " duplicates, " + Missing.Count + " missing" +
        (Missing.Count > 0 ? " (" + string.Join(", ", Missing.Take(20)) + ")" : "");
}
