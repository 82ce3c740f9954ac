using System.Net.Sockets;
using System.Text;

namespace LocalIotCore.Tests.Support;

/// <summary>MQTT 3.1.1 packets as bytes, for what a well-behaved client library will not send.</summary>
internal static class RawMqtt
{
    public static byte[] Connect(string clientId, ushort keepAliveSeconds = 30)
    {
        var body = new List<byte> { 0x00, 0x04, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', 0x04, 0x02, (byte)(keepAliveSeconds >> 8), (byte)keepAliveSeconds };
        body.AddRange(String(Encoding.UTF8.GetBytes(clientId)));
        return Packet(0x10, body);
    }

    /// <summary>A QoS 0 PUBLISH whose topic is these exact bytes.</summary>
    public static byte[] Publish(byte[] topic, byte[] payload)
    {
        var body = new List<byte>(String(topic));
        body.AddRange(payload);
        return Packet(0x30, body);
    }

    /// <summary>A SUBSCRIBE (packet id 1) of one filter with these exact bytes, QoS 1.</summary>
    public static byte[] Subscribe(byte[] filter)
    {
        var body = new List<byte> { 0x00, 0x01 };
        body.AddRange(String(filter));
        body.Add(0x01);
        return Packet(0x82, body);
    }

    /// <summary>Connects to the plain port and completes CONNECT/CONNACK.</summary>
    public static async Task<TcpClient> ConnectedAsync(int port, string clientId)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Connect(clientId));
        var connack = new byte[4];
        await stream.ReadExactlyAsync(connack);
        if (connack[0] != 0x20 || connack[3] != 0)
        {
            throw new InvalidOperationException("CONNECT refused: " + Convert.ToHexString(connack));
        }

        return tcp;
    }

    /// <summary>Reads until the broker closes the connection (true) or <paramref name="within"/> passes (false); what is read is dropped.</summary>
    public static async Task<bool> ClosedByBrokerAsync(Stream stream, TimeSpan? within = null)
    {
        using var timeout = new CancellationTokenSource(within ?? TestClient.Patience);
        var buffer = new byte[4096];
        try
        {
            while (await stream.ReadAsync(buffer, timeout.Token) > 0)
            {
            }

            return true;
        }
        catch (IOException)
        {
            return true; // reset
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static byte[] Packet(byte header, List<byte> body)
    {
        var packet = new List<byte> { header };
        var length = body.Count;
        do
        {
            var digit = (byte)(length % 128);
            length /= 128;
            packet.Add(length > 0 ? (byte)(digit | 0x80) : digit);
        }
        while (length > 0);
        packet.AddRange(body);
        return [.. packet];
    }

    private static byte[] String(byte[] bytes) => [(byte)(bytes.Length >> 8), (byte)bytes.Length, .. bytes];
}
