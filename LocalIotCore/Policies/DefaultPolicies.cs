namespace LocalIotCore.Policies;

/// <summary>
/// The policies LocalIotCore ships: the least-privilege thing policy of docs/aws-setup.md, kept in
/// one file (Policies/default-device-policy.json, embedded) that the document shows verbatim.
/// </summary>
public static class DefaultPolicies
{
    /// <summary>The name docs/aws-setup.md creates the policy under (<c>aws iot create-policy --policy-name</c>).</summary>
    public const string DevicePolicyName = "DeviceFirmwareThing";

    /// <summary>The policy <c>mint-app-cert</c> attaches to an application's certificate.</summary>
    public const string ApplicationPolicyName = "LocalIotCoreApplication";

    /// <summary>Every IoT action on every resource: what a back-end service's own policy typically grants.</summary>
    public const string ApplicationPolicy = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iot:*","Resource":"*"}]}""";

    /// <summary>The thing policy's document with AWS's <c>REGION</c> and <c>ACCOUNT</c> placeholders.</summary>
    public static string DevicePolicyTemplate { get; } = ReadResource("policies/default-device-policy.json");

    /// <summary>The thing policy for a region and account: the template with its placeholders filled in.</summary>
    public static string DevicePolicy(string region, string account)
    {
        ArgumentException.ThrowIfNullOrEmpty(region);
        ArgumentException.ThrowIfNullOrEmpty(account);
        return DevicePolicyTemplate.Replace("arn:aws:iot:REGION:ACCOUNT:", "arn:aws:iot:" + region + ":" + account + ":", StringComparison.Ordinal);
    }

    /// <summary>
    /// The thing policy as LocalIotCore created it before the credentials provider existed: the same
    /// document without its last statement (<c>iot:AssumeRoleWithCertificate</c>). A registry that still
    /// holds exactly this is brought up to date (<see cref="Registry.IotRegistry"/>).
    /// </summary>
    public static string DevicePolicyBeforeCredentialsProvider(string region, string account) =>
        DevicePolicy(region, account).Replace(AssumeRoleStatement.Replace("arn:aws:iot:REGION:ACCOUNT:", "arn:aws:iot:" + region + ":" + account + ":", StringComparison.Ordinal), "", StringComparison.Ordinal);

    private const string AssumeRoleStatement = ",\n    {\n      \"Effect\": \"Allow\",\n      \"Action\": \"iot:AssumeRoleWithCertificate\",\n      \"Resource\": \"arn:aws:iot:REGION:ACCOUNT:rolealias/DeviceFirmwareS3Access\"\n    }";

    private static string ReadResource(string name)
    {
        using var stream = typeof(DefaultPolicies).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException("LocalIotCore was built without its embedded " + name + ".");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
