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
/// the shadow service, and the topic rules (rules.json, AWS IoT SQL) see every message a client
/// publishes and every message the shadow service answers with, as AWS's rules engine does (the
/// default rules republish Last Wills to the shadow and start the disconnect notifier); telemetry is
/// kept for the dashboard, and every shadow change is pushed to its live feed. Returns the messages to
/// publish, in order. <paramref name="httpPost"/> runs the rules' http actions (URL, JSON body).
/// </summary>
public sealed class MessageRouter(IShadowService shadows, RuleEngine rules, DisconnectNotifier? notifier, ILogger log, TelemetryHistory? telemetry = null, LiveFeed? feed = null, TimeProvider? time = null, Func<Uri, byte[], Task>? httpPost = null)
{
    /// <summary>How deep rules may feed the shadow service that feeds rules again, before LocalIotCore stops a loop.</summary>
    public const int MaximumRuleDepth = 8;

    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public IShadowService Shadows => shadows;

    public RuleEngine Rules => rules;

    /// <summary>Where the <c>localConnectionTable</c> action records lifecycle events; null = nowhere.</summary>
    public Lifecycle.ConnectionStateTable? ConnectionTable { get; init; }

    /// <summary>Whether a client id names a registered thing (only those are recorded); null = every client.</summary>
    public Func<string, bool>? IsThing { get; init; }

    public IReadOnlyList<ShadowMessage> OnPublish(string topic, ReadOnlySpan<byte> payload) => OnPublish(topic, payload, null);

    /// <summary>A message a client published (<paramref name="clientId"/> is what the rules' <c>clientid()</c> gives; <c>null</c>: not over MQTT).</summary>
    public IReadOnlyList<ShadowMessage> OnPublish(string topic, ReadOnlySpan<byte> payload, string? clientId)
    {
        if (telemetry is not null && TelemetryTopic.TryParse(topic, out var thing))
        {
            KeepTelemetry(thing, payload);
        }

        var messages = new List<ShadowMessage>();
        if (ShadowTopic.TryParseRequest(topic, out var id, out var operation))
        {
            messages.AddRange(Execute(id, operation, payload, 0).Messages);
        }

        // The shadow service's replies were shown to the rules when they were made (Execute); a broker
        // that hands LocalIotCore's own publications back here must not run the rules on them twice.
        if (!IsShadowReply(topic))
        {
            RunRules(topic, payload, clientId, messages, 0);
        }

        return messages;
    }

    public ShadowResponse Execute(ShadowId id, ShadowOperation operation, ReadOnlySpan<byte> payload) => Execute(id, operation, payload, 0);

    private ShadowResponse Execute(ShadowId id, ShadowOperation operation, ReadOnlySpan<byte> payload, int depth)
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

        List<ShadowMessage>? withRules = null;
        foreach (var message in response.Messages)
        {
            var produced = new List<ShadowMessage>();
            RunRules(message.Topic, message.Payload, null, produced, depth + 1);
            if (produced.Count > 0)
            {
                withRules ??= [.. response.Messages];
                withRules.AddRange(produced);
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

        return withRules is null ? response : response with { Messages = withRules };
    }

    private void RunRules(string topic, ReadOnlySpan<byte> payload, string? clientId, List<ShadowMessage> messages, int depth)
    {
        var firings = rules.Evaluate(topic, payload, clientId, _time.GetUtcNow().ToUnixTimeMilliseconds());
        if (firings.Count > 0 && depth > MaximumRuleDepth)
        {
            log.LogWarning("Rules stopped on {Topic}: rules and shadow updates fed each other {Depth} times (a rule loop?)", topic, depth);
            return;
        }

        foreach (var firing in firings)
        {
            switch (firing.Action)
            {
                case RepublishAction:
                    Republish(firing, messages, depth);
                    break;
                case HttpAction:
                    _ = PostAsync(firing);
                    break;
                case LocalDisconnectNotifierAction:
                    StartDisconnectCheck(firing);
                    break;
                case LocalConnectionTableAction:
                    RecordConnection(firing);
                    break;
            }
        }
    }

    private void Republish(RuleFiring firing, List<ShadowMessage> messages, int depth)
    {
        var target = firing.Target!;
        if (ShadowTopic.TryParseRequest(target, out var targetId, out var targetOperation))
        {
            log.LogInformation("Rule {Rule}: -> {Target}", firing.Rule.Name, target);
            messages.AddRange(Execute(targetId, targetOperation, firing.Payload, depth).Messages);
        }
        else if (target.Length == 0 || target.Contains('+', StringComparison.Ordinal) || target.Contains('#', StringComparison.Ordinal))
        {
            log.LogWarning("Rule {Rule}: republish topic '{Target}' is not a topic name; nothing published", firing.Rule.Name, target);
        }
        else
        {
            messages.Add(new ShadowMessage(target, firing.Payload));
        }
    }

    private void RecordConnection(RuleFiring firing)
    {
        if (ConnectionTable is not { } table)
        {
            return;
        }

        if (Lifecycle.LifecycleEvent.FromJson(firing.Result) is not { } lifecycle)
        {
            log.LogWarning("Rule {Rule}: {Action} needs a lifecycle event (SELECT * FROM '$aws/events/presence/+/+')", firing.Rule.Name, LocalConnectionTableAction.Key);
            return;
        }

        // As the function keeping a table of things would: applications and unknown clients are not things.
        if (IsThing?.Invoke(lifecycle.ClientId) != false)
        {
            table.Record(lifecycle);
        }
    }

    private void StartDisconnectCheck(RuleFiring firing)
    {
        if (notifier is null)
        {
            return;
        }

        if (firing.Result?["thing"] is not JsonValue thing || !thing.TryGetValue<string>(out var name) || name.Length == 0)
        {
            log.LogWarning("Rule {Rule}: {Action} needs the SELECT to give 'thing' (e.g. topic(3) AS thing)", firing.Rule.Name, LocalDisconnectNotifierAction.Key);
            return;
        }

        var flagTimestamp = firing.Result["flagTimestamp"] is JsonValue ts && ts.TryGetValue<long>(out var t) ? t : 0;
        notifier.OnDisconnected(name, flagTimestamp);
    }

    private async Task PostAsync(RuleFiring firing)
    {
        if (httpPost is null || !Uri.TryCreate(firing.Target, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
        {
            log.LogWarning("Rule {Rule}: http action to '{Url}' not sent", firing.Rule.Name, firing.Target);
            return;
        }

        try
        {
            await httpPost(url, firing.Payload).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or InvalidOperationException)
        {
            log.LogError("Rule {Rule}: http action to {Url} failed: {Reason}", firing.Rule.Name, url, ex.Message);
        }
    }

    private static bool IsShadowReply(string topic) =>
        TopicPolicy.IsServiceOnly(topic) && !topic.StartsWith("$aws/events", StringComparison.Ordinal);

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
