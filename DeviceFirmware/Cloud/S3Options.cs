namespace DeviceFirmware.Cloud;

/// <summary>
/// Configuration section "S3": where <c>desired.s3</c> files come from and go. The device fetches only
/// when <see cref="CredentialsEndpoint"/> is set (the AWS IoT credentials provider turns its certificate
/// into temporary credentials for the role the alias names); otherwise it reports
/// <c>not supported on this device</c>.
/// </summary>
public sealed class S3Options
{
    public const string Section = "S3";

    public const string DefaultRoleAlias = "DeviceFirmwareS3Access";

    public const long DefaultMaximumBytes = 100L * 1024 * 1024;

    /// <summary>https://&lt;prefix&gt;.credentials.iot.&lt;region&gt;.amazonaws.com (<c>aws iot describe-endpoint --endpoint-type iot:CredentialProvider</c>).</summary>
    public string? CredentialsEndpoint { get; set; }

    public string RoleAlias { get; set; } = DefaultRoleAlias;

    /// <summary>The bucket's region (SigV4 signs for it).</summary>
    public string Region { get; set; } = "us-east-1";

    /// <summary>An S3 endpoint addressed path-style (https://host:port/bucket/key), e.g. LocalIotCore's; unset = AWS's virtual-hosted endpoint of <see cref="Region"/>.</summary>
    public string? Endpoint { get; set; }

    /// <summary>Where files are installed, each under its key; default <c>&lt;Device:DataDirectory&gt;/files</c>.</summary>
    public string? Folder { get; set; }

    public long MaximumBytes { get; set; } = DefaultMaximumBytes;

    /// <summary>The folder files are installed in: <see cref="Folder"/>, or <c>files</c> under <paramref name="dataDirectory"/>.</summary>
    public string InstallFolder(string dataDirectory) => string.IsNullOrWhiteSpace(Folder) ? Path.Combine(dataDirectory, "files") : Folder;

    public bool IsConfigured => !string.IsNullOrWhiteSpace(CredentialsEndpoint);

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (CredentialsEndpoint is not null && CredentialsEndpoint.Length > 0 && !IsHttpsUrl(CredentialsEndpoint))
        {
            errors.Add("S3:CredentialsEndpoint '" + CredentialsEndpoint + "' is not an https:// URL (aws iot describe-endpoint --endpoint-type iot:CredentialProvider gives the host).");
        }

        if (Endpoint is not null && Endpoint.Length > 0 && !IsHttpsUrl(Endpoint))
        {
            errors.Add("S3:Endpoint '" + Endpoint + "' is not an https:// URL.");
        }

        if (IsConfigured && string.IsNullOrWhiteSpace(RoleAlias))
        {
            errors.Add("S3:RoleAlias is empty; give the role alias the device's policy may assume (default " + DefaultRoleAlias + ").");
        }

        if (MaximumBytes < 1)
        {
            errors.Add("S3:MaximumBytes is " + MaximumBytes + "; it must be at least 1 (default " + DefaultMaximumBytes + ").");
        }

        return errors;
    }

    private static bool IsHttpsUrl(string text) => Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttps;
}
