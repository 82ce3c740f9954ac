using System.Buffers;
using System.Text.Json;
using DeviceFirmware.Core.Sensors;

namespace DeviceFirmware.Core;

/// <summary>
/// The telemetry message: <c>{"seq":N,"ts":"...","temperatureC":..,"humidityPct":..,"pressureHpa":..,"motor":"ON"}</c>.
/// A reading the sensor did not deliver is omitted, never written as 0.
/// </summary>
public static class TelemetryMessage
{
    public static byte[] Build(long sequence, DateTimeOffset at, SensorReading reading, string motor)
    {
        ArgumentNullException.ThrowIfNull(reading);
        var buffer = new ArrayBufferWriter<byte>(192);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("seq", sequence);
            w.WriteString("ts", Iso8601.Format(at));
            // Two decimals: the BME280 resolves 0.01 °C, 1/1024 %RH and about 0.2 Pa.
            WriteOptional(w, "temperatureC", reading.TemperatureCelsius);
            WriteOptional(w, "humidityPct", reading.HumidityPercent);
            WriteOptional(w, "pressureHpa", reading.PressureHectopascals);
            WriteOptional(w, "dewPointC", reading.DewPointCelsius);
            WriteOptional(w, "seaLevelPressureHpa", reading.SeaLevelPressureHectopascals);
            if (reading.Health != SensorHealth.Ok)
            {
                w.WriteString("sensorStatus", reading.Status);
            }

            w.WriteString("motor", motor);
            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteOptional(Utf8JsonWriter writer, string name, double? value)
    {
        if (value is double v && double.IsFinite(v))
        {
            writer.WriteNumber(name, Math.Round(v, 2, MidpointRounding.AwayFromZero));
        }
    }
}
