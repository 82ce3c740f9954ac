using System;
using System.Collections;
using DeviceFirmware.Core.Bme280;

namespace DeviceFirmware.Tests.Core.Bme280;

/// <summary>
/// A BME280 (or BMP280) as a register file behind the core's <see cref="IRegisterBus"/>, written in
/// the portable subset so the driver tests run on nanoFramework too. It models what the driver relies
/// on: chip id, soft reset with the NVM copy (im_update), calibration NVM, ctrl_hum latched by a
/// ctrl_meas write, forced conversions whose measuring bit lasts the datasheet's typical time on its
/// own clock, and raw ADC values the test sets. It owns the test's clock: <see cref="Advance"/> is
/// the driver's wait. What a real chip would not accept is recorded in <see cref="Violations"/>.
/// </summary>
public sealed class FakeBme280 : IRegisterBusProvider
{
    public const string GlitchText = "remote I/O error (fake)";

    private static readonly TimeSpan NvmCopyTime = TimeSpan.FromTicks(2 * TimeSpan.TicksPerMillisecond);

    private readonly byte[] _registers = new byte[256];
    private DateTime _nvmCopyEnds;
    private DateTime _conversionEnds;
    private bool _converting;
    private byte _latchedCtrlHum;

    public FakeBme280(Bme280Calibration calibration, byte chipId)
    {
        Calibration = calibration;
        ChipId = chipId;
        PowerOnReset();
    }

    public FakeBme280()
        : this(Bme280Calibration.Typical, Bme280Constants.ChipIdBme280)
    {
    }

    public Bme280Calibration Calibration { get; }

    /// <summary>The chip id a reset loads.</summary>
    public byte ChipId { get; set; }

    public int Address { get; set; } = Bme280Settings.PrimaryAddress;

    /// <summary>The test's clock (UTC; nanoFramework's DateTime has no Kind).</summary>
    public DateTime Now { get; private set; } = new DateTime(2026, 11, 22, 12, 0, 0);

    /// <summary>False: nothing acknowledges at any address.</summary>
    public bool Present { get; set; } = true;

    /// <summary>True: opening the bus fails (as when I2C is not enabled).</summary>
    public bool BusCannotOpen { get; set; }

    public bool StuckMeasuring { get; set; }

    public bool StuckImUpdate { get; set; }

    /// <summary>The next this-many transfers fail with a bus error that says <see cref="GlitchText"/>.</summary>
    public int FailNextTransfers { get; set; }

    /// <summary>After this many more transfers, one is not acknowledged (no further detail); -1 = never.</summary>
    public int NackAfterTransfers { get; set; } = -1;

    /// <summary>Raw ADC values the next conversions produce (default: the datasheet's worked example).</summary>
    public int RawTemperature { get; set; } = 519888;

    public int RawPressure { get; set; } = 415148;

    public int RawHumidity { get; set; } = 30000;

    /// <summary>Every transfer attempted, e.g. "R D0 1", "W F4 25" (register, then value or count, in hex/decimal).</summary>
    public ArrayList Transfers { get; } = new ArrayList();

    /// <summary>Every wait the driver asked for, as TimeSpan.</summary>
    public ArrayList Waits { get; } = new ArrayList();

    /// <summary>What the driver did that a real chip would not accept.</summary>
    public ArrayList Violations { get; } = new ArrayList();

    public int Conversions { get; private set; }

    public int OpenConnections { get; private set; }

    /// <summary>The driver's <see cref="BlockingWait"/>: time passes only here.</summary>
    public void Advance(TimeSpan duration)
    {
        Waits.Add(duration);
        Now += duration;
    }

    /// <summary>Time passing between reads (the host's telemetry interval).</summary>
    public void Idle(TimeSpan duration) => Now += duration;

    public int Count(string transfer)
    {
        var n = 0;
        for (var i = 0; i < Transfers.Count; i++)
        {
            if ((string)Transfers[i]! == transfer)
            {
                n++;
            }
        }

        return n;
    }

    public IRegisterBus? Open(int address, out string? failure)
    {
        if (BusCannotOpen)
        {
            failure = "I2C bus 1 cannot be opened (fake)";
            return null;
        }

        failure = null;
        OpenConnections++;
        return new Connection(this, address);
    }

    private bool IsBmp280 => ChipId == Bme280Constants.ChipIdBmp280;

    private BusResult Transfer(int address, string text, ref string? failure)
    {
        Transfers.Add(text);
        var refused = NackAfterTransfers == 0;
        if (NackAfterTransfers >= 0)
        {
            NackAfterTransfers--;
        }

        if (!Present || address != Address || refused)
        {
            failure = null;
            return BusResult.NoAcknowledge;
        }

        if (FailNextTransfers > 0)
        {
            FailNextTransfers--;
            failure = GlitchText;
            return BusResult.Error;
        }

        failure = null;
        return BusResult.Ok;
    }

    private void Write(byte register, byte value)
    {
        switch (register)
        {
            case (byte)Bme280Register.RESET:
                if (value == Bme280Constants.ResetCommand)
                {
                    PowerOnReset();
                }

                break;
            case (byte)Bme280Register.CTRL_HUM:
                if (IsBmp280)
                {
                    Violations.Add("ctrl_hum written on a BMP280");
                }

                _registers[register] = (byte)(value & 0b111);
                break;
            case (byte)Bme280Register.CTRL_MEAS:
                _registers[register] = value;
                // ctrl_hum only takes effect after a write to ctrl_meas (datasheet 5.4.3).
                _latchedCtrlHum = _registers[(int)Bme280Register.CTRL_HUM];
                if ((value & 0b11) == Bme280Constants.ModeForced)
                {
                    Conversions++;
                    _converting = true;
                    var humidity = IsBmp280 ? Bme280Oversampling.Skipped : (Bme280Oversampling)_latchedCtrlHum;
                    _conversionEnds = Now + Bme280Compensation.TypicalMeasurementTime((Bme280Oversampling)(value >> 5), (Bme280Oversampling)((value >> 2) & 0b111), humidity);
                }

                break;
            case (byte)Bme280Register.CONFIG:
                _registers[register] = value;
                break;
            default:
                Violations.Add("write to read-only register " + register);
                break;
        }
    }

    private void Read(byte register, byte[] buffer, int offset, int count)
    {
        Update();
        for (var i = 0; i < count; i++)
        {
            var r = register + i;
            if (!Bme280DataRegisters.IsReadable(r, IsBmp280))
            {
                Violations.Add("read of register " + r + " outside the register map");
            }

            buffer[offset + i] = r < 256 ? _registers[r] : (byte)0;
        }
    }

    private void PowerOnReset()
    {
        Array.Clear(_registers, 0, _registers.Length);
        _registers[(int)Bme280Register.CHIP_ID] = ChipId;
        var humidity = new byte[Bme280Constants.HumidityCalibrationLength];
        Calibration.Encode(_registers, (int)Bme280Register.CALIB00, humidity, 0);
        if (!IsBmp280)
        {
            Array.Copy(humidity, 0, _registers, (int)Bme280Register.CALIB26, humidity.Length);
        }

        WriteData(Bme280Constants.SkippedTemperaturePressure, Bme280Constants.SkippedTemperaturePressure, Bme280Constants.SkippedHumidity);
        _latchedCtrlHum = 0;
        _converting = false;
        _nvmCopyEnds = Now + NvmCopyTime;
    }

    private void Update()
    {
        byte status = 0;
        if (StuckImUpdate || Now < _nvmCopyEnds)
        {
            status |= Bme280Constants.StatusImUpdate;
        }

        if (_converting)
        {
            if (StuckMeasuring || Now < _conversionEnds)
            {
                status |= Bme280Constants.StatusMeasuring;
            }
            else
            {
                _converting = false;
                var ctrlMeas = _registers[(int)Bme280Register.CTRL_MEAS];
                WriteData(
                    (ctrlMeas >> 5) == 0 ? Bme280Constants.SkippedTemperaturePressure : RawTemperature,
                    ((ctrlMeas >> 2) & 0b111) == 0 ? Bme280Constants.SkippedTemperaturePressure : RawPressure,
                    IsBmp280 || _latchedCtrlHum == 0 ? Bme280Constants.SkippedHumidity : RawHumidity);
                // A forced conversion ends in sleep mode.
                _registers[(int)Bme280Register.CTRL_MEAS] = (byte)(ctrlMeas & 0b1111_1100);
            }
        }

        _registers[(int)Bme280Register.STATUS] = status;
    }

    private void WriteData(int adcT, int adcP, int adcH) => Bme280DataRegisters.Encode(adcT, adcP, adcH, _registers, (int)Bme280Register.PRESS_MSB);

    private static string Hex(int value)
    {
        const string Digits = "0123456789ABCDEF";
        return new string(new char[] { Digits[(value >> 4) & 0xF], Digits[value & 0xF] });
    }

    /// <summary>One opened device; every transfer goes through the chip's fault switches.</summary>
    private sealed class Connection : IRegisterBus
    {
        private readonly FakeBme280 _chip;
        private readonly int _address;
        private bool _disposed;

        public Connection(FakeBme280 chip, int address)
        {
            _chip = chip;
            _address = address;
        }

        public string? LastFailure { get; private set; }

        public BusResult WriteRegister(byte register, byte value)
        {
            var failure = (string?)null;
            var result = _chip.Transfer(_address, "W " + Hex(register) + " " + Hex(value), ref failure);
            LastFailure = failure;
            if (_disposed)
            {
                _chip.Violations.Add("write after dispose");
            }

            if (result == BusResult.Ok)
            {
                _chip.Write(register, value);
            }

            return result;
        }

        public BusResult ReadRegisters(byte register, byte[] buffer, int offset, int count)
        {
            var failure = (string?)null;
            var result = _chip.Transfer(_address, "R " + Hex(register) + " " + count, ref failure);
            LastFailure = failure;
            if (_disposed)
            {
                _chip.Violations.Add("read after dispose");
            }

            if (result == BusResult.Ok)
            {
                _chip.Read(register, buffer, offset, count);
            }

            return result;
        }

        public void Dispose()
        {
            if (!_disposed)
            {
                _disposed = true;
                _chip.OpenConnections--;
            }
        }
    }
}
