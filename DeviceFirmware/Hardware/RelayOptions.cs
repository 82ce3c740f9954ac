using DeviceFirmware.Core.Agent;

namespace DeviceFirmware.Hardware;

/// <summary>Configuration section "Relay": the motor relay's pin and the policy that protects the motor.</summary>
public sealed class RelayOptions
{
    public const string Section = "Relay";

    /// <summary>BCM (GPIO) number, not the header pin number.</summary>
    public int Pin { get; set; } = DefaultPin;

    public const int DefaultPin = 17;

    /// <summary>Many relay boards switch on when the input is pulled low.</summary>
    public bool ActiveLow { get; set; }

    public PowerOnState PowerOnState { get; set; } = PowerOnState.Off;

    public double MinimumSwitchIntervalSeconds { get; set; } = AgentSettings.DefaultMinimumSwitchIntervalSeconds;

    /// <summary>Switch off after this many minutes without a connection; empty = never.</summary>
    public double? OfflineFailSafeMinutes { get; set; }

    /// <summary>Switch off after this many minutes on; empty = never.</summary>
    public double? MaximumOnMinutes { get; set; }

    /// <summary>Default <c>&lt;DataDirectory&gt;/relay-state.json</c> (used by power-on state Last).</summary>
    public string? StateFilePath { get; set; }

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Pin is < 0 or > 53)
        {
            errors.Add("Relay:Pin is " + Pin + "; give the BCM GPIO number (0 to 53 on a Raspberry Pi; default " + DefaultPin + "), not the header pin number.");
        }

        if (!(MinimumSwitchIntervalSeconds >= 0) || MinimumSwitchIntervalSeconds > 3600)
        {
            errors.Add("Relay:MinimumSwitchIntervalSeconds is " + MinimumSwitchIntervalSeconds + "; it must be from 0 to 3600 (default " + AgentSettings.DefaultMinimumSwitchIntervalSeconds + ", which protects the motor from rapid cycling).");
        }

        if (OfflineFailSafeMinutes is double offline && !(offline > 0))
        {
            errors.Add("Relay:OfflineFailSafeMinutes is " + offline + "; leave it empty to switch the fail-safe off, or give minutes above 0.");
        }

        if (MaximumOnMinutes is double maximum && !(maximum > 0))
        {
            errors.Add("Relay:MaximumOnMinutes is " + maximum + "; leave it empty for no limit, or give minutes above 0.");
        }

        return errors;
    }
}
