using DeviceFirmware.Core.Agent;
using DeviceFirmware.Core.Shadow;
using DeviceFirmware.Hardware;
using DeviceFirmware.Hosting;
using DeviceFirmware.Mqtt;
using DeviceFirmware.Telemetry;
using DeviceFirmware.Tests.Support;
using Firmware.EndToEnd.Harness;
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
        var mqtt = Connection(pki, port);
        using var outbox = new TelemetryOutbox(Path.Combine(dataFolder, "outbox.db"), 1000, NullLogger.Instance);
        var publisher = new OutboxPublisher(outbox, mqtt.PublishAsync, NullLogger.Instance);
        using var service = Firmware(mqtt, publisher);

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

    [TestMethod]
    public async Task After_a_silent_blackhole_the_firmware_notices_reconnects_and_resends_telemetry_in_order_without_gaps()
    {
        using var pki = new TestPki();
        await using var broker = new TestBroker(pki) { AnswerShadow = true };
        await broker.StartAsync();
        await using var proxy = new FaultProxy(broker.TlsPort);
        var observer = await broker.ObserveAsync("$aws/things/pump-1/shadow/update", "things/pump-1/telemetry");

        // Keep-alive 30 s (AWS's minimum); a PUBACK missing for 2 s marks the link dead.
        var mqtt = Connection(pki, proxy.Port, connectTimeoutSeconds: 2);
        var lost = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        mqtt.ConnectionLost += reason => lost.TrySetResult(reason);
        using var outbox = new TelemetryOutbox(Path.Combine(pki.Folder, "data", "outbox.db"), 1000, NullLogger.Instance);
        var publisher = new OutboxPublisher(outbox, mqtt.PublishAsync, NullLogger.Instance);
        using var service = Firmware(mqtt, publisher);
        await service.StartAsync(CancellationToken.None);

        var seqs = new List<long>();
        while (seqs.Count < 2)
        {
            seqs.Add(Seq(await NextMatching(observer, m => m.Topic == "things/pump-1/telemetry")));
        }

        proxy.Inject(NetworkFault.Blackhole);
        var why = await lost.Task.WaitAsync(TimeSpan.FromSeconds(1.5 * MqttConnectionOptions.MinimumKeepAliveSeconds));
        StringAssert.Contains(why, "the link is presumed dead");
        Assert.IsTrue(outbox.Count > 0, "the reading whose PUBACK never came is still in the outbox");

        // The path heals: the firmware's retries (backoff) get through and it says it is back. Bytes
        // held in the blackhole arrive too, so telemetry may come before the connected report.
        proxy.Heal();
        var reconnected = false;
        var resumeAt = 0L;
        while (!reconnected || seqs[^1] < resumeAt + 2)
        {
            var message = await NextMatching(observer, _ => true);
            if (message.Topic == "things/pump-1/telemetry")
            {
                seqs.Add(Seq(message));
            }
            else if (!reconnected && message.Payload.Contains("\"connected\":true", StringComparison.Ordinal))
            {
                reconnected = true;
                resumeAt = outbox.LastSequence;
            }
        }

        // At least once, in order: a message may come twice (its PUBACK was lost), none is skipped.
        var highest = seqs[0];
        for (var i = 1; i < seqs.Count; i++)
        {
            Assert.IsTrue(seqs[i] <= highest + 1, "seq must not skip: " + string.Join(",", seqs));
            highest = Math.Max(highest, seqs[i]);
        }

        await service.StopAsync(CancellationToken.None).WaitAsync(Patience);
        await observer.DisposeAsync();
        await publisher.DisposeAsync();
        await mqtt.DisposeAsync();
    }

    private static MqttNetConnection Connection(TestPki pki, int port, int connectTimeoutSeconds = 10) => new(
        new MqttConnectionOptions
        {
            Endpoint = "localhost", Port = port, RootCaPath = pki.RootCaPath, CertificatePath = pki.CertificatePath, PrivateKeyPath = pki.PrivateKeyPath,
            KeepAliveSeconds = MqttConnectionOptions.MinimumKeepAliveSeconds, ConnectTimeoutSeconds = connectTimeoutSeconds,
        },
        "pump-1", ShadowTopics.DefaultWillTopic("pump-1"), ShadowTopics.WillPayload(), TimeProvider.System, NullLogger<MqttNetConnection>.Instance);

    /// <summary>The agent and its host loop with telemetry every second and a fast backoff.</summary>
    private static DeviceAgentService Firmware(MqttNetConnection mqtt, OutboxPublisher publisher)
    {
        var settings = new AgentSettings("pump-1")
        {
            TelemetryInterval = TimeSpan.FromSeconds(1),
            BackoffMinimum = TimeSpan.FromMilliseconds(100),
            BackoffMaximum = TimeSpan.FromMilliseconds(500),
        };
        return new DeviceAgentService(new DeviceAgent(settings, Random.Shared.NextDouble), mqtt, new SimulatedRelay(NullLogger<SimulatedRelay>.Instance),
            new NoSensor("test"), publisher, null, TimeProvider.System, NullLoggerFactory.Instance);
    }

    private static long Seq((string Topic, string Payload) message)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(message.Payload);
        return doc.RootElement.GetProperty("seq").GetInt64();
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
