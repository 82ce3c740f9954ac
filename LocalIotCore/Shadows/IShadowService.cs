namespace LocalIotCore.Shadows;

/// <summary>Names one shadow: the thing and, for a named shadow, its name (null = classic shadow).</summary>
public readonly record struct ShadowId(string ThingName, string? ShadowName)
{
    /// <summary>The topic prefix, e.g. <c>$aws/things/pump-1/shadow</c> or <c>$aws/things/pump-1/shadow/name/cfg</c>.</summary>
    public string TopicPrefix => ShadowName is null
        ? "$aws/things/" + ThingName + "/shadow"
        : "$aws/things/" + ThingName + "/shadow/name/" + ShadowName;
}

/// <summary>A message the shadow service wants published (delta, documents, accepted, rejected).</summary>
public sealed record ShadowMessage(string Topic, byte[] Payload);

/// <summary>
/// The answer to one shadow request, shared by the MQTT and HTTP paths: the status code
/// (200 accepted; 400/404/409/413/415/429/500 rejected), the body (the accepted document or the
/// AWS error document), and every message to publish because of it, in order (including the
/// accepted/rejected reply itself, then delta and documents).
/// </summary>
public sealed record ShadowResponse(int StatusCode, byte[] Body, IReadOnlyList<ShadowMessage> Messages);

/// <summary>
/// The Device Shadow service (classic and named shadows) as described in
/// AWS IoT Core's developer guide ("Device Shadow service MQTT topics", "Shadow document"). Thread-safe; persistent.
/// </summary>
public interface IShadowService
{
    ShadowResponse Update(ShadowId id, ReadOnlySpan<byte> payload);

    ShadowResponse Get(ShadowId id, ReadOnlySpan<byte> payload);

    ShadowResponse Delete(ShadowId id, ReadOnlySpan<byte> payload);

    /// <summary>Every shadow that exists now.</summary>
    IReadOnlyList<ShadowId> List();
}
