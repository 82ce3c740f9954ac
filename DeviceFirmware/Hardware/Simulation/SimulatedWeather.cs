namespace DeviceFirmware.Hardware.Simulation;

/// <summary>
/// Plausible indoor weather for simulated hardware: temperature 21 ± 2 °C, humidity 45 ± 10 %RH and
/// pressure 1013 ± 5 hPa drifting over tens of minutes, with a little sensor-like noise, so a
/// simulated device's telemetry looks alive.
/// </summary>
public sealed class SimulatedWeather(DateTimeOffset start, int seed = 1)
{
    private readonly Random _noise = new(seed);

    public (double TemperatureCelsius, double HumidityPercent, double PressureHectopascals) At(DateTimeOffset time)
    {
        var minutes = (time - start).TotalMinutes;
        double Noise(double amplitude) => (_noise.NextDouble() - 0.5) * 2 * amplitude;
        return (
            21 + (2 * Math.Sin(2 * Math.PI * minutes / 47)) + Noise(0.02),
            45 + (10 * Math.Sin((2 * Math.PI * minutes / 71) + 1)) + Noise(0.05),
            1013 + (5 * Math.Sin((2 * Math.PI * minutes / 113) + 2)) + Noise(0.02));
    }
}
