using System.Security.Cryptography.X509Certificates;

namespace LocalIotCore.Registry;

/// <summary>A policy attached to a certificate: its name and its AWS IoT policy document (JSON text).</summary>
public sealed record AttachedPolicy(string Name, string Document);

/// <summary>
/// What AWS IoT Core knows about a client certificate at connect time: its id, whether it is ACTIVE,
/// the things it is attached to and the policies attached to it. The broker asks this once per
/// connection and authorizes every CONNECT, PUBLISH, SUBSCRIBE and delivery with the policies.
/// </summary>
public sealed record PrincipalInfo(string CertificateId, bool IsActive, IReadOnlyList<string> AttachedThings, IReadOnlyList<AttachedPolicy> Policies);

/// <summary>
/// The broker's view of the registry of certificates, things and policies. Called on MQTTnet's
/// connection-validation path, concurrently: implementations are thread-safe and do not block on I/O
/// longer than a local database read. <c>null</c> means the certificate is not known at all.
/// </summary>
public interface IPrincipalDirectory
{
    PrincipalInfo? Describe(X509Certificate2 certificate);
}
