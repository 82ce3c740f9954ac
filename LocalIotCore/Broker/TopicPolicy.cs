namespace LocalIotCore.Broker;

/// <summary>Who is connected: a device (its certificate's CN is its thing name) or an application.</summary>
public sealed record Identity(string Name, bool IsApplication)
{
    public static Identity Device(string thingName) => new(thingName, false);

    public static Identity Application(string name) => new(name, true);
}

/// <summary>
/// The topic rules of AWS's recommended thing policy: a device publishes and subscribes only under
/// its own <c>$aws/things/&lt;thing&gt;/shadow/</c> and <c>things/&lt;thing&gt;/</c>; applications may use every
/// topic. Nobody but LocalIotCore itself publishes what only AWS's services publish: the shadow
/// service's replies (<c>/accepted</c>, <c>/rejected</c>, <c>/update/delta</c>, <c>/update/documents</c>) and
/// <c>$aws/events/...</c>. The same rule decides whether a client's Last Will may be sent: AWS
/// authorizes a will as a publish on its topic (iot:Publish). Pure functions; the reason is returned
/// for the log.
/// </summary>
public static class TopicPolicy
{
    public static string? DenyPublish(Identity identity, string topic)
    {
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentNullException.ThrowIfNull(topic);
        if (IsServiceOnly(topic))
        {
            return (identity.IsApplication ? "application '" : "device '") + identity.Name + "' may not publish on '" + topic + "': only the service (LocalIotCore itself) publishes there";
        }

        if (identity.IsApplication)
        {
            return null;
        }

        if (topic.Contains('+', StringComparison.Ordinal) || topic.Contains('#', StringComparison.Ordinal))
        {
            return "a topic name may not contain wildcards";
        }

        return IsOwn(identity.Name, topic) ? null : "device '" + identity.Name + "' may publish only to its own topics ($aws/things/" + identity.Name + "/shadow/... and things/" + identity.Name + "/...), not to '" + topic + "'";
    }

    public static string? DenySubscribe(Identity identity, string filter)
    {
        ArgumentNullException.ThrowIfNull(identity);
        if (identity.IsApplication)
        {
            return null;
        }

        // A wildcard may only narrow inside the device's own prefix ('$aws/things/+/...' would reach others).
        return IsOwn(identity.Name, filter) ? null : "device '" + identity.Name + "' may subscribe only to its own topics, not to '" + filter + "'";
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

    private static bool IsOwn(string thing, string topic) =>
        topic.StartsWith("$aws/things/" + thing + "/shadow/", StringComparison.Ordinal) ||
        topic.StartsWith("things/" + thing + "/", StringComparison.Ordinal);
}
