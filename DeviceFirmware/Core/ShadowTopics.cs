namespace DeviceFirmware.Core;

/// <summary>
/// The MQTT topics of one thing: its classic shadow (AWS IoT Device Shadow MQTT topics) and the
/// non-reserved topics for telemetry and the Last Will. The one home of these names.
/// </summary>
public sealed class ShadowTopics
{
    public ShadowTopics(string thingName, string? willTopic = null, string? telemetryTopic = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(thingName);
        ThingName = thingName;
        var prefix = "$aws/things/" + thingName + "/shadow";
        _prefix = prefix + "/";
        Update = prefix + "/update";
        UpdateAccepted = Update + "/accepted";
        UpdateRejected = Update + "/rejected";
        UpdateDelta = Update + "/delta";
        Get = prefix + "/get";
        GetAccepted = Get + "/accepted";
        GetRejected = Get + "/rejected";
        // A will on a reserved $aws topic is ignored by the shadow service (aws-iot.md, "Last Will"),
        // so it goes to a plain topic that an IoT rule republishes to the shadow.
        Will = string.IsNullOrWhiteSpace(willTopic) ? DefaultWillTopic(thingName) : willTopic;
        Telemetry = string.IsNullOrWhiteSpace(telemetryTopic) ? "things/" + thingName + "/telemetry" : telemetryTopic;
    }

    private readonly string _prefix;

    public string ThingName { get; }

    public string Update { get; }

    public string UpdateAccepted { get; }

    public string UpdateRejected { get; }

    public string UpdateDelta { get; }

    public string Get { get; }

    public string GetAccepted { get; }

    public string GetRejected { get; }

    public string Will { get; }

    public string Telemetry { get; }

    /// <summary>What the agent subscribes to on every connect, before it publishes anything.</summary>
    public IReadOnlyList<string> Subscriptions => [UpdateAccepted, UpdateRejected, UpdateDelta, GetAccepted, GetRejected];

    /// <summary>A shadow topic without the thing's prefix, e.g. <c>update/delta</c>, for messages an operator reads.</summary>
    public string ShortName(string topic) =>
        topic.StartsWith(_prefix, StringComparison.Ordinal) ? topic.Substring(_prefix.Length) : topic;

    public static string DefaultWillTopic(string thingName) => "things/" + thingName + "/lwt";

    /// <summary>The Last Will payload: the shadow update that marks the device offline.</summary>
    public static byte[] WillPayload() => "{\"state\":{\"reported\":{\"connected\":false}}}"u8.ToArray();
}
