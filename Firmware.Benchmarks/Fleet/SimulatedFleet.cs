using System.Diagnostics;
using System.Globalization;
using DeviceFirmware.Core.Agent;
using DeviceFirmware.Core.Shadow;
using DeviceFirmware.Hardware;
using DeviceFirmware.Hosting;
using DeviceFirmware.Mqtt;
using LocalIotCore.Certificates;
using Microsoft.Extensions.Logging.Abstractions;

namespace Firmware.Benchmarks.Fleet;

/// <summary>One simulated device: the firmware's agent, host loop and MQTT shell with its own certificate.</summary>
internal sealed class FleetDevice
{
    public FleetDevice(string thing, CloudProcess cloud, string certificateFolder, ConnectLog log, AgentSettings settings, RandomSource random)
    {
        Thing = thing;
        var mqtt = new MqttNetConnection(
            new MqttConnectionOptions
            {
                Endpoint = "127.0.0.1",
                Port = cloud.TlsPort,
                RootCaPath = cloud.RootCaPath,
                CertificatePath = SimulatedFleet.CertificatePath(certificateFolder, thing),
                PrivateKeyPath = SimulatedFleet.KeyPath(certificateFolder, thing),
            },
            thing, ShadowTopics.DefaultWillTopic(thing), ShadowTopics.WillPayload(), TimeProvider.System, NullLogger<MqttNetConnection>.Instance);
        Connection = new CountingConnection(mqtt, log);
        Relay = new SimulatedRelay(NullLogger<SimulatedRelay>.Instance);
        Telemetry = new DirectTelemetryQueue(Connection.PublishAsync);
        Service = new DeviceAgentService(new DeviceAgent(settings, random), Connection, Relay, new NoSensor("none fitted (fleet benchmark)"), Telemetry, null, TimeProvider.System, NullLoggerFactory.Instance);
    }

    public string Thing { get; }

    public CountingConnection Connection { get; }

    public SimulatedRelay Relay { get; }

    public DirectTelemetryQueue Telemetry { get; }

    public DeviceAgentService Service { get; }
}

/// <summary>
/// N simulated devices in this process (thing names fleet-00001...), each with its own TLS connection
/// and certificate, started at a bounded connect rate against one <see cref="CloudProcess"/>.
/// </summary>
internal sealed class SimulatedFleet : IAsyncDisposable
{
    /// <summary>AWS IoT's account-wide CONNECT quota (aws-iot.md): no start rate goes above it.</summary>
    public const int AwsConnectsPerSecond = 500;

    /// <summary>
    /// The default start rate: what a 2-core machine sustains with both ends of every mutual-TLS
    /// handshake on it (about 10 ms of CPU per connect on each side). Faster, the handshakes queue
    /// past the 10 s connect timeout, time out, retry, and the fleet never gets online.
    /// </summary>
    public const int DefaultConnectsPerSecond = 100;

    private readonly List<FleetDevice> _devices = [];
    private readonly CloudProcess _cloud;
    private readonly string _certificateFolder;
    private readonly Func<string, AgentSettings> _settings;
    private readonly RandomSource _random;

    public SimulatedFleet(CloudProcess cloud, string certificateFolder, Func<string, AgentSettings> settings, RandomSource random)
    {
        _cloud = cloud;
        _certificateFolder = certificateFolder;
        _settings = settings;
        _random = random;
    }

    public ConnectLog Log { get; } = new();

    public IReadOnlyList<FleetDevice> Devices => _devices;

    public static string ThingName(int index) => "fleet-" + index.ToString("D5", CultureInfo.InvariantCulture);

    public static string CertificatePath(string folder, string thing) => Path.Combine(folder, thing + ".pem.crt");

    public static string KeyPath(string folder, string thing) => Path.Combine(folder, thing + ".pem.key");

    /// <summary>Deletes a benchmark's working folder, unless KEEP_FLEET is set (to read LocalIotCore's log afterwards).</summary>
    public static void DeleteFolder(string folder)
    {
        if (Environment.GetEnvironmentVariable("KEEP_FLEET") is not null)
        {
            return;
        }

        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Mints a device certificate (CN = thing) per thing that has none yet in <paramref name="folder"/>.</summary>
    public static void MintCertificates(LocalCertificateAuthority authority, string folder, IEnumerable<string> things)
    {
        ArgumentNullException.ThrowIfNull(authority);
        ArgumentNullException.ThrowIfNull(things);
        Directory.CreateDirectory(folder);
        foreach (var thing in things)
        {
            if (!File.Exists(KeyPath(folder, thing)))
            {
                using var certificate = authority.IssueDeviceCertificate(thing);
                LocalCertificateAuthority.WritePem(certificate, CertificatePath(folder, thing), KeyPath(folder, thing));
            }
        }
    }

    /// <summary>Creates and starts a device per thing, at most <paramref name="perSecond"/> starts a second.</summary>
    public async Task StartAsync(IReadOnlyList<string> things, int perSecond)
    {
        ArgumentNullException.ThrowIfNull(things);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < things.Count; i++)
        {
            var due = TimeSpan.FromSeconds((double)i / perSecond);
            if (due > clock.Elapsed)
            {
                await Task.Delay(due - clock.Elapsed).ConfigureAwait(false);
            }

            var device = new FleetDevice(things[i], _cloud, _certificateFolder, Log, _settings(things[i]), _random);
            _devices.Add(device);
            await device.Service.StartAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>fleet-00001 ... fleet-<paramref name="count"/>.</summary>
    public static IReadOnlyList<string> ThingNames(int count)
    {
        var things = new string[count];
        for (var i = 0; i < count; i++)
        {
            things[i] = ThingName(i + 1);
        }

        return things;
    }

    /// <summary>Waits until <paramref name="count"/> devices are online; false on timeout.</summary>
    public async Task<bool> WaitOnlineAsync(int count, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (Log.Online < count)
        {
            if (clock.Elapsed > timeout)
            {
                return false;
            }

            await Task.Delay(20).ConfigureAwait(false);
        }

        return true;
    }

    /// <summary>Stops every device (in parallel, bounded in time) and releases its connection.</summary>
    public async ValueTask DisposeAsync()
    {
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var stops = new List<Task>(_devices.Count);
        foreach (var device in _devices)
        {
            stops.Add(StopAsync(device, patience.Token));
        }

        await Task.WhenAll(stops).ConfigureAwait(false);
        _devices.Clear();
    }

    private static async Task StopAsync(FleetDevice device, CancellationToken patience)
    {
        try
        {
            await device.Service.StopAsync(patience).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        device.Service.Dispose();
        await device.Connection.DisposeAsync().ConfigureAwait(false);
    }
}
