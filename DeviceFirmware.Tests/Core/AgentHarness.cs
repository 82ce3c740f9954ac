using System.Text;
using System.Text.Json;
using DeviceFirmware.Core;
using DeviceFirmware.Core.Sensors;
using DeviceFirmware.Hardware;
using Microsoft.Extensions.Time.Testing;

namespace DeviceFirmware.Tests.Core;

/// <summary>
/// Drives a <see cref="DeviceAgent"/> the way the host does — relay and sensor actions are answered
/// at once, timers fire when the fake clock passes their due time — and records every action.
/// </summary>
internal sealed class AgentHarness
{
    private readonly Dictionary<AgentTimer, DateTimeOffset> _timers = [];

    public AgentHarness(AgentSettings? settings = null, Func<double>? random = null)
    {
        Settings = settings ?? new AgentSettings { ThingName = "pump-1", FirmwareVersion = "1.2.3" };
        Agent = new DeviceAgent(Settings, random ?? (() => 0.5));
    }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 22, 12, 0, 0, TimeSpan.Zero));

    public AgentSettings Settings { get; }

    public DeviceAgent Agent { get; }

    public ShadowTopics Topics => Agent.Topics;

    public List<AgentAction> All { get; } = [];

    public bool RelayPin { get; private set; }

    public int Actuations { get; private set; }

    public string? RelayFailure { get; set; }

    public SensorReading NextReading { get; set; } = new(SensorHealth.Ok, null, 21.5, 45.25, 1013.2);

    public bool Stopped { get; private set; }

    public IReadOnlyDictionary<AgentTimer, DateTimeOffset> Timers => _timers;

    /// <summary>Handles the event and the relay/sensor answers it causes; returns every action of the step.</summary>
    public List<AgentAction> Send(AgentEvent agentEvent)
    {
        var step = new List<AgentAction>();
        var queue = new Queue<AgentEvent>();
        queue.Enqueue(agentEvent);
        while (queue.Count > 0)
        {
            var actions = Agent.Handle(queue.Dequeue(), Time.GetUtcNow());
            foreach (var action in actions)
            {
                step.Add(action);
                All.Add(action);
                switch (action)
                {
                    case SetRelay set:
                        if (RelayFailure is not null)
                        {
                            queue.Enqueue(new RelaySwitchFailed(set.On, RelayFailure));
                        }
                        else
                        {
                            if (set.On != RelayPin)
                            {
                                Actuations++;
                            }

                            RelayPin = set.On;
                            queue.Enqueue(new RelaySwitched(set.On));
                        }

                        break;
                    case ReadSensor:
                        queue.Enqueue(new SensorRead(NextReading));
                        break;
                    case StartTimer start:
                        _timers[start.Timer] = Time.GetUtcNow() + start.Delay;
                        break;
                    case CancelTimer cancel:
                        _timers.Remove(cancel.Timer);
                        break;
                    case AgentStopped:
                        Stopped = true;
                        break;
                }
            }
        }

        return step;
    }

    /// <summary>Moves the clock forward, firing timers in due order; returns the actions they caused.</summary>
    public List<AgentAction> Advance(TimeSpan by)
    {
        var end = Time.GetUtcNow() + by;
        var step = new List<AgentAction>();
        while (true)
        {
            AgentTimer? next = null;
            var due = DateTimeOffset.MaxValue;
            foreach (var pair in _timers)
            {
                if (pair.Value <= end && pair.Value < due)
                {
                    due = pair.Value;
                    next = pair.Key;
                }
            }

            if (next is not AgentTimer timer)
            {
                break;
            }

            if (due > Time.GetUtcNow())
            {
                Time.SetUtcNow(due);
            }

            _timers.Remove(timer);
            step.AddRange(Send(new TimerDue(timer)));
        }

        if (end > Time.GetUtcNow())
        {
            Time.SetUtcNow(end);
        }

        return step;
    }

    public List<AgentAction> Start(bool? savedRelay = null, long lastSequence = 0) =>
        Send(new AgentStarted(savedRelay, lastSequence, "BME280"));

    /// <summary>Starts, connects and answers the first /get with an empty shadow at version 1.</summary>
    public void StartOnline(string getAccepted = "{\"state\":{\"reported\":{\"connected\":true}},\"version\":1}")
    {
        Start();
        Send(new ConnectSucceeded());
        Deliver(Topics.GetAccepted, getAccepted);
    }

    public List<AgentAction> Deliver(string topic, string json) => Send(new MessageReceived(topic, Encoding.UTF8.GetBytes(json)));

    public List<AgentAction> Delta(string stateJson, long version) =>
        Deliver(Topics.UpdateDelta, "{\"state\":" + stateJson + ",\"version\":" + version + ",\"timestamp\":1}");

    public static List<Publish> Publishes(IEnumerable<AgentAction> actions, string topic)
    {
        var list = new List<Publish>();
        foreach (var action in actions)
        {
            if (action is Publish p && p.Topic == topic)
            {
                list.Add(p);
            }
        }

        return list;
    }

    public List<Publish> Reports(IEnumerable<AgentAction> actions) => Publishes(actions, Topics.Update);

    /// <summary>The <c>state.reported</c> object of a report, as JSON.</summary>
    public static JsonElement Reported(Publish report) => Parse(report.Payload).GetProperty("state").GetProperty("reported");

    public static JsonElement Parse(byte[] payload) => JsonDocument.Parse(payload).RootElement.Clone();

    public static string Token(Publish report) => Parse(report.Payload).GetProperty("clientToken").GetString()!;

    public static List<T> OfType<T>(IEnumerable<AgentAction> actions)
        where T : AgentAction
    {
        var list = new List<T>();
        foreach (var action in actions)
        {
            if (action is T t)
            {
                list.Add(t);
            }
        }

        return list;
    }

    public static bool Logged(IEnumerable<AgentAction> actions, string fragment)
    {
        foreach (var action in actions)
        {
            if (action is Log log && log.Message.Contains(fragment, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
