using System;

namespace DeviceFirmware.Esp32;

/// <summary>
/// The telemetry outbox of a device without SQLite: a ring in RAM, bounded twice — at most
/// <c>capacity</c> messages and at most <see cref="MaximumBytes"/> of payload — dropping the oldest
/// when full (as the Pi's outbox does at its capacity). What it holds is lost on a power cut or a
/// reset; the sequence numbers stay increasing across reboots (<see cref="TelemetrySequenceFile"/>),
/// so the gap is visible to whoever reads the telemetry. It keeps the payload arrays the agent made,
/// so an entry costs its payload plus a few references. Thread-safe: the loop enqueues, the link
/// worker publishes and removes.
/// </summary>
internal sealed class TelemetryRing
{
    /// <summary>A telemetry document is about 250 bytes; 64 KB is far above what the default capacity needs.</summary>
    public const int MaximumBytes = 64 * 1024;

    private readonly object _gate = new object();
    private readonly long[] _sequence;
    private readonly string[] _topic;
    private readonly byte[][] _payload;
    private int _first;
    private int _count;
    private int _bytes;

    public TelemetryRing(int capacity)
    {
        if (capacity < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(capacity));
        }

        _sequence = new long[capacity];
        _topic = new string[capacity];
        _payload = new byte[capacity][];
    }

    public int Capacity => _sequence.Length;

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _count;
            }
        }
    }

    /// <summary>Messages dropped (oldest first) since boot because the ring was full.</summary>
    public long Dropped { get; private set; }

    /// <summary>Adds a message; returns how many of the oldest were dropped to make room.</summary>
    public int Enqueue(long sequence, string topic, byte[] payload)
    {
        lock (_gate)
        {
            int dropped = 0;
            while (_count > 0 && (_count == _sequence.Length || _bytes + payload.Length > MaximumBytes))
            {
                RemoveFirstLocked();
                dropped++;
            }

            int slot = (_first + _count) % _sequence.Length;
            _sequence[slot] = sequence;
            _topic[slot] = topic;
            _payload[slot] = payload;
            _bytes += payload.Length;
            _count++;
            Dropped += dropped;
            return dropped;
        }
    }

    /// <summary>The oldest message, left in the ring until <see cref="RemoveIfFirst"/>.</summary>
    public bool TryPeek(out long sequence, out string topic, out byte[] payload)
    {
        lock (_gate)
        {
            if (_count == 0)
            {
                sequence = 0;
                topic = "";
                payload = new byte[0];
                return false;
            }

            sequence = _sequence[_first];
            topic = _topic[_first];
            payload = _payload[_first];
            return true;
        }
    }

    /// <summary>Removes the oldest message once its PUBACK came, unless the ring dropped it meanwhile.</summary>
    public void RemoveIfFirst(long sequence)
    {
        lock (_gate)
        {
            if (_count > 0 && _sequence[_first] == sequence)
            {
                RemoveFirstLocked();
            }
        }
    }

    private void RemoveFirstLocked()
    {
        _bytes -= _payload[_first].Length;
        _payload[_first] = null!;
        _topic[_first] = null!;
        _first = (_first + 1) % _sequence.Length;
        _count--;
    }
}
