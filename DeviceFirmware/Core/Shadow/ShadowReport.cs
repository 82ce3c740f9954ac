using System;
using DeviceFirmware.Core;
using DeviceFirmware.Core.Agent;
using DeviceFirmware.Core.Json;

namespace DeviceFirmware.Core.Shadow;

/// <summary>A relay switch and why it happened, reported as <c>reported.lastMotorChange</c>.</summary>
public sealed class MotorChange
{
    public MotorChange(bool on, string reason, DateTime at)
    {
        On = on;
        Reason = reason ?? "";
        At = at;
    }

    public bool On { get; }

    public string Reason { get; }

    /// <summary>UTC.</summary>
    public DateTime At { get; }
}

/// <summary>What the device did with desired.s3, reported as <c>reported.s3 = {url, hash, status, at}</c>.
/// <see cref="Url"/> and <see cref="Hash"/> are desired's own text, so that the shadow's delta clears.</summary>
public sealed class S3ObjectReport
{
    public S3ObjectReport(string url, string hash, string status, DateTime at)
    {
        Url = url ?? throw new ArgumentNullException(nameof(url));
        Hash = hash ?? throw new ArgumentNullException(nameof(hash));
        Status = status ?? throw new ArgumentNullException(nameof(status));
        At = at;
    }

    public string Url { get; }

    public string Hash { get; }

    /// <summary>"installed", "hash mismatch", "download failed: ...", "too large" or "not supported on this device".</summary>
    public string Status { get; }

    /// <summary>UTC: when the status was reached.</summary>
    public DateTime At { get; }
}

/// <summary>
/// One shadow update the device sends: the <c>reported</c> keys that changed (and, rarely, a
/// <c>desired</c> key the device resets). Unset members are left out of the document.
/// </summary>
public sealed class ShadowReport
{
    private bool _connected;
    private int _telemetryIntervalSeconds = -1;

    public bool HasConnected { get; private set; }

    public bool Connected
    {
        get => _connected;
        set
        {
            _connected = value;
            HasConnected = true;
        }
    }

    public string? Motor { get; set; }

    public bool HasTelemetryIntervalSeconds => _telemetryIntervalSeconds >= 0;

    /// <summary>-1 when not reported.</summary>
    public int TelemetryIntervalSeconds
    {
        get => _telemetryIntervalSeconds;
        set => _telemetryIntervalSeconds = value;
    }

    public string? FirmwareVersion { get; set; }

    public string? Hardware { get; set; }

    public string? SensorModel { get; set; }

    public string? SensorStatus { get; set; }

    /// <summary>Per desired key (and <see cref="ShadowKeys.ErrorMessage"/> for a message refused whole):
    /// the reason it was not applied, or null to clear a previous reason.</summary>
    public ReportedErrors Errors { get; } = new ReportedErrors();

    public MotorChange? LastMotorChange { get; set; }

    public S3ObjectReport? S3 { get; set; }

    /// <summary>A value the device writes into <c>desired.MOTOR</c> (after the maximum on-time).</summary>
    public string? DesiredMotor { get; set; }

    public bool IsEmpty =>
        !HasConnected && Motor == null && !HasTelemetryIntervalSeconds && FirmwareVersion == null && Hardware == null &&
        SensorModel == null && SensorStatus == null && Errors.Count == 0 && LastMotorChange == null && DesiredMotor == null && S3 == null;

    /// <summary>The update document, written with <paramref name="writer"/> (cleared first).</summary>
    public byte[] ToJson(string clientToken, JsonWriter writer)
    {
        writer.Clear();
        writer.BeginObject();
        writer.Name(ShadowKeys.State);
        writer.BeginObject();
        if (DesiredMotor != null)
        {
            writer.Name(ShadowKeys.Desired);
            writer.BeginObject();
            WriteString(writer, ShadowKeys.Motor, DesiredMotor);
            writer.EndObject();
        }

        writer.Name(ShadowKeys.Reported);
        writer.BeginObject();
        if (HasConnected)
        {
            writer.Name(ShadowKeys.Connected);
            writer.Boolean(_connected);
        }

        WriteString(writer, ShadowKeys.Motor, Motor);
        if (HasTelemetryIntervalSeconds)
        {
            writer.Name(ShadowKeys.TelemetryIntervalSeconds);
            writer.Integer(_telemetryIntervalSeconds);
        }

        WriteString(writer, ShadowKeys.FirmwareVersion, FirmwareVersion);
        WriteString(writer, ShadowKeys.Hardware, Hardware);
        if (SensorModel != null || SensorStatus != null)
        {
            writer.Name(ShadowKeys.Sensor);
            writer.BeginObject();
            WriteString(writer, "model", SensorModel);
            WriteString(writer, "status", SensorStatus);
            writer.EndObject();
        }

        if (LastMotorChange != null)
        {
            writer.Name(ShadowKeys.LastMotorChange);
            writer.BeginObject();
            WriteString(writer, "state", ShadowKeys.MotorText(LastMotorChange.On));
            WriteString(writer, "reason", LastMotorChange.Reason);
            WriteString(writer, "at", Iso8601.Format(LastMotorChange.At));
            writer.EndObject();
        }

        if (S3 != null)
        {
            writer.Name(ShadowKeys.S3);
            writer.BeginObject();
            WriteString(writer, ShadowKeys.Url, S3.Url);
            WriteString(writer, ShadowKeys.Hash, S3.Hash);
            WriteString(writer, ShadowKeys.Status, S3.Status);
            WriteString(writer, ShadowKeys.At, Iso8601.Format(S3.At));
            writer.EndObject();
        }

        if (Errors.Count > 0)
        {
            writer.Name(ShadowKeys.Errors);
            writer.BeginObject();
            for (var i = 0; i < Errors.Count; i++)
            {
                writer.Name(Errors.KeyAt(i));
                var reason = Errors.ValueAt(i);
                if (reason == null)
                {
                    writer.Null();
                }
                else
                {
                    writer.String(reason);
                }
            }

            writer.EndObject();
        }

        writer.EndObject();
        writer.EndObject();
        WriteString(writer, ShadowKeys.ClientToken, clientToken);
        writer.EndObject();
        return writer.ToArray();
    }

    private static void WriteString(JsonWriter writer, string name, string? value)
    {
        if (value != null)
        {
            writer.Name(name);
            writer.String(value);
        }
    }
}
