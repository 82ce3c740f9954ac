using Microsoft.Extensions.Logging;

namespace DeviceFirmware.Telemetry;

/// <summary>
/// <see cref="ITelemetryQueue"/> over the durable outbox: stores every message, and while the link is
/// up publishes the stored ones strictly in seq order, one at a time, removing each only after its
/// PUBACK. A failed publish leaves it (and everything after it) stored until the next
/// <see cref="Flush"/>. A message may thus be sent twice (at-least-once), never skipped.
/// </summary>
public sealed class OutboxPublisher : ITelemetryQueue, IAsyncDisposable
{
    private const int BatchSize = 64;

    private readonly TelemetryOutbox _outbox;
    private readonly Func<string, ReadOnlyMemory<byte>, CancellationToken, Task> _publish;
    private readonly ILogger _log;
    private readonly object _gate = new();
    private readonly SemaphoreSlim _wake = new(0, int.MaxValue);
    private CancellationTokenSource? _run;
    private Task _loop = Task.CompletedTask;

    /// <param name="publish">Publishes at QoS 1 and completes at PUBACK; throws if the link fails first.</param>
    public OutboxPublisher(TelemetryOutbox outbox, Func<string, ReadOnlyMemory<byte>, CancellationToken, Task> publish, ILogger logger)
    {
        _outbox = outbox ?? throw new ArgumentNullException(nameof(outbox));
        _publish = publish ?? throw new ArgumentNullException(nameof(publish));
        _log = logger ?? throw new ArgumentNullException(nameof(logger));
    }

    public long LastSequence => _outbox.LastSequence;

    /// <summary>Messages published and acknowledged since start.</summary>
    public long Published { get; private set; }

    public void Enqueue(long sequence, string topic, ReadOnlyMemory<byte> payload, DateTimeOffset at)
    {
        _outbox.Enqueue(sequence, topic, payload, at);
        _wake.Release();
    }

    public void Flush()
    {
        lock (_gate)
        {
            if (_run is { IsCancellationRequested: false })
            {
                _wake.Release();
                return;
            }

            _run?.Dispose();
            var run = new CancellationTokenSource();
            _run = run;
            var previous = _loop;
            // The previous loop may still be unwinding: start after it, so two loops never interleave.
            _loop = Task.Run(async () =>
            {
                await previous.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                await RunAsync(run).ConfigureAwait(false);
            }, CancellationToken.None);
        }
    }

    public void Pause()
    {
        lock (_gate)
        {
            _run?.Cancel();
        }
    }

    public async ValueTask DisposeAsync()
    {
        Pause();
        Task loop;
        lock (_gate)
        {
            loop = _loop;
        }

        await loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _run?.Dispose();
        _wake.Dispose();
    }

    private async Task RunAsync(CancellationTokenSource run)
    {
        var cancellationToken = run.Token;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var batch = _outbox.PeekOldest(BatchSize);
                if (batch.Count == 0)
                {
                    await _wake.WaitAsync(cancellationToken).ConfigureAwait(false);
                    continue;
                }

                foreach (var entry in batch)
                {
                    await _publish(entry.Topic, entry.Payload, cancellationToken).ConfigureAwait(false);
                    _outbox.Remove(entry.Sequence);
                    Published++;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Paused: the link went down. What is stored stays stored.
        }
        catch (Exception ex)
        {
            _log.LogWarning("Telemetry flush stopped ({Reason}); {Count} message(s) stay in the outbox for the next connection.", ex.Message, _outbox.Count);
            // Stop this run; the next Flush (next connect or next reading) starts a new one.
            run.Cancel();
        }
    }
}
