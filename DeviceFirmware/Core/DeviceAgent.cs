using System.Globalization;
using System.Text.Json;
using DeviceFirmware.Core.Sensors;

namespace DeviceFirmware.Core;

/// <summary>The connection as it is now. What the agent wants is kept apart (<see cref="DeviceAgent.WantsToRun"/>).</summary>
public enum LinkState
{
    Stopped,
    Connecting,
    Connected,
    WaitingToRetry,
    ShuttingDown,
}

/// <summary>
/// The device's brain, sans-I/O: it takes an event and the current time and returns the actions
/// the shells must carry out. It does no I/O, reads no clock, uses no async and no LINQ, so
/// every transition is testable without a socket and the logic ports to nanoFramework.
/// Not thread-safe: the host feeds it from one loop.
/// </summary>
public sealed class DeviceAgent
{
    /// <summary>Larger shadow messages are not parsed (AWS caps desired + reported at 8 KB).</summary>
    public const int MaximumShadowMessageBytes = 64 * 1024;

    /// <summary>AWS refuses desired or reported sections nested deeper than this ("JSON contains too
    /// many levels of nesting; maximum is 6"), counted from the section's own object; a deeper
    /// delta cannot come from the shadow service, so it is refused whole.</summary>
    public const int MaximumDesiredDepth = 6;

    /// <summary>At most this many unknown desired keys are listed one by one under reported.errors.</summary>
    public const int MaximumReportedUnknownKeys = 5;

    /// <summary>Unknown key names longer than this are not echoed into the shadow.</summary>
    public const int MaximumReportedKeyLength = 40;

    /// <summary>reported.errors.message never grows beyond this many characters.</summary>
    public const int MaximumMessageErrorLength = 160;

    /// <summary>
    /// A delta whose version is further than this ahead of the last version the shadow service
    /// confirmed (its answer to a /get, or the acceptance of this device's own report) is not
    /// trusted: the device fetches the shadow instead of applying it. Every accepted update adds 1,
    /// so only a burst of other clients' updates between two of this device's reports comes near;
    /// past the bound the cost is one /get, while a forged version cannot pin the stale-version floor.
    /// </summary>
    public const long MaximumTrustedVersionLead = 32;

    internal const string UnknownSettingReason = "unknown setting; ignored";

    private const int MaximumValueTextLength = 40;

    // Bounds the memory a flood of distinct unknown key names can take.
    private const int MaximumLoggedUnknownKeys = 64;

    private readonly AgentSettings _settings;
    private readonly ReconnectBackoff _backoff;
    private readonly ShadowTopics _topics;
    private readonly Func<double> _random;
    private readonly HashSet<string> _loggedUnknownKeys = new(StringComparer.Ordinal);
    private readonly HashSet<string> _loggedRejections = new(StringComparer.Ordinal);

    // Errors currently shown under reported.errors, by desired key (MOTOR, telemetryIntervalSeconds, unknown keys).
    private readonly Dictionary<string, string> _errors = new(StringComparer.Ordinal);

    // reported.errors.message: why the last shadow message was refused whole. What should be shown,
    // what the shadow was last sent, and when (reports are coalesced: at most one per interval).
    private string? _messageError;
    private string? _messageErrorShown;
    private DateTimeOffset? _messageErrorReportedAt;
    private bool _messageErrorReportScheduled;

    private List<AgentAction> _actions = [];
    private bool _started;
    private int _attempt;
    private bool _connectInFlight;
    private string _tokenPrefix = "fw";
    private long _tokenCounter;
    private string? _shutdownToken;
    private long _lastShadowVersion = -1;

    // The newest version the shadow service itself answered with (a /get, or this device's own
    // accepted report); -1 before the first. Deltas are trusted only near it.
    private long _confirmedVersion = -1;
    private bool _firstFetchDone;
    private bool _getPending;

    // Version of another client's accepted update whose desired.MOTOR disagreed with where the relay
    // is going, while no delta of that version (or later) has come; -1 when none (see ResyncIfNoDeltaCame).
    private long _unansweredDesiredVersion = -1;

    // The newest version seen in any /update/accepted: a fetched document older than it is stale.
    private long _newestAcceptedVersion = -1;
    private DateTimeOffset? _lastSelfHealAt;
    private bool _selfHealScheduled;

    // Relay: what the pin is at, what is asked and not yet done, and when it last moved.
    private bool _relayOn;
    private bool _relaySwitchInFlight;
    private PendingSwitch? _deferredSwitch;
    private PendingSwitch? _inFlightSwitch;
    private DateTimeOffset? _lastSwitchAt;
    private MotorChange? _lastMotorChange;
    private bool _resetDesiredMotor;

    private TimeSpan _telemetryInterval;
    private long _nextSequence = 1;
    private string _sensorModel = "none";
    private string? _sensorStatus;

    public DeviceAgent(AgentSettings settings, Func<double> random)
    {
        _settings = settings ?? throw new ArgumentNullException(nameof(settings));
        _random = random ?? throw new ArgumentNullException(nameof(random));
        _backoff = new ReconnectBackoff(settings.BackoffMinimum, settings.BackoffMaximum, random);
        _topics = new ShadowTopics(settings.ThingName, settings.WillTopic, settings.TelemetryTopic);
        _telemetryInterval = settings.TelemetryInterval;
    }

    public LinkState State { get; private set; } = LinkState.Stopped;

    /// <summary>The desired connection state: true from start until shutdown is requested.</summary>
    public bool WantsToRun { get; private set; }

    /// <summary>The relay state the agent believes the pin is at (after <see cref="RelaySwitched"/>).</summary>
    public bool RelayOn => _relayOn;

    public ShadowTopics Topics => _topics;

    /// <summary>The 0-based reconnect attempt the next failure will use.</summary>
    public int ReconnectAttempt => _attempt;

    public TimeSpan TelemetryInterval => _telemetryInterval;

    public IReadOnlyList<AgentAction> Handle(AgentEvent agentEvent, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(agentEvent);
        _actions = [];
        if (!_started && agentEvent is not AgentStarted)
        {
            throw new InvalidOperationException("The agent must be started before it handles " + agentEvent.GetType().Name + ".");
        }

        switch (agentEvent)
        {
            case AgentStarted started:
                OnStarted(started, now);
                break;
            case ConnectSucceeded:
                OnConnectSucceeded(now);
                break;
            case ConnectFailed failed:
                OnConnectFailed(failed.Reason);
                break;
            case ConnectionLost lost:
                OnConnectionLost(lost.Reason);
                break;
            case MessageReceived message:
                OnMessage(message, now);
                break;
            case TimerDue timer:
                OnTimer(timer.Timer, now);
                break;
            case SensorRead read:
                OnSensorRead(read.Reading, now);
                break;
            case RelaySwitched switched:
                OnRelaySwitched(switched.On, now);
                break;
            case RelaySwitchFailed failed:
                OnRelaySwitchFailed(failed, now);
                break;
            case ShutdownRequested:
                OnShutdownRequested(now);
                break;
            default:
                throw new ArgumentException("Unknown event " + agentEvent.GetType().Name, nameof(agentEvent));
        }

        return _actions;
    }

    // ---- Start, connect, reconnect -------------------------------------------------------------

    private void OnStarted(AgentStarted started, DateTimeOffset now)
    {
        if (_started)
        {
            throw new InvalidOperationException("The agent was started twice.");
        }

        _started = true;
        WantsToRun = true;
        _nextSequence = started.LastTelemetrySequence + 1;
        _sensorModel = started.SensorModel;
        // A per-run prefix tells this run's clientTokens from an earlier run's.
        _tokenPrefix = "fw" + ((int)(_random() * 1_000_000)).ToString("D6", CultureInfo.InvariantCulture);

        // The shell drove the pin to its safe (off) level before the agent existed.
        _relayOn = false;
        if (_settings.PowerOnState == PowerOnState.Last && started.SavedRelayOn == true)
        {
            BeginSwitch(new PendingSwitch(true, "power-on state Last restored ON", ResetDesired: false), now);
        }

        Emit(new Log(AgentLogLevel.Information, "Starting as thing '" + _settings.ThingName + "', power-on state " + _settings.PowerOnState + ", telemetry every " + (int)_telemetryInterval.TotalSeconds + " s."));
        Emit(new ReadSensor());
        Emit(new StartTimer(AgentTimer.Telemetry, _telemetryInterval));
        StartOfflineFailSafeIfNeeded();
        BeginConnect();
    }

    private void BeginConnect()
    {
        State = LinkState.Connecting;
        _connectInFlight = true;
        Emit(new Connect());
    }

    private void OnConnectSucceeded(DateTimeOffset now)
    {
        if (!_connectInFlight)
        {
            throw new InvalidOperationException("ConnectSucceeded arrived in state " + State + " without a connect attempt.");
        }

        _connectInFlight = false;
        if (!WantsToRun)
        {
            // Shutdown was asked for while connecting: nothing was reported yet, so leave quietly.
            Emit(new Disconnect());
            Finish();
            return;
        }

        State = LinkState.Connected;
        _getPending = true;
        _selfHealScheduled = false;
        Emit(new Log(AgentLogLevel.Information, "Connected; subscribing to the shadow topics."));
        Emit(new CancelTimer(AgentTimer.OfflineFailSafe));
        Emit(new StartTimer(AgentTimer.StableConnection, _settings.StableConnection));
        // AWS: subscribe before publishing, then report, then /get on every (re)connect.
        Emit(new Subscribe(_topics.Subscriptions));
        PublishReport(FullReport());
        PublishGet();
        Emit(new FlushTelemetry());
    }

    private void OnConnectFailed(string reason)
    {
        if (!_connectInFlight)
        {
            throw new InvalidOperationException("ConnectFailed arrived in state " + State + " without a connect attempt.");
        }

        _connectInFlight = false;
        if (!WantsToRun)
        {
            Finish();
            return;
        }

        ScheduleReconnect("Connect failed: " + reason);
    }

    private void OnConnectionLost(string reason)
    {
        if (State == LinkState.ShuttingDown)
        {
            Emit(new Log(AgentLogLevel.Warning, "Connection lost during shutdown (" + reason + "); the broker will publish the Last Will."));
            Finish();
            return;
        }

        if (State != LinkState.Connected)
        {
            // MQTTnet may report the end of a connection that never completed; the connect result covers it.
            Emit(new Log(AgentLogLevel.Debug, "Ignored connection-lost in state " + State + ": " + reason));
            return;
        }

        Emit(new CancelTimer(AgentTimer.StableConnection));
        Emit(new CancelTimer(AgentTimer.ShadowGetRetry));
        Emit(new CancelTimer(AgentTimer.SelfHeal));
        _selfHealScheduled = false;
        StartOfflineFailSafeIfNeeded();
        ScheduleReconnect("Connection lost: " + reason);
    }

    private void ScheduleReconnect(string why)
    {
        var delay = _backoff.NextDelay(_attempt);
        var cap = _backoff.Cap(_attempt);
        if (_attempt < 62)
        {
            _attempt++;
        }

        State = LinkState.WaitingToRetry;
        Emit(new Log(AgentLogLevel.Warning, why.TrimEnd('.') + ". Retrying in " + FormatSeconds(delay) + " (attempt " + _attempt + ", backoff cap " + FormatSeconds(cap) + ")."));
        Emit(new StartTimer(AgentTimer.Reconnect, delay));
    }

    // ---- Shutdown ------------------------------------------------------------------------------

    private void OnShutdownRequested(DateTimeOffset now)
    {
        if (!WantsToRun)
        {
            return;
        }

        WantsToRun = false;
        CancelRunningTimers();
        var wasConnected = State == LinkState.Connected;
        var previous = State;
        State = LinkState.ShuttingDown;

        // The firmware stops supervising the motor, and a released GPIO line floats: switch off.
        // The state file keeps the last commanded state, so power-on state Last restores it.
        _deferredSwitch = null;
        if (_relayOn || _relaySwitchInFlight)
        {
            Emit(new SetRelay(false, "firmware stopping"));
            _relayOn = false;
            _lastMotorChange = new MotorChange(false, "firmware stopping", now);
        }

        if (wasConnected)
        {
            // Report offline ourselves: a clean DISCONNECT sends no Last Will.
            var report = new ShadowReport { Connected = false, Motor = MotorText(false) };
            if (_lastMotorChange is MotorChange change && change.At == now)
            {
                report.LastMotorChange = change;
            }

            _shutdownToken = PublishReport(report);
            Emit(new Log(AgentLogLevel.Information, "Shutting down: reported connected=false, waiting up to " + FormatSeconds(_settings.ShutdownReportTimeout) + " for the shadow to accept it."));
            Emit(new StartTimer(AgentTimer.ShutdownDeadline, _settings.ShutdownReportTimeout));
            return;
        }

        if (previous == LinkState.Connecting && _connectInFlight)
        {
            // The connect attempt's result finishes the shutdown (the host cancels the attempt).
            return;
        }

        Finish();
    }

    private void CompleteShutdown(string how)
    {
        Emit(new CancelTimer(AgentTimer.ShutdownDeadline));
        Emit(new Log(AgentLogLevel.Information, "Shutdown: " + how + "; disconnecting cleanly (no Last Will)."));
        Emit(new Disconnect());
        Finish();
    }

    private void Finish()
    {
        State = LinkState.Stopped;
        CancelRunningTimers();
        Emit(new CancelTimer(AgentTimer.ShutdownDeadline));
        Emit(new AgentStopped());
    }

    private void CancelRunningTimers()
    {
        Emit(new CancelTimer(AgentTimer.Reconnect));
        Emit(new CancelTimer(AgentTimer.StableConnection));
        Emit(new CancelTimer(AgentTimer.Telemetry));
        Emit(new CancelTimer(AgentTimer.RelayDeferred));
        Emit(new CancelTimer(AgentTimer.OfflineFailSafe));
        Emit(new CancelTimer(AgentTimer.MaximumOnTime));
        Emit(new CancelTimer(AgentTimer.SelfHeal));
        Emit(new CancelTimer(AgentTimer.ShadowGetRetry));
        Emit(new CancelTimer(AgentTimer.MessageErrorReport));
        _messageErrorReportScheduled = false;
    }

    // ---- Timers --------------------------------------------------------------------------------

    private void OnTimer(AgentTimer timer, DateTimeOffset now)
    {
        switch (timer)
        {
            case AgentTimer.Reconnect:
                if (State == LinkState.WaitingToRetry && WantsToRun)
                {
                    BeginConnect();
                }

                break;
            case AgentTimer.StableConnection:
                if (State == LinkState.Connected && _attempt != 0)
                {
                    Emit(new Log(AgentLogLevel.Debug, "Connection stable; reconnect backoff reset."));
                    _attempt = 0;
                }

                break;
            case AgentTimer.Telemetry:
                if (WantsToRun)
                {
                    Emit(new ReadSensor());
                    Emit(new StartTimer(AgentTimer.Telemetry, _telemetryInterval));
                }

                break;
            case AgentTimer.RelayDeferred:
                if (_deferredSwitch is PendingSwitch deferred && WantsToRun)
                {
                    _deferredSwitch = null;
                    RequestSwitch(deferred, now);
                }

                break;
            case AgentTimer.OfflineFailSafe:
                if (WantsToRun && State != LinkState.Connected && _settings.OfflineFailSafe is TimeSpan offline && (_relayOn || _deferredSwitch?.On == true))
                {
                    RequestSwitch(new PendingSwitch(false, "offline fail-safe: no connection for " + FormatMinutes(offline), ResetDesired: false), now);
                }

                break;
            case AgentTimer.MaximumOnTime:
                if (WantsToRun && _relayOn && _settings.MaximumOnTime is TimeSpan maximum)
                {
                    // Reset desired too, or the stale desired ON would switch the motor straight back on.
                    RequestSwitch(new PendingSwitch(false, "maximum on-time of " + FormatMinutes(maximum) + " reached", ResetDesired: true), now);
                }

                break;
            case AgentTimer.ShutdownDeadline:
                if (State == LinkState.ShuttingDown)
                {
                    Emit(new Log(AgentLogLevel.Warning, "Shutdown: connected=false was not accepted within " + FormatSeconds(_settings.ShutdownReportTimeout) + "."));
                    CompleteShutdown("report not confirmed");
                }

                break;
            case AgentTimer.SelfHeal:
                _selfHealScheduled = false;
                if (State == LinkState.Connected)
                {
                    SelfHeal(now);
                }

                break;
            case AgentTimer.MessageErrorReport:
                _messageErrorReportScheduled = false;
                if (State == LinkState.Connected && _messageError is not null && _messageError != _messageErrorShown)
                {
                    var report = new ShadowReport();
                    ShowMessageError(report, now);
                    PublishReport(report);
                }

                break;
            case AgentTimer.ShadowGetRetry:
                if (State == LinkState.Connected && _getPending)
                {
                    Emit(new Log(AgentLogLevel.Warning, "No answer to the shadow /get within " + FormatSeconds(_settings.ShadowGetTimeout) + "; asking again."));
                    PublishGet();
                }

                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(timer), timer, "Unknown timer.");
        }
    }

    private void StartOfflineFailSafeIfNeeded()
    {
        if (_settings.OfflineFailSafe is TimeSpan offline)
        {
            Emit(new StartTimer(AgentTimer.OfflineFailSafe, offline));
        }
    }

    // ---- Messages ------------------------------------------------------------------------------

    private void OnMessage(MessageReceived message, DateTimeOffset now)
    {
        var topic = message.Topic;
        // Only these two carry desired state; a refusal of one is reported in the shadow. The others
        // (answers to the device's own requests) are only logged.
        var carriesCommands = topic == _topics.UpdateDelta || topic == _topics.GetAccepted;
        if (message.Payload.Length > MaximumShadowMessageBytes)
        {
            RefuseMessage(topic, "message of " + message.Payload.Length + " bytes is larger than the " + MaximumShadowMessageBytes + "-byte limit", carriesCommands, now);
            return;
        }

        if (!System.Text.Unicode.Utf8.IsValid(message.Payload.Span))
        {
            // The JSON reader checks UTF-8 only when a string is read; refuse the whole message up front.
            RefuseMessage(topic, "message is not valid UTF-8", carriesCommands, now);
            return;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(message.Payload);
        }
        catch (JsonException ex)
        {
            // The exception's own text may quote the input: report only where it broke.
            Emit(new Log(AgentLogLevel.Debug, "JSON error on " + topic + ": " + ex.Message));
            RefuseMessage(topic, "message is not valid JSON (line " + ((ex.LineNumber ?? 0) + 1) + ", byte " + ((ex.BytePositionInLine ?? 0) + 1) + ")", carriesCommands, now);
            return;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                RefuseMessage(topic, "message is " + DescribeKind(root) + ", not a JSON object", carriesCommands, now);
                return;
            }

            if (topic == _topics.UpdateDelta)
            {
                OnDelta(root, now);
            }
            else if (topic == _topics.GetAccepted)
            {
                OnGetAccepted(root, now);
            }
            else if (topic == _topics.GetRejected)
            {
                OnGetRejected(root, now);
            }
            else if (topic == _topics.UpdateAccepted)
            {
                OnUpdateAccepted(root, now);
            }
            else if (topic == _topics.UpdateRejected)
            {
                OnUpdateRejected(root);
            }
            else
            {
                Emit(new Log(AgentLogLevel.Debug, "Ignored a message on unexpected topic " + topic + "."));
            }
        }
    }

    private void OnDelta(JsonElement root, DateTimeOffset now)
    {
        if (!WantsToRun)
        {
            return;
        }

        // Validate before the version is taken: a malformed message must not make later deltas look stale.
        if (!root.TryGetProperty("state", out var state) || state.ValueKind != JsonValueKind.Object)
        {
            RefuseMessage(_topics.UpdateDelta, "delta has no state object", true, now);
            return;
        }

        if (!CheckDepth(state, _topics.UpdateDelta, now))
        {
            return;
        }

        if (!AcceptDeltaVersion(root, now))
        {
            return;
        }

        ApplyDesired(state, now, _topics.UpdateDelta, complete: false);
    }

    private bool CheckDepth(JsonElement section, string topic, DateTimeOffset now)
    {
        if (Depth(section) <= MaximumDesiredDepth)
        {
            return true;
        }

        RefuseMessage(topic, "desired state is nested deeper than " + MaximumDesiredDepth + " levels", true, now);
        return false;
    }

    /// <summary>Logged when the answer to this device's /get arrives: the start-up sync is done (tests wait for it).</summary>
    public const string FetchedLogPrefix = "Shadow fetched (version ";

    private void OnGetAccepted(JsonElement root, DateTimeOffset now)
    {
        if (State != LinkState.Connected)
        {
            return;
        }

        _getPending = false;
        Emit(new CancelTimer(AgentTimer.ShadowGetRetry));
        var getVersion = root.TryGetProperty("version", out var getVersionElement) && getVersionElement.TryGetInt64(out var gv) ? gv : -1;
        Emit(new Log(AgentLogLevel.Information, FetchedLogPrefix + getVersion + ")."));
        // The answer to our own /get is authoritative, even with a lower version than a delta seen
        // before (the shadow may have been deleted and re-created); later deltas compare with it.
        if (root.TryGetProperty("version", out var versionElement) && versionElement.TryGetInt64(out var version))
        {
            if (version < _lastShadowVersion)
            {
                Emit(new Log(AgentLogLevel.Warning, "The shadow's version went back from " + _lastShadowVersion + " to " + version + " (was it deleted?); following it."));
            }

            _lastShadowVersion = version;
            _confirmedVersion = version;
            if (version >= _unansweredDesiredVersion)
            {
                _unansweredDesiredVersion = -1; // The fetched document answers it.
            }
        }

        JsonElement state = default;
        var hasState = root.TryGetProperty("state", out state) && state.ValueKind == JsonValueKind.Object;
        // The cloud decides at start-up with power-on state Desired: read the whole desired
        // section, not only the delta, because the stored reported.MOTOR may be from before this start.
        var section = _settings.PowerOnState == PowerOnState.Desired && !_firstFetchDone ? "desired" : "delta";
        if (hasState && state.TryGetProperty(section, out var desired) && desired.ValueKind == JsonValueKind.Object)
        {
            if (CheckDepth(desired, _topics.GetAccepted, now))
            {
                ApplyDesired(desired, now, _topics.GetAccepted, complete: true);
            }
        }
        else
        {
            // No delta: nothing differs, so no desired key is unknown or refused any more.
            ApplyDesired(default, now, _topics.GetAccepted, complete: true);
        }

        if (hasState)
        {
            ClearStaleReportedErrors(state);
        }

        CompleteFirstFetch();

        // An update newer than this document was already accepted (the answer to /get and another
        // client's update can cross on the way): what it changed may never come as a delta, so ask
        // again. Once only: the newest version is taken as the document's, so a shadow whose
        // versions really went back (deleted and re-created) does not make this loop.
        if (getVersion >= 0 && getVersion < _newestAcceptedVersion && State == LinkState.Connected)
        {
            Emit(new Log(AgentLogLevel.Information, "The fetched shadow (version " + getVersion + ") is older than an update already accepted (version " + _newestAcceptedVersion + "); fetching it again."));
            _newestAcceptedVersion = getVersion;
            PublishGet();
        }

        // The report of connected=true went out before this /get; if the shadow still says
        // false, a late Last Will landed after it.
        if (hasState && !ReportedConnectedIsTrue(state))
        {
            RequestSelfHeal(now, "the fetched shadow says connected is not true");
        }
    }

    private void CompleteFirstFetch()
    {
        if (_firstFetchDone)
        {
            return;
        }

        _firstFetchDone = true;
        if (_settings.PowerOnState == PowerOnState.Desired && !_relaySwitchInFlight && _deferredSwitch is null)
        {
            // MOTOR was held back from the connect report until now.
            PublishReport(new ShadowReport { Motor = MotorText(_relayOn) });
        }
    }

    private void OnGetRejected(JsonElement root, DateTimeOffset now)
    {
        if (State != LinkState.Connected)
        {
            return;
        }

        _getPending = false;
        Emit(new CancelTimer(AgentTimer.ShadowGetRetry));
        var (code, text) = ReadError(root);
        if (code == 404)
        {
            Emit(new Log(AgentLogLevel.Information, "The shadow does not exist yet; creating it with a full report."));
            CompleteFirstFetch();
            var report = FullReport();
            report.Motor = MotorText(_relayOn);
            PublishReport(report);
            return;
        }

        Emit(new Log(AgentLogLevel.Warning, "Shadow /get rejected (" + code + "): " + text + ". Asking again in " + FormatSeconds(_settings.ShadowGetTimeout) + "."));
        _getPending = true;
        Emit(new StartTimer(AgentTimer.ShadowGetRetry, _settings.ShadowGetTimeout));
    }

    private void OnUpdateAccepted(JsonElement root, DateTimeOffset now)
    {
        var token = ReadClientToken(root);
        if (State == LinkState.ShuttingDown)
        {
            if (token is not null && token == _shutdownToken)
            {
                CompleteShutdown("the shadow accepted connected=false");
            }

            return;
        }

        // Never switch the relay from /update/accepted (only deltas and /get carry desired
        // state to apply); just watch the connected flag.
        if (State == LinkState.Connected &&
            root.TryGetProperty("state", out var state) && state.ValueKind == JsonValueKind.Object &&
            state.TryGetProperty("reported", out var reported) && reported.ValueKind == JsonValueKind.Object &&
            reported.TryGetProperty(ShadowKeys.Connected, out var connected) && connected.ValueKind == JsonValueKind.False)
        {
            RequestSelfHeal(now, "the shadow was updated to connected=false while this session is online (a late Last Will or a duplicate client id)");
        }

        CancelDeferredSwitchIfDesiredWentBack(root);
        ResyncIfNoDeltaCame(root, token);
    }

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
    private void ResyncIfNoDeltaCame(JsonElement root, string? token)
    {
        var version = root.TryGetProperty("version", out var versionElement) && versionElement.TryGetInt64(out var v) ? v : -1;
        var ours = token is not null && token.StartsWith(_tokenPrefix + "-", StringComparison.Ordinal);
        if (!ours && _confirmedVersion >= 0 && version - _confirmedVersion > MaximumTrustedVersionLead)
        {
            // As with deltas: a version this far ahead is not the shadow service's; it must not
            // steer the resync below.
            Emit(new Log(AgentLogLevel.Debug, "Ignored an /update/accepted claiming version " + version + " (last confirmed " + _confirmedVersion + ")."));
            return;
        }

        _newestAcceptedVersion = Math.Max(_newestAcceptedVersion, version);
        if (ours)
        {
            // The shadow service accepted this device's own report: its version is confirmed.
            _confirmedVersion = Math.Max(_confirmedVersion, version);
        }
        else
        {
            if (version >= _lastShadowVersion &&
                root.TryGetProperty("state", out var state) && state.ValueKind == JsonValueKind.Object &&
                state.TryGetProperty("desired", out var desired) && desired.ValueKind == JsonValueKind.Object &&
                desired.TryGetProperty(ShadowKeys.Motor, out var motor) && motor.ValueKind == JsonValueKind.String &&
                (motor.ValueEquals(ShadowKeys.On) || motor.ValueEquals(ShadowKeys.Off)) &&
                motor.ValueEquals(ShadowKeys.On) != RelayTarget)
            {
                _unansweredDesiredVersion = Math.Max(_unansweredDesiredVersion, version);
            }

            return;
        }

        if (_unansweredDesiredVersion >= 0 && version > _unansweredDesiredVersion && State == LinkState.Connected)
        {
            Emit(new Log(AgentLogLevel.Information, "desired MOTOR changed (version " + _unansweredDesiredVersion + ") while this device's report was on its way, and no delta followed; fetching the shadow."));
            _unansweredDesiredVersion = -1;
            if (!_getPending)
            {
                PublishGet();
            }
        }
    }

    /// <summary>Where the relay is going: a deferred or in-flight switch, else where it is.</summary>
    private bool RelayTarget => _deferredSwitch?.On ?? _inFlightSwitch?.On ?? _relayOn;

    /// <summary>
    /// A deferred switch carries the desired MOTOR of an earlier delta. If desired goes back to what
    /// the relay already is before the deferral ends, no delta comes (desired equals reported), so the
    /// accepted update is the only word of it: without this the relay would still switch, leaving the
    /// shadow with a delta nobody sends. Cancelling moves nothing, so the rule that /update/accepted
    /// never switches the relay still holds.
    /// </summary>
    private void CancelDeferredSwitchIfDesiredWentBack(JsonElement root)
    {
        if (_deferredSwitch is not { FromShadow: true } deferred ||
            !root.TryGetProperty("state", out var state) || state.ValueKind != JsonValueKind.Object ||
            !state.TryGetProperty("desired", out var desired) || desired.ValueKind != JsonValueKind.Object ||
            !desired.TryGetProperty(ShadowKeys.Motor, out var motor) || motor.ValueKind != JsonValueKind.String ||
            !motor.ValueEquals(MotorText(_relayOn)))
        {
            return;
        }

        if (root.TryGetProperty("version", out var versionElement) && versionElement.TryGetInt64(out var version) && version < _lastShadowVersion)
        {
            return; // Older than the delta that asked for the deferred switch.
        }

        _deferredSwitch = null;
        Emit(new CancelTimer(AgentTimer.RelayDeferred));
        Emit(new Log(AgentLogLevel.Information, "Deferred relay " + MotorText(deferred.On) + " cancelled: desired MOTOR went back to " + MotorText(_relayOn) + "."));
    }

    private void OnUpdateRejected(JsonElement root)
    {
        var (code, text) = ReadError(root);
        var token = ReadClientToken(root);
        if (State == LinkState.ShuttingDown)
        {
            if (token is not null && token == _shutdownToken)
            {
                Emit(new Log(AgentLogLevel.Warning, "The shadow rejected connected=false (" + code + "): " + text + "."));
                CompleteShutdown("report rejected");
            }

            return;
        }

        if (token is not null && !token.StartsWith(_tokenPrefix + "-", StringComparison.Ordinal))
        {
            // /update/rejected reaches every subscriber: this was another client's request (an
            // application's bad update), not a problem of this device's reports.
            Emit(new Log(AgentLogLevel.Debug, "Another client's shadow update was rejected (" + code + "): " + text + " [clientToken " + token + "]."));
            return;
        }

        if (code == 409)
        {
            Emit(new Log(AgentLogLevel.Warning, "Shadow update rejected with a version conflict (409): " + text + ". Fetching the shadow again."));
            if (State == LinkState.Connected)
            {
                PublishGet();
            }

            return;
        }

        // A 400 repeats identically if retried: log each distinct message once and do not loop.
        var key = code.ToString(CultureInfo.InvariantCulture) + ":" + text;
        if (_loggedRejections.Add(key))
        {
            Emit(new Log(AgentLogLevel.Error, "Shadow update rejected (" + code + "): " + text + (token is null ? "" : " [clientToken " + token + "]") + "."));
        }
    }

    /// <summary>Deltas older than the last one applied are stale; an equal version is not (a delta
    /// and the /update/accepted of one update share it — SDKs that compared with &gt; lost deltas).
    /// A version that is not a positive integer, or one far ahead of what the shadow service last
    /// confirmed, comes from no shadow service: it must neither be applied nor move the floor.</summary>
    private bool AcceptDeltaVersion(JsonElement root, DateTimeOffset now)
    {
        var problem = ReadVersion(root, out var version);
        if (problem is not null)
        {
            RefuseMessage(_topics.UpdateDelta, problem, true, now);
            return false;
        }

        if (version < _lastShadowVersion)
        {
            // Logged, not reported: AWS may redeliver a QoS 1 delta or deliver deltas out of order,
            // so a stale one is normal traffic, not something an operator must fix.
            Emit(new Log(AgentLogLevel.Information, "Discarded a stale shadow delta (version " + version + " < " + _lastShadowVersion + ")."));
            return false;
        }

        if (_confirmedVersion >= 0 && version - _confirmedVersion > MaximumTrustedVersionLead)
        {
            Emit(new Log(AgentLogLevel.Warning, "A shadow delta claims version " + version + ", more than " + MaximumTrustedVersionLead + " ahead of the last version the shadow service confirmed (" + _confirmedVersion + "); not applied: fetching the shadow instead."));
            if (State == LinkState.Connected && !_getPending)
            {
                PublishGet();
            }

            return false;
        }

        _lastShadowVersion = version;
        if (version >= _unansweredDesiredVersion)
        {
            _unansweredDesiredVersion = -1; // The delta answers it.
        }

        return true;
    }

    /// <summary>The message's version, or why it has none the device can order by.</summary>
    private static string? ReadVersion(JsonElement root, out long version)
    {
        version = -1;
        if (!root.TryGetProperty("version", out var element))
        {
            return "delta has no version";
        }

        if (element.ValueKind != JsonValueKind.Number)
        {
            return "delta version is " + DescribeKind(element) + ", not a positive integer";
        }

        if (!element.TryGetInt64(out version) || version <= 0)
        {
            var text = element.GetRawText();
            version = -1;
            return "delta version " + (text.Length > MaximumValueTextLength ? text.Substring(0, MaximumValueTextLength) + "..." : text) + " is not a positive 64-bit integer";
        }

        return null;
    }

    // ---- Desired state -------------------------------------------------------------------------

    /// <param name="desired">The desired keys to apply; <c>default</c> for none.</param>
    /// <param name="complete">True when <paramref name="desired"/> is every key that differs (a fetched
    /// document), so an unknown-key error for a key not in it is out of date.</param>
    private void ApplyDesired(JsonElement desired, DateTimeOffset now, string topic, bool complete)
    {
        var report = new ShadowReport();
        var unlisted = 0;
        if (desired.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in desired.EnumerateObject())
            {
                switch (property.Name)
                {
                    case ShadowKeys.Motor:
                        ApplyMotor(property.Value, now, report);
                        break;
                    case ShadowKeys.TelemetryIntervalSeconds:
                        ApplyTelemetryInterval(property.Value, report);
                        break;
                    default:
                        if (!ReportUnknownKey(property.Name, report))
                        {
                            unlisted++;
                        }

                        break;
                }
            }
        }

        if (complete)
        {
            ClearUnknownKeyErrorsNotIn(desired, report);
        }

        if (unlisted > 0)
        {
            SetMessageError(topic, "ignored " + unlisted + " unknown setting(s) whose names cannot be listed (more than " + MaximumReportedUnknownKeys +
                ", or not 1-" + MaximumReportedKeyLength + " letters, digits, '_' or '-')", report, now);
        }
        else
        {
            // A valid document arrived: the last refused one no longer describes the device.
            ClearMessageError(report);
        }

        if (!report.IsEmpty)
        {
            PublishReport(report);
        }
    }

    /// <returns>False when the key cannot be listed by name (too many, or an unsafe name).</returns>
    private bool ReportUnknownKey(string name, ShadowReport report)
    {
        if (_errors.ContainsKey(name))
        {
            return true; // Already reported (and logged).
        }

        if (_loggedUnknownKeys.Count < MaximumLoggedUnknownKeys && _loggedUnknownKeys.Add(name))
        {
            Emit(new Log(AgentLogLevel.Warning, "Ignored unknown desired key '" + SafeText(name, MaximumReportedKeyLength) + "' (logged once)."));
        }

        if (!IsReportableKeyName(name) || CountUnknownKeyErrors() >= MaximumReportedUnknownKeys)
        {
            return false;
        }

        _errors[name] = UnknownSettingReason;
        report.Errors[name] = UnknownSettingReason;
        return true;
    }

    private int CountUnknownKeyErrors()
    {
        var count = 0;
        foreach (var pair in _errors)
        {
            if (!IsKnownDesiredKey(pair.Key))
            {
                count++;
            }
        }

        return count;
    }

    private void ClearUnknownKeyErrorsNotIn(JsonElement desired, ShadowReport report)
    {
        List<string>? gone = null;
        foreach (var pair in _errors)
        {
            if (!IsKnownDesiredKey(pair.Key) && (desired.ValueKind != JsonValueKind.Object || !desired.TryGetProperty(pair.Key, out _)))
            {
                (gone ??= []).Add(pair.Key);
            }
        }

        if (gone is null)
        {
            return;
        }

        foreach (var key in gone)
        {
            _errors.Remove(key);
            report.Errors[key] = null;
        }
    }

    /// <summary>
    /// Deletes entries under the fetched reported.errors that this run does not stand behind (an
    /// unknown key removed from desired while the device was off). Only names this firmware could
    /// have written, and only a few per fetch.
    /// </summary>
    private void ClearStaleReportedErrors(JsonElement state)
    {
        if (!state.TryGetProperty("reported", out var reported) || reported.ValueKind != JsonValueKind.Object ||
            !reported.TryGetProperty(ShadowKeys.Errors, out var errors) || errors.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        var report = new ShadowReport();
        foreach (var entry in errors.EnumerateObject())
        {
            if (report.Errors.Count >= MaximumReportedUnknownKeys)
            {
                break;
            }

            var name = entry.Name;
            if (entry.Value.ValueKind != JsonValueKind.Null && IsReportableKeyName(name) && !IsKnownDesiredKey(name) && !_errors.ContainsKey(name))
            {
                report.Errors[name] = null;
            }
        }

        if (!report.IsEmpty)
        {
            PublishReport(report);
        }
    }

    private static bool IsKnownDesiredKey(string key) =>
        key is ShadowKeys.Motor or ShadowKeys.TelemetryIntervalSeconds or ShadowKeys.ErrorMessage;

    /// <summary>
    /// A key name that can be echoed as reported.errors.&lt;name&gt; without the report itself being
    /// refused or misleading: plain ASCII letters, digits, '_' and '-', bounded in length, and not
    /// the name of the whole-message entry.
    /// </summary>
    internal static bool IsReportableKeyName(string name)
    {
        if (name.Length == 0 || name.Length > MaximumReportedKeyLength || name == ShadowKeys.ErrorMessage)
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '-'))
            {
                return false;
            }
        }

        return true;
    }

    // ---- Refused messages (reported.errors.message) --------------------------------------------

    /// <summary>A message was refused whole: log it, and for a command topic show why in the shadow.</summary>
    private void RefuseMessage(string topic, string reason, bool carriesCommands, DateTimeOffset now)
    {
        if (!carriesCommands)
        {
            Emit(new Log(AgentLogLevel.Warning, "Ignored a message on " + topic + ": " + reason + "."));
            return;
        }

        var report = new ShadowReport();
        SetMessageError(topic, reason, report, now);
        if (!report.IsEmpty)
        {
            PublishReport(report);
        }
    }

    /// <summary>
    /// Makes <paramref name="reason"/> the latest reason; puts it into <paramref name="report"/> now, or
    /// (rate limit) schedules a report with whatever reason is latest when the interval has passed.
    /// </summary>
    private void SetMessageError(string topic, string reason, ShadowReport report, DateTimeOffset now)
    {
        var text = reason + " on " + _topics.ShortName(topic);
        if (text.Length > MaximumMessageErrorLength)
        {
            text = text.Substring(0, MaximumMessageErrorLength - 3) + "...";
        }

        var coalesced = _messageErrorReportScheduled || text == _messageError;
        Emit(new Log(coalesced ? AgentLogLevel.Debug : AgentLogLevel.Warning, "Ignored: " + text + "."));
        _messageError = text;
        if (State != LinkState.Connected || text == _messageErrorShown)
        {
            return; // Offline: the next connect's full report carries it.
        }

        var interval = _settings.MessageErrorReportInterval;
        if (_messageErrorReportedAt is DateTimeOffset last && now - last < interval)
        {
            if (!_messageErrorReportScheduled)
            {
                _messageErrorReportScheduled = true;
                Emit(new StartTimer(AgentTimer.MessageErrorReport, interval - (now - last)));
            }

            return;
        }

        ShowMessageError(report, now);
    }

    private void ShowMessageError(ShadowReport report, DateTimeOffset now)
    {
        report.Errors[ShadowKeys.ErrorMessage] = _messageError;
        _messageErrorShown = _messageError;
        _messageErrorReportedAt = now;
    }

    private void ClearMessageError(ShadowReport report)
    {
        _messageError = null;
        if (_messageErrorReportScheduled)
        {
            _messageErrorReportScheduled = false;
            Emit(new CancelTimer(AgentTimer.MessageErrorReport));
        }

        if (_messageErrorShown is not null)
        {
            // Clearing is not rate-limited: it rides on the report of the valid document.
            _messageErrorShown = null;
            report.Errors[ShadowKeys.ErrorMessage] = null;
        }
    }

    private void ApplyMotor(JsonElement value, DateTimeOffset now, ShadowReport report)
    {
        bool on;
        if (value.ValueKind == JsonValueKind.String && value.ValueEquals(ShadowKeys.On))
        {
            on = true;
        }
        else if (value.ValueKind == JsonValueKind.String && value.ValueEquals(ShadowKeys.Off))
        {
            on = false;
        }
        else
        {
            var reason = "invalid MOTOR value " + Describe(value) + ": expected \"ON\" or \"OFF\"; relay left " + MotorText(_relayOn);
            SetError(ShadowKeys.Motor, reason, report);
            return;
        }

        ClearError(ShadowKeys.Motor, report);
        var outcome = RequestSwitch(new PendingSwitch(on, "shadow desired " + MotorText(on), ResetDesired: false, FromShadow: true), now);
        if (outcome == SwitchOutcome.AlreadyThere && (_settings.PowerOnState != PowerOnState.Desired || _firstFetchDone))
        {
            // Nothing to move, but reported may be stale (that is why a delta exists): report it.
            report.Motor = MotorText(_relayOn);
        }
    }

    private void ApplyTelemetryInterval(JsonElement value, ShadowReport report)
    {
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var seconds) ||
            seconds < AgentSettings.MinimumTelemetryIntervalSeconds || seconds > AgentSettings.MaximumTelemetryIntervalSeconds)
        {
            var reason = "invalid telemetryIntervalSeconds value " + Describe(value) + ": expected an integer from " +
                AgentSettings.MinimumTelemetryIntervalSeconds + " to " + AgentSettings.MaximumTelemetryIntervalSeconds +
                "; keeping " + (int)_telemetryInterval.TotalSeconds;
            SetError(ShadowKeys.TelemetryIntervalSeconds, reason, report);
            return;
        }

        ClearError(ShadowKeys.TelemetryIntervalSeconds, report);
        var interval = TimeSpan.FromSeconds(seconds);
        if (interval != _telemetryInterval)
        {
            _telemetryInterval = interval;
            Emit(new Log(AgentLogLevel.Information, "Telemetry interval set to " + seconds + " s."));
            if (WantsToRun)
            {
                Emit(new StartTimer(AgentTimer.Telemetry, _telemetryInterval));
            }
        }

        report.TelemetryIntervalSeconds = seconds;
    }

    private void SetError(string key, string reason, ShadowReport report)
    {
        if (_errors.TryGetValue(key, out var existing) && existing == reason)
        {
            return;
        }

        _errors[key] = reason;
        report.Errors[key] = reason;
        Emit(new Log(AgentLogLevel.Warning, "Not applied: " + reason + "."));
    }

    private void ClearError(string key, ShadowReport report)
    {
        if (_errors.Remove(key))
        {
            report.Errors[key] = null;
        }
    }

    // ---- Relay ---------------------------------------------------------------------------------

    private SwitchOutcome RequestSwitch(PendingSwitch request, DateTimeOffset now)
    {
        if (_relaySwitchInFlight)
        {
            _deferredSwitch = request;
            return SwitchOutcome.Deferred;
        }

        if (request.On == _relayOn)
        {
            // The latest request wins: asking for the current state cancels a deferred switch.
            if (_deferredSwitch is not null)
            {
                _deferredSwitch = null;
                Emit(new CancelTimer(AgentTimer.RelayDeferred));
            }

            if (request.ResetDesired)
            {
                _resetDesiredMotor = true;
            }

            return SwitchOutcome.AlreadyThere;
        }

        if (_lastSwitchAt is DateTimeOffset last && now - last < _settings.MinimumSwitchInterval)
        {
            var wait = _settings.MinimumSwitchInterval - (now - last);
            _deferredSwitch = request;
            Emit(new Log(AgentLogLevel.Information, "Relay " + MotorText(request.On) + " deferred by " + FormatSeconds(wait) + " (minimum switch interval " + FormatSeconds(_settings.MinimumSwitchInterval) + ")."));
            Emit(new StartTimer(AgentTimer.RelayDeferred, wait));
            return SwitchOutcome.Deferred;
        }

        BeginSwitch(request, now);
        return SwitchOutcome.Switching;
    }

    private void BeginSwitch(PendingSwitch request, DateTimeOffset now)
    {
        _relaySwitchInFlight = true;
        _inFlightSwitch = request;
        _lastSwitchAt = now;
        Emit(new SetRelay(request.On, request.Reason));
    }

    private void OnRelaySwitched(bool on, DateTimeOffset now)
    {
        if (!_relaySwitchInFlight)
        {
            if (State == LinkState.ShuttingDown || State == LinkState.Stopped)
            {
                return;
            }

            throw new InvalidOperationException("RelaySwitched arrived without a switch in flight.");
        }

        var request = _inFlightSwitch ?? new PendingSwitch(on, "unknown", false);
        _relaySwitchInFlight = false;
        _inFlightSwitch = null;
        if (!WantsToRun)
        {
            return;
        }

        _relayOn = on;
        _lastMotorChange = new MotorChange(on, request.Reason, now);
        Emit(new Log(AgentLogLevel.Information, "Relay " + MotorText(on) + " (" + request.Reason + ")."));
        if (_settings.PowerOnState == PowerOnState.Last)
        {
            Emit(new SaveRelayState(on));
        }

        if (on && _settings.MaximumOnTime is TimeSpan maximum)
        {
            Emit(new StartTimer(AgentTimer.MaximumOnTime, maximum));
        }
        else if (!on)
        {
            Emit(new CancelTimer(AgentTimer.MaximumOnTime));
        }

        if (request.ResetDesired)
        {
            _resetDesiredMotor = true;
        }

        if (State == LinkState.Connected && (_settings.PowerOnState != PowerOnState.Desired || _firstFetchDone))
        {
            var report = new ShadowReport { Motor = MotorText(on), LastMotorChange = _lastMotorChange };
            TakeDesiredReset(report);
            PublishReport(report);
        }

        if (_deferredSwitch is PendingSwitch next)
        {
            _deferredSwitch = null;
            RequestSwitch(next, now);
        }
    }

    private void OnRelaySwitchFailed(RelaySwitchFailed failed, DateTimeOffset now)
    {
        _relaySwitchInFlight = false;
        _inFlightSwitch = null;
        var reason = "relay could not be switched " + MotorText(failed.RequestedOn) + ": " + failed.Reason + "; relay left " + MotorText(_relayOn);
        Emit(new Log(AgentLogLevel.Error, reason + "."));
        if (!WantsToRun)
        {
            return;
        }

        var report = new ShadowReport();
        _errors[ShadowKeys.Motor] = reason;
        report.Errors[ShadowKeys.Motor] = reason;
        report.Motor = MotorText(_relayOn);
        if (State == LinkState.Connected)
        {
            PublishReport(report);
        }

        if (_deferredSwitch is PendingSwitch next)
        {
            _deferredSwitch = null;
            RequestSwitch(next, now);
        }
    }

    private void TakeDesiredReset(ShadowReport report)
    {
        if (_resetDesiredMotor)
        {
            _resetDesiredMotor = false;
            report.DesiredMotor = MotorText(_relayOn);
        }
    }

    // ---- Telemetry and sensor ------------------------------------------------------------------

    private void OnSensorRead(SensorReading reading, DateTimeOffset now)
    {
        if (!WantsToRun)
        {
            return;
        }

        var status = reading.Status;
        var modelChanged = reading.Model is string model && model != _sensorModel;
        if (modelChanged)
        {
            _sensorModel = reading.Model!;
        }

        if (status != _sensorStatus || modelChanged)
        {
            var level = reading.Health == SensorHealth.Ok ? AgentLogLevel.Information : AgentLogLevel.Warning;
            Emit(new Log(level, "Sensor " + _sensorModel + ": " + status + "."));
            _sensorStatus = status;
            if (State == LinkState.Connected)
            {
                PublishReport(new ShadowReport { SensorModel = _sensorModel, SensorStatus = status });
            }
        }

        var sequence = _nextSequence++;
        Emit(new EnqueueTelemetry(sequence, _topics.Telemetry, TelemetryMessage.Build(sequence, now, reading, MotorText(_relayOn))));
        if (State == LinkState.Connected)
        {
            Emit(new FlushTelemetry());
        }
    }

    // ---- Self-heal -----------------------------------------------------------------------------

    private void RequestSelfHeal(DateTimeOffset now, string why)
    {
        if (_selfHealScheduled)
        {
            return;
        }

        Emit(new Log(AgentLogLevel.Warning, "Self-heal: " + why + "."));
        if (_lastSelfHealAt is DateTimeOffset last && now - last < _settings.SelfHealMinimumInterval)
        {
            _selfHealScheduled = true;
            Emit(new StartTimer(AgentTimer.SelfHeal, _settings.SelfHealMinimumInterval - (now - last)));
            return;
        }

        SelfHeal(now);
    }

    private void SelfHeal(DateTimeOffset now)
    {
        _lastSelfHealAt = now;
        Emit(new Log(AgentLogLevel.Information, "Self-heal: reporting connected=true again."));
        PublishReport(new ShadowReport { Connected = true });
    }

    // ---- Publishing helpers --------------------------------------------------------------------

    private ShadowReport FullReport()
    {
        var report = new ShadowReport
        {
            Connected = true,
            TelemetryIntervalSeconds = (int)_telemetryInterval.TotalSeconds,
            FirmwareVersion = _settings.FirmwareVersion,
            Hardware = _settings.Hardware,
            SensorModel = _sensorModel,
            SensorStatus = _sensorStatus ?? "unknown",
            LastMotorChange = _lastMotorChange,
        };
        // Desired power-on state: MOTOR is unknown to the cloud until the first fetch decides it.
        if (_settings.PowerOnState != PowerOnState.Desired || _firstFetchDone)
        {
            report.Motor = MotorText(_relayOn);
        }

        foreach (var pair in _errors)
        {
            report.Errors[pair.Key] = pair.Value;
        }

        // Clear reasons that were solved since the shadow last heard from us.
        if (!_errors.ContainsKey(ShadowKeys.Motor))
        {
            report.Errors[ShadowKeys.Motor] = null;
        }

        if (!_errors.ContainsKey(ShadowKeys.TelemetryIntervalSeconds))
        {
            report.Errors[ShadowKeys.TelemetryIntervalSeconds] = null;
        }

        // The latest refusal (or null, which deletes an old one); it supersedes a scheduled report.
        report.Errors[ShadowKeys.ErrorMessage] = _messageError;
        _messageErrorShown = _messageError;
        if (_messageErrorReportScheduled)
        {
            _messageErrorReportScheduled = false;
            Emit(new CancelTimer(AgentTimer.MessageErrorReport));
        }

        TakeDesiredReset(report);
        return report;
    }

    private string PublishReport(ShadowReport report)
    {
        var token = NextToken();
        if (State == LinkState.Connected || State == LinkState.ShuttingDown)
        {
            Emit(new Publish(_topics.Update, report.ToJson(token)));
        }

        return token;
    }

    private void PublishGet()
    {
        var token = NextToken();
        _getPending = true;
        Emit(new Publish(_topics.Get, System.Text.Encoding.UTF8.GetBytes("{\"clientToken\":\"" + token + "\"}")));
        Emit(new StartTimer(AgentTimer.ShadowGetRetry, _settings.ShadowGetTimeout));
    }

    private string NextToken() => _tokenPrefix + "-" + (++_tokenCounter).ToString(CultureInfo.InvariantCulture);

    private void Emit(AgentAction action) => _actions.Add(action);

    // ---- Small pure helpers --------------------------------------------------------------------

    private static bool ReportedConnectedIsTrue(JsonElement state) =>
        state.TryGetProperty("reported", out var reported) && reported.ValueKind == JsonValueKind.Object &&
        reported.TryGetProperty(ShadowKeys.Connected, out var connected) && connected.ValueKind == JsonValueKind.True;

    private static (int Code, string Message) ReadError(JsonElement root)
    {
        var code = root.TryGetProperty("code", out var c) && c.TryGetInt32(out var parsed) ? parsed : 0;
        var message = root.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() ?? "" : "(no message)";
        return (code, message);
    }

    private static string? ReadClientToken(JsonElement root) =>
        root.TryGetProperty("clientToken", out var token) && token.ValueKind == JsonValueKind.String ? token.GetString() : null;

    internal static string MotorText(bool on) => on ? ShadowKeys.On : ShadowKeys.Off;

    /// <summary>A short, safe description of a JSON value for logs and reported errors.</summary>
    internal static string Describe(JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                var text = value.GetString() ?? "";
                if (text.Length > MaximumValueTextLength)
                {
                    text = text.Substring(0, MaximumValueTextLength) + "...";
                }

                return "\"" + text + "\" (string)";
            case JsonValueKind.Number:
                var raw = value.GetRawText();
                return (raw.Length > MaximumValueTextLength ? raw.Substring(0, MaximumValueTextLength) + "..." : raw) + " (number)";
            case JsonValueKind.True:
                return "true (boolean)";
            case JsonValueKind.False:
                return "false (boolean)";
            case JsonValueKind.Null:
                return "null";
            case JsonValueKind.Object:
                return "an object";
            case JsonValueKind.Array:
                return "an array";
            default:
                return "an undefined value";
        }
    }

    /// <summary>What kind of JSON value this is, without quoting any of it.</summary>
    internal static string DescribeKind(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        _ => "an undefined value",
    };

    /// <summary>Text for a log line: bounded, with control characters replaced.</summary>
    private static string SafeText(string text, int maximumLength)
    {
        var builder = new System.Text.StringBuilder(Math.Min(text.Length, maximumLength) + 3);
        for (var i = 0; i < text.Length && i < maximumLength; i++)
        {
            builder.Append(char.IsControl(text[i]) ? '?' : text[i]);
        }

        if (text.Length > maximumLength)
        {
            builder.Append("...");
        }

        return builder.ToString();
    }

    /// <summary>Nesting depth as AWS counts it: an object or array is one level more than its deepest child.</summary>
    private static int Depth(JsonElement value)
    {
        var deepest = 0;
        if (value.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in value.EnumerateObject())
            {
                deepest = Math.Max(deepest, Depth(property.Value));
            }

            return deepest + 1;
        }

        if (value.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in value.EnumerateArray())
            {
                deepest = Math.Max(deepest, Depth(item));
            }

            return deepest + 1;
        }

        return 0;
    }

    private static string FormatSeconds(TimeSpan value) => value.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + " s";

    private static string FormatMinutes(TimeSpan value) => value.TotalMinutes.ToString("0.##", CultureInfo.InvariantCulture) + " min";

    private readonly record struct PendingSwitch(bool On, string Reason, bool ResetDesired, bool FromShadow = false);

    private enum SwitchOutcome
    {
        AlreadyThere,
        Deferred,
        Switching,
    }
}
