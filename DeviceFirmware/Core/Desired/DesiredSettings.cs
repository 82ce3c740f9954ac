using System;
using DeviceFirmware.Core.Agent;
using DeviceFirmware.Core.Files;
using DeviceFirmware.Core.Json;
using DeviceFirmware.Core.Link;
using DeviceFirmware.Core.Relay;
using DeviceFirmware.Core.Shadow;
using DeviceFirmware.Core.Telemetry;

namespace DeviceFirmware.Core.Desired;

/// <summary>
/// Desired settings and their <c>reported.errors</c>: applies <c>MOTOR</c> (through the relay
/// policy) and <c>telemetryIntervalSeconds</c>, hands <c>s3</c> to <see cref="S3ObjectSync"/>, refuses invalid values with a reason per key, lists
/// unknown keys (a bounded few, safe names only; the rest are counted in errors.message), and
/// clears each reason once it no longer holds. Never actuates on an invalid value.
/// </summary>
public sealed class DesiredSettings
{
    /// <summary>At most this many unknown desired keys are listed one by one under reported.errors.</summary>
    public const int MaximumReportedUnknownKeys = 5;

    /// <summary>Unknown key names longer than this are not echoed into the shadow.</summary>
    public const int MaximumReportedKeyLength = 40;

    public const string UnknownSettingReason = "unknown setting; ignored";

    // Bounds the memory a flood of distinct unknown key names can take.
    private const int MaximumLoggedUnknownKeys = 64;

    private readonly AgentOutput _out;
    private readonly ShadowTopics _topics;
    private readonly LinkSupervisor _link;
    private readonly ShadowPublisher _publisher;
    private readonly RelayPolicy _relay;
    private readonly TelemetrySequencer _telemetry;
    private readonly MessageErrorReport _messageError;
    private readonly S3ObjectSync _s3;
    private readonly BoundedStringSet _loggedUnknownKeys = new BoundedStringSet(MaximumLoggedUnknownKeys);

    // Errors currently shown under reported.errors, by desired key (MOTOR, telemetryIntervalSeconds, unknown keys).
    private readonly ReportedErrors _errors = new ReportedErrors();

    public DesiredSettings(AgentOutput output, ShadowTopics topics, LinkSupervisor link, ShadowPublisher publisher, RelayPolicy relay,
        TelemetrySequencer telemetry, MessageErrorReport messageError, S3ObjectSync s3)
    {
        _out = output ?? throw new ArgumentNullException(nameof(output));
        _topics = topics ?? throw new ArgumentNullException(nameof(topics));
        _link = link ?? throw new ArgumentNullException(nameof(link));
        _publisher = publisher ?? throw new ArgumentNullException(nameof(publisher));
        _relay = relay ?? throw new ArgumentNullException(nameof(relay));
        _telemetry = telemetry ?? throw new ArgumentNullException(nameof(telemetry));
        _messageError = messageError ?? throw new ArgumentNullException(nameof(messageError));
        _s3 = s3 ?? throw new ArgumentNullException(nameof(s3));
    }

    /// <param name="desired">The desired keys to apply; null for none.</param>
    /// <param name="topic">Where they came from (for errors.message).</param>
    /// <param name="complete">True when <paramref name="desired"/> is every key that differs (a fetched
    /// document), so an unknown-key error for a key not in it is out of date.</param>
    public void Apply(DesiredValues? desired, DateTime now, string topic, bool complete) => Apply(desired, now, topic, complete, null);

    /// <param name="wholeDesired">For a fetched document (<paramref name="complete"/>): its whole desired
    /// section (null when it has none). <c>s3</c> is decided from it rather than from the delta, whose
    /// nested objects hold only the members that changed.</param>
    public void Apply(DesiredValues? desired, DateTime now, string topic, bool complete, DesiredValues? wholeDesired)
    {
        var report = new ShadowReport();
        var unlisted = 0;
        if (desired != null)
        {
            for (var i = 0; i < desired.Count; i++)
            {
                var value = desired[i];
                if (value.Name == ShadowKeys.Motor)
                {
                    ApplyMotor(value, now, report);
                }
                else if (value.Name == ShadowKeys.TelemetryIntervalSeconds)
                {
                    ApplyTelemetryInterval(value, report);
                }
                else if (value.Name == ShadowKeys.S3)
                {
                    if (!complete)
                    {
                        _s3.OnDelta(value, now, report);
                    }
                }
                else if (!ReportUnknownKey(value.Name, report))
                {
                    unlisted++;
                }
            }
        }

        if (complete)
        {
            _s3.OnDocument(wholeDesired, now, report);
            ClearUnknownKeyErrorsNotIn(desired, report);
        }

        if (unlisted > 0)
        {
            _messageError.Set(_topics.ShortName(topic), "ignored " + unlisted + " unknown setting(s) whose names cannot be listed (more than " + MaximumReportedUnknownKeys +
                ", or not 1-" + MaximumReportedKeyLength + " letters, digits, '_' or '-')", report, now, _link.IsConnected);
        }
        else
        {
            // A valid document arrived: the last refused one no longer describes the device.
            _messageError.Clear(report);
        }

        PublishIfAny(report);
    }

    /// <summary>A message was refused whole: log it, and for a command topic show why in the shadow.</summary>
    public void Refuse(string topic, string reason, bool carriesCommands, DateTime now)
    {
        if (!carriesCommands)
        {
            _out.Log(AgentLogLevel.Warning, "Ignored a message on " + topic + ": " + reason + ".");
            return;
        }

        var report = new ShadowReport();
        _messageError.Set(_topics.ShortName(topic), reason, report, now, _link.IsConnected);
        PublishIfAny(report);
    }

    /// <summary>
    /// Deletes entries under the fetched reported.errors that this run does not stand behind (an
    /// unknown key removed from desired while the device was off). Only names this firmware could
    /// have written, and only a few per fetch.
    /// </summary>
    /// <param name="reportedErrorKeys">The names under the fetched reported.errors whose value is not null.</param>
    public void ClearStaleReportedErrors(string[] reportedErrorKeys)
    {
        var report = new ShadowReport();
        for (var i = 0; i < reportedErrorKeys.Length && report.Errors.Count < MaximumReportedUnknownKeys; i++)
        {
            var name = reportedErrorKeys[i];
            if (IsReportableKeyName(name) && !IsKnownDesiredKey(name) && !_errors.Contains(name))
            {
                report.Errors.Set(name, null);
            }
        }

        PublishIfAny(report);
    }

    /// <summary>The relay could not be driven: the reason stands under errors.MOTOR until a valid MOTOR is applied.</summary>
    public void RecordMotorFault(string reason, ShadowReport report)
    {
        _errors.Set(ShadowKeys.Motor, reason);
        report.Errors.Set(ShadowKeys.Motor, reason);
    }

    /// <summary>The errors of a full report: every reason that stands, and deletions of the known
    /// keys' reasons solved since the shadow last heard from the device.</summary>
    public void AddTo(ShadowReport report)
    {
        for (var i = 0; i < _errors.Count; i++)
        {
            report.Errors.Set(_errors.KeyAt(i), _errors.ValueAt(i));
        }

        if (!_errors.Contains(ShadowKeys.Motor))
        {
            report.Errors.Set(ShadowKeys.Motor, null);
        }

        if (!_errors.Contains(ShadowKeys.TelemetryIntervalSeconds))
        {
            report.Errors.Set(ShadowKeys.TelemetryIntervalSeconds, null);
        }
    }

    /// <summary>
    /// A key name that can be echoed as reported.errors.&lt;name&gt; without the report itself being
    /// refused or misleading: plain ASCII letters, digits, '_' and '-', bounded in length, and not
    /// the name of the whole-message entry.
    /// </summary>
    public static bool IsReportableKeyName(string name)
    {
        if (name.Length == 0 || name.Length > MaximumReportedKeyLength || name == ShadowKeys.ErrorMessage)
        {
            return false;
        }

        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (!(AgentText.IsAsciiLetterOrDigit(c) || c == '_' || c == '-'))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsKnownDesiredKey(string key) =>
        key == ShadowKeys.Motor || key == ShadowKeys.TelemetryIntervalSeconds || key == ShadowKeys.S3 || key == ShadowKeys.ErrorMessage;

    private void ApplyMotor(DesiredValue value, DateTime now, ShadowReport report)
    {
        bool on;
        if (value.IsText(ShadowKeys.On))
        {
            on = true;
        }
        else if (value.IsText(ShadowKeys.Off))
        {
            on = false;
        }
        else
        {
            SetError(ShadowKeys.Motor, "invalid MOTOR value " + value.Description + ": expected \"ON\" or \"OFF\"; relay left " + ShadowKeys.MotorText(_relay.RelayOn), report);
            return;
        }

        ClearError(ShadowKeys.Motor, report);
        if (_relay.ApplyDesired(on, now) == SwitchOutcome.AlreadyThere && _relay.MotorReportable)
        {
            // Nothing to move, but reported may be stale (that is why a delta exists): report it.
            report.Motor = ShadowKeys.MotorText(_relay.RelayOn);
        }
    }

    private void ApplyTelemetryInterval(DesiredValue value, ShadowReport report)
    {
        if (value.Kind != JsonKind.Integer ||
            value.Integer < AgentSettings.MinimumTelemetryIntervalSeconds || value.Integer > AgentSettings.MaximumTelemetryIntervalSeconds)
        {
            SetError(ShadowKeys.TelemetryIntervalSeconds, "invalid telemetryIntervalSeconds value " + value.Description + ": expected an integer from " +
                AgentSettings.MinimumTelemetryIntervalSeconds + " to " + AgentSettings.MaximumTelemetryIntervalSeconds + "; keeping " + _telemetry.IntervalSeconds, report);
            return;
        }

        ClearError(ShadowKeys.TelemetryIntervalSeconds, report);
        var seconds = (int)value.Integer;
        _telemetry.SetInterval(seconds);
        report.TelemetryIntervalSeconds = seconds;
    }

    /// <returns>False when the key cannot be listed by name (too many, or an unsafe name).</returns>
    private bool ReportUnknownKey(string name, ShadowReport report)
    {
        if (_errors.Contains(name))
        {
            return true; // Already reported (and logged).
        }

        if (_loggedUnknownKeys.Add(name) == SetAddition.Added)
        {
            _out.Log(AgentLogLevel.Warning, "Ignored unknown desired key '" + AgentText.Safe(name, MaximumReportedKeyLength) + "' (logged once).");
        }

        if (!IsReportableKeyName(name) || CountUnknownKeyErrors() >= MaximumReportedUnknownKeys)
        {
            return false;
        }

        _errors.Set(name, UnknownSettingReason);
        report.Errors.Set(name, UnknownSettingReason);
        return true;
    }

    private int CountUnknownKeyErrors()
    {
        var count = 0;
        for (var i = 0; i < _errors.Count; i++)
        {
            if (!IsKnownDesiredKey(_errors.KeyAt(i)))
            {
                count++;
            }
        }

        return count;
    }

    private void ClearUnknownKeyErrorsNotIn(DesiredValues? desired, ShadowReport report)
    {
        var i = 0;
        while (i < _errors.Count)
        {
            var key = _errors.KeyAt(i);
            if (!IsKnownDesiredKey(key) && (desired == null || !desired.Contains(key)))
            {
                _errors.Remove(key);
                report.Errors.Set(key, null);
            }
            else
            {
                i++;
            }
        }
    }

    private void SetError(string key, string reason, ShadowReport report)
    {
        if (_errors.Get(key) == reason)
        {
            return;
        }

        _errors.Set(key, reason);
        report.Errors.Set(key, reason);
        _out.Log(AgentLogLevel.Warning, "Not applied: " + reason + ".");
    }

    private void ClearError(string key, ShadowReport report)
    {
        if (_errors.Remove(key))
        {
            report.Errors.Set(key, null);
        }
    }

    private void PublishIfAny(ShadowReport report)
    {
        if (!report.IsEmpty)
        {
            _publisher.Report(report);
        }
    }
}
