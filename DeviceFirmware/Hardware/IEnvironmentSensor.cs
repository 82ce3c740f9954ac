namespace DeviceFirmware.Hardware;

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

/// <summary>Overall sensor health as reported in <c>reported.sensor.status</c>.</summary>
public enum SensorHealth
{
    Ok,
    Missing,
    Error,
}

/// <summary>
/// One measurement. A channel the sensor did not measure (skipped, not fitted, failed) is
/// <c>null</c>, never 0.
/// </summary>
public sealed record SensorReading(
    SensorHealth Health,
    string? Detail,
    double? TemperatureCelsius,
    double? HumidityPercent,
    double? PressureHectopascals,
    double? DewPointCelsius = null,
    double? SeaLevelPressureHectopascals = null)
{
    /// <summary>The model that produced the reading, when the sensor found out (e.g. a BMP280 where a BME280 was expected).</summary>
    public string? Model { get; init; }

    /// <summary>"ok", "missing" or "error: &lt;detail&gt;" — the text the shadow and log carry. An ok
    /// reading with a flag (e.g. a clamped value) reads "ok: &lt;flag&gt;".</summary>
    public string Status => Health switch
    {
        SensorHealth.Ok => Detail is null ? "ok" : "ok: " + Detail,
        SensorHealth.Missing => Detail is null ? "missing" : "missing: " + Detail,
        _ => "error: " + (Detail ?? "unknown"),
    };

    public static SensorReading Missing(string? detail = null) => new(SensorHealth.Missing, detail, null, null, null);

    public static SensorReading Failed(string detail) => new(SensorHealth.Error, detail, null, null, null);
}
