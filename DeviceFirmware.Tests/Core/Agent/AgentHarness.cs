using System;
using System.Collections;
using DeviceFirmware.Core.Agent;
using DeviceFirmware.Core.Json;
using DeviceFirmware.Core.Link;
using DeviceFirmware.Core.Sensors;
using DeviceFirmware.Core.Shadow;
using DeviceFirmware.Tests.Core.Json;

namespace DeviceFirmware.Tests.Core.Agent;

/// <summary>
/// Drives a <see cref="DeviceAgent"/> the way the host does — relay and sensor actions are answered
/// at once, timers fire when the fake "now" passes their due time — and records every action. Portable:
/// a DateTime for the clock, arrays for the timers, ArrayList for the actions.
/// </summary>
internal sealed class AgentHarness
{
    private static readonly int TimerCount = (int)AgentTimer.S3FetchRetry + 1;

    private readonly bool[] _pending = new bool[TimerCount];
    private readonly DateTime[] _due = new DateTime[TimerCount];
    private readonly ActionList _actions = new ActionList();

    public AgentHarness()
        : this(new AgentSettings("pump-1") { FirmwareVersion = "1.2.3" }, Half)
    {
    }

    public AgentHarness(AgentSettings settings)
        : this(settings, Half)
    {
    }

    public AgentHarness(AgentSettings settings, RandomSource random)
    {
        Settings = settings;
        Agent = new DeviceAgent(settings, random);
    }

    /// <summary>2026-11-22 12:00:00 UTC, the harness's start time.</summary>
    public static DateTime StartTime => new DateTime(2026, 11, 22, 12, 0, 0);

    public DateTime Now { get; private set; } = StartTime;

    public AgentSettings Settings { get; }

    public DeviceAgent Agent { get; }

    public ShadowTopics Topics => Agent.Topics;

    /// <summary>Every action of every step, in order.</summary>
    public ArrayList All { get; } = new ArrayList();

    public bool RelayPin { get; private set; }

    public int Actuations { get; private set; }

    /// <summary>When set, every SetRelay fails with this reason.</summary>
    public string? RelayFailure { get; set; }

    public SensorReading NextReading { get; set; } = new SensorReading(SensorHealth.Ok, null, 21.5, 45.25, 1013.2);

    public bool Stopped { get; private set; }

    public static double Half() => 0.5;

    public bool HasTimer(AgentTimer timer) => _pending[(int)timer];

    public DateTime Due(AgentTimer timer)
    {
        Assert.IsTrue(HasTimer(timer), "timer " + (int)timer + " is not pending");
        return _due[(int)timer];
    }

    public int PendingTimers
    {
        get
        {
            var count = 0;
            for (var i = 0; i < TimerCount; i++)
            {
                count += _pending[i] ? 1 : 0;
            }

            return count;
        }
    }

    /// <summary>Handles the event and the relay/sensor answers it causes; returns every action of the step.</summary>
    public ArrayList Send(AgentEvent agentEvent)
    {
        var step = new ArrayList();
        var queue = new ArrayList();
        queue.Add(agentEvent);
        while (queue.Count > 0)
        {
            var next = (AgentEvent)queue[0]!;
            queue.RemoveAt(0);
            Agent.Handle(next, Now, _actions);
            for (var i = 0; i < _actions.Count; i++)
            {
                var action = _actions[i];
                step.Add(action);
                All.Add(action);
                Answer(action, queue);
            }
        }

        return step;
    }

    /// <summary>Moves the clock forward, firing timers in due order; returns the actions they caused.</summary>
    public ArrayList Advance(TimeSpan by)
    {
        var end = Now + by;
        var step = new ArrayList();
        while (true)
        {
            var next = -1;
            var due = DateTime.MaxValue;
            for (var i = 0; i < TimerCount; i++)
            {
                if (_pending[i] && _due[i] <= end && _due[i] < due)
                {
                    due = _due[i];
                    next = i;
                }
            }

            if (next < 0)
            {
                break;
            }

            if (due > Now)
            {
                Now = due;
            }

            _pending[next] = false;
            var fired = Send(new TimerDue((AgentTimer)next));
            for (var i = 0; i < fired.Count; i++)
            {
                step.Add(fired[i]);
            }
        }

        if (end > Now)
        {
            Now = end;
        }

        return step;
    }

    /// <summary>Advances to the pending reconnect and returns what it caused.</summary>
    public ArrayList AdvanceToReconnect() => Advance(Due(AgentTimer.Reconnect) - Now);

    public ArrayList Start() => Start(SavedRelayState.None, 0);

    public ArrayList Start(SavedRelayState savedRelay, long lastSequence) =>
        Send(new AgentStarted(savedRelay, lastSequence, "BME280"));

    /// <summary>Starts, connects and answers the first /get with an empty shadow at version 1.</summary>
    public void StartOnline() => StartOnline("{\"state\":{\"reported\":{\"connected\":true}},\"version\":1}");

    public void StartOnline(string getAccepted)
    {
        Start();
        Send(new ConnectSucceeded());
        Deliver(Topics.GetAccepted, getAccepted);
    }

    public ArrayList Deliver(string topic, string json) => Send(new MessageReceived(topic, JsonTestText.Ascii(json)));

    public ArrayList Delta(string stateJson, long version) =>
        Deliver(Topics.UpdateDelta, "{\"state\":" + stateJson + ",\"version\":" + version + ",\"timestamp\":1}");

    public ArrayList Reports(ArrayList actions) => Publishes(actions, Topics.Update);

    public static ArrayList Publishes(ArrayList actions, string topic)
    {
        var list = new ArrayList();
        for (var i = 0; i < actions.Count; i++)
        {
            if (actions[i] is Publish p && p.Topic == topic)
            {
                list.Add(p);
            }
        }

        return list;
    }

    /// <summary>The report at <paramref name="index"/> of a list from <see cref="Reports"/> (negative: from the end).</summary>
    public static Publish ReportAt(ArrayList reports, int index)
    {
        Assert.IsTrue(reports.Count > 0, "no report was published");
        return (Publish)reports[index < 0 ? reports.Count + index : index]!;
    }

    /// <summary>The <c>state.reported</c> object of a report.</summary>
    public static JsonValue Reported(Publish report)
    {
        var reported = State(report).FindObject(ShadowKeys.Reported);
        Assert.IsNotNull(reported, "a report has state.reported");
        return reported!;
    }

    public static JsonValue State(Publish report)
    {
        var state = Parse(report.Payload).FindObject(ShadowKeys.State);
        Assert.IsNotNull(state, "a report has state");
        return state!;
    }

    /// <summary>A string member of an object; fails the test when it is missing or not a string.</summary>
    public static string Text(JsonValue value, string name)
    {
        var text = value.FindString(name);
        Assert.IsNotNull(text, "member " + name + " is a string");
        return text!;
    }

    public static JsonValue Member(JsonValue value, string name)
    {
        var member = value.Find(name);
        Assert.IsNotNull(member, "member " + name + " is present");
        return member!;
    }

    public static JsonValue Parse(byte[] payload) => JsonTestText.Parse(payload);

    public static string Token(Publish report) => Text(Parse(report.Payload), ShadowKeys.ClientToken);

    public static int Count(ArrayList actions, Type type)
    {
        var count = 0;
        for (var i = 0; i < actions.Count; i++)
        {
            count += actions[i]!.GetType() == type ? 1 : 0;
        }

        return count;
    }

    /// <summary>Index of the first action of <paramref name="type"/>, or -1.</summary>
    public static int IndexOf(ArrayList actions, Type type)
    {
        for (var i = 0; i < actions.Count; i++)
        {
            if (actions[i]!.GetType() == type)
            {
                return i;
            }
        }

        return -1;
    }

    public static AgentAction First(ArrayList actions, Type type)
    {
        var index = IndexOf(actions, type);
        Assert.IsTrue(index >= 0, "an action of type " + type.Name);
        return (AgentAction)actions[index]!;
    }

    public static bool Logged(ArrayList actions, string fragment)
    {
        for (var i = 0; i < actions.Count; i++)
        {
            if (actions[i] is Log log && log.Message.IndexOf(fragment) >= 0)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The last value reported for reported.errors.&lt;key&gt; among these reports, or null when none mentions it.</summary>
    public static JsonValue? LastErrorEntry(ArrayList reports, string key)
    {
        JsonValue? last = null;
        for (var i = 0; i < reports.Count; i++)
        {
            var errors = Reported((Publish)reports[i]!).FindObject(ShadowKeys.Errors);
            var entry = errors == null ? null : errors.Find(key);
            if (entry != null)
            {
                last = entry;
            }
        }

        return last;
    }

    /// <summary>The last string reported for reported.errors.&lt;key&gt;, or null.</summary>
    public static string? ReportedError(ArrayList reports, string key)
    {
        var entry = LastErrorEntry(reports, key);
        return entry != null && entry.Kind == JsonKind.String ? entry.StringValue : null;
    }

    /// <summary>Whether the last mention of reported.errors.&lt;key&gt; deletes it (null).</summary>
    public static bool ReportedErrorCleared(ArrayList reports, string key)
    {
        var entry = LastErrorEntry(reports, key);
        return entry != null && entry.Kind == JsonKind.Null;
    }

    public static bool Contains(string text, string fragment) => text != null && text.IndexOf(fragment) >= 0;

    private void Answer(AgentAction action, ArrayList queue)
    {
        switch (action)
        {
            case SetRelay set:
                if (RelayFailure != null)
                {
                    queue.Add(new RelaySwitchFailed(set.On, RelayFailure));
                }
                else
                {
                    if (set.On != RelayPin)
                    {
                        Actuations++;
                    }

                    RelayPin = set.On;
                    queue.Add(new RelaySwitched(set.On));
                }

                break;
            case ReadSensor:
                queue.Add(new SensorRead(NextReading));
                break;
            case StartTimer start:
                _pending[(int)start.Timer] = true;
                _due[(int)start.Timer] = Now + start.Delay;
                break;
            case CancelTimer cancel:
                _pending[(int)cancel.Timer] = false;
                break;
            case AgentStopped:
                Stopped = true;
                break;
        }
    }
}
