using System;
using DeviceFirmware.Core.Sensors;

namespace DeviceFirmware.Core.Bme280;

/// <summary>
/// Bosch BME280 (and BMP280) driver over the core's own <see cref="IRegisterBus"/>, following the
/// datasheet (BST-BME280-DS002) and Bosch's reference driver. Kept although dotnet/iot's
/// Iot.Device.Bindings has a Bmxx80 binding (a test cross-checks this driver against it): this one
/// turns every fault into a reading instead of an exception, detects a stuck chip and probes a lost
/// one again with a growing backoff, runs on nanoFramework as well as .NET, and its calibration
/// parsing and integer compensation are pure, tested functions.
/// A forced measurement on every read (drivers that used normal mode were seen to return frozen
/// values). Never throws from <see cref="Read"/> for a device fault: faults become a "missing" or
/// "error" reading and the chip is probed again after the backoff. It reads no clock: the caller
/// passes the time, and the waits between trigger and read go through the host's
/// <see cref="BlockingWait"/>. No I/O in the constructor: the first <see cref="Read"/> probes.
/// Concurrency: one thread at a time.
/// </summary>
public sealed class Bme280Driver : IDisposable
{
    /// <summary>Polls of the status register after the datasheet's maximum time, before giving up.</summary>
    private const int MaximumStatusPolls = 10;

    private static readonly TimeSpan PollInterval = TimeSpan.FromTicks(TimeSpan.TicksPerMillisecond);

    /// <summary>Datasheet 1.1: start-up time after a reset, during which the NVM is copied.</summary>
    private static readonly TimeSpan StartUpTime = TimeSpan.FromTicks(2 * TimeSpan.TicksPerMillisecond);

    private readonly IRegisterBusProvider _buses;
    private readonly Bme280Settings _settings;
    private readonly BlockingWait _wait;
    private readonly IBme280Log? _log;
    private readonly byte[] _register = new byte[1];
    private readonly byte[] _data = new byte[Bme280Constants.DataLength];
    private IRegisterBus? _device;
    private Bme280Calibration? _calibration;
    private bool _isBmp280;
    private DateTime _nextProbeAt = DateTime.MinValue;
    private TimeSpan _reprobeDelay;
    private SensorReading? _lastFault;
    private bool _hasLastRaw;
    private int _lastAdcT;
    private int _lastAdcP;
    private int _lastAdcH;
    private int _identicalReads;

    public Bme280Driver(IRegisterBusProvider buses, Bme280Settings settings, BlockingWait wait, IBme280Log? log)
    {
        ArgumentNullException.ThrowIfNull(buses);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(wait);
        _buses = buses;
        _settings = settings;
        _wait = wait;
        _log = log;
        _reprobeDelay = settings.ReprobeMinimum;
    }

    /// <summary>"BME280", or "BMP280" once a BMP280 answered.</summary>
    public string Model => _isBmp280 ? "BMP280" : "BME280";

    /// <summary>Takes one forced measurement, probing and initialising the chip first when needed.</summary>
    /// <param name="nowUtc">The current time; it paces the re-probe backoff.</param>
    public SensorReading Read(DateTime nowUtc)
    {
        if (_calibration == null)
        {
            if (nowUtc < _nextProbeAt && _lastFault != null)
            {
                return _lastFault;
            }

            var fault = TryInitialize();
            if (fault != null)
            {
                return Fail(fault, nowUtc);
            }
        }

        var failure = TryMeasure(out var reading);
        return failure == null ? reading! : Fail(SensorReading.Failed(failure).WithModel(Model), nowUtc);
    }

    public void Dispose() => CloseDevice();

    private SensorReading Fail(SensorReading fault, DateTime nowUtc)
    {
        // Start over from the probe, after a backoff that grows while the fault lasts.
        CloseDevice();
        _calibration = null;
        _hasLastRaw = false;
        _identicalReads = 0;
        if (_lastFault == null || _lastFault.Status != fault.Status)
        {
            _log?.Faulted(Model, fault.Status, _reprobeDelay.TotalSeconds);
        }

        _lastFault = fault;
        _nextProbeAt = nowUtc + _reprobeDelay;
        var doubled = _reprobeDelay + _reprobeDelay;
        _reprobeDelay = doubled > _settings.ReprobeMaximum ? _settings.ReprobeMaximum : doubled;
        return fault;
    }

    /// <returns>Null on success, else the fault reading.</returns>
    private SensorReading? TryInitialize()
    {
        var addresses = _settings.Addresses;
        string? tried = null;
        for (var i = 0; i < addresses.Length; i++)
        {
            var hex = Hex(addresses[i]);
            var device = _buses.Open(addresses[i], out var openFailure);
            if (device == null)
            {
                return SensorReading.Missing(openFailure ?? "I2C bus " + _settings.BusId + " cannot be opened");
            }

            if (device.ReadRegisters((byte)Bme280Register.CHIP_ID, _register, 0, 1) != BusResult.Ok)
            {
                // Nothing acknowledged at this address (or it failed on the first byte): try the next.
                device.Dispose();
                tried = tried == null ? hex : tried + " or " + hex;
                continue;
            }

            var id = _register[0];
            if (id != Bme280Constants.ChipIdBme280 && id != Bme280Constants.ChipIdBmp280)
            {
                device.Dispose();
                return SensorReading.Failed("unexpected chip id " + Hex(id) + " at " + hex + " (a BME280 says 0x60, a BMP280 0x58)");
            }

            var failure = TryInitialize(device, id == Bme280Constants.ChipIdBmp280);
            if (failure != null)
            {
                device.Dispose();
                return SensorReading.Failed("initialisation at " + hex + " failed: " + failure);
            }

            _device = device;
            _reprobeDelay = _settings.ReprobeMinimum;
            _lastFault = null;
            _log?.Found(Model, hex, _settings.BusId);
            return null;
        }

        return SensorReading.Missing("no device answers at " + tried + " on I2C bus " + _settings.BusId);
    }

    /// <summary>Soft reset, NVM copy, calibration, config. Returns null on success, else why not.</summary>
    private string? TryInitialize(IRegisterBus device, bool isBmp280)
    {
        _isBmp280 = isBmp280;
        var result = device.WriteRegister((byte)Bme280Register.RESET, Bme280Constants.ResetCommand);
        if (result != BusResult.Ok)
        {
            return Describe(device, result);
        }

        // After a reset the chip copies its NVM into the image registers (status.im_update).
        _wait(StartUpTime);
        result = PollStatus(device, Bme280Constants.StatusImUpdate, out var copying);
        if (result != BusResult.Ok)
        {
            return Describe(device, result);
        }

        if (copying)
        {
            return "the NVM copy after reset did not finish (im_update stuck)";
        }

        var tp = new byte[isBmp280 ? Bme280Constants.Bmp280CalibrationLength : Bme280Constants.TemperaturePressureCalibrationLength];
        result = device.ReadRegisters((byte)Bme280Register.CALIB00, tp, 0, tp.Length);
        byte[]? h = null;
        if (result == BusResult.Ok && !isBmp280)
        {
            h = new byte[Bme280Constants.HumidityCalibrationLength];
            result = device.ReadRegisters((byte)Bme280Register.CALIB26, h, 0, h.Length);
        }

        if (result != BusResult.Ok)
        {
            return Describe(device, result);
        }

        var calibration = Bme280Calibration.Parse(tp, 0, h, 0);
        // config is written in sleep mode (after the reset), where the chip does not ignore it (5.4.6).
        result = device.WriteRegister((byte)Bme280Register.CONFIG, (byte)((_settings.StandbyCode << 5) | ((int)_settings.Filter << 2)));
        if (result != BusResult.Ok)
        {
            return Describe(device, result);
        }

        _calibration = calibration;
        return null;
    }

    /// <summary>One forced measurement. Returns null and the reading on success, else why not.</summary>
    private string? TryMeasure(out SensorReading? reading)
    {
        reading = null;
        var device = _device!;
        var humidity = _isBmp280 ? Bme280Oversampling.Skipped : _settings.HumidityOversampling;
        BusResult result;
        if (!_isBmp280)
        {
            // ctrl_hum only takes effect after a write to ctrl_meas (datasheet 5.4.3): write it first.
            result = device.WriteRegister((byte)Bme280Register.CTRL_HUM, (byte)humidity);
            if (result != BusResult.Ok)
            {
                return "read failed: " + Describe(device, result);
            }
        }

        var ctrlMeas = ((int)_settings.TemperatureOversampling << 5) | ((int)_settings.PressureOversampling << 2) | Bme280Constants.ModeForced;
        result = device.WriteRegister((byte)Bme280Register.CTRL_MEAS, (byte)ctrlMeas);
        if (result != BusResult.Ok)
        {
            return "read failed: " + Describe(device, result);
        }

        _wait(Bme280Compensation.MaximumMeasurementTime(_settings.TemperatureOversampling, _settings.PressureOversampling, humidity));
        result = PollStatus(device, Bme280Constants.StatusMeasuring, out var measuring);
        if (result != BusResult.Ok)
        {
            return "read failed: " + Describe(device, result);
        }

        if (measuring)
        {
            return "the measuring bit stayed set past the datasheet's maximum measurement time";
        }

        var data = _data;
        result = device.ReadRegisters((byte)Bme280Register.PRESS_MSB, data, 0, _isBmp280 ? Bme280Constants.Bmp280DataLength : Bme280Constants.DataLength);
        if (result != BusResult.Ok)
        {
            return "read failed: " + Describe(device, result);
        }

        var adcP = Bme280DataRegisters.Pressure(data, 0);
        var adcT = Bme280DataRegisters.Temperature(data, 0);
        var adcH = _isBmp280 ? Bme280Constants.SkippedHumidity : Bme280DataRegisters.Humidity(data, 0);
        if (_hasLastRaw && adcT == _lastAdcT && adcP == _lastAdcP && adcH == _lastAdcH)
        {
            if (++_identicalReads >= _settings.StuckReadCount - 1)
            {
                return "stuck: " + _settings.StuckReadCount + " identical raw readings in a row; re-initialising";
            }
        }
        else
        {
            _identicalReads = 0;
        }

        _hasLastRaw = true;
        _lastAdcT = adcT;
        _lastAdcP = adcP;
        _lastAdcH = adcH;
        reading = Bme280Measurement.ToReading(adcT, adcP, adcH, !_isBmp280, _calibration!, _settings, Model);
        return null;
    }

    /// <summary>Polls STATUS until <paramref name="bit"/> clears, a few times at most; <paramref name="stillSet"/> says it never did.</summary>
    private BusResult PollStatus(IRegisterBus device, byte bit, out bool stillSet)
    {
        var polls = 0;
        while (true)
        {
            var result = device.ReadRegisters((byte)Bme280Register.STATUS, _register, 0, 1);
            stillSet = result == BusResult.Ok && (_register[0] & bit) != 0;
            if (!stillSet || ++polls > MaximumStatusPolls)
            {
                return result;
            }

            _wait(PollInterval);
        }
    }

    private void CloseDevice()
    {
        _device?.Dispose();
        _device = null;
    }

    private static string Describe(IRegisterBus device, BusResult result)
    {
        var detail = device.LastFailure;
        if (detail != null)
        {
            return detail;
        }

        switch (result)
        {
            case BusResult.NoAcknowledge:
                return "no acknowledge from the device";
            case BusResult.PartialTransfer:
                return "the device stopped acknowledging mid-transfer";
            case BusResult.ClockStretchTimeout:
                return "the clock line was held low too long";
            default:
                return "I2C transfer failed";
        }
    }

    /// <summary>"0x76": two upper-case hex digits, the same on every runtime and culture.</summary>
    private static string Hex(int value)
    {
        const string Digits = "0123456789ABCDEF";
        return "0x" + Digits[(value >> 4) & 0xF] + Digits[value & 0xF];
    }
}
