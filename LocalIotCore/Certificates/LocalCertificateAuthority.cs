using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace LocalIotCore.Certificates;

/// <summary>
/// The one place that mints certificates for local runs and tests: a local root CA, the
/// broker's server certificate and device certificates whose CN is the thing name (as AWS IoT
/// maps a device certificate to a thing). Written with .NET's <see cref="CertificateRequest"/>
/// so no openssl is needed. Keys are ECDSA P-256, which AWS IoT also accepts.
/// </summary>
public sealed class LocalCertificateAuthority : IDisposable
{
    public const string CertificateFileName = "ca.pem";
    public const string KeyFileName = "ca.key";

    private LocalCertificateAuthority(X509Certificate2 certificate) => Certificate = certificate;

    /// <summary>The CA certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    public static LocalCertificateAuthority Create(string commonName = "LocalIotCore Root CA", DateTimeOffset? now = null)
    {
        // Valid from a year back, so certificates issued "in the past" (expiry tests, skewed clocks) still chain.
        var start = (now ?? DateTimeOffset.UtcNow).AddYears(-1);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName("CN=" + commonName), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return new LocalCertificateAuthority(request.CreateSelfSigned(start, start.AddYears(11)));
    }

    /// <summary>Loads <c>ca.pem</c>/<c>ca.key</c> from <paramref name="directory"/>, creating them on first use.</summary>
    public static LocalCertificateAuthority LoadOrCreate(string directory)
    {
        var certPath = Path.Combine(directory, CertificateFileName);
        var keyPath = Path.Combine(directory, KeyFileName);
        if (File.Exists(certPath) && File.Exists(keyPath))
        {
            return new LocalCertificateAuthority(X509Certificate2.CreateFromPemFile(certPath, keyPath));
        }

        Directory.CreateDirectory(directory);
        var authority = Create();
        WritePem(authority.Certificate, certPath, keyPath);
        return authority;
    }

    /// <summary>A TLS server certificate for the broker, valid for the given names and addresses.</summary>
    public X509Certificate2 IssueServerCertificate(IEnumerable<string>? dnsNames = null, IEnumerable<IPAddress>? addresses = null, DateTimeOffset? now = null)
    {
        var names = new SubjectAlternativeNameBuilder();
        foreach (var name in dnsNames ?? ["localhost"])
        {
            names.AddDnsName(name);
        }

        foreach (var address in addresses ?? [IPAddress.Loopback, IPAddress.IPv6Loopback])
        {
            names.AddIpAddress(address);
        }

        var start = (now ?? DateTimeOffset.UtcNow).AddDays(-1);
        return Issue("localhost", X509KeyUsageFlags.DigitalSignature, "1.3.6.1.5.5.7.3.1", names.Build(), start, start.AddYears(2));
    }

    /// <summary>A device (client) certificate whose CN is the thing name.</summary>
    public X509Certificate2 IssueDeviceCertificate(string thingName, DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(thingName);
        var start = notBefore ?? DateTimeOffset.UtcNow.AddDays(-1);
        var end = notAfter ?? start.AddYears(2);
        return Issue(thingName, X509KeyUsageFlags.DigitalSignature, "1.3.6.1.5.5.7.3.2", null, start, end);
    }

    /// <summary>Whether <paramref name="client"/> chains to <paramref name="authority"/> alone and is valid at <paramref name="nowUtc"/> (no system roots, no revocation check).</summary>
    public static bool IsIssuedBy(X509Certificate2 client, X509Certificate2 authority, DateTime nowUtc)
    {
        ArgumentNullException.ThrowIfNull(client);
        using var verify = new X509Chain();
        verify.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        verify.ChainPolicy.CustomTrustStore.Add(authority);
        verify.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        verify.ChainPolicy.VerificationTime = nowUtc;
        return verify.Build(client);
    }

    /// <summary>Writes the certificate and its key as PEM; the key file is readable by its owner only.</summary>
    public static void WritePem(X509Certificate2 certificate, string certificatePath, string keyPath)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        using var key = certificate.GetECDsaPrivateKey()
            ?? throw new InvalidOperationException("The certificate has no ECDSA private key to write.");
        WriteText(certificatePath, certificate.ExportCertificatePem() + "\n", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        WriteText(keyPath, key.ExportPkcs8PrivateKeyPem() + "\n", UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    /// <summary>Writes the CA certificate (no key) as PEM, the file a device uses as its root CA.</summary>
    public void WriteCertificatePem(string path) =>
        WriteText(path, Certificate.ExportCertificatePem() + "\n", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

    public void Dispose() => Certificate.Dispose();

    private X509Certificate2 Issue(string commonName, X509KeyUsageFlags usage, string extendedUsageOid, X509Extension? subjectAlternativeNames, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName("CN=" + commonName), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(usage, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(extendedUsageOid)], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Certificate, true, false));
        if (subjectAlternativeNames is not null)
        {
            request.CertificateExtensions.Add(subjectAlternativeNames);
        }

        // A certificate may not outlive its issuer.
        if (notAfter > Certificate.NotAfter)
        {
            notAfter = Certificate.NotAfter;
        }

        Span<byte> serial = stackalloc byte[16];
        RandomNumberGenerator.Fill(serial);
        serial[0] &= 0x7F;
        using var issued = request.Create(Certificate, notBefore, notAfter, serial);
        return issued.CopyWithPrivateKey(key);
    }

    private static void WriteText(string path, string text, UnixFileMode mode)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        File.WriteAllText(path, text);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, mode);
        }
    }
}
