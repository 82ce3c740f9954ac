using System;

namespace DeviceFirmware.Core.Agent;

/// <summary>
/// The few text helpers the agent's log lines and reports need, written out because the
/// nanoFramework mscorlib has no custom numeric formats, culture, StringComparison or
/// StringBuilder. Everything here is invariant and ordinal.
/// </summary>
public static class AgentText
{
    /// <summary>Seconds with up to three decimals, e.g. "0.5 s", "120 s", "1.25 s".</summary>
    public static string Seconds(TimeSpan value) => Decimal(Round(value.Ticks, TimeSpan.TicksPerMillisecond), 3) + " s";

    /// <summary>Minutes with up to two decimals, e.g. "10 min", "0.5 min".</summary>
    public static string Minutes(TimeSpan value) => Decimal(Round(value.Ticks, TimeSpan.TicksPerMinute / 100), 2) + " min";

    /// <summary>Whole seconds of a duration, truncated (the shadow's integer seconds).</summary>
    public static int WholeSeconds(TimeSpan value) => (int)(value.Ticks / TimeSpan.TicksPerSecond);

    /// <summary>A non-negative number with at least <paramref name="digits"/> digits, zero-padded.</summary>
    public static string ZeroPadded(long value, int digits)
    {
        var text = value.ToString();
        while (text.Length < digits)
        {
            text = "0" + text;
        }

        return text;
    }

    /// <summary>Ordinal prefix test (no culture).</summary>
    public static bool StartsWith(string text, string prefix)
    {
        if (text == null || prefix == null || prefix.Length > text.Length)
        {
            return false;
        }

        for (var i = 0; i < prefix.Length; i++)
        {
            if (text[i] != prefix[i])
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Text for a log line: at most <paramref name="maximumLength"/> characters, control
    /// characters replaced with '?', "..." when cut.</summary>
    public static string Safe(string text, int maximumLength)
    {
        var length = text.Length < maximumLength ? text.Length : maximumLength;
        var chars = new char[length];
        for (var i = 0; i < length; i++)
        {
            chars[i] = IsControl(text[i]) ? '?' : text[i];
        }

        var safe = new string(chars, 0, length);
        return text.Length > maximumLength ? safe + "..." : safe;
    }

    /// <summary>At most <paramref name="maximumLength"/> characters of <paramref name="text"/>, never
    /// splitting a surrogate pair, and with lone surrogates replaced with '?' so a JSON writer takes it.</summary>
    public static string Cut(string text, int maximumLength)
    {
        var length = text.Length <= maximumLength ? text.Length : maximumLength;
        if (length < text.Length && length > 0 && IsHighSurrogate(text[length - 1]))
        {
            length--;
        }

        var chars = new char[length];
        for (var i = 0; i < length; i++)
        {
            var c = text[i];
            if (IsHighSurrogate(c))
            {
                chars[i] = i + 1 < length && IsLowSurrogate(text[i + 1]) ? c : '?';
            }
            else if (IsLowSurrogate(c))
            {
                chars[i] = i > 0 && IsHighSurrogate(text[i - 1]) ? c : '?';
            }
            else
            {
                chars[i] = c;
            }
        }

        return new string(chars, 0, length);
    }

    public static bool IsAsciiLetterOrDigit(char c) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');

    /// <summary>Unicode category Cc: U+0000-U+001F and U+007F-U+009F.</summary>
    public static bool IsControl(char c) => c < ' ' || (c >= '\u007F' && c <= '\u009F');

    private static bool IsHighSurrogate(char c) => c >= '\uD800' && c <= '\uDBFF';

    private static bool IsLowSurrogate(char c) => c >= '\uDC00' && c <= '\uDFFF';

    /// <summary>value / unit, rounded half away from zero.</summary>
    private static long Round(long value, long unit)
    {
        var quotient = value / unit;
        var remainder = value % unit;
        if (remainder * 2 >= unit)
        {
            quotient++;
        }
        else if (remainder * 2 <= -unit)
        {
            quotient--;
        }

        return quotient;
    }

    /// <summary><paramref name="scaled"/> / 10^decimals as text, trailing zeros dropped ("0.###").</summary>
    private static string Decimal(long scaled, int decimals)
    {
        var negative = scaled < 0;
        var magnitude = negative ? -scaled : scaled;
        long divisor = 1;
        for (var i = 0; i < decimals; i++)
        {
            divisor *= 10;
        }

        var whole = magnitude / divisor;
        var fraction = magnitude % divisor;
        var text = whole.ToString();
        if (fraction != 0)
        {
            var digits = ZeroPadded(fraction, decimals);
            var end = digits.Length;
            while (end > 0 && digits[end - 1] == '0')
            {
                end--;
            }

            text = text + "." + digits.Substring(0, end);
        }

        return negative ? "-" + text : text;
    }
}
