using System;
using System.Collections;

namespace DeviceFirmware.Core.Shadow;

/// <summary>
/// Reasons by desired key, in insertion order (the order they are written into the shadow); a null
/// reason deletes a key's entry in <c>reported.errors</c>. A small non-generic map: the agent holds
/// at most a handful of entries, so a linear search is the right size.
/// </summary>
public sealed class ReportedErrors
{
    private readonly ArrayList _keys = new ArrayList();
    private readonly ArrayList _values = new ArrayList();

    public int Count => _keys.Count;

    public string KeyAt(int index) => (string)_keys[index]!;

    /// <summary>The reason, or null to delete the entry.</summary>
    public string? ValueAt(int index) => (string?)_values[index];

    public bool Contains(string key) => IndexOf(key) >= 0;

    /// <returns>The reason stored for <paramref name="key"/>, or null when there is none.</returns>
    public string? Get(string key)
    {
        var index = IndexOf(key);
        return index < 0 ? null : ValueAt(index);
    }

    public void Set(string key, string? reason)
    {
        if (key == null)
        {
            throw new ArgumentNullException(nameof(key));
        }

        var index = IndexOf(key);
        if (index < 0)
        {
            _keys.Add(key);
            _values.Add(reason);
        }
        else
        {
            _values[index] = reason;
        }
    }

    /// <returns>True when the key was there.</returns>
    public bool Remove(string key)
    {
        var index = IndexOf(key);
        if (index < 0)
        {
            return false;
        }

        _keys.RemoveAt(index);
        _values.RemoveAt(index);
        return true;
    }

    private int IndexOf(string key)
    {
        for (var i = 0; i < _keys.Count; i++)
        {
            if ((string)_keys[i]! == key)
            {
                return i;
            }
        }

        return -1;
    }
}
