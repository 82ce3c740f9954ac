namespace LocalIotCore.Shadows;

public enum ShadowOperation
{
    Update,
    Get,
    Delete,
}

/// <summary>Parses shadow request topics: <c>$aws/things/&lt;thing&gt;/shadow[/name/&lt;shadow&gt;]/(update|get|delete)</c>.</summary>
public static class ShadowTopic
{
    public static bool TryParseRequest(string topic, out ShadowId id, out ShadowOperation operation)
    {
        id = default;
        operation = default;
        var parts = topic.Split('/');
        if (parts.Length is not (5 or 7) || parts[0] != "$aws" || parts[1] != "things" || parts[3] != "shadow" || parts[2].Length == 0)
        {
            return false;
        }

        string? shadowName = null;
        if (parts.Length == 7)
        {
            if (parts[4] != "name" || parts[5].Length == 0)
            {
                return false;
            }

            shadowName = parts[5];
        }

        switch (parts[^1])
        {
            case "update":
                operation = ShadowOperation.Update;
                break;
            case "get":
                operation = ShadowOperation.Get;
                break;
            case "delete":
                operation = ShadowOperation.Delete;
                break;
            default:
                return false;
        }

        id = new ShadowId(parts[2], shadowName);
        return true;
    }
}
