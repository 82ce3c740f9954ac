using DeviceFirmware.Core.Agent;
using DeviceFirmware.Hardware;
using DeviceFirmware.Hardware.Bme280;
using DeviceFirmware.Mqtt;
using Microsoft.Extensions.Configuration;

namespace DeviceFirmware.Hosting;

/// <summary>
/// Every option section, bound from appsettings.json, environment variables
/// (<c>DeviceFirmware__Mqtt__Endpoint</c>) and the command line (<c>--Mqtt:Endpoint=host</c>),
/// with the derived defaults filled in and one validation that lists every problem at once.
/// </summary>
public sealed class FirmwareConfiguration
{
    public DeviceOptions Device { get; } = new();

    public MqttConnectionOptions Mqtt { get; } = new();

    public RelayOptions Relay { get; } = new();

    public TelemetryOptions Telemetry { get; } = new();

    public ReconnectOptions Reconnect { get; } = new();

    public Bme280Options Sensor { get; } = new();

    public EmbeddedLocalIotCoreOptions LocalIotCore { get; } = new();

    public Cloud.S3Options S3 { get; } = new();

    /// <summary>
    /// No Mqtt:Endpoint, and this build embeds LocalIotCore: the firmware starts LocalIotCore in its
    /// own process, and the Mqtt endpoint and certificate paths are filled in once it runs.
    /// </summary>
    public bool IsLocalMode { get; private set; }

    /// <summary>Device:ThingName was not given and local mode chose <see cref="EmbeddedLocalIotCoreOptions.DefaultThingName"/>.</summary>
    public bool ThingNameIsLocalDefault { get; private set; }

    public static FirmwareConfiguration Bind(IConfiguration configuration) => Bind(configuration, EmbeddedLocalIotCore.IsCompiledIn);

    /// <param name="configuration">The configuration sources.</param>
    /// <param name="localIotCoreEmbedded">Whether this build can run LocalIotCore (tests pass false to see a build without it).</param>
    public static FirmwareConfiguration Bind(IConfiguration configuration, bool localIotCoreEmbedded)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var result = new FirmwareConfiguration();
        configuration.GetSection(DeviceOptions.Section).Bind(result.Device);
        configuration.GetSection(MqttConnectionOptions.Section).Bind(result.Mqtt);
        configuration.GetSection(RelayOptions.Section).Bind(result.Relay);
        configuration.GetSection(TelemetryOptions.Section).Bind(result.Telemetry);
        configuration.GetSection(ReconnectOptions.Section).Bind(result.Reconnect);
        configuration.GetSection(Bme280Options.Section).Bind(result.Sensor);
        configuration.GetSection(EmbeddedLocalIotCoreOptions.Section).Bind(result.LocalIotCore);
        configuration.GetSection(Cloud.S3Options.Section).Bind(result.S3);
        result.IsLocalMode = localIotCoreEmbedded && string.IsNullOrWhiteSpace(result.Mqtt.Endpoint);
        if (result.IsLocalMode && string.IsNullOrWhiteSpace(result.Device.ThingName))
        {
            result.Device.ThingName = EmbeddedLocalIotCoreOptions.DefaultThingName;
            result.ThingNameIsLocalDefault = true;
        }

        if (string.IsNullOrWhiteSpace(result.Mqtt.ClientId))
        {
            result.Mqtt.ClientId = result.Device.ThingName;
        }

        return result;
    }

    public string OutboxPath => Telemetry.OutboxPath ?? Path.Combine(Device.DataDirectory, "outbox.db");

    public string RelayStatePath => Relay.StateFilePath ?? Path.Combine(Device.DataDirectory, "relay-state");

    /// <summary>Every problem, each a sentence a newcomer can act on; empty when all is well.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        errors.AddRange(Device.Validate());
        errors.AddRange(Mqtt.Validate(endpointFromLocalIotCore: IsLocalMode));
        if (IsLocalMode)
        {
            errors.AddRange(LocalIotCore.Validate());
            if (!Mqtt.UseTls)
            {
                errors.Add("Mqtt:UseTls is false, but the LocalIotCore that runs when no Mqtt:Endpoint is given takes devices only over mutual TLS. Leave Mqtt:UseTls out, or give the --Mqtt:Endpoint of a plain broker.");
            }
        }

        errors.AddRange(Relay.Validate());
        errors.AddRange(Telemetry.Validate());
        errors.AddRange(Reconnect.Validate());
        errors.AddRange(Sensor.Validate());
        errors.AddRange(S3.Validate());
        return errors;
    }

    public AgentSettings ToAgentSettings(string firmwareVersion) => new(Device.ThingName)
    {
        FirmwareVersion = firmwareVersion,
        Hardware = Device.HardwareMode.ToString(),
        WillTopic = Mqtt.WillTopic,
        TelemetryTopic = Telemetry.Topic,
        TelemetryInterval = TimeSpan.FromSeconds(Telemetry.IntervalSeconds),
        BackoffMinimum = TimeSpan.FromSeconds(Reconnect.MinimumSeconds),
        BackoffMaximum = TimeSpan.FromSeconds(Reconnect.MaximumSeconds),
        StableConnection = TimeSpan.FromSeconds(Reconnect.StableSeconds),
        PowerOnState = Relay.PowerOnState,
        MinimumSwitchInterval = TimeSpan.FromSeconds(Relay.MinimumSwitchIntervalSeconds),
        // Empty = never, which the core spells TimeSpan.Zero (validation keeps set values above 0).
        OfflineFailSafe = Relay.OfflineFailSafeMinutes is double offline ? TimeSpan.FromMinutes(offline) : TimeSpan.Zero,
        MaximumOnTime = Relay.MaximumOnMinutes is double maximum ? TimeSpan.FromMinutes(maximum) : TimeSpan.Zero,
        // Without a credentials provider to ask, desired.s3 is reported as "not supported on this device".
        CanFetchS3Objects = S3.IsConfigured,
    };
}
