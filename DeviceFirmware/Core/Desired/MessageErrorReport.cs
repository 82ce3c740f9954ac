using System;
using DeviceFirmware.Core.Agent;
using DeviceFirmware.Core.Shadow;

namespace DeviceFirmware.Core.Desired;

/// <summary>
/// <c>reported.errors.message</c>: why the last shadow message that carried commands was refused
/// whole. Reports are coalesced — at most one per interval, with whatever reason is latest when the
/// interval has passed — so a flood of bad messages cannot make the device flood the shadow.
/// </summary>
public sealed class MessageErrorReport
{
    /// <summary>reported.errors.message never grows beyond this many characters.</summary>
    public const int MaximumMessageErrorLength = 160;

    private readonly AgentOutput _out;
    private readonly ShadowPublisher _publisher;
    private readonly TimeSpan _interval;

    // What should be shown, what the shadow was last sent, and when.
    private string? _latest;
    private string? _shown;
    private bool _reported;
    private DateTime _reportedAt;
    private bool _scheduled;

    public MessageErrorReport(AgentOutput output, ShadowPublisher publisher, AgentSettings settings)
    {
        _out = output ?? throw new ArgumentNullException(nameof(output));
        _publisher = publisher ?? throw new ArgumentNullException(nameof(publisher));
        _interval = settings == null ? throw new ArgumentNullException(nameof(settings)) : settings.MessageErrorReportInterval;
    }

    /// <summary>
    /// Makes "<paramref name="reason"/> on <paramref name="shortTopic"/>" the latest reason; puts it into
    /// <paramref name="report"/> now, or (rate limit) schedules a report for when the interval has passed.
    /// </summary>
    /// <param name="connected">Offline, the next connect's full report carries it.</param>
    public void Set(string shortTopic, string reason, ShadowReport report, DateTime now, bool connected)
    {
        var text = reason + " on " + shortTopic;
        if (text.Length > MaximumMessageErrorLength)
        {
            text = AgentText.Cut(text, MaximumMessageErrorLength - 3) + "...";
        }

        var coalesced = _scheduled || text == _latest;
        _out.Log(coalesced ? AgentLogLevel.Debug : AgentLogLevel.Warning, "Ignored: " + text + ".");
        _latest = text;
        if (!connected || text == _shown)
        {
            return;
        }

        if (_reported && now - _reportedAt < _interval)
        {
            if (!_scheduled)
            {
                _scheduled = true;
                _out.StartTimer(AgentTimer.MessageErrorReport, _interval - (now - _reportedAt));
            }

            return;
        }

        Show(report, now);
    }

    /// <summary>A valid document arrived: the last refused one no longer describes the device.
    /// Clearing is not rate-limited: it rides on the report of the valid document.</summary>
    public void Clear(ShadowReport report)
    {
        _latest = null;
        CancelScheduled();
        if (_shown != null)
        {
            _shown = null;
            report.Errors.Set(ShadowKeys.ErrorMessage, null);
        }
    }

    /// <param name="connected">Whether the link is still up.</param>
    public void OnTimer(DateTime now, bool connected)
    {
        _scheduled = false;
        if (connected && _latest != null && _latest != _shown)
        {
            var report = new ShadowReport();
            Show(report, now);
            _publisher.Report(report);
        }
    }

    /// <summary>The full report carries the latest refusal (or null, which deletes an old one); it
    /// supersedes a scheduled report.</summary>
    public void AddTo(ShadowReport report)
    {
        report.Errors.Set(ShadowKeys.ErrorMessage, _latest);
        _shown = _latest;
        CancelScheduled();
    }

    /// <summary>The timer was cancelled with every other (shutdown).</summary>
    public void ForgetScheduled() => _scheduled = false;

    private void CancelScheduled()
    {
        if (_scheduled)
        {
            _scheduled = false;
            _out.CancelTimer(AgentTimer.MessageErrorReport);
        }
    }

    private void Show(ShadowReport report, DateTime now)
    {
        report.Errors.Set(ShadowKeys.ErrorMessage, _latest);
        _shown = _latest;
        _reported = true;
        _reportedAt = now;
    }
}
