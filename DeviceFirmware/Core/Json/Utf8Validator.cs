namespace DeviceFirmware.Core.Json;

/// <summary>
/// Checks that bytes are well-formed UTF-8 as RFC 3629 section 4 defines it: no stray continuation bytes,
/// no overlong forms (C0, C1, E0 80..9F, F0 80..8F), no encoded surrogates (ED A0..BF), nothing above
/// U+10FFFF (F4 90.., F5..FF), no truncated sequence.
/// </summary>
internal static class Utf8Validator
{
    /// <summary>Returns -1 when <paramref name="bytes"/>[start, end) is valid, else the offset of the first
    /// byte of the first ill-formed sequence.</summary>
    public static int FindInvalid(byte[] bytes, int start, int end)
    {
        int i = start;
        while (i < end)
        {
            int b = bytes[i];
            if (b < 0x80)
            {
                i++;
                continue;
            }

            int length = SequenceLength(bytes, i, end);
            if (length == 0)
            {
                return i;
            }

            i += length;
        }

        return -1;
    }

    /// <summary>The length (2-4) of the well-formed multi-byte sequence at <paramref name="i"/>, or 0.</summary>
    private static int SequenceLength(byte[] bytes, int i, int end)
    {
        int b = bytes[i];
        int length;
        int secondLow = 0x80;
        int secondHigh = 0xBF;
        if (b >= 0xC2 && b <= 0xDF)
        {
            length = 2;
        }
        else if (b >= 0xE0 && b <= 0xEF)
        {
            length = 3;
            if (b == 0xE0)
            {
                secondLow = 0xA0; // below is an overlong form of U+0000..U+07FF
            }
            else if (b == 0xED)
            {
                secondHigh = 0x9F; // above are the surrogates U+D800..U+DFFF
            }
        }
        else if (b >= 0xF0 && b <= 0xF4)
        {
            length = 4;
            if (b == 0xF0)
            {
                secondLow = 0x90; // below is an overlong form of U+0000..U+FFFF
            }
            else if (b == 0xF4)
            {
                secondHigh = 0x8F; // above is beyond U+10FFFF
            }
        }
        else
        {
            return 0; // a continuation byte, C0/C1 (always overlong) or F5..FF (never valid)
        }

        if (end - i < length)
        {
            return 0;
        }

        int second = bytes[i + 1];
        if (second < secondLow || second > secondHigh)
        {
            return 0;
        }

        for (int k = 2; k < length; k++)
        {
            int next = bytes[i + k];
            if (next < 0x80 || next > 0xBF)
            {
                return 0;
            }
        }

        return length;
    }
}
