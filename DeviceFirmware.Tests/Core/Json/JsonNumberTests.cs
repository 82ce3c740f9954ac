using System;
using DeviceFirmware.Core.Json;

namespace DeviceFirmware.Tests.Core.Json;

[TestClass]
public sealed class JsonNumberTests
{
    [TestMethod]
    [DataRow("0", 0L)]
    [DataRow("-0", 0L)]
    [DataRow("7", 7L)]
    [DataRow("-42", -42L)]
    [DataRow("9223372036854775807", long.MaxValue)]
    [DataRow("-9223372036854775808", long.MinValue)]
    [DataRow("1000000000000000000", 1000000000000000000L)]
    public void Integer_literals_that_fit_in_long_are_integers(string json, long expected)
    {
        JsonValue value = JsonTestText.Parse(json);
        Assert.AreEqual((int)JsonKind.Integer, (int)value.Kind);
        Assert.AreEqual(expected, value.IntegerValue);
        Assert.AreEqual((double)expected, value.NumberValue);
        Assert.IsTrue(value.IsNumber);
    }

    [TestMethod]
    public void Minus_zero_is_an_integer_zero_whose_double_keeps_the_sign()
    {
        JsonValue value = JsonTestText.Parse("-0");
        Assert.AreEqual(0L, value.IntegerValue);
        Assert.IsTrue(BitConverter.DoubleToInt64Bits(value.NumberValue) < 0, "as .NET's double.Parse(\"-0\") gives -0.0");
        Assert.AreEqual("-0", JsonTestText.Write(value));
        Assert.IsTrue(BitConverter.DoubleToInt64Bits(JsonTestText.Parse("-0.0").NumberValue) < 0);
    }

    [TestMethod]
    [DataRow("9223372036854775808", 9223372036854775808.0)]
    [DataRow("-9223372036854775809", -9223372036854775808.0)]
    [DataRow("18446744073709551616", 18446744073709551616.0)]
    [DataRow("1.0", 1.0)]
    [DataRow("1e2", 100.0)]
    [DataRow("1E+2", 100.0)]
    [DataRow("25e-1", 2.5)]
    [DataRow("0.1", 0.1)]
    [DataRow("-123.456e-7", -123.456e-7)]
    [DataRow("1e308", 1e308)]
    [DataRow("1.7976931348623157e308", 1.7976931348623157e308)]
    [DataRow("5e-324", 5e-324)]
    [DataRow("4.9406564584124654e-324", 4.9406564584124654e-324)]
    [DataRow("2.2250738585072014e-308", 2.2250738585072014e-308)]
    [DataRow("2.2250738585072011e-308", 2.2250738585072011e-308)]
    [DataRow("0.30000000000000004", 0.30000000000000004)]
    [DataRow("9007199254740993e0", 9007199254740992.0)]
    [DataRow("123456789012345678901234567890", 1.2345678901234568e29)]
    [DataRow("1e-400", 0.0)]
    public void Other_numbers_are_doubles_rounded_to_nearest(string json, double expected)
    {
        JsonValue value = JsonTestText.Parse(json);
        if (json.IndexOf('.') < 0 && json.IndexOf('e') < 0 && json.IndexOf('E') < 0)
        {
            Assert.AreEqual((int)JsonKind.Number, (int)value.Kind, "too large for long");
        }

        Assert.AreEqual(BitConverter.DoubleToInt64Bits(expected), BitConverter.DoubleToInt64Bits(value.NumberValue), json);
        Assert.IsTrue(Throws(value), "a Number has no IntegerValue");
    }

    [TestMethod]
    public void A_halfway_literal_rounds_to_even_and_anything_above_rounds_up()
    {
        // 2^53 + 1 is exactly between 2^53 and 2^53 + 2: to even (2^53). A trailing 1 far away tips it up.
        Assert.AreEqual(9007199254740992.0, JsonTestText.Parse("9007199254740993.0").NumberValue);
        Assert.AreEqual(9007199254740994.0, JsonTestText.Parse("9007199254740993.00000000000000000000000000000000001").NumberValue);
    }

    [TestMethod]
    public void Literals_beyond_the_double_range_read_as_infinities()
    {
        JsonValue big = JsonTestText.Parse("[1e400,-1e400,1e999999999999]");
        Assert.IsTrue(double.IsPositiveInfinity(big.ValueAt(0).NumberValue));
        Assert.IsTrue(double.IsNegativeInfinity(big.ValueAt(1).NumberValue));
        Assert.IsTrue(double.IsPositiveInfinity(big.ValueAt(2).NumberValue));
        Assert.IsFalse(big.ValueAt(0).IsFiniteNumber);
        Assert.IsTrue(JsonTestText.Parse("1e308").IsFiniteNumber);
    }

    [TestMethod]
    [DataRow("01", 0)]
    [DataRow("-01", 1)]
    [DataRow("-", 1)]
    [DataRow("-a", 1)]
    [DataRow("1.", 2)]
    [DataRow("1.e3", 2)]
    [DataRow("1e", 2)]
    [DataRow("1e+", 3)]
    [DataRow("1ex", 2)]
    [DataRow(".5", 0)]
    [DataRow("+1", 0)]
    [DataRow("0x10", 1)]
    [DataRow("[1.5.2]", 4)]
    [DataRow("NaN", 0)]
    [DataRow("Infinity", 0)]
    [DataRow("-Infinity", 1)]
    public void Refuses_numbers_outside_the_grammar(string json, int offset)
    {
        JsonParseError? error;
        byte[] bytes = JsonTestText.Ascii(json);
        Assert.IsNull(JsonReader.Parse(bytes, out error), json);
        Assert.AreEqual(offset, error!.ByteOffset, error.Message);
        bool expectedKind = error.Kind == JsonError.InvalidNumber || error.Kind == JsonError.Syntax || error.Kind == JsonError.UnexpectedEnd;
        Assert.IsTrue(expectedKind, error.Message);
    }

    [TestMethod]
    public void A_leading_zero_is_an_invalid_number_and_says_so()
    {
        JsonParseError error = JsonTestText.Refuse("[01]", JsonError.InvalidNumber, 1);
        Assert.AreEqual("a number must not start with a leading zero at byte 1", error.Message);
    }

    private static bool Throws(JsonValue value)
    {
        try
        {
            long unused = value.IntegerValue;
            return unused < 0 && unused >= 0;
        }
        catch (InvalidOperationException)
        {
            return true;
        }
    }
}
