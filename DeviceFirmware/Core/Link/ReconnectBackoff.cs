using System;
using DeviceFirmware.Core.Agent;

namespace DeviceFirmware.Core.Link;

/// <summary>
/// Reconnect delays with "full jitter", as AWS's own aws-c-mqtt client does:
/// delay = random(0, min(max, min * 2^attempt)). Spreading the retries at random keeps a
/// fleet that lost the broker together from reconnecting in lockstep.
/// </summary>
public sealed class ReconnectBackoff
{
    /// <summary>Doubling past this many attempts overflows; by then the cap is long reached anyway.</summary>
    public const int MaximumAttempt = 62;

    private readonly RandomSource _random;

    /// <param name="minimum">The first cap (attempt 0).</param>
    /// <param name="maximum">The largest cap.</param>
    /// <param name="random">Returns a number in [0, 1); injected so tests are exact.</param>
    public ReconnectBackoff(TimeSpan minimum, TimeSpan maximum, RandomSource random)
    {
        if (minimum <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(minimum), "The minimum backoff must be positive.");
        }

        if (maximum < minimum)
        {
            throw new ArgumentOutOfRangeException(nameof(maximum), "The maximum backoff must not be below the minimum.");
        }

        Minimum = minimum;
        Maximum = maximum;
        _random = random ?? throw new ArgumentNullException(nameof(random));
    }

    public TimeSpan Minimum { get; }

    public TimeSpan Maximum { get; }

    /// <summary>The upper bound of the delay for this attempt (0-based): min(max, min * 2^attempt).</summary>
    public TimeSpan Cap(int attempt)
    {
        if (attempt < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(attempt), "The attempt number starts at 0.");
        }

        // Doubling in integer ticks stops as soon as the maximum is reached, so it cannot overflow.
        var ticks = Minimum.Ticks;
        for (var i = 0; i < attempt && ticks < Maximum.Ticks; i++)
        {
            ticks = ticks > Maximum.Ticks / 2 ? Maximum.Ticks : ticks * 2;
        }

        return ticks >= Maximum.Ticks ? Maximum : TimeSpan.FromTicks(ticks);
    }

    /// <summary>A delay drawn uniformly from [0, Cap(attempt)); the cap itself if the random source returns 1 or more, or NaN.</summary>
    public TimeSpan NextDelay(int attempt)
    {
        var r = _random();
        // A broken random source must not turn the backoff into retrying at once: it waits the cap.
        if (r >= 1 || double.IsNaN(r))
        {
            return Cap(attempt);
        }

        return TimeSpan.FromTicks((long)(Cap(attempt).Ticks * (r > 0 ? r : 0)));
    }
}
