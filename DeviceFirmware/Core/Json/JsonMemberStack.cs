using System;

namespace DeviceFirmware.Core.Json;

/// <summary>
/// The members and items of the containers the parser has open, on one growable stack (a container's
/// members are the top of it, from the index it started at), so each finished container allocates just its
/// own exact-size arrays. Also finds duplicate member names: linearly in small objects, through a small
/// open-addressing index of name hashes in larger ones, so a 100,000-member object is not quadratic.
/// </summary>
internal sealed class JsonMemberStack
{
    // Objects with more members than this check duplicate names through the hash index.
    private const int LinearDuplicateCheck = 8;

    private JsonValue[] _values = new JsonValue[16];
    private string[] _names = new string[16];
    private int[] _hashes = new int[16];
    private int _count;

    /// <summary>Where the next container's members start.</summary>
    public int Count => _count;

    /// <summary>Pushes an object member (with its name) or an array item (name null). Names and hashes
    /// grow only as far as object members need them, so a long array costs one slot per item.</summary>
    public void Push(string? name, int hash, JsonValue value)
    {
        if (_count == _values.Length)
        {
            JsonValue[] values = new JsonValue[_values.Length * 2];
            Array.Copy(_values, values, _count);
            _values = values;
        }

        if (name != null)
        {
            if (_count >= _names.Length)
            {
                string[] names = new string[_values.Length];
                int[] hashes = new int[_values.Length];
                Array.Copy(_names, names, _names.Length);
                Array.Copy(_hashes, hashes, _hashes.Length);
                _names = names;
                _hashes = hashes;
            }

            _names[_count] = name;
            _hashes[_count] = hash;
        }

        _values[_count] = value;
        _count++;
    }

    /// <summary>Drops everything from <paramref name="first"/> up (a finished or abandoned container).</summary>
    public void PopTo(int first)
    {
        for (int i = first; i < _count; i++)
        {
            _values[i] = null!;
            if (i < _names.Length)
            {
                _names[i] = null!;
            }
        }

        _count = first;
    }

    public string[] Names(int first)
    {
        string[] names = new string[_count - first];
        Array.Copy(_names, first, names, 0, names.Length);
        return names;
    }

    public JsonValue[] Values(int first)
    {
        JsonValue[] values = new JsonValue[_count - first];
        Array.Copy(_values, first, values, 0, values.Length);
        return values;
    }

    /// <summary>
    /// Whether the object whose members start at <paramref name="first"/> already has <paramref name="name"/>.
    /// <paramref name="index"/> is that object's hash index (null until it grows past the linear check);
    /// when this returns false the caller must push the member next.
    /// </summary>
    public bool IsDuplicate(int first, string name, int hash, ref int[]? index)
    {
        int members = _count - first;
        if (members <= LinearDuplicateCheck)
        {
            for (int i = first; i < _count; i++)
            {
                if (_hashes[i] == hash && _names[i] == name)
                {
                    return true;
                }
            }

            return false;
        }

        // Slots hold member positions + 1 (0 is empty); kept at most half full.
        if (index == null || (members * 2) > index.Length)
        {
            index = new int[(index == null ? 32 : index.Length) * 2];
            for (int i = first; i < _count; i++)
            {
                Insert(index, i - first, _hashes[i]);
            }
        }

        int mask = index.Length - 1;
        for (int slot = hash & mask; index[slot] != 0; slot = (slot + 1) & mask)
        {
            int at = first + index[slot] - 1;
            if (_hashes[at] == hash && _names[at] == name)
            {
                return true;
            }
        }

        Insert(index, members, hash);
        return false;
    }

    private static void Insert(int[] index, int member, int hash)
    {
        int mask = index.Length - 1;
        int slot = hash & mask;
        while (index[slot] != 0)
        {
            slot = (slot + 1) & mask;
        }

        index[slot] = member + 1;
    }
}
