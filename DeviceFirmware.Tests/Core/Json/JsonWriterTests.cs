using System;
using DeviceFirmware.Core.Json;

namespace DeviceFirmware.Tests.Core.Json;

[TestClass]
public sealed class JsonWriterTests
{
    [TestMethod]
    public void Writes_compact_json_with_commas_and_colons()
    {
        var writer = new JsonWriter();
        writer.BeginObject();
        writer.Name("state");
        writer.BeginObject();
        writer.Name("reported");
        writer.BeginObject();
        writer.Name("relay");
        writer.Boolean(true);
        writer.Name("temperatureCelsius");
        writer.Number(21.5);
        writer.Name("errors");
        writer.BeginArray();
        writer.EndArray();
        writer.Name("sequence");
        writer.Integer(-17);
        writer.Name("note");
        writer.Null();
        writer.EndObject();
        writer.EndObject();
        writer.Name("list");
        writer.BeginArray();
        writer.Integer(1);
        writer.String("two");
        writer.Boolean(false);
        writer.EndArray();
        writer.EndObject();
        Assert.IsTrue(writer.IsComplete);
        string expected = "{\"state\":{\"reported\":{\"relay\":true,\"temperatureCelsius\":21.5,\"errors\":[],\"sequence\":-17,\"note\":null}},\"list\":[1,\"two\",false]}";
        Assert.AreEqual(expected, JsonTestText.Text(writer.ToArray()));
        Assert.AreEqual(expected.Length, writer.Length);
    }

    [TestMethod]
    public void Clear_reuses_the_writer_for_the_next_document()
    {
        var writer = new JsonWriter(16);
        writer.String("a long first document that grows the buffer");
        writer.Clear();
        Assert.AreEqual(0, writer.Length);
        writer.Integer(5);
        Assert.AreEqual("5", JsonTestText.Text(writer.ToArray()));
        byte[] copy = new byte[3];
        writer.CopyTo(copy, 1);
        Assert.AreEqual((byte)'5', copy[1]);
    }

    [TestMethod]
    public void Escapes_quote_backslash_and_control_characters()
    {
        var writer = new JsonWriter();
        writer.String("q\" b\\ s/ \b\f\n\r\t \u0000\u001F\u007F");
        Assert.AreEqual("\"q\\\" b\\\\ s/ \\b\\f\\n\\r\\t \\u0000\\u001F\u007F\"", JsonTestText.Text(writer.ToArray()));
    }

    [TestMethod]
    public void Writes_non_ascii_as_utf8()
    {
        var writer = new JsonWriter();
        writer.String("\u00E9\u20AC\uD83D\uDE00");
        byte[] expected = new byte[] { 0x22, 0xC3, 0xA9, 0xE2, 0x82, 0xAC, 0xF0, 0x9F, 0x98, 0x80, 0x22 };
        byte[] actual = writer.ToArray();
        Assert.AreEqual(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.AreEqual(expected[i], actual[i], "byte " + i.ToString());
        }
    }

    [TestMethod]
    [DataRow(0xD800, -1)]
    [DataRow(0x61, 0xDC00)]
    [DataRow(0xD83D, 0x78)]
    [DataRow(0xDE00, 0xD83D)]
    public void Refuses_lone_surrogates_and_writes_nothing(int first, int second)
    {
        // Built here: attribute strings cannot carry lone surrogates.
        string text = second < 0 ? ((char)first).ToString() : new string(new char[] { (char)first, (char)second });
        var writer = new JsonWriter();
        writer.BeginArray();
        bool refused = false;
        try
        {
            writer.String(text);
        }
        catch (ArgumentException)
        {
            refused = true;
        }

        Assert.IsTrue(refused);
        Assert.AreEqual(1, writer.Length);
        writer.EndArray();
        Assert.AreEqual("[]", JsonTestText.Text(writer.ToArray()));
    }

    [TestMethod]
    [DataRow(0L, "0")]
    [DataRow(-1L, "-1")]
    [DataRow(long.MaxValue, "9223372036854775807")]
    [DataRow(long.MinValue, "-9223372036854775808")]
    public void Writes_integers_exactly(long value, string expected)
    {
        var writer = new JsonWriter();
        writer.Integer(value);
        Assert.AreEqual(expected, JsonTestText.Text(writer.ToArray()));
    }

    [TestMethod]
    [DataRow(0.0, "0")]
    [DataRow(-0.0, "-0")]
    [DataRow(1.0, "1")]
    [DataRow(0.1, "0.1")]
    [DataRow(-2.5, "-2.5")]
    [DataRow(100.0, "100")]
    [DataRow(1e16, "10000000000000000")]
    [DataRow(1e17, "1E+17")]
    [DataRow(1.2e17, "1.2E+17")]
    [DataRow(0.0001, "0.0001")]
    [DataRow(0.000012, "1.2E-05")]
    [DataRow(1e21, "1E+21")]
    [DataRow(1e308, "1E+308")]
    [DataRow(1.7976931348623157e308, "1.7976931348623157E+308")]
    [DataRow(5e-324, "5E-324")]
    [DataRow(2.2250738585072014e-308, "2.2250738585072014E-308")]
    [DataRow(0.30000000000000004, "0.30000000000000004")]
    [DataRow(123456789012345680.0, "1.2345678901234568E+17")]
    [DataRow(1234567890123456.8, "1234567890123456.8")]
    [DataRow(9007199254740992.0, "9007199254740992")]
    [DataRow(21.36, "21.36")]
    [DataRow(1013.25, "1013.25")]
    public void Writes_doubles_as_the_shortest_round_trip_text(double value, string expected)
    {
        var writer = new JsonWriter();
        writer.Number(value);
        string text = JsonTestText.Text(writer.ToArray());
        Assert.AreEqual(expected, text);
        double back = JsonTestText.Parse(text).NumberValue;
        Assert.AreEqual(BitConverter.DoubleToInt64Bits(value), BitConverter.DoubleToInt64Bits(back), text);
    }

    [TestMethod]
    public void Refuses_nan_and_infinities()
    {
        Assert.IsTrue(RefusesNumber(double.NaN));
        Assert.IsTrue(RefusesNumber(double.PositiveInfinity));
        Assert.IsTrue(RefusesNumber(double.NegativeInfinity));
    }

    [TestMethod]
    public void Refuses_calls_that_would_not_make_json()
    {
        Assert.IsTrue(Misuse(delegate(JsonWriter w) { w.BeginObject(); w.Integer(1); }), "a value without a name");
        Assert.IsTrue(Misuse(delegate(JsonWriter w) { w.BeginArray(); w.Name("a"); }), "a name in an array");
        Assert.IsTrue(Misuse(delegate(JsonWriter w) { w.BeginObject(); w.Name("a"); w.Name("b"); }), "two names");
        Assert.IsTrue(Misuse(delegate(JsonWriter w) { w.BeginObject(); w.Name("a"); w.EndObject(); }), "a name without its value");
        Assert.IsTrue(Misuse(delegate(JsonWriter w) { w.BeginObject(); w.EndArray(); }), "unbalanced");
        Assert.IsTrue(Misuse(delegate(JsonWriter w) { w.EndObject(); }), "nothing open");
        Assert.IsTrue(Misuse(delegate(JsonWriter w) { w.Integer(1); w.Integer(2); }), "two top-level values");
        Assert.IsTrue(Misuse(delegate(JsonWriter w) { w.BeginArray(); w.ToArray(); }), "incomplete document");
    }

    [TestMethod]
    public void Raw_writes_a_parsed_tree_back_to_the_same_text()
    {
        string json = "{\"a\":[1,-0,2.5,\"x\\n\\u0001\",true,false,null,{}],\"b\":{\"c\":[]},\"d\":9223372036854775808,\"e\":1E-07}";
        string written = JsonTestText.Write(JsonTestText.Parse(json));
        Assert.AreEqual("{\"a\":[1,-0,2.5,\"x\\n\\u0001\",true,false,null,{}],\"b\":{\"c\":[]},\"d\":9.223372036854776E+18,\"e\":1E-07}", written);
        Assert.AreEqual(written, JsonTestText.Write(JsonTestText.Parse(written)));
    }

    [TestMethod]
    [DataRow("2.0", "2.0")]
    [DataRow("-0.0", "-0.0")]
    [DataRow("1e2", "100.0")]
    [DataRow("1.5e16", "15000000000000000.0")]
    [DataRow("1e17", "1E+17")]
    [DataRow("0.5", "0.5")]
    public void Raw_keeps_an_integral_number_a_number(string json, string expected)
    {
        string written = JsonTestText.Write(JsonTestText.Parse(json));
        Assert.AreEqual(expected, written);
        Assert.AreEqual((int)JsonKind.Number, (int)JsonTestText.Parse(written).Kind);
    }

    [TestMethod]
    public void Raw_refuses_a_tree_with_an_infinite_number_before_writing()
    {
        JsonValue tree = JsonTestText.Parse("[1,1e999]");
        var writer = new JsonWriter();
        bool refused = false;
        try
        {
            writer.Raw(tree);
        }
        catch (ArgumentException)
        {
            refused = true;
        }

        Assert.IsTrue(refused);
        Assert.AreEqual(0, writer.Length);
    }

    private static bool RefusesNumber(double value)
    {
        var writer = new JsonWriter();
        try
        {
            writer.Number(value);
            return false;
        }
        catch (ArgumentException)
        {
            return writer.Length == 0;
        }
    }

    private static bool Misuse(WriterSteps steps)
    {
        var writer = new JsonWriter();
        try
        {
            steps(writer);
            return false;
        }
        catch (InvalidOperationException)
        {
            return true;
        }
    }
}

/// <summary>Calls made on a writer (no generic Action on nanoFramework's runtime).</summary>
internal delegate void WriterSteps(JsonWriter writer);
