namespace LocalIotCore.Telemetry;

/// <summary>
/// The devices' telemetry topic, <c>things/{thing}/telemetry</c> (the firmware's default
/// Telemetry:Topic; the thing policy lets a device publish under <c>things/{its name}/</c>).
/// </summary>
public static class TelemetryTopic
{
    public const string Filter = "things/+/telemetry";

    private const string Prefix = "things/";
    private const string Suffix = "/telemetry";

    public static string For(string thing) => Prefix + thing + Suffix;

    public static bool TryParse(string topic, out string thing)
    {
        thing = "";
        if (topic is null || topic.Length <= Prefix.Length + Suffix.Length || !topic.StartsWith(Prefix, StringComparison.Ordinal) || !topic.EndsWith(Suffix, StringComparison.Ordinal))
        {
            return false;
        }

        var name = topic.AsSpan(Prefix.Length, topic.Length - Prefix.Length - Suffix.Length);
        if (name.IndexOfAny('/', '+', '#') >= 0)
        {
            return false;
        }

        thing = name.ToString();
        return true;
    }
}
