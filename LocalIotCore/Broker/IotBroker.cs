using System.Collections;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using LocalIotCore.Lifecycle;
using LocalIotCore.Policies;
using LocalIotCore.Registry;
using LocalIotCore.Shadows;
using Microsoft.Extensions.Logging;
using System.Runtime.CompilerServices;
using MQTTnet;
using MQTTnet.Packets;
using MQTTnet.Protocol;
using MQTTnet.Server;

namespace LocalIotCore.Broker;

/// <summary>
/// The MQTT side of LocalIotCore on MQTTnet.Server 5: a TLS listener that requires client
/// certificates signed by the local CA (CN = thing name), AWS's thing-policy rules for client ids and
/// topics, lifecycle events, and every published message routed through <see cref="MessageRouter"/>.
/// MQTTnet's keep-alive monitor drops a silent client after 1.5 x its keep-alive, and publishes the
/// will of a client that dropped without DISCONNECT or was taken over by a duplicate client id.
/// Every client, device or application, gets AWS's lifecycle events; the connection table is kept
/// from them by a rule (localConnectionTable), for registered things only.
/// </summary>
public sealed class IotBroker : IAsyncDisposable
{
    private const string IdentityKey = "localiotcore.identity";
    private const string SessionKey = "localiotcore.session";

    private readonly MqttServer _server;
    private readonly MessageRouter _router;
    private readonly ConnectionStateTable _connections;
    private readonly X509Certificate2 _ca;
    private readonly IPrincipalDirectory _principals;
    private readonly Func<X509Certificate2, PrincipalInfo?>? _provision;
    private readonly PolicyEvaluator _evaluator;
    private readonly ConcurrentDictionary<(string Name, string Document), PolicyDocument> _parsedPolicies = new();

    // The identity of each client id's latest connection, for iot:Receive on delivery (MQTTnet names only the receiver's client id there).
    private readonly ConcurrentDictionary<string, Identity> _receivers = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly ConcurrentDictionary<string, long> _versions = new(StringComparer.Ordinal);
    private readonly MqttListener _listener;

    // One entry per connection, found again from each event by its CONNECT packet (the one object
    // MQTTnet keeps per connection; a resumed persistent session shares its items with older connections).
    private readonly ConditionalWeakTable<MqttConnectPacket, ClientConnection> _byConnect = new();
    private readonly ConcurrentDictionary<ClientConnection, byte> _open = new();
    private int _stopping;

    // Persistent sessions (clean session = 0) whose client is away: messages queued for each, and the
    // timer that ends the session when its client stays away past the expiry.
    private readonly ConcurrentDictionary<string, int> _queuedWhileAway = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ITimer> _sessionExpiries = new(StringComparer.Ordinal);
    private readonly TimeSpan _sessionExpiry;
    private readonly int _sessionQueueLimit;

    /// <param name="principals">The registry: each certificate's status, things and policies.</param>
    /// <param name="evaluator">AWS IoT policy evaluation with this LocalIotCore's region and account.</param>
    /// <param name="provision">Registers a certificate the local CA signed that the registry does not know yet
    /// (just-in-time provisioning with the default device policy); null = refuse unregistered certificates.</param>
    /// <param name="retained">Where retained messages are kept; null = not kept.</param>
    public IotBroker(IotBrokerOptions options, X509Certificate2 serverCertificate, X509Certificate2 ca, MessageRouter router, ConnectionStateTable connections, TimeProvider time, ILogger log,
        IPrincipalDirectory principals, PolicyEvaluator evaluator, Func<X509Certificate2, PrincipalInfo?>? provision = null, RetainedMessageStore? retained = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _router = router ?? throw new ArgumentNullException(nameof(router));
        _connections = connections ?? throw new ArgumentNullException(nameof(connections));
        _ca = ca ?? throw new ArgumentNullException(nameof(ca));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _log = log ?? throw new ArgumentNullException(nameof(log));
        _principals = principals ?? throw new ArgumentNullException(nameof(principals));
        _evaluator = evaluator ?? throw new ArgumentNullException(nameof(evaluator));
        _provision = provision;
        Refusals = new RefusalLog(log, time, options.RefusalLogWindow);
        // Loopback means both families: a listener on [::] (MQTTnet's IPv6 default) would be reachable
        // from every IPv6 interface of the host.
        IReadOnlyList<IPAddress> addresses = options.BindAddress is IPAddress bind ? [bind] : MqttListener.Loopback;
        _listener = new MqttListener(addresses, options.TlsPort, options.PlainPort, serverCertificate, ValidateClientCertificate, options.Limits, Refusals, time);

        // The listeners are LocalIotCore's own (MqttListener); MQTTnet's server gets no endpoints of its own.
        // Persistent sessions as AWS keeps them: subscriptions and QoS 1 messages of a clean-session-0
        // client are kept while it is away (bounded and expired here, which MQTTnet does not do).
        _sessionExpiry = options.PersistentSessionExpiry;
        _sessionQueueLimit = options.PersistentSessionQueueLimit;
        var serverOptions = new MqttServerOptionsBuilder().WithoutDefaultEndpoint().WithPersistentSessions().Build();
        _server = new MqttServerFactory().CreateMqttServer(serverOptions, [_listener]);
        _server.ValidatingConnectionAsync += ValidateConnectionAsync;
        _server.InterceptingPublishAsync += InterceptPublishAsync;
        _server.InterceptingSubscriptionAsync += InterceptSubscriptionAsync;
        _server.ClientConnectedAsync += OnConnectedAsync;
        _server.ClientDisconnectedAsync += OnDisconnectedAsync;
        _server.InterceptingClientEnqueueAsync += InterceptEnqueueAsync;
        Retained = retained;
        if (retained is not null)
        {
            _server.LoadingRetainedMessageAsync += e =>
            {
                foreach (var message in retained.List(null, int.MaxValue))
                {
                    e.LoadedRetainedMessages.Add(new MqttApplicationMessageBuilder().WithTopic(message.Topic).WithPayload(message.Payload).WithQualityOfServiceLevel((MqttQualityOfServiceLevel)message.Qos).WithRetainFlag().Build());
                }

                return Task.CompletedTask;
            };
            _server.RetainedMessageChangedAsync += e =>
            {
                var message = e.ChangedRetainedMessage;
                if (message.Payload.IsEmpty)
                {
                    retained.Delete(message.Topic); // AWS and MQTT: an empty retained publish clears the topic.
                }
                else
                {
                    retained.Put(new RetainedMessage(message.Topic, System.Buffers.BuffersExtensions.ToArray(message.Payload), (int)message.QualityOfServiceLevel, _time.GetUtcNow().ToUnixTimeMilliseconds()));
                }

                return Task.CompletedTask;
            };
            _server.RetainedMessagesClearedAsync += _ =>
            {
                retained.Clear();
                return Task.CompletedTask;
            };
        }
    }

    /// <summary>The retained messages (what the data plane's GetRetainedMessage and ListRetainedMessages read); null when not kept.</summary>
    public RetainedMessageStore? Retained { get; }

    /// <summary>The TLS port (after <see cref="StartAsync"/>; a free one when 0 was asked for).</summary>
    public int TlsPort => _listener.TlsPort;

    public int? PlainPort => _listener.PlainPort;

    /// <summary>What was refused, logged at most once per kind per window.</summary>
    public RefusalLog Refusals { get; }

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

    /// <summary>
    /// A message from the data plane's Publish: delivered as an application's publish (to subscribers,
    /// rules and the shadow service), retained when asked. The caller checks the topic first.
    /// </summary>
    public Task PublishAsApplicationAsync(string topic, byte[] payload, MqttQualityOfServiceLevel qos, bool retain)
    {
        var message = new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload).WithQualityOfServiceLevel(qos).WithRetainFlag(retain).Build();
        var items = new Dictionary<object, object> { [IdentityKey] = DataPlanePublisher };
        return _server.InjectApplicationMessage(new InjectedMqttApplicationMessage(message) { SenderClientId = DataPlanePublisher.Name, CustomSessionItems = items });
    }

    /// <summary>Who the data plane's Publish publishes as: an application, held to the same service-topic rule.</summary>
    public static Identity DataPlanePublisher { get; } = Identity.Application("iot-data-publish");

    public async ValueTask DisposeAsync()
    {
        // AWS reports the clients of a broker that goes away as SERVER_INITIATED_DISCONNECT. They are
        // reported here, while the listeners of lifecycle events are still connected, not from
        // MQTTnet's disconnect events, which come after StopAsync has torn the server down.
        Interlocked.Exchange(ref _stopping, 1);
        var reported = false;
        foreach (var connection in _open.Keys)
        {
            reported = true;
            // A client whose DISCONNECT is read but not yet processed left by itself.
            var left = connection.DisconnectReceived;
            await ReportDisconnectAsync(connection, left ? "CLIENT_INITIATED_DISCONNECT" : ClientConnection.ServerInitiated, clientInitiated: left).ConfigureAwait(false);
        }

        if (reported)
        {
            await DrainAsync().ConfigureAwait(false);
        }

        await _server.StopAsync(new MqttServerStopOptions()).ConfigureAwait(false);
        foreach (var expiry in _sessionExpiries.Values)
        {
            expiry.Dispose();
        }

        _server.Dispose();
    }

    /// <summary>
    /// Lets the connected clients' send queues empty (the events just published) before the server
    /// closes them; bounded, since a client that does not read would hold the stop forever.
    /// </summary>
    private async Task DrainAsync()
    {
        for (var attempt = 0; attempt < DrainAttempts; attempt++)
        {
            var pending = 0L;
            foreach (var client in await _server.GetClientsAsync().ConfigureAwait(false))
            {
                pending += client.Session.PendingApplicationMessagesCount;
            }

            // A real pause, not the injected clock: this waits for sockets, and a stopped test clock must not hang the stop.
            await Task.Delay(DrainPause, TimeProvider.System).ConfigureAwait(false);
            if (pending == 0)
            {
                return;
            }
        }
    }

    private const int DrainAttempts = 100;

    private static readonly TimeSpan DrainPause = TimeSpan.FromMilliseconds(10);

    private bool ValidateClientCertificate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null)
        {
            Refusals.Refused(RefusalKind.TlsHandshake, "TLS connection without a client certificate");
            return false;
        }

        using var client = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        if (!LocalIotCore.Certificates.LocalCertificateAuthority.IsIssuedBy(client, _ca, _time.GetUtcNow().UtcDateTime))
        {
            Refusals.Refused(RefusalKind.TlsHandshake, "TLS connection with client certificate '" + client.Subject + "', which is not signed by the local CA or not valid now");
            return false;
        }

        return true;
    }

    private Task ValidateConnectionAsync(ValidatingConnectionEventArgs e)
    {
        Identity identity;
        string principal;
        if (e.IsSecureConnection)
        {
            if (e.ClientCertificate is not { } certificate)
            {
                return Refuse(e, MqttConnectReasonCode.NotAuthorized, "no client certificate");
            }

            if (AuthorizeCertificate(e.ClientId, certificate, out var denied) is not { } policies)
            {
                return Refuse(e, MqttConnectReasonCode.NotAuthorized, denied!);
            }

            identity = Identity.Certificate(e.ClientId, policies);
            principal = policies.CertificateId;
        }
        else
        {
            identity = Identity.Application(string.IsNullOrEmpty(e.ClientId) ? "application" : e.ClientId);
            principal = "loopback-application";
        }

        var connect = ConnectPacketOf(e);
        var connection = new ClientConnection(e.ClientId, identity, Guid.NewGuid().ToString(), principal, connect.KeepAlivePeriod, (e.ChannelAdapter as LoggedChannelAdapter)?.Activity)
        {
            // MQTT 3.1.1 section 3.1.2.4; MQTT 5 keeps a session with a session expiry interval.
            PersistentSession = e.ProtocolVersion == MQTTnet.Formatter.MqttProtocolVersion.V500 ? connect.SessionExpiryInterval > 0 : !connect.CleanSession,
        };
        _byConnect.AddOrUpdate(connect, connection);
        // A new session keeps these items; a resumed one gets them again in OnConnectedAsync.
        e.SessionItems[IdentityKey] = identity;
        e.SessionItems[SessionKey] = connection;
        RefuseForbiddenWill(e, identity);
        // The client is back before its session expired: the session must not end under it, and what is
        // published from now on is no longer held to the away quota (the CONNACK goes out before
        // OnConnectedAsync runs, so the client may already be receiving by then).
        if (_sessionExpiries.TryRemove(e.ClientId, out var expiry))
        {
            expiry.Dispose();
        }

        _queuedWhileAway.TryRemove(e.ClientId, out _);
        return Task.CompletedTask;
    }

    /// <summary>
    /// AWS sends a Last Will only where the client's policy allows it to publish (iot:Publish on the will
    /// topic). A will it may not publish is dropped here, when the client connects, so that no path
    /// sends it (MQTTnet's on a drop, this broker's on a takeover), and its owner sees why in the log.
    /// </summary>
    private void RefuseForbiddenWill(ValidatingConnectionEventArgs e, Identity identity)
    {
        MQTTnet.Packets.MqttConnectPacket? connect;
        try
        {
            connect = ConnectPacketOf(e);
        }
        catch (MissingFieldException)
        {
            // Every path that sends a will checks the policy again (InterceptPublishAsync, PublishTakenOverWillAsync).
            return;
        }

        if (connect is { WillFlag: true } && TopicPolicy.DenyPublish(identity, connect.WillTopic ?? "") is string denied)
        {
            connect.WillFlag = false;
            Refusals.Refused(RefusalKind.WillRefused, "client '" + e.ClientId + "' connected with a Last Will on '" + connect.WillTopic + "'; the will will not be sent: " + denied);
        }
    }

    /// <summary>
    /// AWS IoT Core's checks at CONNECT: the certificate is registered (or provisioned just in time),
    /// ACTIVE, and its attached policies allow iot:Connect on <c>client/&lt;clientId&gt;</c>, with
    /// <c>iot:Connection.Thing.*</c> defined when the client id names a thing attached to it.
    /// </summary>
    private ConnectionPolicies? AuthorizeCertificate(string clientId, X509Certificate2 certificate, out string? denied)
    {
        var info = _principals.Describe(certificate);
        if (info is null && _provision is not null)
        {
            info = _provision(certificate);
            if (info is not null)
            {
                _log.LogInformation("Registered certificate {Certificate} ({Subject}) just in time, with its thing and the default device policy", info.CertificateId, certificate.Subject);
            }
        }

        if (info is null)
        {
            denied = "certificate " + Convert.ToHexStringLower(SHA256.HashData(certificate.RawData)) + " (" + certificate.Subject + ") is not registered";
            return null;
        }

        if (!info.IsActive)
        {
            denied = "certificate " + info.CertificateId + " is not ACTIVE";
            return null;
        }

        var documents = new List<PolicyDocument>(info.Policies.Count);
        foreach (var attached in info.Policies)
        {
            try
            {
                documents.Add(_parsedPolicies.GetOrAdd((attached.Name, attached.Document), key => PolicyDocument.Parse(key.Document, key.Name)));
            }
            catch (MalformedPolicyException ex)
            {
                // CreatePolicy refuses these; a document edited in the database by hand is ignored, loudly.
                _log.LogError("Policy {Policy} attached to certificate {Certificate} is malformed and is ignored: {Reason}", attached.Name, info.CertificateId, ex.Message);
            }
        }

        var policies = new ConnectionPolicies(_evaluator, info.CertificateId, documents, PolicyContext.ForConnection(clientId, info.AttachedThings));
        var verdict = policies.Connect();
        denied = verdict.IsAllowed ? null : policies.Explain(verdict);
        return verdict.IsAllowed ? policies : null;
    }

    /// <summary>iot:Receive: a message is delivered (or queued) only where the receiver's policies allow it; otherwise it is dropped for that receiver.</summary>
    private bool MayReceive(InterceptingClientApplicationMessageEnqueueEventArgs e)
    {
        if (_receivers.TryGetValue(e.ReceiverClientId, out var receiver) && TopicPolicy.DenyReceive(receiver, e.ApplicationMessage.Topic) is string denied)
        {
            e.AcceptEnqueue = false;
            Refusals.Refused(RefusalKind.ReceiveRefused, "message on '" + e.ApplicationMessage.Topic + "' not delivered to '" + e.ReceiverClientId + "': " + denied);
            return false;
        }

        return true;
    }

    private Task Refuse(ValidatingConnectionEventArgs e, MqttConnectReasonCode code, string reason)
    {
        Refusals.Refused(RefusalKind.ConnectRefused, "connection of client id '" + e.ClientId + "': " + reason);
        e.ReasonCode = code;
        return Task.CompletedTask;
    }

    private async Task InterceptPublishAsync(InterceptingPublishEventArgs e)
    {
        var topic = e.ApplicationMessage.Topic;
        var payload = e.ApplicationMessage.Payload;
        if (IdentityOf(e.SessionItems) is Identity identity)
        {
            // AWS closes the connection of a client that publishes where its policy does not allow, or
            // more than its message size limit.
            (RefusalKind Kind, string? Reason) denied = payload.Length > ListenerLimits.MaximumPayloadBytes
                ? (RefusalKind.OversizedPacket, "a message of " + payload.Length + " bytes on '" + topic + "' is larger than the " + ListenerLimits.MaximumPayloadBytes + "-byte limit")
                : TopicPolicy.DenyPublish(identity, topic) is string reason ? (RefusalKind.PublishRefused, reason) : default;
            if (denied.Reason is not null)
            {
                Refusals.Refused(denied.Kind, "publish from '" + e.ClientId + "' refused and connection closed: " + denied.Reason);
                if (e.SessionItems?[SessionKey] is ClientConnection connection)
                {
                    // AWS's disconnect reasons: an unauthorized publish is AUTH_ERROR, an oversized one CLIENT_ERROR.
                    connection.DropReason = denied.Kind == RefusalKind.PublishRefused ? "AUTH_ERROR" : ClientConnection.ClientError;
                }

                e.ProcessPublish = false;
                e.CloseConnection = true;
                return;
            }
        }

        var bytes = payload.IsSingleSegment ? payload.First.Span : System.Buffers.BuffersExtensions.ToArray(payload);
        IReadOnlyList<ShadowMessage> messages;
        try
        {
            // clientid() in the rules: the MQTT client, or n/a for what LocalIotCore itself published.
            messages = _router.OnPublish(topic, bytes, IdentityOf(e.SessionItems) is null ? null : e.ClientId);
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
        var filter = e.TopicFilter.Topic;
        if (string.IsNullOrEmpty(filter))
        {
            // MQTT 3.1.1 section 4.7.3: a topic filter is at least one character long.
            Refusals.Refused(RefusalKind.SubscribeRefused, "subscription of '" + e.ClientId + "' to an empty topic filter");
            e.ProcessSubscription = false;
            e.Response.ReasonCode = MqttSubscribeReasonCode.TopicFilterInvalid;
        }
        else if (IdentityOf(e.SessionItems) is Identity identity && TopicPolicy.DenySubscribe(identity, filter) is string denied)
        {
            Refusals.Refused(RefusalKind.SubscribeRefused, "subscription of '" + e.ClientId + "': " + denied);
            e.ProcessSubscription = false;
            e.Response.ReasonCode = MqttSubscribeReasonCode.NotAuthorized;
        }

        return Task.CompletedTask;
    }

    private async Task OnConnectedAsync(ClientConnectedEventArgs e)
    {
        if (!_byConnect.TryGetValue(ConnectPacketOf(e), out var connection))
        {
            return;
        }

        // A resumed persistent session brings the items of its first connection: this connection's own go in.
        e.SessionItems[IdentityKey] = connection.Identity;
        e.SessionItems[SessionKey] = connection;
        _open.TryAdd(connection, 0);
        _receivers[e.ClientId] = connection.Identity;
        connection.Version = _versions.AddOrUpdate(e.ClientId, id => _connections.StoredVersion(id) + 1, (_, v) => v + 1);
        var address = e.RemoteEndPoint is IPEndPoint ip ? ip.Address.ToString() : null;
        await Lifecycle(connection, new LifecycleEvent(e.ClientId, true, _time.GetUtcNow().ToUnixTimeMilliseconds(), connection.SessionId, connection.Principal, connection.Version, address)).ConfigureAwait(false);
        if (Volatile.Read(ref _stopping) == 1)
        {
            // Connected while LocalIotCore was stopping, after the others were reported.
            await ReportDisconnectAsync(connection, ClientConnection.ServerInitiated, clientInitiated: false).ConfigureAwait(false);
        }
    }

    private async Task OnDisconnectedAsync(ClientDisconnectedEventArgs e)
    {
        if (_byConnect.TryGetValue(ConnectPacketOf(e), out var connection))
        {
            var reason = e.DisconnectType switch
            {
                MqttClientDisconnectType.Clean => "CLIENT_INITIATED_DISCONNECT",
                MqttClientDisconnectType.Takeover => "DUPLICATE_CLIENTID",
                _ => connection.ReasonForDrop(Volatile.Read(ref _stopping) == 1),
            };
            await ReportDisconnectAsync(connection, reason, e.DisconnectType == MqttClientDisconnectType.Clean).ConfigureAwait(false);
            if (e.DisconnectType != MqttClientDisconnectType.Takeover && connection.PersistentSession && Volatile.Read(ref _stopping) == 0)
            {
                KeepSessionWhileAway(e.ClientId);
            }
        }

        if (e.DisconnectType == MqttClientDisconnectType.Takeover)
        {
            await PublishTakenOverWillAsync(e).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// AWS keeps a persistent session for its expiry (1 hour by default) after the client went away,
    /// then ends it with its subscriptions and stored messages.
    /// </summary>
    private void KeepSessionWhileAway(string clientId)
    {
        _queuedWhileAway[clientId] = 0;
        var expiry = new SessionExpiry(clientId);
        expiry.Timer = _time.CreateTimer(state => _ = ExpireSessionAsync((SessionExpiry)state!), expiry, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _sessionExpiries.AddOrUpdate(clientId, expiry.Timer, (_, previous) =>
        {
            previous.Dispose();
            return expiry.Timer;
        });
        expiry.Timer.Change(_sessionExpiry, Timeout.InfiniteTimeSpan); // armed once it is registered
    }

    private sealed class SessionExpiry(string clientId)
    {
        public string ClientId { get; } = clientId;

        public ITimer Timer { get; set; } = null!;
    }

    private async Task ExpireSessionAsync(SessionExpiry expiry)
    {
        var clientId = expiry.ClientId;
        expiry.Timer.Dispose();
        if (!_sessionExpiries.TryRemove(new KeyValuePair<string, ITimer>(clientId, expiry.Timer)))
        {
            return; // the client came back (or went away again) meanwhile
        }

        try
        {
            foreach (var client in await _server.GetClientsAsync().ConfigureAwait(false))
            {
                if (client.Id == clientId)
                {
                    return;
                }
            }

            foreach (var session in await _server.GetSessionsAsync().ConfigureAwait(false))
            {
                if (session.Id == clientId)
                {
                    _log.LogInformation("The persistent session of {Client} expired after {Expiry}", clientId, _sessionExpiry);
                    await session.DeleteAsync().ConfigureAwait(false);
                }
            }

            _queuedWhileAway.TryRemove(clientId, out _);
        }
        catch (ObjectDisposedException)
        {
            // LocalIotCore stopped meanwhile; the session went with it.
        }
    }

    /// <summary>
    /// For a client that is away: AWS stores only QoS 1 messages, and at most the session quota of them
    /// (the newest beyond it are dropped, so the client gets what it missed first).
    /// </summary>
    private Task InterceptEnqueueAsync(InterceptingClientApplicationMessageEnqueueEventArgs e)
    {
        if (!MayReceive(e))
        {
            return Task.CompletedTask;
        }

        if (!_queuedWhileAway.TryGetValue(e.ReceiverClientId, out var queued))
        {
            return Task.CompletedTask;
        }

        if (e.ApplicationMessage.QualityOfServiceLevel == MqttQualityOfServiceLevel.AtMostOnce || queued >= _sessionQueueLimit)
        {
            e.AcceptEnqueue = false;
            if (queued == _sessionQueueLimit && e.ApplicationMessage.QualityOfServiceLevel != MqttQualityOfServiceLevel.AtMostOnce)
            {
                _log.LogWarning("The persistent session of {Client} holds {Limit} messages; newer ones are dropped until it reconnects", e.ReceiverClientId, _sessionQueueLimit);
                _queuedWhileAway.TryUpdate(e.ReceiverClientId, queued + 1, queued);
            }

            return Task.CompletedTask;
        }

        _queuedWhileAway.TryUpdate(e.ReceiverClientId, queued + 1, queued);
        return Task.CompletedTask;
    }

    /// <summary>The disconnect event of a connection, once (LocalIotCore's stop and MQTTnet's event may both try).</summary>
    private async Task ReportDisconnectAsync(ClientConnection connection, string reason, bool clientInitiated)
    {
        _open.TryRemove(connection, out _);
        if (!connection.TryMarkReported())
        {
            return;
        }

        await Lifecycle(connection, new LifecycleEvent(connection.ClientId, false, _time.GetUtcNow().ToUnixTimeMilliseconds(), connection.SessionId, connection.Principal, connection.Version, null, clientInitiated, reason)).ConfigureAwait(false);
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

        // The will was checked when the client connected; checked again here because this path
        // publishes as LocalIotCore itself, past InterceptPublishAsync.
        var denied = IdentityOf(e.SessionItems) is Identity identity ? TopicPolicy.DenyPublish(identity, connect.WillTopic) : "the session has no identity";
        if (denied is not null)
        {
            Refusals.Refused(RefusalKind.WillRefused, "the will of '" + e.ClientId + "'s taken-over session on '" + connect.WillTopic + "' is not sent: " + denied);
            return;
        }

        if (connect.WillMessage is { Length: > ListenerLimits.MaximumPayloadBytes })
        {
            Refusals.Refused(RefusalKind.WillRefused, "the will of '" + e.ClientId + "'s taken-over session is larger than the message size limit and is not sent");
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

    // The same packet, when the client connects (pinned by the forbidden-will tests).
    [System.Runtime.CompilerServices.UnsafeAccessor(System.Runtime.CompilerServices.UnsafeAccessorKind.Field, Name = "_connectPacket")]
    private static extern ref MQTTnet.Packets.MqttConnectPacket ConnectPacketOf(ValidatingConnectionEventArgs e);

    // The same packet again, which finds the connection's ClientConnection (pinned by every lifecycle test).
    [System.Runtime.CompilerServices.UnsafeAccessor(System.Runtime.CompilerServices.UnsafeAccessorKind.Field, Name = "_connectPacket")]
    private static extern ref MQTTnet.Packets.MqttConnectPacket ConnectPacketOf(ClientConnectedEventArgs e);

    private async Task Lifecycle(ClientConnection connection, LifecycleEvent lifecycle)
    {
        // The connection table is kept by the localConnectionTable rule on the lifecycle topics (rules.json).
        _log.LogInformation("Lifecycle: {Client} {Event}{Reason}", lifecycle.ClientId, lifecycle.Connected ? "connected" : "disconnected", lifecycle.DisconnectReason is null ? "" : " (" + lifecycle.DisconnectReason + ")");
        // AWS sends no lifecycle events for client ids with '#' or '+' (they cannot be topic levels).
        if (lifecycle.ClientId.AsSpan().IndexOfAny('#', '+') < 0)
        {
            await PublishAsync([new ShadowMessage(lifecycle.Topic, lifecycle.ToJson())]).ConfigureAwait(false);
        }
    }

    private static Identity? IdentityOf(IDictionary? items) => items?[IdentityKey] as Identity;

    /// <summary>One client connection: who it is, its lifecycle session and version, and why it ended.</summary>
    private sealed class ClientConnection(string clientId, Identity identity, string sessionId, string principal, ushort keepAliveSeconds, ConnectionActivity? activity)
    {
        public const string ServerInitiated = "SERVER_INITIATED_DISCONNECT";
        public const string ClientError = "CLIENT_ERROR";

        private int _reported;

        public Identity Identity { get; } = identity;

        public string ClientId { get; } = clientId;

        public string SessionId { get; } = sessionId;

        public string Principal { get; } = principal;

        public long Version { get; set; }

        /// <summary>Whether the session outlives the connection (clean session = 0).</summary>
        public bool PersistentSession { get; init; }

        /// <summary>Set by the broker before it closes the connection itself (AWS's reason for it).</summary>
        public string? DropReason { get; set; }

        public bool TryMarkReported() => Interlocked.Exchange(ref _reported, 1) == 0;

        public bool DisconnectReceived => activity?.DisconnectReceived == true;

        /// <summary>AWS's reason for a connection that ended without DISCONNECT and without a takeover.</summary>
        public string ReasonForDrop(bool serverStopping)
        {
            if (DropReason is not null)
            {
                return DropReason;
            }

            if (serverStopping)
            {
                return ServerInitiated;
            }

            if (activity is null)
            {
                return "CONNECTION_LOST";
            }

            if (activity.InputRefused)
            {
                return ClientError;
            }

            // MQTTnet's monitor drops a client silent for 1.5 x its keep-alive (MQTT 3.1.1 section 3.1.2.10).
            return keepAliveSeconds > 0 && activity.Silence >= TimeSpan.FromSeconds(keepAliveSeconds * 1.5) ? "MQTT_KEEP_ALIVE_TIMEOUT" : "CONNECTION_LOST";
        }
    }
}

public sealed class IotBrokerOptions
{
    /// <summary>null = loopback on both address families (127.0.0.1 and ::1).</summary>
    public IPAddress? BindAddress { get; set; }

    public ListenerLimits Limits { get; set; } = new();

    public TimeSpan RefusalLogWindow { get; set; } = RefusalLog.DefaultWindow;

    /// <summary>0 = a free port.</summary>
    public int TlsPort { get; set; } = 8883;

    /// <summary>A plain loopback listener for application clients; null = off.</summary>
    public int? PlainPort { get; set; }

    /// <summary>AWS's default persistent session expiry (MQTT persistent sessions: 1 hour).</summary>
    public static readonly TimeSpan DefaultPersistentSessionExpiry = TimeSpan.FromHours(1);

    /// <summary>QoS 1 messages kept for a persistent session whose client is away (AWS's in-flight quota, 100).</summary>
    public const int DefaultPersistentSessionQueueLimit = 100;

    /// <summary>How long a persistent session outlives its client's disconnect.</summary>
    public TimeSpan PersistentSessionExpiry { get; set; } = DefaultPersistentSessionExpiry;

    /// <summary>How many messages a persistent session stores while its client is away.</summary>
    public int PersistentSessionQueueLimit { get; set; } = DefaultPersistentSessionQueueLimit;
}
