using DeviceFirmware.Core;

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

    public int OutboxCapacity { get; set; } = 10_000;

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (IntervalSeconds < AgentSettings.MinimumTelemetryIntervalSeconds || IntervalSeconds > AgentSettings.MaximumTelemetryIntervalSeconds)
        {
            errors.Add("Telemetry:IntervalSeconds is " + IntervalSeconds + "; it must be from " + AgentSettings.MinimumTelemetryIntervalSeconds + " to " + AgentSettings.MaximumTelemetryIntervalSeconds + " (one day).");
        }

        if (OutboxCapacity < 1)
        {
            errors.Add("Telemetry:OutboxCapacity is " + OutboxCapacity + "; it must be at least 1 (default 10000 readings).");
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

    public double MinimumSeconds { get; set; } = 1;

    public double MaximumSeconds { get; set; } = 120;

    /// <summary>The attempt counter resets only after a connection lasted this long.</summary>
    public double StableSeconds { get; set; } = 30;

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!(MinimumSeconds > 0))
        {
            errors.Add("Reconnect:MinimumSeconds is " + MinimumSeconds + "; it must be above 0 (default 1).");
        }

        if (!(MaximumSeconds >= MinimumSeconds))
        {
            errors.Add("Reconnect:MaximumSeconds is " + MaximumSeconds + "; it must be at least Reconnect:MinimumSeconds (" + MinimumSeconds + ").");
        }

        if (!(StableSeconds >= 0))
        {
            errors.Add("Reconnect:StableSeconds is " + StableSeconds + "; it must not be negative (default 30).");
        }

        return errors;
    }
}
