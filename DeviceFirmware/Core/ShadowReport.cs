using System.Buffers;
using System.Text.Json;

namespace DeviceFirmware.Core;

/// <summary>
/// One shadow update the device sends: the <c>reported</c> keys that changed (and, rarely, a
/// <c>desired</c> key the device resets). Written with <see cref="Utf8JsonWriter"/> — no
/// reflection, so it stays trim- and AOT-safe.
/// </summary>
internal sealed class ShadowReport
{
    public bool? Connected { get; set; }

    public string? Motor { get; set; }

    public int? TelemetryIntervalSeconds { get; set; }

    public string? FirmwareVersion { get; set; }

    public string? Hardware { get; set; }

    public string? SensorModel { get; set; }

    public string? SensorStatus { get; set; }

    /// <summary>Per desired key (and <see cref="ShadowKeys.ErrorMessage"/> for a message refused whole):
    /// the reason it was not applied, or null to clear a previous reason.</summary>
    public Dictionary<string, string?> Errors { get; } = new(StringComparer.Ordinal);

    public MotorChange? LastMotorChange { get; set; }

    /// <summary>A value the device writes into <c>desired.MOTOR</c> (after the maximum on-time).</summary>
    public string? DesiredMotor { get; set; }

    public bool IsEmpty =>
        Connected is null && Motor is null && TelemetryIntervalSeconds is null && FirmwareVersion is null && Hardware is null &&
        SensorModel is null && SensorStatus is null && Errors.Count == 0 && LastMotorChange is null && DesiredMotor is null;

    public byte[] ToJson(string clientToken)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteStartObject("state");
            if (DesiredMotor is not null)
            {
                w.WriteStartObject("desired");
                w.WriteString(ShadowKeys.Motor, DesiredMotor);
                w.WriteEndObject();
            }

            w.WriteStartObject("reported");
            if (Connected is bool connected)
            {
                w.WriteBoolean(ShadowKeys.Connected, connected);
            }

            if (Motor is not null)
            {
                w.WriteString(ShadowKeys.Motor, Motor);
            }

            if (TelemetryIntervalSeconds is int interval)
            {
                w.WriteNumber(ShadowKeys.TelemetryIntervalSeconds, interval);
            }

            if (FirmwareVersion is not null)
            {
                w.WriteString(ShadowKeys.FirmwareVersion, FirmwareVersion);
            }

            if (Hardware is not null)
            {
                w.WriteString(ShadowKeys.Hardware, Hardware);
            }

            if (SensorModel is not null || SensorStatus is not null)
            {
                w.WriteStartObject(ShadowKeys.Sensor);
                if (SensorModel is not null)
                {
                    w.WriteString("model", SensorModel);
                }

                if (SensorStatus is not null)
                {
                    w.WriteString("status", SensorStatus);
                }

                w.WriteEndObject();
            }

            if (LastMotorChange is MotorChange change)
            {
                w.WriteStartObject(ShadowKeys.LastMotorChange);
                w.WriteString("state", change.On ? ShadowKeys.On : ShadowKeys.Off);
                w.WriteString("reason", change.Reason);
                w.WriteString("at", Iso8601.Format(change.At));
                w.WriteEndObject();
            }

            if (Errors.Count > 0)
            {
                w.WriteStartObject(ShadowKeys.Errors);
                foreach (var pair in Errors)
                {
                    if (pair.Value is null)
                    {
                        w.WriteNull(pair.Key);
                    }
                    else
                    {
                        w.WriteString(pair.Key, pair.Value);
                    }
                }

                w.WriteEndObject();
            }

            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteString("clientToken", clientToken);
            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}

/// <summary>A relay switch and why it happened, reported as <c>reported.lastMotorChange</c>.</summary>
internal readonly record struct MotorChange(bool On, string Reason, DateTimeOffset At);

/// <summary>The shadow keys the firmware reads and writes: one home for each name.</summary>
public static class ShadowKeys
{
    public const string Connected = "connected";
    public const string Motor = "MOTOR";
    public const string On = "ON";
    public const string Off = "OFF";
    public const string TelemetryIntervalSeconds = "telemetryIntervalSeconds";
    public const string FirmwareVersion = "firmwareVersion";
    public const string Hardware = "hardware";
    public const string Sensor = "sensor";
    public const string Errors = "errors";

    /// <summary>Under <see cref="Errors"/>: why the last shadow message was refused whole.</summary>
    public const string ErrorMessage = "message";
    public const string LastMotorChange = "lastMotorChange";
}

/// <summary>The .NET-only half of <see cref="Iso8601"/> (the portable half is Iso8601.cs).</summary>
public static partial class Iso8601
{
    public static string Format(DateTimeOffset time) => Format(time.UtcDateTime);
}
