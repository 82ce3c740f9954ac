using DeviceFirmware.Core.Json;

namespace DeviceFirmware.Tests.Core.Json;

[TestClass]
public sealed class JsonUtf8Tests
{
    [TestMethod]
    [DataRow(0x80, -1, -1, -1)] // a continuation byte with no lead
    [DataRow(0xBF, -1, -1, -1)]
    [DataRow(0xC0, 0xAF, -1, -1)] // overlong '/' in two bytes
    [DataRow(0xC1, 0xBF, -1, -1)]
    [DataRow(0xE0, 0x80, 0xAF, -1)] // overlong in three bytes
    [DataRow(0xE0, 0x9F, 0xBF, -1)]
    [DataRow(0xF0, 0x80, 0x80, 0xAF)] // overlong in four bytes
    [DataRow(0xF0, 0x8F, 0xBF, 0xBF)]
    [DataRow(0xED, 0xA0, 0x80, -1)] // U+D800 encoded: surrogates are not characters
    [DataRow(0xED, 0xBF, 0xBF, -1)] // U+DFFF
    [DataRow(0xF4, 0x90, 0x80, 0x80)] // U+110000, above the Unicode range
    [DataRow(0xF5, 0x80, 0x80, 0x80)]
    [DataRow(0xFE, -1, -1, -1)]
    [DataRow(0xFF, -1, -1, -1)]
    [DataRow(0xE2, 0x82, -1, -1)] // truncated three-byte sequence (the euro sign without its last byte)
    [DataRow(0xF0, 0x9F, 0x98, -1)] // truncated four-byte sequence
    [DataRow(0xC3, 0x41, -1, -1)] // a lead byte followed by ASCII
    public void Refuses_ill_formed_utf8_at_its_first_byte(int b0, int b1, int b2, int b3)
    {
        byte[] sequence = Sequence(b0, b1, b2, b3);

        // Inside a string: ["ab<sequence>"] -> the sequence starts at byte 4.
        byte[] inString = JsonTestText.Join(JsonTestText.Ascii("[\"ab"), sequence, JsonTestText.Ascii("\"]"));
        JsonParseError error = JsonTestText.Refuse(inString, JsonLimits.Default, JsonError.NotUtf8, 4);
        Assert.AreEqual("invalid UTF-8 sequence at byte 4", error.Message);

        // At the very end of the document, and as a member name.
        JsonTestText.Refuse(JsonTestText.Join(JsonTestText.Ascii("\"x"), sequence, new byte[0]), JsonLimits.Default, JsonError.NotUtf8, 2);
        JsonTestText.Refuse(JsonTestText.Join(JsonTestText.Ascii("{\""), sequence, JsonTestText.Ascii("\":1}")), JsonLimits.Default, JsonError.NotUtf8, 2);
    }

    [TestMethod]
    [DataRow(0xC2, 0x80, -1, -1, 0x80)]
    [DataRow(0xDF, 0xBF, -1, -1, 0x7FF)]
    [DataRow(0xE0, 0xA0, 0x80, -1, 0x800)]
    [DataRow(0xED, 0x9F, 0xBF, -1, 0xD7FF)]
    [DataRow(0xEE, 0x80, 0x80, -1, 0xE000)]
    [DataRow(0xEF, 0xBF, 0xBF, -1, 0xFFFF)]
    [DataRow(0xEF, 0xBB, 0xBF, -1, 0xFEFF)] // a byte order mark inside a string is just a character
    public void Accepts_the_edges_of_each_well_formed_range(int b0, int b1, int b2, int b3, int expected)
    {
        byte[] json = JsonTestText.Join(JsonTestText.Ascii("\""), Sequence(b0, b1, b2, b3), JsonTestText.Ascii("\""));
        string text = JsonTestText.Parse(json).StringValue;
        Assert.AreEqual(1, text.Length);
        Assert.AreEqual(expected, (int)text[0]);
    }

    [TestMethod]
    public void Accepts_the_first_and_last_supplementary_code_points()
    {
        string first = JsonTestText.Parse(new byte[] { 0x22, 0xF0, 0x90, 0x80, 0x80, 0x22 }).StringValue;
        Assert.AreEqual(0xD800, (int)first[0]);
        Assert.AreEqual(0xDC00, (int)first[1]);
        string last = JsonTestText.Parse(new byte[] { 0x22, 0xF4, 0x8F, 0xBF, 0xBF, 0x22 }).StringValue;
        Assert.AreEqual(0xDBFF, (int)last[0]);
        Assert.AreEqual(0xDFFF, (int)last[1]);
    }

    [TestMethod]
    public void A_byte_order_mark_before_the_document_is_refused()
    {
        byte[] json = new byte[] { 0xEF, 0xBB, 0xBF, (byte)'1' };
        JsonTestText.Refuse(json, JsonLimits.Default, JsonError.Syntax, 0);
    }

    [TestMethod]
    public void Non_ascii_outside_strings_is_a_syntax_error_not_a_utf8_one()
    {
        // U+00A0 (no-break space) is valid UTF-8 but not JSON whitespace.
        byte[] json = new byte[] { (byte)'[', 0xC2, 0xA0, (byte)'1', (byte)']' };
        JsonTestText.Refuse(json, JsonLimits.Default, JsonError.Syntax, 1);
    }

    [TestMethod]
    public void Writer_output_of_every_utf8_length_reads_back()
    {
        string text = new string(new char[] { 'a', (char)0xE9, (char)0x20AC, (char)0xD83D, (char)0xDE00, (char)0xFFFF, (char)0x7F });
        var writer = new JsonWriter();
        writer.String(text);
        Assert.AreEqual(text, JsonTestText.Parse(writer.ToArray()).StringValue);
    }

    private static byte[] Sequence(int b0, int b1, int b2, int b3)
    {
        int length = b1 < 0 ? 1 : b2 < 0 ? 2 : b3 < 0 ? 3 : 4;
        byte[] bytes = new byte[length];
        bytes[0] = (byte)b0;
        if (length > 1)
        {
            bytes[1] = (byte)b1;
        }

        if (length > 2)
        {
            bytes[2] = (byte)b2;
        }

        if (length > 3)
        {
            bytes[3] = (byte)b3;
        }

        return bytes;
    }
}
