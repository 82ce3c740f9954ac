using System;

namespace DeviceFirmware.Core.Json;

/// <summary>
/// Writes a finite double as the shortest decimal text that reads back to the same bits, laid out as .NET's
/// double.ToString("R") lays it out ("0.1", "1E+17", "1.2E-05", "5E-324", "-0"), which is valid JSON.
/// Hand-written because nanoFramework's double.ToString knows no "R": its "G" keeps 15 digits (not
/// round-trip) and its exponents have three digits ("1.234568E+004"); .NET's text depends on culture.
/// Shortest digits are found on exact decimal expansions of the value and of the two half-way points to
/// its neighbours (Steele and White's method with exact arithmetic, as in Go's strconv).
/// One instance is reused by its owner.
/// </summary>
internal sealed class JsonNumberFormatter
{
    /// <summary>Longest text this writes: "-1.2345678901234567E-308" is 24 bytes.</summary>
    public const int MaximumLength = 32;

    private readonly DecimalDigits _value = new DecimalDigits();
    private readonly DecimalDigits _upper = new DecimalDigits();
    private readonly DecimalDigits _lower = new DecimalDigits();

    /// <summary>Writes <paramref name="value"/> into <paramref name="destination"/> at
    /// <paramref name="offset"/> (room for <see cref="MaximumLength"/> bytes); returns the length.
    /// With <paramref name="keepNumberKind"/>, text that would read back as an integer literal ("-0", "2")
    /// gets ".0", so that a <see cref="JsonKind.Number"/> stays a Number.</summary>
    public int Format(double value, byte[] destination, int offset, bool keepNumberKind)
    {
        int length = FormatShortest(value, destination, offset);
        if (keepNumberKind)
        {
            for (int i = offset; i < offset + length; i++)
            {
                if (destination[i] == (byte)'.' || destination[i] == (byte)'E')
                {
                    return length;
                }
            }

            destination[offset + length] = (byte)'.';
            destination[offset + length + 1] = (byte)'0';
            length += 2;
        }

        return length;
    }

    private int FormatShortest(double value, byte[] destination, int offset)
    {
        if (double.IsNaN(value) || double.IsInfinity(value))
        {
            throw new ArgumentException("JSON has no NaN or infinity", nameof(value));
        }

        long bits = BitConverter.DoubleToInt64Bits(value);
        int p = offset;
        if (bits < 0)
        {
            destination[p++] = (byte)'-';
        }

        int biasedExponent = (int)((bits >> 52) & 0x7FF);
        ulong mantissa = (ulong)bits & 0xFFFFFFFFFFFFFUL;
        if (biasedExponent == 0)
        {
            biasedExponent = 1; // subnormal
        }
        else
        {
            mantissa |= 1UL << 52;
        }

        if (mantissa == 0)
        {
            destination[p++] = (byte)'0';
            return p - offset;
        }

        int exponent = biasedExponent - 1023; // value = mantissa * 2^(exponent - 52)
        _value.Assign(mantissa);
        _value.Shift(exponent - 52);
        RoundShortest(mantissa, exponent);
        return p - offset + Layout(_value, destination, p);
    }

    private void RoundShortest(ulong mantissa, int exponent)
    {
        const int MinimumExponent = -1022;
        DecimalDigits d = _value;

        // Already shortest when the next shorter decimal (10^(dp-nd) away) is farther than the half-way
        // points (at most 2^(exponent-52) away): 3.32 < log2(10).
        if (exponent > MinimumExponent && 332L * (d.DecimalPoint - d.Count) >= 100L * (exponent - 52))
        {
            return;
        }

        // Half-way to the next double up: (2m+1) * 2^(e-53).
        _upper.Assign((mantissa * 2) + 1);
        _upper.Shift(exponent - 52 - 1);

        // Half-way to the next double down; at a power of two (not subnormal) the gap below is half as wide.
        ulong mantissaBelow;
        int exponentBelow;
        if (mantissa > (1UL << 52) || exponent == MinimumExponent)
        {
            mantissaBelow = mantissa - 1;
            exponentBelow = exponent;
        }
        else
        {
            mantissaBelow = (mantissa * 2) - 1;
            exponentBelow = exponent - 1;
        }

        _lower.Assign((mantissaBelow * 2) + 1);
        _lower.Shift(exponentBelow - 52 - 1);

        // Round-to-even reading: an even mantissa owns its half-way points.
        bool inclusive = (mantissa % 2) == 0;

        // 0: d and upper agree so far; 1: they differ by one, then only 9s in d and 0s in upper; 2: more.
        int upperDelta = 0;
        for (int ui = 0; ; ui++)
        {
            int mi = ui - _upper.DecimalPoint + d.DecimalPoint;
            if (mi >= d.Count)
            {
                break;
            }

            int li = ui - _upper.DecimalPoint + _lower.DecimalPoint;
            int l = li >= 0 && li < _lower.Count ? _lower.Digits[li] : 0;
            int m = mi >= 0 ? d.Digits[mi] : 0;
            int u = ui < _upper.Count ? _upper.Digits[ui] : 0;

            // Truncating here stays above the lower bound when lower differs already, or when it ends
            // exactly here and is inclusive.
            bool okDown = l != m || (inclusive && li + 1 == _lower.Count);

            if (upperDelta == 0 && m + 1 < u)
            {
                upperDelta = 2;
            }
            else if (upperDelta == 0 && m != u)
            {
                upperDelta = 1;
            }
            else if (upperDelta == 1 && (m != 9 || u != 0))
            {
                upperDelta = 2;
            }

            // Rounding up here stays below the upper bound.
            bool okUp = upperDelta > 0 && (inclusive || upperDelta > 1 || ui + 1 < _upper.Count);

            if (okDown && okUp)
            {
                d.Round(mi + 1);
                return;
            }

            if (okDown)
            {
                d.RoundDown(mi + 1);
                return;
            }

            if (okUp)
            {
                d.RoundUp(mi + 1);
                return;
            }
        }
    }

    /// <summary>.NET's "R" layout: plain notation while the decimal point is within 17 places left of the
    /// end or 3 zeros right of the point ("0.0001"), else d.dddE+XX with at least two exponent digits.</summary>
    private static int Layout(DecimalDigits d, byte[] destination, int offset)
    {
        int p = offset;
        int point = d.DecimalPoint;
        if (point > 17 || point < -3)
        {
            destination[p++] = (byte)('0' + d.Digits[0]);
            if (d.Count > 1)
            {
                destination[p++] = (byte)'.';
                for (int i = 1; i < d.Count; i++)
                {
                    destination[p++] = (byte)('0' + d.Digits[i]);
                }
            }

            int exponent = point - 1;
            destination[p++] = (byte)'E';
            destination[p++] = exponent < 0 ? (byte)'-' : (byte)'+';
            if (exponent < 0)
            {
                exponent = -exponent;
            }

            if (exponent >= 100)
            {
                destination[p++] = (byte)('0' + (exponent / 100));
            }

            destination[p++] = (byte)('0' + ((exponent / 10) % 10));
            destination[p++] = (byte)('0' + (exponent % 10));
            return p - offset;
        }

        if (point <= 0)
        {
            destination[p++] = (byte)'0';
            destination[p++] = (byte)'.';
            for (int i = point; i < 0; i++)
            {
                destination[p++] = (byte)'0';
            }

            for (int i = 0; i < d.Count; i++)
            {
                destination[p++] = (byte)('0' + d.Digits[i]);
            }

            return p - offset;
        }

        for (int i = 0; i < point; i++)
        {
            destination[p++] = i < d.Count ? (byte)('0' + d.Digits[i]) : (byte)'0';
        }

        if (point < d.Count)
        {
            destination[p++] = (byte)'.';
            for (int i = point; i < d.Count; i++)
            {
                destination[p++] = (byte)('0' + d.Digits[i]);
            }
        }

        return p - offset;
    }
}
