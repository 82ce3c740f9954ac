using LocalIotCore.Policies;
using LocalIotCore.Registry;
using Microsoft.AspNetCore.Routing;

namespace LocalIotCore.CredentialsProvider;

/// <summary>
/// The credentials provider's parts as LocalIotCore runs them: the role aliases of the data directory's
/// <c>role-aliases.json</c>, the issued credentials (persisted in <c>credentials.db</c>) and the endpoint.
/// </summary>
public sealed class CredentialsProviderService : IDisposable
{
    private readonly IPrincipalDirectory _principals;
    private readonly PolicyEvaluator _policies;

    /// <param name="policies">Knows the region and account the role aliases' ARNs are in.</param>
    public CredentialsProviderService(string dataDirectory, CredentialsProviderOptions options, IPrincipalDirectory principals, PolicyEvaluator policies, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(principals);
        ArgumentNullException.ThrowIfNull(policies);
        Options = options;
        _principals = principals;
        _policies = policies;
        RoleAliases = RoleAliasTable.LoadOrCreate(Path.Combine(dataDirectory, RoleAliasTable.FileName));
        Issued = new TemporaryCredentialStore(Path.Combine(dataDirectory, "credentials.db"), time);
    }

    public CredentialsProviderOptions Options { get; }

    public RoleAliasTable RoleAliases { get; }

    /// <summary>Every credential issued (with the thing and certificate it was issued to); the S3 verifier reads it.</summary>
    public TemporaryCredentialStore Issued { get; }

    public void Map(IEndpointRouteBuilder app) => CredentialsProviderEndpoint.Map(app, RoleAliases, _principals, _policies, Issued, Options);

    public void Dispose() => Issued.Dispose();
}
