using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using LocalIotCore.Broker;
using LocalIotCore.Certificates;
using LocalIotCore.ControlPlane;
using LocalIotCore.CredentialsProvider;
using LocalIotCore.Dashboard;
using LocalIotCore.Http;
using LocalIotCore.Lifecycle;
using LocalIotCore.Notifier;
using LocalIotCore.Policies;
using LocalIotCore.Registry;
using LocalIotCore.Rules;
using LocalIotCore.S3;
using LocalIotCore.Shadows;
using LocalIotCore.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LocalIotCore.Hosting;

/// <summary>
/// LocalIotCore as a library: starts the CA, shadow service, rules, notifier, broker (or the
/// external-broker bridge) and HTTP API in-process. Used by the command line, the firmware's local
/// mode and the tests.
/// </summary>
public sealed class LocalIotCoreServer : IAsyncDisposable
{
    private readonly List<IDisposable> _disposables = [];
    private IotBroker? _broker;
    private ExternalBrokerBridge? _bridge;
    private WebApplication? _http;
    private HttpClient? _webhookClient;

    /// <summary>HTTP connections open at once; Kestrel closes more as soon as it accepts them.</summary>
    public const int MaximumHttpConnections = 1000;

    private LocalIotCoreServer(LocalIotCoreOptions options, LocalCertificateAuthority authority)
    {
        Options = options;
        Authority = authority;
        DataDirectory = Path.GetFullPath(options.DataDirectory);
        Feed = new LiveFeed(options.LivePagesMaximum) { WriteDeadline = options.LivePageWriteDeadline, PageQueueLength = options.LivePageQueueLength };
    }

    public LocalIotCoreOptions Options { get; }

    public LocalCertificateAuthority Authority { get; }

    public string DataDirectory { get; }

    /// <summary>The TLS MQTT port (0 in external-broker mode).</summary>
    public int MqttPort => _broker?.TlsPort ?? 0;

    public int? PlainApplicationPort => _broker?.PlainPort;

    public int HttpPort { get; private set; }

    /// <summary>The HTTPS port (the HTTP API over TLS with the local CA's server certificate), or null when off.</summary>
    public int? HttpsPort { get; private set; }

    public string CaCertificatePath => Path.Combine(DataDirectory, "ca", LocalCertificateAuthority.CertificateFileName);

    public IShadowService Shadows { get; private set; } = null!;

    public ConnectionStateTable Connections { get; private set; } = null!;

    /// <summary>The things, certificates and policies of the control plane (and what the broker asks at connect).</summary>
    public IotRegistry Registry { get; private set; } = null!;

    public DisconnectNotifier Notifier { get; private set; } = null!;

    public TelemetryHistory Telemetry { get; private set; } = null!;

    /// <summary>The S3 subset (on the HTTP and HTTPS ports); <c>S3.Objects.ObjectCreated</c> tells of each upload.</summary>
    public S3Service S3 { get; private set; } = null!;

    /// <summary>The IoT credentials provider (GET /role-aliases/{alias}/credentials over mutual TLS).</summary>
    public CredentialsProviderService CredentialsProvider { get; private set; } = null!;

    /// <summary>The upload rule: an object put into a fan-out bucket goes into every thing's desired.s3.</summary>
    public UploadFanOutRule UploadRule { get; private set; } = null!;

    /// <summary>What every open dashboard page hears.</summary>
    public LiveFeed Feed { get; }

    /// <summary>The dashboard's address (the HTTP host's root).</summary>
    public string DashboardUrl => "http://" + Host + ":" + HttpPort + "/";

    /// <summary>The address the TLS MQTT and HTTP listeners are reached at, as a URL host.</summary>
    public string Host => Options.BindAddress is IPAddress bind
        ? (bind.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "[" + bind + "]" : bind.ToString())
        : "127.0.0.1";

    public static async Task<LocalIotCoreServer> StartAsync(LocalIotCoreOptions options, ILoggerFactory? loggers = null, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        loggers ??= NullLoggerFactory.Instance;
        time ??= TimeProvider.System;
        Directory.CreateDirectory(options.DataDirectory);
        var authority = LocalCertificateAuthority.LoadOrCreate(Path.Combine(options.DataDirectory, "ca"));
        var server = new LocalIotCoreServer(options, authority);
        try
        {
            await server.StartPartsAsync(loggers, time, cancellationToken).ConfigureAwait(false);
            return server;
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Writes a device certificate (CN = thing) and key signed by the local CA, and the CA certificate;
    /// registers the thing and the certificate (ACTIVE, attached to it, with the default device policy).
    /// </summary>
    public void MintDeviceCertificate(string thingName, string certificatePath, string keyPath, string? caPath = null)
    {
        using var device = Authority.IssueDeviceCertificate(thingName);
        Registry.RegisterDevice(thingName, device);
        LocalCertificateAuthority.WritePem(device, certificatePath, keyPath);
        if (caPath is not null)
        {
            Authority.WriteCertificatePem(caPath);
        }
    }

    /// <summary>
    /// Writes an application's certificate (CN = <paramref name="name"/>) and key signed by the local CA;
    /// registers it ACTIVE with the application policy (every IoT action), so it may use any client id and topic.
    /// </summary>
    public void MintApplicationCertificate(string name, string certificatePath, string keyPath)
    {
        using var application = Authority.IssueDeviceCertificate(name);
        Registry.RegisterApplication(application);
        LocalCertificateAuthority.WritePem(application, certificatePath, keyPath);
    }

    /// <summary>
    /// Just-in-time provisioning of a certificate signed by the local CA (the broker already checked the
    /// chain): its CN is the thing, registered as mint-device-cert does. A certificate without a CN is not provisioned.
    /// </summary>
    private PrincipalInfo? ProvisionJustInTime(X509Certificate2 certificate)
    {
        var thing = certificate.GetNameInfo(X509NameType.SimpleName, false);
        if (!ShadowLimits.IsValidName(thing, ShadowLimits.MaximumThingNameLength))
        {
            return null;
        }

        Registry.RegisterDevice(thing, certificate);
        return Registry.Describe(certificate);
    }

    /// <summary>Publishes messages as the cloud (e.g. from tests).</summary>
    public Task PublishAsync(IReadOnlyList<ShadowMessage> messages) =>
        _broker is not null ? _broker.PublishAsync(messages) : _bridge!.PublishAsync(messages);

    public async ValueTask DisposeAsync()
    {
        if (UploadRule is not null)
        {
            await UploadRule.DisposeAsync().ConfigureAwait(false);
        }

        if (_http is not null)
        {
            Feed.CompleteAll();
            await _http.StopAsync().ConfigureAwait(false);
            await _http.DisposeAsync().ConfigureAwait(false);
        }

        if (_broker is not null)
        {
            await _broker.DisposeAsync().ConfigureAwait(false);
        }

        if (_bridge is not null)
        {
            await _bridge.DisposeAsync().ConfigureAwait(false);
        }

        for (var i = _disposables.Count - 1; i >= 0; i--)
        {
            _disposables[i].Dispose();
        }

        _webhookClient?.Dispose();
        Authority.Dispose();
    }

    private async Task StartPartsAsync(ILoggerFactory loggers, TimeProvider time, CancellationToken cancellationToken)
    {
        var log = loggers.CreateLogger("LocalIotCore");
        var store = new SqliteShadowStore(Path.Combine(DataDirectory, "shadows.db"));
        _disposables.Add(store);
        Shadows = new ShadowService(store, time);
        Connections = new ConnectionStateTable(Path.Combine(DataDirectory, "state.db"));
        _disposables.Add(Connections);
        Registry = new IotRegistry(Path.Combine(DataDirectory, IotRegistry.FileName), time);
        _disposables.Add(Registry);
        Func<Notification, Task>? webhook = null;
        if (Options.WebhookUrl is Uri url)
        {
            _webhookClient = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            webhook = async notification =>
            {
                using var content = new ByteArrayContent(DisconnectNotifier.WebhookBody(notification));
                content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                using var response = await _webhookClient.PostAsync(url, content).ConfigureAwait(false);
                response.EnsureSuccessStatusCode();
            };
        }

        Notifier = new DisconnectNotifier(Shadows, Options.NotifierGrace, time, loggers.CreateLogger("LocalIotCore.Notifier"), Path.Combine(DataDirectory, "state.db"), webhook);
        _disposables.Add(Notifier);
        Telemetry = new TelemetryHistory(Path.Combine(DataDirectory, "telemetry.db"), Options.TelemetryPointsPerThing);
        _disposables.Add(Telemetry);
        Connections.Recorded += (recorded, _) =>
        {
            if (Feed.HasSubscribers)
            {
                Feed.Publish(LiveFeed.Connection, recorded.ToJson());
            }
        };
        Notifier.Notified += notification => Feed.Publish(LiveFeed.Notification, notification.ToJson());
        CredentialsProvider = new CredentialsProviderService(DataDirectory, Options.CredentialsProvider, Registry, new PolicyEvaluator(Registry.Region, Registry.AccountId), time);
        _disposables.Add(CredentialsProvider);
        S3 = new S3Service(Path.Combine(DataDirectory, "s3"), Options.S3, CredentialsProvider.Issued, time, loggers);
        _disposables.Add(S3);
        var rulesPath = Path.Combine(DataDirectory, "rules.json");
        var rules = new RuleEngine(RulesConfiguration.LoadOrCreate(rulesPath));
        var rulesClient = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        _disposables.Add(rulesClient);
        var router = new MessageRouter(Shadows, rules, Notifier, loggers.CreateLogger("LocalIotCore.Router"), Telemetry, Feed, time, (url, body) => PostRuleAsync(rulesClient, url, body))
        {
            ConnectionTable = Connections,
            IsThing = thing => Registry.FindThing(thing) is not null,
        };

        // A device on the LAN (an ESP32) connects to the bind address: the certificate names it, as
        // an IP address and as a DNS name (older mbedTLS builds match the host only against DNS names).
        var serverCertificate = Options.BindAddress is IPAddress lan
            ? Authority.IssueServerCertificate(["localhost", lan.ToString()], [IPAddress.Loopback, IPAddress.IPv6Loopback, lan])
            : Authority.IssueServerCertificate();
        // SslStream wants a key it can hand to the TLS stack; a PKCS#12 round trip gives it one.
        var tlsCertificate = X509CertificateLoader.LoadPkcs12(serverCertificate.Export(X509ContentType.Pkcs12), null);
        serverCertificate.Dispose();
        _disposables.Add(tlsCertificate);
        var caCopy = X509CertificateLoader.LoadCertificate(Authority.Certificate.RawData);
        _disposables.Add(caCopy);

        Func<IReadOnlyList<ShadowMessage>, Task> publish;
        if (Options.ExternalBroker is string external)
        {
            _bridge = new ExternalBrokerBridge(external, router, loggers.CreateLogger("LocalIotCore.Bridge"));
            await _bridge.StartAsync(cancellationToken).ConfigureAwait(false);
            publish = _bridge.PublishAsync;
        }
        else
        {
            var retained = new RetainedMessageStore(Path.Combine(DataDirectory, "retained.db"));
            _disposables.Add(retained);
            _broker = new IotBroker(
                new IotBrokerOptions { BindAddress = Options.BindAddress, Limits = Options.MqttLimits, TlsPort = Options.MqttPort, PlainPort = Options.PlainApplicationPort, PersistentSessionExpiry = Options.PersistentSessionExpiry, PersistentSessionQueueLimit = Options.PersistentSessionQueueLimit },
                tlsCertificate, caCopy, router, Connections, time, loggers.CreateLogger("LocalIotCore.Broker"),
                Registry, new PolicyEvaluator(Registry.Region, Registry.AccountId), Options.ProvisionUnregisteredCertificates ? ProvisionJustInTime : null, retained);
            await _broker.StartAsync().ConfigureAwait(false);
            publish = _broker.PublishAsync;
        }

        // No appsettings.json reload: its watcher covers the content root (the working directory) with
        // all its subfolders, and woke on every shadow write and log line there (about 5% of
        // LocalIotCore's CPU in the actuation benchmark). LocalIotCore takes no settings from that file.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"] });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggers);
        // A library inside someone's process: whoever owns the process handles SIGINT/SIGTERM and
        // stops this server when it is time (the firmware's host only after its own clean shutdown),
        // so the HTTP API must not listen to the console (ConsoleLifetime) by itself.
        builder.Services.AddSingleton<IHostLifetime, OwnerControlledLifetime>();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // Connections that are never finished (a page that stopped reading, a client that never sends
            // its request) must not use up the process's file descriptors, which the MQTT listeners share.
            kestrel.Limits.MaxConcurrentConnections = MaximumHttpConnections;
            if (Options.BindAddress is IPAddress bind)
            {
                kestrel.Listen(bind, Options.HttpPort);
            }
            else
            {
                // Loopback on both families. Kestrel's ListenLocalhost takes no port 0, so a free port is picked first.
                kestrel.ListenLocalhost(Options.HttpPort == 0 ? FreeTcpPort.Next() : Options.HttpPort);
            }

            if (Options.HttpsPort is int httpsPort)
            {
                ListenHttps(kestrel, httpsPort, tlsCertificate, caCopy, time);
            }
        });
        _http = builder.Build();
        S3.Use(_http); // before the IoT routes: S3's requests are told apart by their signature
        CredentialsProvider.Map(_http);
        HttpApi.Map(_http, router, publish, Connections, Notifier, time, Registry,
            Options.ShadowRequestsPerSecondPerThing is double rate ? new ShadowRequestThrottle(rate, time) : null);
        // DescribeEndpoint: the address AWS's clients build https://<endpoint> from, so the TLS port when it is on.
        ControlPlaneApi.Map(_http, Registry, Authority, () => Host + ":" + (HttpsPort ?? HttpPort));
        if (_broker is not null)
        {
            PublishEndpoints.Map(_http, _broker);
        }

        UploadRule = new UploadFanOutRule(Options.S3.FanOutBuckets, Registry, Shadows, (id, body) => router.Execute(id, ShadowOperation.Update, body), publish, time, loggers.CreateLogger("LocalIotCore.UploadRule"));
        foreach (var bucket in Options.S3.FanOutBuckets)
        {
            S3.Objects.CreateBucket(bucket);
        }

        S3.Objects.ObjectCreated += UploadRule.OnObjectCreated;
        UploadRule.FannedOut += fanOut => Feed.Publish(LiveFeed.Upload, fanOut.ToJson());
        _http.MapGet("/api/s3-uploads", (Microsoft.AspNetCore.Http.RequestDelegate)(context => HttpApi.WriteAsync(context, 200, UploadHistory())));
        DashboardEndpoints.Map(_http, Feed, Telemetry, Connections, time);
        TopicRulesApi.Map(_http, new TopicRuleStore(rules, rulesPath, time), "arn:aws:iot:" + Registry.Region + ":" + Registry.AccountId + ":");
        await _http.StartAsync(cancellationToken).ConfigureAwait(false);
        var addresses = _http.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        foreach (var address in addresses)
        {
            var uri = new Uri(address);
            if (uri.Scheme == Uri.UriSchemeHttps)
            {
                HttpsPort = uri.Port;
            }
            else
            {
                HttpPort = uri.Port;
            }
        }

        log.LogInformation("LocalIotCore ready: MQTT (TLS) {Mqtt}, HTTP {Http}, dashboard {Dashboard}, data {Data}", MqttPort, HttpPort, DashboardUrl, DataDirectory);
    }

    /// <summary>
    /// The HTTP API over TLS, as AWS serves its data plane (AWS's SDKs and CLI build https:// URLs from
    /// DescribeEndpoint). A client certificate is asked for and checked against the local CA when one is
    /// sent (the credentials provider's mutual TLS needs it); SigV4-signed calls without one are served.
    /// </summary>
    private void ListenHttps(KestrelServerOptions kestrel, int port, X509Certificate2 certificate, X509Certificate2 authority, TimeProvider time)
    {
        void Https(ListenOptions listen) => listen.UseHttps(https =>
        {
            https.ServerCertificate = certificate;
            https.ClientCertificateMode = ClientCertificateMode.AllowCertificate;
            https.ClientCertificateValidation = (client, _, _) => LocalCertificateAuthority.IsIssuedBy(client, authority, time.GetUtcNow().UtcDateTime);
        });

        if (Options.BindAddress is IPAddress bind)
        {
            kestrel.Listen(bind, port, Https);
        }
        else
        {
            kestrel.ListenLocalhost(port == 0 ? FreeTcpPort.Next() : port, Https);
        }
    }

    // A rule's http action: the SELECT result as a JSON POST, as AWS's HTTP action sends it.
    private static async Task PostRuleAsync(HttpClient client, Uri url, byte[] body)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await client.PostAsync(url, content).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
    }

    private System.Text.Json.Nodes.JsonObject UploadHistory()
    {
        var uploads = new System.Text.Json.Nodes.JsonArray();
        foreach (var fanOut in UploadRule.History)
        {
            uploads.Add((System.Text.Json.Nodes.JsonNode)fanOut.ToJson());
        }

        return new System.Text.Json.Nodes.JsonObject { ["buckets"] = new System.Text.Json.Nodes.JsonArray([.. UploadRule.Buckets.Select(b => (System.Text.Json.Nodes.JsonNode)b)]), ["uploads"] = uploads };
    }

    private sealed class OwnerControlledLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
