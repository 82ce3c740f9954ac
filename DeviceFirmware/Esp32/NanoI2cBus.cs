using System;
using System.Device.I2c;
using DeviceFirmware.Core.Bme280;
using nanoFramework.Hardware.Esp32;

namespace DeviceFirmware.Esp32;

/// <summary>
/// Opens the core's <see cref="IRegisterBus"/> over nanoFramework's I2C. The pins of the bus are
/// assigned once, through Hardware.Esp32 (an ESP32 routes I2C to any output-capable GPIO), before the
/// first device is created. The BME280 driver itself is the core's — the same register sequencing,
/// compensation, fault and stuck-sensor handling and statuses as on the Pi, tested there against the
/// datasheet and dotnet/iot's binding — rather than nanoFramework.Iot.Device.Bmxx80, whose readings
/// carry no fault status and whose compensation this project does not test.
/// </summary>
internal sealed class NanoI2cBusProvider : IRegisterBusProvider
{
    private readonly int _busId;
    private string? _pinFailure;

    public NanoI2cBusProvider(int busId, int sdaPin, int sclPin)
    {
        _busId = busId;
        try
        {
            Configuration.SetPinFunction(sdaPin, busId == 2 ? DeviceFunction.I2C2_DATA : DeviceFunction.I2C1_DATA);
            Configuration.SetPinFunction(sclPin, busId == 2 ? DeviceFunction.I2C2_CLOCK : DeviceFunction.I2C1_CLOCK);
        }
        catch (Exception ex)
        {
            _pinFailure = "I2C" + busId.ToString() + " pins SDA " + sdaPin.ToString() + " / SCL " + sclPin.ToString() + " cannot be assigned: " + ex.Message;
        }
    }

    public IRegisterBus? Open(int address, out string? failure)
    {
        if (_pinFailure != null)
        {
            failure = _pinFailure;
            return null;
        }

        try
        {
            failure = null;
            return new NanoI2cRegisterBus(I2cDevice.Create(new I2cConnectionSettings(_busId, address)));
        }
        catch (Exception ex)
        {
            failure = "I2C bus " + _busId.ToString() + " cannot be opened: " + ex.Message;
            return null;
        }
    }
}

/// <summary>
/// One I2C device as the core's <see cref="IRegisterBus"/>: nanoFramework's transfers return an
/// <see cref="I2cTransferResult"/> instead of throwing on a NACK, which maps one to one onto
/// <see cref="BusResult"/>. The two small write buffers are reused: a reading allocates nothing here.
/// </summary>
internal sealed class NanoI2cRegisterBus : IRegisterBus
{
    private readonly I2cDevice _device;
    private readonly byte[] _registerWrite = new byte[2];
    private readonly byte[] _registerSelect = new byte[1];

    public NanoI2cRegisterBus(I2cDevice device) => _device = device;

    public string? LastFailure { get; private set; }

    public BusResult WriteRegister(byte register, byte value)
    {
        _registerWrite[0] = register;
        _registerWrite[1] = value;
        try
        {
            return Map(_device.Write(new SpanByte(_registerWrite)), 2);
        }
        catch (Exception ex)
        {
            LastFailure = ex.Message;
            return BusResult.Error;
        }
    }

    public BusResult ReadRegisters(byte register, byte[] buffer, int offset, int count)
    {
        _registerSelect[0] = register;
        try
        {
            return Map(_device.WriteRead(new SpanByte(_registerSelect), new SpanByte(buffer, offset, count)), 1 + count);
        }
        catch (Exception ex)
        {
            LastFailure = ex.Message;
            return BusResult.Error;
        }
    }

    public void Dispose() => _device.Dispose();

    private BusResult Map(I2cTransferResult result, int expectedBytes)
    {
        switch (result.Status)
        {
            case I2cTransferStatus.FullTransfer:
                LastFailure = null;
                return BusResult.Ok;
            case I2cTransferStatus.SlaveAddressNotAcknowledged:
                return BusResult.NoAcknowledge;
            case I2cTransferStatus.PartialTransfer:
                LastFailure = result.BytesTransferred.ToString() + " of " + expectedBytes.ToString() + " bytes transferred";
                return BusResult.PartialTransfer;
            case I2cTransferStatus.ClockStretchTimeout:
                return BusResult.ClockStretchTimeout;
            default:
                LastFailure = "I2C transfer failed (unknown error)";
                return BusResult.Error;
        }
    }
}
