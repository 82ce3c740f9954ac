namespace DeviceFirmware.Mqtt;

/// <summary>
/// One MQTT client connection (MQTTnet in production). The shell between the agent core and
/// the network; it knows nothing of shadows.
/// Concurrency contract: <see cref="ConnectAsync"/> and <see cref="DisconnectAsync"/> are
/// called by one caller at a time; <see cref="PublishAsync"/> and <see cref="SubscribeAsync"/>
/// may be called concurrently while connected. Events are raised on MQTTnet's threads and must
/// not block.
/// </summary>
public interface IMqttConnection : IAsyncDisposable
{
    /// <summary>A message arrived on a subscribed topic.</summary>
    event Action<string, ReadOnlyMemory<byte>>? MessageReceived;

    /// <summary>An established connection ended without <see cref="DisconnectAsync"/> (the text says why).</summary>
    event Action<string>? ConnectionLost;

    bool IsConnected { get; }

    /// <summary>
    /// Opens a new connection (TLS, client certificate, Last Will, keep-alive from the options,
    /// certificate files read anew each time). Throws <see cref="MqttConnectException"/> with a
    /// plain-language reason on failure or timeout.
    /// </summary>
    Task ConnectAsync(CancellationToken cancellationToken);

    /// <summary>Subscribes at QoS 1 and completes when the broker granted every topic (SUBACK).
    /// A SUBACK that does not come within the connection's timeout ends the connection as
    /// for <see cref="PublishAsync"/>.</summary>
    Task SubscribeAsync(IReadOnlyList<string> topics, CancellationToken cancellationToken);

    /// <summary>Publishes at QoS 1 and completes at PUBACK; throws if the link fails first. A PUBACK
    /// that does not come within the connection's timeout means the link is dead: the call throws
    /// <see cref="TimeoutException"/> and <see cref="ConnectionLost"/> is raised (once).</summary>
    Task PublishAsync(string topic, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken);

    /// <summary>Sends DISCONNECT (so the broker does not publish the Last Will) and closes.</summary>
    Task DisconnectAsync(CancellationToken cancellationToken);
}

/// <summary>A connect attempt failed; <see cref="Exception.Message"/> is written for an operator.</summary>
public sealed class MqttConnectException : Exception
{
    public MqttConnectException()
    {
    }

    public MqttConnectException(string message)
        : base(message)
    {
    }

    public MqttConnectException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
