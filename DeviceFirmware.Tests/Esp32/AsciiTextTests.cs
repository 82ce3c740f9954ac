using DeviceFirmware.Esp32;

namespace DeviceFirmware.Tests.Esp32;

/// <summary>DeviceFirmware/Esp32/AsciiText.cs: what the ESP32 turns into text (PEM keys, the will, its state files).</summary>
[TestClass]
public sealed class AsciiTextTests
{
    [TestMethod]
    public void Pem_text_with_its_terminating_nul_decodes_without_it()
    {
        var bytes = new byte[] { (byte)'-', (byte)'-', (byte)'\n', (byte)'A', 0 };
        Assert.AreEqual("--\nA", AsciiText.Decode(bytes, 0, bytes.Length));
    }

    [TestMethod]
    public void Bytes_outside_ascii_are_refused_not_guessed()
    {
        Assert.IsNull(AsciiText.Decode([0xC3, 0xA9], 0, 2));
        Assert.IsNull(AsciiText.Decode([(byte)'a', 0, (byte)'b'], 0, 3));
    }

    [TestMethod]
    public void Encode_and_decode_round_trip_and_encode_refuses_non_ascii()
    {
        var bytes = AsciiText.Encode("OFF");
        Assert.AreEqual("OFF", AsciiText.Decode(bytes, 0, bytes.Length));
        Assert.ThrowsExactly<ArgumentException>(() => AsciiText.Encode("é"));
    }
}
