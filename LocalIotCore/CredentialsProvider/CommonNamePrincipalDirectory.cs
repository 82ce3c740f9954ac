using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using LocalIotCore.Registry;

namespace LocalIotCore.CredentialsProvider;

/// <summary>
/// FALLBACK until the thing registry is wired in: treats every certificate the HTTPS listener accepted
/// (it checks that the local CA issued it) as ACTIVE and attached to the one thing its CN names, as
/// LocalIotCore's CA mints device certificates with CN = thing. No policies. Replace it with the
/// registry's <see cref="IPrincipalDirectory"/>, which knows inactive certificates and attachments.
/// </summary>
public sealed class CommonNamePrincipalDirectory : IPrincipalDirectory
{
    public PrincipalInfo? Describe(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var thing = certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        // AWS's certificate id: the SHA-256 of the DER certificate, lowercase hex.
        var id = Convert.ToHexStringLower(SHA256.HashData(certificate.RawData));
        return new PrincipalInfo(id, IsActive: true, string.IsNullOrEmpty(thing) ? [] : [thing], []);
    }
}
