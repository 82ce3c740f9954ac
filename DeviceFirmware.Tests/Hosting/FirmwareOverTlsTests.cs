using DeviceFirmware.Core;
using DeviceFirmware.Hardware;
using DeviceFirmware.Hosting;
using DeviceFirmware.Mqtt;
using DeviceFirmware.Telemetry;
using DeviceFirmware.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace DeviceFirmware.Tests.Hosting;

/// <summary>The agent, its host loop, the real MQTTnet connection and the outbox against a TLS broker.</summary>
[TestClass]
public sealed class FirmwareOverTlsTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [TestMethod]
    public async Task Reports_connected_publishes_telemetry_reconnects_after_a_broker_restart_and_stops_cleanly()
    {
        using var pki = new TestPki();
        var port = LocalIotCore.Broker.FreeTcpPort.Next();
        await using var broker = new TestBroker(pki, port) { AnswerShadow = true };
        await broker.StartAsync();
        var observer = await broker.ObserveAsync("$aws/things/pump-1/shadow/update", "things/pump-1/#");

        var dataFolder = Path.Combine(pki.Folder, "data");
        var mqtt = new MqttNetConnection(
            new MqttConnectionOptions { Endpoint = "localhost", Port = port, RootCaPath = pki.RootCaPath, CertificatePath = pki.CertificatePath, PrivateKeyPath = pki.PrivateKeyPath },
            "pump-1", ShadowTopics.DefaultWillTopic("pump-1"), ShadowTopics.WillPayload(), TimeProvider.System, NullLogger<MqttNetConnection>.Instance);
        using var outbox = new TelemetryOutbox(Path.Combine(dataFolder, "outbox.db"), 1000, NullLogger.Instance);
        var publisher = new OutboxPublisher(outbox, mqtt.PublishAsync, NullLogger.Instance);
        var settings = new AgentSettings
        {
            ThingName = "pump-1",
            TelemetryInterval = TimeSpan.FromSeconds(1),
            BackoffMinimum = TimeSpan.FromMilliseconds(100),
            BackoffMaximum = TimeSpan.FromMilliseconds(500),
        };
        var relay = new SimulatedRelay(NullLogger<SimulatedRelay>.Instance);
        using var service = new DeviceAgentService(new DeviceAgent(settings, Random.Shared.NextDouble), mqtt, relay, new NoSensor("test"), publisher, null, TimeProvider.System, NullLoggerFactory.Instance);

        await service.StartAsync(CancellationToken.None);
        await NextMatching(observer, m => m.Topic.EndsWith("/shadow/update", StringComparison.Ordinal) && m.Payload.Contains("\"connected\":true", StringComparison.Ordinal));
        await NextMatching(observer, m => m.Topic == "things/pump-1/telemetry");

        // The broker goes away and comes back on the same port: the firmware reconnects and says so.
        await observer.DisposeAsync();
        await broker.StopAsync();
        await broker.StartAsync();
        observer = await broker.ObserveAsync("$aws/things/pump-1/shadow/update", "things/pump-1/#");
        await NextMatching(observer, m => m.Topic.EndsWith("/shadow/update", StringComparison.Ordinal) && m.Payload.Contains("\"connected\":true", StringComparison.Ordinal));

        // Telemetry taken while the broker was down arrives after the reconnect, in order, without gaps.
        var seqs = new List<long>();
        while (seqs.Count < 4)
        {
            var message = await NextMatching(observer, m => m.Topic == "things/pump-1/telemetry");
            using var doc = System.Text.Json.JsonDocument.Parse(message.Payload);
            seqs.Add(doc.RootElement.GetProperty("seq").GetInt64());
        }

        for (var i = 1; i < seqs.Count; i++)
        {
            Assert.IsTrue(seqs[i] == seqs[i - 1] + 1 || seqs[i] == seqs[i - 1], "seq must not skip: " + string.Join(",", seqs));
        }

        // Clean stop: connected=false is reported and no will follows.
        broker.ResetSignals();
        await service.StopAsync(CancellationToken.None).WaitAsync(Patience);
        await NextMatching(observer, m => m.Topic.EndsWith("/shadow/update", StringComparison.Ordinal) && m.Payload.Contains("\"connected\":false", StringComparison.Ordinal));
        await broker.ClientDisconnected.Task.WaitAsync(Patience);
        await observer.PublishAsync("things/pump-1/marker", "marker");
        var next = await NextMatching(observer, m => m.Topic != "things/pump-1/telemetry");
        Assert.AreEqual("things/pump-1/marker", next.Topic, "no Last Will after a clean shutdown");
        await observer.DisposeAsync();
        await publisher.DisposeAsync();
        await mqtt.DisposeAsync();
    }

    private static async Task<(string Topic, string Payload)> NextMatching(TestBroker.Observer observer, Func<(string Topic, string Payload), bool> match)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            Assert.IsTrue(left > TimeSpan.Zero, "expected message did not arrive within " + Patience.TotalSeconds + " s");
            var message = await observer.NextAsync(left);
            if (match(message))
            {
                return message;
            }
        }
    }
}
