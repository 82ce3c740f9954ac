using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Firmware.EndToEnd.Harness;
using MQTTnet;
using MQTTnet.Protocol;

namespace Firmware.Benchmarks;

/// <summary>
/// Actuation latency: an application publishes desired.MOTOR, the shadow service sends the delta, the
/// firmware (its own process, mutual TLS on loopback) switches the simulated relay and reports, and the
/// application sees the /update/accepted that carries the new reported.MOTOR. Measured from the
/// application's publish to that accepted message, so it includes both broker hops and the shadow
/// service twice.
/// </summary>
internal static class ActuationLatencyBenchmark
{
    private const int Warmup = 50;
    private const double GoalP99Milliseconds = 2;

    public static async Task RunAsync(BenchmarkReport report, int iterations)
    {
        await using var rig = await Rig.StartAsync(new RigOptions { ThroughProxy = false }).ConfigureAwait(false);
        // Telemetry once a minute: the figure is the command path, not a mix with readings.
        rig.StartFirmware("--Telemetry:IntervalSeconds=60");
        await rig.WaitForFirmwareOnlineAsync(TimeSpan.FromSeconds(60)).ConfigureAwait(false);

        var prefix = "$aws/things/" + rig.Options.Thing + "/shadow";
        using var client = new MqttClientFactory().CreateMqttClient();
        TaskCompletionSource<string>? waiting = null;
        string? expected = null;
        client.ApplicationMessageReceivedAsync += e =>
        {
            if (expected is { } motor && ReportedMotor(e.ApplicationMessage.Payload) == motor)
            {
                waiting?.TrySetResult(motor);
            }

            return Task.CompletedTask;
        };
        await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", rig.PlainPort).WithClientId("app-latency").WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V311).Build()).ConfigureAwait(false);
        await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(prefix + "/update/accepted", MqttQualityOfServiceLevel.AtLeastOnce).Build()).ConfigureAwait(false);

        var samples = new double[iterations];
        var on = false;
        for (var i = -Warmup; i < iterations; i++)
        {
            on = !on;
            expected = on ? "ON" : "OFF";
            waiting = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            var message = new MqttApplicationMessageBuilder().WithTopic(prefix + "/update")
                .WithPayload(Encoding.UTF8.GetBytes("{\"state\":{\"desired\":{\"MOTOR\":\"" + expected + "\"}}}"))
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();
            var start = Stopwatch.GetTimestamp();
            await client.PublishAsync(message).ConfigureAwait(false);
            await waiting.Task.WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
            if (i >= 0)
            {
                samples[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
        }

        Array.Sort(samples);
        var p99 = BenchmarkReport.Percentile(samples, 0.99);
        report.Section("Actuation latency",
            string.Create(CultureInfo.InvariantCulture, $"desired.MOTOR published by an application (plain MQTT on loopback) -> delta -> the firmware process (JIT, mutual TLS on loopback, simulated relay, no minimum switch interval) switches and reports -> the application sees /update/accepted with that reported.MOTOR. {iterations} iterations after {Warmup} warm-up ones, one at a time, LocalIotCore as its own process."),
            "Goal: p99 <= " + GoalP99Milliseconds.ToString(CultureInfo.InvariantCulture) + " ms.");
        report.Table(
            ["iterations", "p50", "p90", "p99", "max", "goal p99 <= 2 ms"],
            [[
                iterations.ToString(CultureInfo.InvariantCulture),
                BenchmarkReport.Milliseconds(BenchmarkReport.Percentile(samples, 0.5)),
                BenchmarkReport.Milliseconds(BenchmarkReport.Percentile(samples, 0.9)),
                BenchmarkReport.Milliseconds(p99),
                BenchmarkReport.Milliseconds(samples[^1]),
                p99 <= GoalP99Milliseconds ? "met" : "missed",
            ]]);
        await client.DisconnectAsync().ConfigureAwait(false);
    }

    private static string? ReportedMotor(ReadOnlySequence<byte> payload)
    {
        try
        {
            using var document = JsonDocument.Parse(payload);
            return document.RootElement.TryGetProperty("state", out var state) && state.TryGetProperty("reported", out var reported) &&
                reported.TryGetProperty("MOTOR", out var motor) && motor.ValueKind == JsonValueKind.String ? motor.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
