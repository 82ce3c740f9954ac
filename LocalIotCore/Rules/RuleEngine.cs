using System.Text.Json;
using System.Text.Json.Nodes;
using LocalIotCore.Rules.Sql;

namespace LocalIotCore.Rules;

/// <summary>
/// The topic rules LocalIotCore runs, in AWS's <c>CreateTopicRule</c> shape, from rules.json in the data
/// directory: <c>{ "rules": [ { "ruleName": ..., "topicRulePayload": { "sql", "awsIotSqlVersion",
/// "ruleDisabled", "actions" } } ] }</c>. The default file (Rules/default-rules.json, embedded) holds the two
/// rules of docs/aws-setup.md with the same SQL text.
/// </summary>
public sealed class RulesConfiguration
{
    // A file people edit: SQL's quotes and + stay readable (no HTML here to escape for).
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public RulesConfiguration(IReadOnlyList<TopicRule> rules)
    {
        Rules = rules ?? throw new ArgumentNullException(nameof(rules));
    }

    public IReadOnlyList<TopicRule> Rules { get; }

    /// <summary>The text of the default rules.json.</summary>
    public static string DefaultText { get; } = ReadResource("rules/default-rules.json");

    /// <summary>AWS's connected-flag pattern (the Last Will on things/&lt;thing&gt;/lwt to that thing's shadow) and the delayed disconnect notifier.</summary>
    public static RulesConfiguration Default() => Parse(DefaultText);

    /// <summary>Reads a rules document; anything wrong throws <see cref="InvalidDataException"/> naming the rule (and a bad SQL's offset).</summary>
    public static RulesConfiguration Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException("The rules are not valid JSON: " + ex.Message, ex);
        }

        if (root?["rules"] is not JsonArray entries)
        {
            throw new InvalidDataException("The rules document has no \"rules\" array.");
        }

        var rules = new List<TopicRule>();
        for (var i = 0; i < entries.Count; i++)
        {
            if (entries[i] is not JsonObject entry || entry["ruleName"] is not JsonValue name || name.GetValueKind() != JsonValueKind.String)
            {
                throw new InvalidDataException("rules[" + i + "] has no ruleName.");
            }

            if (entry["topicRulePayload"] is not JsonObject payload)
            {
                throw new InvalidDataException("Rule '" + name.GetValue<string>() + "' has no topicRulePayload.");
            }

            foreach (var earlier in rules)
            {
                if (earlier.Name == name.GetValue<string>())
                {
                    throw new InvalidDataException("Rule '" + earlier.Name + "' is defined twice.");
                }
            }

            var createdAt = entry["createdAt"] is JsonValue at && at.TryGetValue<long>(out var seconds) ? seconds : (long?)null;
            rules.Add(TopicRule.Parse(name.GetValue<string>(), payload, createdAt));
        }

        return new RulesConfiguration(rules);
    }

    /// <summary>
    /// Loads rules.json, writing the default file there on first run. A file in the earlier
    /// <c>{name, from, to}</c> shape is rewritten in AWS's shape with the same republish rules plus the
    /// disconnect notifier (which was built in then). A bad rule fails with the file, rule and position.
    /// </summary>
    public static RulesConfiguration LoadOrCreate(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            File.WriteAllText(path, DefaultText);
            return Default();
        }

        var text = File.ReadAllText(path);
        try
        {
            if (Upgrade(text) is string upgraded)
            {
                File.WriteAllText(path, upgraded);
                text = upgraded;
            }

            return Parse(text);
        }
        catch (InvalidDataException ex)
        {
            throw new InvalidDataException("The rules file '" + path + "': " + ex.Message, ex);
        }
    }

    /// <summary>The rules as a rules.json document (what the topic-rules API writes back).</summary>
    public static string ToText(IReadOnlyList<TopicRule> rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        var entries = new JsonArray();
        foreach (var rule in rules)
        {
            var entry = new JsonObject { ["ruleName"] = rule.Name };
            if (rule.CreatedAtSeconds is long createdAt)
            {
                entry["createdAt"] = createdAt;
            }

            entry["topicRulePayload"] = rule.Payload.DeepClone();
            entries.Add((JsonNode)entry);
        }

        return new JsonObject { ["rules"] = entries }.ToJsonString(Indented);
    }

    /// <summary>The earlier shape (<c>{"rules":[{"name","from","to"}]}</c>) in AWS's, or <c>null</c> if the text is not in it.</summary>
    internal static string? Upgrade(string text)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            return null;
        }

        if (root?["rules"] is not JsonArray entries || entries.Count == 0 || entries[0] is not JsonObject first || first["from"] is null || first["topicRulePayload"] is not null)
        {
            return null;
        }

        var rules = new JsonArray();
        foreach (var entry in entries)
        {
            // The old target already read ${topic(n)}; a single leading $ is literal in a template too.
            rules.Add((JsonNode)new JsonObject
            {
                ["ruleName"] = entry?["name"]?.DeepClone(),
                ["topicRulePayload"] = new JsonObject
                {
                    ["sql"] = "SELECT * FROM '" + (string?)entry?["from"] + "'",
                    ["awsIotSqlVersion"] = TopicRule.SqlVersion,
                    ["ruleDisabled"] = false,
                    ["actions"] = new JsonArray(new JsonObject { ["republish"] = new JsonObject { ["topic"] = entry?["to"]?.DeepClone(), ["qos"] = 1 } }),
                },
            });
        }

        foreach (var rule in (JsonArray)JsonNode.Parse(DefaultText)!["rules"]!)
        {
            // The notifier and the connection table were built in before rules.json could name them.
            if (rule?["topicRulePayload"]?["actions"]?[0] is JsonObject action && (action[LocalDisconnectNotifierAction.Key] is not null || action[LocalConnectionTableAction.Key] is not null))
            {
                rules.Add(rule.DeepClone());
            }
        }

        return new JsonObject { ["rules"] = rules }.ToJsonString(Indented);
    }

    private static string ReadResource(string name)
    {
        using var stream = typeof(RulesConfiguration).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException("LocalIotCore was built without its embedded " + name + ".");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}

/// <summary>One action of one rule whose SQL matched a message: what to do, with what payload, where.</summary>
public sealed class RuleFiring(TopicRule rule, RuleAction action, byte[] payload, string? target)
{
    public TopicRule Rule { get; } = rule;

    public RuleAction Action { get; } = action;

    /// <summary>The SELECT result as JSON (for <c>SELECT *</c>, the message's own bytes, JSON or not).</summary>
    public byte[] Payload { get; } = payload;

    /// <summary>The substituted republish topic or http URL; <c>null</c> for local actions.</summary>
    public string? Target { get; } = target;

    /// <summary>The SELECT result as parsed JSON (what local actions read), or <c>null</c> if it is not JSON.</summary>
    public JsonNode? Result { get; init; }
}

/// <summary>
/// Runs AWS IoT SQL rules against messages: for each enabled rule whose FROM filter matches the topic and
/// whose WHERE holds, one <see cref="RuleFiring"/> per action. Pure (time comes in); thread-safe.
/// </summary>
public sealed class RuleEngine(RulesConfiguration configuration)
{
    private volatile IReadOnlyList<TopicRule> _rules = (configuration ?? throw new ArgumentNullException(nameof(configuration))).Rules;

    public IReadOnlyList<TopicRule> Rules => _rules;

    /// <summary>Replaces the rule set (the topic-rules API); messages being evaluated finish with the old one.</summary>
    public void Replace(IReadOnlyList<TopicRule> rules) => _rules = rules ?? throw new ArgumentNullException(nameof(rules));

    /// <summary>Evaluates every rule against one message; the payload is parsed only if some rule's topic filter matches.</summary>
    public IReadOnlyList<RuleFiring> Evaluate(string topic, ReadOnlySpan<byte> payload, string? clientId, long nowMilliseconds)
    {
        ArgumentNullException.ThrowIfNull(topic);
        List<RuleFiring>? firings = null;
        SqlMessage? message = null;
        byte[]? raw = null;
        foreach (var rule in _rules)
        {
            if (rule.Disabled || !rule.Statement.MatchesTopic(topic))
            {
                continue;
            }

            message ??= Message(topic, payload, clientId, nowMilliseconds);
            var result = rule.Statement.Evaluate(message, out var matched);
            if (!matched)
            {
                continue;
            }

            raw ??= payload.ToArray();
            var bytes = rule.Statement.SelectsWholePayload ? raw : System.Text.Encoding.UTF8.GetBytes(result?.ToJsonString() ?? "null");
            firings ??= [];
            foreach (var action in rule.Actions)
            {
                var target = action switch
                {
                    RepublishAction republish => republish.Topic.Substitute(message),
                    HttpAction http => http.Url.Substitute(message),
                    _ => null,
                };
                firings.Add(new RuleFiring(rule, action, bytes, target) { Result = result });
            }
        }

        return firings ?? (IReadOnlyList<RuleFiring>)[];
    }

    /// <summary>MQTT topic filter matching (+ one level, # the rest); allocates nothing (it runs for every message and rule).</summary>
    public static bool Matches(string filter, string topic)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentNullException.ThrowIfNull(topic);
        var f = filter.AsSpan();
        var t = topic.AsSpan();
        while (true)
        {
            var fEnd = f.IndexOf('/');
            var fLevel = fEnd < 0 ? f : f[..fEnd];
            if (fLevel is "#")
            {
                return true;
            }

            var tEnd = t.IndexOf('/');
            var tLevel = tEnd < 0 ? t : t[..tEnd];
            if (fLevel is not "+" && !fLevel.SequenceEqual(tLevel))
            {
                return false;
            }

            if (fEnd < 0 || tEnd < 0)
            {
                // Both must end here; "a/#" also matches "a" (the parent level), as MQTT says.
                return (fEnd < 0 && tEnd < 0) || (tEnd < 0 && f[(fEnd + 1)..] is "#");
            }

            f = f[(fEnd + 1)..];
            t = t[(tEnd + 1)..];
        }
    }

    private static SqlMessage Message(string topic, ReadOnlySpan<byte> payload, string? clientId, long now)
    {
        try
        {
            var reader = new Utf8JsonReader(payload);
            return new SqlMessage(JsonNode.Parse(ref reader), topic, clientId, now);
        }
        catch (JsonException)
        {
            return new SqlMessage(null, topic, clientId, now) { PayloadIsJson = false };
        }
    }
}
