using System;
using System.Diagnostics;
using System.IO.Ports;
using DeviceFirmware.Core.Agent;
using nanoFramework.Hardware.Esp32;

namespace DeviceFirmware.Esp32;

/// <summary>
/// The serial monitor: one line per message, <c>level: Category[0] message</c>, the shape of the Pi
/// build's console lines so the same messages read (and grep) the same. Every line goes to
/// <see cref="Debug.WriteLine(string)"/> (Visual Studio's or VS Code's output window while a debugger
/// is attached) and, when a TX pin is configured, to UART COM2 at 115200 baud 8N1 for any serial
/// monitor: UART0 (the USB port) carries nanoFramework's debugger wire protocol, not plain text.
/// Debug lines only with <c>Logging:Verbose</c>. Thread-safe: the loop, the link worker and M2Mqtt's
/// threads all write.
/// </summary>
internal sealed class SerialLog
{
    public const int BaudRate = 115200;

    public const string AgentCategory = "DeviceFirmware.Agent";
    public const string HostCategory = "DeviceFirmware.Host";
    public const string MqttCategory = "DeviceFirmware.Mqtt";
    public const string NetworkCategory = "DeviceFirmware.Network";
    public const string SensorCategory = "DeviceFirmware.Sensor";

    /// <summary>A stuck UART must not stall the device: a line that cannot leave in this time is dropped.</summary>
    private const int WriteTimeoutMilliseconds = 500;

    private readonly object _gate = new object();
    private SerialPort? _port;

    public SerialLog(int txPin, bool verbose)
    {
        Verbose = verbose;
        if (txPin < 0)
        {
            return;
        }

        try
        {
            Configuration.SetPinFunction(txPin, DeviceFunction.COM2_TX);
            var port = new SerialPort("COM2", BaudRate);
            port.WriteTimeout = WriteTimeoutMilliseconds;
            port.Open();
            _port = port;
        }
        catch (Exception ex)
        {
            Debug.WriteLine("warn: " + HostCategory + "[0] The serial log on GPIO " + txPin.ToString() + " (COM2) cannot be opened: " + ex.Message);
        }
    }

    public bool Verbose { get; }

    public bool IsEnabled(AgentLogLevel level) => level != AgentLogLevel.Debug || Verbose;

    public void Write(AgentLogLevel level, string category, string message)
    {
        if (!IsEnabled(level))
        {
            return;
        }

        string line = Prefix(level) + category + "[0] " + message;
        lock (_gate)
        {
            Debug.WriteLine(line);
            if (_port == null)
            {
                return;
            }

            try
            {
                _port.WriteLine(line);
            }
            catch (Exception)
            {
                // A UART that refuses one line is not worth stopping the device for; the line is lost.
            }
        }
    }

    public void Info(string category, string message) => Write(AgentLogLevel.Information, category, message);

    public void Warn(string category, string message) => Write(AgentLogLevel.Warning, category, message);

    public void Error(string category, string message) => Write(AgentLogLevel.Error, category, message);

    public void Detail(string category, string message) => Write(AgentLogLevel.Debug, category, message);

    /// <summary>The level names of Microsoft.Extensions.Logging's simple console, as the Pi prints them.</summary>
    private static string Prefix(AgentLogLevel level)
    {
        switch (level)
        {
            case AgentLogLevel.Debug:
                return "dbug: ";
            case AgentLogLevel.Warning:
                return "warn: ";
            case AgentLogLevel.Error:
                return "fail: ";
            default:
                return "info: ";
        }
    }
}
