using System;
using System.Threading;
using DeviceFirmware.Core.Agent;

namespace DeviceFirmware.Esp32;

/// <summary>
/// The events waiting for the agent, posted from M2Mqtt's threads and the link worker, taken by the
/// loop one at a time. A fixed ring: inbound MQTT messages may hold at most
/// <see cref="Capacity"/> - <see cref="ReservedForControl"/> slots, so a flood of messages can never
/// crowd out a connect result or a lost link, and the payloads waiting stay bounded (a shadow
/// document is at most 8 KB of state plus its metadata). The loop handles a message in milliseconds,
/// so the limit is reached only by a burst. A message refused here is lost like one lost on the
/// network; the log says so, and the agent's /get after the next reconnect or its next delta covers it.
/// </summary>
internal sealed class EventInbox
{
    public const int Capacity = 16;
    public const int ReservedForControl = 12;

    private readonly object _gate = new object();
    private readonly AutoResetEvent _posted = new AutoResetEvent(false);
    private readonly AgentEvent[] _items = new AgentEvent[Capacity];
    private int _first;
    private int _count;

    /// <summary>False when the ring is full (for a message: full up to the control reserve).</summary>
    public bool Post(AgentEvent item)
    {
        lock (_gate)
        {
            int limit = item is MessageReceived ? Capacity - ReservedForControl : Capacity;
            if (_count >= limit)
            {
                return false;
            }

            _items[(_first + _count) % Capacity] = item;
            _count++;
        }

        _posted.Set();
        return true;
    }

    /// <summary>The oldest event, or null when none came within <paramref name="timeoutMilliseconds"/>.</summary>
    public AgentEvent? Take(int timeoutMilliseconds)
    {
        var item = TryTake();
        if (item != null || timeoutMilliseconds <= 0)
        {
            return item;
        }

        _posted.WaitOne(timeoutMilliseconds, false);
        return TryTake();
    }

    private AgentEvent? TryTake()
    {
        lock (_gate)
        {
            if (_count == 0)
            {
                return null;
            }

            var item = _items[_first];
            _items[_first] = null!;
            _first = (_first + 1) % Capacity;
            _count--;
            return item;
        }
    }
}
