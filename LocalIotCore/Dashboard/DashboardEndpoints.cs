using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LocalIotCore.Http;
using LocalIotCore.Lifecycle;
using LocalIotCore.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LocalIotCore.Dashboard;

/// <summary>
/// The dashboard: the page (static files shipped inside this assembly, no front-end build), its live
/// feed as Server-Sent Events (<c>/api/events</c>), a thing's telemetry history and the recent
/// connection events. The page reads and writes shadows through the data-plane API (<c>/things/...</c>)
/// like any other client, so a toggle takes the same path as a curl.
/// </summary>
public static class DashboardEndpoints
{
    /// <summary>A page that hears nothing for this long gets a comment line, so proxies and the browser keep the stream open.</summary>
    public static readonly TimeSpan KeepAliveInterval = TimeSpan.FromSeconds(15);

    /// <summary>What the charts show by default: the last hour.</summary>
    public static readonly TimeSpan DefaultTelemetryWindow = TimeSpan.FromHours(1);

    public const int DefaultConnectionEvents = 50;

    // The page's files: embedded resources named dashboard/<file> by LocalIotCore.csproj.
    private static readonly (string Path, string Resource, string ContentType)[] Files =
    [
        ("/", "dashboard/index.html", "text/html; charset=utf-8"),
        ("/dashboard.js", "dashboard/dashboard.js", "text/javascript; charset=utf-8"),
        ("/dashboard.css", "dashboard/dashboard.css", "text/css; charset=utf-8"),
    ];

    public static void Map(IEndpointRouteBuilder app, LiveFeed feed, TelemetryHistory telemetry, ConnectionStateTable connections, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(app);
        foreach (var (path, resource, contentType) in Files)
        {
            var bytes = ReadResource(resource);
            app.MapGet(path, (RequestDelegate)(context =>
            {
                context.Response.ContentType = contentType;
                // The page is small and changes with LocalIotCore: always revalidate, never a stale copy.
                context.Response.Headers.CacheControl = "no-cache";
                return context.Response.Body.WriteAsync(bytes).AsTask();
            }));
        }

        app.MapGet("/api/events", (RequestDelegate)(context => StreamAsync(context, feed)));
        app.MapGet("/api/things/{thingName}/telemetry", (RequestDelegate)(context => TelemetryAsync(context, telemetry, time)));
        app.MapGet("/api/connection-events", (RequestDelegate)(context =>
        {
            if (Limit(context, DefaultConnectionEvents, out var error) is not int limit)
            {
                return WriteErrorAsync(context, 400, error!);
            }

            var list = new JsonArray();
            foreach (var recorded in connections.RecentEvents(limit))
            {
                list.Add((JsonNode)recorded.ToJson());
            }

            return HttpApi.WriteAsync(context, 200, new JsonObject { ["events"] = list });
        }));
    }

    /// <summary>Parses <c>since</c>: Unix milliseconds or an ISO-8601 time; null with a reason when it is neither.</summary>
    public static long? ParseSince(string text, out string? error)
    {
        error = null;
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var milliseconds))
        {
            return milliseconds;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at))
        {
            return at.ToUnixTimeMilliseconds();
        }

        error = "since must be Unix milliseconds or an ISO-8601 time (e.g. 2026-12-01T10:00:00Z), not '" + text + "'";
        return null;
    }

    private static async Task StreamAsync(HttpContext context, LiveFeed feed)
    {
        var response = context.Response;
        var reader = feed.TrySubscribe();
        if (reader is null)
        {
            response.Headers.RetryAfter = "10";
            await WriteErrorAsync(context, 503, "the dashboard has " + feed.MaximumSubscribers + " live pages open already; close one or retry later").ConfigureAwait(false);
            return;
        }

        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        // The feed's own write deadline decides when a page has stopped reading (WriteTextAsync), not
        // Kestrel's minimum data rate, which would end a stalled page at a time of its own, unlogged.
        if (context.Features.Get<IHttpMinResponseDataRateFeature>() is { } rate)
        {
            rate.MinDataRate = null;
        }

        var aborted = context.RequestAborted;
        try
        {
            // 'hello' tells the page the stream is open: it (re)loads its whole picture then, so a change
            // made while it was away is not missed. retry: reconnect after 2 s if the stream breaks.
            if (!await WriteTextAsync(context, feed, "retry: 2000\nevent: hello\ndata: {}\n\n").ConfigureAwait(false))
            {
                return;
            }

            while (true)
            {
                using var quiet = CancellationTokenSource.CreateLinkedTokenSource(aborted);
                quiet.CancelAfter(KeepAliveInterval);
                bool more;
                try
                {
                    more = await reader.WaitToReadAsync(quiet.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!aborted.IsCancellationRequested)
                {
                    if (!await WriteTextAsync(context, feed, ": keep-alive\n\n").ConfigureAwait(false))
                    {
                        return;
                    }

                    continue;
                }

                if (!more)
                {
                    return; // LocalIotCore is stopping.
                }

                var text = new StringBuilder();
                while (reader.TryRead(out var live))
                {
                    // Compact JSON has no line breaks, so each event's data is one line.
                    text.Append("event: ").Append(live.Kind).Append("\ndata: ").Append(live.Json).Append("\n\n");
                }

                if (!await WriteTextAsync(context, feed, text.ToString()).ConfigureAwait(false))
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The page went away (or was dropped for not reading).
        }
        catch (LiveFeedOverflowException)
        {
            // The page fell behind; ending the stream makes it reconnect and reload.
        }
        finally
        {
            feed.Unsubscribe(reader);
        }
    }

    private static async Task TelemetryAsync(HttpContext context, TelemetryHistory telemetry, TimeProvider time)
    {
        var thing = context.Request.RouteValues["thingName"] as string ?? "";
        long since;
        if (context.Request.Query.TryGetValue("since", out var sinceText))
        {
            if (ParseSince(sinceText.ToString(), out var error) is not long parsed)
            {
                await WriteErrorAsync(context, 400, error!).ConfigureAwait(false);
                return;
            }

            since = parsed;
        }
        else
        {
            since = (time.GetUtcNow() - DefaultTelemetryWindow).ToUnixTimeMilliseconds();
        }

        if (Limit(context, telemetry.PointsPerThing, out var limitError) is not int limit)
        {
            await WriteErrorAsync(context, 400, limitError!).ConfigureAwait(false);
            return;
        }

        var points = telemetry.Since(thing, since, limit);
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("thing", thing);
            w.WriteNumber("since", since);
            w.WriteStartArray("points");
            foreach (var point in points)
            {
                w.WriteStartObject();
                w.WriteNumber("receivedAt", point.ReceivedAtMilliseconds);
                w.WritePropertyName("data");
                w.WriteRawValue(point.Json, skipInputValidation: true); // validated when it was stored
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length)).ConfigureAwait(false);
    }

    /// <summary>
    /// One write to a page, within the feed's write deadline: a page that does not take it in time has
    /// stopped reading, and its connection is aborted so that it holds no buffers or socket (false).
    /// </summary>
    private static async Task<bool> WriteTextAsync(HttpContext context, LiveFeed feed, string text)
    {
        // Raced against the deadline rather than cancelled by it: a write Kestrel holds back for a
        // client that does not read does not always give up on a cancelled token.
        var write = WriteAndFlushAsync(context.Response, text, context.RequestAborted);
        try
        {
            await write.WaitAsync(feed.WriteDeadline).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            context.RequestServices.GetService<ILoggerFactory>()?.CreateLogger("LocalIotCore.Dashboard")
                .LogWarning("Dashboard page {Remote} dropped: a write did not complete within {Seconds} s (the page stopped reading)", context.Connection.RemoteIpAddress + ":" + context.Connection.RemotePort, feed.WriteDeadline.TotalSeconds);
            context.Abort();
            // The abandoned write ends with the connection; its outcome is of no interest any more.
            _ = write.ContinueWith(static t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            return false;
        }
    }

    private static async Task WriteAndFlushAsync(HttpResponse response, string text, CancellationToken cancellationToken)
    {
        await response.Body.WriteAsync(Encoding.UTF8.GetBytes(text), cancellationToken).ConfigureAwait(false);
        await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The query's <c>limit</c>, or <paramref name="fallback"/> without one; null with a reason when it is not a positive whole number.</summary>
    private static int? Limit(HttpContext context, int fallback, out string? error)
    {
        error = null;
        if (!context.Request.Query.TryGetValue("limit", out var text))
        {
            return fallback;
        }

        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var limit) && limit >= 1)
        {
            return limit;
        }

        error = "limit must be a positive whole number, not '" + text + "'";
        return null;
    }

    private static Task WriteErrorAsync(HttpContext context, int status, string message) =>
        HttpApi.WriteAsync(context, status, new JsonObject { ["code"] = status, ["message"] = message });

    private static byte[] ReadResource(string name)
    {
        using var stream = typeof(DashboardEndpoints).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException("The dashboard file '" + name + "' is not embedded in " + typeof(DashboardEndpoints).Assembly.GetName().Name + ".");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
