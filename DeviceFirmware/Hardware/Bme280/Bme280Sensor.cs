using System.Device.I2c;
using DeviceFirmware.Core.Bme280;
using DeviceFirmware.Core.Sensors;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DeviceFirmware.Hardware.Bme280;

/// <summary>
/// The Pi host's BME280: the portable <see cref="Bme280Driver"/> (sequencing, faults, backoff, stuck
/// detection) over <see cref="I2cDevice"/> from System.Device.I2c, with the time read from the injected
/// <see cref="TimeProvider"/>, waits on that clock and the driver's messages in the host's log.
/// </summary>
public sealed class Bme280Sensor : IEnvironmentSensor, IDisposable
{
    private readonly Bme280Driver _driver;
    private readonly TimeProvider _time;

    /// <param name="openDevice">Opens the device at an I2C address (e.g. <c>a =&gt; I2cDevice.Create(new I2cConnectionSettings(1, a))</c>).</param>
    /// <param name="wait">Blocks for a duration; by default a wait on <paramref name="time"/>. Tests pass one that advances a fake clock.</param>
    public Bme280Sensor(Func<int, I2cDevice> openDevice, Bme280Options options, TimeProvider time, ILogger? log = null, Action<TimeSpan>? wait = null)
    {
        ArgumentNullException.ThrowIfNull(openDevice);
        ArgumentNullException.ThrowIfNull(options);
        _time = time ?? throw new ArgumentNullException(nameof(time));
        var blockingWait = wait is null ? new BlockingWait(d => Task.Delay(d, _time).Wait()) : new BlockingWait(wait);
        _driver = new Bme280Driver(new I2cRegisterBusProvider(openDevice, options.BusId), options.ToSettings(), blockingWait, new LoggerBme280Log(log ?? NullLogger.Instance));
    }

    public string Model => _driver.Model;

    public SensorReading Read() => _driver.Read(_time.GetUtcNow().UtcDateTime);

    public void Dispose() => _driver.Dispose();

    private sealed class LoggerBme280Log(ILogger log) : IBme280Log
    {
        public void Found(string model, string address, int busId) =>
            log.LogInformation("Sensor {Model} found at {Address} on I2C bus {Bus}.", model, address, busId);

        public void Faulted(string model, string status, double reprobeSeconds) =>
            log.LogWarning("Sensor {Model}: {Status}; probing again in {Seconds} s.", model, status, reprobeSeconds);
    }
}
