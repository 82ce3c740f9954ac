using System;

namespace DeviceFirmware.Core.Json;

/// <summary>
/// A decimal number held as digits, exact up to <see cref="MaximumDigits"/> digits, for correctly rounded
/// conversions between decimal text and IEEE 754 doubles with integer arithmetic only (no System.Math,
/// no culture, the same bits on every runtime). Value = 0.d[0]d[1]...d[Count-1] x 10^DecimalPoint.
/// This is the "simple decimal conversion" method (multiply or divide by powers of two on the digits),
/// the exact fallback also used by Go's strconv and Wuffs; the fast paths live in <see cref="JsonNumberParser"/>.
/// One instance is reused by its owner; nothing here allocates after construction.
/// </summary>
internal sealed class DecimalDigits
{
    /// <summary>Enough for every double exactly: the longest exact expansion (the smallest subnormal)
    /// has 767 significant digits.</summary>
    public const int MaximumDigits = 800;

    // Room for a left shift to write past MaximumDigits before the result is cut back to it.
    private const int Slack = 32;

    // Largest shift per step so that digit * 2^shift + carry fits in a ulong.
    private const int MaximumShift = 60;

    private static readonly int[] PowersOfTenInBits = new int[] { 1, 3, 6, 9, 13, 16, 19, 23, 26 };

    public readonly byte[] Digits = new byte[MaximumDigits + Slack];

    public int Count;
    public int DecimalPoint;

    /// <summary>Non-zero digits were dropped beyond <see cref="MaximumDigits"/>: the value is a little more
    /// than the digits say (matters only to break an exact tie).</summary>
    public bool Truncated;

    public void Clear()
    {
        Count = 0;
        DecimalPoint = 0;
        Truncated = false;
    }

    /// <summary>Appends one significant digit (0..9); leading zeros are the caller's business.</summary>
    public void Append(int digit)
    {
        if (Count < MaximumDigits)
        {
            Digits[Count++] = (byte)digit;
        }
        else if (digit != 0)
        {
            Truncated = true;
        }
    }

    public void Assign(ulong value)
    {
        Clear();
        int n = 0;
        while (value > 0)
        {
            ulong q = value / 10;
            Digits[n++] = (byte)(value - (10 * q));
            value = q;
        }

        // Written backwards: reverse.
        for (int i = 0, j = n - 1; i < j; i++, j--)
        {
            byte t = Digits[i];
            Digits[i] = Digits[j];
            Digits[j] = t;
        }

        Count = n;
        DecimalPoint = n;
        Trim();
    }

    /// <summary>Multiplies by 2^<paramref name="k"/> (divides for a negative k).</summary>
    public void Shift(int k)
    {
        if (Count == 0)
        {
            return;
        }

        while (k > MaximumShift)
        {
            LeftShift(MaximumShift);
            k -= MaximumShift;
        }

        if (k > 0)
        {
            LeftShift(k);
        }

        while (k < -MaximumShift)
        {
            RightShift(MaximumShift);
            k += MaximumShift;
        }

        if (k < 0)
        {
            RightShift(-k);
        }
    }

    /// <summary>Converts to the nearest double, ties to even (IEEE 754 round-to-nearest).</summary>
    public double ToDouble(bool negative)
    {
        const int MantissaBits = 52;
        const int Bias = -1023;
        long bits;
        if (Count == 0 || DecimalPoint < -330)
        {
            bits = 0;
        }
        else if (DecimalPoint > 310)
        {
            bits = 0x7FF0000000000000L;
        }
        else
        {
            bits = RoundToBits(MantissaBits, Bias);
        }

        if (negative)
        {
            bits |= long.MinValue;
        }

        return BitConverter.Int64BitsToDouble(bits);
    }

    /// <summary>Rounds to <paramref name="digitCount"/> digits, half up unless exactly half (then to even).</summary>
    public void Round(int digitCount)
    {
        if (ShouldRoundUp(digitCount))
        {
            RoundUp(digitCount);
        }
        else
        {
            RoundDown(digitCount);
        }
    }

    public void RoundDown(int digitCount)
    {
        if (digitCount < 0 || digitCount >= Count)
        {
            return;
        }

        Count = digitCount;
        Trim();
    }

    public void RoundUp(int digitCount)
    {
        if (digitCount < 0 || digitCount >= Count)
        {
            return;
        }

        for (int i = digitCount - 1; i >= 0; i--)
        {
            if (Digits[i] < 9)
            {
                Digits[i]++;
                Count = i + 1;
                return;
            }
        }

        // All nines: 0.999 -> 1.0, one more place before the point.
        Digits[0] = 1;
        Count = 1;
        DecimalPoint++;
    }

    private long RoundToBits(int mantissaBits, int bias)
    {
        // Scale by powers of two into [0.5, 1), counting the binary exponent.
        int exponent = 0;
        while (DecimalPoint > 0)
        {
            int n = DecimalPoint >= PowersOfTenInBits.Length ? LargeStep(DecimalPoint) : PowersOfTenInBits[DecimalPoint];
            Shift(-n);
            exponent += n;
        }

        while (DecimalPoint < 0 || (DecimalPoint == 0 && Digits[0] < 5))
        {
            int n = -DecimalPoint >= PowersOfTenInBits.Length ? LargeStep(-DecimalPoint) : PowersOfTenInBits[-DecimalPoint];
            Shift(n);
            exponent -= n;
        }

        // [0.5, 1) is [1, 2) one binary place down.
        exponent--;

        // Below the smallest normal exponent: a subnormal, with fewer mantissa bits.
        if (exponent < bias + 1)
        {
            int n = bias + 1 - exponent;
            Shift(-n);
            exponent += n;
        }

        if (exponent - bias >= 0x7FF)
        {
            return 0x7FF0000000000000L;
        }

        Shift(1 + mantissaBits);
        ulong mantissa = RoundedInteger();

        // Rounding up can carry into a new bit.
        if (mantissa == (2UL << mantissaBits))
        {
            mantissa >>= 1;
            exponent++;
            if (exponent - bias >= 0x7FF)
            {
                return 0x7FF0000000000000L;
            }
        }

        if ((mantissa & (1UL << mantissaBits)) == 0)
        {
            exponent = bias; // subnormal: biased exponent 0
        }

        ulong result = mantissa & ((1UL << mantissaBits) - 1);
        result |= (ulong)((exponent - bias) & 0x7FF) << mantissaBits;
        return (long)result;
    }

    /// <summary>The step for a value with at least <paramref name="places"/> (9 or more) decimal places to go
    /// towards [0.5, 1): 59 bits from 19 places (2^59 &lt; 10^18), else 27 (2^27 &lt; 10^9), so that scaling
    /// up never overshoots past 1.</summary>
    private static int LargeStep(int places) => places >= 19 ? 59 : 27;

    private ulong RoundedInteger()
    {
        if (DecimalPoint > 20)
        {
            return ulong.MaxValue;
        }

        ulong n = 0;
        int i = 0;
        for (; i < DecimalPoint && i < Count; i++)
        {
            n = (n * 10) + Digits[i];
        }

        for (; i < DecimalPoint; i++)
        {
            n *= 10;
        }

        if (ShouldRoundUp(DecimalPoint))
        {
            n++;
        }

        return n;
    }

    private bool ShouldRoundUp(int digitCount)
    {
        if (digitCount < 0 || digitCount >= Count)
        {
            return false;
        }

        if (Digits[digitCount] == 5 && digitCount + 1 == Count)
        {
            // Exactly half, unless digits were dropped (then a little more than half).
            if (Truncated)
            {
                return true;
            }

            return digitCount > 0 && (Digits[digitCount - 1] % 2) == 1;
        }

        return Digits[digitCount] >= 5;
    }

    private void LeftShift(int k)
    {
        // The product has at most ceil(k * log10(2)) more digits; write right-aligned to that bound,
        // then move the digits down over any unused leading places.
        int extra = ((k * 30103) / 100000) + 1;
        int read = Count;
        int write = Count + extra;
        ulong n = 0;
        for (read--; read >= 0; read--)
        {
            n += (ulong)Digits[read] << k;
            ulong q = n / 10;
            Put(--write, (byte)(n - (10 * q)));
            n = q;
        }

        while (n > 0)
        {
            ulong q = n / 10;
            Put(--write, (byte)(n - (10 * q)));
            n = q;
        }

        // write is now the number of unused leading places.
        int used = Count + extra - write;
        if (write > 0)
        {
            int kept = used < Digits.Length - write ? used : Digits.Length - write;
            Array.Copy(Digits, write, Digits, 0, kept);
        }

        DecimalPoint += extra - write;
        Count = used;
        if (Count > MaximumDigits)
        {
            for (int i = MaximumDigits; i < Count && i < Digits.Length; i++)
            {
                if (Digits[i] != 0)
                {
                    Truncated = true;
                }
            }

            Count = MaximumDigits;
        }

        Trim();
    }

    private void Put(int index, byte digit)
    {
        if (index < Digits.Length)
        {
            Digits[index] = digit;
        }
        else if (digit != 0)
        {
            Truncated = true;
        }
    }

    private void RightShift(int k)
    {
        int read = 0;
        int write = 0;
        ulong n = 0;
        for (; (n >> k) == 0; read++)
        {
            if (read >= Count)
            {
                if (n == 0)
                {
                    Count = 0;
                    return;
                }

                while ((n >> k) == 0)
                {
                    n *= 10;
                    read++;
                }

                break;
            }

            n = (n * 10) + Digits[read];
        }

        DecimalPoint -= read - 1;
        ulong mask = (1UL << k) - 1;
        for (; read < Count; read++)
        {
            ulong digit = n >> k;
            n &= mask;
            Digits[write++] = (byte)digit;
            n = (n * 10) + Digits[read];
        }

        while (n > 0)
        {
            ulong digit = n >> k;
            n &= mask;
            if (write < MaximumDigits)
            {
                Digits[write++] = (byte)digit;
            }
            else if (digit > 0)
            {
                Truncated = true;
            }

            n *= 10;
        }

        Count = write;
        Trim();
    }

    private void Trim()
    {
        while (Count > 0 && Digits[Count - 1] == 0)
        {
            Count--;
        }

        if (Count == 0)
        {
            DecimalPoint = 0;
        }
    }
}
