using System;
using DeviceFirmware.Core.Bme280;

namespace DeviceFirmware.Tests.Core.Bme280;

[TestClass]
public sealed class Bme280CalibrationTests
{
    [TestMethod]
    public void Parses_calibration_from_known_bytes_with_signed_words_and_the_12_bit_split()
    {
        var c = Bme280Calibration.Parse(KnownTemperaturePressure(), 0, KnownHumidity(), 0);
        Assert.AreEqual(27504, (int)c.DigT1);
        Assert.AreEqual(26435, (int)c.DigT2);
        Assert.AreEqual(-1000, (int)c.DigT3);
        Assert.AreEqual(36477, (int)c.DigP1);
        Assert.AreEqual(-10685, (int)c.DigP2);
        Assert.AreEqual(3024, (int)c.DigP3);
        Assert.AreEqual(2855, (int)c.DigP4);
        Assert.AreEqual(140, (int)c.DigP5);
        Assert.AreEqual(-7, (int)c.DigP6);
        Assert.AreEqual(15500, (int)c.DigP7);
        Assert.AreEqual(-14600, (int)c.DigP8);
        Assert.AreEqual(6000, (int)c.DigP9);
        Assert.AreEqual(75, (int)c.DigH1);
        Assert.AreEqual(362, (int)c.DigH2);
        Assert.AreEqual(0, (int)c.DigH3);
        Assert.AreEqual(-100, (int)c.DigH4, "0xF9C as a signed 12-bit number");
        Assert.AreEqual(50, (int)c.DigH5, "0x032: 0xE6 << 4 | 0xE5 >> 4");
        Assert.AreEqual(30, (int)c.DigH6);
    }

    [TestMethod]
    public void Parses_from_offsets_inside_larger_buffers()
    {
        var tp = new byte[40];
        var h = new byte[20];
        Array.Copy(KnownTemperaturePressure(), 0, tp, 9, 26);
        Array.Copy(KnownHumidity(), 0, h, 13, 7);
        tp[8] = 0xFF;
        tp[35] = 0xFF;
        h[12] = 0xFF;
        var expected = Bme280Calibration.Parse(KnownTemperaturePressure(), 0, KnownHumidity(), 0);
        Bme280TestData.AssertSameCalibration(expected, Bme280Calibration.Parse(tp, 9, h, 13));
    }

    [TestMethod]
    public void A_BMP280_block_of_24_bytes_without_humidity_parses_with_zero_humidity_words()
    {
        var tp = new byte[24];
        Array.Copy(KnownTemperaturePressure(), 0, tp, 0, 24);
        var c = Bme280Calibration.Parse(tp, 0, null, 0);
        Assert.AreEqual(27504, (int)c.DigT1);
        Assert.AreEqual(6000, (int)c.DigP9);
        Assert.AreEqual(0, (int)c.DigH1);
        Assert.AreEqual(0, (int)c.DigH2);
        Assert.AreEqual(0, (int)c.DigH4);
        Assert.AreEqual(0, (int)c.DigH6);
    }

    [TestMethod]
    public void Calibration_bytes_round_trip_through_the_simulator_encoding()
    {
        var sets = Bme280TestData.CalibrationSets();
        for (var i = 0; i < sets.Length; i++)
        {
            var tp = new byte[26];
            var h = new byte[7];
            sets[i].Encode(tp, 0, h, 0);
            Bme280TestData.AssertSameCalibration(sets[i], Bme280Calibration.Parse(tp, 0, h, 0));
        }
    }

    [TestMethod]
    public void Encoding_a_parsed_calibration_gives_back_its_bytes()
    {
        var tp = new byte[26];
        var h = new byte[7];
        Bme280Calibration.Parse(KnownTemperaturePressure(), 0, KnownHumidity(), 0).Encode(tp, 0, h, 0);
        var known = KnownTemperaturePressure();
        for (var i = 0; i < tp.Length; i++)
        {
            Assert.AreEqual(known[i], tp[i], "0x88 + " + i);
        }

        var knownH = KnownHumidity();
        for (var i = 0; i < h.Length; i++)
        {
            Assert.AreEqual(knownH[i], h[i], "0xE1 + " + i);
        }
    }

    [TestMethod]
    public void Blocks_too_short_for_their_offset_are_refused_with_a_clear_error()
    {
        AssertRefused(new byte[25], 0, new byte[7], 0, "26 bytes (0x88..0xA1");
        AssertRefused(new byte[26], 1, new byte[7], 0, "26 bytes (0x88..0xA1");
        AssertRefused(new byte[23], 0, null, 0, "24 bytes (0x88..0x9F)");
        AssertRefused(new byte[26], 0, new byte[7], 1, "7 bytes (0xE1..0xE7)");
        AssertRefused(new byte[26], -1, new byte[7], 0, "26 bytes");
    }

    private static void AssertRefused(byte[] tp, int tpOffset, byte[]? h, int hOffset, string expectedText)
    {
        string? message = null;
        try
        {
            Bme280Calibration.Parse(tp, tpOffset, h, hOffset);
        }
        catch (ArgumentException ex)
        {
            message = ex.Message;
        }

        Assert.IsNotNull(message, "refused");
        Assert.IsTrue(message!.IndexOf(expectedText) >= 0, message);
    }

    private static byte[] KnownTemperaturePressure()
    {
        return new byte[]
        {
            0x70, 0x6B, // T1 = 27504 (unsigned)
            0x43, 0x67, // T2 = 26435
            0x18, 0xFC, // T3 = -1000
            0x7D, 0x8E, // P1 = 36477 (unsigned, above 32767)
            0x43, 0xD6, // P2 = -10685
            0xD0, 0x0B, // P3 = 3024
            0x27, 0x0B, // P4 = 2855
            0x8C, 0x00, // P5 = 140
            0xF9, 0xFF, // P6 = -7
            0x8C, 0x3C, // P7 = 15500
            0xF8, 0xC6, // P8 = -14600
            0x70, 0x17, // P9 = 6000
            0x00,       // 0xA0 unused
            0x4B,       // H1 = 75
        };
    }

    private static byte[] KnownHumidity()
    {
        return new byte[]
        {
            0x6A, 0x01, // H2 = 362
            0x00,       // H3 = 0
            0xF9,       // 0xE4: H4[11:4]
            0x2C,       // 0xE5: H5[3:0] = 2, H4[3:0] = 0xC
            0x03,       // 0xE6: H5[11:4]
            0x1E,       // H6 = 30
        };
    }
}
