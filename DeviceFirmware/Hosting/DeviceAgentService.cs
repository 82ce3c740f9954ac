using System.Runtime.InteropServices;
using System.Threading.Channels;
using DeviceFirmware.Cloud;
using DeviceFirmware.Core.Agent;
using DeviceFirmware.Core.Sensors;
using DeviceFirmware.Hardware;
using DeviceFirmware.Mqtt;
using DeviceFirmware.Telemetry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DeviceFirmware.Hosting;

/// <summary>
/// The shell around <see cref="DeviceAgent"/>: one loop feeds it events with the current time and
/// carries out its actions. MQTT requests go through an ordered sender so the loop never waits on
/// the network; relay results are handled before the next outside event, so the agent's view of
/// the pin is never behind. Stops only when the host stops (never because the link is down).
/// </summary>
public sealed class DeviceAgentService : BackgroundService
{
    /// <summary>Upper bound on draining the MQTT sender once the agent has stopped.</summary>
    private static readonly TimeSpan SenderDrainTimeout = TimeSpan.FromSeconds(5);

    /// <summary>A safety net only: the connection itself gives up on a PUBACK/SUBACK after
    /// Mqtt:ConnectTimeoutSeconds and declares the link dead. Cancelling earlier than that would
    /// hide a dead link (the cancellation is the caller's, not a verdict on the link).</summary>
    private static readonly TimeSpan SenderRequestTimeout = TimeSpan.FromSeconds(2 * MqttConnectionOptions.MaximumConnectTimeoutSeconds);

    private readonly DeviceAgent _agent;
    private readonly IMqttConnection _mqtt;
    private readonly IRelay _relay;
    private readonly IEnvironmentSensor _sensor;
    private readonly ITelemetryQueue _telemetry;
    private readonly IRelayStateStore? _relayState;
    private readonly IS3Fetcher? _s3;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly ILogger _agentLog;
    // Synchronous continuations: a writer that finds the loop (or the sender) waiting runs it on its own
    // thread until it waits again, instead of waking a thread-pool worker for every message: 15.9 -> 13.4
    // context switches per motor command (delta in, report out, the two /update/accepted; the C floor
    // responder needs 2.5), and context switching was the bulk of a profile (Firmware.Benchmarks footprint).
    // Safe here: nothing posts while holding a lock, and neither loop blocks (the sender awaits its
    // acknowledgements; the loop's relay, file and log actions are short and synchronous anyway).
    private readonly Channel<object> _inbox = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = true });
    private readonly Channel<SenderWork> _outbox = Channel.CreateUnbounded<SenderWork>(new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = true });
    private readonly Dictionary<AgentTimer, TimerSlot> _timers = [];
    private readonly ActionList _actions = new();
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CancellationTokenSource? _connectCancellation;
    private int _connectionEpoch;
    private int _sensorReadInFlight;
    private int _timerGeneration;

    public DeviceAgentService(
        DeviceAgent agent,
        IMqttConnection mqtt,
        IRelay relay,
        IEnvironmentSensor sensor,
        ITelemetryQueue telemetry,
        IRelayStateStore? relayState,
        TimeProvider time,
        ILoggerFactory loggerFactory,
        IS3Fetcher? s3 = null)
    {
        _agent = agent ?? throw new ArgumentNullException(nameof(agent));
        _mqtt = mqtt ?? throw new ArgumentNullException(nameof(mqtt));
        _relay = relay ?? throw new ArgumentNullException(nameof(relay));
        _sensor = sensor ?? throw new ArgumentNullException(nameof(sensor));
        _telemetry = telemetry ?? throw new ArgumentNullException(nameof(telemetry));
        _relayState = relayState;
        _s3 = s3;
        _time = time ?? throw new ArgumentNullException(nameof(time));
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _log = loggerFactory.CreateLogger("DeviceFirmware.Host");
        _agentLog = loggerFactory.CreateLogger("DeviceFirmware.Agent");
        _mqtt.MessageReceived += (topic, payload) => Post(Received(topic, payload));
        _mqtt.ConnectionLost += reason => Post(new ConnectionLost(reason));
    }

    /// <summary>Completes when the agent has finished its shutdown (connected=false reported, DISCONNECT sent).</summary>
    public Task Stopped => _stopped.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var sender = Task.Run(RunSenderAsync, CancellationToken.None);
        using var stopRegistration = stoppingToken.Register(() => Post(new ShutdownRequested()));
        try
        {
            var saved = _relayState?.Load() switch
            {
                true => SavedRelayState.On,
                false => SavedRelayState.Off,
                null => SavedRelayState.None,
            };
            Post(new AgentStarted(saved, _telemetry.LastSequence, _sensor.Model, _s3?.LoadRecord()));
            await RunLoopAsync().ConfigureAwait(false);
        }
        finally
        {
            _outbox.Writer.TryComplete();
            foreach (var slot in _timers.Values)
            {
                slot.Timer.Dispose();
            }

            _timers.Clear();
            _connectCancellation?.Cancel();
            await sender.WaitAsync(SenderDrainTimeout, _time, CancellationToken.None).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            _stopped.TrySetResult();
        }
    }

    private void Post(object item) => _inbox.Writer.TryWrite(item);

    /// <summary>The connection hands over a payload it no longer uses: wrap its array, copy only if it has none.</summary>
    private static MessageReceived Received(string topic, ReadOnlyMemory<byte> payload) =>
        MemoryMarshal.TryGetArray(payload, out var segment) && segment.Array is not null
            ? new MessageReceived(topic, segment.Array, segment.Offset, segment.Count)
            : new MessageReceived(topic, payload.ToArray());

    private async Task RunLoopAsync()
    {
        var local = new Queue<AgentEvent>();
        // The loop does not observe the stopping token: shutdown is an event the agent must see through.
        while (await _inbox.Reader.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false))
        {
            while (_inbox.Reader.TryRead(out var item))
            {
                var agentEvent = Unwrap(item);
                if (agentEvent is null)
                {
                    continue;
                }

                local.Enqueue(agentEvent);
                while (local.Count > 0)
                {
                    if (HandleOne(local.Dequeue(), local))
                    {
                        return;
                    }
                }
            }
        }
    }

    private AgentEvent? Unwrap(object item)
    {
        if (item is TimerFired fired)
        {
            // A cancelled or restarted timer may already have queued its callback: drop stale ones.
            if (!_timers.TryGetValue(fired.Timer, out var slot) || slot.Generation != fired.Generation)
            {
                return null;
            }

            slot.Timer.Dispose();
            _timers.Remove(fired.Timer);
            return new TimerDue(fired.Timer);
        }

        if (item is ConnectResult result)
        {
            return result.Error is null ? new ConnectSucceeded() : new ConnectFailed(result.Error);
        }

        return (AgentEvent)item;
    }

    /// <returns>True when the agent has stopped.</returns>
    private bool HandleOne(AgentEvent agentEvent, Queue<AgentEvent> local)
    {
        try
        {
            _agent.Handle(agentEvent, _time.GetUtcNow().UtcDateTime, _actions);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException)
        {
            // A shell bug, not bad input: log it loudly and keep the device running.
            _log.LogError(ex, "The agent refused {Event}", agentEvent.GetType().Name);
            return false;
        }

        if (agentEvent is ConnectionLost)
        {
            _telemetry.Pause();
        }
        else if (agentEvent is ShutdownRequested)
        {
            // A connect attempt in flight ends at once; its result completes the shutdown.
            _connectCancellation?.Cancel();
        }

        var stopped = false;
        for (var i = 0; i < _actions.Count; i++)
        {
            stopped |= Execute(_actions[i], local);
        }

        _actions.Clear();
        return stopped;
    }

    private bool Execute(AgentAction action, Queue<AgentEvent> local)
    {
        switch (action)
        {
            case Connect:
                StartConnect();
                break;
            case Subscribe subscribe:
                _outbox.Writer.TryWrite(new SenderWork(_connectionEpoch, subscribe));
                break;
            case Publish publish:
                _outbox.Writer.TryWrite(new SenderWork(_connectionEpoch, publish));
                break;
            case Disconnect disconnect:
                _telemetry.Pause();
                _outbox.Writer.TryWrite(new SenderWork(_connectionEpoch, disconnect));
                break;
            case SetRelay set:
                try
                {
                    _relay.Set(set.On);
                    local.Enqueue(new RelaySwitched(set.On));
                }
                catch (Exception ex) when (ex is IOException or InvalidOperationException or UnauthorizedAccessException or NotSupportedException)
                {
                    local.Enqueue(new RelaySwitchFailed(set.On, ex.Message));
                }

                break;
            case SaveRelayState save:
                SaveRelayState(save.On);
                break;
            case ReadSensor:
                StartSensorRead();
                break;
            case EnqueueTelemetry telemetry:
                EnqueueTelemetry(telemetry);
                break;
            case FlushTelemetry:
                _telemetry.Flush();
                break;
            case StartTimer start:
                StartTimer(start.Timer, start.Delay);
                break;
            case CancelTimer cancel:
                if (_timers.Remove(cancel.Timer, out var slot))
                {
                    slot.Timer.Dispose();
                }

                break;
            case FetchS3Object fetch when _s3 is not null:
                _s3.Start(fetch, Post);
                break;
            case CancelS3Fetch cancel:
                _s3?.Cancel(cancel.FetchId);
                break;
            case Log log:
                _agentLog.Log(ToLogLevel(log.Level), "{Message}", log.Message);
                break;
            case AgentStopped:
                return true;
            default:
                _log.LogError("Unknown agent action {Action}", action);
                break;
        }

        return false;
    }

    private void StartConnect()
    {
        _connectCancellation?.Dispose();
        var cancellation = new CancellationTokenSource();
        _connectCancellation = cancellation;
        Interlocked.Increment(ref _connectionEpoch);
        _ = Task.Run(async () =>
        {
            string? error = null;
            try
            {
                await _mqtt.ConnectAsync(cancellation.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                error = "connect attempt cancelled (shutting down)";
            }
            catch (Exception ex)
            {
                // Every failure becomes a retry with backoff; the text is for the operator.
                error = ex.Message;
            }

            Post(new ConnectResult(error));
        }, CancellationToken.None);
    }

    private void StartSensorRead()
    {
        // One read at a time (the sensor contract); a tick that finds a read running is skipped.
        if (Interlocked.Exchange(ref _sensorReadInFlight, 1) == 1)
        {
            _log.LogDebug("Sensor read still running; skipped this tick.");
            return;
        }

        _ = Task.Run(() =>
        {
            SensorReading reading;
            try
            {
                reading = _sensor.Read();
            }
            catch (Exception ex)
            {
                // The contract says Read never throws; a driver bug must still not stop the device.
                reading = SensorReading.Failed(ex.GetType().Name + ": " + ex.Message);
            }
            finally
            {
                Volatile.Write(ref _sensorReadInFlight, 0);
            }

            Post(new SensorRead(reading));
        }, CancellationToken.None);
    }

    private void EnqueueTelemetry(EnqueueTelemetry telemetry)
    {
        try
        {
            _telemetry.Enqueue(telemetry.Sequence, telemetry.Topic, telemetry.Payload, _time.GetUtcNow());
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or UnauthorizedAccessException or Microsoft.Data.Sqlite.SqliteException)
        {
            _log.LogError(ex, "Telemetry seq {Sequence} could not be stored in the outbox", telemetry.Sequence);
        }
    }

    private void SaveRelayState(bool on)
    {
        try
        {
            _relayState?.Save(on);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _log.LogError(ex, "The relay state could not be saved; power-on state Last may restore an older state");
        }
    }

    private void StartTimer(AgentTimer timer, TimeSpan delay)
    {
        if (_timers.Remove(timer, out var existing))
        {
            existing.Timer.Dispose();
        }

        var generation = ++_timerGeneration;
        var fired = new TimerFired(timer, generation);
        var itimer = _time.CreateTimer(_ => Post(fired), null, delay < TimeSpan.Zero ? TimeSpan.Zero : delay, Timeout.InfiniteTimeSpan);
        _timers[timer] = new TimerSlot(itimer, generation);
    }

    private async Task RunSenderAsync()
    {
        await foreach (var work in _outbox.Reader.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
        {
            if (work.Epoch != Volatile.Read(ref _connectionEpoch))
            {
                continue; // Belongs to a connection that is gone; the agent re-reports on the next one.
            }

            try
            {
                using var timeout = new CancellationTokenSource(work.Action is Disconnect ? SenderDrainTimeout * 2 : SenderRequestTimeout, _time);
                switch (work.Action)
                {
                    case Subscribe subscribe:
                        await _mqtt.SubscribeAsync(subscribe.Topics, timeout.Token).ConfigureAwait(false);
                        break;
                    case Publish publish:
                        await _mqtt.PublishAsync(publish.Topic, publish.Payload, timeout.Token).ConfigureAwait(false);
                        break;
                    case Disconnect:
                        await _mqtt.DisconnectAsync(timeout.Token).ConfigureAwait(false);
                        break;
                }
            }
            catch (Exception ex) when (work.Action is Subscribe)
            {
                // Without the shadow subscriptions the device would miss every command: start over.
                _log.LogError("Subscribing to the shadow topics failed: {Reason}. Reconnecting.", ex.Message);
                if (!_mqtt.IsConnected)
                {
                    continue; // The link itself failed, and the connection has reported it lost.
                }

                try
                {
                    await _mqtt.DisconnectAsync(CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception disconnectError)
                {
                    _log.LogDebug(disconnectError, "Disconnect after a failed subscription");
                }

                Post(new ConnectionLost("subscription refused: " + ex.Message));
            }
            catch (Exception ex)
            {
                _log.LogWarning("{Action} failed: {Reason}", work.Action.GetType().Name, ex.Message);
            }
        }
    }

    private static LogLevel ToLogLevel(AgentLogLevel level) => level switch
    {
        AgentLogLevel.Debug => LogLevel.Debug,
        AgentLogLevel.Information => LogLevel.Information,
        AgentLogLevel.Warning => LogLevel.Warning,
        _ => LogLevel.Error,
    };

    public override void Dispose()
    {
        _connectCancellation?.Dispose();
        base.Dispose();
    }

    private sealed record TimerFired(AgentTimer Timer, int Generation);

    private sealed record TimerSlot(ITimer Timer, int Generation);

    private sealed record ConnectResult(string? Error);

    private sealed record SenderWork(int Epoch, AgentAction Action);
}
