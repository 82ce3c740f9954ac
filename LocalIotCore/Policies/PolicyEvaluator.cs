using System.Globalization;
using System.Text;

namespace LocalIotCore.Policies;

/// <summary>The MQTT actions the broker authorizes, with the resource type AWS checks each against.</summary>
public static class IotActions
{
    /// <summary>CONNECT; resource <c>client/&lt;clientId&gt;</c>.</summary>
    public const string Connect = "iot:Connect";

    /// <summary>PUBLISH (and a Last Will, when it would be sent); resource <c>topic/&lt;topic&gt;</c>.</summary>
    public const string Publish = "iot:Publish";

    /// <summary>Delivering a message to a subscriber; resource <c>topic/&lt;topic&gt;</c>.</summary>
    public const string Receive = "iot:Receive";

    /// <summary>SUBSCRIBE; resource <c>topicfilter/&lt;filter&gt;</c>, the filter as written, + and # included.</summary>
    public const string Subscribe = "iot:Subscribe";
}

/// <summary>Why a request was decided as it was: AWS's default deny, an Allow, or an explicit Deny (which always wins).</summary>
public enum PolicyDecision
{
    ImplicitDeny,
    Allow,
    ExplicitDeny,
}

/// <summary>The outcome of one authorization, with the statement that decided it (for the refusal log).</summary>
public sealed record PolicyVerdict(PolicyDecision Decision, string Action, string Resource, string? PolicyName, string? Statement)
{
    public bool IsAllowed => Decision == PolicyDecision.Allow;

    public override string ToString() => Decision switch
    {
        PolicyDecision.Allow => Action + " on " + Resource + " allowed by " + Where(),
        PolicyDecision.ExplicitDeny => Action + " on " + Resource + " denied explicitly by " + Where(),
        _ => Action + " on " + Resource + " denied: no attached policy allows it",
    };

    private string Where() => "policy '" + (PolicyName ?? "(unnamed)") + "' " + Statement;
}

/// <summary>
/// The values AWS IoT Core substitutes for policy variables and condition keys on one connection.
/// <c>iot:Connection.Thing.*</c> is defined only when the client id names a thing attached to the
/// connection's certificate (AWS: "the client ID must exactly match the thing name").
/// </summary>
public sealed class PolicyContext
{
    private readonly IReadOnlyDictionary<string, string> _attributes;

    public PolicyContext(string clientId, string? thingName, IReadOnlyDictionary<string, string>? thingAttributes = null, string? thingTypeName = null)
    {
        ClientId = clientId ?? throw new ArgumentNullException(nameof(clientId));
        ThingName = thingName;
        ThingTypeName = thingTypeName;
        _attributes = thingAttributes ?? new Dictionary<string, string>();
    }

    public string ClientId { get; }

    /// <summary>The attached thing the connection speaks for, or <c>null</c> (then <c>IsAttached</c> is false).</summary>
    public string? ThingName { get; }

    public string? ThingTypeName { get; }

    public bool IsAttached => ThingName is not null;

    /// <summary>The context of a connection: its thing is the attached thing named like the client id, if any.</summary>
    public static PolicyContext ForConnection(string clientId, IReadOnlyList<string> attachedThings, IReadOnlyDictionary<string, string>? thingAttributes = null, string? thingTypeName = null)
    {
        ArgumentNullException.ThrowIfNull(clientId);
        ArgumentNullException.ThrowIfNull(attachedThings);
        foreach (var thing in attachedThings)
        {
            if (string.Equals(thing, clientId, StringComparison.Ordinal))
            {
                return new PolicyContext(clientId, thing, thingAttributes, thingTypeName);
            }
        }

        return new PolicyContext(clientId, null);
    }

    /// <summary>The value of a condition key or policy variable name (without <c>${}</c>), or <c>null</c> if it has none here.</summary>
    public string? Resolve(string key)
    {
        const string attributes = "iot:Connection.Thing.Attributes[";
        if (key.StartsWith(attributes, StringComparison.OrdinalIgnoreCase) && key.EndsWith(']'))
        {
            return IsAttached && _attributes.TryGetValue(key[attributes.Length..^1], out var value) ? value : null;
        }

        return key.ToUpperInvariant() switch
        {
            "IOT:CLIENTID" => ClientId,
            "IOT:CONNECTION.THING.THINGNAME" => ThingName,
            "IOT:CONNECTION.THING.THINGTYPENAME" => IsAttached ? ThingTypeName : null,
            "IOT:CONNECTION.THING.ISATTACHED" => IsAttached ? "true" : "false",
            _ => null,
        };
    }
}

/// <summary>
/// AWS IoT Core's policy evaluation for the broker: a request (action, resource ARN) is allowed when a
/// statement of an attached policy allows it and none denies it (explicit Deny wins, default deny).
/// In resources and <c>*Like</c> conditions <c>*</c> matches any run of characters and <c>?</c> one
/// character; MQTT's <c>+</c> and <c>#</c> are literal characters there, as AWS documents. Policy variables
/// (<c>${iot:ClientId}</c>, <c>${iot:Connection.Thing.ThingName}</c>, ...) are substituted as literal text;
/// a resource whose variable has no value here matches nothing. Pure and thread-safe.
/// </summary>
public sealed class PolicyEvaluator
{
    public PolicyEvaluator(string region, string account)
    {
        ArgumentException.ThrowIfNullOrEmpty(region);
        ArgumentException.ThrowIfNullOrEmpty(account);
        ArnPrefix = "arn:aws:iot:" + region + ":" + account + ":";
    }

    /// <summary><c>arn:aws:iot:REGION:ACCOUNT:</c> of this LocalIotCore.</summary>
    public string ArnPrefix { get; }

    public string ClientArn(string clientId) => ArnPrefix + "client/" + clientId;

    public string TopicArn(string topic) => ArnPrefix + "topic/" + topic;

    public string TopicFilterArn(string filter) => ArnPrefix + "topicfilter/" + filter;

    /// <summary>At CONNECT: <c>iot:Connect</c> on <c>client/&lt;clientId&gt;</c>.</summary>
    public PolicyVerdict AuthorizeConnect(IReadOnlyList<PolicyDocument> policies, PolicyContext context) =>
        Evaluate(policies, IotActions.Connect, ClientArn(context.ClientId), context);

    /// <summary>At PUBLISH, and for a Last Will before it is sent: <c>iot:Publish</c> on <c>topic/&lt;topic&gt;</c>.</summary>
    public PolicyVerdict AuthorizePublish(IReadOnlyList<PolicyDocument> policies, string topic, PolicyContext context) =>
        Evaluate(policies, IotActions.Publish, TopicArn(topic), context);

    /// <summary>Per topic filter of a SUBSCRIBE: <c>iot:Subscribe</c> on <c>topicfilter/&lt;filter&gt;</c>.</summary>
    public PolicyVerdict AuthorizeSubscribe(IReadOnlyList<PolicyDocument> policies, string topicFilter, PolicyContext context) =>
        Evaluate(policies, IotActions.Subscribe, TopicFilterArn(topicFilter), context);

    /// <summary>Before delivering a message to a subscriber: <c>iot:Receive</c> on <c>topic/&lt;topic&gt;</c>.</summary>
    public PolicyVerdict AuthorizeReceive(IReadOnlyList<PolicyDocument> policies, string topic, PolicyContext context) =>
        Evaluate(policies, IotActions.Receive, TopicArn(topic), context);

    /// <summary>Evaluates one request against every attached policy.</summary>
    public static PolicyVerdict Evaluate(IReadOnlyList<PolicyDocument> policies, string action, string resource, PolicyContext context)
    {
        ArgumentNullException.ThrowIfNull(policies);
        ArgumentNullException.ThrowIfNull(action);
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(context);
        PolicyVerdict? allowed = null;
        foreach (var policy in policies)
        {
            for (var i = 0; i < policy.Statements.Count; i++)
            {
                var statement = policy.Statements[i];
                if (!Applies(policy, statement, action, resource, context))
                {
                    continue;
                }

                var where = statement.Sid is null ? "Statement[" + i + "]" : "statement '" + statement.Sid + "'";
                if (statement.Effect == PolicyEffect.Deny)
                {
                    return new PolicyVerdict(PolicyDecision.ExplicitDeny, action, resource, policy.Name, where);
                }

                allowed ??= new PolicyVerdict(PolicyDecision.Allow, action, resource, policy.Name, where);
            }
        }

        return allowed ?? new PolicyVerdict(PolicyDecision.ImplicitDeny, action, resource, null, null);
    }

    private static bool Applies(PolicyDocument policy, PolicyStatement statement, string action, string resource, PolicyContext context)
    {
        var actionMatches = false;
        foreach (var pattern in statement.Actions)
        {
            // IAM action names are case-insensitive; no variables in actions.
            if (Glob.Matches(pattern, action, null, ignoreCase: true))
            {
                actionMatches = true;
                break;
            }
        }

        if (!actionMatches)
        {
            return false;
        }

        var variables = policy.SubstitutesVariables ? context : null;
        var resourceMatches = false;
        foreach (var pattern in statement.Resources)
        {
            if (Glob.Matches(pattern, resource, variables, ignoreCase: false))
            {
                resourceMatches = true;
                break;
            }
        }

        if (!resourceMatches)
        {
            return false;
        }

        foreach (var condition in statement.Conditions)
        {
            if (!Holds(condition, context, variables))
            {
                return false;
            }
        }

        return true;
    }

    // IAM's condition semantics: the values of one key are ORed (negated operators: none may match),
    // a missing key fails a positive test and passes a negated one, ...IfExists passes a missing key.
    private static bool Holds(PolicyCondition condition, PolicyContext context, PolicyContext? variables)
    {
        var op = condition.Operator;
        var ifExists = op.EndsWith("IfExists", StringComparison.Ordinal);
        if (ifExists)
        {
            op = op[..^"IfExists".Length];
        }

        var actual = context.Resolve(condition.Key);
        if (op == "Null")
        {
            var wantsAbsent = string.Equals(condition.Values[0], "true", StringComparison.OrdinalIgnoreCase);
            return wantsAbsent == (actual is null);
        }

        var negated = op.Contains("Not", StringComparison.Ordinal);
        if (actual is null)
        {
            return ifExists || negated;
        }

        var positive = negated ? op.Replace("Not", "", StringComparison.Ordinal) : op;
        foreach (var expected in condition.Values)
        {
            if (Compares(positive, actual, expected, variables))
            {
                return !negated;
            }
        }

        return negated;
    }

    private static bool Compares(string op, string actual, string expected, PolicyContext? variables)
    {
        switch (op)
        {
            case "StringEquals":
            case "ArnEquals":
                return Substitute(expected, variables) is string value && string.Equals(actual, value, StringComparison.Ordinal);
            case "StringEqualsIgnoreCase":
                return Substitute(expected, variables) is string folded && string.Equals(actual, folded, StringComparison.OrdinalIgnoreCase);
            case "StringLike":
            case "ArnLike":
                return Glob.Matches(expected, actual, variables, ignoreCase: false);
            case "Bool":
                return string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase);
            default:
                return Numeric(op, actual, expected);
        }
    }

    private static bool Numeric(string op, string actual, string expected)
    {
        if (!double.TryParse(actual, NumberStyles.Float, CultureInfo.InvariantCulture, out var a) ||
            !double.TryParse(expected, NumberStyles.Float, CultureInfo.InvariantCulture, out var e))
        {
            return false;
        }

        return op switch
        {
            "NumericEquals" => a == e,
            "NumericLessThan" => a < e,
            "NumericLessThanEquals" => a <= e,
            "NumericGreaterThan" => a > e,
            "NumericGreaterThanEquals" => a >= e,
            _ => false,
        };
    }

    /// <summary>The text with its policy variables filled in, or <c>null</c> if one has no value.</summary>
    private static string? Substitute(string text, PolicyContext? variables)
    {
        if (variables is null || !text.Contains('$', StringComparison.Ordinal))
        {
            return text;
        }

        var pattern = Glob.Expand(text, variables);
        if (pattern is null)
        {
            return null;
        }

        var result = new StringBuilder(pattern.Count);
        foreach (var piece in pattern)
        {
            result.Append(piece.Char);
        }

        return result.ToString();
    }

    /// <summary>IAM wildcard matching, where substituted variable values and <c>$(*)</c>, <c>$(?)</c>, <c>$($)</c> are literal.</summary>
    private static class Glob
    {
        public static bool Matches(string pattern, string value, PolicyContext? variables, bool ignoreCase)
        {
            var pieces = Expand(pattern, variables);
            return pieces is not null && Match(pieces, value, ignoreCase);
        }

        public static List<Piece>? Expand(string pattern, PolicyContext? variables)
        {
            var pieces = new List<Piece>(pattern.Length);
            for (var i = 0; i < pattern.Length; i++)
            {
                var c = pattern[i];
                if (variables is not null && c == '$' && i + 3 < pattern.Length && pattern[i + 1] == '(' && pattern[i + 3] == ')' && pattern[i + 2] is '*' or '?' or '$')
                {
                    pieces.Add(new Piece(pattern[i + 2], PieceKind.Literal));
                    i += 3;
                }
                else if (variables is not null && c == '$' && i + 1 < pattern.Length && pattern[i + 1] == '{' && pattern.IndexOf('}', i + 2) is var end && end > 0)
                {
                    var value = variables.Resolve(pattern[(i + 2)..end]);
                    if (value is null)
                    {
                        return null;
                    }

                    foreach (var v in value)
                    {
                        pieces.Add(new Piece(v, PieceKind.Literal));
                    }

                    i = end;
                }
                else
                {
                    pieces.Add(new Piece(c, c switch { '*' => PieceKind.AnyRun, '?' => PieceKind.AnyOne, _ => PieceKind.Literal }));
                }
            }

            return pieces;
        }

        // Greedy matching with one backtrack point, linear in practice.
        private static bool Match(List<Piece> pattern, string value, bool ignoreCase)
        {
            int p = 0, v = 0, star = -1, resume = 0;
            while (v < value.Length)
            {
                if (p < pattern.Count && pattern[p].Kind == PieceKind.AnyRun)
                {
                    star = p++;
                    resume = v;
                }
                else if (p < pattern.Count && (pattern[p].Kind == PieceKind.AnyOne || Same(pattern[p].Char, value[v], ignoreCase)))
                {
                    p++;
                    v++;
                }
                else if (star >= 0)
                {
                    p = star + 1;
                    v = ++resume;
                }
                else
                {
                    return false;
                }
            }

            while (p < pattern.Count && pattern[p].Kind == PieceKind.AnyRun)
            {
                p++;
            }

            return p == pattern.Count;
        }

        private static bool Same(char a, char b, bool ignoreCase) => a == b || (ignoreCase && char.ToUpperInvariant(a) == char.ToUpperInvariant(b));
    }

    private enum PieceKind
    {
        Literal,
        AnyRun,
        AnyOne,
    }

    private readonly record struct Piece(char Char, PieceKind Kind);
}
