using System.Text;
using LocalIotCore.Broker;
using MQTTnet;
using MQTTnet.Protocol;

namespace Firmware.EndToEnd.Harness;

/// <summary>
/// Input the firmware must survive without moving the relay: sent by an application client either
/// through the shadow service (which may accept it and pass it on as a delta) or straight onto the
/// topics the firmware listens to, as a buggy or hostile publisher would try. Those topics are the
/// shadow service's replies: on AWS, and on LocalIotCore and the rig's mosquitto, only the service
/// publishes there, so the broker refuses those inputs (<see cref="ServiceOnly"/>); the firmware's
/// own tests feed them to it directly.
/// </summary>
public sealed record BadInput(string Name, string TopicSuffix, byte[] Payload)
{
    /// <summary>Straight to the firmware's delta topic, past the shadow service.</summary>
    public const string Delta = "shadow/update/delta";

    /// <summary>Through the shadow service's update topic.</summary>
    public const string Update = "shadow/update";

    /// <summary>Straight to the firmware's get/accepted topic.</summary>
    public const string GetAccepted = "shadow/get/accepted";

    public string Topic(string thing) => "$aws/things/" + thing + "/" + TopicSuffix;

    /// <summary>Aimed at a topic only the shadow service may publish on.</summary>
    public bool ServiceOnly => TopicPolicy.IsServiceOnly(Topic("thing"));

    /// <summary>
    /// Sends the input from an application client of its own on the broker's plain port (so that the
    /// broker refusing it disturbs no other client); true when the broker refused it by closing the
    /// connection, as LocalIotCore does (mosquitto drops a refused publish and keeps the connection).
    /// </summary>
    public async Task<bool> SendAsync(int plainPort, string thing)
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", plainPort)
            .WithClientId("app-bad-input-" + Guid.NewGuid().ToString("N")[..8])
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V311)
            .WithTimeout(TimeSpan.FromSeconds(5))
            .Build();
        await client.ConnectAsync(options).ConfigureAwait(false);
        try
        {
            await client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(Topic(thing)).WithPayload(Payload).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build()).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException)
        {
            return true; // Closed instead of acknowledged.
        }

        // Acknowledged: LocalIotCore acknowledges only what it accepts.
        await client.DisconnectAsync().ConfigureAwait(false);
        return false;
    }

    /// <summary>
    /// Every kind. Those sent straight to the delta topic carry no version, or a stale one, so the
    /// firmware refuses them whole; forged versions have a scenario of their own.
    /// </summary>
    public static IReadOnlyList<BadInput> All { get; } =
    [
        new("wrong type (number)", Update, Json("{\"state\":{\"desired\":{\"MOTOR\":1}}}")),
        new("wrong type (object)", Update, Json("{\"state\":{\"desired\":{\"MOTOR\":{\"on\":true}}}}")),
        new("lower-case value", Update, Json("{\"state\":{\"desired\":{\"MOTOR\":\"on\"}}}")),
        new("null through the service", Update, Json("{\"state\":{\"desired\":{\"MOTOR\":null}}}")),
        new("huge desired document", Update, Json("{\"state\":{\"desired\":{\"MOTOR\":\"ON\",\"pad\":\"" + new string('x', 20_000) + "\"}}}")),
        new("deeply nested desired", Update, Json("{\"state\":{\"desired\":{\"MOTOR\":\"ON\",\"n\":" + Nested(12) + "}}}")),
        new("null on the delta topic", Delta, Json("{\"state\":{\"MOTOR\":null}}")),
        new("array on the delta topic", Delta, Json("[\"MOTOR\",\"ON\"]")),
        new("malformed JSON", Delta, Json("{\"state\":{\"MOTOR\":\"ON\"")),
        new("not UTF-8", Delta, [0x7B, 0x22, 0x73, 0x74, 0x61, 0x74, 0x65, 0x22, 0x3A, 0xFF, 0xFE, 0xC0, 0x7D]),
        new("huge delta (200 KB)", Delta, Json("{\"state\":{\"MOTOR\":\"ON\",\"pad\":\"" + new string('y', 200_000) + "\"}}")),
        new("deeply nested delta (200 levels)", Delta, Json("{\"state\":{\"MOTOR\":\"ON\",\"n\":" + Nested(200) + "}}")),
        new("unknown keys only", Update, Json("{\"state\":{\"desired\":{\"FAN\":\"ON\",\"colour\":\"red\"}}}")),
        new("stale version", Delta, Json("{\"version\":1,\"state\":{\"MOTOR\":\"ON\"}}")),
        new("wrong type on the delta topic", Delta, Json("{\"state\":{\"MOTOR\":true}}")),
        new("get/accepted that is not an object", GetAccepted, Json("\"ON\"")),
    ];

    private static byte[] Json(string text) => Encoding.UTF8.GetBytes(text);

    private static string Nested(int depth) => new StringBuilder().Insert(0, "{\"a\":", depth).Append('1').Append('}', depth).ToString();
}
