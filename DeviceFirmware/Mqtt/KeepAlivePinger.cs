namespace DeviceFirmware.Mqtt;

/// <summary>
/// The client's MQTT keep-alive, in place of MQTTnet's (which wakes every 250 ms whether or not a ping
/// is due): one timer, armed for the moment the link will have been silent for a keep-alive period.
/// Sends PINGREQ only after a period in which nothing was sent (MQTT 3.1.1 section 3.1.2.10); a
/// PINGRESP that does not come within the ping timeout means the link is dead, and
/// <c>linkLost</c> is called once and the pinger stops.
/// Concurrency: <see cref="NotePacketSent"/> may be called from any thread, at any time.
/// </summary>
public sealed class KeepAlivePinger
{
    private readonly TimeProvider _time;
    private readonly TimeSpan _period;
    private readonly TimeSpan _pingTimeout;
    private readonly Func<CancellationToken, Task> _ping;
    private readonly Action<string> _linkLost;
    private long _lastSentTimestamp;

    public KeepAlivePinger(TimeProvider time, TimeSpan period, TimeSpan pingTimeout, Func<CancellationToken, Task> ping, Action<string> linkLost)
    {
        _time = time ?? throw new ArgumentNullException(nameof(time));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(period, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(pingTimeout, TimeSpan.Zero);
        _period = period;
        _pingTimeout = pingTimeout;
        _ping = ping ?? throw new ArgumentNullException(nameof(ping));
        _linkLost = linkLost ?? throw new ArgumentNullException(nameof(linkLost));
        _lastSentTimestamp = time.GetTimestamp();
    }

    /// <summary>Any packet sent to the broker counts as a sign of life and defers the next ping.</summary>
    public void NotePacketSent() => Volatile.Write(ref _lastSentTimestamp, _time.GetTimestamp());

    /// <summary>Runs until <paramref name="cancellationToken"/> is cancelled or a ping goes unanswered.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var silent = _time.GetElapsedTime(Volatile.Read(ref _lastSentTimestamp));
            if (silent < _period)
            {
                try
                {
                    await Task.Delay(_period - silent, _time, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                continue;
            }

            using var deadline = new CancellationTokenSource(_pingTimeout, _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
            try
            {
                await _ping(linked.Token).ConfigureAwait(false);
                NotePacketSent();
            }
            catch (Exception) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                _linkLost(deadline.IsCancellationRequested
                    ? "no PINGRESP within " + _pingTimeout.TotalSeconds + " s; the link is presumed dead"
                    : "the keep-alive ping failed: " + ex.GetBaseException().Message);
                return;
            }
        }
    }
}
