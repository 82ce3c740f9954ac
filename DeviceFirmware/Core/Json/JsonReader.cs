using System;

namespace DeviceFirmware.Core.Json;

/// <summary>
/// Validates and parses one UTF-8 JSON document (RFC 8259) into a <see cref="JsonValue"/> tree.
/// <para>
/// Hand-written because the portable core also runs on nanoFramework: System.Text.Json does not exist
/// there, and nanoFramework.Json is reflection-based and builds Hashtable trees without byte positions,
/// depth or size limits or duplicate-key control. This reader validates the whole input as UTF-8,
/// refuses what the device must not act on (duplicate keys, lone surrogates, excessive depth or size)
/// with an error kind, a byte offset and a sentence, and allocates only the tree, its strings and a few
/// scratch buffers per call (never per byte). DeviceFirmware.Tests/Json/JsonDifferentialTests.cs proves it
/// against System.Text.Json on tens of thousands of generated and mutated documents.
/// </para>
/// <para>
/// It accepts what System.Text.Json's JsonDocument.Parse accepts (depth counted as its MaxDepth counts it)
/// and reads the same values, except three kinds of document that JsonDocument.Parse accepts and this reader
/// refuses: a duplicate key (JsonDocument keeps both members), invalid UTF-8 inside a string (JsonDocument
/// checks it only in GetString, which then throws), and a \u escape of a lone surrogate (GetString throws
/// "Cannot read invalid UTF-16 JSON text as string"). A number beyond the double range reads as an
/// infinity, as JsonElement.TryGetDouble reads it on .NET 10.
/// </para>
/// </summary>
public static class JsonReader
{
    /// <summary>
    /// Parses <paramref name="count"/> bytes of <paramref name="utf8"/> from <paramref name="offset"/>:
    /// one value with optional whitespace around it; no byte order mark, comments or trailing commas.
    /// Returns null on refusal with <paramref name="error"/> set; on success <paramref name="error"/> is null.
    /// Offsets in the tree and in the error count from <paramref name="offset"/>.
    /// </summary>
    public static JsonValue? Parse(byte[] utf8, int offset, int count, JsonLimits limits, out JsonParseError? error)
    {
        if (utf8 == null)
        {
            throw new ArgumentNullException(nameof(utf8));
        }

        if (limits == null)
        {
            throw new ArgumentNullException(nameof(limits));
        }

        if (offset < 0 || count < 0 || offset > utf8.Length - count)
        {
            throw new ArgumentOutOfRangeException(nameof(count), "offset and count must lie within the array");
        }

        return new JsonParser(utf8, offset, count, limits).Parse(out error);
    }

    /// <summary>Parses all of <paramref name="utf8"/> with <see cref="JsonLimits.Default"/>.</summary>
    public static JsonValue? Parse(byte[] utf8, out JsonParseError? error)
    {
        if (utf8 == null)
        {
            throw new ArgumentNullException(nameof(utf8));
        }

        return Parse(utf8, 0, utf8.Length, JsonLimits.Default, out error);
    }
}
