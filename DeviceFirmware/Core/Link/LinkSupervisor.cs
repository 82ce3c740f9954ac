using System;
using DeviceFirmware.Core.Agent;

namespace DeviceFirmware.Core.Link;

/// <summary>The connection as it is now. What the agent wants is kept apart (<see cref="LinkSupervisor.WantsToRun"/>).</summary>
public enum LinkState
{
    Stopped,
    Connecting,
    Connected,
    WaitingToRetry,
    ShuttingDown,
}

/// <summary>What a lost connection means for the agent.</summary>
public enum LinkLoss
{
    /// <summary>Not connected (MQTTnet may report the end of a connection that never completed).</summary>
    Ignored,

    /// <summary>Lost while shutting down: the shutdown is over.</summary>
    EndsShutdown,

    /// <summary>Lost while online: the other parts take note, then <see cref="LinkSupervisor.Reconnect"/>.</summary>
    WasOnline,
}

/// <summary>
/// Link supervision: the current link state apart from the desired one (run or stop), one connect
/// attempt at a time, reconnects with full-jitter backoff, and the attempt counter reset only after a
/// stable connection (as aws-c-mqtt does). Impossible transitions throw: they are shell bugs.
/// </summary>
public sealed class LinkSupervisor
{
    private readonly AgentOutput _out;
    private readonly ReconnectBackoff _backoff;
    private readonly TimeSpan _stableConnection;
    private bool _connectInFlight;

    public LinkSupervisor(AgentOutput output, AgentSettings settings, RandomSource random)
    {
        _out = output ?? throw new ArgumentNullException(nameof(output));
        if (settings == null)
        {
            throw new ArgumentNullException(nameof(settings));
        }

        _backoff = new ReconnectBackoff(settings.BackoffMinimum, settings.BackoffMaximum, random);
        _stableConnection = settings.StableConnection;
    }

    public LinkState State { get; private set; } = LinkState.Stopped;

    /// <summary>The desired connection state: true from start until shutdown is requested.</summary>
    public bool WantsToRun { get; private set; }

    public bool IsConnected => State == LinkState.Connected;

    /// <summary>The 0-based reconnect attempt the next failure will use.</summary>
    public int ReconnectAttempt { get; private set; }

    /// <summary>Whether a connect attempt is running (its result is still to come).</summary>
    public bool ConnectInFlight => _connectInFlight;

    public void Start() => WantsToRun = true;

    public void BeginConnect()
    {
        State = LinkState.Connecting;
        _connectInFlight = true;
        _out.Add(new Connect());
    }

    /// <returns>True when the link is up and the agent goes online; false when shutdown was asked
    /// for meanwhile (the caller disconnects and finishes).</returns>
    public bool ConnectSucceeded()
    {
        if (!_connectInFlight)
        {
            throw new InvalidOperationException("ConnectSucceeded arrived in state " + StateName(State) + " without a connect attempt.");
        }

        _connectInFlight = false;
        if (!WantsToRun)
        {
            return false;
        }

        State = LinkState.Connected;
        _out.Log(AgentLogLevel.Information, "Connected; subscribing to the shadow topics.");
        _out.StartTimer(AgentTimer.StableConnection, _stableConnection);
        return true;
    }

    /// <returns>True when the agent should finish (shutdown was asked for meanwhile); otherwise a retry is scheduled.</returns>
    public bool ConnectFailed(string reason)
    {
        if (!_connectInFlight)
        {
            throw new InvalidOperationException("ConnectFailed arrived in state " + StateName(State) + " without a connect attempt.");
        }

        _connectInFlight = false;
        if (!WantsToRun)
        {
            return true;
        }

        ScheduleReconnect("Connect failed: " + reason);
        return false;
    }

    public LinkLoss ConnectionLost(string reason)
    {
        if (State == LinkState.ShuttingDown)
        {
            _out.Log(AgentLogLevel.Warning, "Connection lost during shutdown (" + reason + "); the broker will publish the Last Will.");
            return LinkLoss.EndsShutdown;
        }

        if (State != LinkState.Connected)
        {
            // MQTTnet may report the end of a connection that never completed; the connect result covers it.
            _out.Log(AgentLogLevel.Debug, "Ignored connection-lost in state " + StateName(State) + ": " + reason);
            return LinkLoss.Ignored;
        }

        _out.CancelTimer(AgentTimer.StableConnection);
        return LinkLoss.WasOnline;
    }

    /// <summary>After <see cref="LinkLoss.WasOnline"/>: wait the backoff, then connect again.</summary>
    public void Reconnect(string reason) => ScheduleReconnect("Connection lost: " + reason);

    public void OnReconnectTimer()
    {
        if (State == LinkState.WaitingToRetry && WantsToRun)
        {
            BeginConnect();
        }
    }

    public void OnStableTimer()
    {
        if (State == LinkState.Connected && ReconnectAttempt != 0)
        {
            _out.Log(AgentLogLevel.Debug, "Connection stable; reconnect backoff reset.");
            ReconnectAttempt = 0;
        }
    }

    /// <summary>The desired state becomes "stopped".</summary>
    /// <returns>The state the link was in.</returns>
    public LinkState BeginShutdown()
    {
        var previous = State;
        WantsToRun = false;
        State = LinkState.ShuttingDown;
        return previous;
    }

    public void Stopped() => State = LinkState.Stopped;

    public void CancelTimers()
    {
        _out.CancelTimer(AgentTimer.Reconnect);
        _out.CancelTimer(AgentTimer.StableConnection);
    }

    public static string StateName(LinkState state)
    {
        switch (state)
        {
            case LinkState.Stopped:
                return "Stopped";
            case LinkState.Connecting:
                return "Connecting";
            case LinkState.Connected:
                return "Connected";
            case LinkState.WaitingToRetry:
                return "WaitingToRetry";
            default:
                return "ShuttingDown";
        }
    }

    private void ScheduleReconnect(string why)
    {
        var delay = _backoff.NextDelay(ReconnectAttempt);
        var cap = _backoff.Cap(ReconnectAttempt);
        if (ReconnectAttempt < ReconnectBackoff.MaximumAttempt)
        {
            ReconnectAttempt++;
        }

        State = LinkState.WaitingToRetry;
        _out.Log(AgentLogLevel.Warning, why.TrimEnd(new[] { '.' }) + ". Retrying in " + AgentText.Seconds(delay) + " (attempt " + ReconnectAttempt + ", backoff cap " + AgentText.Seconds(cap) + ").");
        _out.StartTimer(AgentTimer.Reconnect, delay);
    }
}
