using System;

namespace DeviceFirmware.Core.Json;

/// <summary>What <see cref="JsonReader"/> accepts at most.</summary>
public sealed class JsonLimits
{
    /// <summary>AWS IoT Core's largest MQTT message (128 KB).</summary>
    public const int DefaultMaximumBytes = 128 * 1024;

    /// <summary>AWS refuses shadow documents nested deeper than 6 levels under state; 32 leaves room for
    /// the envelope and metadata while bounding the reader's recursion on a small device's stack.</summary>
    public const int DefaultMaximumDepth = 32;

    /// <summary>The deepest limit allowed: the reader recurses once per level, and a stack must hold that
    /// many frames on a small device as well as on .NET.</summary>
    public const int MostDepth = 256;

    /// <summary>128 KB, depth 32.</summary>
    public static readonly JsonLimits Default = new JsonLimits(DefaultMaximumBytes, DefaultMaximumDepth);

    /// <param name="maximumBytes">Longest document accepted, in bytes (at least 1).</param>
    /// <param name="maximumDepth">Deepest nesting of objects and arrays accepted (1 to <see cref="MostDepth"/>);
    /// counted as System.Text.Json's MaxDepth counts it: "[[1]]" has depth 2, a lone scalar depth 0.</param>
    public JsonLimits(int maximumBytes, int maximumDepth)
    {
        if (maximumBytes < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(maximumBytes), "at least 1 byte");
        }

        if (maximumDepth < 1 || maximumDepth > MostDepth)
        {
            throw new ArgumentOutOfRangeException(nameof(maximumDepth), "from 1 to 256");
        }

        MaximumBytes = maximumBytes;
        MaximumDepth = maximumDepth;
    }

    public int MaximumBytes { get; }

    public int MaximumDepth { get; }
}
