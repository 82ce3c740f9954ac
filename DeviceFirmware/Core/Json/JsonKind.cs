namespace DeviceFirmware.Core.Json;

/// <summary>The kind of one parsed JSON value.</summary>
public enum JsonKind
{
    Object,
    Array,
    String,

    /// <summary>An integer literal (no fraction, no exponent) that fits in a <c>long</c>.</summary>
    Integer,

    /// <summary>Any other number: a fraction, an exponent, or an integer too large for a <c>long</c>.</summary>
    Number,
    True,
    False,
    Null,
}
