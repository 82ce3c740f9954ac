namespace DeviceFirmware.Core;

/// <summary>
/// Reconnect delays with "full jitter", as AWS's own aws-c-mqtt client does:
/// delay = random(0, min(max, min * 2^attempt)). Spreading the retries at random keeps a
/// fleet that lost the broker together from reconnecting in lockstep.
/// </summary>
public sealed class ReconnectBackoff
{
    private readonly Func<double> _random;

    /// <param name="minimum">The first cap (attempt 0).</param>
    /// <param name="maximum">The largest cap.</param>
    /// <param name="random">Returns a number in [0, 1); injected so tests are exact.</param>
    public ReconnectBackoff(TimeSpan minimum, TimeSpan maximum, Func<double> random)
    {
        if (minimum <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(minimum), minimum, "The minimum backoff must be positive.");
        }

        if (maximum < minimum)
        {
            throw new ArgumentOutOfRangeException(nameof(maximum), maximum, "The maximum backoff must not be below the minimum.");
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
            throw new ArgumentOutOfRangeException(nameof(attempt), attempt, "The attempt number starts at 0.");
        }

        // Doubling past 62 overflows; by then the cap is long reached anyway.
        var factor = attempt >= 62 ? double.MaxValue : Math.Pow(2, attempt);
        var ticks = Minimum.Ticks * factor;
        return ticks >= Maximum.Ticks ? Maximum : TimeSpan.FromTicks((long)ticks);
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

        return TimeSpan.FromTicks((long)(Cap(attempt).Ticks * Math.Max(r, 0)));
    }
}
