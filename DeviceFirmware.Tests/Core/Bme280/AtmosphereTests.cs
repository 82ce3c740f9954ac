using DeviceFirmware.Core.Bme280;

namespace DeviceFirmware.Tests.Core.Bme280;

/// <summary>Expected values from the same formulas evaluated independently (CPython's math module).</summary>
[TestClass]
public sealed class AtmosphereTests
{
    [TestMethod]
    [DataRow(20.0, 50.0, 9.255174598981256)]
    [DataRow(25.0, 80.0, 21.306887199560098)]
    [DataRow(-10.0, 60.0, -16.305173724827156)]
    [DataRow(30.0, 10.0, -4.962807801667704)]
    public void Dew_point_follows_the_Magnus_formula(double celsius, double humidity, double expected)
    {
        Bme280TestData.AssertNear(expected, Atmosphere.DewPoint(celsius, humidity), 1e-12, "dew point at " + celsius + " °C, " + humidity + " %RH");
    }

    [TestMethod]
    public void Saturated_air_has_its_own_temperature_as_dew_point_and_dry_air_has_none()
    {
        Bme280TestData.AssertNear(21.5, Atmosphere.DewPoint(21.5, 100), 1e-12, "saturated");
        Assert.IsTrue(double.IsNaN(Atmosphere.DewPoint(21.5, 0)), "0 %RH");
        Assert.IsTrue(double.IsNaN(Atmosphere.DewPoint(21.5, double.NaN)), "no humidity");
    }

    [TestMethod]
    [DataRow(0.0, 6.112)]
    [DataRow(20.0, 23.32596022097807)]
    [DataRow(35.0, 56.128417194210776)]
    public void Saturation_vapour_pressure_follows_the_Magnus_formula(double celsius, double expected)
    {
        Bme280TestData.AssertNear(expected, Atmosphere.SaturationVapourPressure(celsius), 1e-12, "e_s at " + celsius + " °C");
    }

    [TestMethod]
    public void Humidity_at_another_temperature_keeps_the_vapour_pressure_and_stays_within_0_to_100()
    {
        Bme280TestData.AssertNear(56.37902823377169, Atmosphere.RelativeHumidityAt(50, 25, 23), 1e-10, "cooled by 2 °C");
        Bme280TestData.AssertNear(50, Atmosphere.RelativeHumidityAt(50, 25, 25), 1e-12, "same temperature");
        Assert.AreEqual(100.0, Atmosphere.RelativeHumidityAt(95, 25, 15), "held at 100 %RH");
    }

    [TestMethod]
    [DataRow(1000.0, 300.0, 1036.3280085940755)]
    [DataRow(950.0, 500.0, 1008.3495410931122)]
    [DataRow(1013.25, 0.0, 1013.25)]
    [DataRow(980.0, -50.0, 974.2118395480577)]
    public void Sea_level_pressure_follows_the_barometric_formula(double station, double altitude, double expected)
    {
        Bme280TestData.AssertNear(expected, Atmosphere.SeaLevelPressure(station, altitude), 1e-9, "at " + altitude + " m");
    }
}
