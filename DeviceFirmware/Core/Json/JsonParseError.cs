namespace DeviceFirmware.Core.Json;

/// <summary>Why and where a document was refused.</summary>
public sealed class JsonParseError
{
    public JsonParseError(JsonError kind, int byteOffset, int line, int column, string message)
    {
        Kind = kind;
        ByteOffset = byteOffset;
        Line = line;
        Column = column;
        Message = message;
    }

    public JsonError Kind { get; }

    /// <summary>Offset of the offending byte from the start of the document (not of the array).</summary>
    public int ByteOffset { get; }

    /// <summary>1-based line of <see cref="ByteOffset"/> (lines end at LF).</summary>
    public int Line { get; }

    /// <summary>1-based column of <see cref="ByteOffset"/>, counted in bytes.</summary>
    public int Column { get; }

    /// <summary>An operator-readable sentence that ends with the byte offset,
    /// e.g. "invalid escape '\q' in a string at byte 17".</summary>
    public string Message { get; }

    public override string ToString() => Message;
}
