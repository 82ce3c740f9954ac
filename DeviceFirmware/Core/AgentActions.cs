namespace DeviceFirmware.Core;

/// <summary>
/// Something the shells must do. The host executes the actions of one
/// <see cref="DeviceAgent.Handle"/> call in order; MQTT actions in order on the connection
/// (so a subscription is granted before the next publish goes out).
/// </summary>
public abstract record AgentAction;

/// <summary>Open a connection (one attempt, bounded by the connect timeout); answer with
/// <see cref="ConnectSucceeded"/> or <see cref="ConnectFailed"/>.</summary>
public sealed record Connect : AgentAction;

/// <summary>Subscribe at QoS 1 and wait for the broker to grant every topic.</summary>
public sealed record Subscribe(IReadOnlyList<string> Topics) : AgentAction;

/// <summary>Publish at QoS 1 on the current connection; dropped if the connection is gone.</summary>
public sealed record Publish(string Topic, byte[] Payload) : AgentAction
{
    public override string ToString() => "Publish { Topic = " + Topic + ", Payload = " + System.Text.Encoding.UTF8.GetString(Payload) + " }";
}

/// <summary>Send DISCONNECT (no Last Will) and close.</summary>
public sealed record Disconnect : AgentAction;

/// <summary>Drive the relay; answer with <see cref="RelaySwitched"/> or <see cref="RelaySwitchFailed"/>.</summary>
public sealed record SetRelay(bool On, string Reason) : AgentAction;

/// <summary>Remember the applied relay state for power-on state Last.</summary>
public sealed record SaveRelayState(bool On) : AgentAction;

/// <summary>Take one sensor reading; answer with <see cref="SensorRead"/>.</summary>
public sealed record ReadSensor : AgentAction;

/// <summary>Store a telemetry message in the durable outbox.</summary>
public sealed record EnqueueTelemetry(long Sequence, string Topic, byte[] Payload) : AgentAction
{
    public override string ToString() => "EnqueueTelemetry { Sequence = " + Sequence + ", Payload = " + System.Text.Encoding.UTF8.GetString(Payload) + " }";
}

/// <summary>Publish the outbox in order while this connection lasts.</summary>
public sealed record FlushTelemetry : AgentAction;

/// <summary>(Re)start a timer; answer with <see cref="TimerDue"/> after <paramref name="Delay"/>.</summary>
public sealed record StartTimer(AgentTimer Timer, TimeSpan Delay) : AgentAction;

/// <summary>Cancel a timer if it is pending.</summary>
public sealed record CancelTimer(AgentTimer Timer) : AgentAction;

/// <summary>Write a log line (the core does no I/O, so it asks the host to).</summary>
public sealed record Log(AgentLogLevel Level, string Message) : AgentAction;

/// <summary>The agent has finished shutting down; the host may exit.</summary>
public sealed record AgentStopped : AgentAction;

public enum AgentLogLevel
{
    Debug,
    Information,
    Warning,
    Error,
}
