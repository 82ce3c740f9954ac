using System;
using System.Collections;

namespace DeviceFirmware.Core.Agent;

/// <summary>What <see cref="BoundedStringSet.Add"/> did.</summary>
public enum SetAddition
{
    Added,
    AlreadyThere,

    /// <summary>The set is full: the string is not remembered.</summary>
    Full,
}

/// <summary>Strings seen before (ordinal), at most a fixed number of them, so a flood of distinct
/// names cannot grow the device's memory. Linear search: it is meant for a few dozen entries.</summary>
public sealed class BoundedStringSet
{
    private readonly ArrayList _items = new ArrayList();
    private readonly int _capacity;

    public BoundedStringSet(int capacity)
    {
        if (capacity < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(capacity));
        }

        _capacity = capacity;
    }

    public int Count => _items.Count;

    public bool Contains(string item)
    {
        for (var i = 0; i < _items.Count; i++)
        {
            if ((string)_items[i]! == item)
            {
                return true;
            }
        }

        return false;
    }

    public SetAddition Add(string item)
    {
        if (Contains(item))
        {
            return SetAddition.AlreadyThere;
        }

        if (_items.Count >= _capacity)
        {
            return SetAddition.Full;
        }

        _items.Add(item);
        return SetAddition.Added;
    }
}
