// Reference-only stand-in for nanoFramework.System.Device.Gpio 1.1: only the members the ESP32 host
// calls. Checked against nanoframework/System.Device.Gpio: System.Device.Gpio/GpioController.cs
// (GpioController(), OpenPin(int)), GpioPin.cs (Write, SetPinMode, Dispose; Write on a pin that is
// still an input latches the level that is driven once the pin becomes an output), PinMode.cs,
// PinValue.cs. Never shipped, never run.
using NanoFrameworkCheck.StandIns;

namespace System.Device.Gpio
{
    public sealed class GpioController : IDisposable
    {
        public GpioController()
        {
            throw StandIn.NotForRuntime();
        }

        public GpioPin OpenPin(int pinNumber) => throw StandIn.NotForRuntime();

        public void Dispose() => throw StandIn.NotForRuntime();
    }

    public sealed class GpioPin : IDisposable
    {
        private GpioPin()
        {
        }

        public void SetPinMode(PinMode value) => throw StandIn.NotForRuntime();

        public void Write(PinValue value) => throw StandIn.NotForRuntime();

        public void Dispose() => throw StandIn.NotForRuntime();
    }

    public enum PinMode
    {
        Input,
        InputPullDown,
        InputPullUp,
        Output,
        OutputOpenDrain,
        OutputOpenDrainPullUp,
        OutputOpenSource,
        OutputOpenSourcePullDown,
    }

    public readonly struct PinValue
    {
        public static PinValue High => throw StandIn.NotForRuntime();

        public static PinValue Low => throw StandIn.NotForRuntime();
    }
}
