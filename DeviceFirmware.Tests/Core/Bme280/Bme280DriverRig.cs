using System;
using System.Collections;
using DeviceFirmware.Core.Bme280;

namespace DeviceFirmware.Tests.Core.Bme280;

/// <summary>Builds a driver on a <see cref="FakeBme280"/> and records what it logs.</summary>
public static class Bme280DriverRig
{
    public static Bme280Driver Create(FakeBme280 chip, Bme280Settings settings, RecordingBme280Log? log)
    {
        return new Bme280Driver(chip, settings, new BlockingWait(chip.Advance), log);
    }

    public static Bme280Driver Create(FakeBme280 chip) => Create(chip, new Bme280Settings(), null);

    public static Bme280Settings BothAddresses()
    {
        var settings = new Bme280Settings();
        settings.Addresses = new int[] { Bme280Settings.PrimaryAddress, Bme280Settings.SecondaryAddress };
        return settings;
    }

    public static string Join(ArrayList items)
    {
        var text = "";
        for (var i = 0; i < items.Count; i++)
        {
            text = i == 0 ? items[i]!.ToString()! : text + ", " + items[i];
        }

        return text;
    }
}

/// <summary>The driver's log lines, in the Pi host's wording.</summary>
public sealed class RecordingBme280Log : IBme280Log
{
    public ArrayList Lines { get; } = new ArrayList();

    public void Found(string model, string address, int busId) =>
        Lines.Add("Sensor " + model + " found at " + address + " on I2C bus " + busId + ".");

    public void Faulted(string model, string status, double reprobeSeconds) =>
        Lines.Add("Sensor " + model + ": " + status + "; probing again in " + Seconds(reprobeSeconds) + " s.");

    // Whole seconds as integers, so the expected lines do not depend on a runtime's double formatting.
    private static string Seconds(double seconds) => seconds == (long)seconds ? ((long)seconds).ToString() : seconds.ToString();
}
