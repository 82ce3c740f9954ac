using LocalIotCore.Notifier;
using LocalIotCore.Rules;
using LocalIotCore.Shadows;
using Microsoft.Extensions.Logging;

namespace LocalIotCore.Broker;

/// <summary>
/// What the cloud does with a published message, whatever broker carried it: shadow requests go to
/// the shadow service, rules republish matching messages, and every <c>/update/documents</c> is shown
/// to the disconnect notifier. Returns the messages to publish, in order.
/// </summary>
public sealed class MessageRouter(IShadowService shadows, RuleEngine rules, DisconnectNotifier? notifier, ILogger log)
{
    public IShadowService Shadows => shadows;

    public IReadOnlyList<ShadowMessage> OnPublish(string topic, ReadOnlySpan<byte> payload)
    {
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

        return response;
    }
}
