using System.Text.Json.Nodes;
using LocalIotCore.Dashboard;
using LocalIotCore.Notifier;
using LocalIotCore.Rules;
using LocalIotCore.Shadows;
using LocalIotCore.Telemetry;
using Microsoft.Extensions.Logging;

namespace LocalIotCore.Broker;

/// <summary>
/// What the cloud does with a published message, whatever broker carried it: shadow requests go to
/// the shadow service, rules republish matching messages, and every <c>/update/documents</c> is shown
/// to the disconnect notifier; telemetry is kept for the dashboard, and every shadow change is pushed
/// to its live feed. Returns the messages to publish, in order.
/// </summary>
public sealed class MessageRouter(IShadowService shadows, RuleEngine rules, DisconnectNotifier? notifier, ILogger log, TelemetryHistory? telemetry = null, LiveFeed? feed = null, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public IShadowService Shadows => shadows;

    public IReadOnlyList<ShadowMessage> OnPublish(string topic, ReadOnlySpan<byte> payload)
    {
        if (telemetry is not null && TelemetryTopic.TryParse(topic, out var thing))
        {
            KeepTelemetry(thing, payload);
        }

        var messages = new List<ShadowMessage>();
        if (ShadowTopic.TryParseRequest(topic, out var id, out var operation))
        {
            messages.AddRange(Execute(id, operation, payload).Messages);
        }

        foreach (var target in rules.Republish(topic))
        {
            if (ShadowTopic.TryParseRequest(target, out var targetId, out var targetOperation))
            {
                log.LogInformation("Rule: {Topic} -> {Target}", topic, target);
                messages.AddRange(Execute(targetId, targetOperation, payload).Messages);
            }
            else
            {
                messages.Add(new ShadowMessage(target, payload.ToArray()));
            }
        }

        return messages;
    }

    public ShadowResponse Execute(ShadowId id, ShadowOperation operation, ReadOnlySpan<byte> payload)
    {
        var response = operation switch
        {
            ShadowOperation.Update => shadows.Update(id, payload),
            ShadowOperation.Get => shadows.Get(id, payload),
            _ => shadows.Delete(id, payload),
        };
        if (response.StatusCode != 200)
        {
            log.LogInformation("Shadow {Operation} of {Thing}{Name} rejected ({Code})", operation, id.ThingName, id.ShadowName is null ? "" : "/" + id.ShadowName, response.StatusCode);
        }

        if (notifier is not null)
        {
            foreach (var message in response.Messages)
            {
                if (message.Topic.EndsWith("/update/documents", StringComparison.Ordinal))
                {
                    notifier.OnDocuments(id, message.Payload);
                }
            }
        }

        if (feed is not null && response.StatusCode == 200 && operation != ShadowOperation.Get && feed.HasSubscribers)
        {
            // The whole document (with metadata), as GET returns it: the page shows it as it is.
            var current = operation == ShadowOperation.Delete ? null : shadows.Get(id, []);
            feed.Publish(LiveFeed.Shadow, new JsonObject
            {
                ["thing"] = id.ThingName,
                ["shadowName"] = id.ShadowName,
                ["document"] = current is { StatusCode: 200 } ? JsonNode.Parse(current.Body) : null,
            });
        }

        return response;
    }

    private void KeepTelemetry(string thing, ReadOnlySpan<byte> payload)
    {
        var point = telemetry!.Record(thing, payload, _time.GetUtcNow().ToUnixTimeMilliseconds(), out var refusal);
        if (point is null)
        {
            log.LogWarning("Telemetry of {Thing} not kept for the dashboard: {Reason}", thing, refusal);
            return;
        }

        if (feed is not null && feed.HasSubscribers)
        {
            feed.Publish(LiveFeed.Telemetry, new JsonObject { ["thing"] = thing, ["receivedAt"] = point.ReceivedAtMilliseconds, ["data"] = JsonNode.Parse(point.Json) });
        }
    }
}
