using DeviceFirmware.Core.Sensors;

namespace DeviceFirmware.Core.Bme280;

/// <summary>
/// From the raw ADC values of one forced measurement to the reading the device reports: Bosch's
/// integer compensation, the chip's operating range, the configured offsets and the derived values.
/// Pure: everything it needs is an argument.
/// </summary>
public static class Bme280Measurement
{
    public static SensorReading ToReading(int adcT, int adcP, int adcH, bool hasHumidity, Bme280Calibration calibration, Bme280Settings settings, string model)
    {
        if (adcT == Bme280Constants.SkippedTemperaturePressure)
        {
            // Without temperature there is no t_fine, so pressure and humidity cannot be compensated either.
            return new SensorReading(SensorHealth.Ok, "temperature skipped", double.NaN, double.NaN, double.NaN).WithModel(model);
        }

        string? flags = null;
        var tFine = Bme280Compensation.FineTemperature(adcT, calibration);
        var temperature = Clamp(Bme280Compensation.TemperatureCentidegrees(tFine) / 100.0, -40, 85, "temperature", ref flags);
        var pressure = double.NaN;
        if (adcP != Bme280Constants.SkippedTemperaturePressure)
        {
            if (Bme280Compensation.TryPressure(adcP, tFine, calibration, out var q24x8))
            {
                pressure = Clamp(q24x8 / 256.0 / 100.0, 300, 1100, "pressure", ref flags);
            }
            else
            {
                AddFlag(ref flags, "pressure not computable (calibration gives a division by zero)");
            }
        }

        var humidity = double.NaN;
        if (hasHumidity && adcH != Bme280Constants.SkippedHumidity)
        {
            humidity = Bme280Compensation.Humidity(adcH, tFine, calibration) / 1024.0;
        }

        if (settings.TemperatureOffsetCelsius != 0)
        {
            var corrected = temperature + settings.TemperatureOffsetCelsius;
            if (!double.IsNaN(humidity))
            {
                humidity = Atmosphere.RelativeHumidityAt(humidity, temperature, corrected);
            }

            temperature = corrected;
        }

        if (!double.IsNaN(pressure) && settings.PressureOffsetHectopascals != 0)
        {
            pressure += settings.PressureOffsetHectopascals;
        }

        var dewPoint = double.IsNaN(humidity) ? double.NaN : Atmosphere.DewPoint(temperature, humidity);
        var seaLevel = double.IsNaN(pressure) || double.IsNaN(settings.AltitudeMeters) ? double.NaN : Atmosphere.SeaLevelPressure(pressure, settings.AltitudeMeters);
        return new SensorReading(SensorHealth.Ok, flags, temperature, humidity, pressure, dewPoint, seaLevel).WithModel(model);
    }

    private static double Clamp(double value, double minimum, double maximum, string name, ref string? flags)
    {
        // Bosch's reference driver clamps to the chip's operating range; say so when it happens.
        if (value < minimum || value > maximum)
        {
            AddFlag(ref flags, name + " outside the chip's range, clamped");
            return value < minimum ? minimum : maximum;
        }

        return value;
    }

    private static void AddFlag(ref string? flags, string flag) => flags = flags == null ? flag : flags + "; " + flag;
}
