using System;
using DeviceFirmware.Core.Agent;
using DeviceFirmware.Core.Json;

namespace DeviceFirmware.Core.Shadow;

/// <summary>
/// The MQTT topics of one thing: its classic shadow (AWS IoT Device Shadow MQTT topics) and the
/// non-reserved topics for telemetry and the Last Will. The one home of these names.
/// </summary>
public sealed class ShadowTopics
{
    private readonly string _prefix;

    public ShadowTopics(string thingName, string? willTopic = null, string? telemetryTopic = null)
    {
        if (IsBlank(thingName))
        {
            throw new ArgumentException("The thing name must not be empty.", nameof(thingName));
        }

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
        // A will on a reserved $aws topic is ignored by the shadow service (AWS: "Using shadows in
        // devices", Last Will), so it goes to a plain topic that an IoT rule republishes to the shadow.
        Will = IsBlank(willTopic) ? DefaultWillTopic(thingName) : willTopic!;
        Telemetry = IsBlank(telemetryTopic) ? DefaultTelemetryTopic(thingName) : telemetryTopic!;
    }

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

    /// <summary>What the agent subscribes to on every connect, before it publishes anything (a new array each time).</summary>
    public string[] Subscriptions => new[] { UpdateAccepted, UpdateRejected, UpdateDelta, GetAccepted, GetRejected };

    /// <summary>A shadow topic without the thing's prefix, e.g. <c>update/delta</c>, for messages an operator reads.</summary>
    public string ShortName(string topic) =>
        AgentText.StartsWith(topic, _prefix) ? topic.Substring(_prefix.Length) : topic;

    public static string DefaultWillTopic(string thingName) => "things/" + thingName + "/lwt";

    public static string DefaultTelemetryTopic(string thingName) => "things/" + thingName + "/telemetry";

    /// <summary>The Last Will payload: the shadow update that marks the device offline,
    /// <c>{"state":{"reported":{"connected":false}}}</c>.</summary>
    public static byte[] WillPayload()
    {
        var writer = new JsonWriter();
        writer.BeginObject();
        writer.Name(ShadowKeys.State);
        writer.BeginObject();
        writer.Name(ShadowKeys.Reported);
        writer.BeginObject();
        writer.Name(ShadowKeys.Connected);
        writer.Boolean(false);
        writer.EndObject();
        writer.EndObject();
        writer.EndObject();
        return writer.ToArray();
    }

    private static bool IsBlank(string? text) => text == null || text.Trim().Length == 0;
}
