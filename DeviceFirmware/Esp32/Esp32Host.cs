using System;
using DeviceFirmware.Core.Agent;

namespace DeviceFirmware.Esp32;

/// <summary>
/// The loop that feeds the core one event at a time and carries out what it asks, in order — the
/// ESP32 counterpart of the Pi's DeviceAgentService, with threads and a fixed ring instead of tasks
/// and channels. It decides nothing: connect, backoff, shadow sync, relay policy and telemetry
/// numbering are the agent's. Relay and sensor results are handled before the next outside event,
/// so the agent's view of the pin is never behind. Runs forever: a device has no shutdown signal, so
/// ShutdownRequested is never posted (a power cut leaves the Last Will to mark the device offline).
/// </summary>
internal sealed class Esp32Host
{
    /// <summary>The loop wakes at least this often even with no timer due (a cheap heartbeat).</summary>
    private const int MaximumIdleMilliseconds = 1000;

    private const int LocalCapacity = 8;

    private readonly DeviceAgent _agent;
    private readonly EventInbox _inbox;
    private readonly LinkWorker _link;
    private readonly RelayPin _relay;
    private readonly Bme280Sensor _sensor;
    private readonly TelemetryRing _outbox;
    private readonly TelemetrySequenceFile _sequences;
    private readonly HeapReport _heap;
    private readonly SerialLog _log;
    private readonly AgentTimers _timers = new AgentTimers();
    private readonly ActionList _actions = new ActionList(32);
    private readonly AgentEvent[] _local = new AgentEvent[LocalCapacity];
    private int _localCount;
    private DateTime _lastUtc = DateTime.MinValue;

    public Esp32Host(DeviceAgent agent, EventInbox inbox, LinkWorker link, RelayPin relay, Bme280Sensor sensor, TelemetryRing outbox,
        TelemetrySequenceFile sequences, HeapReport heap, SerialLog log)
    {
        _agent = agent;
        _inbox = inbox;
        _link = link;
        _relay = relay;
        _sensor = sensor;
        _outbox = outbox;
        _sequences = sequences;
        _heap = heap;
        _log = log;
    }

    public void Run(AgentStarted started)
    {
        Handle(started);
        while (true)
        {
            long now = Environment.TickCount64;
            if (_timers.TakeDue(now, out AgentTimer due))
            {
                Handle(new TimerDue(due));
                continue;
            }

            var next = _inbox.Take(_timers.MillisecondsUntilNext(now, MaximumIdleMilliseconds));
            if (next != null)
            {
                Handle(next);
            }

            _heap.MaybeReport(Environment.TickCount64);
        }
    }

    /// <summary>Handles one event and then the relay and sensor results its actions produced.</summary>
    private void Handle(AgentEvent first)
    {
        AddLocal(first);
        while (_localCount > 0)
        {
            var agentEvent = _local[0];
            Array.Copy(_local, 1, _local, 0, _localCount - 1);
            _local[--_localCount] = null!;
            try
            {
                _agent.Handle(agentEvent, UtcNow(), _actions);
            }
            catch (Exception ex)
            {
                // A shell bug, not bad input (the agent refuses bad input with results, not exceptions).
                _log.Error(SerialLog.HostCategory, "The agent refused " + agentEvent.GetType().Name + ": " + ex.Message);
                continue;
            }

            for (int i = 0; i < _actions.Count; i++)
            {
                Execute(_actions[i]);
            }

            _actions.Clear();
            if (agentEvent is ConnectSucceeded)
            {
                _heap.Report("after connect");
            }
        }
    }

    private void Execute(AgentAction action)
    {
        switch (action)
        {
            case Connect:
                _link.Connect();
                break;
            case Subscribe subscribe:
                _link.Subscribe(subscribe.Topics);
                break;
            case Publish publish:
                _link.Publish(publish.Topic, publish.Payload);
                break;
            case Disconnect:
                _link.Disconnect();
                break;
            case SetRelay set:
                try
                {
                    _relay.Set(set.On);
                    AddLocal(new RelaySwitched(set.On));
                }
                catch (Exception ex)
                {
                    AddLocal(new RelaySwitchFailed(set.On, ex.Message));
                }

                break;
            case SaveRelayState save:
                RelayStateFile.Save(save.On, _log);
                break;
            case ReadSensor:
                AddLocal(new SensorRead(_sensor.Read(UtcNow())));
                break;
            case EnqueueTelemetry telemetry:
                _sequences.Used(telemetry.Sequence);
                int dropped = _outbox.Enqueue(telemetry.Sequence, telemetry.Topic, telemetry.Payload);
                if (dropped > 0)
                {
                    _log.Warn(SerialLog.HostCategory, "Telemetry outbox full (" + _outbox.Capacity.ToString() + " entries): dropped the " + dropped.ToString() +
                        " oldest; " + _outbox.Dropped.ToString() + " dropped since start.");
                }

                break;
            case FlushTelemetry:
                _link.FlushTelemetry();
                break;
            case StartTimer start:
                _timers.Start(start.Timer, start.Delay, Environment.TickCount64);
                break;
            case CancelTimer cancel:
                _timers.Cancel(cancel.Timer);
                break;
            case Log log:
                _log.Write(log.Level, SerialLog.AgentCategory, log.Message);
                break;
            case AgentStopped:
                _log.Info(SerialLog.HostCategory, "The agent stopped.");
                break;
            default:
                _log.Error(SerialLog.HostCategory, "Unknown agent action " + action.GetType().Name);
                break;
        }
    }

    private void AddLocal(AgentEvent agentEvent)
    {
        if (_localCount == LocalCapacity)
        {
            _log.Error(SerialLog.HostCategory, "Dropped " + agentEvent.GetType().Name + ": " + LocalCapacity.ToString() + " results are already waiting.");
            return;
        }

        _local[_localCount++] = agentEvent;
    }

    /// <summary>
    /// The time the agent sees: the wall clock, which SNTP sets once from 1970 to now (a jump forward
    /// the agent's elapsed-time checks take as "long ago"), but never backwards: a later SNTP
    /// correction to an earlier second is held until the clock catches up.
    /// </summary>
    private DateTime UtcNow()
    {
        var now = DateTime.UtcNow;
        if (now > _lastUtc)
        {
            _lastUtc = now;
        }

        return _lastUtc;
    }
}
