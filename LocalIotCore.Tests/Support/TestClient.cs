using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading.Channels;
using LocalIotCore.Certificates;
using MQTTnet;
using MQTTnet.Protocol;

namespace LocalIotCore.Tests.Support;

/// <summary>An MQTT client for tests: a device with a certificate over TLS, or an application on the plain port.</summary>
internal sealed class TestClient : IAsyncDisposable
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private readonly Channel<(string Topic, string Payload)> _messages = Channel.CreateUnbounded<(string, string)>();

    private TestClient(IMqttClient client)
    {
        Client = client;
        client.ApplicationMessageReceivedAsync += e =>
        {
            _messages.Writer.TryWrite((e.ApplicationMessage.Topic, e.ApplicationMessage.ConvertPayloadToString()));
            return Task.CompletedTask;
        };
        client.DisconnectedAsync += e =>
        {
            Disconnected.TrySetResult(e);
            return Task.CompletedTask;
        };
    }

    public IMqttClient Client { get; }

    public TaskCompletionSource<MqttClientDisconnectedEventArgs> Disconnected { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public const string ConnectedFalse = "{\"state\":{\"reported\":{\"connected\":false}}}";

    /// <param name="register">Called with the minted certificate before connecting (e.g. to register it as an application's); by default the broker provisions it just in time as the thing its CN names.</param>
    public static async Task<TestClient> DeviceAsync(LocalCertificateAuthority authority, int port, string thing, string? clientId = null, string? willTopic = null, string? commonName = null, string willPayload = ConnectedFalse, Action<X509Certificate2>? register = null)
    {
        using var issued = authority.IssueDeviceCertificate(commonName ?? thing);
        register?.Invoke(issued);
        var certificate = X509CertificateLoader.LoadPkcs12(issued.Export(X509ContentType.Pkcs12), null);
        var ca = X509CertificateLoader.LoadCertificate(authority.Certificate.RawData);
        var tls = new MqttClientTlsOptionsBuilder()
            .UseTls(true)
            .WithTargetHost("localhost")
            .WithSslProtocols(SslProtocols.Tls12 | SslProtocols.Tls13)
            .WithClientCertificates(new X509Certificate2Collection(certificate))
            .WithCertificateValidationHandler(e =>
            {
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(ca);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(X509CertificateLoader.LoadCertificate(e.Certificate.GetRawCertData()));
            })
            .Build();
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer("localhost", port)
            .WithClientId(clientId ?? thing)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V311)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(30))
            .WithTlsOptions(tls);
        if (willTopic is not null)
        {
            builder.WithWillTopic(willTopic).WithWillPayload(willPayload).WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
        }

        var client = new TestClient(new MqttClientFactory().CreateMqttClient());
        var result = await client.Client.ConnectAsync(builder.Build());
        if (result.ResultCode != MqttClientConnectResultCode.Success)
        {
            client.Client.Dispose();
            throw new InvalidOperationException("Connection refused: " + result.ResultCode);
        }

        return client;
    }

    public static Task<TestClient> ApplicationAsync(int port, params string[] topics) => ConnectApplicationAsync(port, null, null, topics);

    /// <summary>An application on the plain port with its own client id and clean-session flag (MQTT 3.1.1).</summary>
    public static async Task<TestClient> SessionAsync(int port, string clientId, bool cleanSession)
    {
        var client = new TestClient(new MqttClientFactory().CreateMqttClient());
        var options = new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId(clientId).WithCleanSession(cleanSession)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V311).Build();
        client.SessionPresent = (await client.Client.ConnectAsync(options)).IsSessionPresent;
        return client;
    }

    /// <summary>The CONNACK's session present flag (<see cref="SessionAsync"/>).</summary>
    public bool SessionPresent { get; private set; }

    /// <summary>An application on the plain port with a Last Will.</summary>
    public static Task<TestClient> ApplicationWithWillAsync(int port, string willTopic, string willPayload) => ConnectApplicationAsync(port, willTopic, willPayload, []);

    private static async Task<TestClient> ConnectApplicationAsync(int port, string? willTopic, string? willPayload, string[] topics)
    {
        var client = new TestClient(new MqttClientFactory().CreateMqttClient());
        var builder = new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId("app-" + Guid.NewGuid().ToString("N")[..8]);
        if (willTopic is not null)
        {
            builder.WithWillTopic(willTopic).WithWillPayload(willPayload ?? ConnectedFalse).WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
        }

        await client.Client.ConnectAsync(builder.Build());
        foreach (var topic in topics)
        {
            await client.SubscribeAsync(topic);
        }

        return client;
    }

    public async Task<MqttClientSubscribeResultCode> SubscribeAsync(string topic)
    {
        var result = await Client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(topic, MqttQualityOfServiceLevel.AtLeastOnce).Build());
        foreach (var item in result.Items)
        {
            return item.ResultCode;
        }

        return MqttClientSubscribeResultCode.UnspecifiedError;
    }

    public Task PublishAsync(string topic, string payload) => PublishAsync(topic, Encoding.UTF8.GetBytes(payload));

    public Task PublishAsync(string topic, byte[] payload) =>
        Client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());

    /// <summary>The next message whose topic matches, skipping others.</summary>
    public async Task<(string Topic, string Payload)> NextAsync(Func<string, bool> topic, TimeSpan? within = null)
    {
        using var timeout = new CancellationTokenSource(within ?? Patience);
        while (true)
        {
            var message = await _messages.Reader.ReadAsync(timeout.Token);
            if (topic(message.Topic))
            {
                return message;
            }
        }
    }

    public Task<(string Topic, string Payload)> NextAsync(string topic, TimeSpan? within = null) => NextAsync(t => t == topic, within);

    /// <summary>Drops the TCP connection without DISCONNECT (what a crash looks like to the broker).</summary>
    public void Abort() => Client.Dispose();

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (Client.IsConnected)
            {
                await Client.DisconnectAsync();
            }
        }
        catch (ObjectDisposedException)
        {
        }

        Client.Dispose();
    }
}
