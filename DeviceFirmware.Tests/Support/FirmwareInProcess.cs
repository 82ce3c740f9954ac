using DeviceFirmware.Core.Agent;
using DeviceFirmware.Core.Shadow;
using DeviceFirmware.Hardware;
using DeviceFirmware.Hosting;
using DeviceFirmware.Mqtt;
using DeviceFirmware.Telemetry;
using LocalIotCore.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace DeviceFirmware.Tests.Support;

/// <summary>
/// LocalIotCore in a temporary folder and the firmware's real host parts against it, in this process:
/// a minted device certificate, mutual TLS through <see cref="MqttNetConnection"/>, the SQLite outbox,
/// a simulated relay and no sensor. The service is built, not started.
/// </summary>
internal sealed class FirmwareInProcess : IAsyncDisposable
{
    private readonly TelemetryOutbox _outbox;
    private readonly OutboxPublisher _publisher;
    private readonly MqttNetConnection _mqtt;

    private FirmwareInProcess(LocalIotCoreServer cloud, string folder, string thing)
    {
        Cloud = cloud;
        var certs = Path.Combine(folder, "certs");
        cloud.MintDeviceCertificate(thing, Path.Combine(certs, "device.pem.crt"), Path.Combine(certs, "private.pem.key"), Path.Combine(certs, "root-ca.pem"));
        Http = new HttpClient { BaseAddress = new Uri("http://127.0.0.1:" + cloud.HttpPort) };
        _mqtt = new MqttNetConnection(
            new MqttConnectionOptions { Endpoint = "localhost", Port = cloud.MqttPort, RootCaPath = Path.Combine(certs, "root-ca.pem"), CertificatePath = Path.Combine(certs, "device.pem.crt"), PrivateKeyPath = Path.Combine(certs, "private.pem.key") },
            thing, ShadowTopics.DefaultWillTopic(thing), ShadowTopics.WillPayload(), TimeProvider.System, NullLogger<MqttNetConnection>.Instance);
        _outbox = new TelemetryOutbox(Path.Combine(folder, "outbox.db"), 100, NullLogger.Instance);
        _publisher = new OutboxPublisher(_outbox, _mqtt.PublishAsync, NullLogger.Instance);
        var settings = new AgentSettings(thing) { FirmwareVersion = "9.9.9", MinimumSwitchInterval = TimeSpan.Zero };
        Service = new DeviceAgentService(new DeviceAgent(settings, Random.Shared.NextDouble), _mqtt, Relay, new NoSensor("none fitted"), _publisher, null, TimeProvider.System, NullLoggerFactory.Instance);
    }

    public LocalIotCoreServer Cloud { get; }

    public HttpClient Http { get; }

    public SimulatedRelay Relay { get; } = new(NullLogger<SimulatedRelay>.Instance);

    public DeviceAgentService Service { get; }

    public static async Task<FirmwareInProcess> StartCloudAsync(string purpose, string thing)
    {
        var folder = Path.Combine(Path.GetTempPath(), "fw-" + purpose + "-" + Guid.NewGuid().ToString("N"));
        var cloud = await LocalIotCoreServer.StartAsync(new LocalIotCoreOptions { DataDirectory = Path.Combine(folder, "cloud"), MqttPort = 0, HttpPort = 0 });
        return new FirmwareInProcess(cloud, folder, thing);
    }

    public async ValueTask DisposeAsync()
    {
        await _publisher.DisposeAsync();
        await _mqtt.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Service.Dispose();
        _outbox.Dispose();
        Http.Dispose();
        await Cloud.DisposeAsync();
    }
}
