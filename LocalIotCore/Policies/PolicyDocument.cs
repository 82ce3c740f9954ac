using System.Text.Json;
using System.Text.Json.Nodes;

namespace LocalIotCore.Policies;

/// <summary>Whether a statement allows or denies what it matches.</summary>
public enum PolicyEffect
{
    Allow,
    Deny,
}

/// <summary>
/// A policy document AWS IoT Core would not accept; <c>CreatePolicy</c> answers
/// <c>MalformedPolicyException</c> with this message.
/// </summary>
public sealed class MalformedPolicyException : Exception
{
    public MalformedPolicyException()
    {
    }

    public MalformedPolicyException(string message)
        : base(message)
    {
    }

    public MalformedPolicyException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// One condition test of a statement, such as <c>"Bool": { "iot:Connection.Thing.IsAttached": "true" }</c>:
/// the operator, the context key and the values (any of which may match).
/// </summary>
public sealed class PolicyCondition(string conditionOperator, string key, IReadOnlyList<string> values)
{
    public string Operator { get; } = conditionOperator;

    public string Key { get; } = key;

    public IReadOnlyList<string> Values { get; } = values;
}

/// <summary>One statement: its effect, the actions and resources it names (patterns) and its conditions.</summary>
public sealed class PolicyStatement(string? sid, PolicyEffect effect, IReadOnlyList<string> actions, IReadOnlyList<string> resources, IReadOnlyList<PolicyCondition> conditions)
{
    public string? Sid { get; } = sid;

    public PolicyEffect Effect { get; } = effect;

    public IReadOnlyList<string> Actions { get; } = actions;

    public IReadOnlyList<string> Resources { get; } = resources;

    public IReadOnlyList<PolicyCondition> Conditions { get; } = conditions;
}

/// <summary>
/// A parsed AWS IoT Core policy document (IAM policy grammar): <c>Version</c>, and <c>Statement</c> as one
/// object or an array, each with <c>Effect</c>, <c>Action</c> and <c>Resource</c> (a string or an array) and an
/// optional <c>Condition</c> block. Parsing checks what AWS's <c>CreatePolicy</c> checks and says what is wrong.
/// </summary>
public sealed class PolicyDocument
{
    /// <summary>The policy language version in which policy variables are substituted.</summary>
    public const string CurrentVersion = "2012-10-17";

    /// <summary>The older version: valid, but <c>${...}</c> is literal text there (IAM's rule).</summary>
    public const string LegacyVersion = "2008-10-17";

    /// <summary>The condition operators LocalIotCore evaluates (IAM's names; an <c>IfExists</c> suffix is accepted too).</summary>
    internal static readonly string[] ConditionOperators =
    [
        "StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase", "StringLike", "StringNotLike",
        "ArnEquals", "ArnNotEquals", "ArnLike", "ArnNotLike", "Bool", "Null",
        "NumericEquals", "NumericNotEquals", "NumericLessThan", "NumericLessThanEquals", "NumericGreaterThan", "NumericGreaterThanEquals",
    ];

    private PolicyDocument(string? name, string version, IReadOnlyList<PolicyStatement> statements)
    {
        Name = name;
        Version = version;
        Statements = statements;
    }

    /// <summary>The policy's name, when it came from the registry (for the refusal log).</summary>
    public string? Name { get; }

    public string Version { get; }

    public IReadOnlyList<PolicyStatement> Statements { get; }

    /// <summary>Whether <c>${...}</c> in resources and condition values are policy variables.</summary>
    public bool SubstitutesVariables => Version == CurrentVersion;

    /// <summary>The registry's attached policies of a certificate, parsed (each named, for the refusal log).</summary>
    public static IReadOnlyList<PolicyDocument> ParseAttached(IReadOnlyList<Registry.AttachedPolicy> policies)
    {
        ArgumentNullException.ThrowIfNull(policies);
        var documents = new PolicyDocument[policies.Count];
        for (var i = 0; i < policies.Count; i++)
        {
            documents[i] = Parse(policies[i].Document, policies[i].Name);
        }

        return documents;
    }

    /// <summary>Parses a policy document, or throws <see cref="MalformedPolicyException"/> naming what is wrong.</summary>
    public static PolicyDocument Parse(string json, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { AllowTrailingCommas = false });
        }
        catch (JsonException ex)
        {
            throw new MalformedPolicyException("The policy document is not valid JSON: " + ex.Message, ex);
        }

        if (root is not JsonObject document)
        {
            throw new MalformedPolicyException("The policy document must be a JSON object.");
        }

        var version = CurrentVersion;
        JsonNode? statementNode = null;
        var hasStatement = false;
        foreach (var (key, value) in document)
        {
            switch (key)
            {
                case "Version":
                    version = Text(value, "Version");
                    if (version != CurrentVersion && version != LegacyVersion)
                    {
                        throw new MalformedPolicyException("Version '" + version + "' is not a policy language version (use " + CurrentVersion + ").");
                    }

                    break;
                case "Statement":
                    statementNode = value;
                    hasStatement = true;
                    break;
                case "Id":
                    Text(value, "Id");
                    break;
                default:
                    throw new MalformedPolicyException("Unknown element '" + key + "' in the policy document (expected Version, Id and Statement).");
            }
        }

        if (!hasStatement)
        {
            throw new MalformedPolicyException("The policy document has no Statement.");
        }

        var statements = new List<PolicyStatement>();
        if (statementNode is JsonArray array)
        {
            if (array.Count == 0)
            {
                throw new MalformedPolicyException("Statement is an empty array.");
            }

            for (var i = 0; i < array.Count; i++)
            {
                statements.Add(ParseStatement(array[i], "Statement[" + i + "]"));
            }
        }
        else
        {
            statements.Add(ParseStatement(statementNode, "Statement"));
        }

        return new PolicyDocument(name, version, statements);
    }

    private static PolicyStatement ParseStatement(JsonNode? node, string where)
    {
        if (node is not JsonObject statement)
        {
            throw new MalformedPolicyException(where + " must be an object.");
        }

        string? sid = null;
        PolicyEffect? effect = null;
        IReadOnlyList<string>? actions = null;
        IReadOnlyList<string>? resources = null;
        IReadOnlyList<PolicyCondition> conditions = [];
        foreach (var (key, value) in statement)
        {
            switch (key)
            {
                case "Sid":
                    sid = Text(value, where + ".Sid");
                    break;
                case "Effect":
                    effect = Text(value, where + ".Effect") switch
                    {
                        "Allow" => PolicyEffect.Allow,
                        "Deny" => PolicyEffect.Deny,
                        var other => throw new MalformedPolicyException(where + ".Effect is '" + other + "'; it must be Allow or Deny."),
                    };
                    break;
                case "Action":
                    actions = Strings(value, where + ".Action");
                    foreach (var action in actions)
                    {
                        CheckAction(action, where + ".Action");
                    }

                    break;
                case "Resource":
                    resources = Strings(value, where + ".Resource");
                    foreach (var resource in resources)
                    {
                        if (resource != "*" && !resource.StartsWith("arn:", StringComparison.Ordinal))
                        {
                            throw new MalformedPolicyException(where + ".Resource '" + resource + "' is neither * nor an ARN (arn:aws:iot:REGION:ACCOUNT:topic/...).");
                        }
                    }

                    break;
                case "Condition":
                    conditions = ParseConditions(value, where + ".Condition");
                    break;
                case "NotAction" or "NotResource" or "Principal" or "NotPrincipal":
                    throw new MalformedPolicyException(where + "." + key + " is not supported in an AWS IoT policy here; use Action and Resource.");
                default:
                    throw new MalformedPolicyException("Unknown element '" + key + "' in " + where + " (expected Sid, Effect, Action, Resource, Condition).");
            }
        }

        if (effect is null)
        {
            throw new MalformedPolicyException(where + " has no Effect.");
        }

        if (actions is null)
        {
            throw new MalformedPolicyException(where + " has no Action.");
        }

        if (resources is null)
        {
            throw new MalformedPolicyException(where + " has no Resource.");
        }

        return new PolicyStatement(sid, effect.Value, actions, resources, conditions);
    }

    private static void CheckAction(string action, string where)
    {
        if (action == "*")
        {
            return;
        }

        var colon = action.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || colon == action.Length - 1 || action.IndexOf(':', colon + 1) >= 0)
        {
            throw new MalformedPolicyException(where + " '" + action + "' is not of the form service:Action (e.g. iot:Publish).");
        }
    }

    private static List<PolicyCondition> ParseConditions(JsonNode? node, string where)
    {
        if (node is not JsonObject block)
        {
            throw new MalformedPolicyException(where + " must be an object of operators.");
        }

        var conditions = new List<PolicyCondition>();
        foreach (var (conditionOperator, tests) in block)
        {
            var baseOperator = conditionOperator.EndsWith("IfExists", StringComparison.Ordinal) ? conditionOperator[..^"IfExists".Length] : conditionOperator;
            if (Array.IndexOf(ConditionOperators, baseOperator) < 0)
            {
                throw new MalformedPolicyException(where + " has the unknown operator '" + conditionOperator + "' (e.g. StringEquals, StringLike, ArnLike, Bool).");
            }

            if (tests is not JsonObject keys || keys.Count == 0)
            {
                throw new MalformedPolicyException(where + "." + conditionOperator + " must be an object of condition keys and values.");
            }

            foreach (var (key, values) in keys)
            {
                conditions.Add(new PolicyCondition(conditionOperator, key, ConditionValues(values, where + "." + conditionOperator + "." + key)));
            }
        }

        return conditions;
    }

    // Condition values may be strings, booleans or numbers (IAM accepts "true" and true alike).
    private static string[] ConditionValues(JsonNode? node, string where)
    {
        if (node is JsonArray array)
        {
            if (array.Count == 0)
            {
                throw new MalformedPolicyException(where + " is an empty array.");
            }

            var values = new string[array.Count];
            for (var i = 0; i < array.Count; i++)
            {
                values[i] = Scalar(array[i], where);
            }

            return values;
        }

        return [Scalar(node, where)];
    }

    private static string Scalar(JsonNode? node, string where) => node is JsonValue value
        ? value.GetValueKind() switch
        {
            JsonValueKind.String => value.GetValue<string>(),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            JsonValueKind.Number => value.ToJsonString(),
            _ => throw new MalformedPolicyException(where + " must be a string, a boolean or a number."),
        }
        : throw new MalformedPolicyException(where + " must be a string, a boolean, a number or an array of them.");

    private static string[] Strings(JsonNode? node, string where)
    {
        if (node is JsonArray array)
        {
            if (array.Count == 0)
            {
                throw new MalformedPolicyException(where + " is an empty array.");
            }

            var values = new string[array.Count];
            for (var i = 0; i < array.Count; i++)
            {
                values[i] = Text(array[i], where + "[" + i + "]");
            }

            return values;
        }

        return [Text(node, where)];
    }

    private static string Text(JsonNode? node, string where)
    {
        if (node is JsonValue value && value.GetValueKind() == JsonValueKind.String)
        {
            var text = value.GetValue<string>();
            if (text.Length == 0)
            {
                throw new MalformedPolicyException(where + " is empty.");
            }

            return text;
        }

        throw new MalformedPolicyException(where + " must be a string.");
    }
}
