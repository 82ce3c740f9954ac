using System.Net;
using System.Security.Cryptography.X509Certificates;
using MQTTnet;
using MQTTnet.Adapter;
using MQTTnet.Diagnostics.Logger;
using MQTTnet.Formatter;
using MQTTnet.Implementations;
using MQTTnet.Packets;

namespace DeviceFirmware.Mqtt;

/// <summary>
/// Lets <see cref="KeepAlivePinger"/> own the keep-alive: MQTTnet is given keep-alive 0 (so its
/// 250 ms keep-alive loop never starts), and this factory's adapters write the real keep-alive into
/// the CONNECT packet on its way out (the broker drops a client silent for 1.5 x the keep-alive it
/// announced, and AWS raises 0 to 30 s anyway) and report every packet sent to the pinger.
/// </summary>
internal sealed class KeepAliveAdapterFactory(ushort keepAliveSeconds, Action packetSent) : IMqttClientAdapterFactory
{
    private readonly MqttClientAdapterFactory _inner = new();

    public IMqttChannelAdapter CreateClientAdapter(MqttClientOptions options, MqttPacketInspector packetInspector, IMqttNetLogger logger) =>
        new KeepAliveChannelAdapter(_inner.CreateClientAdapter(options, packetInspector, logger), keepAliveSeconds, packetSent);
}

internal sealed class KeepAliveChannelAdapter(IMqttChannelAdapter inner, ushort keepAliveSeconds, Action packetSent) : IMqttChannelAdapter
{
    public long BytesReceived => inner.BytesReceived;

    public long BytesSent => inner.BytesSent;

    public X509Certificate2 ClientCertificate => inner.ClientCertificate;

    public EndPoint RemoteEndPoint => inner.RemoteEndPoint;

    public EndPoint LocalEndPoint => inner.LocalEndPoint;

    public bool IsSecureConnection => inner.IsSecureConnection;

    public MqttPacketFormatterAdapter PacketFormatterAdapter => inner.PacketFormatterAdapter;

    public Task ConnectAsync(CancellationToken cancellationToken) => inner.ConnectAsync(cancellationToken);

    public Task DisconnectAsync(CancellationToken cancellationToken) => inner.DisconnectAsync(cancellationToken);

    public Task<MqttPacket> ReceivePacketAsync(CancellationToken cancellationToken) => inner.ReceivePacketAsync(cancellationToken);

    public void ResetStatistics() => inner.ResetStatistics();

    public async Task SendPacketAsync(MqttPacket packet, CancellationToken cancellationToken)
    {
        if (packet is MqttConnectPacket connect)
        {
            connect.KeepAlivePeriod = keepAliveSeconds;
        }

        await inner.SendPacketAsync(packet, cancellationToken).ConfigureAwait(false);
        packetSent();
    }

    public void Dispose() => inner.Dispose();
}
