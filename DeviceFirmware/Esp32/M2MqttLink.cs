using System;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using nanoFramework.M2Mqtt;
using nanoFramework.M2Mqtt.Messages;

namespace DeviceFirmware.Esp32;

/// <summary>What the MQTT link reports from M2Mqtt's threads.</summary>
internal interface ILinkListener
{
    void MessageArrived(string topic, byte[] payload);

    /// <summary>The connection ended without this host closing it (broker, network, keep-alive).</summary>
    void LinkLost(string reason);
}

/// <summary>
/// MQTT over nanoFramework.M2Mqtt with mutual TLS 1.2 (root CA + device certificate and key), client
/// id = thing name, clean session, QoS 1, the keep-alive of the configuration and the core's Last Will
/// (QoS 1, not retained, as on the Pi). One connection per attempt: a new <see cref="MqttClient"/> is
/// made for each connect (its constructor resolves the endpoint), and nothing here retries — the
/// core's backoff decides when the next attempt comes. Called from the link worker only, one request
/// at a time; a request waits for its PUBACK/SUBACK at most the acknowledge timeout, after which the
/// caller drops the link as the Pi does.
/// </summary>
internal sealed class M2MqttLink
{
    /// <summary>M2Mqtt's own queue of unacknowledged messages; the worker sends one at a time anyway.</summary>
    private const int InflightLimit = 4;

    /// <summary>The SUBACK value for a refused subscription (MQTT 3.1.1, 3.9.3).</summary>
    private const int SubscriptionRefused = 0x80;

    private readonly Esp32Settings _settings;
    private readonly SerialLog _log;
    private readonly ILinkListener _listener;
    private readonly string _willTopic;
    private readonly string _willMessage;
    private readonly object _gate = new object();
    private readonly AutoResetEvent _acknowledged = new AutoResetEvent(false);
    private MqttClient? _client;
    private int _lastAckId = -1;
    private bool _lastAckOk;
    private MqttQoSLevel[]? _lastGranted;

    public M2MqttLink(Esp32Settings settings, string willTopic, string willMessage, SerialLog log, ILinkListener listener)
    {
        _settings = settings;
        _willTopic = willTopic;
        _willMessage = willMessage;
        _log = log;
        _listener = listener;
    }

    /// <summary>host:port, as the log names the broker.</summary>
    public string Where => _settings.MqttEndpoint + ":" + _settings.MqttPort.ToString();

    public bool IsConnected
    {
        get
        {
            lock (_gate)
            {
                return _client != null;
            }
        }
    }

    /// <summary>One connect attempt; null on success, else the reason for the operator.</summary>
    public string? Connect(X509Certificate rootCa, X509Certificate2 device)
    {
        string where = Where;
        MqttClient client;
        try
        {
            client = new MqttClient(_settings.MqttEndpoint, _settings.MqttPort, true, rootCa, device, MqttSslProtocols.TLSv1_2);
        }
        catch (Exception ex)
        {
            return "cannot resolve " + _settings.MqttEndpoint + ": " + Describe(ex);
        }

        client.Settings.InflightQueueSize = InflightLimit;
        client.MqttMsgPublishReceived += OnMessage;
        client.MqttMsgPublished += OnPublished;
        client.MqttMsgSubscribed += OnSubscribed;
        client.ConnectionClosed += OnClosed;

        MqttReasonCode code;
        try
        {
            code = client.Connect(_settings.ThingName, null, null, false, MqttQoSLevel.AtLeastOnce, true, _willTopic, _willMessage, true, (ushort)_settings.KeepAliveSeconds);
        }
        catch (Exception ex)
        {
            CloseQuietly(client);
            return "connecting to " + where + " failed: " + Describe(ex) +
                " (a TLS failure here is most often the root CA file, the endpoint name not matching the server certificate, or the clock)";
        }

        if (code != MqttReasonCode.Success)
        {
            CloseQuietly(client);
            return where + " refused the connection: " + ExplainRefusal((int)code);
        }

        lock (_gate)
        {
            _client = client;
        }

        _log.Info(SerialLog.MqttCategory, "Connected to " + where + " as " + _settings.ThingName + " (mutual TLS, keep-alive " + _settings.KeepAliveSeconds.ToString() + " s).");
        return null;
    }

    /// <summary>Subscribes at QoS 1 and waits for the SUBACK; null when every topic was granted.</summary>
    public string? Subscribe(string[] topics)
    {
        var client = Current();
        if (client == null)
        {
            return "not connected";
        }

        var levels = new MqttQoSLevel[topics.Length];
        for (int i = 0; i < levels.Length; i++)
        {
            levels[i] = MqttQoSLevel.AtLeastOnce;
        }

        ushort id;
        try
        {
            id = client.Subscribe(topics, levels);
        }
        catch (Exception ex)
        {
            return "SUBSCRIBE could not be sent: " + Describe(ex);
        }

        if (!WaitForAck(id, out _))
        {
            return "no SUBACK within " + _settings.AcknowledgeTimeoutSeconds.ToString() + " s; the link is presumed dead";
        }

        MqttQoSLevel[]? granted;
        lock (_gate)
        {
            granted = _lastGranted;
        }

        for (int i = 0; i < topics.Length; i++)
        {
            if (granted == null || i >= granted.Length || (int)granted[i] == SubscriptionRefused)
            {
                return "the broker refused the subscription to " + topics[i] + " (the policy must allow iot:Subscribe on topicfilter/" + topics[i] + " and iot:Receive on topic/" + topics[i] + ")";
            }
        }

        return null;
    }

    /// <summary>Publishes at QoS 1 and waits for the PUBACK; null when it came.</summary>
    public string? Publish(string topic, byte[] payload)
    {
        var client = Current();
        if (client == null)
        {
            return "not connected";
        }

        ushort id;
        try
        {
            id = client.Publish(topic, payload, null, null, MqttQoSLevel.AtLeastOnce, false);
        }
        catch (Exception ex)
        {
            return "PUBLISH to " + topic + " could not be sent: " + Describe(ex);
        }

        if (!WaitForAck(id, out bool published))
        {
            return "no PUBACK within " + _settings.AcknowledgeTimeoutSeconds.ToString() + " s for " + topic + "; the link is presumed dead";
        }

        return published ? null : "M2Mqtt gave up on the PUBACK for " + topic + " after its retries; the link is presumed dead";
    }

    /// <summary>Sends DISCONNECT (the broker then discards the Last Will) and closes.</summary>
    public void Disconnect()
    {
        var client = Detach();
        if (client == null)
        {
            return;
        }

        try
        {
            client.Disconnect();
        }
        catch (Exception ex)
        {
            _log.Detail(SerialLog.MqttCategory, "DISCONNECT could not be sent: " + Describe(ex));
        }

        CloseQuietly(client);
        _log.Info(SerialLog.MqttCategory, "Disconnected cleanly from " + Where + ".");
    }

    /// <summary>Closes the socket without DISCONNECT: the broker will (rightly) publish the Last Will.</summary>
    public void Drop()
    {
        var client = Detach();
        if (client != null)
        {
            CloseQuietly(client);
        }
    }

    private MqttClient? Current()
    {
        lock (_gate)
        {
            return _client;
        }
    }

    private MqttClient? Detach()
    {
        lock (_gate)
        {
            var client = _client;
            _client = null;
            return client;
        }
    }

    private bool WaitForAck(ushort id, out bool ok)
    {
        // The acknowledgement may come before this thread gets here: the handler records the last one.
        long deadline = Environment.TickCount64 + (_settings.AcknowledgeTimeoutSeconds * 1000L);
        while (true)
        {
            lock (_gate)
            {
                if (_lastAckId == id)
                {
                    ok = _lastAckOk;
                    _lastAckId = -1;
                    return true;
                }

                if (_client == null)
                {
                    ok = false;
                    return false;
                }
            }

            long remaining = deadline - Environment.TickCount64;
            if (remaining <= 0)
            {
                ok = false;
                return false;
            }

            _acknowledged.WaitOne((int)remaining, false);
        }
    }

    private void OnMessage(object sender, MqttMsgPublishEventArgs e) => _listener.MessageArrived(e.Topic, e.Message);

    private void OnPublished(object sender, MqttMsgPublishedEventArgs e)
    {
        lock (_gate)
        {
            _lastAckId = e.MessageId;
            _lastAckOk = e.IsPublished;
        }

        _acknowledged.Set();
    }

    private void OnSubscribed(object sender, MqttMsgSubscribedEventArgs e)
    {
        lock (_gate)
        {
            _lastAckId = e.MessageId;
            _lastAckOk = true;
            _lastGranted = e.GrantedQoSLevels;
        }

        _acknowledged.Set();
    }

    private void OnClosed(object sender, EventArgs e)
    {
        bool wasCurrent;
        lock (_gate)
        {
            wasCurrent = _client != null && ReferenceEquals(sender, _client);
            if (wasCurrent)
            {
                _client = null;
            }
        }

        _acknowledged.Set();
        if (wasCurrent)
        {
            _listener.LinkLost("the broker or the network closed the connection");
        }
    }

    private static void CloseQuietly(MqttClient client)
    {
        try
        {
            client.Close();
        }
        catch (Exception)
        {
            // Closing a connection that is already gone; nothing is left to release.
        }
    }

    /// <summary>The CONNACK return codes of MQTT 3.1.1 (3.2.2.3) in words.</summary>
    private static string ExplainRefusal(int code)
    {
        switch (code)
        {
            case 1:
                return "CONNACK 1, protocol version not accepted";
            case 2:
                return "CONNACK 2, client id rejected";
            case 3:
                return "CONNACK 3, server unavailable";
            case 4:
                return "CONNACK 4, bad user name or password";
            case 5:
                return "CONNACK 5, not authorized: the certificate must be active and attached to the thing, and its policy must allow iot:Connect for this client id";
            default:
                return "CONNACK code " + code.ToString();
        }
    }

    private static string Describe(Exception ex) =>
        ex.InnerException == null ? ex.Message : ex.Message + " (" + ex.InnerException.Message + ")";
}
