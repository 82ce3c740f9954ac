// Reference-only stand-in for nanoFramework.System.IO.Ports 1.1: only the members the ESP32 host
// calls. Checked against nanoframework/System.IO.Ports: System.IO.Ports/SerialPort.cs
// (SerialPort(string portName, int baudRate, ...) with the port named "COMn", Open, WriteTimeout,
// WriteLine(string), Dispose). Never shipped, never run.
using NanoFrameworkCheck.StandIns;

namespace System.IO.Ports
{
    public sealed class SerialPort : IDisposable
    {
        public SerialPort(string portName, int baudRate)
        {
            throw StandIn.NotForRuntime();
        }

        public int WriteTimeout
        {
            get => throw StandIn.NotForRuntime();
            set => throw StandIn.NotForRuntime();
        }

        public void Open() => throw StandIn.NotForRuntime();

        public void WriteLine(string text) => throw StandIn.NotForRuntime();

        public void Dispose() => throw StandIn.NotForRuntime();
    }
}
