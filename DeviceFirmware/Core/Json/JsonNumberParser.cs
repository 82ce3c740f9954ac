namespace DeviceFirmware.Core.Json;

/// <summary>
/// Reads one JSON number and converts its text to the nearest double, bit for bit what .NET's double.Parse
/// returns: out of range gives an infinity, below the smallest subnormal gives (signed) zero. Hand-written
/// with integer arithmetic and exact double operations: nanoFramework's only double.Parse(string) goes to
/// a native conversion with no rounding guarantee, and .NET's double.Parse(string) follows the current
/// culture; this gives the same bits on both (JsonNumberDifferentialTests checks against .NET).
/// </summary>
internal sealed class JsonNumberParser
{
    // Powers of ten that a double holds exactly: 10^22 = 5^22 * 2^22 and 5^22 < 2^53.
    private static readonly double[] ExactPowersOfTen = new double[]
    {
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    };

    // An exponent this large already means infinity or zero; clamping keeps the arithmetic in an int.
    private const int ExponentClamp = 100000000;

    private readonly JsonParser _parser;
    private DecimalDigits? _digits;

    public JsonNumberParser(JsonParser parser)
    {
        _parser = parser;
    }

    /// <summary>
    /// Reads the number at the parser's position (a '-' or a digit) against RFC 8259's grammar:
    /// '-'? ('0' | [1-9][0-9]*) ('.' [0-9]+)? ([eE] [+-]? [0-9]+)?. An integer literal that fits in a long
    /// is an Integer, anything else a Number. Returns null after recording an error.
    /// </summary>
    public JsonValue? Read(byte[] bytes, int end)
    {
        JsonParser parser = _parser;
        int start = parser.Position;
        int p = start;
        bool negative = bytes[p] == (byte)'-';
        if (negative)
        {
            p++;
            if (p >= end)
            {
                return parser.FailEnd("the document ends inside a number");
            }

            if (!IsDigit(bytes[p]))
            {
                return parser.FailAt(JsonError.InvalidNumber, p, string.Concat("a '-' must be followed by a digit, not ", JsonParser.Describe(bytes[p])));
            }
        }

        if (bytes[p] == (byte)'0')
        {
            p++;
            if (p < end && IsDigit(bytes[p]))
            {
                return parser.FailAt(JsonError.InvalidNumber, p - 1, "a number must not start with a leading zero");
            }
        }
        else
        {
            while (p < end && IsDigit(bytes[p]))
            {
                p++;
            }
        }

        bool integral = true;
        if (p < end && bytes[p] == (byte)'.')
        {
            integral = false;
            p++;
            if (p >= end)
            {
                return parser.FailEnd("the document ends inside a number");
            }

            if (!IsDigit(bytes[p]))
            {
                return parser.FailAt(JsonError.InvalidNumber, p, string.Concat("a '.' in a number must be followed by a digit, not ", JsonParser.Describe(bytes[p])));
            }

            while (p < end && IsDigit(bytes[p]))
            {
                p++;
            }
        }

        if (p < end && (bytes[p] == (byte)'e' || bytes[p] == (byte)'E'))
        {
            integral = false;
            p++;
            if (p < end && (bytes[p] == (byte)'+' || bytes[p] == (byte)'-'))
            {
                p++;
            }

            if (p >= end)
            {
                return parser.FailEnd("the document ends inside a number");
            }

            if (!IsDigit(bytes[p]))
            {
                return parser.FailAt(JsonError.InvalidNumber, p, string.Concat("an exponent must have a digit, not ", JsonParser.Describe(bytes[p])));
            }

            while (p < end && IsDigit(bytes[p]))
            {
                p++;
            }
        }

        parser.Position = p;
        long integer;
        if (integral && TryInteger(bytes, start, p, negative, out integer))
        {
            return JsonValue.NewInteger(parser.Relative(start), integer, negative && integer == 0 ? -0.0 : (double)integer);
        }

        return JsonValue.NewNumber(parser.Relative(start), Parse(bytes, start, p));
    }

    private static bool TryInteger(byte[] bytes, int start, int end, bool negative, out long value)
    {
        value = 0;
        int first = negative ? start + 1 : start;
        if (end - first > 19)
        {
            return false; // 19 digits never overflow a ulong
        }

        ulong magnitude = 0;
        for (int i = first; i < end; i++)
        {
            magnitude = (magnitude * 10) + (ulong)(bytes[i] - '0');
        }

        if (negative)
        {
            if (magnitude > 9223372036854775808UL)
            {
                return false;
            }

            value = unchecked((long)(0UL - magnitude));
            return true;
        }

        if (magnitude > long.MaxValue)
        {
            return false;
        }

        value = (long)magnitude;
        return true;
    }


    /// <summary>
    /// Converts <paramref name="bytes"/>[start, end), a number whose grammar <see cref="Read"/> checked.
    /// </summary>
    private double Parse(byte[] bytes, int start, int end)
    {
        DecimalDigits d = _digits ?? (_digits = new DecimalDigits());
        d.Clear();
        int i = start;
        bool negative = bytes[i] == (byte)'-';
        if (negative)
        {
            i++;
        }

        // Significant digits, skipping leading zeros; DecimalPoint counts the integer digits kept.
        for (; i < end && IsDigit(bytes[i]); i++)
        {
            int digit = bytes[i] - '0';
            if (d.Count == 0 && digit == 0)
            {
                continue;
            }

            d.Append(digit);
            d.DecimalPoint++;
        }

        if (i < end && bytes[i] == (byte)'.')
        {
            for (i++; i < end && IsDigit(bytes[i]); i++)
            {
                int digit = bytes[i] - '0';
                if (d.Count == 0 && digit == 0)
                {
                    d.DecimalPoint--;
                    continue;
                }

                d.Append(digit);
            }
        }

        int exponent = 0;
        if (i < end)
        {
            // [eE]
            i++;
            bool negativeExponent = false;
            if (bytes[i] == (byte)'+' || bytes[i] == (byte)'-')
            {
                negativeExponent = bytes[i] == (byte)'-';
                i++;
            }

            for (; i < end; i++)
            {
                if (exponent < ExponentClamp)
                {
                    exponent = (exponent * 10) + (bytes[i] - '0');
                }
            }

            if (negativeExponent)
            {
                exponent = -exponent;
            }
        }

        if (d.Count == 0)
        {
            return negative ? -0.0 : 0.0;
        }

        // Trailing zeros say nothing once DecimalPoint is set.
        while (d.Count > 0 && d.Digits[d.Count - 1] == 0)
        {
            d.Count--;
        }

        d.DecimalPoint += exponent;

        double fast;
        if (TryExact(d, out fast))
        {
            return negative ? -fast : fast;
        }

        return d.ToDouble(negative);
    }

    /// <summary>
    /// Clinger's fast path: at most 15 digits (exact in a double) times or divided by an exact power of
    /// ten is one correctly rounded IEEE operation.
    /// </summary>
    private static bool TryExact(DecimalDigits d, out double value)
    {
        value = 0;
        if (d.Truncated || d.Count > 15)
        {
            return false;
        }

        long mantissa = 0;
        for (int i = 0; i < d.Count; i++)
        {
            mantissa = (mantissa * 10) + d.Digits[i];
        }

        int power = d.DecimalPoint - d.Count; // value = mantissa * 10^power
        if (power >= 0 && power <= 22)
        {
            value = mantissa * ExactPowersOfTen[power];
            return true;
        }

        if (power < 0 && power >= -22)
        {
            value = mantissa / ExactPowersOfTen[-power];
            return true;
        }

        // 123e30: move some of the power into the mantissa while it stays below 10^15 (still exact).
        if (power > 22 && power <= 22 + 15 - d.Count)
        {
            for (int k = 22; k < power; k++)
            {
                mantissa *= 10;
            }

            value = mantissa * ExactPowersOfTen[22];
            return true;
        }

        return false;
    }

    private static bool IsDigit(byte b) => b >= (byte)'0' && b <= (byte)'9';
}
