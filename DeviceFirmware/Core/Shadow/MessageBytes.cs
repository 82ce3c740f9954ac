namespace DeviceFirmware.Core.Shadow;

/// <summary>The bytes of one received message: <see cref="Count"/> bytes of an array from <see cref="Offset"/>.</summary>
public sealed class MessageBytes
{
    public MessageBytes(byte[] array, int offset, int count)
    {
        Array = array;
        Offset = offset;
        Count = count;
    }

    public byte[] Array { get; }

    public int Offset { get; }

    public int Count { get; }

    /// <summary>The number literal that starts at <paramref name="start"/> (from <see cref="Offset"/>),
    /// at most <paramref name="maximumLength"/> characters of it.</summary>
    public string NumberText(int start, int maximumLength)
    {
        var end = start;
        while (end < Count && end - start < maximumLength && IsNumberByte(Array[Offset + end]))
        {
            end++;
        }

        var chars = new char[end - start];
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = (char)Array[Offset + start + i];
        }

        return new string(chars, 0, chars.Length);
    }

    private static bool IsNumberByte(byte b) => (b >= (byte)'0' && b <= (byte)'9') || b == (byte)'-' || b == (byte)'+' || b == (byte)'.' || b == (byte)'e' || b == (byte)'E';
}
