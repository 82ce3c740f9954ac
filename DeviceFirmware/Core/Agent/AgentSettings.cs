using System;

namespace DeviceFirmware.Core.Agent;

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

/// <summary>
/// The agent core's settings (validated by the host's options before they get here). The defaults
/// below are the one home of each default: the host's options refer to these constants.
/// </summary>
public sealed class AgentSettings
{
    public const int DefaultTelemetryIntervalSeconds = 60;
    public const int MinimumTelemetryIntervalSeconds = 1;
    public const int MaximumTelemetryIntervalSeconds = 86400;

    /// <summary>Reconnect backoff as AWS's aws-c-mqtt: 1 s minimum, 120 s maximum, reset after 30 s of stable connection.</summary>
    public const int DefaultBackoffMinimumSeconds = 1;
    public const int DefaultBackoffMaximumSeconds = 120;
    public const int DefaultStableConnectionSeconds = 30;

    /// <summary>Protects the motor from rapid cycling.</summary>
    public const int DefaultMinimumSwitchIntervalSeconds = 2;

    public const int DefaultShutdownReportTimeoutSeconds = 5;
    public const int DefaultSelfHealMinimumIntervalSeconds = 10;
    public const int DefaultShadowGetTimeoutSeconds = 10;
    public const int DefaultMessageErrorReportIntervalSeconds = 5;

    /// <summary>A failed S3 download is retried with full-jitter backoff from 5 s up to 5 min, at most
    /// this many attempts in all per desired.s3.</summary>
    public const int DefaultS3RetryMinimumSeconds = 5;
    public const int DefaultS3RetryMaximumSeconds = 300;
    public const int DefaultS3FetchAttempts = 6;

    public AgentSettings(string thingName)
    {
        if (thingName == null || thingName.Trim().Length == 0)
        {
            throw new ArgumentException("The thing name must not be empty.", nameof(thingName));
        }

        ThingName = thingName;
    }

    public string ThingName { get; }

    public string FirmwareVersion { get; init; } = "0.0.0";

    /// <summary>Reported as <c>reported.hardware</c> so an operator can tell a simulated device from a real one.</summary>
    public string Hardware { get; init; } = "unknown";

    /// <summary>Null or empty: <c>things/&lt;thing&gt;/lwt</c>.</summary>
    public string? WillTopic { get; init; }

    /// <summary>Null or empty: <c>things/&lt;thing&gt;/telemetry</c>.</summary>
    public string? TelemetryTopic { get; init; }

    public TimeSpan TelemetryInterval { get; init; } = Seconds(DefaultTelemetryIntervalSeconds);

    public TimeSpan BackoffMinimum { get; init; } = Seconds(DefaultBackoffMinimumSeconds);

    public TimeSpan BackoffMaximum { get; init; } = Seconds(DefaultBackoffMaximumSeconds);

    /// <summary>The backoff attempt counter resets only after a connection lasted this long.</summary>
    public TimeSpan StableConnection { get; init; } = Seconds(DefaultStableConnectionSeconds);

    public PowerOnState PowerOnState { get; init; } = PowerOnState.Off;

    /// <summary>Protects the motor: a faster request is deferred, not dropped.</summary>
    public TimeSpan MinimumSwitchInterval { get; init; } = Seconds(DefaultMinimumSwitchIntervalSeconds);

    /// <summary>Switch the relay off after this long without a connection; <see cref="TimeSpan.Zero"/> = never.</summary>
    public TimeSpan OfflineFailSafe { get; init; } = TimeSpan.Zero;

    /// <summary>Switch the relay off after it has been on this long; <see cref="TimeSpan.Zero"/> = never.</summary>
    public TimeSpan MaximumOnTime { get; init; } = TimeSpan.Zero;

    /// <summary>How long a clean shutdown waits for <c>connected: false</c> to be accepted.</summary>
    public TimeSpan ShutdownReportTimeout { get; init; } = Seconds(DefaultShutdownReportTimeoutSeconds);

    /// <summary>At most one self-heal report of <c>connected: true</c> per this interval.</summary>
    public TimeSpan SelfHealMinimumInterval { get; init; } = Seconds(DefaultSelfHealMinimumIntervalSeconds);

    /// <summary>Re-send <c>/get</c> if no answer came within this time.</summary>
    public TimeSpan ShadowGetTimeout { get; init; } = Seconds(DefaultShadowGetTimeoutSeconds);

    /// <summary>At most one report of <c>reported.errors.message</c> per this interval, so a flood of
    /// bad messages cannot make the device flood the shadow (the latest reason wins).</summary>
    public TimeSpan MessageErrorReportInterval { get; init; } = Seconds(DefaultMessageErrorReportIntervalSeconds);

    /// <summary>
    /// Whether the host can download <c>desired.s3</c> (it answers <see cref="FetchS3Object"/> with
    /// <see cref="S3FetchCompleted"/>). False, the default: a valid desired.s3 is reported as
    /// "not supported on this device" and nothing is fetched.
    /// </summary>
    public bool CanFetchS3Objects { get; init; }

    /// <summary>The first cap of the backoff between attempts to download one desired.s3.</summary>
    public TimeSpan S3RetryMinimum { get; init; } = Seconds(DefaultS3RetryMinimumSeconds);

    public TimeSpan S3RetryMaximum { get; init; } = Seconds(DefaultS3RetryMaximumSeconds);

    /// <summary>Download attempts in all (the first included) for one desired.s3 that keeps failing.</summary>
    public int S3FetchAttempts { get; init; } = DefaultS3FetchAttempts;

    public bool HasOfflineFailSafe => OfflineFailSafe > TimeSpan.Zero;

    public bool HasMaximumOnTime => MaximumOnTime > TimeSpan.Zero;

    /// <summary>The setting's name as configured and logged ("Off", "Last", "Desired").</summary>
    public static string Name(PowerOnState state)
    {
        switch (state)
        {
            case PowerOnState.Last:
                return "Last";
            case PowerOnState.Desired:
                return "Desired";
            default:
                return "Off";
        }
    }

    private static TimeSpan Seconds(int seconds) => TimeSpan.FromTicks(seconds * TimeSpan.TicksPerSecond);
}
