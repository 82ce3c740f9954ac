namespace DeviceFirmware.Core.Bme280;

/// <summary>
/// The data registers 0xF7..0xFE as one burst read gives them (datasheet 5.4.7–5.4.9): press and temp
/// are 20-bit values, most significant byte first, left-aligned over three bytes (xlsb bits 7:4); hum
/// is 16 bits, most significant byte first. Offsets are from 0xF7. The driver decodes; simulated chips encode.
/// </summary>
public static class Bme280DataRegisters
{
    public static int Pressure(byte[] data, int offset) => (data[offset] << 12) | (data[offset + 1] << 4) | (data[offset + 2] >> 4);

    public static int Temperature(byte[] data, int offset) => (data[offset + 3] << 12) | (data[offset + 4] << 4) | (data[offset + 5] >> 4);

    /// <summary>Only on a BME280 (a BMP280's burst read ends at 0xFC).</summary>
    public static int Humidity(byte[] data, int offset) => (data[offset + 6] << 8) | data[offset + 7];

    /// <summary>Writes the eight data registers (0xF7..0xFE) at <paramref name="offset"/>.</summary>
    public static void Encode(int adcT, int adcP, int adcH, byte[] data, int offset)
    {
        data[offset] = (byte)(adcP >> 12);
        data[offset + 1] = (byte)(adcP >> 4);
        data[offset + 2] = (byte)((adcP & 0xF) << 4);
        data[offset + 3] = (byte)(adcT >> 12);
        data[offset + 4] = (byte)(adcT >> 4);
        data[offset + 5] = (byte)((adcT & 0xF) << 4);
        data[offset + 6] = (byte)(adcH >> 8);
        data[offset + 7] = (byte)adcH;
    }

    /// <summary>
    /// Whether a register exists in the chip's map (datasheet table 18): chip id, reset, calibration,
    /// control, status and data. A BMP280 has no humidity calibration, ctrl_hum or hum registers.
    /// </summary>
    public static bool IsReadable(int register, bool isBmp280)
    {
        if (register == (int)Bme280Register.CHIP_ID || register == (int)Bme280Register.RESET)
        {
            return true;
        }

        if (isBmp280)
        {
            return (register >= 0x88 && register <= 0x9F) || (register >= 0xF3 && register <= 0xFC);
        }

        return (register >= 0x88 && register <= 0xA1) || (register >= 0xE1 && register <= 0xF0) || (register >= 0xF2 && register <= 0xFE);
    }
}
