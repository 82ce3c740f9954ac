using System.Globalization;
using LocalIotCore.Shadows;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Protocol;

namespace LocalIotCore.Broker;

/// <summary>
/// External-broker mode: the shadow service, rules and notifier run as an MQTT client of another
/// broker (e.g. mosquitto), so the firmware can be tested against a broker we did not write. That
/// broker does its own authentication and topic policy; it publishes no AWS lifecycle events, so the
/// connection-state table stays empty in this mode.
/// </summary>
public sealed class ExternalBrokerBridge(string endpoint, MessageRouter router, ILogger log) : IAsyncDisposable
{
    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var separator = endpoint.LastIndexOf(':');
        var host = separator > 0 ? endpoint[..separator] : endpoint;
        var port = separator > 0 ? int.Parse(endpoint[(separator + 1)..], CultureInfo.InvariantCulture) : 1883;
        _client.ApplicationMessageReceivedAsync += OnMessageAsync;
        await _client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer(host, port).WithClientId("localiotcore-" + Guid.NewGuid().ToString("N")[..8]).WithCleanSession(true).Build(), cancellationToken).ConfigureAwait(false);
        var subscribe = new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter("$aws/things/+/shadow/update", MqttQualityOfServiceLevel.AtLeastOnce)
            .WithTopicFilter("$aws/things/+/shadow/get", MqttQualityOfServiceLevel.AtLeastOnce)
            .WithTopicFilter("$aws/things/+/shadow/delete", MqttQualityOfServiceLevel.AtLeastOnce)
            .WithTopicFilter("$aws/things/+/shadow/name/+/update", MqttQualityOfServiceLevel.AtLeastOnce)
            .WithTopicFilter("$aws/things/+/shadow/name/+/get", MqttQualityOfServiceLevel.AtLeastOnce)
            .WithTopicFilter("$aws/things/+/shadow/name/+/delete", MqttQualityOfServiceLevel.AtLeastOnce)
            .WithTopicFilter("things/#", MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        await _client.SubscribeAsync(subscribe, cancellationToken).ConfigureAwait(false);
        log.LogInformation("Serving shadows, rules and the notifier through the broker at {Endpoint}", endpoint);
    }

    public async Task PublishAsync(IReadOnlyList<ShadowMessage> messages)
    {
        foreach (var message in messages)
        {
            await _client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(message.Topic).WithPayload(message.Payload).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build()).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected)
        {
            await _client.DisconnectAsync().ConfigureAwait(false);
        }

        _client.Dispose();
    }

    private async Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        var payload = System.Buffers.BuffersExtensions.ToArray(e.ApplicationMessage.Payload);
        try
        {
            await PublishAsync(router.OnPublish(e.ApplicationMessage.Topic, payload)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.Text.Json.JsonException or MQTTnet.Exceptions.MqttCommunicationException)
        {
            log.LogError(ex, "Handling a message on {Topic} failed", e.ApplicationMessage.Topic);
        }
    }
}
