using DeviceFirmware.Core.Sensors;

namespace DeviceFirmware.Hardware;

/// <summary>Stands in when no sensor can be used: every reading is "missing" with the reason.</summary>
public sealed class NoSensor(string reason) : IEnvironmentSensor
{
    public string Model => "none";

    public SensorReading Read() => SensorReading.Missing(reason);
}
