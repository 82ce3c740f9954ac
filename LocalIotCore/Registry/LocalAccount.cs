namespace LocalIotCore.Registry;

/// <summary>
/// The region and account LocalIotCore answers as: the parts of every ARN it hands out
/// (<c>arn:aws:iot:us-east-1:000000000000:thing/pump-1</c>) and of the default policy's resources.
/// Any region works with <c>--endpoint-url</c>; the ARNs keep this one.
/// </summary>
public static class LocalAccount
{
    public const string Region = "us-east-1";

    /// <summary>Twelve zeros: no real AWS account has it, so a LocalIotCore ARN is never mistaken for one.</summary>
    public const string AccountId = "000000000000";
}
