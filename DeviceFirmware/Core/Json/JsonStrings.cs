namespace DeviceFirmware.Core.Json;

/// <summary>
/// Decodes JSON strings from UTF-8 to UTF-16 by hand (nanoFramework's mscorlib has no Encoding). The whole
/// document is validated as UTF-8 before parsing starts, so multi-byte sequences here are well-formed.
/// One reusable char buffer per document; each string costs one allocation, its own.
/// </summary>
internal sealed class JsonStrings
{
    private readonly JsonParser _parser;
    private readonly byte[] _bytes;
    private readonly int _end;
    private char[] _chars = new char[64];

    public JsonStrings(JsonParser parser, byte[] bytes, int end)
    {
        _parser = parser;
        _bytes = bytes;
        _end = end;
    }

    /// <summary>
    /// Reads the string whose opening quote is at the parser's position and moves past its closing quote.
    /// Returns null after recording an error. <paramref name="hash"/> is FNV-1a over the UTF-16 units.
    /// </summary>
    public string? Read(out int hash)
    {
        int open = _parser.Position;
        int p = open + 1;
        int n = 0;
        uint h = 2166136261;
        hash = 0;
        ReserveFor(open);
        while (true)
        {
            if (p >= _end)
            {
                NotClosed(open);
                return null;
            }

            int b = _bytes[p];
            int codePoint;
            if (b == '"')
            {
                p++;
                break;
            }

            if (b == '\\')
            {
                codePoint = ReadEscape(open, ref p);
                if (codePoint < 0)
                {
                    return null;
                }
            }
            else if (b < 0x20)
            {
                _parser.FailAt(JsonError.Syntax, p, string.Concat("control character U+00", b.ToString("X2"), " must be escaped in a string"));
                return null;
            }
            else if (b < 0x80)
            {
                codePoint = b;
                p++;
            }
            else if (b < 0xE0)
            {
                codePoint = ((b & 0x1F) << 6) | (_bytes[p + 1] & 0x3F);
                p += 2;
            }
            else if (b < 0xF0)
            {
                codePoint = ((b & 0x0F) << 12) | ((_bytes[p + 1] & 0x3F) << 6) | (_bytes[p + 2] & 0x3F);
                p += 3;
            }
            else
            {
                codePoint = ((b & 0x07) << 18) | ((_bytes[p + 1] & 0x3F) << 12) | ((_bytes[p + 2] & 0x3F) << 6) | (_bytes[p + 3] & 0x3F);
                p += 4;
            }

            if (codePoint >= 0x10000)
            {
                int v = codePoint - 0x10000;
                char high = (char)(0xD800 + (v >> 10));
                char low = (char)(0xDC00 + (v & 0x3FF));
                _chars[n++] = high;
                _chars[n++] = low;
                h = (h ^ high) * 16777619;
                h = (h ^ low) * 16777619;
            }
            else
            {
                _chars[n++] = (char)codePoint;
                h = (h ^ (uint)codePoint) * 16777619;
            }
        }

        _parser.Position = p;
        hash = (int)h;
        return n == 0 ? string.Empty : new string(_chars, 0, n);
    }

    /// <summary>
    /// Makes the buffer hold the string that opens at <paramref name="open"/>: it has at most as many UTF-16
    /// units as bytes (a 4-byte sequence or a 12-byte escape pair gives two units), so one pass to its end
    /// sizes the buffer once instead of doubling it while decoding.
    /// </summary>
    private void ReserveFor(int open)
    {
        int p = open + 1;
        while (p < _end && _bytes[p] != (byte)'"')
        {
            p += _bytes[p] == (byte)'\\' ? 2 : 1;
        }

        int most = p - open;
        if (most > _chars.Length)
        {
            _chars = new char[most];
        }
    }

    /// <summary>Decodes the escape at <paramref name="p"/> (a backslash) to a code point and moves past it;
    /// -1 after recording an error.</summary>
    private int ReadEscape(int open, ref int p)
    {
        if (p + 1 >= _end)
        {
            NotClosed(open);
            return -1;
        }

        int e = _bytes[p + 1];
        int simple = Simple(e);
        if (simple >= 0)
        {
            p += 2;
            return simple;
        }

        if (e != 'u')
        {
            _parser.FailAt(JsonError.InvalidEscape, p, string.Concat("invalid escape '\\", Printable(e), "' in a string"));
            return -1;
        }

        int unit = ReadHex4(open, p);
        if (unit < 0)
        {
            return -1;
        }

        if (unit >= 0xDC00 && unit <= 0xDFFF)
        {
            LoneSurrogate(p, unit);
            return -1;
        }

        if (unit < 0xD800 || unit > 0xDBFF)
        {
            p += 6;
            return unit;
        }

        // A high surrogate: only a \u escape of a low surrogate may follow.
        int second = p + 6;
        if (second >= _end || (_bytes[second] == (byte)'\\' && second + 1 >= _end))
        {
            NotClosed(open);
            return -1;
        }

        if (_bytes[second] != (byte)'\\' || _bytes[second + 1] != (byte)'u')
        {
            LoneSurrogate(p, unit);
            return -1;
        }

        int low = ReadHex4(open, second);
        if (low < 0)
        {
            return -1;
        }

        if (low < 0xDC00 || low > 0xDFFF)
        {
            LoneSurrogate(p, unit);
            return -1;
        }

        p += 12;
        return 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
    }

    /// <summary>The four hex digits after the "\u" at <paramref name="escape"/>, or -1 after an error.</summary>
    private int ReadHex4(int open, int escape)
    {
        int value = 0;
        for (int k = 0; k < 4; k++)
        {
            int at = escape + 2 + k;
            if (at >= _end)
            {
                NotClosed(open);
                return -1;
            }

            int digit = HexDigit(_bytes[at]);
            if (digit < 0)
            {
                _parser.FailAt(JsonError.InvalidEscape, escape, string.Concat("invalid \\u escape (", JsonParser.Describe(_bytes[at]), " is not a hex digit) in a string"));
                return -1;
            }

            value = (value << 4) | digit;
        }

        return value;
    }

    private void LoneSurrogate(int escape, int unit) =>
        _parser.FailAt(JsonError.LoneSurrogate, escape, string.Concat("\\u", unit.ToString("X4"), " is half of a UTF-16 surrogate pair without its other half"));

    private void NotClosed(int open) =>
        _parser.FailEnd(string.Concat("the string that starts at byte ", _parser.Relative(open).ToString(), " is not closed"));

    private static int Simple(int e)
    {
        switch (e)
        {
            case '"':
            case '\\':
            case '/':
                return e;
            case 'b':
                return '\b';
            case 'f':
                return '\f';
            case 'n':
                return '\n';
            case 'r':
                return '\r';
            case 't':
                return '\t';
            default:
                return -1;
        }
    }

    private static int HexDigit(int b)
    {
        if (b >= '0' && b <= '9')
        {
            return b - '0';
        }

        if (b >= 'a' && b <= 'f')
        {
            return b - 'a' + 10;
        }

        if (b >= 'A' && b <= 'F')
        {
            return b - 'A' + 10;
        }

        return -1;
    }

    private static string Printable(int b) =>
        b > 0x20 && b < 0x7F ? ((char)b).ToString() : string.Concat("0x", b.ToString("X2"));
}
