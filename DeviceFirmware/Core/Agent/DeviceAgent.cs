using System;
using DeviceFirmware.Core.Desired;
using DeviceFirmware.Core.Files;
using DeviceFirmware.Core.Link;
using DeviceFirmware.Core.Relay;
using DeviceFirmware.Core.Shadow;
using DeviceFirmware.Core.Telemetry;

namespace DeviceFirmware.Core.Agent;

/// <summary>
/// The device's brain, sans-I/O: it takes an event and the current time and puts the actions the
/// shells must carry out into the caller's list. It does no I/O, reads no clock, uses no async, no
/// LINQ and no generics, so every transition is testable without a socket and the same source runs
/// on nanoFramework. This class only dispatches: each concern is one part —
/// <see cref="LinkSupervisor"/> (link states, backoff, shutdown's link side),
/// <see cref="ShadowSync"/> (subscribe, /get, versions, accepted/rejected, resync),
/// <see cref="DesiredSettings"/> and <see cref="MessageErrorReport"/> (desired values and
/// <c>reported.errors</c>), <see cref="RelayPolicy"/>, <see cref="TelemetrySequencer"/> and
/// <see cref="ConnectedFlagHeal"/>, <see cref="S3ObjectSync"/> (desired.s3: fetch, retry, report);
/// <see cref="ShadowMessageDecoder"/> is the JSON edge.
/// Not thread-safe: the host feeds it from one loop.
/// </summary>
public sealed class DeviceAgent
{
    private readonly AgentSettings _settings;
    private readonly RandomSource _random;
    private readonly AgentOutput _out = new AgentOutput();
    private readonly ShadowTopics _topics;
    private readonly ShadowMessageDecoder _decoder;
    private readonly LinkSupervisor _link;
    private readonly ShadowPublisher _publisher;
    private readonly ShadowSync _sync;
    private readonly RelayPolicy _relay;
    private readonly TelemetrySequencer _telemetry;
    private readonly MessageErrorReport _messageError;
    private readonly S3ObjectSync _s3;
    private readonly DesiredSettings _desired;
    private readonly ConnectedFlagHeal _heal;
    private readonly FullReport _fullReport;
    private readonly ShadowMessageHandler _shadow;
    private bool _started;

    public DeviceAgent(AgentSettings settings, RandomSource random)
    {
        _settings = settings ?? throw new ArgumentNullException(nameof(settings));
        _random = random ?? throw new ArgumentNullException(nameof(random));
        _topics = new ShadowTopics(settings.ThingName, settings.WillTopic, settings.TelemetryTopic);
        _decoder = new ShadowMessageDecoder(_topics);
        _link = new LinkSupervisor(_out, settings, random);
        _publisher = new ShadowPublisher(_out, _topics, _link);
        _sync = new ShadowSync(_out, settings, _topics, _link, _publisher);
        _relay = new RelayPolicy(_out, settings, _link, _publisher, _sync);
        _telemetry = new TelemetrySequencer(_out, settings, _topics, _link, _publisher);
        _messageError = new MessageErrorReport(_out, _publisher, settings);
        _s3 = new S3ObjectSync(_out, settings, random, _publisher, _sync);
        _desired = new DesiredSettings(_out, _topics, _link, _publisher, _relay, _telemetry, _messageError, _s3);
        _heal = new ConnectedFlagHeal(_out, _publisher, settings);
        _fullReport = new FullReport(settings, _relay, _telemetry, _desired, _messageError, _s3);
        _shadow = new ShadowMessageHandler(_topics, _link, _publisher, _sync, _relay, _desired, _heal, _fullReport);
    }

    public LinkState State => _link.State;

    /// <summary>The desired connection state: true from start until shutdown is requested.</summary>
    public bool WantsToRun => _link.WantsToRun;

    /// <summary>The relay state the agent believes the pin is at (after <see cref="RelaySwitched"/>).</summary>
    public bool RelayOn => _relay.RelayOn;

    public ShadowTopics Topics => _topics;

    /// <summary>The 0-based reconnect attempt the next failure will use.</summary>
    public int ReconnectAttempt => _link.ReconnectAttempt;

    public TimeSpan TelemetryInterval => _telemetry.Interval;

    /// <summary>Handles one event: <paramref name="actions"/> is cleared, then holds what the shells
    /// must do, in order. Throws <see cref="InvalidOperationException"/> for an event that cannot
    /// happen in the current state (a shell bug, never bad input).</summary>
    public void Handle(AgentEvent agentEvent, DateTime nowUtc, ActionList actions)
    {
        if (agentEvent == null)
        {
            throw new ArgumentNullException(nameof(agentEvent));
        }

        if (actions == null)
        {
            throw new ArgumentNullException(nameof(actions));
        }

        actions.Clear();
        if (!_started && !(agentEvent is AgentStarted))
        {
            throw new InvalidOperationException("The agent must be started before it handles " + agentEvent.GetType().Name + ".");
        }

        _out.Begin(actions);
        try
        {
            Dispatch(agentEvent, nowUtc);
        }
        finally
        {
            _out.End();
        }
    }

    private void Dispatch(AgentEvent agentEvent, DateTime now)
    {
        switch (agentEvent)
        {
            case AgentStarted started:
                OnStarted(started, now);
                break;
            case ConnectSucceeded:
                OnConnectSucceeded();
                break;
            case ConnectFailed failed:
                if (_link.ConnectFailed(failed.Reason))
                {
                    Finish();
                }

                break;
            case ConnectionLost lost:
                OnConnectionLost(lost.Reason);
                break;
            case MessageReceived message:
                Dispatch(_decoder.Decode(message.Topic, message.Payload, message.Offset, message.Count), now);
                break;
            case TimerDue timer:
                OnTimer(timer.Timer, now);
                break;
            case SensorRead read:
                _telemetry.OnSensorRead(read.Reading, now, ShadowKeys.MotorText(_relay.RelayOn));
                break;
            case RelaySwitched switched:
                _relay.OnSwitched(switched.On, now);
                break;
            case RelaySwitchFailed failed:
                OnRelaySwitchFailed(failed, now);
                break;
            case ShutdownRequested:
                OnShutdownRequested(now);
                break;
            case S3FetchCompleted fetched:
                _s3.OnFetchCompleted(fetched, now);
                break;
            case ShadowMessageRefused refused:
                if (refused.Detail != null)
                {
                    _out.Log(AgentLogLevel.Debug, "JSON error on " + refused.Topic + ": " + refused.Detail);
                }

                _desired.Refuse(refused.Topic, refused.Reason, refused.CarriesCommands, now);
                break;
            case ShadowDeltaReceived delta:
                _shadow.OnDelta(delta, now);
                break;
            case ShadowGetAccepted document:
                _shadow.OnGetAccepted(document, now);
                break;
            case ShadowGetRejected rejected:
                _shadow.OnGetRejected(rejected);
                break;
            case ShadowUpdateAccepted accepted:
                if (_link.State == LinkState.ShuttingDown)
                {
                    if (_sync.IsShutdownAnswer(accepted.ClientToken))
                    {
                        CompleteShutdown("the shadow accepted connected=false");
                    }
                }
                else
                {
                    _shadow.OnUpdateAccepted(accepted, now);
                }

                break;
            case ShadowUpdateRejected rejected:
                if (_link.State != LinkState.ShuttingDown)
                {
                    _sync.OnUpdateRejected(rejected);
                }
                else if (_sync.IsShutdownAnswer(rejected.ClientToken))
                {
                    _out.Log(AgentLogLevel.Warning, "The shadow rejected connected=false (" + rejected.Code + "): " + rejected.Message + ".");
                    CompleteShutdown("report rejected");
                }

                break;
            case UnexpectedShadowMessage unexpected:
                _out.Log(AgentLogLevel.Debug, "Ignored a message on unexpected topic " + unexpected.Topic + ".");
                break;
            default:
                throw new ArgumentException("Unknown event " + agentEvent.GetType().Name, nameof(agentEvent));
        }
    }

    // ---- Start, connect, reconnect, shutdown -----------------------------------------------------

    private void OnStarted(AgentStarted started, DateTime now)
    {
        if (_started)
        {
            throw new InvalidOperationException("The agent was started twice.");
        }

        _started = true;
        _link.Start();
        _telemetry.Start(started.LastTelemetrySequence, started.SensorModel);
        _publisher.StartRun(_random);
        _relay.PowerOn(started.SavedRelay, now);
        _s3.Start(started.InstalledS3);
        _out.Log(AgentLogLevel.Information, "Starting as thing '" + _settings.ThingName + "', power-on state " + AgentSettings.Name(_settings.PowerOnState) + ", telemetry every " + _telemetry.IntervalSeconds + " s.");
        _telemetry.ReadNow();
        _relay.StartOfflineFailSafe();
        _link.BeginConnect();
    }

    private void OnConnectSucceeded()
    {
        if (!_link.ConnectSucceeded())
        {
            // Shutdown was asked for while connecting: nothing was reported yet, so leave quietly.
            _out.Add(new Disconnect());
            Finish();
            return;
        }

        _heal.OnConnected();
        _relay.CancelOfflineFailSafe();
        // AWS: subscribe before publishing, then report, then /get on every (re)connect.
        _sync.Subscribe();
        _publisher.Report(_fullReport.Build());
        _sync.RequestDocument();
        _out.Add(new FlushTelemetry());
    }

    private void OnConnectionLost(string reason)
    {
        switch (_link.ConnectionLost(reason))
        {
            case LinkLoss.EndsShutdown:
                Finish();
                break;
            case LinkLoss.WasOnline:
                _sync.CancelTimers();
                _heal.OnConnectionLost();
                _relay.StartOfflineFailSafe();
                _link.Reconnect(reason);
                break;
        }
    }

    private void OnShutdownRequested(DateTime now)
    {
        if (!_link.WantsToRun)
        {
            return;
        }

        var connectInFlight = _link.ConnectInFlight;
        var previous = _link.BeginShutdown();
        CancelRunningTimers();
        _relay.SwitchOffForShutdown(now);
        if (previous == LinkState.Connected)
        {
            // Report offline ourselves: a clean DISCONNECT sends no Last Will.
            var report = new ShadowReport { Connected = false, Motor = ShadowKeys.MotorText(false) };
            var change = _relay.LastMotorChange;
            if (change != null && change.At == now)
            {
                report.LastMotorChange = change;
            }

            _sync.ExpectShutdownAnswer(_publisher.Report(report));
            _out.Log(AgentLogLevel.Information, "Shutting down: reported connected=false, waiting up to " + AgentText.Seconds(_settings.ShutdownReportTimeout) + " for the shadow to accept it.");
            _out.StartTimer(AgentTimer.ShutdownDeadline, _settings.ShutdownReportTimeout);
            return;
        }

        if (previous == LinkState.Connecting && connectInFlight)
        {
            // The connect attempt's result finishes the shutdown (the host cancels the attempt).
            return;
        }

        Finish();
    }

    private void CompleteShutdown(string how)
    {
        _out.CancelTimer(AgentTimer.ShutdownDeadline);
        _out.Log(AgentLogLevel.Information, "Shutdown: " + how + "; disconnecting cleanly (no Last Will).");
        _out.Add(new Disconnect());
        Finish();
    }

    private void Finish()
    {
        _link.Stopped();
        CancelRunningTimers();
        _out.CancelTimer(AgentTimer.ShutdownDeadline);
        _out.Add(new AgentStopped());
    }

    private void CancelRunningTimers()
    {
        _link.CancelTimers();
        _telemetry.CancelTimers();
        _relay.CancelTimers();
        _heal.CancelTimers();
        _sync.CancelTimers();
        _s3.Stop();
        _out.CancelTimer(AgentTimer.MessageErrorReport);
        _messageError.ForgetScheduled();
    }

    private void OnTimer(AgentTimer timer, DateTime now)
    {
        switch (timer)
        {
            case AgentTimer.Reconnect:
                _link.OnReconnectTimer();
                break;
            case AgentTimer.StableConnection:
                _link.OnStableTimer();
                break;
            case AgentTimer.Telemetry:
                _telemetry.OnTimer();
                break;
            case AgentTimer.RelayDeferred:
                _relay.OnDeferredTimer(now);
                break;
            case AgentTimer.OfflineFailSafe:
                _relay.OnOfflineFailSafeTimer(now);
                break;
            case AgentTimer.MaximumOnTime:
                _relay.OnMaximumOnTimer(now);
                break;
            case AgentTimer.ShutdownDeadline:
                if (_link.State == LinkState.ShuttingDown)
                {
                    _out.Log(AgentLogLevel.Warning, "Shutdown: connected=false was not accepted within " + AgentText.Seconds(_settings.ShutdownReportTimeout) + ".");
                    CompleteShutdown("report not confirmed");
                }

                break;
            case AgentTimer.SelfHeal:
                _heal.OnTimer(now, _link.IsConnected);
                break;
            case AgentTimer.MessageErrorReport:
                _messageError.OnTimer(now, _link.IsConnected);
                break;
            case AgentTimer.ShadowGetRetry:
                _sync.OnGetRetryTimer();
                break;
            case AgentTimer.S3FetchRetry:
                _s3.OnRetryTimer();
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(timer), "Unknown timer.");
        }
    }

    private void OnRelaySwitchFailed(RelaySwitchFailed failed, DateTime now)
    {
        var reason = _relay.OnSwitchFailed(failed.RequestedOn, failed.Reason);
        if (reason == null)
        {
            return;
        }

        var report = new ShadowReport();
        _desired.RecordMotorFault(reason, report);
        report.Motor = ShadowKeys.MotorText(_relay.RelayOn);
        if (_link.IsConnected)
        {
            _publisher.Report(report);
        }

        _relay.ContinueDeferred(now);
    }
}
