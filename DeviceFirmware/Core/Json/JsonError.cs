namespace DeviceFirmware.Core.Json;

/// <summary>Why <see cref="JsonReader"/> refused a document.</summary>
public enum JsonError
{
    None,

    /// <summary>The bytes are not well-formed UTF-8 (RFC 3629): a stray continuation byte, an overlong
    /// form, an encoded surrogate, a code point above U+10FFFF or a truncated sequence.</summary>
    NotUtf8,

    /// <summary>A byte that the JSON grammar does not allow where it stands (RFC 8259).</summary>
    Syntax,

    /// <summary>The document ended inside a value (truncated, or empty).</summary>
    UnexpectedEnd,

    /// <summary>A backslash escape other than \" \\ \/ \b \f \n \r \t \uXXXX.</summary>
    InvalidEscape,

    /// <summary>A \u escape of a UTF-16 surrogate that is not part of a high-low pair.</summary>
    LoneSurrogate,

    /// <summary>A number that breaks RFC 8259's grammar (leading zero, "1.", "-", "1e").</summary>
    InvalidNumber,

    /// <summary>Objects and arrays nest deeper than <see cref="JsonLimits.MaximumDepth"/>.</summary>
    TooDeep,

    /// <summary>The document is longer than <see cref="JsonLimits.MaximumBytes"/>.</summary>
    TooLarge,

    /// <summary>An object has two members with the same name.</summary>
    DuplicateKey,
}
