using System;

namespace DeviceFirmware.Core.Bme280;

/// <summary>Blocks the calling thread for a duration: the host's wait (a wait on the Pi's clock,
/// Thread.Sleep on the ESP32, a fake clock's advance in tests). The driver never reads a clock itself.</summary>
public delegate void BlockingWait(TimeSpan duration);

/// <summary>What the driver tells the host's log; each host writes it its own way.</summary>
public interface IBme280Log
{
    /// <summary>A chip answered and was initialised ("Sensor {model} found at {address} on I2C bus {busId}.").</summary>
    void Found(string model, string address, int busId);

    /// <summary>A new fault ("Sensor {model}: {status}; probing again in {seconds} s."); repeats of the same status are not reported.</summary>
    void Faulted(string model, string status, double reprobeSeconds);
}
