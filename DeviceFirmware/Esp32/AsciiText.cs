using System;

namespace DeviceFirmware.Esp32;

/// <summary>
/// ASCII bytes to a string and back without System.Text (a separate nanoFramework package): the host
/// turns only ASCII into text — PEM keys, the Last Will JSON the core writes, numbers in its small
/// state files. A byte outside ASCII is refused (null), never guessed.
/// </summary>
internal static class AsciiText
{
    public static string? Decode(byte[] bytes, int offset, int count)
    {
        var chars = new char[count];
        for (int i = 0; i < count; i++)
        {
            byte b = bytes[offset + i];
            if (b == 0 && i == count - 1)
            {
                return new string(chars, 0, i);
            }

            if (b > 0x7E || (b < 0x20 && b != (byte)'\n' && b != (byte)'\r' && b != (byte)'\t'))
            {
                return null;
            }

            chars[i] = (char)b;
        }

        return new string(chars, 0, count);
    }

    public static byte[] Encode(string text)
    {
        var bytes = new byte[text.Length];
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c > (char)0x7E)
            {
                throw new ArgumentException("Only ASCII is written to the device's state files.", nameof(text));
            }

            bytes[i] = (byte)c;
        }

        return bytes;
    }
}
