using System;
using DeviceFirmware.Core.Agent;

namespace DeviceFirmware.Core.Shadow;

/// <summary>A shadow message refused whole before its meaning was read (too large, not UTF-8, not
/// JSON, not an object). On a topic that carries commands the reason goes to <c>reported.errors.message</c>.</summary>
public sealed class ShadowMessageRefused : AgentEvent
{
    public ShadowMessageRefused(string topic, string reason, bool carriesCommands, string? detail)
    {
        Topic = topic;
        Reason = reason;
        CarriesCommands = carriesCommands;
        Detail = detail;
    }

    public string Topic { get; }

    /// <summary>For an operator; never quotes the input.</summary>
    public string Reason { get; }

    /// <summary>True for <c>update/delta</c> and <c>get/accepted</c>, the two topics that carry desired state.</summary>
    public bool CarriesCommands { get; }

    /// <summary>The parser's own account (debug log only), or null.</summary>
    public string? Detail { get; }
}

/// <summary>A valid JSON object on a subscribed topic the agent has no use for.</summary>
public sealed class UnexpectedShadowMessage : AgentEvent
{
    public UnexpectedShadowMessage(string topic) => Topic = topic;

    public string Topic { get; }
}

/// <summary><c>update/delta</c>: desired keys that differ from reported.</summary>
public sealed class ShadowDeltaReceived : AgentEvent
{
    public ShadowDeltaReceived(string? refusal, DesiredValues desired, long version, string? versionProblem)
    {
        Refusal = refusal;
        Desired = desired ?? throw new ArgumentNullException(nameof(desired));
        Version = version;
        VersionProblem = versionProblem;
    }

    /// <summary>Why the delta cannot be used (no state object, nested too deep), or null.</summary>
    public string? Refusal { get; }

    public DesiredValues Desired { get; }

    /// <summary>The version, a positive integer, when <see cref="VersionProblem"/> is null; else 0.</summary>
    public long Version { get; }

    /// <summary>Why the version cannot order the delta (missing, not a positive 64-bit integer), or null.
    /// No shadow service sends such a delta: it is refused whole.</summary>
    public string? VersionProblem { get; }
}

/// <summary><c>get/accepted</c>: the whole shadow document, the answer to this device's /get.</summary>
public sealed class ShadowGetAccepted : AgentEvent
{
    public ShadowGetAccepted(bool hasVersion, long version, bool hasState, DesiredValues? desired, bool desiredTooDeep,
        DesiredValues? delta, bool deltaTooDeep, bool reportedConnectedTrue, string[] reportedErrorKeys)
    {
        HasVersion = hasVersion;
        Version = version;
        HasState = hasState;
        Desired = desired;
        DesiredTooDeep = desiredTooDeep;
        Delta = delta;
        DeltaTooDeep = deltaTooDeep;
        ReportedConnectedTrue = reportedConnectedTrue;
        ReportedErrorKeys = reportedErrorKeys ?? new string[0];
    }

    /// <summary>True when <c>version</c> is an integer that fits in a long.</summary>
    public bool HasVersion { get; }

    public long Version { get; }

    /// <summary>True when the document has a <c>state</c> object.</summary>
    public bool HasState { get; }

    /// <summary><c>state.desired</c>, or null when absent or not an object.</summary>
    public DesiredValues? Desired { get; }

    public bool DesiredTooDeep { get; }

    /// <summary><c>state.delta</c>, or null when absent or not an object.</summary>
    public DesiredValues? Delta { get; }

    public bool DeltaTooDeep { get; }

    /// <summary><c>state.reported.connected</c> is JSON true.</summary>
    public bool ReportedConnectedTrue { get; }

    /// <summary>The names under <c>state.reported.errors</c> whose value is not null, in document order.</summary>
    public string[] ReportedErrorKeys { get; }
}

/// <summary><c>update/accepted</c>: any client's accepted update (this device's reports included).</summary>
public sealed class ShadowUpdateAccepted : AgentEvent
{
    public ShadowUpdateAccepted(string? clientToken, bool hasVersion, long version, bool reportedConnectedFalse, string? desiredMotor)
    {
        ClientToken = clientToken;
        HasVersion = hasVersion;
        Version = version;
        ReportedConnectedFalse = reportedConnectedFalse;
        DesiredMotor = desiredMotor;
    }

    public string? ClientToken { get; }

    /// <summary>True when <c>version</c> is an integer that fits in a long.</summary>
    public bool HasVersion { get; }

    public long Version { get; }

    /// <summary><c>state.reported.connected</c> is JSON false.</summary>
    public bool ReportedConnectedFalse { get; }

    /// <summary><c>state.desired.MOTOR</c> when it is a string (any string); else null.</summary>
    public string? DesiredMotor { get; }
}

/// <summary>The shadow refused a request: <c>get/rejected</c> or <c>update/rejected</c>.</summary>
public abstract class ShadowRequestRejected : AgentEvent
{
    protected ShadowRequestRejected(int code, string message, string? clientToken)
    {
        Code = code;
        Message = message ?? "";
        ClientToken = clientToken;
    }

    /// <summary>The HTTP-like code (400, 404, 409, ...), or 0 when absent.</summary>
    public int Code { get; }

    /// <summary>The shadow service's text, or "(no message)".</summary>
    public string Message { get; }

    public string? ClientToken { get; }
}

public sealed class ShadowGetRejected : ShadowRequestRejected
{
    public ShadowGetRejected(int code, string message, string? clientToken)
        : base(code, message, clientToken)
    {
    }
}

public sealed class ShadowUpdateRejected : ShadowRequestRejected
{
    public ShadowUpdateRejected(int code, string message, string? clientToken)
        : base(code, message, clientToken)
    {
    }
}
