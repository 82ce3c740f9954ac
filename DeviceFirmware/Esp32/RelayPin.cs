using System;
using System.Device.Gpio;

namespace DeviceFirmware.Esp32;

/// <summary>
/// The relay's GPIO. The constructor drives the off level before the pin becomes an output:
/// nanoFramework's <see cref="GpioPin.Write"/> on a pin that is still an input latches the level that
/// is driven the moment the pin is switched to output, so an active-low relay module never sees a low
/// pulse at boot. Between reset and this constructor (about a second of bootloader and nanoCLR start)
/// the pin floats: the relay driver needs a resistor to its off level (docs/esp32.md, wiring).
/// The core decides when to switch; this class only drives the pin.
/// </summary>
internal sealed class RelayPin : IDisposable
{
    private readonly GpioPin _pin;
    private readonly bool _activeLow;

    public RelayPin(GpioController gpio, int pinNumber, bool activeLow)
    {
        _activeLow = activeLow;
        PinNumber = pinNumber;
        _pin = gpio.OpenPin(pinNumber);
        _pin.Write(Level(false));
        _pin.SetPinMode(PinMode.Output);
        _pin.Write(Level(false));
    }

    public int PinNumber { get; }

    public bool ActiveLow => _activeLow;

    /// <summary>"low" or "high": the level that keeps the motor off, for the boot log.</summary>
    public string OffLevelName => _activeLow ? "high" : "low";

    /// <summary>Drives the relay; throws what the GPIO driver throws (the host turns it into RelaySwitchFailed).</summary>
    public void Set(bool on) => _pin.Write(Level(on));

    public void Dispose()
    {
        _pin.Write(Level(false));
        _pin.Dispose();
    }

    private PinValue Level(bool on) => on != _activeLow ? PinValue.High : PinValue.Low;
}
