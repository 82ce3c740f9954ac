using System.Text.Json;
using System.Text.Json.Serialization;

namespace LocalIotCore.Rules;

/// <summary>
/// One republish rule, like an AWS IoT rule <c>SELECT * FROM '&lt;from&gt;'</c> with a republish action.
/// <see cref="To"/> may use <c>${topic(n)}</c>, the n-th segment (1-based) of the incoming topic.
/// </summary>
public sealed class RepublishRule
{
    public string Name { get; set; } = "";

    public string From { get; set; } = "";

    public string To { get; set; } = "";
}

public sealed class RulesConfiguration
{
    public List<RepublishRule> Rules { get; set; } = [];

    /// <summary>AWS's connected-flag pattern: the Last Will on things/&lt;thing&gt;/lwt is written to that thing's shadow.</summary>
    public static RulesConfiguration Default() => new()
    {
        Rules = [new RepublishRule { Name = "lastWillToShadow", From = "things/+/lwt", To = "$aws/things/${topic(2)}/shadow/update" }],
    };

    /// <summary>Loads rules.json from the data directory, writing the defaults there on first run.</summary>
    public static RulesConfiguration LoadOrCreate(string path)
    {
        if (!File.Exists(path))
        {
            var defaults = Default();
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            File.WriteAllText(path, JsonSerializer.Serialize(defaults, RulesJsonContext.Default.RulesConfiguration));
            return defaults;
        }

        return JsonSerializer.Deserialize(File.ReadAllText(path), RulesJsonContext.Default.RulesConfiguration)
            ?? throw new InvalidDataException("The rules file '" + path + "' is empty.");
    }
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(RulesConfiguration))]
internal sealed partial class RulesJsonContext : JsonSerializerContext;

/// <summary>Matches published topics against the rules and says where to republish.</summary>
public sealed class RuleEngine(RulesConfiguration configuration)
{
    public IReadOnlyList<string> Republish(string topic)
    {
        var targets = new List<string>();
        foreach (var rule in configuration.Rules)
        {
            if (Matches(rule.From, topic))
            {
                targets.Add(Substitute(rule.To, topic));
            }
        }

        return targets;
    }

    /// <summary>MQTT topic filter matching (+ one level, # the rest).</summary>
    public static bool Matches(string filter, string topic)
    {
        var f = filter.Split('/');
        var t = topic.Split('/');
        for (var i = 0; i < f.Length; i++)
        {
            if (f[i] == "#")
            {
                return true;
            }

            if (i >= t.Length || (f[i] != "+" && f[i] != t[i]))
            {
                return false;
            }
        }

        return f.Length == t.Length;
    }

    private static string Substitute(string template, string topic)
    {
        var segments = topic.Split('/');
        var result = template;
        for (var n = 1; n <= segments.Length; n++)
        {
            result = result.Replace("${topic(" + n + ")}", segments[n - 1], StringComparison.Ordinal);
        }

        return result;
    }
}
