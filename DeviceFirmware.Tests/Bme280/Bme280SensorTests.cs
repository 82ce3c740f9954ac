using System.Device.I2c;
using DeviceFirmware.Core.Bme280;
using DeviceFirmware.Core.Sensors;
using DeviceFirmware.Hardware.Bme280;
using DeviceFirmware.Hardware.Simulation;
using DeviceFirmware.Tests.Core.Bme280;
using Microsoft.Extensions.Time.Testing;

namespace DeviceFirmware.Tests.Bme280;

/// <summary>
/// The Pi host's sensor: the portable driver through the <see cref="I2cRegisterBus"/> adapter, on the
/// register-level <see cref="SimulatedBme280"/> (an <see cref="I2cDevice"/>) and a fake
/// <see cref="TimeProvider"/>. The driver's own sequencing and faults are tested portably in
/// DeviceFirmware.Tests/Core/Bme280.
/// </summary>
[TestClass]
public sealed class Bme280SensorTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 22, 12, 0, 0, TimeSpan.Zero));
    private readonly List<TimeSpan> _waits = [];

    private (Bme280Sensor Sensor, SimulatedBme280 Chip) Create(Bme280Options? options = null, byte chipId = Bme280Constants.ChipIdBme280, Bme280Calibration? calibration = null)
    {
        var chip = new SimulatedBme280(_time, calibration, chipId);
        var sensor = new Bme280Sensor(address => address == 0x76 ? chip : new SimulatedBme280(_time) { Present = false }, options ?? new Bme280Options(), _time, null, Wait);
        return (sensor, chip);
    }

    private void Wait(TimeSpan duration)
    {
        _waits.Add(duration);
        _time.Advance(duration);
    }

    [TestMethod]
    public void Register_sequence_is_reset_calibration_config_then_ctrl_hum_before_ctrl_meas_wait_and_burst_read()
    {
        var (sensor, chip) = Create();
        var reading = sensor.Read();
        Assert.AreEqual(SensorHealth.Ok, reading.Health, reading.Status);
        var expected = new[] { "P D0", "R D0 1", "W E0 B6", "P F3", "R F3 1", "P 88", "R 88 26", "P E1", "R E1 7", "W F5 00", "W F2 01", "W F4 25", "P F3", "R F3 1", "P F7", "R F7 8" };
        CollectionAssert.AreEqual(expected, chip.Transfers.ToArray(), string.Join(", ", chip.Transfers));
        Assert.AreEqual(1, chip.Conversions, "one forced conversion per read");
    }

    [TestMethod]
    public void Waits_the_datasheet_maximum_measurement_time_for_the_configured_oversampling()
    {
        var (sensor, _) = Create(new Bme280Options { TemperatureOversampling = Bme280Oversampling.X16, PressureOversampling = Bme280Oversampling.X16, HumidityOversampling = Bme280Oversampling.X16 });
        sensor.Read();
        _waits.Clear();
        sensor.Read();
        Assert.AreEqual(TimeSpan.FromMilliseconds(112.8), _waits[0]);
        Assert.AreEqual(1, _waits.Count, "the typical conversion ends before the maximum, so no extra polling");
    }

    [TestMethod]
    public void Round_trip_from_simulator_targets_within_the_compensation_resolution()
    {
        foreach (var calibration in Bme280TestData.CalibrationSets())
        {
            var (sensor, chip) = Create(calibration: calibration);
            foreach (var (t, h, p) in new[] { (21.5, 45.0, 1013.25), (-12.34, 80.5, 950.0), (38.9, 12.25, 1050.75), (0.0, 99.0, 700.0) })
            {
                chip.TargetTemperatureCelsius = t;
                chip.TargetHumidityPercent = h;
                chip.TargetPressureHectopascals = p;
                var reading = sensor.Read();
                Assert.AreEqual(t, reading.TemperatureCelsius, 0.01, "temperature");
                Assert.AreEqual(h, reading.HumidityPercent, 0.01, "humidity");
                Assert.AreEqual(p, reading.PressureHectopascals, 0.01, "pressure");
                Assert.IsTrue(reading.HasDewPoint);
            }
        }
    }

    [TestMethod]
    public void A_BMP280_reports_its_model_temperature_and_pressure_and_no_humidity()
    {
        var (sensor, chip) = Create(chipId: Bme280Constants.ChipIdBmp280);
        var reading = sensor.Read();
        Assert.AreEqual(SensorHealth.Ok, reading.Health, reading.Status);
        Assert.AreEqual("BMP280", reading.Model);
        Assert.AreEqual("BMP280", sensor.Model);
        Assert.IsFalse(reading.HasHumidity);
        Assert.IsFalse(reading.HasDewPoint);
        Assert.AreEqual(21.5, reading.TemperatureCelsius, 0.01);
        Assert.AreEqual(1013.25, reading.PressureHectopascals, 0.01);
        CollectionAssert.DoesNotContain(chip.Transfers.ToArray(), "W F2 01", "a BMP280 has no ctrl_hum");
        CollectionAssert.Contains(chip.Transfers.ToArray(), "R 88 24");
    }

    [TestMethod]
    public void No_device_is_missing_and_is_probed_again_with_a_growing_backoff()
    {
        var (sensor, chip) = Create(new Bme280Options { Address = "auto" });
        chip.Present = false;
        var first = sensor.Read();
        Assert.AreEqual(SensorHealth.Missing, first.Health);
        Assert.AreEqual("missing: no device answers at 0x76 or 0x77 on I2C bus 1", first.Status);
        Assert.IsFalse(first.HasTemperature);

        // Probes at 0 s, then after 5 s, then 10 s later, then 20 s later...
        AssertProbed(sensor, chip, TimeSpan.FromSeconds(4), expected: false);
        AssertProbed(sensor, chip, TimeSpan.FromSeconds(1), expected: true);
        AssertProbed(sensor, chip, TimeSpan.FromSeconds(9), expected: false);
        AssertProbed(sensor, chip, TimeSpan.FromSeconds(1), expected: true);
        AssertProbed(sensor, chip, TimeSpan.FromSeconds(19), expected: false);

        chip.Present = true;
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.AreEqual("ok", sensor.Read().Status, "plugged in again: found on the next probe");
    }

    private void AssertProbed(Bme280Sensor sensor, SimulatedBme280 chip, TimeSpan after, bool expected)
    {
        var before = chip.Probes;
        _time.Advance(after);
        var reading = sensor.Read();
        Assert.AreEqual(SensorHealth.Missing, reading.Health);
        Assert.AreEqual(expected, chip.Probes > before, "probe after " + after.TotalSeconds + " s");
    }

    [TestMethod]
    public void Linux_I2C_errors_keep_their_text_in_the_status()
    {
        var (sensor, chip) = Create();
        sensor.Read();
        chip.FailNextTransfers = 1;
        var failed = sensor.Read();
        Assert.AreEqual("error: read failed: Error 121 performing I2C data transfer (remote I/O error).", failed.Status);
        Assert.AreEqual("BME280", failed.Model);
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.AreEqual("ok", sensor.Read().Status);
    }

    [TestMethod]
    public void A_bus_that_cannot_be_opened_is_missing_with_a_hint()
    {
        var sensor = new Bme280Sensor(_ => throw new IOException("Device /dev/i2c-1 not found"), new Bme280Options(), _time, null, Wait);
        Assert.AreEqual("missing: I2C bus 1 cannot be opened (Device /dev/i2c-1 not found); is I2C enabled (raspi-config) and the user in group i2c?", sensor.Read().Status);
    }

    [TestMethod]
    public void The_sensor_section_becomes_the_driver_settings()
    {
        var defaults = new Bme280Options().ToSettings();
        CollectionAssert.AreEqual(new[] { 0x76 }, defaults.Addresses);
        Assert.IsTrue(double.IsNaN(defaults.AltitudeMeters), "no altitude: no sea-level pressure");
        Assert.AreEqual(TimeSpan.FromSeconds(5), defaults.ReprobeMinimum);
        Assert.AreEqual(TimeSpan.FromSeconds(300), defaults.ReprobeMaximum);
        Assert.AreEqual(50, defaults.StuckReadCount);

        var options = new Bme280Options
        {
            BusId = 3,
            Address = "auto",
            TemperatureOversampling = Bme280Oversampling.X2,
            PressureOversampling = Bme280Oversampling.X4,
            HumidityOversampling = Bme280Oversampling.Skipped,
            Filter = Bme280Filter.X8,
            StandbyCode = 2,
            TemperatureOffsetCelsius = -1.5,
            PressureOffsetHectopascals = 0.25,
            AltitudeMeters = 250,
            StuckReadCount = 7,
            ReprobeMinimumSeconds = 0.5,
            ReprobeMaximumSeconds = 60,
        };
        var s = options.ToSettings();
        Assert.AreEqual(3, s.BusId);
        CollectionAssert.AreEqual(new[] { 0x76, 0x77 }, s.Addresses);
        Assert.AreEqual(Bme280Oversampling.X2, s.TemperatureOversampling);
        Assert.AreEqual(Bme280Oversampling.X4, s.PressureOversampling);
        Assert.AreEqual(Bme280Oversampling.Skipped, s.HumidityOversampling);
        Assert.AreEqual(Bme280Filter.X8, s.Filter);
        Assert.AreEqual(2, s.StandbyCode);
        Assert.AreEqual(-1.5, s.TemperatureOffsetCelsius);
        Assert.AreEqual(0.25, s.PressureOffsetHectopascals);
        Assert.AreEqual(250.0, s.AltitudeMeters);
        Assert.AreEqual(7, s.StuckReadCount);
        Assert.AreEqual(TimeSpan.FromMilliseconds(500), s.ReprobeMinimum);
        Assert.AreEqual(TimeSpan.FromSeconds(60), s.ReprobeMaximum);
    }

    [TestMethod]
    public void The_simulator_refuses_what_a_real_chip_would_not_do()
    {
        var chip = new SimulatedBme280(_time);
        var buffer = new byte[2];
        Assert.ThrowsExactly<InvalidOperationException>(() => chip.WriteRead([0xFE], buffer), "read past the register map");
        Assert.ThrowsExactly<InvalidOperationException>(() => chip.Write([0xD0, 0x61]), "chip id is read-only");
        var bmp = new SimulatedBme280(_time, chipId: Bme280Constants.ChipIdBmp280);
        Assert.ThrowsExactly<InvalidOperationException>(() => bmp.WriteRead([0xE1], new byte[7]), "a BMP280 has no humidity calibration");
    }

    [TestMethod]
    public void Simulator_measuring_bit_follows_the_clock_and_ctrl_hum_is_latched_by_ctrl_meas()
    {
        var chip = new SimulatedBme280(_time);
        chip.Write([0xF2, 0x01]);
        chip.Write([0xF4, 0x25]);
        var status = new byte[1];
        chip.WriteRead([0xF3], status);
        Assert.AreEqual(Bme280Constants.StatusMeasuring, status[0] & Bme280Constants.StatusMeasuring);
        _time.Advance(Bme280Compensation.TypicalMeasurementTime(Bme280Oversampling.X1, Bme280Oversampling.X1, Bme280Oversampling.X1));
        chip.WriteRead([0xF3], status);
        Assert.AreEqual(0, status[0] & Bme280Constants.StatusMeasuring);

        // ctrl_hum written after ctrl_meas does not apply to that conversion: humidity stays skipped.
        var fresh = new SimulatedBme280(_time);
        _time.Advance(TimeSpan.FromMilliseconds(3));
        fresh.Write([0xF4, 0x25]);
        fresh.Write([0xF2, 0x01]);
        _time.Advance(TimeSpan.FromMilliseconds(20));
        var data = new byte[8];
        fresh.WriteRead([0xF7], data);
        Assert.AreEqual(Bme280Constants.SkippedHumidity, (data[6] << 8) | data[7]);
    }
}
