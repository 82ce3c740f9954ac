using System;
using System.Threading;
using DeviceFirmware.Core.Agent;

namespace DeviceFirmware.Esp32;

/// <summary>
/// The thread that talks to the broker, so the loop never blocks on the network: it carries out the
/// agent's Connect, Subscribe, Publish and Disconnect in order (a subscription is granted before the
/// next publish goes out), then, while nothing else waits, publishes the telemetry outbox oldest
/// first. Each request belongs to the connection it was made for: after a reconnect, requests of the
/// old connection are skipped (the agent re-reports on the new one). A request that gets no
/// acknowledgement in time drops the link without DISCONNECT, as on the Pi; the loop hears
/// <see cref="ConnectionLost"/> and the core's backoff decides the rest. The request queue is a fixed
/// ring; it fills only when the link stopped answering, which is then treated as a lost link.
/// </summary>
internal sealed class LinkWorker : ILinkListener
{
    private const int QueueCapacity = 16;

    private const int IdleWaitMilliseconds = 1000;

    private readonly EventInbox _inbox;
    private readonly TelemetryRing _outbox;
    private readonly NetworkBringUp _network;
    private readonly SerialLog _log;
    private readonly M2MqttLink _link;
    private readonly object _gate = new object();
    private readonly AutoResetEvent _queued = new AutoResetEvent(false);
    private readonly Work[] _queue = new Work[QueueCapacity];
    private int _first;
    private int _count;
    private int _epoch;
    private int _flushEpoch = -1;

    public LinkWorker(Esp32Settings settings, string willTopic, string willMessage, EventInbox inbox, TelemetryRing outbox, NetworkBringUp network, SerialLog log)
    {
        _inbox = inbox;
        _outbox = outbox;
        _network = network;
        _log = log;
        _link = new M2MqttLink(settings, willTopic, willMessage, log, this);
        for (int i = 0; i < QueueCapacity; i++)
        {
            _queue[i] = new Work();
        }
    }

    public void Start() => new Thread(Run).Start();

    /// <summary>A new connection: every request still queued for the old one is void from now on.</summary>
    public void Connect()
    {
        lock (_gate)
        {
            _epoch++;
            _flushEpoch = -1;
        }

        Enqueue(WorkKind.Connect, null, null, null);
    }

    public void Subscribe(string[] topics) => Enqueue(WorkKind.Subscribe, topics, null, null);

    public void Publish(string topic, byte[] payload) => Enqueue(WorkKind.Publish, null, topic, payload);

    public void Disconnect()
    {
        lock (_gate)
        {
            _flushEpoch = -1;
        }

        Enqueue(WorkKind.Disconnect, null, null, null);
    }

    /// <summary>Publish the outbox while the current connection lasts (the agent's FlushTelemetry).</summary>
    public void FlushTelemetry()
    {
        lock (_gate)
        {
            _flushEpoch = _epoch;
        }

        _queued.Set();
    }

    public void MessageArrived(string topic, byte[] payload)
    {
        if (!_inbox.Post(new MessageReceived(topic, payload)))
        {
            _log.Warn(SerialLog.HostCategory, "A message on " + topic + " was dropped: " + EventInbox.Capacity.ToString() + " events are already waiting.");
        }
    }

    public void LinkLost(string reason)
    {
        lock (_gate)
        {
            _flushEpoch = -1;
        }

        _log.Warn(SerialLog.MqttCategory, "Connection to " + _link.Where + " lost: " + reason);
        _inbox.Post(new ConnectionLost(reason));
    }

    private void Enqueue(WorkKind kind, string[]? topics, string? topic, byte[]? payload)
    {
        bool full;
        lock (_gate)
        {
            full = _count == QueueCapacity;
            if (!full)
            {
                var work = _queue[(_first + _count) % QueueCapacity];
                work.Kind = kind;
                work.Epoch = _epoch;
                work.Topics = topics;
                work.Topic = topic;
                work.Payload = payload;
                _count++;
            }
        }

        if (full)
        {
            // Only a link that stopped acknowledging lets requests pile up this far.
            _log.Error(SerialLog.MqttCategory, QueueCapacity.ToString() + " MQTT requests are waiting; dropping the link.");
            DropLink("the request queue is full");
            return;
        }

        _queued.Set();
    }

    private void Run()
    {
        var work = new Work();
        while (true)
        {
            try
            {
                if (TryTake(work))
                {
                    Execute(work);
                }
                else if (!FlushOne())
                {
                    _queued.WaitOne(IdleWaitMilliseconds, false);
                }
            }
            catch (Exception ex)
            {
                // A bug here must not silence the link for good: report it and keep serving.
                _log.Error(SerialLog.MqttCategory, "The link worker failed: " + ex.GetType().Name + ": " + ex.Message);
                DropLink("link worker failure");
            }
        }
    }

    private bool TryTake(Work into)
    {
        lock (_gate)
        {
            while (_count > 0)
            {
                var next = _queue[_first];
                _first = (_first + 1) % QueueCapacity;
                _count--;
                bool current = next.Epoch == _epoch;
                into.Kind = next.Kind;
                into.Epoch = next.Epoch;
                into.Topics = next.Topics;
                into.Topic = next.Topic;
                into.Payload = next.Payload;
                next.Clear();
                if (current)
                {
                    return true;
                }
            }

            return false;
        }
    }

    private void Execute(Work work)
    {
        switch (work.Kind)
        {
            case WorkKind.Connect:
                ConnectOnce();
                break;
            case WorkKind.Subscribe:
                string? refused = _link.IsConnected ? _link.Subscribe(work.Topics!) : null;
                if (refused != null)
                {
                    _log.Error(SerialLog.MqttCategory, "Subscribing to the shadow topics failed: " + refused + ". Reconnecting.");
                    DropLink(refused);
                }

                break;
            case WorkKind.Publish:
                string? failed = _link.IsConnected ? _link.Publish(work.Topic!, work.Payload!) : null;
                if (failed != null)
                {
                    _log.Warn(SerialLog.MqttCategory, "Publish failed: " + failed);
                    DropLink(failed);
                }

                break;
            case WorkKind.Disconnect:
                _link.Disconnect();
                break;
        }
    }

    private void ConnectOnce()
    {
        if (!_network.IsReady(out string? notReady))
        {
            _inbox.Post(new ConnectFailed(notReady ?? "the network is not ready"));
            return;
        }

        if (!DeviceCertificates.TryLoad(out var rootCa, out var device, out string? missing))
        {
            _inbox.Post(new ConnectFailed(missing ?? "certificates missing"));
            return;
        }

        _link.Drop(); // a connection the agent no longer counts on (there should be none) goes first
        string? failure = _link.Connect(rootCa!, device!);
        _inbox.Post(failure == null ? new ConnectSucceeded() : new ConnectFailed(failure));
    }

    /// <summary>Publishes the oldest outbox message if a flush is on; false when there was nothing to do.</summary>
    private bool FlushOne()
    {
        lock (_gate)
        {
            if (_flushEpoch != _epoch)
            {
                return false;
            }
        }

        if (!_link.IsConnected || !_outbox.TryPeek(out long sequence, out string topic, out byte[] payload))
        {
            return false;
        }

        string? failed = _link.Publish(topic, payload);
        if (failed != null)
        {
            _log.Warn(SerialLog.MqttCategory, "Telemetry flush stopped (" + failed + "); " + _outbox.Count.ToString() + " message(s) stay in the outbox for the next connection.");
            DropLink(failed);
            return false;
        }

        _outbox.RemoveIfFirst(sequence);
        return true;
    }

    private void DropLink(string reason)
    {
        bool wasConnected = _link.IsConnected;
        _link.Drop();
        lock (_gate)
        {
            _flushEpoch = -1;
        }

        if (wasConnected)
        {
            _log.Warn(SerialLog.MqttCategory, "Connection to " + _link.Where + " lost: " + reason);
            _inbox.Post(new ConnectionLost(reason));
        }
    }

    private enum WorkKind
    {
        Connect,
        Subscribe,
        Publish,
        Disconnect,
    }

    /// <summary>One queued request; the ring's slots are made once and reused.</summary>
    private sealed class Work
    {
        public WorkKind Kind;
        public int Epoch;
        public string[]? Topics;
        public string? Topic;
        public byte[]? Payload;

        public void Clear()
        {
            Topics = null;
            Topic = null;
            Payload = null;
        }
    }
}
