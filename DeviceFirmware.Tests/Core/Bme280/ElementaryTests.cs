using DeviceFirmware.Core.Bme280;

namespace DeviceFirmware.Tests.Core.Bme280;

/// <summary>
/// Log, Exp and Pow against reference values computed independently (CPython's math module, which
/// calls the platform's C library), to 1e-15 relative (Pow 1e-14). The .NET test
/// ElementaryAgainstMathTests sweeps many more arguments against System.Math.
/// </summary>
[TestClass]
public sealed class ElementaryTests
{
    [TestMethod]
    [DataRow(1e-300, -690.7755278982137)]
    [DataRow(1e-10, -23.025850929940457)]
    [DataRow(0.001, -6.907755278982137)]
    [DataRow(0.1, -2.3025850929940455)]
    [DataRow(0.5, -0.6931471805599453)]
    [DataRow(0.7071, -0.346583180371942)]
    [DataRow(0.999999, -1.000000500029089e-06)]
    [DataRow(1.000001, 9.999994999180668e-07)]
    [DataRow(1.5, 0.4054651081081644)]
    [DataRow(2.0, 0.6931471805599453)]
    [DataRow(10.0, 2.302585092994046)]
    [DataRow(1013.25, 6.920918265508418)]
    [DataRow(1e10, 23.025850929940457)]
    [DataRow(1e300, 690.7755278982137)]
    public void Log_matches_reference_values(double x, double expected)
    {
        Bme280TestData.AssertRelative(expected, Elementary.Log(x), 1e-15, "ln " + x);
    }

    [TestMethod]
    [DataRow(-700.0, 9.85967654375977e-305)]
    [DataRow(-50.0, 1.9287498479639178e-22)]
    [DataRow(-1.0, 0.36787944117144233)]
    [DataRow(-1e-9, 0.999999999)]
    [DataRow(1e-9, 1.000000001)]
    [DataRow(0.5, 1.6487212707001282)]
    [DataRow(1.0, 2.718281828459045)]
    [DataRow(2.302585092994046, 10.000000000000002)]
    [DataRow(17.62, 44902319.023094684)]
    [DataRow(100.0, 2.6881171418161356e+43)]
    [DataRow(700.0, 1.0142320547350045e+304)]
    public void Exp_matches_reference_values(double x, double expected)
    {
        Bme280TestData.AssertRelative(expected, Elementary.Exp(x), 1e-15, "e^" + x);
    }

    [TestMethod]
    [DataRow(0.9932, 5.255, 0.9647791642158745)]
    [DataRow(0.8, 5.255, 0.3095550416387932)]
    [DataRow(1.01, 5.255, 1.0536802001199235)]
    [DataRow(2.0, 10.0, 1024.0)]
    [DataRow(10.0, -3.0, 0.001)]
    [DataRow(0.5, 0.5, 0.7071067811865476)]
    public void Pow_matches_reference_values(double x, double y, double expected)
    {
        Bme280TestData.AssertRelative(expected, Elementary.Pow(x, y), 1e-14, x + "^" + y);
    }

    [TestMethod]
    public void Edge_cases_follow_the_usual_conventions()
    {
        Assert.AreEqual(0.0, Elementary.Log(1.0));
        Assert.IsTrue(double.IsNegativeInfinity(Elementary.Log(0.0)), "ln 0");
        Assert.IsTrue(double.IsNaN(Elementary.Log(-1.0)), "ln -1");
        Assert.IsTrue(double.IsNaN(Elementary.Log(double.NaN)), "ln NaN");
        Assert.IsTrue(double.IsPositiveInfinity(Elementary.Log(double.PositiveInfinity)), "ln inf");
        Assert.IsTrue(Elementary.Log(double.Epsilon) < -744, "ln of the smallest subnormal");
        Assert.AreEqual(1.0, Elementary.Exp(0.0));
        Assert.IsTrue(double.IsPositiveInfinity(Elementary.Exp(710.0)), "e^710 overflows");
        Assert.AreEqual(0.0, Elementary.Exp(-746.0));
        Assert.IsTrue(double.IsNaN(Elementary.Exp(double.NaN)), "e^NaN");
        Assert.AreEqual(1.0, Elementary.Pow(123.0, 0.0));
        Assert.AreEqual(0.0, Elementary.Pow(0.0, 2.0));
        Assert.IsTrue(double.IsPositiveInfinity(Elementary.Pow(0.0, -1.0)), "0^-1");
        Assert.IsTrue(double.IsNaN(Elementary.Pow(-2.0, 0.5)), "negative base");
        Assert.AreEqual(1.0, Elementary.Pow(1.0, 1e300));
    }
}
