using System;
using DeviceFirmware.Core.Desired;
using DeviceFirmware.Core.Files;
using DeviceFirmware.Core.Relay;
using DeviceFirmware.Core.Shadow;
using DeviceFirmware.Core.Telemetry;

namespace DeviceFirmware.Core.Agent;

/// <summary>Everything the shadow should know, sent on every connect (and to create a missing
/// shadow): each part adds what it owns.</summary>
public sealed class FullReport
{
    private readonly AgentSettings _settings;
    private readonly RelayPolicy _relay;
    private readonly TelemetrySequencer _telemetry;
    private readonly DesiredSettings _desired;
    private readonly MessageErrorReport _messageError;
    private readonly S3ObjectSync _s3;

    public FullReport(AgentSettings settings, RelayPolicy relay, TelemetrySequencer telemetry, DesiredSettings desired, MessageErrorReport messageError, S3ObjectSync s3)
    {
        _settings = settings ?? throw new ArgumentNullException(nameof(settings));
        _relay = relay ?? throw new ArgumentNullException(nameof(relay));
        _telemetry = telemetry ?? throw new ArgumentNullException(nameof(telemetry));
        _desired = desired ?? throw new ArgumentNullException(nameof(desired));
        _messageError = messageError ?? throw new ArgumentNullException(nameof(messageError));
        _s3 = s3 ?? throw new ArgumentNullException(nameof(s3));
    }

    public ShadowReport Build()
    {
        var report = new ShadowReport { Connected = true, FirmwareVersion = _settings.FirmwareVersion, Hardware = _settings.Hardware };
        _telemetry.AddTo(report);
        _relay.AddTo(report);
        _desired.AddTo(report);
        _s3.AddTo(report);
        _messageError.AddTo(report);
        _relay.TakeDesiredReset(report);
        return report;
    }
}
