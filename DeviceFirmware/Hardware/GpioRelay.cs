using System.Device.Gpio;

namespace DeviceFirmware.Hardware;

/// <summary>
/// The motor relay on a Raspberry Pi GPIO pin (System.Device.Gpio, BCM numbering). The pin is
/// opened and driven to the OFF level in the constructor — the first thing the firmware does at
/// start-up — so a relay never follows a floating input.
/// </summary>
public sealed class GpioRelay : IRelay, IDisposable
{
    private readonly GpioController _controller;
    private readonly int _pin;
    private readonly bool _activeLow;

    public GpioRelay(int pin, bool activeLow, GpioController? controller = null)
    {
        _pin = pin;
        _activeLow = activeLow;
        _controller = controller ?? new GpioController();
        // Write the level before switching to output, so the pin never shows the wrong level for a moment.
        _controller.OpenPin(_pin);
        _controller.Write(_pin, LevelFor(false, _activeLow));
        _controller.SetPinMode(_pin, PinMode.Output);
        _controller.Write(_pin, LevelFor(false, _activeLow));
    }

    public bool IsOn { get; private set; }

    public void Set(bool on)
    {
        _controller.Write(_pin, LevelFor(on, _activeLow));
        IsOn = on;
    }

    /// <summary>The pin level that means <paramref name="on"/> for an active-high or active-low relay board.</summary>
    public static PinValue LevelFor(bool on, bool activeLow) => on != activeLow ? PinValue.High : PinValue.Low;

    public void Dispose()
    {
        // Leave the relay off when the firmware lets go of the pin.
        _controller.Write(_pin, LevelFor(false, _activeLow));
        IsOn = false;
        _controller.Dispose();
    }
}
