using DeviceFirmware.Core;
using DeviceFirmware.Core.Sensors;
using DeviceFirmware.Hardware;
using DeviceFirmware.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace DeviceFirmware.Tests.Hosting;

[TestClass]
public sealed class DeviceAgentServiceTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private sealed class Relay : IRelay
    {
        public bool IsOn { get; private set; }

        public void Set(bool on) => IsOn = on;
    }

    private sealed class Sensor : IEnvironmentSensor
    {
        public string Model => "test";

        public SensorReading Read() => new(SensorHealth.Ok, null, 20, 50, 1000);
    }

    private static (DeviceAgentService Service, FakeMqttConnection Mqtt, Relay Relay, FakeTimeProvider Time) Create()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 22, 12, 0, 0, TimeSpan.Zero));
        var mqtt = new FakeMqttConnection();
        var relay = new Relay();
        var agent = new DeviceAgent(new AgentSettings { ThingName = "pump-1" }, () => 0.5);
        var service = new DeviceAgentService(agent, mqtt, relay, new Sensor(), new RecordingTelemetryQueue(), null, time, NullLoggerFactory.Instance);
        return (service, mqtt, relay, time);
    }

    [TestMethod]
    public async Task Clean_stop_reports_connected_false_and_disconnects_without_a_will()
    {
        var (service, mqtt, _, _) = Create();
        await service.StartAsync(CancellationToken.None);
        await mqtt.Connected.Task.WaitAsync(Patience);
        await WaitFor(() => Contains(mqtt, "\"connected\":true"));

        await service.StopAsync(CancellationToken.None).WaitAsync(Patience);
        await service.Stopped.WaitAsync(Patience);
        Assert.IsTrue(Contains(mqtt, "\"connected\":false"), "connected=false reported before leaving");
        Assert.AreEqual(1, mqtt.Disconnects, "a clean DISCONNECT, so the broker sends no Last Will");
        service.Dispose();
    }

    [TestMethod]
    public async Task A_delta_over_mqtt_switches_the_relay_and_reports_it()
    {
        var (service, mqtt, relay, _) = Create();
        await service.StartAsync(CancellationToken.None);
        await mqtt.Connected.Task.WaitAsync(Patience);
        await WaitFor(() => Contains(mqtt, "\"connected\":true"));
        mqtt.Deliver("$aws/things/pump-1/shadow/update/delta", "{\"state\":{\"MOTOR\":\"ON\"},\"version\":3}");
        await WaitFor(() => Contains(mqtt, "\"MOTOR\":\"ON\""));
        Assert.IsTrue(relay.IsOn);
        await service.StopAsync(CancellationToken.None).WaitAsync(Patience);
        service.Dispose();
    }

    [TestMethod]
    public async Task The_service_keeps_retrying_while_the_broker_is_unreachable_and_connects_when_it_returns()
    {
        var (service, mqtt, _, time) = Create();
        mqtt.FailConnectWith = "connection refused";
        await service.StartAsync(CancellationToken.None);
        await mqtt.ConnectAttempted.Task.WaitAsync(Patience);
        for (var i = 0; i < 5; i++)
        {
            mqtt.ResetSignals();
            var attempts = Volatile.Read(ref mqtt.ConnectAttempts);
            // Advance until the jittered timer fires (the cap grows each attempt).
            await WaitFor(() =>
            {
                time.Advance(TimeSpan.FromSeconds(1));
                return Volatile.Read(ref mqtt.ConnectAttempts) > attempts;
            });
        }

        Assert.IsFalse(service.Stopped.IsCompleted, "a dead link never stops the firmware");
        mqtt.FailConnectWith = null;
        mqtt.ResetSignals();
        await WaitFor(() =>
        {
            time.Advance(TimeSpan.FromSeconds(1));
            return mqtt.IsConnected;
        });
        await WaitFor(() => Contains(mqtt, "\"connected\":true"));
        await service.StopAsync(CancellationToken.None).WaitAsync(Patience);
        service.Dispose();
    }

    [TestMethod]
    public async Task A_dropped_link_is_reconnected_and_reported_again()
    {
        var (service, mqtt, _, time) = Create();
        await service.StartAsync(CancellationToken.None);
        await mqtt.Connected.Task.WaitAsync(Patience);
        await WaitFor(() => Contains(mqtt, "\"connected\":true"));
        var before = Volatile.Read(ref mqtt.ConnectAttempts);
        mqtt.Drop("keep-alive timeout");
        await WaitFor(() =>
        {
            time.Advance(TimeSpan.FromMilliseconds(250));
            return Volatile.Read(ref mqtt.ConnectAttempts) > before && mqtt.IsConnected;
        });
        await WaitFor(() => Count(mqtt, "\"connected\":true") >= 2);
        await service.StopAsync(CancellationToken.None).WaitAsync(Patience);
        service.Dispose();
    }

    private static bool Contains(FakeMqttConnection mqtt, string fragment) => Count(mqtt, fragment) > 0;

    private static int Count(FakeMqttConnection mqtt, string fragment)
    {
        var n = 0;
        foreach (var (_, payload) in mqtt.Published)
        {
            if (payload.Contains(fragment, StringComparison.Ordinal))
            {
                n++;
            }
        }

        return n;
    }

    /// <summary>Polls a condition with a real-time bound; the condition itself never depends on speed.</summary>
    private static async Task WaitFor(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail("Condition not met within " + Patience.TotalSeconds + " s.");
            }

            await Task.Yield();
            await Task.Delay(5);
        }
    }
}
