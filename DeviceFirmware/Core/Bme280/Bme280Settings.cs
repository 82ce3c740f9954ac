using System;

namespace DeviceFirmware.Core.Bme280;

/// <summary>
/// What the driver needs to know, with the defaults every host starts from (one home for each).
/// Defaults follow Bosch's "weather monitoring" recommendation (datasheet 3.5.1): forced mode, x1
/// oversampling for T, P and H, filter off. Hosts validate their configuration before filling this in.
/// </summary>
public sealed class Bme280Settings
{
    /// <summary>SDO to GND; 0x77 with SDO to VDDIO.</summary>
    public const int PrimaryAddress = 0x76;

    public const int SecondaryAddress = 0x77;

    public const int DefaultBusId = 1;

    public const Bme280Oversampling DefaultOversampling = Bme280Oversampling.X1;

    public const Bme280Filter DefaultFilter = Bme280Filter.Off;

    public const int DefaultStuckReadCount = 50;

    public const double DefaultReprobeMinimumSeconds = 5;

    public const double DefaultReprobeMaximumSeconds = 300;

    /// <summary>The bus number, for messages only (the <see cref="IRegisterBusProvider"/> owns the bus).</summary>
    public int BusId { get; set; } = DefaultBusId;

    /// <summary>The I2C addresses to probe, in order.</summary>
    public int[] Addresses { get; set; } = new int[] { PrimaryAddress };

    public Bme280Oversampling TemperatureOversampling { get; set; } = DefaultOversampling;

    public Bme280Oversampling PressureOversampling { get; set; } = DefaultOversampling;

    public Bme280Oversampling HumidityOversampling { get; set; } = DefaultOversampling;

    public Bme280Filter Filter { get; set; } = DefaultFilter;

    /// <summary>config.t_sb (0..7); only used in normal mode, kept for completeness.</summary>
    public int StandbyCode { get; set; }

    /// <summary>Added to the temperature (a board that warms its sensor reads too high); humidity is recomputed.</summary>
    public double TemperatureOffsetCelsius { get; set; }

    public double PressureOffsetHectopascals { get; set; }

    /// <summary>Station altitude for sea-level pressure; NaN = not reported.</summary>
    public double AltitudeMeters { get; set; } = double.NaN;

    /// <summary>This many identical raw readings in a row mark the sensor stuck and re-initialise it.</summary>
    public int StuckReadCount { get; set; } = DefaultStuckReadCount;

    /// <summary>The first wait before probing a faulted or missing chip again; it doubles while the fault lasts.</summary>
    public TimeSpan ReprobeMinimum { get; set; } = Seconds(DefaultReprobeMinimumSeconds);

    /// <summary>The longest wait between probes.</summary>
    public TimeSpan ReprobeMaximum { get; set; } = Seconds(DefaultReprobeMaximumSeconds);

    /// <summary>A whole or fractional number of seconds as a TimeSpan (nanoFramework's FromSeconds takes a long).</summary>
    public static TimeSpan Seconds(double seconds) => TimeSpan.FromTicks((long)(seconds * TimeSpan.TicksPerSecond));
}
