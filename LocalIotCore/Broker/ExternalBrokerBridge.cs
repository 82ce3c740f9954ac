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
    private static readonly TimeSpan RetryMinimum = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan RetryMaximum = TimeSpan.FromSeconds(5);
    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
    private readonly CancellationTokenSource _stop = new();
    private MqttClientOptions? _options;
    private Task _reconnecting = Task.CompletedTask;

    /// <summary>
    /// The user name the bridge connects with (no password), so that the broker's ACL can let
    /// LocalIotCore alone publish what only the shadow service publishes (its replies, deltas and
    /// lifecycle events), as on AWS.
    /// </summary>
    public const string UserName = "localiotcore";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var separator = endpoint.LastIndexOf(':');
        var host = separator > 0 ? endpoint[..separator] : endpoint;
        var port = separator > 0 ? int.Parse(endpoint[(separator + 1)..], CultureInfo.InvariantCulture) : 1883;
        _options = new MqttClientOptionsBuilder().WithTcpServer(host, port).WithClientId("localiotcore-" + Guid.NewGuid().ToString("N")[..8]).WithCredentials(UserName).WithCleanSession(true).Build();
        _client.ApplicationMessageReceivedAsync += OnMessageAsync;
        await ConnectAndSubscribeAsync(cancellationToken).ConfigureAwait(false);
        // The broker may restart under us: come back and subscribe again, or every shadow request goes unanswered.
        _client.DisconnectedAsync += e =>
        {
            // A failed reconnect attempt raises this too (not connected before): the running loop goes on.
            if (e.ClientWasConnected && !_stop.IsCancellationRequested)
            {
                log.LogWarning("Lost the connection to the broker at {Endpoint}; reconnecting.", endpoint);
                _reconnecting = Task.Run(ReconnectAsync);
            }

            return Task.CompletedTask;
        };
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
        await _stop.CancelAsync().ConfigureAwait(false);
        await _reconnecting.ConfigureAwait(false);
        if (_client.IsConnected)
        {
            await _client.DisconnectAsync().ConfigureAwait(false);
        }

        _client.Dispose();
        _stop.Dispose();
    }

    private async Task ConnectAndSubscribeAsync(CancellationToken cancellationToken)
    {
        await _client.ConnectAsync(_options, cancellationToken).ConfigureAwait(false);
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
    }

    private async Task ReconnectAsync()
    {
        var delay = RetryMinimum;
        while (!_stop.IsCancellationRequested && !_client.IsConnected)
        {
            try
            {
                await Task.Delay(delay, _stop.Token).ConfigureAwait(false);
                await ConnectAndSubscribeAsync(_stop.Token).ConfigureAwait(false);
                log.LogInformation("Reconnected to the broker at {Endpoint}.", endpoint);
                return;
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException or InvalidOperationException)
            {
                delay = TimeSpan.FromTicks(Math.Min(RetryMaximum.Ticks, delay.Ticks * 2));
            }
        }
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
