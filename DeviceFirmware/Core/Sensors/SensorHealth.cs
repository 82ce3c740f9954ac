namespace DeviceFirmware.Core.Sensors;

/// <summary>Overall sensor health as reported in <c>reported.sensor.status</c>.</summary>
public enum SensorHealth
{
    Ok,
    Missing,
    Error,
}
