using System;

namespace DeviceFirmware.Core.Agent;

/// <summary>
/// Something the shells must do. The host executes the actions of one
/// <see cref="DeviceAgent.Handle"/> call in order; MQTT actions in order on the connection
/// (so a subscription is granted before the next publish goes out).
/// </summary>
public abstract class AgentAction
{
}

/// <summary>Open a connection (one attempt, bounded by the connect timeout); answer with
/// <see cref="ConnectSucceeded"/> or <see cref="ConnectFailed"/>.</summary>
public sealed class Connect : AgentAction
{
}

/// <summary>Subscribe at QoS 1 and wait for the broker to grant every topic.</summary>
public sealed class Subscribe : AgentAction
{
    public Subscribe(string[] topics) => Topics = topics ?? throw new ArgumentNullException(nameof(topics));

    public string[] Topics { get; }
}

/// <summary>Publish at QoS 1 on the current connection; dropped if the connection is gone.</summary>
public sealed class Publish : AgentAction
{
    public Publish(string topic, byte[] payload)
    {
        Topic = topic ?? throw new ArgumentNullException(nameof(topic));
        Payload = payload ?? throw new ArgumentNullException(nameof(payload));
    }

    public string Topic { get; }

    public byte[] Payload { get; }
}

/// <summary>Send DISCONNECT (no Last Will) and close.</summary>
public sealed class Disconnect : AgentAction
{
}

/// <summary>Drive the relay; answer with <see cref="RelaySwitched"/> or <see cref="RelaySwitchFailed"/>.</summary>
public sealed class SetRelay : AgentAction
{
    public SetRelay(bool on, string reason)
    {
        On = on;
        Reason = reason ?? "";
    }

    public bool On { get; }

    public string Reason { get; }
}

/// <summary>Remember the applied relay state for power-on state Last.</summary>
public sealed class SaveRelayState : AgentAction
{
    public SaveRelayState(bool on) => On = on;

    public bool On { get; }
}

/// <summary>Take one sensor reading; answer with <see cref="SensorRead"/>.</summary>
public sealed class ReadSensor : AgentAction
{
}

/// <summary>Store a telemetry message in the durable outbox.</summary>
public sealed class EnqueueTelemetry : AgentAction
{
    public EnqueueTelemetry(long sequence, string topic, byte[] payload)
    {
        Sequence = sequence;
        Topic = topic ?? throw new ArgumentNullException(nameof(topic));
        Payload = payload ?? throw new ArgumentNullException(nameof(payload));
    }

    public long Sequence { get; }

    public string Topic { get; }

    public byte[] Payload { get; }
}

/// <summary>Publish the outbox in order while this connection lasts.</summary>
public sealed class FlushTelemetry : AgentAction
{
}

/// <summary>(Re)start a timer; answer with <see cref="TimerDue"/> after <see cref="Delay"/>.</summary>
public sealed class StartTimer : AgentAction
{
    public StartTimer(AgentTimer timer, TimeSpan delay)
    {
        Timer = timer;
        Delay = delay;
    }

    public AgentTimer Timer { get; }

    public TimeSpan Delay { get; }
}

/// <summary>Cancel a timer if it is pending.</summary>
public sealed class CancelTimer : AgentAction
{
    public CancelTimer(AgentTimer timer) => Timer = timer;

    public AgentTimer Timer { get; }
}

/// <summary>Write a log line (the core does no I/O, so it asks the host to).</summary>
public sealed class Log : AgentAction
{
    public Log(AgentLogLevel level, string message)
    {
        Level = level;
        Message = message ?? "";
    }

    public AgentLogLevel Level { get; }

    public string Message { get; }
}

/// <summary>
/// Download one S3 object and install it: GetObject <see cref="Key"/> from <see cref="Bucket"/>,
/// stream it to a staging file while hashing, and only when its SHA-256 equals <see cref="Hash"/>
/// move it into place (keeping the previous file on any failure). Answer with exactly one
/// <see cref="S3FetchCompleted"/> carrying <see cref="FetchId"/>, and on success remember
/// {<see cref="Url"/>, <see cref="Hash"/>} on disk for <see cref="AgentStarted.InstalledS3"/>.
/// Only sent when <see cref="AgentSettings.CanFetchS3Objects"/> is true.
/// </summary>
public sealed class FetchS3Object : AgentAction
{
    public FetchS3Object(long fetchId, string url, string bucket, string key, string hash, int attempt)
    {
        FetchId = fetchId;
        Url = url ?? throw new ArgumentNullException(nameof(url));
        Bucket = bucket ?? throw new ArgumentNullException(nameof(bucket));
        Key = key ?? throw new ArgumentNullException(nameof(key));
        Hash = hash ?? throw new ArgumentNullException(nameof(hash));
        Attempt = attempt;
    }

    /// <summary>Unique in this run; the result must carry it (a superseded fetch's result is ignored).</summary>
    public long FetchId { get; }

    /// <summary>The validated <c>s3://bucket/key</c> of desired.s3.</summary>
    public string Url { get; }

    /// <summary>A valid S3 bucket name.</summary>
    public string Bucket { get; }

    /// <summary>Not empty; no leading '/', no empty, "." or ".." segment, no '\' or control character:
    /// safe to use as a relative file path.</summary>
    public string Key { get; }

    /// <summary>The expected SHA-256 of the content: 64 lowercase hexadecimal digits.</summary>
    public string Hash { get; }

    /// <summary>0 for the first attempt at this {url, hash}, then 1, 2, ... for retries.</summary>
    public int Attempt { get; }
}

/// <summary>Stop the download <see cref="FetchId"/> (a newer desired.s3 supersedes it, or the agent is
/// stopping) and keep the installed file. Its result, if it still comes, is ignored.</summary>
public sealed class CancelS3Fetch : AgentAction
{
    public CancelS3Fetch(long fetchId) => FetchId = fetchId;

    public long FetchId { get; }
}

/// <summary>The agent has finished shutting down; the host may exit.</summary>
public sealed class AgentStopped : AgentAction
{
}

public enum AgentLogLevel
{
    Debug,
    Information,
    Warning,
    Error,
}
