using System;
using DeviceFirmware.Core.Bme280;

namespace DeviceFirmware.Tests.Core.Bme280;

/// <summary>Calibration sets and comparisons the BME280 tests share (portable: no generics, no System.Math).</summary>
public static class Bme280TestData
{
    /// <summary>Datasheet-typical, a second real-looking set, and an unusual one (more negative words, a negative dig_H5).</summary>
    public static Bme280Calibration[] CalibrationSets()
    {
        return new Bme280Calibration[]
        {
            Bme280Calibration.Typical,
            new Bme280Calibration(28485, 26735, 50, 36738, -10635, 3024, 6980, -4, -7, 9900, -10230, 4285, 75, 366, 0, 308, 50, 30),
            new Bme280Calibration(27000, 27000, -2000, 37000, -11000, 3500, 4000, 100, -10, 12000, -12000, 5000, 90, 350, 5, 330, -20, 40),
        };
    }

    /// <summary>The typical set with dig_P1 = 0, which makes the pressure formula divide by zero.</summary>
    public static Bme280Calibration WithZeroDigP1()
    {
        var c = Bme280Calibration.Typical;
        return new Bme280Calibration(
            c.DigT1, c.DigT2, c.DigT3, 0, c.DigP2, c.DigP3, c.DigP4, c.DigP5, c.DigP6, c.DigP7, c.DigP8, c.DigP9,
            c.DigH1, c.DigH2, c.DigH3, c.DigH4, c.DigH5, c.DigH6);
    }

    public static void AssertSameCalibration(Bme280Calibration expected, Bme280Calibration actual)
    {
        Assert.AreEqual((int)expected.DigT1, (int)actual.DigT1, "dig_T1");
        Assert.AreEqual((int)expected.DigT2, (int)actual.DigT2, "dig_T2");
        Assert.AreEqual((int)expected.DigT3, (int)actual.DigT3, "dig_T3");
        Assert.AreEqual((int)expected.DigP1, (int)actual.DigP1, "dig_P1");
        Assert.AreEqual((int)expected.DigP2, (int)actual.DigP2, "dig_P2");
        Assert.AreEqual((int)expected.DigP3, (int)actual.DigP3, "dig_P3");
        Assert.AreEqual((int)expected.DigP4, (int)actual.DigP4, "dig_P4");
        Assert.AreEqual((int)expected.DigP5, (int)actual.DigP5, "dig_P5");
        Assert.AreEqual((int)expected.DigP6, (int)actual.DigP6, "dig_P6");
        Assert.AreEqual((int)expected.DigP7, (int)actual.DigP7, "dig_P7");
        Assert.AreEqual((int)expected.DigP8, (int)actual.DigP8, "dig_P8");
        Assert.AreEqual((int)expected.DigP9, (int)actual.DigP9, "dig_P9");
        Assert.AreEqual((int)expected.DigH1, (int)actual.DigH1, "dig_H1");
        Assert.AreEqual((int)expected.DigH2, (int)actual.DigH2, "dig_H2");
        Assert.AreEqual((int)expected.DigH3, (int)actual.DigH3, "dig_H3");
        Assert.AreEqual((int)expected.DigH4, (int)actual.DigH4, "dig_H4");
        Assert.AreEqual((int)expected.DigH5, (int)actual.DigH5, "dig_H5");
        Assert.AreEqual((int)expected.DigH6, (int)actual.DigH6, "dig_H6");
    }

    /// <summary>|expected − actual| ≤ tolerance (TestFramework's AreEqual has no delta argument).</summary>
    public static void AssertNear(double expected, double actual, double tolerance, string what)
    {
        var difference = expected > actual ? expected - actual : actual - expected;
        Assert.IsTrue(difference <= tolerance, what + ": expected " + expected + " within " + tolerance + ", got " + actual);
    }

    /// <summary>Relative error ≤ tolerance (absolute when the expected value is 0).</summary>
    public static void AssertRelative(double expected, double actual, double tolerance, string what)
    {
        var scale = expected < 0 ? -expected : expected;
        AssertNear(expected, actual, scale == 0 ? tolerance : tolerance * scale, what);
    }

    public static double Abs(double value) => value < 0 ? -value : value;

    public static Bme280Oversampling Oversampling(int factor)
    {
        switch (factor)
        {
            case 0:
                return Bme280Oversampling.Skipped;
            case 1:
                return Bme280Oversampling.X1;
            case 2:
                return Bme280Oversampling.X2;
            case 4:
                return Bme280Oversampling.X4;
            case 8:
                return Bme280Oversampling.X8;
            default:
                return Bme280Oversampling.X16;
        }
    }

    public static TimeSpan Milliseconds(double milliseconds) => TimeSpan.FromTicks((long)((milliseconds * TimeSpan.TicksPerMillisecond) + 0.5));
}
