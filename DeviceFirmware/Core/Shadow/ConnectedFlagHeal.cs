using System;
using DeviceFirmware.Core.Agent;

namespace DeviceFirmware.Core.Shadow;

/// <summary>
/// Self-heal of <c>reported.connected</c>: after an ungraceful drop and a fast reconnect, the old
/// session's Last Will can land after this session's <c>connected: true</c> (AWS delivers wills and
/// lifecycle messages out of order). When the shadow says false while this session is online, report
/// true again, at most once per interval.
/// </summary>
public sealed class ConnectedFlagHeal
{
    private readonly AgentOutput _out;
    private readonly ShadowPublisher _publisher;
    private readonly TimeSpan _minimumInterval;
    private bool _healed;
    private DateTime _lastHealAt;
    private bool _scheduled;

    public ConnectedFlagHeal(AgentOutput output, ShadowPublisher publisher, AgentSettings settings)
    {
        _out = output ?? throw new ArgumentNullException(nameof(output));
        _publisher = publisher ?? throw new ArgumentNullException(nameof(publisher));
        _minimumInterval = settings == null ? throw new ArgumentNullException(nameof(settings)) : settings.SelfHealMinimumInterval;
    }

    public void Request(DateTime now, string why)
    {
        if (_scheduled)
        {
            return;
        }

        _out.Log(AgentLogLevel.Warning, "Self-heal: " + why + ".");
        if (_healed && now - _lastHealAt < _minimumInterval)
        {
            _scheduled = true;
            _out.StartTimer(AgentTimer.SelfHeal, _minimumInterval - (now - _lastHealAt));
            return;
        }

        Heal(now);
    }

    /// <param name="connected">Whether the link is still up.</param>
    public void OnTimer(DateTime now, bool connected)
    {
        _scheduled = false;
        if (connected)
        {
            Heal(now);
        }
    }

    /// <summary>A new connection reports connected=true anyway: a pending heal is moot.</summary>
    public void OnConnected() => _scheduled = false;

    public void OnConnectionLost()
    {
        _out.CancelTimer(AgentTimer.SelfHeal);
        _scheduled = false;
    }

    public void CancelTimers() => _out.CancelTimer(AgentTimer.SelfHeal);

    private void Heal(DateTime now)
    {
        _healed = true;
        _lastHealAt = now;
        _out.Log(AgentLogLevel.Information, "Self-heal: reporting connected=true again.");
        _publisher.Report(new ShadowReport { Connected = true });
    }
}
