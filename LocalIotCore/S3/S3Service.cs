using LocalIotCore.CredentialsProvider;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace LocalIotCore.S3;

/// <summary>The S3 subset's parts as LocalIotCore runs them: the object store in the data directory's <c>s3/</c>, the SigV4 verifier and the middleware.</summary>
public sealed class S3Service : IDisposable
{
    public S3Service(string directory, S3Options options, TemporaryCredentialStore? temporaryCredentials, TimeProvider time, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(loggers);
        Options = options;
        Objects = new S3ObjectStore(directory, time, loggers.CreateLogger("LocalIotCore.S3"));
        Verifier = new SigV4Verifier(options, temporaryCredentials, time);
        Endpoint = new S3Endpoint(Objects, Verifier, options, loggers.CreateLogger("LocalIotCore.S3"));
    }

    public S3Options Options { get; }

    /// <summary>Buckets and objects; subscribe to <see cref="S3ObjectStore.ObjectCreated"/> for uploads.</summary>
    public S3ObjectStore Objects { get; }

    public SigV4Verifier Verifier { get; }

    public S3Endpoint Endpoint { get; }

    /// <summary>Puts the S3 middleware in the pipeline; call before mapping the IoT routes.</summary>
    public void Use(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.Use((context, next) => Endpoint.InvokeAsync(context, next));
    }

    public void Dispose() => Objects.Dispose();
}
