using System;
using DeviceFirmware.Core.Sensors;

namespace DeviceFirmware.Core.Agent;

/// <summary>Something that happened, fed to <see cref="DeviceAgent.Handle"/> with the current time.
/// Shadow messages become typed events (<c>DeviceFirmware.Core.Shadow</c>) before any part sees them.</summary>
public abstract class AgentEvent
{
}

/// <summary>The relay state file's value at start-up (power-on state Last).</summary>
public enum SavedRelayState
{
    /// <summary>No state file, or an unreadable one.</summary>
    None,
    Off,
    On,
}

/// <summary>The host started the agent. Carries what the shells loaded from disk.</summary>
public sealed class AgentStarted : AgentEvent
{
    /// <param name="savedRelay">The relay state file's value (power-on state Last).</param>
    /// <param name="lastTelemetrySequence">The highest telemetry seq ever enqueued (0 if none).</param>
    /// <param name="sensorModel">The sensor model for the shadow ("BME280", "simulated", ...).</param>
    public AgentStarted(SavedRelayState savedRelay, long lastTelemetrySequence, string sensorModel)
        : this(savedRelay, lastTelemetrySequence, sensorModel, null)
    {
    }

    /// <param name="installedS3">The host's record of the S3 object it installed last, or null when none.</param>
    public AgentStarted(SavedRelayState savedRelay, long lastTelemetrySequence, string sensorModel, InstalledS3Object? installedS3)
    {
        SavedRelay = savedRelay;
        LastTelemetrySequence = lastTelemetrySequence;
        SensorModel = sensorModel ?? throw new ArgumentNullException(nameof(sensorModel));
        InstalledS3 = installedS3;
    }

    public SavedRelayState SavedRelay { get; }

    public long LastTelemetrySequence { get; }

    public string SensorModel { get; }

    /// <summary>
    /// What the host's record on disk says is installed (written after each
    /// <see cref="S3FetchStatus.Installed"/>), or null. The record, not the shadow's reported.s3, is
    /// trusted: a desired.s3 equal to it is not fetched again, and anything else is (the file may
    /// be gone even when the shadow says installed).
    /// </summary>
    public InstalledS3Object? InstalledS3 { get; }
}

/// <summary>The S3 object a host installed, as it recorded it: the <see cref="FetchS3Object.Url"/>
/// and <see cref="FetchS3Object.Hash"/> of the fetch, and when it completed (UTC).</summary>
public sealed class InstalledS3Object
{
    public InstalledS3Object(string url, string hash, DateTime installedAt)
    {
        Url = url ?? throw new ArgumentNullException(nameof(url));
        Hash = hash ?? throw new ArgumentNullException(nameof(hash));
        InstalledAt = installedAt;
    }

    public string Url { get; }

    public string Hash { get; }

    /// <summary>UTC; reported as reported.s3.at.</summary>
    public DateTime InstalledAt { get; }
}

/// <summary>How a <see cref="FetchS3Object"/> ended.</summary>
public enum S3FetchStatus
{
    /// <summary>Downloaded, the SHA-256 matched, and the file is in place.</summary>
    Installed,

    /// <summary>Downloaded, but the content's SHA-256 is not the expected one; nothing installed.</summary>
    HashMismatch,

    /// <summary>Credentials, network, S3 or disk failed; nothing installed (retried with backoff).</summary>
    DownloadFailed,

    /// <summary>The object is larger than the host's configured limit; nothing installed.</summary>
    TooLarge,
}

/// <summary>The answer to <see cref="FetchS3Object"/> <see cref="FetchId"/>.</summary>
public sealed class S3FetchCompleted : AgentEvent
{
    public S3FetchCompleted(long fetchId, S3FetchStatus status, string detail)
    {
        FetchId = fetchId;
        Status = status;
        Detail = detail ?? "";
    }

    public long FetchId { get; }

    public S3FetchStatus Status { get; }

    /// <summary>For an operator, without secrets: why a download failed (reported as
    /// "download failed: &lt;detail&gt;"), the hash found, the size; only logged for other statuses.</summary>
    public string Detail { get; }
}

/// <summary>The connect attempt the agent asked for succeeded.</summary>
public sealed class ConnectSucceeded : AgentEvent
{
}

/// <summary>The connect attempt failed; <see cref="Reason"/> is written for an operator.</summary>
public sealed class ConnectFailed : AgentEvent
{
    public ConnectFailed(string reason) => Reason = reason ?? "";

    public string Reason { get; }
}

/// <summary>An established connection ended without the agent asking.</summary>
public sealed class ConnectionLost : AgentEvent
{
    public ConnectionLost(string reason) => Reason = reason ?? "";

    public string Reason { get; }
}

/// <summary>A message arrived on a subscribed topic: <see cref="Count"/> bytes of
/// <see cref="Payload"/> from <see cref="Offset"/>. The agent decodes it into a typed event
/// (<see cref="DeviceFirmware.Core.Shadow.ShadowMessageDecoder"/>) before any part sees it.</summary>
public sealed class MessageReceived : AgentEvent
{
    public MessageReceived(string topic, byte[] payload)
        : this(topic, payload, 0, payload == null ? 0 : payload.Length)
    {
    }

    public MessageReceived(string topic, byte[] payload, int offset, int count)
    {
        Topic = topic ?? throw new ArgumentNullException(nameof(topic));
        Payload = payload ?? throw new ArgumentNullException(nameof(payload));
        if (offset < 0 || count < 0 || offset > payload.Length - count)
        {
            throw new ArgumentOutOfRangeException(nameof(count), "The payload range lies outside the buffer.");
        }

        Offset = offset;
        Count = count;
    }

    public string Topic { get; }

    public byte[] Payload { get; }

    public int Offset { get; }

    public int Count { get; }
}

/// <summary>A timer the agent started has elapsed.</summary>
public sealed class TimerDue : AgentEvent
{
    public TimerDue(AgentTimer timer) => Timer = timer;

    public AgentTimer Timer { get; }
}

/// <summary>The reading the agent asked for with <see cref="ReadSensor"/>.</summary>
public sealed class SensorRead : AgentEvent
{
    public SensorRead(SensorReading reading) => Reading = reading ?? throw new ArgumentNullException(nameof(reading));

    public SensorReading Reading { get; }
}

/// <summary>The relay pin now is at <see cref="On"/>, as the agent asked.</summary>
public sealed class RelaySwitched : AgentEvent
{
    public RelaySwitched(bool on) => On = on;

    public bool On { get; }
}

/// <summary>Driving the relay pin failed; the relay keeps its previous state.</summary>
public sealed class RelaySwitchFailed : AgentEvent
{
    public RelaySwitchFailed(bool requestedOn, string reason)
    {
        RequestedOn = requestedOn;
        Reason = reason ?? "";
    }

    public bool RequestedOn { get; }

    public string Reason { get; }
}

/// <summary>The host is stopping (SIGTERM, SIGINT, Ctrl+C).</summary>
public sealed class ShutdownRequested : AgentEvent
{
}

/// <summary>The timers the agent runs; at most one of each kind is pending.</summary>
public enum AgentTimer
{
    Reconnect,
    StableConnection,
    Telemetry,
    RelayDeferred,
    OfflineFailSafe,
    MaximumOnTime,
    ShutdownDeadline,
    SelfHeal,
    ShadowGetRetry,
    MessageErrorReport,
    S3FetchRetry,
}
