using DeviceFirmware.Core.Bme280;

namespace DeviceFirmware.Tests.Bme280;

/// <summary>
/// The portable core's <see cref="Elementary"/> (it cannot use System.Math: nanoFramework's mscorlib
/// has none) against .NET's Math over wide sweeps. Stated tolerances: Log and Exp within 1e-15
/// relative for normal arguments and results, Pow within 1e-14 relative over the bases and exponents
/// the weather formulas use (0.5..1.5, exponents −10..10). The worst errors seen are printed.
/// </summary>
[TestClass]
public sealed class ElementaryAgainstMathTests
{
    [TestMethod]
    public void Log_matches_Math_Log_from_the_smallest_normal_to_the_largest_double()
    {
        var worst = 0.0;
        var count = 0;
        // 2^-1022 .. 2^1023 in steps of 2^(1/64), with an irrational wobble so mantissas vary.
        for (var i = -1022 * 64; i < 1023 * 64; i += 7)
        {
            var x = Math.Pow(2, i / 64.0) * (1 + (0.3 * Math.Abs(Math.Sin(i))));
            if (double.IsInfinity(x))
            {
                continue;
            }

            worst = Math.Max(worst, Relative(Math.Log(x), Elementary.Log(x)));
            count++;
        }

        for (var i = 1; i < 20000; i++)
        {
            // Close to 1, where ln x is small and cancellation would show.
            var x = 1 + ((i - 10000) * 1e-9);
            worst = Math.Max(worst, Relative(Math.Log(x), Elementary.Log(x)));
            count++;
        }

        Console.WriteLine("Log: " + count + " arguments, worst relative error " + worst);
        Assert.IsTrue(worst <= 1e-15, "worst relative error " + worst);
    }

    [TestMethod]
    public void Exp_matches_Math_Exp_wherever_the_result_is_a_normal_double()
    {
        var worst = 0.0;
        var count = 0;
        for (var x = -708.0; x <= 709.7; x += 0.0137)
        {
            worst = Math.Max(worst, Relative(Math.Exp(x), Elementary.Exp(x)));
            count++;
        }

        for (var i = -10000; i <= 10000; i++)
        {
            var x = i * 1e-6;
            worst = Math.Max(worst, Relative(Math.Exp(x), Elementary.Exp(x)));
            count++;
        }

        Console.WriteLine("Exp: " + count + " arguments, worst relative error " + worst);
        Assert.IsTrue(worst <= 1e-15, "worst relative error " + worst);
    }

    [TestMethod]
    public void Pow_matches_Math_Pow_over_the_range_the_weather_formulas_use()
    {
        var worst = 0.0;
        var count = 0;
        for (var x = 0.5; x <= 1.5; x += 0.000731)
        {
            foreach (var y in new[] { 5.255, 1 / 5.255, -10.0, -2.5, 0.5, 3.0, 10.0 })
            {
                worst = Math.Max(worst, Relative(Math.Pow(x, y), Elementary.Pow(x, y)));
                count++;
            }
        }

        Console.WriteLine("Pow: " + count + " arguments, worst relative error " + worst);
        Assert.IsTrue(worst <= 1e-14, "worst relative error " + worst);
    }

    [TestMethod]
    public void Atmosphere_agrees_with_the_same_formulas_written_with_Math()
    {
        for (var t = -40.0; t <= 85; t += 0.7)
        {
            for (var rh = 1.0; rh <= 100; rh += 3.3)
            {
                var gamma = Math.Log(rh / 100.0) + (17.62 * t / (243.12 + t));
                var expected = 243.12 * gamma / (17.62 - gamma);
                Assert.AreEqual(expected, Atmosphere.DewPoint(t, rh), 1e-11, "dew point at " + t + " °C, " + rh + " %RH");
            }
        }

        for (var altitude = -500.0; altitude <= 9000; altitude += 37)
        {
            var expected = 1000 / Math.Pow(1.0 - (altitude / 44330.0), 5.255);
            Assert.AreEqual(expected, Atmosphere.SeaLevelPressure(1000, altitude), expected * 1e-13, "sea-level pressure at " + altitude + " m");
        }
    }

    private static double Relative(double expected, double actual) =>
        expected == 0 ? Math.Abs(actual) : Math.Abs((actual - expected) / expected);
}
