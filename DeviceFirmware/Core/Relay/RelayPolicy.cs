using System;
using DeviceFirmware.Core.Agent;
using DeviceFirmware.Core.Link;
using DeviceFirmware.Core.Shadow;

namespace DeviceFirmware.Core.Relay;

/// <summary>What became of a switch request.</summary>
public enum SwitchOutcome
{
    AlreadyThere,
    Deferred,
    Switching,
}

/// <summary>A relay switch asked for and not yet done.</summary>
public sealed class PendingSwitch
{
    public PendingSwitch(bool on, string reason, bool resetDesired, bool fromShadow)
    {
        On = on;
        Reason = reason;
        ResetDesired = resetDesired;
        FromShadow = fromShadow;
    }

    public bool On { get; }

    public string Reason { get; }

    /// <summary>Write the resulting state into <c>desired.MOTOR</c> too (the maximum on-time), so a
    /// stale desired ON does not switch the motor straight back on.</summary>
    public bool ResetDesired { get; }

    /// <summary>Carries a shadow's desired MOTOR (a delta or a fetched document).</summary>
    public bool FromShadow { get; }
}

/// <summary>
/// Relay policy: what the pin is at and where it is going, the power-on state, the minimum switch
/// interval (a faster request is deferred, never dropped; the latest request wins), the offline
/// fail-safe, the maximum on-time, and the report of every applied switch.
/// </summary>
public sealed class RelayPolicy
{
    private readonly AgentOutput _out;
    private readonly AgentSettings _settings;
    private readonly LinkSupervisor _link;
    private readonly ShadowPublisher _publisher;
    private readonly ShadowSync _sync;
    private bool _switchInFlight;
    private PendingSwitch? _deferred;
    private PendingSwitch? _inFlight;
    private bool _hasSwitched;
    private DateTime _lastSwitchAt;
    private bool _resetDesiredMotor;

    public RelayPolicy(AgentOutput output, AgentSettings settings, LinkSupervisor link, ShadowPublisher publisher, ShadowSync sync)
    {
        _out = output ?? throw new ArgumentNullException(nameof(output));
        _settings = settings ?? throw new ArgumentNullException(nameof(settings));
        _link = link ?? throw new ArgumentNullException(nameof(link));
        _publisher = publisher ?? throw new ArgumentNullException(nameof(publisher));
        _sync = sync ?? throw new ArgumentNullException(nameof(sync));
    }

    /// <summary>The relay state the agent believes the pin is at (after <see cref="RelaySwitched"/>).</summary>
    public bool RelayOn { get; private set; }

    public bool SwitchInFlight => _switchInFlight;

    public bool HasDeferredSwitch => _deferred != null;

    /// <summary>Where the relay is going: a deferred or in-flight switch, else where it is.</summary>
    public bool Target => _deferred != null ? _deferred.On : _inFlight != null ? _inFlight.On : RelayOn;

    public MotorChange? LastMotorChange { get; private set; }

    /// <summary>With power-on state Desired, MOTOR is unknown to the cloud until the first fetch decides it.</summary>
    public bool MotorReportable => _settings.PowerOnState != PowerOnState.Desired || _sync.FirstFetchDone;

    /// <summary>The shell drove the pin to its safe (off) level before the agent existed; power-on
    /// state Last restores a saved ON at once, before any network.</summary>
    public void PowerOn(SavedRelayState saved, DateTime now)
    {
        RelayOn = false;
        if (_settings.PowerOnState == PowerOnState.Last && saved == SavedRelayState.On)
        {
            BeginSwitch(new PendingSwitch(true, "power-on state Last restored ON", false, false), now);
        }
    }

    public void StartOfflineFailSafe()
    {
        if (_settings.HasOfflineFailSafe)
        {
            _out.StartTimer(AgentTimer.OfflineFailSafe, _settings.OfflineFailSafe);
        }
    }

    public void CancelOfflineFailSafe() => _out.CancelTimer(AgentTimer.OfflineFailSafe);

    /// <summary>A desired MOTOR from the shadow.</summary>
    public SwitchOutcome ApplyDesired(bool on, DateTime now) =>
        RequestSwitch(new PendingSwitch(on, "shadow desired " + ShadowKeys.MotorText(on), false, true), now);

    public SwitchOutcome RequestSwitch(PendingSwitch request, DateTime now)
    {
        if (_switchInFlight)
        {
            _deferred = request;
            return SwitchOutcome.Deferred;
        }

        if (request.On == RelayOn)
        {
            // The latest request wins: asking for the current state cancels a deferred switch.
            if (_deferred != null)
            {
                _deferred = null;
                _out.CancelTimer(AgentTimer.RelayDeferred);
            }

            if (request.ResetDesired)
            {
                _resetDesiredMotor = true;
            }

            return SwitchOutcome.AlreadyThere;
        }

        if (_hasSwitched && now - _lastSwitchAt < _settings.MinimumSwitchInterval)
        {
            var wait = _settings.MinimumSwitchInterval - (now - _lastSwitchAt);
            _deferred = request;
            _out.Log(AgentLogLevel.Information, "Relay " + ShadowKeys.MotorText(request.On) + " deferred by " + AgentText.Seconds(wait) + " (minimum switch interval " + AgentText.Seconds(_settings.MinimumSwitchInterval) + ").");
            _out.StartTimer(AgentTimer.RelayDeferred, wait);
            return SwitchOutcome.Deferred;
        }

        BeginSwitch(request, now);
        return SwitchOutcome.Switching;
    }

    public void OnDeferredTimer(DateTime now)
    {
        if (_deferred != null && _link.WantsToRun)
        {
            var deferred = _deferred;
            _deferred = null;
            RequestSwitch(deferred, now);
        }
    }

    public void OnOfflineFailSafeTimer(DateTime now)
    {
        if (_link.WantsToRun && !_link.IsConnected && _settings.HasOfflineFailSafe && (RelayOn || (_deferred != null && _deferred.On)))
        {
            RequestSwitch(new PendingSwitch(false, "offline fail-safe: no connection for " + AgentText.Minutes(_settings.OfflineFailSafe), false, false), now);
        }
    }

    public void OnMaximumOnTimer(DateTime now)
    {
        if (_link.WantsToRun && RelayOn && _settings.HasMaximumOnTime)
        {
            // Reset desired too, or the stale desired ON would switch the motor straight back on.
            RequestSwitch(new PendingSwitch(false, "maximum on-time of " + AgentText.Minutes(_settings.MaximumOnTime) + " reached", true, false), now);
        }
    }

    public void OnSwitched(bool on, DateTime now)
    {
        if (!_switchInFlight)
        {
            if (_link.State == LinkState.ShuttingDown || _link.State == LinkState.Stopped)
            {
                return;
            }

            throw new InvalidOperationException("RelaySwitched arrived without a switch in flight.");
        }

        var request = _inFlight != null ? _inFlight : new PendingSwitch(on, "unknown", false, false);
        _switchInFlight = false;
        _inFlight = null;
        if (!_link.WantsToRun)
        {
            return;
        }

        RelayOn = on;
        LastMotorChange = new MotorChange(on, request.Reason, now);
        _out.Log(AgentLogLevel.Information, "Relay " + ShadowKeys.MotorText(on) + " (" + request.Reason + ").");
        if (_settings.PowerOnState == PowerOnState.Last)
        {
            _out.Add(new SaveRelayState(on));
        }

        if (on && _settings.HasMaximumOnTime)
        {
            _out.StartTimer(AgentTimer.MaximumOnTime, _settings.MaximumOnTime);
        }
        else if (!on)
        {
            _out.CancelTimer(AgentTimer.MaximumOnTime);
        }

        if (request.ResetDesired)
        {
            _resetDesiredMotor = true;
        }

        if (_link.IsConnected && MotorReportable)
        {
            var report = new ShadowReport { Motor = ShadowKeys.MotorText(on), LastMotorChange = LastMotorChange };
            TakeDesiredReset(report);
            _publisher.Report(report);
        }

        ContinueDeferred(now);
    }

    /// <returns>The reason for <c>reported.errors.MOTOR</c>, or null when the agent is stopping.</returns>
    public string? OnSwitchFailed(bool requestedOn, string why)
    {
        _switchInFlight = false;
        _inFlight = null;
        var reason = "relay could not be switched " + ShadowKeys.MotorText(requestedOn) + ": " + why + "; relay left " + ShadowKeys.MotorText(RelayOn);
        _out.Log(AgentLogLevel.Error, reason + ".");
        return _link.WantsToRun ? reason : null;
    }

    /// <summary>Starts the deferred switch, if any, now that the pin is free.</summary>
    public void ContinueDeferred(DateTime now)
    {
        if (_deferred != null)
        {
            var next = _deferred;
            _deferred = null;
            RequestSwitch(next, now);
        }
    }

    /// <summary>
    /// A deferred switch carries the desired MOTOR of an earlier delta. If desired goes back to what
    /// the relay already is before the deferral ends, no delta comes (desired equals reported), so the
    /// accepted update is the only word of it: without this the relay would still switch, leaving the
    /// shadow with a delta nobody sends. Cancelling moves nothing, so the rule that /update/accepted
    /// never switches the relay still holds.
    /// </summary>
    public void CancelDeferredIfDesiredWentBack(ShadowUpdateAccepted accepted, long lastShadowVersion)
    {
        if (_deferred == null || !_deferred.FromShadow || accepted.DesiredMotor != ShadowKeys.MotorText(RelayOn))
        {
            return;
        }

        if (accepted.HasVersion && accepted.Version < lastShadowVersion)
        {
            return; // Older than the delta that asked for the deferred switch.
        }

        var deferred = _deferred;
        _deferred = null;
        _out.CancelTimer(AgentTimer.RelayDeferred);
        _out.Log(AgentLogLevel.Information, "Deferred relay " + ShadowKeys.MotorText(deferred.On) + " cancelled: desired MOTOR went back to " + ShadowKeys.MotorText(RelayOn) + ".");
    }

    /// <summary>The firmware stops supervising the motor, and a released GPIO line floats: switch off.
    /// The state file keeps the last commanded state, so power-on state Last restores it.</summary>
    public void SwitchOffForShutdown(DateTime now)
    {
        _deferred = null;
        if (RelayOn || _switchInFlight)
        {
            _out.Add(new SetRelay(false, "firmware stopping"));
            RelayOn = false;
            LastMotorChange = new MotorChange(false, "firmware stopping", now);
        }
    }

    /// <summary>After the first fetch with power-on state Desired: MOTOR was held back from the connect report until now.</summary>
    public void ReportAfterFirstFetch()
    {
        if (_settings.PowerOnState == PowerOnState.Desired && !_switchInFlight && _deferred == null)
        {
            _publisher.Report(new ShadowReport { Motor = ShadowKeys.MotorText(RelayOn) });
        }
    }

    /// <summary>The relay's part of a full report.</summary>
    public void AddTo(ShadowReport report)
    {
        report.LastMotorChange = LastMotorChange;
        if (MotorReportable)
        {
            report.Motor = ShadowKeys.MotorText(RelayOn);
        }
    }

    /// <summary>Adds <c>desired.MOTOR</c> to the report once after the maximum on-time switched off.</summary>
    public void TakeDesiredReset(ShadowReport report)
    {
        if (_resetDesiredMotor)
        {
            _resetDesiredMotor = false;
            report.DesiredMotor = ShadowKeys.MotorText(RelayOn);
        }
    }

    public void CancelTimers()
    {
        _out.CancelTimer(AgentTimer.RelayDeferred);
        _out.CancelTimer(AgentTimer.OfflineFailSafe);
        _out.CancelTimer(AgentTimer.MaximumOnTime);
    }

    private void BeginSwitch(PendingSwitch request, DateTime now)
    {
        _switchInFlight = true;
        _inFlight = request;
        _hasSwitched = true;
        _lastSwitchAt = now;
        _out.Add(new SetRelay(request.On, request.Reason));
    }
}
