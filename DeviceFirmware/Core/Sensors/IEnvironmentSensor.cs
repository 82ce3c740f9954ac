namespace DeviceFirmware.Core.Sensors;

/// <summary>
/// An environmental sensor (the BME280 in production, a simulated one without hardware).
/// Synchronous on purpose: the driver is portable to nanoFramework, which has no async.
/// Concurrency contract: called from one thread at a time; never throws for device faults —
/// a fault is a <see cref="SensorReading"/> whose <see cref="SensorReading.Status"/> says why.
/// </summary>
public interface IEnvironmentSensor
{
    /// <summary>"BME280", "BMP280", "simulated" or "none" — reported in the shadow.</summary>
    string Model { get; }

    /// <summary>Takes one measurement (forced mode on a BME280). Never throws for device faults.</summary>
    SensorReading Read();
}
