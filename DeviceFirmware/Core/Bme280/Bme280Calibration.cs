using System;

namespace DeviceFirmware.Core.Bme280;

/// <summary>
/// The trimming parameters from the chip's NVM (datasheet 4.2.2, table 16). Parsed by a pure
/// function from the two burst reads, so the parsing is testable from bytes alone.
/// </summary>
public sealed class Bme280Calibration
{
    public Bme280Calibration(
        ushort digT1, short digT2, short digT3,
        ushort digP1, short digP2, short digP3, short digP4, short digP5, short digP6, short digP7, short digP8, short digP9,
        byte digH1, short digH2, byte digH3, short digH4, short digH5, sbyte digH6)
    {
        DigT1 = digT1;
        DigT2 = digT2;
        DigT3 = digT3;
        DigP1 = digP1;
        DigP2 = digP2;
        DigP3 = digP3;
        DigP4 = digP4;
        DigP5 = digP5;
        DigP6 = digP6;
        DigP7 = digP7;
        DigP8 = digP8;
        DigP9 = digP9;
        DigH1 = digH1;
        DigH2 = digH2;
        DigH3 = digH3;
        DigH4 = digH4;
        DigH5 = digH5;
        DigH6 = digH6;
    }

    /// <summary>
    /// A realistic calibration set: the temperature and pressure words of the worked example in
    /// Bosch's BMP280 datasheet (section 8.2), with humidity words typical of a BME280 register dump.
    /// </summary>
    public static Bme280Calibration Typical { get; } = new Bme280Calibration(
        27504, 26435, -1000,
        36477, -10685, 3024, 2855, 140, -7, 15500, -14600, 6000,
        75, 362, 0, 313, 50, 30);

    public ushort DigT1 { get; }

    public short DigT2 { get; }

    public short DigT3 { get; }

    public ushort DigP1 { get; }

    public short DigP2 { get; }

    public short DigP3 { get; }

    public short DigP4 { get; }

    public short DigP5 { get; }

    public short DigP6 { get; }

    public short DigP7 { get; }

    public short DigP8 { get; }

    public short DigP9 { get; }

    public byte DigH1 { get; }

    public short DigH2 { get; }

    public byte DigH3 { get; }

    public short DigH4 { get; }

    public short DigH5 { get; }

    public sbyte DigH6 { get; }

    /// <summary>
    /// Parses the block read from 0x88 and the one read from 0xE1. A BME280 gives 26 bytes from
    /// 0x88 (0x88..0xA1, dig_H1 last) and 7 from 0xE1 (0xE1..0xE7). A BMP280 has no humidity: pass
    /// <paramref name="humidity"/> null and 24 bytes from 0x88 (0x88..0x9F); its H words are 0.
    /// </summary>
    /// <exception cref="ArgumentException">A block is shorter than that from its offset (a caller's bug, not a chip fault).</exception>
    public static Bme280Calibration Parse(byte[] temperaturePressure, int temperaturePressureOffset, byte[]? humidity, int humidityOffset)
    {
        ArgumentNullException.ThrowIfNull(temperaturePressure);
        var tpLength = humidity == null ? Bme280Constants.Bmp280CalibrationLength : Bme280Constants.TemperaturePressureCalibrationLength;
        if (temperaturePressureOffset < 0 || temperaturePressure.Length - temperaturePressureOffset < tpLength)
        {
            throw new ArgumentException(
                humidity == null
                    ? "The temperature/pressure calibration block needs 24 bytes (0x88..0x9F) from its offset."
                    : "The temperature/pressure calibration block needs 26 bytes (0x88..0xA1, dig_H1 last) from its offset.",
                nameof(temperaturePressure));
        }

        if (humidity != null && (humidityOffset < 0 || humidity.Length - humidityOffset < Bme280Constants.HumidityCalibrationLength))
        {
            throw new ArgumentException("The humidity calibration block needs 7 bytes (0xE1..0xE7) from its offset.", nameof(humidity));
        }

        var tp = temperaturePressure;
        var t = temperaturePressureOffset;
        byte h1 = 0;
        short h2 = 0, h4 = 0, h5 = 0;
        byte h3 = 0;
        sbyte h6 = 0;
        if (humidity != null)
        {
            var h = humidityOffset;
            h1 = tp[t + 25];
            h2 = Int16(humidity, h);
            h3 = humidity[h + 2];
            // Trap: dig_H4 and dig_H5 are signed 12-bit values sharing 0xE5 — H4 = 0xE4[7:0] << 4 | 0xE5[3:0],
            // H5 = 0xE6[7:0] << 4 | 0xE5[7:4]; the upper byte carries the sign.
            h4 = (short)(((sbyte)humidity[h + 3] * 16) | (humidity[h + 4] & 0x0F));
            h5 = (short)(((sbyte)humidity[h + 5] * 16) | (humidity[h + 4] >> 4));
            h6 = (sbyte)humidity[h + 6];
        }

        // Little-endian words; T1 and P1 are unsigned, the rest signed (table 16).
        return new Bme280Calibration(
            UInt16(tp, t), Int16(tp, t + 2), Int16(tp, t + 4),
            UInt16(tp, t + 6), Int16(tp, t + 8), Int16(tp, t + 10), Int16(tp, t + 12), Int16(tp, t + 14),
            Int16(tp, t + 16), Int16(tp, t + 18), Int16(tp, t + 20), Int16(tp, t + 22),
            h1, h2, h3, h4, h5, h6);
    }

    /// <summary>
    /// The inverse of <see cref="Parse"/>: the NVM bytes a chip with this calibration holds, 26 bytes
    /// for 0x88..0xA1 and 7 for 0xE1..0xE7 (used by simulated chips).
    /// </summary>
    public void Encode(byte[] temperaturePressure, int temperaturePressureOffset, byte[] humidity, int humidityOffset)
    {
        ArgumentNullException.ThrowIfNull(temperaturePressure);
        ArgumentNullException.ThrowIfNull(humidity);
        var tp = temperaturePressure;
        var t = temperaturePressureOffset;
        Put(tp, t, DigT1);
        Put(tp, t + 2, DigT2);
        Put(tp, t + 4, DigT3);
        Put(tp, t + 6, DigP1);
        Put(tp, t + 8, DigP2);
        Put(tp, t + 10, DigP3);
        Put(tp, t + 12, DigP4);
        Put(tp, t + 14, DigP5);
        Put(tp, t + 16, DigP6);
        Put(tp, t + 18, DigP7);
        Put(tp, t + 20, DigP8);
        Put(tp, t + 22, DigP9);
        tp[t + 24] = 0;
        tp[t + 25] = DigH1;
        var h = humidityOffset;
        Put(humidity, h, DigH2);
        humidity[h + 2] = DigH3;
        humidity[h + 3] = (byte)(DigH4 >> 4);
        humidity[h + 4] = (byte)((DigH4 & 0x0F) | ((DigH5 & 0x0F) << 4));
        humidity[h + 5] = (byte)(DigH5 >> 4);
        humidity[h + 6] = (byte)DigH6;
    }

    private static ushort UInt16(byte[] bytes, int offset) => (ushort)(bytes[offset] | (bytes[offset + 1] << 8));

    private static short Int16(byte[] bytes, int offset) => (short)UInt16(bytes, offset);

    private static void Put(byte[] bytes, int offset, int word)
    {
        bytes[offset] = (byte)word;
        bytes[offset + 1] = (byte)(word >> 8);
    }
}
