using Firmware.EndToEnd.Harness;

namespace Firmware.EndToEnd.Tests;

/// <summary>What the rig and the benchmarks call "the unit's environment" is deploy/devicefirmware.service's.</summary>
[TestClass]
public sealed class DeployedUnitTests
{
    [TestMethod]
    public void The_rig_gets_every_runtime_setting_of_the_unit_and_its_own_trust_store_and_device_settings()
    {
        var unit = DeployedUnit.Environment();
        var rig = DeployedUnit.ForRig("/rig/root-ca.pem", "/rig/empty");

        Assert.AreEqual("/rig/root-ca.pem", rig["SSL_CERT_FILE"]);
        Assert.AreEqual("/rig/empty", rig["SSL_CERT_DIR"]);
        var runtimeSettings = 0;
        foreach (var pair in unit)
        {
            if (pair.Key.StartsWith("DeviceFirmware__", StringComparison.Ordinal))
            {
                // Raspberry Pi hardware and /var/lib paths are the device's; the rig's command line sets its own.
                Assert.IsFalse(rig.ContainsKey(pair.Key), pair.Key);
            }
            else if (pair.Key.StartsWith("DOTNET_", StringComparison.Ordinal))
            {
                Assert.AreEqual(pair.Value, rig[pair.Key], pair.Key);
                runtimeSettings++;
            }
        }

        Assert.IsTrue(runtimeSettings > 0, "the unit sets no DOTNET_ variable, so the measured environment would equal the default");
    }
}
