using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using LocalIotCore.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace LocalIotCore.Rules;

/// <summary>Why a topic-rules request was refused, in the terms of AWS's error shapes.</summary>
public enum TopicRuleRefusal
{
    None,
    AlreadyExists,
    NotFound,
}

/// <summary>
/// The rules LocalIotCore runs, changed at run time: every change swaps the engine's rule set and
/// rewrites rules.json, so rules created through the API survive a restart. Thread-safe.
/// </summary>
public sealed class TopicRuleStore(RuleEngine engine, string path, TimeProvider time)
{
    private readonly object _gate = new();

    public IReadOnlyList<TopicRule> Rules => engine.Rules;

    public TopicRule? Find(string name)
    {
        foreach (var rule in engine.Rules)
        {
            if (rule.Name == name)
            {
                return rule;
            }
        }

        return null;
    }

    /// <summary>Adds a rule; a bad payload throws <see cref="InvalidDataException"/> (a bad SQL with a <see cref="Sql.SqlParseException"/> inside).</summary>
    public TopicRuleRefusal Create(string name, JsonObject payload)
    {
        var rule = TopicRule.Parse(name, payload, time.GetUtcNow().ToUnixTimeSeconds());
        lock (_gate)
        {
            if (Find(name) is not null)
            {
                return TopicRuleRefusal.AlreadyExists;
            }

            Save([.. engine.Rules, rule]);
            return TopicRuleRefusal.None;
        }
    }

    public TopicRuleRefusal Replace(string name, JsonObject payload)
    {
        lock (_gate)
        {
            var rules = new List<TopicRule>(engine.Rules);
            var index = rules.FindIndex(r => r.Name == name);
            if (index < 0)
            {
                return TopicRuleRefusal.NotFound;
            }

            rules[index] = TopicRule.Parse(name, payload, rules[index].CreatedAtSeconds);
            Save(rules);
            return TopicRuleRefusal.None;
        }
    }

    public TopicRuleRefusal Delete(string name)
    {
        lock (_gate)
        {
            var rules = new List<TopicRule>(engine.Rules);
            if (rules.RemoveAll(r => r.Name == name) == 0)
            {
                return TopicRuleRefusal.NotFound;
            }

            Save(rules);
            return TopicRuleRefusal.None;
        }
    }

    private void Save(List<TopicRule> rules)
    {
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, RulesConfiguration.ToText(rules));
        File.Move(temporary, path, overwrite: true);
        engine.Replace(rules);
    }
}

/// <summary>
/// AWS IoT's topic-rules operations in its REST shapes (botocore's iot service model), so that
/// <c>aws iot create-topic-rule</c> and <c>boto3.client('iot').list_topic_rules()</c> work against LocalIotCore:
/// CreateTopicRule <c>POST /rules/{ruleName}</c> (body: the topicRulePayload), GetTopicRule <c>GET</c>,
/// ReplaceTopicRule <c>PATCH</c>, DeleteTopicRule <c>DELETE</c> the same path, ListTopicRules <c>GET /rules</c>
/// (<c>topic</c>, <c>ruleDisabled</c>, <c>maxResults</c>, <c>nextToken</c>). As on AWS, a rule that does not exist
/// answers UnauthorizedException (401) and a bad statement SqlParseException (400).
/// </summary>
public static class TopicRulesApi
{
    private const int DefaultPageSize = 1000;

    public static void Map(IEndpointRouteBuilder app, TopicRuleStore store, string arnPrefix)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentException.ThrowIfNullOrEmpty(arnPrefix);
        app.MapPost("/rules/{ruleName}", (RequestDelegate)(context => ChangeAsync(context, store, create: true)));
        app.MapPatch("/rules/{ruleName}", (RequestDelegate)(context => ChangeAsync(context, store, create: false)));
        app.MapGet("/rules/{ruleName}", (RequestDelegate)(context => GetAsync(context, store, arnPrefix)));
        app.MapDelete("/rules/{ruleName}", (RequestDelegate)(context => DeleteAsync(context, store)));
        app.MapGet("/rules", (RequestDelegate)(context => ListAsync(context, store, arnPrefix)));
    }

    private static string RuleName(HttpContext context) => context.Request.RouteValues["ruleName"] as string ?? "";

    private static async Task ChangeAsync(HttpContext context, TopicRuleStore store, bool create)
    {
        var name = RuleName(context);
        JsonObject? payload;
        try
        {
            payload = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted).ConfigureAwait(false) as JsonObject;
        }
        catch (JsonException ex)
        {
            await AwsError.WriteAsync(context, 400, "InvalidRequestException", "The topicRulePayload is not valid JSON: " + ex.Message).ConfigureAwait(false);
            return;
        }

        if (payload is null)
        {
            await AwsError.WriteAsync(context, 400, "InvalidRequestException", "The request body must be the topicRulePayload object.").ConfigureAwait(false);
            return;
        }

        TopicRuleRefusal refusal;
        try
        {
            refusal = create ? store.Create(name, payload) : store.Replace(name, payload);
        }
        catch (InvalidDataException ex)
        {
            await AwsError.WriteAsync(context, 400, ex.InnerException is Sql.SqlParseException ? "SqlParseException" : "InvalidRequestException", ex.Message).ConfigureAwait(false);
            return;
        }

        switch (refusal)
        {
            case TopicRuleRefusal.AlreadyExists:
                await AwsError.WriteAsync(context, 409, "ResourceAlreadyExistsException", "The rule '" + name + "' already exists.").ConfigureAwait(false);
                return;
            case TopicRuleRefusal.NotFound:
                await NotFoundAsync(context, name).ConfigureAwait(false);
                return;
            default:
                context.Response.StatusCode = 200;
                return;
        }
    }

    private static async Task GetAsync(HttpContext context, TopicRuleStore store, string arnPrefix)
    {
        var name = RuleName(context);
        if (store.Find(name) is not TopicRule rule)
        {
            await NotFoundAsync(context, name).ConfigureAwait(false);
            return;
        }

        var body = new JsonObject { ["ruleName"] = rule.Name };
        foreach (var (key, value) in rule.Payload)
        {
            body[key] = value?.DeepClone();
        }

        body["ruleDisabled"] = rule.Disabled;
        body["awsIotSqlVersion"] ??= TopicRule.SqlVersion;
        if (rule.CreatedAtSeconds is long createdAt)
        {
            body["createdAt"] = createdAt;
        }

        await WriteAsync(context, new JsonObject { ["ruleArn"] = arnPrefix + "rule/" + rule.Name, ["rule"] = body }).ConfigureAwait(false);
    }

    private static async Task DeleteAsync(HttpContext context, TopicRuleStore store)
    {
        var name = RuleName(context);
        if (store.Delete(name) == TopicRuleRefusal.NotFound)
        {
            await NotFoundAsync(context, name).ConfigureAwait(false);
            return;
        }

        context.Response.StatusCode = 200;
    }

    private static async Task ListAsync(HttpContext context, TopicRuleStore store, string arnPrefix)
    {
        var query = context.Request.Query;
        var pageSize = DefaultPageSize;
        if (query.TryGetValue("maxResults", out var max) && (!int.TryParse(max, NumberStyles.None, CultureInfo.InvariantCulture, out pageSize) || pageSize is < 1 or > 10000))
        {
            await AwsError.WriteAsync(context, 400, "InvalidRequestException", "maxResults must be a whole number from 1 to 10000.").ConfigureAwait(false);
            return;
        }

        var start = 0;
        if (query.TryGetValue("nextToken", out var token) && !string.IsNullOrEmpty(token) && !int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out start))
        {
            await AwsError.WriteAsync(context, 400, "InvalidRequestException", "The nextToken is not one LocalIotCore gave.").ConfigureAwait(false);
            return;
        }

        var topic = query.TryGetValue("topic", out var t) ? t.ToString() : null;
        bool? disabled = query.TryGetValue("ruleDisabled", out var d) && bool.TryParse(d, out var flag) ? flag : null;
        var matching = new List<TopicRule>();
        foreach (var rule in store.Rules)
        {
            if ((topic is null || rule.Statement.TopicFilter == topic) && (disabled is null || rule.Disabled == disabled))
            {
                matching.Add(rule);
            }
        }

        var items = new JsonArray();
        for (var i = start; i < matching.Count && i < start + pageSize; i++)
        {
            var rule = matching[i];
            var item = new JsonObject
            {
                ["ruleArn"] = arnPrefix + "rule/" + rule.Name,
                ["ruleName"] = rule.Name,
                ["topicPattern"] = rule.Statement.TopicFilter,
                ["ruleDisabled"] = rule.Disabled,
            };
            if (rule.CreatedAtSeconds is long createdAt)
            {
                item["createdAt"] = createdAt;
            }

            items.Add((JsonNode)item);
        }

        var page = new JsonObject { ["rules"] = items };
        if (start + pageSize < matching.Count)
        {
            page["nextToken"] = (start + pageSize).ToString(CultureInfo.InvariantCulture);
        }

        await WriteAsync(context, page).ConfigureAwait(false);
    }

    private static Task NotFoundAsync(HttpContext context, string name) =>
        AwsError.WriteAsync(context, 401, "UnauthorizedException", "The rule '" + name + "' does not exist.");

    private static async Task WriteAsync(HttpContext context, JsonObject body)
    {
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString(), context.RequestAborted).ConfigureAwait(false);
    }
}
