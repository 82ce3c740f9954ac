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
/// topic. Pure functions; the reason is returned for the log.
/// </summary>
public static class TopicPolicy
{
    public static string? DenyPublish(Identity identity, string topic)
    {
        ArgumentNullException.ThrowIfNull(identity);
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

    private static bool IsOwn(string thing, string topic) =>
        topic.StartsWith("$aws/things/" + thing + "/shadow/", StringComparison.Ordinal) ||
        topic.StartsWith("things/" + thing + "/", StringComparison.Ordinal);
}
