// Reference-only stand-in for nanoFramework.M2Mqtt 5.1: only the members the ESP32 host calls.
// Checked against nanoframework/nanoFramework.m2mqtt: M2Mqtt/MqttClient.cs (constructor with CA and
// client certificates, Connect with will and keep-alive, Subscribe, Publish with QoS and retain,
// Disconnect, Close, IsConnected, Settings, the four events and their delegate shapes) and
// M2Mqtt/MqttSettings.cs (InflightQueueSize). In the package the events are typed with delegates
// nested in IMqttClient (M2Mqtt.Core) of the same shape; the host subscribes method groups, which
// compile against either. username, password, contentType and userProperties may be null (the
// package's own overloads pass null). Explicit accessors keep the stand-in free of generic Interlocked calls.
// Never shipped, never run.
using System;
using System.Collections;
using System.Security.Cryptography.X509Certificates;
using nanoFramework.M2Mqtt.Messages;
using NanoFrameworkCheck.StandIns;

namespace nanoFramework.M2Mqtt
{
    public class MqttClient : IDisposable
    {
        public delegate void MqttMsgPublishEventHandler(object sender, MqttMsgPublishEventArgs e);

        public delegate void MqttMsgPublishedEventHandler(object sender, MqttMsgPublishedEventArgs e);

        public delegate void MqttMsgSubscribedEventHandler(object sender, MqttMsgSubscribedEventArgs e);

        public delegate void ConnectionClosedEventHandler(object sender, EventArgs e);

        /// <summary>Resolves <paramref name="brokerHostName"/> (DNS) here, in the constructor.</summary>
        public MqttClient(string brokerHostName, int brokerPort, bool secure, X509Certificate caCert, X509Certificate clientCert, MqttSslProtocols sslProtocol)
        {
            throw StandIn.NotForRuntime();
        }

        public event MqttMsgPublishEventHandler MqttMsgPublishReceived
        {
            add => throw StandIn.NotForRuntime();
            remove => throw StandIn.NotForRuntime();
        }

        public event MqttMsgPublishedEventHandler MqttMsgPublished
        {
            add => throw StandIn.NotForRuntime();
            remove => throw StandIn.NotForRuntime();
        }

        public event MqttMsgSubscribedEventHandler MqttMsgSubscribed
        {
            add => throw StandIn.NotForRuntime();
            remove => throw StandIn.NotForRuntime();
        }

        public event ConnectionClosedEventHandler ConnectionClosed
        {
            add => throw StandIn.NotForRuntime();
            remove => throw StandIn.NotForRuntime();
        }

        public bool IsConnected => throw StandIn.NotForRuntime();

        public MqttSettings Settings => throw StandIn.NotForRuntime();

        public MqttReasonCode Connect(
            string clientId,
            string? username,
            string? password,
            bool willRetain,
            MqttQoSLevel willQosLevel,
            bool willFlag,
            string willTopic,
            string willMessage,
            bool cleanSession,
            ushort keepAlivePeriod) => throw StandIn.NotForRuntime();

        public ushort Subscribe(string[] topics, MqttQoSLevel[] qosLevels) => throw StandIn.NotForRuntime();

        public ushort Publish(string topic, byte[] message, string? contentType, ArrayList? userProperties, MqttQoSLevel qosLevel, bool retain) =>
            throw StandIn.NotForRuntime();

        public void Disconnect() => throw StandIn.NotForRuntime();

        public void Close() => throw StandIn.NotForRuntime();

        public void Dispose() => throw StandIn.NotForRuntime();
    }

    public class MqttSettings
    {
        private MqttSettings()
        {
        }

        public int InflightQueueSize
        {
            get => throw StandIn.NotForRuntime();
            set => throw StandIn.NotForRuntime();
        }
    }
}
