using System.Security.Cryptography.X509Certificates;
using LocalIotCore.Certificates;

namespace DeviceFirmware.Tests.Support;

/// <summary>A CA, a broker certificate and device certificates as PEM files in a temp folder, the way a device has them.</summary>
internal sealed class TestPki : IDisposable
{
    public TestPki(string thingName = "pump-1")
    {
        Directory.CreateDirectory(Folder);
        Authority = LocalCertificateAuthority.Create("Test Root CA");
        Authority.WriteCertificatePem(RootCaPath);
        ServerCertificate = Reloaded(Authority.IssueServerCertificate());
        MintDevice(thingName, CertificatePath, PrivateKeyPath);
    }

    public string Folder { get; } = Path.Combine(Path.GetTempPath(), "fw-tests-" + Guid.NewGuid().ToString("N"));

    public LocalCertificateAuthority Authority { get; }

    public X509Certificate2 ServerCertificate { get; }

    public string RootCaPath => Path.Combine(Folder, "root-ca.pem");

    public string CertificatePath => Path.Combine(Folder, "device.pem.crt");

    public string PrivateKeyPath => Path.Combine(Folder, "private.pem.key");

    public void MintDevice(string thingName, string certificatePath, string keyPath, DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null)
    {
        using var device = Authority.IssueDeviceCertificate(thingName, notBefore, notAfter);
        LocalCertificateAuthority.WritePem(device, certificatePath, keyPath);
    }

    /// <summary>A PKCS#12 round trip gives SslStream a key it can use as a server.</summary>
    public static X509Certificate2 Reloaded(X509Certificate2 certificate) =>
        X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);

    public void Dispose()
    {
        ServerCertificate.Dispose();
        Authority.Dispose();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
