namespace DeviceFirmware.Core.Bme280;

/// <summary>The BME280 register map (Bosch BST-BME280-DS002, section 5.3), with the datasheet's names.</summary>
public enum Bme280Register : byte
{
    /// <summary>First byte of the temperature/pressure calibration block (0x88..0xA1, with dig_H1 at 0xA1).</summary>
    CALIB00 = 0x88,
    DIG_H1 = 0xA1,
    CHIP_ID = 0xD0,
    RESET = 0xE0,

    /// <summary>First byte of the humidity calibration block (0xE1..0xE7).</summary>
    CALIB26 = 0xE1,
    CTRL_HUM = 0xF2,
    STATUS = 0xF3,
    CTRL_MEAS = 0xF4,
    CONFIG = 0xF5,
    PRESS_MSB = 0xF7,
    HUM_LSB = 0xFE,
}

/// <summary>Constants of the register map: one home for each.</summary>
public static class Bme280Constants
{
    public const byte ChipIdBme280 = 0x60;
    public const byte ChipIdBmp280 = 0x58;

    /// <summary>Writing this to RESET performs a power-on reset.</summary>
    public const byte ResetCommand = 0xB6;

    /// <summary>STATUS bit 3: a conversion is running.</summary>
    public const byte StatusMeasuring = 0b0000_1000;

    /// <summary>STATUS bit 0: the NVM calibration data is being copied to the image registers.</summary>
    public const byte StatusImUpdate = 0b0000_0001;

    public const byte ModeSleep = 0b00;
    public const byte ModeForced = 0b01;
    public const byte ModeNormal = 0b11;

    /// <summary>0x88..0xA1: dig_T1..dig_P9 (24 bytes), one unused byte, dig_H1.</summary>
    public const int TemperaturePressureCalibrationLength = 26;

    /// <summary>0x88..0x9F on a BMP280, which has no humidity calibration.</summary>
    public const int Bmp280CalibrationLength = 24;

    /// <summary>0xE1..0xE7: dig_H2..dig_H6.</summary>
    public const int HumidityCalibrationLength = 7;

    /// <summary>0xF7..0xFE: press (20 bit), temp (20 bit), hum (16 bit).</summary>
    public const int DataLength = 8;

    /// <summary>0xF7..0xFC on a BMP280 (no humidity).</summary>
    public const int Bmp280DataLength = 6;

    /// <summary>The value a skipped temperature or pressure channel keeps (datasheet 3.5, "0x80000").</summary>
    public const int SkippedTemperaturePressure = 0x80000;

    /// <summary>The value a skipped humidity channel keeps ("0x8000").</summary>
    public const int SkippedHumidity = 0x8000;
}

/// <summary>Oversampling settings (osrs_x); <see cref="Skipped"/> turns a channel off.</summary>
public enum Bme280Oversampling : byte
{
    Skipped = 0b000,
    X1 = 0b001,
    X2 = 0b010,
    X4 = 0b011,
    X8 = 0b100,
    X16 = 0b101,
}

/// <summary>IIR filter coefficient (config register bits 4:2).</summary>
public enum Bme280Filter : byte
{
    Off = 0b000,
    X2 = 0b001,
    X4 = 0b010,
    X8 = 0b011,
    X16 = 0b100,
}
