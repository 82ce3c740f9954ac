using System;
using DeviceFirmware.Core.Sensors;

namespace DeviceFirmware.Tests.Core.Sensors;

[TestClass]
public sealed class SensorReadingTests
{
    [TestMethod]
    public void Status_text_is_what_the_shadow_and_the_log_carry()
    {
        Assert.AreEqual("ok", new SensorReading(SensorHealth.Ok, null, 20, 50, 1000).Status);
        Assert.AreEqual("ok: temperature skipped", new SensorReading(SensorHealth.Ok, "temperature skipped", double.NaN, double.NaN, double.NaN).Status);
        Assert.AreEqual("missing", SensorReading.Missing(null).Status);
        Assert.AreEqual("missing: no device answers at 0x76 on I2C bus 1", SensorReading.Missing("no device answers at 0x76 on I2C bus 1").Status);
        Assert.AreEqual("error: read failed: bus error", SensorReading.Failed("read failed: bus error").Status);
        Assert.AreEqual("error: unknown", new SensorReading(SensorHealth.Error, null, double.NaN, double.NaN, double.NaN).Status);
    }

    [TestMethod]
    public void A_channel_not_measured_is_NaN_and_says_so()
    {
        var reading = new SensorReading(SensorHealth.Ok, null, 21.5, double.NaN, 1013.2);
        Assert.IsTrue(reading.HasTemperature);
        Assert.IsFalse(reading.HasHumidity);
        Assert.IsTrue(reading.HasPressure);
        Assert.IsFalse(reading.HasDewPoint, "not given");
        Assert.IsFalse(reading.HasSeaLevelPressure, "not given");
        Assert.IsTrue(double.IsNaN(reading.HumidityPercent));
        Assert.AreEqual(21.5, reading.TemperatureCelsius);
        Assert.AreEqual(1013.2, reading.PressureHectopascals);

        var missing = SensorReading.Missing("unplugged");
        Assert.AreEqual(SensorHealth.Missing, missing.Health);
        Assert.IsFalse(missing.HasTemperature || missing.HasHumidity || missing.HasPressure || missing.HasDewPoint || missing.HasSeaLevelPressure, "nothing measured");
        Assert.IsFalse(SensorReading.Failed("x").HasTemperature);
    }

    [TestMethod]
    public void An_infinite_value_counts_as_not_measured()
    {
        var reading = new SensorReading(SensorHealth.Ok, null, double.PositiveInfinity, double.NegativeInfinity, 1000, double.PositiveInfinity, 1010);
        Assert.IsFalse(reading.HasTemperature);
        Assert.IsFalse(reading.HasHumidity);
        Assert.IsFalse(reading.HasDewPoint);
        Assert.IsTrue(reading.HasSeaLevelPressure);
        Assert.AreEqual(1010.0, reading.SeaLevelPressureHectopascals);
    }

    [TestMethod]
    public void With_model_copies_every_value_and_leaves_the_original_alone()
    {
        var original = new SensorReading(SensorHealth.Ok, "pressure outside the chip's range, clamped", 21.5, 45.25, 1100, 9.1, 1130);
        var named = original.WithModel("BMP280");
        Assert.IsNull(original.Model);
        Assert.AreEqual("BMP280", named.Model);
        Assert.AreEqual(original.Health, named.Health);
        Assert.AreEqual(original.Status, named.Status);
        Assert.AreEqual(21.5, named.TemperatureCelsius);
        Assert.AreEqual(45.25, named.HumidityPercent);
        Assert.AreEqual(1100.0, named.PressureHectopascals);
        Assert.AreEqual(9.1, named.DewPointCelsius);
        Assert.AreEqual(1130.0, named.SeaLevelPressureHectopascals);
    }
}
