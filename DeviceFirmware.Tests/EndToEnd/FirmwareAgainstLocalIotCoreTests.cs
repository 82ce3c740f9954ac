using DeviceFirmware.Core.Agent;
using DeviceFirmware.Core.Shadow;
using DeviceFirmware.Hardware;
using DeviceFirmware.Hosting;
using DeviceFirmware.Mqtt;
using DeviceFirmware.Telemetry;
using DeviceFirmware.Tests.Support;
using LocalIotCore.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace DeviceFirmware.Tests.EndToEnd;

/// <summary>The firmware's agent, host loop and MQTT shell against LocalIotCore's broker and shadow service, in one process.</summary>
[TestClass]
public sealed class FirmwareAgainstLocalIotCoreTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [TestMethod]
    public async Task Desired_motor_switches_the_relay_reported_follows_bad_input_is_refused_and_stop_reports_offline()
    {
        var folder = Path.Combine(Path.GetTempPath(), "fw-e2e-" + Guid.NewGuid().ToString("N"));
        await using var cloud = await LocalIotCoreServer.StartAsync(new LocalIotCoreOptions { DataDirectory = Path.Combine(folder, "cloud"), MqttPort = 0, HttpPort = 0 });
        var certs = Path.Combine(folder, "certs");
        cloud.MintDeviceCertificate("pump-1", Path.Combine(certs, "device.pem.crt"), Path.Combine(certs, "private.pem.key"), Path.Combine(certs, "root-ca.pem"));
        using var http = new HttpClient { BaseAddress = new Uri("http://127.0.0.1:" + cloud.HttpPort) };

        var mqtt = new MqttNetConnection(
            new MqttConnectionOptions { Endpoint = "localhost", Port = cloud.MqttPort, RootCaPath = Path.Combine(certs, "root-ca.pem"), CertificatePath = Path.Combine(certs, "device.pem.crt"), PrivateKeyPath = Path.Combine(certs, "private.pem.key") },
            "pump-1", ShadowTopics.DefaultWillTopic("pump-1"), ShadowTopics.WillPayload(), TimeProvider.System, NullLogger<MqttNetConnection>.Instance);
        using var outbox = new TelemetryOutbox(Path.Combine(folder, "outbox.db"), 100, NullLogger.Instance);
        var publisher = new OutboxPublisher(outbox, mqtt.PublishAsync, NullLogger.Instance);
        var relay = new SimulatedRelay(NullLogger<SimulatedRelay>.Instance);
        var settings = new AgentSettings("pump-1") { FirmwareVersion = "9.9.9", MinimumSwitchInterval = TimeSpan.Zero };
        using var service = new DeviceAgentService(new DeviceAgent(settings, Random.Shared.NextDouble), mqtt, relay, new NoSensor("none fitted"), publisher, null, TimeProvider.System, NullLoggerFactory.Instance);
        try
        {
            await service.StartAsync(CancellationToken.None);
            await Until(() => PumpShadow.Reported(cloud)?["connected"]?.GetValue<bool>() == true, "connected=true reported");
            Assert.AreEqual("9.9.9", (string)PumpShadow.Reported(cloud)!["firmwareVersion"]!);
            Assert.AreEqual("missing: none fitted", (string)PumpShadow.Reported(cloud)!["sensor"]!["status"]!);

            await PumpShadow.Desire(http, "{\"MOTOR\":\"ON\"}");
            await Until(() => relay.IsOn && (string?)PumpShadow.Reported(cloud)?["MOTOR"] == "ON" && PumpShadow.Document(cloud)?["state"]?["delta"] is null, "relay on, reported ON, no delta left");

            await PumpShadow.Desire(http, "{\"MOTOR\":\"on\"}");
            await Until(() => ((string?)PumpShadow.Reported(cloud)?["errors"]?["MOTOR"])?.Contains("expected \"ON\" or \"OFF\"", StringComparison.Ordinal) == true, "the refusal is reported");
            Assert.IsTrue(relay.IsOn, "invalid input never moves the relay");
            Assert.AreEqual(1, relay.Actuations);

            await PumpShadow.Desire(http, "{\"MOTOR\":\"OFF\"}");
            await Until(() => !relay.IsOn && (string?)PumpShadow.Reported(cloud)?["MOTOR"] == "OFF" && PumpShadow.Reported(cloud)?["errors"]?["MOTOR"] is null, "relay off and the error cleared");

            await service.StopAsync(CancellationToken.None).WaitAsync(Patience);
            Assert.IsFalse(PumpShadow.Reported(cloud)!["connected"]!.GetValue<bool>(), "a clean stop reports connected=false");
            await Until(() => cloud.Connections.Find("pump-1") is { Connected: false, LastDisconnectReason: "CLIENT_INITIATED_DISCONNECT" }, "a clean DISCONNECT");
        }
        finally
        {
            await publisher.DisposeAsync();
            await mqtt.DisposeAsync();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        }
    }

    private static Task Until(Func<bool> condition, string what) => Eventually.Until(condition, what, Patience);
}
