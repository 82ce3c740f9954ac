using System.Device.I2c;
using DeviceFirmware.Core.Bme280;

namespace DeviceFirmware.Hardware.Simulation;

/// <summary>
/// A BME280 (or BMP280) on a simulated I2C bus, at register level: chip id, soft reset with the
/// NVM copy (im_update), calibration NVM, ctrl_hum latched by a ctrl_meas write, forced-mode
/// conversions whose <c>measuring</c> bit is timed by the injected clock, and data registers
/// produced from target values (by inverting Bosch's compensation) or from raw values.
/// It refuses what a real chip would not do — a read past the register map, a write to a
/// read-only register — so the driver is tested honestly. Faults can be switched on.
/// </summary>
public sealed class SimulatedBme280 : I2cDevice
{
    /// <summary>Datasheet 1.1: start-up time, during which the NVM is copied.</summary>
    public static readonly TimeSpan NvmCopyTime = TimeSpan.FromMilliseconds(2);

    private readonly object _gate = new();
    private readonly TimeProvider _time;
    private readonly byte[] _registers = new byte[256];
    private readonly List<string> _transfers = [];
    private byte _pointer;
    private DateTimeOffset _nvmCopyEnds;
    private DateTimeOffset? _conversionEnds;
    private byte _latchedCtrlHum;
    private (int T, int P, int H)? _raw;

    public SimulatedBme280(TimeProvider time, Bme280Calibration? calibration = null, byte chipId = Bme280Constants.ChipIdBme280, int address = 0x76, int busId = 1)
    {
        _time = time ?? throw new ArgumentNullException(nameof(time));
        Calibration = calibration ?? Bme280Calibration.Typical;
        ChipId = chipId;
        ConnectionSettings = new I2cConnectionSettings(busId, address);
        PowerOnReset();
    }

    public override I2cConnectionSettings ConnectionSettings { get; }

    public Bme280Calibration Calibration { get; }

    public byte ChipId { get; set; }

    private bool IsBmp280 => ChipId == Bme280Constants.ChipIdBmp280;

    /// <summary>False: every transfer fails as a NACK does (no device at this address).</summary>
    public bool Present { get; set; } = true;

    /// <summary>True: the measuring bit never clears.</summary>
    public bool StuckMeasuring { get; set; }

    /// <summary>The next this-many transfers fail with an I/O error (a glitch mid-measurement).</summary>
    public int FailNextTransfers { get; set; }

    public double TargetTemperatureCelsius { get; set; } = 21.5;

    public double TargetHumidityPercent { get; set; } = 45;

    public double TargetPressureHectopascals { get; set; } = 1013.25;

    /// <summary>Where targets come from at each conversion, if set (e.g. a slow drift over time).</summary>
    public Func<DateTimeOffset, (double TemperatureCelsius, double HumidityPercent, double PressureHectopascals)>? Environment { get; set; }

    /// <summary>Transfers attempted, including failed ones (a probe of a missing chip counts too).</summary>
    public int Probes { get; private set; }

    /// <summary>Number of conversions started (forced-mode triggers).</summary>
    public int Conversions { get; private set; }

    /// <summary>Every transfer, e.g. "W F2 01", "R F7 8" — the register sequence the driver used.</summary>
    public IReadOnlyList<string> Transfers
    {
        get
        {
            lock (_gate)
            {
                return [.. _transfers];
            }
        }
    }

    /// <summary>Use these raw ADC values instead of targets (null = targets again).</summary>
    public void SetRaw(int? adcT, int? adcP, int? adcH)
    {
        _raw = adcT is int t && adcP is int p && adcH is int h ? (t, p, h) : null;
    }

    public override byte ReadByte()
    {
        Span<byte> one = stackalloc byte[1];
        Read(one);
        return one[0];
    }

    public override void Read(Span<byte> buffer)
    {
        lock (_gate)
        {
            Transfer();
            _transfers.Add("R " + _pointer.ToString("X2", System.Globalization.CultureInfo.InvariantCulture) + " " + buffer.Length);
            Update();
            for (var i = 0; i < buffer.Length; i++)
            {
                var register = _pointer + i;
                if (!IsReadable(register))
                {
                    throw new InvalidOperationException("Read of register 0x" + register.ToString("X2", System.Globalization.CultureInfo.InvariantCulture) + " is outside the " + (IsBmp280 ? "BMP280" : "BME280") + " register map.");
                }

                buffer[i] = _registers[register];
            }

            _pointer = (byte)(_pointer + buffer.Length);
        }
    }

    public override void WriteByte(byte value)
    {
        Span<byte> one = [value];
        Write(one);
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        lock (_gate)
        {
            Transfer();
            if (buffer.Length == 0)
            {
                return;
            }

            // I2C writes are register address + data pairs (datasheet 6.2.1); one byte only sets the pointer.
            if (buffer.Length == 1)
            {
                _pointer = buffer[0];
                _transfers.Add("P " + _pointer.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
                return;
            }

            if (buffer.Length % 2 != 0)
            {
                throw new InvalidOperationException("A BME280 write is register/value pairs; got " + buffer.Length + " bytes.");
            }

            for (var i = 0; i < buffer.Length; i += 2)
            {
                WriteRegister(buffer[i], buffer[i + 1]);
            }
        }
    }

    public override void WriteRead(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer)
    {
        Write(writeBuffer);
        Read(readBuffer);
    }

    private void Transfer()
    {
        Probes++;
        if (!Present)
        {
            throw new IOException("Error 6 performing I2C data transfer (no acknowledge from 0x" + ConnectionSettings.DeviceAddress.ToString("X2", System.Globalization.CultureInfo.InvariantCulture) + ").");
        }

        if (FailNextTransfers > 0)
        {
            FailNextTransfers--;
            throw new IOException("Error 121 performing I2C data transfer (remote I/O error).");
        }
    }

    private void WriteRegister(byte register, byte value)
    {
        _transfers.Add("W " + register.ToString("X2", System.Globalization.CultureInfo.InvariantCulture) + " " + value.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
        switch ((Bme280Register)register)
        {
            case Bme280Register.RESET:
                if (value == Bme280Constants.ResetCommand)
                {
                    PowerOnReset();
                }

                break;
            case Bme280Register.CTRL_HUM when !IsBmp280:
                _registers[register] = (byte)(value & 0b111);
                break;
            case Bme280Register.CTRL_MEAS:
                _registers[register] = value;
                // ctrl_hum only takes effect after a write to ctrl_meas (datasheet 5.4.3).
                _latchedCtrlHum = _registers[(int)Bme280Register.CTRL_HUM];
                var mode = value & 0b11;
                if (mode is Bme280Constants.ModeForced or 0b10 or Bme280Constants.ModeNormal)
                {
                    StartConversion();
                }

                break;
            case Bme280Register.CONFIG:
                _registers[register] = (byte)(value & 0b1111_1101);
                break;
            default:
                throw new InvalidOperationException("Register 0x" + register.ToString("X2", System.Globalization.CultureInfo.InvariantCulture) + " is not writable.");
        }
    }

    private void PowerOnReset()
    {
        Array.Clear(_registers);
        _registers[(int)Bme280Register.CHIP_ID] = ChipId;
        var h = new byte[Bme280Constants.HumidityCalibrationLength];
        Calibration.Encode(_registers, (int)Bme280Register.CALIB00, h, 0);
        if (!IsBmp280)
        {
            h.CopyTo(_registers, (int)Bme280Register.CALIB26);
        }

        WriteData(Bme280Constants.SkippedTemperaturePressure, Bme280Constants.SkippedTemperaturePressure, Bme280Constants.SkippedHumidity);
        _latchedCtrlHum = 0;
        _conversionEnds = null;
        _nvmCopyEnds = _time.GetUtcNow() + NvmCopyTime;
    }

    private void StartConversion()
    {
        Conversions++;
        var ctrlMeas = _registers[(int)Bme280Register.CTRL_MEAS];
        var duration = Bme280Compensation.TypicalMeasurementTime(
            (Bme280Oversampling)(ctrlMeas >> 5), (Bme280Oversampling)((ctrlMeas >> 2) & 0b111), IsBmp280 ? Bme280Oversampling.Skipped : (Bme280Oversampling)_latchedCtrlHum);
        _conversionEnds = _time.GetUtcNow() + duration;
    }

    /// <summary>Brings status and data registers up to the clock's present.</summary>
    private void Update()
    {
        var now = _time.GetUtcNow();
        byte status = 0;
        if (now < _nvmCopyEnds)
        {
            status |= Bme280Constants.StatusImUpdate;
        }

        if (_conversionEnds is DateTimeOffset ends)
        {
            if (now < ends || StuckMeasuring)
            {
                status |= Bme280Constants.StatusMeasuring;
            }
            else
            {
                _conversionEnds = null;
                CompleteConversion(now);
            }
        }

        _registers[(int)Bme280Register.STATUS] = status;
    }

    private void CompleteConversion(DateTimeOffset now)
    {
        var ctrlMeas = _registers[(int)Bme280Register.CTRL_MEAS];
        var osrsT = (ctrlMeas >> 5) & 0b111;
        var osrsP = (ctrlMeas >> 2) & 0b111;
        var osrsH = IsBmp280 ? 0 : _latchedCtrlHum & 0b111;
        var (t, p, h) = _raw ?? RawFromTargets(now);
        WriteData(
            osrsT == 0 ? Bme280Constants.SkippedTemperaturePressure : t,
            osrsP == 0 ? Bme280Constants.SkippedTemperaturePressure : p,
            osrsH == 0 ? Bme280Constants.SkippedHumidity : h);
        if ((ctrlMeas & 0b11) != Bme280Constants.ModeNormal)
        {
            // A forced conversion ends in sleep mode.
            _registers[(int)Bme280Register.CTRL_MEAS] = (byte)(ctrlMeas & ~0b11);
        }
        else
        {
            StartConversion();
        }
    }

    private void WriteData(int adcT, int adcP, int adcH) => Bme280DataRegisters.Encode(adcT, adcP, adcH, _registers, (int)Bme280Register.PRESS_MSB);

    private (int T, int P, int H) RawFromTargets(DateTimeOffset now)
    {
        var (temperature, humidity, pressure) = Environment?.Invoke(now) ?? (TargetTemperatureCelsius, TargetHumidityPercent, TargetPressureHectopascals);
        return RawFor(Calibration, temperature, humidity, pressure);
    }

    /// <summary>
    /// The raw ADC values whose integer compensation is nearest the targets. Each compensation is
    /// monotonic over the chip's physical range but the int32 humidity formula wraps far outside
    /// it, so a bisection on Bosch's double-precision formulas (datasheet 8.1) finds the region and
    /// a short scan with the integer formulas picks the exact raw value.
    /// </summary>
    public static (int AdcT, int AdcP, int AdcH) RawFor(Bme280Calibration calibration, double temperatureCelsius, double humidityPercent, double pressureHectopascals)
    {
        ArgumentNullException.ThrowIfNull(calibration);
        var c = calibration;
        var adcT = Nearest(Bisect(0, 0xFFFFF, x => Bme280DoubleCompensation.FineTemperature(x, c) / 5120.0, temperatureCelsius), 0xFFFFF, adc => Bme280Compensation.TemperatureCentidegrees(Bme280Compensation.FineTemperature(adc, c)) / 100.0, temperatureCelsius);
        var tFine = Bme280Compensation.FineTemperature(adcT, c);
        var adcP = Nearest(Bisect(0, 0xFFFFF, x => -Bme280DoubleCompensation.Pressure(x, tFine, c), -pressureHectopascals * 100), 0xFFFFF, adc => (Bme280Compensation.TryPressure(adc, tFine, c, out var q24x8) ? q24x8 : 0) / 25600.0, pressureHectopascals);
        var adcH = Nearest(Bisect(0, 0xFFFF, x => Bme280DoubleCompensation.Humidity(x, tFine, c), humidityPercent), 0xFFFF, adc => Bme280Compensation.Humidity(adc, tFine, c) / 1024.0, humidityPercent);
        return (adcT, adcP, adcH);
    }

    /// <summary>The x in [low, high] where an increasing function reaches the target.</summary>
    private static double Bisect(double low, double high, Func<double, double> increasing, double target)
    {
        for (var i = 0; i < 60; i++)
        {
            var mid = (low + high) / 2;
            if (increasing(mid) < target)
            {
                low = mid;
            }
            else
            {
                high = mid;
            }
        }

        return (low + high) / 2;
    }

    private static int Nearest(double estimate, int maximum, Func<int, double> compensate, double target)
    {
        var best = Math.Clamp((int)Math.Round(estimate), 0, maximum);
        var bestError = Math.Abs(compensate(best) - target);
        for (var adc = Math.Max(0, best - 64); adc <= Math.Min(maximum, best + 64); adc++)
        {
            var error = Math.Abs(compensate(adc) - target);
            if (error < bestError)
            {
                best = adc;
                bestError = error;
            }
        }

        return best;
    }

    private bool IsReadable(int register) => Bme280DataRegisters.IsReadable(register, IsBmp280);
}
