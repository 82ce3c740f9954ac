// Reference-only stand-in for nanoFramework.M2Mqtt.Core.dll (shipped inside the nanoFramework.M2Mqtt
// package beside nanoFramework.M2Mqtt.dll): only the members the ESP32 host uses. Checked against
// nanoframework/nanoFramework.m2mqtt: nanoFramework.M2Mqtt.Core/nanoFramework.M2Mqtt.Core.nfproj (the
// file list), MqttSslProtocols.cs, Messages/MqttMsgPublishEventArgs.cs,
// Messages/MqttMsgPublishedEventArgs.cs, Messages/MqttMsgSubscribedEventArgs.cs, and the uses of
// MqttQoSLevel / MqttReasonCode in M2Mqtt/MqttClient.cs. Never shipped, never run.
using System;
using NanoFrameworkCheck.StandIns;

namespace nanoFramework.M2Mqtt
{
    /// <summary>The TLS versions M2Mqtt can ask SslStream for (names and order as the package's).</summary>
    public enum MqttSslProtocols
    {
        None,
        SSLv3,
        TLSv1_0,
        TLSv1_1,
        TLSv1_2,
        TLSv1_3,
    }
}

namespace nanoFramework.M2Mqtt.Messages
{
    /// <summary>MQTT QoS levels; the values are the wire values.</summary>
    public enum MqttQoSLevel : byte
    {
        AtMostOnce = 0x00,
        AtLeastOnce = 0x01,
        ExactlyOnce = 0x02,
    }

    /// <summary>The CONNACK result. The package's enum has many more members (MQTT 5 reason codes);
    /// the host compares with <see cref="Success"/> only and logs any other as its number.</summary>
    public enum MqttReasonCode : byte
    {
        Success = 0x00,
    }

    public class MqttMsgPublishEventArgs : EventArgs
    {
        public string Topic => throw StandIn.NotForRuntime();

        public byte[] Message => throw StandIn.NotForRuntime();
    }

    public class MqttMsgPublishedEventArgs : EventArgs
    {
        public ushort MessageId => throw StandIn.NotForRuntime();

        /// <summary>False when M2Mqtt gave up on the PUBACK after its own retries.</summary>
        public bool IsPublished => throw StandIn.NotForRuntime();
    }

    public class MqttMsgSubscribedEventArgs : EventArgs
    {
        public ushort MessageId => throw StandIn.NotForRuntime();

        public MqttQoSLevel[] GrantedQoSLevels => throw StandIn.NotForRuntime();
    }
}
