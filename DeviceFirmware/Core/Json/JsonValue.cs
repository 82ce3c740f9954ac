using System;

namespace DeviceFirmware.Core.Json;

/// <summary>
/// One parsed JSON value: a small read-only tree. Object members keep document order; the reader refuses
/// duplicate names, so <see cref="Find"/> is unambiguous. Accessors of another kind's content throw
/// <see cref="InvalidOperationException"/>: check <see cref="Kind"/> or use the Find.../TryGet... helpers.
/// </summary>
public sealed class JsonValue
{
    private static readonly JsonValue[] NoValues = new JsonValue[0];
    private static readonly string[] NoNames = new string[0];

    private readonly string? _string;
    private readonly long _integer;
    private readonly double _number;
    private readonly string[] _names;
    private readonly JsonValue[] _values;

    private JsonValue(JsonKind kind, int offset, string? text, long integer, double number, string[] names, JsonValue[] values)
    {
        Kind = kind;
        Offset = offset;
        _string = text;
        _integer = integer;
        _number = number;
        _names = names;
        _values = values;
    }

    public JsonKind Kind { get; }

    /// <summary>Offset of the value's first byte from the start of the document.</summary>
    public int Offset { get; }

    /// <summary>The decoded text of a <see cref="JsonKind.String"/>.</summary>
    public string StringValue
    {
        get
        {
            if (Kind != JsonKind.String)
            {
                throw WrongKind("a string");
            }

            return _string!;
        }
    }

    /// <summary>The value of a <see cref="JsonKind.Integer"/>.</summary>
    public long IntegerValue
    {
        get
        {
            if (Kind != JsonKind.Integer)
            {
                throw WrongKind("an integer");
            }

            return _integer;
        }
    }

    /// <summary>The value of a <see cref="JsonKind.Number"/> or <see cref="JsonKind.Integer"/> as a double,
    /// rounded as .NET's double parsing rounds it. A literal beyond the double range ("1e400") reads as
    /// an infinity, as System.Text.Json's TryGetDouble reads it; "-0" keeps its sign here.</summary>
    public double NumberValue
    {
        get
        {
            if (!IsNumber)
            {
                throw WrongKind("a number");
            }

            return _number;
        }
    }

    /// <summary>True for <see cref="JsonKind.True"/>, false for <see cref="JsonKind.False"/>.</summary>
    public bool BooleanValue
    {
        get
        {
            if (Kind != JsonKind.True && Kind != JsonKind.False)
            {
                throw WrongKind("a boolean");
            }

            return Kind == JsonKind.True;
        }
    }

    public bool IsNumber => Kind == JsonKind.Integer || Kind == JsonKind.Number;

    /// <summary>A number that is neither infinite (an out-of-range literal) nor NaN (never parsed).</summary>
    public bool IsFiniteNumber => IsNumber && !double.IsInfinity(_number) && !double.IsNaN(_number);

    public bool IsNull => Kind == JsonKind.Null;

    /// <summary>Members of an object or items of an array; 0 for any other kind.</summary>
    public int Count => _values.Length;

    /// <summary>The name of the object member at <paramref name="index"/> (document order).</summary>
    public string NameAt(int index)
    {
        if (Kind != JsonKind.Object)
        {
            throw WrongKind("an object");
        }

        CheckIndex(index);
        return _names[index];
    }

    /// <summary>The object member value or array item at <paramref name="index"/> (document order).</summary>
    public JsonValue ValueAt(int index)
    {
        if (Kind != JsonKind.Object && Kind != JsonKind.Array)
        {
            throw WrongKind("an object or an array");
        }

        CheckIndex(index);
        return _values[index];
    }

    /// <summary>The member called <paramref name="name"/> (exact, ordinal), or null when this is not an
    /// object or has no such member.</summary>
    public JsonValue? Find(string name)
    {
        for (int i = 0; i < _names.Length; i++)
        {
            if (_names[i] == name)
            {
                return _values[i];
            }
        }

        return null;
    }

    /// <summary>The member called <paramref name="name"/> when it is an object, else null.</summary>
    public JsonValue? FindObject(string name) => FindOfKind(name, JsonKind.Object);

    /// <summary>The member called <paramref name="name"/> when it is an array, else null.</summary>
    public JsonValue? FindArray(string name) => FindOfKind(name, JsonKind.Array);

    /// <summary>The text of the member called <paramref name="name"/> when it is a string, else null.</summary>
    public string? FindString(string name)
    {
        JsonValue? found = FindOfKind(name, JsonKind.String);
        return found == null ? null : found._string;
    }

    /// <summary>The member called <paramref name="name"/> when it is an integer literal.</summary>
    public bool TryGetInteger(string name, out long value)
    {
        JsonValue? found = FindOfKind(name, JsonKind.Integer);
        value = found == null ? 0 : found._integer;
        return found != null;
    }

    /// <summary>The member called <paramref name="name"/> when it is a number (integer or not).</summary>
    public bool TryGetNumber(string name, out double value)
    {
        JsonValue? found = Find(name);
        bool ok = found != null && found.IsNumber;
        value = ok ? found!._number : 0;
        return ok;
    }

    /// <summary>The member called <paramref name="name"/> when it is true or false.</summary>
    public bool TryGetBoolean(string name, out bool value)
    {
        JsonValue? found = Find(name);
        bool ok = found != null && (found.Kind == JsonKind.True || found.Kind == JsonKind.False);
        value = ok && found!.Kind == JsonKind.True;
        return ok;
    }

    internal static JsonValue NewString(int offset, string text) =>
        new JsonValue(JsonKind.String, offset, text, 0, 0, NoNames, NoValues);

    internal static JsonValue NewInteger(int offset, long value, double asDouble) =>
        new JsonValue(JsonKind.Integer, offset, null, value, asDouble, NoNames, NoValues);

    internal static JsonValue NewNumber(int offset, double value) =>
        new JsonValue(JsonKind.Number, offset, null, 0, value, NoNames, NoValues);

    internal static JsonValue NewLiteral(int offset, JsonKind kind) =>
        new JsonValue(kind, offset, null, 0, 0, NoNames, NoValues);

    internal static JsonValue NewObject(int offset, string[] names, JsonValue[] values) =>
        new JsonValue(JsonKind.Object, offset, null, 0, 0, names, values);

    internal static JsonValue NewArray(int offset, JsonValue[] items) =>
        new JsonValue(JsonKind.Array, offset, null, 0, 0, NoNames, items);

    /// <summary>An Integer read from "-0": IntegerValue 0, NumberValue -0.0 (the writer keeps the sign).</summary>
    internal bool IsNegativeZeroInteger => Kind == JsonKind.Integer && _integer == 0 && BitConverter.DoubleToInt64Bits(_number) < 0;

    private JsonValue? FindOfKind(string name, JsonKind kind)
    {
        JsonValue? found = Find(name);
        return found != null && found.Kind == kind ? found : null;
    }

    private void CheckIndex(int index)
    {
        if (index < 0 || index >= _values.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(index));
        }
    }

    private InvalidOperationException WrongKind(string wanted) =>
        new InvalidOperationException(string.Concat("the JSON value at byte ", Offset.ToString(), " is not ", wanted));
}
