using System.Globalization;
using System.Text;

namespace LocalIotCore.Policies;

/// <summary>The actions LocalIotCore authorizes (the broker's MQTT ones and the credentials provider's), with the resource type AWS checks each against.</summary>
public static class IotActions
{
    /// <summary>The credentials provider's <c>GET /role-aliases/&lt;alias&gt;/credentials</c>; resource <c>rolealias/&lt;alias&gt;</c>.</summary>
    public const string AssumeRoleWithCertificate = "iot:AssumeRoleWithCertificate";

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
/// The broker binds a connection's policies once (<see cref="Bind"/>) and asks the bound set per request.
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

    public string RoleAliasArn(string alias) => ArnPrefix + "rolealias/" + alias;

    /// <summary>
    /// A connection's policies with its variables substituted and its conditions decided, once: every
    /// later request is a match of strings, without allocating patterns.
    /// </summary>
    public ConnectionPolicy Bind(IReadOnlyList<PolicyDocument> policies, PolicyContext context) => new(this, policies, context);

    /// <summary>At CONNECT: <c>iot:Connect</c> on <c>client/&lt;clientId&gt;</c>.</summary>
    public PolicyVerdict AuthorizeConnect(IReadOnlyList<PolicyDocument> policies, PolicyContext context) => Bind(policies, context).AuthorizeConnect();

    /// <summary>At PUBLISH, and for a Last Will before it is sent: <c>iot:Publish</c> on <c>topic/&lt;topic&gt;</c>.</summary>
    public PolicyVerdict AuthorizePublish(IReadOnlyList<PolicyDocument> policies, string topic, PolicyContext context) => Bind(policies, context).AuthorizePublish(topic);

    /// <summary>Per topic filter of a SUBSCRIBE: <c>iot:Subscribe</c> on <c>topicfilter/&lt;filter&gt;</c>.</summary>
    public PolicyVerdict AuthorizeSubscribe(IReadOnlyList<PolicyDocument> policies, string topicFilter, PolicyContext context) => Bind(policies, context).AuthorizeSubscribe(topicFilter);

    /// <summary>Before delivering a message to a subscriber: <c>iot:Receive</c> on <c>topic/&lt;topic&gt;</c>.</summary>
    public PolicyVerdict AuthorizeReceive(IReadOnlyList<PolicyDocument> policies, string topic, PolicyContext context) => Bind(policies, context).AuthorizeReceive(topic);

    /// <summary>Evaluates one request (any action, any resource ARN) against every attached policy.</summary>
    public static PolicyVerdict Evaluate(IReadOnlyList<PolicyDocument> policies, string action, string resource, PolicyContext context) =>
        new ConnectionPolicy(null, policies, context).Evaluate(action, resource);
}

/// <summary>
/// The policies attached to one connection's certificate, bound to that connection's
/// <see cref="PolicyContext"/>: what the broker keeps per connection and asks per CONNECT, PUBLISH,
/// SUBSCRIBE and delivery. Immutable and thread-safe.
/// </summary>
public sealed class ConnectionPolicy
{
    private readonly PolicyEvaluator? _evaluator;
    private readonly BoundStatement[] _statements;

    internal ConnectionPolicy(PolicyEvaluator? evaluator, IReadOnlyList<PolicyDocument> policies, PolicyContext context)
    {
        ArgumentNullException.ThrowIfNull(policies);
        _evaluator = evaluator;
        Context = context ?? throw new ArgumentNullException(nameof(context));
        var statements = new List<BoundStatement>();
        foreach (var policy in policies)
        {
            var variables = policy.SubstitutesVariables ? context : null;
            for (var i = 0; i < policy.Statements.Count; i++)
            {
                var statement = policy.Statements[i];
                if (Bound(statement, context, variables) is { } bound)
                {
                    statements.Add(new BoundStatement(
                        statement.Effect, policy.Name, statement.Sid is null ? "Statement[" + i + "]" : "statement '" + statement.Sid + "'", bound.Actions, bound.Resources));
                }
            }
        }

        _statements = [.. statements];
    }

    public PolicyContext Context { get; }

    public PolicyVerdict AuthorizeConnect() => Evaluate(IotActions.Connect, Evaluator.ClientArn(Context.ClientId));

    public PolicyVerdict AuthorizePublish(string topic) => Evaluate(IotActions.Publish, Evaluator.TopicArn(topic));

    public PolicyVerdict AuthorizeSubscribe(string topicFilter) => Evaluate(IotActions.Subscribe, Evaluator.TopicFilterArn(topicFilter));

    public PolicyVerdict AuthorizeReceive(string topic) => Evaluate(IotActions.Receive, Evaluator.TopicArn(topic));

    private PolicyEvaluator Evaluator => _evaluator ?? throw new InvalidOperationException("Bind the policies with a PolicyEvaluator (it knows the region and account) to authorize by topic.");

    public PolicyVerdict Evaluate(string action, string resource)
    {
        ArgumentNullException.ThrowIfNull(action);
        ArgumentNullException.ThrowIfNull(resource);
        PolicyVerdict? allowed = null;
        foreach (var statement in _statements)
        {
            if (!statement.Matches(action, resource))
            {
                continue;
            }

            if (statement.Effect == PolicyEffect.Deny)
            {
                return new PolicyVerdict(PolicyDecision.ExplicitDeny, action, resource, statement.PolicyName, statement.Where);
            }

            allowed ??= new PolicyVerdict(PolicyDecision.Allow, action, resource, statement.PolicyName, statement.Where);
        }

        return allowed ?? new PolicyVerdict(PolicyDecision.ImplicitDeny, action, resource, null, null);
    }

    /// <summary>The statement's patterns for this connection, or <c>null</c> if its conditions rule it out (they depend only on the connection).</summary>
    private static (Glob.Piece[][] Actions, Glob.Piece[][] Resources)? Bound(PolicyStatement statement, PolicyContext context, PolicyContext? variables)
    {
        foreach (var condition in statement.Conditions)
        {
            if (!Holds(condition, context, variables))
            {
                return null;
            }
        }

        var actions = new Glob.Piece[statement.Actions.Count][];
        for (var i = 0; i < actions.Length; i++)
        {
            actions[i] = Glob.Compile(statement.Actions[i], null)!; // no variables in actions
        }

        var resources = new List<Glob.Piece[]>(statement.Resources.Count);
        foreach (var resource in statement.Resources)
        {
            if (Glob.Compile(resource, variables) is { } pieces)
            {
                resources.Add(pieces);
            }
        }

        return resources.Count == 0 ? null : (actions, [.. resources]);
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
                return Glob.Substitute(expected, variables) is string value && string.Equals(actual, value, StringComparison.Ordinal);
            case "StringEqualsIgnoreCase":
                return Glob.Substitute(expected, variables) is string folded && string.Equals(actual, folded, StringComparison.OrdinalIgnoreCase);
            case "StringLike":
            case "ArnLike":
                return Glob.Compile(expected, variables) is { } pattern && Glob.Match(pattern, actual, ignoreCase: false);
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

    private sealed class BoundStatement(PolicyEffect effect, string? policyName, string where, Glob.Piece[][] actions, Glob.Piece[][] resources)
    {
        public PolicyEffect Effect { get; } = effect;

        public string? PolicyName { get; } = policyName;

        public string Where { get; } = where;

        public bool Matches(string action, string resource)
        {
            var actionMatches = false;
            foreach (var pattern in actions)
            {
                // IAM action names are case-insensitive.
                if (Glob.Match(pattern, action, ignoreCase: true))
                {
                    actionMatches = true;
                    break;
                }
            }

            if (!actionMatches)
            {
                return false;
            }

            foreach (var pattern in resources)
            {
                if (Glob.Match(pattern, resource, ignoreCase: false))
                {
                    return true;
                }
            }

            return false;
        }
    }
}

/// <summary>IAM wildcard patterns, where substituted variable values and <c>$(*)</c>, <c>$(?)</c>, <c>$($)</c> are literal.</summary>
internal static class Glob
{
    internal enum PieceKind : byte
    {
        Literal,
        AnyRun,
        AnyOne,
    }

    /// <summary>The pattern with its variables filled in, or <c>null</c> if one has no value (<paramref name="variables"/> null: no variables).</summary>
    public static Piece[]? Compile(string pattern, PolicyContext? variables)
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

        return [.. pieces];
    }

    /// <summary>The text with its policy variables filled in (wildcards kept as characters), or <c>null</c> if one has no value.</summary>
    public static string? Substitute(string text, PolicyContext? variables)
    {
        if (variables is null || !text.Contains('$', StringComparison.Ordinal))
        {
            return text;
        }

        if (Compile(text, variables) is not { } pieces)
        {
            return null;
        }

        var result = new StringBuilder(pieces.Length);
        foreach (var piece in pieces)
        {
            result.Append(piece.Char);
        }

        return result.ToString();
    }

    // Greedy matching with one backtrack point, linear in practice.
    public static bool Match(Piece[] pattern, string value, bool ignoreCase)
    {
        int p = 0, v = 0, star = -1, resume = 0;
        while (v < value.Length)
        {
            if (p < pattern.Length && pattern[p].Kind == PieceKind.AnyRun)
            {
                star = p++;
                resume = v;
            }
            else if (p < pattern.Length && (pattern[p].Kind == PieceKind.AnyOne || Same(pattern[p].Char, value[v], ignoreCase)))
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

        while (p < pattern.Length && pattern[p].Kind == PieceKind.AnyRun)
        {
            p++;
        }

        return p == pattern.Length;
    }

    private static bool Same(char a, char b, bool ignoreCase) => a == b || (ignoreCase && char.ToUpperInvariant(a) == char.ToUpperInvariant(b));

    internal readonly record struct Piece(char Char, PieceKind Kind);
}
