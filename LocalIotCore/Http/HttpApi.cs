using System.Text;
using System.Text.Json.Nodes;
using LocalIotCore.Broker;
using LocalIotCore.Lifecycle;
using LocalIotCore.Notifier;
using LocalIotCore.Registry;
using LocalIotCore.Shadows;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace LocalIotCore.Http;

/// <summary>
/// LocalIotCore's HTTP API: the AWS IoT Data Plane shadow operations (same bodies and status codes as
/// the MQTT path, and the same MQTT messages published), plus the local views /api/things,
/// /api/notifications and the desired fan-out. Handlers read and write raw JSON (no reflection).
/// The things of the local views are the registry's things and, as before there was a registry, every
/// thing with a classic shadow; fan-out writes exactly those. A thing known only from a connection record
/// (a device that connected with a certificate never registered) is listed with <c>registered: false</c>
/// and skipped by fan-out, so a deleted shadow of a thing that is not registered is never recreated.
/// </summary>
public static class HttpApi
{
    /// <summary>Fan-out retries a thing this many times on 409 (someone updated it meanwhile) or 500.</summary>
    public const int FanOutAttempts = 3;

    public static void Map(IEndpointRouteBuilder app, MessageRouter router, Func<IReadOnlyList<ShadowMessage>, Task> publish, ConnectionStateTable? connections, DisconnectNotifier? notifier, TimeProvider? time = null, IotRegistry? registry = null, ShadowRequestThrottle? throttle = null)
    {
        ArgumentNullException.ThrowIfNull(app);
        var clock = time ?? TimeProvider.System;
        // RequestDelegate handlers: no parameter binding by reflection, so trimming and NativeAOT stay safe.
        app.MapGet("/things/{thingName}/shadow", (RequestDelegate)(context => ShadowAsync(context, router, publish, ShadowOperation.Get, throttle)));
        app.MapPost("/things/{thingName}/shadow", (RequestDelegate)(context => ShadowAsync(context, router, publish, ShadowOperation.Update, throttle)));
        app.MapDelete("/things/{thingName}/shadow", (RequestDelegate)(context => ShadowAsync(context, router, publish, ShadowOperation.Delete, throttle)));
        app.MapGet("/api/things/shadow/ListNamedShadowsForThing/{thingName}", (RequestDelegate)(context => ListNamedShadowsAsync(context, router.Shadows, clock)));
        // Anything else under the data plane's paths: AWS's typed errors, not an empty 404/405.
        app.Map("/things/{**rest}", (RequestDelegate)UnknownDataPlaneRouteAsync);
        app.Map("/api/things/shadow/{**rest}", (RequestDelegate)UnknownDataPlaneRouteAsync);
        app.MapGet("/api/things", (RequestDelegate)(context => WriteAsync(context, 200, Things(router.Shadows, connections, registry))));
        app.MapGet("/api/notifications", (RequestDelegate)(context =>
        {
            var list = new JsonArray();
            foreach (var notification in notifier?.Notifications ?? [])
            {
                list.Add((JsonNode)notification.ToJson());
            }

            return WriteAsync(context, 200, new JsonObject { ["notifications"] = list, ["pendingChecks"] = notifier?.PendingChecks ?? 0 });
        }));
        app.MapPost("/api/fanout", (RequestDelegate)(context => FanOutAsync(context, router, publish, connections, registry)));
    }

    private static async Task ShadowAsync(HttpContext context, MessageRouter router, Func<IReadOnlyList<ShadowMessage>, Task> publish, ShadowOperation operation, ShadowRequestThrottle? throttle)
    {
        var thingName = context.Request.RouteValues["thingName"] as string ?? "";
        if (throttle is not null && !throttle.TryTake(thingName))
        {
            await AwsError.WriteAsync(context, 429, "Rate exceeded").ConfigureAwait(false);
            return;
        }

        var name = context.Request.Query["name"].ToString();
        var id = new ShadowId(thingName, string.IsNullOrEmpty(name) ? null : name);
        var payload = await ReadBodyAsync(context).ConfigureAwait(false);
        if (payload is null)
        {
            await AwsError.WriteAsync(context, 413, "The payload exceeds the maximum size allowed").ConfigureAwait(false);
            return;
        }

        var response = router.Execute(id, operation, payload);
        if (operation != ShadowOperation.Get)
        {
            // An HTTP update is seen by devices like an MQTT one: accepted/rejected, delta, documents.
            await publish(response.Messages).ConfigureAwait(false);
        }

        context.Response.StatusCode = response.StatusCode;
        if (response.StatusCode >= 400)
        {
            // The shadow service's error document ({"code","message"}) stays; the SDKs need the type header.
            context.Response.Headers[AwsError.ErrorTypeHeader] = AwsError.TypeFor(response.StatusCode);
        }

        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(response.Body).ConfigureAwait(false);
    }

    /// <summary>The data plane's ListNamedShadowsForThing: names in ordinal order, nextToken = the last name returned.</summary>
    private static Task ListNamedShadowsAsync(HttpContext context, IShadowService shadows, TimeProvider clock)
    {
        var thingName = context.Request.RouteValues["thingName"] as string ?? "";
        var pageSizeText = context.Request.Query["pageSize"].ToString();
        var pageSize = MaximumPageSize;
        if (pageSizeText.Length > 0 && (!int.TryParse(pageSizeText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out pageSize) || pageSize is < 1 or > MaximumPageSize))
        {
            return AwsError.WriteAsync(context, 400, "pageSize must be between 1 and " + MaximumPageSize);
        }

        var after = context.Request.Query["nextToken"].ToString();
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var id in shadows.List())
        {
            if (id.ShadowName is { } name && id.ThingName == thingName && string.CompareOrdinal(name, after) > 0)
            {
                names.Add(name);
            }
        }

        var results = new JsonArray();
        string? last = null;
        foreach (var name in names)
        {
            if (results.Count == pageSize)
            {
                break;
            }

            results.Add((JsonNode)name);
            last = name;
        }

        return WriteAsync(context, 200, new JsonObject
        {
            ["results"] = results,
            ["nextToken"] = names.Count > pageSize ? last : null,
            ["timestamp"] = clock.GetUtcNow().ToUnixTimeSeconds(),
        });
    }

    /// <summary>The largest pageSize ListNamedShadowsForThing accepts (the API reference's range is 1..100).</summary>
    public const int MaximumPageSize = 100;

    private static Task UnknownDataPlaneRouteAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "";
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var knownShadowPath = segments.Length == 3 && segments[0] == "things" && segments[2] == "shadow";
        var knownListPath = segments.Length == 5 && path.StartsWith("/api/things/shadow/ListNamedShadowsForThing/", StringComparison.Ordinal);
        if (knownShadowPath || knownListPath)
        {
            context.Response.Headers.Allow = knownShadowPath ? "GET, POST, DELETE" : "GET";
            return AwsError.WriteAsync(context, 405, "The method " + context.Request.Method + " is not allowed on " + path);
        }

        return AwsError.WriteAsync(context, 404, "No operation at " + path);
    }

    /// <summary>The things fan-out writes: the registered ones and those with a classic shadow.</summary>
    private static SortedSet<string> ShadowedOrRegistered(IShadowService shadows, IotRegistry? registry)
    {
        var things = new SortedSet<string>(registry?.ThingNames() ?? [], StringComparer.Ordinal);
        foreach (var id in shadows.List())
        {
            if (id.ShadowName is null)
            {
                things.Add(id.ThingName);
            }
        }

        return things;
    }

    private static JsonObject Things(IShadowService shadows, ConnectionStateTable? connections, IotRegistry? registry)
    {
        var things = new SortedDictionary<string, JsonObject>(StringComparer.Ordinal);
        foreach (var name in registry?.ThingNames() ?? [])
        {
            things[name] = new JsonObject { ["thing"] = name, ["registered"] = true };
        }

        foreach (var id in shadows.List())
        {
            if (id.ShadowName is not null)
            {
                continue;
            }

            var shadow = shadows.Get(id, []);
            if (shadow.StatusCode == 200)
            {
                var document = JsonNode.Parse(shadow.Body)!.AsObject();
                if (!things.TryGetValue(id.ThingName, out var entry))
                {
                    entry = new JsonObject { ["thing"] = id.ThingName, ["registered"] = false };
                    things[id.ThingName] = entry;
                }

                entry["shadow"] = document;
            }
        }

        foreach (var state in connections?.All() ?? [])
        {
            if (!things.TryGetValue(state.Thing, out var entry))
            {
                entry = new JsonObject { ["thing"] = state.Thing, ["registered"] = false };
                things[state.Thing] = entry;
            }

            entry["connection"] = new JsonObject
            {
                ["connected"] = state.Connected,
                ["lastConnectedAt"] = state.LastConnectedMilliseconds,
                ["lastDisconnectedAt"] = state.LastDisconnectedMilliseconds,
                ["lastDisconnectReason"] = state.LastDisconnectReason,
                ["sessionIdentifier"] = state.SessionIdentifier,
            };
        }

        var list = new JsonArray();
        foreach (var entry in things.Values)
        {
            list.Add((JsonNode)entry);
        }

        return new JsonObject { ["things"] = list };
    }

    /// <summary>
    /// Writes <c>{"desired": {...}}</c> from the body into the classic shadow of every registered thing and
    /// every thing that has one; a thing known only from a connection record is reported as skipped.
    /// </summary>
    private static async Task FanOutAsync(HttpContext context, MessageRouter router, Func<IReadOnlyList<ShadowMessage>, Task> publish, ConnectionStateTable? connections, IotRegistry? registry)
    {
        var body = await ReadBodyAsync(context).ConfigureAwait(false);
        JsonNode? request = null;
        try
        {
            request = body is null ? null : JsonNode.Parse(body);
        }
        catch (System.Text.Json.JsonException)
        {
        }

        if (request?["desired"] is not JsonObject desired)
        {
            await AwsError.WriteAsync(context, 400, "Expected {\"desired\": {...}}").ConfigureAwait(false);
            return;
        }

        var things = ShadowedOrRegistered(router.Shadows, registry);
        var skipped = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var state in connections?.All() ?? [])
        {
            if (!things.Contains(state.Thing))
            {
                skipped.Add(state.Thing);
            }
        }

        var update = Encoding.UTF8.GetBytes(new JsonObject { ["state"] = new JsonObject { ["desired"] = desired.DeepClone() } }.ToJsonString());
        var results = new JsonArray();
        foreach (var thing in things)
        {
            ShadowResponse? response = null;
            var attempts = 0;
            while (attempts < FanOutAttempts)
            {
                attempts++;
                response = router.Execute(new ShadowId(thing, null), ShadowOperation.Update, update);
                await publish(response.Messages).ConfigureAwait(false);
                if (response.StatusCode is not (409 or 500))
                {
                    break;
                }
            }

            var result = new JsonObject { ["thing"] = thing, ["status"] = response!.StatusCode, ["attempts"] = attempts };
            var answer = JsonNode.Parse(response.Body);
            if (response.StatusCode == 200)
            {
                result["version"] = answer?["version"]?.DeepClone();
            }
            else
            {
                result["error"] = answer?["message"]?.DeepClone();
            }

            results.Add((JsonNode)result);
        }

        foreach (var thing in skipped)
        {
            results.Add((JsonNode)new JsonObject { ["thing"] = thing, ["skipped"] = "not registered and has no classic shadow" });
        }

        await WriteAsync(context, 200, new JsonObject { ["results"] = results }).ConfigureAwait(false);
    }

    /// <returns>The body, or null when it is larger than <paramref name="limit"/> (by default the shadow service's request limit).</returns>
    internal static async Task<byte[]?> ReadBodyAsync(HttpContext context, int limit = ShadowLimits.MaximumRequestBytes)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await context.Request.Body.ReadAsync(chunk).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    /// <summary>Writes a JSON answer; the one writer of LocalIotCore's HTTP endpoints.</summary>
    internal static async Task WriteAsync(HttpContext context, int status, JsonNode body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString()).ConfigureAwait(false);
    }
}
