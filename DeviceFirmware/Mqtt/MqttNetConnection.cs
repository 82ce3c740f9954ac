using System.Buffers;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Protocol;

namespace DeviceFirmware.Mqtt;

/// <summary>
/// <see cref="IMqttConnection"/> on MQTTnet 5: MQTT 3.1.1 (which AWS IoT and mosquitto both speak),
/// mutual TLS from PEM files read anew at every connect, the broker's certificate checked against
/// the configured root CA only, a Last Will, QoS 1 everywhere. One attempt per
/// <see cref="ConnectAsync"/>: retrying with backoff is the agent's decision.
/// <para>
/// A silent blackhole (no FIN, no RST, nothing comes back) is detected here, not by MQTTnet's
/// keep-alive: MQTTnet 5 sends PINGREQ only after a keep-alive period in which nothing was
/// <i>sent</i>, so a device publishing every few seconds never pings; and its QoS 1 publish waits
/// for the PUBACK as long as the caller's token allows (it applies <c>Timeout</c> to SUBSCRIBE and
/// PING, not to PUBLISH), and a timed-out request leaves the client "connected". So every
/// PUBACK/SUBACK gets <see cref="MqttConnectionOptions.ConnectTimeoutSeconds"/>; one that does not
/// come in time means the link is dead: the client is dropped and <see cref="ConnectionLost"/> raised.
/// </para>
/// <para>
/// The keep-alive is <see cref="KeepAlivePinger"/>'s, not MQTTnet's: one timer per keep-alive period
/// instead of MQTTnet's 250 ms polling loop, which kept an idle device's thread pool waking.
/// </para>
/// </summary>
public sealed class MqttNetConnection : IMqttConnection
{
    private static readonly PbeParameters TransientPkcs12 = new(PbeEncryptionAlgorithm.Aes128Cbc, HashAlgorithmName.SHA256, 1);

    private readonly MqttConnectionOptions _options;
    private readonly string _clientId;
    private readonly string _willTopic;
    private readonly byte[] _willPayload;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly MqttClientFactory _factory = new();
    private readonly HashSet<string> _warnedKeyPaths = new(StringComparer.Ordinal);
    private IMqttClient? _client;
    private CancellationTokenSource? _pinging;
    private volatile bool _disconnectRequested;
    private string? _serverCertificateProblem;

    public MqttNetConnection(MqttConnectionOptions options, string clientId, string willTopic, byte[] willPayload, TimeProvider time, ILogger<MqttNetConnection> log)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        ArgumentException.ThrowIfNullOrWhiteSpace(clientId);
        ArgumentException.ThrowIfNullOrWhiteSpace(willTopic);
        _clientId = clientId;
        _willTopic = willTopic;
        _willPayload = willPayload ?? throw new ArgumentNullException(nameof(willPayload));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _log = log ?? throw new ArgumentNullException(nameof(log));
    }

    public event Action<string, ReadOnlyMemory<byte>>? MessageReceived;

    public event Action<string>? ConnectionLost;

    public bool IsConnected => _client?.IsConnected == true;

    public async Task ConnectAsync(CancellationToken cancellationToken)
    {
        await DropClientAsync().ConfigureAwait(false);
        var timeout = TimeSpan.FromSeconds(_options.ConnectTimeoutSeconds);
        var clientOptions = BuildOptions(timeout);
        IMqttClient? pinged = null;
        var pinger = new KeepAlivePinger(_time, TimeSpan.FromSeconds(_options.KeepAliveSeconds), timeout,
            token => pinged!.PingAsync(token), reason => PresumeDead(pinged!, reason));
        var client = _factory.CreateMqttClient(new KeepAliveAdapterFactory((ushort)_options.KeepAliveSeconds, pinger.NotePacketSent));
        pinged = client;
        client.ApplicationMessageReceivedAsync += e => OnMessageAsync(client, e);
        client.DisconnectedAsync += e => OnDisconnectedAsync(client, e);
        _disconnectRequested = false;
        _serverCertificateProblem = null;
        _client = client;

        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        attempt.CancelAfter(timeout);
        MqttClientConnectResult result;
        try
        {
            result = await client.ConnectAsync(clientOptions, attempt.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            _client = null;
            client.Dispose();
            throw new MqttConnectException(TlsDiagnosis.Explain(ex, _options.Endpoint, _options.Port, timeout, _serverCertificateProblem, _options.UseTls), ex);
        }
        catch
        {
            _client = null;
            client.Dispose();
            throw;
        }

        if (result.ResultCode != MqttClientConnectResultCode.Success)
        {
            // MQTTnet 5 reports a refused CONNACK in the result rather than throwing.
            _client = null;
            client.Dispose();
            throw new MqttConnectException(TlsDiagnosis.ExplainRefusal(result.ResultCode.ToString(), _options.Endpoint, _options.Port, _clientId));
        }

        StopPinging();
        var pinging = new CancellationTokenSource();
        _pinging = pinging;
        _ = pinger.RunAsync(pinging.Token);
        _log.LogInformation("Connected to {Endpoint}:{Port} as {ClientId} ({Transport}, keep-alive {KeepAlive} s).",
            _options.Endpoint, _options.Port, _clientId, _options.UseTls ? "mutual TLS" : "plain TCP", _options.KeepAliveSeconds);
    }

    public async Task SubscribeAsync(IReadOnlyList<string> topics, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(topics);
        var client = _client ?? throw new InvalidOperationException("Not connected.");
        var builder = _factory.CreateSubscribeOptionsBuilder();
        foreach (var topic in topics)
        {
            builder.WithTopicFilter(topic, MqttQualityOfServiceLevel.AtLeastOnce);
        }

        var options = builder.Build();
        var result = await AwaitAcknowledgedAsync(client, "SUBACK", token => client.SubscribeAsync(options, token), cancellationToken).ConfigureAwait(false);
        var refused = new List<string>();
        foreach (var item in result.Items)
        {
            if (item.ResultCode is not (MqttClientSubscribeResultCode.GrantedQoS0 or MqttClientSubscribeResultCode.GrantedQoS1 or MqttClientSubscribeResultCode.GrantedQoS2))
            {
                refused.Add(item.TopicFilter.Topic + " (" + item.ResultCode + ")");
            }
        }

        if (refused.Count > 0)
        {
            throw new InvalidOperationException("The broker refused the subscription to " + string.Join(", ", refused) + "; check the thing policy (see docs/aws-setup.md).");
        }
    }

    public async Task PublishAsync(string topic, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        var client = _client ?? throw new InvalidOperationException("Not connected.");
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(payload.ToArray())
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        var result = await AwaitAcknowledgedAsync(client, "PUBACK", token => client.PublishAsync(message, token), cancellationToken).ConfigureAwait(false);
        if (!result.IsSuccess)
        {
            throw new InvalidOperationException("The broker did not accept the message on " + topic + ": " + result.ReasonCode + " " + result.ReasonString);
        }
    }

    public async Task DisconnectAsync(CancellationToken cancellationToken)
    {
        var client = _client;
        if (client is null)
        {
            return;
        }

        _disconnectRequested = true;
        StopPinging();
        if (client.IsConnected)
        {
            // A normal DISCONNECT tells the broker not to publish the Last Will.
            var options = _factory.CreateClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.NormalDisconnection).Build();
            await client.DisconnectAsync(options, cancellationToken).ConfigureAwait(false);
        }

        _log.LogInformation("Disconnected cleanly from {Endpoint}:{Port}.", _options.Endpoint, _options.Port);
    }

    public async ValueTask DisposeAsync()
    {
        await DropClientAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Runs one request and waits for its acknowledgement at most the configured timeout. A caller's
    /// cancellation is the caller's business; the timeout running out is a verdict on the link.
    /// </summary>
    private async Task<T> AwaitAcknowledgedAsync<T>(IMqttClient client, string acknowledgement, Func<CancellationToken, Task<T>> request, CancellationToken cancellationToken)
    {
        var timeout = TimeSpan.FromSeconds(_options.ConnectTimeoutSeconds);
        using var deadline = new CancellationTokenSource(timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            return await request(linked.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested && ex is not MqttConnectException)
        {
            var reason = "no " + acknowledgement + " within " + _options.ConnectTimeoutSeconds + " s; the link is presumed dead";
            PresumeDead(client, reason);
            throw new TimeoutException(reason + ".", ex);
        }
    }

    /// <summary>
    /// Drops a client whose link stopped answering, without DISCONNECT: the broker will (rightly)
    /// publish the Last Will. Raises <see cref="ConnectionLost"/> once, however many requests were
    /// waiting on the dead link.
    /// </summary>
    private void PresumeDead(IMqttClient client, string reason)
    {
        if (!ReferenceEquals(Interlocked.CompareExchange(ref _client, null, client), client))
        {
            return; // Already dropped or replaced; whoever did it reported it.
        }

        _log.LogWarning("Connection to {Endpoint}:{Port} lost: {Reason}", _options.Endpoint, _options.Port, reason);
        StopPinging();
        client.Dispose();
        RaiseConnectionLost(reason);
    }

    private void RaiseConnectionLost(string reason)
    {
        try
        {
            ConnectionLost?.Invoke(reason);
        }
        catch (Exception ex)
        {
            _log.LogError(ex, "A connection-lost handler failed");
        }
    }

    private void StopPinging()
    {
        var pinging = Interlocked.Exchange(ref _pinging, null);
        if (pinging is not null)
        {
            pinging.Cancel();
            pinging.Dispose();
        }
    }

    private Task DropClientAsync()
    {
        StopPinging();
        var client = Interlocked.Exchange(ref _client, null);
        if (client is not null)
        {
            _disconnectRequested = true;
            client.Dispose();
        }

        return Task.CompletedTask;
    }

    private MqttClientOptions BuildOptions(TimeSpan timeout)
    {
        var builder = _factory.CreateClientOptionsBuilder()
            .WithTcpServer(_options.Endpoint, _options.Port)
            .WithClientId(_clientId)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V311)
            .WithCleanSession(true)
            // Zero keeps MQTTnet's keep-alive loop (a 250 ms wake-up, forever) from starting; the CONNECT
            // still carries the real keep-alive (KeepAliveAdapterFactory) and KeepAlivePinger pings.
            .WithKeepAlivePeriod(TimeSpan.Zero)
            .WithTimeout(timeout)
            .WithWillTopic(_willTopic)
            .WithWillPayload(_willPayload)
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithWillRetain(false);

        if (_options.UseTls)
        {
            var (rootCa, device) = LoadCertificates();
            var tls = new MqttClientTlsOptionsBuilder()
                .UseTls(true)
                .WithTargetHost(_options.Endpoint)
                .WithSslProtocols(SslProtocols.Tls12 | SslProtocols.Tls13)
                .WithClientCertificates(new X509Certificate2Collection(device))
                // The configured root is the only trust anchor: handing it to the TLS layer keeps .NET
                // from building a default chain from the system store (/etc/ssl/certs, ~160 ms at every
                // connect on this machine) only for ValidateServer to check against the root anyway.
                // No revocation check, as before (SslStream's default for clients).
                .WithTrustChain(new X509Certificate2Collection(rootCa))
                .WithRevocationMode(X509RevocationMode.NoCheck)
                .WithCertificateValidationHandler(e => ValidateServer(e, rootCa));
            var alpn = _options.Alpn ?? (_options.Port == DeviceFirmware.Core.Link.AwsIotMqtt.AlpnPort ? MqttConnectionOptions.AwsAlpnProtocol : null);
            if (!string.IsNullOrEmpty(alpn))
            {
                tls.WithApplicationProtocols([new SslApplicationProtocol(alpn)]);
            }

            builder.WithTlsOptions(tls.Build());
        }

        return builder.Build();
    }

    /// <summary>Reads the PEM files now (so a rotated certificate is picked up) and checks them.</summary>
    private (X509Certificate2 RootCa, X509Certificate2 Device) LoadCertificates()
    {
        WarnIfKeyIsReadableByOthers(_options.PrivateKeyPath);
        return LoadCertificates(_options, _time.GetUtcNow());
    }

    /// <summary>The root CA and the device certificate with its key, checked (also for the device's HTTPS calls).</summary>
    /// <exception cref="MqttConnectException">A file cannot be read, or the certificate cannot be used; the message says why.</exception>
    internal static (X509Certificate2 RootCa, X509Certificate2 Device) LoadCertificates(MqttConnectionOptions options, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(options);
        X509Certificate2 rootCa;
        try
        {
            rootCa = X509Certificate2.CreateFromPem(File.ReadAllText(options.RootCaPath));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new MqttConnectException("The root CA file '" + options.RootCaPath + "' cannot be read: " + ex.Message + ". See certs/README.md.", ex);
        }

        X509Certificate2 device;
        try
        {
            using var pem = X509Certificate2.CreateFromPemFile(options.CertificatePath, options.PrivateKeyPath);
            // SslStream wants a key it can hand to the TLS stack; a PKCS#12 round trip gives it one on every platform.
            // The blob lives only in memory, so it is "protected" with one PBKDF iteration: the default
            // (2,000 iterations, each way) cost about 11 ms of CPU per connect, which a fleet's or a storm's
            // reconnects pay many times over (Firmware.Benchmarks fleet).
            device = X509CertificateLoader.LoadPkcs12(pem.ExportPkcs12(TransientPkcs12, null), null);
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            throw new MqttConnectException("The device certificate '" + options.CertificatePath + "' and private key '" + options.PrivateKeyPath +
                "' cannot be used together: " + ex.Message + ". Is the key the one created with this certificate? See certs/README.md.", ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new MqttConnectException("The device certificate or key cannot be read: " + ex.Message + ". See certs/README.md.", ex);
        }

        if (TlsDiagnosis.CheckDeviceCertificate(device, now) is string problem)
        {
            throw new MqttConnectException(problem);
        }

        return (rootCa, device);
    }

    private bool ValidateServer(MqttClientCertificateValidationEventArgs e, X509Certificate2 rootCa)
    {
        if (e.Certificate is null)
        {
            _serverCertificateProblem = "it presented no certificate.";
            return false;
        }

        using var server = X509CertificateLoader.LoadCertificate(e.Certificate.GetRawCertData());
        var problem = TlsDiagnosis.CheckServerCertificate(server, rootCa, e.SslPolicyErrors & ~SslPolicyErrors.RemoteCertificateChainErrors, _time.GetUtcNow());
        _serverCertificateProblem = problem;
        return problem is null;
    }

    private void WarnIfKeyIsReadableByOthers(string path)
    {
        if (OperatingSystem.IsWindows() || !File.Exists(path))
        {
            return;
        }

        var mode = File.GetUnixFileMode(path);
        if ((mode & (UnixFileMode.GroupRead | UnixFileMode.OtherRead | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0 && _warnedKeyPaths.Add(path))
        {
            _log.LogWarning("The private key '{Path}' can be read by other users (mode {Mode}); restrict it with: chmod 600 {Path}", path, mode, path);
        }
    }

    private Task OnMessageAsync(IMqttClient client, MqttApplicationMessageReceivedEventArgs e)
    {
        if (!ReferenceEquals(client, _client))
        {
            return Task.CompletedTask;
        }

        try
        {
            // MQTTnet reuses its buffers: copy the payload before handing it on.
            var payload = e.ApplicationMessage.Payload.ToArray();
            MessageReceived?.Invoke(e.ApplicationMessage.Topic, payload);
        }
        catch (Exception ex)
        {
            _log.LogError(ex, "A handler failed for a message on {Topic}", e.ApplicationMessage.Topic);
        }

        return Task.CompletedTask;
    }

    private Task OnDisconnectedAsync(IMqttClient client, MqttClientDisconnectedEventArgs e)
    {
        if (!e.ClientWasConnected || _disconnectRequested)
        {
            return Task.CompletedTask;
        }

        // Claim the client, so that a request timing out on it at the same moment does not report it twice.
        if (!ReferenceEquals(Interlocked.CompareExchange(ref _client, null, client), client))
        {
            return Task.CompletedTask;
        }

        var reason = e.Reason == MqttClientDisconnectReason.NormalDisconnection && e.Exception is not null
            ? e.Exception.GetBaseException().Message
            : e.Reason + (string.IsNullOrEmpty(e.ReasonString) ? "" : ": " + e.ReasonString) + (e.Exception is null ? "" : " (" + e.Exception.GetBaseException().Message + ")");
        _log.LogWarning("Connection to {Endpoint}:{Port} lost: {Reason}", _options.Endpoint, _options.Port, reason);
        StopPinging();
        RaiseConnectionLost(reason);
        client.Dispose();
        return Task.CompletedTask;
    }
}
