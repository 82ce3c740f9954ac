using System;
using DeviceFirmware.Core.Bme280;
using DeviceFirmware.Core.Sensors;

namespace DeviceFirmware.Tests.Core.Bme280;

/// <summary>The driver's register traffic, waits and readings against the register-file fake.</summary>
[TestClass]
public sealed class Bme280DriverSequenceTests
{
    [TestMethod]
    public void Register_sequence_is_probe_reset_calibration_config_then_ctrl_hum_before_ctrl_meas_wait_and_burst_read()
    {
        var chip = new FakeBme280();
        var driver = Bme280DriverRig.Create(chip);
        var reading = driver.Read(chip.Now);
        Assert.AreEqual("ok", reading.Status);
        Assert.AreEqual(
            "R D0 1, W E0 B6, R F3 1, R 88 26, R E1 7, W F5 00, W F2 01, W F4 25, R F3 1, R F7 8",
            Bme280DriverRig.Join(chip.Transfers));
        Assert.AreEqual(1, chip.Conversions, "one forced conversion per read");
        Assert.AreEqual(0, chip.Violations.Count, Bme280DriverRig.Join(chip.Violations));

        chip.Transfers.Clear();
        driver.Read(chip.Now);
        Assert.AreEqual("W F2 01, W F4 25, R F3 1, R F7 8", Bme280DriverRig.Join(chip.Transfers), "initialised once");
    }

    [TestMethod]
    public void The_constructor_does_no_I2C()
    {
        var chip = new FakeBme280();
        var driver = Bme280DriverRig.Create(chip);
        Assert.AreEqual(0, chip.Transfers.Count);
        Assert.AreEqual(0, chip.OpenConnections);
        Assert.AreEqual("BME280", driver.Model);
    }

    [TestMethod]
    public void Waits_the_start_up_time_then_the_datasheet_maximum_measurement_time_for_the_oversampling()
    {
        var chip = new FakeBme280();
        var settings = new Bme280Settings();
        settings.TemperatureOversampling = Bme280Oversampling.X16;
        settings.PressureOversampling = Bme280Oversampling.X16;
        settings.HumidityOversampling = Bme280Oversampling.X16;
        var driver = Bme280DriverRig.Create(chip, settings, null);
        driver.Read(chip.Now);
        Assert.AreEqual(2, chip.Waits.Count, "start-up, measurement; no extra polling");
        Assert.AreEqual(Bme280TestData.Milliseconds(2).Ticks, ((TimeSpan)chip.Waits[0]!).Ticks, "start-up time after the reset");
        Assert.AreEqual(Bme280TestData.Milliseconds(112.8).Ticks, ((TimeSpan)chip.Waits[1]!).Ticks, "maximum measurement time at x16");

        chip.Waits.Clear();
        driver.Read(chip.Now);
        Assert.AreEqual(1, chip.Waits.Count, "the typical conversion ends before the maximum");
    }

    [TestMethod]
    public void The_worked_example_reads_as_its_compensated_values()
    {
        var chip = new FakeBme280();
        var reading = Bme280DriverRig.Create(chip).Read(chip.Now);
        var c = Bme280Calibration.Typical;
        var tFine = Bme280Compensation.FineTemperature(519888, c);
        Assert.AreEqual(SensorHealth.Ok, reading.Health);
        Assert.AreEqual("BME280", reading.Model);
        Assert.AreEqual(25.08, reading.TemperatureCelsius);
        Assert.AreEqual(25767233 / 256.0 / 100.0, reading.PressureHectopascals);
        Assert.AreEqual(Bme280Compensation.Humidity(30000, tFine, c) / 1024.0, reading.HumidityPercent);
        Assert.AreEqual(Atmosphere.DewPoint(reading.TemperatureCelsius, reading.HumidityPercent), reading.DewPointCelsius);
        Assert.IsFalse(reading.HasSeaLevelPressure, "no altitude, no sea-level pressure");
    }

    [TestMethod]
    public void Settings_reach_the_config_ctrl_hum_and_ctrl_meas_registers()
    {
        var chip = new FakeBme280();
        var settings = new Bme280Settings();
        settings.TemperatureOversampling = Bme280Oversampling.X2;
        settings.PressureOversampling = Bme280Oversampling.X4;
        settings.HumidityOversampling = Bme280Oversampling.X8;
        settings.Filter = Bme280Filter.X16;
        settings.StandbyCode = 5;
        Bme280DriverRig.Create(chip, settings, null).Read(chip.Now);
        Assert.AreEqual(1, chip.Count("W F5 B0"), "t_sb 5, filter x16");
        Assert.AreEqual(1, chip.Count("W F2 04"), "osrs_h x8");
        Assert.AreEqual(1, chip.Count("W F4 4D"), "osrs_t x2, osrs_p x4, forced");
    }

    [TestMethod]
    public void A_BMP280_reports_its_model_temperature_and_pressure_and_no_humidity()
    {
        var chip = new FakeBme280(Bme280Calibration.Typical, Bme280Constants.ChipIdBmp280);
        var driver = Bme280DriverRig.Create(chip);
        var reading = driver.Read(chip.Now);
        Assert.AreEqual("ok", reading.Status);
        Assert.AreEqual("BMP280", reading.Model);
        Assert.AreEqual("BMP280", driver.Model);
        Assert.IsFalse(reading.HasHumidity);
        Assert.IsFalse(reading.HasDewPoint);
        Assert.AreEqual(25.08, reading.TemperatureCelsius);
        Assert.IsTrue(reading.HasPressure);
        Assert.AreEqual(0, chip.Count("W F2 01"), "a BMP280 has no ctrl_hum");
        Assert.AreEqual(1, chip.Count("R 88 24"));
        Assert.AreEqual(1, chip.Count("R F7 6"));
        Assert.AreEqual(0, chip.Violations.Count, Bme280DriverRig.Join(chip.Violations));
    }

    [TestMethod]
    public void Skipped_channels_are_absent_not_zero()
    {
        var humidityOff = new Bme280Settings();
        humidityOff.HumidityOversampling = Bme280Oversampling.Skipped;
        var chip = new FakeBme280();
        var reading = Bme280DriverRig.Create(chip, humidityOff, null).Read(chip.Now);
        Assert.IsFalse(reading.HasHumidity);
        Assert.IsFalse(reading.HasDewPoint);
        Assert.IsTrue(reading.HasTemperature);
        Assert.IsTrue(reading.HasPressure);

        var pressureOff = new Bme280Settings();
        pressureOff.PressureOversampling = Bme280Oversampling.Skipped;
        chip = new FakeBme280();
        reading = Bme280DriverRig.Create(chip, pressureOff, null).Read(chip.Now);
        Assert.IsFalse(reading.HasPressure);
        Assert.IsTrue(reading.HasHumidity);

        var temperatureOff = new Bme280Settings();
        temperatureOff.TemperatureOversampling = Bme280Oversampling.Skipped;
        chip = new FakeBme280();
        reading = Bme280DriverRig.Create(chip, temperatureOff, null).Read(chip.Now);
        Assert.AreEqual("ok: temperature skipped", reading.Status);
        Assert.IsFalse(reading.HasTemperature);
        Assert.IsFalse(reading.HasPressure, "no t_fine without temperature");
        Assert.IsFalse(reading.HasHumidity);
    }

    [TestMethod]
    public void Offsets_correct_temperature_and_pressure_recompute_humidity_and_altitude_gives_sea_level_pressure()
    {
        var chip = new FakeBme280();
        var raw = Bme280DriverRig.Create(chip).Read(chip.Now);
        var settings = new Bme280Settings();
        settings.TemperatureOffsetCelsius = -2;
        settings.PressureOffsetHectopascals = 0.5;
        settings.AltitudeMeters = 300;
        chip = new FakeBme280();
        var reading = Bme280DriverRig.Create(chip, settings, null).Read(chip.Now);
        Bme280TestData.AssertNear(raw.TemperatureCelsius - 2, reading.TemperatureCelsius, 1e-9, "temperature");
        Bme280TestData.AssertNear(raw.PressureHectopascals + 0.5, reading.PressureHectopascals, 1e-9, "pressure");
        Assert.IsTrue(reading.HumidityPercent > raw.HumidityPercent, "cooler air at the same vapour pressure is more humid");
        Bme280TestData.AssertNear(raw.DewPointCelsius, reading.DewPointCelsius, 0.01, "the dew point does not depend on where the temperature is read");
        Assert.AreEqual(Atmosphere.SeaLevelPressure(reading.PressureHectopascals, 300), reading.SeaLevelPressureHectopascals);
        Assert.IsTrue(reading.SeaLevelPressureHectopascals > reading.PressureHectopascals, "sea level is below the station");
    }

    [TestMethod]
    public void Values_outside_the_chip_range_are_clamped_and_flagged()
    {
        var chip = new FakeBme280();
        chip.RawTemperature = 750000; // 96.58 °C with the typical calibration
        var reading = Bme280DriverRig.Create(chip).Read(chip.Now);
        Assert.AreEqual(85.0, reading.TemperatureCelsius);
        // At that t_fine the worked example's raw pressure compensates outside 300..1100 hPa too.
        Assert.IsTrue(reading.PressureHectopascals == 300 || reading.PressureHectopascals == 1100, "pressure clamped: " + reading.PressureHectopascals);
        Assert.AreEqual("ok: temperature outside the chip's range, clamped; pressure outside the chip's range, clamped", reading.Status);

        chip = new FakeBme280();
        chip.RawTemperature = 650000; // 65.66 °C: within range
        reading = Bme280DriverRig.Create(chip).Read(chip.Now);
        Assert.AreEqual(65.66, reading.TemperatureCelsius);
    }

    [TestMethod]
    public void A_calibration_that_divides_by_zero_gives_no_pressure_and_says_so()
    {
        var chip = new FakeBme280(Bme280TestData.WithZeroDigP1(), Bme280Constants.ChipIdBme280);
        var reading = Bme280DriverRig.Create(chip).Read(chip.Now);
        Assert.AreEqual("ok: pressure not computable (calibration gives a division by zero)", reading.Status);
        Assert.IsFalse(reading.HasPressure);
        Assert.IsTrue(reading.HasTemperature);
    }
}
