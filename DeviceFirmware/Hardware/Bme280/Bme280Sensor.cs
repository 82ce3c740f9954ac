using System.Device.I2c;
using System.Globalization;
using DeviceFirmware.Core.Sensors;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DeviceFirmware.Hardware.Bme280;

/// <summary>
/// Bosch BME280 (and BMP280) driver on <see cref="I2cDevice"/> from System.Device.Gpio. Written
/// here because no .NET BME280 package is in our NuGet copy (dotnet/iot's Iot.Device.Bindings is
/// not), following the datasheet (BST-BME280-DS002) and Bosch's reference driver.
/// A forced measurement on every read (drivers that used normal mode were seen to return frozen
/// values). Never throws from <see cref="Read"/>: faults become a "missing" or "error" reading and
/// the chip is probed again with a growing backoff. Waits go through the injected clock.
/// No I/O in the constructor: the first <see cref="Read"/> probes.
/// </summary>
public sealed class Bme280Sensor : IEnvironmentSensor, IDisposable
{
    /// <summary>Polls of the status register after the datasheet's maximum time, before giving up.</summary>
    private const int MaximumStatusPolls = 10;

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(1);

    private readonly Func<int, I2cDevice> _openDevice;
    private readonly Bme280Options _options;
    private readonly TimeProvider _time;
    private readonly Action<TimeSpan> _wait;
    private readonly ILogger _log;
    private I2cDevice? _device;
    private Bme280Calibration? _calibration;
    private bool _isBmp280;
    private DateTimeOffset _nextProbeAt = DateTimeOffset.MinValue;
    private TimeSpan _reprobeDelay;
    private SensorReading? _lastFault;
    private (int T, int P, int H)? _lastRaw;
    private int _identicalReads;

    /// <param name="openDevice">Opens the device at an I2C address (e.g. <c>a =&gt; I2cDevice.Create(new I2cConnectionSettings(1, a))</c>).</param>
    /// <param name="wait">Blocks for a duration; by default a wait on <paramref name="time"/>. Tests pass one that advances a fake clock.</param>
    public Bme280Sensor(Func<int, I2cDevice> openDevice, Bme280Options options, TimeProvider time, ILogger? log = null, Action<TimeSpan>? wait = null)
    {
        _openDevice = openDevice ?? throw new ArgumentNullException(nameof(openDevice));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _log = log ?? NullLogger.Instance;
        _wait = wait ?? (d => Task.Delay(d, _time).Wait());
        _reprobeDelay = TimeSpan.FromSeconds(options.ReprobeMinimumSeconds);
    }

    public string Model => _isBmp280 ? "BMP280" : "BME280";

    public SensorReading Read()
    {
        var now = _time.GetUtcNow();
        if (_calibration is null)
        {
            if (now < _nextProbeAt && _lastFault is not null)
            {
                return _lastFault;
            }

            var fault = TryInitialize();
            if (fault is not null)
            {
                return Fail(fault, now);
            }
        }

        try
        {
            return Measure();
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or UnauthorizedAccessException or MeasurementStuckException)
        {
            return Fail(SensorReading.Failed(ex is MeasurementStuckException ? ex.Message : "read failed: " + ex.Message).WithModel(Model), now);
        }
    }

    public void Dispose()
    {
        _device?.Dispose();
        _device = null;
    }

    private SensorReading Fail(SensorReading fault, DateTimeOffset now)
    {
        // Start over from the probe, after a backoff that grows while the fault lasts.
        _device?.Dispose();
        _device = null;
        _calibration = null;
        _lastRaw = null;
        _identicalReads = 0;
        if (_lastFault?.Status != fault.Status)
        {
            _log.LogWarning("Sensor {Model}: {Status}; probing again in {Seconds} s.", Model, fault.Status, _reprobeDelay.TotalSeconds);
        }

        _lastFault = fault;
        _nextProbeAt = now + _reprobeDelay;
        var doubled = _reprobeDelay + _reprobeDelay;
        var maximum = TimeSpan.FromSeconds(_options.ReprobeMaximumSeconds);
        _reprobeDelay = doubled > maximum ? maximum : doubled;
        return fault;
    }

    /// <returns>Null on success, else the fault reading.</returns>
    private SensorReading? TryInitialize()
    {
        var addresses = _options.Addresses();
        var tried = new List<string>();
        foreach (var address in addresses)
        {
            var hex = "0x" + address.ToString("X2", CultureInfo.InvariantCulture);
            I2cDevice device;
            try
            {
                device = _openDevice(address);
            }
            catch (Exception ex) when (ex is IOException or ArgumentException or UnauthorizedAccessException or PlatformNotSupportedException or InvalidOperationException)
            {
                return SensorReading.Missing("I2C bus " + _options.BusId + " cannot be opened (" + ex.Message + "); is I2C enabled (raspi-config) and the user in group i2c?");
            }

            byte id;
            try
            {
                id = ReadRegister(device, Bme280Register.CHIP_ID);
            }
            catch (IOException)
            {
                device.Dispose();
                tried.Add(hex);
                continue;
            }

            if (id is not (Bme280Constants.ChipIdBme280 or Bme280Constants.ChipIdBmp280))
            {
                device.Dispose();
                return SensorReading.Failed("unexpected chip id 0x" + id.ToString("X2", CultureInfo.InvariantCulture) + " at " + hex +
                    " (a BME280 says 0x60, a BMP280 0x58)");
            }

            try
            {
                Initialize(device, id == Bme280Constants.ChipIdBmp280);
            }
            catch (Exception ex) when (ex is IOException or InvalidOperationException or MeasurementStuckException)
            {
                device.Dispose();
                return SensorReading.Failed("initialisation at " + hex + " failed: " + ex.Message);
            }

            _device = device;
            _reprobeDelay = TimeSpan.FromSeconds(_options.ReprobeMinimumSeconds);
            _lastFault = null;
            _log.LogInformation("Sensor {Model} found at {Address} on I2C bus {Bus}.", Model, hex, _options.BusId);
            return null;
        }

        return SensorReading.Missing("no device answers at " + string.Join(" or ", tried) + " on I2C bus " + _options.BusId);
    }

    private void Initialize(I2cDevice device, bool isBmp280)
    {
        _isBmp280 = isBmp280;
        Span<byte> reset = [(byte)Bme280Register.RESET, Bme280Constants.ResetCommand];
        device.Write(reset);
        // After a reset the chip copies its NVM into the image registers (status.im_update).
        _wait(TimeSpan.FromMilliseconds(2));
        var polls = 0;
        while ((ReadRegister(device, Bme280Register.STATUS) & Bme280Constants.StatusImUpdate) != 0)
        {
            if (++polls > MaximumStatusPolls)
            {
                throw new MeasurementStuckException("the NVM copy after reset did not finish (im_update stuck)");
            }

            _wait(PollInterval);
        }

        Span<byte> tp = stackalloc byte[isBmp280 ? Bme280Constants.Bmp280CalibrationLength : Bme280Constants.TemperaturePressureCalibrationLength];
        device.WriteRead([(byte)Bme280Register.CALIB00], tp);
        Span<byte> h = stackalloc byte[isBmp280 ? 0 : Bme280Constants.HumidityCalibrationLength];
        if (!isBmp280)
        {
            device.WriteRead([(byte)Bme280Register.CALIB26], h);
        }

        _calibration = Bme280Calibration.Parse(tp, h);
        // config is written in sleep mode (after the reset), where the chip does not ignore it (5.4.6).
        Span<byte> config = [(byte)Bme280Register.CONFIG, (byte)((_options.StandbyCode << 5) | ((int)_options.Filter << 2))];
        device.Write(config);
    }

    private SensorReading Measure()
    {
        var device = _device!;
        var calibration = _calibration!;
        var humidity = _isBmp280 ? Bme280Oversampling.Skipped : _options.HumidityOversampling;
        if (!_isBmp280)
        {
            // ctrl_hum only takes effect after a write to ctrl_meas (datasheet 5.4.3): write it first.
            Span<byte> ctrlHum = [(byte)Bme280Register.CTRL_HUM, (byte)humidity];
            device.Write(ctrlHum);
        }

        Span<byte> ctrlMeas = [(byte)Bme280Register.CTRL_MEAS, (byte)(((int)_options.TemperatureOversampling << 5) | ((int)_options.PressureOversampling << 2) | Bme280Constants.ModeForced)];
        device.Write(ctrlMeas);
        _wait(Bme280Compensation.MaximumMeasurementTime(_options.TemperatureOversampling, _options.PressureOversampling, humidity));
        var polls = 0;
        while ((ReadRegister(device, Bme280Register.STATUS) & Bme280Constants.StatusMeasuring) != 0)
        {
            if (++polls > MaximumStatusPolls)
            {
                throw new MeasurementStuckException("the measuring bit stayed set past the datasheet's maximum measurement time");
            }

            _wait(PollInterval);
        }

        Span<byte> data = stackalloc byte[_isBmp280 ? Bme280Constants.Bmp280DataLength : Bme280Constants.DataLength];
        device.WriteRead([(byte)Bme280Register.PRESS_MSB], data);
        var adcP = (data[0] << 12) | (data[1] << 4) | (data[2] >> 4);
        var adcT = (data[3] << 12) | (data[4] << 4) | (data[5] >> 4);
        var adcH = _isBmp280 ? Bme280Constants.SkippedHumidity : (data[6] << 8) | data[7];

        if (_lastRaw == (adcT, adcP, adcH))
        {
            if (++_identicalReads >= _options.StuckReadCount - 1)
            {
                throw new MeasurementStuckException("stuck: " + _options.StuckReadCount + " identical raw readings in a row; re-initialising");
            }
        }
        else
        {
            _identicalReads = 0;
        }

        _lastRaw = (adcT, adcP, adcH);
        return Compensate(adcT, adcP, adcH, calibration);
    }

    private SensorReading Compensate(int adcT, int adcP, int adcH, Bme280Calibration calibration)
    {
        var flags = new List<string>();
        if (adcT == Bme280Constants.SkippedTemperaturePressure)
        {
            // Without temperature there is no t_fine, so pressure and humidity cannot be compensated either.
            return new SensorReading(SensorHealth.Ok, "temperature skipped", double.NaN, double.NaN, double.NaN).WithModel(Model);
        }

        var (centidegrees, tFine) = Bme280Compensation.Temperature(adcT, calibration);
        double? temperature = Clamp(centidegrees / 100.0, -40, 85, "temperature", flags);
        double? pressure = null;
        if (adcP != Bme280Constants.SkippedTemperaturePressure)
        {
            if (Bme280Compensation.Pressure(adcP, tFine, calibration) is uint q248)
            {
                pressure = Clamp(q248 / 256.0 / 100.0, 300, 1100, "pressure", flags);
            }
            else
            {
                flags.Add("pressure not computable (calibration gives a division by zero)");
            }
        }

        double? humidity = null;
        if (adcH != Bme280Constants.SkippedHumidity && !_isBmp280)
        {
            humidity = Bme280Compensation.Humidity(adcH, tFine, calibration) / 1024.0;
        }

        if (_options.TemperatureOffsetCelsius != 0 && temperature is double measured)
        {
            var corrected = measured + _options.TemperatureOffsetCelsius;
            if (humidity is double rh)
            {
                humidity = Atmosphere.RelativeHumidityAt(rh, measured, corrected);
            }

            temperature = corrected;
        }

        if (pressure is double p && _options.PressureOffsetHectopascals != 0)
        {
            pressure = p + _options.PressureOffsetHectopascals;
        }

        double? dewPoint = temperature is double t && humidity is double h ? Atmosphere.DewPoint(t, h) : null;
        double? seaLevel = pressure is double station && _options.AltitudeMeters is double altitude ? Atmosphere.SeaLevelPressure(station, altitude) : null;
        return new SensorReading(SensorHealth.Ok, flags.Count == 0 ? null : string.Join("; ", flags), temperature ?? double.NaN, humidity ?? double.NaN, pressure ?? double.NaN, dewPoint ?? double.NaN, seaLevel ?? double.NaN).WithModel(Model);
    }

    private static double Clamp(double value, double minimum, double maximum, string name, List<string> flags)
    {
        // Bosch's reference driver clamps to the chip's operating range; say so when it happens.
        if (value < minimum || value > maximum)
        {
            flags.Add(name + " outside the chip's range, clamped");
            return Math.Clamp(value, minimum, maximum);
        }

        return value;
    }

    private static byte ReadRegister(I2cDevice device, Bme280Register register)
    {
        Span<byte> value = stackalloc byte[1];
        device.WriteRead([(byte)register], value);
        return value[0];
    }

    private sealed class MeasurementStuckException(string message) : Exception(message);
}
