using System;
using DeviceFirmware.Core.Agent;
using DeviceFirmware.Core.Json;

namespace DeviceFirmware.Core.Shadow;

/// <summary>
/// The JSON edge of the agent: turns a message received on a shadow topic (topic + UTF-8 bytes)
/// into one typed event. Nothing behind it sees bytes or JSON. Checks, in order: size, UTF-8 and
/// JSON (the core's own reader: depth-bounded, duplicate keys refused), an object at the root,
/// then what each topic needs.
/// </summary>
public sealed class ShadowMessageDecoder
{
    /// <summary>Larger shadow messages are not parsed (AWS caps desired + reported at 8 KB).</summary>
    public const int MaximumShadowMessageBytes = 64 * 1024;

    /// <summary>AWS refuses desired or reported sections nested deeper than this ("JSON contains too
    /// many levels of nesting; maximum is 6"), counted from the section's own object; a deeper
    /// delta cannot come from the shadow service, so it is refused whole.</summary>
    public const int MaximumDesiredDepth = 6;

    /// <summary>The parser's own nesting limit: a deeper document is refused as not JSON, never a crash.</summary>
    public const int MaximumJsonDepth = 64;

    /// <summary>A string or number quoted in a reported error is cut to this many characters.</summary>
    public const int MaximumValueTextLength = 40;

    private readonly ShadowTopics _topics;
    private readonly JsonLimits _limits;

    public ShadowMessageDecoder(ShadowTopics topics)
    {
        _topics = topics ?? throw new ArgumentNullException(nameof(topics));
        _limits = new JsonLimits(MaximumShadowMessageBytes, MaximumJsonDepth);
    }

    public AgentEvent Decode(string topic, byte[] payload, int offset, int count)
    {
        // Only these two carry desired state; a refusal of one is reported in the shadow. The others
        // (answers to the device's own requests) are only logged.
        var carriesCommands = topic == _topics.UpdateDelta || topic == _topics.GetAccepted;
        if (count > MaximumShadowMessageBytes)
        {
            return new ShadowMessageRefused(topic, "message of " + count + " bytes is larger than the " + MaximumShadowMessageBytes + "-byte limit", carriesCommands, null);
        }

        JsonParseError? error;
        var root = JsonReader.Parse(payload, offset, count, _limits, out error);
        if (root == null)
        {
            if (error != null && error.Kind == JsonError.NotUtf8)
            {
                return new ShadowMessageRefused(topic, "message is not valid UTF-8", carriesCommands, null);
            }

            // The parser's own text may quote the input: report only where it broke.
            var where = error == null ? "line 1, byte 1" : "line " + error.Line + ", byte " + error.Column;
            return new ShadowMessageRefused(topic, "message is not valid JSON (" + where + ")", carriesCommands, error == null ? null : error.Message);
        }

        if (root.Kind != JsonKind.Object)
        {
            return new ShadowMessageRefused(topic, "message is " + DescribeKind(root) + ", not a JSON object", carriesCommands, null);
        }

        if (topic == _topics.UpdateDelta)
        {
            return Delta(root, new MessageBytes(payload, offset, count));
        }

        if (topic == _topics.GetAccepted)
        {
            return GetAccepted(root, new MessageBytes(payload, offset, count));
        }

        if (topic == _topics.GetRejected)
        {
            return new ShadowGetRejected(ErrorCode(root), ErrorText(root), ClientToken(root));
        }

        if (topic == _topics.UpdateAccepted)
        {
            return UpdateAccepted(root);
        }

        if (topic == _topics.UpdateRejected)
        {
            return new ShadowUpdateRejected(ErrorCode(root), ErrorText(root), ClientToken(root));
        }

        return new UnexpectedShadowMessage(topic);
    }

    private static ShadowDeltaReceived Delta(JsonValue root, MessageBytes payload)
    {
        long version = 0;
        string? versionProblem = null;
        var versionValue = root.Find(ShadowKeys.Version);
        if (versionValue == null)
        {
            versionProblem = "delta has no version";
        }
        else if (!versionValue.IsNumber)
        {
            versionProblem = "delta version is " + DescribeKind(versionValue) + ", not a positive integer";
        }
        else if (versionValue.Kind != JsonKind.Integer || versionValue.IntegerValue <= 0)
        {
            versionProblem = "delta version " + NumberLiteral(versionValue, payload) + " is not a positive 64-bit integer";
        }
        else
        {
            version = versionValue.IntegerValue;
        }

        var state = root.Find(ShadowKeys.State);
        if (state == null || state.Kind != JsonKind.Object)
        {
            return new ShadowDeltaReceived("delta has no state object", DesiredValues.None, version, versionProblem);
        }

        if (Depth(state) > MaximumDesiredDepth)
        {
            return new ShadowDeltaReceived(TooDeepReason, DesiredValues.None, version, versionProblem);
        }

        return new ShadowDeltaReceived(null, Values(state, payload), version, versionProblem);
    }

    /// <summary>The refusal of a desired section deeper than AWS allows.</summary>
    public static readonly string TooDeepReason = "desired state is nested deeper than " + MaximumDesiredDepth + " levels";

    private static ShadowGetAccepted GetAccepted(JsonValue root, MessageBytes payload)
    {
        var versionValue = root.Find(ShadowKeys.Version);
        var hasVersion = versionValue != null && versionValue.Kind == JsonKind.Integer;
        var state = ObjectMember(root, ShadowKeys.State);
        DesiredValues? desired = null;
        DesiredValues? delta = null;
        var desiredTooDeep = false;
        var deltaTooDeep = false;
        var connectedTrue = false;
        var errorKeys = new string[0];
        if (state != null)
        {
            var desiredSection = ObjectMember(state, ShadowKeys.Desired);
            if (desiredSection != null)
            {
                desiredTooDeep = Depth(desiredSection) > MaximumDesiredDepth;
                desired = desiredTooDeep ? DesiredValues.None : Values(desiredSection, payload);
            }

            var deltaSection = ObjectMember(state, ShadowKeys.Delta);
            if (deltaSection != null)
            {
                deltaTooDeep = Depth(deltaSection) > MaximumDesiredDepth;
                delta = deltaTooDeep ? DesiredValues.None : Values(deltaSection, payload);
            }

            var reported = ObjectMember(state, ShadowKeys.Reported);
            if (reported != null)
            {
                var connected = reported.Find(ShadowKeys.Connected);
                connectedTrue = connected != null && connected.Kind == JsonKind.True;
                var errors = ObjectMember(reported, ShadowKeys.Errors);
                if (errors != null)
                {
                    errorKeys = NonNullNames(errors);
                }
            }
        }

        return new ShadowGetAccepted(hasVersion, hasVersion ? versionValue!.IntegerValue : -1, state != null, desired, desiredTooDeep, delta, deltaTooDeep, connectedTrue, errorKeys);
    }

    private static ShadowUpdateAccepted UpdateAccepted(JsonValue root)
    {
        var versionValue = root.Find(ShadowKeys.Version);
        var hasVersion = versionValue != null && versionValue.Kind == JsonKind.Integer;
        var connectedFalse = false;
        string? desiredMotor = null;
        var state = ObjectMember(root, ShadowKeys.State);
        if (state != null)
        {
            var reported = ObjectMember(state, ShadowKeys.Reported);
            var connected = reported == null ? null : reported.Find(ShadowKeys.Connected);
            connectedFalse = connected != null && connected.Kind == JsonKind.False;
            var desired = ObjectMember(state, ShadowKeys.Desired);
            var motor = desired == null ? null : desired.Find(ShadowKeys.Motor);
            if (motor != null && motor.Kind == JsonKind.String)
            {
                desiredMotor = motor.StringValue;
            }
        }

        return new ShadowUpdateAccepted(ClientToken(root), hasVersion, hasVersion ? versionValue!.IntegerValue : -1, connectedFalse, desiredMotor);
    }

    private static DesiredValues Values(JsonValue section, MessageBytes payload) => Values(section, payload, true);

    /// <param name="withMembers">Keep the members of object values (for the top level of a section only).</param>
    private static DesiredValues Values(JsonValue section, MessageBytes payload, bool withMembers)
    {
        if (section.Count == 0)
        {
            return DesiredValues.None;
        }

        var values = new DesiredValue[section.Count];
        for (var i = 0; i < values.Length; i++)
        {
            var value = section.ValueAt(i);
            var kind = value.Kind;
            values[i] = new DesiredValue(
                section.NameAt(i),
                kind,
                kind == JsonKind.String ? value.StringValue : null,
                kind == JsonKind.Integer ? value.IntegerValue : 0,
                Describe(value, payload),
                withMembers && kind == JsonKind.Object ? Values(value, payload, false) : null);
        }

        return new DesiredValues(values);
    }

    private static string[] NonNullNames(JsonValue members)
    {
        var count = 0;
        for (var i = 0; i < members.Count; i++)
        {
            if (members.ValueAt(i).Kind != JsonKind.Null)
            {
                count++;
            }
        }

        var names = new string[count];
        var next = 0;
        for (var i = 0; i < members.Count; i++)
        {
            if (members.ValueAt(i).Kind != JsonKind.Null)
            {
                names[next++] = members.NameAt(i);
            }
        }

        return names;
    }

    private static JsonValue? ObjectMember(JsonValue parent, string name)
    {
        var value = parent.Find(name);
        return value != null && value.Kind == JsonKind.Object ? value : null;
    }

    private static int ErrorCode(JsonValue root)
    {
        var code = root.Find(ShadowKeys.Code);
        return code != null && code.Kind == JsonKind.Integer && code.IntegerValue >= int.MinValue && code.IntegerValue <= int.MaxValue ? (int)code.IntegerValue : 0;
    }

    private static string ErrorText(JsonValue root)
    {
        var message = root.Find(ShadowKeys.Message);
        return message != null && message.Kind == JsonKind.String ? message.StringValue : "(no message)";
    }

    private static string? ClientToken(JsonValue root)
    {
        var token = root.Find(ShadowKeys.ClientToken);
        return token != null && token.Kind == JsonKind.String ? token.StringValue : null;
    }

    /// <summary>A short, safe description of a JSON value for logs and reported errors.</summary>
    public static string Describe(JsonValue value, MessageBytes payload)
    {
        switch (value.Kind)
        {
            case JsonKind.String:
                var text = value.StringValue;
                var cut = AgentText.Cut(text, MaximumValueTextLength);
                return "\"" + (text.Length > MaximumValueTextLength ? cut + "..." : cut) + "\" (string)";
            case JsonKind.Integer:
            case JsonKind.Number:
                return NumberLiteral(value, payload) + " (number)";
            case JsonKind.True:
                return "true (boolean)";
            case JsonKind.False:
                return "false (boolean)";
            default:
                return DescribeKind(value); // null, an object, an array: nothing to quote
        }
    }

    /// <summary>A number as written, cut to <see cref="MaximumValueTextLength"/> characters ("..." when cut).</summary>
    private static string NumberLiteral(JsonValue value, MessageBytes payload)
    {
        var raw = payload.NumberText(value.Offset, MaximumValueTextLength + 1);
        return raw.Length > MaximumValueTextLength ? raw.Substring(0, MaximumValueTextLength) + "..." : raw;
    }

    /// <summary>What kind of JSON value this is, without quoting any of it.</summary>
    public static string DescribeKind(JsonValue value)
    {
        switch (value.Kind)
        {
            case JsonKind.String:
                return "a string";
            case JsonKind.Integer:
            case JsonKind.Number:
                return "a number";
            case JsonKind.True:
            case JsonKind.False:
                return "a boolean";
            case JsonKind.Null:
                return "null";
            case JsonKind.Object:
                return "an object";
            default:
                return "an array";
        }
    }

    /// <summary>Nesting depth as AWS counts it: an object or array is one level more than its deepest child.</summary>
    public static int Depth(JsonValue value)
    {
        if (value.Kind != JsonKind.Object && value.Kind != JsonKind.Array)
        {
            return 0;
        }

        var deepest = 0;
        for (var i = 0; i < value.Count; i++)
        {
            var depth = Depth(value.ValueAt(i));
            if (depth > deepest)
            {
                deepest = depth;
            }
        }

        return deepest + 1;
    }
}
