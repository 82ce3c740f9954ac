namespace DeviceFirmware.Core.Bme280;

/// <summary>Derived quantities from temperature, humidity and pressure (pure functions).</summary>
public static class Atmosphere
{
    // Magnus coefficients over water (Sonntag 1990), valid from -45 °C to 60 °C.
    private const double MagnusB = 17.62;
    private const double MagnusC = 243.12;

    /// <summary>Saturation vapour pressure in hPa (Magnus formula).</summary>
    public static double SaturationVapourPressure(double temperatureCelsius) =>
        6.112 * Elementary.Exp(MagnusB * temperatureCelsius / (MagnusC + temperatureCelsius));

    /// <summary>Dew point in °C (Magnus formula); NaN for a humidity of 0 (or NaN).</summary>
    public static double DewPoint(double temperatureCelsius, double relativeHumidityPercent)
    {
        if (!(relativeHumidityPercent > 0))
        {
            return double.NaN;
        }

        var gamma = Elementary.Log(relativeHumidityPercent / 100.0) + (MagnusB * temperatureCelsius / (MagnusC + temperatureCelsius));
        return MagnusC * gamma / (MagnusB - gamma);
    }

    /// <summary>
    /// The relative humidity the same air has at another temperature (same vapour pressure): what a
    /// temperature offset implies, since a board that warms its sensor lowers the humidity it reads.
    /// Held within 0..100 %RH.
    /// </summary>
    public static double RelativeHumidityAt(double relativeHumidityPercent, double measuredCelsius, double correctedCelsius)
    {
        var rh = relativeHumidityPercent * SaturationVapourPressure(measuredCelsius) / SaturationVapourPressure(correctedCelsius);
        return rh < 0 ? 0 : rh > 100 ? 100 : rh;
    }

    /// <summary>Pressure reduced to sea level for a station altitude (international barometric formula).</summary>
    public static double SeaLevelPressure(double pressureHectopascals, double altitudeMeters) =>
        pressureHectopascals / Elementary.Pow(1.0 - (altitudeMeters / 44330.0), 5.255);
}
