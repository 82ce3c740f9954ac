using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LocalIotCore.Shadows;

/// <summary>
/// The Device Shadow service (classic and named shadows), behaving like AWS IoT's as described in
/// AWS IoT Core's developer guide ("Shadow document", "Device Shadow error messages"): merge with null deletes, per-leaf metadata timestamps, version,
/// recursive delta, accepted/rejected/delta/documents messages, and AWS's error codes. Thread-safe
/// (one lock); every accepted change is written through to the store before it is answered.
/// </summary>
public sealed class ShadowService : IShadowService
{
    private readonly object _gate = new();
    private readonly IShadowStore _store;
    private readonly TimeProvider _time;
    private readonly Dictionary<ShadowId, StoredShadow> _shadows;

    public ShadowService(IShadowStore store, TimeProvider time)
    {
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _shadows = [];
        foreach (var shadow in store.LoadAll())
        {
            _shadows[shadow.Id] = shadow;
        }
    }

    public IReadOnlyList<ShadowId> List()
    {
        lock (_gate)
        {
            var ids = new List<ShadowId>();
            foreach (var pair in _shadows)
            {
                if (!pair.Value.Deleted)
                {
                    ids.Add(pair.Key);
                }
            }

            ids.Sort((a, b) => string.CompareOrdinal(a.ThingName + "/" + a.ShadowName, b.ThingName + "/" + b.ShadowName));
            return ids;
        }
    }

    public ShadowResponse Update(ShadowId id, ReadOnlySpan<byte> payload)
    {
        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        var reply = id.TopicPrefix + "/update/";
        if (Validate(id, payload, now, reply, out var request, out var token) is ShadowResponse invalid)
        {
            return invalid;
        }

        if (!request!.TryGetPropertyValue("state", out var stateNode) || stateNode is not JsonObject state)
        {
            return Reject(reply, 400, "Missing required node: state", now, token);
        }

        foreach (var pair in state)
        {
            if (pair.Key is not ("desired" or "reported"))
            {
                return Reject(reply, 400, "Invalid JSON: state may only contain desired and reported (" + pair.Key + " is not allowed)", now, token);
            }

            if (pair.Value is not null && pair.Value is not JsonObject)
            {
                return Reject(reply, 400, "Invalid JSON: state." + pair.Key + " must be an object or null", now, token);
            }

            if (pair.Value is JsonObject section && Depth(section) > ShadowLimits.MaximumDepth)
            {
                return Reject(reply, 400, "JSON contains too many levels of nesting; maximum is " + ShadowLimits.MaximumDepth, now, token);
            }
        }

        lock (_gate)
        {
            _shadows.TryGetValue(id, out var existing);
            var current = existing is { Deleted: false } ? existing : null;
            var currentVersion = existing?.Version ?? 0;
            if (request.TryGetPropertyValue("version", out var versionNode))
            {
                if (versionNode is not JsonValue versionValue || !versionValue.TryGetValue<long>(out var expected))
                {
                    return Reject(reply, 400, "Invalid version", now, token);
                }

                if (expected != currentVersion)
                {
                    return Reject(reply, 409, "Version conflict", now, token);
                }
            }

            var desired = (current?.Desired.DeepClone() as JsonObject) ?? [];
            var reported = (current?.Reported.DeepClone() as JsonObject) ?? [];
            var desiredMetadata = (current?.DesiredMetadata.DeepClone() as JsonObject) ?? [];
            var reportedMetadata = (current?.ReportedMetadata.DeepClone() as JsonObject) ?? [];
            var acceptedMetadata = new JsonObject();
            foreach (var pair in state)
            {
                var (target, metadata) = pair.Key == "desired" ? (desired, desiredMetadata) : (reported, reportedMetadata);
                if (pair.Value is null)
                {
                    target.Clear();
                    metadata.Clear();
                    acceptedMetadata[pair.Key] = new JsonObject { ["timestamp"] = now };
                }
                else
                {
                    var section = (JsonObject)pair.Value;
                    Merge(target, metadata, section, now);
                    acceptedMetadata[pair.Key] = MetadataFor(section, now);
                }
            }

            var stateBytes = StateBytes(desired, reported);
            if (stateBytes > ShadowLimits.MaximumStateBytes)
            {
                return Reject(reply, 413, "The payload exceeds the maximum size allowed (desired + reported " + stateBytes + " bytes > " + ShadowLimits.MaximumStateBytes + ")", now, token);
            }

            var updated = new StoredShadow(id, desired, reported, desiredMetadata, reportedMetadata, currentVersion + 1, now, Deleted: false);
            if (TrySave(updated) is string failure)
            {
                return Reject(reply, 500, failure, now, token);
            }

            _shadows[id] = updated;

            var messages = new List<ShadowMessage>();
            var accepted = new JsonObject
            {
                ["state"] = state.DeepClone(),
                ["metadata"] = acceptedMetadata,
                ["version"] = updated.Version,
                ["timestamp"] = now,
            };
            AddToken(accepted, token);
            var body = Bytes(accepted);
            messages.Add(new ShadowMessage(reply + "accepted", body));

            // AWS publishes /delta when the request changed desired and desired now differs from reported.
            if (state.ContainsKey("desired") && Delta(desired, reported) is JsonObject delta)
            {
                var message = new JsonObject
                {
                    ["version"] = updated.Version,
                    ["timestamp"] = now,
                    ["state"] = delta,
                    ["metadata"] = MetadataOf(delta, desiredMetadata),
                };
                AddToken(message, token);
                messages.Add(new ShadowMessage(id.TopicPrefix + "/update/delta", Bytes(message)));
            }

            var documents = new JsonObject();
            if (current is not null)
            {
                documents["previous"] = Snapshot(current);
            }

            documents["current"] = Snapshot(updated);
            documents["timestamp"] = now;
            AddToken(documents, token);
            messages.Add(new ShadowMessage(id.TopicPrefix + "/update/documents", Bytes(documents)));
            return new ShadowResponse(200, body, messages);
        }
    }

    public ShadowResponse Get(ShadowId id, ReadOnlySpan<byte> payload)
    {
        lock (_gate)
        {
            if (Existing(id, payload, "/get/", out var shadow, out var token, out var now) is ShadowResponse rejected)
            {
                return rejected;
            }

            var document = Snapshot(shadow!);
            if (Delta(shadow!.Desired, shadow.Reported) is JsonObject delta)
            {
                document["state"]!["delta"] = delta;
            }

            document["timestamp"] = now;
            AddToken(document, token);
            var body = Bytes(document);
            return new ShadowResponse(200, body, [new ShadowMessage(id.TopicPrefix + "/get/accepted", body)]);
        }
    }

    public ShadowResponse Delete(ShadowId id, ReadOnlySpan<byte> payload)
    {
        lock (_gate)
        {
            if (Existing(id, payload, "/delete/", out var shadow, out var token, out var now) is ShadowResponse rejected)
            {
                return rejected;
            }

            // Deleting does not reset the version: a re-created shadow continues the numbering.
            var deleted = new StoredShadow(id, [], [], [], [], shadow!.Version, now, Deleted: true);
            if (TrySave(deleted) is string failure)
            {
                return Reject(id.TopicPrefix + "/delete/", 500, failure, now, token);
            }

            _shadows[id] = deleted;
            var answer = new JsonObject { ["version"] = shadow.Version, ["timestamp"] = now };
            AddToken(answer, token);
            var body = Bytes(answer);
            return new ShadowResponse(200, body, [new ShadowMessage(id.TopicPrefix + "/delete/accepted", body)]);
        }
    }

    /// <summary>Stores a change; a storage fault becomes a 500 answer and the shadow stays as it was.</summary>
    private string? TrySave(StoredShadow shadow)
    {
        try
        {
            _store.Save(shadow);
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException or Microsoft.Data.Sqlite.SqliteException)
        {
            return "Internal service failure (the shadow store failed: " + ex.Message + ")";
        }
    }

    /// <summary>Validates a get/delete request and finds the shadow; a rejection (400, 404, ...) otherwise.</summary>
    private ShadowResponse? Existing(ShadowId id, ReadOnlySpan<byte> payload, string operation, out StoredShadow? shadow, out string? token, out long now)
    {
        now = _time.GetUtcNow().ToUnixTimeSeconds();
        shadow = null;
        var reply = id.TopicPrefix + operation;
        if (ValidateOptional(id, payload, now, reply, out token) is ShadowResponse invalid)
        {
            return invalid;
        }

        if (!_shadows.TryGetValue(id, out shadow) || shadow.Deleted)
        {
            return Reject(reply, 404, "No shadow exists with name: '" + (id.ShadowName ?? id.ThingName) + "'", now, token);
        }

        return null;
    }

    // ---- Validation --------------------------------------------------------------------------

    private static ShadowResponse? Validate(ShadowId id, ReadOnlySpan<byte> payload, long now, string reply, out JsonObject? request, out string? token)
    {
        request = null;
        token = null;
        if (CheckName(id, reply, now) is ShadowResponse badName)
        {
            return badName;
        }

        if (payload.Length > ShadowLimits.MaximumRequestBytes)
        {
            return Reject(reply, 413, "The payload exceeds the maximum size allowed", now, null);
        }

        if (!System.Text.Unicode.Utf8.IsValid(payload))
        {
            return Reject(reply, 415, "Unsupported documented encoding; supported encoding is UTF-8", now, null);
        }

        JsonNode? root;
        try
        {
            root = JsonNode.Parse(payload, documentOptions: new JsonDocumentOptions { MaxDepth = 64 });
            // JsonNode builds objects lazily and only then notices a duplicate key: build it all now.
            Depth(root);
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException)
        {
            return Reject(reply, 400, "Payload contains invalid json", now, null);
        }

        if (root is not JsonObject obj)
        {
            return Reject(reply, 400, "Payload contains invalid json", now, null);
        }

        if (obj.TryGetPropertyValue("clientToken", out var tokenNode))
        {
            if (tokenNode is not JsonValue tokenValue || !tokenValue.TryGetValue<string>(out var text) || Encoding.UTF8.GetByteCount(text) > ShadowLimits.MaximumClientTokenBytes)
            {
                return Reject(reply, 400, "clientToken must be a string of at most " + ShadowLimits.MaximumClientTokenBytes + " bytes", now, null);
            }

            token = text;
        }

        request = obj;
        return null;
    }

    /// <summary>get and delete accept an empty payload or a document with a clientToken.</summary>
    private static ShadowResponse? ValidateOptional(ShadowId id, ReadOnlySpan<byte> payload, long now, string reply, out string? token)
    {
        token = null;
        if (payload.IsEmpty || payload.Trim((byte)' ').IsEmpty)
        {
            return CheckName(id, reply, now);
        }

        return Validate(id, payload, now, reply, out _, out token);
    }

    private static ShadowResponse? CheckName(ShadowId id, string reply, long now)
    {
        if (!ShadowLimits.IsValidName(id.ThingName, ShadowLimits.MaximumThingNameLength))
        {
            return Reject(reply, 400, "Invalid thing name", now, null);
        }

        if (id.ShadowName is not null && !ShadowLimits.IsValidName(id.ShadowName, ShadowLimits.MaximumShadowNameLength))
        {
            return Reject(reply, 400, "Invalid shadow name", now, null);
        }

        return null;
    }

    private static ShadowResponse Reject(string reply, int code, string message, long now, string? token)
    {
        var error = new JsonObject { ["code"] = code, ["message"] = message, ["timestamp"] = now };
        AddToken(error, token);
        var body = Bytes(error);
        return new ShadowResponse(code, body, [new ShadowMessage(reply + "rejected", body)]);
    }

    // ---- Document logic ------------------------------------------------------------------------

    /// <summary>Merges an update section: null deletes, objects merge recursively, anything else replaces.
    /// Every leaf written gets a metadata timestamp; emptied objects disappear.</summary>
    private static void Merge(JsonObject target, JsonObject metadata, JsonObject update, long now)
    {
        foreach (var pair in update)
        {
            if (pair.Value is null)
            {
                target.Remove(pair.Key);
                metadata.Remove(pair.Key);
            }
            else if (pair.Value is JsonObject child)
            {
                if (target[pair.Key] is not JsonObject existing)
                {
                    existing = [];
                    target[pair.Key] = existing;
                }

                if (metadata[pair.Key] is not JsonObject childMetadata || childMetadata.ContainsKey("timestamp"))
                {
                    childMetadata = [];
                    metadata[pair.Key] = childMetadata;
                }

                Merge(existing, childMetadata, child, now);
                if (existing.Count == 0)
                {
                    target.Remove(pair.Key);
                    metadata.Remove(pair.Key);
                }
            }
            else
            {
                target[pair.Key] = pair.Value.DeepClone();
                metadata[pair.Key] = MetadataFor(pair.Value, now);
            }
        }
    }

    /// <summary>The metadata shape of a value: a timestamp per leaf (array elements each get one).</summary>
    private static JsonNode MetadataFor(JsonNode? value, long now)
    {
        switch (value)
        {
            case JsonObject obj:
                var metadata = new JsonObject();
                foreach (var pair in obj)
                {
                    metadata[pair.Key] = MetadataFor(pair.Value, now);
                }

                return metadata;
            case JsonArray array:
                var elements = new JsonArray();
                foreach (var element in array)
                {
                    elements.Add(MetadataFor(element, now));
                }

                return elements;
            default:
                return new JsonObject { ["timestamp"] = now };
        }
    }

    /// <summary>The desired keys whose value differs from reported (or is missing there), recursively; null when none.</summary>
    internal static JsonObject? Delta(JsonObject desired, JsonObject reported)
    {
        JsonObject? delta = null;
        foreach (var pair in desired)
        {
            reported.TryGetPropertyValue(pair.Key, out var other);
            JsonNode? difference;
            if (pair.Value is JsonObject desiredChild && other is JsonObject reportedChild)
            {
                difference = Delta(desiredChild, reportedChild);
            }
            else
            {
                difference = JsonNode.DeepEquals(pair.Value, other) ? null : pair.Value?.DeepClone();
            }

            if (difference is not null)
            {
                delta ??= [];
                delta[pair.Key] = difference;
            }
        }

        return delta;
    }

    /// <summary>The metadata entries of the keys present in <paramref name="shape"/>.</summary>
    private static JsonObject MetadataOf(JsonObject shape, JsonObject metadata)
    {
        var result = new JsonObject();
        foreach (var pair in shape)
        {
            if (!metadata.TryGetPropertyValue(pair.Key, out var entry) || entry is null)
            {
                continue;
            }

            result[pair.Key] = pair.Value is JsonObject child && entry is JsonObject childMetadata && !childMetadata.ContainsKey("timestamp")
                ? MetadataOf(child, childMetadata)
                : entry.DeepClone();
        }

        return result;
    }

    private static JsonObject Snapshot(StoredShadow shadow)
    {
        var state = new JsonObject();
        var metadata = new JsonObject();
        if (shadow.Desired.Count > 0)
        {
            state["desired"] = shadow.Desired.DeepClone();
            metadata["desired"] = shadow.DesiredMetadata.DeepClone();
        }

        if (shadow.Reported.Count > 0)
        {
            state["reported"] = shadow.Reported.DeepClone();
            metadata["reported"] = shadow.ReportedMetadata.DeepClone();
        }

        return new JsonObject { ["state"] = state, ["metadata"] = metadata, ["version"] = shadow.Version };
    }

    /// <summary>The size of <c>{"desired":...,"reported":...}</c> as UTF-8, counted without copying either section.</summary>
    private static long StateBytes(JsonObject desired, JsonObject reported)
    {
        using var writer = new Utf8JsonWriter(Stream.Null);
        writer.WriteStartObject();
        writer.WritePropertyName("desired");
        desired.WriteTo(writer);
        writer.WritePropertyName("reported");
        reported.WriteTo(writer);
        writer.WriteEndObject();
        writer.Flush();
        return writer.BytesCommitted;
    }

    private static int Depth(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                var deepest = 0;
                foreach (var pair in obj)
                {
                    deepest = Math.Max(deepest, Depth(pair.Value));
                }

                return 1 + deepest;
            case JsonArray array:
                var deepestElement = 0;
                foreach (var element in array)
                {
                    deepestElement = Math.Max(deepestElement, Depth(element));
                }

                return 1 + deepestElement;
            default:
                return 0;
        }
    }

    private static void AddToken(JsonObject document, string? token)
    {
        if (token is not null)
        {
            document["clientToken"] = token;
        }
    }

    // Like AWS, write quotes and other printable characters as they are (no \u0027 escapes).
    private static readonly JsonSerializerOptions Output = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static byte[] Bytes(JsonNode node) => Encoding.UTF8.GetBytes(node.ToJsonString(Output));
}
