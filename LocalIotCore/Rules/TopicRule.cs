using System.Text.Json;
using System.Text.Json.Nodes;
using LocalIotCore.Rules.Sql;

namespace LocalIotCore.Rules;

/// <summary>What a rule does when its SQL matches; one per entry of <c>topicRulePayload.actions</c>.</summary>
public abstract class RuleAction
{
    private protected RuleAction()
    {
    }
}

/// <summary>AWS's <c>republish</c>: the SELECT result to <see cref="Topic"/> (substitution templates, <c>$$</c> for <c>$</c>).</summary>
public sealed class RepublishAction(SubstitutionTemplate topic, int qos) : RuleAction
{
    public SubstitutionTemplate Topic { get; } = topic;

    public int Qos { get; } = qos;
}

/// <summary>AWS's <c>http</c>: POSTs the SELECT result (JSON) to <see cref="Url"/> (substitution templates allowed).</summary>
public sealed class HttpAction(SubstitutionTemplate url) : RuleAction
{
    public SubstitutionTemplate Url { get; } = url;
}

/// <summary>
/// LocalIotCore's stand-in for the durable function of docs/aws-setup.md (a Step Functions execution
/// on AWS): starts the delayed disconnect notifier's check for the SELECT result's <c>thing</c>, with its
/// <c>flagTimestamp</c> (the metadata timestamp of <c>reported.connected</c>). JSON key
/// <c>localDisconnectNotifier</c>.
/// </summary>
public sealed class LocalDisconnectNotifierAction : RuleAction
{
    public const string Key = "localDisconnectNotifier";
}

/// <summary>
/// LocalIotCore's stand-in for the function of docs/aws-setup.md section 3b (a Lambda keeping each
/// thing's connection state): records the SELECT result, a lifecycle event, in the connection table
/// when its client id is a registered thing. JSON key <c>localConnectionTable</c>.
/// </summary>
public sealed class LocalConnectionTableAction : RuleAction
{
    public const string Key = "localConnectionTable";
}

/// <summary>One topic rule in AWS's shape: <c>ruleName</c> and its <c>topicRulePayload</c>.</summary>
public sealed class TopicRule
{
    /// <summary>The one SQL version LocalIotCore implements.</summary>
    public const string SqlVersion = "2016-03-23";

    private TopicRule(string name, SqlStatement statement, bool disabled, IReadOnlyList<RuleAction> actions, JsonObject payload, long? createdAtSeconds)
    {
        CreatedAtSeconds = createdAtSeconds;
        Name = name;
        Statement = statement;
        Disabled = disabled;
        Actions = actions;
        Payload = payload;
    }

    public string Name { get; }

    public SqlStatement Statement { get; }

    public bool Disabled { get; }

    public IReadOnlyList<RuleAction> Actions { get; }

    /// <summary>The rule's <c>topicRulePayload</c> as given (what GetTopicRule answers).</summary>
    public JsonObject Payload { get; }

    /// <summary>When the rule was created through the topic-rules API (epoch seconds); <c>null</c> for a rule written into rules.json.</summary>
    public long? CreatedAtSeconds { get; }

    /// <summary>
    /// Reads one rule; anything wrong throws <see cref="InvalidDataException"/> naming the rule, and for a
    /// bad SQL statement the offset and what was expected there.
    /// </summary>
    public static TopicRule Parse(string name, JsonObject payload, long? createdAtSeconds = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(payload);
        var where = "Rule '" + name + "'";
        if (name.Length == 0 || !IsRuleName(name))
        {
            throw new InvalidDataException(where + ": a rule name is 1 to 128 letters, digits and underscores.");
        }

        if (payload["sql"] is not JsonValue sqlNode || sqlNode.GetValueKind() != JsonValueKind.String)
        {
            throw new InvalidDataException(where + ": topicRulePayload.sql (a string) is missing.");
        }

        var version = payload["awsIotSqlVersion"] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : SqlVersion;
        if (version != SqlVersion)
        {
            throw new InvalidDataException(where + ": awsIotSqlVersion '" + version + "' is not supported; LocalIotCore implements " + SqlVersion + ".");
        }

        SqlStatement statement;
        try
        {
            statement = SqlStatement.Parse(sqlNode.GetValue<string>());
        }
        catch (SqlParseException ex)
        {
            throw new InvalidDataException(where + ": bad SQL: " + ex.Message, ex);
        }

        var disabled = payload["ruleDisabled"] switch
        {
            null => false,
            JsonValue d when d.GetValueKind() is JsonValueKind.True or JsonValueKind.False => d.GetValue<bool>(),
            _ => throw new InvalidDataException(where + ": ruleDisabled must be true or false."),
        };
        if (payload["actions"] is not JsonArray actionNodes)
        {
            throw new InvalidDataException(where + ": topicRulePayload.actions (an array) is missing.");
        }

        var actions = new List<RuleAction>();
        for (var i = 0; i < actionNodes.Count; i++)
        {
            actions.Add(ParseAction(actionNodes[i], where + ", actions[" + i + "]"));
        }

        return new TopicRule(name, statement, disabled, actions, (JsonObject)payload.DeepClone(), createdAtSeconds);
    }

    private static RuleAction ParseAction(JsonNode? node, string where)
    {
        if (node is not JsonObject action || action.Count != 1)
        {
            throw new InvalidDataException(where + ": an action is an object with one key (republish, http, " + LocalDisconnectNotifierAction.Key + ", " + LocalConnectionTableAction.Key + ").");
        }

        var kind = "";
        JsonNode? body = null;
        foreach (var (key, value) in action)
        {
            kind = key;
            body = value;
        }

        if (body is not JsonObject fields)
        {
            throw new InvalidDataException(where + ": '" + kind + "' must be an object.");
        }

        switch (kind)
        {
            case "republish":
                var qos = fields["qos"] switch
                {
                    null => 0,
                    JsonValue q when q.GetValueKind() == JsonValueKind.Number && q.TryGetValue<int>(out var n) && n is 0 or 1 => n,
                    _ => throw new InvalidDataException(where + ": republish.qos must be 0 or 1."),
                };
                return new RepublishAction(Template(fields, "topic", where + ": republish"), qos);
            case "http":
                var url = Template(fields, "url", where + ": http");
                if (!url.Text.StartsWith("http://", StringComparison.OrdinalIgnoreCase) && !url.Text.StartsWith("https://", StringComparison.OrdinalIgnoreCase) && !url.Text.StartsWith("${", StringComparison.Ordinal))
                {
                    throw new InvalidDataException(where + ": http.url must be an http:// or https:// URL.");
                }

                return new HttpAction(url);
            case LocalDisconnectNotifierAction.Key:
                return new LocalDisconnectNotifierAction();
            case LocalConnectionTableAction.Key:
                return new LocalConnectionTableAction();
            default:
                throw new InvalidDataException(where + ": LocalIotCore has no '" + kind + "' action (it runs republish, http, " + LocalDisconnectNotifierAction.Key + " and " + LocalConnectionTableAction.Key + ").");
        }
    }

    private static SubstitutionTemplate Template(JsonObject fields, string key, string where)
    {
        if (fields[key] is not JsonValue value || value.GetValueKind() != JsonValueKind.String || value.GetValue<string>().Length == 0)
        {
            throw new InvalidDataException(where + "." + key + " (a string) is missing.");
        }

        try
        {
            return SubstitutionTemplate.Parse(value.GetValue<string>());
        }
        catch (SqlParseException ex)
        {
            throw new InvalidDataException(where + "." + key + ": bad substitution template: " + ex.Message, ex);
        }
    }

    // AWS's ruleName pattern: ^[a-zA-Z0-9_]+$, at most 128 characters.
    private static bool IsRuleName(string name)
    {
        if (name.Length > 128)
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '_')
            {
                return false;
            }
        }

        return true;
    }
}
