using System.Diagnostics;
using System.Globalization;
using DeviceFirmware.Hardware;
using DeviceFirmware.Hardware.Bme280;
using DeviceFirmware.Hardware.Simulation;
using Microsoft.Extensions.Time.Testing;

namespace Firmware.Benchmarks;

/// <summary>
/// Time per forced-mode read against the register-level simulator, next to the datasheet's maximum
/// measurement time for the same settings. The chip's conversion time passes on a fake clock, so
/// the wall-clock figure is the driver's own overhead (register traffic, compensation, derived values).
/// </summary>
internal static class Bme280ReadBenchmark
{
    private const int Warmup = 2_000;
    private const int Reads = 20_000;

    public static void Run(TextWriter output)
    {
        output.WriteLine("BME280 forced-mode read: driver overhead per read vs the datasheet's maximum measurement time");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{Reads} reads per row after {Warmup} warm-up reads; .NET {Environment.Version}, {Environment.ProcessorCount} cores"));
        output.WriteLine("The figures include the simulator's own work (it inverts the compensation for every conversion), so they bound the driver's overhead from above.");
        output.WriteLine();
        output.WriteLine("| oversampling T/P/H | datasheet max measurement | driver mean | driver p50 | driver p99 | driver max |");
        output.WriteLine("|---|---|---|---|---|---|");
        foreach (var factor in new[] { Bme280Oversampling.X1, Bme280Oversampling.X2, Bme280Oversampling.X4, Bme280Oversampling.X8, Bme280Oversampling.X16 })
        {
            var options = new Bme280Options { TemperatureOversampling = factor, PressureOversampling = factor, HumidityOversampling = factor, StuckReadCount = int.MaxValue };
            var time = new FakeTimeProvider();
            var weather = new SimulatedWeather(time.GetUtcNow());
            var chip = new SimulatedBme280(time) { Environment = weather.At };
            using var sensor = new Bme280Sensor(_ => chip, options, time, null, time.Advance);
            var samples = new double[Reads];
            for (var i = 0; i < Warmup; i++)
            {
                Check(sensor.Read());
            }

            for (var i = 0; i < Reads; i++)
            {
                var start = Stopwatch.GetTimestamp();
                var reading = sensor.Read();
                samples[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
                Check(reading);
            }

            Array.Sort(samples);
            var mean = 0.0;
            foreach (var s in samples)
            {
                mean += s;
            }

            mean /= samples.Length;
            var max = Bme280Compensation.MaximumMeasurementTime(factor, factor, factor).TotalMilliseconds;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| x{Bme280Compensation.Factor(factor)} | {max:0.###} ms | {mean:0.0} µs | {samples[Reads / 2]:0.0} µs | {samples[(int)(Reads * 0.99)]:0.0} µs | {samples[^1]:0.0} µs |"));
        }
    }

    private static void Check(SensorReading reading)
    {
        if (reading.Health != SensorHealth.Ok)
        {
            throw new InvalidOperationException("The benchmark's simulated sensor failed: " + reading.Status);
        }
    }
}
