using System;
using DeviceFirmware.Core.Json;

namespace DeviceFirmware.Core.Shadow;

/// <summary>One desired key and its value, read from a delta or a fetched document (the decoder keeps
/// what the parts need: the kind, a string or integer, and a safe description; never the bytes).
/// A top-level object also keeps its members one level deep (<see cref="Members"/>), for a setting
/// that is an object such as <c>s3</c>.</summary>
public sealed class DesiredValue
{
    public DesiredValue(string name, JsonKind kind, string? text, long integer, string description)
        : this(name, kind, text, integer, description, null)
    {
    }

    public DesiredValue(string name, JsonKind kind, string? text, long integer, string description, DesiredValues? members)
    {
        Name = name ?? throw new ArgumentNullException(nameof(name));
        Kind = kind;
        Text = text;
        Integer = integer;
        Description = description ?? "";
        Members = members;
    }

    public string Name { get; }

    public JsonKind Kind { get; }

    /// <summary>The string, when <see cref="Kind"/> is <see cref="JsonKind.String"/>; else null.</summary>
    public string? Text { get; }

    /// <summary>The value when <see cref="Kind"/> is <see cref="JsonKind.Integer"/>; else 0.</summary>
    public long Integer { get; }

    /// <summary>A short, safe description for logs and reported errors, e.g. <c>"on" (string)</c>, <c>1.5 (number)</c>.</summary>
    public string Description { get; }

    /// <summary>The members of a top-level desired object, in document order (their own object
    /// members are not kept); null for any other kind or level.</summary>
    public DesiredValues? Members { get; }

    public bool IsText(string value) => Kind == JsonKind.String && Text == value;
}

/// <summary>The desired keys of one message, in document order (the reader refuses duplicate keys).</summary>
public sealed class DesiredValues
{
    /// <summary>No desired key at all.</summary>
    public static readonly DesiredValues None = new DesiredValues(new DesiredValue[0]);

    private readonly DesiredValue[] _values;

    public DesiredValues(DesiredValue[] values) => _values = values ?? throw new ArgumentNullException(nameof(values));

    public int Count => _values.Length;

    public DesiredValue this[int index] => _values[index];

    public bool Contains(string name) => Find(name) != null;

    /// <summary>The value called <paramref name="name"/>, or null.</summary>
    public DesiredValue? Find(string name)
    {
        for (var i = 0; i < _values.Length; i++)
        {
            if (_values[i].Name == name)
            {
                return _values[i];
            }
        }

        return null;
    }
}
