using System;
using DeviceFirmware.Core.Agent;
using DeviceFirmware.Core.Json;
using DeviceFirmware.Core.Link;
using DeviceFirmware.Core.Sensors;
using DeviceFirmware.Core.Shadow;

namespace DeviceFirmware.Core.Telemetry;

/// <summary>
/// Telemetry sequencing: one reading per interval, each enqueued with the next <c>seq</c> (contiguous,
/// continuing after a restart from the outbox's highest), and the sensor's model and status reported
/// when they change.
/// </summary>
public sealed class TelemetrySequencer
{
    private readonly AgentOutput _out;
    private readonly ShadowTopics _topics;
    private readonly LinkSupervisor _link;
    private readonly ShadowPublisher _publisher;
    private readonly JsonWriter _writer = new JsonWriter();
    private long _nextSequence = 1;
    private string _sensorModel = "none";
    private string? _sensorStatus;

    public TelemetrySequencer(AgentOutput output, AgentSettings settings, ShadowTopics topics, LinkSupervisor link, ShadowPublisher publisher)
    {
        _out = output ?? throw new ArgumentNullException(nameof(output));
        _topics = topics ?? throw new ArgumentNullException(nameof(topics));
        _link = link ?? throw new ArgumentNullException(nameof(link));
        _publisher = publisher ?? throw new ArgumentNullException(nameof(publisher));
        Interval = settings == null ? throw new ArgumentNullException(nameof(settings)) : settings.TelemetryInterval;
    }

    public TimeSpan Interval { get; private set; }

    public int IntervalSeconds => AgentText.WholeSeconds(Interval);

    public void Start(long lastTelemetrySequence, string sensorModel)
    {
        _nextSequence = lastTelemetrySequence + 1;
        _sensorModel = sensorModel;
    }

    /// <summary>Asks for a reading now and starts the interval.</summary>
    public void ReadNow()
    {
        _out.Add(new ReadSensor());
        _out.StartTimer(AgentTimer.Telemetry, Interval);
    }

    public void OnTimer()
    {
        if (_link.WantsToRun)
        {
            ReadNow();
        }
    }

    public void SetInterval(int seconds)
    {
        var interval = TimeSpan.FromTicks(seconds * TimeSpan.TicksPerSecond);
        if (interval != Interval)
        {
            Interval = interval;
            _out.Log(AgentLogLevel.Information, "Telemetry interval set to " + seconds + " s.");
            if (_link.WantsToRun)
            {
                _out.StartTimer(AgentTimer.Telemetry, Interval);
            }
        }
    }

    public void OnSensorRead(SensorReading reading, DateTime now, string motor)
    {
        if (!_link.WantsToRun)
        {
            return;
        }

        var status = reading.Status;
        var modelChanged = reading.Model != null && reading.Model != _sensorModel;
        if (modelChanged)
        {
            _sensorModel = reading.Model!;
        }

        if (status != _sensorStatus || modelChanged)
        {
            _out.Log(reading.Health == SensorHealth.Ok ? AgentLogLevel.Information : AgentLogLevel.Warning, "Sensor " + _sensorModel + ": " + status + ".");
            _sensorStatus = status;
            if (_link.IsConnected)
            {
                _publisher.Report(new ShadowReport { SensorModel = _sensorModel, SensorStatus = status });
            }
        }

        var sequence = _nextSequence++;
        _out.Add(new EnqueueTelemetry(sequence, _topics.Telemetry, TelemetryMessage.Build(sequence, now, reading, motor, _writer)));
        if (_link.IsConnected)
        {
            _out.Add(new FlushTelemetry());
        }
    }

    /// <summary>The telemetry part of a full report.</summary>
    public void AddTo(ShadowReport report)
    {
        report.TelemetryIntervalSeconds = IntervalSeconds;
        report.SensorModel = _sensorModel;
        report.SensorStatus = _sensorStatus == null ? "unknown" : _sensorStatus;
    }

    public void CancelTimers() => _out.CancelTimer(AgentTimer.Telemetry);
}
