using System.Net;
using System.Security.Cryptography.X509Certificates;
using MQTTnet.Adapter;
using MQTTnet.Exceptions;
using MQTTnet.Formatter;
using MQTTnet.Packets;

namespace LocalIotCore.Broker;

/// <summary>
/// MQTTnet's channel adapter with a log line (through <see cref="RefusalLog"/>) for a packet MQTTnet
/// refuses as malformed: MQTTnet's server closes such a connection but, without a logger of its own,
/// says nothing.
/// </summary>
internal sealed class LoggedChannelAdapter(MqttChannelAdapter inner, string who, RefusalLog refusals, ConnectionActivity activity) : IMqttChannelAdapter
{
    /// <summary>What the client sent and when, for the broker's disconnect reason.</summary>
    public ConnectionActivity Activity => activity;

    public long BytesReceived => inner.BytesReceived;

    public long BytesSent => inner.BytesSent;

    public X509Certificate2 ClientCertificate => inner.ClientCertificate;

    public EndPoint RemoteEndPoint => inner.RemoteEndPoint;

    public EndPoint LocalEndPoint => inner.LocalEndPoint;

    public bool IsSecureConnection => inner.IsSecureConnection;

    public MqttPacketFormatterAdapter PacketFormatterAdapter => inner.PacketFormatterAdapter;

    public Task ConnectAsync(CancellationToken cancellationToken) => inner.ConnectAsync(cancellationToken);

    public Task DisconnectAsync(CancellationToken cancellationToken) => inner.DisconnectAsync(cancellationToken);

    public async Task<MqttPacket> ReceivePacketAsync(CancellationToken cancellationToken)
    {
        try
        {
            var packet = await inner.ReceivePacketAsync(cancellationToken).ConfigureAwait(false);
            if (packet is MqttDisconnectPacket)
            {
                activity.DisconnectReceived = true;
            }

            return packet;
        }
        catch (MqttProtocolViolationException ex)
        {
            activity.InputRefused = true;
            refusals.Refused(RefusalKind.MalformedPacket, who + " sent a malformed packet (" + ex.Message + "); connection closed");
            throw;
        }
    }

    public Task SendPacketAsync(MqttPacket packet, CancellationToken cancellationToken) => inner.SendPacketAsync(packet, cancellationToken);

    public void ResetStatistics() => inner.ResetStatistics();

    public void Dispose() => inner.Dispose();
}
