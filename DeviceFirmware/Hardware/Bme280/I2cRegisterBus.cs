using System.Device.I2c;
using DeviceFirmware.Core.Bme280;

namespace DeviceFirmware.Hardware.Bme280;

/// <summary>
/// The portable driver's <see cref="IRegisterBus"/> over System.Device.I2c's <see cref="I2cDevice"/>
/// (a Linux /dev/i2c-N device on the Pi, or <see cref="Simulation.SimulatedBme280"/>). Linux reports a
/// missing device and a glitch alike as an <see cref="IOException"/> ("Error 6 ..." / "Error 121 ...");
/// its text is kept in <see cref="LastFailure"/> so the status says what the kernel said.
/// </summary>
public sealed class I2cRegisterBus(I2cDevice device) : IRegisterBus
{
    private readonly I2cDevice _device = device ?? throw new ArgumentNullException(nameof(device));

    public string? LastFailure { get; private set; }

    public BusResult WriteRegister(byte register, byte value)
    {
        try
        {
            _device.Write([register, value]);
            return Succeeded();
        }
        catch (Exception ex) when (IsBusFault(ex))
        {
            return Failed(ex);
        }
    }

    public BusResult ReadRegisters(byte register, byte[] buffer, int offset, int count)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        try
        {
            _device.WriteRead([register], buffer.AsSpan(offset, count));
            return Succeeded();
        }
        catch (Exception ex) when (IsBusFault(ex))
        {
            return Failed(ex);
        }
    }

    public void Dispose() => _device.Dispose();

    private static bool IsBusFault(Exception ex) => ex is IOException or InvalidOperationException or UnauthorizedAccessException;

    private BusResult Succeeded()
    {
        LastFailure = null;
        return BusResult.Ok;
    }

    private BusResult Failed(Exception ex)
    {
        LastFailure = ex.Message;
        return BusResult.Error;
    }
}

/// <summary>Opens an <see cref="I2cRegisterBus"/> per address through a factory (a real bus or a simulated chip).</summary>
public sealed class I2cRegisterBusProvider(Func<int, I2cDevice> openDevice, int busId) : IRegisterBusProvider
{
    private readonly Func<int, I2cDevice> _openDevice = openDevice ?? throw new ArgumentNullException(nameof(openDevice));

    public IRegisterBus? Open(int address, out string? failure)
    {
        try
        {
            failure = null;
            return new I2cRegisterBus(_openDevice(address));
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or UnauthorizedAccessException or PlatformNotSupportedException or InvalidOperationException)
        {
            failure = "I2C bus " + busId + " cannot be opened (" + ex.Message + "); is I2C enabled (raspi-config) and the user in group i2c?";
            return null;
        }
    }
}
