using System.Text.Json;
using System.Text.Json.Nodes;

namespace LocalIotCore.CredentialsProvider;

/// <summary>A role alias (AWS: CreateRoleAlias): a name devices ask for, the role it stands for, and an optional credential duration.</summary>
public sealed record RoleAlias(string Name, string RoleArn, TimeSpan? CredentialDuration);

/// <summary>
/// The role aliases the credentials provider answers for, read from <c>role-aliases.json</c> in the data
/// directory; the file is created on first start with <see cref="CredentialsProviderOptions.DefaultRoleAlias"/>.
/// Shape: <c>{"roleAliases":[{"roleAlias":"...","roleArn":"...","credentialDurationSeconds":3600}]}</c>
/// (the last is optional: without it the server's <see cref="CredentialsProviderOptions.CredentialDuration"/> applies).
/// </summary>
public sealed class RoleAliasTable
{
    public const string FileName = "role-aliases.json";

    private readonly Dictionary<string, RoleAlias> _aliases = new(StringComparer.Ordinal);

    public RoleAliasTable(IEnumerable<RoleAlias> aliases)
    {
        ArgumentNullException.ThrowIfNull(aliases);
        foreach (var alias in aliases)
        {
            _aliases[alias.Name] = alias;
        }
    }

    public RoleAlias? Find(string name) => _aliases.GetValueOrDefault(name);

    public IReadOnlyCollection<RoleAlias> All => _aliases.Values;

    /// <summary>Reads the file, writing the default one first when there is none.</summary>
    public static RoleAliasTable LoadOrCreate(string path)
    {
        if (!File.Exists(path))
        {
            var alias = CredentialsProviderOptions.DefaultRoleAlias;
            var document = new JsonObject
            {
                ["roleAliases"] = new JsonArray(new JsonObject
                {
                    ["roleAlias"] = alias,
                    // The role a real account would create for it (docs/aws-setup.md); LocalIotCore has no IAM.
                    ["roleArn"] = "arn:aws:iam::000000000000:role/" + alias,
                }),
            };
            File.WriteAllText(path, document.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        }

        return Parse(File.ReadAllText(path));
    }

    public static RoleAliasTable Parse(string json)
    {
        var aliases = new List<RoleAlias>();
        if (JsonNode.Parse(json)?["roleAliases"] is JsonArray list)
        {
            foreach (var item in list)
            {
                var name = item?["roleAlias"]?.GetValue<string>();
                if (string.IsNullOrEmpty(name))
                {
                    throw new FormatException(FileName + ": every role alias needs a \"roleAlias\" name.");
                }

                var seconds = item!["credentialDurationSeconds"]?.GetValue<int>();
                aliases.Add(new RoleAlias(name, item["roleArn"]?.GetValue<string>() ?? "", seconds is int s ? TimeSpan.FromSeconds(s) : null));
            }
        }

        return new RoleAliasTable(aliases);
    }
}
