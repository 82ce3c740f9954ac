using System.Buffers.Binary;

namespace DeviceFirmware.Hardware.Bme280;

/// <summary>
/// The trimming parameters from the chip's NVM (datasheet 4.2.2, table 16). Parsed by a pure
/// function from the two burst reads, so the parsing is testable from bytes alone.
/// </summary>
public sealed record Bme280Calibration(
    ushort DigT1, short DigT2, short DigT3,
    ushort DigP1, short DigP2, short DigP3, short DigP4, short DigP5, short DigP6, short DigP7, short DigP8, short DigP9,
    byte DigH1, short DigH2, byte DigH3, short DigH4, short DigH5, sbyte DigH6)
{
    /// <summary>Parses 0x88..0xA1 (26 bytes; 24 are enough for a BMP280) and 0xE1..0xE7 (7 bytes, empty for a BMP280).</summary>
    public static Bme280Calibration Parse(ReadOnlySpan<byte> temperaturePressure, ReadOnlySpan<byte> humidity)
    {
        if (temperaturePressure.Length < Bme280Constants.Bmp280CalibrationLength)
        {
            throw new ArgumentException("The temperature/pressure calibration block needs at least 24 bytes (0x88..0x9F).", nameof(temperaturePressure));
        }

        if (humidity.Length != 0 && humidity.Length < Bme280Constants.HumidityCalibrationLength)
        {
            throw new ArgumentException("The humidity calibration block needs 7 bytes (0xE1..0xE7).", nameof(humidity));
        }

        var tp = temperaturePressure;
        // Little-endian words; T1 and P1 are unsigned, the rest signed (table 16).
        var digH1 = tp.Length >= Bme280Constants.TemperaturePressureCalibrationLength ? tp[25] : (byte)0;
        short h2 = 0, h4 = 0, h5 = 0;
        byte h3 = 0;
        sbyte h6 = 0;
        if (humidity.Length >= Bme280Constants.HumidityCalibrationLength)
        {
            h2 = BinaryPrimitives.ReadInt16LittleEndian(humidity[0..]);
            h3 = humidity[2];
            // Trap: dig_H4 and dig_H5 are signed 12-bit values sharing 0xE5 — H4 = 0xE4[7:0] << 4 | 0xE5[3:0],
            // H5 = 0xE6[7:0] << 4 | 0xE5[7:4]; the upper byte carries the sign.
            h4 = (short)(((sbyte)humidity[3] * 16) | (humidity[4] & 0x0F));
            h5 = (short)(((sbyte)humidity[5] * 16) | (humidity[4] >> 4));
            h6 = (sbyte)humidity[6];
        }

        return new Bme280Calibration(
            BinaryPrimitives.ReadUInt16LittleEndian(tp[0..]),
            BinaryPrimitives.ReadInt16LittleEndian(tp[2..]),
            BinaryPrimitives.ReadInt16LittleEndian(tp[4..]),
            BinaryPrimitives.ReadUInt16LittleEndian(tp[6..]),
            BinaryPrimitives.ReadInt16LittleEndian(tp[8..]),
            BinaryPrimitives.ReadInt16LittleEndian(tp[10..]),
            BinaryPrimitives.ReadInt16LittleEndian(tp[12..]),
            BinaryPrimitives.ReadInt16LittleEndian(tp[14..]),
            BinaryPrimitives.ReadInt16LittleEndian(tp[16..]),
            BinaryPrimitives.ReadInt16LittleEndian(tp[18..]),
            BinaryPrimitives.ReadInt16LittleEndian(tp[20..]),
            BinaryPrimitives.ReadInt16LittleEndian(tp[22..]),
            digH1, h2, h3, h4, h5, h6);
    }

    /// <summary>The inverse of <see cref="Parse"/>: the NVM bytes a chip with this calibration holds (used by the simulator).</summary>
    public (byte[] TemperaturePressure, byte[] Humidity) ToBytes()
    {
        var tp = new byte[Bme280Constants.TemperaturePressureCalibrationLength];
        BinaryPrimitives.WriteUInt16LittleEndian(tp.AsSpan(0), DigT1);
        BinaryPrimitives.WriteInt16LittleEndian(tp.AsSpan(2), DigT2);
        BinaryPrimitives.WriteInt16LittleEndian(tp.AsSpan(4), DigT3);
        BinaryPrimitives.WriteUInt16LittleEndian(tp.AsSpan(6), DigP1);
        BinaryPrimitives.WriteInt16LittleEndian(tp.AsSpan(8), DigP2);
        BinaryPrimitives.WriteInt16LittleEndian(tp.AsSpan(10), DigP3);
        BinaryPrimitives.WriteInt16LittleEndian(tp.AsSpan(12), DigP4);
        BinaryPrimitives.WriteInt16LittleEndian(tp.AsSpan(14), DigP5);
        BinaryPrimitives.WriteInt16LittleEndian(tp.AsSpan(16), DigP6);
        BinaryPrimitives.WriteInt16LittleEndian(tp.AsSpan(18), DigP7);
        BinaryPrimitives.WriteInt16LittleEndian(tp.AsSpan(20), DigP8);
        BinaryPrimitives.WriteInt16LittleEndian(tp.AsSpan(22), DigP9);
        tp[25] = DigH1;
        var h = new byte[Bme280Constants.HumidityCalibrationLength];
        BinaryPrimitives.WriteInt16LittleEndian(h.AsSpan(0), DigH2);
        h[2] = DigH3;
        h[3] = (byte)(DigH4 >> 4);
        h[4] = (byte)((DigH4 & 0x0F) | ((DigH5 & 0x0F) << 4));
        h[5] = (byte)(DigH5 >> 4);
        h[6] = (byte)DigH6;
        return (tp, h);
    }

    /// <summary>
    /// A realistic calibration set: the temperature and pressure words of the worked example in
    /// Bosch's BMP280 datasheet (section 8.2), with humidity words typical of a BME280 register dump.
    /// </summary>
    public static Bme280Calibration Typical { get; } = new(
        27504, 26435, -1000,
        36477, -10685, 3024, 2855, 140, -7, 15500, -14600, 6000,
        75, 362, 0, 313, 50, 30);
}
