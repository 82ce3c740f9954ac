using DeviceFirmware.Core.Agent;

namespace DeviceFirmware.Hosting;

/// <summary>Where the firmware runs: real pins and a real BME280, or simulated ones.</summary>
public enum HardwareMode
{
    Simulated,
    RaspberryPi,
}

/// <summary>Configuration section "Device".</summary>
public sealed class DeviceOptions
{
    public const string Section = "Device";

    /// <summary>The AWS IoT thing name; also the MQTT client id and the device certificate's thing.</summary>
    public string ThingName { get; set; } = "";

    public HardwareMode HardwareMode { get; set; } = HardwareMode.Simulated;

    /// <summary>Folder for the outbox database and the relay state file.</summary>
    public string DataDirectory { get; set; } = "data";

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(ThingName))
        {
            errors.Add("Device:ThingName is not set. Give the AWS IoT thing name, e.g. --Device:ThingName=pump-1 (it is also the MQTT client id).");
        }
        else if (!IsValidThingName(ThingName))
        {
            errors.Add("Device:ThingName '" + ThingName + "' is not a valid AWS IoT thing name: use 1 to 128 letters, digits, ':', '_' or '-'.");
        }

        if (string.IsNullOrWhiteSpace(DataDirectory))
        {
            errors.Add("Device:DataDirectory is empty. Give a writable folder for the telemetry outbox and the relay state file.");
        }

        return errors;
    }

    /// <summary>AWS IoT thing names: [a-zA-Z0-9:_-]{1,128}.</summary>
    public static bool IsValidThingName(string name)
    {
        if (name.Length is 0 or > 128)
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == ':' || c == '_' || c == '-'))
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>Configuration section "Telemetry".</summary>
public sealed class TelemetryOptions
{
    public const string Section = "Telemetry";

    /// <summary>Until the shadow's desired <c>telemetryIntervalSeconds</c> says otherwise.</summary>
    public int IntervalSeconds { get; set; } = AgentSettings.DefaultTelemetryIntervalSeconds;

    /// <summary>Default <c>things/&lt;thing&gt;/telemetry</c>.</summary>
    public string? Topic { get; set; }

    /// <summary>Default <c>&lt;DataDirectory&gt;/outbox.db</c>.</summary>
    public string? OutboxPath { get; set; }

    public int OutboxCapacity { get; set; } = DefaultOutboxCapacity;

    public const int DefaultOutboxCapacity = 10_000;

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (IntervalSeconds < AgentSettings.MinimumTelemetryIntervalSeconds || IntervalSeconds > AgentSettings.MaximumTelemetryIntervalSeconds)
        {
            errors.Add("Telemetry:IntervalSeconds is " + IntervalSeconds + "; it must be from " + AgentSettings.MinimumTelemetryIntervalSeconds + " to " + AgentSettings.MaximumTelemetryIntervalSeconds + " (one day).");
        }

        if (OutboxCapacity < 1)
        {
            errors.Add("Telemetry:OutboxCapacity is " + OutboxCapacity + "; it must be at least 1 (default " + DefaultOutboxCapacity + " readings).");
        }

        if (Topic is not null && (Topic.Length == 0 || Topic.Contains('#', StringComparison.Ordinal) || Topic.Contains('+', StringComparison.Ordinal) || Topic.StartsWith('$')))
        {
            errors.Add("Telemetry:Topic '" + Topic + "' is not a topic a device may publish to: no wildcards (+, #) and no reserved $ prefix.");
        }

        return errors;
    }
}

/// <summary>Configuration section "Reconnect": full-jitter backoff as AWS's aws-c-mqtt uses.</summary>
public sealed class ReconnectOptions
{
    public const string Section = "Reconnect";

    public double MinimumSeconds { get; set; } = AgentSettings.DefaultBackoffMinimumSeconds;

    public double MaximumSeconds { get; set; } = AgentSettings.DefaultBackoffMaximumSeconds;

    /// <summary>The attempt counter resets only after a connection lasted this long.</summary>
    public double StableSeconds { get; set; } = AgentSettings.DefaultStableConnectionSeconds;

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!(MinimumSeconds > 0))
        {
            errors.Add("Reconnect:MinimumSeconds is " + MinimumSeconds + "; it must be above 0 (default " + AgentSettings.DefaultBackoffMinimumSeconds + ").");
        }

        if (!(MaximumSeconds >= MinimumSeconds))
        {
            errors.Add("Reconnect:MaximumSeconds is " + MaximumSeconds + "; it must be at least Reconnect:MinimumSeconds (" + MinimumSeconds + ").");
        }

        if (!(StableSeconds >= 0))
        {
            errors.Add("Reconnect:StableSeconds is " + StableSeconds + "; it must not be negative (default " + AgentSettings.DefaultStableConnectionSeconds + ").");
        }

        return errors;
    }
}

/// <summary>
/// Configuration section "LocalIotCore": the LocalIotCore the firmware runs in its own process when
/// no Mqtt:Endpoint is given (local mode; see <see cref="EmbeddedLocalIotCore"/>). The defaults are
/// the stand-alone LocalIotCore's; they are repeated here because a build without LocalIotCore
/// still binds this section, and a test holds the two equal.
/// </summary>
public sealed class EmbeddedLocalIotCoreOptions
{
    public const string Section = "LocalIotCore";

    public const int DefaultMqttPort = DeviceFirmware.Core.Link.AwsIotMqtt.TlsPort;
    public const int DefaultHttpPort = 8080;
    public const int DefaultHttpsPort = 8443;
    public const double DefaultGraceSeconds = 300;

    /// <summary>Device:ThingName in local mode when none is given.</summary>
    public const string DefaultThingName = "pump-1";

    /// <summary>TLS MQTT listener on 127.0.0.1; 0 = a free port.</summary>
    public int MqttPort { get; set; } = DefaultMqttPort;

    /// <summary>HTTP API (shadows, things) on 127.0.0.1; 0 = a free port.</summary>
    public int HttpPort { get; set; } = DefaultHttpPort;

    /// <summary>
    /// The HTTP API over TLS on 127.0.0.1, with S3 and the credentials provider the firmware fetches
    /// desired.s3 files from when no S3:CredentialsEndpoint is given; 0 = a free port.
    /// </summary>
    public int HttpsPort { get; set; } = DefaultHttpsPort;

    /// <summary>How long a thing may stay offline before the disconnect notifier reports it.</summary>
    public double GraceSeconds { get; set; } = DefaultGraceSeconds;

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        ValidatePort(errors, "LocalIotCore:MqttPort", MqttPort, DefaultMqttPort);
        ValidatePort(errors, "LocalIotCore:HttpPort", HttpPort, DefaultHttpPort);
        ValidatePort(errors, "LocalIotCore:HttpsPort", HttpsPort, DefaultHttpsPort);
        ValidateDistinct(errors, "LocalIotCore:MqttPort", MqttPort, "LocalIotCore:HttpPort", HttpPort);
        ValidateDistinct(errors, "LocalIotCore:MqttPort", MqttPort, "LocalIotCore:HttpsPort", HttpsPort);
        ValidateDistinct(errors, "LocalIotCore:HttpPort", HttpPort, "LocalIotCore:HttpsPort", HttpsPort);

        if (!(GraceSeconds >= 0) || double.IsInfinity(GraceSeconds))
        {
            errors.Add("LocalIotCore:GraceSeconds is " + GraceSeconds + "; it must be a number of seconds, 0 or more (default " + DefaultGraceSeconds + ").");
        }

        return errors;
    }

    private static void ValidatePort(List<string> errors, string key, int port, int defaultPort)
    {
        if (port is < 0 or > 65535)
        {
            errors.Add(key + " is " + port + "; it must be from 1 to 65535, or 0 for a free port (default " + defaultPort + ").");
        }
    }

    private static void ValidateDistinct(List<string> errors, string key, int port, string otherKey, int otherPort)
    {
        if (port == otherPort && port != 0)
        {
            errors.Add(key + " and " + otherKey + " are both " + port + "; each LocalIotCore listener needs its own port (or 0 each, for free ones).");
        }
    }
}
