using System.Security.Cryptography.X509Certificates;
using LocalIotCore.Certificates;

namespace LocalIotCore.Tests.Certificates;

[TestClass]
public sealed class LocalCertificateAuthorityTests
{
    private static bool ChainsTo(X509Certificate2 certificate, X509Certificate2 root)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }

    [TestMethod]
    public void Device_certificates_carry_the_thing_name_and_chain_to_the_local_CA()
    {
        using var authority = LocalCertificateAuthority.Create();
        using var device = authority.IssueDeviceCertificate("pump-7");
        Assert.AreEqual("pump-7", device.GetNameInfo(X509NameType.SimpleName, false));
        Assert.IsTrue(device.HasPrivateKey);
        Assert.IsTrue(ChainsTo(device, authority.Certificate));
        using var stranger = LocalCertificateAuthority.Create("Other CA");
        Assert.IsFalse(ChainsTo(device, stranger.Certificate), "a certificate from another CA does not chain");
    }

    [TestMethod]
    public void The_server_certificate_names_localhost_and_loopback()
    {
        using var authority = LocalCertificateAuthority.Create();
        using var server = authority.IssueServerCertificate();
        Assert.IsTrue(server.MatchesHostname("localhost"));
        Assert.IsTrue(server.MatchesHostname("127.0.0.1"));
        Assert.IsTrue(ChainsTo(server, authority.Certificate));
    }

    [TestMethod]
    public void The_command_line_mints_PEM_files_the_firmware_can_load_and_keeps_one_CA()
    {
        var folder = Path.Combine(Path.GetTempPath(), "mint-" + Guid.NewGuid().ToString("N"));
        try
        {
            using var output = new StringWriter();
            var data = Path.Combine(folder, "data");
            var certs = Path.Combine(folder, "certs");
            Assert.AreEqual(0, CertificateCommands.MintDeviceCertificate(["pump-1", "--out", certs, "--data-dir", data], output));
            Assert.AreEqual(0, CertificateCommands.MintDeviceCertificate(["pump-2", "--out", certs + "2", "--data-dir", data], output));

            using var first = X509Certificate2.CreateFromPemFile(Path.Combine(certs, "device.pem.crt"), Path.Combine(certs, "private.pem.key"));
            using var second = X509Certificate2.CreateFromPemFile(Path.Combine(certs + "2", "device.pem.crt"), Path.Combine(certs + "2", "private.pem.key"));
            using var root = X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(certs, "local-root-ca.pem")));
            Assert.IsTrue(ChainsTo(first, root));
            Assert.IsTrue(ChainsTo(second, root), "the second run reuses the CA from the data directory");
            if (!OperatingSystem.IsWindows())
            {
                Assert.AreEqual(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(certs, "private.pem.key")), "the key is readable by its owner only");
            }
            StringAssert.Contains(output.ToString(), "pump-1");
            Assert.AreEqual(2, CertificateCommands.MintDeviceCertificate([], output), "no thing name is a usage error");
        }
        finally
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }
}
