namespace DeviceFirmware.Core;

/// <summary>What the relay does at power-on.</summary>
public enum PowerOnState
{
    /// <summary>Off at power-on; the shadow's desired state applies once it is fetched.</summary>
    Off,

    /// <summary>Restores the last applied state from the state file at once, before any network.</summary>
    Last,

    /// <summary>
    /// Off, and MOTOR is not reported, until the first shadow fetch completes; then the fetched
    /// <c>desired.MOTOR</c> decides (the cloud is the source of truth at start-up).
    /// </summary>
    Desired,
}

/// <summary>The agent core's settings (validated by the host's options before they get here).</summary>
public sealed class AgentSettings
{
    public required string ThingName { get; init; }

    public string FirmwareVersion { get; init; } = "0.0.0";

    /// <summary>Reported as <c>reported.hardware</c> so an operator can tell a simulated device from a real one.</summary>
    public string Hardware { get; init; } = "unknown";

    public string? WillTopic { get; init; }

    public string? TelemetryTopic { get; init; }

    public TimeSpan TelemetryInterval { get; init; } = TimeSpan.FromSeconds(DefaultTelemetryIntervalSeconds);

    public TimeSpan BackoffMinimum { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan BackoffMaximum { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>The backoff attempt counter resets only after a connection lasted this long.</summary>
    public TimeSpan StableConnection { get; init; } = TimeSpan.FromSeconds(30);

    public PowerOnState PowerOnState { get; init; } = PowerOnState.Off;

    /// <summary>Protects the motor: a faster request is deferred, not dropped.</summary>
    public TimeSpan MinimumSwitchInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Switch the relay off after this long without a connection; null = never.</summary>
    public TimeSpan? OfflineFailSafe { get; init; }

    /// <summary>Switch the relay off after it has been on this long; null = never.</summary>
    public TimeSpan? MaximumOnTime { get; init; }

    /// <summary>How long a clean shutdown waits for <c>connected: false</c> to be accepted.</summary>
    public TimeSpan ShutdownReportTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>At most one self-heal report of <c>connected: true</c> per this interval.</summary>
    public TimeSpan SelfHealMinimumInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Re-send <c>/get</c> if no answer came within this time.</summary>
    public TimeSpan ShadowGetTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>At most one report of <c>reported.errors.message</c> per this interval, so a flood of
    /// bad messages cannot make the device flood the shadow (the latest reason wins).</summary>
    public TimeSpan MessageErrorReportInterval { get; init; } = TimeSpan.FromSeconds(5);

    public const int DefaultTelemetryIntervalSeconds = 60;
    public const int MinimumTelemetryIntervalSeconds = 1;
    public const int MaximumTelemetryIntervalSeconds = 86400;
}
