using System;

namespace DeviceFirmware.Core.Agent;

/// <summary>
/// The actions of one <see cref="DeviceAgent.Handle"/> call, in order. The caller owns it and
/// reuses it (<see cref="Clear"/>), so handling an event allocates no list. Not generic: the
/// nanoFramework runtime runs no generic code.
/// </summary>
public sealed class ActionList
{
    private AgentAction[] _items;

    public ActionList()
        : this(16)
    {
    }

    public ActionList(int capacity) => _items = new AgentAction[capacity < 1 ? 1 : capacity];

    public int Count { get; private set; }

    public AgentAction this[int index]
    {
        get
        {
            if (index < 0 || index >= Count)
            {
                throw new ArgumentOutOfRangeException(nameof(index));
            }

            return _items[index];
        }
    }

    public void Add(AgentAction action)
    {
        if (action == null)
        {
            throw new ArgumentNullException(nameof(action));
        }

        if (Count == _items.Length)
        {
            var larger = new AgentAction[_items.Length * 2];
            Array.Copy(_items, larger, Count);
            _items = larger;
        }

        _items[Count++] = action;
    }

    /// <summary>Empties the list; the storage is kept for the next call.</summary>
    public void Clear()
    {
        Array.Clear(_items, 0, Count);
        Count = 0;
    }
}
