using System.Globalization;

namespace DeviceFirmware.Hardware.Bme280;

/// <summary>Configuration section "Sensor". Defaults follow Bosch's "weather monitoring"
/// recommendation (datasheet 3.5.1): forced mode, x1 oversampling for T, P and H, filter off.</summary>
public sealed class Bme280Options
{
    public const string Section = "Sensor";

    public int BusId { get; set; } = 1;

    /// <summary>"0x76" (SDO to GND, the default), "0x77" (SDO to VDDIO) or "auto" (try both).</summary>
    public string Address { get; set; } = "0x76";

    public Bme280Oversampling TemperatureOversampling { get; set; } = Bme280Oversampling.X1;

    public Bme280Oversampling PressureOversampling { get; set; } = Bme280Oversampling.X1;

    public Bme280Oversampling HumidityOversampling { get; set; } = Bme280Oversampling.X1;

    public Bme280Filter Filter { get; set; } = Bme280Filter.Off;

    /// <summary>config.t_sb (0..7); only used in normal mode, kept for completeness.</summary>
    public int StandbyCode { get; set; }

    /// <summary>Added to the temperature (a board that warms its sensor reads too high); humidity is recomputed.</summary>
    public double TemperatureOffsetCelsius { get; set; }

    public double PressureOffsetHectopascals { get; set; }

    /// <summary>Station altitude for sea-level pressure; empty = not reported.</summary>
    public double? AltitudeMeters { get; set; }

    /// <summary>This many identical raw readings in a row mark the sensor stuck and re-initialise it.</summary>
    public int StuckReadCount { get; set; } = 50;

    public double ReprobeMinimumSeconds { get; set; } = 5;

    public double ReprobeMaximumSeconds { get; set; } = 300;

    /// <summary>The I2C addresses to probe, in order.</summary>
    public IReadOnlyList<int> Addresses()
    {
        var text = Address.Trim();
        if (text.Equals("auto", StringComparison.OrdinalIgnoreCase))
        {
            return [0x76, 0x77];
        }

        return int.TryParse(text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? text[2..] : text, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var address)
            ? [address]
            : [];
    }

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        var addresses = Addresses();
        if (addresses.Count == 0 || (addresses.Count == 1 && addresses[0] is not (0x76 or 0x77)))
        {
            errors.Add("Sensor:Address is '" + Address + "'; a BME280 answers at 0x76 (SDO to GND) or 0x77 (SDO to VDDIO); use \"auto\" to try both.");
        }

        if (BusId < 0)
        {
            errors.Add("Sensor:BusId is " + BusId + "; give the I2C bus number (1 on a Raspberry Pi: /dev/i2c-1).");
        }

        foreach (var (name, value) in new[] { ("TemperatureOversampling", TemperatureOversampling), ("PressureOversampling", PressureOversampling), ("HumidityOversampling", HumidityOversampling) })
        {
            if (!Enum.IsDefined(value))
            {
                errors.Add("Sensor:" + name + " must be one of Skipped, X1, X2, X4, X8, X16.");
            }
        }

        if (!Enum.IsDefined(Filter))
        {
            errors.Add("Sensor:Filter must be one of Off, X2, X4, X8, X16.");
        }

        if (StandbyCode is < 0 or > 7)
        {
            errors.Add("Sensor:StandbyCode is " + StandbyCode + "; it must be from 0 to 7 (config.t_sb).");
        }

        if (StuckReadCount < 2)
        {
            errors.Add("Sensor:StuckReadCount is " + StuckReadCount + "; it must be at least 2 (default 50).");
        }

        if (!(ReprobeMinimumSeconds > 0) || !(ReprobeMaximumSeconds >= ReprobeMinimumSeconds))
        {
            errors.Add("Sensor:ReprobeMinimumSeconds must be above 0 and Sensor:ReprobeMaximumSeconds at least as large (defaults 5 and 300).");
        }

        if (AltitudeMeters is double altitude && (altitude < -500 || altitude > 9000))
        {
            errors.Add("Sensor:AltitudeMeters is " + altitude + "; give the station altitude in metres (-500 to 9000), or leave it empty.");
        }

        return errors;
    }
}
