using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using LocalIotCore.Broker;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using MQTTnet.Protocol;

namespace LocalIotCore.Http;

/// <summary>
/// The AWS IoT Data Plane's messaging operations: Publish (<c>POST /topics/{topic}?qos=&amp;retain=</c>),
/// GetRetainedMessage (<c>GET /retainedMessage/{topic}</c>) and ListRetainedMessages
/// (<c>GET /retainedMessage?maxResults=&amp;nextToken=</c>), with the shapes of botocore's iot-data model.
/// A published message reaches MQTT subscribers, rules and the shadow service as an application's
/// publish. The SDKs put the topic in one URL segment, '/' encoded as %2F, so it is read from the raw target.
/// </summary>
public static class PublishEndpoints
{
    /// <summary>The largest maxResults ListRetainedMessages accepts (botocore's model: 1..200).</summary>
    public const int MaximumResults = 200;

    /// <summary>AWS's topic limit: 256 bytes of UTF-8.</summary>
    public const int MaximumTopicBytes = 256;

    public static void Map(IEndpointRouteBuilder app, IotBroker broker)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(broker);
        app.MapPost("/topics/{**topic}", (RequestDelegate)(context => PublishAsync(context, broker)));
        app.MapGet("/retainedMessage/{**topic}", (RequestDelegate)(context => GetRetainedAsync(context, broker.Retained)));
        app.MapGet("/retainedMessage", (RequestDelegate)(context => ListRetainedAsync(context, broker.Retained)));
        app.Map("/topics/{**rest}", (RequestDelegate)(context => NotAllowedAsync(context, "POST")));
        app.Map("/retainedMessage/{**rest}", (RequestDelegate)(context => NotAllowedAsync(context, "GET")));
    }

    /// <summary>Why a topic cannot be published to (null: it can): AWS's rules for a topic name.</summary>
    public static string? InvalidTopic(string topic)
    {
        ArgumentNullException.ThrowIfNull(topic);
        if (topic.Length == 0)
        {
            return "The topic is empty";
        }

        if (topic.AsSpan().IndexOfAny('#', '+') >= 0 || topic.Contains('\0', StringComparison.Ordinal))
        {
            return "A topic name may not hold the wildcards '#' or '+' or U+0000";
        }

        return Encoding.UTF8.GetByteCount(topic) > MaximumTopicBytes ? "The topic is longer than " + MaximumTopicBytes + " bytes" : null;
    }

    private static async Task PublishAsync(HttpContext context, IotBroker broker)
    {
        var topic = TopicOf(context, "/topics/");
        var invalid = topic is null ? "No topic in the request" : InvalidTopic(topic);
        if (invalid is not null)
        {
            await AwsError.WriteAsync(context, 400, invalid).ConfigureAwait(false);
            return;
        }

        var qosText = context.Request.Query["qos"].ToString();
        if (qosText is not ("" or "0" or "1"))
        {
            await AwsError.WriteAsync(context, 400, "qos must be 0 or 1").ConfigureAwait(false);
            return;
        }

        var retainText = context.Request.Query["retain"].ToString();
        if (retainText.Length > 0 && !bool.TryParse(retainText, out _))
        {
            await AwsError.WriteAsync(context, 400, "retain must be true or false").ConfigureAwait(false);
            return;
        }

        if (TopicPolicy.DenyPublish(IotBroker.DataPlanePublisher, topic!) is string denied)
        {
            await AwsError.WriteAsync(context, 403, denied).ConfigureAwait(false);
            return;
        }

        var payload = await HttpApi.ReadBodyAsync(context, ListenerLimits.MaximumPayloadBytes).ConfigureAwait(false);
        if (payload is null)
        {
            await AwsError.WriteAsync(context, 413, "The payload exceeds the maximum size allowed (" + ListenerLimits.MaximumPayloadBytes + " bytes)").ConfigureAwait(false);
            return;
        }

        var qos = qosText == "1" ? MqttQualityOfServiceLevel.AtLeastOnce : MqttQualityOfServiceLevel.AtMostOnce;
        await broker.PublishAsApplicationAsync(topic!, payload, qos, retainText.Length > 0 && bool.Parse(retainText)).ConfigureAwait(false);
        await HttpApi.WriteAsync(context, 200, new JsonObject()).ConfigureAwait(false);
    }

    private static Task GetRetainedAsync(HttpContext context, RetainedMessageStore? retained)
    {
        var topic = TopicOf(context, "/retainedMessage/");
        if (topic is null || InvalidTopic(topic) is not null)
        {
            return AwsError.WriteAsync(context, 400, "The topic is not a valid topic name");
        }

        if (retained?.Find(topic) is not RetainedMessage message)
        {
            return AwsError.WriteAsync(context, 404, "No retained message on " + topic);
        }

        return HttpApi.WriteAsync(context, 200, new JsonObject
        {
            ["topic"] = message.Topic,
            ["payload"] = Convert.ToBase64String(message.Payload),
            ["qos"] = message.Qos,
            ["lastModifiedTime"] = message.LastModifiedMilliseconds,
        });
    }

    private static Task ListRetainedAsync(HttpContext context, RetainedMessageStore? retained)
    {
        var maxText = context.Request.Query["maxResults"].ToString();
        var max = MaximumResults;
        if (maxText.Length > 0 && (!int.TryParse(maxText, NumberStyles.None, CultureInfo.InvariantCulture, out max) || max is < 1 or > MaximumResults))
        {
            return AwsError.WriteAsync(context, 400, "maxResults must be between 1 and " + MaximumResults);
        }

        var token = context.Request.Query["nextToken"].ToString();
        string? after = null;
        if (token.Length > 0)
        {
            try
            {
                after = Encoding.UTF8.GetString(Convert.FromBase64String(token));
            }
            catch (FormatException)
            {
                return AwsError.WriteAsync(context, 400, "nextToken is not one this API returned");
            }
        }

        // One more than asked: whether there is a next page.
        var page = retained?.List(after, max + 1) ?? [];
        var topics = new JsonArray();
        for (var i = 0; i < page.Count && i < max; i++)
        {
            var message = page[i];
            topics.Add((JsonNode)new JsonObject
            {
                ["topic"] = message.Topic,
                ["payloadSize"] = message.Payload.Length,
                ["qos"] = message.Qos,
                ["lastModifiedTime"] = message.LastModifiedMilliseconds,
            });
        }

        return HttpApi.WriteAsync(context, 200, new JsonObject
        {
            ["retainedTopics"] = topics,
            ["nextToken"] = page.Count > max ? Convert.ToBase64String(Encoding.UTF8.GetBytes(page[max - 1].Topic)) : null,
        });
    }

    private static Task NotAllowedAsync(HttpContext context, string allowed)
    {
        context.Response.Headers.Allow = allowed;
        return AwsError.WriteAsync(context, 405, "The method " + context.Request.Method + " is not allowed on " + context.Request.Path);
    }

    /// <summary>The topic after <paramref name="prefix"/> in the raw request target, percent-decoded once; null if the target is elsewhere.</summary>
    private static string? TopicOf(HttpContext context, string prefix)
    {
        var target = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? context.Request.Path.Value ?? "";
        var query = target.IndexOf('?', StringComparison.Ordinal);
        if (query >= 0)
        {
            target = target[..query];
        }

        if (!target.StartsWith(prefix, StringComparison.Ordinal))
        {
            return null;
        }

        return Uri.UnescapeDataString(target[prefix.Length..]);
    }
}
