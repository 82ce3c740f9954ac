using LocalIotCore.Policies;
using LocalIotCore.Registry;

namespace LocalIotCore.Certificates;

/// <summary>
/// The command line of the local certificate authority:
/// <c>mint-device-cert &lt;thing&gt; [--out DIR] [--data-dir DIR]</c> writes a device certificate and key
/// signed by the local CA (created in the data directory on first use) plus the CA certificate, with
/// the file names the firmware expects by default, and registers the thing and the certificate (ACTIVE,
/// attached to the thing, with the default device policy) in the data directory's registry.
/// </summary>
public static class CertificateCommands
{
    public const string DefaultDataDirectory = "data/localiotcore";

    /// <summary>
    /// <c>mint-app-cert &lt;name&gt; [--out DIR] [--data-dir DIR]</c>: a certificate for an application
    /// (a back end, a dashboard), registered with the application policy (every IoT action, any client id).
    /// </summary>
    public static int MintApplicationCertificate(IReadOnlyList<string> args, TextWriter output) => Mint(args, output, "mint-app-cert <name>", application: true);

    public static int MintDeviceCertificate(IReadOnlyList<string> args, TextWriter output) => Mint(args, output, "mint-device-cert <thing>", application: false);

    private static int Mint(IReadOnlyList<string> args, TextWriter output, string usage, bool application)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        string? thing = null;
        var outDirectory = "certs";
        var dataDirectory = DefaultDataDirectory;
        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--out" when i + 1 < args.Count:
                    outDirectory = args[++i];
                    break;
                case "--data-dir" when i + 1 < args.Count:
                    dataDirectory = args[++i];
                    break;
                default:
                    if (args[i].StartsWith("--", StringComparison.Ordinal) || thing is not null)
                    {
                        output.WriteLine("Unknown argument '" + args[i] + "'. Usage: " + usage + " [--out DIR] [--data-dir DIR]");
                        return 2;
                    }

                    thing = args[i];
                    break;
            }
        }

        if (thing is null)
        {
            output.WriteLine("Usage: " + usage + " [--out DIR] [--data-dir DIR]");
            return 2;
        }

        using var authority = LocalCertificateAuthority.LoadOrCreate(Path.Combine(dataDirectory, "ca"));
        using var device = authority.IssueDeviceCertificate(thing);
        var certificatePath = Path.Combine(outDirectory, application ? thing + ".pem.crt" : "device.pem.crt");
        var keyPath = Path.Combine(outDirectory, application ? thing + ".private.pem.key" : "private.pem.key");
        var caPath = Path.Combine(outDirectory, "local-root-ca.pem");
        LocalCertificateAuthority.WritePem(device, certificatePath, keyPath);
        authority.WriteCertificatePem(caPath);
        RegisteredCertificate registered;
        using (var registry = new IotRegistry(Path.Combine(dataDirectory, IotRegistry.FileName)))
        {
            registered = application ? registry.RegisterApplication(device) : registry.RegisterDevice(thing, device);
        }

        if (application)
        {
            output.WriteLine("Application certificate '" + thing + "' (CN=" + thing + "), signed by the local CA, registered ACTIVE with policy " + DefaultPolicies.ApplicationPolicyName + " (any client id, every topic):");
            output.WriteLine("  certificate: " + Path.GetFullPath(certificatePath));
            output.WriteLine("  private key: " + Path.GetFullPath(keyPath) + " (mode 600)");
            output.WriteLine("  root CA:     " + Path.GetFullPath(caPath));
            return 0;
        }

        output.WriteLine("Device certificate for thing '" + thing + "' (CN=" + thing + "), signed by the local CA in " + Path.GetFullPath(Path.Combine(dataDirectory, "ca")) + ":");
        output.WriteLine("  certificate: " + Path.GetFullPath(certificatePath));
        output.WriteLine("  private key: " + Path.GetFullPath(keyPath) + " (mode 600)");
        output.WriteLine("  root CA:     " + Path.GetFullPath(caPath) + "  -> --Mqtt:RootCaPath=" + caPath);
        output.WriteLine("  registered:  thing '" + thing + "', certificate " + registered.Id + " (ACTIVE), policy " + DefaultPolicies.DevicePolicyName + " attached");
        return 0;
    }
}
