using System;
using DeviceFirmware.Core;
using DeviceFirmware.Core.Agent;
using DeviceFirmware.Core.Json;
using DeviceFirmware.Core.Sensors;

namespace DeviceFirmware.Core.Telemetry;

/// <summary>
/// The telemetry message: <c>{"seq":N,"ts":"...","temperatureC":..,"humidityPct":..,"pressureHpa":..,"motor":"ON"}</c>.
/// A reading the sensor did not deliver is omitted, never written as 0.
/// </summary>
public static class TelemetryMessage
{
    public static byte[] Build(long sequence, DateTime at, SensorReading reading, string motor, JsonWriter writer)
    {
        if (reading == null)
        {
            throw new ArgumentNullException(nameof(reading));
        }

        writer.Clear();
        writer.BeginObject();
        writer.Name("seq");
        writer.Integer(sequence);
        writer.Name("ts");
        writer.String(Iso8601.Format(at));
        // Two decimals: the BME280 resolves 0.01 °C, 1/1024 %RH and about 0.2 Pa.
        WriteOptional(writer, "temperatureC", reading.HasTemperature, reading.TemperatureCelsius);
        WriteOptional(writer, "humidityPct", reading.HasHumidity, reading.HumidityPercent);
        WriteOptional(writer, "pressureHpa", reading.HasPressure, reading.PressureHectopascals);
        WriteOptional(writer, "dewPointC", reading.HasDewPoint, reading.DewPointCelsius);
        WriteOptional(writer, "seaLevelPressureHpa", reading.HasSeaLevelPressure, reading.SeaLevelPressureHectopascals);
        if (reading.Health != SensorHealth.Ok)
        {
            writer.Name("sensorStatus");
            writer.String(reading.Status);
        }

        writer.Name("motor");
        writer.String(motor);
        writer.EndObject();
        return writer.ToArray();
    }

    /// <summary>Rounds to two decimals, midpoints away from zero (as Math.Round(value, 2,
    /// MidpointRounding.AwayFromZero): scale, round the fraction, scale back).</summary>
    public static double RoundToHundredths(double value)
    {
        var scaled = value * 100;
        // Beyond 2^53 every double is an integer already (and a long could not hold it).
        if (!(scaled > -9.0e15 && scaled < 9.0e15))
        {
            return value;
        }

        var whole = (double)(long)scaled;
        var fraction = scaled - whole;
        if (fraction >= 0.5)
        {
            whole += 1;
        }
        else if (fraction <= -0.5)
        {
            whole -= 1;
        }

        return whole / 100;
    }

    private static void WriteOptional(JsonWriter writer, string name, bool present, double value)
    {
        if (present)
        {
            writer.Name(name);
            writer.Number(RoundToHundredths(value));
        }
    }
}
