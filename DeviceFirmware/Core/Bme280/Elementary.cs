namespace DeviceFirmware.Core.Bme280;

/// <summary>
/// The natural logarithm, exponential and power the derived weather values need. nanoFramework's
/// mscorlib has no System.Math (it is a separate package), so the portable core carries these three.
/// Classic argument reduction: ln x = k·ln 2 + 2·atanh((m−1)/(m+1)) with m in [√½, √2); e^x = 2^k·e^r
/// with |r| ≤ ½·ln 2 (Cody–Waite split of ln 2), each series summed until its terms no longer count.
/// Accuracy: within 1e-15 relative of .NET's Math.Log/Math.Exp for normal arguments, and Pow within
/// 1e-14 relative for the arguments the weather formulas use (tested against Math on .NET).
/// </summary>
public static class Elementary
{
    // ln 2 split so that k·Ln2High is exact for |k| < 2^20 (the high part has 32 significant bits).
    private const double Ln2High = 6.93147180369123816490e-01;
    private const double Ln2Low = 1.90821492927058770002e-10;
    private const double InverseLn2 = 1.44269504088896338700e+00;
    private const double Sqrt2 = 1.41421356237309504880;
    private const double TwoTo32 = 4294967296.0;
    private const double TwoToMinus32 = 1.0 / 4294967296.0;

    /// <summary>Above this e^x overflows a double.</summary>
    private const double ExpOverflow = 7.09782712893383973096e+02;

    /// <summary>Below this e^x is less than half the smallest subnormal.</summary>
    private const double ExpUnderflow = -7.45133219101941108420e+02;

    /// <summary>Natural logarithm: NaN below 0 and for NaN, −∞ at 0, +∞ at +∞.</summary>
    public static double Log(double x)
    {
        if (double.IsNaN(x) || x < 0)
        {
            return double.NaN;
        }

        if (x == 0)
        {
            return double.NegativeInfinity;
        }

        if (double.IsPositiveInfinity(x))
        {
            return x;
        }

        // x = m·2^k; scaling by powers of two is exact, subnormals included.
        var k = 0;
        var m = x;
        while (m >= TwoTo32)
        {
            m *= TwoToMinus32;
            k += 32;
        }

        while (m < TwoToMinus32)
        {
            m *= TwoTo32;
            k -= 32;
        }

        while (m >= Sqrt2)
        {
            m *= 0.5;
            k++;
        }

        while (m < Sqrt2 * 0.5)
        {
            m *= 2;
            k--;
        }

        // |s| ≤ 0.1716, so s² ≤ 0.0295 and about eleven terms reach 1e-17.
        var s = (m - 1) / (m + 1);
        var s2 = s * s;
        var term = s;
        var series = 0.0;
        for (var n = 1; n < 80; n += 2)
        {
            var next = series + (term / n);
            if (next == series)
            {
                break;
            }

            series = next;
            term *= s2;
        }

        return (k * Ln2High) + ((k * Ln2Low) + (2 * series));
    }

    /// <summary>e^x: +∞ above about 709.78, 0 below about −745.13, NaN for NaN.</summary>
    public static double Exp(double x)
    {
        if (double.IsNaN(x))
        {
            return x;
        }

        if (x > ExpOverflow)
        {
            return double.PositiveInfinity;
        }

        if (x < ExpUnderflow)
        {
            return 0;
        }

        var scaled = x * InverseLn2;
        var k = (int)(scaled < 0 ? scaled - 0.5 : scaled + 0.5);
        var r = (x - (k * Ln2High)) - (k * Ln2Low);

        // |r| ≤ 0.347: the Taylor series is done after about seventeen terms.
        var sum = 1.0;
        var term = 1.0;
        for (var n = 1; n < 60; n++)
        {
            term *= r / n;
            var next = sum + term;
            if (next == sum)
            {
                break;
            }

            sum = next;
        }

        return ScaleByPowerOfTwo(sum, k);
    }

    /// <summary>
    /// x^y for x ≥ 0 as e^(y·ln x); x^0 = 1, 0^y is 0 for y &gt; 0 and +∞ for y &lt; 0. A negative base
    /// gives NaN (the weather formulas never raise one).
    /// </summary>
    public static double Pow(double x, double y)
    {
        if (y == 0)
        {
            return 1;
        }

        if (double.IsNaN(x) || double.IsNaN(y) || x < 0)
        {
            return double.NaN;
        }

        if (x == 0)
        {
            return y > 0 ? 0 : double.PositiveInfinity;
        }

        if (x == 1)
        {
            return 1;
        }

        return Exp(y * Log(x));
    }

    private static double ScaleByPowerOfTwo(double value, int k)
    {
        while (k >= 32)
        {
            value *= TwoTo32;
            k -= 32;
        }

        while (k > 0)
        {
            value *= 2;
            k--;
        }

        while (k <= -32)
        {
            value *= TwoToMinus32;
            k += 32;
        }

        while (k < 0)
        {
            value *= 0.5;
            k++;
        }

        return value;
    }
}
