using System.Collections;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using LocalIotCore.Lifecycle;
using LocalIotCore.Shadows;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Protocol;
using MQTTnet.Server;

namespace LocalIotCore.Broker;

/// <summary>
/// The MQTT side of LocalIotCore on MQTTnet.Server 5: a TLS listener that requires client
/// certificates signed by the local CA (CN = thing name), AWS's thing-policy rules for client ids and
/// topics, lifecycle events, and every published message routed through <see cref="MessageRouter"/>.
/// MQTTnet's keep-alive monitor drops a silent client after 1.5 x its keep-alive, and publishes the
/// will of a client that dropped without DISCONNECT or was taken over by a duplicate client id.
/// </summary>
public sealed class IotBroker : IAsyncDisposable
{
    private const string IdentityKey = "localiotcore.identity";
    private const string SessionKey = "localiotcore.session";

    private readonly MqttServer _server;
    private readonly MessageRouter _router;
    private readonly ConnectionStateTable _connections;
    private readonly X509Certificate2 _ca;
    private readonly IReadOnlySet<string> _applications;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly ConcurrentDictionary<string, long> _versions = new(StringComparer.Ordinal);

    public IotBroker(IotBrokerOptions options, X509Certificate2 serverCertificate, X509Certificate2 ca, MessageRouter router, ConnectionStateTable connections, TimeProvider time, ILogger log)
    {
        ArgumentNullException.ThrowIfNull(options);
        _router = router ?? throw new ArgumentNullException(nameof(router));
        _connections = connections ?? throw new ArgumentNullException(nameof(connections));
        _ca = ca ?? throw new ArgumentNullException(nameof(ca));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _log = log ?? throw new ArgumentNullException(nameof(log));
        _applications = new HashSet<string>(options.ApplicationNames, StringComparer.Ordinal);
        TlsPort = options.TlsPort == 0 ? FreeTcpPort.Next() : options.TlsPort;
        PlainPort = options.PlainPort is int plain ? (plain == 0 ? FreeTcpPort.Next() : plain) : null;

        var builder = new MqttServerOptionsBuilder()
            .WithEncryptedEndpoint()
            .WithEncryptedEndpointBoundIPAddress(options.BindAddress)
            .WithEncryptedEndpointPort(TlsPort)
            .WithEncryptionCertificate(serverCertificate)
            .WithClientCertificate(ValidateClientCertificate, false);
        if (PlainPort is int plainPort)
        {
            // Application access without TLS, on loopback only, when switched on explicitly.
            builder.WithDefaultEndpoint().WithDefaultEndpointBoundIPAddress(IPAddress.Loopback).WithDefaultEndpointPort(plainPort);
        }
        else
        {
            builder.WithoutDefaultEndpoint();
        }

        var serverOptions = builder.Build();
        serverOptions.TlsEndpointOptions.ClientCertificateRequired = true;
        _server = new MqttServerFactory().CreateMqttServer(serverOptions);
        _server.ValidatingConnectionAsync += ValidateConnectionAsync;
        _server.InterceptingPublishAsync += InterceptPublishAsync;
        _server.InterceptingSubscriptionAsync += InterceptSubscriptionAsync;
        _server.ClientConnectedAsync += OnConnectedAsync;
        _server.ClientDisconnectedAsync += OnDisconnectedAsync;
    }

    public int TlsPort { get; }

    public int? PlainPort { get; }

    public Task StartAsync() => _server.StartAsync();

    /// <summary>Publishes messages the cloud produced (shadow replies from the HTTP API, rules).</summary>
    public async Task PublishAsync(IReadOnlyList<ShadowMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        foreach (var message in messages)
        {
            var application = new MqttApplicationMessageBuilder()
                .WithTopic(message.Topic)
                .WithPayload(message.Payload)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .Build();
            await _server.InjectApplicationMessage(new InjectedMqttApplicationMessage(application) { SenderClientId = "localiotcore" }).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _server.StopAsync(new MqttServerStopOptions()).ConfigureAwait(false);
        _server.Dispose();
    }

    private bool ValidateClientCertificate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null)
        {
            _log.LogWarning("TLS connection refused: no client certificate.");
            return false;
        }

        using var client = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        using var verify = new X509Chain();
        verify.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        verify.ChainPolicy.CustomTrustStore.Add(_ca);
        verify.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        verify.ChainPolicy.VerificationTime = _time.GetUtcNow().UtcDateTime;
        if (!verify.Build(client))
        {
            _log.LogWarning("TLS connection refused: client certificate {Subject} is not signed by the local CA or not valid now.", client.Subject);
            return false;
        }

        return true;
    }

    private Task ValidateConnectionAsync(ValidatingConnectionEventArgs e)
    {
        Identity identity;
        if (e.IsSecureConnection)
        {
            var certificate = e.ClientCertificate;
            var commonName = certificate?.GetNameInfo(X509NameType.SimpleName, false);
            if (string.IsNullOrEmpty(commonName))
            {
                return Refuse(e, MqttConnectReasonCode.NotAuthorized, "no client certificate CN");
            }

            if (_applications.Contains(commonName))
            {
                identity = Identity.Application(commonName);
            }
            else if (e.ClientId != commonName)
            {
                // AWS's thing policy: a device connects only as its own thing name.
                return Refuse(e, MqttConnectReasonCode.NotAuthorized, "client id '" + e.ClientId + "' is not the certificate's thing '" + commonName + "'");
            }
            else
            {
                identity = Identity.Device(commonName);
            }

            e.SessionItems[SessionKey] = new SessionInfo(Guid.NewGuid().ToString(), Convert.ToHexStringLower(SHA256.HashData(certificate!.RawData)));
        }
        else
        {
            identity = Identity.Application(string.IsNullOrEmpty(e.ClientId) ? "application" : e.ClientId);
            e.SessionItems[SessionKey] = new SessionInfo(Guid.NewGuid().ToString(), "loopback-application");
        }

        e.SessionItems[IdentityKey] = identity;
        return Task.CompletedTask;
    }

    private Task Refuse(ValidatingConnectionEventArgs e, MqttConnectReasonCode code, string reason)
    {
        _log.LogWarning("Connection of client id '{ClientId}' refused: {Reason}", e.ClientId, reason);
        e.ReasonCode = code;
        return Task.CompletedTask;
    }

    private async Task InterceptPublishAsync(InterceptingPublishEventArgs e)
    {
        var topic = e.ApplicationMessage.Topic;
        if (IdentityOf(e.SessionItems) is Identity identity && TopicPolicy.DenyPublish(identity, topic) is string denied)
        {
            // AWS closes the connection of a client that publishes where its policy does not allow.
            _log.LogWarning("Publish refused and connection closed: {Reason}", denied);
            e.ProcessPublish = false;
            e.CloseConnection = true;
            return;
        }

        var payload = e.ApplicationMessage.Payload;
        var bytes = payload.IsSingleSegment ? payload.First.Span : System.Buffers.BuffersExtensions.ToArray(payload);
        IReadOnlyList<ShadowMessage> messages;
        try
        {
            messages = _router.OnPublish(topic, bytes);
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or InvalidOperationException or Microsoft.Data.Sqlite.SqliteException)
        {
            _log.LogError(ex, "Handling a message on {Topic} failed", topic);
            return;
        }

        await PublishAsync(messages).ConfigureAwait(false);
    }

    private Task InterceptSubscriptionAsync(InterceptingSubscriptionEventArgs e)
    {
        if (IdentityOf(e.SessionItems) is Identity identity && TopicPolicy.DenySubscribe(identity, e.TopicFilter.Topic) is string denied)
        {
            _log.LogWarning("Subscription refused: {Reason}", denied);
            e.ProcessSubscription = false;
            e.Response.ReasonCode = MqttSubscribeReasonCode.NotAuthorized;
        }

        return Task.CompletedTask;
    }

    private async Task OnConnectedAsync(ClientConnectedEventArgs e)
    {
        if (IdentityOf(e.SessionItems) is not Identity identity || identity.IsApplication)
        {
            return;
        }

        var session = (SessionInfo)e.SessionItems[SessionKey]!;
        var version = _versions.AddOrUpdate(e.ClientId, 1, (_, v) => v + 1);
        session.Version = version;
        var address = e.RemoteEndPoint is IPEndPoint ip ? ip.Address.ToString() : null;
        await Lifecycle(new LifecycleEvent(e.ClientId, true, _time.GetUtcNow().ToUnixTimeMilliseconds(), session.Id, session.Principal, version, address)).ConfigureAwait(false);
    }

    private async Task OnDisconnectedAsync(ClientDisconnectedEventArgs e)
    {
        if (IdentityOf(e.SessionItems) is not Identity identity || identity.IsApplication || e.SessionItems[SessionKey] is not SessionInfo session)
        {
            return;
        }

        var (clientInitiated, reason) = e.DisconnectType switch
        {
            MqttClientDisconnectType.Clean => (true, "CLIENT_INITIATED_DISCONNECT"),
            MqttClientDisconnectType.Takeover => (false, "DUPLICATE_CLIENTID"),
            _ => (false, "CONNECTION_LOST"),
        };
        await Lifecycle(new LifecycleEvent(e.ClientId, false, _time.GetUtcNow().ToUnixTimeMilliseconds(), session.Id, session.Principal, session.Version, null, clientInitiated, reason)).ConfigureAwait(false);
        if (e.DisconnectType == MqttClientDisconnectType.Takeover)
        {
            await PublishTakenOverWillAsync(e).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// AWS publishes the Last Will of a session dropped for DUPLICATE_CLIENTID; MQTTnet 5 does not, so
    /// the broker does it here with the will from the old session's CONNECT packet.
    /// </summary>
    private async Task PublishTakenOverWillAsync(ClientDisconnectedEventArgs e)
    {
        MQTTnet.Packets.MqttConnectPacket? connect;
        try
        {
            connect = ConnectPacketOf(e);
        }
        catch (MissingFieldException)
        {
            _log.LogError("This MQTTnet version does not expose the CONNECT packet of a taken-over session; its will is not sent.");
            return;
        }

        if (connect is not { WillFlag: true } || string.IsNullOrEmpty(connect.WillTopic))
        {
            return;
        }

        var payload = connect.WillMessage ?? [];
        _log.LogInformation("Publishing the will of {Client}'s taken-over session on {Topic}", e.ClientId, connect.WillTopic);
        var messages = new List<ShadowMessage> { new(connect.WillTopic, payload) };
        messages.AddRange(_router.OnPublish(connect.WillTopic, payload));
        await PublishAsync(messages).ConfigureAwait(false);
    }

    // MQTTnet 5.2 keeps the CONNECT packet in a private field of the event arguments; UnsafeAccessor
    // reaches it without reflection (trim- and NativeAOT-safe). Pinned by the duplicate-client-id test.
    [System.Runtime.CompilerServices.UnsafeAccessor(System.Runtime.CompilerServices.UnsafeAccessorKind.Field, Name = "_connectPacket")]
    private static extern ref MQTTnet.Packets.MqttConnectPacket ConnectPacketOf(ClientDisconnectedEventArgs e);

    private async Task Lifecycle(LifecycleEvent lifecycle)
    {
        _connections.Record(lifecycle);
        _log.LogInformation("Lifecycle: {Client} {Event}{Reason}", lifecycle.ClientId, lifecycle.Connected ? "connected" : "disconnected", lifecycle.DisconnectReason is null ? "" : " (" + lifecycle.DisconnectReason + ")");
        await PublishAsync([new ShadowMessage(lifecycle.Topic, lifecycle.ToJson())]).ConfigureAwait(false);
    }

    private static Identity? IdentityOf(IDictionary? items) => items?[IdentityKey] as Identity;

    private sealed class SessionInfo(string id, string principal)
    {
        public string Id { get; } = id;

        public string Principal { get; } = principal;

        public long Version { get; set; }
    }
}

public sealed class IotBrokerOptions
{
    public IPAddress BindAddress { get; set; } = IPAddress.Loopback;

    /// <summary>0 = a free port.</summary>
    public int TlsPort { get; set; } = 8883;

    /// <summary>A plain loopback listener for application clients; null = off.</summary>
    public int? PlainPort { get; set; }

    /// <summary>Certificate CNs that are applications (every topic), not devices.</summary>
    public IReadOnlyList<string> ApplicationNames { get; set; } = ["app"];
}
