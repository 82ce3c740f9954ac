using System.Net;
using System.Net.Sockets;

namespace DeviceFirmware.Tests.Support;

internal static class FreePort
{
    /// <summary>
    /// A port the OS just handed out for port 0. MQTTnet's server does not report the port it bound,
    /// so tests ask the OS for a free one and bind it right after (a restart test needs a fixed port anyway).
    /// </summary>
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
