using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace LocalIotCore.Broker;

public static class FreeTcpPort
{
    // Ports this process has handed out. The OS may hand a port released a moment ago to the next
    // caller for port 0; two rigs or servers starting in parallel in one process would then be given
    // the same port before either binds it. Never handing one out twice closes that window.
    private static readonly ConcurrentDictionary<int, byte> HandedOut = new();

    /// <summary>
    /// A port the OS just handed out for port 0, and that this process has not handed out before.
    /// MQTTnet's server does not report the port it bound, so "port 0" means: ask the OS for a free
    /// one, then bind it.
    /// </summary>
    public static int Next()
    {
        while (true)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            if (HandedOut.TryAdd(port, 0))
            {
                return port;
            }
        }
    }
}
