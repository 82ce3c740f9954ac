using System.Device.Gpio;
using DeviceFirmware.Hardware;
using Microsoft.Extensions.Logging.Abstractions;

namespace DeviceFirmware.Tests.Hardware;

[TestClass]
public sealed class RelayTests
{
    [TestMethod]
    [DataRow(false, false, "Low")]
    [DataRow(true, false, "High")]
    [DataRow(false, true, "High")]
    [DataRow(true, true, "Low")]
    public void Pin_level_follows_the_board_polarity(bool on, bool activeLow, string level)
    {
        Assert.AreEqual(level == "High" ? PinValue.High : PinValue.Low, GpioRelay.LevelFor(on, activeLow));
    }

    [TestMethod]
    public void Simulated_relay_counts_only_real_changes()
    {
        var relay = new SimulatedRelay(NullLogger<SimulatedRelay>.Instance);
        relay.Set(true);
        relay.Set(true);
        relay.Set(false);
        Assert.AreEqual(2, relay.Actuations);
        Assert.IsFalse(relay.IsOn);
    }

    [TestMethod]
    public void State_file_round_trips_and_missing_or_corrupt_files_mean_no_state()
    {
        var folder = Path.Combine(Path.GetTempPath(), "relay-state-" + Guid.NewGuid().ToString("N"));
        var path = Path.Combine(folder, "relay-state");
        try
        {
            var file = new RelayStateFile(path, NullLogger<RelayStateFile>.Instance);
            Assert.IsNull(file.Load(), "missing file");
            file.Save(true);
            Assert.IsTrue(new RelayStateFile(path, NullLogger<RelayStateFile>.Instance).Load());
            file.Save(false);
            Assert.IsFalse(file.Load());
            Assert.IsFalse(File.Exists(path + ".tmp"), "the temporary file is renamed into place");
            File.WriteAllText(path, "\u0000\u0000garbage");
            Assert.IsNull(file.Load(), "a torn or foreign file is not trusted");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
