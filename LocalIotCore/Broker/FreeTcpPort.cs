using System.Net;
using System.Net.Sockets;

namespace LocalIotCore.Broker;

public static class FreeTcpPort
{
    /// <summary>
    /// A port the OS just handed out for port 0. MQTTnet's server does not report the port it bound,
    /// so "port 0" means: ask the OS for a free one, then bind it.
    /// </summary>
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
