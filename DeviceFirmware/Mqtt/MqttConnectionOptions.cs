using DeviceFirmware.Core.Link;

namespace DeviceFirmware.Mqtt;

/// <summary>Configuration section "Mqtt": where and how the device connects.</summary>
public sealed class MqttConnectionOptions
{
    public const string Section = "Mqtt";

    /// <summary>AWS IoT's limits: keep-alive below 30 s is raised to 30, above 1200 s refused.</summary>
    public const int MinimumKeepAliveSeconds = AwsIotMqtt.MinimumKeepAliveSeconds;
    public const int MaximumKeepAliveSeconds = AwsIotMqtt.MaximumKeepAliveSeconds;

    /// <summary>AWS IoT accepts MQTT over TLS on 443 only with this ALPN protocol name.</summary>
    public const string AwsAlpnProtocol = AwsIotMqtt.AlpnProtocol;

    /// <summary>Host name of the broker, e.g. <c>abc123-ats.iot.eu-west-1.amazonaws.com</c>. Empty = not configured.</summary>
    public string Endpoint { get; set; } = "";

    public int Port { get; set; } = AwsIotMqtt.TlsPort;

    /// <summary>The MQTT client id; AWS's thing policy expects the thing name. Empty = Device:ThingName.</summary>
    public string ClientId { get; set; } = "";

    public string RootCaPath { get; set; } = "certs/AmazonRootCA1.pem";

    public string CertificatePath { get; set; } = "certs/device.pem.crt";

    public string PrivateKeyPath { get; set; } = "certs/private.pem.key";

    public int KeepAliveSeconds { get; set; } = DefaultKeepAliveSeconds;

    public const int DefaultKeepAliveSeconds = AwsIotMqtt.DefaultKeepAliveSeconds;

    public const int MaximumConnectTimeoutSeconds = AwsIotMqtt.MaximumAcknowledgeTimeoutSeconds;

    /// <summary>Every connect attempt (TCP, TLS and CONNACK) ends within this time, and a PUBACK or
    /// SUBACK that takes longer means the link is dead (a silent blackhole that keep-alive misses).</summary>
    public int ConnectTimeoutSeconds { get; set; } = DefaultConnectTimeoutSeconds;

    public const int DefaultConnectTimeoutSeconds = AwsIotMqtt.DefaultAcknowledgeTimeoutSeconds;

    /// <summary>Plain TCP only when set to false explicitly, for a local broker.</summary>
    public bool UseTls { get; set; } = true;

    /// <summary>ALPN protocol to offer; by default <see cref="AwsAlpnProtocol"/> on port 443 and none elsewhere.</summary>
    public string? Alpn { get; set; }

    /// <summary>Default <c>things/&lt;thing&gt;/lwt</c> (see docs/aws-setup.md for the rule that republishes it).</summary>
    public string? WillTopic { get; set; }

    /// <param name="endpointFromLocalIotCore">Local mode: the endpoint and the certificate files come from the embedded LocalIotCore once it runs.</param>
    public IReadOnlyList<string> Validate(bool endpointFromLocalIotCore = false)
    {
        var errors = new List<string>();
        var hasEndpoint = !string.IsNullOrWhiteSpace(Endpoint);
        if (!hasEndpoint && !endpointFromLocalIotCore)
        {
            errors.Add("Mqtt:Endpoint is not set. Give your AWS IoT data endpoint (aws iot describe-endpoint --endpoint-type iot:Data-ATS) or a local broker's host name.");
        }

        if (Port is < 1 or > 65535)
        {
            errors.Add("Mqtt:Port is " + Port + "; it must be from 1 to 65535 (AWS IoT: " + AwsIotMqtt.TlsPort + ", or " + AwsIotMqtt.AlpnPort + " with ALPN).");
        }

        if (KeepAliveSeconds is < MinimumKeepAliveSeconds or > MaximumKeepAliveSeconds)
        {
            errors.Add("Mqtt:KeepAliveSeconds is " + KeepAliveSeconds + "; AWS IoT allows " + MinimumKeepAliveSeconds + " to " + MaximumKeepAliveSeconds + " seconds (default " + DefaultKeepAliveSeconds + "). The broker drops a silent client after 1.5 x this.");
        }

        if (ConnectTimeoutSeconds is < 1 or > MaximumConnectTimeoutSeconds)
        {
            errors.Add("Mqtt:ConnectTimeoutSeconds is " + ConnectTimeoutSeconds + "; it must be from 1 to " + MaximumConnectTimeoutSeconds + " (default " + DefaultConnectTimeoutSeconds + ").");
        }

        // The certificate files matter once there is an endpoint to show them to (local mode mints its own).
        if (UseTls && hasEndpoint)
        {
            RequireFile(errors, "Mqtt:RootCaPath", RootCaPath, "the root CA that signed the broker's certificate (Amazon Root CA 1 for AWS)");
            RequireFile(errors, "Mqtt:CertificatePath", CertificatePath, "the device certificate");
            RequireFile(errors, "Mqtt:PrivateKeyPath", PrivateKeyPath, "the device's private key");
        }

        if (WillTopic is not null && (WillTopic.Length == 0 || WillTopic.StartsWith('$') || WillTopic.Contains('#', StringComparison.Ordinal) || WillTopic.Contains('+', StringComparison.Ordinal)))
        {
            errors.Add("Mqtt:WillTopic '" + WillTopic + "' cannot carry the Last Will: AWS ignores wills on reserved $ topics, and wildcards are not allowed. Use e.g. things/<thing>/lwt.");
        }

        return errors;
    }

    private static void RequireFile(List<string> errors, string key, string path, string what)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            errors.Add(key + " is empty: give the path of " + what + ". See certs/README.md.");
        }
        else if (!File.Exists(path))
        {
            errors.Add(key + ": " + what + " was not found at '" + Path.GetFullPath(path) + "'. See certs/README.md for the files the device needs and how to create them.");
        }
    }
}
