using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using DeviceFirmware.Mqtt;
using Microsoft.Extensions.Logging;

namespace DeviceFirmware.Cloud;

/// <summary>Builds the Pi's S3 fetcher from the configuration: HTTPS clients that trust only the root CA, the credentials provider over mutual TLS.</summary>
internal static class S3Fetching
{
    /// <summary>The install record's name in Device:DataDirectory.</summary>
    public const string RecordFileName = "s3-installed.json";

    private static readonly TimeSpan RequestTimeout = TimeSpan.FromMinutes(10);

    /// <summary>Null when S3 is not configured (the agent then reports desired.s3 as not supported).</summary>
    public static S3FetchWorker? Create(S3Options s3, MqttConnectionOptions tls, string dataDirectory, string thingName, TimeProvider time, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(s3);
        ArgumentNullException.ThrowIfNull(loggers);
        if (!s3.IsConfigured)
        {
            return null;
        }

        var log = loggers.CreateLogger("DeviceFirmware.S3");
        S3ObjectDownloader CreateDownloader()
        {
            var (rootCa, device) = MqttNetConnection.LoadCertificates(tls, time.GetUtcNow());
            var credentialsHttp = new HttpClient(Handler(rootCa, device, time)) { Timeout = TimeSpan.FromSeconds(30) };
            var s3Http = new HttpClient(Handler(rootCa, null, time)) { Timeout = RequestTimeout };
            var credentials = new IotCredentialsClient(credentialsHttp, new Uri(s3.CredentialsEndpoint!), s3.RoleAlias, thingName, time);
            var endpoint = new S3Endpoint(s3.Region, string.IsNullOrWhiteSpace(s3.Endpoint) ? null : new Uri(s3.Endpoint));
            return new S3ObjectDownloader(s3Http, credentials.GetAsync, endpoint, s3.InstallFolder(dataDirectory), s3.MaximumBytes, time, log);
        }

        return new S3FetchWorker(CreateDownloader, Path.Combine(dataDirectory, RecordFileName), time, log);
    }
    /// <summary>HTTPS that trusts only <paramref name="rootCa"/> (as the MQTT connection does), presenting <paramref name="device"/> when given.</summary>
    private static SocketsHttpHandler Handler(X509Certificate2 rootCa, X509Certificate2? device, TimeProvider time)
    {
        var handler = new SocketsHttpHandler { PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1) };
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
        {
            if (certificate is null)
            {
                return false;
            }

            using var server = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
            return TlsDiagnosis.CheckServerCertificate(server, rootCa, errors & ~SslPolicyErrors.RemoteCertificateChainErrors, time.GetUtcNow()) is null;
        };
        if (device is not null)
        {
            handler.SslOptions.ClientCertificates = new X509CertificateCollection { device };
        }

        return handler;
    }
}
