using System.Diagnostics;
using System.Globalization;
using DeviceFirmware.Core.Sensors;
using DeviceFirmware.Hardware;
using DeviceFirmware.Core.Bme280;
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

    public static void Run(BenchmarkReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        report.Section("BME280 forced-mode read",
            "Driver overhead per read against the register-level simulator, next to the datasheet's maximum measurement time for the same oversampling (the chip's conversion time passes on a fake clock).",
            string.Create(CultureInfo.InvariantCulture, $"{Reads} reads per row after {Warmup} warm-up reads. The figures include the simulator's own work (it inverts the compensation for every conversion), so they bound the driver's overhead from above."));
        var rows = new List<IReadOnlyList<string>>();
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
            rows.Add([
                "x" + Bme280Compensation.Factor(factor).ToString(CultureInfo.InvariantCulture),
                max.ToString("0.###", CultureInfo.InvariantCulture) + " ms",
                Micro(mean), Micro(BenchmarkReport.Percentile(samples, 0.5)), Micro(BenchmarkReport.Percentile(samples, 0.99)), Micro(samples[^1]),
            ]);
        }

        report.Table(["oversampling T/P/H", "datasheet max measurement", "driver mean", "driver p50", "driver p99", "driver max"], rows);
    }

    private static string Micro(double microseconds) => microseconds.ToString("0.0", CultureInfo.InvariantCulture) + " µs";

    private static void Check(SensorReading reading)
    {
        if (reading.Health != SensorHealth.Ok)
        {
            throw new InvalidOperationException("The benchmark's simulated sensor failed: " + reading.Status);
        }
    }
}
