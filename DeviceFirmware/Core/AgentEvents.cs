using DeviceFirmware.Core.Sensors;

namespace DeviceFirmware.Core;

/// <summary>Something that happened, fed to <see cref="DeviceAgent.Handle"/> with the current time.</summary>
public abstract record AgentEvent;

/// <summary>The host started the agent. Carries what the shells loaded from disk.</summary>
/// <param name="SavedRelayOn">The relay state file's value (power-on state Last), or null.</param>
/// <param name="LastTelemetrySequence">The highest telemetry seq ever enqueued (0 if none).</param>
/// <param name="SensorModel">The sensor model for the shadow ("BME280", "simulated", ...).</param>
public sealed record AgentStarted(bool? SavedRelayOn, long LastTelemetrySequence, string SensorModel) : AgentEvent;

/// <summary>The connect attempt the agent asked for succeeded.</summary>
public sealed record ConnectSucceeded : AgentEvent;

/// <summary>The connect attempt failed; <paramref name="Reason"/> is written for an operator.</summary>
public sealed record ConnectFailed(string Reason) : AgentEvent;

/// <summary>An established connection ended without the agent asking.</summary>
public sealed record ConnectionLost(string Reason) : AgentEvent;

/// <summary>A message arrived on a subscribed topic.</summary>
public sealed record MessageReceived(string Topic, ReadOnlyMemory<byte> Payload) : AgentEvent;

/// <summary>A timer the agent started has elapsed.</summary>
public sealed record TimerDue(AgentTimer Timer) : AgentEvent;

/// <summary>The reading the agent asked for with <see cref="ReadSensor"/>.</summary>
public sealed record SensorRead(SensorReading Reading) : AgentEvent;

/// <summary>The relay pin now is at <paramref name="On"/>, as the agent asked.</summary>
public sealed record RelaySwitched(bool On) : AgentEvent;

/// <summary>Driving the relay pin failed; the relay keeps its previous state.</summary>
public sealed record RelaySwitchFailed(bool RequestedOn, string Reason) : AgentEvent;

/// <summary>The host is stopping (SIGTERM, SIGINT, Ctrl+C).</summary>
public sealed record ShutdownRequested : AgentEvent;

/// <summary>The timers the agent runs; at most one of each kind is pending.</summary>
public enum AgentTimer
{
    Reconnect,
    StableConnection,
    Telemetry,
    RelayDeferred,
    OfflineFailSafe,
    MaximumOnTime,
    ShutdownDeadline,
    SelfHeal,
    ShadowGetRetry,
    MessageErrorReport,
}
