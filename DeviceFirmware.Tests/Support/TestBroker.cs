using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using MQTTnet;
using MQTTnet.Protocol;
using MQTTnet.Server;

namespace DeviceFirmware.Tests.Support;

/// <summary>
/// An in-process MQTTnet broker: a TLS endpoint that requires client certificates signed by the
/// test CA (like AWS IoT), and a plain loopback endpoint for an observing application client.
/// </summary>
internal sealed class TestBroker : IAsyncDisposable
{
    private readonly TestPki _pki;
    private MqttServer? _server;

    public TestBroker(TestPki pki, int? tlsPort = null)
    {
        _pki = pki;
        TlsPort = tlsPort ?? LocalIotCore.Broker.FreeTcpPort.Next();
        PlainPort = LocalIotCore.Broker.FreeTcpPort.Next();
    }

    public int TlsPort { get; }

    public int PlainPort { get; }

    public TaskCompletionSource<ClientDisconnectedEventArgs> ClientDisconnected { get; private set; } = New<ClientDisconnectedEventArgs>();

    /// <summary>The keep-alive (seconds) in the first CONNECT the broker received.</summary>
    public TaskCompletionSource<ushort> ConnectKeepAliveSeconds { get; } = New<ushort>();

    public async Task StartAsync()
    {
        var options = new MqttServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(IPAddress.Loopback)
            .WithDefaultEndpointPort(PlainPort)
            .WithEncryptedEndpoint()
            .WithEncryptedEndpointBoundIPAddress(IPAddress.Loopback)
            .WithEncryptedEndpointPort(TlsPort)
            .WithEncryptionCertificate(_pki.ServerCertificate)
            .WithClientCertificate(ValidateClient, false)
            .Build();
        options.TlsEndpointOptions.ClientCertificateRequired = true;
        _server = new MqttServerFactory().CreateMqttServer(options);
        _server.InterceptingPublishAsync += AnswerShadowAsync;
        _server.ValidatingConnectionAsync += e =>
        {
            ConnectKeepAliveSeconds.TrySetResult(e.KeepAlivePeriod ?? 0);
            return Task.CompletedTask;
        };
        _server.ClientDisconnectedAsync += e =>
        {
            ClientDisconnected.TrySetResult(e);
            return Task.CompletedTask;
        };
        await _server.StartAsync();
    }

    /// <summary>When true, the broker plays a minimal shadow service: /update is accepted (clientToken
    /// echoed), /get is rejected with 404. LocalIotCore has the real one.</summary>
    public bool AnswerShadow { get; set; }

    private async Task AnswerShadowAsync(InterceptingPublishEventArgs e)
    {
        var topic = e.ApplicationMessage.Topic;
        if (!AnswerShadow || !topic.StartsWith("$aws/things/", StringComparison.Ordinal) || _server is null)
        {
            return;
        }

        string? token = null;
        string state = "{}";
        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(e.ApplicationMessage.Payload);
            if (doc.RootElement.TryGetProperty("clientToken", out var t))
            {
                token = t.GetString();
            }

            if (doc.RootElement.TryGetProperty("state", out var st))
            {
                state = st.GetRawText();
            }
        }
        catch (System.Text.Json.JsonException)
        {
            return;
        }

        string? replyTopic = null;
        string? reply = null;
        if (topic.EndsWith("/shadow/update", StringComparison.Ordinal))
        {
            replyTopic = topic + "/accepted";
            reply = "{\"state\":" + state + ",\"version\":1,\"clientToken\":\"" + token + "\"}";
        }
        else if (topic.EndsWith("/shadow/get", StringComparison.Ordinal))
        {
            replyTopic = topic + "/rejected";
            reply = "{\"code\":404,\"message\":\"No shadow exists\",\"clientToken\":\"" + token + "\"}";
        }

        if (replyTopic is not null)
        {
            var message = new MqttApplicationMessageBuilder().WithTopic(replyTopic).WithPayload(reply).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();
            await _server.InjectApplicationMessage(new InjectedMqttApplicationMessage(message) { SenderClientId = "shadow-service" });
        }
    }

    public void ResetSignals() => ClientDisconnected = New<ClientDisconnectedEventArgs>();

    public async Task StopAsync()
    {
        if (_server is not null)
        {
            await _server.StopAsync(new MqttServerStopOptions());
            _server.Dispose();
            _server = null;
        }
    }

    /// <summary>An application client on the plain endpoint.</summary>
    public async Task<Observer> ObserveAsync(params string[] topics)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        var observer = new Observer(client);
        await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", PlainPort).WithClientId("observer-" + Guid.NewGuid().ToString("N")).Build());
        foreach (var topic in topics)
        {
            await client.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);
        }

        return observer;
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private bool ValidateClient(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null)
        {
            return false;
        }

        using var client = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        using var verify = new X509Chain();
        verify.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        verify.ChainPolicy.CustomTrustStore.Add(_pki.Authority.Certificate);
        verify.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return verify.Build(client);
    }

    private static TaskCompletionSource<T> New<T>() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal sealed class Observer : IAsyncDisposable
    {
        private readonly IMqttClient _client;
        private readonly System.Threading.Channels.Channel<(string Topic, string Payload)> _messages = System.Threading.Channels.Channel.CreateUnbounded<(string, string)>();

        public Observer(IMqttClient client)
        {
            _client = client;
            _client.ApplicationMessageReceivedAsync += e =>
            {
                _messages.Writer.TryWrite((e.ApplicationMessage.Topic, e.ApplicationMessage.ConvertPayloadToString()));
                return Task.CompletedTask;
            };
        }

        public async Task<(string Topic, string Payload)> NextAsync(TimeSpan timeout) =>
            await _messages.Reader.ReadAsync().AsTask().WaitAsync(timeout);

        public Task PublishAsync(string topic, string payload) =>
            _client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());

        public async ValueTask DisposeAsync()
        {
            if (_client.IsConnected)
            {
                await _client.DisconnectAsync();
            }

            _client.Dispose();
        }
    }
}
