using System;
using DeviceFirmware.Core.Agent;
using DeviceFirmware.Core.Link;

namespace DeviceFirmware.Core.Shadow;

/// <summary>What an answer to this device's /get asks of the agent.</summary>
public enum GetRejection
{
    /// <summary>Not connected any more: nothing to do.</summary>
    Ignored,

    /// <summary>404: no shadow yet; create it with a full report.</summary>
    NotFound,

    /// <summary>Any other code: asked again after the /get timeout.</summary>
    Retrying,
}

/// <summary>
/// Shadow synchronisation: subscribe before publishing, a /get on every connect and again when no
/// answer comes, version ordering of deltas (stale ones discarded; an equal version is not stale),
/// the start-up fetch, /update/accepted and /update/rejected handling, and the resync when another
/// client's update crossed this device's report.
/// </summary>
public sealed class ShadowSync
{
    /// <summary>Logged when the answer to this device's /get arrives: the start-up sync is done (tests wait for it).</summary>
    public const string FetchedLogPrefix = "Shadow fetched (version ";

    /// <summary>
    /// A delta whose version is further than this ahead of the last version the shadow service
    /// confirmed (its answer to a /get, or the acceptance of this device's own report) is not
    /// trusted: the device fetches the shadow instead of applying it. Every accepted update adds 1,
    /// so only a burst of other clients' updates between two of this device's reports comes near;
    /// past the bound the cost is one /get, while a forged version cannot pin the stale-version floor.
    /// </summary>
    public const long MaximumTrustedVersionLead = 32;

    // Bounds the memory a flood of distinct rejections of this device's own updates can take.
    private const int MaximumLoggedRejections = 64;

    private readonly AgentOutput _out;
    private readonly AgentSettings _settings;
    private readonly ShadowTopics _topics;
    private readonly LinkSupervisor _link;
    private readonly ShadowPublisher _publisher;
    private readonly BoundedStringSet _loggedRejections = new BoundedStringSet(MaximumLoggedRejections);
    private bool _getPending;
    private string? _shutdownToken;

    // Version of another client's accepted update whose desired.MOTOR disagreed with where the relay
    // is going, while no delta of that version (or later) has come; -1 when none (see ResyncIfNoDeltaCame).
    private long _unansweredDesiredVersion = -1;

    // The newest version seen in any /update/accepted: a fetched document older than it is stale.
    private long _newestAcceptedVersion = -1;

    // The newest version the shadow service itself answered with (a /get, or this device's own
    // accepted report); -1 before the first. Deltas are trusted only near it.
    private long _confirmedVersion = -1;

    public ShadowSync(AgentOutput output, AgentSettings settings, ShadowTopics topics, LinkSupervisor link, ShadowPublisher publisher)
    {
        _out = output ?? throw new ArgumentNullException(nameof(output));
        _settings = settings ?? throw new ArgumentNullException(nameof(settings));
        _topics = topics ?? throw new ArgumentNullException(nameof(topics));
        _link = link ?? throw new ArgumentNullException(nameof(link));
        _publisher = publisher ?? throw new ArgumentNullException(nameof(publisher));
    }

    /// <summary>The version of the last delta applied or document fetched; -1 before any.</summary>
    public long LastShadowVersion { get; private set; } = -1;

    /// <summary>The first /get of this run has been answered (or found no shadow).</summary>
    public bool FirstFetchDone { get; private set; }

    /// <summary>On connect, before anything is published (AWS: subscribe before publishing).</summary>
    public void Subscribe()
    {
        _getPending = true;
        _out.Add(new Subscribe(_topics.Subscriptions));
    }

    /// <summary>Asks for the whole document; asks again if no answer comes within the /get timeout.</summary>
    public void RequestDocument()
    {
        _publisher.Get();
        _getPending = true;
        _out.StartTimer(AgentTimer.ShadowGetRetry, _settings.ShadowGetTimeout);
    }

    public void OnGetRetryTimer()
    {
        if (_link.IsConnected && _getPending)
        {
            _out.Log(AgentLogLevel.Warning, "No answer to the shadow /get within " + AgentText.Seconds(_settings.ShadowGetTimeout) + "; asking again.");
            RequestDocument();
        }
    }

    public void CancelTimers() => _out.CancelTimer(AgentTimer.ShadowGetRetry);

    /// <summary>The start of a /get/accepted: the /get is answered and its version becomes the floor.</summary>
    /// <returns>False when not connected (the answer is ignored).</returns>
    public bool OnGetAccepted(ShadowGetAccepted document)
    {
        if (!_link.IsConnected)
        {
            return false;
        }

        _getPending = false;
        _out.CancelTimer(AgentTimer.ShadowGetRetry);
        _out.Log(AgentLogLevel.Information, FetchedLogPrefix + (document.HasVersion ? document.Version : -1) + ").");
        // The answer to our own /get is authoritative, even with a lower version than a delta seen
        // before (the shadow may have been deleted and re-created); later deltas compare with it.
        if (document.HasVersion)
        {
            if (document.Version < LastShadowVersion)
            {
                _out.Log(AgentLogLevel.Warning, "The shadow's version went back from " + LastShadowVersion + " to " + document.Version + " (was it deleted?); following it.");
            }

            LastShadowVersion = document.Version;
            _confirmedVersion = document.Version;
            if (document.Version >= _unansweredDesiredVersion)
            {
                _unansweredDesiredVersion = -1; // The fetched document answers it.
            }
        }

        return true;
    }

    /// <summary>Which desired keys a fetched document asks for: with power-on state Desired the
    /// cloud decides at start-up, so the whole desired section (the stored reported.MOTOR may be from
    /// before this start); otherwise the delta.</summary>
    public bool ReadsWholeDesired => _settings.PowerOnState == PowerOnState.Desired && !FirstFetchDone;

    /// <returns>True when this call completed the first fetch.</returns>
    public bool CompleteFirstFetch()
    {
        if (FirstFetchDone)
        {
            return false;
        }

        FirstFetchDone = true;
        return true;
    }

    /// <summary>
    /// An update newer than this document was already accepted (the answer to /get and another
    /// client's update can cross on the way): what it changed may never come as a delta, so ask
    /// again. Once only: the newest version is taken as the document's, so a shadow whose versions
    /// really went back (deleted and re-created) does not make this loop.
    /// </summary>
    public void RefetchIfOlderThanAccepted(ShadowGetAccepted document)
    {
        var version = document.HasVersion ? document.Version : -1;
        if (version >= 0 && version < _newestAcceptedVersion && _link.IsConnected)
        {
            _out.Log(AgentLogLevel.Information, "The fetched shadow (version " + version + ") is older than an update already accepted (version " + _newestAcceptedVersion + "); fetching it again.");
            _newestAcceptedVersion = version;
            RequestDocument();
        }
    }

    public GetRejection OnGetRejected(ShadowGetRejected rejected)
    {
        if (!_link.IsConnected)
        {
            return GetRejection.Ignored;
        }

        _getPending = false;
        _out.CancelTimer(AgentTimer.ShadowGetRetry);
        if (rejected.Code == 404)
        {
            _out.Log(AgentLogLevel.Information, "The shadow does not exist yet; creating it with a full report.");
            return GetRejection.NotFound;
        }

        _out.Log(AgentLogLevel.Warning, "Shadow /get rejected (" + rejected.Code + "): " + rejected.Message + ". Asking again in " + AgentText.Seconds(_settings.ShadowGetTimeout) + ".");
        _getPending = true;
        _out.StartTimer(AgentTimer.ShadowGetRetry, _settings.ShadowGetTimeout);
        return GetRejection.Retrying;
    }

    /// <summary>Deltas older than the last one applied are stale; an equal version is not (a delta
    /// and the /update/accepted of one update share it — SDKs that compared with &gt; lost deltas).
    /// One far ahead of what the shadow service last confirmed comes from no shadow service: it is
    /// not applied, and the floor does not move.</summary>
    /// <param name="delta">A delta with a valid version (see <see cref="ShadowDeltaReceived.VersionProblem"/>).</param>
    /// <returns>True when the delta may be applied.</returns>
    public bool AcceptDeltaVersion(ShadowDeltaReceived delta)
    {
        var version = delta.Version;
        if (version < LastShadowVersion)
        {
            // Logged, not reported: AWS may redeliver a QoS 1 delta or deliver deltas out of order,
            // so a stale one is normal traffic, not something an operator must fix.
            _out.Log(AgentLogLevel.Information, "Discarded a stale shadow delta (version " + version + " < " + LastShadowVersion + ").");
            return false;
        }

        if (_confirmedVersion >= 0 && version - _confirmedVersion > MaximumTrustedVersionLead)
        {
            _out.Log(AgentLogLevel.Warning, "A shadow delta claims version " + version + ", more than " + MaximumTrustedVersionLead + " ahead of the last version the shadow service confirmed (" + _confirmedVersion + "); not applied: fetching the shadow instead.");
            if (_link.IsConnected && !_getPending)
            {
                RequestDocument();
            }

            return false;
        }

        LastShadowVersion = version;
        if (version >= _unansweredDesiredVersion)
        {
            _unansweredDesiredVersion = -1; // The delta answers it.
        }

        return true;
    }

    /// <summary>Remembers the clientToken of the shutdown's connected=false report.</summary>
    public void ExpectShutdownAnswer(string token) => _shutdownToken = token;

    public bool IsShutdownAnswer(string? token) => token != null && token == _shutdownToken;

    /// <summary>
    /// The shadow sends a delta when an update leaves desired different from reported — as reported
    /// stands at that moment. A desired change that lands while this device's own report is still on
    /// its way (after a /get, or a switch just made) can equal the old reported value, so no delta
    /// comes, and the report that follows leaves desired and reported apart with nobody told. The
    /// accepted update is the only word of it: remember its version, and if no delta that new arrives
    /// before this device's next report is accepted, fetch the shadow and let its delta decide.
    /// Applying desired from /update/accepted directly is avoided on purpose: only deltas and /get
    /// switch the relay.
    /// </summary>
    /// <param name="relayTarget">Where the relay is going (a deferred or in-flight switch, else where it is).</param>
    public void ResyncIfNoDeltaCame(ShadowUpdateAccepted accepted, bool relayTarget)
    {
        var version = accepted.HasVersion ? accepted.Version : -1;
        var ours = _publisher.IsOwnToken(accepted.ClientToken);
        if (!ours && _confirmedVersion >= 0 && version - _confirmedVersion > MaximumTrustedVersionLead)
        {
            // As with deltas: a version this far ahead is not the shadow service's; it must not
            // steer the resync below.
            _out.Log(AgentLogLevel.Debug, "Ignored an /update/accepted claiming version " + version + " (last confirmed " + _confirmedVersion + ").");
            return;
        }

        if (version > _newestAcceptedVersion)
        {
            _newestAcceptedVersion = version;
        }

        if (ours && version > _confirmedVersion)
        {
            // The shadow service accepted this device's own report: its version is confirmed.
            _confirmedVersion = version;
        }

        if (!ours)
        {
            var motor = accepted.DesiredMotor;
            if (version >= LastShadowVersion && (motor == ShadowKeys.On || motor == ShadowKeys.Off) && (motor == ShadowKeys.On) != relayTarget &&
                version > _unansweredDesiredVersion)
            {
                _unansweredDesiredVersion = version;
            }

            return;
        }

        if (_unansweredDesiredVersion >= 0 && version > _unansweredDesiredVersion && _link.IsConnected)
        {
            _out.Log(AgentLogLevel.Information, "desired MOTOR changed (version " + _unansweredDesiredVersion + ") while this device's report was on its way, and no delta followed; fetching the shadow.");
            _unansweredDesiredVersion = -1;
            if (!_getPending)
            {
                RequestDocument();
            }
        }
    }

    /// <summary>An /update/rejected while online: this device's own request, or another client's.</summary>
    public void OnUpdateRejected(ShadowUpdateRejected rejected)
    {
        var token = rejected.ClientToken;
        if (token != null && !_publisher.IsOwnToken(token))
        {
            // /update/rejected reaches every subscriber: this was another client's request (an
            // application's bad update), not a problem of this device's reports.
            _out.Log(AgentLogLevel.Debug, "Another client's shadow update was rejected (" + rejected.Code + "): " + rejected.Message + " [clientToken " + token + "].");
            return;
        }

        if (rejected.Code == 409)
        {
            _out.Log(AgentLogLevel.Warning, "Shadow update rejected with a version conflict (409): " + rejected.Message + ". Fetching the shadow again.");
            if (_link.IsConnected)
            {
                RequestDocument();
            }

            return;
        }

        // A 400 repeats identically if retried: log each distinct message once and do not loop.
        if (_loggedRejections.Add(rejected.Code + ":" + rejected.Message) != SetAddition.AlreadyThere)
        {
            _out.Log(AgentLogLevel.Error, "Shadow update rejected (" + rejected.Code + "): " + rejected.Message + (token == null ? "" : " [clientToken " + token + "]") + ".");
        }
    }
}
