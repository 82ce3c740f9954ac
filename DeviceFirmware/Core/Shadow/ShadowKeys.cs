namespace DeviceFirmware.Core.Shadow;

/// <summary>The shadow keys the firmware reads and writes: one home for each name.</summary>
public static class ShadowKeys
{
    public const string State = "state";
    public const string Desired = "desired";
    public const string Reported = "reported";
    public const string Delta = "delta";
    public const string Version = "version";
    public const string ClientToken = "clientToken";
    public const string Code = "code";

    /// <summary>The text of a /rejected answer (and, under <see cref="Errors"/>, why a message was refused whole).</summary>
    public const string Message = "message";

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
    public const string ErrorMessage = Message;
    public const string LastMotorChange = "lastMotorChange";

    /// <summary>desired.s3 = {url, hash}: a file to fetch from S3; reported.s3 = {url, hash, status, at}.</summary>
    public const string S3 = "s3";
    public const string Url = "url";
    public const string Hash = "hash";
    public const string Status = "status";
    public const string At = "at";

    public static string MotorText(bool on) => on ? On : Off;
}
