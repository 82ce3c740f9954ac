using System;
using DeviceFirmware.Core.Desired;
using DeviceFirmware.Core.Link;
using DeviceFirmware.Core.Relay;
using DeviceFirmware.Core.Shadow;

namespace DeviceFirmware.Core.Agent;

/// <summary>
/// The dispatcher's half for decoded shadow messages while the agent runs: which parts act on a
/// delta, a fetched document, a refused /get and another client's accepted update, and in what
/// order. It holds no state of its own. (Answers during shutdown are the dispatcher's.)
/// </summary>
public sealed class ShadowMessageHandler
{
    private readonly ShadowTopics _topics;
    private readonly LinkSupervisor _link;
    private readonly ShadowPublisher _publisher;
    private readonly ShadowSync _sync;
    private readonly RelayPolicy _relay;
    private readonly DesiredSettings _desired;
    private readonly ConnectedFlagHeal _heal;
    private readonly FullReport _fullReport;

    public ShadowMessageHandler(ShadowTopics topics, LinkSupervisor link, ShadowPublisher publisher, ShadowSync sync, RelayPolicy relay,
        DesiredSettings desired, ConnectedFlagHeal heal, FullReport fullReport)
    {
        _topics = topics ?? throw new ArgumentNullException(nameof(topics));
        _link = link ?? throw new ArgumentNullException(nameof(link));
        _publisher = publisher ?? throw new ArgumentNullException(nameof(publisher));
        _sync = sync ?? throw new ArgumentNullException(nameof(sync));
        _relay = relay ?? throw new ArgumentNullException(nameof(relay));
        _desired = desired ?? throw new ArgumentNullException(nameof(desired));
        _heal = heal ?? throw new ArgumentNullException(nameof(heal));
        _fullReport = fullReport ?? throw new ArgumentNullException(nameof(fullReport));
    }

    public void OnDelta(ShadowDeltaReceived delta, DateTime now)
    {
        if (!_link.WantsToRun)
        {
            return;
        }

        // Validated before the version is taken: a malformed message must not make later deltas look stale.
        if (delta.Refusal != null)
        {
            _desired.Refuse(_topics.UpdateDelta, delta.Refusal, true, now);
            return;
        }

        // A version that is not a positive integer comes from no shadow service: it must neither be
        // applied nor move the stale-version floor.
        if (delta.VersionProblem != null)
        {
            _desired.Refuse(_topics.UpdateDelta, delta.VersionProblem, true, now);
            return;
        }

        if (_sync.AcceptDeltaVersion(delta))
        {
            _desired.Apply(delta.Desired, now, _topics.UpdateDelta, false);
        }
    }

    public void OnGetAccepted(ShadowGetAccepted document, DateTime now)
    {
        if (!_sync.OnGetAccepted(document))
        {
            return;
        }

        var wholeDesired = _sync.ReadsWholeDesired;
        var section = wholeDesired ? document.Desired : document.Delta;
        if (section != null && (wholeDesired ? document.DesiredTooDeep : document.DeltaTooDeep))
        {
            _desired.Refuse(_topics.GetAccepted, ShadowMessageDecoder.TooDeepReason, true, now);
        }
        else
        {
            // No section: nothing differs, so no desired key is unknown or refused any more.
            _desired.Apply(section, now, _topics.GetAccepted, true, document.Desired);
        }

        if (document.HasState)
        {
            _desired.ClearStaleReportedErrors(document.ReportedErrorKeys);
        }

        CompleteFirstFetch();
        _sync.RefetchIfOlderThanAccepted(document);

        // The report of connected=true went out before this /get; if the shadow still says
        // false, a late Last Will landed after it.
        if (document.HasState && !document.ReportedConnectedTrue)
        {
            _heal.Request(now, "the fetched shadow says connected is not true");
        }
    }

    public void OnGetRejected(ShadowGetRejected rejected)
    {
        if (_sync.OnGetRejected(rejected) == GetRejection.NotFound)
        {
            CompleteFirstFetch();
            var report = _fullReport.Build();
            report.Motor = ShadowKeys.MotorText(_relay.RelayOn);
            _publisher.Report(report);
        }
    }

    /// <summary>Any client's accepted update while the agent runs (never switches the relay).</summary>
    public void OnUpdateAccepted(ShadowUpdateAccepted accepted, DateTime now)
    {
        // Only deltas and /get carry desired state to apply; just watch the connected flag.
        if (_link.IsConnected && accepted.ReportedConnectedFalse)
        {
            _heal.Request(now, "the shadow was updated to connected=false while this session is online (a late Last Will or a duplicate client id)");
        }

        _relay.CancelDeferredIfDesiredWentBack(accepted, _sync.LastShadowVersion);
        _sync.ResyncIfNoDeltaCame(accepted, _relay.Target);
    }

    private void CompleteFirstFetch()
    {
        if (_sync.CompleteFirstFetch())
        {
            _relay.ReportAfterFirstFetch();
        }
    }
}
