#if EMBED_LOCALIOTCORE
using System.Globalization;
using System.Net.Sockets;
using DeviceFirmware.Core.Shadow;
using LocalIotCore.Hosting;
using Microsoft.Extensions.Logging;

namespace DeviceFirmware.Hosting;

/// <summary>
/// Local mode: with no Mqtt:Endpoint the firmware runs LocalIotCore (the local stand-in for AWS IoT
/// Core) in its own process and connects to it over mutual TLS with a device certificate minted at
/// each start. The one file that knows LocalIotCore; a build with -p:EmbedLocalIotCore=false has
/// only the stub below. Start it before the host's services and dispose it after the host has
/// stopped, so that the firmware's connected=false report and DISCONNECT still reach it.
/// </summary>
internal sealed class EmbeddedLocalIotCore : IAsyncDisposable
{
    private const string DataFolder = "localiotcore";
    private const string CertificateFolder = "local-certs";

    private readonly LocalIotCoreServer _server;
    private readonly ILogger _log;

    // The firmware fetches desired.s3 files from this LocalIotCore (no S3:CredentialsEndpoint was given).
    private readonly bool _servesFiles;

    private EmbeddedLocalIotCore(LocalIotCoreServer server, ILogger log, bool servesFiles)
    {
        _server = server;
        _log = log;
        _servesFiles = servesFiles;
    }

    public static bool IsCompiledIn => true;

    /// <summary>
    /// Starts LocalIotCore on <c>&lt;Device:DataDirectory&gt;/localiotcore</c> (state persists between
    /// runs), mints the device certificate into <c>&lt;Device:DataDirectory&gt;/local-certs/</c> and points
    /// the Mqtt options at the broker. Null, with the reason written to <paramref name="console"/>,
    /// when it cannot start (a port in use, an unwritable folder).
    /// </summary>
    public static async Task<EmbeddedLocalIotCore?> TryStartAsync(FirmwareConfiguration configuration, ILoggerFactory loggers, TimeProvider time, TextWriter console)
    {
        var settings = configuration.LocalIotCore;
        var options = new LocalIotCoreOptions
        {
            DataDirectory = Path.Combine(configuration.Device.DataDirectory, DataFolder),
            MqttPort = settings.MqttPort,
            HttpPort = settings.HttpPort,
            HttpsPort = settings.HttpsPort,
            NotifierGrace = TimeSpan.FromSeconds(settings.GraceSeconds),
        };
        LocalIotCoreServer? server = null;
        try
        {
            server = await LocalIotCoreServer.StartAsync(options, new QuietFrameworkLoggers(loggers), time).ConfigureAwait(false);
            var certificates = Path.Combine(configuration.Device.DataDirectory, CertificateFolder);
            var mqtt = configuration.Mqtt;
            mqtt.Endpoint = "localhost";
            mqtt.Port = server.MqttPort;
            mqtt.RootCaPath = Path.Combine(certificates, "root-ca.pem");
            mqtt.CertificatePath = Path.Combine(certificates, "device.pem.crt");
            mqtt.PrivateKeyPath = Path.Combine(certificates, "private.pem.key");
            // Fresh at every start, for the thing of this run; the key file is written with mode 600.
            server.MintDeviceCertificate(configuration.Device.ThingName, mqtt.CertificatePath, mqtt.PrivateKeyPath, mqtt.RootCaPath);
            var s3 = configuration.S3;
            var servesFiles = !s3.IsConfigured;
            if (servesFiles)
            {
                // desired.s3 files come from this LocalIotCore: its credentials provider and its S3, both on
                // the HTTPS port (the local credentials sign only for it, so S3:Endpoint goes with them).
                var https = "https://localhost:" + server.HttpsPort!.Value.ToString(CultureInfo.InvariantCulture);
                s3.CredentialsEndpoint = https;
                s3.Endpoint = https;
            }

            return new EmbeddedLocalIotCore(server, loggers.CreateLogger("LocalIotCore"), servesFiles);
        }
        catch (Exception ex) when (ex is IOException or SocketException or UnauthorizedAccessException)
        {
            if (server is not null)
            {
                await server.DisposeAsync().ConfigureAwait(false);
            }

            await console.WriteLineAsync(
                "The firmware cannot start its LocalIotCore (no Mqtt:Endpoint was given, so it runs one itself on MQTT port " + settings.MqttPort + ", HTTP port " + settings.HttpPort + ", HTTPS port " + settings.HttpsPort + "): " + ex.Message + Environment.NewLine +
                "  If a port is in use (another LocalIotCore?), choose others with --LocalIotCore:MqttPort=... --LocalIotCore:HttpPort=... --LocalIotCore:HttpsPort=... (0 = a free port)." + Environment.NewLine +
                "  LocalIotCore's data folder: " + Path.GetFullPath(options.DataDirectory)).ConfigureAwait(false);
            return null;
        }
    }

    /// <summary>What a newcomer needs once it runs: the thing, the HTTP API, the curl lines, where telemetry goes.</summary>
    public string Banner(FirmwareConfiguration configuration)
    {
        var thing = configuration.Device.ThingName;
        var http = "http://127.0.0.1:" + _server.HttpPort;
        var shadow = http + "/things/" + thing + "/shadow";
        var telemetry = new ShadowTopics(thing, configuration.Mqtt.WillTopic, configuration.Telemetry.Topic).Telemetry;
        var n = Environment.NewLine;
        return
            "DeviceFirmware is running in local mode: LocalIotCore (a local stand-in for AWS IoT Core) runs in this process." + n +
            "  Thing:      " + thing + (configuration.ThingNameIsLocalDefault ? " (the local-mode default; --Device:ThingName=... for another)" : "") + n +
            "  Dashboard:  " + _server.DashboardUrl + "   (things, motor switch, shadow editor, telemetry charts, alerts)" + n +
            "  HTTP API:   " + http + n +
            "  Motor on:   curl -X POST " + shadow + " -d '{\"state\":{\"desired\":{\"MOTOR\":\"ON\"}}}'" + n +
            "  Shadow:     curl " + shadow + "    (reported.MOTOR, reported.connected, reported.sensor)" + n +
            "  Telemetry:  topic " + telemetry + " on the broker mqtts://localhost:" + _server.MqttPort + " (mutual TLS), every " + configuration.Telemetry.IntervalSeconds + " s" + n +
            UploadLines(configuration) +
            "  Files:      device certificate in " + Path.GetDirectoryName(Path.GetFullPath(configuration.Mqtt.CertificatePath)) + ", LocalIotCore's data in " + _server.DataDirectory + n +
            "Ctrl+C stops it: the firmware reports connected=false and disconnects, then LocalIotCore stops.";
    }

    /// <summary>
    /// How to send the device a file, when it fetches from this LocalIotCore: an upload to the fan-out
    /// bucket writes desired.s3 into every thing's shadow, and the device installs the file under its key.
    /// </summary>
    private string UploadLines(FirmwareConfiguration configuration)
    {
        var s3 = _server.Options.S3;
        if (!_servesFiles || s3.FanOutBuckets.Count == 0)
        {
            return "";
        }

        var n = Environment.NewLine;
        return
            "  Upload:     AWS_ACCESS_KEY_ID=" + s3.AdministratorAccessKeyId + " AWS_SECRET_ACCESS_KEY=" + s3.AdministratorSecretAccessKey +
            " aws s3 cp FILE s3://" + s3.FanOutBuckets[0] + "/KEY --endpoint-url " + configuration.S3.Endpoint + " --ca-bundle " + Path.GetFullPath(configuration.Mqtt.RootCaPath) + n +
            "              (every thing's desired.s3 gets it; this device installs it as " + Path.Combine(Path.GetFullPath(configuration.S3.InstallFolder(configuration.Device.DataDirectory)), "KEY") + ")" + n;
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync().ConfigureAwait(false);
        _log.LogInformation("LocalIotCore stopped.");
    }

    /// <summary>
    /// The firmware's logger factory for LocalIotCore: its own categories as configured (Information),
    /// ASP.NET Core's and the hosting's (Microsoft.*) from Warning up, whatever the firmware's
    /// configuration lets through for its own host.
    /// </summary>
    private sealed class QuietFrameworkLoggers(ILoggerFactory loggers) : ILoggerFactory
    {
        public ILogger CreateLogger(string categoryName) =>
            categoryName.StartsWith("Microsoft", StringComparison.Ordinal) ? new FromWarning(loggers.CreateLogger(categoryName), categoryName == StartFailureCategory) : loggers.CreateLogger(categoryName);

        public void AddProvider(ILoggerProvider provider) => loggers.AddProvider(provider);

        /// <summary>The firmware's host owns the factory.</summary>
        public void Dispose()
        {
        }
    }

    /// <summary>
    /// The HTTP API's host logs its failed start with a stack trace, then throws; <see cref="TryStartAsync"/>
    /// says the same in plain words (a port in use is common), so that one entry is dropped.
    /// </summary>
    private const string StartFailureCategory = "Microsoft.Extensions.Hosting.Internal.Host";
    private const int StartFailureEventId = 11;

    private sealed class FromWarning(ILogger logger, bool dropStartFailure) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => logger.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning && logger.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel) && !(dropStartFailure && eventId.Id == StartFailureEventId))
            {
                logger.Log(logLevel, eventId, state, exception, formatter);
            }
        }
    }
}
#else
using Microsoft.Extensions.Logging;

namespace DeviceFirmware.Hosting;

/// <summary>This build leaves LocalIotCore out (-p:EmbedLocalIotCore=false): there is no local mode, Mqtt:Endpoint is required.</summary>
internal sealed class EmbeddedLocalIotCore : IAsyncDisposable
{
    private EmbeddedLocalIotCore()
    {
    }

    public static bool IsCompiledIn => false;

    public static Task<EmbeddedLocalIotCore?> TryStartAsync(FirmwareConfiguration configuration, ILoggerFactory loggers, TimeProvider time, TextWriter console) =>
        throw new InvalidOperationException("This build has no embedded LocalIotCore (EmbedLocalIotCore=false); Mqtt:Endpoint is required.");

    public string Banner(FirmwareConfiguration configuration) => throw new InvalidOperationException("This build has no embedded LocalIotCore.");

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
#endif
