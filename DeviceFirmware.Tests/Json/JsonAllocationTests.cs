using System.Text;
using DeviceFirmware.Core.Json;

namespace DeviceFirmware.Tests.Json;

/// <summary>
/// The reader allocates the tree, its strings and a few buffers sized by the document's longest string or
/// largest container, never per byte. Measured with the .NET allocation counter (not portable).
/// </summary>
[TestClass]
public sealed class JsonAllocationTests
{
    private readonly TestContext _testContext;

    public JsonAllocationTests(TestContext testContext)
    {
        _testContext = testContext;
    }

    [TestMethod]
    public void A_long_array_costs_about_its_values()
    {
        const int Items = 10_000;
        byte[] doc = Encoding.ASCII.GetBytes("[" + string.Join(",", Enumerable.Range(0, Items)) + "]");
        long bytes = Allocated(doc, out JsonValue root);
        Assert.AreEqual(Items, root.Count);

        // A value is one 64-byte object plus its 8-byte slot in the final array; the member stack doubles
        // up to the item count (16 bytes a slot in total). 160 bytes an item leaves room, not per-byte waste.
        _testContext.DisplayMessage(MessageLevel.Informational, "JSON allocation: " + doc.Length + "-byte array of " + Items + " integers, " + bytes + " bytes allocated");
        Assert.IsTrue(bytes < Items * 160L, bytes + " bytes allocated for " + Items + " items");
    }

    [TestMethod]
    public void A_long_string_costs_the_string_and_one_buffer_of_its_length()
    {
        string text = new string('a', 50_000) + "\\n\\u00e9" + new string('b', 50_000);
        byte[] doc = Encoding.ASCII.GetBytes("{\"note\":\"" + text + "\"}");
        long bytes = Allocated(doc, out JsonValue root);
        Assert.AreEqual(100_002, root.FindString("note")!.Length);

        // The string (2 bytes a char) and the decode buffer (2 bytes a char, sized once): about 4 bytes a char.
        // A buffer that doubled while decoding would cost 6 or more.
        _testContext.DisplayMessage(MessageLevel.Informational, "JSON allocation: " + doc.Length + "-byte document with a 100,002-char string, " + bytes + " bytes allocated");
        Assert.IsTrue(bytes < 5L * doc.Length, bytes + " bytes allocated for a " + doc.Length + "-byte document");
    }

    [TestMethod]
    public void A_refused_document_costs_little_beyond_the_error()
    {
        byte[] doc = Encoding.ASCII.GetBytes("[" + string.Join(",", Enumerable.Repeat("\"x\"", 5_000)) + ",}");
        long before = GC.GetAllocatedBytesForCurrentThread();
        JsonValue? value = JsonReader.Parse(doc, 0, doc.Length, JsonLimits.Default, out JsonParseError? error);
        long bytes = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.IsNull(value);
        Assert.AreEqual(JsonError.Syntax, error!.Kind);
        Assert.IsTrue(bytes < 5_000 * 160L, bytes + " bytes allocated");
    }

    private static long Allocated(byte[] doc, out JsonValue root)
    {
        // Warm up once so that JIT and type loading do not count.
        JsonReader.Parse(doc, 0, doc.Length, JsonLimits.Default, out _);
        long before = GC.GetAllocatedBytesForCurrentThread();
        JsonValue? value = JsonReader.Parse(doc, 0, doc.Length, JsonLimits.Default, out JsonParseError? error);
        long bytes = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.IsNotNull(value, error?.Message);
        root = value;
        return bytes;
    }
}
