using System.Globalization;
using DeviceFirmware.Core.Bme280;

namespace DeviceFirmware.Hardware.Bme280;

/// <summary>Configuration section "Sensor", as the Pi host binds and validates it; <see cref="ToSettings"/>
/// gives the portable driver its <see cref="Bme280Settings"/>, whose defaults these are.</summary>
public sealed class Bme280Options
{
    public const string Section = "Sensor";

    public int BusId { get; set; } = Bme280Settings.DefaultBusId;

    /// <summary>"0x76" (SDO to GND, the default), "0x77" (SDO to VDDIO) or "auto" (try both).</summary>
    public string Address { get; set; } = "0x76";

    public Bme280Oversampling TemperatureOversampling { get; set; } = Bme280Settings.DefaultOversampling;

    public Bme280Oversampling PressureOversampling { get; set; } = Bme280Settings.DefaultOversampling;

    public Bme280Oversampling HumidityOversampling { get; set; } = Bme280Settings.DefaultOversampling;

    public Bme280Filter Filter { get; set; } = Bme280Settings.DefaultFilter;

    /// <summary>config.t_sb (0..7); only used in normal mode, kept for completeness.</summary>
    public int StandbyCode { get; set; }

    /// <summary>Added to the temperature (a board that warms its sensor reads too high); humidity is recomputed.</summary>
    public double TemperatureOffsetCelsius { get; set; }

    public double PressureOffsetHectopascals { get; set; }

    /// <summary>Station altitude for sea-level pressure; empty = not reported.</summary>
    public double? AltitudeMeters { get; set; }

    /// <summary>This many identical raw readings in a row mark the sensor stuck and re-initialise it.</summary>
    public int StuckReadCount { get; set; } = Bme280Settings.DefaultStuckReadCount;

    public double ReprobeMinimumSeconds { get; set; } = Bme280Settings.DefaultReprobeMinimumSeconds;

    public double ReprobeMaximumSeconds { get; set; } = Bme280Settings.DefaultReprobeMaximumSeconds;

    /// <summary>What the driver takes from this configuration (validate first).</summary>
    public Bme280Settings ToSettings() => new()
    {
        BusId = BusId,
        Addresses = [.. Addresses()],
        TemperatureOversampling = TemperatureOversampling,
        PressureOversampling = PressureOversampling,
        HumidityOversampling = HumidityOversampling,
        Filter = Filter,
        StandbyCode = StandbyCode,
        TemperatureOffsetCelsius = TemperatureOffsetCelsius,
        PressureOffsetHectopascals = PressureOffsetHectopascals,
        AltitudeMeters = AltitudeMeters ?? double.NaN,
        StuckReadCount = StuckReadCount,
        ReprobeMinimum = Bme280Settings.Seconds(ReprobeMinimumSeconds),
        ReprobeMaximum = Bme280Settings.Seconds(ReprobeMaximumSeconds),
    };

    /// <summary>The I2C addresses to probe, in order.</summary>
    public IReadOnlyList<int> Addresses()
    {
        var text = Address.Trim();
        if (text.Equals("auto", StringComparison.OrdinalIgnoreCase))
        {
            return [Bme280Settings.PrimaryAddress, Bme280Settings.SecondaryAddress];
        }

        return int.TryParse(text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? text[2..] : text, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var address)
            ? [address]
            : [];
    }

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        var addresses = Addresses();
        if (addresses.Count == 0 || (addresses.Count == 1 && addresses[0] is not (Bme280Settings.PrimaryAddress or Bme280Settings.SecondaryAddress)))
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
