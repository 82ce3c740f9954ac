using System;

namespace DeviceFirmware.Core.Json;

/// <summary>
/// Writes one compact UTF-8 JSON document into a growable byte buffer that it owns and reuses
/// (<see cref="Clear"/>). It inserts the commas and colons and throws <see cref="InvalidOperationException"/>
/// on a call that would not make JSON (a value without a name in an object, an unbalanced End..., a second
/// top-level value), so its output always parses.
/// <para>
/// Strings: '"', '\' and the control characters U+0000..U+001F are escaped (\b \f \n \r \t, else \u00XX);
/// everything else, non-ASCII included, is written as UTF-8: RFC 8259 requires UTF-8 anyway, it takes half
/// the bytes of a \u escape or fewer (2-3 bytes against 6 for a BMP character), and AWS IoT stores and
/// shows it as text.
/// Numbers: integers exactly; doubles as the shortest text that reads back to the same bits
/// (<see cref="JsonNumberFormatter"/>).
/// </para>
/// </summary>
public sealed class JsonWriter
{
    private readonly Utf8Output _output;

    // One entry per open container: is it an object, has it a member or item yet.
    private bool[] _isObject = new bool[8];
    private bool[] _hasItems = new bool[8];
    private int _depth;
    private bool _afterName;
    private bool _complete;
    private JsonNumberFormatter? _numbers;

    public JsonWriter()
        : this(256)
    {
    }

    public JsonWriter(int initialCapacity)
    {
        _output = new Utf8Output(initialCapacity);
    }

    /// <summary>Bytes written so far.</summary>
    public int Length => _output.Length;

    /// <summary>One whole value has been written (every Begin... has its End...).</summary>
    public bool IsComplete => _complete;

    /// <summary>A copy of the document; throws when it is not complete.</summary>
    public byte[] ToArray()
    {
        RequireComplete();
        byte[] copy = new byte[_output.Length];
        _output.CopyTo(copy, 0);
        return copy;
    }

    /// <summary>Copies the complete document into <paramref name="destination"/> without allocating.</summary>
    public void CopyTo(byte[] destination, int offset)
    {
        RequireComplete();
        _output.CopyTo(destination, offset);
    }

    /// <summary>Forgets the document and keeps the buffer for the next one.</summary>
    public void Clear()
    {
        _output.Clear();
        _depth = 0;
        _afterName = false;
        _complete = false;
    }

    public void BeginObject() => Begin(true, (byte)'{');

    public void EndObject() => End(true, (byte)'}');

    public void BeginArray() => Begin(false, (byte)'[');

    public void EndArray() => End(false, (byte)']');

    /// <summary>The name of the next object member (escaped like a string).</summary>
    public void Name(string name)
    {
        if (name == null)
        {
            throw new ArgumentNullException(nameof(name));
        }

        if (_depth == 0 || !_isObject[_depth - 1] || _afterName)
        {
            throw new InvalidOperationException("Name() belongs directly inside an object, before each member value");
        }

        Utf8Output.RequireWellFormed(name, nameof(name));
        if (_hasItems[_depth - 1])
        {
            _output.Append((byte)',');
        }

        _hasItems[_depth - 1] = true;
        _output.AppendQuoted(name);
        _output.Append((byte)':');
        _afterName = true;
    }

    /// <summary>A string value; one with a lone UTF-16 surrogate is refused (ArgumentException) and
    /// nothing is written.</summary>
    public void String(string value)
    {
        if (value == null)
        {
            throw new ArgumentNullException(nameof(value));
        }

        Utf8Output.RequireWellFormed(value, nameof(value));
        BeforeValue();
        _output.AppendQuoted(value);
    }

    public void Integer(long value)
    {
        BeforeValue();
        _output.AppendInteger(value);
    }

    /// <summary>A double as the shortest text that reads back to the same bits; NaN and infinities are
    /// refused (ArgumentException) and nothing is written.</summary>
    public void Number(double value)
    {
        if (double.IsNaN(value) || double.IsInfinity(value))
        {
            throw new ArgumentException("JSON has no NaN or infinity", nameof(value));
        }

        BeforeValue();
        _output.AppendNumber(_numbers ?? (_numbers = new JsonNumberFormatter()), value, false);
    }

    public void Boolean(bool value)
    {
        BeforeValue();
        _output.AppendAscii(value ? "true" : "false");
    }

    public void Null()
    {
        BeforeValue();
        _output.AppendAscii("null");
    }

    /// <summary>
    /// Writes a parsed value back out so that it reads back to the same tree: Integers stay integers ("-0"
    /// too), a Number with an integral value is written "2.0" (not "2") so that it stays a Number, strings
    /// and names are escaped as <see cref="String"/> escapes them. A tree holding a non-finite Number (read
    /// from a literal beyond the double range) is refused like <see cref="Number"/>, before anything is written.
    /// </summary>
    public void Raw(JsonValue value)
    {
        if (value == null)
        {
            throw new ArgumentNullException(nameof(value));
        }

        RequireFinite(value);
        WriteTree(value);
    }

    private static void RequireFinite(JsonValue value)
    {
        if (value.Kind == JsonKind.Number && !value.IsFiniteNumber)
        {
            throw new ArgumentException(string.Concat("the number at byte ", value.Offset.ToString(), " is beyond the double range: JSON has no infinity"), nameof(value));
        }

        for (int i = 0; i < value.Count; i++)
        {
            RequireFinite(value.ValueAt(i));
        }
    }

    private void WriteTree(JsonValue value)
    {
        switch (value.Kind)
        {
            case JsonKind.Object:
                BeginObject();
                for (int i = 0; i < value.Count; i++)
                {
                    Name(value.NameAt(i));
                    WriteTree(value.ValueAt(i));
                }

                EndObject();
                break;
            case JsonKind.Array:
                BeginArray();
                for (int i = 0; i < value.Count; i++)
                {
                    WriteTree(value.ValueAt(i));
                }

                EndArray();
                break;
            case JsonKind.String:
                String(value.StringValue);
                break;
            case JsonKind.Integer:
                if (value.IsNegativeZeroInteger)
                {
                    BeforeValue();
                    _output.AppendAscii("-0");
                }
                else
                {
                    Integer(value.IntegerValue);
                }

                break;
            case JsonKind.Number:
                // Integral values get ".0" here ("2.0", not "2"), so that the copy reads back as a Number.
                BeforeValue();
                _output.AppendNumber(_numbers ?? (_numbers = new JsonNumberFormatter()), value.NumberValue, true);
                break;
            case JsonKind.True:
                Boolean(true);
                break;
            case JsonKind.False:
                Boolean(false);
                break;
            default:
                Null();
                break;
        }
    }

    private void Begin(bool isObject, byte open)
    {
        BeforeValue();
        _complete = false;
        if (_depth == _isObject.Length)
        {
            bool[] objects = new bool[_depth * 2];
            bool[] items = new bool[_depth * 2];
            Array.Copy(_isObject, objects, _depth);
            Array.Copy(_hasItems, items, _depth);
            _isObject = objects;
            _hasItems = items;
        }

        _isObject[_depth] = isObject;
        _hasItems[_depth] = false;
        _depth++;
        _output.Append(open);
    }

    private void End(bool isObject, byte close)
    {
        if (_depth == 0 || _isObject[_depth - 1] != isObject || _afterName)
        {
            throw new InvalidOperationException(isObject
                ? "EndObject() without an open object, or after a Name() without its value"
                : "EndArray() without an open array");
        }

        _depth--;
        _output.Append(close);
        _complete = _depth == 0;
    }

    private void BeforeValue()
    {
        if (_depth == 0)
        {
            if (_complete || _output.Length > 0)
            {
                throw new InvalidOperationException("a JSON document has one top-level value: Clear() first");
            }

            _complete = true;
            return;
        }

        if (_isObject[_depth - 1])
        {
            if (!_afterName)
            {
                throw new InvalidOperationException("a value inside an object needs its Name() first");
            }

            _afterName = false;
            return;
        }

        if (_hasItems[_depth - 1])
        {
            _output.Append((byte)',');
        }

        _hasItems[_depth - 1] = true;
    }

    private void RequireComplete()
    {
        if (!_complete)
        {
            throw new InvalidOperationException("the JSON document is not complete");
        }
    }
}
