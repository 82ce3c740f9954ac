using System.Buffers;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using DeviceFirmware.Core.Shadow;
using MQTTnet;
using MQTTnet.Protocol;

namespace Firmware.Benchmarks;

/// <summary>
/// An application that drives a device's motor through its shadow (plain MQTT on loopback): each
/// command publishes desired.MOTOR (toggling ON/OFF) to /update and waits for the /update/accepted that
/// carries the same reported.MOTOR, i.e. the device's answer as the shadow service accepted it.
/// One command at a time.
/// </summary>
internal sealed class MotorCommander : IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
    private readonly ShadowTopics _topics;
    private TaskCompletionSource? _waiting;
    private string? _expected;
    private bool _on; // The device starts OFF: the first command turns it ON.

    private MotorCommander(string thing)
    {
        _topics = new ShadowTopics(thing);
        _client.ApplicationMessageReceivedAsync += e =>
        {
            if (Volatile.Read(ref _expected) is { } motor && ReportedMotor(e.ApplicationMessage.Payload) == motor)
            {
                Volatile.Read(ref _waiting)?.TrySetResult();
            }

            return Task.CompletedTask;
        };
    }

    public static async Task<MotorCommander> ConnectAsync(int plainPort, string thing, string clientId)
    {
        var commander = new MotorCommander(thing);
        await commander._client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", plainPort).WithClientId(clientId)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V311).Build()).ConfigureAwait(false);
        await commander._client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(commander._topics.UpdateAccepted, MqttQualityOfServiceLevel.AtLeastOnce).Build()).ConfigureAwait(false);
        return commander;
    }

    /// <summary>Toggles the motor; milliseconds from the desired update's publish to the accepted report.</summary>
    public async Task<double> ToggleAsync()
    {
        var motor = _on ? "OFF" : "ON";
        var waiting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _waiting, waiting);
        Volatile.Write(ref _expected, motor);
        var message = new MqttApplicationMessageBuilder().WithTopic(_topics.Update)
            .WithPayload(Encoding.UTF8.GetBytes("{\"" + ShadowKeys.State + "\":{\"" + ShadowKeys.Desired + "\":{\"" + ShadowKeys.Motor + "\":\"" + motor + "\"}}}"))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();
        var start = Stopwatch.GetTimestamp();
        await _client.PublishAsync(message).ConfigureAwait(false);
        try
        {
            await waiting.Task.WaitAsync(Patience).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException("No accepted report of MOTOR " + motor + " within " + Patience.TotalSeconds + " s of the desired update.");
        }

        var elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        _on = !_on;
        return elapsed;
    }

    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected)
        {
            await _client.DisconnectAsync().ConfigureAwait(false);
        }

        _client.Dispose();
    }

    private static string? ReportedMotor(ReadOnlySequence<byte> payload)
    {
        try
        {
            using var document = JsonDocument.Parse(payload);
            return document.RootElement.TryGetProperty(ShadowKeys.State, out var state) && state.ValueKind == JsonValueKind.Object &&
                state.TryGetProperty(ShadowKeys.Reported, out var reported) && reported.ValueKind == JsonValueKind.Object &&
                reported.TryGetProperty(ShadowKeys.Motor, out var motor) && motor.ValueKind == JsonValueKind.String ? motor.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
