namespace DeviceFirmware.Core.Bme280;

/// <summary>
/// Bosch's double-precision compensation formulas (datasheet section 8.1). The driver uses the integer
/// ones (<see cref="Bme280Compensation"/>); these are their reference: the tests compare the two, and
/// simulated chips search them (they are smooth) to find the raw value for a target reading.
/// </summary>
public static class Bme280DoubleCompensation
{
    /// <summary>t_fine in 1/5120 °C, unrounded (var1 + var2 of the datasheet).</summary>
    public static double FineTemperature(double adcT, Bme280Calibration c)
    {
        var var1 = ((adcT / 16384.0) - (c.DigT1 / 1024.0)) * c.DigT2;
        var var2 = ((adcT / 131072.0) - (c.DigT1 / 8192.0)) * ((adcT / 131072.0) - (c.DigT1 / 8192.0)) * c.DigT3;
        return var1 + var2;
    }

    /// <summary>Pressure in Pa.</summary>
    public static double Pressure(double adcP, int tFine, Bme280Calibration c)
    {
        var var1 = (tFine / 2.0) - 64000.0;
        var var2 = var1 * var1 * c.DigP6 / 32768.0;
        var2 += var1 * c.DigP5 * 2.0;
        var2 = (var2 / 4.0) + (c.DigP4 * 65536.0);
        var1 = ((c.DigP3 * var1 * var1 / 524288.0) + (c.DigP2 * var1)) / 524288.0;
        var1 = (1.0 + (var1 / 32768.0)) * c.DigP1;
        var p = (1048576.0 - adcP - (var2 / 4096.0)) * 6250.0 / var1;
        return p + (((c.DigP9 * p * p / 2147483648.0) + (p * c.DigP8 / 32768.0) + c.DigP7) / 16.0);
    }

    /// <summary>Relative humidity in %RH, not held within 0..100.</summary>
    public static double Humidity(double adcH, int tFine, Bme280Calibration c)
    {
        var h = tFine - 76800.0;
        h = (adcH - ((c.DigH4 * 64.0) + (c.DigH5 / 16384.0 * h))) *
            (c.DigH2 / 65536.0 * (1.0 + (c.DigH6 / 67108864.0 * h * (1.0 + (c.DigH3 / 67108864.0 * h)))));
        return h * (1.0 - (c.DigH1 * h / 524288.0));
    }
}
