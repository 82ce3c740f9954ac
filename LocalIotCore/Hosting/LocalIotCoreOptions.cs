using System.Net;

namespace LocalIotCore.Hosting;

public sealed class LocalIotCoreOptions
{
    public const int DefaultMqttPort = 8883;
    public const int DefaultHttpPort = 8080;

    /// <summary>The stand-alone LocalIotCore's HTTPS port (the library's default is off).</summary>
    public const int DefaultHttpsPort = 8443;

    public string DataDirectory { get; set; } = "data/localiotcore";

    /// <summary>TLS MQTT listener; 0 = a free port.</summary>
    public int MqttPort { get; set; } = DefaultMqttPort;

    /// <summary>HTTP API; 0 = a free port.</summary>
    public int HttpPort { get; set; } = DefaultHttpPort;

    /// <summary>
    /// The HTTP API again over TLS with a server certificate from the local CA, as AWS serves its data
    /// plane (https only); 0 = a free port, null = off. Client certificates are asked for but optional.
    /// </summary>
    public int? HttpsPort { get; set; }

    /// <summary>Where every listener (TLS MQTT, plain MQTT, HTTP) binds; null = loopback on both address families (127.0.0.1 and ::1).</summary>
    public IPAddress? BindAddress { get; set; }

    /// <summary>Dashboard pages with a live feed open at once (each costs work on every event).</summary>
    public int LivePagesMaximum { get; set; } = Dashboard.LiveFeed.DefaultMaximumSubscribers;

    /// <summary>Events queued for one dashboard page before it is cut off as too far behind.</summary>
    public int LivePageQueueLength { get; set; } = Dashboard.LiveFeed.QueueLength;

    /// <summary>How long one write to a dashboard page may take before the page is dropped as not reading.</summary>
    public TimeSpan LivePageWriteDeadline { get; set; } = Dashboard.LiveFeed.DefaultWriteDeadline;

    /// <summary>The MQTT listeners' TLS handshake and CONNECT deadlines.</summary>
    public Broker.ListenerLimits MqttLimits { get; set; } = new();

    /// <summary>Plain (no TLS) loopback listener for application clients; null = off (explicit opt-in).</summary>
    public int? PlainApplicationPort { get; set; }

    /// <summary>
    /// A certificate the local CA signed that the registry does not know is registered at its first
    /// connect: the thing named by its CN, the certificate ACTIVE and attached to it, the default device
    /// policy attached (AWS's just-in-time provisioning with a registered CA and a template). False: such
    /// a certificate is refused, as AWS refuses any unregistered certificate.
    /// </summary>
    public bool ProvisionUnregisteredCertificates { get; set; } = true;

    /// <summary>How long a persistent session (clean session = 0) outlives its client's disconnect; AWS's default is 1 hour.</summary>
    public TimeSpan PersistentSessionExpiry { get; set; } = Broker.IotBrokerOptions.DefaultPersistentSessionExpiry;

    /// <summary>QoS 1 messages a persistent session stores while its client is away; newer ones are dropped.</summary>
    public int PersistentSessionQueueLimit { get; set; } = Broker.IotBrokerOptions.DefaultPersistentSessionQueueLimit;

    /// <summary>
    /// Shadow requests per second per thing on the HTTP data plane before 429 ThrottlingException
    /// (Get/Update/DeleteThingShadow; a second's worth may come at once); null = never throttle. Off by
    /// default: set it to your account's quota to run a client's throttling branch.
    /// </summary>
    public double? ShadowRequestsPerSecondPerThing { get; set; }

    public TimeSpan NotifierGrace { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>POSTed with each notification, when set.</summary>
    public Uri? WebhookUrl { get; set; }

    /// <summary>Telemetry messages kept per thing for the dashboard (the oldest go first).</summary>
    public int TelemetryPointsPerThing { get; set; } = Telemetry.TelemetryHistory.DefaultPointsPerThing;

    /// <summary>host:port of another broker (e.g. mosquitto) to serve as a client of, instead of the embedded broker.</summary>
    public string? ExternalBroker { get; set; }

    /// <summary>The S3 subset: administrator keys, object size limit.</summary>
    public global::LocalIotCore.S3.S3Options S3 { get; set; } = new();

    /// <summary>The IoT credentials provider: the duration of issued credentials.</summary>
    public global::LocalIotCore.CredentialsProvider.CredentialsProviderOptions CredentialsProvider { get; set; } = new();
}
