using System.Security.Cryptography.X509Certificates;
using LocalIotCore.Registry;

namespace LocalIotCore.Tests.Support;

/// <summary>Registers test certificates the way a user sets them up with the AWS CLI: thing, certificate, policy, attachments.</summary>
internal static class TestPrincipals
{
    /// <summary>AWS's getting-started policy: every IoT action on every resource.</summary>
    public const string PermissivePolicy = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iot:*","Resource":"*"}]}""";

    /// <summary>The certificate ACTIVE, attached to <paramref name="thing"/>, with its own policy <c>&lt;thing&gt;-policy</c>.</summary>
    public static void RegisterThing(IotRegistry registry, X509Certificate2 certificate, string thing, string policyDocument = PermissivePolicy)
    {
        ArgumentNullException.ThrowIfNull(registry);
        var registered = registry.RegisterCertificate(certificate, CertificateStatus.Active);
        if (registry.FindThing(thing) is null)
        {
            registry.CreateThing(thing);
        }

        registry.AttachThingPrincipal(thing, registered.Arn);
        if (registry.FindPolicy(thing + "-policy") is null)
        {
            registry.CreatePolicy(thing + "-policy", policyDocument);
        }

        registry.AttachPolicy(thing + "-policy", registered.Arn);
    }
}
