using System;

namespace DeviceFirmware.Core;

/// <summary>ISO-8601 UTC timestamps with milliseconds, e.g. 2026-11-22T15:42:01.123Z.</summary>
/// <remarks>
/// Written digit by digit: the same text on every culture and on nanoFramework, whose
/// <c>DateTime.ToString</c> takes no format provider.
/// </remarks>
public static partial class Iso8601
{
    /// <summary>The timestamp of <paramref name="utc"/>, a time in UTC (its <see cref="DateTime.Kind"/> is not read).</summary>
    public static string Format(DateTime utc)
    {
        var text = new char[24];
        WriteField(text, 0, utc.Year, 4, '-');
        WriteField(text, 5, utc.Month, 2, '-');
        WriteField(text, 8, utc.Day, 2, 'T');
        WriteField(text, 11, utc.Hour, 2, ':');
        WriteField(text, 14, utc.Minute, 2, ':');
        WriteField(text, 17, utc.Second, 2, '.');
        WriteField(text, 20, utc.Millisecond, 3, 'Z');
        return new string(text, 0, text.Length);
    }

    /// <summary>Writes <paramref name="value"/> zero-padded to <paramref name="width"/> digits, then <paramref name="separator"/>.</summary>
    private static void WriteField(char[] text, int offset, int value, int width, char separator)
    {
        for (var i = offset + width - 1; i >= offset; i--)
        {
            text[i] = (char)('0' + (value % 10));
            value /= 10;
        }

        text[offset + width] = separator;
    }
}
