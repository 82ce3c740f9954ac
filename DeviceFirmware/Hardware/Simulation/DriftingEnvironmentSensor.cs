namespace DeviceFirmware.Hardware.Simulation;

/// <summary>
/// A sensor without hardware whose readings drift slowly and plausibly (temperature 21 ± 2 °C,
/// humidity 45 ± 10 %RH, pressure 1013 ± 5 hPa over tens of minutes), so a simulated device's
/// telemetry looks alive. Driven by the injected clock only.
/// </summary>
public sealed class DriftingEnvironmentSensor : IEnvironmentSensor
{
    private readonly TimeProvider _time;
    private readonly DateTimeOffset _start;
    private readonly double _phase;

    public DriftingEnvironmentSensor(TimeProvider time, double phase = 0)
    {
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _start = time.GetUtcNow();
        _phase = phase;
    }

    public string Model => "simulated";

    public SensorReading Read()
    {
        var minutes = (_time.GetUtcNow() - _start).TotalMinutes;
        var temperature = 21 + (2 * Math.Sin((2 * Math.PI * minutes / 47) + _phase));
        var humidity = 45 + (10 * Math.Sin((2 * Math.PI * minutes / 71) + 1 + _phase));
        var pressure = 1013 + (5 * Math.Sin((2 * Math.PI * minutes / 113) + 2 + _phase));
        return new SensorReading(SensorHealth.Ok, null, Math.Round(temperature, 2), Math.Round(humidity, 2), Math.Round(pressure, 2));
    }
}
