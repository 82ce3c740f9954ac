using System;
using DeviceFirmware.Core.Json;

namespace DeviceFirmware.Tests.Core.Json;

[TestClass]
public sealed class JsonReaderTests
{
    [TestMethod]
    public void Reads_a_shadow_delta_in_document_order()
    {
        JsonValue root = JsonTestText.Parse(" {\"version\":12,\"state\":{\"relay\":true,\"intervalSeconds\":2.5,\"note\":null},\"tags\":[\"a\",false]} ");
        Assert.AreEqual((int)JsonKind.Object, (int)root.Kind);
        Assert.AreEqual(1, root.Offset);
        Assert.AreEqual(3, root.Count);
        Assert.AreEqual("version", root.NameAt(0));
        Assert.AreEqual("state", root.NameAt(1));
        Assert.AreEqual("tags", root.NameAt(2));
        long version;
        Assert.IsTrue(root.TryGetInteger("version", out version));
        Assert.AreEqual(12L, version);

        JsonValue? state = root.FindObject("state");
        Assert.IsNotNull(state);
        bool relay;
        Assert.IsTrue(state!.TryGetBoolean("relay", out relay));
        Assert.IsTrue(relay);
        double interval;
        Assert.IsTrue(state.TryGetNumber("intervalSeconds", out interval));
        Assert.AreEqual(2.5, interval);
        Assert.IsTrue(state.Find("note")!.IsNull);
        Assert.IsNull(state.Find("missing"));
        Assert.IsNull(state.FindString("relay"), "FindString ignores members of another kind");
        Assert.IsNull(root.FindObject("tags"));

        JsonValue tags = root.FindArray("tags")!;
        Assert.AreEqual(2, tags.Count);
        Assert.AreEqual("a", tags.ValueAt(0).StringValue);
        Assert.AreEqual((int)JsonKind.False, (int)tags.ValueAt(1).Kind);
        Assert.AreEqual(84, tags.ValueAt(1).Offset);
    }

    [TestMethod]
    public void Accessors_of_another_kind_throw()
    {
        JsonValue root = JsonTestText.Parse("[\"x\",1]");
        Assert.IsTrue(Throws(delegate { long unused = root.ValueAt(0).IntegerValue; }));
        Assert.IsTrue(Throws(delegate { string unused = root.ValueAt(1).StringValue; }));
        Assert.IsTrue(Throws(delegate { string unused = root.NameAt(0); }));
        Assert.IsTrue(Throws(delegate { JsonValue unused = root.ValueAt(2); }));
        Assert.AreEqual(0, root.ValueAt(0).Count);
        Assert.IsNull(root.ValueAt(0).Find("x"));
    }

    [TestMethod]
    [DataRow("\"\\\"\"", "\"")]
    [DataRow("\"\\\\\"", "\\")]
    [DataRow("\"\\/\"", "/")]
    [DataRow("\"\\b\"", "\b")]
    [DataRow("\"\\f\"", "\f")]
    [DataRow("\"\\n\"", "\n")]
    [DataRow("\"\\r\"", "\r")]
    [DataRow("\"\\t\"", "\t")]
    [DataRow("\"\\u0041\\u00e9\\u20AC\"", "A\u00E9\u20AC")]
    [DataRow("\"\\u0000\"", "\u0000")]
    [DataRow("\"a\\nb\\tc\"", "a\nb\tc")]
    [DataRow("\"\"", "")]
    public void Decodes_each_escape(string json, string expected)
    {
        Assert.AreEqual(expected, JsonTestText.Parse(json).StringValue);
    }

    [TestMethod]
    public void Decodes_a_surrogate_pair_escape_to_two_utf16_units()
    {
        string text = JsonTestText.Parse("\"\\uD83D\\uDE00\"").StringValue;
        Assert.AreEqual(2, text.Length);
        Assert.AreEqual(0xD83D, (int)text[0]);
        Assert.AreEqual(0xDE00, (int)text[1]);
    }

    [TestMethod]
    public void Decodes_utf8_of_two_three_and_four_bytes()
    {
        // "é€😀" as UTF-8: C3 A9, E2 82 AC, F0 9F 98 80.
        byte[] json = new byte[] { 0x22, 0xC3, 0xA9, 0xE2, 0x82, 0xAC, 0xF0, 0x9F, 0x98, 0x80, 0x22 };
        string text = JsonTestText.Parse(json).StringValue;
        Assert.AreEqual(4, text.Length);
        Assert.AreEqual(0xE9, (int)text[0]);
        Assert.AreEqual(0x20AC, (int)text[1]);
        Assert.AreEqual(0xD83D, (int)text[2]);
        Assert.AreEqual(0xDE00, (int)text[3]);
    }

    [TestMethod]
    [DataRow("\"\\uD800\"", 1)]
    [DataRow("\"\\uDC00\"", 1)]
    [DataRow("\"ab\\uD83Dx\"", 3)]
    [DataRow("\"\\uD83D\\u0041\"", 1)]
    [DataRow("\"\\uD83D\\uD83D\"", 1)]
    [DataRow("\"\\uD83D\\n\"", 1)]
    public void Refuses_a_lone_surrogate_escape(string json, int offset)
    {
        JsonTestText.Refuse(json, JsonError.LoneSurrogate, offset);
    }

    [TestMethod]
    [DataRow("\"\\q\"", JsonError.InvalidEscape, 1)]
    [DataRow("\"\\u12G4\"", JsonError.InvalidEscape, 1)]
    [DataRow("\"\\uD83D\\uDZ00\"", JsonError.InvalidEscape, 7)]
    [DataRow("\"\\x41\"", JsonError.InvalidEscape, 1)]
    [DataRow("\"\\u12", JsonError.UnexpectedEnd, 5)]
    [DataRow("\"\\", JsonError.UnexpectedEnd, 2)]
    [DataRow("\"abc", JsonError.UnexpectedEnd, 4)]
    [DataRow("\"a\tb\"", JsonError.Syntax, 2)]
    [DataRow("\"\u001F\"", JsonError.Syntax, 1)]
    public void Refuses_bad_strings_with_kind_and_offset(string json, JsonError kind, int offset)
    {
        JsonTestText.Refuse(json, kind, offset);
    }

    [TestMethod]
    public void The_error_sentence_names_the_escape_and_the_byte()
    {
        JsonParseError error = JsonTestText.Refuse("{\"relay\":\"on\\q\"}", JsonError.InvalidEscape, 12);
        Assert.AreEqual("invalid escape '\\q' in a string at byte 12", error.Message);
        Assert.AreEqual(1, error.Line);
        Assert.AreEqual(13, error.Column);
    }

    [TestMethod]
    public void Line_and_column_count_from_one()
    {
        JsonParseError error = JsonTestText.Refuse("{\n  \"a\": 1,\n  \"b\" 2\n}", JsonError.Syntax, 18);
        Assert.AreEqual(3, error.Line);
        Assert.AreEqual(7, error.Column);
        Assert.AreEqual("expected ':' after a member name but found '2' at byte 18", error.Message);
    }

    [TestMethod]
    [DataRow("", JsonError.UnexpectedEnd, 0)]
    [DataRow("   ", JsonError.UnexpectedEnd, 3)]
    [DataRow("{", JsonError.UnexpectedEnd, 1)]
    [DataRow("{\"a\"", JsonError.UnexpectedEnd, 4)]
    [DataRow("{\"a\":", JsonError.UnexpectedEnd, 5)]
    [DataRow("{\"a\":1", JsonError.UnexpectedEnd, 6)]
    [DataRow("[1,", JsonError.UnexpectedEnd, 3)]
    [DataRow("tru", JsonError.UnexpectedEnd, 3)]
    [DataRow("{\"a\":1,}", JsonError.Syntax, 7)]
    [DataRow("[1,]", JsonError.Syntax, 3)]
    [DataRow("[1 2]", JsonError.Syntax, 3)]
    [DataRow("{\"a\" 1}", JsonError.Syntax, 5)]
    [DataRow("{a:1}", JsonError.Syntax, 1)]
    [DataRow("{\"a\":1]", JsonError.Syntax, 6)]
    [DataRow("[1}", JsonError.Syntax, 2)]
    [DataRow("nul", JsonError.UnexpectedEnd, 3)]
    [DataRow("nulL", JsonError.Syntax, 3)]
    [DataRow("True", JsonError.Syntax, 0)]
    [DataRow("1 2", JsonError.Syntax, 2)]
    [DataRow("{} x", JsonError.Syntax, 3)]
    [DataRow("// c\n1", JsonError.Syntax, 0)]
    [DataRow("'a'", JsonError.Syntax, 0)]
    [DataRow("\u000B1", JsonError.Syntax, 0)]
    [DataRow("{\"a\":1,\"b\":2,\"a\":3}", JsonError.DuplicateKey, 13)]
    public void Refuses_bad_structure_with_kind_and_offset(string json, JsonError kind, int offset)
    {
        JsonTestText.Refuse(json, kind, offset);
    }

    [TestMethod]
    public void Duplicate_keys_are_refused_in_large_objects_too()
    {
        // 40 distinct members and then the 7th again: the hashed check, not the linear one.
        string json = "{";
        for (int i = 0; i < 40; i++)
        {
            json = string.Concat(json, "\"k", i.ToString(), "\":", i.ToString(), ",");
        }

        int offset = json.Length;
        JsonTestText.Refuse(string.Concat(json, "\"k6\":0}"), JsonError.DuplicateKey, offset);
        Assert.AreEqual(42, JsonTestText.Parse(string.Concat(json, "\"k40\":0,\"K6\":1}")).Count, "names compare exactly: K6 is not k6");
    }

    [TestMethod]
    public void The_same_name_in_different_objects_is_fine()
    {
        JsonValue root = JsonTestText.Parse("{\"a\":{\"a\":1},\"b\":[{\"a\":2},{\"a\":3}]}");
        Assert.AreEqual(2, root.Count);
    }

    [TestMethod]
    public void Depth_is_counted_as_System_Text_Json_counts_it()
    {
        var limits = new JsonLimits(1000, 3);
        JsonTestText.Parse(JsonTestText.Ascii("[[[1]]]"), limits);
        JsonTestText.Parse(JsonTestText.Ascii("{\"a\":[{}]}"), limits);
        JsonTestText.Parse(JsonTestText.Ascii("7"), limits);
        JsonTestText.Refuse(JsonTestText.Ascii("[[[[1]]]]"), limits, JsonError.TooDeep, 3);
        JsonTestText.Refuse(JsonTestText.Ascii("{\"a\":[{\"b\":{}}]}"), limits, JsonError.TooDeep, 11);
    }

    [TestMethod]
    public void Deep_nesting_beyond_the_default_limit_is_refused_without_recursing_further()
    {
        int depth = JsonLimits.DefaultMaximumDepth + 1;
        byte[] json = new byte[depth * 2];
        for (int i = 0; i < depth; i++)
        {
            json[i] = (byte)'[';
            json[json.Length - 1 - i] = (byte)']';
        }

        JsonTestText.Refuse(json, JsonLimits.Default, JsonError.TooDeep, JsonLimits.DefaultMaximumDepth);
        JsonTestText.Parse(JsonTestText.Ascii("[]"));
    }

    [TestMethod]
    public void The_depth_limit_itself_is_bounded_so_recursion_stays_small()
    {
        Assert.IsTrue(ThrowsOutOfRange(0));
        Assert.IsTrue(ThrowsOutOfRange(JsonLimits.MostDepth + 1));
        var deepest = new JsonLimits(1 << 20, JsonLimits.MostDepth);
        byte[] json = new byte[JsonLimits.MostDepth * 2];
        for (int i = 0; i < JsonLimits.MostDepth; i++)
        {
            json[i] = (byte)'[';
            json[json.Length - 1 - i] = (byte)']';
        }

        Assert.AreEqual(1, JsonTestText.Parse(json, deepest).Count);
    }

    [TestMethod]
    public void Size_limit_counts_bytes_and_points_past_the_limit()
    {
        var limits = new JsonLimits(8, 4);
        JsonTestText.Parse(JsonTestText.Ascii("[1,2,33]"), limits);
        JsonParseError error = JsonTestText.Refuse(JsonTestText.Ascii("[1,2,333]"), limits, JsonError.TooLarge, 8);
        Assert.AreEqual("the document has 9 bytes, more than the 8 allowed (at byte 8)", error.Message);
    }

    [TestMethod]
    public void Offsets_count_from_the_start_of_the_document_not_the_array()
    {
        byte[] buffer = JsonTestText.Ascii("xx[1, true]yy");
        JsonParseError? error;
        JsonValue? value = JsonReader.Parse(buffer, 2, 9, JsonLimits.Default, out error);
        Assert.IsNull(error);
        Assert.AreEqual(0, value!.Offset);
        Assert.AreEqual(4, value.ValueAt(1).Offset);

        value = JsonReader.Parse(buffer, 2, 10, JsonLimits.Default, out error);
        Assert.IsNull(value);
        Assert.AreEqual(9, error!.ByteOffset);
    }

    [TestMethod]
    public void Whitespace_of_all_four_kinds_is_allowed_around_tokens()
    {
        JsonValue root = JsonTestText.Parse(" \t\r\n{ \"a\" \t:\r\n[ 1 , 2 ] } \n");
        Assert.AreEqual(2, root.Find("a")!.Count);
    }

    [TestMethod]
    public void Empty_containers_and_literals()
    {
        Assert.AreEqual(0, JsonTestText.Parse("{}").Count);
        Assert.AreEqual(0, JsonTestText.Parse("[ ]").Count);
        Assert.IsTrue(JsonTestText.Parse("true").BooleanValue);
        Assert.IsFalse(JsonTestText.Parse("false").BooleanValue);
        Assert.IsTrue(JsonTestText.Parse("null").IsNull);
    }

    private static bool ThrowsOutOfRange(int depth)
    {
        try
        {
            var unused = new JsonLimits(100, depth);
            return unused == null;
        }
        catch (ArgumentOutOfRangeException)
        {
            return true;
        }
    }

    private static bool Throws(TestAction action)
    {
        try
        {
            action();
            return false;
        }
        catch (InvalidOperationException)
        {
            return true;
        }
        catch (ArgumentOutOfRangeException)
        {
            return true;
        }
    }
}

/// <summary>A parameterless action (no generic Action on nanoFramework's runtime).</summary>
internal delegate void TestAction();
