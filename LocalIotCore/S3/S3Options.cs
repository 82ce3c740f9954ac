namespace LocalIotCore.S3;

/// <summary>LocalIotCore's S3 subset: the administrator key pair and the object size limit.</summary>
public sealed class S3Options
{
    /// <summary>The administrator's access key id (users and tests sign with it; printed in the banner).</summary>
    public const string DefaultAdministratorAccessKeyId = "LOCALIOTCOREADMIN";

    /// <summary>The administrator's secret: a well-known local default, as LocalIotCore serves loopback unless told otherwise.</summary>
    public const string DefaultAdministratorSecretAccessKey = "localiotcore-admin-secret";

    /// <summary>The default largest object a PutObject may store (100 MiB).</summary>
    public const long DefaultMaximumObjectBytes = 100L * 1024 * 1024;

    public string AdministratorAccessKeyId { get; set; } = DefaultAdministratorAccessKeyId;

    public string AdministratorSecretAccessKey { get; set; } = DefaultAdministratorSecretAccessKey;

    /// <summary>The bucket the default upload rule watches (created at start).</summary>
    public const string DefaultFanOutBucket = "device-files";

    /// <summary>Buckets whose uploads are written into every thing's desired.s3 (an s3:ObjectCreated notification's rule); created at start.</summary>
    public IReadOnlyList<string> FanOutBuckets { get; set; } = [DefaultFanOutBucket];

    /// <summary>A larger PutObject is refused with EntityTooLarge.</summary>
    public long MaximumObjectBytes { get; set; } = DefaultMaximumObjectBytes;
}
