using System;

namespace DeviceFirmware.Core.Bme280;

/// <summary>
/// Bosch's integer compensation formulas, exactly as in the BME280 datasheet section 4.2.3
/// (BST-BME280-DS002): int32 temperature producing t_fine, int64 pressure, int32 humidity. Pure
/// functions; t_fine is returned and passed explicitly rather than kept as hidden state.
/// </summary>
public static class Bme280Compensation
{
    /// <summary>t_fine, the fine temperature the pressure and humidity formulas take (1/5120 °C steps).</summary>
    public static int FineTemperature(int adcT, Bme280Calibration c)
    {
        ArgumentNullException.ThrowIfNull(c);
        var var1 = (((adcT >> 3) - (c.DigT1 << 1)) * c.DigT2) >> 11;
        var var2 = (((((adcT >> 4) - c.DigT1) * ((adcT >> 4) - c.DigT1)) >> 12) * c.DigT3) >> 14;
        return var1 + var2;
    }

    /// <summary>Temperature in 0.01 °C ("5123" = 51.23 °C) from t_fine.</summary>
    public static int TemperatureCentidegrees(int tFine) => ((tFine * 5) + 128) >> 8;

    /// <summary>Pressure in Pa as unsigned Q24.8 ("24674867" = 96386.2 Pa). False when the formula
    /// would divide by zero (var1 == 0, a broken calibration; the datasheet returns 0 there).</summary>
    public static bool TryPressure(int adcP, int tFine, Bme280Calibration c, out uint pascalsQ24x8)
    {
        ArgumentNullException.ThrowIfNull(c);
        long var1 = (long)tFine - 128000;
        var var2 = var1 * var1 * c.DigP6;
        var2 += (var1 * c.DigP5) << 17;
        var2 += (long)c.DigP4 << 35;
        var1 = ((var1 * var1 * c.DigP3) >> 8) + ((var1 * c.DigP2) << 12);
        var1 = (((1L << 47) + var1) * c.DigP1) >> 33;
        if (var1 == 0)
        {
            pascalsQ24x8 = 0;
            return false;
        }

        long p = 1048576 - adcP;
        p = (((p << 31) - var2) * 3125) / var1;
        var1 = (c.DigP9 * (p >> 13) * (p >> 13)) >> 25;
        var2 = (c.DigP8 * p) >> 19;
        p = ((p + var1 + var2) >> 8) + ((long)c.DigP7 << 4);
        pascalsQ24x8 = (uint)p;
        return true;
    }

    /// <summary>Relative humidity in %RH as unsigned Q22.10 ("47445" = 46.333 %RH), 0..100 %RH.</summary>
    public static uint Humidity(int adcH, int tFine, Bme280Calibration c)
    {
        ArgumentNullException.ThrowIfNull(c);
        var v = tFine - 76800;
        v = (((adcH << 14) - (c.DigH4 << 20) - (c.DigH5 * v) + 16384) >> 15) *
            (((((((v * c.DigH6) >> 10) * (((v * c.DigH3) >> 11) + 32768)) >> 10) + 2097152) * c.DigH2 + 8192) >> 14);
        v -= ((((v >> 15) * (v >> 15)) >> 7) * c.DigH1) >> 4;
        v = v < 0 ? 0 : v;
        v = v > 419430400 ? 419430400 : v;
        return (uint)(v >> 12);
    }

    /// <summary>The datasheet's maximum measurement time in forced mode (appendix B, 9.1):
    /// 1.25 + 2.3·osr_T + (2.3·osr_P + 0.575) + (2.3·osr_H + 0.575) ms; a skipped channel adds nothing.</summary>
    public static TimeSpan MaximumMeasurementTime(Bme280Oversampling temperature, Bme280Oversampling pressure, Bme280Oversampling humidity) =>
        Microseconds(1250, 2300, 575, temperature, pressure, humidity);

    /// <summary>The typical measurement time (datasheet 9.1): 1 + 2·osr_T + (2·osr_P + 0.5) + (2·osr_H + 0.5) ms.</summary>
    public static TimeSpan TypicalMeasurementTime(Bme280Oversampling temperature, Bme280Oversampling pressure, Bme280Oversampling humidity) =>
        Microseconds(1000, 2000, 500, temperature, pressure, humidity);

    /// <summary>The number of samples an oversampling setting takes (x1 = 1 ... x16 = 16).</summary>
    public static int Factor(Bme280Oversampling oversampling) => oversampling switch
    {
        Bme280Oversampling.Skipped => 0,
        Bme280Oversampling.X1 => 1,
        Bme280Oversampling.X2 => 2,
        Bme280Oversampling.X4 => 4,
        Bme280Oversampling.X8 => 8,
        _ => 16,
    };

    // Every term of both formulas is a whole number of microseconds, so the sum is exact (no rounding up).
    private static TimeSpan Microseconds(int baseUs, int perSampleUs, int pressureHumidityUs, Bme280Oversampling temperature, Bme280Oversampling pressure, Bme280Oversampling humidity)
    {
        long us = baseUs + (perSampleUs * Factor(temperature));
        us += pressure == Bme280Oversampling.Skipped ? 0 : (perSampleUs * Factor(pressure)) + pressureHumidityUs;
        us += humidity == Bme280Oversampling.Skipped ? 0 : (perSampleUs * Factor(humidity)) + pressureHumidityUs;
        return TimeSpan.FromTicks(us * (TimeSpan.TicksPerMillisecond / 1000));
    }
}
