// Reference-only stand-in for nanoFramework.Hardware.Esp32 1.6: only the members the ESP32 host
// calls. Checked against nanoframework/nanoFramework.Hardware.Esp32: Configuration.cs
// (SetPinFunction(int pin, DeviceFunction value)) and the DeviceFunction names used in its samples
// (I2C1_DATA, I2C1_CLOCK, I2C2_DATA, I2C2_CLOCK, COM2_TX). The package gives each function a
// native value; the host never uses the numbers. Never shipped, never run.
using NanoFrameworkCheck.StandIns;

namespace nanoFramework.Hardware.Esp32
{
    public static class Configuration
    {
        public static void SetPinFunction(int pin, DeviceFunction value) => throw StandIn.NotForRuntime();
    }

    public enum DeviceFunction
    {
        COM2_TX,
        I2C1_DATA,
        I2C1_CLOCK,
        I2C2_DATA,
        I2C2_CLOCK,
    }
}
