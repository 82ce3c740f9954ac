namespace LocalIotCore.Shadows;

/// <summary>
/// AWS IoT Device Shadow limits (AWS IoT Core endpoints and quotas, "Device Shadow service";
/// "Device Shadow error messages"), in one place.
/// </summary>
public static class ShadowLimits
{
    /// <summary>desired + reported, as UTF-8 JSON, at most 8 KB (metadata not counted).</summary>
    public const int MaximumStateBytes = 8 * 1024;

    /// <summary>AWS IoT's MQTT message size limit; larger requests are refused before parsing.</summary>
    public const int MaximumRequestBytes = 128 * 1024;

    /// <summary>Nesting of desired and reported, counted from the section's own object.</summary>
    public const int MaximumDepth = 6;

    public const int MaximumClientTokenBytes = 64;

    public const int MaximumThingNameLength = 128;

    public const int MaximumShadowNameLength = 64;

    /// <summary>Thing and shadow names: letters, digits, ':', '_' and '-'.</summary>
    public static bool IsValidName(string? name, int maximumLength)
    {
        if (string.IsNullOrEmpty(name) || name.Length > maximumLength)
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is ':' or '_' or '-'))
            {
                return false;
            }
        }

        return true;
    }
}
