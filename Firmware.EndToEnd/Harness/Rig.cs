using System.Globalization;
using LocalIotCore.Broker;
using LocalIotCore.Certificates;

namespace Firmware.EndToEnd.Harness;

/// <summary>Which broker the firmware connects to.</summary>
public enum BrokerKind
{
    /// <summary>LocalIotCore's own MQTTnet broker (policy, lifecycle events, takeover wills).</summary>
    LocalIotCore,

    /// <summary>mosquitto, with LocalIotCore's shadow service, rules and notifier as its client.</summary>
    Mosquitto,
}

public sealed class RigOptions
{
    public BrokerKind Broker { get; init; } = BrokerKind.LocalIotCore;

    public string Thing { get; init; } = "pump-1";

    /// <summary>The notifier's grace period; seconds in tests instead of AWS's five minutes.</summary>
    public double GraceSeconds { get; init; } = 6;

    /// <summary>The firmware's MQTT keep-alive: AWS's minimum, which the firmware also enforces.</summary>
    public int KeepAliveSeconds { get; init; } = 30;

    /// <summary>The firmware's PUBACK/SUBACK/CONNACK timeout.</summary>
    public int ConnectTimeoutSeconds { get; init; } = 5;

    /// <summary>Debug logging in the firmware (its --verbose), for chasing a failure.</summary>
    public bool VerboseFirmware { get; init; }

    /// <summary>False: the firmware connects straight to the broker (benchmarks), not through the fault proxy.</summary>
    public bool ThroughProxy { get; init; } = true;

    /// <summary>
    /// A firmware executable to start (e.g. a NativeAOT build) instead of the built DeviceFirmware.dll
    /// under dotnet; it gets the same arguments.
    /// </summary>
    public string? FirmwareExecutable { get; init; }

    /// <summary>
    /// Start the firmware with the environment of deploy/devicefirmware.service (<see cref="DeployedUnit"/>):
    /// its GC settings, and SSL_CERT_FILE = the root CA and SSL_CERT_DIR = an empty folder, so that .NET's
    /// X509Chain (which loads the system store for every chain it builds on Linux, whatever the trust
    /// mode) reads one certificate instead of /etc/ssl/certs.
    /// </summary>
    public bool UnitEnvironment { get; init; }

    /// <summary>
    /// The firmware fetches desired.s3 files as on AWS, from LocalIotCore's HTTPS port: temporary
    /// credentials from its credentials provider (over mutual TLS with the device certificate), then
    /// GetObject from its S3, installing them in <see cref="Rig.FilesFolder"/>. False: it has no
    /// S3:CredentialsEndpoint and reports desired.s3 as not supported.
    /// </summary>
    public bool FetchS3Files { get; init; }
}

/// <summary>
/// The whole system on one machine, as separate OS processes: LocalIotCore (and mosquitto), the
/// firmware behind a <see cref="FaultProxy"/>, an application consuming telemetry and the HTTP API.
/// Every program's output goes to a log file under <see cref="Folder"/>; failures quote their tails.
/// </summary>
public sealed class Rig : IAsyncDisposable
{
    private readonly List<ChildProcess> _firmwareRuns = [];
    private readonly LocalCertificateAuthority _authority;
    private Mosquitto? _mosquitto;
    private ChildProcess? _cloud;
    private int _cloudStarts;

    private Rig(RigOptions options)
    {
        Options = options;
        Folder = Path.Combine(Path.GetTempPath(), "fw-rig-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(LogFolder);
        // LocalIotCore creates its CA here on first start; creating it first lets the rig mint the device certificate.
        _authority = LocalCertificateAuthority.LoadOrCreate(Path.Combine(CloudDataFolder, "ca"));
        Directory.CreateDirectory(CertificateFolder);
        using (var device = _authority.IssueDeviceCertificate(options.Thing))
        {
            LocalCertificateAuthority.WritePem(device, DeviceCertificatePath, DeviceKeyPath);
        }

        _authority.WriteCertificatePem(RootCaPath);
        BrokerTlsPort = FreeTcpPort.Next();
        PlainPort = FreeTcpPort.Next();
        HttpPort = FreeTcpPort.Next();
        HttpsPort = FreeTcpPort.Next();
        Proxy = new FaultProxy(BrokerTlsPort);
        Shadow = new ShadowApi(HttpPort, options.Thing);
        Telemetry = new TelemetryConsumer(PlainPort, options.Thing);
    }

    public RigOptions Options { get; }

    public string Folder { get; }

    public string LogFolder => Path.Combine(Folder, "logs");

    public string CloudDataFolder => Path.Combine(Folder, "cloud");

    public string DeviceDataFolder => Path.Combine(Folder, "device");

    public string CertificateFolder => Path.Combine(Folder, "device-certs");

    public string RootCaPath => Path.Combine(CertificateFolder, "root-ca.pem");

    public string DeviceCertificatePath => Path.Combine(CertificateFolder, "device.pem.crt");

    public string DeviceKeyPath => Path.Combine(CertificateFolder, "private.pem.key");

    /// <summary>Where the firmware installs desired.s3 files (<see cref="RigOptions.FetchS3Files"/>), each under its key.</summary>
    public string FilesFolder => Path.Combine(Folder, "files");

    /// <summary>The broker's TLS port (LocalIotCore's or mosquitto's); the firmware reaches it through <see cref="Proxy"/>.</summary>
    public int BrokerTlsPort { get; }

    /// <summary>Plain loopback MQTT for applications (and LocalIotCore's bridge to mosquitto).</summary>
    public int PlainPort { get; }

    public int HttpPort { get; }

    /// <summary>LocalIotCore's HTTPS API port (the same on every restart).</summary>
    public int HttpsPort { get; }

    public FaultProxy Proxy { get; }

    public ShadowApi Shadow { get; }

    public TelemetryConsumer Telemetry { get; }

    public ChildProcess? Firmware => _firmwareRuns.Count > 0 ? _firmwareRuns[^1] : null;

    public ChildProcess? Cloud => _cloud;

    public bool FirmwareRunning => Firmware is { HasExited: false };

    /// <summary>Starts the broker(s) and LocalIotCore and connects the telemetry consumer; the firmware is started separately.</summary>
    public static async Task<Rig> StartAsync(RigOptions? options = null)
    {
        var rig = new Rig(options ?? new RigOptions());
        try
        {
            if (rig.Options.Broker == BrokerKind.Mosquitto)
            {
                rig._mosquitto = new Mosquitto(Path.Combine(rig.Folder, "mosquitto"), rig._authority, rig.BrokerTlsPort, rig.PlainPort);
                await rig._mosquitto.StartAsync().ConfigureAwait(false);
            }

            await rig.StartCloudAsync().ConfigureAwait(false);
            await rig.Telemetry.ConnectAsync().ConfigureAwait(false);
            return rig;
        }
        catch
        {
            await rig.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async Task StartCloudAsync()
    {
        if (_cloud is { HasExited: false })
        {
            throw new InvalidOperationException("LocalIotCore is already running.");
        }

        if (_cloud is not null)
        {
            await _cloud.DisposeAsync().ConfigureAwait(false);
        }

        var arguments = new List<string>
        {
            "--data-dir", CloudDataFolder,
            "--http-port", Invariant(HttpPort),
            "--https-port", Invariant(HttpsPort),
            "--grace-seconds", Invariant(Options.GraceSeconds),
        };
        if (Options.Broker == BrokerKind.LocalIotCore)
        {
            arguments.AddRange(["--mqtt-port", Invariant(BrokerTlsPort), "--plain-port", Invariant(PlainPort)]);
        }
        else
        {
            arguments.AddRange(["--external-broker", "127.0.0.1:" + Invariant(PlainPort)]);
        }

        _cloudStarts++;
        _cloud = await LocalIotCoreProcess.StartAsync("LocalIotCore#" + _cloudStarts, arguments, Folder, Path.Combine(LogFolder, "localiotcore.log")).ConfigureAwait(false);
    }

    /// <summary>kill -9 LocalIotCore (with the embedded broker, every device connection drops with it).</summary>
    public async Task KillCloudAsync()
    {
        if (_cloud is not null)
        {
            _cloud.Kill();
            await _cloud.WaitForExitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        }
    }

    public Task RestartMosquittoAsync() =>
        _mosquitto is null ? throw new InvalidOperationException("No mosquitto in this rig.") : RestartAsync(_mosquitto);

    /// <summary>Starts the firmware as its own process, connecting through the proxy.</summary>
    public ChildProcess StartFirmware(params string[] extraArguments)
    {
        if (FirmwareRunning)
        {
            throw new InvalidOperationException("The firmware is already running.");
        }

        var arguments = new List<string>
        {
            "--Device:ThingName=" + Options.Thing,
            "--Device:DataDirectory=" + DeviceDataFolder,
            "--Mqtt:Endpoint=localhost",
            "--Mqtt:Port=" + Invariant(Options.ThroughProxy ? Proxy.Port : BrokerTlsPort),
            "--Mqtt:RootCaPath=" + RootCaPath,
            "--Mqtt:CertificatePath=" + DeviceCertificatePath,
            "--Mqtt:PrivateKeyPath=" + DeviceKeyPath,
            "--Mqtt:KeepAliveSeconds=" + Invariant(Options.KeepAliveSeconds),
            "--Mqtt:ConnectTimeoutSeconds=" + Invariant(Options.ConnectTimeoutSeconds),
            "--Telemetry:IntervalSeconds=1",
            "--Reconnect:MinimumSeconds=0.5",
            "--Reconnect:MaximumSeconds=4",
            "--Reconnect:StableSeconds=5",
            "--Relay:MinimumSwitchIntervalSeconds=0",
        };
        if (Options.VerboseFirmware)
        {
            arguments.Add("--verbose");
        }

        if (Options.FetchS3Files)
        {
            // The HTTPS port's server certificate comes from the local CA, the firmware's Mqtt:RootCaPath.
            var https = "https://localhost:" + Invariant(HttpsPort);
            arguments.AddRange(["--S3:CredentialsEndpoint=" + https, "--S3:Endpoint=" + https, "--S3:Folder=" + FilesFolder]);
        }

        arguments.AddRange(extraArguments);
        var program = Options.FirmwareExecutable;
        if (program is null)
        {
            program = BuiltPrograms.DotnetHost;
            arguments.Insert(0, BuiltPrograms.Dll("DeviceFirmware"));
        }

        var run = ChildProcess.Start("DeviceFirmware#" + (_firmwareRuns.Count + 1), program, arguments, Folder, Path.Combine(LogFolder, "firmware.log"), FirmwareEnvironment());
        _firmwareRuns.Add(run);
        return run;
    }

    private Dictionary<string, string>? FirmwareEnvironment()
    {
        if (!Options.UnitEnvironment)
        {
            return null;
        }

        var empty = Path.Combine(Folder, "no-system-certificates");
        Directory.CreateDirectory(empty);
        return DeployedUnit.ForRig(RootCaPath, empty);
    }

    /// <summary>kill -9 the firmware: no clean shutdown, the OS resets its connection.</summary>
    public async Task KillFirmwareAsync()
    {
        if (Firmware is { } firmware)
        {
            firmware.Kill();
            await firmware.WaitForExitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        }
    }

    /// <summary>SIGTERM (what systemd sends); returns the exit code.</summary>
    public async Task<int> StopFirmwareAsync(int signal = ChildProcess.SigTerm)
    {
        var firmware = Firmware ?? throw new InvalidOperationException("The firmware was never started.");
        firmware.Signal(signal);
        return await firmware.WaitForExitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
    }

    /// <summary>Waits until the running firmware logged a connect and the shadow says connected: true.</summary>
    public Task WaitForFirmwareOnlineAsync(TimeSpan timeout, int fromLine = 0) =>
        Until(async () => Firmware is { } f && f.Lines(fromLine).Any(IsConnectLine) && await Shadow.ConnectedAsync().ConfigureAwait(false) == true, timeout, "the firmware online (connect logged, reported.connected true)");

    public static bool IsConnectLine(string line) => line.Contains("Connected to ", StringComparison.Ordinal);

    /// <summary>The firmware's answer to its start-up /get has arrived (ShadowSync.FetchedLogPrefix in the firmware's core).</summary>
    public static bool IsShadowFetchedLine(string line) => line.Contains("Shadow fetched (version ", StringComparison.Ordinal);

    /// <summary>The firmware's log line for a connection it lost (dropped, reset, or presumed dead).</summary>
    public static bool IsLinkLostLine(string line) =>
        line.Contains("Connection to ", StringComparison.Ordinal) && line.Contains(" lost", StringComparison.Ordinal);

    /// <summary>Whether the running firmware's simulated relay is on, from what it logged (off before any line).</summary>
    public bool RelayIsOn
    {
        get
        {
            var state = false;
            foreach (var line in Firmware?.Lines() ?? [])
            {
                if (RelayLine(line) is bool on)
                {
                    state = on;
                }
            }

            return state;
        }
    }

    /// <summary>Times a relay output changed level, over every firmware run (each starts off).</summary>
    public int RelayActuations
    {
        get
        {
            var count = 0;
            foreach (var run in _firmwareRuns)
            {
                var state = false;
                foreach (var line in run.Lines())
                {
                    if (RelayLine(line) is bool on && on != state)
                    {
                        count++;
                        state = on;
                    }
                }
            }

            return count;
        }
    }

    /// <summary>Lines of every firmware run that say the process died of an unhandled exception.</summary>
    public int FirmwareCrashes
    {
        get
        {
            var crashes = 0;
            foreach (var run in _firmwareRuns)
            {
                foreach (var line in run.Lines())
                {
                    if (line.StartsWith("Unhandled exception", StringComparison.Ordinal))
                    {
                        crashes++;
                    }
                }
            }

            return crashes;
        }
    }

    /// <summary>Polls <paramref name="condition"/> until it holds; fails after <paramref name="timeout"/> with the programs' last lines.</summary>
    public async Task Until(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition().ConfigureAwait(false))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("Not within " + timeout.TotalSeconds + " s: " + what + ".\n" + Describe());
            }

            await Task.Delay(50).ConfigureAwait(false);
        }
    }

    public Task Until(Func<bool> condition, TimeSpan timeout, string what) => Until(() => Task.FromResult(condition()), timeout, what);

    /// <summary>The last lines of each program, for a failure message.</summary>
    public string Describe() =>
        "Rig folder " + Folder + "\n-- firmware:\n" + (Firmware?.Tail(25) ?? "(not started)") + "\n-- LocalIotCore:\n" + (_cloud?.Tail(15) ?? "(not started)");

    public async ValueTask DisposeAsync()
    {
        foreach (var run in _firmwareRuns)
        {
            await run.DisposeAsync().ConfigureAwait(false);
        }

        await Telemetry.DisposeAsync().ConfigureAwait(false);
        if (_cloud is not null)
        {
            await _cloud.DisposeAsync().ConfigureAwait(false);
        }

        if (_mosquitto is not null)
        {
            await _mosquitto.DisposeAsync().ConfigureAwait(false);
        }

        await Proxy.DisposeAsync().ConfigureAwait(false);
        Shadow.Dispose();
        _authority.Dispose();
        if (Environment.GetEnvironmentVariable("KEEP_RIG") is null)
        {
            try
            {
                Directory.Delete(Folder, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static async Task RestartAsync(Mosquitto mosquitto)
    {
        await mosquitto.StopAsync().ConfigureAwait(false);
        await mosquitto.StartAsync().ConfigureAwait(false);
    }

    private static bool? RelayLine(string line)
    {
        var at = line.IndexOf("Simulated relay ", StringComparison.Ordinal);
        if (at < 0)
        {
            return null;
        }

        var state = line.AsSpan(at + "Simulated relay ".Length);
        return state.StartsWith("ON") ? true : state.StartsWith("OFF") ? false : null;
    }

    private static string Invariant(double value) => value.ToString(CultureInfo.InvariantCulture);
}
