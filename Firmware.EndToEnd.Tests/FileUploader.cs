using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Firmware.EndToEnd.Harness;
using LocalIotCore.Certificates;
using LocalIotCore.S3;

namespace Firmware.EndToEnd.Tests;

/// <summary>
/// Uploads to the rig's LocalIotCore with AWSSDK.S3 as an operator configures it there: the HTTPS
/// endpoint, path-style, the administrator keys, and an HTTP client that trusts only the rig's root CA.
/// </summary>
internal sealed class FileUploader : IDisposable
{
    private readonly X509Certificate2 _rootCa;
    private readonly AmazonS3Client _client;

    public FileUploader(Rig rig)
    {
        ArgumentNullException.ThrowIfNull(rig);
        _rootCa = X509CertificateLoader.LoadCertificateFromFile(rig.RootCaPath);
        var config = new AmazonS3Config
        {
            ServiceURL = "https://localhost:" + rig.HttpsPort,
            ForcePathStyle = true,
            AuthenticationRegion = "us-east-1",
            HttpClientFactory = new TrustingHttpClientFactory(_rootCa),
        };
        _client = new AmazonS3Client(new BasicAWSCredentials(S3Options.DefaultAdministratorAccessKeyId, S3Options.DefaultAdministratorSecretAccessKey), config);
    }

    /// <summary>LocalIotCore's default upload rule watches this bucket.</summary>
    public const string Bucket = S3Options.DefaultFanOutBucket;

    public static string Url(string key) => "s3://" + Bucket + "/" + key;

    /// <summary>What the upload rule writes as desired.s3.hash: lowercase hex.</summary>
    public static string Sha256(byte[] content) => Convert.ToHexStringLower(SHA256.HashData(content));

    public async Task PutAsync(string key, byte[] content)
    {
        using var body = new MemoryStream(content);
        var response = await _client.PutObjectAsync(new PutObjectRequest { BucketName = Bucket, Key = key, InputStream = body, ContentType = "application/json" });
        Assert.AreEqual(System.Net.HttpStatusCode.OK, response.HttpStatusCode, "PutObject s3://" + Bucket + "/" + key);
    }

    public void Dispose()
    {
        _client.Dispose();
        _rootCa.Dispose();
    }

    private sealed class TrustingHttpClientFactory(X509Certificate2 rootCa) : HttpClientFactory
    {
        public override HttpClient CreateHttpClient(IClientConfig clientConfig) => new(new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, _, _) => certificate is not null && LocalCertificateAuthority.IsIssuedBy(certificate, rootCa, DateTime.UtcNow),
        });
    }
}
