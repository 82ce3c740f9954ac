using System;
using DeviceFirmware.Core.Agent;

namespace DeviceFirmware.Esp32;

/// <summary>
/// The agent's timers as due times on <see cref="Environment.TickCount64"/> (milliseconds since boot,
/// which SNTP setting the wall clock does not move): at most one pending per <see cref="AgentTimer"/>,
/// restarted by StartTimer, cleared by CancelTimer. No thread and no Timer object per timer — the
/// loop asks which is due and sleeps until the next one.
/// </summary>
internal sealed class AgentTimers
{
    /// <summary>More slots than the core has timers; a timer beyond them is a shell bug and throws.</summary>
    private const int Slots = 32;

    private readonly long[] _dueAt = new long[Slots];
    private readonly bool[] _armed = new bool[Slots];

    public void Start(AgentTimer timer, TimeSpan delay, long nowMilliseconds)
    {
        int slot = Slot(timer);
        long delayMilliseconds = delay.Ticks <= 0 ? 0 : delay.Ticks / TimeSpan.TicksPerMillisecond;
        _dueAt[slot] = nowMilliseconds + delayMilliseconds;
        _armed[slot] = true;
    }

    public void Cancel(AgentTimer timer) => _armed[Slot(timer)] = false;

    /// <summary>Disarms and returns the earliest timer that is due at <paramref name="nowMilliseconds"/>.</summary>
    public bool TakeDue(long nowMilliseconds, out AgentTimer timer)
    {
        int best = -1;
        for (int i = 0; i < Slots; i++)
        {
            if (_armed[i] && _dueAt[i] <= nowMilliseconds && (best < 0 || _dueAt[i] < _dueAt[best]))
            {
                best = i;
            }
        }

        timer = (AgentTimer)(best < 0 ? 0 : best);
        if (best < 0)
        {
            return false;
        }

        _armed[best] = false;
        return true;
    }

    /// <summary>Milliseconds until the next timer is due (0 if one is due), at most <paramref name="cap"/>.</summary>
    public int MillisecondsUntilNext(long nowMilliseconds, int cap)
    {
        long wait = cap;
        for (int i = 0; i < Slots; i++)
        {
            if (_armed[i] && _dueAt[i] - nowMilliseconds < wait)
            {
                wait = _dueAt[i] - nowMilliseconds;
            }
        }

        return wait <= 0 ? 0 : (int)wait;
    }

    private static int Slot(AgentTimer timer)
    {
        int slot = (int)timer;
        if (slot < 0 || slot >= Slots)
        {
            throw new ArgumentOutOfRangeException(nameof(timer), "The ESP32 host has no slot for timer " + slot.ToString() + ".");
        }

        return slot;
    }
}
