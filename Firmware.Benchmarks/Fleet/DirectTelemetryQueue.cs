using DeviceFirmware.Telemetry;

namespace Firmware.Benchmarks.Fleet;

/// <summary>
/// An in-memory <see cref="ITelemetryQueue"/> that publishes each message at once while the link is
/// up and drops it while it is down. Not the product's durable outbox: a fleet benchmark measures
/// connections and shadows, not thousands of SQLite files in one process.
/// </summary>
internal sealed class DirectTelemetryQueue(Func<string, ReadOnlyMemory<byte>, CancellationToken, Task> publish) : ITelemetryQueue
{
    private long _lastSequence;
    private volatile bool _linkUp;
    private long _published;
    private long _dropped;

    public long LastSequence => Interlocked.Read(ref _lastSequence);

    public long Published => Interlocked.Read(ref _published);

    public long Dropped => Interlocked.Read(ref _dropped);

    public void Enqueue(long sequence, string topic, ReadOnlyMemory<byte> payload, DateTimeOffset at)
    {
        Interlocked.Exchange(ref _lastSequence, sequence);
        if (!_linkUp)
        {
            Interlocked.Increment(ref _dropped);
            return;
        }

        _ = PublishAsync(topic, payload);
    }

    public void Flush() => _linkUp = true;

    public void Pause() => _linkUp = false;

    private async Task PublishAsync(string topic, ReadOnlyMemory<byte> payload)
    {
        try
        {
            await publish(topic, payload, CancellationToken.None).ConfigureAwait(false);
            Interlocked.Increment(ref _published);
        }
        // Whatever ended the publish (a link that dropped, a timeout), the message is lost: counted, not retried.
        catch (Exception)
        {
            Interlocked.Increment(ref _dropped);
        }
    }
}
