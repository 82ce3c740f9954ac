using DeviceFirmware.Telemetry;

namespace DeviceFirmware.Tests.Hosting;

internal sealed class RecordingTelemetryQueue : ITelemetryQueue
{
    public long LastSequence { get; set; }

    public List<long> Enqueued { get; } = [];

    public int Flushes;

    public int Pauses;

    public void Enqueue(long sequence, string topic, ReadOnlyMemory<byte> payload, DateTimeOffset at)
    {
        lock (Enqueued)
        {
            Enqueued.Add(sequence);
        }

        LastSequence = sequence;
    }

    public void Flush() => Interlocked.Increment(ref Flushes);

    public void Pause() => Interlocked.Increment(ref Pauses);
}
