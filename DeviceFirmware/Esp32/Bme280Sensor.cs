using System;
using System.Threading;
using DeviceFirmware.Core.Bme280;
using DeviceFirmware.Core.Sensors;

namespace DeviceFirmware.Esp32;

/// <summary>
/// The BME280 as the ESP32 host uses it: the core's <see cref="Bme280Driver"/> over
/// <see cref="NanoI2cBusProvider"/>, waiting with <see cref="Thread.Sleep(TimeSpan)"/> between trigger
/// and read (a forced measurement takes under 10 ms at the default oversampling), its messages in the
/// serial log with the Pi's wording. A read happens on the host's loop, one at a time.
/// </summary>
internal sealed class Bme280Sensor : IBme280Log, IDisposable
{
    private readonly Bme280Driver _driver;
    private readonly SerialLog _log;

    public Bme280Sensor(Esp32Settings settings, SerialLog log)
    {
        _log = log;
        var driverSettings = new Bme280Settings
        {
            BusId = settings.I2cBusId,
            Addresses = new int[] { settings.Bme280Address },
        };
        _driver = new Bme280Driver(new NanoI2cBusProvider(settings.I2cBusId, settings.SdaPin, settings.SclPin), driverSettings, new BlockingWait(Thread.Sleep), this);
    }

    public string Model => _driver.Model;

    /// <summary>One reading; a driver bug becomes an error reading, as on the Pi, never an exception.</summary>
    public SensorReading Read(DateTime nowUtc)
    {
        try
        {
            return _driver.Read(nowUtc);
        }
        catch (Exception ex)
        {
            return SensorReading.Failed(ex.GetType().Name + ": " + ex.Message);
        }
    }

    public void Found(string model, string address, int busId) =>
        _log.Info(SerialLog.SensorCategory, "Sensor " + model + " found at " + address + " on I2C bus " + busId.ToString() + ".");

    public void Faulted(string model, string status, double reprobeSeconds) =>
        _log.Warn(SerialLog.SensorCategory, "Sensor " + model + ": " + status + "; probing again in " + ((long)(reprobeSeconds + 0.5)).ToString() + " s.");

    public void Dispose() => _driver.Dispose();
}
