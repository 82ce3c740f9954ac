using System.Security.Cryptography.X509Certificates;
using Amazon.Runtime;
using Amazon.S3;
using DeviceFirmware.Cloud;
using LocalIotCore.Certificates;
using LocalIotCore.Hosting;
using LocalIotCore.S3;
using Microsoft.Extensions.Time.Testing;

namespace LocalIotCore.Tests.S3;

/// <summary>
/// LocalIotCore with its HTTPS port on, in a fresh data folder, on a <see cref="FakeTimeProvider"/> that
/// starts at the real time (AWS's clients sign with the real clock); clients that trust its CA: AWSSDK.S3,
/// plain HTTP clients with or without a device certificate, and a hand signer for requests the SDK
/// would not send (a wrong payload hash, chunk signatures).
/// </summary>
internal sealed class S3Cloud : IAsyncDisposable
{
    private readonly Action<LocalIotCoreOptions>? _configure;
    private readonly List<IDisposable> _owned = [];

    private S3Cloud(string folder, Action<LocalIotCoreOptions>? configure)
    {
        Folder = folder;
        _configure = configure;
    }

    public string Folder { get; }

    public FakeTimeProvider Time { get; } = new(DateTimeOffset.UtcNow);

    public LocalIotCoreServer Server { get; private set; } = null!;

    public string Endpoint => "https://localhost:" + Server.HttpsPort;

    public string CaPath => Server.CaCertificatePath;

    public static AwsCredentials Administrator { get; } = new(S3Options.DefaultAdministratorAccessKeyId, S3Options.DefaultAdministratorSecretAccessKey);

    public static async Task<S3Cloud> StartAsync(string purpose, Action<LocalIotCoreOptions>? configure = null)
    {
        var cloud = new S3Cloud(Path.Combine(Path.GetTempPath(), "localiotcore-" + purpose + "-" + Guid.NewGuid().ToString("N")), configure);
        await cloud.StartServerAsync();
        return cloud;
    }

    /// <summary>Stops LocalIotCore and starts it again on the same data folder.</summary>
    public async Task RestartAsync()
    {
        await Server.DisposeAsync();
        await StartServerAsync();
    }

    /// <summary>AWSSDK.S3 as a user configures it for LocalIotCore: the HTTPS endpoint, path-style, a handler that trusts the local CA.</summary>
    public AmazonS3Client S3Client(AWSCredentials credentials)
    {
        var config = new AmazonS3Config
        {
            ServiceURL = Endpoint,
            ForcePathStyle = true,
            AuthenticationRegion = "us-east-1",
            HttpClientFactory = new TrustingHttpClientFactory(this),
            MaxErrorRetry = 0,
        };
        var client = new AmazonS3Client(credentials, config);
        _owned.Add(client);
        return client;
    }

    public AmazonS3Client AdministratorClient() => S3Client(new BasicAWSCredentials(Administrator.AccessKeyId, Administrator.SecretAccessKey));

    /// <summary>An HTTPS client that trusts the local CA and, when <paramref name="deviceThing"/> is given, presents a device certificate with that CN.</summary>
    public HttpClient Https(string? deviceThing = null)
    {
        var handler = TrustingHandler();
        if (deviceThing is not null)
        {
            using var minted = Server.Authority.IssueDeviceCertificate(deviceThing);
            // Registered as mint-device-cert registers it: the credentials provider asks the registry.
            Server.Registry.RegisterDevice(deviceThing, minted);
            // SslStream wants a key it can hand to the TLS stack; a PKCS#12 round trip gives it one.
            var certificate = X509CertificateLoader.LoadPkcs12(minted.Export(X509ContentType.Pkcs12), null);
            _owned.Add(certificate);
            handler.ClientCertificateOptions = ClientCertificateOption.Manual;
            handler.ClientCertificates.Add(certificate);
        }

        var client = new HttpClient(handler) { BaseAddress = new Uri(Endpoint) };
        _owned.Add(client);
        return client;
    }

    /// <summary>Sends a request signed by hand with the firmware's signer (service s3, us-east-1, the real clock unless <paramref name="signedAt"/>).</summary>
    public async Task<HttpResponseMessage> SendSignedAsync(HttpMethod method, string path, AwsCredentials credentials, HttpContent? content = null, string? payloadHash = null, IReadOnlyList<KeyValuePair<string, string>>? headers = null, DateTime? signedAt = null)
    {
        var host = "localhost:" + Server.HttpsPort;
        var extra = headers ?? [];
        var signed = SigV4.Sign(new SignableRequest(method.Method, host, path, [], extra, payloadHash ?? SigV4.EmptyPayloadHash), credentials, "us-east-1", "s3", signedAt ?? DateTime.UtcNow);
        using var request = new HttpRequestMessage(method, new Uri(Endpoint + path)) { Content = content };
        foreach (var header in extra.Concat(signed))
        {
            if (!request.Headers.TryAddWithoutValidation(header.Key, header.Value))
            {
                request.Content!.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }

        return await Https().SendAsync(request);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var owned in _owned)
        {
            owned.Dispose();
        }

        await Server.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(Folder, recursive: true);
    }

    private HttpClientHandler TrustingHandler()
    {
        var ca = X509CertificateLoader.LoadCertificateFromFile(CaPath);
        _owned.Add(ca);
        return new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, _, _) => certificate is not null && LocalCertificateAuthority.IsIssuedBy(certificate, ca, DateTime.UtcNow),
        };
    }

    private async Task StartServerAsync()
    {
        var options = new LocalIotCoreOptions { DataDirectory = Folder, MqttPort = 0, HttpPort = 0, HttpsPort = 0 };
        _configure?.Invoke(options);
        Server = await LocalIotCoreServer.StartAsync(options, time: Time);
    }

    private sealed class TrustingHttpClientFactory(S3Cloud cloud) : HttpClientFactory
    {
        public override HttpClient CreateHttpClient(IClientConfig clientConfig) => new(cloud.TrustingHandler());
    }
}
