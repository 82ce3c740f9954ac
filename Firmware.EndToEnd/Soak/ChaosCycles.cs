using System.Diagnostics;
using System.Globalization;
using Firmware.EndToEnd.Harness;

namespace Firmware.EndToEnd.Soak;

/// <summary>
/// Randomized fault cycles on a rig. It keeps its own idea of reality (is the device reachable?) and
/// samples the shadow's connected flag once a second against it: a sample counts as correct when the
/// flag matches reality, or reality changed less than the flag's bound ago (1.5 x keep-alive + 5 s to
/// go false, through the broker's keep-alive and the will; 15 s to go true, through backoff and the
/// reconnect's report).
/// </summary>
public sealed class ChaosCycles(Rig rig, Random random, TextWriter output)
{
    private static readonly TimeSpan StepPatience = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan OnlineBound = TimeSpan.FromSeconds(15);
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly SoakSummary _summary = new();
    private readonly object _reality = new();
    private bool _reachable;
    private TimeSpan _realityChangedAt;
    private bool _expectedMotor;

    private TimeSpan OfflineBound => TimeSpan.FromSeconds(rig.Options.KeepAliveSeconds * 1.5 + 5);

    public async Task<SoakSummary> RunAsync(TimeSpan duration)
    {
        rig.StartFirmware();
        await rig.WaitForFirmwareOnlineAsync(StepPatience).ConfigureAwait(false);
        await rig.Until(() => rig.Telemetry.HighestSeq >= 0, StepPatience, "first telemetry").ConfigureAwait(false);
        var firstSeq = rig.Telemetry.HighestSeq;
        SetReality(reachable: true);
        using var stopSampling = new CancellationTokenSource();
        var sampler = Task.Run(() => SampleFlagAsync(stopSampling.Token));

        while (_clock.Elapsed < duration)
        {
            _summary.Cycles++;
            var kind = Pick();
            Count(kind);
            var started = _clock.Elapsed;
            try
            {
                await RunFaultAsync(kind).ConfigureAwait(false);
                if (random.NextDouble() < 0.5)
                {
                    await ValidCommandAsync().ConfigureAwait(false);
                }
            }
            catch (TimeoutException ex)
            {
                _summary.Failures.Add(Stamp() + kind + ": " + FirstLine(ex.Message));
                output.WriteLine(Stamp() + "step failed: " + ex.Message);
                output.WriteLine(Stamp() + "shadow then: " + (await rig.Shadow.ShadowAsync().ConfigureAwait(false))?.ToJsonString());
                await RecoverAsync().ConfigureAwait(false);
            }

            output.WriteLine(Stamp() + "cycle " + _summary.Cycles + ": " + kind + " (" + (_clock.Elapsed - started).TotalSeconds.ToString("F1", CultureInfo.InvariantCulture) + " s)");
        }

        await stopSampling.CancelAsync().ConfigureAwait(false);
        await sampler.ConfigureAwait(false);

        // Everything produced arrives: in-order publishing means the newest implies the rest.
        try
        {
            await EnsureOnlineAsync().ConfigureAwait(false);
            var target = rig.Telemetry.HighestSeq + 3;
            await rig.Until(() => rig.Telemetry.HighestSeq >= target, StepPatience, "the last telemetry").ConfigureAwait(false);
        }
        catch (TimeoutException ex)
        {
            _summary.Failures.Add(Stamp() + "final flush: " + FirstLine(ex.Message));
        }

        _summary.Telemetry = rig.Telemetry.Tally(firstSeq);
        _summary.FirmwareCrashes = rig.FirmwareCrashes;
        _summary.Duration = _clock.Elapsed;
        return _summary;
    }

    private string Pick()
    {
        var roll = random.NextDouble();
        return roll switch
        {
            < 0.20 => "kill -9",
            < 0.35 => "blackhole",
            < 0.55 => "reset",
            < 0.65 => "broker restart",
            _ => "bad input",
        };
    }

    private async Task RunFaultAsync(string kind)
    {
        var firmware = rig.Firmware!;
        var mark = firmware.LineCount;
        switch (kind)
        {
            case "kill -9":
                SetReality(reachable: false);
                await rig.KillFirmwareAsync().ConfigureAwait(false);
                await Task.Delay(TimeSpan.FromSeconds(1 + (random.NextDouble() * 9))).ConfigureAwait(false);
                rig.StartFirmware();
                SetReality(reachable: true);
                await rig.WaitForFirmwareOnlineAsync(StepPatience).ConfigureAwait(false);
                break;
            case "blackhole":
                SetReality(reachable: false);
                rig.Proxy.Inject(NetworkFault.Blackhole);
                // Most are short; some outlast the broker's keep-alive, so the flag must go false.
                var hold = random.NextDouble() < 0.7 ? 3 + (random.NextDouble() * 12) : OfflineBound.TotalSeconds + 1 + (random.NextDouble() * 10);
                await Task.Delay(TimeSpan.FromSeconds(hold)).ConfigureAwait(false);
                rig.Proxy.Heal();
                SetReality(reachable: true);
                // A blackhole shorter than the PUBACK timeout may end before the firmware gives up on
                // the link: then nothing reconnects, the held bytes arrive late and telemetry resumes.
                var resumeFrom = rig.Telemetry.HighestSeq;
                await rig.Until(async () => rig.Telemetry.HighestSeq > resumeFrom + 1 && await rig.Shadow.ConnectedAsync().ConfigureAwait(false) == true, StepPatience, "telemetry flowing and connected=true after the blackhole").ConfigureAwait(false);
                break;
            case "reset":
                SetReality(reachable: false);
                rig.Proxy.Inject(NetworkFault.Reset);
                SetReality(reachable: true);
                await firmware.WaitForLineAsync(Rig.IsLinkLostLine, StepPatience, "the reset", mark).ConfigureAwait(false);
                await rig.WaitForFirmwareOnlineAsync(StepPatience, mark).ConfigureAwait(false);
                break;
            case "broker restart":
                SetReality(reachable: false);
                // The firmware is kept away until the telemetry consumer is back, so the consumer misses nothing.
                rig.Proxy.Inject(NetworkFault.Refuse);
                await rig.KillCloudAsync().ConfigureAwait(false);
                if (rig.Options.Broker == BrokerKind.Mosquitto)
                {
                    await rig.RestartMosquittoAsync().ConfigureAwait(false);
                }

                await rig.StartCloudAsync().ConfigureAwait(false);
                await rig.Until(() => rig.Telemetry.IsConnected, StepPatience, "the telemetry consumer back").ConfigureAwait(false);
                rig.Proxy.Heal();
                SetReality(reachable: true);
                await rig.WaitForFirmwareOnlineAsync(StepPatience, mark).ConfigureAwait(false);
                break;
            case "bad input":
                var input = BadInput.All[random.Next(BadInput.All.Count)];
                output.WriteLine(Stamp() + "bad input: " + input.Name);
                _summary.BadInputs[input.Name] = _summary.BadInputs.GetValueOrDefault(input.Name) + 1;
                // Count only what the bad input causes: first let the last valid command settle (a
                // command sent just after a restart can cross the firmware's first fetch, and the relay
                // then follows the fetched state and the command within milliseconds).
                await SettleAsync().ConfigureAwait(false);
                var before = rig.RelayActuations;
                await input.SendAsync(rig.PlainPort, rig.Options.Thing).ConfigureAwait(false);
                // No valid command is in flight, so any actuation in this window came from the bad input.
                await Task.Delay(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
                var moved = rig.RelayActuations - before;
                if (moved > 0)
                {
                    output.WriteLine(Stamp() + "the relay moved " + moved + " time(s) after bad input '" + input.Name + "'");
                }

                _summary.ActuationsOnInvalidInput += moved;
                if (!rig.FirmwareRunning)
                {
                    _summary.UnexpectedExits++;
                    throw new TimeoutException("the firmware exited after bad input '" + input.Name + "'");
                }

                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, null);
        }
    }

    private async Task ValidCommandAsync()
    {
        _expectedMotor = !_expectedMotor;
        _summary.ValidCommands++;
        var on = _expectedMotor;
        output.WriteLine(Stamp() + "desired MOTOR " + (on ? "ON" : "OFF"));
        var (status, body) = await rig.Shadow.DesireAsync(on ? "{\"MOTOR\":\"ON\"}" : "{\"MOTOR\":\"OFF\"}").ConfigureAwait(false);
        if (status != 200)
        {
            throw new TimeoutException("desired MOTOR refused by the shadow service: " + status + " " + body);
        }

        await rig.Until(async () =>
        {
            var document = await rig.Shadow.ShadowAsync().ConfigureAwait(false);
            return rig.RelayIsOn == on && (string?)document?["state"]?["reported"]?["MOTOR"] == (on ? "ON" : "OFF");
        }, StepPatience, "the motor command applied and reported").ConfigureAwait(false);
    }

    /// <summary>Waits until the shadow has no valid MOTOR delta pending, the relay matches reported.MOTOR, and the relay has not moved for a second.</summary>
    private async Task SettleAsync()
    {
        await rig.Until(async () =>
        {
            var document = await rig.Shadow.ShadowAsync().ConfigureAwait(false);
            // A delta left by earlier bad input ("on", 1) is refused for good: only a valid one is pending work.
            var pending = document?["state"]?["delta"]?["MOTOR"] is System.Text.Json.Nodes.JsonValue delta && delta.TryGetValue<string>(out var value) && value is "ON" or "OFF";
            return !pending && (string?)document?["state"]?["reported"]?["MOTOR"] == (rig.RelayIsOn ? "ON" : "OFF");
        }, StepPatience, "the relay and the shadow agreeing").ConfigureAwait(false);
        var quietSince = rig.RelayActuations;
        var quiet = Stopwatch.StartNew();
        while (quiet.Elapsed < TimeSpan.FromSeconds(1))
        {
            await Task.Delay(100).ConfigureAwait(false);
            if (rig.RelayActuations != quietSince)
            {
                quietSince = rig.RelayActuations;
                quiet.Restart();
            }
        }
    }

    /// <summary>After a step that did not recover in time: undo every fault and bring each program back.</summary>
    private async Task RecoverAsync()
    {
        rig.Proxy.Heal();
        if (rig.Cloud is { HasExited: true })
        {
            await rig.StartCloudAsync().ConfigureAwait(false);
        }

        try
        {
            await EnsureOnlineAsync().ConfigureAwait(false);
        }
        catch (TimeoutException ex)
        {
            _summary.Failures.Add(Stamp() + "recovery: " + FirstLine(ex.Message));
            await rig.KillFirmwareAsync().ConfigureAwait(false);
            rig.StartFirmware();
            await rig.WaitForFirmwareOnlineAsync(StepPatience).ConfigureAwait(false);
        }

        SetReality(reachable: true);
    }

    private async Task EnsureOnlineAsync()
    {
        if (!rig.FirmwareRunning)
        {
            _summary.UnexpectedExits++;
            rig.StartFirmware();
        }

        await rig.WaitForFirmwareOnlineAsync(StepPatience).ConfigureAwait(false);
    }

    private async Task SampleFlagAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            var flag = await rig.Shadow.ConnectedAsync().ConfigureAwait(false);
            if (flag is not bool connected)
            {
                continue; // LocalIotCore is down (a broker restart): nobody can read the flag.
            }

            bool reachable;
            TimeSpan since;
            lock (_reality)
            {
                reachable = _reachable;
                since = _clock.Elapsed - _realityChangedAt;
            }

            var bound = reachable ? OnlineBound : OfflineBound;
            lock (_summary)
            {
                _summary.FlagChecks++;
                if (connected == reachable || since < bound)
                {
                    _summary.FlagChecksCorrect++;
                }
            }
        }
    }

    private void SetReality(bool reachable)
    {
        lock (_reality)
        {
            if (_reachable != reachable)
            {
                _reachable = reachable;
                _realityChangedAt = _clock.Elapsed;
            }
        }
    }

    private void Count(string kind) => _summary.Faults[kind] = _summary.Faults.GetValueOrDefault(kind) + 1;

    private string Stamp() => "[" + _clock.Elapsed.ToString(@"mm\:ss", CultureInfo.InvariantCulture) + "] ";

    private static string FirstLine(string text) => text.Split('\n')[0];
}
