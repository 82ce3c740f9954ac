using System;
using DeviceFirmware.Core.Bme280;
using DeviceFirmware.Core.Sensors;

namespace DeviceFirmware.Tests.Core.Bme280;

/// <summary>Missing chips, bus faults, stuck chips and the re-probe backoff, against the register-file fake.</summary>
[TestClass]
public sealed class Bme280DriverFaultTests
{
    [TestMethod]
    public void No_device_is_missing_and_is_probed_again_with_a_growing_backoff()
    {
        var chip = new FakeBme280();
        chip.Present = false;
        var log = new RecordingBme280Log();
        var driver = Bme280DriverRig.Create(chip, Bme280DriverRig.BothAddresses(), log);
        var first = driver.Read(chip.Now);
        Assert.AreEqual(SensorHealth.Missing, first.Health);
        Assert.AreEqual("missing: no device answers at 0x76 or 0x77 on I2C bus 1", first.Status);
        Assert.IsFalse(first.HasTemperature);
        Assert.AreEqual(0, chip.OpenConnections, "both probes closed");

        // Probes at 0 s, then after 5 s, then 10 s later, then 20 s later...
        AssertProbed(driver, chip, 4, false);
        AssertProbed(driver, chip, 1, true);
        AssertProbed(driver, chip, 9, false);
        AssertProbed(driver, chip, 1, true);
        AssertProbed(driver, chip, 19, false);

        chip.Present = true;
        chip.Idle(TimeSpan.FromTicks(TimeSpan.TicksPerSecond));
        Assert.AreEqual("ok", driver.Read(chip.Now).Status, "plugged in again: found on the next probe");
        Assert.AreEqual(
            "Sensor BME280: missing: no device answers at 0x76 or 0x77 on I2C bus 1; probing again in 5 s., Sensor BME280 found at 0x76 on I2C bus 1.",
            Bme280DriverRig.Join(log.Lines),
            "one line per new status, not per probe");
    }

    [TestMethod]
    public void The_backoff_doubles_up_to_the_maximum_and_starts_again_after_a_recovery()
    {
        var chip = new FakeBme280();
        chip.Present = false;
        var settings = new Bme280Settings();
        settings.ReprobeMaximum = TimeSpan.FromTicks(12 * TimeSpan.TicksPerSecond);
        var log = new RecordingBme280Log();
        var driver = Bme280DriverRig.Create(chip, settings, log);
        driver.Read(chip.Now);
        AssertProbed(driver, chip, 5, true);
        AssertProbed(driver, chip, 10, true);
        AssertProbed(driver, chip, 11, false);
        AssertProbed(driver, chip, 1, true);
        AssertProbed(driver, chip, 12, true);

        chip.Present = true;
        chip.Idle(TimeSpan.FromTicks(12 * TimeSpan.TicksPerSecond));
        Assert.AreEqual("ok", driver.Read(chip.Now).Status);
        chip.Present = false;
        Assert.AreEqual(SensorHealth.Error, driver.Read(chip.Now).Health, "lost mid-measurement");
        Assert.AreEqual("Sensor BME280: error: read failed: no acknowledge from the device; probing again in 5 s.", (string)log.Lines[log.Lines.Count - 1]!, "back to the minimum");
    }

    [TestMethod]
    public void A_bus_that_cannot_be_opened_is_missing_with_the_host_reason()
    {
        var chip = new FakeBme280();
        chip.BusCannotOpen = true;
        var reading = Bme280DriverRig.Create(chip).Read(chip.Now);
        Assert.AreEqual("missing: I2C bus 1 cannot be opened (fake)", reading.Status);
    }

    [TestMethod]
    public void A_wrong_chip_id_is_an_error_that_names_the_id()
    {
        var chip = new FakeBme280(Bme280Calibration.Typical, 0x55);
        var reading = Bme280DriverRig.Create(chip).Read(chip.Now);
        Assert.AreEqual(SensorHealth.Error, reading.Health);
        Assert.AreEqual("error: unexpected chip id 0x55 at 0x76 (a BME280 says 0x60, a BMP280 0x58)", reading.Status);
        Assert.AreEqual(0, chip.OpenConnections);
        Assert.AreEqual(0, chip.Count("W E0 B6"), "not reset: it is not our chip");
    }

    [TestMethod]
    public void A_stuck_measuring_bit_is_an_error_and_the_sensor_recovers_after_reprobing()
    {
        var chip = new FakeBme280();
        var driver = Bme280DriverRig.Create(chip);
        Assert.AreEqual("ok", driver.Read(chip.Now).Status);
        chip.StuckMeasuring = true;
        var stuck = driver.Read(chip.Now);
        Assert.AreEqual("error: the measuring bit stayed set past the datasheet's maximum measurement time", stuck.Status);
        Assert.AreEqual("BME280", stuck.Model);
        Assert.IsFalse(stuck.HasTemperature);
        Assert.AreEqual(0, chip.OpenConnections, "closed until the next probe");

        chip.StuckMeasuring = false;
        chip.Idle(TimeSpan.FromTicks(5 * TimeSpan.TicksPerSecond));
        Assert.AreEqual("ok", driver.Read(chip.Now).Status);
        Assert.AreEqual(2, chip.Count("W E0 B6"), "re-initialised with a soft reset");
    }

    [TestMethod]
    public void A_bus_error_mid_measurement_is_reported_with_the_host_detail_and_recovered()
    {
        var chip = new FakeBme280();
        var driver = Bme280DriverRig.Create(chip);
        driver.Read(chip.Now);
        chip.FailNextTransfers = 1;
        var failed = driver.Read(chip.Now);
        Assert.AreEqual("error: read failed: " + FakeBme280.GlitchText, failed.Status);
        Assert.AreEqual(failed, driver.Read(chip.Now), "the same fault until the next probe");
        chip.Idle(TimeSpan.FromTicks(5 * TimeSpan.TicksPerSecond));
        Assert.AreEqual("ok", driver.Read(chip.Now).Status);
    }

    [TestMethod]
    public void A_nack_on_the_data_read_says_so_without_host_detail()
    {
        var chip = new FakeBme280();
        var driver = Bme280DriverRig.Create(chip);
        driver.Read(chip.Now);
        // ctrl_hum, ctrl_meas and the status poll pass; the burst read of the data is refused.
        chip.NackAfterTransfers = 3;
        chip.Transfers.Clear();
        var reading = driver.Read(chip.Now);
        Assert.AreEqual("W F2 01, W F4 25, R F3 1, R F7 8", Bme280DriverRig.Join(chip.Transfers));
        Assert.AreEqual("error: read failed: no acknowledge from the device", reading.Status);
    }

    [TestMethod]
    public void An_NVM_copy_that_never_ends_fails_the_initialisation()
    {
        var chip = new FakeBme280();
        chip.StuckImUpdate = true;
        var reading = Bme280DriverRig.Create(chip).Read(chip.Now);
        Assert.AreEqual("error: initialisation at 0x76 failed: the NVM copy after reset did not finish (im_update stuck)", reading.Status);
        Assert.AreEqual(0, chip.OpenConnections);
    }

    [TestMethod]
    public void Identical_raw_readings_mark_the_sensor_stuck_and_reinitialise_it()
    {
        var chip = new FakeBme280();
        var settings = new Bme280Settings();
        settings.StuckReadCount = 5;
        var driver = Bme280DriverRig.Create(chip, settings, null);
        for (var i = 0; i < 4; i++)
        {
            Assert.AreEqual("ok", driver.Read(chip.Now).Status, "read " + i);
        }

        var stuck = driver.Read(chip.Now);
        Assert.AreEqual("error: stuck: 5 identical raw readings in a row; re-initialising", stuck.Status);
        chip.RawTemperature++;
        chip.Idle(TimeSpan.FromTicks(5 * TimeSpan.TicksPerSecond));
        Assert.AreEqual("ok", driver.Read(chip.Now).Status);
        Assert.AreEqual(2, chip.Count("W E0 B6"), "re-initialised with a soft reset");
    }

    [TestMethod]
    public void Changing_raw_readings_are_never_stuck()
    {
        var chip = new FakeBme280();
        var settings = new Bme280Settings();
        settings.StuckReadCount = 3;
        var driver = Bme280DriverRig.Create(chip, settings, null);
        for (var i = 0; i < 20; i++)
        {
            chip.RawHumidity = 30000 + (i % 2);
            Assert.AreEqual("ok", driver.Read(chip.Now).Status, "read " + i);
        }
    }

    private static void AssertProbed(Bme280Driver driver, FakeBme280 chip, int afterSeconds, bool expected)
    {
        var before = chip.Transfers.Count;
        chip.Idle(TimeSpan.FromTicks(afterSeconds * TimeSpan.TicksPerSecond));
        var reading = driver.Read(chip.Now);
        Assert.AreEqual(SensorHealth.Missing, reading.Health);
        Assert.AreEqual(expected, chip.Transfers.Count > before, "probe after " + afterSeconds + " s");
    }
}
