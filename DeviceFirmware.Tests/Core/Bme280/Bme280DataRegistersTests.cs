using DeviceFirmware.Core.Bme280;

namespace DeviceFirmware.Tests.Core.Bme280;

[TestClass]
public sealed class Bme280DataRegistersTests
{
    [TestMethod]
    public void Raw_values_are_big_endian_and_the_20_bit_ones_left_aligned()
    {
        var data = new byte[10];
        Bme280DataRegisters.Encode(0x7EED5, 0x65A5C, 0x7531, data, 1);
        Assert.AreEqual(0x65, (int)data[1], "press_msb");
        Assert.AreEqual(0xA5, (int)data[2], "press_lsb");
        Assert.AreEqual(0xC0, (int)data[3], "press_xlsb bits 7:4");
        Assert.AreEqual(0x7E, (int)data[4], "temp_msb");
        Assert.AreEqual(0xED, (int)data[5], "temp_lsb");
        Assert.AreEqual(0x50, (int)data[6], "temp_xlsb bits 7:4");
        Assert.AreEqual(0x75, (int)data[7], "hum_msb");
        Assert.AreEqual(0x31, (int)data[8], "hum_lsb");
        Assert.AreEqual(0x65A5C, Bme280DataRegisters.Pressure(data, 1));
        Assert.AreEqual(0x7EED5, Bme280DataRegisters.Temperature(data, 1));
        Assert.AreEqual(0x7531, Bme280DataRegisters.Humidity(data, 1));
    }

    [TestMethod]
    public void The_register_map_differs_between_BME280_and_BMP280()
    {
        Assert.IsTrue(Bme280DataRegisters.IsReadable(0xD0, false), "chip id");
        Assert.IsTrue(Bme280DataRegisters.IsReadable(0xA1, false), "dig_H1 on a BME280");
        Assert.IsFalse(Bme280DataRegisters.IsReadable(0xA1, true), "no dig_H1 on a BMP280");
        Assert.IsTrue(Bme280DataRegisters.IsReadable(0xFE, false), "hum_lsb");
        Assert.IsFalse(Bme280DataRegisters.IsReadable(0xFD, true), "no humidity data on a BMP280");
        Assert.IsFalse(Bme280DataRegisters.IsReadable(0xF1, false), "a gap in the map");
        Assert.IsFalse(Bme280DataRegisters.IsReadable(0xFF, false), "past the map");
    }
}
