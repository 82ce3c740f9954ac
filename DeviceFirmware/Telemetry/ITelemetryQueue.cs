namespace DeviceFirmware.Telemetry;

/// <summary>
/// Where the agent's telemetry goes: a durable outbox, flushed in order while connected.
/// Called from the agent loop only; implementations publish on their own task.
/// </summary>
public interface ITelemetryQueue
{
    /// <summary>The highest seq ever enqueued (survives restarts), so seq stays monotonic.</summary>
    long LastSequence { get; }

    /// <summary>Stores one message durably; never throws for a full queue (the oldest are dropped and counted).</summary>
    void Enqueue(long sequence, string topic, ReadOnlyMemory<byte> payload, DateTimeOffset at);

    /// <summary>The link is up: publish what is stored, in order, each removed only after its PUBACK.</summary>
    void Flush();

    /// <summary>The link is down: stop publishing until the next <see cref="Flush"/>.</summary>
    void Pause();
}
