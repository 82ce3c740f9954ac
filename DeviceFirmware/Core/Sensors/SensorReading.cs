using System;

namespace DeviceFirmware.Core.Sensors;

/// <summary>
/// One measurement, immutable. A channel the sensor did not measure (skipped, not fitted, failed)
/// is <see cref="double.NaN"/>, never 0: ask <see cref="HasTemperature"/> and its siblings before
/// using a value. (Not <c>double?</c>: <c>Nullable&lt;T&gt;</c> is generic, and nanoFramework's
/// runtime runs no generic code; not a record, which needs <c>IEquatable&lt;T&gt;</c>.)
/// An infinite value is stored as NaN too, so a channel is either a finite number or absent.
/// </summary>
public sealed class SensorReading
{
    public SensorReading(
        SensorHealth health,
        string? detail,
        double temperatureCelsius,
        double humidityPercent,
        double pressureHectopascals,
        double dewPointCelsius = double.NaN,
        double seaLevelPressureHectopascals = double.NaN)
        : this(health, detail, temperatureCelsius, humidityPercent, pressureHectopascals, dewPointCelsius, seaLevelPressureHectopascals, null)
    {
    }

    private SensorReading(
        SensorHealth health,
        string? detail,
        double temperatureCelsius,
        double humidityPercent,
        double pressureHectopascals,
        double dewPointCelsius,
        double seaLevelPressureHectopascals,
        string? model)
    {
        Health = health;
        Detail = detail;
        TemperatureCelsius = FiniteOrNaN(temperatureCelsius);
        HumidityPercent = FiniteOrNaN(humidityPercent);
        PressureHectopascals = FiniteOrNaN(pressureHectopascals);
        DewPointCelsius = FiniteOrNaN(dewPointCelsius);
        SeaLevelPressureHectopascals = FiniteOrNaN(seaLevelPressureHectopascals);
        Model = model;
    }

    public SensorHealth Health { get; }

    /// <summary>Why the reading is not ok, or a flag on an ok reading (e.g. a clamped value); null when there is nothing to say.</summary>
    public string? Detail { get; }

    /// <summary>Temperature in °C, or NaN when not measured.</summary>
    public double TemperatureCelsius { get; }

    /// <summary>Relative humidity in %, or NaN when not measured (a BMP280 has no humidity).</summary>
    public double HumidityPercent { get; }

    /// <summary>Station pressure in hPa, or NaN when not measured.</summary>
    public double PressureHectopascals { get; }

    /// <summary>Dew point in °C, or NaN when temperature or humidity is missing.</summary>
    public double DewPointCelsius { get; }

    /// <summary>Pressure reduced to sea level in hPa, or NaN when no altitude is configured or pressure is missing.</summary>
    public double SeaLevelPressureHectopascals { get; }

    public bool HasTemperature => !double.IsNaN(TemperatureCelsius);

    public bool HasHumidity => !double.IsNaN(HumidityPercent);

    public bool HasPressure => !double.IsNaN(PressureHectopascals);

    public bool HasDewPoint => !double.IsNaN(DewPointCelsius);

    public bool HasSeaLevelPressure => !double.IsNaN(SeaLevelPressureHectopascals);

    /// <summary>The model that produced the reading, when the sensor found out (e.g. a BMP280 where a BME280 was expected); else null.</summary>
    public string? Model { get; }

    /// <summary>"ok", "missing" or "error: &lt;detail&gt;" — the text the shadow and log carry. An ok
    /// reading with a flag (e.g. a clamped value) reads "ok: &lt;flag&gt;"; a missing one with a reason "missing: &lt;reason&gt;".</summary>
    public string Status
    {
        get
        {
            switch (Health)
            {
                case SensorHealth.Ok:
                    return Detail == null ? "ok" : "ok: " + Detail;
                case SensorHealth.Missing:
                    return Detail == null ? "missing" : "missing: " + Detail;
                default:
                    return "error: " + (Detail == null ? "unknown" : Detail);
            }
        }
    }

    /// <summary>No sensor answered; every channel is absent.</summary>
    public static SensorReading Missing(string? detail) =>
        new SensorReading(SensorHealth.Missing, detail, double.NaN, double.NaN, double.NaN);

    /// <summary>The sensor answered but the measurement failed; every channel is absent.</summary>
    public static SensorReading Failed(string detail) =>
        new SensorReading(SensorHealth.Error, detail, double.NaN, double.NaN, double.NaN);

    /// <summary>A copy of this reading that names the model which produced it.</summary>
    public SensorReading WithModel(string model) =>
        new SensorReading(Health, Detail, TemperatureCelsius, HumidityPercent, PressureHectopascals, DewPointCelsius, SeaLevelPressureHectopascals, model);

    private static double FiniteOrNaN(double value) => double.IsInfinity(value) ? double.NaN : value;
}
