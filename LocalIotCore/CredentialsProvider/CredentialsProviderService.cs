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

    public CredentialsProviderService(string dataDirectory, CredentialsProviderOptions options, IPrincipalDirectory principals, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(principals);
        Options = options;
        _principals = principals;
        RoleAliases = RoleAliasTable.LoadOrCreate(Path.Combine(dataDirectory, RoleAliasTable.FileName));
        Issued = new TemporaryCredentialStore(Path.Combine(dataDirectory, "credentials.db"), time);
    }

    public CredentialsProviderOptions Options { get; }

    public RoleAliasTable RoleAliases { get; }

    /// <summary>Every credential issued (with the thing and certificate it was issued to); the S3 verifier reads it.</summary>
    public TemporaryCredentialStore Issued { get; }

    public void Map(IEndpointRouteBuilder app) => CredentialsProviderEndpoint.Map(app, RoleAliases, _principals, Issued, Options);

    public void Dispose() => Issued.Dispose();
}
