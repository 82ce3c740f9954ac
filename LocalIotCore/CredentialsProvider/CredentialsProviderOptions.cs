namespace LocalIotCore.CredentialsProvider;

/// <summary>The credentials provider's settings (AWS keeps them on the role alias).</summary>
public sealed class CredentialsProviderOptions
{
    /// <summary>The role alias the data directory's role-aliases.json starts with: the one the firmware's downloader asks for.</summary>
    public const string DefaultRoleAlias = "DeviceFirmwareS3Access";

    /// <summary>AWS's default credentialDurationSeconds of a role alias (CreateRoleAlias: 900 to 43200).</summary>
    public static readonly TimeSpan DefaultCredentialDuration = TimeSpan.FromSeconds(3600);

    /// <summary>How long issued credentials are valid, for a role alias that names no duration of its own.</summary>
    public TimeSpan CredentialDuration { get; set; } = DefaultCredentialDuration;
}
