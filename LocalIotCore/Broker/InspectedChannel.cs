using System.Buffers;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using MQTTnet.Channel;

namespace LocalIotCore.Broker;

/// <summary>
/// One client's connection as MQTTnet's server reads and writes it: every byte read is shown to an
/// <see cref="MqttFrameInspector"/> first, and a read that carries a refused byte fails instead of
/// returning it, which ends the connection. What it reads is noted in <paramref name="activity"/>.
/// </summary>
internal sealed class InspectedChannel(Stream stream, EndPoint? local, EndPoint? remote, X509Certificate2? clientCertificate, bool isSecure, MqttFrameInspector inspector, Action<MqttInputRefusedException> refused, ConnectionActivity activity) : IMqttChannel
{
    public X509Certificate2? ClientCertificate => clientCertificate;

    public EndPoint? RemoteEndPoint => remote;

    public EndPoint? LocalEndPoint => local;

    public bool IsSecureConnection => isSecure;

    public Task ConnectAsync(CancellationToken cancellationToken) => throw new NotSupportedException("A server-side channel is connected already.");

    public Task DisconnectAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        var read = await stream.ReadAsync(buffer.AsMemory(offset, count), cancellationToken).ConfigureAwait(false);
        if (read > 0)
        {
            activity.Received();
        }

        try
        {
            inspector.Inspect(buffer.AsSpan(offset, read));
        }
        catch (MqttInputRefusedException ex)
        {
            activity.InputRefused = true;
            refused(ex);
            throw;
        }

        return read;
    }

    public async Task WriteAsync(ReadOnlySequence<byte> buffer, bool isEndOfPacket, CancellationToken cancellationToken)
    {
        foreach (var segment in buffer)
        {
            await stream.WriteAsync(segment, cancellationToken).ConfigureAwait(false);
        }

        if (isEndOfPacket)
        {
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public void Dispose() => stream.Dispose();
}
