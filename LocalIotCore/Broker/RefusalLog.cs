using Microsoft.Extensions.Logging;

namespace LocalIotCore.Broker;

/// <summary>What the broker refused; each kind gets its own log budget.</summary>
public enum RefusalKind
{
    TlsHandshake,
    PlaintextOnTlsPort,
    HandshakeDeadline,
    ConnectDeadline,
    MalformedPacket,
    OversizedPacket,
    InvalidTopic,
    WillRefused,
    PublishRefused,
    SubscribeRefused,
    ConnectRefused,
    ReceiveRefused,
}

/// <summary>
/// Warnings for refused input, at most one line per kind per window: a flood of bad connections
/// cannot fill the log, and the next line says how many of that kind were not logged.
/// </summary>
public sealed class RefusalLog(ILogger log, TimeProvider time, TimeSpan window)
{
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromSeconds(10);

    private readonly Lock _gate = new();
    private readonly Dictionary<RefusalKind, (long LastTimestamp, int Suppressed)> _kinds = [];
    private readonly Dictionary<RefusalKind, int> _counts = [];

    /// <summary>Refusals of this kind so far (logged or not).</summary>
    public int Count(RefusalKind kind)
    {
        lock (_gate)
        {
            return _counts.GetValueOrDefault(kind);
        }
    }

    public void Refused(RefusalKind kind, string what)
    {
        ArgumentNullException.ThrowIfNull(what);
        int suppressed;
        lock (_gate)
        {
            _counts[kind] = _counts.GetValueOrDefault(kind) + 1;
            var now = time.GetTimestamp();
            if (_kinds.TryGetValue(kind, out var last) && time.GetElapsedTime(last.LastTimestamp, now) < window)
            {
                _kinds[kind] = (last.LastTimestamp, last.Suppressed + 1);
                return;
            }

            suppressed = _kinds.TryGetValue(kind, out last) ? last.Suppressed : 0;
            _kinds[kind] = (now, 0);
        }

        if (suppressed == 0)
        {
            log.LogWarning("Refused ({Kind}): {What}", kind, what);
        }
        else
        {
            log.LogWarning("Refused ({Kind}): {What} ({Suppressed} more of this kind in the last {Window} s were not logged)", kind, what, suppressed, (int)window.TotalSeconds);
        }
    }
}
