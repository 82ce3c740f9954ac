namespace LocalIotCore.Broker;

/// <summary>
/// What one client connection sent, as far as the broker's disconnect reason needs it: when bytes
/// last arrived (a connection silent past 1.5 x its keep-alive was dropped for MQTT_KEEP_ALIVE_TIMEOUT),
/// whether its input was refused as malformed or oversized (CLIENT_ERROR), and whether it sent
/// DISCONNECT (CLIENT_INITIATED_DISCONNECT, even when LocalIotCore stops before MQTTnet has ended the
/// connection). Written by the connection's reader, read when it ends.
/// </summary>
internal sealed class ConnectionActivity(TimeProvider time)
{
    private long _lastReceived = time.GetTimestamp();
    private volatile bool _inputRefused;
    private volatile bool _disconnectReceived;

    public bool InputRefused
    {
        get => _inputRefused;
        set => _inputRefused = value;
    }

    /// <summary>The client sent DISCONNECT (MQTTnet may not have ended the connection yet).</summary>
    public bool DisconnectReceived
    {
        get => _disconnectReceived;
        set => _disconnectReceived = value;
    }

    public void Received() => Volatile.Write(ref _lastReceived, time.GetTimestamp());

    /// <summary>How long the client has sent nothing.</summary>
    public TimeSpan Silence => time.GetElapsedTime(Volatile.Read(ref _lastReceived));
}
