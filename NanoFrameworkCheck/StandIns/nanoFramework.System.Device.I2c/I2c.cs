// Reference-only stand-in for nanoFramework.System.Device.I2c 1.1 (the line that matches
// CoreLibrary 1.17: transfers take mscorlib's SpanByte; the 2.0 previews take Span<byte>): only the
// members the ESP32 host calls. Checked against nanoframework/System.Device.I2c:
// System.Device.I2c/I2cDevice.cs (Create, Write, WriteRead, Dispose), I2cConnectionSettings.cs
// (busId, deviceAddress), I2cTransferResult.cs, I2cTransferStatus.cs (names and order).
// Never shipped, never run.
using NanoFrameworkCheck.StandIns;

namespace System.Device.I2c
{
    public class I2cDevice : IDisposable
    {
        private I2cDevice()
        {
        }

        public static I2cDevice Create(I2cConnectionSettings settings) => throw StandIn.NotForRuntime();

        public I2cTransferResult Write(SpanByte buffer) => throw StandIn.NotForRuntime();

        public I2cTransferResult WriteRead(SpanByte writeBuffer, SpanByte readBuffer) => throw StandIn.NotForRuntime();

        public void Dispose() => throw StandIn.NotForRuntime();
    }

    public sealed class I2cConnectionSettings
    {
        public I2cConnectionSettings(int busId, int deviceAddress)
        {
            throw StandIn.NotForRuntime();
        }
    }

    public struct I2cTransferResult
    {
        public uint BytesTransferred => throw StandIn.NotForRuntime();

        public I2cTransferStatus Status => throw StandIn.NotForRuntime();
    }

    public enum I2cTransferStatus
    {
        UnknownError,
        FullTransfer,
        ClockStretchTimeout,
        PartialTransfer,
        SlaveAddressNotAcknowledged,
    }
}
