namespace DeviceFirmware.Core.Link;

/// <summary>
/// AWS IoT Core's MQTT endpoint facts every host of this firmware connects with (AWS IoT developer
/// guide, "Protocols, port mappings, and authentication"; "AWS IoT Core endpoints and quotas"). The
/// one home of these numbers on the device side.
/// </summary>
public static class AwsIotMqtt
{
    /// <summary>MQTT over mutual TLS.</summary>
    public const int TlsPort = 8883;

    /// <summary>MQTT over mutual TLS on 443, accepted only with the ALPN protocol <see cref="AlpnProtocol"/>.</summary>
    public const int AlpnPort = 443;

    public const string AlpnProtocol = "x-amzn-mqtt-ca";

    /// <summary>Keep-alive below 30 s is raised to 30; above 1200 s the connection is refused.</summary>
    public const int MinimumKeepAliveSeconds = 30;
    public const int MaximumKeepAliveSeconds = 1200;

    /// <summary>The firmware's keep-alive: the shortest AWS allows, so that a dead link is noticed soonest.</summary>
    public const int DefaultKeepAliveSeconds = MinimumKeepAliveSeconds;

    /// <summary>
    /// The firmware's bound on a CONNACK, PUBACK or SUBACK: longer means the link is dead (a silent
    /// blackhole that keep-alive alone notices only after 1.5 x keep-alive).
    /// </summary>
    public const int DefaultAcknowledgeTimeoutSeconds = 10;
    public const int MaximumAcknowledgeTimeoutSeconds = 300;
}
