using System;

namespace DeviceFirmware.Core.Json;

/// <summary>
/// The growable byte buffer behind <see cref="JsonWriter"/>, and the byte-level encodings it needs: JSON
/// strings as UTF-8 with escapes (by hand: nanoFramework's mscorlib has no Encoding) and integers as digits.
/// </summary>
internal sealed class Utf8Output
{
    private static readonly byte[] HexDigits = new byte[]
    {
        (byte)'0', (byte)'1', (byte)'2', (byte)'3', (byte)'4', (byte)'5', (byte)'6', (byte)'7',
        (byte)'8', (byte)'9', (byte)'A', (byte)'B', (byte)'C', (byte)'D', (byte)'E', (byte)'F',
    };

    private byte[] _buffer;
    private int _length;

    public Utf8Output(int initialCapacity)
    {
        _buffer = new byte[initialCapacity < 16 ? 16 : initialCapacity];
    }

    public int Length => _length;

    public void Clear() => _length = 0;

    public void CopyTo(byte[] destination, int offset) => Array.Copy(_buffer, 0, destination, offset, _length);

    /// <summary>Throws ArgumentException for a string with a lone UTF-16 surrogate (UTF-8 cannot hold it).</summary>
    public static void RequireWellFormed(string text, string parameterName)
    {
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c < 0xD800 || c > 0xDFFF)
            {
                continue;
            }

            if (c <= 0xDBFF && i + 1 < text.Length && text[i + 1] >= 0xDC00 && text[i + 1] <= 0xDFFF)
            {
                i++;
                continue;
            }

            throw new ArgumentException(string.Concat("lone UTF-16 surrogate at index ", i.ToString(), ": not representable in UTF-8"), parameterName);
        }
    }

    public void Append(byte b)
    {
        Reserve(1);
        _buffer[_length++] = b;
    }

    public void AppendAscii(string text)
    {
        Reserve(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            _buffer[_length++] = (byte)text[i];
        }
    }

    /// <summary>Appends a finite double as <see cref="JsonNumberFormatter"/> writes it.</summary>
    public void AppendNumber(JsonNumberFormatter formatter, double value, bool keepNumberKind)
    {
        Reserve(JsonNumberFormatter.MaximumLength);
        _length += formatter.Format(value, _buffer, _length, keepNumberKind);
    }

    public void AppendInteger(long value)
    {
        Reserve(20);
        if (value < 0)
        {
            _buffer[_length++] = (byte)'-';
        }

        // The magnitude as ulong, so that long.MinValue works.
        ulong magnitude = value < 0 ? unchecked(0UL - (ulong)value) : (ulong)value;
        int digits = 1;
        for (ulong rest = magnitude / 10; rest > 0; rest /= 10)
        {
            digits++;
        }

        for (int i = digits - 1; i >= 0; i--)
        {
            ulong q = magnitude / 10;
            _buffer[_length + i] = (byte)('0' + (int)(magnitude - (q * 10)));
            magnitude = q;
        }

        _length += digits;
    }

    /// <summary>Appends "text" with '"', '\' and U+0000..U+001F escaped, the rest as UTF-8.
    /// The caller has checked <see cref="RequireWellFormed"/>.</summary>
    public void AppendQuoted(string text)
    {
        Append((byte)'"');
        for (int i = 0; i < text.Length; i++)
        {
            int c = text[i];
            Reserve(6);
            if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\')
            {
                _buffer[_length++] = (byte)c;
            }
            else if (c < 0x80)
            {
                AppendEscape(c);
            }
            else if (c < 0x800)
            {
                _buffer[_length++] = (byte)(0xC0 | (c >> 6));
                _buffer[_length++] = (byte)(0x80 | (c & 0x3F));
            }
            else if (c >= 0xD800 && c <= 0xDBFF)
            {
                int codePoint = 0x10000 + ((c - 0xD800) << 10) + (text[i + 1] - 0xDC00);
                i++;
                _buffer[_length++] = (byte)(0xF0 | (codePoint >> 18));
                _buffer[_length++] = (byte)(0x80 | ((codePoint >> 12) & 0x3F));
                _buffer[_length++] = (byte)(0x80 | ((codePoint >> 6) & 0x3F));
                _buffer[_length++] = (byte)(0x80 | (codePoint & 0x3F));
            }
            else
            {
                _buffer[_length++] = (byte)(0xE0 | (c >> 12));
                _buffer[_length++] = (byte)(0x80 | ((c >> 6) & 0x3F));
                _buffer[_length++] = (byte)(0x80 | (c & 0x3F));
            }
        }

        Append((byte)'"');
    }

    private void AppendEscape(int c)
    {
        _buffer[_length++] = (byte)'\\';
        byte shortForm = ShortEscape(c);
        if (shortForm != 0)
        {
            _buffer[_length++] = shortForm;
            return;
        }

        _buffer[_length++] = (byte)'u';
        _buffer[_length++] = (byte)'0';
        _buffer[_length++] = (byte)'0';
        _buffer[_length++] = HexDigits[c >> 4];
        _buffer[_length++] = HexDigits[c & 0xF];
    }

    private static byte ShortEscape(int c)
    {
        switch (c)
        {
            case '"':
                return (byte)'"';
            case '\\':
                return (byte)'\\';
            case '\b':
                return (byte)'b';
            case '\f':
                return (byte)'f';
            case '\n':
                return (byte)'n';
            case '\r':
                return (byte)'r';
            case '\t':
                return (byte)'t';
            default:
                return 0;
        }
    }

    private void Reserve(int more)
    {
        if (_length + more <= _buffer.Length)
        {
            return;
        }

        int size = _buffer.Length * 2;
        while (size < _length + more)
        {
            size *= 2;
        }

        byte[] bigger = new byte[size];
        Array.Copy(_buffer, bigger, _length);
        _buffer = bigger;
    }
}
