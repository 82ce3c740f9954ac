using LocalIotCore.Policies;

namespace LocalIotCore.Broker;

/// <summary>
/// Who is connected: a client on the plain loopback port (an application for local tools, which no
/// policy limits), or a certificate's connection with the AWS IoT policies attached to that
/// certificate.
/// </summary>
public sealed record Identity(string Name, bool IsApplication, ConnectionPolicies? Policies = null)
{
    public static Identity Application(string name) => new(name, true);

    public static Identity Certificate(string clientId, ConnectionPolicies policies) => new(clientId, false, policies);
}

/// <summary>The policies of one connection's certificate, parsed once, with the connection's policy variables.</summary>
public sealed class ConnectionPolicies(PolicyEvaluator evaluator, string certificateId, IReadOnlyList<PolicyDocument> documents, PolicyContext context)
{
    public string CertificateId { get; } = certificateId;

    public IReadOnlyList<PolicyDocument> Documents { get; } = documents;

    public PolicyContext Context { get; } = context;

    // Variables substituted and conditions decided once per connection; each request only matches strings.
    private readonly ConnectionPolicy _bound = evaluator.Bind(documents, context);

    public PolicyVerdict Connect() => _bound.AuthorizeConnect();

    public PolicyVerdict Publish(string topic) => _bound.AuthorizePublish(topic);

    public PolicyVerdict Subscribe(string filter) => _bound.AuthorizeSubscribe(filter);

    public PolicyVerdict Receive(string topic) => _bound.AuthorizeReceive(topic);

    /// <summary>For the refusal log: the verdict and the certificate it was made for.</summary>
    public string Explain(PolicyVerdict verdict) => verdict + " (certificate " + CertificateId + ")";
}

/// <summary>
/// What a connection may do, as AWS IoT Core decides it: the certificate's attached policies
/// (<see cref="PolicyEvaluator"/>: iot:Publish, iot:Subscribe, iot:Receive; Deny wins, default deny),
/// and, above any policy, nobody but LocalIotCore itself publishes what only AWS's services publish:
/// the shadow service's replies (<c>/accepted</c>, <c>/rejected</c>, <c>/update/delta</c>,
/// <c>/update/documents</c>) and <c>$aws/events/...</c>. The same rule decides whether a client's Last
/// Will may be sent: AWS authorizes a will as a publish on its topic. Pure functions; the reason is
/// returned for the log, null when allowed.
/// </summary>
public static class TopicPolicy
{
    public static string? DenyPublish(Identity identity, string topic)
    {
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentNullException.ThrowIfNull(topic);
        if (IsServiceOnly(topic))
        {
            return "'" + identity.Name + "' may not publish on '" + topic + "': only the service (LocalIotCore itself) publishes there";
        }

        if (identity.IsApplication)
        {
            return null;
        }

        if (topic.Contains('+', StringComparison.Ordinal) || topic.Contains('#', StringComparison.Ordinal))
        {
            return "a topic name may not contain wildcards";
        }

        return Deny(identity, policies => policies.Publish(topic));
    }

    public static string? DenySubscribe(Identity identity, string filter)
    {
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentNullException.ThrowIfNull(filter);
        return identity.IsApplication ? null : Deny(identity, policies => policies.Subscribe(filter));
    }

    /// <summary>Whether a message on <paramref name="topic"/> may be delivered to the client (iot:Receive).</summary>
    public static string? DenyReceive(Identity identity, string topic)
    {
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentNullException.ThrowIfNull(topic);
        return identity.IsApplication ? null : Deny(identity, policies => policies.Receive(topic));
    }

    private static string? Deny(Identity identity, Func<ConnectionPolicies, PolicyVerdict> authorize)
    {
        if (identity.Policies is not { } policies)
        {
            return "'" + identity.Name + "' has no policy";
        }

        var verdict = authorize(policies);
        return verdict.IsAllowed ? null : policies.Explain(verdict);
    }

    /// <summary>
    /// Topics only AWS's services publish on: lifecycle events and the shadow service's replies
    /// (classic and named shadows, any operation). Wildcards in a topic name count as a match, so that
    /// a malformed name cannot slip past.
    /// </summary>
    public static bool IsServiceOnly(string topic)
    {
        ArgumentNullException.ThrowIfNull(topic);
        if (topic.StartsWith("$aws/events/", StringComparison.Ordinal) || topic == "$aws/events")
        {
            return true;
        }

        var parts = topic.Split('/');
        if (parts.Length < 6 || parts[0] != "$aws" || parts[1] != "things" || parts[3] != "shadow")
        {
            return false;
        }

        var operation = parts[^2];
        var reply = parts[^1];
        return reply switch
        {
            "accepted" or "rejected" => operation is "update" or "get" or "delete" or "+" or "#",
            "delta" or "documents" => operation is "update" or "+" or "#",
            "+" or "#" => true,
            _ => false,
        };
    }
}
